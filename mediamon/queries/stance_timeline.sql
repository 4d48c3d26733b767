-- name: stance_timeline
-- description: Stories for, against and neutral per period, actor (or actor type, or all actors together) and target; a syndicated story counts once, undated documents are left out.
-- params: freq VARCHAR = week, by VARCHAR = actor, target VARCHAR = NULL, actor VARCHAR = NULL, actor_type VARCHAR = NULL, since DATE = NULL, until DATE = NULL, min_confidence DOUBLE = 0
-- freq: day, week, month, quarter or year; by: actor, actor_type, or all (every actor
-- together: a story counts once however many actors took a stance in it). A cell's documents
-- are listed by the timeline_cell_documents query. min_confidence: only stances at least this
-- sure (0 to 1); a higher floor trades recall for precision (see the README's figures).
-- Reads stance_cells (a row per document, actor and target, with the document's date and
-- story beside it) and, per week and actor at every confidence, the counts already made in
-- stance_weeks; tagging keeps both up to date (corpus/cells.py, migration 006).
-- The guard below is the same in both halves: with the parameters bound, the planner drops the
-- half that cannot answer, so the weekly defaults never touch stance_cells.
WITH weekly AS (
    SELECT w.period, w.actor_id AS actor, coalesce(a.name, w.actor_id) AS actor_name, w.target,
           w.n_favor, w.n_against, w.n_neutral, w.n_docs
    FROM stance_weeks w
    LEFT JOIN actors a USING (actor_id)
    WHERE coalesce($freq = 'week' AND $by = 'actor' AND $min_confidence = 0
                   AND $since IS NULL AND $until IS NULL, false)
      AND ($target IS NULL OR w.target = $target)
      AND ($actor IS NULL OR w.actor_id = $actor)
      AND ($actor_type IS NULL OR a.type = $actor_type)
),
rows AS (
    SELECT
        date_trunc(
            CASE WHEN $freq IN ('day', 'week', 'month', 'quarter', 'year') THEN $freq
                 ELSE error('freq must be day, week, month, quarter or year') END,
            c.published_at
        )::DATE AS period,
        CASE $by WHEN 'actor' THEN c.actor_id
                 WHEN 'actor_type' THEN coalesce(a.type, 'unknown')
                 WHEN 'all' THEN 'all'
                 ELSE error('by must be actor, actor_type or all') END AS actor,
        CASE $by WHEN 'actor' THEN coalesce(a.name, c.actor_id)
                 WHEN 'actor_type' THEN coalesce(a.type, 'unknown')
                 ELSE 'all actors' END AS actor_name,
        c.target,
        c.story,
        coalesce(c.favor >= $min_confidence, false) AS favor,
        coalesce(c.against >= $min_confidence, false) AS against,
        coalesce(c.neutral >= $min_confidence, false) AS neutral
    FROM stance_cells c
    LEFT JOIN actors a USING (actor_id)
    WHERE NOT coalesce($freq = 'week' AND $by = 'actor' AND $min_confidence = 0
                   AND $since IS NULL AND $until IS NULL, false)
      AND c.published_at IS NOT NULL
      AND ($target IS NULL OR c.target = $target)
      AND ($actor IS NULL OR c.actor_id = $actor)
      AND ($actor_type IS NULL OR a.type = $actor_type)
      AND c.confidence >= $min_confidence
      AND ($since IS NULL OR c.published_at >= $since)
      AND ($until IS NULL OR c.published_at <= $until)
),
-- first one row per story in a cell, then the cell's counts: cheaper than four DISTINCT counts
per_story AS (
    SELECT period, actor, any_value(actor_name) AS actor_name, target, story,
           bool_or(favor) AS favor, bool_or(against) AS against, bool_or(neutral) AS neutral
    FROM rows
    GROUP BY period, actor, target, story
)
SELECT * FROM weekly
UNION ALL
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
ORDER BY period, actor, target;
