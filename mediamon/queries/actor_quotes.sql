-- name: actor_quotes
-- description: What an actor said (and people speaking for it), or everyone without actor: quotes and stance evidence with the stance, the article and its link; syndicated copies shown once.
-- params: actor VARCHAR = NULL, target VARCHAR = NULL, since DATE = NULL, until DATE = NULL, limit INTEGER = 100
-- kind: direct or indirect for quotes; reported, action or authored for stance evidence that
-- is not a quote. target and polarity come from the stance whose evidence overlaps the quote.
WITH speakers AS (
    SELECT actor_id FROM actors
    WHERE $actor IS NULL OR actor_id = $actor OR speaks_for = $actor
    UNION SELECT $actor WHERE $actor IS NOT NULL
),
said AS (
    SELECT q.doc_id, q.speaker_actor_id AS speaker, q.kind, q.quote AS text,
           s.target, s.polarity, s.confidence
    FROM quotes q
    LEFT JOIN stances s
      ON s.doc_id = q.doc_id AND s.actor_id = q.speaker_actor_id AND s.basis = 'quote'
     AND s.start_char < q.end_char AND q.start_char < s.end_char
    WHERE q.speaker_actor_id IN (SELECT actor_id FROM speakers)
    UNION ALL
    SELECT s.doc_id, s.actor_id, s.basis, s.evidence, s.target, s.polarity, s.confidence
    FROM stances s
    WHERE s.actor_id IN (SELECT actor_id FROM speakers) AND s.basis <> 'quote'
),
rows AS (
    SELECT
        d.published_at, d.source_id, d.title, d.url, x.speaker, x.kind, x.text,
        x.target, x.polarity, x.confidence, d.doc_id,
        count(*) OVER (PARTITION BY coalesce(d.cluster_id, d.doc_id), x.text, x.target)
            AS copies,
        row_number() OVER (
            PARTITION BY coalesce(d.cluster_id, d.doc_id), x.text, x.target
            ORDER BY d.published_at NULLS LAST, d.doc_id
        ) AS nth
    FROM said x
    JOIN documents d USING (doc_id)
    WHERE ($target IS NULL OR x.target = $target)
      AND ($since IS NULL OR d.published_at >= $since)
      AND ($until IS NULL OR d.published_at <= $until)
)
SELECT published_at, source_id, title, url, speaker, kind, text, target, polarity, confidence,
       copies, doc_id
FROM rows
WHERE nth = 1
ORDER BY published_at DESC NULLS LAST, doc_id, text
LIMIT $limit;
