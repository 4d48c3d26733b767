"""Running a crawl of several sources in one process (`mediamon crawl`, `mediamon demo`).

Each source gets its own Scrapy crawler, so its delay and concurrency are its own; they run
side by side on one reactor, and write through one writer thread. A `crawl_runs` row records
the run from start to finish, with the figures of every source; a run left `running` by a
killed process is marked `interrupted` the next time. A source fails when its crawl could not
run, a batch of it could not be written, or most of its pages failed on our side the same way;
then the run is `failed`, with the reason in the source's figures.
"""

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediamon.corpus.connection import connect
from mediamon.corpus.lake import write_transaction
from mediamon.corpus.runs import start_run, update_run
from mediamon.corpus.seeding import ensure_corpus
from mediamon.crawler.sources import FrontierSettings, Source, load_frontier, load_sources

logger = logging.getLogger(__name__)


@dataclass
class CrawlReport:
    run_id: str
    status: str
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    def total(self, section: str, key: str) -> int:
        return sum(int(s.get(section, {}).get(key, 0)) for s in self.sources.values())

    @property
    def pages_fetched(self) -> int:
        return sum(int(s.get("pages_fetched", 0)) for s in self.sources.values())


class _Closed:
    """Why each source's spider closed (Scrapy passes the reason to spider_closed)."""

    def __init__(self) -> None:
        self.reasons: dict[str, str] = {}
        self._handlers: list[Any] = []  # signal receivers are weak references: keep them

    def record(self, source_id: str) -> Any:
        def handler(spider: Any, reason: str) -> None:
            self.reasons[source_id] = reason

        self._handlers.append(handler)
        return handler


def _one_line(record: logging.LogRecord) -> bool:
    """A site that cannot be reached is counted in the run's figures; no traceback for it."""
    record.exc_info, record.exc_text = None, None
    return True


def _quiet(level: str) -> None:
    for name in ("scrapy", "twisted", "py.warnings", "filelock", "htmldate", "trafilatura"):
        logging.getLogger(name).setLevel(level)
    # Scrapy logs a robots.txt it could not download with the whole traceback
    robots = logging.getLogger("scrapy.downloadermiddlewares.robotstxt")
    if _one_line not in robots.filters:
        robots.addFilter(_one_line)


def _failed(failure: Any, source_id: str, failures: dict[str, str]) -> None:
    """A source whose crawl could not run is recorded; the others go on."""
    message = failure.getErrorMessage().strip().splitlines()
    failures[source_id] = f"{failure.type.__name__}: {message[0] if message else ''}"
    logger.error("source %s failed: %s", source_id, failures[source_id])


def _stats_of(crawler: Any) -> dict[str, Any]:
    """A crawler's stats; none when its crawl never started (its failure says why)."""
    try:
        return dict(crawler.stats.get_stats() or {})
    except (AttributeError, RuntimeError):
        return {}


def check_topic_file(path: Path | None) -> None:
    """Fail before crawling when the topic file is bad (ConfigError, one line)."""
    from mediamon.documents.topic import TopicModel

    TopicModel.from_toml(path)


FRONTIER = "mediamon.crawler.frontier_scrapy."


def frontier_settings(shared: FrontierSettings) -> dict[str, Any]:
    """Scrapy settings for a crawl on the shared frontier (crawler/frontier.py)."""
    from mediamon.crawler import settings as base

    spider_mw = {**base.SPIDER_MIDDLEWARES, FRONTIER + "FrontierSpiderMiddleware": 10}
    handler = FRONTIER + "SharedPolitenessHandler"
    return {
        "SCHEDULER": FRONTIER + "FrontierScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": shared.url,
        "MEDIAMON_FRONTIER": shared.url,
        "MEDIAMON_FRONTIER_LEASE": shared.lease_seconds,
        "SPIDER_MIDDLEWARES": spider_mw,
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
    }


def scrapy_settings(db: Path, sources_file: Path, run_id: str, **overrides: Any) -> Any:
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("mediamon.crawler.settings", priority="project")
    settings.set("MEDIAMON_DB", str(db), priority="cmdline")
    settings.set("MEDIAMON_SOURCES", str(sources_file), priority="cmdline")
    settings.set("MEDIAMON_RUN_ID", run_id, priority="cmdline")
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(
    db: Path,
    sources_file: Path,
    only: list[str] | None = None,
    max_pages: int = 0,
    progress: bool = False,
    log_level: str = "WARNING",
    frontier: str | None = None,
    **overrides: Any,
) -> CrawlReport:
    """Crawl the sources into the corpus; blocks until every source is done.

    frontier: a Redis URL (else the sources file's `[frontier]`): this process shares its
    queue, seen-set and per-host delay with every other crawl of the same sources there.
    """
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from mediamon.crawler.figures import source_stats, systematic_failure
    from mediamon.crawler.progress import CrawlProgress
    from mediamon.crawler.spiders import SourceSpider

    sources: list[Source] = load_sources(sources_file, only)
    shared = load_frontier(sources_file, frontier)
    if shared is not None:  # fail in one line before anything starts
        from mediamon.crawler import frontier as shared_frontier

        shared_frontier.connect(shared.url).close()
        overrides.update(frontier_settings(shared))
    topic_file = overrides.get("MEDIAMON_TOPIC")
    check_topic_file(Path(topic_file) if topic_file else None)
    ensure_corpus(db)
    with connect(db) as con:  # start_run also marks runs of killed processes interrupted
        run_id = write_transaction(con, lambda c: start_run(c, "crawl", [s.id for s in sources]))

    settings = scrapy_settings(
        db,
        sources_file,
        run_id,
        MEDIAMON_MAX_PAGES=max_pages,
        LOG_LEVEL=log_level,
        **overrides,
    )
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    _quiet(log_level)
    process = CrawlerProcess(settings)
    _quiet(log_level)  # Scrapy's logging setup resets levels; ours win
    crawlers = []
    failures: dict[str, str] = {}
    closed = _Closed()
    display = CrawlProgress([s.id for s in sources], enabled=progress)
    for source in sources:
        crawler = process.create_crawler(SourceSpider)
        display.attach(crawler, source.id)
        crawler.signals.connect(closed.record(source.id), signal=signals.spider_closed)
        deferred = process.crawl(crawler, source=source.id, sources_file=str(sources_file))
        deferred.addErrback(_failed, source.id, failures)
        crawlers.append((source.id, crawler))

    report = CrawlReport(run_id=run_id, status="failed")
    try:
        with display:
            process.start()
        # "finished" is a crawl that ran out of pages; "shutdown" one stopped by a signal
        stopped = [sid for sid, _ in crawlers if closed.reasons.get(sid) != "finished"]
        report.status = "interrupted" if stopped else "ok"
    except KeyboardInterrupt:
        report.status = "interrupted"
        raise
    finally:
        for source_id, crawler in crawlers:
            figures = source_stats(_stats_of(crawler))
            figures["finish_reason"] = closed.reasons.get(source_id)
            failure = (
                failures.get(source_id) or figures.get("failure") or systematic_failure(figures)
            )
            if failure:
                figures["failure"] = failure
                report.status = "failed"
            report.sources[source_id] = figures
        totals = {
            "pid": os.getpid(),
            "pages_fetched": report.pages_fetched,
            "documents_new": report.total("documents", "new"),
            "documents_updated": report.total("documents", "updated"),
            "sources": report.sources,
        }
        with connect(db) as con:
            write_transaction(con, lambda c: update_run(c, run_id, totals, report.status))
    if report.status != "interrupted":
        from mediamon.corpus.searchindex import refresh_after_write

        refresh_after_write(db)
    return report
