-- The corpus contract of DESIGN.md. Later schema changes go in new numbered files.

CREATE TABLE schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL
);

-- Where documents come from: a row per configured source, plus 'seed' and 'ingest'.
CREATE TABLE sources (
    source_id  VARCHAR PRIMARY KEY,
    name       VARCHAR,
    kind       VARCHAR,            -- feeds / sitemaps / site / urls / seed / ingest
    homepage   VARCHAR,
    config     JSON,               -- the source's entry in sources.toml, as crawled last
    added_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- One row per article. doc_id is stable: a hash of the canonical URL, or of the text when
-- there is no URL. published_at is NULL when no evidence of a publication date was found;
-- it is never the fetch date. date_source says where the date came from.
CREATE TABLE documents (
    doc_id         VARCHAR PRIMARY KEY,
    url            VARCHAR,
    canonical_url  VARCHAR,
    source_id      VARCHAR,
    domain         VARCHAR,
    title          VARCHAR,
    author         VARCHAR,
    sitename       VARCHAR,
    language       VARCHAR,
    published_at   DATE,
    date_source    VARCHAR,        -- jsonld / meta / feed / sitemap / url / htmldate / record / curated
    date_precision VARCHAR,        -- day / month / year
    fetched_at     TIMESTAMP,      -- when the page was downloaded; NULL for ingested text
    ingested_at    TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    text           VARCHAR NOT NULL,
    word_count     INTEGER NOT NULL,
    text_hash      VARCHAR NOT NULL,
    cluster_id     VARCHAR,        -- near-duplicates (syndicated copies) share it
    relevance      DOUBLE,         -- topic relevance score from topic.toml, 0..1
    version        INTEGER NOT NULL DEFAULT 1,
    nlp_version    VARCHAR         -- version of the pipeline that tagged it; NULL = untagged
);
CREATE INDEX documents_text_hash ON documents (text_hash);
CREATE INDEX documents_canonical_url ON documents (canonical_url);

-- Earlier texts of documents whose page changed.
CREATE TABLE document_versions (
    doc_id      VARCHAR NOT NULL,
    version     INTEGER NOT NULL,
    title       VARCHAR,
    text        VARCHAR NOT NULL,
    text_hash   VARCHAR NOT NULL,
    fetched_at  TIMESTAMP,
    replaced_at TIMESTAMP NOT NULL,
    PRIMARY KEY (doc_id, version)
);

-- The raw archive: every fetched page (also those that were not kept as documents),
-- HTML gzip-compressed so extraction can be re-run without re-crawling.
CREATE TABLE pages (
    url           VARCHAR PRIMARY KEY,
    doc_id        VARCHAR,
    source_id     VARCHAR,
    status        INTEGER,
    content_type  VARCHAR,
    fetched_at    TIMESTAMP,
    etag          VARCHAR,
    last_modified VARCHAR,
    outcome       VARCHAR,         -- stored / unchanged / duplicate / off_topic / no_text / ...
    html_bytes    INTEGER,         -- size of the uncompressed HTML
    html          BLOB             -- gzip; NULL when the body was not kept
);

CREATE TABLE actors (
    actor_id   VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,
    type       VARCHAR,            -- government, law_enforcement, company, ngo_child_safety, ...
    country    VARCHAR,
    aliases    VARCHAR[],
    speaks_for VARCHAR,            -- actor_id of the organisation a person speaks for
    origin     VARCHAR NOT NULL DEFAULT 'registry'   -- registry / discovered
);

CREATE TABLE mentions (
    doc_id      VARCHAR NOT NULL,
    actor_id    VARCHAR NOT NULL,
    start_char  INTEGER NOT NULL,
    end_char    INTEGER NOT NULL,
    text        VARCHAR NOT NULL,
    label       VARCHAR,
    nlp_version VARCHAR NOT NULL
);
CREATE INDEX mentions_doc ON mentions (doc_id);

CREATE TABLE quotes (
    doc_id           VARCHAR NOT NULL,
    speaker_actor_id VARCHAR,
    quote            VARCHAR NOT NULL,
    start_char       INTEGER NOT NULL,
    end_char         INTEGER NOT NULL,
    kind             VARCHAR NOT NULL,   -- direct / indirect
    nlp_version      VARCHAR NOT NULL
);
CREATE INDEX quotes_doc ON quotes (doc_id);

CREATE TABLE stances (
    doc_id      VARCHAR NOT NULL,
    actor_id    VARCHAR NOT NULL,
    target      VARCHAR NOT NULL,      -- a target of stance.toml, e.g. e2ee, scanning
    polarity    VARCHAR NOT NULL CHECK (polarity IN ('favor', 'against', 'neutral')),
    confidence  DOUBLE,
    evidence    VARCHAR,               -- the sentence the stance rests on
    basis       VARCHAR CHECK (basis IN ('quote', 'reported', 'authored', 'action')),
    start_char  INTEGER,
    end_char    INTEGER,
    nlp_version VARCHAR NOT NULL
);
CREATE INDEX stances_doc ON stances (doc_id);

CREATE TABLE crawl_runs (
    run_id      VARCHAR PRIMARY KEY,
    command     VARCHAR,               -- crawl / ingest / init / schedule
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status      VARCHAR NOT NULL,      -- running / ok / failed / interrupted
    sources     VARCHAR[],
    stats       JSON
);

-- Stance counts per week, actor and target. A syndicated story counts once (by cluster_id);
-- undated documents are left out (see the undated_documents query for them).
CREATE VIEW stance_timeline AS
SELECT
    date_trunc('week', d.published_at)::DATE AS period_start,
    s.actor_id,
    s.target,
    count(DISTINCT coalesce(d.cluster_id, d.doc_id)) FILTER (WHERE s.polarity = 'favor') AS n_favor,
    count(DISTINCT coalesce(d.cluster_id, d.doc_id)) FILTER (WHERE s.polarity = 'against') AS n_against,
    count(DISTINCT coalesce(d.cluster_id, d.doc_id)) FILTER (WHERE s.polarity = 'neutral') AS n_neutral,
    count(DISTINCT coalesce(d.cluster_id, d.doc_id)) AS n_docs
FROM stances s
JOIN documents d USING (doc_id)
WHERE d.published_at IS NOT NULL
GROUP BY ALL;
