"""Every command, over the hostile inputs kept in tests/hostile/: one line, never a traceback.

Each leaf command of the CLI is run as a real subprocess against corpora that are not corpora
(SQLite, empty, text, damaged) and with the hostile configuration files, and must exit non-zero
with exactly one line on stderr. A command added to the CLI without a case here fails the
walk test, so the list cannot silently fall behind.
"""

import subprocess
from pathlib import Path

import click
import pytest

from mediamon.cli import cli
from tests.helpers import REPO, run_mediamon

HOSTILE = REPO / "tests" / "hostile"
CONFIG = HOSTILE / "config"

# the arguments each command is run with; {out} is a file in the test's folder
CASES: dict[str, list[str]] = {
    "init": ["init"],
    "ingest": ["ingest", str(HOSTILE / "ingest")],
    "crawl": ["crawl", "--max-pages", "1"],
    "reextract": ["reextract"],
    "tag": ["tag"],
    "query": ["query", "select count(*) from documents"],
    "search": ["search", "encryption"],
    "index": ["index"],
    "stats": ["stats"],
    "sources": ["sources", "--format", "json"],
    "export timeline": ["export", "timeline", "-o", "{out}.csv"],
    "export chart": ["export", "chart", "-o", "{out}.svg"],
    "report": ["report", "-o", "{out}.html"],
    "schedule": ["schedule", "--once", "--sources", str(CONFIG / "invalid.toml")],
    "demo": ["demo"],
    "config path": ["config", "path", "no-such-file"],
    "config show": ["config", "show", "no-such-file"],
    "config check": ["config", "check", str(CONFIG / "binary.toml")],
    "lake init": ["lake", "init", "--data-path", "{out}-data"],
    "lake import": ["lake", "import", str(HOSTILE / "query" / "sqlite.duckdb")],
    "lake export": ["lake", "export", "{out}.duckdb"],
    "lake compact": ["lake", "compact"],
}
# what reads a configuration file, and the option that names it
CONFIG_READERS: dict[str, list[str]] = {
    "crawl": ["crawl", "--sources"],
    "schedule": ["schedule", "--once", "--sources"],
    "ingest-topic": ["ingest", str(HOSTILE / "query" / "titles.jsonl"), "--topic"],
    "reextract": ["reextract", "--topic"],
    "tag-actors": ["tag", "--actors"],
    "tag-stance": ["tag", "--stance"],
    "config check": ["config", "check"],
}
NOT_CORPORA = ["sqlite.duckdb", "empty.duckdb", "notes.duckdb"]


def leaf_commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            names += leaf_commands(command, f"{prefix}{name} ")
        else:
            names.append(f"{prefix}{name}")
    return names


def one_line_error(args: list[str], result: subprocess.CompletedProcess[str]) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    shown = f"mediamon {' '.join(args)}\n{result.stderr}"
    assert "Traceback" not in result.stderr, shown
    assert result.returncode != 0, shown
    assert len(lines) == 1, shown
    assert lines[0].startswith("Error: "), shown


def test_every_command_has_a_hostile_case() -> None:
    assert sorted(CASES) == leaf_commands(cli)


@pytest.mark.slow
@pytest.mark.parametrize("corpus", NOT_CORPORA)
def test_every_command_refuses_a_file_that_is_not_a_corpus(corpus: str, tmp_path: Path) -> None:
    db = tmp_path / corpus
    db.write_bytes((HOSTILE / "query" / corpus).read_bytes())
    before = db.read_bytes()
    for name, template in CASES.items():
        if name.startswith("config") or name == "schedule":
            continue  # they read no corpus (schedule's sources are refused first)
        args = [a.replace("{out}", str(tmp_path / "out")) for a in template]
        result = run_mediamon("--db", str(db), *args, timeout=300)
        one_line_error(args, result)
        assert db.read_bytes() == before, f"mediamon {' '.join(args)} changed {corpus}"


@pytest.mark.slow
@pytest.mark.parametrize("corpus", NOT_CORPORA)
def test_every_command_refuses_a_lake_catalog_that_is_not_one(corpus: str, tmp_path: Path) -> None:
    """`--db ducklake:sqlite:FILE` where FILE is someone else's SQLite database, an empty file
    or text: one line, and the file is not written (DuckLake would add its tables to it)."""
    catalog = tmp_path / corpus
    catalog.write_bytes((HOSTILE / "query" / corpus).read_bytes())
    before = catalog.read_bytes()
    for name, template in CASES.items():
        if name.startswith("config") or name == "schedule":
            continue
        args = [a.replace("{out}", str(tmp_path / "out")) for a in template]
        result = run_mediamon("--db", f"ducklake:sqlite:{catalog}", *args, timeout=300)
        one_line_error(args, result)
        if name != "lake import":  # whose own argument is a hostile file too
            assert "catalog" in result.stderr or "lake" in result.stderr, result.stderr
        assert catalog.read_bytes() == before, f"mediamon {' '.join(args)} changed {corpus}"


@pytest.mark.parametrize("reader", sorted(CONFIG_READERS))
@pytest.mark.parametrize("config", sorted(p.name for p in CONFIG.glob("*.toml")))
def test_every_config_reader_refuses_a_hostile_file(
    reader: str, config: str, tmp_path: Path
) -> None:
    db = tmp_path / "c.duckdb"
    assert run_mediamon("--db", str(db), "init").returncode == 0
    args = [*CONFIG_READERS[reader], str(CONFIG / config)]
    result = run_mediamon("--db", str(db), *args, timeout=300)
    one_line_error(args, result)
    assert str(CONFIG / config) in result.stderr or config in result.stderr


def test_the_other_commands_errors_are_one_line(tmp_path: Path) -> None:
    for name in ("config path", "config show", "config check"):
        result = run_mediamon(*CASES[name])
        one_line_error(CASES[name], result)
