"""Creating a lake, and copying a file corpus into a lake and a lake into a file corpus.

`init_lake` makes the schema (the migrations in the lake's dialect), the write token and the
seeds; the data path is kept in the catalog. `import_file` copies every table of a file corpus
into a lake, and is idempotent: a row whose key the lake has already (a document's doc_id, a
page's url, ...) is left as the lake has it, and a document's annotations come with it only
when the lake has none for it. `export_lake` writes a new file corpus with every row of the
lake. The search index is not copied (its ids are local to a corpus): it is rebuilt at the end.
"""

import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mediamon.corpus import lake, migrate
from mediamon.corpus.connection import connect
from mediamon.corpus.lake import LakeError, is_lake, write_transaction
from mediamon.corpus.runs import mark_interrupted_runs
from mediamon.corpus.sandbox import is_duckdb_file
from mediamon.corpus.store import WriteResult
from mediamon.errors import CorpusNotFoundError, ExportError, InputError

logger = logging.getLogger(__name__)

# each table's key: what the file corpus's PRIMARY KEY says, and what a lake keeps unique
KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("source_id",),
    "documents": ("doc_id",),
    "document_versions": ("doc_id", "version"),
    "pages": ("url",),
    "actors": ("actor_id",),
    "crawl_runs": ("run_id",),
    "doc_minhash": ("doc_id",),
}
# not copied: each corpus has its own schema record and write token; the search index is rebuilt
SKIPPED = ("schema_migrations", lake.WRITES_TABLE)
SKIPPED_PREFIX = "search_"
SOURCE = "mm_src"


@dataclass
class CopyReport:
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows copied

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def init_lake(db: str | Path, data_path: str) -> tuple[bool, WriteResult, str]:
    """Create the lake (or check an existing one) with schema and seeds.

    Return (created, the seeds' write result, the data path the catalog keeps).
    """
    from mediamon.corpus.seeding import load_seeds

    lake.catalog_kind(db)
    local = "://" not in data_path
    if local:
        _check_writable(Path(data_path))
    existed = lake.exists(db) and _has_schema(db)
    target = Path(data_path).resolve() if local else None
    con = lake.open_lake(db, data_path=target or Path(data_path))
    try:
        kept = lake.data_path(con) or data_path
        if local and Path(kept).resolve() != target:
            raise LakeError(
                f"the lake {db} keeps its data in {kept}, not {data_path}; "
                "a lake's data path cannot be changed by init"
            )
        lake.ensure_writes_table(con)
        migrate.apply(con, db, lake=True)
        write_transaction(con, mark_interrupted_runs)
        result = load_seeds(con)
    finally:
        con.close()
    return not existed, result, kept


def _has_schema(db: str | Path) -> bool:
    try:
        with lake.lake_connection(db, read_only=True) as con:
            return migrate.current_version(con, Path(str(db))) > 0
    except (LakeError, CorpusNotFoundError):
        return False


def _check_writable(folder: Path) -> None:
    """The data path exists (it is made) and takes a file, before the catalog names it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".mediamon-probe-"):
            pass
    except OSError as exc:
        raise LakeError(
            f"the data path {folder} is not writable ({exc.strerror or exc}); pass a folder "
            "every writer can write with --data-path"
        ) from None


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "ORDER BY table_name",
        [catalog],
    ).fetchall()
    return [r[0] for r in rows if r[0] not in SKIPPED and not r[0].startswith(SKIPPED_PREFIX)]


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? "
        "AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
        [catalog, table],
    ).fetchall()
    return [r[0] for r in rows]


def _copy_sql(table: str, columns: list[str], source: str, target: str) -> str:
    """INSERT the source's rows that the target does not have (by key), as one statement."""
    cols = ", ".join(f'"{c}"' for c in columns)
    src = f'"{source}".main."{table}"'
    dst = f'"{target}".main."{table}"'
    key = KEYS.get(table)
    if key is not None:
        on = " AND ".join(f's."{k}" = t."{k}"' for k in key)
        # DISTINCT ON: a source without keys (a lake) could hold a row twice; copy it once
        picked = ", ".join(f'"{k}"' for k in key)
        return (
            f"INSERT INTO {dst} ({cols}) SELECT {cols} FROM (SELECT DISTINCT ON ({picked}) * "
            f"FROM {src}) s WHERE NOT EXISTS (SELECT 1 FROM {dst} t WHERE {on})"
        )
    if "doc_id" in columns:
        # annotations and band keys: a document's rows come together, when the target has none
        return (
            f"INSERT INTO {dst} ({cols}) SELECT {cols} FROM {src} s "
            f"WHERE s.doc_id NOT IN (SELECT doc_id FROM {dst})"
        )
    return (
        f"INSERT INTO {dst} ({cols}) SELECT {cols} FROM {src} "
        f"WHERE NOT EXISTS (SELECT 1 FROM {dst})"
    )


def _copy_tables(
    con: duckdb.DuckDBPyConnection,
    source: str,
    target: str,
    advance: Callable[[str], None] | None,
) -> CopyReport:
    report = CopyReport()
    for table in _tables(con, source):
        if table not in _tables(con, target):
            logger.warning("table %s is not in the target; not copied", table)
            continue
        columns = [c for c in _columns(con, source, table) if c in _columns(con, target, table)]
        sql = _copy_sql(table, columns, source, target)

        def step(con: duckdb.DuckDBPyConnection, sql: str = sql) -> int:
            row = con.execute(sql).fetchone()
            return int(row[0]) if row else 0

        report.tables[table] = write_transaction(con, step)
        if advance:
            advance(table)
    return report


def table_count(path: Path) -> int:
    """How many tables a copy goes through (for a progress bar)."""
    with connect(path, read_only=True) as con:
        row = con.execute("SELECT current_database()").fetchone()
        return len(_tables(con, str(row[0]) if row else ""))


def import_file(
    db: str | Path, path: Path, advance: Callable[[str], None] | None = None
) -> CopyReport:
    """Copy the file corpus `path` into the lake `db`; importing it again copies nothing."""
    if not path.exists():
        raise CorpusNotFoundError(f"no corpus at {path}; pass a mediamon corpus file to import")
    if is_lake(path) or not is_duckdb_file(path):
        raise InputError(f"{path} is not a DuckDB corpus file; pass one to import")
    # opening it checks (and upgrades) the file: it is a mediamon corpus at our schema version
    with connect(path, read_only=True):
        pass
    with connect(db) as con:
        con.execute(f"ATTACH '{_quoted(path)}' AS {SOURCE} (READ_ONLY)")
        try:
            report = _copy_tables(con, SOURCE, lake.ALIAS, advance)
        finally:
            con.execute(f"DETACH {SOURCE}")
    _reindex(db)
    return report


def export_lake(
    db: str | Path, path: Path, advance: Callable[[str], None] | None = None
) -> CopyReport:
    """Write the lake `db` into a new file corpus `path` (never over an existing file)."""
    if is_lake(path):
        raise ExportError(f"{path} is a lake; export writes a DuckDB file corpus")
    if path.exists():
        raise ExportError(f"{path} exists; export writes a new corpus file, pass another name")
    kind = lake.catalog_kind(db)
    with connect(db, read_only=True):
        pass  # the lake is there and at our schema version
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with connect(partial, create=True) as con:
            lake.load_extensions(con, kind)
            con.execute(f"ATTACH '{_quoted(Path(str(db)))}' AS {SOURCE} (READ_ONLY)")
            try:
                name = con.execute("SELECT current_database()").fetchone()
                report = _copy_tables(con, SOURCE, str(name[0]) if name else "", advance)
            finally:
                con.execute(f"DETACH {SOURCE}")
        _reindex(partial)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
        raise
    return report


def _quoted(path: Path) -> str:
    # ATTACH takes no parameters; the name is quoted as an SQL string
    return str(path).replace("'", "''")


def _reindex(db: str | Path) -> None:
    from mediamon.corpus.searchindex import refresh_index

    refresh_index(db)
