"""Commands that build the corpus from the web: `crawl`, `tag` and the offline `demo`."""

import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from mediamon.cli import _print_stats, _progress, db_path, init
from mediamon.corpus import connect
from mediamon.corpus.reading import run
from mediamon.corpus.stats import corpus_stats
from mediamon.output import write_rows


@click.command()
@click.option(
    "--sources",
    "sources_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Sources TOML (default: the bundled config/sources.toml).",
)
@click.option(
    "--source", "only", multiple=True, metavar="ID", help="Crawl only this source (repeatable)."
)
@click.option(
    "--max-pages",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="At most this many article pages per source (0: no limit).",
)
@click.pass_context
def crawl(
    ctx: click.Context, sources_file: Path | None, only: tuple[str, ...], max_pages: int
) -> None:
    """Crawl the sources of a TOML file into the corpus.

    Feeds, sitemaps, start pages and URL lists are followed politely (robots.txt, AutoThrottle,
    per-source delay and concurrency); pages the corpus already has are re-fetched only with
    conditional requests. An interrupted crawl continues where it stopped when run again.

    \b
    Example:
      mediamon crawl --sources config/sources.toml --source eff --max-pages 50
    """
    from mediamon.crawler.run import run_crawl
    from mediamon.crawler.spiders.base import default_sources_file

    report = run_crawl(
        db_path(ctx),
        sources_file or default_sources_file(),
        list(only) or None,
        max_pages=max_pages,
        progress=True,
        log_level=_scrapy_log_level(ctx),
    )
    _print_crawl(report)
    if report.status != "ok":
        sys.exit(1)


def _scrapy_log_level(ctx: click.Context) -> str:
    verbose = ctx.find_root().params.get("verbose", 0)
    return "WARNING" if verbose == 0 else "INFO" if verbose == 1 else "DEBUG"


def _print_crawl(report: Any) -> None:
    click.echo(f"Crawl {report.run_id}: {report.status}")
    for source_id, figures in report.sources.items():
        docs = figures.get("documents", {})
        dropped = ", ".join(f"{k} {v}" for k, v in sorted(figures.get("dropped", {}).items()))
        errors = ", ".join(f"{k} {v}" for k, v in sorted(figures.get("errors", {}).items()))
        click.echo(
            f"  {source_id}: {figures.get('pages_fetched', 0)} pages fetched; documents "
            f"{docs.get('new', 0)} new, {docs.get('updated', 0)} updated, "
            f"{docs.get('unchanged', 0) + figures.get('not_modified', 0)} unchanged, "
            f"{docs.get('duplicate', 0)} duplicate"
        )
        if dropped:
            click.echo(f"    dropped: {dropped}")
        if errors:
            click.echo(f"    errors: {errors}")
        if figures.get("failure"):
            click.echo(f"    failed: {figures['failure']}")


@click.command()
@click.option("--all", "retag_all", is_flag=True, help="Tag every document, not only new ones.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes that analyse texts in parallel.",
)
@click.option("--model", default=None, help="spaCy model package (default en_core_web_sm).")
@click.option(
    "--actors",
    "actors_file",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="Actor registry TOML (default: config/actors.toml).",
)
@click.option(
    "--stance",
    "stance_file",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="Stance targets and cues TOML (default: config/stance.toml).",
)
@click.pass_context
def tag(
    ctx: click.Context,
    retag_all: bool,
    workers: int,
    model: str | None,
    actors_file: str | None,
    stance_file: str | None,
) -> None:
    """Find actors, quotes and stances in documents the current pipeline has not tagged.

    A document is re-tagged when the pipeline's version (code, model and configuration)
    changes; results replace the document's earlier annotations.

    \b
    Example:
      mediamon tag
      mediamon tag --all --workers 2
    """
    from mediamon.nlp.tagging import tag_corpus

    with _progress("documents") as progress:
        task = progress.add_task("tag", total=None)
        report = tag_corpus(
            db_path(ctx),
            retag_all=retag_all,
            workers=workers,
            model=model,
            actors=actors_file,
            stance=stance_file,
            advance=lambda n: progress.advance(task, n),
            on_total=lambda n: progress.update(task, total=n),
        )
    click.echo(
        f"Tagged {report.documents} documents with pipeline {report.version}: "
        f"{report.mentions} mentions, {report.quotes} quotes, {report.stances} stances."
    )


@click.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Build a demonstration corpus offline: seeds, a crawl of a bundled site, tagging.

    The site (fictional outlets and people, feeds, sitemaps and crawler traps) is served on
    127.0.0.1 for the length of the crawl; then the corpus is tagged and the stance timeline
    printed.

    \b
    Example:
      mediamon --db demo.duckdb demo
    """
    from mediamon.crawler.demo import write_demo_sources
    from mediamon.crawler.demosite import DemoSite
    from mediamon.crawler.run import run_crawl

    path = db_path(ctx)
    ctx.invoke(init)
    with DemoSite(slow_seconds=0.5) as site, tempfile.TemporaryDirectory() as tmp:
        sources = write_demo_sources(site.base_url, Path(tmp) / "demo-sources.toml")
        click.echo(f"Serving the demo site at {site.base_url}; crawling it ...")
        report = run_crawl(path, sources, progress=True, log_level=_scrapy_log_level(ctx))
    _print_crawl(report)
    ctx.invoke(tag)
    with connect(path, read_only=True) as con:
        figures = corpus_stats(con)
        timeline = run(
            con,
            "SELECT strftime(date_trunc('quarter', d.published_at), '%Y-Q') "
            "|| quarter(d.published_at) AS period, s.target, "
            "count(DISTINCT coalesce(d.cluster_id, d.doc_id)) FILTER (WHERE polarity = 'favor') "
            "AS favor, count(DISTINCT coalesce(d.cluster_id, d.doc_id)) FILTER "
            "(WHERE polarity = 'against') AS against, count(DISTINCT s.actor_id) AS actors "
            "FROM stances s JOIN documents d USING (doc_id) WHERE d.published_at IS NOT NULL "
            "GROUP BY ALL ORDER BY period, target",
        )
    _print_stats(path, figures)
    click.echo("Stance timeline (stories with an actor for / against, per quarter):")
    write_rows(timeline.columns, timeline.rows, "table")
