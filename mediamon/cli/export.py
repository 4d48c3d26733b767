"""Exports: `export timeline` (CSV, JSON, Parquet), `export chart` (SVG, PNG) and `report`."""

import datetime as dt
import sys
from pathlib import Path
from typing import Any, BinaryIO

import click

from mediamon.cli.common import DATE, day, db_path
from mediamon.cli.output import printable
from mediamon.corpus import connect
from mediamon.corpus.timeline import FORMATS, FREQS, GROUPS, Filters
from mediamon.reports.charts import plural
from mediamon.reports.export import CHART_FORMATS, export_chart
from mediamon.reports.export import export_timeline as write_timeline
from mediamon.reports.files import is_stdout
from mediamon.reports.report import write_report


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
    filters = Filters(freq, by, target, actor, actor_type, day(since), day(until), min_confidence)
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
                type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
                required=True,
                help="File to write (- for standard output, text formats only).",
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
              help="File format (default: from the file name; csv for -o -).")  # fmt: skip
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
      mediamon export timeline --format json -o - | head
    """
    filters = _filters(**options)
    with connect(db_path(ctx), read_only=True) as con:
        result = write_timeline(con, output, fmt, filters, stream=_stdout())
    _done(
        output,
        f"Wrote {result.rows:,} rows to {_name(output)} ({result.format}): "
        f"{plural(result.stories, 'story', 'stories')} placed in time; "
        f"{plural(result.undated, 'undated story', 'undated stories')} left out.",
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
    with connect(db_path(ctx), read_only=True) as con:
        export_chart(con, output, fmt, filters, stream=_stdout())
    _done(output, f"Wrote {_name(output)}.")


@click.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    required=True,
    help="The HTML file to write (- for standard output).",
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
    with connect(db_path(ctx), read_only=True) as con:
        summary = write_report(con, output, freq=freq, top=top, stream=_stdout())
    _done(output, f"Wrote {_name(output)}: {summary}.")


def _stdout() -> BinaryIO:
    sys.stdout.flush()  # anything printed before comes first
    return sys.stdout.buffer


def _name(output: Path) -> str:
    return "standard output" if is_stdout(output) else printable(str(output))


def _done(output: Path, message: str) -> None:
    """The summary line: on stderr when the data itself went to standard output."""
    click.echo(message, err=is_stdout(output))


COMMANDS = (export, report)
