"""Analyst commands: search, export timeline / chart, report, index.

Registered on the `mediamon` group by mediamon/cli.py; thin wrappers over corpus.search,
corpus.export and corpus.report.
"""

import datetime as dt
import logging
import re
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from mediamon.corpus import MediamonError, connect
from mediamon.corpus.errors import SearchError
from mediamon.corpus.export import (
    CHART_FORMATS,
    FORMATS,
    FREQS,
    GROUPS,
    Filters,
    export_chart,
    plural,
)
from mediamon.corpus.export import export_timeline as write_timeline
from mediamon.corpus.search import search as run_search
from mediamon.corpus.searchindex import index_status, refresh_index
from mediamon.output import FORMATS as OUTPUT_FORMATS
from mediamon.output import write_rows

logger = logging.getLogger(__name__)
err = Console(stderr=True, highlight=False)
DATE = click.DateTime(formats=["%Y-%m-%d"])


def _db(ctx: click.Context) -> Path:
    return Path(ctx.find_root().obj["db"])


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    )


def _refresh(path: Path, full: bool = False) -> Any:
    with _progress() as progress:
        task = progress.add_task("index", total=None)
        return refresh_index(
            path,
            full=full,
            advance=lambda n: progress.advance(task, n),
            on_total=lambda n: progress.update(task, total=n),
        )


@click.command()
@click.option("--full", is_flag=True, help="Drop the index and rebuild it from scratch.")
@click.pass_context
def index(ctx: click.Context, full: bool) -> None:
    """Bring the full-text search index up to date with the corpus.

    Crawl and ingest do this themselves; run it after changing the corpus another way, or with
    --full to rebuild the index from scratch. Only new and changed documents are indexed.

    \b
    Example:
      mediamon index
      mediamon index --full
    """
    report = _refresh(_db(ctx), full=full)
    click.echo(
        f"Search index: {report.documents:,} documents ({report.indexed:,} indexed now, "
        f"{report.removed:,} outdated entries removed) in {report.seconds:.1f}s."
    )


@click.command()
@click.argument("terms", nargs=-1, required=True)
@click.option(
    "--since", type=DATE, default=None, help="Only documents published on or after this day."
)
@click.option("--source", default=None, metavar="ID", help="Only documents of this source.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Hits to show."
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(OUTPUT_FORMATS), default="table", show_default=True
)
@click.pass_context
def search(
    ctx: click.Context,
    terms: tuple[str, ...],
    since: dt.datetime | None,
    source: str | None,
    limit: int,
    fmt: str,
) -> None:
    """Full-text search (BM25 over title and text), best matches first.

    Documents matching more of the words, and rarer ones, rank higher; words are stemmed
    ("encrypted" finds "encryption"). Each hit shows its date, source and a snippet around
    the first match.

    \b
    Example:
      mediamon search "client-side scanning"
      mediamon search encryption --since 2021-01-01 --source kake --limit 5
      mediamon search "lawful access" --format json
    """
    path = _db(ctx)
    _ensure_index(path)
    query = " ".join(terms)
    with connect(path, read_only=True) as con:
        result = run_search(con, query, since=_day(since), source=source, limit=limit)
    if result.note:
        err.print(f"[yellow]note:[/yellow] {result.note}", soft_wrap=True)
    if fmt != "table":
        write_rows(result.columns, result.rows(), fmt)
        return
    if result.documents == 0:
        click.echo("The corpus has no documents yet; add some with mediamon ingest or crawl.")
        return
    if not result.hits:
        click.echo(f"No documents match {query!r} ({result.documents:,} documents searched).")
        return
    out = Console(highlight=False, soft_wrap=True)
    shown = len(result.hits)
    matched = plural(result.matched, "document matches", "documents match")
    out.print(f"{matched} {escape(query)!r}; the best {shown}:")
    for rank, hit in enumerate(result.hits, 1):
        date = hit.published_at.isoformat() if hit.published_at else "undated"
        out.print(
            f"\n[bold]{rank}. {escape(hit.title or '(no title)')}[/bold]  "
            f"[dim]{date} · {escape(hit.source_id or '')} · score {hit.score:.2f}[/dim]"
        )
        out.print("   " + _bold_match(hit.snippet))
        if hit.url:
            out.print(f"   [dim]{escape(hit.url)}[/dim]")


def _bold_match(snippet: str) -> str:
    parts = re.split(r"\*\*(.+?)\*\*", snippet, maxsplit=1)
    if len(parts) == 3:
        return f"{escape(parts[0])}[bold yellow]{escape(parts[1])}[/bold yellow]{escape(parts[2])}"
    return escape(snippet)


def _ensure_index(path: Path) -> None:
    """A missing or outdated index is brought up to date first, if the corpus can be written."""
    with connect(path, read_only=True) as con:
        status = index_status(con)
    if status == "current":
        return
    if status == "missing":
        err.print("Building the search index (once; crawl and ingest keep it up to date) ...")
    try:
        _refresh(path)
    except MediamonError as exc:
        if status == "missing":
            raise SearchError(f"the search index is missing: run mediamon index ({exc})") from None
        logger.warning("search index not refreshed: %s", exc)


def _filters(
    freq: str,
    by: str,
    target: str | None,
    actor: str | None,
    actor_type: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    min_confidence: float,
) -> Filters:
    filters = Filters(freq, by, target, actor, actor_type, _day(since), _day(until), min_confidence)
    filters.check()
    return filters


def _timeline_options(default_freq: str, default_by: str) -> Any:
    def wrap(f: Any) -> Any:
        options = [
            click.option(
                "--freq", type=click.Choice(FREQS), default=default_freq, show_default=True
            ),
            click.option("--target", default=None, help="Only this stance target (e.g. e2ee)."),
            click.option("--actor", default=None, metavar="ID", help="Only this actor."),
            click.option(
                "--by",
                type=click.Choice(GROUPS),
                default=default_by,
                show_default=True,
                help="One series per actor, per actor type, or all actors together.",
            ),
            click.option("--actor-type", default=None, help="Only actors of this type."),
            click.option("--since", type=DATE, default=None, help="From this publication date."),
            click.option("--until", type=DATE, default=None, help="Up to this publication date."),
            click.option(
                "--min-confidence",
                type=click.FloatRange(0.0, 1.0),
                default=0.0,
                show_default=True,
                help="Only stances at least this sure: fewer, more precise (see README).",
            ),
            click.option(
                "-o",
                "--output",
                type=click.Path(dir_okay=False, path_type=Path),
                required=True,
                help="File to write.",
            ),
        ]
        for option in reversed(options):
            f = option(f)
        return f

    return wrap


@click.group()
def export() -> None:
    """Export stance timelines as data files or charts.

    \b
    Example:
      mediamon export timeline --freq month --format parquet -o timeline.parquet
      mediamon export chart --target e2ee -o e2ee.svg
    """


@export.command()
@_timeline_options("week", "actor")
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="File format (default: from the file name, else csv).")  # fmt: skip
@click.pass_context
def timeline(ctx: click.Context, output: Path, fmt: str | None, **options: Any) -> None:
    """Write the stance timeline: stories for, against and neutral per period.

    One row per period, actor (or actor type) and target, with n_favor, n_against, n_neutral
    and n_docs. A syndicated story counts once; undated documents are left out and their
    number reported. Every row is written (no cap); Parquet keeps dates as dates and counts as
    integers.

    \b
    Example:
      mediamon export timeline --freq month --target e2ee --format csv -o e2ee.csv
      mediamon export timeline --actor meta --format json -o meta.json
      mediamon export timeline --by actor_type --format parquet -o types.parquet
    """
    filters = _filters(**options)
    with connect(_db(ctx), read_only=True) as con:
        result = write_timeline(con, output, fmt, filters)
    click.echo(
        f"Wrote {result.rows:,} rows to {result.path} ({result.format}): "
        f"{plural(result.stories, 'story', 'stories')} placed in time; "
        f"{plural(result.undated, 'undated story', 'undated stories')} left out."
    )


@export.command()
@_timeline_options("month", "all")
@click.option("-f", "--format", "fmt", type=click.Choice(CHART_FORMATS), default=None,
              help="svg, or png drawn by Chromium (default: from the file name).")  # fmt: skip
@click.pass_context
def chart(ctx: click.Context, output: Path, fmt: str | None, **options: Any) -> None:
    """Draw the stance timeline: stories for (up) and against (down) per period.

    One panel per target, or per actor type or actor and target with --by (the 12 busiest).
    SVG is written directly; PNG needs Chromium (Debian's chromium package).

    \b
    Example:
      mediamon export chart -o stance.svg
      mediamon export chart --by actor_type --target scanning --freq quarter -o types.png
    """
    filters = _filters(**options)
    with connect(_db(ctx), read_only=True) as con:
        path = export_chart(con, output, fmt, filters)
    click.echo(f"Wrote {path}.")


@click.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The HTML file to write.",
)
@click.option("--freq", type=click.Choice(FREQS), default="month", show_default=True)
@click.option("--top", type=click.IntRange(min=1), default=12, show_default=True,
              help="How many actors to show with their quotes.")  # fmt: skip
@click.pass_context
def report(ctx: click.Context, output: Path, freq: str, top: int) -> None:
    """Write a self-contained HTML report of the corpus, with charts.

    Stance over time per target and per actor type, volume by source, the top actors with
    their quoted evidence and links, and the date coverage with the undated share. One file:
    no script, no external resource; open it anywhere, offline.

    \b
    Example:
      mediamon report -o report.html
      mediamon report --freq quarter --top 20 -o report.html
    """
    from mediamon.corpus.report import write_report

    with connect(_db(ctx), read_only=True) as con:
        summary = write_report(con, output, freq=freq, top=top)
    click.echo(f"Wrote {output}: {summary}.")


COMMANDS = (search, export, report, index)
