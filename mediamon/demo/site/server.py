"""A threaded HTTP server for the demo site, on 127.0.0.1 and an ephemeral port.

    with DemoSite() as site:
        urllib.request.urlopen(site.url("/feeds/rss.xml"))
        site.hits["/feeds/rss.xml"]  # -> 1

Article pages carry ETag and Last-Modified and answer If-None-Match / If-Modified-Since with 304
(feeds, sitemaps and other pages carry an ETag too). Responses are gzipped when the client sends
``Accept-Encoding: gzip`` (the ETag then becomes weak, as nginx does). The trap endpoints are
listed in :data:`TRAPS`.
"""

from __future__ import annotations

import collections
import datetime as dt
import gzip
import hashlib
import logging
import threading
import time
from dataclasses import dataclass, field
from email.message import Message
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from .site import Response, Site
from .traps import OVERSIZED_BYTES, TRAPS

__all__ = ["TRAPS", "DemoSite", "RequestRecord"]

log = logging.getLogger(__name__)

RECORDED_HEADERS = ("If-None-Match", "If-Modified-Since", "Accept-Encoding", "User-Agent")


@dataclass
class RequestRecord:
    """One request as the server saw it (for tests about conditional requests)."""

    method: str
    target: str  # the raw request target, query string included
    path: str  # decoded path, no query string: the key of DemoSite.hits
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 0


def accepts_gzip(header: str | None) -> bool:
    for token in (header or "").split(","):
        name, _, params = token.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip().lower()
            if not q.startswith("q="):
                return True
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
    return False


def http_date(value: dt.datetime) -> str:
    return format_datetime(value.astimezone(dt.UTC).replace(microsecond=0), usegmt=True)


def not_modified(headers: Message, etag: str | None, last_modified: dt.datetime | None) -> bool:
    """RFC 9110: If-None-Match (weak comparison) wins over If-Modified-Since."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        if etag is None:
            return False
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    ims = headers.get("If-Modified-Since")
    if ims and last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        return last_modified.replace(microsecond=0) <= since
    return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], demo: DemoSite) -> None:
        self.demo = demo
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("demo site: error while serving %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DemoNews/1.0"
    sys_version = ""
    timeout = 30
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("demo site: %s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_POST(self) -> None:
        self.send_response(405)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _serve(self, head: bool) -> None:
        demo = self.server.demo
        path = unquote(urlsplit(self.path).path) or "/"
        record = demo._record(self.command, self.path, path, self.headers)
        resp = demo.site.route(path)
        if resp.delay:
            time.sleep(resp.delay)
        try:
            if resp.stream is not None:
                self._send_stream(resp, head, record)
            else:
                self._send_body(resp, head, record)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("demo site: client went away during %s", path)
            self.close_connection = True

    def _common_headers(self, resp: Response, etag: str | None) -> None:
        self.send_header("Content-Type", resp.content_type)
        if etag:
            self.send_header("ETag", etag)
        if resp.last_modified is not None:
            self.send_header("Last-Modified", http_date(resp.last_modified))
        for name, value in resp.headers:
            self.send_header(name, value)

    def _send_body(self, resp: Response, head: bool, record: RequestRecord) -> None:
        body = resp.body
        etag = resp.etag
        if etag is None and resp.status == 200:
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
        gz = (
            resp.compressible
            and resp.status == 200
            and accepts_gzip(self.headers.get("Accept-Encoding"))
        )
        if gz and etag:
            etag = "W/" + etag
        if resp.status == 200 and not_modified(self.headers, etag, resp.last_modified):
            record.status = 304
            self.send_response(304)
            if etag:
                self.send_header("ETag", etag)
            if resp.last_modified is not None:
                self.send_header("Last-Modified", http_date(resp.last_modified))
            self.end_headers()
            return
        if gz:
            body = gzip.compress(body, mtime=0)
        record.status = resp.status
        self.send_response(resp.status)
        self._common_headers(resp, etag)
        if resp.compressible:
            self.send_header("Vary", "Accept-Encoding")
        if gz:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Cache-Control", "public, max-age=60")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _send_stream(self, resp: Response, head: bool, record: RequestRecord) -> None:
        assert resp.stream is not None
        record.status = resp.status
        self.send_response(resp.status)
        self._common_headers(resp, resp.etag)
        chunked = resp.length is None
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(resp.length))
        self.end_headers()
        if head:
            return
        for piece in resp.stream():
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


class DemoSite:
    """The offline demo site, served over real HTTP on ``host`` (an ephemeral port by default).

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        root_articles_dir: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        seeds_dir: str | Path | None = None,
        *,
        slow_seconds: float = 2.0,
        oversized_bytes: int = OVERSIZED_BYTES,
    ) -> None:
        self.site = Site(
            Path(root_articles_dir) if root_articles_dir else None,
            Path(seeds_dir) if seeds_dir else None,
        )
        self.site.slow_seconds = slow_seconds
        self.site.oversized_bytes = oversized_bytes
        self.host = host
        self.port = port
        self.hits: collections.Counter[str] = collections.Counter()
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> DemoSite:
        if self._server is not None:
            return self
        self._server = _Server((self.host, self.port), self)
        self.port = int(self._server.server_address[1])
        self.site.port = self.port
        self.site.base_url = self.base_url
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"demosite-{self.port}",
            daemon=True,
        )
        self._thread.start()
        log.info("demo site serving at %s", self.base_url)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
        log.info("demo site stopped")

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until interrupted (for ``python -m crawler.demosite``)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                time.sleep(0.5)
        finally:
            self.stop()

    # -- addresses --------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("DemoSite is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of a path on the site (``site.url(TRAPS["pdf"])``)."""
        return urljoin(self.base_url + "/", path)

    # -- content changes --------------------------------------------------------------------
    def add_article(self, **fields: Any) -> str:
        """Add an article (fields as in the TOML files; ``slug``, ``title`` and ``body`` are
        required, ``published`` defaults to now). Returns its URL."""
        return self.url(self.site.add_article(**fields).path)

    def update_article(self, slug: str, body: str | list[str] | None = None, **changes: Any) -> str:
        """Change an article's text (its ETag and Last-Modified change). Returns its URL."""
        if body is not None:
            changes["body"] = body
        return self.url(self.site.update_article(slug, **changes).path)

    def break_feed(self, on: bool = True) -> None:
        """Serve ``/feeds/rss.xml`` as truncated, malformed XML (or repair it)."""
        self.site.feed_broken = on

    @property
    def slow_seconds(self) -> float:
        return self.site.slow_seconds

    @slow_seconds.setter
    def slow_seconds(self, value: float) -> None:
        self.site.slow_seconds = value

    # -- request accounting -----------------------------------------------------------------
    def _record(self, method: str, target: str, path: str, headers: Message) -> RequestRecord:
        kept = {h: v for h in RECORDED_HEADERS if (v := headers.get(h)) is not None}
        record = RequestRecord(method, target, path, kept)
        with self._lock:
            self.hits[path] += 1
            self.requests.append(record)
        return record

    def reset_hits(self) -> None:
        with self._lock:
            self.hits.clear()
            self.requests.clear()
