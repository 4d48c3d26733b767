"""Downloader middlewares: keep the crawler off private networks; ask only for what changed."""

import asyncio
import ipaddress
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware as ScrapyOffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

logger = logging.getLogger(__name__)


class PrivateAddressBlocked(IgnoreRequest):
    """The request's host resolves to a loopback, private, link-local or reserved address."""


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def _netloc(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


class PrivateAddressMiddleware:
    """Refuse requests to internal addresses, also when a feed or a redirect points there.

    A source with `allow_private = true` (a site on the researcher's own network, or a test
    site on 127.0.0.1) may reach the hosts of its own configured URLs, and no other internal one.
    Redirects pass through here again, so a redirect cannot steer around the check. A host is
    resolved once and its answer cached for the crawl.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._resolved: dict[str, list[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "PrivateAddressMiddleware":
        return cls(crawler)

    async def _addresses(self, host: str) -> list[str]:
        if host in self._resolved:
            return self._resolved[host]
        try:
            ipaddress.ip_address(host.strip("[]"))
            found = [host.strip("[]")]
        except ValueError:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
                found = sorted({str(info[4][0]) for info in infos})
            except OSError:
                found = []  # the download itself will fail with a DNS error
        self._resolved[host] = found
        return found

    async def process_request(self, request: Request) -> None:
        host = (urlsplit(request.url).hostname or "").lower()
        addresses = await self._addresses(host)
        private = [a for a in addresses if _is_private(a)]
        if not private:
            return None
        source = getattr(self.crawler.spider, "source", None)
        allowed = set()
        if source is not None and source.allow_private:
            allowed = {_netloc(u) for u in source.entry_urls}
        if _netloc(request.url) in allowed:
            return None
        logger.warning("blocked %s: %s is a private address", request.url, private[0])
        raise PrivateAddressBlocked(
            f"{request.url} resolves to private address {private[0]}"
            + ("" if source is None or source.allow_private else " (allow_private = false)")
        )


class OffsiteMiddleware(ScrapyOffsiteMiddleware):
    """Scrapy's offsite filter, applied only on the way to the downloader.

    Scrapy also applies it when a request is scheduled, and a request refused there vanishes:
    no errback, no signal. Here the refusal reaches the request's errback, so a redirect to
    another site is counted (`offsite`) like every other outcome.
    """

    def request_scheduled(self, request: Request, spider: Any) -> None:
        return None


class ConditionalRequestMiddleware:
    """Re-visits ask "has it changed?" with the validators the corpus kept (ETag/Last-Modified).

    Spiders put `mm_known = (etag, last_modified)` in the request meta for pages seen before; a
    304 answer then reaches the spider instead of being treated as an error (and is counted
    as `not_modified` by the store pipeline, as the page's outcome).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ConditionalRequestMiddleware":
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        known: Any = request.meta.get("mm_known")
        if not known:
            return None
        etag, last_modified = known
        if etag:
            request.headers.setdefault(b"If-None-Match", etag)
        if last_modified:
            request.headers.setdefault(b"If-Modified-Since", last_modified)
        allowed = list(request.meta.get("handle_httpstatus_list", []))
        if 304 not in allowed:
            request.meta["handle_httpstatus_list"] = [*allowed, 304]
        return None


class CompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's decompression, without charset detection on the compressed bytes.

    Building the decompressed response, Scrapy reads the old response's encoding, which for an
    undeclared charset runs detection over the gzip bytes (measured: a tenth of the crawl
    process's time on real pages). The new response works out its own encoding anyway.
    """

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if (
            isinstance(response, TextResponse)
            and response.headers.get(b"Content-Encoding")
            and getattr(response, "_encoding", "set") is None
        ):
            response._encoding = "latin-1"  # read only by the discarded, compressed response
        return super().process_response(request, response)
