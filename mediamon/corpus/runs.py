"""Run records (`crawl_runs`): what each crawl, ingest or tag did, for `stats` and source health.

A run is `running` until its process records how it ended; a process killed outright never
does, so every writer's start (`start_run`, and `init`) first marks the runs whose process is
gone as `interrupted`.
"""

import datetime as dt
import json
import logging
import os
import socket
import uuid
from typing import Any

import duckdb

logger = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_run_id() -> str:
    return f"{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def start_run(
    con: duckdb.DuckDBPyConnection, command: str, sources: list[str], run_id: str | None = None
) -> str:
    mark_interrupted_runs(con)
    run_id = run_id or new_run_id()
    # the host with the pid: a lake's runs come from many machines
    stats = json.dumps({"pid": os.getpid(), "host": socket.gethostname()})
    con.execute(
        "INSERT INTO crawl_runs (run_id, command, started_at, status, sources, stats) "
        "VALUES (?, ?, ?, 'running', ?, ?)",
        [run_id, command, _now(), sources, stats],
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
    """Runs still `running` whose process is gone were killed: say so.

    Only this machine's runs are judged: on a lake, a run on another machine has a PID that
    means nothing here (runs recorded before the host was, are taken to be this machine's).
    """
    stale = 0
    here = socket.gethostname()
    for run_id, pid, host in con.execute(
        "SELECT run_id, TRY_CAST(stats->>'pid' AS INTEGER), stats->>'host' FROM crawl_runs "
        "WHERE status = 'running'"
    ).fetchall():
        if host is not None and host != here:
            continue
        if pid is None or not _alive(pid):
            con.execute(
                "UPDATE crawl_runs SET status = 'interrupted', "
                "finished_at = coalesce(finished_at, current_timestamp) WHERE run_id = ?",
                [run_id],
            )
            stale += 1
    if stale:
        logger.warning("marked %d earlier run(s) whose process is gone as interrupted", stale)
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


def now() -> dt.datetime:
    """The clock of `crawl_runs` (UTC, naive), for comparing with `started_at`."""
    return _now()


def last_crawl(
    con: duckdb.DuckDBPyConnection, since: dt.datetime | None = None
) -> tuple[str, dict[str, Any]] | None:
    """The status and figures of the latest crawl (started at `since` or later), with its
    errors summed over its sources."""
    row = con.execute(
        "SELECT status, stats FROM crawl_runs WHERE command = 'crawl' "
        "AND ($since IS NULL OR started_at >= $since) ORDER BY started_at DESC LIMIT 1",
        {"since": since},
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
