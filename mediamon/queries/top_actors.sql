-- name: top_actors
-- description: The most visible actors per period: stories mentioning them (syndicated copies once), with how many of those carry their stance for or against; undated documents left out.
-- params: freq VARCHAR = month, top INTEGER = 10, actor_type VARCHAR = NULL, since DATE = NULL, until DATE = NULL
WITH mentioned AS (
    SELECT DISTINCT
        date_trunc(
            CASE WHEN $freq IN ('day', 'week', 'month', 'quarter', 'year') THEN $freq
                 ELSE error('freq must be day, week, month, quarter or year') END,
            d.published_at
        )::DATE AS period,
        m.actor_id,
        coalesce(d.cluster_id, d.doc_id) AS story
    FROM mentions m
    JOIN documents d USING (doc_id)
    WHERE d.published_at IS NOT NULL
      AND ($since IS NULL OR d.published_at >= $since)
      AND ($until IS NULL OR d.published_at <= $until)
      AND ($actor_type IS NULL
           OR m.actor_id IN (SELECT actor_id FROM actors WHERE type = $actor_type))
),
ranked AS (
    SELECT period, actor_id, count(*) AS stories,
           row_number() OVER (PARTITION BY period ORDER BY count(*) DESC, actor_id) AS rank
    FROM mentioned
    GROUP BY period, actor_id
    QUALIFY rank <= $top
),
stance AS (
    SELECT
        date_trunc($freq, d.published_at)::DATE AS period,
        s.actor_id,
        count(DISTINCT coalesce(d.cluster_id, d.doc_id)) FILTER (WHERE s.polarity = 'favor')
            AS favor_stories,
        count(DISTINCT coalesce(d.cluster_id, d.doc_id)) FILTER (WHERE s.polarity = 'against')
            AS against_stories
    FROM stances s
    JOIN documents d USING (doc_id)
    WHERE d.published_at IS NOT NULL
      AND s.actor_id IN (SELECT actor_id FROM ranked)
    GROUP BY ALL
)
SELECT r.period, r.rank, r.actor_id, a.name, a.type, r.stories,
       coalesce(st.favor_stories, 0) AS favor_stories,
       coalesce(st.against_stories, 0) AS against_stories
FROM ranked r
LEFT JOIN actors a USING (actor_id)
LEFT JOIN stance st USING (period, actor_id)
ORDER BY r.period, r.rank;
