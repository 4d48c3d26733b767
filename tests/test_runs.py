"""Run records: a writer killed outright is marked `interrupted` by the next writer to start."""

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.helpers import mediamon_cmd, run_mediamon, write_jsonl

pytestmark = pytest.mark.slow

RECORDS = 40_000  # enough that the ingest is still writing when it is killed


def _query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Read while a writer may hold the corpus for a batch: retry until it lets go."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with duckdb.connect(str(db), read_only=True) as con:
                return con.execute(sql).fetchall()
        except duckdb.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _wait(condition: Callable[[], bool], what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.2)


def _big_export(path: Path) -> Path:
    words = ["encryption", "scanning", "letter", "platform", "regulator", "children", "privacy"]
    return write_jsonl(
        path,
        [
            {
                "url": f"https://archive.example.org/{i}",
                "title": f"Archived story {i}",
                "text": " ".join(words[(i + k) % len(words)] for k in range(60)) + f" item {i}.",
            }
            for i in range(RECORDS)
        ],
    )


@pytest.mark.parametrize("next_writer", ["init", "ingest"])
def test_a_killed_ingest_is_marked_interrupted_by_the_next_writer(
    tmp_path: Path, db: Path, next_writer: str
) -> None:
    export = _big_export(tmp_path / "big.jsonl")
    assert run_mediamon("--db", str(db), "init").returncode == 0
    ingest = subprocess.Popen(
        mediamon_cmd("--db", str(db), "ingest", "--source", "bulk", str(export)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # mid-run: its run is recorded and its first batches are in
        _wait(
            lambda: _query(db, "select count(*) from documents where source_id = 'bulk'")[0][0] > 0,
            "the ingest has stored its first batch",
        )
    finally:
        ingest.send_signal(signal.SIGKILL)
        ingest.wait()
    runs = _query(db, "select status, stats from crawl_runs where command = 'ingest'")
    assert [status for status, _ in runs] == ["running"], "the ingest finished before the kill"
    stored = _query(db, "select count(*) from documents where source_id = 'bulk'")[0][0]
    assert stored < RECORDS

    if next_writer == "init":
        out = run_mediamon("--db", str(db), "init")
    else:
        small = write_jsonl(
            tmp_path / "small.jsonl",
            [{"url": "https://e.org/one", "title": "One", "text": "A short note on encryption."}],
        )
        out = run_mediamon("--db", str(db), "ingest", str(small))
    assert out.returncode == 0, out.stderr
    runs = _query(db, "select status, stats from crawl_runs where command = 'ingest' order by 1")
    killed = [json.loads(stats) for status, stats in runs if status == "interrupted"]
    assert len(killed) == 1 and killed[0]["pid"] == ingest.pid, runs
    assert all(status != "running" for status, _ in runs), runs
    # what the killed ingest had written stays
    assert _query(db, "select count(*) from documents where source_id = 'bulk'")[0][0] == stored
