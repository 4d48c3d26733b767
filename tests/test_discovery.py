"""Feed and sitemap discovery on feeds of our own (tests/data/feeds, tests/hostile/feeds).

Each feed shows one way real feeds write their links; the parser must return the article URL
exactly, resolved against the feed's own address, and one bad entry must never cost the others.
"""

import datetime as dt
import gzip
from pathlib import Path

import pytest

from mediamon.crawler.discovery import (
    DiscoveryError,
    Feed,
    parse_feed,
    parse_sitemap,
    robots_sitemaps,
)

HERE = Path(__file__).parent
FEEDS = HERE / "data" / "feeds"
HOSTILE = HERE / "hostile" / "feeds"
FEED_URL = "https://www.harbourside-ledger.test/feeds/technology.xml"
RSS = {"Content-Type": "application/rss+xml"}


def parse(name: str, url: str = FEED_URL, headers: dict[str, str] | None = None) -> Feed:
    folder = HOSTILE if (HOSTILE / name).exists() else FEEDS
    return parse_feed((folder / name).read_bytes(), url, RSS if headers is None else headers)


def urls(feed: Feed) -> list[str]:
    return [entry.url for entry in feed.entries]


def test_relative_links_resolve_against_the_feed_url() -> None:
    feed = parse("relative_links.xml")
    assert urls(feed) == [
        "https://www.harbourside-ledger.test/2021/03/09/quillchat-group-encryption.html",
        "https://www.harbourside-ledger.test/2021/03/08/scanning-consultation.html",
    ]
    assert feed.bad_entries == () and not feed.recovered


def test_content_location_header_is_the_base() -> None:
    headers = {**RSS, "Content-Location": "/mirror/technology.xml"}
    feed = parse("relative_links.xml", "https://mirror.harbourside-ledger.test/x", headers)
    assert urls(feed)[0] == (
        "https://mirror.harbourside-ledger.test/2021/03/09/quillchat-group-encryption.html"
    )


def test_protocol_relative_links_take_the_feed_scheme() -> None:
    assert urls(parse("protocol_relative.xml")) == [
        "https://news.tollbridge.test/politics/charity-welcomes-proposal"
    ]
    plain = parse("protocol_relative.xml", "http://www.tollbridge.test/feed")
    assert urls(plain) == ["http://news.tollbridge.test/politics/charity-welcomes-proposal"]


def test_xml_base_on_feed_and_entry() -> None:
    assert urls(parse("xml_base.xml")) == [
        "https://www.marrowgate-post.test/news/2021/03/lawful-access-minister",
        "https://www.marrowgate-post.test/opinion/keep-messages-private",
    ]


def test_atom_link_before_the_rss_link_does_not_lose_the_item() -> None:
    assert urls(parse("atom_link_first.xml")) == [
        "https://eastwick-wire.test/2021/03/13/rollout-delayed"
    ]


def test_bare_ampersand_in_a_query_string_is_kept() -> None:
    feed = parse("bare_ampersand.xml")
    assert urls(feed) == ["https://fallowmere-gazette.test/story.php?id=2&page=3"]
    assert feed.recovered  # not well-formed XML: the crawl reports it, and keeps the entry


def test_undeclared_cp1252_feed() -> None:
    assert urls(parse("cp1252_undeclared.xml")) == [
        "https://petit-rapporteur.test/2021/03/15/débat-au-café"
    ]


def test_charset_from_the_content_type_header() -> None:
    feed = parse(
        "cp1251_charset_in_header.xml",
        headers={"Content-Type": "application/rss+xml; charset=windows-1251"},
    )
    assert urls(feed) == ["https://vestnik-klenovsk.test/новости/шифрование"]


def test_one_bad_entry_is_named_and_skipped_the_others_kept() -> None:
    feed = parse("one_bad_entry.xml")
    assert urls(feed) == [
        "https://saltmarsh-herald.test/2021/03/17/scanning-trial",
        "https://saltmarsh-herald.test/2021/03/18/transparency-report",
        "https://saltmarsh-herald.test/2021/03/19/privacy-group-sues",
    ]
    assert len(feed.bad_entries) == 3
    assert feed.bad_entries[0].startswith("entry 2 ('A link mistyped by hand')")
    assert "no usable link" in feed.bad_entries[1]
    assert "javascript:void(0)" in feed.bad_entries[2]


def test_dates_are_the_publishers_calendar_day_not_utc() -> None:
    # 07:30 on 9 March at +10:00 is 21:30 on 8 March in UTC: the paper printed it on the 9th
    first = parse("relative_links.xml").entries[0].date
    assert first is not None and first.value == dt.date(2021, 3, 9) and first.source == "feed"
    atom = parse("xml_base.xml").entries
    assert atom[0].date is not None and atom[0].date.value == dt.date(2021, 3, 12)
    # no <published>: the entry's <updated> is the best the feed says
    assert atom[1].date is not None and atom[1].date.value == dt.date(2021, 3, 11)


def test_gzipped_feed() -> None:
    body = gzip.compress((FEEDS / "atom_link_first.xml").read_bytes())
    assert len(parse_feed(body, FEED_URL, RSS).entries) == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [("html_page.xml", "not an RSS or Atom feed"), ("binary_junk.xml", "not an RSS or Atom feed")],
)
def test_not_a_feed(name: str, message: str) -> None:
    with pytest.raises(DiscoveryError, match=message):
        parse(name)


def test_empty_and_oversized_bodies() -> None:
    with pytest.raises(DiscoveryError, match="empty document"):
        parse_feed(b"  \n", FEED_URL, RSS)
    bomb = gzip.compress(b" " * (50 * 1024 * 1024 + 10))
    with pytest.raises(DiscoveryError, match="larger than 50 MB"):
        parse_feed(bomb, FEED_URL, RSS)


def test_entity_expansion_is_refused() -> None:
    feed = parse("billion_laughs.xml")
    assert "https://laughing-stock.test/2021/03/20/ordinary" in urls(feed)
    assert all("lollol" not in url for url in urls(feed))


def test_external_entities_are_never_read() -> None:
    feed = parse("external_entity.xml")
    assert all("root:" not in url for url in urls(feed))


def test_sitemap_entry_with_an_invalid_url_is_skipped() -> None:
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://saltmarsh-herald.test/2021/03/17/scanning-trial</loc></url>
  <url><loc>http://example.c[o.test/</loc></url>
  <url><loc>/2021/03/18/relative-is-not-allowed-here</loc></url>
  <url><loc>https://saltmarsh-herald.test/2021/03/19/privacy-group-sues</loc></url>
</urlset>"""
    sitemap = parse_sitemap(body)
    assert [e.url for e in sitemap.entries] == [
        "https://saltmarsh-herald.test/2021/03/17/scanning-trial",
        "https://saltmarsh-herald.test/2021/03/19/privacy-group-sues",
    ]
    assert len(sitemap.bad_entries) == 2 and "invalid URL" in sitemap.bad_entries[0]


def test_robots_sitemap_lines() -> None:
    body = (
        b"User-agent: *\nDisallow: /private/\n"
        b"Sitemap: https://saltmarsh-herald.test/sitemap.xml\n"
        b"sitemap: http://example.c[o.test/sitemap.xml\n"
        b"Sitemap: ftp://saltmarsh-herald.test/sitemap.xml\n"
    )
    assert robots_sitemaps(body) == ["https://saltmarsh-herald.test/sitemap.xml"]
