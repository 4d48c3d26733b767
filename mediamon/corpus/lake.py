"""The corpus as a DuckLake lake: a catalog in SQLite or PostgreSQL, the data as Parquet files.

`--db ducklake:sqlite:/srv/lake/catalog.sqlite` (several processes on one machine) or
`--db ducklake:postgres:dbname=mediamon host=...` (many machines) names a lake instead of a
DuckDB file. Every connection is an in-memory DuckDB with the lake attached as `lake` and made
the default database, so the same SQL (migrations, named queries, exports) runs on both.

The extensions come from their PyPI packages (`pip install mediamon[scale]`) and are loaded from
their files, never downloaded. DuckDB derives an extension's entry point from its file name, and
the sqlite and postgres packages ship `sqlite.duckdb_extension` / `postgres.duckdb_extension` for
extensions whose internal names are `sqlite_scanner` / `postgres_scanner`: they are copied under
those names into a per-user cache folder first.

Concurrency, as measured with DuckDB 1.5.5 (tests/test_lake_concurrency.py keeps it honest):
- DuckLake's concurrency is optimistic: two transactions that both *append* to a table both
  commit. Two writers inserting the same new doc_id -- by INSERT or by MERGE INTO, whose "not
  matched" branch is an append -- end up with two rows. Two transactions that update or delete
  the same rows conflict: the second COMMIT fails with "Transaction conflict".
- On a SQLite catalog a COMMIT also fails with "database is locked" when another process
  committed since the transaction began (SQLite refuses the stale writer; DuckLake's own
  `ducklake_max_retry_count` does not cover it).
So every write transaction on a lake first updates the one row of `mediamon_lake_writes`: two
write transactions that overlap in time now always conflict, the later COMMIT fails, and
`write_transaction` runs the whole transaction again (its reads included) after a backoff. The
upsert keyed by doc_id then sees the other writer's rows and writes each document once. Writers
still extract, parse and hash their batches in parallel; only the commits take turns. The SQLite
catalog is switched to WAL mode at `lake init`, so that readers never block a writer's commit.
"""

import contextlib
import logging
import os
import random
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TypeVar

import duckdb

from mediamon.corpus.sandbox import OPEN_CONFIG, quiet
from mediamon.errors import CorpusLockedError, CorpusNotFoundError, NotACorpusError

logger = logging.getLogger(__name__)

PREFIX = "ducklake:"
ALIAS = "lake"
# the write token: every write transaction updates its row, so overlapping writers conflict
WRITES_TABLE = "mediamon_lake_writes"
T = TypeVar("T")
_CONFLICT_WORDS = ("Transaction conflict", "database is locked", "Failed to commit DuckLake")


class LakeError(NotACorpusError):
    """The lake cannot be opened: no catalog, no extensions, or an unusable data path."""


def is_lake(db: str | Path | None) -> bool:
    """Whether `--db` names a DuckLake catalog (`ducklake:...`) rather than a DuckDB file."""
    return db is not None and str(db).startswith(PREFIX)


def catalog(db: str | Path) -> str:
    """`sqlite:/path` or `postgres:dsn`: what follows `ducklake:`."""
    return str(db)[len(PREFIX) :]


def catalog_kind(db: str | Path) -> str:
    """'sqlite' or 'postgres'; anything else is refused with what is accepted."""
    kind, sep, rest = catalog(db).partition(":")
    if not sep or not rest.strip() or kind not in ("sqlite", "postgres"):
        raise LakeError(
            f"{db} is not a lake mediamon can open; use ducklake:sqlite:/path/catalog.sqlite "
            "or ducklake:postgres:dbname=NAME host=HOST"
        )
    return kind


def sqlite_file(db: str | Path) -> Path:
    return Path(catalog(db).partition(":")[2])


def init_hint(db: str | Path) -> str:
    return f"create it with mediamon --db {db} lake init --data-path DIR"


# ---------------------------------------------------------------------------------- extensions


def _package_file(package: str, name: str) -> Path:
    version = duckdb.__version__
    try:
        folder = resources.files(f"duckdb_extension_{package}").joinpath(
            "extensions", f"v{version}"
        )
        path = Path(str(folder.joinpath(f"{name}.duckdb_extension")))
        found = path.is_file()
    except ModuleNotFoundError:
        found = False
    if not found:
        raise LakeError(
            f"the {package} extension for DuckDB {version} is missing, and a lake needs it; "
            f"pip install mediamon[scale] (or duckdb-extension-{package}=={version})"
        )
    return path


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mediamon" / "duckdb-extensions" / f"v{duckdb.__version__}"


def _under_internal_name(source: Path, internal: str) -> Path:
    """The extension file copied as `<internal>.duckdb_extension` (the name DuckDB needs)."""
    for folder in (_cache_dir(), Path(tempfile.gettempdir()) / f"mediamon-ext-{os.getuid()}"):
        target = folder / f"{internal}.duckdb_extension"
        try:
            if target.is_file() and target.stat().st_size == source.stat().st_size:
                return target
            folder.mkdir(parents=True, exist_ok=True)
            # copy then rename: a process loading the file never sees half of it
            partial = folder / f".{internal}.{os.getpid()}.partial"
            shutil.copyfile(source, partial)
            os.replace(partial, target)
            return target
        except OSError as exc:
            logger.debug("cannot keep %s in %s: %s", internal, folder, exc)
    raise LakeError(f"cannot copy the {internal} extension to a cache folder; check $HOME")


@cache
def extension_files(kind: str) -> tuple[Path, ...]:
    """The files to LOAD for a lake on this kind of catalog, in load order."""
    files = [_package_file("parquet", "parquet")]
    if kind == "sqlite":
        files.append(_under_internal_name(_package_file("sqlite", "sqlite"), "sqlite_scanner"))
    else:
        files.append(
            _under_internal_name(_package_file("postgres", "postgres"), "postgres_scanner")
        )
    files.append(_package_file("ducklake", "ducklake"))
    return tuple(files)


def load_extensions(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    quiet(con)
    for path in extension_files(kind):
        # LOAD takes no parameters; the path comes from an installed package, not a user
        quoted = str(path).replace("'", "''")
        con.execute(f"LOAD '{quoted}'")


# ---------------------------------------------------------------------------------- opening


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def exists(db: str | Path) -> bool:
    """Whether the lake's catalog is there (for PostgreSQL: whether it holds a lake)."""
    if catalog_kind(db) == "sqlite":
        return sqlite_file(db).is_file()
    return True  # known only once attached: open_lake looks for the schema


def open_lake(
    db: str | Path, *, read_only: bool = False, data_path: Path | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached as `lake` and in use.

    data_path: only when creating the lake (`lake init`); the catalog keeps it.
    """
    kind = catalog_kind(db)
    if kind == "sqlite":
        path = sqlite_file(db)
        if data_path is None and not path.exists():
            raise CorpusNotFoundError(f"no lake at {db}; {init_hint(db)}")
        _check_catalog_file(db, path)
        if data_path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            _sqlite_wal(path)
    con = duckdb.connect(config=dict(OPEN_CONFIG))
    try:
        load_extensions(con, kind)
        options = []
        if data_path is not None:
            options.append(f"DATA_PATH {_literal(str(data_path))}")
        if read_only:
            options.append("READ_ONLY")
        suffix = f" ({', '.join(options)})" if options else ""
        try:
            con.execute(f"ATTACH {_literal(str(db))} AS {ALIAS}{suffix}")
        except duckdb.Error as exc:
            if "creating a new DuckLake is explicitly disabled" in str(exc):
                # attached without a data path: DuckLake will not make a lake by itself
                raise CorpusNotFoundError(f"no lake at {db}; {init_hint(db)}") from None
            raise LakeError(f"cannot open the lake {db}: {_first_line(exc)}") from None
        con.execute(f"USE {ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


def _check_catalog_file(db: str | Path, path: Path) -> None:
    """Refuse a file that is not a lake's SQLite catalog before DuckLake writes its tables into
    it: mediamon never writes into a database it did not create."""
    if not path.exists():
        return
    if path.is_dir():
        raise LakeError(f"{path} is a directory; a lake's SQLite catalog is a file ({db})")
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise LakeError(f"cannot read the lake's catalog {path}: {exc.strerror or exc}") from None
    new_path = "pass the catalog `lake init` made, or a new path for one"
    if not head:
        raise LakeError(f"{path} is an empty file, not a lake's catalog; {new_path}")
    if head != b"SQLite format 3\x00":
        raise LakeError(f"{path} is not a SQLite database, so not a lake's catalog; {new_path}")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as sq:
            names = {r[0] for r in sq.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error:
        return  # busy or unreadable here: DuckLake says what it finds
    if names and "ducklake_metadata" not in names:
        raise LakeError(
            f"{path} is a SQLite database of something else (no DuckLake tables), and mediamon "
            f"never writes into a database it did not create; {new_path}"
        )


def _sqlite_wal(path: Path) -> None:
    """WAL mode on the SQLite catalog: analysts' reads never block a writer's commit."""
    try:
        with contextlib.closing(sqlite3.connect(path)) as sq:
            sq.execute("PRAGMA journal_mode=WAL").fetchone()
    except sqlite3.Error as exc:
        raise LakeError(f"cannot create the lake catalog {path}: {exc}") from None


def data_path(con: duckdb.DuckDBPyConnection) -> str | None:
    """The data path the lake's catalog keeps (DuckLake's own metadata table says it)."""
    row = con.execute(
        f"SELECT value FROM __ducklake_metadata_{ALIAS}.ducklake_metadata WHERE key = 'data_path'"
    ).fetchone()
    return str(row[0]) if row and row[0] else None


def directories(con: duckdb.DuckDBPyConnection, db: str | Path) -> tuple[str, ...]:
    """What a locked-down read-only connection must still reach: the data path, and the
    SQLite catalog's folder (its -wal and -shm files beside it)."""
    found = []
    kept = data_path(con)
    if kept and "://" not in kept:
        found.append(kept.rstrip("/") + "/")
    if catalog_kind(db) == "sqlite":
        found.append(str(sqlite_file(db).resolve().parent).rstrip("/") + "/")
    return tuple(found)


def on_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's default database is a DuckLake lake."""
    row = con.execute(
        "SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return bool(row and row[0] == "ducklake")


def ensure_writes_table(con: duckdb.DuckDBPyConnection) -> None:
    """The write token's table and its one row (lake init; idempotent)."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {WRITES_TABLE} (n BIGINT NOT NULL)")
    con.execute(
        f"INSERT INTO {WRITES_TABLE} SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM {WRITES_TABLE})"
    )


# ---------------------------------------------------------------------------------- writing


def is_conflict(exc: BaseException) -> bool:
    """A COMMIT that lost to another writer: worth running the transaction again."""
    return isinstance(exc, duckdb.TransactionException | duckdb.IOException) and any(
        word in str(exc) for word in _CONFLICT_WORDS
    )


def retry_timeout() -> float:
    """How long a lake writer keeps trying: `$MEDIAMON_LOCK_TIMEOUT`, else 120 s (at least 1)."""
    raw = os.environ.get("MEDIAMON_LOCK_TIMEOUT")
    try:
        return max(1.0, float(raw)) if raw else 120.0
    except ValueError:
        return 120.0


def write_transaction(
    con: duckdb.DuckDBPyConnection, step: Callable[[duckdb.DuckDBPyConnection], T]
) -> T:
    """Run `step` in one transaction; on a lake, again after a backoff while it conflicts.

    On a DuckDB file this is BEGIN, step, COMMIT (one writer holds the file). On a lake the
    transaction first takes the write token, and `step` must be safe to run again: it runs
    from the start, reads included, after every lost COMMIT.
    """
    if not on_lake(con):
        return _once(con, step, token=False)
    deadline = time.monotonic() + retry_timeout()
    delay = 0.02
    attempt = 0
    while True:
        attempt += 1
        try:
            result = _once(con, step, token=True)
            if attempt > 1:
                logger.debug("lake write committed at attempt %d", attempt)
            return result
        except duckdb.Error as exc:
            if not is_conflict(exc):
                raise
            if time.monotonic() >= deadline:
                raise CorpusLockedError(
                    f"the lake stayed busy with other writers for {retry_timeout():.0f}s "
                    f"({attempt} attempts); raise MEDIAMON_LOCK_TIMEOUT or write smaller batches"
                ) from None
            # jitter keeps the losers from colliding again in lock-step
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 1.7, 1.0)


def _once(
    con: duckdb.DuckDBPyConnection, step: Callable[[duckdb.DuckDBPyConnection], T], *, token: bool
) -> T:
    con.execute("BEGIN TRANSACTION")
    try:
        if token:
            con.execute(f"UPDATE {WRITES_TABLE} SET n = n + 1")
        result = step(con)
        con.execute("COMMIT")
    except BaseException:
        # a failed COMMIT has ended the transaction already
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    return result


@contextlib.contextmanager
def lake_connection(
    db: str | Path, *, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_lake(db, read_only=read_only)
    try:
        yield con
    finally:
        con.close()


# Loading the three extensions and attaching costs ~0.5 s; a crawl or an ingest opens the corpus
# for every batch. So each process keeps one read-write instance per lake and hands out cursors
# of it (a cursor is a connection of its own on the same instance). Read-only connections are
# locked down for good, so they are never shared.
_WRITERS: dict[tuple[int, str], duckdb.DuckDBPyConnection] = {}
_WRITERS_LOCK = threading.Lock()


def writer_cursor(db: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-write connection to the lake, on this process's shared instance."""
    key = (os.getpid(), str(db))
    with _WRITERS_LOCK:
        base = _WRITERS.get(key)
        if base is None:
            base = open_lake(db)
            _WRITERS[key] = base
        cursor = base.cursor()
    cursor.execute(f"USE {ALIAS}")
    return cursor


_CURRENT: set[tuple[int, str]] = set()


def is_current(db: str | Path) -> bool:
    """Whether this process has migrated the lake to the current schema already."""
    return (os.getpid(), str(db)) in _CURRENT


def mark_current(db: str | Path) -> None:
    _CURRENT.add((os.getpid(), str(db)))


def forget_writer(db: str | Path) -> None:
    """Close this process's shared instance (after the lake was found broken or missing)."""
    _CURRENT.discard((os.getpid(), str(db)))
    with _WRITERS_LOCK:
        base = _WRITERS.pop((os.getpid(), str(db)), None)
    if base is not None:
        with contextlib.suppress(duckdb.Error):
            base.close()


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
