"""HTML -> main text and metadata with trafilatura, plus the publication date and its source.

The page is decoded and parsed once; the same lxml tree feeds trafilatura, the metadata
readers and the date finder. Nothing here imports Scrapy.
"""

from __future__ import annotations

import datetime
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from lxml.etree import _Element

from .dates import DateFinding, find_publication_date
from .encoding import decode_html
from .structured import is_article, jsonld_nodes, meta_tags

if TYPE_CHECKING:
    from mediamon.corpus.store import DocumentRecord

logger = logging.getLogger(__name__)

__all__ = ["Extracted", "decode_html", "extract_article", "parse_html"]

# trafilatura's balanced defaults were the best of its modes on the evaluation pages;
# comments are not part of the article.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "deduplicate": False,
}
# First pass: trafilatura's fast mode (no readability/jusText fallbacks) leaning to recall,
# about half the cost of the full run; the boilerplate filter below takes back the precision.
# When it finds little text, the full run is worth its price.
FIRST_PASS: dict[str, Any] = {"fast": True, "favor_recall": True}
FULL_RUN_BELOW_CHARS = 1000


@dataclass
class Extracted:
    text: str
    title: str | None
    author: str | None
    sitename: str | None
    language: str | None
    description: str | None
    canonical_url: str | None
    amp_of: str | None
    published: DateFinding | None


def parse_html(html: str) -> _Element | None:
    """Parse with trafilatura's own settings, so its extraction sees what it expects."""
    from trafilatura.utils import load_html

    try:
        return load_html(html)
    except Exception:  # libxml2 rejects some inputs outright
        logger.debug("unparseable HTML", exc_info=True)
        return None


# --- text post-processing ---------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.split())


_NOT_CONTENT = {"script", "style", "noscript", "template", "title", "textarea", "option", "button"}
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…|\[…\]|\[\.\.\.\])\s*$")


def _recover_lead(tree: _Element, text: str, description: str | None) -> str:
    """Put back the lead paragraph that trafilatura often drops as a 'teaser'.

    The lead is recognised as the visible element that repeats the page's meta description;
    it is prepended when the extracted text does not already contain it.
    """
    if not description:
        return text
    wanted = _norm(_ELLIPSIS.sub("", description))
    if len(wanted) < 40:
        return text
    probe = wanted[:60]
    flat = _norm(text)
    if probe in flat:
        return text
    body = tree.find(".//body")
    if body is None:
        return text
    for node in body.xpath(".//text()[string-length(normalize-space(.)) > 30]"):
        if probe[:30] not in _norm(str(node)):
            continue
        element = node.getparent()
        if element is None or any(
            isinstance(anc.tag, str) and anc.tag in _NOT_CONTENT for anc in element.iterancestors()
        ):
            continue
        if isinstance(element.tag, str) and element.tag in _NOT_CONTENT:
            continue
        # A tail text belongs to the parent of the element it follows.
        if node.is_tail and element.getparent() is not None:
            element = element.getparent()
        lead = _norm(element.text_content())
        if not lead.startswith(probe[:30]) or len(lead) > 3 * len(wanted) + 200:
            continue
        if lead[:60] in flat:
            return text
        return f"{lead}\n{text}"
    return text


# "See also" links to other articles, in the languages of the sources we crawl most.
_SEE_ALSO = re.compile(
    r"^\W{0,3}(?:lea|lee|lea también|lee también|lea más|mire|mira|vea también|ver también|"
    r"puedes ver|te puede interesar|le puede interesar|leia também|veja também|leggi anche|"
    r"lesen sie auch|lesen sie hier|lies auch|auch lesen|mehr zum thema|read more|read also|"
    r"see also|related|also read|à lire aussi|lire aussi|czytaj też|czytaj także|"
    r"dowiedz się więcej)\s*(?::|»|>>)",
    re.IGNORECASE,
)
# Headings of "related content" boxes; the short lines under them are teasers too.
_RELATED_HEADING = re.compile(
    r"^\W{0,3}(?:auch interessant|schon gelesen\??|weitere (?:artikel|beiträge|themen)[\w ]*|"
    r"mehr themen|empfohlene beiträge|das könnte sie auch interessieren|"
    r"das thema könnte dich auch interessieren|notas relacionadas|contenido relacionado|"
    r"noticias relacionadas|related (?:articles|stories|posts)|more stories|you may also like|"
    r"recommended(?: for you)?|à lire également|articles liés|leia mais)\s*:?\W{0,3}$",
    re.IGNORECASE,
)
# Picture credits and newsletter/social calls to action, recognised only on short lines.
_CREDIT = re.compile(
    r"^\W{0,2}(?:©|\(?(?:credits?|crédits?(?: photos?)?|foto|fotos|photo|photos|bild|"
    r"titelbild|beitragsbild|image|copyright)\s*:)",
    re.IGNORECASE,
)
_CALL_TO_ACTION = re.compile(
    r"newsletter|\bsubscribe|sign up|suscríbete|síguenos|siguenos|follow (?:us|the)|"
    r"folgen sie uns|canal de telegram|download the .{0,40}app",
    re.IGNORECASE,
)


def _drop_boilerplate(text: str) -> str:
    """Remove the boilerplate lines trafilatura lets through most often."""
    kept: list[str] = []
    in_related = False
    for line in text.split("\n"):
        flat = line.strip()
        if in_related and 0 < len(flat) < 160:
            continue
        in_related = bool(_RELATED_HEADING.match(flat))
        if in_related or (len(flat) < 250 and _SEE_ALSO.match(flat)):
            continue
        if len(flat) < 120 and _CREDIT.match(flat):
            continue
        if len(flat) < 200 and _CALL_TO_ACTION.search(flat):
            continue
        kept.append(line)
    return "\n".join(kept)


def _postprocess(text: str, tree: _Element, description: str | None) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _recover_lead(tree, text, description)
    text = _drop_boilerplate(text)
    return text.strip()


# --- metadata --------------------------------------------------------------------------------


def _first(tags: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        for value in tags.get(key, ()):
            value = _norm(value)
            if value:
                return value
    return None


def _absolute(href: str | None, base: str | None) -> str | None:
    if not href or not href.strip():
        return None
    href = href.strip()
    try:
        joined = urljoin(base, href) if base else href
    except ValueError:
        return None
    return joined if urlsplit(joined).scheme in ("http", "https") else None


def _link(tree: _Element, rel: str) -> str | None:
    for link in tree.iterfind(".//link[@rel][@href]"):
        if rel in (link.get("rel") or "").lower().split():
            return link.get("href")
    return None


_TITLE_SEPARATORS = re.compile(r"\s+[|–—•·:»-]\s+|\s+::\s+")


def _title(tree: _Element, tags: dict[str, list[str]], ld: list[dict[str, Any]]) -> str | None:
    for node in ld:
        headline = node.get("headline")
        if isinstance(headline, str) and _norm(headline):
            return _norm(headline)
    h1s = [_norm(h.text_content()) for h in tree.iterfind(".//body//h1")]
    h1s = [h for h in h1s if h]
    if len(h1s) == 1:
        return h1s[0]
    title = _first(tags, "og:title", "twitter:title")
    if title is None:
        element = tree.find(".//head/title")
        title = _norm(element.text_content()) if element is not None else None
    if title and _TITLE_SEPARATORS.search(title):
        # "Headline | Site name": keep the headline, the longest part.
        title = max(_TITLE_SEPARATORS.split(title), key=len)
    return title or (h1s[0] if h1s else None)


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    if isinstance(value, dict) and value.get("@type", "Person") in ("Person", ["Person"]):
        return _names(value.get("name"))
    return []


def _author(tree: _Element, tags: dict[str, list[str]], ld: list[dict[str, Any]]) -> str | None:
    names: list[str] = []
    for node in ld:
        names = [_norm(n) for n in _names(node.get("author")) if _norm(n)]
        if names:
            break
    if not names:
        meta = _first(
            tags,
            "author",
            "article:author",
            "parsely-author",
            "sailthru.author",
            "dc.creator",
            "citation_author",
            "byl",
        )
        if meta and not meta.startswith(("http://", "https://")):
            names = [meta]
    if not names:
        for element in tree.xpath(
            '//*[@rel="author" or @itemprop="author"][not(self::link or self::meta)]'
        )[:1]:
            text = _norm(element.text_content())
            if 2 < len(text) < 80:
                names = [text]
    names = [re.sub(r"^(?:by|von|par|por|di|door)\s+", "", n, flags=re.IGNORECASE) for n in names]
    unique = list(dict.fromkeys(n for n in names if n))
    return "; ".join(unique) if unique else None


def _sitename(tags: dict[str, list[str]], ld: list[dict[str, Any]]) -> str | None:
    name = _first(tags, "og:site_name", "application-name", "al:android:app_name")
    if name:
        return name
    for node in ld:
        publisher = node.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            return _norm(publisher["name"]) or None
    return None


def _language(tree: _Element, tags: dict[str, list[str]]) -> str | None:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    lang = lang or _first(tags, "content-language", "language", "dc.language", "og:locale")
    if not lang:
        return None
    code = lang.strip().replace("_", "-").split(",")[0].split("-")[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 else None


def _ld_nodes(tree: _Element) -> list[dict[str, Any]]:
    """JSON-LD objects, the page's own article first."""
    nodes = [node for node, _depth in jsonld_nodes(tree)]
    return sorted(nodes, key=lambda node: not is_article(node))


# AMP and print variants of an article: /amp/, ?amp=1, .amp.html, amp.example.com, /print/...
_VARIANT_URL = re.compile(r"(?:^|[/.?&=_-])(?:amp|print|printer|drucken)(?:[/.?&=_-]|$)", re.I)


def _amp_of(tree: _Element, url: str | None, canonical: str | None) -> str | None:
    """The main page's URL when this page is an AMP or print variant that names it."""
    if not canonical or (url and canonical.rstrip("/") == url.rstrip("/")):
        return None
    attrs = {str(name).lower() for name in tree.attrib}
    if attrs & {"amp", "⚡"} or (url and _VARIANT_URL.search(url.split("://", 1)[-1])):
        return canonical
    return None


# --- entry point -------------------------------------------------------------------------------


def _main_text(tree: _Element, url: str | None) -> str:
    from trafilatura import bare_extraction

    text = ""
    if FIRST_PASS:
        document = bare_extraction(tree, url=url, **FIRST_PASS, **TRAFILATURA_OPTIONS)
        text = getattr(document, "text", None) or ""
        if len(text) >= FULL_RUN_BELOW_CHARS:
            return text
    document = bare_extraction(tree, url=url, **TRAFILATURA_OPTIONS)
    full = getattr(document, "text", None) or ""
    return full if len(full) >= len(text) else text


def extract_article(
    html: str | bytes,
    url: str | None = None,
    date_hint: DateFinding | None = None,
    content_type: str | None = None,
    today: datetime.date | None = None,
    *,
    raise_errors: bool = False,
) -> Extracted | None:
    """Main text and metadata of an article page; None when there is no main text.

    An exception in the extractor (a page that breaks it, or a broken installation) gives None
    too, unless `raise_errors`: the crawler counts those as errors by kind, not as pages
    without text.
    """
    try:
        return _extract(html, url, date_hint, content_type, today)
    except Exception:  # one hostile page must not stop a crawl
        if raise_errors:
            raise
        logger.warning("extraction failed for %s", url, exc_info=True)
        return None


def _extract(
    html: str | bytes,
    url: str | None,
    date_hint: DateFinding | None,
    content_type: str | None,
    today: datetime.date | None,
) -> Extracted | None:
    source = decode_html(html, content_type) if isinstance(html, bytes) else html
    if not isinstance(source, str) or not source.strip():
        return None
    tree = parse_html(source)
    if tree is None:
        return None
    text = _main_text(tree, url)
    if not text:
        return None

    tags = meta_tags(tree)
    ld = _ld_nodes(tree)
    description = _first(tags, "og:description", "description", "twitter:description")
    text = _postprocess(text, tree, description)
    if not text:
        return None

    canonical = _absolute(_link(tree, "canonical"), url) or _absolute(_first(tags, "og:url"), url)
    published = find_publication_date(tree, url, date_hint, today)
    return Extracted(
        text=text,
        title=_title(tree, tags, ld),
        author=_author(tree, tags, ld),
        sitename=_sitename(tags, ld),
        language=_language(tree, tags),
        description=description,
        canonical_url=canonical,
        amp_of=_amp_of(tree, url, canonical),
        published=published,
    )


def document_of(
    extracted: Extracted,
    *,
    url: str,
    canonical_url: str | None,
    source_id: str | None,
    fetched_at: datetime.datetime | None,
) -> DocumentRecord:
    """The document an extraction gives (a crawled page, or an archived one read again), its
    language detected from the text as every stored document's is."""
    from mediamon.corpus.store import DocumentRecord
    from mediamon.documents.language import set_language

    published = extracted.published
    doc = DocumentRecord(
        text=extracted.text,
        url=url,
        canonical_url=canonical_url,
        source_id=source_id,
        title=extracted.title,
        author=extracted.author,
        sitename=extracted.sitename,
        language=extracted.language,
        published_at=published.value if published else None,
        date_source=published.source if published else None,
        date_precision=published.precision if published else None,
        fetched_at=fetched_at,
    )
    set_language(doc)  # from the text; the page's html lang is kept as declared
    return doc
