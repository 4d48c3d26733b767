"""Opening the corpus: one writer at a time, readers and writers wait politely for each other.

DuckDB lets one process hold a database file read-write, and no other process may open it
meanwhile (not even read-only). So every command opens the corpus only for as long as it needs,
and `connect` retries with backoff while another process holds the file.
"""

import contextlib
import logging
import os
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from mediamon.corpus import migrate
from mediamon.errors import CorpusLockedError, CorpusNotFoundError, NotACorpusError

logger = logging.getLogger(__name__)

DEFAULT_LOCK_TIMEOUT = 30.0
_LOCK_RE = re.compile(r"Conflicting lock is held in (?P<exe>.*?) \(PID (?P<pid>\d+)\)")


def default_db_path() -> Path:
    """`$MEDIAMON_DB`, else `./corpus.duckdb`."""
    return Path(os.environ.get("MEDIAMON_DB") or "corpus.duckdb")


def lock_timeout() -> float:
    raw = os.environ.get("MEDIAMON_LOCK_TIMEOUT")
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        return max(0.0, float(raw))
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


def _holder(message: str) -> str:
    """Name the process holding the lock, as precisely as /proc lets us."""
    match = _LOCK_RE.search(message)
    if not match:
        return "another process"
    pid = match.group("pid")
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        args = [a for a in raw.decode(errors="replace").split("\0") if a]
        # `python .../bin/mediamon ingest x` reads better as `mediamon ingest x`
        for i, arg in enumerate(args):
            if Path(arg).name == "mediamon":
                args = ["mediamon", *args[i + 1 :]]
                break
        command = " ".join(" ".join(args).split())[:120]
    except OSError:
        command = match.group("exe")
    return f"PID {pid} ({command})"


def _is_lock_error(exc: duckdb.Error) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _open(path: Path, read_only: bool, timeout: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + timeout
    delay = 0.01
    waited = False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            if waited:
                logger.debug("opened %s after waiting for its lock", path)
            return con
        except duckdb.IOException as exc:
            if "not a valid DuckDB database" in str(exc):
                raise NotACorpusError(
                    f"{path} is not a DuckDB database; pass the corpus file with --db "
                    "(mediamon never overwrites a file it did not create)"
                ) from None
            if not _is_lock_error(exc):
                raise NotACorpusError(f"cannot open {path}: {_first_line(exc)}") from None
            if time.monotonic() >= deadline:
                raise CorpusLockedError(
                    f"corpus {path} is in use by {_holder(str(exc))} and stayed busy for "
                    f"{timeout:.0f}s; wait for it to finish or raise MEDIAMON_LOCK_TIMEOUT"
                ) from None
            if not waited:
                logger.info("corpus %s is busy (%s); waiting", path, _holder(str(exc)))
                waited = True
            # jitter keeps two waiting processes from retrying in lock-step
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 1.6, 0.25)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@contextlib.contextmanager
def connect(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    create: bool = False,
    timeout: float | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the corpus, migrated to the current schema, and close it on exit.

    read_only: analysts' reads; the corpus cannot be changed through this connection.
    create: create the file if it does not exist (only `init` and writers that mean to).
    timeout: seconds to wait while another process holds the file (default
        `$MEDIAMON_LOCK_TIMEOUT` or 30).
    """
    db = Path(path) if path is not None else default_db_path()
    wait = lock_timeout() if timeout is None else timeout
    if not db.exists() and not create:
        raise CorpusNotFoundError(f"no corpus at {db}; create it with `mediamon --db {db} init`")
    if db.exists() and db.is_dir():
        raise NotACorpusError(f"{db} is a directory; pass a corpus file with --db")
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)

    con = _open(db, read_only, wait)
    try:
        if read_only and migrate.needs_upgrade(con, db):
            # an older corpus: upgrade it once through a short read-write connection
            con.close()
            con = _open(db, False, wait)
            migrate.apply(con, db)
            con.close()
            con = _open(db, True, wait)
        elif not read_only:
            migrate.apply(con, db)
        yield con
    finally:
        con.close()
