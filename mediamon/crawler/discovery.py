"""Discovery: article URLs (and the dates they come with) from feeds, sitemaps and robots.txt.

Feeds: RSS 0.9x, 1.0 (RDF) and 2.0, Atom and CDF, read by feedparser (which resolves relative
links and xml:base against the feed's URL and decodes by the declared or detected charset); the
entries' dates are ours (`_date`: the publisher's calendar day). Sitemaps: sitemap indexes,
urlsets and Google news sitemaps, gzipped or not, read with lxml. Malformed XML is parsed as far
as it goes; when nothing can be read the caller gets a DiscoveryError with the reason. One
entry with an unusable link is skipped and named, never the whole feed.
"""

import datetime as dt
import email.utils
import gzip
import io
import logging
import xml.sax
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from mediamon.documents.dates import DateFinding, parse_date_string
from mediamon.errors import MediamonError

logger = logging.getLogger(__name__)

MAX_XML_BYTES = 50 * 1024 * 1024  # a decompressed sitemap may be at most 50 MB (sitemaps.org)
MIN_YEAR = 1990


class DiscoveryError(MediamonError, ValueError):
    """A feed or sitemap that yielded nothing usable."""


class FeedEntryError(DiscoveryError):
    """One entry of a feed or sitemap whose link cannot be used; the others still count."""


@dataclass(frozen=True)
class Entry:
    url: str
    date: DateFinding | None = None
    lastmod: dt.date | None = None  # a sitemap's lastmod: when it changed, not when published


@dataclass(frozen=True)
class Feed:
    entries: tuple[Entry, ...]
    bad_entries: tuple[str, ...] = ()  # why each skipped entry was skipped
    recovered: bool = False  # not well-formed XML, read as far as it goes


@dataclass(frozen=True)
class Sitemap:
    kind: str  # "index" or "urlset"
    entries: tuple[Entry, ...]
    recovered: bool = False
    bad_entries: tuple[str, ...] = ()  # why each skipped <loc> was skipped


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _parse_xml(body: bytes) -> tuple[etree._Element, bool]:
    """Parse strictly; fall back to libxml2's recovery for broken documents."""
    body = _decompress(body)
    if not body.strip():
        raise DiscoveryError("empty document")
    strict = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(body, strict), False
    except etree.XMLSyntaxError as exc:
        problem = str(exc)
    lenient = etree.XMLParser(
        resolve_entities=False, no_network=True, recover=True, huge_tree=False
    )
    try:
        root = etree.fromstring(body, lenient)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise DiscoveryError(f"malformed XML ({problem})")
    logger.info("recovered a malformed XML document: %s", problem)
    return root, True


def _text(node: etree._Element | None) -> str:
    return (node.text or "").strip() if node is not None else ""


def _child(node: etree._Element, *names: str) -> etree._Element | None:
    for child in node:
        if _local(child.tag) in names:
            return child
    return None


def _date(raw: str, source: str, today: dt.date) -> DateFinding | None:
    if not raw:
        return None
    day: dt.date | None = None
    precision = "day"
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
        day = parsed.date()
    except (TypeError, ValueError, IndexError):
        found = parse_date_string(raw)
        if found:
            day, precision = found
    if day is None or day.year < MIN_YEAR or day > today + dt.timedelta(days=1):
        return None
    return DateFinding(day, source, precision)


def _decompress(body: bytes) -> bytes:
    """A gzipped file (a feed or sitemap served as .gz), at most 50 MB decompressed."""
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
            body = fh.read(MAX_XML_BYTES + 1)
    except (OSError, EOFError) as exc:
        raise DiscoveryError(f"corrupt gzip data ({exc})") from None
    if len(body) > MAX_XML_BYTES:
        raise DiscoveryError("decompressed document is larger than 50 MB")
    return body


def checked_url(raw: str | None, base: str | None = None) -> str:
    """An absolute http(s) URL, resolved against `base`; a FeedEntryError says what is wrong."""
    link = (raw or "").strip()
    if not link:
        # feedparser leaves the link empty when it cannot resolve it (an invalid URL)
        raise FeedEntryError("no usable link")
    try:
        if base:
            link = urljoin(base, link)
        parts = urlsplit(link)
        _ = parts.port  # a port that is not a number raises here
    except ValueError as exc:
        raise FeedEntryError(f"invalid URL {link[:200]!r} ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FeedEntryError(f"not an http(s) URL: {link[:200]!r}")
    if not parts.hostname:
        raise FeedEntryError(f"no host in URL {link[:200]!r}")
    if any(ch in link for ch in "\r\n\t\x00"):
        raise FeedEntryError(f"control characters in URL {link[:200]!r}")
    return link


_FEED_HEADERS = ("content-type", "content-location", "content-language")


def _entry_link(entry: Any, version: str) -> str | None:
    """The article link feedparser chose (the alternate link, or a permalink guid)."""
    link = entry.get("link")
    if not link:
        for candidate in entry.get("links") or ():
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = candidate["href"]
                break
    if not link and version.startswith(("rss09", "rss10")):
        link = entry.get("id")  # an RSS 1.0 item's rdf:about is its URL
    return link or None


def parse_feed(
    body: bytes,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> Feed:
    """Entries of an RSS, RDF or Atom feed, with the feed's publication date where given.

    `url` is where the feed was fetched from and `headers` its HTTP response headers (only
    Content-Type, Content-Location and Content-Language are read): relative links and
    xml:base resolve against them, and the declared charset decodes the feed. An entry whose
    link is missing or unusable is skipped and named in `bad_entries`; the others are kept.
    """
    import feedparser

    today = today or dt.date.today()
    body = _decompress(body)
    if not body.strip():
        raise DiscoveryError("empty document")
    given = {k.lower(): v for k, v in (headers or {}).items()}
    wanted = {k: given[k] for k in _FEED_HEADERS if given.get(k)}
    location = wanted.get("content-location", "")
    try:
        base = urljoin(url or "", location) if url else location
    except ValueError:
        base = url or ""
    if base:
        wanted["content-location"] = base
    # a stream, never a string: feedparser would open a string that looks like a path or URL
    # links resolve either way; the entries' HTML content is never read, so leave it alone
    result = feedparser.parse(
        io.BytesIO(body),
        response_headers=wanted,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    problem = result.get("bozo_exception")
    recovered = isinstance(problem, xml.sax.SAXException)
    version = result.get("version") or ""
    if not version and not result.entries:
        detail = f" ({problem})" if recovered else ""
        raise DiscoveryError(f"not an RSS or Atom feed{detail}")
    entries: list[Entry] = []
    bad: list[str] = []
    for n, item in enumerate(result.entries, 1):
        try:
            link = checked_url(_entry_link(item, version), base or None)
        except FeedEntryError as exc:
            title = " ".join(str(item.get("title") or "").split())[:80]
            bad.append(f"entry {n}{f' ({title!r})' if title else ''}: {exc}")
            continue
        raw_date = item.get("published") or item.get("created") or item.get("updated") or ""
        entries.append(Entry(link, _date(str(raw_date), "feed", today)))
    if recovered:
        logger.info("recovered a malformed feed %s: %s", url or "", problem)
        if not entries:
            raise DiscoveryError(f"malformed XML with no readable entries ({problem})")
    elif problem is not None:
        # a charset override or a non-XML Content-Type: the feed was read all the same
        logger.debug("feed %s: %s", url or "", problem)
    return Feed(tuple(entries), tuple(bad), recovered)


def parse_sitemap(body: bytes, today: dt.date | None = None) -> Sitemap:
    """A sitemap index (its sitemaps) or a urlset (its pages, with news publication dates)."""
    today = today or dt.date.today()
    root, recovered = _parse_xml(body)
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoveryError(f"not a sitemap (root element <{kind}>)")
    entries = []
    bad: list[str] = []
    for n, node in enumerate(node for node in root if _local(node.tag) in ("sitemap", "url")):
        try:
            loc = checked_url(_text(_child(node, "loc")))  # the protocol wants absolute URLs
        except FeedEntryError as exc:
            bad.append(f"entry {n + 1}: {exc}")
            continue
        lastmod_finding = _date(_text(_child(node, "lastmod")), "sitemap", today)
        news_date = None
        news = _child(node, "news")
        if news is not None:
            news_date = _date(_text(_child(news, "publication_date")), "sitemap", today)
        entries.append(Entry(loc, news_date, lastmod_finding.value if lastmod_finding else None))
    if not entries and recovered:
        raise DiscoveryError("malformed XML with no readable entries")
    kind = "index" if kind == "sitemapindex" else "urlset"
    return Sitemap(kind, tuple(entries), recovered, tuple(bad))


def robots_sitemaps(body: bytes) -> list[str]:
    """The `Sitemap:` lines of a robots.txt (those that are usable http(s) URLs)."""
    found = []
    for line in body.decode("utf-8", errors="replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() != "sitemap":
            continue
        try:
            found.append(checked_url(value))
        except FeedEntryError as exc:
            logger.info("robots.txt: skipped a Sitemap line: %s", exc)
    return found
