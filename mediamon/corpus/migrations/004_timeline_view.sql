-- The stance_timeline view becomes the named query stance_timeline (queries/stance_timeline.sql)
-- at its defaults: per week and actor, every target, every confidence. The timeline is written
-- once, there; the view of migration 001 was a second copy of it. Same columns as before.
-- The query is inlined here as it was when this migration was written (its file then had
-- sha256 2ee121e4c82b2ce17c1a10ef1e70b801fffdb460e6ffae40108ce93728b3db92): today's query reads
-- tables that migration 006 creates, and 006 re-creates this view from it.
DROP VIEW IF EXISTS stance_timeline;

CREATE VIEW stance_timeline AS
SELECT period AS period_start, actor AS actor_id, target, n_favor, n_against, n_neutral, n_docs
FROM (
WITH rows AS (
    SELECT
        date_trunc(
            CASE WHEN CAST('week' AS VARCHAR) IN ('day', 'week', 'month', 'quarter', 'year') THEN CAST('week' AS VARCHAR)
                 ELSE error('freq must be day, week, month, quarter or year') END,
            d.published_at
        )::DATE AS period,
        CASE CAST('actor' AS VARCHAR) WHEN 'actor' THEN s.actor_id
                 WHEN 'actor_type' THEN coalesce(a.type, 'unknown')
                 WHEN 'all' THEN 'all'
                 ELSE error('by must be actor, actor_type or all') END AS actor,
        CASE CAST('actor' AS VARCHAR) WHEN 'actor' THEN coalesce(a.name, s.actor_id)
                 WHEN 'actor_type' THEN coalesce(a.type, 'unknown')
                 ELSE 'all actors' END AS actor_name,
        s.target,
        s.polarity,
        coalesce(d.cluster_id, d.doc_id) AS story
    FROM stances s
    JOIN documents d USING (doc_id)
    LEFT JOIN actors a USING (actor_id)
    WHERE d.published_at IS NOT NULL
      AND (CAST(NULL AS VARCHAR) IS NULL OR s.target = CAST(NULL AS VARCHAR))
      AND (CAST(NULL AS VARCHAR) IS NULL OR s.actor_id = CAST(NULL AS VARCHAR))
      AND (CAST(NULL AS VARCHAR) IS NULL OR a.type = CAST(NULL AS VARCHAR))
      AND coalesce(s.confidence, 0) >= CAST(0 AS DOUBLE)
      AND (CAST(NULL AS DATE) IS NULL OR d.published_at >= CAST(NULL AS DATE))
      AND (CAST(NULL AS DATE) IS NULL OR d.published_at <= CAST(NULL AS DATE))
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
    period,
    actor,
    any_value(actor_name) AS actor_name,
    target,
    count(*) FILTER (WHERE favor) AS n_favor,
    count(*) FILTER (WHERE against) AS n_against,
    count(*) FILTER (WHERE neutral) AS n_neutral,
    count(*) AS n_docs
FROM per_story
GROUP BY period, actor, target
ORDER BY period, actor, target
);
