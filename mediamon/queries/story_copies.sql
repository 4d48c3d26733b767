-- name: story_copies
-- description: Syndicated stories: the documents sharing a cluster, oldest first; for one document's story with doc_id, else every story with two or more copies.
-- params: doc_id VARCHAR = NULL
WITH stories AS (
    SELECT coalesce(cluster_id, doc_id) AS story
    FROM documents
    WHERE $doc_id IS NULL OR doc_id = $doc_id
    GROUP BY story
    HAVING $doc_id IS NOT NULL OR count(*) > 1
)
SELECT coalesce(d.cluster_id, d.doc_id) AS story, d.doc_id, d.published_at, d.source_id,
       d.title, d.url, d.word_count
FROM documents d
SEMI JOIN stories s ON s.story = coalesce(d.cluster_id, d.doc_id)
ORDER BY story, d.published_at NULLS LAST, d.doc_id;
