"""Quieter Scrapy log lines: a dropped page is routine (it is counted), not a warning."""

import logging
from typing import Any

from scrapy import logformatter
from scrapy.http import Response


class LogFormatter(logformatter.LogFormatter):
    def dropped(  # type: ignore[override]
        self, item: Any, exception: BaseException, response: Response | None, spider: Any = None
    ) -> logformatter.LogFormatterResult:
        url = getattr(item, "url", None) or (response.url if response is not None else "?")
        return {
            "level": logging.DEBUG,
            "msg": "dropped %(url)s: %(reason)s",
            "args": {"url": url, "reason": exception},
        }
