-- Near-duplicate detection: a MinHash signature per document and its LSH band keys.
-- Two documents that share a band key are candidates; their signatures decide.

CREATE TABLE doc_minhash (
    doc_id    VARCHAR PRIMARY KEY,
    signature BLOB NOT NULL          -- 64 little-endian uint32 minimum hashes
);

CREATE TABLE doc_bands (
    band_key UBIGINT NOT NULL,
    doc_id   VARCHAR NOT NULL
);
CREATE INDEX doc_bands_key ON doc_bands (band_key);
