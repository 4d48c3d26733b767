import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from mediamon.corpus import connect
from mediamon.corpus.search import search, snippet
from mediamon.corpus.searchindex import index_status, load_fts, refresh_index
from mediamon.corpus.store import DocumentRecord, write_documents
from mediamon.errors import SearchError
from tests.corpus_fixture import build_fixture, doc_id
from tests.helpers import run_mediamon


@pytest.fixture
def indexed(tmp_path: Path) -> Path:
    db = build_fixture(tmp_path / "fixture.duckdb")
    refresh_index(db)
    return db


def test_search_ranks_with_title_date_source_and_snippet(indexed: Path) -> None:
    with connect(indexed, read_only=True, fts=True) as con:
        result = search(con, "client-side scanning")
    assert result.matched == 4 and result.note is None
    best = result.hits[0]
    assert best.doc_id in {doc_id("d1"), doc_id("d2")}
    assert best.title == "Apple announces client-side scanning"
    assert best.published_at in {dt.date(2021, 8, 2), dt.date(2021, 8, 3)}
    assert best.source_id in {"alpha", "beta"}
    assert "**scan**" in best.snippet  # stemmed: scan / scanning / scans match alike
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)


def test_scores_are_the_fts_extensions_bm25(indexed: Path, tmp_path: Path) -> None:
    """Same tokens, stems and stopwords: our incremental index scores as match_bm25 does."""
    with connect(indexed, read_only=True, fts=True) as con:
        ours = {
            h.doc_id: h.score for h in search(con, "scanning encryption privacy", limit=50).hits
        }
    with duckdb.connect(str(indexed)) as con:
        load_fts(con)
        con.execute(
            "CREATE TABLE bodies AS SELECT doc_id, coalesce(title, '') || ' ' || text AS body "
            "FROM documents"
        )
        # the extension's default `ignore` keeps curly quotes on words; ours splits on them
        con.execute(
            "PRAGMA create_fts_index('bodies', 'doc_id', 'body', "
            "stopwords='search_stopwords', ignore='[^a-z]+')"
        )
        theirs = dict(
            con.execute(
                "SELECT doc_id, score FROM (SELECT doc_id, fts_main_bodies.match_bm25(doc_id, "
                "'scanning encryption privacy') AS score FROM bodies) WHERE score IS NOT NULL"
            ).fetchall()
        )
    assert ours.keys() == theirs.keys() and len(ours) >= 5
    for key, score in theirs.items():
        assert ours[key] == pytest.approx(score, rel=1e-9)


def test_filters_and_limit(indexed: Path) -> None:
    with connect(indexed, read_only=True, fts=True) as con:
        since = search(con, "encryption", since=dt.date(2021, 8, 3))
        assert {h.published_at for h in since.hits} <= {dt.date(2021, 8, 3), dt.date(2021, 8, 20)}
        beta = search(con, "encryption", source="beta")
        assert beta.hits and {h.source_id for h in beta.hits} == {"beta"}
        one = search(con, "encryption", limit=1)
        assert len(one.hits) == 1 and one.matched > 1


def test_refresh_indexes_new_changed_and_removed_documents(indexed: Path) -> None:
    record = DocumentRecord(
        text="A brand new zyxwords article about quokkas.",
        url="https://alpha.example/new.html",
        source_id="alpha",
        title="Quokkas",
    )
    with connect(indexed) as con:
        assert index_status(con) == "current"
        write_documents(con, [record])
        assert index_status(con) == "stale"
        # a changed text, and a deleted document
        con.execute(
            "UPDATE documents SET text = 'Completely rewritten about wombats.', "
            "updated_at = now() WHERE doc_id = ?",
            [doc_id("d3")],
        )
        con.execute("DELETE FROM stances WHERE doc_id = ?", [doc_id("d9")])
        con.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id("d9")])
    with connect(indexed, read_only=True, fts=True) as con:
        stale = search(con, "quokkas")
        assert not stale.hits and "run mediamon index" in (stale.note or "")
    report = refresh_index(indexed)
    assert (report.indexed, report.removed) == (2, 2)
    with connect(indexed, read_only=True, fts=True) as con:
        assert index_status(con) == "current"
        assert [h.title for h in search(con, "quokkas").hits] == ["Quokkas"]
        assert [h.doc_id for h in search(con, "wombats").hits] == [doc_id("d3")]
        assert doc_id("d3") not in {h.doc_id for h in search(con, "Zuckerberg").hits}
        assert doc_id("d9") not in {h.doc_id for h in search(con, "wait").hits}
    assert refresh_index(indexed).indexed == 0  # nothing changed: nothing to do


def test_missing_index_and_empty_queries_are_clear(tmp_path: Path) -> None:
    db = build_fixture(tmp_path / "fixture.duckdb")
    missing = "the search index is missing: run mediamon index"
    with connect(db, read_only=True, fts=True) as con, pytest.raises(SearchError, match=missing):
        search(con, "encryption")
    refresh_index(db)
    common = pytest.raises(SearchError, match="common words")
    with connect(db, read_only=True, fts=True) as con, common:
        search(con, "the and of")


def test_snippet_marks_the_first_match_in_a_window() -> None:
    text = "word " * 40 + "the Encryption debate " + "more " * 60
    cut = snippet(text, lambda w: w.lower() == "encryption")
    assert "**Encryption**" in cut and cut.startswith("…") and cut.endswith("…")
    assert len(cut) < 260
    assert snippet("nothing here", lambda w: False) == "nothing here"


def test_cli_search_builds_a_missing_index_and_answers_clearly(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    assert run_mediamon("--db", str(db), "init").returncode == 0
    out = run_mediamon("--db", str(db), "search", "Facebook", "encryption")
    assert out.returncode == 0, out.stderr
    assert "Building the search index" in out.stderr
    assert "Facebook must change its mind" in out.stdout
    assert "2 documents match" in out.stdout

    out = run_mediamon("--db", str(db), "search", "zzzzqx")
    assert out.returncode == 0 and "No documents match 'zzzzqx'" in out.stdout

    out = run_mediamon("--db", str(db), "search", "encryption", "--format", "json")
    rows = json.loads(out.stdout)
    assert rows[0]["title"] and "**" in rows[0]["snippet"] and rows[0]["rank"] == 1

    out = run_mediamon("--db", str(db), "search", "the")
    assert out.returncode == 1 and "common words" in out.stderr
    assert "Traceback" not in out.stderr and out.stderr.strip().count("\n") == 0


def test_cli_search_on_an_empty_corpus(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    with connect(db, create=True):
        pass
    out = run_mediamon("--db", str(db), "search", "encryption")
    assert out.returncode == 0, out.stderr
    assert "no documents yet" in out.stdout


def test_cli_index(tmp_path: Path) -> None:
    db = build_fixture(tmp_path / "fixture.duckdb")
    out = run_mediamon("--db", str(db), "index")
    assert out.returncode == 0, out.stderr
    assert "22 documents (22 indexed now" in out.stdout
    out = run_mediamon("--db", str(db), "index")
    assert "(0 indexed now" in out.stdout
    out = run_mediamon("--db", str(db), "index", "--full")
    assert "(22 indexed now" in out.stdout


def test_ingest_brings_the_index_up_to_date(tmp_path: Path) -> None:
    """crawl and ingest end with refresh_after_write (documents/ingest.py, crawler/run.py)."""
    db = tmp_path / "c.duckdb"
    records = tmp_path / "new.jsonl"
    records.write_text(
        json.dumps(
            {
                "url": "https://example.org/quokka",
                "title": "Quokkas and encryption",
                "published": "2021-05-01",
                "text": "The quokka council debated end-to-end encryption at length. " * 5,
            }
        )
        + "\n"
    )
    out = run_mediamon("--db", str(db), "ingest", str(records))
    assert out.returncode == 0, out.stderr
    with connect(db, read_only=True, fts=True) as con:
        assert index_status(con) == "current"
        assert [h.title for h in search(con, "quokka").hits] == ["Quokkas and encryption"]
