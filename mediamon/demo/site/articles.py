"""Article data for the demo site: loading the bundled TOML files and the two seed documents.

An article file (``articles/*.toml``) has these keys:

``slug``, ``outlet``, ``author``, ``title``, ``section``, ``body`` (paragraphs separated by blank
lines; a block starting with ``## `` is a sub-heading, a block of ``- `` lines is a list),
``published`` (TOML date-time or date, or absent for an undated article) and ``date_markup``, one
of :data:`DATE_MARKUPS`, saying where the page shows its date. Optional keys: ``kind`` (news,
opinion, letter, explainer, offtopic), ``path`` (URL path; default ``/news/<slug>/``,
``/opinion/<slug>/``, ``/explainers/<slug>/``, or ``/YYYY/MM/DD/<slug>/`` when the date is only in
the URL), ``feed_date`` (whether feeds and sitemaps carry the date; default true when dated and
``date_markup`` is not ``url``), ``duplicate_of`` (slug of the story this copy was syndicated
from), ``trap`` (a key of ``TRAPS``), ``encoding`` (``utf-8``, ``cp1252-mislabelled``,
``latin1-header-only``), ``amp`` and ``print`` (serve those variants), ``tags``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DATE_MARKUPS = ("jsonld", "meta", "time", "url", "feed_only", "none")
ENCODINGS = ("utf-8", "cp1252-mislabelled", "latin1-header-only")
ARTICLES_DIR = Path(__file__).resolve().parent / "articles"
# crawler/demosite/articles.py -> <root>/corpus/seeds (source tree and installed package alike)
SEEDS_DIR = Path(__file__).resolve().parents[2] / "corpus" / "seeds"

Published = dt.datetime | dt.date | None


@dataclass
class Article:
    """One page of the demo site (a news story, an opinion piece, a letter, a seed document)."""

    slug: str
    outlet: str
    author: str
    title: str
    body: str
    section: str = "politics"
    published: Published = None
    date_markup: str = "jsonld"
    kind: str = "news"
    path: str = ""
    feed_date: bool | None = None
    duplicate_of: str | None = None
    trap: str | None = None
    encoding: str = "utf-8"
    amp: bool = False
    print: bool = False
    tags: list[str] = field(default_factory=list)
    template: str = "news"  # "news" or "blog"
    plain: bool = False  # render every block as a paragraph (seed documents)
    seq: int = 0  # load/insertion order, newest wins ties in feeds
    version: int = 0  # bumped by DemoSite.update_article
    modified: dt.datetime | None = None  # Last-Modified; None = not sent
    runtime: bool = False  # added with DemoSite.add_article

    def __post_init__(self) -> None:
        if self.date_markup not in DATE_MARKUPS:
            raise ValueError(f"{self.slug}: date_markup must be one of {DATE_MARKUPS}")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"{self.slug}: encoding must be one of {ENCODINGS}")
        if self.date_markup != "none" and self.published is None:
            raise ValueError(f"{self.slug}: date_markup {self.date_markup!r} needs 'published'")
        if self.date_markup == "none":
            self.published = None
        if self.feed_date is None:
            self.feed_date = self.published is not None and self.date_markup != "url"
        if not self.path:
            self.path = default_path(self.slug, self.section, self.date_markup, self.published)
        if not self.path.startswith("/"):
            raise ValueError(f"{self.slug}: path must start with '/'")
        if self.modified is None and self.published is not None:
            # A CMS "last edited" time: two hours after publication.
            self.modified = as_datetime(self.published) + dt.timedelta(hours=2)

    @property
    def paragraphs(self) -> list[str]:
        """The body's blocks (paragraphs, ``## `` headings, ``- `` lists), stripped."""
        return [b.strip() for b in self.body.strip().split("\n\n") if b.strip()]

    @property
    def summary(self) -> str:
        """The first real paragraph, for feeds and index pages."""
        for block in self.paragraphs:
            if not block.startswith(("## ", "- ", "To ")):
                return " ".join(block.split())
        return self.title

    @property
    def feed_datetime(self) -> dt.datetime | None:
        """The date that feeds and sitemaps carry, or None."""
        if not self.feed_date or self.published is None:
            return None
        return as_datetime(self.published)

    @property
    def word_count(self) -> int:
        return len(self.body.split())

    def etag(self) -> str:
        """A strong validator that changes only when the article itself changes."""
        key = "\x1f".join(
            [self.slug, self.title, self.author, self.body, str(self.published), str(self.version)]
        )
        return '"a-' + hashlib.sha1(key.encode("utf-8")).hexdigest()[:20] + '"'


def as_datetime(value: dt.datetime | dt.date) -> dt.datetime:
    """A timezone-aware datetime (dates become midnight UTC, naive times are taken as UTC)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)


def iso(value: dt.datetime | dt.date) -> str:
    """ISO 8601 as the pages show it: a date stays a date, a datetime keeps its UTC offset."""
    if isinstance(value, dt.datetime):
        return as_datetime(value).isoformat()
    return value.isoformat()


def parse_published(value: Any) -> Published:
    """Accept a TOML date/datetime, an ISO string, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text)
    raise TypeError(f"published: unsupported value {value!r}")


def default_path(slug: str, section: str, date_markup: str, published: Published) -> str:
    if date_markup == "url" and published is not None:
        return f"/{published:%Y/%m/%d}/{slug}/"
    if section in ("opinion", "explainers"):
        return f"/{section}/{slug}/"
    return f"/news/{slug}/"


def article_from_fields(fields: dict[str, Any], seq: int = 0) -> Article:
    data = dict(fields)
    data["published"] = parse_published(data.get("published"))
    body = data.get("body", "")
    if isinstance(body, list | tuple):
        data["body"] = "\n\n".join(str(p) for p in body)
    known = set(Article.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown article fields: {sorted(unknown)}")
    data["seq"] = seq
    return Article(**data)


def load_articles(directory: Path | None = None) -> list[Article]:
    """Load every ``*.toml`` article of ``directory`` (default: the bundled articles)."""
    directory = directory or ARTICLES_DIR
    articles: list[Article] = []
    for seq, file in enumerate(sorted(directory.glob("*.toml"))):
        with file.open("rb") as fh:
            data = tomllib.load(fh)
        articles.append(article_from_fields(data, seq=seq))
    log.debug("loaded %d articles from %s", len(articles), directory)
    return articles


# The two seed documents (their text is read at run time, never copied here).
SEED_PAGES: dict[str, dict[str, Any]] = {
    "004_c02a120c2422a147.txt": {
        "slug": "kake-missing-in-kansas",
        "outlet": "KAKE News",
        "author": "KAKE News",
        "section": "politics",
        "published": dt.date(2019, 10, 4),
        "date_markup": "meta",
        "feed_date": False,
        "plain": True,
        "path": "/story/41168576/missing-in-kansas-advocates-worry-facebook-privacy-change-"
        "will-protect-child-sex-predators",
    },
    "000_fabfcc87a9737572.txt": {
        "slug": "carr-facebook-must-change-its-mind",
        "outlet": "John Carr's blog",
        "author": "John Carr",
        "section": "opinion",
        "kind": "opinion",
        "published": None,
        "date_markup": "none",
        "template": "blog",
        "plain": True,
        "path": "/blog/facebook-must-change-its-mind/",
    },
}


def load_seed_articles(seeds_dir: Path | None = None, first_seq: int = 1000) -> list[Article]:
    """The seed documents as pages: first line = headline, the rest = body."""
    seeds_dir = seeds_dir or SEEDS_DIR
    articles: list[Article] = []
    for n, (name, meta) in enumerate(SEED_PAGES.items()):
        file = seeds_dir / name
        if not file.is_file():
            log.warning("seed document %s not found; its demo page is not served", file)
            continue
        text = file.read_text(encoding="utf-8")
        headline, _, body = text.partition("\n")
        fields = dict(meta, title=headline.strip(), body=body.strip("\n"), kind=meta.get("kind"))
        if fields["kind"] is None:
            fields["kind"] = "news"
        articles.append(article_from_fields(fields, seq=first_seq + n))
    return articles
