"""The report, opened in headless Chromium and looked at through the DevTools protocol.

Checks what a reader gets: the page renders with its charts drawn (a screenshot with the chart
colours in it), no console error, no network request besides the file itself, and the corpus's
hostile markup shown as text rather than run.
"""

import base64
import json
import os
import shutil
import struct
import subprocess
import time
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket

from mediamon.reports.png import chromium_binary, headless_flags
from tests.corpus_fixture import HOSTILE_TITLE, build_fixture
from tests.helpers import run_mediamon

FAVOR_RGB, AGAINST_RGB = (0x2F, 0x6D, 0xB5), (0xD9, 0x62, 0x2B)


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, url: str) -> None:
        # no Origin header: Chromium refuses websocket origins it was not told to allow
        self.ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(method)
            self.events.append(json.loads(self.ws.recv()))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def of(self, method: str) -> list[dict[str, Any]]:
        return [e["params"] for e in self.events if e.get("method") == method]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    binary = chromium_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "Chromium is required in CI (apt-get install chromium); .ci/run installs it"
            )
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    profile = tmp_path / "profile"
    process = subprocess.Popen(
        [binary, *headless_flags(profile), "--remote-debugging-port=0",
         "--window-size=1200,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            assert process.poll() is None, "Chromium exited before it listened"
            assert time.monotonic() < deadline, "Chromium did not open its DevTools port"
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        tools = DevTools(pages[0]["webSocketDebuggerUrl"])
        yield tools
        tools.ws.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def png_pixels(data: bytes) -> tuple[int, int, list[bytes], int]:
    """Decode an 8-bit, non-interlaced RGB(A) PNG: (width, height, rows, bytes per pixel)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    width = height = bpp = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, rows = zlib.decompress(idat), width * bpp, []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (
                    line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)
                ) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows, bpp


def load(browser: DevTools, page: Path) -> tuple[list[str], list[Any]]:
    """Open the page; return the URLs it requested and the errors it logged."""
    for domain in ("Network", "Runtime", "Log", "Page"):
        browser.call(f"{domain}.enable")
    browser.call("Page.navigate", url=page.as_uri())
    browser.wait_for("Page.loadEventFired")
    browser.evaluate("new Promise(done => setTimeout(done, 500))")  # let late requests show
    requested = [e["request"]["url"] for e in browser.of("Network.requestWillBeSent")]
    errors = [
        *(e for e in browser.of("Runtime.consoleAPICalled") if e["type"] in ("error", "warning")),
        *(e["entry"] for e in browser.of("Log.entryAdded") if e["entry"]["level"] == "error"),
        *browser.of("Runtime.exceptionThrown"),
    ]
    return requested, errors


def test_the_harness_sees_requests_and_errors(browser: DevTools, tmp_path: Path) -> None:
    """A page that fetches and throws is caught: the checks below can fail."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!doctype html><img src="http://127.0.0.1:9/x.png"><script>console.error("boom")</script>'
    )
    requested, errors = load(browser, page)
    assert "http://127.0.0.1:9/x.png" in requested
    assert errors


def test_report_renders_offline_without_errors(browser: DevTools, tmp_path: Path) -> None:
    db = build_fixture(tmp_path / "fixture.duckdb")
    report = tmp_path / "report.html"
    out = run_mediamon("--db", str(db), "report", "-o", str(report))
    assert out.returncode == 0, out.stderr
    requested, errors = load(browser, report)
    assert requested == [report.as_uri()], f"the report fetched: {requested}"
    assert not errors, errors

    page = browser.evaluate(
        """({
          title: document.title,
          charts: [...document.querySelectorAll('svg')].map(s => {
              const r = s.getBoundingClientRect(); return [r.width, r.height]; }),
          bars: [...document.querySelectorAll('svg rect')]
                  .filter(r => r.getBoundingClientRect().height > 0).length,
          scripts: document.querySelectorAll('script, iframe, img, object, embed').length,
          badLinks: [...document.querySelectorAll('a[href]')]
                  .filter(a => !/^(https?:|#)/.test(a.getAttribute('href'))).length,
          text: document.body.innerText,
          sections: [...document.querySelectorAll('h2[id]')].map(h => h.id),
        })"""
    )
    assert page["title"] == "mediamon corpus report"
    assert len(page["charts"]) >= 4 and all(w > 300 and h > 80 for w, h in page["charts"])
    assert page["bars"] > 20
    assert page["scripts"] == 0 and page["badLinks"] == 0
    assert HOSTILE_TITLE.split(" & ")[0] in page["text"]  # shown as text, not run
    assert page["sections"] == ["stance", "types", "sources", "actors", "dates", "languages"]
    assert "Electronic Frontier Foundation" in page["text"] and "undated" in page["text"]

    metrics = browser.call("Page.getLayoutMetrics")["cssContentSize"]
    shot = browser.call(
        "Page.captureScreenshot",
        format="png",
        captureBeyondViewport=True,
        clip={"x": 0, "y": 0, "width": 1200, "height": min(metrics["height"], 4000), "scale": 1},
    )
    png = base64.b64decode(shot["data"])
    (tmp_path / "report.png").write_bytes(png)
    if os.environ.get("MEDIAMON_SCREENSHOTS"):  # to look at it yourself
        shutil.copy(tmp_path / "report.png", os.environ["MEDIAMON_SCREENSHOTS"])
    width, _, rows, bpp = png_pixels(png)
    colours = {row[i : i + 3] for row in rows[::3] for i in range(0, width * bpp, bpp * 3)}
    painted = sum(1 for c in colours if c != b"\xff\xff\xff")
    assert painted > 50, "the screenshot is blank"
    near = lambda rgb: any(all(abs(c[k] - rgb[k]) < 12 for k in range(3)) for c in colours)  # noqa: E731
    assert near(FAVOR_RGB) and near(AGAINST_RGB), "the charts' bars are not on the screen"
