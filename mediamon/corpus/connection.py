"""Opening the corpus: one writer at a time, readers and writers wait politely for each other.

DuckDB lets one process hold a database file read-write, and no other process may open it
meanwhile (not even read-only). So every command opens the corpus only for as long as it needs,
and `connect` retries with backoff while another process holds the file. A read-only connection
reads the corpus and nothing else (`corpus.sandbox`). A damaged file or a folder that cannot be
written is reported as such, wherever DuckDB finds out.
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

from mediamon.corpus import lake, migrate
from mediamon.corpus.sandbox import OPEN_CONFIG, file_kind, lock_down
from mediamon.errors import CorpusLockedError, CorpusNotFoundError, NotACorpusError

logger = logging.getLogger(__name__)

DEFAULT_LOCK_TIMEOUT = 30.0
_LOCK_RE = re.compile(r"Conflicting lock is held in (?P<exe>.*?) \(PID (?P<pid>\d+)\)")
# DuckDB's words for bytes that do not check out (not "checksum" alone: a function has the name)
_DAMAGE_RE = re.compile(
    r"Corrupt database file|does not match stored checksum|Could not read enough bytes from file"
)
_SHORT_RE = re.compile(r"Could not read enough bytes")
_LOCATION_RE = re.compile(r"in block at location (\d+)")
_DENIED_RE = re.compile(r'"(?P<file>[^"]+)": Permission denied')


class CorpusDamagedError(NotACorpusError):
    """DuckDB found bytes in the corpus file that do not check out: a damaged file."""


class CorpusNotWritableError(NotACorpusError):
    """The corpus file, or the folder where DuckDB keeps its write-ahead log, cannot be written."""


class CorpusReachesOutError(NotACorpusError):
    """A view or macro stored in the corpus reaches for files or extensions outside it."""


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
            con = duckdb.connect(str(path), read_only=read_only, config=dict(OPEN_CONFIG))
            if waited:
                logger.debug("opened %s after waiting for its lock", path)
            return con
        except duckdb.Error as exc:
            if "not a valid DuckDB database" in str(exc):
                raise NotACorpusError(_not_duckdb(path, "other")) from None
            translated = translate(exc, path)
            if translated is not None:
                raise translated from None
            if not isinstance(exc, duckdb.IOException) or not _is_lock_error(exc):
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


def _not_duckdb(path: Path, kind: str) -> str:
    what = {"sqlite": "a SQLite database", "empty": "an empty file"}.get(kind, "a file")
    return (
        f"{path} is not a DuckDB database ({what}); pass the corpus file with --db "
        "(mediamon never overwrites a file it did not create)"
    )


def is_damage(exc: BaseException) -> bool:
    """Whether a DuckDB error says the file's bytes are damaged (checksums, truncation)."""
    return isinstance(exc, duckdb.Error) and bool(_DAMAGE_RE.search(str(exc)))


def translate(exc: duckdb.Error, path: Path) -> NotACorpusError | None:
    """Our one-line error for a damaged or unwritable corpus; None for any other DuckDB error."""
    if is_damage(exc):
        where = _LOCATION_RE.search(str(exc))
        if _SHORT_RE.search(str(exc)):
            detail = "it is shorter than its own index says (cut off)"
        elif where:
            detail = f"a checksum fails at byte {where.group(1)}"
        else:
            detail = _first_line(exc)
        return CorpusDamagedError(
            f"the corpus file {path} is damaged: {detail}; restore it from a backup"
        )
    if isinstance(exc, duckdb.PermissionException):
        # our SQL reads tables; only objects stored in the file itself can reach out like this
        return CorpusReachesOutError(
            f"refused: a view or macro stored in {path} reaches outside the corpus "
            f"({_first_line(exc).removeprefix('Permission Error: ')}); read-only commands read "
            "the corpus only: check where this file came from"
        )
    denied = _DENIED_RE.search(str(exc))
    if denied:
        name = denied.group("file")
        if name.endswith(".wal"):
            return CorpusNotWritableError(
                f"cannot write the corpus {path}: DuckDB keeps its log {Path(name).name} beside "
                f"it and the folder {Path(name).parent} is not writable (permission denied); "
                "make the folder writable, or copy the corpus somewhere you can write and pass "
                "that with --db"
            )
        return CorpusNotWritableError(
            f"cannot open {name}: permission denied; check the file's permissions, or copy the "
            "corpus somewhere you can write and pass that with --db"
        )
    return None


@contextlib.contextmanager
def connect(
    path: str | Path | None = None,
    *,
    read_only: bool = False,
    create: bool = False,
    timeout: float | None = None,
    fts: bool = False,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the corpus, migrated to the current schema, and close it on exit.

    read_only: analysts' reads; the corpus cannot be changed through this connection, and the
        connection reaches no file, database, extension or setting besides it.
    create: create the file if it does not exist (only `init` and writers that mean to).
    timeout: seconds to wait while another process holds the file (default
        `$MEDIAMON_LOCK_TIMEOUT` or 30).
    fts: load the fts extension on a read-only connection before it is locked (search).
    A damaged file or an unwritable folder, found at any point, raises a subclass of
    NotACorpusError with a one-line message.
    A `ducklake:...` path opens a DuckLake lake instead (`corpus.lake`); it is never created
    here (`mediamon lake init` does that).
    """
    if lake.is_lake(path if path is not None else default_db_path()):
        with _connect_lake(path or default_db_path(), read_only, fts) as con:
            yield con
        return
    db = Path(path) if path is not None else default_db_path()
    wait = lock_timeout() if timeout is None else timeout
    if not db.exists() and not create:
        raise CorpusNotFoundError(f"no corpus at {db}; create it with `mediamon --db {db} init`")
    if db.exists() and db.is_dir():
        raise NotACorpusError(f"{db} is a directory; pass a corpus file with --db")
    if db.exists():
        _check_header(db)
    else:
        db.parent.mkdir(parents=True, exist_ok=True)

    con = _open(db, read_only, wait)
    try:
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
            if read_only:
                lock_down(con, fts=fts)
            yield con
        except duckdb.Error as exc:
            translated = _translate_chain(exc, db)
            if translated is None:
                raise
            raise translated from None
    finally:
        con.close()


@contextlib.contextmanager
def _connect_lake(
    db: str | Path, read_only: bool, fts: bool
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = lake.open_lake(db, read_only=True) if read_only else lake.writer_cursor(db)
    try:
        if not read_only and lake.is_current(db):
            # this process found the lake at our schema version already: each check costs a
            # catalog round trip, and a writer opens the lake for every batch
            yield con
            return
        if migrate.current_version(con, Path(str(db))) == 0:
            if not read_only:
                lake.forget_writer(db)
            raise CorpusNotFoundError(f"no lake at {db}; {lake.init_hint(db)}")
        if read_only and migrate.needs_upgrade(con, Path(str(db))):
            con.close()
            with lake.lake_connection(db) as writer:
                migrate.apply(writer, db, lake=True)
            con = lake.open_lake(db, read_only=True)
        elif not read_only:
            migrate.apply(con, db, lake=True)
            lake.mark_current(db)
        if read_only:
            lock_down(con, fts=fts, directories=lake.directories(con, db))
        yield con
    finally:
        con.close()


def corpus_exists(db: str | Path) -> bool:
    """Whether there is a corpus to open: a file, or a lake's catalog."""
    return lake.exists(db) if lake.is_lake(db) else Path(db).exists()


def _translate_chain(exc: BaseException, db: Path) -> NotACorpusError | None:
    """translate() for the error or what it was raised while handling: a failed ROLLBACK
    after a failed COMMIT names the transaction, and the cause is the error before it."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, duckdb.Error) and (found := translate(seen, db)) is not None:
            return found
        seen = seen.__cause__ or seen.__context__
    return None


def database_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file of the connection's database (None in memory): what exports must not overwrite."""
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return Path(row[0]) if row and row[0] else None


def _check_header(db: Path) -> None:
    """Refuse a file that is not a DuckDB database before DuckDB guesses what it is."""
    try:
        kind = file_kind(db)
    except OSError as exc:
        raise NotACorpusError(f"cannot read {db}: {exc.strerror or exc}") from None
    if kind != "duckdb":
        raise NotACorpusError(_not_duckdb(db, kind))
