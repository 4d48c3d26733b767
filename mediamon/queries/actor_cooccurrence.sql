-- name: actor_cooccurrence
-- description: Pairs of actors mentioned in the same stories (syndicated copies once), most frequent first; with actor=ID, that actor's companions.
-- params: actor VARCHAR = NULL, since DATE = NULL, until DATE = NULL, min_stories INTEGER = 2, limit INTEGER = 50
-- With since or until, undated documents are left out; without, every document counts.
WITH m AS (
    SELECT DISTINCT coalesce(d.cluster_id, d.doc_id) AS story, m.actor_id
    FROM mentions m
    JOIN documents d USING (doc_id)
    WHERE ($since IS NULL OR d.published_at >= $since)
      AND ($until IS NULL OR d.published_at <= $until)
),
pairs AS (
    SELECT a.actor_id AS actor_a, b.actor_id AS actor_b, count(*) AS stories
    FROM m a
    JOIN m b ON a.story = b.story AND a.actor_id < b.actor_id
    WHERE $actor IS NULL OR a.actor_id = $actor OR b.actor_id = $actor
    GROUP BY ALL
    HAVING count(*) >= $min_stories
),
alone AS (SELECT actor_id, count(*) AS stories FROM m GROUP BY actor_id)
SELECT
    p.actor_a, na.name AS name_a, p.actor_b, nb.name AS name_b, p.stories,
    round(p.stories / (sa.stories + sb.stories - p.stories), 4) AS jaccard
FROM pairs p
JOIN alone sa ON sa.actor_id = p.actor_a
JOIN alone sb ON sb.actor_id = p.actor_b
LEFT JOIN actors na ON na.actor_id = p.actor_a
LEFT JOIN actors nb ON nb.actor_id = p.actor_b
ORDER BY p.stories DESC, p.actor_a, p.actor_b
LIMIT $limit;
