"""Many writers on one lake: every record once, and readers work while writers commit.

The workers are real processes. In the 20-round race each worker process runs the command line
in-process once per round (`cli.main`), so a round costs the ingest and not Python's start-up;
one more round runs three `mediamon` console scripts side by side.
"""

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from mediamon.cli import cli
from mediamon.corpus import connect, lake
from mediamon.corpus.store import DocumentRecord, upsert_documents, write_documents
from tests.helpers import mediamon_cmd, write_jsonl

WORKERS = 3
ROUNDS = 20
PER_FILE = 4
SEEDS = 2

WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from mediamon.cli import cli

    db, folder, worker, rounds = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    for r in range(rounds):
        (folder / f"ready-{worker}-{r}").touch()
        deadline = time.monotonic() + 120
        while len(list(folder.glob(f"ready-*-{r}"))) < int(sys.argv[5]):
            if time.monotonic() > deadline:
                sys.exit(f"round {r}: the other workers never came")
            time.sleep(0.005)
        try:
            cli.main(["--db", db, "ingest", str(folder / f"in-{worker}-{r}.jsonl")],
                     prog_name="mediamon", standalone_mode=False)
        except SystemExit as exc:
            if exc.code:
                sys.exit(f"round {r}: ingest exited with {exc.code}")
        print(f"round {r} ok", flush=True)
    """
)


def round_records(worker: int, r: int) -> list[dict[str, str]]:
    own = [
        {
            "url": f"https://race.example/{r}/{worker}/{i}",
            "title": f"race {r} {worker} {i}",
            "published": "2024-03-04",
            "text": f"Round {r}, worker {worker}, item {i}: ministers said encryption must "
            f"give way to lawful access ({r}-{worker}-{i}).",
        }
        for i in range(PER_FILE)
    ]
    # the same article in every worker's file of the round: stored once
    shared = {
        "url": f"https://race.example/{r}/shared",
        "title": f"shared {r}",
        "published": "2024-03-05",
        "text": f"Round {r}: the same wire story, syndicated to every outlet ({r}).",
    }
    return [*own, shared]


def made_lake(tmp_path: Path) -> str:
    db = f"ducklake:sqlite:{tmp_path / 'lake' / 'catalog.sqlite'}"
    made = CliRunner().invoke(cli, ["--db", db, "lake", "init", "--data-path", str(tmp_path / "d")])
    assert made.exit_code == 0, made.output
    return db


def check_every_record_once(db: str, urls: set[str]) -> None:
    with connect(db, read_only=True) as con:
        rows = con.execute("SELECT url FROM documents WHERE url LIKE 'https://race.example/%'")
        stored = [r[0] for r in rows.fetchall()]
        total, distinct = con.execute(
            "SELECT count(*), count(DISTINCT doc_id) FROM documents"
        ).fetchone() or (0, 0)
        index = con.execute(
            "SELECT count(*), count(DISTINCT doc_id), count(DISTINCT docid) FROM search_docs"
        ).fetchone()
        terms = con.execute("SELECT count(*), count(DISTINCT termid) FROM search_terms").fetchone()
    assert sorted(stored) == sorted(urls)  # every record, once
    assert total == distinct == len(urls) + SEEDS
    assert index is not None and index[0] == index[1] == index[2]
    assert terms is not None and terms[0] == terms[1]


def test_three_processes_ingest_into_one_lake_20_times_while_analysts_read(
    tmp_path: Path,
) -> None:
    db = made_lake(tmp_path)
    folder = tmp_path / "race"
    folder.mkdir()
    urls: set[str] = set()
    for r in range(ROUNDS):
        for w in range(WORKERS):
            recs = round_records(w, r)
            write_jsonl(folder / f"in-{w}-{r}.jsonl", list(recs))
            urls.update(rec["url"] for rec in recs)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, db, str(folder), str(w), str(ROUNDS), str(WORKERS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WORKERS)
    ]
    # analysts at work while the crawlers write: every read command succeeds
    runner = CliRunner()
    reads = 0
    commands = (
        ["query", "select count(*) as n from documents"],
        ["search", "encryption"],
        ["export", "timeline", "-o", str(tmp_path / "t.csv")],
        ["report", "-o", str(tmp_path / "r.html")],
        ["query", "coverage_by_source"],
    )
    while any(p.poll() is None for p in workers):
        args = commands[reads % len(commands)]
        result = runner.invoke(cli, ["--db", db, *args], catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output)
        reads += 1
        time.sleep(0.5)  # an analyst, not a busy loop: the writers share two cores with us
    for p in workers:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err[-2000:]
        assert out.count(" ok") == ROUNDS, out
    assert reads >= len(commands)
    check_every_record_once(db, urls)


def test_three_mediamon_commands_at_once(tmp_path: Path) -> None:
    db = made_lake(tmp_path)
    urls: set[str] = set()
    files = []
    for w in range(WORKERS):
        recs = round_records(w, 0) + round_records(w, 1)
        files.append(write_jsonl(tmp_path / f"f{w}.jsonl", list(recs)))
        urls.update(rec["url"] for rec in recs)
    procs = [
        subprocess.Popen(
            mediamon_cmd("--db", db, "ingest", str(f)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "Ingested 10 records" in out
    check_every_record_once(db, urls)


def _doc() -> DocumentRecord:
    return DocumentRecord(text="One article that two writers store at once.", url="https://a.x/1")


@pytest.fixture(params=["sqlite", "postgres"])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return made_lake(tmp_path)
    server = request.getfixturevalue("postgres")
    db = f"ducklake:postgres:{server.dsn}"
    made = CliRunner().invoke(cli, ["--db", db, "lake", "init", "--data-path", str(tmp_path / "d")])
    assert made.exit_code == 0, made.output
    return db


def test_two_writers_of_one_document_store_it_once(catalog: str) -> None:
    """A's transaction has read (no such doc_id) and inserted when B commits the same doc_id;
    A's COMMIT then loses, and A runs again from its reads: one row."""
    first = lake.open_lake(catalog)
    second = lake.open_lake(catalog)
    a_wrote, b_done = threading.Event(), threading.Event()
    attempts: list[dict[str, str]] = []

    def step(con: duckdb.DuckDBPyConnection) -> None:
        attempts.append(upsert_documents(con, [_doc()]).doc_ids)
        if len(attempts) == 1:
            a_wrote.set()
            assert b_done.wait(30)

    thread = threading.Thread(target=lambda: lake.write_transaction(first, step))
    thread.start()
    assert a_wrote.wait(30)
    assert write_documents(second, [_doc()]).new == 1
    b_done.set()
    thread.join(60)
    assert not thread.is_alive()
    assert [list(a.values()) for a in attempts] == [["new"], ["unchanged"]]
    row = second.execute("SELECT count(*) FROM documents WHERE url = 'https://a.x/1'").fetchone()
    assert row == (1,)
    first.close()
    second.close()


def test_without_the_write_token_a_postgres_lake_would_keep_both_copies(postgres) -> None:
    """Why the token exists: on DuckLake two appends of the same new key both commit."""
    db = f"ducklake:postgres:{postgres.dsn}"
    con = lake.open_lake(db, data_path=Path(postgres.folder) / "data")
    con.execute("CREATE TABLE t (k VARCHAR NOT NULL)")
    other = lake.open_lake(db)
    merge = (
        "MERGE INTO t USING (SELECT 'same' AS k) s USING (k) "
        "WHEN NOT MATCHED THEN INSERT (k) VALUES (s.k)"
    )
    con.execute("BEGIN")
    other.execute("BEGIN")
    con.execute(merge)
    other.execute(merge)
    con.execute("COMMIT")
    other.execute("COMMIT")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (2,)
    con.close()
    other.close()


def test_writers_give_up_after_the_timeout_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = made_lake(tmp_path)
    con = lake.open_lake(db)
    monkeypatch.setenv("MEDIAMON_LOCK_TIMEOUT", "1")
    calls = []

    def always_loses(con: duckdb.DuckDBPyConnection) -> None:
        calls.append(1)
        raise duckdb.TransactionException("TransactionContext Error: Transaction conflict - x")

    started = time.monotonic()
    with pytest.raises(Exception, match="stayed busy with other writers") as caught:
        lake.write_transaction(con, always_loses)
    assert type(caught.value).__name__ == "CorpusLockedError"
    assert len(calls) > 1 and time.monotonic() - started < 10
    con.close()
