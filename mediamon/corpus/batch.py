"""A writer that holds the corpus only while it writes a batch.

A long crawl or ingest must not keep the file locked: analysts' queries would wait for hours.
So records are buffered and each batch opens the corpus, writes in one transaction, and closes
it again. Between batches any other process can read.
"""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import duckdb

from mediamon.corpus.connection import connect
from mediamon.corpus.store import (
    DocumentRecord,
    PageRecord,
    WriteResult,
    ensure_source,
    write_documents,
    write_pages,
)
from mediamon.errors import CorpusLockedError, NotACorpusError, SchemaError

logger = logging.getLogger(__name__)

SourceRow = tuple[str, str | None, str | None]  # source_id, name, kind


class BatchWriter:
    """Buffer documents and pages; write them in short transactions.

    Records are flushed when `batch_size` are waiting or the oldest has waited `max_wait`
    seconds. `on_flush` is called inside each write transaction's connection, after the batch
    is written, so callers can record progress (e.g. a crawl run's stats) atomically enough.

    background: write batches on one writer thread while the caller goes on producing (a crawl's
    reactor must not stop for the database); batches are still written one at a time, in
    order, and `close()` waits for the last one. An error on the writer thread is raised to
    the caller at its next call.
    """

    def __init__(
        self,
        path: Path,
        batch_size: int = 500,
        max_wait: float = 2.0,
        on_flush: Callable[[duckdb.DuckDBPyConnection, WriteResult], None] | None = None,
        background: bool = False,
    ) -> None:
        self.path = path
        self.batch_size = batch_size
        self.max_wait = max_wait
        self.on_flush = on_flush
        self.result = WriteResult()
        self._docs: list[DocumentRecord] = []
        self._pages: list[PageRecord] = []
        self._sources: dict[str, SourceRow] = {}
        self._since: float | None = None
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(1, "mediamon-writer") if background else None
        self._pending: list[Future[WriteResult]] = []

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
        if self._executor is None:
            return self._write(docs, pages, sources)
        self._pending = [f for f in self._pending if not f.done()]
        self._pending.append(self._executor.submit(self._write, docs, pages, sources))
        return WriteResult()

    def _write(
        self,
        docs: list[DocumentRecord],
        pages: list[PageRecord],
        sources: dict[str, SourceRow],
    ) -> WriteResult:
        with connect(self.path, create=True) as con:
            for source_id, name, kind in sources.values():
                ensure_source(con, source_id, name, kind)
            batch = write_documents(con, docs)
            for page in pages:
                if page.doc_id is not None and batch.doc_ids.get(page.doc_id) == "duplicate":
                    page.outcome = "duplicate"
            write_pages(con, pages)
            if self.on_flush is not None:
                self.on_flush(con, batch)
        logger.debug("wrote batch: %s", dict(batch.counts))
        with self._lock:
            self.result.merge(batch)
        return batch

    def _raise_failed(self) -> None:
        for future in self._pending:
            if future.done() and future.exception() is not None:
                raise future.exception()  # type: ignore[misc]

    def close(self) -> None:
        """Write what is left and wait for the writer thread."""
        self.flush()
        if self._executor is not None:
            for future in self._pending:
                future.result()
            self._pending.clear()
            self._executor.shutdown(wait=True)
            self._executor = None

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
