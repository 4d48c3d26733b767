"""A live progress display for crawls, on a terminal only.

Every source's crawler reports through Scrapy signals; one rich Progress shows a line per
source: pages fetched, documents stored, dropped and failed.
"""

from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.crawler import Crawler


class CrawlProgress:
    def __init__(self, source_ids: list[str], enabled: bool) -> None:
        console = Console(stderr=True)
        self.enabled = enabled and console.is_terminal
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description:<24}"),
            TextColumn("{task.fields[line]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not self.enabled,
            transient=False,
        )
        self.tasks = {
            sid: self.progress.add_task(sid, total=None, line="waiting") for sid in source_ids
        }

    def attach(self, crawler: Crawler, source_id: str) -> None:
        if not self.enabled:
            return
        task = self.tasks[source_id]

        def refresh(*_args: Any, **_kwargs: Any) -> None:
            stats = crawler.stats.get_stats() or {}
            dropped = sum(v for k, v in stats.items() if str(k).startswith("mediamon/dropped/"))
            errors = sum(v for k, v in stats.items() if str(k).startswith("mediamon/errors/"))
            line = (
                f"{stats.get('response_received_count', 0)} fetched, "
                f"{stats.get('item_scraped_count', 0)} kept, {dropped} dropped, {errors} errors"
            )
            self.progress.update(task, line=line)

        def closed(*_args: Any, **_kwargs: Any) -> None:
            refresh()
            self.progress.update(task, total=1, completed=1)

        # weak references by default: keep the closures alive with the crawler
        crawler._mediamon_progress = (refresh, closed)  # type: ignore[attr-defined]
        for signal in (signals.response_received, signals.item_scraped, signals.item_dropped):
            crawler.signals.connect(refresh, signal=signal)
        crawler.signals.connect(closed, signal=signals.spider_closed)

    def __enter__(self) -> "CrawlProgress":
        if self.enabled:
            self.progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.enabled:
            self.progress.stop()
