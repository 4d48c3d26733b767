"""`demo`: a demonstration corpus built offline from a bundled site of fictional outlets."""

import tempfile
from pathlib import Path

import click

from mediamon.cli.common import db_path, scrapy_log_level
from mediamon.cli.corpus import init, print_stats
from mediamon.cli.crawl import print_crawl
from mediamon.cli.output import write_rows
from mediamon.cli.tag import tag
from mediamon.corpus import connect
from mediamon.corpus.stats import corpus_stats


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
    from mediamon.crawler.run import run_crawl
    from mediamon.demo.site import DemoSite
    from mediamon.demo.sources import write_demo_sources
    from mediamon.demo.summary import COLUMNS, stance_summary

    path = db_path(ctx)
    ctx.invoke(init)
    with DemoSite(slow_seconds=0.5) as site, tempfile.TemporaryDirectory() as tmp:
        sources = write_demo_sources(site.base_url, Path(tmp) / "demo-sources.toml")
        click.echo(f"Serving the demo site at {site.base_url}; crawling it ...")
        report = run_crawl(path, sources, progress=True, log_level=scrapy_log_level(ctx))
    print_crawl(report)
    ctx.invoke(tag)
    with connect(path, read_only=True) as con:
        figures = corpus_stats(con)
        timeline = stance_summary(con)
    print_stats(path, figures)
    click.echo("Stance timeline (stories with an actor for / against, per quarter):")
    write_rows(COLUMNS, timeline, "table")


COMMANDS = (demo,)
