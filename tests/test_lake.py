"""The corpus as a DuckLake lake: the same schema, commands, named queries and exports.

Real extensions from their PyPI packages, real SQLite catalogs, and a real PostgreSQL
(tests/services.py) for the many-machines catalog.
"""

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result

from mediamon.cli import cli
from mediamon.corpus import connect, lake
from mediamon.corpus.lakecopy import KEYS
from tests.corpus_fixture import build_fixture
from tests.helpers import write_jsonl

Invoke = Callable[..., Result]
SEEDS = 2
COUNT_SQL = "select count(*) as n, count(distinct doc_id) as d from documents"


def runner_for(db: str | Path) -> Invoke:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, ["--db", str(db), *args], catch_exceptions=False)

    return invoke


def records(prefix: str, n: int) -> list[dict[str, str]]:
    return [
        {
            "url": f"https://news.example/{prefix}/{i}",
            "title": f"{prefix} story {i}",
            "published": f"2024-02-{1 + i % 27:02d}",
            "text": f"Story {prefix} {i}: the Home Office said end-to-end encryption must allow "
            f"lawful access; Meta said encryption protects users ({prefix}-{i}).",
        }
        for i in range(n)
    ]


@pytest.fixture
def sqlite_lake(tmp_path: Path) -> str:
    return f"ducklake:sqlite:{tmp_path / 'lake' / 'catalog.sqlite'}"


@pytest.fixture
def made_lake(sqlite_lake: str, tmp_path: Path) -> str:
    result = runner_for(sqlite_lake)("lake", "init", "--data-path", str(tmp_path / "data"))
    assert result.exit_code == 0, result.output
    return sqlite_lake


def test_init_ingest_query_search_stats_on_a_sqlite_lake(made_lake: str, tmp_path: Path) -> None:
    mm = runner_for(made_lake)
    again = mm("lake", "init", "--data-path", str(tmp_path / "data"))
    assert again.exit_code == 0 and "Checked lake" in again.output, again.output
    assert "seeds 0 new, 2 unchanged" in again.output

    feed = write_jsonl(tmp_path / "a.jsonl", records("a", 12))
    first = mm("ingest", str(feed))
    assert first.exit_code == 0 and "12 new" in first.output, first.output
    second = mm("ingest", str(feed))
    assert "0 new" in second.output and "12 unchanged" in second.output, second.output

    out = mm(
        "query", "select count(*) as n, count(distinct doc_id) as d from documents", "-f", "json"
    )
    assert json.loads(out.output) == [{"n": 12 + SEEDS, "d": 12 + SEEDS}]
    found = mm("search", "encryption")
    assert found.exit_code == 0 and "story" in found.output, found.output
    stats = mm("stats", "--json")
    assert json.loads(stats.output)["documents"] == 12 + SEEDS
    named = mm("query", "coverage_by_source", "-f", "json")
    assert named.exit_code == 0 and "ingest" in named.output, named.output
    # the data are Parquet files under the data path the catalog keeps
    assert list((tmp_path / "data").rglob("*.parquet"))


def test_a_write_through_query_is_refused_and_files_stay_out_of_reach(made_lake: str) -> None:
    mm = runner_for(made_lake)
    for sql in (
        "insert into sources (source_id) values ('x')",
        "delete from documents",
        "create table x (a int)",
        "select * from read_csv('/etc/passwd')",
        "attach 'other.duckdb' as o",
    ):
        result = mm("query", sql)
        assert result.exit_code == 1, (sql, result.output)
        assert "refused" in result.output, (sql, result.output)
        assert "Traceback" not in result.output
    count = mm("query", "select count(*) as n from documents", "-f", "json")
    assert json.loads(count.output) == [{"n": SEEDS}]


def test_the_lake_has_the_file_corpus_schema(made_lake: str, tmp_path: Path) -> None:
    file_db = tmp_path / "file.duckdb"
    assert runner_for(file_db)("init").exit_code == 0
    columns = (
        "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
        "WHERE database_name = current_database() AND table_name <> ? ORDER BY ALL"
    )
    with connect(file_db, read_only=True) as con:
        on_file = con.execute(columns, [lake.WRITES_TABLE]).fetchall()
        views_file = con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1"
        ).fetchall()
    with connect(made_lake, read_only=True) as con:
        on_lake = con.execute(columns, [lake.WRITES_TABLE]).fetchall()
        views_lake = con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1"
        ).fetchall()
        versions = con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    assert on_lake == on_file
    assert views_lake == views_file and ("stance_timeline",) in views_lake
    assert len(versions) >= 5
    # every keyed table of the file corpus is one the lake's writers and copies key
    assert set(KEYS) <= {t for t, *_ in on_file}


def test_import_then_export_round_trip(made_lake: str, tmp_path: Path) -> None:
    source = build_fixture(tmp_path / "fixture.duckdb")
    mm = runner_for(made_lake)
    first = mm("lake", "import", str(source))
    assert first.exit_code == 0 and "documents" in first.output, first.output
    again = mm("lake", "import", str(source))
    assert again.exit_code == 0 and "nothing new" in again.output, again.output

    out = tmp_path / "back.duckdb"
    exported = mm("lake", "export", str(out))
    assert exported.exit_code == 0, exported.output
    snapshot = "SELECT doc_id, text_hash, published_at, cluster_id FROM documents ORDER BY doc_id"
    with connect(source, read_only=True) as con:
        original = con.execute(snapshot).fetchall()
        stances = con.execute("SELECT count(*) FROM stances").fetchone()
    with connect(made_lake, read_only=True) as con:
        in_lake = con.execute(snapshot).fetchall()
        lake_stances = con.execute("SELECT count(*) FROM stances").fetchone()
    with connect(out, read_only=True) as con:
        back = con.execute(snapshot).fetchall()
        back_stances = con.execute("SELECT count(*) FROM stances").fetchone()
    # the lake has the seeds besides the fixture's documents; nothing twice
    assert set(original) <= set(in_lake) and len(in_lake) == len(set(in_lake))
    assert back == in_lake
    assert stances == lake_stances == back_stances
    stats = runner_for(out)("stats", "--json")
    assert json.loads(stats.output)["documents"] == len(in_lake)
    # an existing file is never overwritten
    refused = mm("lake", "export", str(out))
    assert refused.exit_code == 1 and "exists" in refused.output


def test_timeline_report_and_named_queries_on_an_imported_lake(
    made_lake: str, tmp_path: Path
) -> None:
    source = build_fixture(tmp_path / "fixture.duckdb")
    mm = runner_for(made_lake)
    assert mm("lake", "import", str(source)).exit_code == 0
    on_file = runner_for(source)("export", "timeline", "-o", str(tmp_path / "file.csv"))
    on_lake = mm("export", "timeline", "-o", str(tmp_path / "lake.csv"))
    assert on_file.exit_code == 0 and on_lake.exit_code == 0, on_lake.output
    assert (tmp_path / "lake.csv").read_text() == (tmp_path / "file.csv").read_text()
    assert len((tmp_path / "lake.csv").read_text().splitlines()) > 1
    report = mm("report", "-o", str(tmp_path / "r.html"))
    assert report.exit_code == 0, report.output
    assert "<svg" in (tmp_path / "r.html").read_text()
    view = mm("query", "select sum(n_docs) as n from stance_timeline", "-f", "json")
    assert json.loads(view.output)[0]["n"] > 0


def test_an_analyst_attaches_the_lake_read_only_from_plain_duckdb(
    made_lake: str, tmp_path: Path
) -> None:
    mm = runner_for(made_lake)
    mm("ingest", str(write_jsonl(tmp_path / "a.jsonl", records("r", 15))))
    con = duckdb.connect()
    for path in lake.extension_files("sqlite"):
        con.execute(f"LOAD '{path}'")
    con.execute(f"ATTACH '{made_lake}' AS l (READ_ONLY)")
    assert con.execute("SELECT count(*) FROM l.documents").fetchone() == (15 + SEEDS,)
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute("DELETE FROM l.documents")
    con.close()


def test_errors_are_one_line(sqlite_lake: str, tmp_path: Path) -> None:
    mm = runner_for(sqlite_lake)
    missing = mm("stats")
    assert missing.exit_code == 1
    assert f"no lake at {sqlite_lake}" in missing.output
    assert "lake init --data-path DIR" in missing.output
    ingest = mm("ingest", str(write_jsonl(tmp_path / "a.jsonl", records("e", 1))))
    assert ingest.exit_code == 1 and "no lake at" in ingest.output, ingest.output
    assert not Path(sqlite_lake.removeprefix("ducklake:sqlite:")).exists()

    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        import os

        if os.geteuid() != 0:  # root writes anywhere
            denied = mm("lake", "init", "--data-path", str(locked / "data"))
            assert denied.exit_code == 1 and "not writable" in denied.output, denied.output
    finally:
        locked.chmod(0o700)
    bad = runner_for("ducklake:mysql:x")("stats")
    assert bad.exit_code == 1 and "ducklake:sqlite:" in bad.output
    on_file = runner_for(tmp_path / "c.duckdb")("lake", "init", "--data-path", "d")
    assert on_file.exit_code == 1 and "is a corpus file" in on_file.output


def test_a_data_path_that_is_a_file_is_refused(sqlite_lake: str, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    result = runner_for(sqlite_lake)("lake", "init", "--data-path", str(blocker / "data"))
    assert result.exit_code == 1 and "not writable" in result.output, result.output


def test_missing_extensions_name_the_extra(
    sqlite_lake: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import resources

    real = resources.files

    def files(package: str):
        if package == "duckdb_extension_ducklake":
            raise ModuleNotFoundError(package)
        return real(package)

    lake.extension_files.cache_clear()
    monkeypatch.setattr(lake.resources, "files", files)
    try:
        result = runner_for(sqlite_lake)("lake", "init", "--data-path", str(tmp_path / "d"))
    finally:
        lake.extension_files.cache_clear()
    assert result.exit_code == 1, result.output
    assert "ducklake extension" in result.output and "pip install mediamon[scale]" in result.output


def test_package_files_are_found_and_the_scanner_copied_under_its_name() -> None:
    files = lake.extension_files("sqlite")
    assert [f.name for f in files] == [
        "parquet.duckdb_extension",
        "sqlite_scanner.duckdb_extension",
        "ducklake.duckdb_extension",
    ]
    assert all(f.is_file() for f in files)
    copied, original = files[1], lake._package_file("sqlite", "sqlite")
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (copied, original)]
    assert digest[0] == digest[1]


def test_init_ingest_query_on_a_postgres_catalog(postgres, tmp_path: Path) -> None:
    db = f"ducklake:postgres:{postgres.dsn}"
    mm = runner_for(db)
    missing = mm("stats")
    assert missing.exit_code == 1 and "no lake at" in missing.output, missing.output
    made = mm("lake", "init", "--data-path", str(tmp_path / "pgdata"))
    assert made.exit_code == 0 and "seeds 2 new" in made.output, made.output
    feed = write_jsonl(tmp_path / "p.jsonl", records("p", 8))
    assert "8 new" in mm("ingest", str(feed)).output
    assert "8 unchanged" in mm("ingest", str(feed)).output
    out = mm(
        "query", "select count(*) as n, count(distinct doc_id) as d from documents", "-f", "json"
    )
    assert json.loads(out.output) == [{"n": 8 + SEEDS, "d": 8 + SEEDS}]
    assert mm("search", "lawful").exit_code == 0
    refused = mm("query", "delete from documents")
    assert refused.exit_code == 1 and "refused" in refused.output


def test_tag_writes_annotations_into_the_lake(made_lake: str, tmp_path: Path) -> None:
    mm = runner_for(made_lake)
    mm("ingest", str(write_jsonl(tmp_path / "t.jsonl", records("t", 2))))
    tagged = mm("tag")
    assert tagged.exit_code == 0 and "Tagged 4 documents" in tagged.output, tagged.output
    out = mm("query", "select count(*) as n from stances", "-f", "json")
    assert json.loads(out.output)[0]["n"] > 0
    stats = json.loads(mm("stats", "--json").output)
    assert stats["tagged_documents"] == 4 and stats["last_run"]["command"] == "tag"


def test_pages_are_archived_once_on_a_lake(made_lake: str, tmp_path: Path) -> None:
    html = (
        "<html><head><title>Chat control</title></head><body><article><p>The EU chat control "
        "regulation would require scanning of encrypted messages, critics said in Brussels."
        "</p><p>Supporters argue it protects children from abuse online.</p></article></body>"
        "</html>"
    )
    feed = write_jsonl(tmp_path / "h.jsonl", [{"url": "https://ex.org/h", "html": html}])
    mm = runner_for(made_lake)
    assert "1 new" in mm("ingest", str(feed)).output
    assert "1 unchanged" in mm("ingest", str(feed)).output
    out = mm("query", "select count(*) as n, max(html_bytes) as b from pages", "-f", "json")
    assert json.loads(out.output) == [{"n": 1, "b": len(html)}]


def test_compact_merges_small_files_and_keeps_every_row(made_lake: str, tmp_path: Path) -> None:
    mm = runner_for(made_lake)
    for i in range(4):  # four commits: four sets of small files
        feed = write_jsonl(tmp_path / f"c{i}.jsonl", records(f"c{i}", 5))
        assert mm("ingest", str(feed)).exit_code == 0
    before = json.loads(mm("query", COUNT_SQL, "-f", "json").output)
    timeline = mm("query", "stance_timeline", "-f", "json").output

    with connect(made_lake, read_only=True) as con:
        files = con.execute("SELECT sum(file_count) FROM ducklake_table_info('lake')").fetchone()
    out = mm("lake", "compact", "--keep-days", "0")
    assert out.exit_code == 0, out.output
    n_before, n_after = (
        int(x) for x in out.output.split(": ", 1)[1].split(" data files")[0].split(" -> ")
    )
    assert files is not None and n_before == files[0]
    assert n_after < n_before
    assert "snapshots expired" in out.output
    # nothing lost: same rows, same timeline, and the lake still takes writes
    assert json.loads(mm("query", COUNT_SQL, "-f", "json").output) == before
    assert mm("query", "stance_timeline", "-f", "json").output == timeline
    assert mm("ingest", str(write_jsonl(tmp_path / "d.jsonl", records("d", 3)))).exit_code == 0


def test_compact_refuses_a_file_corpus_and_a_negative_keep(made_lake: str, tmp_path: Path) -> None:
    out = runner_for(tmp_path / "c.duckdb")("lake", "compact")
    assert out.exit_code != 0 and "is a corpus file" in out.output
    out = runner_for(made_lake)("lake", "compact", "--keep-days", "-1")
    assert out.exit_code != 0 and "--keep-days must be 0 or more" in out.output
