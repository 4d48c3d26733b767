"""Strategy `feeds`: the articles listed in a source's RSS and Atom feeds."""

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from mediamon.crawler.discovery import DiscoveryError, parse_feed
from mediamon.crawler.spiders.base import BaseSpider


class FeedsStrategy(BaseSpider):
    """Feeds are fetched whole every time; their entries are the candidate articles."""

    def start_feeds(self) -> Iterator[scrapy.Request]:
        for url in self.source.feeds:
            yield self._listing(url, self.parse_feed, kind="feed")

    def parse_feed(self, response: Response) -> Iterator[Any]:
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


class FeedsSpider(FeedsStrategy):
    """Articles listed in the source's RSS/Atom feeds."""

    name = "feeds"
    strategies = ("feeds",)
