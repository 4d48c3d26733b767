import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mediamon.cli import cli

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EVAL_DIR = REPO.parent / "shared" / "eval"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "corpus.duckdb"


@pytest.fixture
def mm(db: Path) -> Callable[..., Result]:
    """Run the CLI in-process against the test corpus."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, ["--db", str(db), *args], input=input, catch_exceptions=False)

    return invoke


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
