"""The listing-page rule and the no-text rule, measured on real articles and on listing pages.

Articles: every page of ``../shared/eval`` (trafilatura-eval and htmldate-eval; never copied into
this repository) is an article or the like, so each one the rule calls a listing is a false
positive, and each one with less text than the no-text rule wants (after our extraction) is
dropped as ``no_text``. Listing pages: the demo site's home and section pages, and the listing
pages of tests/data/listings (fictional, in the layouts of common CMSs); each one the rule lets
through is a miss. The demo site's articles are articles too.

Two rules side by side: ``before``, the regex scan that the crawler used until the rule moved to
mediamon/documents/listing.py (copied below, only here, as the baseline), and ``now``. The
no-text rule likewise: ``before`` counted whitespace-separated words, ``now`` counts words in
scripts written without spaces too.

Usage: python evaluation/eval_listing.py [--eval-dir ../shared/eval] [--skip-text] [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import statistics
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVAL_DIR = REPO.parent / "shared" / "eval"
LISTING_DIR = REPO / "tests" / "data" / "listings"
# where each listing fixture would live on its site
LISTING_PATHS = {
    "wordpress_category.html": "/category/technology/",
    "tag_page.html": "/tags/encryption/",
    "news_home.html": "/",
    "drupal_press_releases.html": "/news",
    "search_results.html": "/search?q=encryption",
    "author_page.html": "/author/mira-castellane/",
    "month_archive.html": "/2021/03/",
    "press_release_table.html": "/newsroom/",
    "section_collectionpage.html": "/privacy/",
}

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# --- the baseline: the crawler's rule before this one (kept here only) ----------------------

_OLD_HEADLINE_LINK = re.compile(rb"<h[2-4][^>]*>\s*<a\s|<a\s[^>]*>\s*<h[2-4][\s>]", re.I)
_OLD_ARTICLE_MARK = re.compile(
    rb"""og:type["']?\s+content=["']?article|"@type"\s*:\s*\[?\s*"(?:News|Blog|Opinion|"""
    rb"""Report|Analysis|Scholarly|Tech)?(?:Article|Posting|NewsArticle)""",
    re.I,
)
OLD_MIN_WORDS = 40


def old_looks_like_listing(body: bytes, url: str) -> bool:
    if _OLD_ARTICLE_MARK.search(body):
        return False
    if urlsplit(url).path in ("", "/"):
        return True
    return len(_OLD_HEADLINE_LINK.findall(body)) >= 4


# --- pages ----------------------------------------------------------------------------------


@dataclass
class Page:
    group: str  # "trafilatura-eval", "htmldate-eval/<subset>", "demo articles", ...
    name: str
    url: str
    body: bytes
    is_listing: bool


def eval_pages(eval_dir: Path, limit: int | None) -> Iterator[Page]:
    for name in ("trafilatura-eval", "htmldate-eval"):
        index = eval_dir / name / "index.jsonl"
        for n, line in enumerate(index.read_text(encoding="utf-8").splitlines()):
            if limit is not None and n >= limit:
                break
            rec = json.loads(line)
            body = gzip.decompress((eval_dir / name / "docs" / rec["html_file"]).read_bytes())
            url = (
                rec["url"]
                if str(rec["url"]).startswith("http")
                else f"https://eval.test/{rec['id']}"
            )
            group = name if "subset" not in rec else f"{name}/{rec['subset']}"
            yield Page(group, rec["id"], url, body, False)


def fixture_pages() -> Iterator[Page]:
    for name, path in LISTING_PATHS.items():
        body = (LISTING_DIR / name).read_bytes()
        yield Page(
            "listings (tests/data)", name, "https://www.harbourside-ledger.test" + path, body, True
        )


def demo_pages() -> Iterator[Page]:
    from mediamon.demo.site import DemoSite
    from mediamon.demo.site.pages import SECTIONS

    with DemoSite(slow_seconds=0.0) as site:
        paths = ["/"]
        for section in SECTIONS:
            paths += [f"/section/{section}/", f"/section/{section}/page/2/"]
        for path in paths:
            body = _get(site.url(path))
            if body is not None:
                yield Page("listings (demo site)", path, site.url(path), body, True)
        for article in site.site.articles:
            body = _get(site.url(article.path))
            if body is not None:
                yield Page("demo articles", article.path, site.url(article.path), body, False)


def _get(url: str) -> bytes | None:
    for _ in range(2):  # the demo site's flaky page answers 500 once
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:
                return bytes(resp.read())
        except urllib.error.HTTPError as exc:
            if exc.code != 500:
                return None
    return None


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Tally:
    pages: int = 0
    listing_before: int = 0
    listing_now: int = 0
    no_text_before: int = 0
    no_text_now: int = 0
    called_now: list[str] = field(default_factory=list)


@dataclass
class Run:
    groups: dict[str, Tally] = field(default_factory=dict)
    rule_ms: list[float] = field(default_factory=list)
    extract_ms: list[float] = field(default_factory=list)


def measure(pages: Iterator[Page], with_text: bool, run: Run) -> None:
    from mediamon.documents.extract import extract_article
    from mediamon.documents.listing import MIN_WORDS, looks_like_listing, word_count

    for page in pages:
        tally = run.groups.setdefault(page.group, Tally())
        tally.pages += 1
        tally.listing_before += old_looks_like_listing(page.body, page.url)
        start = time.perf_counter()
        now = looks_like_listing(page.body, page.url)
        run.rule_ms.append((time.perf_counter() - start) * 1000)
        tally.listing_now += now
        if now != page.is_listing:
            tally.called_now.append(f"{page.name} ({page.url[:90]})")
        if with_text and not page.is_listing:
            start = time.perf_counter()
            extracted = extract_article(page.body, url=page.url)
            run.extract_ms.append((time.perf_counter() - start) * 1000)
            text = extracted.text if extracted else ""
            tally.no_text_before += len(text.split()) < OLD_MIN_WORDS
            tally.no_text_now += word_count(text) < MIN_WORDS


def report(run: Run, with_text: bool) -> None:
    print("Listing rule: pages called listings (before -> now)")
    for group, t in run.groups.items():
        kind = "listing pages, should all be" if "listings" in group else "articles, should be 0"
        line = f"  {group:32s} {t.listing_before:4d} -> {t.listing_now:4d} of {t.pages:4d} ({kind})"
        if with_text and "listings" not in group:
            line += f"; no_text {t.no_text_before} -> {t.no_text_now}"
        print(line)
        label = "missed" if "listings" in group else "called listings"
        for name in t.called_now:
            print(f"      {label}: {name}")
    if run.rule_ms:
        print(
            f"Cost of the rule: median {statistics.median(run.rule_ms):.1f} ms a page "
            f"(max {max(run.rule_ms):.0f} ms)"
            + (
                f"; extraction median {statistics.median(run.extract_ms):.1f} ms"
                if run.extract_ms
                else ""
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--skip-text", action="store_true", help="skip the no-text rule")
    parser.add_argument("--limit", type=int, default=None, help="first N pages of each set")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)
    run = Run()
    with_text = not args.skip_text
    measure(fixture_pages(), with_text, run)
    measure(demo_pages(), with_text, run)
    if (args.eval_dir / "trafilatura-eval" / "index.jsonl").exists():
        measure(eval_pages(args.eval_dir, args.limit), with_text, run)
    else:
        print(f"Evaluation pages not found in {args.eval_dir}: measuring our own pages only.")
    report(run, with_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
