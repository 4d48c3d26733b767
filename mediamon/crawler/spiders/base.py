"""What every spider shares: one source, one article-parsing path, the corpus as the "seen" set.

The strategies (feeds, sitemaps, site, urls; one module each) differ only in how they discover
article URLs, and each adds its own `start_*` and `parse_*` methods to this base.
Every discovered URL is canonicalised before the seen-check; pages the corpus already holds are
asked for again only with a conditional request, or not at all when the server gave no
validators. A URL is asked for once per crawl however often it is discovered, and every request
ends in one counted outcome (`crawler/ledger.py`).
"""

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from mediamon import config
from mediamon.corpus.pages import Known, known_pages
from mediamon.corpus.urls import canonicalize_url
from mediamon.crawler.items import PageItem
from mediamon.crawler.ledger import Ledger
from mediamon.crawler.sources import Source, load_sources
from mediamon.documents.dates import DateFinding
from mediamon.errors import MediamonError

logger = logging.getLogger(__name__)


class BaseSpider(scrapy.Spider):
    """One source, crawled with the strategies of the spider class that its source configures."""

    strategies: ClassVar[tuple[str, ...]] = ()
    # the method that starts each strategy (Scrapy's own `start_urls` is a list, hence the name)
    starters: ClassVar[dict[str, str]] = {
        "feeds": "start_feeds",
        "sitemaps": "start_sitemaps",
        "site": "start_site",
        "urls": "start_explicit",
    }

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
        self.requested: set[str] = set()  # canonical URLs asked for in this crawl
        self.ledger: Ledger

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> "BaseSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        path = Path(
            spider.sources_file or settings.get("MEDIAMON_SOURCES") or config.path("sources.toml")
        )
        spider.source = load_sources(path, [spider.source_id])[0]
        spider.allowed_domains = list(spider.source.domains)
        spider.db = Path(settings.get("MEDIAMON_DB"))
        spider.max_pages = settings.getint("MEDIAMON_MAX_PAGES")
        # per-source politeness: Scrapy reads these when the crawl starts (after from_crawler)
        # with a shared frontier the delay is held in Redis across processes (frontier.py)
        shared = bool(settings.get("MEDIAMON_FRONTIER"))
        local_delay = 0.0 if shared else spider.source.delay
        crawler.settings.set("DOWNLOAD_DELAY", local_delay, priority="spider")
        if shared:  # take from the shared queue only what this process can work on now
            crawler.settings.set("CONCURRENT_REQUESTS", spider.source.concurrency, "spider")
        crawler.settings.set(
            "CONCURRENT_REQUESTS_PER_DOMAIN", spider.source.concurrency, priority="spider"
        )
        crawler.settings.set("AUTOTHROTTLE_START_DELAY", spider.source.delay, priority="spider")
        spider.ledger = Ledger(crawler)
        crawler.signals.connect(spider.closing, signal=signals.spider_closed)
        return spider

    def closing(self, spider: Any, reason: str) -> None:
        self.ledger.finish(reason)

    # --- discovery --------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        store = getattr(self, "store", None)
        try:
            if store is not None:  # in turn with the writes of every source in this process
                self.known = await store.call(known_pages, self.db)
            else:
                self.known = known_pages(self.db)
        except MediamonError as exc:  # no seen-check, no crawl: the source fails, loudly
            self.crawler.stats.set_value("mediamon/failure", str(exc))
            logger.error("source %s cannot start: %s", self.source_id, exc)
            return
        frontier = getattr(self, "frontier", None)
        if frontier is not None and not frontier.claim_seeding():
            return  # another process seeds this cycle: this one takes from the shared queue
        for request in self.seed_requests():
            yield request
        if frontier is not None:
            frontier.seeded()

    def seed_requests(self) -> Iterator[scrapy.Request]:
        """The requests every strategy of the source starts from."""
        for strategy in self.strategies:
            if strategy in self.source.strategies:
                yield from getattr(self, self.starters[strategy])()

    def _listing(self, url: str, callback: Any, kind: str) -> scrapy.Request:
        # Feeds and sitemaps are always fetched whole: a 304 would hide the entries that a
        # killed crawl never reached. The articles are what is asked for conditionally.
        meta: dict[str, Any] = {"mm_kind": kind}
        request = scrapy.Request(
            url, callback=callback, errback=self.on_error, meta=meta, dont_filter=True
        )
        return self.ledger.issue(request, kind)

    def first_time(self, canonical: str) -> bool:
        """Whether this crawl has not asked for the URL yet, marking it asked for: a page that
        many pages link to, or that a feed and a sitemap both list, is one request (a second
        one would only meet Scrapy's duplicate filter)."""
        if canonical in self.requested:
            self.crawler.stats.inc_value("mediamon/skipped/already_requested")
            return False
        self.requested.add(canonical)
        return True

    def article_request(
        self, url: str, hint: DateFinding | None = None, lastmod: dt.date | None = None
    ) -> scrapy.Request | None:
        """A request for an article page, or None when the seen-check says it is not needed."""
        canonical = canonicalize_url(url)
        if canonical in self.requested:
            self.crawler.stats.inc_value("mediamon/skipped/already_requested")
            return None
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
        self.requested.add(canonical)
        request = scrapy.Request(
            canonical, callback=self.parse_article, errback=self.on_error, meta=meta
        )
        return self.ledger.issue(request, "article")

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
            ticket=response.meta.get("mm_ticket"),
        )

    # --- bookkeeping ----------------------------------------------------------------------------

    def _record_listing(self, response: Response, archive: bool = True) -> None:
        """A listing was read: that is its request's outcome (feeds and sitemaps are archived
        with their validators)."""
        kind = response.meta.get("mm_kind") or "listing"
        self.ledger.close(response.meta.get("mm_ticket"), "listings", kind)
        pipeline_store = getattr(self, "store", None)
        if archive and pipeline_store is not None:
            pipeline_store.record_listing(response, self.source.id)

    def _listing_error(self, url: str, kind: str, message: str) -> None:
        self.ledger.listing_failed(url, kind, f"{url}: {message}")
        logger.warning("%s %s: %s", kind.replace("_", " "), url, message)

    def on_error(self, failure: Failure) -> None:
        from mediamon.crawler.errors import classify, is_drop

        request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("mm_kind", "page")
        reason = classify(failure)
        section = "dropped" if is_drop(reason) else "errors"
        if section == "errors" and kind in ("feed", "sitemap"):
            reason = f"{kind}_{reason}"
        chain = request.meta.get("redirect_urls") or []
        # the URL that was asked for, and where a redirect took it
        asked = chain[0] if chain else request.url
        where = asked if asked == request.url else f"{asked} -> {request.url}"
        self.ledger.close(request.meta.get("mm_ticket"), section, reason, where)
        logger.info("%s %s: %s", kind, where, reason)
        store = getattr(self, "store", None)
        if store is not None:
            store.record_failure(request, reason, self.source.id)
        frontier = getattr(self, "frontier", None)
        if frontier is not None:  # an error is an outcome: the request is done
            frontier.request_done(request.meta.get("mm_lease"))


def _header(headers: Any, name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value else None
