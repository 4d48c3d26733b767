-- name: silent_sources
-- description: Sources that went quiet: far fewer dated documents in the last `days` than their own volume in the `baseline_days` before would predict.
-- params: as_of DATE = NULL, days INTEGER = 30, baseline_days INTEGER = 180, min_expected DOUBLE = 3, max_ratio DOUBLE = 0.25
-- as_of defaults to the latest publication date in the corpus, so a corpus that was not
-- crawled lately does not flag every source. expected = baseline * days / baseline_days.
WITH bounds AS (
    SELECT coalesce($as_of, (SELECT max(published_at) FROM documents)) AS as_of
),
volume AS (
    SELECT
        d.source_id,
        count(*) FILTER (WHERE d.published_at > b.as_of - $days) AS recent,
        count(*) FILTER (
            WHERE d.published_at <= b.as_of - $days
              AND d.published_at > b.as_of - $days - $baseline_days
        ) AS baseline,
        max(d.published_at) AS last_published,
        any_value(b.as_of) AS as_of
    FROM documents d
    CROSS JOIN bounds b
    WHERE d.published_at IS NOT NULL AND d.published_at <= b.as_of
    GROUP BY d.source_id
)
SELECT
    v.source_id,
    s.name AS source_name,
    v.last_published,
    v.as_of - v.last_published AS days_silent,
    v.baseline,
    round(v.baseline * $days / $baseline_days, 1) AS expected,
    v.recent,
    round(v.recent / (v.baseline * $days / $baseline_days), 2) AS ratio
FROM volume v
LEFT JOIN sources s USING (source_id)
WHERE v.baseline * $days / $baseline_days >= $min_expected
  AND v.recent <= $max_ratio * v.baseline * $days / $baseline_days
ORDER BY v.baseline * $days / $baseline_days - v.recent DESC, v.source_id;
