"""Keeping the full-text search index up to date with the corpus, incrementally.

The fts extension comes from the `duckdb-extension-fts` PyPI package (loaded from its file, never
installed from the network: `corpus.sandbox`); its Porter stemmer `stem()` makes the terms. The
index lives in the `search_*` tables of migration 003. `refresh_index` indexes new and changed
documents in batches, each in its own short write transaction, so a crawl waiting for the corpus
gets in between. The query side, `corpus.search`, tokenizes with the same `WORDS_SQL` and
`MAX_WORD`.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from mediamon.corpus.connection import connect
from mediamon.corpus.lake import write_transaction
from mediamon.corpus.sandbox import load_fts
from mediamon.corpus.sandbox import quiet as _quiet
from mediamon.errors import MediamonError

logger = logging.getLogger(__name__)

BATCH = 20_000
MAX_WORD = 40  # longer "words" are URLs, hashes or base64: not worth indexing

# The tokenizer: lowercase, accents stripped, split on anything that is not a-z.
WORDS_SQL = "regexp_split_to_array(lower(strip_accents({})), '[^a-z]+')"


@dataclass
class IndexReport:
    indexed: int = 0
    removed: int = 0
    documents: int = 0
    seconds: float = 0.0


def index_status(con: duckdb.DuckDBPyConnection) -> str:
    """'missing' (never built), 'stale' (documents changed since), or 'current'."""
    state = con.execute(
        "SELECT documents, max_updated_at FROM search_state ORDER BY refreshed_at DESC LIMIT 1"
    ).fetchone()
    if state is None:
        return "missing"
    now = con.execute("SELECT count(*), max(updated_at) FROM documents").fetchone()
    return "current" if now is not None and tuple(now) == tuple(state) else "stale"


def index_size(con: duckdb.DuckDBPyConnection) -> int:
    """Documents in the search index."""
    row = con.execute("SELECT count(*) FROM search_docs").fetchone()
    return int(row[0]) if row else 0


def refresh_index(
    db: Path | str,
    full: bool = False,
    batch: int = BATCH,
    advance: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> IndexReport:
    """Bring the search index up to date; call it after every crawl or ingest.

    The corpus is opened read-write for one batch at a time, so writers waiting for it get in
    between batches. full: drop the index and rebuild it from scratch.
    """
    started = time.perf_counter()
    report = IndexReport()
    with connect(db) as con:
        _quiet(con)
        if full:
            _in_transaction(con, _clear)
        # what "up to date" means for this refresh; later writes are left to the next one
        snapshot = con.execute("SELECT count(*), max(updated_at) FROM documents").fetchone()
        if index_status(con) == "current":
            report.documents = index_size(con)
            return report
        report.removed = _in_transaction(con, _remove_outdated)
        # in table order, so that each batch reads its texts from a few row groups only
        pending = con.execute(
            "SELECT d.doc_id FROM documents d ANTI JOIN search_docs s ON s.doc_id = d.doc_id "
            "ORDER BY d.rowid"
        ).to_arrow_table()
    if on_total:
        on_total(pending.num_rows)
    for offset in range(0, pending.num_rows, batch):
        with connect(db) as con:
            done = update_index(con, pending.slice(offset, batch), remove=False)
        report.indexed += done
        if advance:
            advance(done)
    with connect(db) as con:
        report.seconds = time.perf_counter() - started
        seconds = report.seconds
        report.documents = _in_transaction(con, lambda con: _record_state(con, snapshot, seconds))
    logger.info(
        "search index: %d indexed, %d removed in %.1fs",
        report.indexed,
        report.removed,
        report.seconds,
    )
    return report


def update_index(
    con: duckdb.DuckDBPyConnection, doc_ids: pa.Table | None = None, remove: bool = True
) -> int:
    """Index the given documents (default: every one that is new or changed) in one transaction.

    Return how many were indexed; documents already in the index are skipped. remove: first
    drop the entries of documents changed or deleted since they were indexed.
    """
    _quiet(con)
    load_fts(con)

    def step(con: duckdb.DuckDBPyConnection) -> int:
        if remove:
            _remove_outdated(con)
        if doc_ids is None:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE search_ids AS "
                "SELECT doc_id FROM documents ANTI JOIN search_docs USING (doc_id)"
            )
        else:
            con.register("search_ids_arrow", doc_ids)
            con.execute(
                "CREATE OR REPLACE TEMP TABLE search_ids AS SELECT doc_id FROM search_ids_arrow "
                "ANTI JOIN search_docs USING (doc_id)"
            )
            con.unregister("search_ids_arrow")
        done = _index_batch(con)
        con.execute("DROP TABLE search_ids")
        return done

    return int(_in_transaction(con, step))


def refresh_after_write(db: Path | str) -> IndexReport | None:
    """refresh_index for the end of a crawl or ingest: a failure is logged, not raised.

    The documents are stored by then; a search index left behind is brought up to date by the
    next refresh, or by `mediamon search` itself.
    """
    try:
        return refresh_index(db)
    except (MediamonError, duckdb.Error) as exc:
        logger.warning("search index not refreshed (%s); run mediamon index", exc)
        return None


def _in_transaction(con: duckdb.DuckDBPyConnection, step: Callable[[Any], Any]) -> Any:
    # on a lake, run again (from its reads) while it loses to another writer
    return write_transaction(con, step)


def _clear(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("search_postings", "search_docs", "search_terms", "search_state"):
        con.execute(f"DELETE FROM {table}")


def _remove_outdated(con: duckdb.DuckDBPyConnection) -> int:
    """Drop index entries of documents that were deleted or changed since they were indexed."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE search_gone AS SELECT s.docid FROM search_docs s "
        "LEFT JOIN documents d ON d.doc_id = s.doc_id "
        "WHERE d.doc_id IS NULL OR d.updated_at <> s.updated_at"
    )
    row = con.execute("SELECT count(*) FROM search_gone").fetchone()
    gone = int(row[0]) if row else 0
    if gone:
        con.execute("DELETE FROM search_postings WHERE docid IN (SELECT docid FROM search_gone)")
        con.execute("DELETE FROM search_docs WHERE docid IN (SELECT docid FROM search_gone)")
    con.execute("DROP TABLE search_gone")
    return gone


def _index_batch(con: duckdb.DuckDBPyConnection) -> int:
    """Index the documents listed in the temp table search_ids."""
    # find the rows by doc_id first, then read their text by rowid: joining the texts on
    # doc_id would read every text in the corpus (seconds at a million documents)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE search_rows AS "
        "SELECT rowid AS row_id FROM documents SEMI JOIN search_ids USING (doc_id)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE search_batch AS "
        "SELECT (SELECT coalesce(max(docid), 0) FROM search_docs) "
        "       + row_number() OVER (ORDER BY d.doc_id)::INTEGER AS docid, d.doc_id, "
        "       d.updated_at, d.published_at, d.source_id, "
        "       coalesce(d.title, '') || ' ' || d.text AS body "
        "FROM documents d WHERE d.rowid IN (SELECT row_id FROM search_rows)"
    )
    con.execute("DROP TABLE search_rows")
    row = con.execute("SELECT count(*) FROM search_batch").fetchone()
    count = int(row[0]) if row else 0
    if not count:
        con.execute("DROP TABLE search_batch")
        return 0
    words = WORDS_SQL.format("body")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE search_words AS "
        "SELECT docid, w, count(*)::INTEGER AS tf "
        f"FROM (SELECT docid, unnest({words}) AS w FROM search_batch) "
        "WHERE w <> '' AND length(w) <= $max_word "
        "  AND w NOT IN (SELECT word FROM search_stopwords) "
        "GROUP BY ALL",
        {"max_word": MAX_WORD},
    )
    # stem each distinct word once, not every occurrence
    con.execute(
        "CREATE OR REPLACE TEMP TABLE search_stems AS "
        "SELECT w, stem(w, 'porter') AS term FROM (SELECT DISTINCT w FROM search_words)"
    )
    con.execute(
        "INSERT INTO search_terms "
        "SELECT (SELECT coalesce(max(termid), 0) FROM search_terms) "
        "       + row_number() OVER (ORDER BY term)::INTEGER, term "
        "FROM (SELECT DISTINCT term FROM search_stems "
        "      WHERE term NOT IN (SELECT term FROM search_terms))"
    )
    con.execute(
        "INSERT INTO search_postings "
        "SELECT t.termid, w.docid, sum(w.tf)::INTEGER FROM search_words w "
        "JOIN search_stems s USING (w) JOIN search_terms t USING (term) "
        "GROUP BY ALL ORDER BY t.termid, w.docid"
    )
    con.execute(
        "INSERT INTO search_docs "
        "SELECT b.docid, b.doc_id, b.updated_at, coalesce(l.len, 0)::INTEGER, b.published_at, "
        "       b.source_id "
        "FROM search_batch b "
        "LEFT JOIN (SELECT docid, sum(tf) AS len FROM search_words GROUP BY docid) l "
        "USING (docid)"
    )
    for table in ("search_batch", "search_words", "search_stems"):
        con.execute(f"DROP TABLE {table}")
    return count


def _record_state(con: duckdb.DuckDBPyConnection, snapshot: Any, seconds: float) -> int:
    con.execute("DELETE FROM search_state")
    con.execute(
        "INSERT INTO search_state VALUES (current_timestamp, $n, $max_updated, $s)",
        {"n": snapshot[0], "max_updated": snapshot[1], "s": seconds},
    )
    return index_size(con)
