"""Ingest: documents from files rather than the web (`mediamon ingest PATH...`).

Accepted: JSONL (one JSON object a line: `url, title, published, text` or `url, html`, plus
optional `author, sitename, language, source`), `.html`/`.htm` pages (through the same
extraction as crawled pages), and `.txt` files (first line the title). Directories are walked;
`.gz` versions of each are read too. A bad record is reported with its file and line and
skipped; everything else is stored.
"""

import datetime as dt
import email.utils
import gzip
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from mediamon.corpus.store import DocumentRecord, PageRecord
from mediamon.documents.language import set_language
from mediamon.errors import InputError

logger = logging.getLogger(__name__)

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
HTML_SUFFIXES = (".html", ".htm")
TEXT_SUFFIXES = (".txt",)
MIN_YEAR = 1990
_PARTIAL_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


@dataclass
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass
class Item:
    doc: DocumentRecord
    page: PageRecord | None = None


@dataclass
class Plan:
    files: list[Path] = field(default_factory=list)
    total_bytes: int = 0


def _kind(path: Path) -> str | None:
    name = path.name.lower().removesuffix(".gz")
    for kind, suffixes in (
        ("jsonl", JSONL_SUFFIXES),
        ("html", HTML_SUFFIXES),
        ("text", TEXT_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return kind
    return None


def plan(paths: list[Path]) -> Plan:
    """Expand directories and check every path before anything is read."""
    result = Plan()
    for path in paths:
        if not path.exists():
            raise InputError(f"no such file or directory: {path}; check the path and try again")
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _kind(p))
            if not found:
                raise InputError(
                    f"{path} holds no .jsonl, .html or .txt files; point ingest at those files"
                )
            result.files.extend(found)
        elif _kind(path) is None:
            raise InputError(
                f"{path}: unknown file type; ingest takes .jsonl, .html/.htm and .txt "
                "(optionally .gz)"
            )
        else:
            result.files.append(path)
    result.total_bytes = sum(p.stat().st_size for p in result.files)
    return result


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
    except (ValueError, TypeError, IndexError):
        raise ValueError(
            f"published {text!r} is not a date; use ISO 8601 (2019-10-04 or "
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
    return value.strip() or None


def record_to_item(record: Any, source_id: str, now: dt.datetime) -> Item:
    """One JSONL record to a document; ValueError says what is wrong with it."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, found {type(record).__name__}")
    url = _str_field(record, "url")
    if url and not re.match(r"^https?://[^/\s]+", url, re.I):
        raise ValueError(f"url {url[:80]!r} is not an http(s) URL")
    text = _str_field(record, "text")
    html = _str_field(record, "html")
    if not text and not html:
        raise ValueError("record has neither 'text' nor 'html'; give one of them")
    published = None
    date_source = precision = None
    if record.get("published") not in (None, ""):
        published, precision = parse_published(record["published"])
        date_source = "record"
    source = _str_field(record, "source") or source_id
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

    return extract_article(html, url=url)


def _open(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _read_jsonl(
    path: Path, source_id: str, now: dt.datetime, advance: Callable[[int], None]
) -> Iterator[Item | Problem]:
    with _open(path) as fh:
        for number, raw in enumerate(fh, start=1):
            advance(len(raw))
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield Problem(str(path), number, f"not UTF-8 ({exc.reason} at byte {exc.start})")
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Problem(str(path), number, f"not valid JSON ({exc.msg}, column {exc.colno})")
                continue
            try:
                yield record_to_item(record, source_id, now)
            except ValueError as exc:
                yield Problem(str(path), number, str(exc))


def _read_file(path: Path, kind: str, source_id: str, now: dt.datetime) -> Item | Problem:
    with _open(path) as fh:
        data = fh.read()
    if kind == "html":
        from mediamon.documents.extract import decode_html

        try:
            return record_to_item({"html": decode_html(data)}, source_id, now)
        except ValueError as exc:
            return Problem(str(path), None, f"{exc}; is it an article page?")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Problem(
            str(path), None, f"not UTF-8 ({exc.reason} at byte {exc.start}); convert it first"
        )
    title, _, body = text.partition("\n")
    if not body.strip():
        return Problem(str(path), None, "empty: a .txt file needs a title line and a body")
    return record_to_item({"title": title, "text": body}, source_id, now)


def read(
    files: list[Path], source_id: str = "ingest", advance: Callable[[int], None] | None = None
) -> Iterator[Item | Problem]:
    """Items and problems from the files, in order."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    step = advance or (lambda n: None)
    for path in files:
        kind = _kind(path)
        try:
            if kind == "jsonl":
                yield from _read_jsonl(path, source_id, now, step)
            elif kind in ("html", "text"):
                yield _read_file(path, kind, source_id, now)
                step(path.stat().st_size)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            yield Problem(str(path), None, f"cannot read: {exc}")


@dataclass
class IngestReport:
    run_id: str
    files: int
    records: int = 0
    problems: int = 0
    off_topic: int = 0
    other_language: int = 0  # with topic_filter: not scored, so not stored (see README)
    counts: dict[str, int] = field(default_factory=dict)


def _topic_model(path: Path | None) -> Any:
    from mediamon.documents.topic import TopicModel

    return TopicModel.from_toml(path)  # a bad file raises ConfigError, one line


def ingest_files(
    db: Path,
    paths: list[Path],
    source_id: str = "ingest",
    on_problem: Callable[[Problem], None] | None = None,
    advance: Callable[[int], None] | None = None,
    batch_size: int = 500,
    file_plan: Plan | None = None,
    topic_filter: bool = False,
    topic_file: Path | None = None,
) -> IngestReport:
    """Read the files and store their documents in short batched transactions.

    Every document gets its topic relevance score; with topic_filter, off-topic ones are
    counted and not stored.
    """
    from mediamon.corpus.batch import BatchWriter
    from mediamon.corpus.connection import connect
    from mediamon.corpus.runs import start_run, update_run
    from mediamon.corpus.seeding import ensure_corpus
    from mediamon.corpus.store import ensure_source

    files = (file_plan or plan(paths)).files
    topic = _topic_model(topic_file)
    ensure_corpus(db)
    with connect(db) as con:
        ensure_source(con, source_id, None, "ingest")
        run_id = start_run(con, "ingest", [source_id])
    report = IngestReport(run_id=run_id, files=len(files))
    status = "failed"
    writer = BatchWriter(db, batch_size=batch_size)
    try:
        with writer:
            for entry in read(files, source_id, advance):
                if isinstance(entry, Problem):
                    report.problems += 1
                    if on_problem:
                        on_problem(entry)
                    continue
                report.records += 1
                score = topic.score_document(entry.doc)  # None: not in the terms' language
                if score is None and topic_filter:
                    report.other_language += 1
                    continue
                if score is not None:
                    entry.doc.relevance = round(score.score, 4)
                    if topic_filter and not score.relevant:
                        report.off_topic += 1
                        continue
                writer.add(entry.doc, entry.page)
        status = "ok"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        report.counts = dict(writer.result.counts)
        stats = {
            "files": report.files,
            "records": report.records,
            "problems": report.problems,
            "off_topic": report.off_topic,
            "other_language": report.other_language,
        }
        stats.update(report.counts)
        try:
            with connect(db) as con:
                update_run(con, run_id, stats, status)
        except Exception:  # the run row is bookkeeping; never mask the real error
            logger.warning("could not record the end of run %s", run_id, exc_info=True)
    if status == "ok":
        from mediamon.corpus.searchindex import refresh_after_write

        refresh_after_write(db)
    return report
