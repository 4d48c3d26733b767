"""The demo site's content and routing, independent of the HTTP server.

:class:`Site` holds the articles (bundled, seed documents, and those added at run time) and maps
a request path to a :class:`Response`. The server (``server.py``) adds the HTTP machinery:
conditional requests, gzip, delays, streaming.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import feeds, pages, variants
from .articles import Article, article_from_fields, load_articles, load_seed_articles
from .traps import (
    OVERSIZED_BYTES,
    PRIVATE_REDIRECTS,
    REDIRECT_CHAIN,
    REDIRECT_LOOP,
    TRAPS,
    binary_bytes,
    oversized_chunks,
    pdf_bytes,
    truncate_xml,
)

log = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
PER_PAGE = 5
SECTION_RE = re.compile(r"^/section/([a-z-]+)/(?:page/(\d+)/)?$")
OUTLET_FEED_RE = re.compile(r"^/feeds/outlet/([a-z0-9-]+)\.xml$")
STATIC: dict[str, tuple[str, bytes]] = {
    "/static/site.css": ("text/css; charset=utf-8", pages.CSS.encode()),
    "/static/site.js": (
        "application/javascript; charset=utf-8",
        b"document.querySelector('.accept')?.addEventListener('click',()=>"
        b"document.getElementById('cookie-banner').remove());\n",
    ),
    "/static/lead.svg": (
        "image/svg+xml",
        b'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360">'
        b'<rect width="640" height="360" fill="#13315c"/></svg>\n',
    ),
}

PRIVATE_PAGE = (
    "Internal: newsroom briefing on encryption coverage",
    [
        "Staff only. Guidance for editors on covering the encryption and child-safety debate: "
        "attribute every claim, name who said it, and give both sides.",
        "This page is not meant to be crawled; robots.txt disallows /private/.",
    ],
)
ABOUT_PAGE = (
    "About the Demo News Network",
    [
        "The Demo News Network is a set of fictional outlets served by mediamon's offline demo "
        "site. Every outlet, person and organisation in its stories is invented, apart from the "
        "two seed documents in the archive."
    ],
)


@dataclass
class Response:
    """What to send: a body, or a stream of chunks (``length`` None = chunked encoding)."""

    status: int = 200
    body: bytes = b""
    content_type: str = HTML
    headers: list[tuple[str, str]] = field(default_factory=list)
    etag: str | None = None
    last_modified: dt.datetime | None = None
    stream: Callable[[], Iterator[bytes]] | None = None
    length: int | None = None
    delay: float = 0.0
    compressible: bool = True


def redirect(status: int, location: str) -> Response:
    body = f'<html><body>Moved: <a href="{location}">{location}</a></body></html>'.encode()
    return Response(status, body, headers=[("Location", location)], compressible=False)


class Site:
    """The demo site's articles and pages. Thread-safe."""

    def __init__(self, articles_dir: Path | None = None, seeds_dir: Path | None = None) -> None:
        self._lock = threading.RLock()
        self.base_url = "http://127.0.0.1"
        self.port = 0
        self.slow_seconds = 2.0
        self.oversized_bytes = OVERSIZED_BYTES
        self.feed_broken = False
        self._flaky_served: set[str] = set()
        bundled = load_articles(articles_dir)
        self.seeds = load_seed_articles(seeds_dir)
        self._articles: dict[str, Article] = {}
        for a in [*bundled, *self.seeds]:
            self._register(a)
        self._seed_slugs = {a.slug for a in self.seeds}
        self._next_seq = 2000
        # Sidebars link only to pages without a date in their URL, so that an undated page
        # stays undated (a /YYYY/MM/DD/ link would give date finders something to find).
        self._static_pool = [
            a for a in bundled if a.kind != "offtopic" and a.date_markup != "url" and not a.trap
        ]
        self._check_traps()

    # -- registry ---------------------------------------------------------------------------
    def _register(self, article: Article) -> None:
        if article.path in self._articles:
            raise ValueError(f"duplicate article path {article.path}")
        if any(a.slug == article.slug for a in self._articles.values()):
            raise ValueError(f"duplicate article slug {article.slug}")
        self._articles[article.path] = article

    def _check_traps(self) -> None:
        for a in self._articles.values():
            if a.trap and TRAPS.get(a.trap) != a.path:
                log.warning("article %s: trap %r is not at TRAPS path", a.slug, a.trap)

    @property
    def articles(self) -> list[Article]:
        with self._lock:
            return list(self._articles.values())

    def article(self, slug: str) -> Article:
        with self._lock:
            for a in self._articles.values():
                if a.slug == slug:
                    return a
        raise KeyError(slug)

    def add_article(self, **fields: Any) -> Article:
        """Add an article at run time (it appears on the home page, feeds and sitemaps)."""
        data: dict[str, Any] = {
            "outlet": "The Harbour Ledger",
            "author": "Staff reporter",
            "section": "politics",
            "date_markup": "jsonld",
            "published": dt.datetime.now(dt.UTC).replace(microsecond=0),
        }
        data.update(fields)
        if data.get("date_markup") == "none":
            data["published"] = None
        data["runtime"] = True
        with self._lock:
            self._next_seq += 1
            article = article_from_fields(data, seq=self._next_seq)
            self._register(article)
        log.info("demo site: added %s at %s", article.slug, article.path)
        return article

    def update_article(self, slug: str, **changes: Any) -> Article:
        """Change an article (body, title, ...); its ETag and Last-Modified change."""
        with self._lock:
            article = self.article(slug)
            for key, value in changes.items():
                if key not in ("body", "title", "author", "tags"):
                    raise ValueError(f"cannot update field {key!r}")
                if key == "body" and isinstance(value, list | tuple):
                    value = "\n\n".join(str(p) for p in value)
                setattr(article, key, value)
            article.version += 1
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            prev = article.modified
            article.modified = max(now, prev + dt.timedelta(seconds=1)) if prev else now
        return article

    # -- helpers ----------------------------------------------------------------------------
    def _canonical(self, path: str) -> str:
        return self.base_url + path

    def _related(self, article: Article) -> tuple[list[Article], list[Article]]:
        pool = [a for a in self._static_pool if a.slug != article.slug]
        related = [a for a in pool if a.section == article.section][:4] or pool[:4]
        ranked = sorted(pool, key=lambda a: hashlib.sha1(a.slug.encode()).hexdigest())
        return related, ranked[:5]

    def _listed(self) -> list[Article]:
        return feeds.feed_order(self._articles.values())

    def _html(self, text: str, **kw: Any) -> Response:
        return Response(body=text.encode("utf-8"), **kw)

    # -- routing ----------------------------------------------------------------------------
    def route(self, path: str) -> Response:
        with self._lock:
            resp = self._route(path)
            if resp is None and self._slash_redirect(path):
                resp = redirect(301, path + "/")
            return resp or self._not_found()

    def _slash_redirect(self, path: str) -> bool:
        if path.endswith("/"):
            return False
        slashed = path + "/"
        return (
            slashed in self._articles
            or slashed in ("/about/", "/subscribe/", "/blog/")
            or self._section_ok(slashed)
        )

    def _section_ok(self, path: str) -> bool:
        m = SECTION_RE.match(path)
        return m is not None and m.group(1) in pages.SECTIONS

    def _route(self, path: str) -> Response | None:
        base = self.base_url
        if path in ("/", "/index.html"):
            latest = [a for a in self._listed() if a.slug not in self._seed_slugs]
            return self._html(pages.home_page(latest[:10], self.seeds, base + "/", TRAPS))
        simple_xml: dict[str, Callable[[], bytes]] = {
            "/robots.txt": lambda: feeds.robots(base),
            "/sitemap.xml": lambda: feeds.sitemap_index(base),
            "/sitemaps/articles.xml": lambda: feeds.sitemap_urlset(base, self.articles),
            "/sitemaps/news.xml": lambda: feeds.news_sitemap(base, self.articles),
            "/feeds/atom.xml": lambda: feeds.atom(base, self.articles),
        }
        if path in simple_xml:
            ctype = {
                "/robots.txt": "text/plain; charset=utf-8",
                "/feeds/atom.xml": "application/atom+xml; charset=utf-8",
            }.get(path, "application/xml; charset=utf-8")
            return Response(
                body=simple_xml[path](),
                content_type=ctype,
                last_modified=feeds.last_change(self.articles),
            )
        if path == "/feeds/rss.xml":
            body = feeds.rss(base, self.articles)
            if self.feed_broken:
                body = truncate_xml(body)
            return Response(
                body=body,
                content_type="application/rss+xml; charset=utf-8",
                last_modified=feeds.last_change(self.articles),
            )
        if path == TRAPS["broken_feed"]:
            body = truncate_xml(feeds.rss(base, self.articles[:8], "Fenwick Observer", False))
            return Response(body=body, content_type="application/rss+xml; charset=utf-8")
        if m := OUTLET_FEED_RE.match(path):
            chosen = [a for a in self.articles if pages.slugify(a.outlet) == m.group(1)]
            if not chosen:
                return None
            body = feeds.rss(base, chosen, chosen[0].outlet, include_removed=False)
            return Response(
                body=body,
                content_type="application/rss+xml; charset=utf-8",
                last_modified=feeds.last_change(chosen),
            )
        if path in STATIC:
            ctype, data = STATIC[path]
            return Response(body=data, content_type=ctype)
        if m := SECTION_RE.match(path):
            return self._section(m.group(1), int(m.group(2) or 1), path)
        if path in REDIRECT_CHAIN or path in REDIRECT_LOOP:
            status, target = {**REDIRECT_CHAIN, **REDIRECT_LOOP}[path]
            return redirect(status, target)
        if path in PRIVATE_REDIRECTS:
            return redirect(302, PRIVATE_REDIRECTS[path].format(port=self.port))
        trap = self._trap(path)
        if trap is not None:
            return trap
        return self._article_route(path)

    def _trap(self, path: str) -> Response | None:
        if path == TRAPS["pdf"]:
            return Response(body=pdf_bytes(), content_type="application/pdf", compressible=False)
        if path == TRAPS["binary_as_html"]:
            return Response(body=binary_bytes(), content_type="text/html", compressible=False)
        if path in (TRAPS["oversized"], TRAPS["oversized_chunked"]):
            size = self.oversized_bytes
            chunked = path == TRAPS["oversized_chunked"]
            return Response(
                stream=lambda: oversized_chunks(size),
                compressible=False,
                length=None if chunked else size,
            )
        if path == TRAPS["robots_disallowed"]:
            return self._html(pages.simple_page(*PRIVATE_PAGE, noindex=True))
        if path in ("/about/", "/subscribe/", "/search", "/blog/"):
            return self._html(pages.simple_page(*ABOUT_PAGE))
        return None

    def _article_route(self, path: str) -> Response | None:
        variant = ""
        article = self._articles.get(path)
        if article is None:
            for suffix in ("amp/", "print/"):
                if path.endswith("/" + suffix) and path[: -len(suffix)] in self._articles:
                    article, variant = self._articles[path[: -len(suffix)]], suffix[:-1]
            if article is None or not getattr(article, variant):
                return None
        canonical = self._canonical(article.path)
        if article.trap == "flaky_500" and not variant and path not in self._flaky_served:
            self._flaky_served.add(path)
            return self._html(
                pages.simple_page(
                    "Service temporarily unavailable", ["Please try again in a moment."]
                ),
                status=500,
            )
        if variant == "amp":
            text = variants.amp_page(article, canonical)
        elif variant == "print":
            text = variants.print_page(article, canonical)
        elif article.template == "blog":
            text = variants.blog_page(article, canonical)
        else:
            related, most_read = self._related(article)
            text = pages.article_page(
                article,
                canonical,
                related,
                most_read,
                meta_charset=article.encoding != "latin1-header-only",
            )
        resp = Response(
            etag=article.etag() if not variant else None,
            last_modified=article.modified,
            delay=self.slow_seconds if article.trap == "slow" else 0.0,
        )
        if article.encoding == "cp1252-mislabelled":
            resp.body = text.encode("cp1252", errors="xmlcharrefreplace")
            resp.content_type = "text/html"
        elif article.encoding == "latin1-header-only":
            resp.body = text.encode("latin-1", errors="xmlcharrefreplace")
            resp.content_type = "text/html; charset=ISO-8859-1"
        else:
            resp.body = text.encode("utf-8")
        return resp

    def _section(self, section: str, page_no: int, path: str) -> Response | None:
        if section not in pages.SECTIONS:
            return None
        items = [
            a for a in self._listed() if a.section == section and a.slug not in self._seed_slugs
        ]
        chunk = items[(page_no - 1) * PER_PAGE : page_no * PER_PAGE]
        if page_no > 1 and not chunk:
            return None
        has_next = len(items) > page_no * PER_PAGE
        text = pages.section_page(section, chunk, page_no, has_next, self._canonical(path))
        return self._html(text)

    def _not_found(self) -> Response:
        text = pages.simple_page(
            "Page not found",
            ["Sorry, we could not find that page. It may have been moved or deleted."],
            status_note="error-404",
            noindex=True,
        )
        return self._html(text, status=404)
