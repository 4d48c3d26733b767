"""The stance timeline: the `stance_timeline` named query, read and counted.

The named query is the timeline's one definition: stories (a syndicated story once, by
cluster_id) for, against and neutral per period. Undated documents are left out and counted,
so an export can say how many it could not place in time. The rows come out as Arrow batches;
`reports.export` writes the files (DuckDB itself never writes one: its connection is read-only
and reaches no file).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from mediamon import queries
from mediamon.errors import ExportError

FREQS = ("day", "week", "month", "quarter", "year")
GROUPS = ("actor", "actor_type", "all")
FORMATS = ("csv", "json", "parquet")
BATCH_ROWS = 100_000


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


# from stance_cells (a row per document, actor and target), with no join to documents; two
# DISTINCT counts, each over its own rows, measured faster than one pass counting both
_CELLS_WHERE = """
FROM stance_cells c
LEFT JOIN actors a USING (actor_id)
WHERE ($target IS NULL OR c.target = $target)
  AND ($actor IS NULL OR c.actor_id = $actor)
  AND ($actor_type IS NULL OR a.type = $actor_type)
  AND c.confidence >= $min_confidence
"""
_UNDATED_SQL = f"""
SELECT
    (SELECT count(DISTINCT c.story) {_CELLS_WHERE} AND c.published_at IS NULL),
    (SELECT count(DISTINCT c.story) {_CELLS_WHERE}
       AND c.published_at IS NOT NULL
       AND ($since IS NULL OR c.published_at >= $since)
       AND ($until IS NULL OR c.published_at <= $until))
"""


# at the defaults: stance_stories, kept per story by the writes (corpus/cells.py)
_UNDATED_DEFAULTS_SQL = (
    "SELECT count(*) FILTER (WHERE undated), count(*) FILTER (WHERE dated) FROM stance_stories"
)


def undated_stories(con: duckdb.DuckDBPyConnection, filters: Filters) -> tuple[int, int]:
    """(undated stories left out, dated stories placed) for these filters."""
    params = filters.params()
    if not any(params[k] for k in ("target", "actor", "actor_type", "since", "until")) and (
        params["min_confidence"] == 0
    ):
        row = con.execute(_UNDATED_DEFAULTS_SQL).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)
    keep = ("target", "actor", "actor_type", "since", "until", "min_confidence")
    row = con.execute(_UNDATED_SQL, {k: params[k] for k in keep}).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def timeline_rows(
    con: duckdb.DuckDBPyConnection, filters: Filters
) -> tuple[list[str], list[tuple[Any, ...]]]:
    cursor = con.execute(timeline_sql(filters.by), filters.params())
    columns = [d[0] for d in cursor.description or []]
    return columns, cursor.fetchall()


def timeline_batches(
    con: duckdb.DuckDBPyConnection, filters: Filters, as_json: bool = False
) -> pa.RecordBatchReader:
    """Every row of the timeline, as a stream of Arrow record batches (no cap).

    as_json: one column of JSON objects instead (DuckDB's to_json, as COPY's JSON writes them).
    """
    sql = timeline_sql(filters.by)
    if as_json:
        sql = f"SELECT to_json(t)::VARCHAR AS row FROM (\n{sql}\n) t"
    return con.execute(sql, filters.params()).to_arrow_reader(BATCH_ROWS)
