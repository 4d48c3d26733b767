"""The demo site's trap endpoints and the payloads they serve.

``TRAPS`` names every path a test may want to refer to. Paths that point at an article must agree
with the article files (``trap = "<name>"`` or the article's ``path``); :class:`Site` checks this
when it loads.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

TRAPS: dict[str, str] = {
    # HTTP status traps
    "not_found": "/news/deleted-story/",  # 404; linked from the RSS feed and the home page
    "flaky_500": "/news/reporting-centre-tips-fall-after-encryption/",  # 500 once, then 200
    "slow": "/news/council-postpones-chat-control-vote/",  # sleeps DemoSite.slow_seconds first
    # redirects
    "redirect_chain": "/go/1",  # 301 -> /go/2, 302 -> /go/3, 308 -> redirect_chain_target
    "redirect_chain_target": "/news/whitcombe-lawful-access-speech/",
    "redirect_loop": "/loop/a",  # 302 -> /loop/b, 302 -> /loop/a, ...
    # The internal targets stand in for cloud metadata and a LAN host, but stay on loopback:
    # a crawler bug must never send a test's traffic to a real private address.
    "redirect_private_metadata": "/out/metadata",  # 302 -> http://127.0.0.2:<port>/latest/...
    "redirect_private_localhost": "/out/localhost",  # 302 -> http://localhost:<port>/news/...
    "redirect_private_lan": "/out/lan",  # 302 -> http://127.0.0.3:<port>/admin/
    "no_trailing_slash": "/news/whitcombe-lawful-access-speech",  # 301 -> with the slash
    # robots.txt
    "robots_disallowed": "/private/staff-briefing/",  # 200, but Disallow: /private/
    # content traps
    "pdf": "/files/transparency-report.pdf",  # application/pdf
    "binary_as_html": "/media/player.html",  # random bytes labelled text/html
    "oversized": "/archive/full-archive/",  # 12 MB of HTML, with Content-Length, streamed
    "oversized_chunked": "/archive/full-archive-stream/",  # same, chunked, no Content-Length
    "cp1252_mislabelled": "/news/privacy-groups-chat-control-objections/",  # meta utf-8, cp1252
    "latin1_header_only": "/2023/03/01/cinder-threatens-to-leave/",  # charset only in header
    # feeds
    "broken_feed": "/feeds/broken.xml",  # truncated XML, always
    "missing_feed": "/feeds/gone.xml",  # 404
    # URL canonicalisation and dedupe
    "tracking_params": "/opinion/sato-no-backdoor-for-good-guys/"
    "?utm_source=twitter&utm_medium=social&fbclid=IwAR2dEm0tRaCk1nG#comments",
    "tracking_target": "/opinion/sato-no-backdoor-for-good-guys/",
    "near_duplicate_original": "/wire/governments-urge-tessellate-to-pause-encryption/",
    "near_duplicate_copy": "/news/ministers-press-tessellate-over-encryption/",
    "amp": "/news/parley-encrypts-by-default/amp/",  # rel=canonical -> amp_print_canonical
    "print": "/news/parley-encrypts-by-default/print/",  # rel=canonical -> amp_print_canonical
    "amp_print_canonical": "/news/parley-encrypts-by-default/",
    # dates and relevance
    "undated": "/explainers/explainer-client-side-scanning/",
    "date_in_url_only": "/2020/02/18/reporting-centre-record-reports/",
    "date_in_feed_only": "/wire/orchard-delays-photo-scanning/",
    "date_after_midnight_plus2": "/news/commission-proposes-detection-law/",
    "offtopic_crypto": "/news/offtopic-crypto-exchange/",
    "offtopic_football": "/news/offtopic-football-derby/",
    # seed documents (only when the seed files are found)
    "seed_kake": "/story/41168576/missing-in-kansas-advocates-worry-facebook-privacy-change-"
    "will-protect-child-sex-predators",
    "seed_carr": "/blog/facebook-must-change-its-mind/",
}

# Where the private-address redirects point; "{port}" is the demo server's port.
PRIVATE_REDIRECTS: dict[str, str] = {
    TRAPS["redirect_private_metadata"]: "http://127.0.0.2:{port}/latest/meta-data/",
    TRAPS["redirect_private_localhost"]: "http://localhost:{port}" + TRAPS["redirect_chain_target"],
    TRAPS["redirect_private_lan"]: "http://127.0.0.3:{port}/admin/",
}

REDIRECT_CHAIN: dict[str, tuple[int, str]] = {
    "/go/1": (301, "/go/2"),
    "/go/2": (302, "/go/3"),
    "/go/3": (308, TRAPS["redirect_chain_target"]),
}
REDIRECT_LOOP: dict[str, tuple[int, str]] = {
    "/loop/a": (302, "/loop/b"),
    "/loop/b": (302, "/loop/a"),
}

# Feed item URLs that are not the article's canonical URL (keyed by canonical path).
FEED_LINK_OVERRIDES: dict[str, str] = {
    TRAPS["redirect_chain_target"]: TRAPS["redirect_chain"],
    TRAPS["tracking_target"]: TRAPS["tracking_target"]
    + "?utm_source=rss&utm_medium=feed&utm_campaign=opinion",
}

OVERSIZED_BYTES = 12 * 1024 * 1024


def pdf_bytes() -> bytes:
    """A small, valid one-page PDF."""
    text = b"BT /F1 18 Tf 72 720 Td (Demo News Network transparency report) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def binary_bytes(size: int = 48 * 1024) -> bytes:
    """Deterministic binary junk (a PNG signature, then noise with NUL bytes)."""
    rng = random.Random(20190304)
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(size)


_OVERSIZED_HEAD = (
    b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    b"<title>Full archive | Demo News Network</title></head><body><h1>Full archive</h1>\n"
)
_OVERSIZED_TAIL = b"\n</body></html>\n"


def oversized_chunks(total: int = OVERSIZED_BYTES, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """Exactly ``total`` bytes of HTML, produced chunk by chunk (never held in memory)."""
    para = (
        b"<p>Archive entry: coverage of messaging, encryption and online safety, "
        b"kept here for readers who want every story on one page.</p>\n"
    )
    block = (para * (chunk // len(para) + 1))[:chunk]
    remaining = total - len(_OVERSIZED_HEAD) - len(_OVERSIZED_TAIL)
    yield _OVERSIZED_HEAD
    while remaining > 0:
        piece = block if remaining >= len(block) else block[:remaining]
        remaining -= len(piece)
        yield piece
    yield _OVERSIZED_TAIL


def truncate_xml(xml: bytes, fraction: float = 0.6) -> bytes:
    """Cut an XML document part-way through, mid-element: a malformed feed."""
    cut = max(1, int(len(xml) * fraction))
    # make sure the cut lands inside an element's text, not at a clean boundary
    lt = xml.rfind(b"<title>", 0, cut)
    if lt > 0:
        cut = lt + len(b"<title>") + 5
    return xml[:cut]
