"""The demo's closing table: the stance timeline per quarter, from the `stance_timeline` query."""

from typing import Any

import duckdb

from mediamon.corpus.timeline import Filters, timeline_rows

COLUMNS = ["period", "target", "favor", "against", "actors"]


def _quarter(day: Any) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def stance_summary(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """Per quarter and target: stories with an actor for, against, and how many actors."""
    columns, rows = timeline_rows(con, Filters(freq="quarter", by="all"))
    stories = [dict(zip(columns, row, strict=True)) for row in rows]
    columns, rows = timeline_rows(con, Filters(freq="quarter", by="actor"))
    actors: dict[tuple[Any, str], int] = {}
    for row in rows:
        cell = dict(zip(columns, row, strict=True))
        key = (cell["period"], cell["target"])
        actors[key] = actors.get(key, 0) + 1
    return [
        (
            _quarter(s["period"]),
            s["target"],
            s["n_favor"],
            s["n_against"],
            actors.get((s["period"], s["target"]), 0),
        )
        for s in sorted(stories, key=lambda s: (s["period"], s["target"]))
    ]
