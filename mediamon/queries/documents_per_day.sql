-- name: documents_per_day
-- description: Dated documents and distinct stories (syndicated copies counted once) per publication day.
-- params: since DATE = 1990-01-01, until DATE = NULL, source VARCHAR = NULL
SELECT
    published_at AS day,
    count(*) AS documents,
    count(DISTINCT coalesce(cluster_id, doc_id)) AS stories
FROM documents
WHERE published_at IS NOT NULL
  AND published_at >= $since
  AND ($until IS NULL OR published_at <= $until)
  AND ($source IS NULL OR source_id = $source)
GROUP BY published_at
ORDER BY day;
