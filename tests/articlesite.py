"""A site of N distinct articles on 127.0.0.1, with a request log, for crawls at scale.

with ArticleSite(300, latency=0.2) as site:
    site.url("/sitemap.xml")     # a sitemap index -> three sitemaps -> the articles
    site.log                     # (time.monotonic(), path, conditional?, status) per request
    site.article_paths           # the N article paths

Articles have ETags: a request with a matching If-None-Match is answered 304, so incremental
crawls can be checked. `latency` makes every answer wait, as a politeness-bound real site does.
The text is our own words, varied per article so that no two share a text hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.staticsite import LoopbackSite

WORDS = [
    "encryption",
    "regulators",
    "messaging",
    "platforms",
    "children",
    "safety",
    "scanning",
    "privacy",
    "ministers",
    "reports",
    "detection",
    "parliament",
    "proposal",
    "charities",
    "engineers",
    "security",
    "backdoor",
    "letter",
    "consultation",
    "committee",
    "lawful",
    "access",
    "companies",
    "users",
    "abuse",
    "hotline",
    "cryptographers",
    "warrant",
    "evidence",
    "devices",
    "servers",
    "metadata",
    "policy",
    "compromise",
]


def article_html(n: int) -> tuple[str, str]:
    """The page and its publication date for article n (deterministic)."""
    rng = random.Random(n)
    day = dt.date(2021, 1, 1) + dt.timedelta(days=n % 365)
    title = f"Report {n}: " + " ".join(rng.sample(WORDS, 4)).capitalize()
    paragraphs = []
    for p in range(4):
        words = " ".join(rng.choice(WORDS) for _ in range(30))
        paragraphs.append(
            f"<p>In story number {n}, paragraph {p}, the debate on end-to-end encryption went on: "
            f"{words}.</p>"
        )
    html = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{title}</title><meta property="og:type" content="article">'
        f'<meta property="article:published_time" content="{day.isoformat()}T09:00:00+00:00">'
        f"</head><body><article><h1>{title}</h1>{''.join(paragraphs)}</article></body></html>"
    )
    return html, day.isoformat()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        site = self.server.site
        arrived = time.monotonic()
        found = site.pages.get(self.path.split("?", 1)[0])
        headers = self.headers
        conditional = bool(headers.get("If-None-Match") or headers.get("If-Modified-Since"))
        if site.latency:
            time.sleep(site.latency)
        if found is None:
            status, ctype, body, etag = 404, "text/plain", b"not found", ""
        else:
            ctype, body = found
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            status = 304 if self.headers.get("If-None-Match") == etag else 200
        with site.lock:
            site.log.append((arrived, self.path, conditional, status))
        self.send_response(status)
        if etag:
            self.send_header("ETag", etag)
        if status == 304:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, site: ArticleSite) -> None:
        self.site = site
        super().__init__(("127.0.0.1", 0), _Handler)


class ArticleSite(LoopbackSite):
    def __init__(self, n: int = 300, latency: float = 0.0, sitemaps: int = 3) -> None:
        self.latency = latency
        self.lock = threading.Lock()
        self.log: list[tuple[float, str, bool, int]] = []
        self.pages: dict[str, tuple[str, bytes]] = {}
        self.dates: dict[str, str] = {}
        self._serve(_Server(self))
        self.article_paths = [f"/news/{n:04d}-story.html" for n in range(n)]
        xml = "text/xml; charset=utf-8"
        self.add("/robots.txt", "User-agent: *\nAllow: /\n", "text/plain")
        parts = [self.article_paths[i::sitemaps] for i in range(sitemaps)]
        index = "".join(
            f"<sitemap><loc>{self.url(f'/sitemap-{i}.xml')}</loc></sitemap>"
            for i in range(sitemaps)
        )
        self.add(
            "/sitemap.xml",
            '<?xml version="1.0"?><sitemapindex '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{index}</sitemapindex>',
            xml,
        )
        for i, paths in enumerate(parts):
            urls = "".join(f"<url><loc>{self.url(p)}</loc></url>" for p in paths)
            self.add(
                f"/sitemap-{i}.xml",
                '<?xml version="1.0"?><urlset '
                f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
                xml,
            )
        for number, path in enumerate(self.article_paths):
            html, day = article_html(number)
            self.add(path, html)
            self.dates[path] = day

    def add(self, path: str, body: str, content_type: str = "text/html; charset=utf-8") -> None:
        self.pages[path] = (content_type, body.encode("utf-8"))

    def article_fetches(self, since: int = 0) -> list[tuple[float, str, bool, int]]:
        with self.lock:
            return [entry for entry in self.log[since:] if entry[1].startswith("/news/")]
