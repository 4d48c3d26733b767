"""Strategy `site`: links followed from start pages within the source's domains, to a depth."""

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from mediamon.corpus.urls import canonicalize_url
from mediamon.crawler.spiders.base import BaseSpider


class SiteStrategy(BaseSpider):
    """`article_pattern` says which links are articles; the other links are followed."""

    def start_site(self) -> Iterator[scrapy.Request]:
        for url in self.source.start_urls:
            self.requested.add(canonicalize_url(url))
            request = self._listing(url, self.parse_listing, kind="start_page")
            request.meta["mm_depth"] = 0
            yield request

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """A start or section page: follow links within the source, up to max_depth."""
        depth = int(response.meta.get("mm_depth", 0))
        pattern = re.compile(self.source.article_pattern) if self.source.article_pattern else None
        if pattern is None and depth > 0:
            # without a pattern every page may be an article: its item carries the outcome
            yield from self.parse_article(response)
        elif isinstance(response, TextResponse):
            self._record_listing(response, archive=False)
        else:  # a link to a PDF or an image, not a page to read links from
            self.ledger.close(response.meta.get("mm_ticket"), "dropped", "not_html")
        if not isinstance(response, TextResponse):
            return
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
                elif self.first_time(url):
                    follow = self.ledger.issue(
                        scrapy.Request(
                            url,
                            callback=self.parse_listing,
                            errback=self.on_error,
                            meta={"mm_kind": "listing"},
                        ),
                        "listing",
                    )
                else:
                    continue
                follow.meta["mm_depth"] = depth + 1
                yield follow

    def in_domains(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.source.domains)


class SiteSpider(SiteStrategy):
    """Articles found by following links from the start pages within the source's domains."""

    name = "site"
    strategies = ("site",)
