"""Keeping a lake fast and small: every committed batch adds a few small Parquet files and a
snapshot, so a lake written by many crawlers gathers thousands of them.

`compact` merges adjacent small files of each table (reads open fewer files), expires snapshots
older than the days kept (time travel before them is given up) and deletes the files that only
expired snapshots still named. Files are deleted only once older than the days kept, so a backup
of the catalog taken within them still finds every file it names (docs/deployment.md).
"""

import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mediamon.corpus.connection import connect
from mediamon.corpus.lake import is_conflict, is_lake, retry_timeout
from mediamon.errors import InputError

logger = logging.getLogger(__name__)


@dataclass
class CompactReport:
    files_before: int
    files_after: int
    bytes_before: int
    bytes_after: int
    snapshots_expired: int
    files_deleted: int


def _files(con: duckdb.DuckDBPyConnection, name: str) -> tuple[int, int]:
    row = con.execute(
        "SELECT coalesce(sum(file_count + delete_file_count), 0), "
        "coalesce(sum(file_size_bytes + delete_file_size_bytes), 0) "
        "FROM ducklake_table_info(?)",
        [name],
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def _call(con: duckdb.DuckDBPyConnection, sql: str, name: str) -> list[tuple[object, ...]]:
    """One maintenance call in its own transaction (not under the write token: the call
    commits by itself); again after a backoff while a writer's commit conflicts with it."""
    deadline = time.monotonic() + retry_timeout()
    delay = 0.05
    while True:
        try:
            return con.execute(sql, [name]).fetchall()
        except duckdb.Error as exc:
            if not is_conflict(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 1.6, 2.0)


def compact(db: str | Path, keep_days: float = 7.0) -> CompactReport:
    """Merge small files, expire snapshots older than `keep_days`, delete what they held."""
    if not is_lake(db):
        raise InputError(f"--db {db} is a corpus file; only a lake is compacted")
    if keep_days < 0:
        raise InputError(f"--keep-days must be 0 or more, not {keep_days:g}")
    older = f"now() - INTERVAL {float(keep_days) * 86400:.0f} SECOND"
    with connect(db) as con:
        name = con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        files_before, bytes_before = _files(con, name)
        _call(con, "CALL ducklake_merge_adjacent_files(?)", name)
        expired = _call(con, f"CALL ducklake_expire_snapshots(?, older_than => {older})", name)
        deleted = _call(con, f"CALL ducklake_cleanup_old_files(?, older_than => {older})", name)
        files_after, bytes_after = _files(con, name)
    logger.info("compacted %s: %d -> %d files", db, files_before, files_after)
    return CompactReport(
        files_before, files_after, bytes_before, bytes_after, len(expired), len(deleted)
    )
