-- name: stance_changes
-- description: Actors whose prevailing stance on a target changed between periods (for to against or back), with the story counts on each side of the change.
-- params: freq VARCHAR = quarter, target VARCHAR = NULL, actor VARCHAR = NULL, min_stories INTEGER = 3, min_share DOUBLE = 0.66
-- A period counts for an actor when it has at least min_stories stories for or against, and
-- one side holds at least min_share of them; the change is between consecutive such periods.
WITH cells AS (
    SELECT
        s.actor_id,
        s.target,
        date_trunc(
            CASE WHEN $freq IN ('day', 'week', 'month', 'quarter', 'year') THEN $freq
                 ELSE error('freq must be day, week, month, quarter or year') END,
            d.published_at
        )::DATE AS period,
        count(DISTINCT coalesce(d.cluster_id, d.doc_id)) FILTER (WHERE s.polarity = 'favor')
            AS favor,
        count(DISTINCT coalesce(d.cluster_id, d.doc_id)) FILTER (WHERE s.polarity = 'against')
            AS against
    FROM stances s
    JOIN documents d USING (doc_id)
    WHERE d.published_at IS NOT NULL
      AND ($target IS NULL OR s.target = $target)
      AND ($actor IS NULL OR s.actor_id = $actor)
    GROUP BY ALL
),
leaning AS (
    SELECT *,
           CASE WHEN favor >= $min_share * (favor + against) THEN 'favor'
                WHEN against >= $min_share * (favor + against) THEN 'against' END AS stance
    FROM cells
    WHERE favor + against >= $min_stories
),
steps AS (
    SELECT *,
           lag(stance) OVER w AS before_stance,
           lag(period) OVER w AS before_period,
           lag(favor) OVER w AS before_favor,
           lag(against) OVER w AS before_against
    FROM leaning
    WHERE stance IS NOT NULL
    WINDOW w AS (PARTITION BY actor_id, target ORDER BY period)
)
SELECT
    st.actor_id, a.name, a.type, st.target,
    st.before_period, st.before_stance, st.before_favor, st.before_against,
    st.period AS after_period, st.stance AS after_stance,
    st.favor AS after_favor, st.against AS after_against
FROM steps st
LEFT JOIN actors a USING (actor_id)
WHERE st.before_stance IS NOT NULL AND st.before_stance <> st.stance
ORDER BY st.actor_id, st.target, st.period;
