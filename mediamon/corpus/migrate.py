"""Numbered SQL migrations, applied in order and recorded in `schema_migrations`.

Each file `migrations/NNN_name.sql` runs once, in its own transaction. Opening an older corpus
read-write upgrades it; a corpus from a newer mediamon is refused rather than guessed at.

On a DuckLake lake (`corpus.lake`) the same migrations run in the lake's dialect: DuckLake has
no keys, CHECK constraints or indexes, so each CREATE TABLE is run on a scratch in-memory DuckDB
and re-created on the lake from what DuckDB itself made of it (columns, types, NOT NULL,
defaults), and CREATE INDEX is left out. No SQL text is rewritten by pattern. The uniqueness the
keys gave is kept by the writers (`lake.write_transaction` and the upserts keyed by doc_id).

A migration may build a view from a named query, so that a query such as the stance timeline is
written once: `{{named_query NAME sha256=HEX}}` is replaced by the query with every parameter at
its declared default. The hash pins the query text the migration was written for; when the query
changes, a test asks for a new migration that re-creates the view.
"""

import logging
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb

from mediamon import queries
from mediamon.errors import NotACorpusError, SchemaError

logger = logging.getLogger(__name__)

_NAME_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
NAMED_QUERY_RE = re.compile(r"\{\{named_query (?P<name>[a-z_]+) sha256=(?P<sha>[0-9a-f]{64})\}\}")
_PARAM_RE = re.compile(r"\$([a-z_][a-z0-9_]*)")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


@cache
def migrations() -> tuple[Migration, ...]:
    found = []
    for entry in resources.files("mediamon.corpus").joinpath("migrations").iterdir():
        match = _NAME_RE.match(entry.name)
        if match:
            sql = NAMED_QUERY_RE.sub(lambda m: at_defaults(m["name"]), entry.read_text())
            found.append(Migration(int(match.group(1)), match.group(2), sql))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise SchemaError(f"migrations are not numbered 001..N without gaps: {versions}")
    return tuple(found)


def _literal(param: queries.Param) -> str:
    default = param.default
    if default is None:
        raise SchemaError(f"parameter {param.name} has no default, so no view can be built")
    if default.upper() == "NULL":
        return f"CAST(NULL AS {param.type})"
    if param.type in ("INTEGER", "DOUBLE"):
        float(default)  # a number, or the query file is wrong
        return f"CAST({default} AS {param.type})"
    quoted = default.replace("'", "''")
    return f"CAST('{quoted}' AS {param.type})"


def at_defaults(name: str) -> str:
    """The named query's SQL with every parameter replaced by its declared default."""
    query = queries.get(name)
    if query is None:
        raise SchemaError(f"a migration names the query {name!r}, which queries/ does not have")
    literals = {p.name: _literal(p) for p in query.params}

    def replace(match: re.Match[str]) -> str:
        if match.group(1) not in literals:
            raise SchemaError(f"query {name} uses ${match.group(1)}, which it does not declare")
        return literals[match.group(1)]

    body = "\n".join(line for line in query.sql.splitlines() if not line.lstrip().startswith("--"))
    return _PARAM_RE.sub(replace, body).strip().rstrip(";")


_TABLES_SQL = "SELECT schema_name, table_name FROM duckdb_tables()"
_INDEXES_SQL = "SELECT index_name FROM duckdb_indexes()"


def _table_ddl(scratch: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    """CREATE TABLE for a lake: the table's columns as DuckDB made them, without constraints
    other than NOT NULL and defaults."""
    columns = scratch.execute(
        "SELECT column_name, data_type, is_nullable, column_default FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, table],
    ).fetchall()
    parts = []
    for name, data_type, nullable, default in columns:
        part = f'"{name}" {data_type}'
        if not nullable:
            part += " NOT NULL"
        if default is not None:
            part += f" DEFAULT {default}"
        parts.append(part)
    return f'CREATE TABLE "{table}" ({", ".join(parts)})'


@cache
def lake_migrations() -> tuple[tuple[str, ...], ...]:
    """Each migration's statements in DuckLake's dialect (see the module's docstring)."""
    from mediamon.corpus.sandbox import OPEN_CONFIG

    scratch = duckdb.connect(config=dict(OPEN_CONFIG))
    out = []
    try:
        for migration in migrations():
            statements = []
            for statement in duckdb.extract_statements(migration.sql):
                sql = statement.query
                if statement.type != duckdb.StatementType.CREATE:
                    scratch.execute(sql)
                    statements.append(sql)
                    continue
                tables = set(scratch.execute(_TABLES_SQL).fetchall())
                indexes = set(scratch.execute(_INDEXES_SQL).fetchall())
                scratch.execute(sql)
                new_tables = set(scratch.execute(_TABLES_SQL).fetchall()) - tables
                if new_tables:
                    statements.extend(_table_ddl(scratch, *t) for t in sorted(new_tables))
                elif set(scratch.execute(_INDEXES_SQL).fetchall()) - indexes:
                    continue  # an index: a lake has none (its files keep min/max statistics)
                else:
                    statements.append(sql)  # a view or a macro
            out.append(tuple(statements))
    finally:
        scratch.close()
    return tuple(out)


def latest_version() -> int:
    return migrations()[-1].version


def current_version(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The corpus's schema version; 0 for an empty database file."""
    tables = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database()"
        ).fetchall()
    }
    # a lake's write token (corpus.lake) is there before the schema
    tables.discard("mediamon_lake_writes")
    if "schema_migrations" not in tables:
        if tables:
            raise NotACorpusError(
                f"{path} is a DuckDB database but not a mediamon corpus (no schema_migrations "
                "table); pass another --db path, mediamon will not modify it"
            )
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def needs_upgrade(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    version = current_version(con, path)
    _refuse_newer(version, path)
    return version < latest_version()


def _refuse_newer(version: int, path: Path) -> None:
    if version > latest_version():
        raise SchemaError(
            f"{path} has schema version {version}, newer than this mediamon knows "
            f"({latest_version()}); upgrade mediamon to read it"
        )


def apply(con: duckdb.DuckDBPyConnection, path: Path | str, lake: bool = False) -> list[int]:
    """Apply pending migrations; return the versions applied.

    lake: the connection's database is a DuckLake lake; each migration runs in the lake's
    dialect through `lake.write_transaction` (another process may be applying it too).
    """
    version = current_version(con, Path(path))
    _refuse_newer(version, Path(path))
    applied = []
    for migration in migrations():
        if migration.version <= version:
            continue
        logger.info("applying migration %03d_%s", migration.version, migration.name)
        try:
            if lake:
                if not _apply_lake(con, migration, path):
                    continue
            else:
                _apply_file(con, migration)
        except duckdb.Error as exc:
            raise SchemaError(
                f"migration {migration.version:03d}_{migration.name} failed on {path}: "
                f"{str(exc).splitlines()[0]}; the corpus was left at version {version}"
            ) from None
        applied.append(migration.version)
        version = migration.version
    return applied


def _record(con: duckdb.DuckDBPyConnection, migration: Migration) -> None:
    con.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) "
        "VALUES (?, ?, current_timestamp)",
        [migration.version, migration.name],
    )


def _apply_file(con: duckdb.DuckDBPyConnection, migration: Migration) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(migration.sql)
        _record(con, migration)
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise


def _apply_lake(con: duckdb.DuckDBPyConnection, migration: Migration, path: Path | str) -> bool:
    """One migration on a lake; False when another process applied it first."""
    from mediamon.corpus.lake import write_transaction

    statements = lake_migrations()[migration.version - 1]

    def step(con: duckdb.DuckDBPyConnection) -> bool:
        if current_version(con, Path(path)) >= migration.version:
            return False
        for sql in statements:
            con.execute(sql)
        _record(con, migration)
        return True

    return write_transaction(con, step)
