-- name: timeline_cell_documents
-- description: The documents behind stance_timeline cells (a period, actor or actor type, target, polarity); `counted` marks the one document per story that its cell counts.
-- params: period DATE = NULL, target VARCHAR = NULL, actor VARCHAR = NULL, polarity VARCHAR = NULL, freq VARCHAR = week, by VARCHAR = actor, min_confidence DOUBLE = 0
-- period: any day of the period; actor: an actor_id, an actor type with by=actor_type, or
-- 'all' with by=all;
-- polarity: favor, against or neutral (NULL: every polarity, as the cell's n_docs counts them).
-- A parameter left NULL selects every value. Per (period, actor, target), the rows with
-- counted = true add up to the timeline's number.
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
        s.target,
        coalesce(d.cluster_id, d.doc_id) AS story,
        d.doc_id,
        d.published_at,
        d.source_id,
        d.title,
        d.url,
        s.actor_id,
        s.polarity,
        s.basis,
        s.confidence,
        s.evidence
    FROM stances s
    JOIN documents d USING (doc_id)
    LEFT JOIN actors a USING (actor_id)
    WHERE d.published_at IS NOT NULL
      AND ($target IS NULL OR s.target = $target)
      AND coalesce(s.confidence, 0) >= $min_confidence
      AND (CASE WHEN $polarity IS NULL OR $polarity IN ('favor', 'against', 'neutral')
                THEN $polarity IS NULL OR s.polarity = $polarity
                ELSE error('polarity must be favor, against or neutral') END)
)
SELECT
    period,
    actor,
    target,
    story,
    row_number() OVER (
        PARTITION BY period, actor, target, story ORDER BY published_at, doc_id, actor_id
    ) = 1 AS counted,
    doc_id,
    published_at,
    source_id,
    title,
    url,
    actor_id,
    polarity,
    basis,
    confidence,
    evidence
FROM rows
WHERE ($period IS NULL OR period = date_trunc($freq, $period::DATE)::DATE)
  AND ($actor IS NULL OR actor = $actor)
ORDER BY period, actor, target, story, counted DESC, doc_id, actor_id;
