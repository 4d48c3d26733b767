"""The spider `mediamon crawl` runs: one source with every strategy it configures."""

from typing import ClassVar

from mediamon.crawler.spiders.feeds import FeedsStrategy
from mediamon.crawler.spiders.site import SiteStrategy
from mediamon.crawler.spiders.sitemaps import SitemapsStrategy
from mediamon.crawler.spiders.urls import UrlsStrategy


class SourceSpider(FeedsStrategy, SitemapsStrategy, SiteStrategy, UrlsStrategy):
    """Crawls one source with every strategy it configures, in this order."""

    name = "source"
    strategies: ClassVar[tuple[str, ...]] = ("feeds", "sitemaps", "site", "urls")
