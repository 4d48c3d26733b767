"""Run records (`crawl_runs`): what each crawl or ingest did, for `stats` and source health."""

import datetime as dt
import json
import os
import uuid
from typing import Any

import duckdb


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_run_id() -> str:
    return f"{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def start_run(
    con: duckdb.DuckDBPyConnection, command: str, sources: list[str], run_id: str | None = None
) -> str:
    run_id = run_id or new_run_id()
    con.execute(
        "INSERT INTO crawl_runs (run_id, command, started_at, status, sources, stats) "
        "VALUES (?, ?, ?, 'running', ?, ?)",
        [run_id, command, _now(), sources, json.dumps({"pid": os.getpid()})],
    )
    return run_id


def update_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    stats: dict[str, Any],
    status: str | None = None,
) -> None:
    """Record progress; with a final status also the finish time."""
    if status is None:
        con.execute("UPDATE crawl_runs SET stats = ? WHERE run_id = ?", [json.dumps(stats), run_id])
    else:
        con.execute(
            "UPDATE crawl_runs SET stats = ?, status = ?, finished_at = ? WHERE run_id = ?",
            [json.dumps(stats), status, _now(), run_id],
        )
