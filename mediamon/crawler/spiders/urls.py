"""Strategy `urls`: an explicit list of article URLs."""

from collections.abc import Iterator

import scrapy

from mediamon.crawler.spiders.base import BaseSpider


class UrlsStrategy(BaseSpider):
    """Each URL is an article, asked for through the same seen-check as discovered ones."""

    def start_explicit(self) -> Iterator[scrapy.Request]:
        for url in self.source.urls:
            request = self.article_request(url)
            if request is not None:
                yield request


class UrlsSpider(UrlsStrategy):
    """An explicit list of article URLs."""

    name = "urls"
    strategies = ("urls",)
