"""Discovery: article URLs (and the dates they come with) from feeds, sitemaps and robots.txt.

Feeds: RSS 0.9x, 1.0 (RDF) and 2.0, and Atom. Sitemaps: sitemap indexes, urlsets and Google news
sitemaps, gzipped or not. Malformed XML is parsed as far as it goes; when nothing can be read the
caller gets a DiscoveryError with the reason.
"""

import datetime as dt
import email.utils
import gzip
import io
import logging
from dataclasses import dataclass

from lxml import etree

from mediamon.documents.dates import DateFinding, parse_date_string

logger = logging.getLogger(__name__)

MAX_XML_BYTES = 50 * 1024 * 1024  # a decompressed sitemap may be at most 50 MB (sitemaps.org)
MIN_YEAR = 1990


class DiscoveryError(ValueError):
    """A feed or sitemap that yielded nothing usable."""


@dataclass(frozen=True)
class Entry:
    url: str
    date: DateFinding | None = None
    lastmod: dt.date | None = None  # a sitemap's lastmod: when it changed, not when published


@dataclass(frozen=True)
class Sitemap:
    kind: str  # "index" or "urlset"
    entries: tuple[Entry, ...]
    recovered: bool = False


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _parse_xml(body: bytes) -> tuple[etree._Element, bool]:
    """Parse strictly; fall back to libxml2's recovery for broken documents."""
    if body[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
                body = fh.read(MAX_XML_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise DiscoveryError(f"corrupt gzip data ({exc})") from None
        if len(body) > MAX_XML_BYTES:
            raise DiscoveryError("decompressed document is larger than 50 MB")
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


def parse_feed(body: bytes, today: dt.date | None = None) -> tuple[list[Entry], bool]:
    """Entries of an RSS or Atom feed, with the feed's publication date where given."""
    today = today or dt.date.today()
    root, recovered = _parse_xml(body)
    kind = _local(root.tag)
    if kind not in ("rss", "rdf", "feed", "channel"):
        raise DiscoveryError(f"not an RSS or Atom feed (root element <{kind}>)")
    entries: list[Entry] = []
    for node in root.iter():
        name = _local(node.tag)
        if name == "item":
            link = _text(_child(node, "link"))
            if not link:
                guid = _child(node, "guid")
                if guid is not None and guid.get("isPermaLink", "true") != "false":
                    link = _text(guid)
            if not link:
                link = node.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about", "")
            raw_date = _text(_child(node, "pubdate", "date", "published", "issued"))
        elif name == "entry":
            link = ""
            for child in node:
                if _local(child.tag) == "link" and child.get("rel", "alternate") == "alternate":
                    link = child.get("href", "").strip()
                    break
            raw_date = _text(_child(node, "published", "issued", "created")) or _text(
                _child(node, "updated", "modified")
            )
        else:
            continue
        if link.startswith(("http://", "https://")):
            entries.append(Entry(link, _date(raw_date, "feed", today)))
    if not entries and recovered:
        raise DiscoveryError("malformed XML with no readable entries")
    return entries, recovered


def parse_sitemap(body: bytes, today: dt.date | None = None) -> Sitemap:
    """A sitemap index (its sitemaps) or a urlset (its pages, with news publication dates)."""
    today = today or dt.date.today()
    root, recovered = _parse_xml(body)
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise DiscoveryError(f"not a sitemap (root element <{kind}>)")
    entries = []
    for node in root:
        if _local(node.tag) not in ("sitemap", "url"):
            continue
        loc = _text(_child(node, "loc"))
        if not loc.startswith(("http://", "https://")):
            continue
        lastmod_finding = _date(_text(_child(node, "lastmod")), "sitemap", today)
        news_date = None
        news = _child(node, "news")
        if news is not None:
            news_date = _date(_text(_child(news, "publication_date")), "sitemap", today)
        entries.append(Entry(loc, news_date, lastmod_finding.value if lastmod_finding else None))
    if not entries and recovered:
        raise DiscoveryError("malformed XML with no readable entries")
    return Sitemap("index" if kind == "sitemapindex" else "urlset", tuple(entries), recovered)


def robots_sitemaps(body: bytes) -> list[str]:
    """The `Sitemap:` lines of a robots.txt."""
    found = []
    for line in body.decode("utf-8", errors="replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip().startswith(("http://", "https://")):
            found.append(value.strip())
    return found
