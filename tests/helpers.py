"""What several test modules share: running the installed CLI, writing inputs, test sites."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from mediamon.demo.site import DemoSite

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EVAL_DIR = REPO.parent / "shared" / "eval"


def mediamon_cmd(*args: str) -> list[str]:
    """The installed console script, run as a separate process."""
    return [str(BIN / "mediamon"), *args]


def run_mediamon(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        mediamon_cmd(*args), capture_output=True, text=True, env=full_env, timeout=timeout
    )


def write_jsonl(path: Path, records: list[dict | str]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(record if isinstance(record, str) else json.dumps(record))
            fh.write("\n")
    return path


def sources_toml(site: DemoSite, path: Path, **entries: dict[str, Any]) -> Path:
    lines = []
    for source_id, fields in entries.items():
        fields = {
            "allowed_domains": ["127.0.0.1"],
            "allow_private": True,
            "delay": 0.0,
            "concurrency": 4,
            **fields,
        }
        lines.append("[[sources]]")
        lines.append(f'id = "{source_id}"')
        for key, value in fields.items():
            if isinstance(value, list):
                value = [
                    site.url(v) if isinstance(v, str) and v.startswith("/") else v for v in value
                ]
            lines.append(f"{key} = {json.dumps(value)}")
        lines.append("")
    path.write_text("\n".join(lines).replace("True", "true").replace("False", "false"))
    return path


BROKEN_TRAFILATURA = '''"""Test shim: `import trafilatura` fails, as with a broken installation."""
import sys
from importlib.abc import MetaPathFinder


class BrokenTrafilatura(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "trafilatura" or name.startswith("trafilatura."):
            raise ImportError(f"{name} is broken in this environment (a test shim)")
        return None


sys.meta_path.insert(0, BrokenTrafilatura())
'''


def broken_extractor_env(folder: Path) -> dict[str, str]:
    """An environment whose Python processes (the crawl's extraction workers included) cannot
    import trafilatura: a real ImportError from a `sitecustomize` on PYTHONPATH."""
    shim = folder / "broken-trafilatura"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(BROKEN_TRAFILATURA, encoding="utf-8")
    return {"PYTHONPATH": str(shim)}
