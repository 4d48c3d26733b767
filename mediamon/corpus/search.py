"""Full-text search: BM25 over title + text, from the index that `corpus.searchindex` keeps.

Scores as the fts extension's `match_bm25` does (k=1.2, b=0.75), with the query tokenized and
stemmed exactly as the documents were, so that "encrypted" also finds "encryption".
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from mediamon.corpus.searchindex import MAX_WORD, WORDS_SQL, index_size, index_status, load_fts
from mediamon.errors import SearchError

K1, B = 1.2, 0.75


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


def query_terms(con: duckdb.DuckDBPyConnection, text: str) -> list[str]:
    """The stems a query searches for, tokenized exactly as the documents were."""
    load_fts(con)
    words = WORDS_SQL.format("$q")
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
    result.documents = index_size(con)
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
