"""Spiders, one module per crawl strategy; all share BaseSpider's article-parsing path."""

from mediamon.crawler.spiders.feeds import FeedsSpider
from mediamon.crawler.spiders.site import SiteSpider
from mediamon.crawler.spiders.sitemaps import SitemapsSpider
from mediamon.crawler.spiders.source import SourceSpider
from mediamon.crawler.spiders.urls import UrlsSpider

__all__ = ["FeedsSpider", "SiteSpider", "SitemapsSpider", "SourceSpider", "UrlsSpider"]
