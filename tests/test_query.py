import json
from pathlib import Path

import duckdb
import pytest

from mediamon import queries
from mediamon.corpus import connect
from mediamon.corpus.reading import bind_named, run
from mediamon.corpus.seeding import init_corpus
from tests.helpers import run_mediamon


@pytest.fixture
def seeded(db: Path) -> Path:
    init_corpus(db)
    return db


@pytest.mark.parametrize(
    "sql",
    [
        "drop table documents",
        "delete from documents",
        "update documents set title = 'x'",
        "insert into sources (source_id) values ('x')",
    ],
)
def test_writes_are_refused_and_data_intact(seeded: Path, sql: str) -> None:
    out = run_mediamon("--db", str(seeded), "query", sql)
    assert out.returncode != 0
    assert "refused" in out.stderr and "read-only" in out.stderr
    assert "Traceback" not in out.stderr and out.stderr.strip().count("\n") == 0
    with duckdb.connect(str(seeded), read_only=True) as con:
        assert con.execute("select count(*) from documents").fetchone()[0] == 2
        assert con.execute("select count(*) from sources where source_id = 'x'").fetchone()[0] == 0


def test_parameters_are_bound_not_formatted(seeded: Path) -> None:
    hostile = "kake'; drop table documents; --"
    out = run_mediamon(
        "--db",
        str(seeded),
        "query",
        "select count(*) as n from documents where source_id = $s",
        "-p",
        f"s={hostile}",
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [{"n": 0}]
    out = run_mediamon(
        "--db",
        str(seeded),
        "query",
        "select count(*) as n from documents where source_id = $s",
        "-p",
        "s=kake",
        "--format",
        "csv",
    )
    assert out.stdout.splitlines() == ["n", "1"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["select * from nothing_here"], "does not exist"),
        (["selec 1"], "syntax error"),
        (["no_such_query"], "mediamon query --list"),
        (["undated_documents", "-p", "limit=many"], "not a valid INTEGER"),
        (["undated_documents", "-p", "colour=red"], "has no parameter colour"),
        (["select $x"], "pass -p x=value"),
    ],
)
def test_user_errors_are_one_line(seeded: Path, args: list[str], expected: str) -> None:
    out = run_mediamon("--db", str(seeded), "query", *args)
    assert out.returncode != 0
    assert expected in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and out.stderr.strip().count("\n") == 0


def test_query_list_names_every_file(seeded: Path) -> None:
    out = run_mediamon("--db", str(seeded), "query", "--list", "--format", "json")
    listed = {row["name"] for row in json.loads(out.stdout)}
    assert listed == set(queries.all_queries()) and len(listed) >= 3


def test_every_named_query_runs_on_a_migrated_corpus(seeded: Path) -> None:
    for name, named in queries.all_queries().items():
        with connect(seeded, read_only=True) as con:
            result = run(con, named.sql, bind_named(named, {}))
        assert result.columns, name
        assert len(set(result.columns)) == len(result.columns), name


def test_named_query_with_params(seeded: Path) -> None:
    out = run_mediamon("--db", str(seeded), "query", "undated_documents", "--format", "json")
    rows = json.loads(out.stdout)
    assert [r["title"] for r in rows] == ["Facebook must change its mind"]
    out = run_mediamon(
        "--db",
        str(seeded),
        "query",
        "documents_per_day",
        "-p",
        "since=2019-10-01",
        "--format",
        "json",
    )
    assert json.loads(out.stdout) == [{"day": "2019-10-04", "documents": 1, "stories": 1}]
