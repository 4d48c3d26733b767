import subprocess
import sys
import time
from pathlib import Path

import duckdb

from mediamon.corpus.seeding import init_corpus
from tests.helpers import run_mediamon, write_jsonl

HOLD = (
    "import sys, time, duckdb\n"
    "con = duckdb.connect(sys.argv[1])\n"
    "print('holding', flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
    "con.close()\n"
)


def _hold(db: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
    return holder


def test_locked_corpus_names_the_holder(db: Path) -> None:
    init_corpus(db)
    holder = _hold(db, 30)
    try:
        out = run_mediamon("--db", str(db), "query", "select 1", env={"MEDIAMON_LOCK_TIMEOUT": "1"})
    finally:
        holder.kill()
        holder.wait()
    assert out.returncode == 3
    assert f"PID {holder.pid}" in out.stderr and "MEDIAMON_LOCK_TIMEOUT" in out.stderr
    assert out.stderr.strip().count("\n") == 0


def test_reader_waits_for_a_short_writer(db: Path) -> None:
    init_corpus(db)
    holder = _hold(db, 1.5)
    try:
        out = run_mediamon(
            "--db",
            str(db),
            "query",
            "select count(*) from documents",
            "--format",
            "csv",
            env={"MEDIAMON_LOCK_TIMEOUT": "20"},
        )
    finally:
        holder.wait()
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "2"


def test_foreign_file_is_refused_and_not_overwritten(tmp_path: Path) -> None:
    junk = tmp_path / "notes.duckdb"
    junk.write_bytes(b"these are my notes, not a database\n" * 50)
    before = junk.read_bytes()
    for args in (["init"], ["query", "select 1"], ["stats"]):
        out = run_mediamon("--db", str(junk), *args)
        assert out.returncode != 0
        assert "not a DuckDB database" in out.stderr
        assert "Traceback" not in out.stderr
    assert junk.read_bytes() == before


def test_other_duckdb_database_is_not_migrated(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("create table mine (x int)")
    out = run_mediamon("--db", str(other), "init")
    assert out.returncode != 0 and "not a mediamon corpus" in out.stderr
    with duckdb.connect(str(other), read_only=True) as con:
        tables = [r[0] for r in con.execute("show tables").fetchall()]
    assert tables == ["mine"]


def test_newer_schema_is_refused(db: Path) -> None:
    init_corpus(db)
    with duckdb.connect(str(db)) as con:
        con.execute("insert into schema_migrations values (999, 'future', now())")
    out = run_mediamon("--db", str(db), "stats")
    assert out.returncode != 0 and "newer than this mediamon" in out.stderr


def test_old_corpus_is_upgraded_on_open(db: Path) -> None:
    from mediamon.corpus.migrate import latest_version, migrations

    # a corpus as the first release made it: migration 001 only
    with duckdb.connect(str(db)) as con:
        con.execute(migrations()[0].sql)
        con.execute("insert into schema_migrations values (1, 'initial', now())")
        con.execute(
            "insert into documents (doc_id, text, word_count, text_hash, ingested_at, "
            "updated_at) values ('d1', 'old text', 2, 'h', now(), now())"
        )
    out = run_mediamon(
        "--db", str(db), "query", "select count(*) from documents", "--format", "csv"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "1"
    with duckdb.connect(str(db), read_only=True) as con:
        versions = [r[0] for r in con.execute("select version from schema_migrations").fetchall()]
        assert versions == list(range(1, latest_version() + 1))


def test_query_during_a_large_ingest(tmp_path: Path, db: Path) -> None:
    n = 20_000
    records = [
        {
            "url": f"https://big.example.org/a/{i}",
            "title": f"t{i}",
            "text": f"Record number {i}. " + "Encryption and child safety. " * 20,
        }
        for i in range(n)
    ]
    path = write_jsonl(tmp_path / "big.jsonl", records)
    init_corpus(db)
    ingest = subprocess.Popen(
        [str(Path(sys.executable).parent / "mediamon"), "--db", str(db), "ingest", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    answers = []
    failures = []
    while ingest.poll() is None:
        out = run_mediamon(
            "--db",
            str(db),
            "query",
            "select count(*) from documents",
            "--format",
            "csv",
            env={"MEDIAMON_LOCK_TIMEOUT": "10"},
        )
        if out.returncode != 0:
            failures.append(out.stderr)
        else:
            answers.append(int(out.stdout.splitlines()[-1]))
        time.sleep(0.2)
    _stdout, stderr = ingest.communicate()
    assert ingest.returncode == 0, stderr
    assert not failures, failures[:3]
    assert len(answers) >= 2, "the ingest ended before any query ran: make it bigger"
    assert answers == sorted(answers), "counts only grow while the ingest writes"
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from documents").fetchone()[0] == n + 2
