"""Re-extraction: run extraction, dates, topic relevance and clustering again over the archive.

After the extractor, the listing rule or topic.toml changes, the archived HTML (of stored pages
and of pages dropped as listings, without text or off-topic) is read back and goes through the
same steps as a freshly crawled page, without fetching anything. Documents are written through
the batch writer, so a changed text is versioned exactly as on a re-crawl; a page that now
passes every rule becomes a document; a document whose page no longer passes one stays as it
was (a re-crawl would not delete it either) and is counted.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediamon.corpus.archive import ArchivedPage, archived_urls, read_archived
from mediamon.corpus.store import DocumentRecord, PageRecord
from mediamon.documents.dates import DateFinding
from mediamon.documents.extract import document_of, extract_article
from mediamon.documents.identity import document_url
from mediamon.documents.listing import has_article_text, looks_like_listing
from mediamon.documents.topic import TopicModel
from mediamon.errors import MediamonError

logger = logging.getLogger(__name__)


class ReextractError(MediamonError):
    """A re-extraction asked for something the corpus does not have (an unknown source)."""


@dataclass
class ReextractReport:
    run_id: str = ""
    pages: int = 0  # archived pages looked at
    documents: dict[str, int] = field(default_factory=dict)  # new / updated / unchanged / ...
    dropped: Counter[str] = field(default_factory=Counter)  # not_article / no_text / off_topic
    kept_despite: Counter[str] = field(default_factory=Counter)  # documents that now fail a rule
    relevance_changed: int = 0

    def stats(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            **self.documents,
            "dropped": dict(self.dropped),
            "kept_documents_failing": dict(self.kept_despite),
            "relevance_changed": self.relevance_changed,
        }


@dataclass(frozen=True)
class Outcome:
    doc: DocumentRecord | None
    reason: str  # "stored", or why the page is not a document


def examine(page: ArchivedPage, topic: TopicModel) -> Outcome:
    """One archived page through the crawl's rules: listing, text, extraction, topic."""
    url = page.response_url or page.url
    if looks_like_listing(page.html, url, page.content_type):
        return Outcome(None, "not_article")
    hint = DateFinding(*page.listed_date) if page.listed_date else None
    extracted = extract_article(page.html, url=url, date_hint=hint, content_type=page.content_type)
    if extracted is None or not has_article_text(extracted.text):
        return Outcome(None, "no_text")
    canonical = page.canonical_url or document_url(page.url, url, extracted.canonical_url)
    doc = document_of(
        extracted,
        url=url,
        canonical_url=canonical,
        source_id=page.source_id,
        fetched_at=page.fetched_at,
    )
    score = topic.score_document(doc)
    if score is None:  # a language the topic terms are not written in: no score
        return Outcome(doc, "language")
    doc.relevance = round(score.score, 4)
    return Outcome(doc, "stored" if score.relevant else "off_topic")


def reextract(
    db: Path,
    source_id: str | None = None,
    since: dt.date | None = None,
    topic_file: Path | None = None,
    advance: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    batch_size: int = 200,
) -> ReextractReport:
    """Re-extract the archived pages (of one source, fetched since a day) into the corpus."""
    from mediamon.corpus.archive import update_relevance
    from mediamon.corpus.batch import BatchWriter
    from mediamon.corpus.connection import connect
    from mediamon.corpus.lake import write_transaction
    from mediamon.corpus.runs import start_run, update_run
    from mediamon.corpus.searchindex import refresh_after_write

    topic = TopicModel.from_toml(topic_file)  # a bad file fails here, before any work
    start = dt.datetime.combine(since, dt.time()) if since else None
    if source_id is not None:
        _check_source(db, source_id)
    urls = archived_urls(db, source_id, start)
    if on_total is not None:
        on_total(len(urls))
    with connect(db) as con:
        run_id = write_transaction(
            con, lambda c: start_run(c, "reextract", [source_id] if source_id else [])
        )
    report = ReextractReport(run_id=run_id)
    scores: dict[str, float] = {}  # documents kept as they were, with their new relevance

    written: dict[str, int] = {}  # what the transaction in hand wrote, counted once it commits

    def flush_scores(con: Any, _batch: Any) -> None:
        # on a lake this may run again after a lost commit: keep the scores until one commits
        written["changed"] = update_relevance(con, scores)

    def committed(_batch: Any = None) -> None:
        report.relevance_changed += written.pop("changed", 0)
        scores.clear()

    writer = BatchWriter(db, batch_size=batch_size, on_flush=flush_scores, on_commit=committed)
    status = "failed"
    try:
        with writer:
            for page in read_archived(db, urls):
                report.pages += 1
                _one(page, examine(page, topic), writer, report, scores)
                if advance is not None:
                    advance(1)
        if scores:  # documents of the last batch that were written unchanged
            with connect(db) as con:
                write_transaction(con, lambda c: flush_scores(c, None))
            committed()
        status = "ok"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        report.documents = dict(writer.result.counts)
        try:
            with connect(db) as con:
                write_transaction(con, lambda c: update_run(c, run_id, report.stats(), status))
        except Exception:  # the run row is bookkeeping; never mask the real error
            logger.warning("could not record the end of run %s", run_id, exc_info=True)
    if status == "ok":
        refresh_after_write(db)
    return report


def _check_source(db: Path, source_id: str) -> None:
    from mediamon.corpus.connection import connect

    with connect(db, read_only=True) as con:
        known = [r[0] for r in con.execute("SELECT source_id FROM sources ORDER BY 1").fetchall()]
    if source_id not in known:
        listed = ", ".join(known[:20]) or "none yet"
        raise ReextractError(
            f"no source {source_id!r} in the corpus; give one of its sources ({listed}) "
            "or leave out --source"
        )


def _one(
    page: ArchivedPage,
    outcome: Outcome,
    writer: Any,
    report: ReextractReport,
    scores: dict[str, float],
) -> None:
    doc = outcome.doc
    if outcome.reason == "stored" or (doc is not None and page.doc_id is not None):
        # a document already (off-topic now or not) is rewritten: a changed text is versioned
        assert doc is not None
        if outcome.reason != "stored":
            report.kept_despite[outcome.reason] += 1
        writer.add(doc=doc, page=_page(page, "stored", doc.doc_id))
        if doc.relevance is not None:
            scores[doc.doc_id] = doc.relevance
        return
    if page.doc_id is not None:
        # the page's document stays; the crawl would not delete it either
        report.kept_despite[outcome.reason] += 1
        return
    report.dropped[outcome.reason] += 1
    if outcome.reason != page.outcome:
        writer.add(page=_page(page, outcome.reason, None))


def _page(page: ArchivedPage, outcome: str, doc_id: str | None) -> PageRecord:
    """The archive row again, with its new outcome (its HTML and validators untouched)."""
    return PageRecord(
        url=page.url,
        status=page.status,
        content_type=page.content_type,
        fetched_at=page.fetched_at,
        etag=page.etag,
        last_modified=page.last_modified,
        outcome=outcome,
        doc_id=doc_id,
        source_id=page.source_id,
    )
