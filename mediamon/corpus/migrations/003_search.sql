-- Full-text search (corpus/search.py): an inverted index over title + text, kept up to date
-- document by document. Terms are the Porter stems of DuckDB's fts extension; BM25 is computed
-- at query time from these tables, so a new or changed document only touches its own rows.
-- (The extension's PRAGMA create_fts_index rebuilds everything on each call: minutes at a
-- million documents, too slow to run after every crawl.)

-- The documents in the index, under a compact integer id the postings use.
CREATE TABLE search_docs (
    docid      INTEGER NOT NULL,
    doc_id     VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,   -- documents.updated_at when indexed; newer means re-index
    len        INTEGER NOT NULL,     -- indexed words in title + text: BM25's document length
    -- copies of the documents' columns that searches filter on, so that only the top hits
    -- need the documents table (any change to a document bumps updated_at: it is re-indexed)
    published_at DATE,
    source_id    VARCHAR
);

CREATE TABLE search_terms (
    termid INTEGER NOT NULL,
    term   VARCHAR NOT NULL          -- a Porter stem, e.g. "encrypt"
);

-- One row per (term, document) with the term's frequency in the document. Each batch is
-- inserted in termid order, so a term's rows sit in few row groups and lookups skip the rest.
CREATE TABLE search_postings (
    termid INTEGER NOT NULL,
    docid  INTEGER NOT NULL,
    tf     INTEGER NOT NULL
);

-- What the last refresh saw: a corpus whose count or latest update differs has changed since.
CREATE TABLE search_state (
    refreshed_at   TIMESTAMP NOT NULL,
    documents      BIGINT NOT NULL,
    max_updated_at TIMESTAMP,
    seconds        DOUBLE
);

-- Words too common to be worth indexing.
CREATE TABLE search_stopwords (word VARCHAR NOT NULL);
INSERT INTO search_stopwords SELECT unnest(string_split(
    'a about above after again against all am an and any are as at be because been before '
    'being below between both but by can could did do does doing down during each few for '
    'from further had has have having he her here hers herself him himself his how i if in '
    'into is it its itself just me more most my myself no nor not now of off on once only or '
    'other our ours ourselves out over own s same she should so some such t than that the '
    'their theirs them themselves then there these they this those through to too under '
    'until up very was we were what when where which while who whom why will with would you '
    'your yours yourself yourselves also said says one two may might must shall us', ' '));
