"""`mediamon reextract`: extraction, dates, topic and clusters again, from the archive alone.

A real crawl of the demo site fills the corpus; then the topic and the archived input change and
reextract runs as a subprocess while the demo server records every request it gets.
"""

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from mediamon.demo.site import TRAPS, DemoSite
from tests.helpers import run_mediamon, sources_toml

pytestmark = pytest.mark.slow

# a topic every page belongs to: the off-topic pages of the crawl become documents
EVERYTHING = """[topic]
name = "everything"
threshold = 0.05

[groups.common.terms]
"the" = 1.0
"and" = 1.0
"""
ADDED = "<p>Correction: an earlier version of this story gave the wrong date for the vote.</p>"


@pytest.fixture
def site() -> Iterator[DemoSite]:
    with DemoSite(slow_seconds=0.1) as demo:
        yield demo


def rows(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def reextract(db: Path, *args: str) -> Any:
    out = run_mediamon("--db", str(db), "reextract", *args, timeout=300)
    assert "Traceback" not in out.stderr, out.stderr
    return out


def test_reextract_versions_changes_and_fetches_nothing(
    tmp_path: Path, db: Path, site: DemoSite
) -> None:
    sources = sources_toml(
        site,
        tmp_path / "s.toml",
        demo={"feeds": ["/feeds/rss.xml"], "urls": ["/", "/section/politics/"]},
    )
    out = run_mediamon("--db", str(db), "crawl", "--sources", str(sources), timeout=300)
    assert out.returncode == 0, out.stderr
    docs = "select doc_id, text_hash, version, relevance from documents where source_id = 'demo'"
    before = {r[0]: r[1:] for r in rows(db, docs)}
    assert len(before) >= 20
    archived = dict(rows(db, "select outcome, count(html) from pages group by 1"))
    assert archived.get("not_article") == 2 and archived.get("off_topic") == 2
    site.reset_hits()

    # nothing changed: nothing changes
    out = reextract(db)
    assert out.returncode == 0, out.stderr
    assert "0 new, 0 updated" in out.stdout
    assert {r[0]: r[1:] for r in rows(db, docs)} == before

    # the extractor's input changes for one document; the topic changes for all
    target = site.url(TRAPS["date_after_midnight_plus2"])
    ((doc_id, html),) = rows(db, "select doc_id, html from pages where url = ?", [target])
    page = gzip.decompress(html).decode("utf-8")
    body = '<div class="article-body" itemprop="articleBody">'
    edited = page.replace(body, body + ADDED, 1)
    assert edited != page
    with duckdb.connect(str(db)) as con:
        con.execute(
            "update pages set html = ? where url = ?", [gzip.compress(edited.encode()), target]
        )
    topic = tmp_path / "everything.toml"
    topic.write_text(EVERYTHING)

    out = reextract(db, "--topic", str(topic), "--source", "demo")
    assert out.returncode == 0, out.stderr
    after = {r[0]: r[1:] for r in rows(db, docs)}
    # the edited page: a new version, the old text kept
    assert after[doc_id][0] != before[doc_id][0] and after[doc_id][1] == 2
    ((old_hash,),) = rows(db, "select text_hash from document_versions where doc_id = ?", [doc_id])
    assert old_hash == before[doc_id][0]
    assert (
        "wrong date for the vote"
        in rows(db, "select text from documents where doc_id = ?", [doc_id])[0][0]
    )
    # the rest: same texts, rescored by the new topic
    same = [d for d in before if d != doc_id]
    assert all(after[d][:2] == before[d][:2] for d in same)
    assert any(after[d][2] != before[d][2] for d in same)
    # the off-topic pages appear as documents; the listing pages stay what they were
    for trap in ("offtopic_crypto", "offtopic_football"):
        url = site.url(TRAPS[trap])
        assert rows(db, "select count(*) from documents where canonical_url = ?", [url]) == [(1,)]
        assert rows(db, "select outcome from pages where url = ?", [url]) == [("stored",)]
    assert rows(db, "select count(*) from pages where outcome = 'not_article'") == [(2,)]
    assert len(after) == len(before) + 2
    # the run is recorded, and not one request reached the site
    ((stats,),) = rows(
        db,
        "select stats from crawl_runs where command = 'reextract' order by started_at desc limit 1",
    )
    figures = json.loads(stats)
    assert figures["new"] == 2 and figures["updated"] == 1
    assert site.requests == []


def test_reextract_filters_and_errors(tmp_path: Path, db: Path, site: DemoSite) -> None:
    sources = sources_toml(site, tmp_path / "s.toml", demo={"urls": [TRAPS["undated"]]})
    assert (
        run_mediamon("--db", str(db), "crawl", "--sources", str(sources), timeout=300).returncode
        == 0
    )
    out = reextract(db, "--since", "2999-01-01")
    assert out.returncode == 0 and "Re-extracted 0 archived pages" in out.stdout

    out = reextract(db, "--source", "nobody")
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert "no source 'nobody'" in out.stderr and "demo" in out.stderr

    bad = tmp_path / "bad.toml"
    bad.write_text("[topic]\nname = 'x'\n")
    out = reextract(db, "--topic", str(bad))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "threshold" in out.stderr

    out = reextract(tmp_path / "missing.duckdb")
    assert out.returncode != 0 and "no corpus" in out.stderr and out.stderr.count("\n") == 1
