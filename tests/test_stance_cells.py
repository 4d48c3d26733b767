"""The stance timeline read from stance_cells / stance_weeks (migration 006) gives exactly the
rows of the query it replaced, for every parameter set, through every write that can change
them: tagging, re-tagging, skipping, a better date, a new text, a re-clustering."""

import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest

from mediamon import queries
from mediamon.corpus import cells, connect
from mediamon.corpus.annotations import DocAnnotations, mark_skipped, write_results
from mediamon.corpus.reading import bind_named
from mediamon.corpus.seeding import init_corpus
from mediamon.corpus.store import DocumentRecord, write_documents
from mediamon.corpus.timeline import Filters, undated_stories

# queries/stance_timeline.sql as it was before migration 006: the reference, joining every
# stance to its document on every read
REFERENCE_SQL = """
WITH rows AS (
    SELECT
        date_trunc(
            CASE WHEN $freq IN ('day', 'week', 'month', 'quarter', 'year') THEN $freq
                 ELSE error('freq must be day, week, month, quarter or year') END,
            d.published_at
        )::DATE AS period,
        CASE $by WHEN 'actor' THEN s.actor_id
                 WHEN 'actor_type' THEN coalesce(a.type, 'unknown')
                 WHEN 'all' THEN 'all'
                 ELSE error('by must be actor, actor_type or all') END AS actor,
        CASE $by WHEN 'actor' THEN coalesce(a.name, s.actor_id)
                 WHEN 'actor_type' THEN coalesce(a.type, 'unknown')
                 ELSE 'all actors' END AS actor_name,
        s.target,
        s.polarity,
        coalesce(d.cluster_id, d.doc_id) AS story
    FROM stances s
    JOIN documents d USING (doc_id)
    LEFT JOIN actors a USING (actor_id)
    WHERE d.published_at IS NOT NULL
      AND ($target IS NULL OR s.target = $target)
      AND ($actor IS NULL OR s.actor_id = $actor)
      AND ($actor_type IS NULL OR a.type = $actor_type)
      AND coalesce(s.confidence, 0) >= $min_confidence
      AND ($since IS NULL OR d.published_at >= $since)
      AND ($until IS NULL OR d.published_at <= $until)
),
per_story AS (
    SELECT period, actor, any_value(actor_name) AS actor_name, target, story,
           bool_or(polarity = 'favor') AS favor,
           bool_or(polarity = 'against') AS against,
           bool_or(polarity = 'neutral') AS neutral
    FROM rows
    GROUP BY period, actor, target, story
)
SELECT
    period, actor, any_value(actor_name) AS actor_name, target,
    count(*) FILTER (WHERE favor) AS n_favor,
    count(*) FILTER (WHERE against) AS n_against,
    count(*) FILTER (WHERE neutral) AS n_neutral,
    count(*) AS n_docs
FROM per_story
GROUP BY period, actor, target
ORDER BY period, actor, target
"""
REFERENCE_UNDATED_SQL = """
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

PARAM_SETS: list[dict[str, str]] = [
    {},  # the weekly per-actor defaults: read from stance_weeks
    {"target": "e2ee"},
    {"actor": "a1"},
    {"actor_type": "company"},
    {"actor_type": "ngo", "target": "scanning"},
    {"actor": "ghost"},  # stances of an actor missing from the actors table
    {"min_confidence": "0.5"},
    {"min_confidence": "0.8", "by": "all"},
    {"min_confidence": "1"},
    {"freq": "day"},
    {"freq": "month", "by": "actor_type"},
    {"freq": "quarter", "by": "all", "target": "e2ee"},
    {"freq": "year", "actor": "a2"},
    {"since": "2021-03-10"},
    {"until": "2021-06-30", "by": "actor_type"},
    {"since": "2021-02-01", "until": "2021-09-30", "freq": "month", "min_confidence": "0.3"},
]
ACTORS = [
    ("a1", "Actor One", "company"),
    ("a2", "Actor Two", "ngo"),
    ("a3", "Actor Three", "government"),
    ("a4", "Actor Four", "company"),
    ("a5", "Actor Five", None),  # no type: 'unknown'
]
CONFIDENCES = [None, 0.0, 0.3, 0.5, 0.55, 0.8, 0.95, 1.0]


def _records(rng: random.Random, n: int) -> list[DocumentRecord]:
    records: list[DocumentRecord] = []
    for i in range(n):
        undated = rng.random() < 0.15
        day = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(300))
        rec = DocumentRecord(
            text=f"Document {i} about encryption and scanning.",
            url=f"https://news.example/{i}",
            published_at=None if undated else day,
            date_source=None if undated else "url",
        )
        if records and rng.random() < 0.3:  # a syndicated copy: the cluster of an earlier one
            rec.cluster_id = rng.choice(records).doc_id
        records.append(rec)
    return records


def _annotations(rng: random.Random, doc_ids: list[str]) -> list[DocAnnotations]:
    results = []
    for doc_id in doc_ids:
        ann = DocAnnotations(doc_id)
        for _ in range(rng.randrange(4)):
            actor = rng.choice([a[0] for a in ACTORS] + ["ghost"])
            if actor != "ghost":
                name, type_ = next((a[1], a[2]) for a in ACTORS if a[0] == actor)
                ann.actors.append({"actor_id": actor, "name": name, "type": type_})
            ann.stances.append(
                {
                    "doc_id": doc_id,
                    "actor_id": actor,
                    "target": rng.choice(["e2ee", "scanning"]),
                    "polarity": rng.choice(["favor", "against", "neutral"]),
                    "confidence": rng.choice(CONFIDENCES),
                    "evidence": "x",
                    "basis": "quote",
                    "start_char": 0,
                    "end_char": 1,
                }
            )
        for actor in ann.actors:
            actor.setdefault("country", None)
            actor.setdefault("aliases", [])
            actor.setdefault("speaks_for", None)
            actor.setdefault("origin", "registry")
        results.append(ann)
    return results


def _assert_same(db: Path) -> None:
    named = queries.get("stance_timeline")
    assert named is not None
    with connect(db, read_only=True) as con:
        for given in PARAM_SETS:
            params = bind_named(named, given)
            expected = con.execute(REFERENCE_SQL, params).fetchall()
            assert con.execute(named.sql, params).fetchall() == expected, given
            filters = Filters(
                **{k: v for k, v in params.items() if k not in ("since", "until")},
                since=params["since"],
                until=params["until"],
            )
            if filters.actor and filters.by != "actor":
                continue
            keep = ("target", "actor", "actor_type", "since", "until", "min_confidence")
            row = con.execute(REFERENCE_UNDATED_SQL, {k: params[k] for k in keep}).fetchone()
            assert row is not None
            assert undated_stories(con, filters) == (row[0], row[1]), given
        # what the writes kept up to date equals what a rebuild from scratch makes
        kept = _derived(con)
    with connect(db) as con:
        con.execute("BEGIN TRANSACTION")
        cells.rebuild(con)
        assert _derived(con) == kept
        con.execute("ROLLBACK")


def _derived(con: Any) -> tuple[list[Any], ...]:
    return (
        con.execute("SELECT * FROM stance_cells ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM stance_weeks ORDER BY ALL").fetchall(),
        con.execute("SELECT * FROM stance_stories ORDER BY ALL").fetchall(),
    )


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, list[DocumentRecord]]:
    db = tmp_path / "cells.duckdb"
    init_corpus(db)
    records = _records(random.Random(13), 80)
    with connect(db) as con:
        write_documents(con, records)
    return db, records


def test_the_timeline_is_the_same_through_every_write(
    corpus: tuple[Path, list[DocumentRecord]],
) -> None:
    db, records = corpus
    rng = random.Random(5)
    ids = [r.doc_id for r in records]
    write_results(db, _annotations(rng, ids), "v1")
    _assert_same(db)

    # re-tagging replaces a document's stances (some lose all of theirs)
    write_results(db, _annotations(rng, rng.sample(ids, 30)), "v2")
    _assert_same(db)

    # documents the pipeline cannot read lose their stances
    mark_skipped(db, {doc_id: "language:de" for doc_id in rng.sample(ids, 5)}, "v2")
    _assert_same(db)

    # re-stored: undated copies get a date (enriched), dated ones a better date or a new text
    again = []
    for rec in rng.sample(records, 25):
        newer = DocumentRecord(
            text=rec.text if rng.random() < 0.6 else rec.text + " Updated.",
            url=rec.url,
            published_at=(rec.published_at or dt.date(2021, 5, 3)) + dt.timedelta(days=9),
            date_source="jsonld",
        )
        again.append(newer)
    with connect(db) as con:
        outcomes = write_documents(con, again).counts
    assert outcomes["enriched"] and outcomes["updated"]
    _assert_same(db)

    # a re-clustering: whoever changes cluster_id refreshes the documents it changed
    moved = rng.sample(ids, 12)
    with connect(db) as con:
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "UPDATE documents SET cluster_id = $c WHERE doc_id IN (SELECT unnest($ids))",
            {"c": ids[0], "ids": moved},
        )
        cells.refresh(con, moved)
        con.execute("COMMIT")
    _assert_same(db)


def test_the_defaults_read_the_weekly_table(corpus: tuple[Path, list[DocumentRecord]]) -> None:
    """At its defaults the query reads stance_weeks: emptied, the default answer is empty
    while any other parameter set still answers from stance_cells."""
    db, records = corpus
    write_results(db, _annotations(random.Random(2), [r.doc_id for r in records]), "v1")
    named = queries.get("stance_timeline")
    assert named is not None
    with connect(db) as con:
        assert con.execute(named.sql, bind_named(named, {})).fetchall()
        con.execute("DELETE FROM stance_weeks")
        assert con.execute(named.sql, bind_named(named, {})).fetchall() == []
        assert con.execute(named.sql, bind_named(named, {"freq": "month"})).fetchall()
        # the view of migration 006 is the query at its defaults
        assert con.execute("SELECT count(*) FROM stance_timeline").fetchone() == (0,)


def test_the_migration_back_fills_from_existing_stances(tmp_path: Path) -> None:
    """A corpus tagged before migration 006 gets both tables filled as the write path fills
    them (the migration's SQL and cells.rebuild agree)."""
    db = tmp_path / "old.duckdb"
    init_corpus(db)
    records = _records(random.Random(3), 40)
    with connect(db) as con:
        write_documents(con, records)
    write_results(db, _annotations(random.Random(4), [r.doc_id for r in records]), "v1")
    from mediamon.corpus.migrate import migrations

    sql = next(m.sql for m in migrations() if m.version == 6)
    with connect(db) as con:
        kept = _derived(con)
        con.execute("BEGIN TRANSACTION")
        for table in ("stance_cells", "stance_weeks", "stance_stories"):
            con.execute(f"DROP TABLE {table}")
        con.execute(sql)
        assert _derived(con) == kept
        con.execute("ROLLBACK")
