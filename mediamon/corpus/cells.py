"""The stance timeline's derived tables (migration 006), kept up to date by every write.

`stance_cells` holds a row per (document, actor, target) with a stance, with the document's
publication date and story copied beside it, so the timeline reads one narrow table instead of
joining every stance to its document. `stance_weeks` holds the timeline at its defaults (per
week and actor, every confidence) cell by cell, so the default read groups nothing, and
`stance_stories` per story whether it is dated, undated or both, for the export's counts.

All three are kept per document: whatever changed about a document (its stances re-tagged,
its date improved, its text replaced, its cluster), `refresh` replaces its rows and re-counts
the weekly cells and the stories it was in before and is in after. Re-counting a cell from all
its rows is exact whatever the order of events. Plain DELETE and INSERT ... SELECT only, so the
same runs on a DuckLake.
"""

import datetime as dt
import logging
from collections.abc import Iterable

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from mediamon.corpus.arrow import column, view

logger = logging.getLogger(__name__)

# what migration 006 back-fills, for some documents (mm_cell_ids) or all of them
_CELLS_SELECT = """
SELECT s.doc_id, any_value(d.published_at), any_value(coalesce(d.cluster_id, d.doc_id)),
       s.actor_id, s.target,
       max(coalesce(s.confidence, 0)),
       max(coalesce(s.confidence, 0)) FILTER (WHERE s.polarity = 'favor'),
       max(coalesce(s.confidence, 0)) FILTER (WHERE s.polarity = 'against'),
       max(coalesce(s.confidence, 0)) FILTER (WHERE s.polarity = 'neutral')
FROM stances s
JOIN documents d USING (doc_id)
{where}
GROUP BY s.doc_id, s.actor_id, s.target
"""

# what some documents' rows touch: their (week, actor, target) cells and their stories
_TOUCHED_SQL = """
SELECT date_trunc('week', published_at)::DATE AS period, actor_id, target, story
FROM stance_cells
WHERE doc_id IN (SELECT doc_id FROM mm_cell_ids)
"""

# the stance_timeline query at its defaults, for some cells (mm_cell_keys) or all of them
_WEEKS_SELECT = """
SELECT period, actor_id, target,
       count(*) FILTER (WHERE favor), count(*) FILTER (WHERE against),
       count(*) FILTER (WHERE neutral), count(*)
FROM (
    SELECT date_trunc('week', c.published_at)::DATE AS period, c.actor_id, c.target, c.story,
           bool_or(coalesce(c.favor >= 0, false)) AS favor,
           bool_or(coalesce(c.against >= 0, false)) AS against,
           bool_or(coalesce(c.neutral >= 0, false)) AS neutral
    FROM stance_cells c {join}
    WHERE c.published_at IS NOT NULL AND c.confidence >= 0 {where}
    GROUP BY ALL
)
GROUP BY ALL
"""
# the keys are distinct, so a plain join (measured 2-5x faster than EXISTS) keeps each row once;
# the date range lets row groups outside it be skipped by their min/max
_KEYS_JOIN = (
    "JOIN mm_cell_keys k ON k.period = date_trunc('week', c.published_at)::DATE "
    "AND k.actor_id = c.actor_id AND k.target = c.target"
)
_KEYS_RANGE = "AND c.published_at >= $first AND c.published_at < $last + INTERVAL 7 DAY"
# per story, for the export's counts at the defaults (mm_cell_stories: some stories)
_STORIES_SELECT = """
SELECT story, bool_or(published_at IS NOT NULL), bool_or(published_at IS NULL)
FROM stance_cells
WHERE confidence >= 0 {where}
GROUP BY story
"""
_TOUCHED_SCHEMA = pa.schema(
    [
        ("period", pa.date32()),
        ("actor_id", pa.string()),
        ("target", pa.string()),
        ("story", pa.string()),
    ]
)


def refresh(con: duckdb.DuckDBPyConnection, doc_ids: Iterable[str]) -> None:
    """Re-derive these documents' rows, inside the caller's transaction (call it after the
    stances or documents changed, in the same transaction)."""
    ids = sorted(set(doc_ids))
    if not ids:
        return
    with view(con, "mm_cell_ids", column("doc_id", ids)):
        before = con.execute(_TOUCHED_SQL).to_arrow_table()
        con.execute("DELETE FROM stance_cells WHERE doc_id IN (SELECT doc_id FROM mm_cell_ids)")
        con.execute(
            "INSERT INTO stance_cells "
            + _CELLS_SELECT.format(where="WHERE s.doc_id IN (SELECT doc_id FROM mm_cell_ids)")
        )
        after = con.execute(_TOUCHED_SQL).to_arrow_table()
    touched = pa.concat_tables([before.cast(_TOUCHED_SCHEMA), after.cast(_TOUCHED_SCHEMA)])
    stories = touched.group_by(["story"]).aggregate([])
    if stories.num_rows:
        with view(con, "mm_cell_stories", stories):
            con.execute(
                "DELETE FROM stance_stories WHERE story IN (SELECT story FROM mm_cell_stories)"
            )
            where = "AND story IN (SELECT story FROM mm_cell_stories)"
            con.execute("INSERT INTO stance_stories " + _STORIES_SELECT.format(where=where))
    dated = touched.filter(pc.is_valid(touched.column("period")))
    keys = dated.group_by(["period", "actor_id", "target"]).aggregate([])
    if keys.num_rows:
        _recount(con, keys)
    logger.debug(
        "stance cells: %d documents, %d weekly cells and %d stories re-counted",
        len(ids),
        keys.num_rows,
        stories.num_rows,
    )


def _recount(con: duckdb.DuckDBPyConnection, keys: pa.Table) -> None:
    """Re-count these weekly cells from all their rows in stance_cells."""
    periods = [p for p in keys.column("period").to_pylist() if isinstance(p, dt.date)]
    bounds = {"first": min(periods), "last": max(periods)}
    with view(con, "mm_cell_keys", keys):
        con.execute(
            "DELETE FROM stance_weeks w WHERE EXISTS (SELECT 1 FROM mm_cell_keys k "
            "WHERE k.period = w.period AND k.actor_id = w.actor_id AND k.target = w.target)"
        )
        recount = _WEEKS_SELECT.format(join=_KEYS_JOIN, where=_KEYS_RANGE)
        con.execute("INSERT INTO stance_weeks " + recount, bounds)


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """The three tables from scratch, as migration 006 builds them: for corpora written around
    mediamon (a test fixture, a generated benchmark corpus), in the caller's transaction."""
    con.execute("DELETE FROM stance_cells")
    con.execute("DELETE FROM stance_weeks")
    con.execute("DELETE FROM stance_stories")
    con.execute("INSERT INTO stance_cells " + _CELLS_SELECT.format(where="") + " ORDER BY 2, 3")
    weeks = _WEEKS_SELECT.format(join="", where="")
    con.execute("INSERT INTO stance_weeks " + weeks + " ORDER BY 1, 2, 3")
    con.execute("INSERT INTO stance_stories " + _STORIES_SELECT.format(where=""))
