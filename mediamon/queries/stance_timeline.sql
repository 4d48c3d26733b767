-- name: stance_timeline
-- description: Stories for, against and neutral per period, actor (or actor type, or all actors together) and target; a syndicated story counts once, undated documents are left out.
-- params: freq VARCHAR = week, by VARCHAR = actor, target VARCHAR = NULL, actor VARCHAR = NULL, actor_type VARCHAR = NULL, since DATE = NULL, until DATE = NULL, min_confidence DOUBLE = 0
-- freq: day, week, month, quarter or year; by: actor, actor_type, or all (every actor
-- together: a story counts once however many actors took a stance in it). A cell's documents
-- are listed by the timeline_cell_documents query. min_confidence: only stances at least this
-- sure (0 to 1); a higher floor trades recall for precision (see the README's figures).
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
-- first one row per story in a cell, then the cell's counts: cheaper than four DISTINCT counts
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
ORDER BY period, actor, target;
