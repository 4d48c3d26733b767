"""What a DuckDB connection may reach: the corpus, and nothing else for read-only ones.

Analysts share corpora and run SQL that others wrote, so a read-only connection is locked down
with DuckDB's own settings: no files, no other databases, no extensions fetched or loaded (the
fts extension is loaded from its package file first, when asked for), and the configuration
locked so that SQL cannot switch any of it back on. Every connection, read-only or not, is
opened with extension auto-install and auto-load off, so a SQLite file passed as `--db` never
makes DuckDB download a scanner.
"""

import logging
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from mediamon.errors import SearchError

logger = logging.getLogger(__name__)

# given to duckdb.connect: extensions come from our package files only, never on their own
OPEN_CONFIG: dict[str, Any] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

# a DuckDB database file: an 8-byte checksum, then these four bytes
MAGIC = b"DUCK"
MAGIC_OFFSET = 8
SQLITE_MAGIC = b"SQLite format 3\x00"


def file_kind(path: Path) -> str:
    """'duckdb', 'sqlite', 'empty' or 'other', from the file's first bytes."""
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if not head:
        return "empty"
    if head[MAGIC_OFFSET : MAGIC_OFFSET + len(MAGIC)] == MAGIC:
        return "duckdb"
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    return "other"


def is_duckdb_file(path: Path) -> bool:
    """Whether path is a DuckDB database (by its header; False when unreadable or missing)."""
    try:
        return path.is_file() and file_kind(path) == "duckdb"
    except OSError:
        return False


@cache
def fts_extension_path() -> str:
    """The fts extension file shipped by the duckdb-extension-fts package."""
    version = duckdb.__version__
    try:
        folder = resources.files("duckdb_extension_fts").joinpath("extensions", f"v{version}")
        path = folder.joinpath("fts.duckdb_extension")
        found = path.is_file()
    except ModuleNotFoundError:
        found = False
    if not found:
        raise SearchError(
            f"the fts extension for DuckDB {version} is missing; "
            f"pip install duckdb-extension-fts=={version}"
        )
    return str(path)


def fts_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_functions() WHERE function_name = 'stem'"
    ).fetchone()
    return bool(row and row[0])


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension from its package file (once per database instance)."""
    if fts_loaded(con):
        return
    # LOAD takes no parameters; the path comes from the installed package, not from a user
    quoted = fts_extension_path().replace("'", "''")
    try:
        quiet(con)
        con.execute(f"LOAD '{quoted}'")
    except (duckdb.InvalidInputException, duckdb.PermissionException):
        raise SearchError(
            "this read-only connection was locked without the fts extension; open the corpus "
            "with connect(path, read_only=True, fts=True) to search it"
        ) from None


def quiet(con: duckdb.DuckDBPyConnection) -> None:
    # DuckDB draws its own progress bar on long statements; ours is the CLI's
    con.execute("SET enable_progress_bar = false")
    # the extension comes from its package file only, never from the network
    con.execute("SET autoinstall_known_extensions = false")


def lock_down(
    con: duckdb.DuckDBPyConnection, fts: bool = False, directories: tuple[str, ...] = ()
) -> None:
    """Let this connection read the corpus and nothing else, for good.

    fts: load the fts extension first (search needs its stemmer).
    directories: folders the corpus itself lives in (a lake's data path and catalog folder),
        which stay readable.
    Known gap (DuckDB 1.5.5): `CALL enable_logging(storage = 'file', ...)` passes the locked
    configuration; it still reaches no file, but DuckDB then aborts the process on close.
    """
    if fts:
        load_fts(con)
    quiet(con)
    if directories:
        con.execute("SET allowed_directories = ?", [list(directories)])
    for statement in (
        "SET autoload_known_extensions = false",
        "SET allow_community_extensions = false",
        # files, other databases, COPY, EXPORT, INSTALL and LOAD: all refused from here on
        "SET enable_external_access = false",
        # last: no SET or RESET can undo the lines above
        "SET lock_configuration = true",
    ):
        con.execute(statement)
