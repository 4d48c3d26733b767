"""A real crawl of feeds that write their links the awkward ways real feeds do.

The feeds and articles are served on 127.0.0.1 by the test (fictional outlet, our own words);
`mediamon crawl` runs as a subprocess. Every article a feed lists must be fetched and stored,
whatever the link looks like, and one broken entry must cost nothing but itself.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.helpers import run_mediamon, sources_toml
from tests.staticsite import StaticSite

pytestmark = pytest.mark.slow

TOPICS = [
    ("quillchat-groups", "Quillchat encrypts group chats", "group conversations"),
    ("second-story", "Regulator asks for comments on scanning", "a public consultation"),
    ("query-story", "Committee hears from cryptographers", "a committee hearing"),
    ("cafe-story", "Encryption debated over coffee", "a town-hall meeting in a café"),
    ("after-bad-entry", "Charity publishes its helpline figures", "the charity's annual report"),
    ("atom-base-story", "Minister restates lawful access demand", "a ministerial speech"),
    ("cyrillic-story", "Newspaper explains end-to-end encryption", "an explainer for readers"),
]


def article(title: str, topic: str) -> str:
    paragraphs = [
        f"The Harbourside Ledger reports on {topic}, the latest turn in the long argument "
        "about end-to-end encryption and the safety of children online.",
        f"Officials quoted in the coverage of {topic} said that messaging companies should "
        "find ways to detect abuse without reading everyone's private conversations.",
        f"Privacy advocates answered that any scanning of encrypted messages, including the "
        f"kind discussed at {topic}, would weaken security for every user of the service.",
        "Neither side expects the question to be settled this year, and the paper will keep "
        "following the debate as the proposals move through parliament.",
    ]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{title}</title><meta property="og:type" content="article">'
        '<meta property="article:published_time" content="2021-03-10T09:00:00+00:00">'
        f"</head><body><article><h1>{title}</h1>{body}</article></body></html>"
    )


def rss(port: int) -> bytes:
    """Windows-1252, declared nowhere; relative, //host and bare-& links; one bad entry."""
    text = f"""<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>The Harbourside Ledger</title><link>/</link><description>Fictional</description>
<item><atom:link rel="self" href="/feeds/items/1.xml"/><title>One</title>
  <link>/news/quillchat-groups.html</link></item>
<item><title>Two</title><link>//127.0.0.1:{port}/news/second-story.html</link></item>
<item><title>Three</title><link>/news/story.php?id=2&page=3</link></item>
<item><title>Bad</title><link>http://example.c[o.test/</link></item>
<item><title>Four</title><link>/news/café-story.html</link></item>
<item><title>Five</title><link>/news/after-bad-entry.html</link></item>
</channel></rss>"""
    return text.encode("cp1252")


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/news/atom-base/">
<title>The Harbourside Ledger (Atom)</title><id>tag:ledger.test,2021:atom</id>
<updated>2021-03-10T09:00:00Z</updated>
<entry><title>Six</title><id>tag:ledger.test,2021:6</id>
  <link rel="alternate" href="atom-base-story.html"/><updated>2021-03-10T09:00:00Z</updated>
</entry></feed>"""

CYRILLIC = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Вестник</title><link>/</link><description>-</description>
<item><title>Семь</title><link>/новости/cyrillic-story.html</link></item>
</channel></rss>"""

PATHS = {
    "quillchat-groups": "/news/quillchat-groups.html",
    "second-story": "/news/second-story.html",
    "query-story": "/news/story.php?id=2&page=3",
    "cafe-story": "/news/café-story.html",
    "after-bad-entry": "/news/after-bad-entry.html",
    "atom-base-story": "/news/atom-base/atom-base-story.html",
    "cyrillic-story": "/новости/cyrillic-story.html",
}


@pytest.fixture
def site() -> Iterator[StaticSite]:
    with StaticSite() as served:
        served.add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        served.add("/feeds/ledger.xml", rss(served.port), "application/rss+xml")
        served.add("/feeds/atom.xml", ATOM, "application/atom+xml")
        served.add(
            "/feeds/cyrillic.xml",
            CYRILLIC.encode("cp1251"),
            "application/rss+xml; charset=windows-1251",
        )
        for slug, title, topic in TOPICS:
            served.add(PATHS[slug], article(title, topic))
        yield served


def stats(db: Path) -> dict[str, Any]:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("select stats from crawl_runs order by started_at desc limit 1")
        return json.loads(row.fetchone()[0])["sources"]["ledger"]


def test_awkward_feed_links_are_all_crawled(tmp_path: Path, db: Path, site: StaticSite) -> None:
    feeds = ["/feeds/ledger.xml", "/feeds/atom.xml", "/feeds/cyrillic.xml"]
    sources = sources_toml(
        site, tmp_path / "s.toml", ledger={"feeds": feeds, "topic_filter": False}
    )  # type: ignore[arg-type]
    out = run_mediamon("--db", str(db), "crawl", "--sources", str(sources), timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr, out.stderr

    missed = [path for path in PATHS.values() if site.hits[path] == 0]
    assert missed == [], f"never fetched: {missed}"
    with duckdb.connect(str(db), read_only=True) as con:
        titles = {
            r[0]
            for r in con.execute(
                "select title from documents where source_id = 'ledger'"
            ).fetchall()
        }
    assert titles == {title for _, title, _ in TOPICS}

    figures = stats(db)
    assert figures["errors"].get("feed_bad_entry") == 1  # the mistyped link, counted
    assert figures["errors"].get("feed_malformed") == 1  # the bare '&': not well-formed XML
    assert figures["discovered"].get("feed") == 7
