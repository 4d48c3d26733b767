"""The `mediamon` command line: thin commands over the library's rooms, one module per group.

Commands turn the library's MediamonError into one line and an exit code (common.Group); no
module outside this package imports it.
"""

import logging
import sys
from pathlib import Path

import click

from mediamon.cli import (
    analyst,
    config,
    corpus,
    crawl,
    demo,
    export,
    lake,
    reextract,
    schedule,
    tag,
)
from mediamon.cli.common import Group, err, error_line
from mediamon.corpus import default_db_path


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Corpus file, or a DuckLake lake as ducklake:sqlite:PATH or 'ducklake:postgres:DSN' "
    "(default: $MEDIAMON_DB, else ./corpus.duckdb).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="mediamon")
@click.pass_context
def cli(ctx: click.Context, db: Path | None, verbose: int) -> None:
    """mediamon: crawl, tag and query the debate on end-to-end encryption and child safety.

    \b
    Example:
      mediamon --db corpus.duckdb init
      mediamon ingest articles.jsonl
      mediamon query "select title, published_at from documents"
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for handler in logging.getLogger().handlers:
        # libraries (Scrapy) set their own loggers' levels; the handler has the last word
        handler.setLevel(level)
    ctx.ensure_object(dict)
    ctx.obj["db"] = db or default_db_path()
    from mediamon.processes import stop_with_parent

    stop_with_parent()


for _module in (corpus, lake, crawl, reextract, tag, analyst, export, schedule, demo, config):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    """The console script: click's own usage errors are one line too, like ours."""
    try:
        code = cli.main(prog_name="mediamon", standalone_mode=False)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "mediamon"
        error_line(f"{exc.format_message()} (see `{command} --help`)")
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        error_line(exc.format_message())
        sys.exit(exc.exit_code)
    except click.Abort:
        err.print("Aborted.")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
