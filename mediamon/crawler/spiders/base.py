"""The shared spider: one source, one article-parsing path, the corpus as the "seen" set.

Strategy spiders (feeds, sitemaps, site, urls) differ only in how they discover article URLs.
Every discovered URL is canonicalised before the seen-check; pages the corpus already holds are
asked for again only with a conditional request, or not at all when the server gave no
validators.
"""

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from mediamon.corpus.connection import connect
from mediamon.corpus.urls import canonicalize_url
from mediamon.crawler.dates import DateFinding
from mediamon.crawler.items import PageItem
from mediamon.crawler.sources import Source, load_sources

logger = logging.getLogger(__name__)

# etag, last_modified, stored as a document, when fetched
Known = tuple[str | None, str | None, bool, dt.datetime | None]


def default_sources_file() -> Path:
    from mediamon import config

    return config.path("sources.toml")


def load_known(db: Path) -> dict[str, Known]:
    """Pages the corpus has fetched before, with their validators."""
    if not db.exists():
        return {}
    with connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT url, etag, last_modified, doc_id IS NOT NULL, fetched_at FROM pages "
            "WHERE (status IS NULL OR status < 400) AND outcome NOT IN ('feed', 'sitemap')"
        ).fetchall()
    return {
        url: (etag, modified, bool(stored), fetched)
        for url, etag, modified, stored, fetched in rows
    }


class SourceSpider(scrapy.Spider):
    """Crawls one source with every strategy it configures (used by `mediamon crawl`)."""

    name = "source"
    strategies: ClassVar[tuple[str, ...]] = ("feeds", "sitemaps", "site", "urls")

    def __init__(
        self, source: str | None = None, sources_file: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if not source:
            raise ValueError(f"give the source to crawl: scrapy crawl {self.name} -a source=ID")
        self.source_id = source
        self.sources_file = sources_file
        self.db = Path("corpus.duckdb")
        self.allowed_domains: list[str] = []
        self.source: Source
        self.known: dict[str, Known] = {}
        self.max_pages = 0
        self.article_requests = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> "SourceSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        path = Path(
            spider.sources_file or settings.get("MEDIAMON_SOURCES") or default_sources_file()
        )
        spider.source = load_sources(path, [spider.source_id])[0]
        spider.allowed_domains = list(spider.source.domains)
        spider.db = Path(settings.get("MEDIAMON_DB"))
        spider.max_pages = settings.getint("MEDIAMON_MAX_PAGES")
        # per-source politeness: Scrapy reads these when the crawl starts (after from_crawler)
        crawler.settings.set("DOWNLOAD_DELAY", spider.source.delay, priority="spider")
        crawler.settings.set(
            "CONCURRENT_REQUESTS_PER_DOMAIN", spider.source.concurrency, priority="spider"
        )
        crawler.settings.set("AUTOTHROTTLE_START_DELAY", spider.source.delay, priority="spider")
        return spider

    # --- discovery --------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        self.known = load_known(self.db)
        starters = {
            "feeds": self.start_feeds,
            "sitemaps": self.start_sitemaps,
            "site": self.start_site,
            "urls": self.start_explicit,
        }
        for strategy in self.strategies:
            if strategy in self.source.strategies:
                for request in starters[strategy]():
                    yield request

    def start_feeds(self) -> Iterator[scrapy.Request]:
        for url in self.source.feeds:
            yield self._listing(url, self.parse_feed, kind="feed")

    def start_sitemaps(self) -> Iterator[scrapy.Request]:
        for url in self.source.sitemaps:
            callback = self.parse_robots if url.rstrip("/").endswith("/robots.txt") else None
            yield self._listing(url, callback or self.parse_sitemap, kind="sitemap")

    def start_site(self) -> Iterator[scrapy.Request]:
        for url in self.source.start_urls:
            request = self._listing(url, self.parse_listing, kind="start_page")
            request.meta["mm_depth"] = 0
            yield request

    def start_explicit(self) -> Iterator[scrapy.Request]:
        for url in self.source.urls:
            request = self.article_request(url)
            if request is not None:
                yield request

    def _listing(self, url: str, callback: Any, kind: str) -> scrapy.Request:
        # Feeds and sitemaps are always fetched whole: a 304 would hide the entries that a
        # killed crawl never reached. The articles are what is asked for conditionally.
        meta: dict[str, Any] = {"mm_kind": kind}
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, meta=meta, dont_filter=True
        )

    def article_request(
        self, url: str, hint: DateFinding | None = None, lastmod: dt.date | None = None
    ) -> scrapy.Request | None:
        """A request for an article page, or None when the seen-check says it is not needed."""
        canonical = canonicalize_url(url)
        known = self.known.get(canonical)
        meta: dict[str, Any] = {"mm_kind": "article", "mm_url": canonical, "mm_hint": hint}
        if known is not None:
            etag, modified, _stored, fetched = known
            if lastmod is not None and fetched is not None and lastmod < fetched.date():
                # the sitemap says it has not changed since we fetched it
                self.crawler.stats.inc_value("mediamon/skipped/unchanged_lastmod")
                return None
            if not (etag or modified):
                self.crawler.stats.inc_value("mediamon/skipped/known")
                return None
            meta["mm_known"] = (etag, modified)
        if self.max_pages and self.article_requests >= self.max_pages:
            self.crawler.stats.inc_value("mediamon/skipped/max_pages")
            return None
        self.article_requests += 1
        return scrapy.Request(
            canonical, callback=self.parse_article, errback=self.on_error, meta=meta
        )

    # --- parsing -----------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[PageItem]:
        """The one path every strategy's articles go through."""
        headers = response.headers
        yield PageItem(
            url=response.url,
            requested_url=response.meta.get("mm_url") or canonicalize_url(response.url),
            source_id=self.source.id,
            status=response.status,
            fetched_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            body=response.body if response.status != 304 else b"",
            content_type=_header(headers, b"Content-Type"),
            etag=_header(headers, b"ETag"),
            last_modified=_header(headers, b"Last-Modified"),
            date_hint=response.meta.get("mm_hint"),
        )

    def parse_feed(self, response: Response) -> Iterator[Any]:
        from mediamon.crawler.discovery import DiscoveryError, parse_feed

        self._record_listing(response)
        if response.status == 304:
            return
        try:
            entries, recovered = parse_feed(response.body)
        except DiscoveryError as exc:
            self._listing_error(response.url, "feed_malformed", str(exc))
            return
        if recovered:
            self._listing_error(response.url, "feed_malformed", "recovered part of it")
        self.crawler.stats.inc_value("mediamon/discovered/feed", len(entries))
        for entry in entries:
            request = self.article_request(entry.url, entry.date)
            if request is not None:
                yield request

    def parse_robots(self, response: Response) -> Iterator[Any]:
        from mediamon.crawler.discovery import robots_sitemaps

        for url in robots_sitemaps(response.body):
            yield self._listing(url, self.parse_sitemap, kind="sitemap")

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        from mediamon.crawler.discovery import DiscoveryError, parse_sitemap

        self._record_listing(response)
        if response.status == 304:
            return
        try:
            sitemap = parse_sitemap(response.body)
        except DiscoveryError as exc:
            self._listing_error(response.url, "sitemap_malformed", str(exc))
            return
        if sitemap.kind == "index":
            for entry in sitemap.entries:
                yield self._listing(entry.url, self.parse_sitemap, kind="sitemap")
            return
        self.crawler.stats.inc_value("mediamon/discovered/sitemap", len(sitemap.entries))
        for entry in sitemap.entries:
            request = self.article_request(entry.url, entry.date, entry.lastmod)
            if request is not None:
                yield request

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """A start or section page: follow links within the source, up to max_depth."""
        import re

        from scrapy.linkextractors import LinkExtractor

        depth = int(response.meta.get("mm_depth", 0))
        if not isinstance(response, TextResponse):
            return
        pattern = re.compile(self.source.article_pattern) if self.source.article_pattern else None
        if pattern is None and depth > 0:
            # without a pattern every page may be an article
            yield from self.parse_article(response)
        extractor = LinkExtractor(unique=True)
        for link in extractor.extract_links(response):
            url = canonicalize_url(link.url)
            if not self.in_domains(url):
                continue
            if pattern is not None and pattern.search(url):
                request = self.article_request(url)
                if request is not None:
                    yield request
            elif depth < self.source.max_depth:
                if pattern is None:
                    follow = self.article_request(url)
                    if follow is None:
                        continue
                    follow = follow.replace(callback=self.parse_listing)
                else:
                    follow = scrapy.Request(
                        url,
                        callback=self.parse_listing,
                        errback=self.on_error,
                        meta={"mm_kind": "listing"},
                    )
                follow.meta["mm_depth"] = depth + 1
                yield follow

    def in_domains(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.source.domains)

    # --- bookkeeping ----------------------------------------------------------------------------

    def _record_listing(self, response: Response) -> None:
        self.crawler.stats.inc_value(f"mediamon/fetched/{response.meta.get('mm_kind')}")
        pipeline_store = getattr(self, "store", None)
        if pipeline_store is not None:
            pipeline_store.record_listing(response, self.source.id)

    def _listing_error(self, url: str, kind: str, message: str) -> None:
        self.crawler.stats.inc_value(f"mediamon/errors/{kind}")
        self.crawler.stats.set_value(f"mediamon/last_error/{kind}", f"{url}: {message}")
        logger.warning("%s %s: %s", kind.replace("_", " "), url, message)

    def on_error(self, failure: Failure) -> None:
        from mediamon.crawler.errors import classify

        request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("mm_kind", "page")
        reason = classify(failure)
        prefix = "dropped" if reason in ("robots", "private_address", "offsite") else "errors"
        if prefix == "errors" and kind in ("feed", "sitemap"):
            reason = f"{kind}_{reason}"
        self.crawler.stats.inc_value(f"mediamon/{prefix}/{reason}")
        self.crawler.stats.set_value(f"mediamon/last_error/{reason}", f"{request.url}")
        logger.info("%s %s: %s", kind, request.url, reason)
        store = getattr(self, "store", None)
        if store is not None:
            store.record_failure(request, reason, self.source.id)


def _header(headers: Any, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None


class FeedsSpider(SourceSpider):
    """Articles listed in the source's RSS/Atom feeds."""

    name = "feeds"
    strategies = ("feeds",)


class SitemapsSpider(SourceSpider):
    """Articles listed in the source's sitemaps (indexes, urlsets, news sitemaps)."""

    name = "sitemaps"
    strategies = ("sitemaps",)


class SiteSpider(SourceSpider):
    """Articles found by following links from the start pages within the source's domains."""

    name = "site"
    strategies = ("site",)


class UrlsSpider(SourceSpider):
    """An explicit list of article URLs."""

    name = "urls"
    strategies = ("urls",)
