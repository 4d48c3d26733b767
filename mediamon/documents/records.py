"""One ingested record: parsed, checked field by field, and turned into a document.

Every way a record can be wrong ends as a ValueError whose message is the reason shown to the
user (`file:line: reason`); nothing a record holds may raise anything else, because one bad
record must never stop the others from being stored.
"""

import datetime as dt
import email.utils
import functools
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from mediamon.corpus.store import DocumentRecord, PageRecord
from mediamon.documents.language import set_language
from mediamon.documents.limits import Limits, size_words
from mediamon.errors import InputError

logger = logging.getLogger(__name__)

MIN_YEAR = 1990
_PARTIAL_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
_URL_RE = re.compile(r"^https?://[^/\s]+", re.I)
_MAX_INT_DIGITS = 4300  # Python's int-from-string limit; json.loads would fail past it anyway


@dataclass
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        # one line whatever the message quotes (exception texts can span several)
        return f"{where}: {' '.join(self.message.split())}"


@dataclass
class Item:
    doc: DocumentRecord
    page: PageRecord | None = None


@functools.cache
def _source_id_rule() -> tuple[re.Pattern[str], str]:
    """The rule for source ids in sources.toml, read from its schema so the two never differ."""
    from mediamon.config.sources import SourceEntry

    schema = SourceEntry.model_json_schema()["properties"]["id"]
    return re.compile(schema["pattern"]), schema["description"]


def source_id_problem(value: str) -> str | None:
    """Why `value` is not a valid source id, or None when it is."""
    pattern, rule = _source_id_rule()
    if pattern.fullmatch(value):
        return None
    return f"source {value[:80]!r} is not a source id: use {rule}"


def check_source_id(value: str) -> str:
    """The `--source` given on the command line, or an InputError saying what to use."""
    problem = source_id_problem(value)
    if problem:
        raise InputError(f"--source: {problem}")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueError(
            f"a number has {len(text.lstrip('-')):,} digits (at most {_MAX_INT_DIGITS:,}); "
            "write it as a string"
        )
    return int(text)


def parse_json_line(raw: bytes, first: bool) -> Any:
    """A JSONL line's value; ValueError with the reason it cannot be read."""
    try:
        line = raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        return json.loads(line, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg}, column {exc.colno})") from None
    except RecursionError:
        # the C decoder recurses once per level: 100,000 nested brackets exhaust the stack
        raise ValueError(
            "nested too deeply (arrays or objects inside each other beyond Python's limit); "
            "flatten the record"
        ) from None


def parse_published(value: Any, today: dt.date | None = None) -> tuple[dt.date, str]:
    """A record's `published` field as (date, precision); ValueError with a reason."""
    today = today or dt.date.today()
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError(f"published must be a date string like 2019-10-04, not {value!r}")
    text = str(value).strip()
    precision = "day"
    partial = _PARTIAL_DATE_RE.match(text)
    try:
        if partial:
            year, month = int(partial.group(1)), partial.group(2)
            day = dt.date(year, int(month) if month else 1, 1)
            precision = "month" if month else "year"
        elif len(text) == 10:
            day = dt.date.fromisoformat(text)
        else:
            try:
                day = dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
            except ValueError:
                day = email.utils.parsedate_to_datetime(text).date()
    except (ValueError, TypeError, IndexError, OverflowError):
        raise ValueError(
            f"published {text[:80]!r} is not a date; use ISO 8601 (2019-10-04 or "
            "2019-10-04T09:30:00Z) or RFC 2822"
        ) from None
    if day.year < MIN_YEAR:
        raise ValueError(f"published {text!r} is before {MIN_YEAR}; check the date")
    if day > today + dt.timedelta(days=1):
        raise ValueError(f"published {text!r} is in the future; check the date")
    return day, precision


def _str_field(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"field {key!r} must be a string, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        # JSON lets "\ud800" through; no database or file can hold it
        raise ValueError(
            f"field {key!r} holds a lone surrogate ({value[exc.start]!r} at character "
            f"{exc.start}), which is not text; fix the escapes in the export"
        ) from None
    return value.strip() or None


def _check_url(url: str) -> None:
    from mediamon.corpus.urls import canonicalize_url

    if not _URL_RE.match(url):
        raise ValueError(f"url {url[:80]!r} is not an http(s) URL")
    try:
        canonicalize_url(url)
    except ValueError as exc:
        raise ValueError(f"url {url[:80]!r} is not a valid URL ({exc})") from None


def _check_text(text: str, limits: Limits, what: str = "text") -> None:
    if len(text) > limits.text_chars:
        raise ValueError(
            f"{what} has {len(text):,} characters, over the limit of {limits.text_chars:,} "
            "(the most `mediamon tag` reads); split the document"
        )


def _check_html(html: str, limits: Limits) -> None:
    # a character is 1 to 4 bytes: count bytes only when the characters leave it in doubt
    if len(html) * 4 > limits.html_bytes and len(html.encode("utf-8")) > limits.html_bytes:
        raise ValueError(
            f"html is over {size_words(limits.html_bytes)}, the limit for one page (as for "
            "crawled pages)"
        )


def record_to_item(
    record: Any, source_id: str, now: dt.datetime, limits: Limits | None = None
) -> Item:
    """One JSONL record to a document; ValueError says what is wrong with it."""
    limits = limits or Limits()
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, found {type(record).__name__}")
    url = _str_field(record, "url")
    if url:
        _check_url(url)
    text = _str_field(record, "text")
    html = _str_field(record, "html")
    if not text and not html:
        raise ValueError("record has neither 'text' nor 'html'; give one of them")
    if text:
        _check_text(text, limits)
    if html:
        _check_html(html, limits)
    published = None
    date_source = precision = None
    if record.get("published") not in (None, ""):
        published, precision = parse_published(record["published"])
        date_source = "record"
    source = _str_field(record, "source") or source_id
    problem = source_id_problem(source)
    if problem:
        raise ValueError(problem)
    page = None
    title = _str_field(record, "title")
    author = _str_field(record, "author")
    sitename = _str_field(record, "sitename")
    language = _str_field(record, "language")
    canonical = None
    if html:
        extracted = _extract(html, url)
        if extracted is None or not extracted.text.strip():
            raise ValueError("no article text found in 'html'")
        text = extracted.text
        _check_text(text, limits, "the text extracted from 'html'")
        title = title or extracted.title
        author = author or extracted.author
        sitename = sitename or extracted.sitename
        language = language or extracted.language
        canonical = extracted.canonical_url
        if published is None and extracted.published is not None:
            published = extracted.published.value
            date_source = extracted.published.source
            precision = extracted.published.precision
    assert text is not None
    doc = DocumentRecord(
        text=text,
        url=url or canonical,
        canonical_url=_canonical(canonical) if canonical else None,
        source_id=source,
        title=title,
        author=author,
        sitename=sitename,
        language=language,
        published_at=published,
        date_source=date_source,
        date_precision=precision,
    )
    set_language(doc)  # from the text; the record's or page's own language is kept as declared
    if html and doc.url:
        # the raw page is archived so extraction can be re-run later
        page = PageRecord(
            url=doc.url,
            doc_id=doc.doc_id,
            source_id=source,
            content_type="text/html",
            fetched_at=now,
            outcome="ingested",
            html=html.encode("utf-8"),
        )
    return Item(doc, page)


def _canonical(url: str) -> str:
    from mediamon.corpus.urls import canonicalize_url

    return canonicalize_url(url)


def _extract(html: str | bytes, url: str | None) -> Any:
    from mediamon.documents.extract import extract_article

    try:
        return extract_article(html, url=url)
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ValueError(f"the page cannot be read ({type(exc).__name__}: {exc})") from None
