"""The structured data of a page (JSON-LD, meta tags, microdata) and the dates it declares.

Both the metadata readers of ``crawler.extract`` and the date finder read it. The date candidates
come out most trusted first, so that ``crawler.dates`` only has to choose among them.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

from lxml.etree import _Element

from mediamon.documents.dateparse import _AMBIGUOUS, _words, parse_date_string

__all__ = ["date_candidates", "is_article", "jsonld_nodes", "meta_tags"]

_ARTICLE_TYPES = frozenset(
    _words(
        "article newsarticle blogposting reportagenewsarticle analysisnewsarticle "
        "opinionnewsarticle backgroundnewsarticle reviewnewsarticle liveblogposting "
        "scholarlyarticle techarticle report socialmediaposting discussionforumposting posting "
        "pressrelease creativework"
    )
)
# Collections of *other* items: their dates are not this page's date.
_SKIP_KEYS = {"itemlistelement", "haspart", "relatedlink", "comment", "review", "subjectof"}


def _types(node: dict[str, Any]) -> set[str]:
    value = node.get("@type", ())
    values = value if isinstance(value, list) else [value]
    return {str(v).rsplit("/", 1)[-1].lower() for v in values}


def _walk(node: Any, depth: int = 0) -> Iterator[tuple[dict[str, Any], int]]:
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, depth)
    elif isinstance(node, dict):
        yield node, depth
        for key, value in node.items():
            if isinstance(value, dict | list) and key.lower() not in _SKIP_KEYS:
                yield from _walk(value, depth + 1)


def _load_json(raw: str) -> Any:
    raw = raw.strip()
    if raw.startswith("<!--"):
        raw = raw.removeprefix("<!--").removesuffix("-->")
    try:
        return json.loads(raw, strict=False)
    except ValueError:
        # Trailing commas are the most common breakage in hand-written JSON-LD.
        try:
            return json.loads(re.sub(r",\s*([}\]])", r"\1", raw), strict=False)
        except ValueError:
            return None


def jsonld_objects(tree: _Element) -> list[Any]:
    """Parsed JSON-LD blocks of the page (unparseable blocks are skipped)."""
    found = []
    for script in tree.iterfind(".//script[@type]"):
        if "ld+json" in (script.get("type") or "").lower() and script.text:
            data = _load_json(script.text)
            if data is not None:
                found.append(data)
    return found


def jsonld_nodes(tree: _Element) -> list[tuple[dict[str, Any], int]]:
    """Every JSON-LD object of the page (nested ones too) with its nesting depth."""
    return list(_walk(jsonld_objects(tree)))


def is_article(node: dict[str, Any]) -> bool:
    return bool(_types(node) & _ARTICLE_TYPES)


def _jsonld_candidates(nodes: list[tuple[dict[str, Any], int]]) -> Iterator[tuple[str, str]]:
    ranked: list[tuple[int, int, int, str]] = []
    for order, (node, depth) in enumerate(nodes):
        value = node.get("datePublished") or node.get("dateCreated")
        if not isinstance(value, str):
            continue
        types = _types(node)
        rank = 0 if types & _ARTICLE_TYPES else 1 if types & {"webpage", "itempage"} else 2
        ranked.append((rank, depth, order, value))
    for *_, value in sorted(ranked):
        yield value, "jsonld"


# Keys of <meta name|property|itemprop> that carry the publication date, in order of trust.
_META_KEYS = _words(
    "article:published_time og:published_time og:article:published_time article:published "
    "datepublished published_time publish_date publishdate publish-date pubdate pub_date "
    "publication_date dc.date.issued dcterms.issued dc.date.published "
    "citation_publication_date citation_date citation_online_date sailthru.date "
    "parsely-pub-date article.published article_date_original originalpublicationdate "
    "bt:pubdate rnews:datepublished cxenseparse:recs:publishtime"
)
# Generic or ambiguous keys: trusted less than JSON-LD.
_WEAK_META_KEYS = _words(
    "displaydate dc.date.created dcterms.created dc.created date_published releasedate "
    "release_date date dc.date dcterms.date"
)


def meta_tags(tree: _Element) -> dict[str, list[str]]:
    """All <meta> values keyed by lower-cased name/property/itemprop/http-equiv."""
    tags: dict[str, list[str]] = {}
    for meta in tree.iterfind(".//meta"):
        content = meta.get("content")
        if content is None:
            content = meta.get("datetime")
        if not content:
            continue
        for attr in ("name", "property", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                tags.setdefault(key.strip().lower(), []).append(content.strip())
    return tags


def _meta_candidates(
    tags: dict[str, list[str]], keys: tuple[str, ...]
) -> Iterator[tuple[str, str]]:
    for key in keys:
        for value in tags.get(key, ()):
            yield value, "meta"


def _markup_candidates(tree: _Element, tags: dict[str, list[str]]) -> Iterator[tuple[str, str]]:
    if pages := tags.get("parsely-page"):
        data = _load_json(pages[0])
        if isinstance(data, dict) and isinstance(data.get("pub_date"), str):
            yield data["pub_date"], "meta"
    # Microdata on visible elements and HTML5 <time pubdate>.
    for element in tree.xpath(
        '//*[@itemprop="datePublished"][not(self::meta)]|//time[@pubdate]'
        "|//article//header//time[@datetime]"
    ):
        text = element.text_content()
        # The date a reader sees wins over a machine value that may be in another time zone.
        if text and not _AMBIGUOUS.search(text):
            parsed = parse_date_string(text)
            if parsed and parsed[1] == "day":
                yield text, "meta"
        value = element.get("datetime") or element.get("content")
        if value:
            yield value, "meta"


def date_candidates(tree: _Element, tags: dict[str, list[str]]) -> Iterator[tuple[str, str]]:
    """Raw publication dates with their source ("meta" or "jsonld"), most trusted first.

    ``tags`` are the page's :func:`meta_tags`, which the caller needs too.
    """
    nodes = jsonld_nodes(tree)
    return itertools.chain(
        _meta_candidates(tags, _META_KEYS),
        _jsonld_candidates(nodes),
        _meta_candidates(tags, _WEAK_META_KEYS),
        _markup_candidates(tree, tags),
    )
