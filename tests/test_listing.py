"""Listing pages and pages without article text: the rule, and what a crawl does with them.

Fixtures are our own pages (fictional outlets): tests/data/listings holds listing pages in the
layouts of common CMSs, tests/data/articles articles that an earlier rule took for listings or
for pages without text.
"""

import gzip
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from mediamon.demo.site import DemoSite
from mediamon.documents.listing import (
    has_article_text,
    listing_signals,
    looks_like_listing,
    word_count,
)
from tests.helpers import run_mediamon, sources_toml
from tests.staticsite import StaticSite

DATA = Path(__file__).parent / "data"
LISTINGS = {
    "author_page.html": "/author/mira-castellane/",
    "wordpress_category.html": "/category/technology/",
    "tag_page.html": "/tags/encryption/",
    "news_home.html": "/",
    "drupal_press_releases.html": "/news",
    "search_results.html": "/search?q=encryption",
    "month_archive.html": "/2021/03/",
    "press_release_table.html": "/newsroom/",
    "section_collectionpage.html": "/privacy/",
}
ARTICLES = {
    "related_box.html": "/news/quillchat-groups/",  # a short story above a box of six headlines
    "campaign_home.html": "/",  # a campaign whose home page is its statement
    "chinese_article.html": "/zh/yuliao",  # no spaces between words
}
BASE = "https://www.harbourside-ledger.test"


@pytest.mark.parametrize(("name", "path"), LISTINGS.items())
def test_listing_pages_are_listings(name: str, path: str) -> None:
    body = (DATA / "listings" / name).read_bytes()
    assert looks_like_listing(body, BASE + path), listing_signals(body, BASE + path)


@pytest.mark.parametrize(("name", "path"), ARTICLES.items())
def test_articles_with_teaser_boxes_are_articles(name: str, path: str) -> None:
    body = (DATA / "articles" / name).read_bytes()
    assert not looks_like_listing(body, BASE + path), listing_signals(body, BASE + path)


def test_a_page_with_text_of_its_own_leans_to_article() -> None:
    # a biography above a list of stories: an author page by its URL, else kept (dropping an
    # article costs more than storing this page)
    body = (DATA / "listings" / "author_page.html").read_bytes()
    assert looks_like_listing(body, BASE + "/author/mira-castellane/")
    assert not looks_like_listing(body, BASE + "/people/mira-castellane/")


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoSite]:
    with DemoSite(slow_seconds=0.1) as site:
        yield site


def fetch(site: DemoSite, path: str) -> bytes:
    try:
        with urllib.request.urlopen(site.url(path), timeout=30) as resp:
            return resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code != 500:  # the demo site's flaky page answers 500 once
            raise
    with urllib.request.urlopen(site.url(path), timeout=30) as resp:
        return resp.read()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/section/politics/",
        "/section/technology/",
        "/section/politics/page/2/",
        "/section/sport/",
    ],
)
def test_demo_listing_pages(demo: DemoSite, path: str) -> None:
    assert looks_like_listing(fetch(demo, path), demo.url(path))


def test_no_demo_article_is_a_listing(demo: DemoSite) -> None:
    called = [
        a.path
        for a in demo.site.articles
        if looks_like_listing(fetch(demo, a.path), demo.url(a.path))
    ]
    assert called == []


def test_word_count_in_scripts_without_spaces() -> None:
    chinese = "即时通讯应用周二宣布从四月起所有群组对话都将采用端到端加密" * 3
    assert len(chinese.split()) == 1 and word_count(chinese) >= 40
    assert has_article_text(chinese)
    assert word_count("Two words") == 2
    assert not has_article_text("Page moved. Please update your bookmarks.")
    assert not has_article_text(None)


def test_hostile_markup_does_not_break_the_rule() -> None:
    deep = b"<html><body>" + b"<div>" * 5000 + b"text " * 50 + b"</div>" * 5000 + b"</body></html>"
    looks_like_listing(deep, BASE + "/deep")  # no RecursionError
    assert not looks_like_listing(b"", BASE + "/")
    assert not looks_like_listing(b"\x00\x01\x02", BASE + "/")


@pytest.mark.slow
def test_crawl_keeps_articles_drops_listings_and_archives_them(tmp_path: Path, db: Path) -> None:
    stub = "<html><head><title>Moved</title></head><body><p>This page has moved.</p></body></html>"
    with StaticSite() as site:
        site.add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        for folder, pages in (("listings", LISTINGS), ("articles", ARTICLES)):
            for name, path in pages.items():
                if folder == "listings" and path == "/":
                    continue  # the campaign's statement is this site's home page
                site.add(path, (DATA / folder / name).read_bytes())
        site.add("/moved.html", stub)
        urls = [p for p in {**LISTINGS, **ARTICLES}.values()] + ["/moved.html"]
        sources = sources_toml(
            site, tmp_path / "s.toml", mixed={"urls": sorted(set(urls)), "topic_filter": False}
        )  # type: ignore[arg-type]
        out = run_mediamon("--db", str(db), "crawl", "--sources", str(sources), timeout=300)
    assert out.returncode == 0, out.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        stored = {
            r[0]
            for r in con.execute("select url from documents where source_id = 'mixed'").fetchall()
        }
        pages = {
            r[0].removeprefix(site.base): (r[1], r[2])
            for r in con.execute(
                "select url, outcome, html from pages where source_id = 'mixed'"
            ).fetchall()
        }
    articles = {site.url(p) for p in ARTICLES.values()}
    assert stored == articles
    for path in LISTINGS.values():
        if path == "/":
            continue
        outcome, html = pages[path]
        assert outcome == "not_article", path
        assert html is not None and b"<html" in gzip.decompress(html).lower(), path
    outcome, html = pages["/moved.html"]
    assert outcome == "no_text" and gzip.decompress(html).decode() == stub
