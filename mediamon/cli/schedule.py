"""Running unattended: `schedule` crawls then tags, on an interval or a cron expression."""

import json
import logging
import sys
from pathlib import Path
from typing import Any

import click

from mediamon.cli.common import db_path, max_pages_option, sources_option
from mediamon.errors import InputError

logger = logging.getLogger("mediamon.schedule")


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for log collectors on servers."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        extra = getattr(record, "figures", None)
        if extra is not None:
            data["figures"] = extra
        return json.dumps(data, default=str)


def _configure_logging(log_file: Path | None, as_json: bool) -> None:
    formatter: logging.Formatter = (
        JsonFormatter() if as_json else logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    )
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        try:
            handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"cannot write the log file {log_file}: {exc.strerror}") from None
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.setLevel(logging.INFO)
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    for noisy in ("scrapy", "twisted", "py.warnings", "htmldate", "trafilatura", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@click.command()
@click.option(
    "--every",
    metavar="DURATION",
    default=None,
    help="Run a cycle every DURATION: 30s, 15m, 6h, 1d.",
)
@click.option(
    "--cron",
    "cron_expr",
    metavar="EXPR",
    default=None,
    help="Run cycles at the times of a five-field cron expression.",
)
@sources_option
@click.option("--once", is_flag=True, help="Run one cycle and exit (for cron or systemd timers).")
@max_pages_option("Passed to each crawl: at most this many article pages per source.")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the log to this file.",
)
@click.option("--json", "as_json", is_flag=True, help="Log one JSON object a line.")
@click.pass_context
def schedule(
    ctx: click.Context,
    every: str | None,
    cron_expr: str | None,
    sources_file: Path | None,
    once: bool,
    max_pages: int,
    log_file: Path | None,
    as_json: bool,
) -> None:
    """Crawl then tag, on a schedule, until stopped (SIGTERM or Ctrl-C stop it cleanly).

    Cycles never overlap: a second scheduler on the same corpus is refused. Stopping finishes
    the batch being written and records the run as interrupted. One log line per cycle.
    With --once the exit status is the worst step's (non-zero when the crawl or tag failed).

    \b
    Example:
      mediamon schedule --every 6h --sources config/sources.toml
      mediamon schedule --cron "0 */6 * * *" --log-file crawl.log --json
      mediamon schedule --once --sources config/sources.toml
    """
    from mediamon.schedule.scheduler import Cycle, Scheduler
    from mediamon.schedule.timing import Cron, parse_duration

    if (every is None) == (cron_expr is None) and not once:
        raise click.UsageError("give one of --every DURATION or --cron EXPR (or --once)")
    interval = parse_duration(every) if every else None
    cron = Cron.parse(cron_expr) if cron_expr else None
    if sources_file is not None and not sources_file.exists():
        raise InputError(f"no sources file at {sources_file}; pass one with --sources FILE")
    if sources_file is not None:
        from mediamon.config import sources as sources_config

        # refuse a broken file before the first cycle rather than fail every cycle after it
        sources_config.load(sources_file)
    _configure_logging(log_file, as_json)
    db = db_path(ctx)

    def report(cycle: Cycle) -> None:
        logger.info(
            cycle.line(),
            extra={
                "figures": {
                    "cycle": cycle.number,
                    "crawl": cycle.crawl_status,
                    "tag": cycle.tag_status,
                    **{k: v for k, v in cycle.figures.items() if k != "sources"},
                }
            },
        )

    scheduler = Scheduler(
        db,
        sources_file,
        every=interval or 0.0,
        cron=cron,
        once=once or False,
        extra_args=["--max-pages", str(max_pages)] if max_pages else [],
        report=report,
    )
    what = f"every {every}" if every else f"at '{cron_expr}'" if cron_expr else "once"
    logger.info("scheduler started for %s (%s)", db, what)
    cycles = scheduler.run()
    logger.info("scheduler stopped after %d cycle(s)", cycles)
    if once and scheduler.last is not None and scheduler.last.exit_code:
        sys.exit(scheduler.last.exit_code)  # the worst step's, for cron and systemd


COMMANDS = (schedule,)
