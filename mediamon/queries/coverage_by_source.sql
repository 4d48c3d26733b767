-- name: coverage_by_source
-- description: Documents per source: how many, how many dated, first and last publication date, last fetch.
-- params: since DATE = NULL
SELECT
    coalesce(d.source_id, '(none)') AS source_id,
    any_value(s.name) AS source_name,
    count(*) AS documents,
    count(d.published_at) AS dated,
    count(*) - count(d.published_at) AS undated,
    min(d.published_at) AS first_published,
    max(d.published_at) AS last_published,
    max(d.fetched_at) AS last_fetched
FROM documents d
LEFT JOIN sources s USING (source_id)
WHERE $since IS NULL OR d.published_at >= $since
GROUP BY ALL
ORDER BY documents DESC, source_id;
