"""Spiders by crawl strategy; all share SourceSpider's article-parsing path."""

from mediamon.crawler.spiders.base import (
    FeedsSpider,
    SitemapsSpider,
    SiteSpider,
    SourceSpider,
    UrlsSpider,
)

__all__ = ["FeedsSpider", "SiteSpider", "SitemapsSpider", "SourceSpider", "UrlsSpider"]
