"""Listing pages: section fronts, tag and author pages, archives, search results, home pages.

A listing is a page of teasers: links to other pages of the site, each a headline, between them
at most a short summary. An article is a body of prose, which related-story boxes and inline
links do not interrupt. So the page's body (less its nav, aside and footer) is read in document
order as a sequence of *teaser links* and *prose*. It is a listing when
- it has 4 or more teasers and hardly any text of its own (under 40 words outside links), or
- it has 4 or more teasers and its longest stretch of prose between two of them is a summary
  (under 90 words, and under half the page's prose), unless its URL names one item (a long
  number, a date and a slug, a slug of four words or more: then more evidence is wanted), or
- its URL is a section, tag, author, archive or search path, or a page 2, and it has a teaser
  and no stretch of prose longer than a summary.
A page that declares itself an article (og:type, JSON-LD) is one.

Dropping a real article is worse than storing a listing (a dropped article is lost; a stored
listing is one odd document), so every threshold leans to "article". Measured with
evaluation/eval_listing.py on 1,376 real pages of ../shared/eval and on the listing pages of the
demo site and tests/data/listings (the README's crawl section has the figures).

The no-text rule is here too: an article has at least MIN_WORDS words, counted also in scripts
written without spaces (Chinese, Japanese, Thai), where splitting on spaces finds a handful.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.etree import _Element

from .encoding import decode_html
from .extract import parse_html
from .structured import is_article, jsonld_nodes, meta_tags

logger = logging.getLogger(__name__)

__all__ = [
    "MIN_WORDS",
    "ListingSignals",
    "has_article_text",
    "listing_signals",
    "looks_like_listing",
    "word_count",
]

MIN_TEASERS = 4  # distinct teaser links on a listing
MAX_PROSE_RUN = 90  # words: a listing's longest stretch of prose between teasers (a summary)
HEADLINE_WORDS = 4  # a link this long (or one that holds or is held by a heading) is a headline
MIN_OWN_PROSE = 40  # words outside links: less, and the page has no text of its own
# a URL that names one item: a long number, a date and a slug, a slug of four words or more
_ITEM_URL = re.compile(
    r"\d{5,}|/(?:19|20)\d\d/\d\d?/\d\d?/[^/?]+|\w+-\w+-\w+-\w+[^/]*$|"
    r"[?&](?:p|id|newsid|articleid|story|article)=\d"
)
_LISTING_URL = re.compile(
    r"/page/\d+/?$|[?&](?:page|paged)=\d+$|/seite-?\d+|"
    r"/(?:section|sections|category|categories|tag|tags|topic|topics|author|authors|archive|"
    r"archives|search)(?:/|$|\?)"
)

_SKIP = frozenset(
    {"script", "style", "noscript", "template", "svg", "select", "button", "iframe", "form"}
)
# Page furniture: its links are navigation and its text is not the page's content.
_CHROME = frozenset({"nav", "footer", "aside"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = frozenset(
    {"p", "li", "dd", "dt", "td", "th", "div", "section", "article", "blockquote", "figcaption"}
)


@dataclass(frozen=True)
class ListingSignals:
    declared_article: bool
    teasers: int  # distinct same-site pages linked by a headline (not inline in prose)
    longest_prose: int  # words in the longest stretch of prose between two teasers
    prose: int  # words of prose on the page

    item_url: bool = False  # the URL names one item (an id, a date and a slug, a long slug)
    listing_url: bool = False  # a section, tag, author, archive or search path, or a page 2

    @property
    def listing(self) -> bool:
        if self.declared_article:
            return False
        spread = self.longest_prose < MAX_PROSE_RUN and self.longest_prose < self.prose / 2
        if self.listing_url and not self.item_url and self.teasers >= 1:
            return self.longest_prose < MAX_PROSE_RUN  # a section of one story is still one
        if self.teasers < MIN_TEASERS:
            return False
        if self.prose < MIN_OWN_PROSE:  # no text of its own, only teasers
            return True
        # prose spread thinly between teasers; a URL naming one item needs more than that
        return spread and not self.item_url


def looks_like_listing(html: bytes | str, url: str, content_type: str | None = None) -> bool:
    """True for a page of teasers of other pages (not an article itself)."""
    signals = listing_signals(html, url, content_type)
    return signals is not None and signals.listing


def listing_signals(
    html: bytes | str, url: str, content_type: str | None = None
) -> ListingSignals | None:
    """What the listing rule sees on a page; None when the page cannot be parsed."""
    source = decode_html(html, content_type) if isinstance(html, bytes) else html
    if not isinstance(source, str) or not source.strip():
        return None
    tree = parse_html(source)
    if tree is None:
        return None
    return _signals(tree, url)


def _declared_article(tree: _Element) -> bool:
    og_types = meta_tags(tree).get("og:type", [])
    if any(value.strip().lower().startswith("article") for value in og_types):
        return True
    return any(is_article(node) for node, _ in jsonld_nodes(tree))


def _words(text: str | None) -> int:
    return len(text.split()) if text else 0


class _Walk:
    """One pass over the body in document order."""

    def __init__(self, page_url: str) -> None:
        self.page = _key(page_url)
        self.host = _host(page_url)
        self.base = page_url
        self.teasers: set[str] = set()
        self.last_teaser: str | None = None
        self.run = 0
        self.longest = 0
        self.prose = 0
        self.block_words: dict[_Element, int] = {}

    def text(self, value: str | None) -> None:
        n = _words(value)
        self.run += n
        self.prose += n

    def teaser(self, target: str) -> None:
        if target == self.last_teaser:  # the picture, the headline and "more" of one teaser
            return
        self.longest = max(self.longest, self.run)
        self.run = 0
        self.last_teaser = target
        self.teasers.add(target)

    def visit(self, root: _Element) -> None:
        # iterative: a hostile page may nest elements deeper than Python's recursion limit
        walker = etree.iterwalk(root, events=("start", "end"))
        for event, node in walker:
            if event == "end":
                if node is not root:
                    self.text(node.tail)
                continue
            tag = node.tag if isinstance(node.tag, str) else ""
            if tag in _SKIP or tag in _CHROME:
                walker.skip_subtree()
            elif tag == "a":
                target = self._teaser_target(node)
                if target is not None:
                    self.teaser(target)
                walker.skip_subtree()  # link text is never prose, teaser or not
            else:
                self.text(node.text)

    def _teaser_target(self, link: _Element) -> str | None:
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            return None
        # the cheap tests first: most links of a page are short and in no heading
        words = _words(link.text_content())
        heading = any(
            isinstance(d.tag, str) and d.tag in _HEADINGS for d in link.iterdescendants()
        ) or any(a.tag in _HEADINGS for a in link.iterancestors())
        if not heading and (words < HEADLINE_WORDS or self._inline(link, words)):
            return None
        target = self._resolve(href)
        if target is None or _host(target) != self.host:
            return None
        key = _key(target)
        return None if key == self.page else key

    def _resolve(self, href: str) -> str | None:
        try:
            return urljoin(self.base, href)
        except ValueError:
            return None

    def _inline(self, link: _Element, words: int) -> bool:
        """A link inside a sentence of prose: part of the text, not a teaser."""
        for block in link.iterancestors():
            if isinstance(block.tag, str) and block.tag in _BLOCKS:
                total = self.block_words.get(block)
                if total is None:  # many links share a block: count its words once
                    total = self.block_words[block] = _words(block.text_content())
                outside = total - words
                return outside >= 15 and outside >= 2 * words
        return False


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def _key(url: str) -> str:
    """A URL without fragment, scheme and final slash: one key per page."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = parts.path.rstrip("/") or "/"
    return f"{_host(url)}{path}?{parts.query}"


def _signals(tree: _Element, url: str) -> ListingSignals:
    walk = _Walk(url)
    body = tree.find(".//body")
    walk.visit(body if body is not None else tree)
    walk.longest = max(walk.longest, walk.run)
    try:
        parts = urlsplit(url)
        where = (parts.path + (f"?{parts.query}" if parts.query else "")).lower()
    except ValueError:
        where = ""
    return ListingSignals(
        _declared_article(tree),
        len(walk.teasers),
        walk.longest,
        walk.prose,
        item_url=bool(_ITEM_URL.search(where.rstrip("/"))),
        listing_url=bool(_LISTING_URL.search(where)),
    )


# --- pages without article text -----------------------------------------------------------------

MIN_WORDS = 40  # an article has at least this many words of main text
# Scripts written without spaces between words: Han, kana, Thai, Lao, Khmer, Myanmar.
_UNSPACED = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    r"\uf900-\ufaff\uff66-\uff9f]"
)
CHARS_PER_WORD = 2  # a word of Chinese or Japanese is about two characters


def word_count(text: str) -> int:
    """Words of a text, also in scripts that put no spaces between words."""
    count = 0
    for token in text.split():
        unspaced = len(_UNSPACED.findall(token))
        count += max(1, round(unspaced / CHARS_PER_WORD)) if unspaced else 1
    return count


def has_article_text(text: str | None) -> bool:
    """Enough main text to be an article (not a stub, a gallery or an error page)."""
    return bool(text) and word_count(text or "") >= MIN_WORDS
