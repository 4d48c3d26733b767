"""Strategy `feeds`: the articles listed in a source's RSS and Atom feeds."""

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from mediamon.crawler.discovery import DiscoveryError, parse_feed
from mediamon.crawler.spiders.base import BaseSpider

# what feedparser needs of the response: the charset, a base URL, the language
FEED_HEADERS = (b"Content-Type", b"Content-Location", b"Content-Language")


class FeedsStrategy(BaseSpider):
    """Feeds are fetched whole every time; their entries are the candidate articles."""

    def start_feeds(self) -> Iterator[scrapy.Request]:
        for url in self.source.feeds:
            yield self._listing(url, self.parse_feed, kind="feed")

    def parse_feed(self, response: Response) -> Iterator[Any]:
        self._record_listing(response)
        if response.status == 304:
            return
        headers = {
            name.decode().lower(): value.decode("latin-1")
            for name in FEED_HEADERS
            if (value := response.headers.get(name))
        }
        try:
            feed = parse_feed(response.body, response.url, headers)
        except DiscoveryError as exc:
            self._listing_error(response.url, "feed_malformed", str(exc))
            return
        if feed.recovered:
            self._listing_error(response.url, "feed_malformed", "recovered part of it")
        for reason in feed.bad_entries:
            self._listing_error(response.url, "feed_bad_entry", reason)
        self.crawler.stats.inc_value("mediamon/discovered/feed", len(feed.entries))
        for entry in feed.entries:
            try:
                request = self.article_request(entry.url, entry.date)
            except (ValueError, UnicodeError) as exc:  # one entry never costs the others
                self._listing_error(response.url, "feed_bad_entry", f"{entry.url}: {exc}")
                continue
            if request is not None:
                yield request


class FeedsSpider(FeedsStrategy):
    """Articles listed in the source's RSS/Atom feeds."""

    name = "feeds"
    strategies = ("feeds",)
