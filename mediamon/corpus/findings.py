"""What the HTML report shows, read from the corpus: totals, top actors with their evidence,
volume per month and the provenance of publication dates."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from mediamon import queries


@dataclass
class Evidence:
    target: str
    polarity: str
    text: str
    basis: str
    title: str | None
    url: str | None
    published_at: dt.date | None
    source_id: str | None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> Any:
    cursor = con.execute(sql, params or None)
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def named_rows(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> Any:
    named = queries.get(name)
    assert named is not None, name
    defaults = {p.name: None for p in named.params}
    return _rows(con, named.sql, {**defaults, **params})


def summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return _rows(
        con,
        "SELECT count(*) AS documents, count(published_at) AS dated, "
        "count(*) - count(published_at) AS undated, "
        "count(DISTINCT coalesce(cluster_id, doc_id)) AS stories, "
        "count(DISTINCT source_id) AS sources, min(published_at) AS first, "
        "max(published_at) AS last, "
        "(SELECT count(*) FROM stances) AS stances, "
        "(SELECT count(DISTINCT actor_id) FROM stances) AS actors_with_stance "
        "FROM documents",
    )[0]


_TOP_ACTORS = """
WITH counted AS (
    SELECT s.actor_id, s.target, s.polarity, coalesce(d.cluster_id, d.doc_id) AS story
    FROM stances s JOIN documents d USING (doc_id)
),
top AS (
    SELECT actor_id, count(DISTINCT story) AS stories FROM counted
    GROUP BY actor_id ORDER BY stories DESC, actor_id LIMIT $top
)
SELECT t.actor_id, coalesce(a.name, t.actor_id) AS name, a.type, t.stories, c.target,
       count(DISTINCT c.story) FILTER (WHERE c.polarity = 'favor') AS favor,
       count(DISTINCT c.story) FILTER (WHERE c.polarity = 'against') AS against,
       count(DISTINCT c.story) FILTER (WHERE c.polarity = 'neutral') AS neutral
FROM top t JOIN counted c USING (actor_id) LEFT JOIN actors a USING (actor_id)
GROUP BY ALL
ORDER BY t.stories DESC, t.actor_id, c.target
"""

# the most confident evidence per actor, target and polarity, so that both sides show
_EVIDENCE = """
SELECT * FROM (
    SELECT s.actor_id, s.target, s.polarity, s.evidence AS text, s.basis, d.title, d.url,
           d.published_at, d.source_id, s.confidence,
           row_number() OVER (PARTITION BY s.actor_id, s.target, s.polarity
                              ORDER BY s.basis = 'quote' DESC, s.confidence DESC NULLS LAST,
                                       d.published_at DESC NULLS LAST, d.doc_id) AS nth
    FROM stances s JOIN documents d USING (doc_id)
    WHERE s.actor_id IN (SELECT unnest($actors)) AND s.evidence IS NOT NULL
)
WHERE nth = 1
ORDER BY actor_id, confidence DESC NULLS LAST
"""

_MONTHLY = """
SELECT date_trunc('month', published_at)::DATE AS month, count(*) AS documents
FROM documents WHERE published_at IS NOT NULL GROUP BY 1 ORDER BY 1
"""


def top_actors(
    con: duckdb.DuckDBPyConnection, top: int
) -> list[tuple[dict[str, Any], list[Evidence]]]:
    rows = _rows(con, _TOP_ACTORS, {"top": top})
    actors: dict[str, dict[str, Any]] = {}
    for row in rows:
        actor = actors.setdefault(row["actor_id"], {**row, "targets": []})
        actor["targets"].append((row["target"], row["favor"], row["against"], row["neutral"]))
    evidence: dict[str, list[Evidence]] = {a: [] for a in actors}
    for row in _rows(con, _EVIDENCE, {"actors": list(actors)}):
        if len(evidence[row["actor_id"]]) < 4:
            fields = {k: row[k] for k in Evidence.__dataclass_fields__}
            evidence[row["actor_id"]].append(Evidence(**fields))
    return [(actor, evidence[actor_id]) for actor_id, actor in actors.items()]


def stance_targets(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT DISTINCT target FROM stances ORDER BY 1").fetchall()]


def monthly_documents(con: duckdb.DuckDBPyConnection) -> dict[dt.date, int]:
    return {r["month"]: r["documents"] for r in _rows(con, _MONTHLY)}


def date_provenance(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = _rows(
        con,
        "SELECT coalesce(date_source, '(undated)') AS date_source, count(*) AS documents "
        "FROM documents GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    return rows


def languages(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Documents per language with how many were tagged and how many `tag` left untagged
    (documents.nlp_skipped says why): the same figures as `mediamon stats`."""
    from mediamon.corpus.stats import by_language

    return by_language(con)
