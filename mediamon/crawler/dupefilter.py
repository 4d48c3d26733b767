"""The request dupefilter, which also names redirect loops.

A redirect that leads back to a URL already requested is dropped by Scrapy's dupefilter; that
is how a loop ends. Recording it lets the run's figures say so instead of losing the page
silently.
"""

from typing import Any

from scrapy import Request
from scrapy.dupefilters import RFPDupeFilter


class LoopAwareDupeFilter(RFPDupeFilter):
    stats: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "LoopAwareDupeFilter":
        dupefilter = super().from_crawler(crawler)
        dupefilter.stats = crawler.stats
        return dupefilter

    def log(self, request: Request, spider: Any = None) -> None:
        chain = request.meta.get("redirect_urls") or []
        # a loop comes back to a URL of its own chain; other duplicates are just duplicates
        if request.url in chain and self.stats is not None:
            self.stats.inc_value("mediamon/errors/redirect_loop")
            self.stats.set_value(
                "mediamon/last_error/redirect_loop", request.meta["redirect_urls"][0]
            )
        super().log(request, spider)
