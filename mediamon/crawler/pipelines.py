"""Item pipelines, one job each: extract, judge relevance, store.

A page that is not kept is dropped with a `Dropped` reason; the store pipeline still records it
in the page archive so the run's figures and the next crawl's seen-check know about it. Listing
pages, pages without article text and off-topic pages keep their HTML there (compressed), so
`mediamon reextract` can look at them again; binary, non-HTML and oversized responses do not. A
page the extractor failed on (an exception, not a page without text) is a `PageError`: an error
by kind in the figures, not a drop. A batch the corpus would not take fails the source, and
with it the run.
"""

import asyncio
import datetime as dt
import logging
import re
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import Request, Response

from mediamon.corpus.batch import BatchWriteError, BatchWriter
from mediamon.corpus.store import DocumentRecord, PageRecord
from mediamon.corpus.urls import canonicalize_url
from mediamon.crawler.items import PageItem
from mediamon.documents.dates import DateFinding
from mediamon.documents.extract import document_of
from mediamon.documents.identity import document_url
from mediamon.documents.listing import has_article_text

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/plain")
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f]")
# dropped pages whose HTML is archived all the same: `mediamon reextract` may find an article
# there after the extractor, the listing rule or topic.toml changes
KEEP_DROPPED_BODY = frozenset({"not_article", "no_text", "off_topic", "language"})


class Dropped(DropItem):
    """A page not kept as a document, with the reason recorded in the run's stats."""

    section = "dropped"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class PageError(Dropped):
    """A page not kept because our side failed on it: an error by kind, not a drop."""

    section = "errors"


def looks_binary(body: bytes) -> bool:
    head = body[:4096]
    if not head:
        return False
    if head.startswith((b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04")):
        return True
    return b"\x00" in head or len(_CONTROL.findall(head)) > len(head) * 0.1


def examine_page(
    body: bytes, url: str, hint: DateFinding | None, content_type: str | None
) -> tuple[Any, Any, bytes | None] | None:
    """In an extraction worker: None for a listing page, else the extracted article.

    The listing rule parses the page, so it runs where the extraction does, off the reactor.
    """
    from mediamon.crawler.workers import ExtractFailure, extract_job
    from mediamon.documents.listing import looks_like_listing

    try:
        if looks_like_listing(body, url, content_type):
            return None
    except Exception as exc:  # our rule failed, not the page: an error by kind
        lines = str(exc).strip().splitlines()
        return ExtractFailure(type(exc).__name__, lines[0] if lines else ""), None, None
    return extract_job(body, url, hint, content_type)


class ExtractPipeline:
    """Response body -> article text and metadata (trafilatura), with the date's provenance.

    The extraction runs in worker processes (MEDIAMON_EXTRACT_WORKERS, 0 for in-process).
    """

    def __init__(self, crawler: Crawler) -> None:
        from mediamon.crawler.workers import default_workers

        self.crawler = crawler
        configured = crawler.settings.get("MEDIAMON_EXTRACT_WORKERS")
        self.workers = default_workers() if configured in (None, "", "auto") else int(configured)
        self.pool: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "ExtractPipeline":
        return cls(crawler)

    def open_spider(self) -> None:
        from mediamon.crawler.workers import acquire

        self.pool = acquire(self.workers)
        if self.pool is None:
            # extraction in this process: pay its imports (seconds) now, not on the first page,
            # where they would stop the reactor with requests under way
            import mediamon.documents.extract
            import mediamon.documents.listing  # noqa: F401

    def close_spider(self) -> None:
        from mediamon.crawler.workers import release

        if self.pool is not None:
            self.pool = None
            release()

    async def process_item(self, item: PageItem) -> PageItem:
        if item.status == 304:
            item.outcome = "not_modified"
            return item
        mime = (item.content_type or "").split(";")[0].strip().lower()
        if mime and mime not in HTML_TYPES:
            raise Dropped("not_html", mime)
        if looks_binary(item.body):
            raise Dropped("not_html", "binary content")
        from mediamon.crawler.workers import ExtractFailure

        args = (item.body, item.url, item.date_hint, item.content_type)
        if self.pool is None:
            examined = examine_page(*args)
        else:
            loop = asyncio.get_running_loop()
            examined = await loop.run_in_executor(self.pool, examine_page, *args)
        if examined is None:
            raise Dropped("not_article", "a listing of other pages")
        extracted, signature, html_gz = examined
        if isinstance(extracted, ExtractFailure):
            raise PageError(f"extraction_{extracted.kind.lower()}", extracted.message)
        if extracted is None or not has_article_text(extracted.text):
            raise Dropped("no_text")
        canonical = document_url(item.requested_url, item.url, extracted.canonical_url)
        item.doc = document_of(
            extracted,
            url=item.url,
            canonical_url=canonical,
            source_id=item.source_id,
            fetched_at=item.fetched_at,
        )
        item.doc.set_minhash(signature)
        item.html_gz = html_gz
        return item


class TopicPipeline:
    """Relevance to the debate (config/topic.toml); off-topic pages are counted, not stored."""

    def __init__(self, crawler: Crawler) -> None:
        from mediamon.documents.topic import TopicModel

        self.crawler = crawler
        topic_file = crawler.settings.get("MEDIAMON_TOPIC") or None
        self.model = TopicModel.from_toml(Path(topic_file) if topic_file else None)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "TopicPipeline":
        return cls(crawler)

    def process_item(self, item: PageItem) -> PageItem:
        if item.doc is None:
            return item
        source = getattr(self.crawler.spider, "source", None)
        score = self.model.score_document(item.doc)
        if score is None:  # a language the terms are not written in: no score, no guess
            if source is None or source.topic_filter:
                raise Dropped("language", item.doc.language or "")
            return item
        item.doc.relevance = round(score.score, 4)
        if not score.relevant and (source is None or source.topic_filter):
            raise Dropped("off_topic", f"score {score.score:.2f}")
        return item


class StorePipeline:
    """Batched writes to the corpus; the file is held only while a batch is written."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.db = Path(settings.get("MEDIAMON_DB"))
        self.batch_size = settings.getint("MEDIAMON_BATCH_SIZE")
        self.batch_seconds = settings.getfloat("MEDIAMON_BATCH_SECONDS")
        self.run_id = settings.get("MEDIAMON_RUN_ID") or None
        self.own_run = False
        self.writer: BatchWriter | None = None
        self.failure: str | None = None
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "StorePipeline":
        return cls(crawler)

    def open_spider(self) -> None:
        from mediamon.corpus.connection import connect
        from mediamon.corpus.lake import write_transaction
        from mediamon.corpus.runs import start_run
        from mediamon.corpus.seeding import ensure_corpus

        ensure_corpus(self.db)
        spider = self.crawler.spider
        assert spider is not None
        source = getattr(spider, "source", None)
        if self.run_id is None:  # `scrapy crawl` without mediamon: the spider owns a run
            command, ids = f"scrapy {spider.name}", [source.id] if source else []
            with connect(self.db) as con:
                self.run_id = write_transaction(con, lambda c: start_run(c, command, ids))
            self.own_run = True
        # one writer thread for every source of the process: no two transactions at once
        self.writer = BatchWriter(self.db, self.batch_size, self.batch_seconds, background=True)
        if source is not None:
            self.writer.add_source(source.id, source.name, "+".join(source.strategies))
        spider.store = self  # type: ignore[attr-defined]

    def call(self, fn: Any, *args: Any) -> Any:
        """Await a corpus read in turn with the writes (see BatchWriter.call)."""
        assert self.writer is not None
        return asyncio.wrap_future(self.writer.call(fn, *args))

    def _add(self, doc: DocumentRecord | None = None, page: PageRecord | None = None) -> None:
        """Hand a record to the writer; a batch that failed fails the source."""
        assert self.writer is not None
        try:
            self.writer.add(doc=doc, page=page)
        except BatchWriteError as exc:  # an earlier batch; this record is still buffered
            self._fail(str(exc), stop=True)

    def _fail(self, reason: str, stop: bool) -> None:
        if self.failure is not None:
            return
        self.failure = reason
        self.crawler.stats.set_value("mediamon/failure", reason)
        logger.error("source %s failed: %s", getattr(self.crawler.spider, "source_id", "?"), reason)
        engine = self.crawler.engine
        if not stop or engine is None or self.crawler.spider is None:
            return
        # the source stops: what it fetched is written (or counted as lost), not fetched on
        if hasattr(engine, "close_spider_async"):
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason="store_failed"))
        else:  # Scrapy 2.13
            engine.close_spider(self.crawler.spider, "store_failed")

    def process_item(self, item: PageItem) -> PageItem:
        ledger = self.crawler.spider.ledger  # type: ignore[union-attr]
        if item.outcome == "not_modified":
            self._add(page=self._page(item, "not_modified", keep_body=False))
            ledger.close(item.ticket, "not_modified")
            return item
        doc = item.doc
        if doc is None:
            # a page that went through every pipeline without becoming a document
            ledger.close(item.ticket, "errors", "pipeline_no_document", item.url)
            return item
        self._add(doc=doc, page=self._page(item, "stored", keep_body=True, doc=doc))
        # what became of the document (new, updated, ...) the writer says once it is written
        ledger.close(item.ticket, "stored")
        return item

    def _page(
        self, item: PageItem, outcome: str, keep_body: bool, doc: DocumentRecord | None = None
    ) -> PageRecord:
        return PageRecord(
            url=item.requested_url,
            status=item.status,
            content_type=item.content_type,
            fetched_at=item.fetched_at,
            etag=item.etag,
            last_modified=item.last_modified,
            outcome=outcome,
            doc_id=doc.doc_id if doc else None,
            source_id=item.source_id,
            html=item.body if keep_body and item.body else None,
            html_gz=item.html_gz if keep_body else None,
        )

    def item_dropped(
        self, item: Any, response: Response, exception: Exception, spider: Spider
    ) -> None:
        reason = getattr(exception, "reason", "dropped")
        section = getattr(exception, "section", "dropped")
        detail = getattr(exception, "detail", None)
        ledger = getattr(spider, "ledger", None)
        if ledger is not None:
            url = getattr(item, "url", "?")
            ledger.close(
                getattr(item, "ticket", None),
                section,
                reason,
                f"{url}: {detail}" if section == "errors" else None,
            )
        if section == "errors":  # our side failed: not archived, so the next crawl tries again
            return
        if isinstance(item, PageItem) and self.writer is not None:
            keep = reason in KEEP_DROPPED_BODY
            self._add(page=self._page(item, reason, keep_body=keep))

    def record_listing(self, response: Response, source_id: str) -> None:
        """Feeds and sitemaps keep their validators so the next crawl asks conditionally."""
        if self.writer is None or response.status == 304:
            return
        headers = response.headers
        self._add(
            page=PageRecord(
                url=canonicalize_url(response.url),
                status=response.status,
                content_type=_decode(headers.get(b"Content-Type")),
                fetched_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                etag=_decode(headers.get(b"ETag")),
                last_modified=_decode(headers.get(b"Last-Modified")),
                outcome=response.meta.get("mm_kind", "listing"),
                source_id=source_id,
            )
        )

    def record_failure(self, request: Request, reason: str, source_id: str) -> None:
        # An archived page without a status counts as seen: only failures that will not change
        # by themselves are kept (an HTTP status is kept too: the seen-check skips >= 400).
        # A timeout or a refused connection is not, so the next crawl tries again.
        lasting = reason.startswith("http_") or reason in ("robots", "too_large", "redirect_loop")
        if self.writer is None or not lasting:
            return
        self._add(
            page=PageRecord(
                url=canonicalize_url(request.url),
                status=int(reason[5:]) if reason.startswith("http_") else None,
                fetched_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                outcome=reason,
                source_id=source_id,
            )
        )

    def close_spider(self) -> None:
        from mediamon.corpus.connection import connect
        from mediamon.corpus.lake import write_transaction
        from mediamon.corpus.runs import update_run
        from mediamon.crawler.figures import source_stats, systematic_failure

        if self.writer is None:
            return
        writer, stats = self.writer, self.crawler.stats
        try:
            writer.close()
        except BatchWriteError as exc:  # counted below; the run records the failure
            self._fail(str(exc), stop=False)
        for key, value in writer.result.counts.items():
            stats.set_value(f"mediamon/documents/{key}", value)
        if writer.failed_documents:  # stored pages whose batch was lost
            stats.set_value("mediamon/errors/store_failed", writer.failed_documents)
            stats.set_value("mediamon/last_error/store_failed", self.failure)
        if self.own_run and self.run_id:
            figures = source_stats(stats.get_stats())
            failure = self.failure or systematic_failure(figures)
            if failure:
                figures["failure"] = failure
            run_id, status = self.run_id, "failed" if failure else "ok"
            with connect(self.db) as con:
                write_transaction(con, lambda c: update_run(c, run_id, figures, status))


def _decode(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value else None
