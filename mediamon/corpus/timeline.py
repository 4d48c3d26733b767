"""The stance timeline: the `stance_timeline` named query, read, counted and copied to files.

The named query is the timeline's one definition: stories (a syndicated story once, by
cluster_id) for, against and neutral per period. Undated documents are left out and counted,
so an export can say how many it could not place in time.
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from mediamon import queries
from mediamon.errors import ExportError

FREQS = ("day", "week", "month", "quarter", "year")
GROUPS = ("actor", "actor_type", "all")
FORMATS = ("csv", "json", "parquet")

# COPY options per format, chosen from this fixed list (only the path is a bound parameter)
_COPY = {
    "csv": "(FORMAT csv, HEADER true)",
    "json": "(FORMAT json, ARRAY true)",
    "parquet": "(FORMAT parquet, COMPRESSION zstd)",
}


@dataclass
class Filters:
    freq: str = "week"
    by: str = "actor"
    target: str | None = None
    actor: str | None = None
    actor_type: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    min_confidence: float = 0.0

    def check(self) -> None:
        if self.freq not in FREQS:
            raise ExportError(f"--freq must be one of {', '.join(FREQS)}, not {self.freq!r}")
        if self.by not in GROUPS:
            raise ExportError(f"--by must be one of {', '.join(GROUPS)}, not {self.by!r}")
        if self.actor and self.by != "actor":
            raise ExportError("--actor picks one actor: leave out --by, or give --by actor")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ExportError(
                f"--min-confidence must be between 0 and 1, not {self.min_confidence}"
            )

    def params(self) -> dict[str, Any]:
        self.check()
        return {
            "freq": self.freq,
            "by": self.by,
            "target": self.target,
            "actor": self.actor,
            "actor_type": self.actor_type,
            "since": self.since,
            "until": self.until,
            "min_confidence": self.min_confidence,
        }


def timeline_sql(by: str) -> str:
    """The stance_timeline named query, shaped for an export grouped `by` (a fixed choice)."""
    named = queries.get("stance_timeline")
    if named is None:  # pragma: no cover - the file ships with the package
        raise ExportError("the stance_timeline query is missing from queries/")
    inner = named.sql.strip().rstrip(";")
    key = {"actor": "actor AS actor_id, actor_name, ", "actor_type": "actor AS actor_type, "}
    return (
        f"SELECT period, {key.get(by, '')}target, n_favor, n_against, n_neutral, n_docs "
        f"FROM (\n{inner}\n) ORDER BY ALL"
    )


_UNDATED_SQL = """
SELECT
    count(DISTINCT coalesce(d.cluster_id, d.doc_id)) FILTER (WHERE d.published_at IS NULL),
    count(DISTINCT coalesce(d.cluster_id, d.doc_id)) FILTER (
        WHERE d.published_at IS NOT NULL
          AND ($since IS NULL OR d.published_at >= $since)
          AND ($until IS NULL OR d.published_at <= $until))
FROM stances s
JOIN documents d USING (doc_id)
LEFT JOIN actors a USING (actor_id)
WHERE ($target IS NULL OR s.target = $target)
  AND ($actor IS NULL OR s.actor_id = $actor)
  AND ($actor_type IS NULL OR a.type = $actor_type)
  AND coalesce(s.confidence, 0) >= $min_confidence
"""


def undated_stories(con: duckdb.DuckDBPyConnection, filters: Filters) -> tuple[int, int]:
    """(undated stories left out, dated stories placed) for these filters."""
    params = filters.params()
    keep = ("target", "actor", "actor_type", "since", "until", "min_confidence")
    row = con.execute(_UNDATED_SQL, {k: params[k] for k in keep}).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def timeline_rows(
    con: duckdb.DuckDBPyConnection, filters: Filters
) -> tuple[list[str], list[tuple[Any, ...]]]:
    cursor = con.execute(timeline_sql(filters.by), filters.params())
    columns = [d[0] for d in cursor.description or []]
    return columns, cursor.fetchall()


def copy_timeline(con: duckdb.DuckDBPyConnection, path: Path, fmt: str, filters: Filters) -> int:
    """Write every row of the timeline to `path` with DuckDB's COPY; returns the rows written."""
    if fmt not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    sql = f"COPY ({timeline_sql(filters.by)}) TO $path {_COPY[fmt]}"
    try:
        row = con.execute(sql, {**filters.params(), "path": str(path)}).fetchone()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise ExportError(f"could not export to {path}: {first}") from None
    return int(row[0]) if row else 0
