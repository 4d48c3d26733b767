"""A small site of fixed pages on 127.0.0.1, for crawls of feeds and pages a test writes itself.

with StaticSite() as site:
    site.add("/feed.xml", body, "application/rss+xml")
    site.url("/feed.xml")
    site.hits["/feed.xml"]  # requests seen for that path (decoded, query string kept)
"""

from __future__ import annotations

import collections
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote, urlsplit


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        key = unquote(parts.path) + (f"?{unquote(parts.query)}" if parts.query else "")
        site = self.server.site
        with site.lock:
            site.hits[key] += 1
            found = site.pages.get(key)
        status, ctype, body = found or (404, "text/plain", b"not found")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: StaticSite) -> None:
        self.site = site
        super().__init__(("127.0.0.1", 0), _Handler)


class LoopbackSite:
    """A server on a free 127.0.0.1 port, served from a thread while the `with` block runs;
    a site gives `_serve` its server (which knows its handler)."""

    def _serve(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self.port = int(server.server_address[1])
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class StaticSite(LoopbackSite):
    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, bytes]] = {}
        self.hits: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        self._serve(_Server(self))

    def add(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8"):
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self.lock:
            self.pages[path] = (200, content_type, data)
