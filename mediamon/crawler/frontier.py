"""A crawl frontier shared through Redis: one queue, one seen-set, leases, per-host politeness.

Any number of `mediamon crawl --frontier redis://HOST:PORT/DB` processes, on any number of
machines, crawl a source together. Per source (keys under ``mediamon:frontier:<id>:<digest>``,
the digest taken from the source's configuration, so an edited source is a new frontier):

- ``queue``: scrapy-redis's priority queue (a sorted set of serialized requests) and
  ``dupefilter``: scrapy-redis's fingerprint set. A URL enters the queue once per cycle,
  whichever process discovered it. The serialized request keeps its meta (the validators for a
  conditional request, the date hint), so any process can fetch it.
- Leases, for requests in flight. scrapy-redis pops a request and it is gone: a process killed
  then would lose it, and since the seen-set already holds it, nobody would fetch it again. Here
  a pop (one Lua script) moves the request into ``inflight`` (lease id -> request, and its
  priority) with an expiry in ``leases`` (a sorted set by time). The process that holds a lease
  renews it while it works, and acknowledges it only once everything the request led to is
  safe: its child requests pushed to the queue, and its page written to the corpus (the ack
  runs on the corpus writer's thread after the batch holding the page). A process that dies
  stops renewing; when a lease expires, any process puts the request back in the queue. So a
  dead process's unacknowledged requests are fetched again (at least once), and the corpus
  stores each page once (its writes are upserts keyed by URL and document id).
- ``cycle``: seeding the frontier from the sources file happens once per cycle. Under a short
  lock, the first process to find no cycle, or a finished one, or one with nothing queued, in
  flight or being seeded, starts a new cycle: it clears the queue and the seen-set (a new cycle
  may fetch every URL again, conditionally) and seeds; the others join and wait for the queue.
  The seeder holds ``seeder`` (a key with an expiry it renews); if it dies while seeding,
  another process seeds again (the seen-set keeps that from doubling anything). A cycle ends
  when its queue is empty and nothing is leased anywhere: then every process closes, and the
  last marks the cycle finished, so the next `mediamon crawl` starts a new one. Processes that
  were all killed leave the cycle open, with its queue: the next crawl resumes it.
- Politeness: ``mediamon:polite:<host:port>`` holds the next time a request may start on that
  host. Before each download, one Lua script reserves the next free slot (now or later) and moves
  the mark one delay on; the process waits for its slot. The delay therefore holds per host
  across every process, not per process. Times come from the Redis server's clock (TIME), so
  machines with skewed clocks agree.
"""

import hashlib
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mediamon.errors import FrontierError

logger = logging.getLogger(__name__)

_NOW = "local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"

# KEYS: queue, inflight, scores, leases, counter; ARGV: lease ms
POP = (
    _NOW
    + """
local items = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #items == 0 then return false end
redis.call('ZREM', KEYS[1], items[1])
local id = tostring(redis.call('INCR', KEYS[5]))
redis.call('HSET', KEYS[2], id, items[1])
redis.call('HSET', KEYS[3], id, items[2])
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[1]), id)
return {id, items[1]}
"""
)
# KEYS: queue, inflight, scores, leases; ARGV: ids to give back, or none for every expired one
REQUEUE = (
    _NOW
    + """
local ids = ARGV
if #ids == 0 then ids = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now) end
local n = 0
for _, id in ipairs(ids) do
  local data = redis.call('HGET', KEYS[2], id)
  if data then
    redis.call('ZADD', KEYS[1], redis.call('HGET', KEYS[3], id) or 0, data)
    n = n + 1
  end
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[4], id)
end
return n
"""
)
# KEYS: leases; ARGV: lease ms, ids (XX: an expired lease already given back stays given back)
RENEW = (
    _NOW
    + """
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
return #ARGV - 1
"""
)
# KEYS: the host's mark; ARGV: delay ms. Returns how long to wait (ms) for the reserved slot.
RESERVE = (
    _NOW
    + """
local mark = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, mark)
local after = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], after, 'PX', after - now + 60000)
return slot - now
"""
)


def connect(url: str) -> Any:
    """A Redis client for the frontier URL; FrontierError (one line) when it cannot be used."""
    import redis

    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        raise FrontierError(
            f"bad crawl frontier URL {url!r}: give redis://HOST:PORT/DB, e.g. "
            "redis://127.0.0.1:6379/0"
        )
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30)
        client.ping()
    except ValueError as exc:
        raise FrontierError(f"bad crawl frontier URL {url!r}: {exc}") from None
    except redis.RedisError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FrontierError(
            f"cannot reach the crawl frontier at {url}: {reason}; start Redis or fix --frontier"
        ) from None
    return client


def frontier_key(source: Any) -> str:
    """The key prefix of a source's frontier: its id and a digest of its configuration."""
    digest = hashlib.sha1(repr(source).encode("utf-8")).hexdigest()[:12]
    return f"mediamon:frontier:{source.id}:{digest}"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Status:
    queued: int
    leased: int
    state: str  # "", "seeding", "open", "finished"
    seeder_alive: bool

    @property
    def drained(self) -> bool:
        seeding = self.state == "seeding" and self.seeder_alive
        return not (self.queued or self.leased or seeding)


class Frontier:
    """One source's frontier in Redis (the Scrapy side is in `frontier_scrapy`)."""

    def __init__(self, client: Any, prefix: str, lease_seconds: float, worker: str) -> None:
        self.client = client
        self.prefix = prefix
        self.lease_ms = int(lease_seconds * 1000)
        self.worker = worker
        self.queue_key = f"{prefix}:queue"
        self.dupefilter_key = f"{prefix}:dupefilter"
        self._keys = [self.queue_key, f"{prefix}:inflight", f"{prefix}:scores", f"{prefix}:leases"]
        self._counter = f"{prefix}:lease-ids"
        self._cycle = f"{prefix}:cycle"
        self._seeder = f"{prefix}:seeder"
        self._lock = f"{prefix}:lock"
        self._pop = client.register_script(POP)
        self._requeue = client.register_script(REQUEUE)
        self._renew = client.register_script(RENEW)
        self._reserve = client.register_script(RESERVE)

    # --- leases -------------------------------------------------------------------------------

    def pop(self) -> tuple[str, bytes] | None:
        """The next request (serialized) under a new lease, or None when the queue is empty."""
        found = self._pop(keys=[*self._keys, self._counter], args=[self.lease_ms])
        if not found:
            return None
        lease, data = found
        return lease.decode() if isinstance(lease, bytes) else str(lease), data

    def renew(self, leases: list[str]) -> None:
        if leases:
            self._renew(keys=[self._keys[3]], args=[self.lease_ms, *leases])

    def ack(self, leases: list[str]) -> None:
        """The requests are done for good: their children are queued, their pages stored."""
        if not leases:
            return
        pipe = self.client.pipeline()
        pipe.hdel(self._keys[1], *leases)
        pipe.hdel(self._keys[2], *leases)
        pipe.zrem(self._keys[3], *leases)
        pipe.execute()

    def give_back(self, leases: list[str]) -> int:
        """Put leased requests back in the queue now (a process stopping before it is done)."""
        return int(self._requeue(keys=self._keys, args=leases)) if leases else 0

    def requeue_expired(self) -> int:
        """Put back the requests whose lease expired (their process died); how many."""
        n = int(self._requeue(keys=self._keys, args=[]))
        if n:
            logger.warning("frontier %s: %d expired lease(s) put back in the queue", self.prefix, n)
        return n

    # --- cycles -------------------------------------------------------------------------------

    def status(self) -> Status:
        pipe = self.client.pipeline()
        pipe.zcard(self.queue_key)
        pipe.zcard(self._keys[3])
        pipe.hget(self._cycle, "state")
        pipe.exists(self._seeder)
        queued, leased, state, seeder = pipe.execute()
        text = state.decode() if isinstance(state, bytes) else (state or "")
        return Status(int(queued), int(leased), text, bool(seeder))

    def claim_seeding(self) -> bool:
        """True when this process starts a new cycle and must seed it; False: join the cycle."""
        deadline = time.monotonic() + 60
        while not self.client.set(self._lock, self.worker, nx=True, px=10_000):
            if time.monotonic() > deadline:
                raise FrontierError(f"the crawl frontier's lock {self._lock} is held for too long")
            time.sleep(0.05)
        try:
            self.requeue_expired()
            status = self.status()
            if status.state in ("open", "seeding") and not status.drained:
                logger.info("frontier %s: joining the cycle (%s)", self.prefix, status)
                return False
            cycle = uuid.uuid4().hex[:12]
            pipe = self.client.pipeline()
            pipe.delete(self.queue_key, self.dupefilter_key, *self._keys[1:])
            pipe.hset(self._cycle, mapping={"id": cycle, "state": "seeding", "at": time.time()})
            pipe.set(self._seeder, self.worker, px=self.lease_ms)
            pipe.execute()
            logger.info("frontier %s: cycle %s, seeding", self.prefix, cycle)
            return True
        finally:
            self.client.delete(self._lock)

    def claim_orphaned_seeding(self) -> bool:
        """True when the seeder died while seeding and this process takes its place."""
        status = self.status()
        if status.state != "seeding" or status.seeder_alive:
            return False
        return bool(self.client.set(self._seeder, self.worker, nx=True, px=self.lease_ms))

    def renew_seeding(self) -> None:
        self.client.set(self._seeder, self.worker, xx=True, px=self.lease_ms)

    def seeded(self) -> None:
        pipe = self.client.pipeline()
        pipe.hset(self._cycle, "state", "open")
        pipe.delete(self._seeder)
        pipe.execute()

    def finish_cycle(self) -> None:
        """Nothing queued, nothing leased: the cycle is over (the next crawl starts a new one)."""
        if self.status().drained:
            self.client.hset(self._cycle, "state", "finished")

    # --- politeness ---------------------------------------------------------------------------

    def reserve(self, url: str, delay: float) -> float:
        """Reserve the next request slot on the URL's host; seconds to wait for it."""
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = f"mediamon:polite:{(parts.hostname or '').lower()}:{port}"
        return int(self._reserve(keys=[key], args=[int(delay * 1000)])) / 1000.0
