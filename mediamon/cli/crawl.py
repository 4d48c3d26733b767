"""Crawling: `crawl` (sources into the corpus) and `sources` (their health)."""

import sys
from pathlib import Path
from typing import Any

import click

from mediamon import config
from mediamon.cli.common import (
    db_path,
    format_option,
    max_pages_option,
    scrapy_log_level,
    sources_option,
)
from mediamon.cli.output import printable, write_rows
from mediamon.corpus import connect
from mediamon.corpus.health import source_health


@click.command()
@sources_option
@click.option(
    "--source", "only", multiple=True, metavar="ID", help="Crawl only this source (repeatable)."
)
@max_pages_option("At most this many article pages per source (0: no limit).")
@click.option(
    "--frontier",
    metavar="redis://HOST:PORT/DB",
    help="Share the crawl with every other process given the same Redis (one queue, one "
    "seen-set, per-host delay across them), e.g. redis://127.0.0.1:6379/0. Default: the "
    "sources file's [frontier] url, else none (this process crawls alone).",
)
@click.pass_context
def crawl(
    ctx: click.Context,
    sources_file: Path | None,
    only: tuple[str, ...],
    max_pages: int,
    frontier: str | None,
) -> None:
    """Crawl the sources of a TOML file into the corpus.

    Feeds, sitemaps, start pages and URL lists are followed politely (robots.txt, AutoThrottle,
    per-source delay and concurrency); pages the corpus already has are re-fetched only with
    conditional requests. An interrupted crawl continues where it stopped when run again.

    With --frontier, any number of crawl processes, on any number of machines, crawl the
    same sources together: each URL is fetched once across them, and one that dies leaves
    its unfinished requests to the others.

    \b
    Example:
      mediamon crawl --sources config/sources.toml --source eff --max-pages 50
      mediamon crawl --sources my-sources.toml --frontier redis://10.0.0.5:6379/0
    """
    from mediamon.crawler.run import run_crawl

    report = run_crawl(
        db_path(ctx),
        sources_file or config.path("sources.toml"),
        list(only) or None,
        max_pages=max_pages,
        progress=True,
        log_level=scrapy_log_level(ctx),
        frontier=frontier,
    )
    print_crawl(report)
    if report.status != "ok":
        sys.exit(1)


def print_crawl(report: Any) -> None:
    """The run's figures, one line per source; names and messages from the web as plain text."""
    click.echo(printable(f"Crawl {report.run_id}: {report.status}"))
    for source_id, figures in report.sources.items():
        docs = figures.get("documents", {})
        dropped = ", ".join(f"{k} {v}" for k, v in sorted(figures.get("dropped", {}).items()))
        errors = ", ".join(f"{k} {v}" for k, v in sorted(figures.get("errors", {}).items()))
        enriched = f"{docs['enriched']} enriched, " if docs.get("enriched") else ""
        click.echo(
            f"  {printable(str(source_id))}: {figures.get('pages_fetched', 0)} pages fetched; "
            "documents "
            f"{docs.get('new', 0)} new, {docs.get('updated', 0)} updated, {enriched}"
            f"{docs.get('unchanged', 0) + figures.get('not_modified', 0)} unchanged, "
            f"{docs.get('duplicate', 0)} duplicate"
        )
        if dropped:
            click.echo(f"    dropped: {printable(dropped)}")
        if errors:
            click.echo(f"    errors: {printable(errors)}")
        if figures.get("unfinished"):
            click.echo(f"    unfinished: {figures['unfinished']} requests had no outcome yet")
        if figures.get("failure"):
            click.echo(f"    failed: {printable(str(figures['failure']))}")


@click.command()
@format_option()
@click.pass_context
def sources(ctx: click.Context, fmt: str) -> None:
    """Source health: last successful crawl, documents per run, errors and warnings.

    Warnings: a feed or sitemap broke, a source went silent against its own recent volume,
    or most of its pages were dropped. The figures are also the named query `source_runs`.

    \b
    Example:
      mediamon sources
      mediamon sources --format json
    """
    with connect(db_path(ctx), read_only=True) as con:
        report = source_health(con)
    if not report and fmt == "table":
        click.echo("No crawl has run yet: run `mediamon crawl` (or `mediamon schedule`).")
        return
    # csv and json: the header or an empty array, so that programs read no prose
    columns = [
        "source",
        "runs",
        "last_run",
        "last_success",
        "new_per_run",
        "documents",
        "last_errors",
        "warnings",
    ]
    rows = [
        (
            h.source_id,
            h.runs,
            h.last_run,
            h.last_success,
            h.new_per_run,
            h.documents,
            ", ".join(f"{k} {v}" for k, v in sorted(h.last_errors.items())),
            "; ".join(h.warnings) or "ok",
        )
        for h in report
    ]
    write_rows(columns, rows, fmt)


COMMANDS = (crawl, sources)
