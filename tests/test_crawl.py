"""Real crawls, through Scrapy and real HTTP, of the demo site served by the test on 127.0.0.1.

Each crawl runs as a `mediamon crawl` subprocess (Twisted's reactor starts once per process).
"""

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from mediamon.crawler.middlewares import _is_private
from mediamon.demo.site import TRAPS, DemoSite
from tests.helpers import REPO, mediamon_cmd, run_mediamon, sources_toml

pytestmark = pytest.mark.slow


@pytest.fixture
def site() -> Iterator[DemoSite]:
    with DemoSite(slow_seconds=0.3) as demo:
        yield demo


def crawl(db: Path, sources: Path, *args: str, env: dict[str, str] | None = None):
    out = run_mediamon(
        "--db", str(db), "crawl", "--sources", str(sources), *args, env=env, timeout=300
    )
    assert "Traceback" not in out.stderr, out.stderr
    return out


def rows(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def last_run(db: Path) -> dict[str, Any]:
    (stats,) = rows(
        db, "select stats from crawl_runs where command = 'crawl' order by started_at desc limit 1"
    )[0]
    return json.loads(stats)


def doc(db: Path, site: DemoSite, path: str) -> dict[str, Any] | None:
    found = rows(
        db,
        "select doc_id, title, published_at, date_source, cluster_id, text, "
        "relevance, url from documents where canonical_url = ?",
        [site.url(path)],
    )
    if not found:
        return None
    keys = (
        "doc_id",
        "title",
        "published_at",
        "date_source",
        "cluster_id",
        "text",
        "relevance",
        "url",
    )
    return dict(zip(keys, found[0], strict=True))


def test_feed_crawl(tmp_path: Path, db: Path, site: DemoSite) -> None:
    sources = sources_toml(
        site,
        tmp_path / "s.toml",
        **{
            "feeds-only": {"feeds": ["/feeds/rss.xml", TRAPS["broken_feed"], TRAPS["missing_feed"]]}
        },
    )
    out = crawl(db, sources)
    assert out.returncode == 0, out.stderr
    figures = last_run(db)["sources"]["feeds-only"]
    assert figures["errors"].get("feed_malformed") == 1
    assert figures["errors"].get("feed_http_404") == 1
    assert figures["errors"].get("http_404") == 1  # a dead link in the feed
    assert figures["dropped"].get("off_topic") == 2
    assert figures["documents"]["new"] >= 20

    # tracking-parameter variants are one document, under the clean URL
    tracked = rows(
        db, "select count(*) from documents where url like ?", [f"%{TRAPS['tracking_target']}%"]
    )
    assert tracked == [(1,)]
    assert doc(db, site, TRAPS["tracking_target"]) is not None
    # the redirect chain ends at the article
    assert doc(db, site, TRAPS["redirect_chain_target"]) is not None
    # syndicated near-duplicates: two documents, one story
    original = doc(db, site, TRAPS["near_duplicate_original"])
    copy = doc(db, site, TRAPS["near_duplicate_copy"])
    assert original and copy and original["doc_id"] != copy["doc_id"]
    assert copy["cluster_id"] == original["cluster_id"]
    # off-topic pages are counted, not stored
    assert doc(db, site, TRAPS["offtopic_crypto"]) is None
    assert doc(db, site, TRAPS["offtopic_football"]) is None
    # dates with provenance; the undated page stays undated
    undated = doc(db, site, TRAPS["undated"])
    assert undated and undated["published_at"] is None and undated["date_source"] is None
    in_url = doc(db, site, TRAPS["date_in_url_only"])
    assert in_url and str(in_url["published_at"]) == "2020-02-18"
    assert in_url["date_source"] in ("url", "feed")
    feed_only = doc(db, site, TRAPS["date_in_feed_only"])
    assert feed_only and feed_only["date_source"] == "feed"
    assert rows(db, "select count(*) from documents where published_at > current_date") == [(0,)]
    # relevance is kept on every crawled document
    assert rows(
        db, "select count(*) from documents where source_id = 'feeds-only' and relevance is null"
    ) == [(0,)]


def test_sitemap_crawl_and_traps(tmp_path: Path, db: Path, site: DemoSite) -> None:
    sources = sources_toml(site, tmp_path / "s.toml", maps={"sitemaps": ["/robots.txt"]})
    out = crawl(db, sources)
    assert out.returncode == 0, out.stderr
    figures = last_run(db)["sources"]["maps"]
    dropped, errors = figures["dropped"], figures["errors"]
    assert dropped.get("robots", 0) >= 1
    assert dropped.get("not_html") == 2  # the PDF and the binary page labelled text/html
    assert errors.get("too_large") == 1
    assert errors.get("redirect_loop") == 1
    assert site.hits[TRAPS["robots_disallowed"]] == 0
    # the page that fails once with 500 was retried and stored
    assert site.hits[TRAPS["flaky_500"]] >= 2
    assert doc(db, site, TRAPS["flaky_500"]) is not None
    # news sitemap dates: provenance 'sitemap' only where the page itself has no date
    sources_seen = {
        r[0] for r in rows(db, "select date_source from documents where source_id = 'maps'")
    }
    assert {"jsonld", "meta"} <= sources_seen
    # loop ended: a bounded number of requests
    assert site.hits["/loop/a"] + site.hits["/loop/b"] <= 12


def test_site_crawl_follows_links_to_depth(tmp_path: Path, db: Path, site: DemoSite) -> None:
    sources = sources_toml(
        site,
        tmp_path / "s.toml",
        links={
            "start_urls": ["/"],
            "max_depth": 1,
            "article_pattern": "/(news|opinion|wire|explainers)/[^/]+/$",
        },
    )
    out = crawl(db, sources)
    assert out.returncode == 0, out.stderr
    stored = rows(db, "select count(*) from documents where source_id = 'links'")[0][0]
    assert stored >= 15
    # listing pages are followed for links but never stored as documents
    assert rows(db, "select count(*) from documents where url like '%/section/%'") == [(0,)]


def test_urls_and_charsets(tmp_path: Path, db: Path, site: DemoSite) -> None:
    sources = sources_toml(
        site,
        tmp_path / "s.toml",
        listed={
            "urls": [
                TRAPS["cp1252_mislabelled"],
                TRAPS["latin1_header_only"],
                TRAPS["amp"],
                TRAPS["print"],
            ]
        },
    )
    out = crawl(db, sources)
    assert out.returncode == 0, out.stderr
    for path in (TRAPS["cp1252_mislabelled"], TRAPS["latin1_header_only"]):
        found = doc(db, site, path)
        assert found is not None, path
        assert "\ufffd" not in found["text"] and "â€" not in found["text"], path
    # AMP and print variants declare the main page canonical: one document
    assert doc(db, site, TRAPS["amp_print_canonical"]) is not None
    assert rows(db, "select count(*) from documents where url like '%parley-encrypts%'") == [(1,)]


def test_second_crawl_is_incremental(tmp_path: Path, db: Path, site: DemoSite) -> None:
    sources = sources_toml(site, tmp_path / "s.toml", inc={"feeds": ["/feeds/rss.xml"]})
    assert crawl(db, sources).returncode == 0
    first = rows(db, "select doc_id, text_hash from documents order by doc_id")
    site.requests.clear()

    assert crawl(db, sources).returncode == 0
    assert rows(db, "select doc_id, text_hash from documents order by doc_id") == first
    figures = last_run(db)["sources"]["inc"]
    assert figures["documents"].get("new", 0) == 0
    assert figures["not_modified"] >= 20
    assert figures["pages_fetched"] < 40  # the feed, robots.txt and 304s
    article_gets = [
        r
        for r in site.requests
        if r.path.startswith(("/news/", "/opinion/", "/wire/", "/20")) and r.status in (200, 304)
    ]
    assert article_gets, "the second crawl asked for the articles again"
    unconditional = [
        r.path
        for r in article_gets
        if "If-None-Match" not in r.headers and "If-Modified-Since" not in r.headers
    ]
    assert unconditional == []

    # a changed article is updated and keeps its earlier text; a new one is added
    slug = "police-chief-going-dark"
    site.update_article(
        slug,
        body="The director general withdrew her warning about "
        "encryption and child abuse investigations today. " * 12,
    )
    new_url = site.add_article(
        slug="late-breaking-scanning-vote",
        outlet="Civic Wire",
        title="Late vote on scanning",
        body="Lawmakers voted on client-side scanning of encrypted messages to find child "
        "sexual abuse material, after a long debate about end-to-end encryption. " * 8,
    )
    assert crawl(db, sources).returncode == 0
    figures = last_run(db)["sources"]["inc"]
    assert figures["documents"].get("new") == 1 and figures["documents"].get("updated") == 1
    assert rows(db, "select count(*) from documents where url = ?", [new_url]) == [(1,)]
    assert rows(db, "select count(*) from document_versions") == [(1,)]


def test_private_addresses_are_blocked(tmp_path: Path, db: Path, site: DemoSite) -> None:
    # the offsite filter would stop these first: let them through to the private check
    sources = sources_toml(
        site,
        tmp_path / "s.toml",
        steer={
            "allowed_domains": ["127.0.0.1", "127.0.0.2", "127.0.0.3", "localhost"],
            "urls": [
                TRAPS["redirect_private_metadata"],
                TRAPS["redirect_private_localhost"],
                TRAPS["redirect_private_lan"],
            ],
        },
    )
    out = crawl(db, sources)
    assert out.returncode == 0, out.stderr
    assert last_run(db)["sources"]["steer"]["dropped"].get("private_address") == 3

    closed = sources_toml(
        site, tmp_path / "closed.toml", closed={"feeds": ["/feeds/rss.xml"], "allow_private": False}
    )
    before = site.hits["/feeds/rss.xml"]
    out = crawl(db, closed)
    assert site.hits["/feeds/rss.xml"] == before, "a private address was fetched"
    assert last_run(db)["sources"]["closed"]["dropped"].get("private_address", 0) >= 1


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("169.254.169.254", True),
        ("10.0.0.1", True),
        ("192.168.1.1", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("fd00::1", True),
        ("0.0.0.0", True),
        ("93.184.216.34", False),
        ("2606:4700::1111", False),
    ],
)
def test_private_address_classification(address: str, private: bool) -> None:
    assert _is_private(address) is private


def test_sigkill_and_resume(tmp_path: Path, db: Path, site: DemoSite) -> None:
    sources = sources_toml(
        site,
        tmp_path / "s.toml",
        slow={"feeds": ["/feeds/rss.xml", "/feeds/atom.xml"], "delay": 0.25, "concurrency": 1},
    )
    proc = subprocess.Popen(
        mediamon_cmd("--db", str(db), "crawl", "--sources", str(sources)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "MEDIAMON_LOCK_TIMEOUT": "30"},
    )
    deadline = time.monotonic() + 60
    stored = 0
    while time.monotonic() < deadline and stored < 4:
        time.sleep(0.3)
        try:
            with duckdb.connect(str(db), read_only=True) as con:
                stored = con.execute(
                    "select count(*) from documents where source_id = 'slow'"
                ).fetchone()[0]
        except duckdb.Error:
            continue
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < stored < 20, f"kill came at a bad time ({stored} stored)"

    out = crawl(db, sources)
    assert out.returncode == 0, out.stderr
    # the same site crawled without interruption is the reference
    clean = tmp_path / "clean.duckdb"
    assert crawl(clean, sources).returncode == 0
    expected = rows(
        clean,
        "select canonical_url, text_hash, published_at from documents "
        "where source_id = 'slow' order by 1",
    )
    assert len(expected) >= 20
    assert (
        rows(
            db,
            "select canonical_url, text_hash, published_at from documents "
            "where source_id = 'slow' order by 1",
        )
        == expected
    )
    assert rows(
        db,
        "select count(*) - count(distinct canonical_url) from documents "
        "where canonical_url is not null",
    ) == [(0,)]
    statuses = [
        r[0]
        for r in rows(
            db, "select status from crawl_runs where command = 'crawl' order by started_at"
        )
    ]
    assert statuses == ["interrupted", "ok"]


def test_scrapy_crawl_command_from_the_repository(tmp_path: Path, db: Path, site: DemoSite) -> None:
    sources = sources_toml(site, tmp_path / "s.toml", plain={"feeds": ["/feeds/atom.xml"]})
    scrapy = Path(mediamon_cmd()[0]).parent / "scrapy"
    out = subprocess.run(
        [
            str(scrapy),
            "crawl",
            "feeds",
            "-a",
            "source=plain",
            "-s",
            f"MEDIAMON_DB={db}",
            "-s",
            f"MEDIAMON_SOURCES={sources}",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert rows(db, "select count(*) from documents where source_id = 'plain'")[0][0] >= 15
    assert rows(db, "select command, status from crawl_runs") == [("scrapy feeds", "ok")]


def test_bad_sources_file_is_one_line(tmp_path: Path, db: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nid = "x"\nfeeds = ["https://example.org/f"]\ncolour = "red"\n')
    out = crawl(db, bad)
    assert out.returncode != 0
    assert "source 'x'" in out.stderr and "colour" in out.stderr
    assert out.stderr.strip().count("\n") == 0
    missing = crawl(db, tmp_path / "nope.toml")
    assert missing.returncode != 0 and "no such sources file" in missing.stderr
    assert missing.stderr.strip().count("\n") == 0
