"""Extraction in worker processes, so a crawl uses every core.

trafilatura and the date search are pure-Python CPU work; in the crawl's own process they would
stop the reactor (and the downloads) for every page. A shared process pool (one per crawl
process, however many sources it crawls) takes them; the reactor awaits the result.
"""

import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from mediamon.documents.dates import DateFinding
from mediamon.processes import watch_parent

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_users = 0


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def acquire(workers: int) -> ProcessPoolExecutor | None:
    """The shared pool (None when workers is 0: extract in this process)."""
    global _pool, _users
    if workers <= 0:
        return None
    with _lock:
        if _pool is None:
            # spawn: a forked copy of a process running a reactor and threads is not safe
            _pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=watch_parent,
                initargs=(os.getpid(),),
            )
        _users += 1
        return _pool


def release() -> None:
    global _pool, _users
    with _lock:
        _users -= 1
        if _users <= 0 and _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
            _pool = None
            _users = 0


@dataclass(frozen=True)
class ExtractFailure:
    """The extractor raised on a page (a bug, a broken dependency): not a page without text.

    Returned rather than raised, so it crosses the process boundary whatever the exception.
    """

    kind: str  # the exception's type name
    message: str


def extract_job(
    body: bytes, url: str, hint: DateFinding | None, content_type: str | None
) -> tuple[Any, Any, bytes | None]:
    """Extracted article (None: no text; ExtractFailure: the extractor failed), its
    near-duplicate signature and the gzipped page."""
    from mediamon.corpus import neardup
    from mediamon.corpus.store import compress_html

    try:
        from mediamon.documents.extract import extract_article

        extracted = extract_article(
            body, url=url, date_hint=hint, content_type=content_type, raise_errors=True
        )
    except Exception as exc:
        logger.debug("extraction failed for %s", url, exc_info=True)
        lines = str(exc).strip().splitlines()
        return ExtractFailure(type(exc).__name__, lines[0] if lines else ""), None, None
    if extracted is None:
        return None, None, None
    # the CPU-heavy parts of storing happen here too, not in the crawl's own process
    return extracted, neardup.signature(extracted.text), compress_html(body)
