"""A writer that holds the corpus only while it writes a batch.

A long crawl or ingest must not keep the file locked: analysts' queries would wait for hours.
So records are buffered and each batch opens the corpus, writes in one transaction, and closes
it again. Between batches any other process can read.

In one process, every background writer (one per crawled source) hands its batches to the
same writer thread: two transactions of one process on one DuckDB file conflict when they
touch the same rows (two sources holding the same article), and a read-only connection cannot
be opened while a read-write one is. One thread, one connection at a time, no conflicts.
"""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import duckdb

from mediamon.corpus.connection import connect
from mediamon.corpus.lake import write_transaction
from mediamon.corpus.store import (
    DocumentRecord,
    PageRecord,
    WriteResult,
    ensure_source,
    upsert_documents,
    write_pages,
)
from mediamon.errors import CorpusLockedError, MediamonError, NotACorpusError, SchemaError

logger = logging.getLogger(__name__)

SourceRow = tuple[str, str | None, str | None]  # source_id, name, kind
T = TypeVar("T")


class BatchWriteError(MediamonError):
    """A batch could not be written; its records are not in the corpus."""


class _WriterThread:
    """The process's one writer thread, shared by every background BatchWriter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._users = 0

    def acquire(self) -> None:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, "mediamon-writer")
            self._users += 1

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users <= 0 and self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None
                self._users = 0

    def submit(self, fn: Callable[..., T], *args: Any) -> "Future[T]":
        with self._lock:
            if self._executor is None:
                raise RuntimeError("the writer thread is not running: acquire() it first")
            return self._executor.submit(fn, *args)


WRITER_THREAD = _WriterThread()


class BatchWriter:
    """Buffer documents and pages; write them in short transactions.

    Records are flushed when `batch_size` are waiting or the oldest has waited `max_wait`
    seconds. `on_flush` is called inside each write transaction's connection, after the batch
    is written, so callers can record progress (e.g. a crawl run's stats) atomically enough.

    background: write batches on the process's writer thread while the caller goes on producing
    (a crawl's reactor must not stop for the database); batches are still written one at a
    time, in order, and `close()` waits for the last one. A batch that fails is counted in
    `failed_pages` / `failed_documents`, and a `BatchWriteError` naming it is raised to the
    caller once, at its next call; later batches are still written.
    """

    def __init__(
        self,
        path: Path,
        batch_size: int = 500,
        max_wait: float = 2.0,
        on_flush: Callable[[duckdb.DuckDBPyConnection, WriteResult], None] | None = None,
        background: bool = False,
        on_commit: Callable[[WriteResult], None] | None = None,
    ) -> None:
        self.path = path
        self.batch_size = batch_size
        self.max_wait = max_wait
        self.on_flush = on_flush
        # after the batch's transaction committed: on a lake `on_flush` may run more than once
        self.on_commit = on_commit
        self.result = WriteResult()
        self.failure: str | None = None  # the first failed batch's reason
        self.failed_documents = 0
        self.failed_pages = 0
        self._docs: list[DocumentRecord] = []
        self._pages: list[PageRecord] = []
        self._sources: dict[str, SourceRow] = {}
        self._since: float | None = None
        self._lock = threading.Lock()
        self._background = background
        self._pending: list[Future[WriteResult | None]] = []
        self._raised = False
        if background:
            WRITER_THREAD.acquire()

    def add(self, doc: DocumentRecord | None = None, page: PageRecord | None = None) -> None:
        if doc is not None:
            _ = doc.minhash  # the CPU work happens here, not while holding the corpus
            self._docs.append(doc)
            if doc.source_id and doc.source_id not in self._sources:
                self._sources[doc.source_id] = (doc.source_id, None, None)
        if page is not None:
            self._pages.append(page)
        if self._since is None:
            self._since = time.monotonic()
        if self.pending >= self.batch_size or time.monotonic() - self._since >= self.max_wait:
            self.flush()

    def add_source(self, source_id: str, name: str | None, kind: str | None) -> None:
        self._sources[source_id] = (source_id, name, kind)

    def call(self, fn: Callable[..., T], *args: Any) -> "Future[T]":
        """Run another corpus read or write in turn with the batches (in the background: on
        the writer thread, where it never meets a batch's connection)."""
        if self._background:
            return WRITER_THREAD.submit(fn, *args)
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:
            future.set_exception(exc)
        return future

    @property
    def pending(self) -> int:
        return len(self._docs) + len(self._pages)

    def flush(self) -> WriteResult:
        """Write what is buffered (in the background: hand it to the writer thread)."""
        self._raise_failed()
        if not self._docs and not self._pages and not self._sources:
            return WriteResult()
        docs, pages, sources = self._docs, self._pages, self._sources
        self._docs, self._pages, self._sources, self._since = [], [], {}, None
        if not self._background:
            return self._write(docs, pages, sources)
        self._pending = [f for f in self._pending if not f.done()]
        self._pending.append(WRITER_THREAD.submit(self._write_or_record, docs, pages, sources))
        return WriteResult()

    def _write(
        self,
        docs: list[DocumentRecord],
        pages: list[PageRecord],
        sources: dict[str, SourceRow],
    ) -> WriteResult:

        def step(con: duckdb.DuckDBPyConnection) -> WriteResult:
            # on a lake this may run again after losing to another writer: from the start
            for source_id, name, kind in sources.values():
                ensure_source(con, source_id, name, kind)
            batch = upsert_documents(con, docs)
            for page in pages:
                if page.doc_id is not None and batch.doc_ids.get(page.doc_id) == "duplicate":
                    page.outcome = "duplicate"
            write_pages(con, pages)
            if self.on_flush is not None:
                self.on_flush(con, batch)
            return batch

        with connect(self.path, create=True) as con:
            batch = write_transaction(con, step)
        if self.on_commit is not None:
            self.on_commit(batch)
        logger.debug("wrote batch: %s", dict(batch.counts))
        with self._lock:
            self.result.merge(batch)
        return batch

    def _write_or_record(
        self,
        docs: list[DocumentRecord],
        pages: list[PageRecord],
        sources: dict[str, SourceRow],
    ) -> WriteResult | None:
        """On the writer thread: a failed batch is recorded, and the thread goes on."""
        try:
            return self._write(docs, pages, sources)
        except Exception as exc:
            reason = _reason(exc)
            logger.error(
                "could not write a batch of %d documents and %d pages to %s: %s",
                len(docs),
                len(pages),
                self.path,
                reason,
            )
            with self._lock:
                self.failure = self.failure or reason
                self.failed_documents += len(docs)
                self.failed_pages += len(pages)
            return None

    def _raise_failed(self) -> None:
        with self._lock:
            failure = self.failure
        if failure is not None and not self._raised:
            self._raised = True
            raise BatchWriteError(f"could not write to the corpus {self.path}: {failure}")

    def close(self) -> None:
        """Write what is left and wait for the writer thread; raise if a batch failed."""
        try:
            docs, pages, sources = self._docs, self._pages, self._sources
            self._docs, self._pages, self._sources, self._since = [], [], {}, None
            if self._background:
                if docs or pages or sources:
                    self._pending.append(
                        WRITER_THREAD.submit(self._write_or_record, docs, pages, sources)
                    )
                for future in self._pending:
                    future.result()
                self._pending.clear()
            elif docs or pages or sources:
                self._write(docs, pages, sources)
        finally:
            if self._background:
                self._background = False
                WRITER_THREAD.release()
        if self.failure is not None:
            raise BatchWriteError(f"could not write to the corpus {self.path}: {self.failure}")

    def __enter__(self) -> "BatchWriter":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # what was read before an error is still written: nothing good is lost; but a corpus
        # we could not write the first time will not take the second attempt either
        if exc_type is None or not issubclass(
            exc_type, CorpusLockedError | NotACorpusError | SchemaError
        ):
            self.close()


def _reason(exc: BaseException) -> str:
    """One line: the error's type and first line (a MediamonError's message says it all)."""
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    return first if isinstance(exc, MediamonError) else f"{type(exc).__name__}: {first}"
