"""Run records (`crawl_runs`): what each crawl, ingest or tag did, for `stats` and source health."""

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


def mark_interrupted_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Runs still `running` whose process is gone were killed: say so."""
    stale = 0
    for run_id, pid in con.execute(
        "SELECT run_id, TRY_CAST(stats->>'pid' AS INTEGER) FROM crawl_runs WHERE status = 'running'"
    ).fetchall():
        if pid is None or not _alive(pid):
            con.execute(
                "UPDATE crawl_runs SET status = 'interrupted', "
                "finished_at = coalesce(finished_at, current_timestamp) WHERE run_id = ?",
                [run_id],
            )
            stale += 1
    return stale


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def last_crawl(con: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, Any]] | None:
    """The status and figures of the latest crawl, with its errors summed over its sources."""
    row = con.execute(
        "SELECT status, stats FROM crawl_runs WHERE command = 'crawl' "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    stats = json.loads(row[1] or "{}")
    errors: dict[str, int] = {}
    for figures in stats.get("sources", {}).values():
        for key, value in figures.get("errors", {}).items():
            errors[key] = errors.get(key, 0) + int(value)
    stats["errors"] = errors
    return str(row[0]), stats
