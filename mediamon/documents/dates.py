"""Publication date of a web page, with the evidence it came from.

Sources, from the most to the least trustworthy: structured data (publication meta tags such
as article:published_time, then JSON-LD datePublished, then generic meta tags, microdata and
<time> markup), the date a feed or sitemap gave for the URL (``hint``), a date in the URL, and
last htmldate's heuristics. A candidate outside [1990-01-01, today + 1 day] is discarded and the
next source is tried. The fetch date is never used as a fallback: no evidence -> None.
Dates are publisher-local calendar days: a UTC time stamp is moved to the local day when the
page or its URL shows it, else by the usual offset of the publisher's country.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml.etree import ParserError, XMLSyntaxError, _Element

from mediamon.documents.dateparse import _make, _words, parse_date_string
from mediamon.documents.structured import date_candidates, meta_tags

logger = logging.getLogger(__name__)

__all__ = ["SOURCES", "DateFinding", "find_publication_date", "parse_date_string"]

SOURCES = ("jsonld", "meta", "feed", "sitemap", "url", "htmldate", "record", "curated")
MIN_DATE = datetime.date(1990, 1, 1)


@dataclass(frozen=True)
class DateFinding:
    value: datetime.date
    source: str  # one of SOURCES
    precision: str  # "day" | "month" | "year"


# --- URL ------------------------------------------------------------------------------------

_URL_DAY = (
    re.compile(r"/(\d{4})/(\d{1,2})/(\d{1,2})(?:/|[-_.]|$)"),
    re.compile(r"(?<![\d])(\d{4})[-_](\d{2})[-_](\d{2})(?!\d)"),
    re.compile(r"[/_-](\d{4})(\d{2})(\d{2})(?:[/_.-]|\d{0,6}(?:[/_.-]|$))"),
    re.compile(r"/(\d{4})/(\d{2})(\d{2})/"),
)
_URL_MONTH = (
    re.compile(r"/(\d{4})/(\d{1,2})/"),
    re.compile(r"/(\d{4})[-_](\d{2})/"),
)


_ARCHIVED = re.compile(r"^https?://(?:web\.)?archive\.org/web/\d+[a-z_]*/(.+)$", re.IGNORECASE)


def original_url(url: str | None) -> str | None:
    """The archived page's own URL for a Wayback Machine URL, whose time stamp is a crawl date."""
    if not url:
        return url
    m = _ARCHIVED.match(url)
    if m is None:
        return url
    inner = m[1]
    return inner if "://" in inner else f"http://{inner}"


def date_from_url(url: str | None) -> tuple[datetime.date, str] | None:
    """A date written into the URL's path, e.g. /2019/10/04/, /20191004/ or /2019/10/."""
    url = original_url(url)
    if not url:
        return None
    path = url.split("://", 1)[-1].partition("/")[2].partition("?")[0].partition("#")[0]
    path = "/" + path
    for pattern in _URL_DAY:
        for m in pattern.finditer(path):
            found = _make(int(m[1]), int(m[2]), int(m[3]))
            if found:
                return found, "day"
    for pattern in _URL_MONTH:
        for m in pattern.finditer(path):
            found = _make(int(m[1]), int(m[2]), 1)
            if found:
                return found, "month"
    return None


# --- htmldate ---------------------------------------------------------------------------------


def _htmldate(tree: _Element, url: str | None, today: datetime.date) -> datetime.date | None:
    try:
        from htmldate import find_date
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        found = find_date(
            tree,
            extensive_search=True,
            original_date=True,
            url=url,
            min_date=datetime.datetime.combine(MIN_DATE, datetime.time()),
            max_date=datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time()),
        )
    except Exception:  # htmldate on hostile HTML: a missing date, not a failed page
        logger.debug("htmldate failed on %s", url, exc_info=True)
        return None
    if not found:
        return None
    return _make(*map(int, found.split("-")))


_UTC_STAMP = re.compile(
    r"\d[T ](\d{1,2}):(\d{2})(?::\d{2})?(?:\.\d+)?\s*(?:Z|[+-]00:?00|UTC|GMT)$", re.IGNORECASE
)
# Usual UTC offset in hours by country (region of <html lang>, og:locale, or country-code TLD).
_OFFSETS = {
    **dict.fromkeys(_words("US CA MX CO PE EC PA CU JM HT DO GT HN SV NI CR BS BZ"), -5),
    **dict.fromkeys(_words("BR AR UY CL PY VE BO"), -3),
    **dict.fromkeys(_words("DE AT CH FR IT ES NL BE LU DK NO SE PL CZ SK HU SI HR RS BA"), 1),
    **dict.fromkeys(_words("GR FI EE LV LT RO BG UA IL EG ZA"), 2),
    **dict.fromkeys(_words("RU TR BY SA KE"), 3),
    **dict.fromkeys(_words("CN HK TW SG MY PH"), 8),
    **dict.fromkeys(_words("JP KR"), 9),
    "IN": 5.5,
    "AU": 10,
    "NZ": 12,
}


_VANITY_TLDS = frozenset(_words("CO IO TV ME AI FM LY GG TO CC WS AM NU SH AC VC GD LA MD"))


def _country(tree: _Element, tags: dict[str, list[str]], url: str | None) -> str | None:
    for lang in (tree.get("lang"), *tags.get("og:locale", ())):
        parts = (lang or "").replace("_", "-").split("-")
        if len(parts) > 1 and len(parts[1]) == 2:
            return parts[1].upper()
    host = urlsplit(url or "").hostname or ""
    tld = host.rsplit(".", 1)[-1].upper()
    # Country-code domains sold worldwide (.co, .io, .tv...) say nothing about the publisher.
    if len(tld) != 2 or tld in _VANITY_TLDS:
        return None
    return {"UK": "GB"}.get(tld, tld)


def _local_day(raw: str, day: datetime.date, offset: float) -> datetime.date:
    """The calendar day of a UTC time stamp at a UTC offset of ``offset`` hours."""
    m = _UTC_STAMP.search(raw.strip())
    if m is None:
        return day
    moment = datetime.datetime.combine(day, datetime.time(int(m[1]) % 24, int(m[2]) % 60))
    return (moment + datetime.timedelta(hours=offset)).date()


def _structured(
    tree: _Element, valid: Any, url: str | None, from_url: tuple[datetime.date, str] | None
) -> tuple[DateFinding | None, DateFinding | None]:
    """First valid date of the structured data, as the publisher's local calendar day.

    A UTC time stamp of an evening article in America (or a morning one in Asia) falls on
    another day than the publisher's local date, which readers and the URL show: a local date
    that such a shift explains is preferred, else the usual offset of the publisher's country
    is applied. Returns ``(day_finding, coarse_finding)``: a year or month alone is kept aside
    as a last resort, since the later sources may know the day.
    """
    tags = meta_tags(tree)
    candidates = date_candidates(tree, tags)
    first: DateFinding | None = None
    coarse: DateFinding | None = None
    first_raw = ""
    local: tuple[datetime.date, str] | None = None
    for raw, source in candidates:
        parsed = valid(raw)
        if not parsed:
            continue
        if parsed[1] != "day":
            coarse = coarse or DateFinding(parsed[0], source, parsed[1])
        elif first is None:
            first, first_raw = DateFinding(parsed[0], source, parsed[1]), raw
            if not _UTC_STAMP.search(raw.strip()):
                return first, coarse
            if from_url and from_url[1] == "day":
                local = (from_url[0], "url")
                break
        elif not _UTC_STAMP.search(raw.strip()):
            local = (parsed[0], source)
            break
    if first is None:
        return None, coarse
    if local:
        delta = (local[0] - first.value).days
        if delta == 0:
            return first, coarse
        if (
            abs(delta) == 1
            and _local_day(first_raw, first.value, 14 if delta > 0 else -12) == local[0]
        ):
            return DateFinding(local[0], local[1], "day"), coarse
    offset = _OFFSETS.get(_country(tree, tags, url) or "")
    if offset is not None:
        first = DateFinding(_local_day(first_raw, first.value, offset), first.source, "day")
    return first, coarse


# --- entry point -------------------------------------------------------------------------------


def _as_tree(html: Any) -> _Element | None:
    if isinstance(html, _Element):
        return html
    if isinstance(html, bytes):
        from .encoding import decode_html

        html = decode_html(html)
    if not isinstance(html, str) or not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"))
    except (ParserError, XMLSyntaxError, ValueError):
        return None


def find_publication_date(
    html_tree_or_str: Any,
    url: str | None,
    hint: DateFinding | None = None,
    today: datetime.date | None = None,
) -> DateFinding | None:
    """Best publication date of a page with its provenance, or None without evidence."""
    today = today or datetime.date.today()
    latest = today + datetime.timedelta(days=1)

    def in_range(day: datetime.date) -> bool:
        return MIN_DATE <= day <= latest

    def valid(value: str) -> tuple[datetime.date, str] | None:
        parsed = parse_date_string(value)
        return parsed if parsed and in_range(parsed[0]) else None

    tree = _as_tree(html_tree_or_str)
    url = original_url(url)
    from_url = date_from_url(url)
    if from_url and not in_range(from_url[0]):
        from_url = None
    coarse = None
    if tree is not None:
        try:
            found, coarse = _structured(tree, valid, url, from_url)
        except Exception:  # malformed markup must not cost us the remaining sources
            logger.debug("structured date search failed on %s", url, exc_info=True)
            found = None
        if found:
            return found
    if hint is not None and in_range(hint.value):
        return hint
    if from_url and from_url[1] == "day":
        return DateFinding(from_url[0], "url", "day")
    found_day = _htmldate(tree, url, today) if tree is not None else None
    if coarse and found_day == coarse.value:
        return coarse  # htmldate read the same year or month and made it the 1st: no new day
    if found_day and in_range(found_day):
        if from_url is None:
            return DateFinding(found_day, "htmldate", "day")
        # A month-only URL date is refined by a day of the same month found in the page; the
        # 1st is no evidence, as htmldate reads the URL too and then reports the 1st.
        if found_day.replace(day=1) == from_url[0] and found_day != from_url[0]:
            return DateFinding(found_day, "htmldate", "day")
    if from_url:
        return DateFinding(from_url[0], "url", from_url[1])
    return coarse
