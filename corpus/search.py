"""Full-text search: BM25 over title + text, from an index kept up to date incrementally.

The fts extension comes from the `duckdb-extension-fts` PyPI package (loaded from its file, never
installed from the network); its Porter stemmer `stem()` makes the terms. The index lives in
the `search_*` tables of migration 003. `refresh_index` indexes new and changed documents in
batches, each in its own short write transaction, so a crawl waiting for the corpus gets in
between; `search` scores with BM25 as the extension's `match_bm25` does (k=1.2, b=0.75).
"""

import datetime as dt
import logging
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from corpus.connection import connect
from corpus.errors import MediamonError

logger = logging.getLogger(__name__)

K1, B = 1.2, 0.75
BATCH = 20_000
MAX_WORD = 40  # longer "words" are URLs, hashes or base64: not worth indexing

# The tokenizer: lowercase, accents stripped, split on anything that is not a-z.
_WORDS_SQL = "regexp_split_to_array(lower(strip_accents({})), '[^a-z]+')"


class SearchError(MediamonError):
    """The search index is missing or a query has nothing to search for."""


@dataclass
class Hit:
    doc_id: str
    title: str | None
    published_at: dt.date | None
    source_id: str | None
    url: str | None
    score: float
    snippet: str = ""  # a window of the text, the first match wrapped in ** **


@dataclass
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    matched: int = 0  # documents matching a term and the filters, before the limit
    documents: int = 0  # documents in the index
    note: str | None = None  # e.g. the index is behind the corpus

    columns = ("rank", "score", "published_at", "source_id", "title", "snippet", "url", "doc_id")

    def rows(self) -> list[tuple[Any, ...]]:
        return [
            (i, round(h.score, 3), h.published_at, h.source_id, h.title, h.snippet, h.url, h.doc_id)
            for i, h in enumerate(self.hits, 1)
        ]


@dataclass
class IndexReport:
    indexed: int = 0
    removed: int = 0
    documents: int = 0
    seconds: float = 0.0


@cache
def extension_path() -> str:
    """The fts extension file shipped by the duckdb-extension-fts package."""
    version = duckdb.__version__
    try:
        folder = resources.files("duckdb_extension_fts").joinpath("extensions", f"v{version}")
        path = folder.joinpath("fts.duckdb_extension")
        found = path.is_file()
    except ModuleNotFoundError:
        found = False
    if not found:
        raise SearchError(
            f"the fts extension for DuckDB {version} is missing; "
            f"pip install duckdb-extension-fts=={version}"
        )
    return str(path)


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    _quiet(con)
    # LOAD takes no parameters; the path comes from the installed package, not from a user
    quoted = extension_path().replace("'", "''")
    con.execute(f"LOAD '{quoted}'")


def index_status(con: duckdb.DuckDBPyConnection) -> str:
    """'missing' (never built), 'stale' (documents changed since), or 'current'."""
    state = con.execute(
        "SELECT documents, max_updated_at FROM search_state ORDER BY refreshed_at DESC LIMIT 1"
    ).fetchone()
    if state is None:
        return "missing"
    now = con.execute("SELECT count(*), max(updated_at) FROM documents").fetchone()
    return "current" if now is not None and tuple(now) == tuple(state) else "stale"


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
            report.documents = _count(con)
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
        report.documents = _record_state(con, snapshot, report.seconds)
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
    con.execute("BEGIN TRANSACTION")
    try:
        result = step(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def _quiet(con: duckdb.DuckDBPyConnection) -> None:
    # DuckDB draws its own progress bar on long statements; ours is the CLI's
    con.execute("SET enable_progress_bar = false")
    # the extension comes from its package file only, never from the network
    con.execute("SET autoinstall_known_extensions = false")


def _count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM search_docs").fetchone()
    return int(row[0]) if row else 0


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
    words = _WORDS_SQL.format("body")
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
    return _count(con)


def query_terms(con: duckdb.DuckDBPyConnection, text: str) -> list[str]:
    """The stems a query searches for, tokenized exactly as the documents were."""
    load_fts(con)
    words = _WORDS_SQL.format("$q")
    rows = con.execute(
        f"SELECT DISTINCT stem(w, 'porter') FROM (SELECT unnest({words}) AS w) "
        "WHERE w <> '' AND length(w) <= $max_word "
        "AND w NOT IN (SELECT word FROM search_stopwords) ORDER BY 1",
        {"q": text, "max_word": MAX_WORD},
    ).fetchall()
    return [r[0] for r in rows]


_SEARCH_SQL = """
WITH q AS (SELECT termid FROM search_terms WHERE term IN (SELECT unnest($terms))),
p AS (SELECT termid, docid, tf FROM search_postings WHERE termid IN (SELECT termid FROM q)),
df AS (SELECT termid, count(*) AS df FROM p GROUP BY termid),
st AS (SELECT count(*) AS n, avg(len) AS avgdl FROM search_docs),
scores AS (
    SELECT p.docid,
           sum(log((st.n - df.df + 0.5) / (df.df + 0.5) + 1)
               * p.tf * ($k + 1) / (p.tf + $k * (1 - $b + $b * s.len / st.avgdl))) AS score,
           any_value(s.doc_id) AS doc_id
    FROM p JOIN df USING (termid) JOIN search_docs s USING (docid) CROSS JOIN st
    WHERE ($since IS NULL OR s.published_at >= $since)
      AND ($source IS NULL OR s.source_id = $source)
    GROUP BY p.docid
),
top AS (
    SELECT doc_id, score, count(*) OVER () AS matched
    FROM scores
    ORDER BY score DESC, doc_id
    LIMIT $limit
)
-- only the top hits need the documents table
SELECT d.doc_id, d.title, d.published_at, d.source_id, d.url, top.score, top.matched
FROM top JOIN documents d USING (doc_id)
ORDER BY top.score DESC, d.doc_id
"""


def search(
    con: duckdb.DuckDBPyConnection,
    terms: str,
    since: dt.date | None = None,
    source: str | None = None,
    limit: int = 20,
) -> SearchResult:
    """Documents ranked by BM25 for the words of `terms` (any of them; more matches rank higher)."""
    result = SearchResult(query=terms)
    status = index_status(con)
    if status == "missing":
        raise SearchError("the search index is missing: run mediamon index")
    result.documents = _count(con)
    stems = query_terms(con, terms)
    if not stems:
        raise SearchError(
            f"nothing to search for in {terms!r}: common words (the, and, of, ...) are not "
            "indexed; give a more specific word"
        )
    if status == "stale":
        result.note = "the corpus changed since the search index was refreshed: run mediamon index"
    params = {
        "terms": stems, "since": since, "source": source, "limit": limit, "k": K1, "b": B,
    }  # fmt: skip
    rows = con.execute(_SEARCH_SQL, params).fetchall()
    result.matched = int(rows[0][6]) if rows else 0
    result.hits = [Hit(r[0], r[1], r[2], r[3], r[4], float(r[5])) for r in rows]
    _add_snippets(con, result.hits, set(stems))
    return result


_TOKEN_RE = re.compile(r"[^\W\d_]+")


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _add_snippets(con: duckdb.DuckDBPyConnection, hits: list[Hit], stems: set[str]) -> None:
    if not hits:
        return
    texts = dict(
        con.execute(
            "SELECT doc_id, text FROM documents WHERE doc_id IN (SELECT unnest($ids))",
            {"ids": [h.doc_id for h in hits]},
        ).fetchall()
    )
    words = {
        _fold(m.group()) for text in texts.values() for m in _TOKEN_RE.finditer(text)
    }  # fmt: skip
    candidates = [w for w in words if w.isascii() and 0 < len(w) <= MAX_WORD]
    stem_of = dict(
        con.execute(
            "SELECT w, stem(w, 'porter') FROM (SELECT unnest($w) AS w)", {"w": candidates}
        ).fetchall()
    )
    for hit in hits:
        hit.snippet = snippet(texts.get(hit.doc_id, ""), lambda w: stem_of.get(_fold(w)) in stems)


def snippet(text: str, matches: Callable[[str], bool], before: int = 70, after: int = 130) -> str:
    """A window of the text around the first word that `matches`, marked as **word**."""
    text = " ".join(text.split())
    for m in _TOKEN_RE.finditer(text):
        if matches(m.group()):
            start = max(0, m.start() - before)
            end = min(len(text), m.end() + after)
            # cut at word boundaries
            if start > 0:
                start = text.find(" ", start) + 1 or start
            if end < len(text):
                end = text.rfind(" ", m.end(), end) if " " in text[m.end() : end] else end
            head = ("…" if start > 0 else "") + text[start : m.start()]
            tail = text[m.end() : end] + ("…" if end < len(text) else "")
            return f"{head}**{m.group()}**{tail}"
    return text[: before + after] + ("…" if len(text) > before + after else "")
