"""Running analysts' SQL and named queries over a read-only connection.

The connection (`connect(read_only=True)`) reads the corpus and nothing else; what it refuses is
explained here in one line. A damaged corpus is left to `connect`, which says so.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import duckdb

from mediamon import queries
from mediamon.corpus.connection import is_damage
from mediamon.errors import QueryError

_WRITE_RE = re.compile(r'Cannot execute statement of type "(\w+)"')


@dataclass
class Result:
    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]]


def _cast(param: queries.Param, raw: str) -> Any:
    if raw.upper() == "NULL":
        return None
    try:
        if param.type == "INTEGER":
            return int(raw)
        if param.type == "DOUBLE":
            return float(raw)
        if param.type == "DATE":
            return dt.date.fromisoformat(raw)
        if param.type == "TIMESTAMP":
            return dt.datetime.fromisoformat(raw)
        if param.type == "BOOLEAN":
            if raw.lower() in ("true", "1", "yes"):
                return True
            if raw.lower() in ("false", "0", "no"):
                return False
            raise ValueError(raw)
    except ValueError:
        raise QueryError(
            f"parameter {param.name}={raw!r} is not a valid {param.type}; "
            f"e.g. -p {param.name}={_example(param.type)}"
        ) from None
    return raw


def _example(type_: str) -> str:
    return {"INTEGER": "10", "DOUBLE": "0.5", "DATE": "2019-10-04", "BOOLEAN": "true"}.get(
        type_, "2019-10-04T12:00:00" if type_ == "TIMESTAMP" else "text"
    )


def bind_named(query: queries.NamedQuery, given: dict[str, str]) -> dict[str, Any]:
    known = {p.name: p for p in query.params}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise QueryError(
            f"query {query.name} has no parameter {', '.join(unknown)}; "
            f"it takes: {', '.join(known) or 'none'}"
        )
    bound: dict[str, Any] = {}
    for param in query.params:
        if param.name in given:
            bound[param.name] = _cast(param, given[param.name])
        elif param.required:
            raise QueryError(
                f"query {query.name} needs -p {param.name}=... ({param.type}, "
                f"e.g. -p {param.name}={_example(param.type)})"
            )
        else:
            bound[param.name] = _cast(param, param.default or "NULL")
    return bound


def run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> Result:
    """Run SQL with bound parameters; errors become one-line QueryErrors."""
    try:
        cursor = con.execute(sql, params or None)
        if cursor is None:  # only semicolons, blanks or comments
            raise QueryError(
                f"no SQL statement in {_short(sql)}; give one, e.g. "
                '"select title from documents limit 5"'
            )
        if cursor.description is None:
            return Result([], [], [])
        columns = [d[0] for d in cursor.description]
        types = [str(d[1]) for d in cursor.description]
        return Result(columns, types, cursor.fetchall())
    except duckdb.Error as exc:
        if is_damage(exc):
            raise  # connect() names the damaged file
        raise QueryError(_explain(exc)) from None


def _short(sql: str) -> str:
    return repr(sql if len(sql) <= 40 else sql[:39] + "…")


def _explain(exc: duckdb.Error) -> str:
    text = str(exc).strip()
    write = _WRITE_RE.search(text)
    if write:
        return (
            f"{write.group(1)} refused: `mediamon query` opens the corpus read-only and the "
            "data is unchanged; change the corpus through mediamon's commands"
        )
    first = text.splitlines()[0] if text else type(exc).__name__
    if isinstance(exc, duckdb.PermissionException) or "configuration has been locked" in first:
        return (
            f"refused: `mediamon query` and `search` read the corpus and nothing else (no files, "
            f"other databases, extensions or settings); {_detail(first)}"
        )
    missing = re.search(
        r"Values were not provided for the following prepared statement "
        r"parameters: (.+)$",
        first,
    )
    if missing:
        names = [n.strip() for n in missing.group(1).split(",")]
        flags = " ".join(f"-p {n}=value" for n in names)
        return f"the SQL uses ${', $'.join(names)} but no value was given; pass {flags}"
    hint = next((line.strip() for line in text.splitlines() if "Did you mean" in line), "")
    if "Catalog Error" in first and "Table" in first and not hint:
        hint = 'see the tables with: mediamon query "SHOW TABLES"'
    return f"{first} {hint}".strip()


def _detail(first: str) -> str:
    """DuckDB's reason, without its "Permission Error:" prefix."""
    return re.sub(r"^[\w ]+Error: ", "", first)
