"""The Scrapy side of the shared crawl frontier (the Redis side and the design: `frontier`).

- `FrontierScheduler`: scrapy-redis's scheduler, with its priority queue and duplicate filter
  under the source's frontier key, popping under a lease, acknowledging a request once it is
  done (see `done`), and keeping a process alive while the frontier has work anywhere.
- `FrontierSpiderMiddleware`: sees when a response's callback has yielded everything and its
  items have been through the pipelines: that request is done.
- `SharedPolitenessHandler`: starts each download in the host's next slot, reserved in Redis.

A request is done when its child requests are in the queue and its page is in the corpus
writer's buffer; the acknowledgement then waits on the writer's thread for the batch holding the
page, so an acknowledged request is never one a dead process had not stored.
"""

import asyncio
import collections
import logging
from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request, signals
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import reactor
from twisted.internet.task import LoopingCall

from mediamon.corpus.batch import BatchWriteError
from mediamon.crawler.frontier import Frontier, connect, frontier_key, worker_name

logger = logging.getLogger(__name__)


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler for one source, with leases for requests in flight."""

    def __init__(self, crawler: Crawler, client: Any, lease_seconds: float) -> None:
        super().__init__(client, persist=True)
        self.crawler = crawler
        self.stats = crawler.stats
        self.lease_seconds = lease_seconds
        self.worker = worker_name()
        self.frontier: Frontier
        self.spider: Any = None
        self.held: set[str] = set()  # leases this process holds (renewed until acknowledged)
        self.done: set[str] = set()  # ...that are done, waiting for their acknowledgement
        self.acking: set[str] = set()  # ...whose acknowledgement waits for the corpus writer
        self.items: collections.Counter[str] = collections.Counter()  # items in the pipelines
        self.outputs: set[str] = set()  # leases whose callback has yielded everything
        self.seeding = False
        self.loop = LoopingCall(self.tick)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "FrontierScheduler":
        settings = crawler.settings
        client = connect(settings.get("MEDIAMON_FRONTIER"))
        return cls(crawler, client, settings.getfloat("MEDIAMON_FRONTIER_LEASE", 60.0))

    def open(self, spider: Any) -> None:
        self.spider = spider
        self.frontier = Frontier(
            self.server, frontier_key(spider.source), self.lease_seconds, self.worker
        )
        self.queue = PriorityQueue(self.server, spider, self.frontier.queue_key)
        self.df = RFPDupeFilter(self.server, key=self.frontier.dupefilter_key)
        spider.frontier = self
        connect_signal = self.crawler.signals.connect
        connect_signal(self.idle, signal=signals.spider_idle)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            connect_signal(self.item_finished, signal=signal)
        self.loop.start(min(1.0, self.lease_seconds / 3), now=False)

    # --- seeding (called by the spider's start) ---------------------------------------------

    def claim_seeding(self) -> bool:
        self.seeding = self.frontier.claim_seeding()
        return self.seeding

    def seeded(self) -> None:
        if self.seeding:
            self.seeding = False
            self.frontier.seeded()

    # --- the queue ----------------------------------------------------------------------------

    def enqueue_request(self, request: Request) -> bool:
        ledger = getattr(self.spider, "ledger", None)
        # a redirect or retry carries the lease of the request it continues
        lease = request.meta.pop("mm_lease", None)
        ticket, kind = request.meta.get("mm_ticket"), request.meta.get("mm_kind") or "page"
        if not request.dont_filter and self.df.request_seen(request):
            if lease is not None:  # Scrapy's request_dropped closes its ticket
                self.request_done(lease)
                return False
            # another process asked for it first this cycle: it is theirs to count
            if ledger is not None:
                ledger.transfer(ticket, kind)
            self.stats.inc_value("mediamon/skipped/already_requested")
            return True
        if ledger is not None:  # whoever takes it from the queue counts its outcome
            ledger.transfer(ticket, kind)
        self.queue.push(request)
        self.stats.inc_value("scheduler/enqueued/redis")
        if lease is not None:
            self.request_done(lease)
        return True

    def next_request(self) -> Request | None:
        popped = self.frontier.pop()
        if popped is None:
            return None
        lease, data = popped
        try:
            request: Request = self.queue._decode_request(data)
        except Exception as exc:  # an entry another version wrote: never retried forever
            logger.error("frontier %s: unreadable request dropped: %s", self.frontier.prefix, exc)
            self.frontier.ack([lease])
            return None
        request.meta["mm_lease"] = lease
        self.held.add(lease)
        ledger = getattr(self.spider, "ledger", None)
        if ledger is not None:
            ledger.issue(request, request.meta.get("mm_kind") or "page")
        self.stats.inc_value("scheduler/dequeued/redis")
        return request

    # --- when a request is done ---------------------------------------------------------------

    def item_started(self, lease: str) -> None:
        self.items[lease] += 1

    def item_finished(self, item: Any = None, response: Response | None = None, **_: Any) -> None:
        lease = response.meta.get("mm_lease") if response is not None else None
        if lease is not None:
            self.items[lease] -= 1
            self._maybe_done(lease)

    def output_finished(self, lease: str) -> None:
        self.outputs.add(lease)
        self._maybe_done(lease)

    def _maybe_done(self, lease: str) -> None:
        if lease in self.outputs and self.items[lease] <= 0:
            self.outputs.discard(lease)
            self.items.pop(lease, None)
            self.request_done(lease)

    def request_done(self, lease: str | None) -> None:
        if lease is not None and lease in self.held:
            self.done.add(lease)

    def flush_acks(self) -> None:
        """Acknowledge the done leases once the corpus writer has written their pages."""
        ready = sorted(self.done - self.acking)
        if not ready:
            return
        self.acking.update(ready)
        store = getattr(self.spider, "store", None)
        writer = getattr(store, "writer", None)
        if writer is None:
            self._acked(ready)
            return
        try:
            if writer.failure is None:
                writer.flush()  # the buffered pages go to the writer's thread, in order
        except BatchWriteError as exc:  # the store pipeline fails the source with it
            if store is not None:
                store._fail(str(exc), stop=True)
        future = writer.call(self.frontier.ack, ready)  # after those batches
        future.add_done_callback(lambda _f: reactor.callFromThread(self._forget, ready))

    def _acked(self, leases: list[str]) -> None:
        self.frontier.ack(leases)
        self._forget(leases)

    def _forget(self, leases: list[str]) -> None:
        for lease in leases:
            self.held.discard(lease)
            self.done.discard(lease)
            self.acking.discard(lease)
            self.outputs.discard(lease)
            self.items.pop(lease, None)

    # --- the heartbeat, idleness and closing --------------------------------------------------

    def tick(self) -> None:
        try:
            self.frontier.renew(sorted(self.held))
            if self.seeding:
                self.frontier.renew_seeding()
            self.flush_acks()
            if self.frontier.requeue_expired():
                self._nudge()
        except Exception:  # Redis gone for a moment: the next tick tries again
            logger.warning("frontier %s: heartbeat failed", self.frontier.prefix, exc_info=True)

    def _nudge(self) -> None:
        """Ask the engine to look at the queue soon (it would otherwise wait 5 s when idle)."""
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule(0.3)

    def idle(self, spider: Any) -> None:
        # idle: nothing of this process is being downloaded or processed, so all it holds is done
        self.done.update(self.held - self.acking)
        self.flush_acks()
        if self.seeding:  # idle: the start requests are exhausted (or their iterator failed)
            self.seeded()
        self.frontier.requeue_expired()
        if not self.seeding and self.frontier.claim_orphaned_seeding():
            self._reseed()
        status = self.frontier.status()
        if not status.drained:  # work queued, leased or being seeded somewhere: stay
            self._nudge()
            raise DontCloseSpider

    def _reseed(self) -> None:
        logger.warning("frontier %s: the seeder died; seeding again", self.frontier.prefix)
        self.seeding = True
        engine = self.crawler.engine
        assert engine is not None
        for request in self.spider.seed_requests():
            engine.crawl(request)
        self.seeded()

    def close(self, reason: str) -> None:
        """After the pipelines closed (every batch written): acknowledge what is done, give
        back what is not, and end the cycle when nothing is left anywhere."""
        if self.loop.running:
            self.loop.stop()
        if self.spider is None:
            return
        unfinished = sorted(self.held - self.done - self.acking)
        if unfinished:
            n = len(unfinished)
            logger.info("frontier %s: %d request(s) given back", self.frontier.prefix, n)
            self.frontier.give_back(unfinished)
        self._acked(sorted(self.done | self.acking))
        if self.seeding:  # stopped while seeding: another process seeds again
            self.frontier.client.delete(f"{self.frontier.prefix}:seeder")
        if reason == "finished":
            self.frontier.finish_cycle()


class FrontierSpiderMiddleware:
    """Tells the scheduler when a response's callback has yielded everything it will."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "FrontierSpiderMiddleware":
        return cls(crawler)

    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        scheduler = getattr(self.crawler.spider, "frontier", None)
        lease = response.meta.get("mm_lease")
        try:
            async for element in result:
                if scheduler is not None and lease is not None and not isinstance(element, Request):
                    scheduler.item_started(lease)
                yield element
        finally:  # a callback that raised is done too (its outcome is a spider error)
            if scheduler is not None and lease is not None:
                scheduler.output_finished(lease)


class SharedPolitenessHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP handler, starting each download in the host's next slot, reserved in
    Redis: the source's delay then holds per host across every crawl process.

    The slot is taken here, where the download starts, and not in a downloader middleware:
    a request that passed a middleware may still wait in the process's own queue for a host
    (its concurrency), and would then go out bunched with other processes' requests.
    """

    async def download_request(self, request: Request) -> Response:
        spider = self._crawler.spider
        scheduler = getattr(spider, "frontier", None)
        delay = float(getattr(getattr(spider, "source", None), "delay", 0.0) or 0.0)
        if scheduler is not None and delay > 0:
            await self._take_slot(scheduler.frontier, request.url, delay)
        return await super().download_request(request)

    @staticmethod
    async def _take_slot(frontier: Frontier, url: str, delay: float) -> None:
        # a reactor busy elsewhere may wake us late, with other late requests: a slot missed
        # by more than a little is given up and a new one reserved, so they do not go together
        loop = asyncio.get_running_loop()
        while (wait := frontier.reserve(url, delay)) > 0:
            woken = loop.time() + wait
            await asyncio.sleep(wait)
            if loop.time() - woken <= min(0.05, delay / 4):
                return
