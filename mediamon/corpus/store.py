"""Writing documents and pages: batched, idempotent upserts keyed by doc_id.

A record whose doc_id is known and whose text is unchanged changes nothing (a NULL never
overwrites a value we have). A changed text keeps the old one in `document_versions`. A text that
is already stored under another URL is a duplicate and is not stored twice.
"""

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from mediamon.corpus import cells, neardup
from mediamon.corpus.archive import PageRecord, compress_html, read_html, write_pages
from mediamon.corpus.arrow import column, view
from mediamon.corpus.clusters import assign_clusters, store_signatures
from mediamon.corpus.urls import canonicalize_url, doc_id_for, domain_of, normalise_text, text_hash

logger = logging.getLogger(__name__)

# the page archive lives in corpus/archive.py; its names stay importable from here
__all__ = [
    "DocumentRecord",
    "PageRecord",
    "WriteResult",
    "compress_html",
    "ensure_source",
    "read_html",
    "upsert_documents",
    "write_documents",
    "write_pages",
]

# Metadata columns a re-fetch may fill in or correct; a NULL never replaces a value.
_META = (
    "url",
    "canonical_url",
    "source_id",
    "domain",
    "title",
    "author",
    "sitename",
    "language",
    "language_source",
    "language_confidence",
    "language_declared",
    "published_at",
    "date_source",
    "date_precision",
    "relevance",
)


@dataclass
class DocumentRecord:
    """One article, ready to store."""

    text: str
    url: str | None = None
    canonical_url: str | None = None
    source_id: str | None = None
    title: str | None = None
    author: str | None = None
    sitename: str | None = None
    language: str | None = None
    # set by documents.language.set_language; `language` holds the declared one until then
    language_source: str | None = None
    language_confidence: float | None = None
    language_declared: str | None = None
    published_at: dt.date | None = None
    date_source: str | None = None
    date_precision: str | None = None
    fetched_at: dt.datetime | None = None
    relevance: float | None = None
    cluster_id: str | None = None
    doc_id: str = field(default="", init=False)
    text_hash: str = field(default="", init=False)
    _minhash: np.ndarray | None = field(default=None, init=False, repr=False)
    _minhash_done: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        self.text = self.text.strip()
        if self.title:
            # titles are one line, with ordinary spaces (web titles carry NBSPs and newlines)
            self.title = normalise_text(self.title)
        if self.url and not self.canonical_url:
            self.canonical_url = canonicalize_url(self.url)
        if self.published_at is None:
            self.date_source = None
            self.date_precision = None
        self.text_hash = text_hash(self.text)
        self.doc_id = doc_id_for(self.canonical_url, self.text)

    @property
    def domain(self) -> str | None:
        return domain_of(self.canonical_url or self.url)

    @property
    def word_count(self) -> int:
        return len(self.text.split())

    def set_minhash(self, signature: np.ndarray | None) -> None:
        """A signature computed elsewhere (an extraction worker) from this text."""
        self._minhash = signature
        self._minhash_done = True

    @property
    def minhash(self) -> np.ndarray | None:
        """The near-duplicate signature; computed once (writers do it before taking the lock)."""
        if not self._minhash_done:
            self._minhash = neardup.signature(self.text)
            self._minhash_done = True
        return self._minhash


@dataclass
class WriteResult:
    counts: Counter[str] = field(default_factory=Counter)
    doc_ids: dict[str, str] = field(default_factory=dict)  # record key -> outcome

    def merge(self, other: "WriteResult") -> None:
        self.counts.update(other.counts)
        self.doc_ids.update(other.doc_ids)

    @property
    def new(self) -> int:
        return self.counts["new"]

    @property
    def updated(self) -> int:
        return self.counts["updated"]


_DOC_COLUMNS = (
    "doc_id",
    *_META,
    "fetched_at",
    "ingested_at",
    "updated_at",
    "text",
    "word_count",
    "text_hash",
    "cluster_id",
    "version",
)
_DOC_TYPES = {
    "published_at": pa.date32(),
    "fetched_at": pa.timestamp("us"),
    "ingested_at": pa.timestamp("us"),
    "updated_at": pa.timestamp("us"),
    "relevance": pa.float64(),
    "language_confidence": pa.float64(),
    "word_count": pa.int32(),
    "version": pa.int32(),
}


def _doc_row(rec: DocumentRecord, now: dt.datetime, version: int) -> dict[str, Any]:
    return {
        "doc_id": rec.doc_id,
        "url": rec.url,
        "canonical_url": rec.canonical_url,
        "source_id": rec.source_id,
        "domain": rec.domain,
        "title": rec.title,
        "author": rec.author,
        "sitename": rec.sitename,
        "language": rec.language,
        "language_source": rec.language_source,
        "language_confidence": rec.language_confidence,
        "language_declared": rec.language_declared,
        "published_at": rec.published_at,
        "date_source": rec.date_source,
        "date_precision": rec.date_precision,
        "relevance": rec.relevance,
        "fetched_at": rec.fetched_at,
        "ingested_at": now,
        "updated_at": now,
        "text": rec.text,
        "word_count": rec.word_count,
        "text_hash": rec.text_hash,
        "cluster_id": rec.cluster_id or rec.doc_id,
        "version": version,
    }


def _arrow(rows: list[dict[str, Any]]) -> pa.Table:
    schema = pa.schema([(c, _DOC_TYPES.get(c, pa.string())) for c in _DOC_COLUMNS])
    return pa.Table.from_pylist(rows, schema=schema)


# Evidence for a publication date, the best first: a later copy of a stored text whose date has
# better evidence replaces the stored date, so the result does not depend on which copy came
# first (the same article found by a sitemap without a date and by a feed with one).
DATE_EVIDENCE = ("curated", "record", "jsonld", "meta", "feed", "sitemap", "url", "htmldate")
_DATE_COLUMNS = ("published_at", "date_source", "date_precision")


def _date_rank(source: str | None) -> int:
    if source is None:
        return len(DATE_EVIDENCE) + 1
    return DATE_EVIDENCE.index(source) if source in DATE_EVIDENCE else len(DATE_EVIDENCE)


def write_documents(con: duckdb.DuckDBPyConnection, records: list[DocumentRecord]) -> WriteResult:
    """Upsert a batch of documents in one transaction.

    Outcomes per record: new, updated (text changed: old text versioned), enriched (metadata
    filled in, or a date with better evidence), unchanged, duplicate (same text already stored
    under another doc_id).
    """
    if not records:
        return WriteResult()
    from mediamon.corpus.lake import write_transaction

    return write_transaction(con, lambda con: upsert_documents(con, records))


def upsert_documents(con: duckdb.DuckDBPyConnection, records: list[DocumentRecord]) -> WriteResult:
    """The upsert of `write_documents` inside the caller's transaction.

    Every record gets its own outcome, in order, as if each came in a batch of its own: a
    doc_id that appears twice (two sources, or an AMP copy and its article) is written in
    rounds, so the second copy finds the first one stored.
    """
    result = WriteResult()
    rounds: list[dict[str, DocumentRecord]] = []
    for rec in records:
        for batch in rounds:
            if rec.doc_id not in batch:
                batch[rec.doc_id] = rec
                break
        else:
            rounds.append({rec.doc_id: rec})
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for batch in rounds:
        result.merge(_upsert_round(con, batch, now))
    return result


def _upsert_round(
    con: duckdb.DuckDBPyConnection, by_id: dict[str, DocumentRecord], now: dt.datetime
) -> WriteResult:
    """Records with distinct doc_ids, in the caller's transaction."""
    result = WriteResult()
    ids = list(by_id)
    hashes = list({r.text_hash for r in by_id.values()})
    with view(con, "mm_ids", column("doc_id", ids)):
        existing = {
            row[0]: row
            for row in con.execute(
                f"SELECT doc_id, text_hash, version, {', '.join(_META)} FROM documents "
                "SEMI JOIN mm_ids USING (doc_id)"
            ).fetchall()
        }
    with view(con, "mm_hashes", column("text_hash", hashes)):
        hash_owner = dict(
            con.execute(
                "SELECT text_hash, min(doc_id) FROM documents "
                "SEMI JOIN mm_hashes USING (text_hash) GROUP BY text_hash"
            ).fetchall()
        )
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    enrich_rows: list[dict[str, Any]] = []
    for doc_id, rec in by_id.items():
        old = existing.get(doc_id)
        owner = hash_owner.get(rec.text_hash)
        if old is None:
            if owner is not None and owner != doc_id:
                result.doc_ids[doc_id] = "duplicate"
                continue
            hash_owner[rec.text_hash] = doc_id
            new_rows.append(_doc_row(rec, now, 1))
            result.doc_ids[doc_id] = "new"
        elif old[1] != rec.text_hash:
            changed_rows.append(_doc_row(rec, now, int(old[2]) + 1))
            result.doc_ids[doc_id] = "updated"
        else:
            old_meta = dict(zip(_META, old[3:], strict=True))
            row = _doc_row(rec, now, 0)
            # same text: a later fetch may fill gaps, never overwrite what we have, except a
            # date with better evidence
            fills = any(old_meta[k] is None and row[k] is not None for k in _META)
            better = _date_rank(row["date_source"]) < _date_rank(old_meta["date_source"])
            if not better:
                row.update({k: old_meta[k] for k in _DATE_COLUMNS})
            if fills or better:
                enrich_rows.append(row)
                result.doc_ids[doc_id] = "enriched"
            else:
                result.doc_ids[doc_id] = "unchanged"
    result.counts.update(result.doc_ids.values())

    assign_clusters(con, [by_id[r["doc_id"]] for r in new_rows], new_rows)
    store_signatures(con, [by_id[r["doc_id"]] for r in new_rows + changed_rows])
    if new_rows:
        cols = ", ".join(_DOC_COLUMNS)
        with view(con, "mm_batch", _arrow(new_rows)):
            con.execute(f"INSERT INTO documents ({cols}) SELECT {cols} FROM mm_batch")
    if changed_rows:
        _update_changed(con, _arrow(changed_rows))
    if enrich_rows:
        _update_enriched(con, _arrow(enrich_rows))
    # a stored document's date may have changed: its timeline rows follow (new ones have none)
    cells.refresh(con, [r["doc_id"] for r in changed_rows + enrich_rows])
    return result


def _update_changed(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    """A new text for a known document: keep the old one as a version, then replace it."""
    with view(con, "changed", table):
        con.execute(
            "INSERT INTO document_versions "
            "(doc_id, version, title, text, text_hash, fetched_at, replaced_at) "
            "SELECT d.doc_id, d.version, d.title, d.text, d.text_hash, d.fetched_at, "
            "c.updated_at FROM documents d JOIN changed c USING (doc_id)"
        )
        sets = ", ".join(
            [f"{c} = coalesce(c.{c}, d.{c})" for c in _META]
            + [f"{c} = c.{c}" for c in ("text", "word_count", "text_hash", "version", "updated_at")]
            + ["fetched_at = coalesce(c.fetched_at, d.fetched_at)", "nlp_version = NULL"]
        )
        con.execute(f"UPDATE documents d SET {sets} FROM changed c WHERE d.doc_id = c.doc_id")


def _update_enriched(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    """Same text, more metadata: fill the gaps only (the date columns come decided)."""
    sets = ", ".join(
        [f"{c} = coalesce(d.{c}, e.{c})" for c in _META if c not in _DATE_COLUMNS]
        + [f"{c} = e.{c}" for c in _DATE_COLUMNS]
        + ["fetched_at = coalesce(e.fetched_at, d.fetched_at)", "updated_at = e.updated_at"]
    )
    with view(con, "enrich", table):
        con.execute(f"UPDATE documents d SET {sets} FROM enrich e WHERE d.doc_id = e.doc_id")


def ensure_source(
    con: duckdb.DuckDBPyConnection,
    source_id: str,
    name: str | None = None,
    kind: str | None = None,
    homepage: str | None = None,
    config: str | None = None,
) -> None:
    # MERGE rather than ON CONFLICT: a lake has no keys to conflict on (same result on a file)
    con.execute(
        "MERGE INTO sources USING (SELECT ? AS source_id, ? AS name, ? AS kind, ? AS homepage, "
        "?::JSON AS config) s USING (source_id) "
        "WHEN MATCHED THEN UPDATE SET name = coalesce(s.name, sources.name), "
        "kind = coalesce(s.kind, sources.kind), "
        "homepage = coalesce(s.homepage, sources.homepage), "
        "config = coalesce(s.config, sources.config) "
        "WHEN NOT MATCHED THEN INSERT (source_id, name, kind, homepage, config) "
        "VALUES (s.source_id, s.name, s.kind, s.homepage, s.config)",
        [source_id, name, kind, homepage, config],
    )
