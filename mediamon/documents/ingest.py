"""Ingest: documents from files rather than the web (`mediamon ingest PATH...`).

Accepted: JSONL (one JSON object a line: `url, title, published, text` or `url, html`, plus
optional `author, sitename, language, source`), `.html`/`.htm` pages (through the same
extraction as crawled pages), and `.txt` files (first line the title). Directories are walked;
`.gz` versions of each are read too. A bad record, or a file that cannot be read, is reported
with its file and line and skipped; everything else is stored. Finding and reading the files is
`documents.inputs`, checking one record `documents.records`, the size limits `documents.limits`.
"""

import contextlib
import errno
import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediamon.documents.inputs import (
    HTML_SUFFIXES,
    JSONL_SUFFIXES,
    TEXT_SUFFIXES,
    Plan,
    plan,
    read,
)
from mediamon.documents.limits import Limits
from mediamon.documents.records import (
    Item,
    Problem,
    check_source_id,
    parse_published,
    record_to_item,
)
from mediamon.errors import MediamonError

__all__ = [
    "HTML_SUFFIXES",
    "JSONL_SUFFIXES",
    "TEXT_SUFFIXES",
    "CorpusWriteError",
    "IngestReport",
    "Item",
    "Limits",
    "Plan",
    "Problem",
    "check_source_id",
    "ingest_files",
    "parse_published",
    "plan",
    "read",
    "record_to_item",
]

logger = logging.getLogger(__name__)

# what to do about each reason a write fails (DuckDB only gives the reason as text)
_ADVICE = {
    errno.ENOSPC: "free some space on its disk (or use --db on another disk)",
    errno.EDQUOT: "free some of your disk quota (or use --db on another disk)",
    errno.EFBIG: "raise the file size limit (ulimit -f) or use --db on another file system",
    errno.EROFS: "remount its file system read-write (or use --db on another disk)",
    errno.EIO: "check the disk (dmesg) and use --db on a sound one",
}
_REASON = {os.strerror(n).lower(): n for n in _ADVICE}
_WRITE_CAUSE_RE = re.compile("|".join(re.escape(r) for r in _REASON), re.IGNORECASE)
_FILE_RE = re.compile(r'file "([^"]+)"')


class CorpusWriteError(MediamonError):
    """The corpus file could not be written: its disk is full, a file size limit, read-only."""


@dataclass
class IngestReport:
    run_id: str
    files: int
    records: int = 0
    problems: int = 0
    off_topic: int = 0
    other_language: int = 0  # with topic_filter: not scored, so not stored (see README)
    counts: dict[str, int] = field(default_factory=dict)


def write_cause(exc: BaseException) -> tuple[str, str] | None:
    """(the system's reason a write failed, what to do) from anywhere in the exception's chain.

    A failed commit is often hidden: DuckDB's "cannot rollback" is what reaches us, with the
    real cause ("No space left on device") as its context.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _ADVICE:
            where = f" (writing {current.filename})" if current.filename else ""
            return f"{os.strerror(current.errno).lower()}{where}", _ADVICE[current.errno]
        match = _WRITE_CAUSE_RE.search(str(current))
        if match:
            reason = match.group(0).lower()
            file = _FILE_RE.search(str(current))
            where = f" (writing {file.group(1)})" if file else ""
            return reason + where, _ADVICE[_REASON[reason]]
        current = current.__cause__ or current.__context__
    return None


@contextlib.contextmanager
def _write_errors(db: Path, stored: Callable[[], int]) -> Iterator[None]:
    """Turn a failed write of the corpus into one line naming the real cause."""
    try:
        yield
    except Exception as exc:
        found = write_cause(exc)
        if found is None:
            raise
        cause, advice = found
        logger.debug("writing %s failed", db, exc_info=True)
        raise CorpusWriteError(
            f"cannot write to the corpus {db}: {cause}; {advice}, then run ingest again. "
            f"The corpus keeps what was stored before ({stored()} documents by this run), "
            "and a rerun stores only what is missing"
        ) from exc


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
    limits: Limits | None = None,
) -> IngestReport:
    """Read the files and store their documents in short batched transactions.

    Every document gets its topic relevance score; with topic_filter, off-topic ones are
    counted and not stored. A corpus that cannot be written (disk full) raises
    CorpusWriteError; the batches written before stay.
    """
    from mediamon.corpus.batch import BatchWriter

    check_source_id(source_id)
    files_plan = file_plan or plan(paths)
    topic = _topic_model(topic_file)
    written: list[BatchWriter] = []

    def stored() -> int:
        counts = written[0].result.counts if written else {}
        return sum(counts.get(k, 0) for k in ("new", "updated", "enriched"))

    with _write_errors(db, stored):
        run_id = _start(db, source_id)
        report = IngestReport(run_id=run_id, files=len(files_plan.files))
        writer = BatchWriter(db, batch_size=batch_size)
        written.append(writer)
        status = "failed"
        try:
            for problem in files_plan.problems:
                _note(report, problem, on_problem)
            with writer:
                for entry in read(files_plan.files, source_id, advance, limits):
                    if isinstance(entry, Problem):
                        _note(report, entry, on_problem)
                        continue
                    report.records += 1
                    score = topic.score_document(entry.doc)  # None: not the terms' language
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
            _finish(db, report, status)
        if status == "ok":
            from mediamon.corpus.searchindex import refresh_after_write

            refresh_after_write(db)
    return report


def _note(
    report: IngestReport, problem: Problem, on_problem: Callable[[Problem], None] | None
) -> None:
    report.problems += 1
    if on_problem:
        on_problem(problem)


def _start(db: Path, source_id: str) -> str:
    import duckdb

    from mediamon.corpus.connection import connect
    from mediamon.corpus.lake import write_transaction
    from mediamon.corpus.runs import start_run
    from mediamon.corpus.seeding import ensure_corpus
    from mediamon.corpus.store import ensure_source

    ensure_corpus(db)

    def step(con: duckdb.DuckDBPyConnection) -> str:
        ensure_source(con, source_id, None, "ingest")
        return start_run(con, "ingest", [source_id])

    with connect(db) as con:
        return write_transaction(con, step)


def _finish(db: Path, report: IngestReport, status: str) -> None:
    """Record the run's end; bookkeeping that must never hide the error that ended it."""
    from mediamon.corpus.connection import connect
    from mediamon.corpus.lake import write_transaction
    from mediamon.corpus.runs import update_run

    stats = {
        "files": report.files,
        "records": report.records,
        "problems": report.problems,
        "off_topic": report.off_topic,
        "other_language": report.other_language,
        **report.counts,
    }
    try:
        with connect(db) as con:
            write_transaction(con, lambda con: update_run(con, report.run_id, stats, status))
    except Exception as exc:
        # after a failed run the error being raised says more (a full disk fails here too)
        level = logging.WARNING if status == "ok" else logging.DEBUG
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        logger.log(level, "could not record the end of run %s: %s", report.run_id, first)
