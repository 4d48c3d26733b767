"""Feeds, sitemaps and robots.txt of the demo site.

- RSS 2.0 (``/feeds/rss.xml``, and one per outlet at ``/feeds/outlet/<outlet-slug>.xml``):
  every article; ``<pubDate>`` only when the article's date may leave the page (``feed_date``).
- Atom (``/feeds/atom.xml``): only the articles with a feed date (Atom requires one).
- Sitemap index (``/sitemap.xml``) -> ``/sitemaps/articles.xml`` (urlset; ``<lastmod>`` when the
  article has a feed date, or the modification time after an update) and ``/sitemaps/news.xml``
  (Google news sitemap, ``<news:publication_date>``, dated articles only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from .articles import Article, as_datetime
from .pages import SECTIONS
from .traps import FEED_LINK_OVERRIDES, TRAPS

XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
REMOVED_STORY = (
    TRAPS["not_found"],
    "Tessellate executive quits over encryption row",
    dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC),
)


def feed_order(articles: Iterable[Article]) -> list[Article]:
    """Newest first by feed date; articles without one last, newest added first."""
    dated = [a for a in articles if a.feed_datetime is not None]
    undated = [a for a in articles if a.feed_datetime is None]
    dated.sort(key=lambda a: (a.feed_datetime, a.seq), reverse=True)
    undated.sort(key=lambda a: a.seq, reverse=True)
    return dated + undated


def last_change(articles: Iterable[Article]) -> dt.datetime:
    stamps = [a.modified for a in articles if a.modified is not None]
    return max(stamps) if stamps else dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def rss(
    base: str,
    articles: Sequence[Article],
    title: str = "Demo News Network",
    include_removed: bool = True,
) -> bytes:
    items: list[str] = []
    ordered = feed_order(articles)
    for a in ordered:
        link = base + FEED_LINK_OVERRIDES.get(a.path, a.path)
        perma = link == base + a.path
        parts = [
            f"<title>{escape(a.title)}</title>",
            f"<link>{escape(link)}</link>",
            f"<guid isPermaLink={quoteattr(str(perma).lower())}>{escape(base + a.path)}</guid>",
            f"<dc:creator>{escape(a.author)}</dc:creator>",
            f"<category>{escape(SECTIONS.get(a.section, a.section))}</category>",
            f"<description>{escape(a.summary)}</description>",
            f"<source url={quoteattr(base + '/feeds/rss.xml')}>{escape(a.outlet)}</source>",
        ]
        if a.feed_datetime is not None:
            parts.append(f"<pubDate>{format_datetime(a.feed_datetime)}</pubDate>")
        items.append("<item>\n  " + "\n  ".join(parts) + "\n</item>")
    if include_removed:  # a story that was deleted after the feed listed it: its link 404s
        path, removed_title, when = REMOVED_STORY
        pos = next(
            (n for n, a in enumerate(ordered) if a.feed_datetime is None or a.feed_datetime < when),
            len(ordered),
        )
        items.insert(
            pos,
            f"<item>\n  <title>{escape(removed_title)}</title>\n  <link>{base}{path}</link>\n"
            f"  <guid>{base}{path}</guid>\n  <pubDate>{format_datetime(when)}</pubDate>\n</item>",
        )
    build = format_datetime(last_change(articles))
    text = (
        XML_DECL + '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>{escape(title)}</title>\n<link>{base}/</link>\n"
        "<description>News and opinion on encryption, privacy and child safety online."
        "</description>\n<language>en-gb</language>\n"
        f"<lastBuildDate>{build}</lastBuildDate>\n<ttl>15</ttl>\n"
        f'<atom:link href="{base}/feeds/rss.xml" rel="self" type="application/rss+xml"/>\n'
        + "\n".join(items)
        + "\n</channel>\n</rss>\n"
    )
    return text.encode("utf-8")


def atom(base: str, articles: Sequence[Article]) -> bytes:
    entries: list[str] = []
    dated = [a for a in feed_order(articles) if a.feed_datetime is not None]
    for a in dated:
        published = a.feed_datetime
        assert published is not None
        updated = a.modified if a.version and a.modified else published
        entries.append(
            "<entry>\n"
            f"  <title>{escape(a.title)}</title>\n"
            f'  <link rel="alternate" type="text/html" href={quoteattr(base + a.path)}/>\n'
            f"  <id>{escape(base + a.path)}</id>\n"
            f"  <published>{published.isoformat()}</published>\n"
            f"  <updated>{as_datetime(updated).isoformat()}</updated>\n"
            f"  <author><name>{escape(a.author)}</name></author>\n"
            f"  <category term={quoteattr(a.section)}/>\n"
            f'  <summary type="text">{escape(a.summary)}</summary>\n'
            "</entry>"
        )
    text = (
        XML_DECL + '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n'
        "<title>Demo News Network</title>\n"
        f"<subtitle>Encryption, privacy and child safety</subtitle>\n"
        f'<link rel="self" href="{base}/feeds/atom.xml"/>\n<link href="{base}/"/>\n'
        f"<id>{base}/</id>\n<updated>{last_change(articles).isoformat()}</updated>\n"
        + "\n".join(entries)
        + "\n</feed>\n"
    )
    return text.encode("utf-8")


def sitemap_index(base: str) -> bytes:
    maps = "".join(
        f"<sitemap><loc>{base}{p}</loc></sitemap>\n"
        for p in ("/sitemaps/articles.xml", "/sitemaps/news.xml")
    )
    return (
        XML_DECL
        + '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + maps
        + "</sitemapindex>\n"
    ).encode("utf-8")


SITEMAP_EXTRA = (
    TRAPS["robots_disallowed"],
    TRAPS["pdf"],
    TRAPS["binary_as_html"],
    TRAPS["oversized"],
    TRAPS["redirect_loop"],
)


def sitemap_urlset(base: str, articles: Sequence[Article]) -> bytes:
    rows: list[str] = [f"<url><loc>{base}/</loc><changefreq>hourly</changefreq></url>"]
    rows += [f"<url><loc>{base}/section/{s}/</loc></url>" for s in SECTIONS]
    for a in feed_order(articles):
        lastmod = ""
        if a.version and a.modified is not None:
            lastmod = f"<lastmod>{a.modified.isoformat()}</lastmod>"
        elif a.feed_datetime is not None:
            lastmod = f"<lastmod>{a.feed_datetime.isoformat()}</lastmod>"
        rows.append(f"<url><loc>{escape(base + a.path)}</loc>{lastmod}</url>")
    rows += [f"<url><loc>{escape(base + p)}</loc></url>" for p in SITEMAP_EXTRA]
    return (
        XML_DECL
        + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(rows)
        + "\n</urlset>\n"
    ).encode("utf-8")


def news_sitemap(base: str, articles: Sequence[Article]) -> bytes:
    rows: list[str] = []
    for a in feed_order(articles):
        if a.feed_datetime is None:
            continue
        rows.append(
            f"<url><loc>{escape(base + a.path)}</loc><news:news><news:publication>"
            f"<news:name>{escape(a.outlet)}</news:name><news:language>en</news:language>"
            "</news:publication>"
            f"<news:publication_date>{a.feed_datetime.isoformat()}</news:publication_date>"
            f"<news:title>{escape(a.title)}</news:title></news:news></url>"
        )
    return (
        XML_DECL + '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        + "\n".join(rows)
        + "\n</urlset>\n"
    ).encode("utf-8")


def robots(base: str) -> bytes:
    return (
        "# Demo News Network\n"
        "User-agent: *\n"
        "Disallow: /private/\n"
        "Disallow: /search\n"
        "Allow: /\n"
        "\n"
        f"Sitemap: {base}/sitemap.xml\n"
    ).encode("ascii")
