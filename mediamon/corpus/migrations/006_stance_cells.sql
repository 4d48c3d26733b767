-- The stance timeline read from two derived tables that tagging keeps up to date
-- (corpus/cells.py), instead of joining every stance to its document on every read.
--
-- stance_cells: one row per (document, actor, target) that has a stance, with what the timeline
-- needs of the document copied beside it (its publication date and its story), and per polarity
-- the highest confidence (coalesce(confidence, 0), as the timeline filters it; NULL: no stance of
-- that polarity). Keyed by document: whenever a document's stances, date or cluster change, its
-- rows are replaced, so the table never depends on the order of events.
CREATE TABLE stance_cells (
    doc_id       VARCHAR NOT NULL,
    published_at DATE,                 -- NULL: undated, left out of the timeline and counted
    story        VARCHAR NOT NULL,     -- coalesce(cluster_id, doc_id)
    actor_id     VARCHAR NOT NULL,
    target       VARCHAR NOT NULL,
    confidence   DOUBLE NOT NULL,      -- the highest of any polarity
    favor        DOUBLE,
    against      DOUBLE,
    neutral      DOUBLE
);

-- stance_weeks: the timeline at its defaults (per week and actor, every confidence), cell by
-- cell; a write re-counts only the (week, actor, target) cells its documents are in.
CREATE TABLE stance_weeks (
    period    DATE NOT NULL,
    actor_id  VARCHAR NOT NULL,
    target    VARCHAR NOT NULL,
    n_favor   BIGINT NOT NULL,
    n_against BIGINT NOT NULL,
    n_neutral BIGINT NOT NULL,
    n_docs    BIGINT NOT NULL
);

-- stance_stories: per story with a stance, whether it has a dated and an undated document, for
-- the export's "N stories placed in time, M undated left out" at the defaults
CREATE TABLE stance_stories (
    story   VARCHAR NOT NULL,
    dated   BOOLEAN NOT NULL,
    undated BOOLEAN NOT NULL
);

-- sorted by date: a since/until read skips whole row groups by their min/max
INSERT INTO stance_cells
SELECT s.doc_id, any_value(d.published_at), any_value(coalesce(d.cluster_id, d.doc_id)),
       s.actor_id, s.target,
       max(coalesce(s.confidence, 0)),
       max(coalesce(s.confidence, 0)) FILTER (WHERE s.polarity = 'favor'),
       max(coalesce(s.confidence, 0)) FILTER (WHERE s.polarity = 'against'),
       max(coalesce(s.confidence, 0)) FILTER (WHERE s.polarity = 'neutral')
FROM stances s
JOIN documents d USING (doc_id)
GROUP BY s.doc_id, s.actor_id, s.target
ORDER BY 2, 3;

INSERT INTO stance_weeks
SELECT period, actor_id, target,
       count(*) FILTER (WHERE favor), count(*) FILTER (WHERE against),
       count(*) FILTER (WHERE neutral), count(*)
FROM (
    SELECT date_trunc('week', published_at)::DATE AS period, actor_id, target, story,
           bool_or(coalesce(favor >= 0, false)) AS favor,
           bool_or(coalesce(against >= 0, false)) AS against,
           bool_or(coalesce(neutral >= 0, false)) AS neutral
    FROM stance_cells
    WHERE published_at IS NOT NULL AND confidence >= 0
    GROUP BY ALL
)
GROUP BY ALL
ORDER BY 1, 2, 3;

INSERT INTO stance_stories
SELECT story, bool_or(published_at IS NOT NULL), bool_or(published_at IS NULL)
FROM stance_cells
WHERE confidence >= 0
GROUP BY story;

DROP VIEW IF EXISTS stance_timeline;

CREATE VIEW stance_timeline AS
SELECT period AS period_start, actor AS actor_id, target, n_favor, n_against, n_neutral, n_docs
FROM ({{named_query stance_timeline sha256=eb6dbba4ebaa8484633dd3a2cb8ad8ca845cd0677c7584c9fac47b4747193c46}});
