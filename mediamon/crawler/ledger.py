"""Every URL a spider asks for ends in exactly one counted outcome.

A request gets a ticket when the spider asks for it (`issue`), and whatever becomes of it closes
the ticket once (`close`): a listing read (feed, sitemap, start or section page), a page stored
(its document's outcome, new/updated/unchanged/duplicate, comes from the corpus writer), not
modified, dropped by reason, or an error by kind. Redirects, retries and meta refreshes keep the
ticket (Scrapy copies the request's meta), so a chain ends in one outcome, and a second outcome
for the same ticket is ignored. Scrapy's own ways of losing a request are signals, and each
closes its ticket: the scheduler's duplicate filter (`request_dropped`: a redirect back into its
own chain is a loop, one to a page already asked for is `already_fetched`), an exception in a
callback (`spider_error`) or in a pipeline (`item_error`). Tickets still open when the spider
closes are counted as `unfinished`: a crawl stopped early, or a path this file does not know.

The figures go to the crawler's stats (`mediamon/requested/<kind>`, `mediamon/listings/<kind>`,
`mediamon/stored`, `mediamon/not_modified`, `mediamon/dropped/<reason>`,
`mediamon/errors/<kind>`, `mediamon/unfinished`), which `source_stats` turns into the run's.
"""

import itertools
import logging
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

SECTIONS = ("listings", "stored", "not_modified", "dropped", "errors")


def _key(section: str, reason: str) -> str:
    return (
        f"mediamon/{section}"
        if section in ("stored", "not_modified")
        else (f"mediamon/{section}/{reason}")
    )


def error_kind(prefix: str, exc: BaseException | None) -> str:
    """`extraction_importerror`: where it failed and the exception's type, as a stats key."""
    return f"{prefix}_{type(exc).__name__.lower()}" if exc is not None else prefix


class Ledger:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._tickets = itertools.count(1)
        self.open: dict[int, str] = {}  # ticket -> URL asked for
        self.closed: dict[int, tuple[str, str]] = {}  # ticket -> (section, reason)
        self._listings: dict[str, int] = {}  # a listing's URL -> its ticket
        for handler, signal in (
            (self.request_dropped, signals.request_dropped),
            (self.spider_error, signals.spider_error),
            (self.item_error, signals.item_error),
        ):
            crawler.signals.connect(handler, signal=signal)

    @property
    def stats(self) -> Any:
        return self.crawler.stats  # set when the crawl starts, after the spider is made

    # --- tickets ----------------------------------------------------------------------------

    def issue(self, request: Request, kind: str) -> Request:
        ticket = next(self._tickets)
        request.meta["mm_ticket"] = ticket
        self.open[ticket] = request.url
        self.stats.inc_value(f"mediamon/requested/{kind}")
        return request

    def transfer(self, ticket: int | None, kind: str) -> None:
        """The request went to the shared frontier: the process that takes it from there asks
        for it and counts its outcome, so this one forgets it (no outcome, not requested)."""
        if ticket is not None and self.open.pop(ticket, None) is not None:
            self.stats.inc_value(f"mediamon/requested/{kind}", -1)

    def close(
        self, ticket: int | None, section: str, reason: str = "", detail: str | None = None
    ) -> bool:
        """Count the outcome of a request; False when it already had one (or is not ours)."""
        if ticket is None or ticket not in self.open:
            return False
        url = self.open.pop(ticket)
        self.closed[ticket] = (section, reason)
        self.stats.inc_value(_key(section, reason))
        if section == "listings":
            self._listings[url] = ticket
        if detail is not None:
            self.stats.set_value(f"mediamon/last_error/{reason}", detail)
        return True

    def listing_failed(self, url: str, kind: str, detail: str) -> None:
        """A listing that was read turns out malformed: its outcome is that error instead."""
        ticket = self._listings.pop(url, None)
        if ticket is not None and self.closed.get(ticket, ("", ""))[0] == "listings":
            self.stats.inc_value(_key(*self.closed[ticket]), -1)
            self.closed[ticket] = ("errors", kind)
        self.stats.inc_value(f"mediamon/errors/{kind}")
        self.stats.set_value(f"mediamon/last_error/{kind}", detail)

    def finish(self, reason: str) -> int:
        """Count what never ended (the spider is closing); returns how many."""
        left = len(self.open)
        self.stats.set_value("mediamon/unfinished", left)
        if left and reason == "finished":
            sample = ", ".join(sorted(self.open.values())[:3])
            logger.warning("%d requested URL(s) ended without an outcome: %s", left, sample)
        return left

    # --- Scrapy's signals ---------------------------------------------------------------------

    def request_dropped(self, request: Request, spider: Any = None) -> None:
        chain = request.meta.get("redirect_urls") or []
        ticket = request.meta.get("mm_ticket")
        if request.url in chain:
            self.close(ticket, "errors", "redirect_loop", chain[0])
        else:
            self.close(ticket, "dropped", "already_fetched")

    def spider_error(self, failure: Failure, response: Response, spider: Any = None) -> None:
        kind = error_kind("spider", failure.value)
        self.close(response.meta.get("mm_ticket"), "errors", kind, f"{response.url}: {failure}")

    def item_error(
        self, item: Any, response: Response | None, spider: Any = None, failure: Any = None
    ) -> None:
        exc = getattr(failure, "value", None)
        kind = getattr(exc, "kind", None) or error_kind("pipeline", exc)
        url = getattr(item, "url", None) or (response.url if response is not None else "?")
        self.close(getattr(item, "ticket", None), "errors", kind, f"{url}: {exc}")
