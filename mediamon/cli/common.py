"""What every command shares: the corpus path, one-line errors, progress bars, common options."""

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from mediamon.cli.output import printable
from mediamon.errors import MediamonError

err = Console(stderr=True, highlight=False)
DATE = click.DateTime(formats=["%Y-%m-%d"])
F = TypeVar("F", bound=Callable[..., Any])


class Group(click.Group):
    """Turns our errors into one line and an exit code; no tracebacks for user errors."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MediamonError as exc:
            # the message as text: it quotes TOML tables ("[topic]"), titles and file names,
            # never markup; control characters and newlines escaped, so it is one line
            error_line(str(exc))
            sys.exit(exc.exit_code)
        except BrokenPipeError:
            # the reader of our output went away (`| head`): stop quietly, as cat does
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(141)
        except KeyboardInterrupt:
            err.print("Interrupted; what was written before stays in the corpus.")
            sys.exit(130)


def error_line(message: str) -> None:
    """`Error: message` on stderr, on one line, the message printed as text."""
    err.print(Text.assemble(("Error:", "red"), " ", printable(message)), soft_wrap=True)


def db_path(ctx: click.Context) -> Path:
    """The corpus of this invocation (`--db`, else $MEDIAMON_DB, else ./corpus.duckdb)."""
    return Path(ctx.find_root().obj["db"])


def progress(unit: str = "items") -> Progress:
    """A progress bar on stderr, shown only on a terminal and gone when done."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn() if unit == "bytes" else MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    )


def scrapy_log_level(ctx: click.Context) -> str:
    verbose = ctx.find_root().params.get("verbose", 0)
    return "WARNING" if verbose == 0 else "INFO" if verbose == 1 else "DEBUG"


def day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _config_file_option(flag: str, dest: str, help: str) -> Callable[[F], F]:
    # the reader reports a missing file or a folder, in one line naming it
    return click.option(flag, dest, type=click.Path(path_type=Path), default=None, help=help)


sources_option = _config_file_option(
    "--sources", "sources_file", "Sources TOML (default: the bundled sources.toml)."
)
topic_option = _config_file_option(
    "--topic", "topic_file", "Topic TOML (default: the bundled config/topic.toml)."
)


def max_pages_option(help: str) -> Callable[[F], F]:
    return click.option(
        "--max-pages", type=click.IntRange(min=0), default=0, show_default=True, help=help
    )


def format_option(choices: tuple[str, ...] = ("table", "csv", "json")) -> Callable[[F], F]:
    return click.option(
        "-f", "--format", "fmt", type=click.Choice(choices), default="table", show_default=True
    )
