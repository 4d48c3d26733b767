"""Strategy `sitemaps`: sitemap indexes, urlsets, Google news sitemaps, or robots.txt's."""

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from mediamon.crawler.discovery import DiscoveryError, parse_sitemap, robots_sitemaps
from mediamon.crawler.spiders.base import BaseSpider


class SitemapsStrategy(BaseSpider):
    """A sitemap's lastmod spares a re-fetch of what has not changed since the last crawl."""

    def start_sitemaps(self) -> Iterator[scrapy.Request]:
        for url in self.source.sitemaps:
            callback = self.parse_robots if url.rstrip("/").endswith("/robots.txt") else None
            yield self._listing(url, callback or self.parse_sitemap, kind="sitemap")

    def parse_robots(self, response: Response) -> Iterator[Any]:
        self._record_listing(response, archive=False)
        for url in robots_sitemaps(response.body):
            yield self._listing(url, self.parse_sitemap, kind="sitemap")

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        self._record_listing(response)
        if response.status == 304:
            return
        try:
            sitemap = parse_sitemap(response.body)
        except DiscoveryError as exc:
            self._listing_error(response.url, "sitemap_malformed", str(exc))
            return
        for reason in sitemap.bad_entries:
            self._listing_error(response.url, "sitemap_bad_entry", reason)
        if sitemap.kind == "index":
            for entry in sitemap.entries:
                yield self._listing(entry.url, self.parse_sitemap, kind="sitemap")
            return
        self.crawler.stats.inc_value("mediamon/discovered/sitemap", len(sitemap.entries))
        for entry in sitemap.entries:
            try:
                request = self.article_request(entry.url, entry.date, entry.lastmod)
            except (ValueError, UnicodeError) as exc:  # one entry never costs the others
                self._listing_error(response.url, "sitemap_bad_entry", f"{entry.url}: {exc}")
                continue
            if request is not None:
                yield request


class SitemapsSpider(SitemapsStrategy):
    """Articles listed in the source's sitemaps (indexes, urlsets, news sitemaps)."""

    name = "sitemaps"
    strategies = ("sitemaps",)
