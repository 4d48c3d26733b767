-- name: date_provenance
-- description: Where publication dates came from (jsonld, meta, feed, url, ... or none), per source, with their precision: how far the timelines can be trusted.
-- params: source VARCHAR = NULL
WITH counts AS (
    SELECT
        coalesce(source_id, '(none)') AS source_id,
        coalesce(date_source, '(undated)') AS date_source,
        coalesce(date_precision, '') AS date_precision,
        count(*) AS documents
    FROM documents
    WHERE $source IS NULL OR source_id = $source
    GROUP BY ALL
)
SELECT *, round(100.0 * documents / sum(documents) OVER (PARTITION BY source_id), 1) AS pct
FROM counts
ORDER BY source_id, documents DESC, date_source;
