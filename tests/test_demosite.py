"""The bundled offline demo site, fetched over real HTTP with urllib."""

from __future__ import annotations

import datetime as dt
import difflib
import gzip
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import urllib.robotparser
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from email.message import Message
from email.utils import parsedate_to_datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from mediamon.demo.site import DATE_MARKUPS, TRAPS, DemoSite, load_articles
from mediamon.demo.site.articles import SEEDS_DIR, Article
from mediamon.demo.site.traps import OVERSIZED_BYTES

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "atom": "http://www.w3.org/2005/Atom",
}
REPO = Path(__file__).resolve().parent.parent
HAVE_SEEDS = (SEEDS_DIR / "004_c02a120c2422a147.txt").is_file()


class Fetched:
    def __init__(self, status: int, headers: Message, body: bytes, url: str) -> None:
        self.status, self.headers, self.body, self.url = status, headers, body, url

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(
    url: str, headers: dict[str, str] | None = None, *, method: str = "GET", follow: bool = True
) -> Fetched:
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=20) as resp:
            return Fetched(resp.status, resp.headers, resp.read(), resp.url)
    except urllib.error.HTTPError as err:
        return Fetched(err.code, err.headers, err.read(), url)


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoSite]:
    with DemoSite(slow_seconds=0.3) as site:
        yield site


@pytest.fixture
def fresh() -> Iterator[DemoSite]:
    """A site of its own, for tests that change content or count first requests."""
    with DemoSite(slow_seconds=0.3) as site:
        yield site


def page_of(demo: DemoSite, article: Article) -> str:
    resp = fetch(demo.url(article.path))
    if resp.status == 500 and article.trap == "flaky_500":
        resp = fetch(demo.url(article.path))
    assert resp.status == 200, article.path
    if article.encoding == "cp1252-mislabelled":
        return resp.body.decode("cp1252")
    if article.encoding == "latin1-header-only":
        return resp.body.decode("latin-1")
    return resp.text


def bundled() -> list[Article]:
    return load_articles()


# -- the article data ---------------------------------------------------------------------------
def test_article_data_is_varied_and_sized() -> None:
    articles = bundled()
    assert len(articles) >= 22
    for a in articles:
        assert 250 <= a.word_count <= 600, (a.slug, a.word_count)
    assert {a.date_markup for a in articles} == set(DATE_MARKUPS)
    assert len({a.outlet for a in articles}) >= 8
    assert [a.slug for a in articles if a.kind == "offtopic"] == [
        "offtopic-crypto-exchange",
        "offtopic-football-derby",
    ]
    assert len([a for a in articles if a.published is None]) == 1
    copies = [a for a in articles if a.duplicate_of]
    assert len(copies) == 1
    assert any(a.kind == "opinion" for a in articles) and any(a.kind == "letter" for a in articles)
    crypto = next(a for a in articles if a.slug == "offtopic-crypto-exchange")
    assert "crypto" in crypto.body and "encrypt" not in crypto.body.lower()
    years = {a.published.year for a in articles if a.published is not None}
    assert min(years) == 2019 and max(years) == 2025


def test_trap_articles_are_where_traps_says(demo: DemoSite) -> None:
    for a in demo.site.articles:
        if a.trap:
            assert TRAPS[a.trap] == a.path


# -- pages --------------------------------------------------------------------------------------
def test_home_and_section_pages_link_articles(demo: DemoSite) -> None:
    home = fetch(demo.url("/"))
    assert home.status == 200 and "text/html" in home.headers["Content-Type"]
    for section in ("politics", "world", "technology", "opinion"):
        assert f'href="/section/{section}/"' in home.text
    linked: set[str] = set()
    for section in (
        "politics",
        "world",
        "technology",
        "opinion",
        "explainers",
        "business",
        "sport",
    ):
        url: str | None = demo.url(f"/section/{section}/")
        while url:
            resp = fetch(url)
            assert resp.status == 200
            linked |= set(re.findall(r'class="teaser-link" href="([^"]+)"', resp.text))
            nxt = re.search(r'rel="next" href="([^"]+)"', resp.text)
            url = demo.url(nxt.group(1)) if nxt else None
    assert {a.path for a in bundled()} <= linked
    assert fetch(demo.url("/section/technology/page/2/")).status == 200


def test_every_article_renders_with_boilerplate(demo: DemoSite) -> None:
    for a in demo.site.articles:
        html = page_of(demo, a)
        assert f'<link rel="canonical" href="{demo.url(a.path)}">' in html
        first = next(p for p in a.paragraphs if not p.startswith(("## ", "- ")))
        words = " ".join(first.split()[:6])
        assert words in unescape(html).replace("<br>\n", " "), a.slug
        if a.template == "news":
            for marker in (
                'id="cookie-banner"',
                'class="site-footer"',
                'id="comments"',
                'class="related"',
                'class="primary-nav"',
            ):
                assert marker in html, (a.slug, marker)


def test_dates_appear_only_as_date_markup_says(demo: DemoSite) -> None:
    for a in bundled():
        html = page_of(demo, a)
        has_jsonld = '"datePublished"' in html
        has_meta = 'property="article:published_time"' in html
        has_time = "<time " in html
        assert has_jsonld == (a.date_markup == "jsonld"), a.slug
        assert has_meta == (a.date_markup == "meta"), a.slug
        assert has_time == (a.date_markup == "time"), a.slug
        if a.published is not None:
            assert (a.published.strftime("/%Y/%m/%d/") in a.path) == (a.date_markup == "url")
        if a.date_markup in ("none", "feed_only"):
            assert not re.search(r"\b(19|20)\d\d\b", html), a.slug
    jsonld = fetch(demo.url(TRAPS["date_after_midnight_plus2"])).text
    assert 'content="2022-05-11T00:30:00+02:00"' in jsonld


def test_head_request_and_trailing_slash(demo: DemoSite) -> None:
    head = fetch(demo.url(TRAPS["redirect_chain_target"]), method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["Content-Length"]) > 1000
    moved = fetch(demo.url(TRAPS["no_trailing_slash"]), follow=False)
    assert moved.status == 301 and moved.headers["Location"] == TRAPS["redirect_chain_target"]
    assert fetch(demo.url("/nothing/here/")).status == 404


# -- caching headers ----------------------------------------------------------------------------
def test_etag_and_last_modified_give_304(demo: DemoSite) -> None:
    url = demo.url(TRAPS["redirect_chain_target"])
    first = fetch(url)
    etag, last_mod = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and last_mod
    assert fetch(url, {"If-None-Match": etag}).status == 304
    assert fetch(url, {"If-None-Match": '"other"'}).status == 200
    assert fetch(url, {"If-Modified-Since": last_mod}).status == 304
    earlier = parsedate_to_datetime(last_mod) - dt.timedelta(days=1)
    assert (
        fetch(url, {"If-Modified-Since": earlier.strftime("%a, %d %b %Y %H:%M:%S GMT")}).status
        == 200
    )
    undated = fetch(demo.url(TRAPS["undated"]))
    assert undated.headers["ETag"] and undated.headers["Last-Modified"] is None
    rss = fetch(demo.url("/feeds/rss.xml"))
    assert fetch(demo.url("/feeds/rss.xml"), {"If-None-Match": rss.headers["ETag"]}).status == 304


def test_gzip_when_asked(demo: DemoSite) -> None:
    url = demo.url(TRAPS["tracking_target"])
    plain = fetch(url)
    zipped = fetch(url, {"Accept-Encoding": "gzip, deflate"})
    assert plain.headers["Content-Encoding"] is None
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.body) == plain.body
    assert zipped.headers["ETag"] == "W/" + plain.headers["ETag"]
    again = fetch(url, {"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status == 304
    assert fetch(url, {"Accept-Encoding": "gzip;q=0"}).headers["Content-Encoding"] is None


# -- feeds and sitemaps -------------------------------------------------------------------------
def rss_items(xml: bytes) -> list[ET.Element]:
    root = ET.fromstring(xml)
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.findall("./channel/item")


def test_rss_feed(demo: DemoSite) -> None:
    resp = fetch(demo.url("/feeds/rss.xml"))
    assert resp.headers["Content-Type"].startswith("application/rss+xml")
    items = rss_items(resp.body)
    by_guid = {i.findtext("guid"): i for i in items}
    for a in bundled():
        item = by_guid[demo.url(a.path)]
        pub = item.findtext("pubDate")
        if a.feed_datetime is None:
            assert pub is None, a.slug
        else:
            assert pub and parsedate_to_datetime(pub) == a.feed_datetime, a.slug
    links = {i.findtext("link") for i in items}
    assert demo.url(TRAPS["not_found"]) in links
    assert demo.url(TRAPS["redirect_chain"]) in links
    assert any("utm_source=rss" in (link or "") for link in links)
    dates = [parsedate_to_datetime(p) for i in items if (p := i.findtext("pubDate"))]
    assert dates == sorted(dates, reverse=True)


def test_atom_feed_and_outlet_feeds(demo: DemoSite) -> None:
    root = ET.fromstring(fetch(demo.url("/feeds/atom.xml")).body)
    entries = root.findall("atom:entry", NS)
    ids = {e.findtext("atom:id", namespaces=NS) for e in entries}
    assert demo.url(TRAPS["date_in_feed_only"]) in ids
    assert demo.url(TRAPS["undated"]) not in ids
    for entry in entries:
        dt.datetime.fromisoformat(entry.findtext("atom:published", namespaces=NS) or "")
    items = rss_items(fetch(demo.url("/feeds/outlet/bytewise.xml")).body)
    assert len(items) == 3
    assert fetch(demo.url("/feeds/outlet/no-such-outlet.xml")).status == 404


def test_robots_and_sitemaps(demo: DemoSite) -> None:
    robots = fetch(demo.url("/robots.txt")).text
    assert "Disallow: /private/" in robots
    sitemap_url = re.search(r"^Sitemap: (\S+)$", robots, re.M)
    assert sitemap_url and sitemap_url.group(1) == demo.url("/sitemap.xml")
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(robots.splitlines())
    assert not parser.can_fetch("mediamon", demo.url(TRAPS["robots_disallowed"]))
    assert parser.can_fetch("mediamon", demo.url(TRAPS["undated"]))

    index = ET.fromstring(fetch(sitemap_url.group(1)).body)
    children = [loc.text or "" for loc in index.findall("sm:sitemap/sm:loc", NS)]
    assert len(children) == 2
    urlset = ET.fromstring(fetch(children[0]).body)
    locs = {u.findtext("sm:loc", namespaces=NS) for u in urlset.findall("sm:url", NS)}
    assert {demo.url(a.path) for a in demo.site.articles} <= locs
    assert demo.url(TRAPS["robots_disallowed"]) in locs
    news = ET.fromstring(fetch(children[1]).body)
    dated = {
        u.findtext("sm:loc", namespaces=NS): u.findtext(
            "news:news/news:publication_date", namespaces=NS
        )
        for u in news.findall("sm:url", NS)
    }
    assert demo.url(TRAPS["undated"]) not in dated
    assert demo.url(TRAPS["date_in_url_only"]) not in dated
    assert dated[demo.url(TRAPS["date_in_feed_only"])] == "2021-09-03T21:15:00+00:00"


# -- traps --------------------------------------------------------------------------------------
def test_not_found_and_missing_feed(demo: DemoSite) -> None:
    assert fetch(demo.url(TRAPS["not_found"])).status == 404
    assert fetch(demo.url(TRAPS["missing_feed"])).status == 404


def test_flaky_page_fails_once(fresh: DemoSite) -> None:
    url = fresh.url(TRAPS["flaky_500"])
    assert fetch(url).status == 500
    assert fetch(url).status == 200
    assert fetch(url).status == 200
    assert fresh.hits[TRAPS["flaky_500"]] == 3


def test_slow_page(demo: DemoSite) -> None:
    start = time.monotonic()
    assert fetch(demo.url(TRAPS["slow"])).status == 200
    assert time.monotonic() - start >= 0.3


def test_redirect_chain(fresh: DemoSite) -> None:
    hops = []
    url = fresh.url(TRAPS["redirect_chain"])
    for _ in range(3):
        resp = fetch(url, follow=False)
        hops.append(resp.status)
        url = fresh.url(resp.headers["Location"])
    assert hops == [301, 302, 308] and url == fresh.url(TRAPS["redirect_chain_target"])
    final = fetch(fresh.url(TRAPS["redirect_chain"]))
    assert final.status == 200 and final.url == fresh.url(TRAPS["redirect_chain_target"])
    assert fresh.hits["/go/1"] == 2 and fresh.hits["/go/3"] == 2


def test_redirect_loop(demo: DemoSite) -> None:
    assert fetch(demo.url("/loop/a"), follow=False).headers["Location"] == "/loop/b"
    assert fetch(demo.url("/loop/b"), follow=False).headers["Location"] == "/loop/a"
    assert fetch(demo.url(TRAPS["redirect_loop"])).status in (301, 302)  # urllib gives up


def test_redirects_to_private_addresses(demo: DemoSite) -> None:
    def location(name: str) -> str:
        resp = fetch(demo.url(TRAPS[name]), follow=False)
        assert resp.status == 302
        return str(resp.headers["Location"])

    assert (
        location("redirect_private_metadata") == f"http://127.0.0.2:{demo.port}/latest/meta-data/"
    )
    assert location("redirect_private_localhost").startswith(f"http://localhost:{demo.port}/")
    assert location("redirect_private_lan").startswith("http://127.0.0.3:")


def test_pdf_and_binary(demo: DemoSite) -> None:
    pdf = fetch(demo.url(TRAPS["pdf"]))
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF-") and pdf.body.rstrip().endswith(b"%%EOF")
    blob = fetch(demo.url(TRAPS["binary_as_html"]))
    assert blob.headers["Content-Type"] == "text/html" and b"\x00" in blob.body
    with pytest.raises(UnicodeDecodeError):
        blob.body.decode("utf-8")


@pytest.mark.parametrize("name", ["oversized", "oversized_chunked"])
def test_oversized_page_streams(demo: DemoSite, name: str) -> None:
    req = urllib.request.Request(demo.url(TRAPS[name]))
    with urllib.request.urlopen(req, timeout=30) as resp:
        length = resp.headers["Content-Length"]
        if name == "oversized":
            assert int(length) == OVERSIZED_BYTES
        else:
            assert length is None and resp.headers["Transfer-Encoding"] == "chunked"
        head = resp.read(1024)
        total = len(head)
        while chunk := resp.read(1 << 20):
            total += len(chunk)
    assert head.startswith(b"<!DOCTYPE html>") and total == OVERSIZED_BYTES


def test_oversized_page_survives_early_hangup(demo: DemoSite) -> None:
    with urllib.request.urlopen(demo.url(TRAPS["oversized"]), timeout=10) as resp:
        resp.read(10_000)
    assert fetch(demo.url("/robots.txt")).status == 200


def test_encoding_traps(demo: DemoSite) -> None:
    cp = fetch(demo.url(TRAPS["cp1252_mislabelled"]))
    assert cp.headers["Content-Type"] == "text/html"
    assert b'<meta charset="utf-8">' in cp.body
    with pytest.raises(UnicodeDecodeError):
        cp.body.decode("utf-8")
    text = cp.body.decode("cp1252")
    assert "Zoë Lefèvre" in text and "“" in text and "€12 million" in text

    latin = fetch(demo.url(TRAPS["latin1_header_only"]))
    assert latin.headers["Content-Type"] == "text/html; charset=ISO-8859-1"
    assert b"<meta charset" not in latin.body
    assert "Søren Halvorsen" in latin.body.decode("latin-1")


def test_broken_feeds(fresh: DemoSite) -> None:
    with pytest.raises(ET.ParseError):
        ET.fromstring(fetch(fresh.url(TRAPS["broken_feed"])).body)
    assert rss_items(fetch(fresh.url("/feeds/rss.xml")).body)
    fresh.break_feed()
    with pytest.raises(ET.ParseError):
        ET.fromstring(fetch(fresh.url("/feeds/rss.xml")).body)
    fresh.break_feed(False)
    assert rss_items(fetch(fresh.url("/feeds/rss.xml")).body)


def test_tracking_parameters_and_fragment(fresh: DemoSite) -> None:
    assert "utm_source" in TRAPS["tracking_params"] and "#" in TRAPS["tracking_params"]
    tracked = fetch(fresh.url(TRAPS["tracking_params"]))
    clean = fetch(fresh.url(TRAPS["tracking_target"]))
    assert tracked.body == clean.body
    assert f'<link rel="canonical" href="{fresh.url(TRAPS["tracking_target"])}">' in clean.text
    assert fresh.hits[TRAPS["tracking_target"]] == 2
    assert "fbclid=" in fresh.requests[0].target and "#" not in fresh.requests[0].target


def test_near_duplicate_pair(demo: DemoSite) -> None:
    articles = {a.path: a for a in demo.site.articles}
    original = articles[TRAPS["near_duplicate_original"]]
    copy = articles[TRAPS["near_duplicate_copy"]]
    assert copy.duplicate_of == original.slug and copy.outlet != original.outlet
    ratio = difflib.SequenceMatcher(None, original.body.split(), copy.body.split()).ratio()
    assert 0.9 < ratio < 1.0
    assert fetch(demo.url(copy.path)).status == fetch(demo.url(original.path)).status == 200


def test_amp_and_print_variants(demo: DemoSite) -> None:
    main = demo.url(TRAPS["amp_print_canonical"])
    assert f'<link rel="amphtml" href="{main}amp/">' in fetch(main).text
    for name in ("amp", "print"):
        resp = fetch(demo.url(TRAPS[name]))
        assert resp.status == 200
        assert f'<link rel="canonical" href="{main}">' in resp.text
    assert fetch(demo.url(TRAPS["undated"] + "amp/")).status == 404


@pytest.mark.skipif(not HAVE_SEEDS, reason="corpus/seeds not present")
def test_seed_pages(demo: DemoSite) -> None:
    kake_file = SEEDS_DIR / "004_c02a120c2422a147.txt"
    headline = kake_file.read_text(encoding="utf-8").splitlines()[0]
    kake = fetch(demo.url(TRAPS["seed_kake"])).text
    assert 'property="article:published_time" content="2019-10-04"' in kake
    assert headline in unescape(kake)
    carr = fetch(demo.url(TRAPS["seed_carr"])).text
    assert "John Carr" in carr
    for marker in ("datePublished", "published_time", "<time"):
        assert marker not in carr
    assert fetch(demo.url(TRAPS["seed_carr"]), method="HEAD").headers["Last-Modified"] is None


# -- run-time changes and counters --------------------------------------------------------------
def test_add_article_shows_up_everywhere(fresh: DemoSite) -> None:
    url = fresh.add_article(
        slug="late-breaking-test-story",
        title="Late-breaking: Parley adds encrypted group calls",
        body=["First paragraph of the new story.", "Second paragraph."],
        published="2025-06-30T08:00:00+00:00",
        section="technology",
    )
    assert url == fresh.url("/news/late-breaking-test-story/")
    assert "First paragraph of the new story." in fetch(url).text
    items = rss_items(fetch(fresh.url("/feeds/rss.xml")).body)
    assert items[0].findtext("link") == url
    assert items[0].findtext("pubDate") == "Mon, 30 Jun 2025 08:00:00 +0000"
    assert url.encode() in fetch(fresh.url("/feeds/atom.xml")).body
    assert url.encode() in fetch(fresh.url("/sitemaps/articles.xml")).body
    assert url.encode() in fetch(fresh.url("/sitemaps/news.xml")).body
    assert 'href="/news/late-breaking-test-story/"' in fetch(fresh.url("/")).text
    undated = fresh.add_article(
        slug="undated-note", title="A note", body="Text.", date_markup="none"
    )
    item = next(
        i
        for i in rss_items(fetch(fresh.url("/feeds/rss.xml")).body)
        if i.findtext("link") == undated
    )
    assert item.find("pubDate") is None
    with pytest.raises(ValueError):
        fresh.add_article(slug="undated-note", title="Again", body="Text.")


def test_update_article_changes_validators(fresh: DemoSite) -> None:
    slug = "orchard-withdraws-sealed-backup"
    url = fresh.url(fresh.site.article(slug).path)
    before = fetch(url)
    fresh.update_article(slug, body="A corrected story.\n\nWith a second paragraph.")
    after = fetch(url, {"If-None-Match": before.headers["ETag"]})
    assert after.status == 200 and "A corrected story." in after.text
    assert after.headers["ETag"] != before.headers["ETag"]
    assert parsedate_to_datetime(after.headers["Last-Modified"]) > parsedate_to_datetime(
        before.headers["Last-Modified"]
    )
    assert fetch(url, {"If-Modified-Since": before.headers["Last-Modified"]}).status == 200
    assert fetch(url, {"If-None-Match": after.headers["ETag"]}).status == 304


def test_hits_and_request_log(fresh: DemoSite) -> None:
    path = TRAPS["undated"]
    etag = fetch(fresh.url(path)).headers["ETag"]
    fetch(fresh.url(path), {"If-None-Match": etag})
    fetch(fresh.url(path), method="HEAD")
    assert fresh.hits[path] == 3
    assert [r.status for r in fresh.requests] == [200, 304, 200]
    assert fresh.requests[1].headers["If-None-Match"] == etag
    fresh.reset_hits()
    assert fresh.hits[path] == 0 and not fresh.requests


def test_module_entry_point_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mediamon.demo.site", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
        assert "Sitemap:" in fetch(base + "/robots.txt").text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
