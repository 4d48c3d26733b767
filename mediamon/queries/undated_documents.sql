-- name: undated_documents
-- description: Documents with no trustworthy publication date (left out of timelines), newest fetch first.
-- params: source VARCHAR = NULL, limit INTEGER = 100
SELECT doc_id, source_id, title, url, fetched_at, ingested_at, word_count
FROM documents
WHERE published_at IS NULL
  AND ($source IS NULL OR source_id = $source)
ORDER BY coalesce(fetched_at, ingested_at) DESC, doc_id
LIMIT $limit;
