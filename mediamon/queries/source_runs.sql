-- name: source_runs
-- description: Per source and crawl run: pages fetched, documents new/updated, pages dropped and errors (the figures behind source health).
-- params: source VARCHAR = NULL, limit INTEGER = 1000
WITH runs AS (
    SELECT run_id, started_at, finished_at, status, stats
    FROM crawl_runs
    WHERE (command = 'crawl' OR command LIKE 'scrapy %') AND (stats->'sources') IS NOT NULL
),
per_source AS (
    SELECT r.run_id, r.started_at, r.status, k.source_id,
           r.stats->'sources'->k.source_id AS f
    FROM runs r, LATERAL (SELECT unnest(json_keys(r.stats->'sources')) AS source_id) k
)
SELECT
    source_id,
    run_id,
    started_at,
    status,
    coalesce(TRY_CAST(f->>'pages_fetched' AS INTEGER), 0) AS pages_fetched,
    coalesce(TRY_CAST(f->'documents'->>'new' AS INTEGER), 0) AS documents_new,
    coalesce(TRY_CAST(f->'documents'->>'updated' AS INTEGER), 0) AS documents_updated,
    coalesce(TRY_CAST(f->'documents'->>'unchanged' AS INTEGER), 0)
        + coalesce(TRY_CAST(f->'documents'->>'enriched' AS INTEGER), 0)
        + coalesce(TRY_CAST(f->'documents'->>'duplicate' AS INTEGER), 0) AS documents_known,
    coalesce(TRY_CAST(f->>'not_modified' AS INTEGER), 0) AS not_modified,
    f->'dropped' AS dropped,
    f->'errors' AS errors,
    f->>'failure' AS failure
FROM per_source
WHERE $source IS NULL OR source_id = $source
ORDER BY source_id, started_at DESC
LIMIT $limit;
