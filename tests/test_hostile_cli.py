"""Every analyst command over hostile inputs: one line on stderr, never a traceback.

The inputs kept in tests/hostile/query/ (see its README) and the ones made here at run time
(DuckDB files of the installed DuckDB) are given to `query`, `search`, `stats`, `sources`,
`export timeline`, `export chart`, `report` and `index` as real subprocesses. Where the input
is an error the exit is non-zero; nothing given is changed and no output is left behind.
"""

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from mediamon.corpus.searchindex import refresh_index
from mediamon.corpus.seeding import init_corpus
from tests.helpers import REPO, run_mediamon
from tests.test_damaged_corpus import damage_block_of

HOSTILE = REPO / "tests" / "hostile" / "query"

# command lines; {out} is a folder for outputs
COMMANDS = [
    ["query", "select title, url from documents order by title"],
    ["query", "undated_documents", "-p", "limit=5"],
    ["search", "encryption"],
    ["stats"],
    ["sources"],
    ["export", "timeline", "-o", "{out}/t.csv"],
    ["export", "chart", "-o", "{out}/c.svg"],
    ["report", "-o", "{out}/r.html"],
    ["index"],
]

# statements an analyst might be handed: each is refused or fails on one line
HOSTILE_SQL = [
    "copy (select 1) to '{corpus}'",
    "attach '{other}' as o (read_write); delete from o.documents",
    "select * from read_text('/etc/hostname')",
    "select * from glob('/root/*')",
    "export database '{out}/dump'",
    "install httpfs",
    "load '{out}/x.duckdb_extension'",
    "set enable_external_access = true",
    "reset lock_configuration",
    "select * from read_parquet('https://example.com/x.parquet')",
    "drop table documents",
    "delete from documents",
    ";",
    "select 1; select * from nowhere",
    'select * from "\x1b[31m[/x]"',
    "select [unterminated",
    "select $p",
    "checkpoint; update documents set title = 'x'",
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _seeded(path: Path) -> Path:
    init_corpus(path)
    return path


def _damaged(path: Path) -> Path:
    _seeded(path)
    refresh_index(path)
    damage_block_of(path, "documents", "title")
    return path


def _cut(path: Path) -> Path:
    data = _seeded(path.with_suffix(".whole")).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _foreign(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE moorings (berth INTEGER, vessel VARCHAR)")
    return path


def _newer(path: Path) -> Path:
    _seeded(path)
    with duckdb.connect(str(path)) as con:
        con.execute("INSERT INTO schema_migrations VALUES (999, 'future', now())")
    return path


def _reaching(path: Path) -> Path:
    """A corpus someone shared, whose tables became views that read files outside it."""
    _seeded(path)
    refresh_index(path)  # current, so that no command has a reason to write
    with duckdb.connect(str(path)) as con:
        con.execute("DROP TABLE document_versions")
        con.execute("CREATE VIEW document_versions AS SELECT * FROM read_text('/etc/hostname')")
        con.execute(
            "CREATE OR REPLACE VIEW stance_timeline AS SELECT * FROM read_csv('/etc/passwd')"
        )
    return path


KEPT = ["sqlite.duckdb", "empty.duckdb", "notes.duckdb"]
MADE: dict[str, Callable[[Path], Path]] = {
    "damaged": _damaged,
    "cut-off": _cut,
    "foreign": _foreign,
    "newer": _newer,
    "reaching": _reaching,
}


def _run_all(db: Path, out: Path) -> list[tuple[list[str], subprocess.CompletedProcess[str]]]:
    runs = []
    for command in COMMANDS:
        args = [a.format(out=out) for a in command]
        runs.append((args, run_mediamon("--db", str(db), *args)))
    return runs


def _one_line_error(args: list[str], result: subprocess.CompletedProcess[str]) -> None:
    where = f"mediamon {' '.join(args)}: {result.stderr!r}"
    assert result.returncode not in (0,) and result.returncode > 0, where
    assert "Traceback" not in result.stderr, where
    assert result.stderr.strip().count("\n") == 0 and result.stderr.startswith("Error: "), where
    assert "\x1b" not in result.stderr, where


@pytest.mark.parametrize("name", KEPT)
def test_files_that_are_not_corpora(name: str, tmp_path: Path) -> None:
    db = tmp_path / name
    shutil.copy(HOSTILE / name, db)
    before = digest(db)
    for args, result in _run_all(db, tmp_path / "out"):
        _one_line_error(args, result)
        assert "is not a DuckDB database" in result.stderr
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


@pytest.mark.parametrize("name", sorted(MADE))
def test_broken_and_foreign_databases(name: str, tmp_path: Path) -> None:
    db = MADE[name](tmp_path / f"{name}.duckdb")
    before = digest(db)
    out = tmp_path / "out"
    out.mkdir()
    failed = []
    for args, result in _run_all(db, out):
        if result.returncode == 0:
            # some commands never read the bad part (a view nobody uses, an index that is
            # current); what they print must still be clean
            assert "Traceback" not in result.stderr and "\x1b" not in result.stdout
            continue
        failed.append(args[0])
        _one_line_error(args, result)
    assert "stats" in failed, name
    assert digest(db) == before
    assert [p.name for p in out.iterdir() if p.name.endswith(".part")] == []


@pytest.fixture(scope="module")
def titled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = _seeded(tmp_path_factory.mktemp("titled") / "c.duckdb")
    out = run_mediamon("--db", str(db), "ingest", str(HOSTILE / "titles.jsonl"))
    assert out.returncode == 0 and "3 new" in out.stdout, out.stdout + out.stderr
    return db


def test_hostile_titles_are_printed_as_data(titled: Path, tmp_path: Path) -> None:
    for args, result in _run_all(titled, tmp_path):
        where = f"mediamon {' '.join(args)}: {result.stderr!r}"
        assert result.returncode == 0, where
        assert "Traceback" not in result.stderr and "MarkupError" not in result.stderr, where
        for stream in (result.stdout, result.stderr):
            # no escape, bell, NUL, CSI or bidi override reaches the terminal raw
            assert not set(stream) & {"\x1b", "\x07", "\x00", "\x9b", "\u202e"}, where
    for name in ("t.csv", "c.svg", "r.html"):
        assert (tmp_path / name).stat().st_size > 0


@pytest.mark.parametrize("sql", HOSTILE_SQL)
def test_hostile_sql_is_one_line_and_changes_nothing(
    titled: Path, tmp_path: Path, sql: str
) -> None:
    corpus = tmp_path / "c.duckdb"
    other = tmp_path / "other.duckdb"
    shutil.copy(titled, corpus)
    shutil.copy(titled, other)
    before = (digest(corpus), digest(other))
    out = tmp_path / "out"
    out.mkdir()
    result = run_mediamon(
        "--db", str(corpus), "query", sql.format(corpus=corpus, other=other, out=out)
    )
    _one_line_error(["query", sql], result)
    assert (digest(corpus), digest(other)) == before
    assert list(out.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.duckdb", "other.duckdb", "out"]
