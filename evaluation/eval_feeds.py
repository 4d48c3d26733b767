"""Feed discovery benchmark: do we get the article links right on feedparser's own test feeds?

Reads the test feeds of the `feedparser` project (``../shared/eval/feedparser-tests``; never
copied into this repository). Each starts with a comment naming what feedparser is expected to
return. A *link check* is an expectation that an entry's link equals a URL:
``entries[i]['link'] == 'URL'`` or ``entries[i].link == 'URL'`` (a chained
``entries[0]['link'] == entries[1]['link'] == 'URL'`` counts once per entry), or
``entries[i]['links'][0]['href'] == 'URL'`` when the test does not give that link another rel
than ``alternate`` (a licence, an enclosure or a chapter list is not the article). A parser
passes a check when the URL, character for character, is among the article URLs it returns for
that feed.

Each feed is parsed as if fetched from ``http://127.0.0.1:8097/<path of the file>`` (the address
feedparser's tests serve it from), with the HTTP headers its ``Header:`` lines give.

Three parsers, same feeds:
- ``before``: mediamon's lxml parser as it was before it used feedparser (copied below, only
  here, as the baseline);
- ``now``: ``mediamon.crawler.discovery.parse_feed``;
- ``feedparser``: feedparser alone, its entries' ``link``.

It also counts, over all the feeds, the exceptions other than DiscoveryError that escape each of
our parsers (a crawl callback would lose the whole feed to one of those).

Usage: python evaluation/eval_feeds.py [--eval-dir ../shared/eval] [-v]
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import gzip
import io
import logging
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO.parent / "shared" / "eval"
DOC_BASE = "http://127.0.0.1:8097/"

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from mediamon.crawler.discovery import DiscoveryError  # noqa: E402
from mediamon.documents.dates import parse_date_string  # noqa: E402

_EXPECT = re.compile(r"^\s*Expect:\s*(.*)$", re.M)
_HEADER = re.compile(r"^\s*Header:\s*([\w-]+):[ \t]*(.*?)\s*$", re.M)
_LINK = re.compile(
    r"entries\[(\d+)\](?:\['link'\]|\.link)\s*==\s*"
    r"(?:entries\[(\d+)\](?:\['link'\]|\.link)\s*==\s*)?'([^']*)'"
)
_HREF = re.compile(
    r"entries\[(\d+)\]\['links'\]\[(\d+)\]\['href'\]\s*==\s*"
    r"(?:entries\[\d+\]\['links'\]\[\d+\]\['href'\]\s*==\s*)?'([^']*)'"
)
_REL = re.compile(r"entries\[(\d+)\]\['links'\]\[(\d+)\]\['rel'\]\s*==\s*'([^']*)'")


@dataclass
class Case:
    path: Path
    name: str  # path under the test folder
    body: bytes
    headers: dict[str, str]
    links: list[str] = field(default_factory=list)  # the expected entry links

    @property
    def url(self) -> str:
        return DOC_BASE + self.name


def load_cases(folder: Path) -> list[Case]:
    cases = []
    for path in sorted(folder.rglob("*.xml")):
        body = path.read_bytes()
        head = body[:4000].decode("latin-1")
        found = _EXPECT.search(head)
        if not found:
            continue
        expect = found[1]
        headers = {k.lower(): v for k, v in _HEADER.findall(head.split("-->", 1)[0])}
        case = Case(path, path.relative_to(folder).as_posix(), body, headers)
        for m in _LINK.finditer(expect):
            case.links.extend([m[3]] * (2 if m[2] is not None else 1))
        other_rel = {(m[1], m[2]) for m in _REL.finditer(expect) if m[3] != "alternate"}
        for m in _HREF.finditer(expect):
            if m[2] == "0" and (m[1], m[2]) not in other_rel:
                case.links.append(m[3])
        cases.append(case)
    return cases


# --- the baseline: mediamon's feed parser before feedparser (kept here only) -----------------


def _old_local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _old_text(node: etree._Element | None) -> str:
    return (node.text or "").strip() if node is not None else ""


def _old_child(node: etree._Element, *names: str) -> etree._Element | None:
    for child in node:
        if _old_local(child.tag) in names:
            return child
    return None


def _old_parse_xml(body: bytes) -> tuple[etree._Element, bool]:
    if body[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
            body = fh.read()
    if not body.strip():
        raise DiscoveryError("empty document")
    strict = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(body, strict), False
    except etree.XMLSyntaxError as exc:
        problem = str(exc)
    lenient = etree.XMLParser(
        resolve_entities=False, no_network=True, recover=True, huge_tree=False
    )
    try:
        root = etree.fromstring(body, lenient)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise DiscoveryError(f"malformed XML ({problem})")
    return root, True


def _old_date(raw: str, today: dt.date) -> dt.date | None:
    if not raw:
        return None
    try:
        return email.utils.parsedate_to_datetime(raw).date()
    except (TypeError, ValueError, IndexError):
        found = parse_date_string(raw)
        return found[0] if found else None


def baseline_parse_feed(body: bytes) -> list[str]:
    """The article URLs of a feed, as mediamon's lxml parser found them."""
    today = dt.date.today()
    root, recovered = _old_parse_xml(body)
    kind = _old_local(root.tag)
    if kind not in ("rss", "rdf", "feed", "channel"):
        raise DiscoveryError(f"not an RSS or Atom feed (root element <{kind}>)")
    links: list[str] = []
    for node in root.iter():
        name = _old_local(node.tag)
        if name == "item":
            link = _old_text(_old_child(node, "link"))
            if not link:
                guid = _old_child(node, "guid")
                if guid is not None and guid.get("isPermaLink", "true") != "false":
                    link = _old_text(guid)
            if not link:
                link = node.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about", "")
            raw_date = _old_text(_old_child(node, "pubdate", "date", "published", "issued"))
        elif name == "entry":
            link = ""
            for child in node:
                if _old_local(child.tag) == "link" and child.get("rel", "alternate") == "alternate":
                    link = child.get("href", "").strip()
                    break
            raw_date = _old_text(_old_child(node, "published", "issued", "created")) or _old_text(
                _old_child(node, "updated", "modified")
            )
        else:
            continue
        if link.startswith(("http://", "https://")):
            _old_date(raw_date, today)
            links.append(link)
    if not links and recovered:
        raise DiscoveryError("malformed XML with no readable entries")
    return links


# --- the contenders ------------------------------------------------------------------------


def ours_now(case: Case) -> list[str]:
    from mediamon.crawler.discovery import parse_feed

    return [entry.url for entry in parse_feed(case.body, case.url, case.headers).entries]


def ours_before(case: Case) -> list[str]:
    return baseline_parse_feed(case.body)


def feedparser_alone(case: Case) -> list[str]:
    import feedparser

    headers = dict(case.headers)
    headers["content-location"] = urljoin(case.url, headers.get("content-location", ""))
    result = feedparser.parse(io.BytesIO(case.body), response_headers=headers, sanitize_html=False)
    return [e["link"] for e in result.entries if e.get("link")]


PARSERS: dict[str, Callable[[Case], list[str]]] = {
    "before (mediamon, lxml)": ours_before,
    "now (mediamon, feedparser)": ours_now,
    "feedparser alone": feedparser_alone,
}


@dataclass
class Score:
    found: int = 0
    checks: int = 0
    escaped: int = 0  # exceptions other than DiscoveryError, over all feeds
    urls: int = 0  # article URLs returned, over all feeds
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)


def run(cases: list[Case]) -> dict[str, Score]:
    scores = {name: Score() for name in PARSERS}
    for case in cases:
        for name, parse in PARSERS.items():
            score = scores[name]
            start = time.perf_counter()
            try:
                links = parse(case)
            except DiscoveryError:
                links = []
            except Exception as exc:
                links = []
                if name != "feedparser alone":
                    score.escaped += 1
                    score.misses.append(f"{case.name}: {type(exc).__name__} escaped")
            score.seconds += time.perf_counter() - start
            score.urls += len(links)
            for expected in case.links:
                score.checks += 1
                if expected in links:
                    score.found += 1
                else:
                    score.misses.append(f"{case.name}: wanted {expected!r}, got {links!r}")
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    folder = args.eval_dir / "feedparser-tests"
    if not folder.is_dir():
        print(f"feedparser's test feeds not found in {folder}: nothing to measure, skipping.")
        return 0
    logging.disable(logging.CRITICAL)
    cases = load_cases(folder)
    checked = [c for c in cases if c.links]
    print(
        f"{len(cases)} feeds with an expectation; {sum(len(c.links) for c in checked)} link "
        f"checks in {len(checked)} of them"
    )
    scores = run(cases)
    for name, score in scores.items():
        escaped = f"; exceptions escaping: {score.escaped}" if name != "feedparser alone" else ""
        print(
            f"  {name:28s} {score.found}/{score.checks} expected entry links; "
            f"{score.urls} article URLs from all feeds in {score.seconds:.1f} s{escaped}"
        )
        if args.verbose:
            for miss in score.misses:
                print(f"      {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
