"""The `mediamon` command line: thin commands over corpus/, crawler/ and nlp/."""

import json
import logging
import sys
from pathlib import Path
from typing import Any

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

from mediamon import queries
from mediamon.corpus import MediamonError, connect, default_db_path
from mediamon.corpus.reading import bind_named, run
from mediamon.corpus.seeding import init_corpus
from mediamon.corpus.stats import corpus_stats
from mediamon.output import FORMATS, write_rows

logger = logging.getLogger("mediamon")
err = Console(stderr=True, highlight=False)


class Group(click.Group):
    """Turns our errors into one line and an exit code; no tracebacks for user errors."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MediamonError as exc:
            err.print(f"[red]Error:[/red] {exc}", soft_wrap=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            err.print("Interrupted; what was written before stays in the corpus.")
            sys.exit(130)


def db_path(ctx: click.Context) -> Path:
    return Path(ctx.obj["db"])


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Corpus file (default: $MEDIAMON_DB, else ./corpus.duckdb).",
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
    from mediamon.crawler.schedule import stop_with_parent

    stop_with_parent()


@cli.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the corpus (or upgrade an old one) and load the two seed documents.

    Running it again changes nothing.

    \b
    Example:
      mediamon --db corpus.duckdb init
    """
    path = db_path(ctx)
    created, result = init_corpus(path)
    verb = "Created" if created else "Checked"
    click.echo(
        f"{verb} corpus {path}: seeds {result.counts.get('new', 0)} new, "
        f"{result.counts.get('unchanged', 0)} unchanged."
    )


def _progress(unit: str = "bytes") -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn() if unit == "bytes" else MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    )


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--source",
    "source_id",
    default="ingest",
    show_default=True,
    help="source_id for records that do not name their own `source`.",
)
@click.option(
    "--topic-filter",
    is_flag=True,
    help="Store only documents relevant to the topic (all are scored either way).",
)
@click.option(
    "--topic",
    "topic_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Topic TOML (default: the bundled config/topic.toml).",
)
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[Path, ...],
    source_id: str,
    topic_filter: bool,
    topic_file: Path | None,
) -> None:
    """Store documents from JSONL, .html and .txt files (or directories of them).

    JSONL records carry `url, title, published, text` or `url, html` (optional: author,
    sitename, language, source). A bad record is reported with its file and line and skipped;
    the others are stored. Ingesting the same file again adds nothing.

    \b
    Example:
      mediamon ingest articles.jsonl pages/ notes.txt
      mediamon ingest --topic-filter --source archive export.jsonl.gz
    """
    from mediamon.crawler.ingest import ingest_files, plan

    file_plan = plan(list(paths))
    problems: list[str] = []

    def report(problem: object) -> None:
        problems.append(str(problem))
        err.print(f"[yellow]skipped[/yellow] {problem}", soft_wrap=True)

    with _progress() as progress:
        task = progress.add_task("ingest", total=file_plan.total_bytes)
        result = ingest_files(
            db_path(ctx),
            list(paths),
            source_id=source_id,
            on_problem=report,
            advance=lambda n: progress.advance(task, n),
            file_plan=file_plan,
            topic_filter=topic_filter,
            topic_file=topic_file,
        )
    counts = result.counts
    click.echo(
        f"Ingested {result.records} records from {result.files} file(s) into {db_path(ctx)}: "
        f"{counts.get('new', 0)} new, {counts.get('updated', 0)} updated, "
        f"{counts.get('enriched', 0)} enriched, {counts.get('unchanged', 0)} unchanged, "
        f"{counts.get('duplicate', 0)} duplicate; {result.problems} skipped"
        + (f", {result.off_topic} off-topic." if topic_filter else ".")
    )
    if result.problems and not result.records:
        sys.exit(2)


def _parse_params(values: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r}: write -p key=value", param_hint="-p")
        params[key.strip()] = value
    return params


@cli.command()
@click.argument("sql_or_name", required=False)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter, bound as $KEY (repeatable).",
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True
)
@click.option("--list", "list_queries", is_flag=True, help="List the named queries.")
@click.pass_context
def query(
    ctx: click.Context,
    sql_or_name: str | None,
    params: tuple[str, ...],
    fmt: str,
    list_queries: bool,
) -> None:
    """Run read-only SQL, or a named query from queries/, over the corpus.

    The corpus is opened read-only: statements that would change it are refused. Values are
    bound as parameters ($name in SQL), never pasted into it.

    \b
    Example:
      mediamon query "select title, published_at from documents order by title"
      mediamon query "select * from documents where source_id = \\$s" -p s=kake --format json
      mediamon query --list
      mediamon query undated_documents --format csv
    """
    if list_queries:
        named = queries.all_queries().values()
        rows = [
            (
                q.name,
                q.description,
                ", ".join(
                    f"{p.name} {p.type}" + ("" if p.required else f" = {p.default}")
                    for p in q.params
                ),
            )
            for q in named
        ]
        write_rows(["name", "description", "params"], rows, fmt)
        return
    if not sql_or_name:
        raise click.UsageError("give SQL or a query name (see `mediamon query --list`)")
    given = _parse_params(params)
    named_query = queries.get(sql_or_name) if _looks_like_name(sql_or_name) else None
    if named_query is not None:
        sql, bound = named_query.sql, bind_named(named_query, given)
    elif _looks_like_name(sql_or_name):
        raise MediamonError(
            f"no named query {sql_or_name!r}; list them with `mediamon query --list`, or pass SQL"
        )
    else:
        sql, bound = sql_or_name, dict(given)
    with connect(db_path(ctx), read_only=True) as con:
        result = run(con, sql, bound)
    write_rows(result.columns, result.rows, fmt)


def _looks_like_name(text: str) -> bool:
    return text.replace("_", "").replace("-", "").isalnum() and text.lower() not in (
        "show",
        "describe",
        "summarize",
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Summarise the corpus: documents by source, dated and undated, actors, stances, last run.

    \b
    Example:
      mediamon stats
      mediamon stats --json
    """
    with connect(db_path(ctx), read_only=True) as con:
        figures = corpus_stats(con)
    if as_json:
        click.echo(json.dumps(figures, default=str, indent=2))
        return
    _print_stats(db_path(ctx), figures)


def _print_stats(path: Path, s: dict[str, Any]) -> None:
    span = f" ({s['first_published']} to {s['last_published']})" if s["first_published"] else ""
    click.echo(f"Corpus {path} (schema v{s['schema_version']})")
    click.echo(
        f"  documents: {s['documents']} ({s['dated']} dated{span}, {s['undated']} undated; "
        f"{s['clusters']} stories)"
    )
    click.echo(f"  pages archived: {s['pages']}; prior versions kept: {s['prior_versions']}")
    click.echo(
        f"  actors: {s['actors']} ({s['actors_discovered']} discovered); mentions: "
        f"{s['mentions']}; quotes: {s['quotes']}; stances: {s['stances']}; "
        f"tagged documents: {s['tagged_documents']}"
    )
    run_ = s["last_run"]
    if run_:
        click.echo(
            f"  last run: {run_['command']} {run_['run_id']} {run_['status']}, started "
            f"{run_['started_at']:%Y-%m-%d %H:%M:%S} UTC"
        )
    else:
        click.echo("  last run: none yet")
    if s["by_source"]:
        click.echo("  by source:")
        rows = [
            (r["source"], r["name"] or "", r["documents"], r["dated"], r["first"], r["last"])
            for r in s["by_source"]
        ]
        write_rows(["source", "name", "documents", "dated", "first", "last"], rows, "table")


def _register() -> None:
    from mediamon.analyst import COMMANDS as analyst_commands
    from mediamon.collect import crawl, demo, tag
    from mediamon.ops import schedule, sources

    for command in (crawl, tag, demo, schedule, sources, *analyst_commands):
        cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="mediamon")


if __name__ == "__main__":
    main()
