"""Analysts' commands: `query` (SQL or a named query), `search` (full text) and `index`."""

import datetime as dt
import logging
import re
from pathlib import Path
from typing import Any

import click
from rich.text import Text

from mediamon import queries
from mediamon.cli.common import DATE, day, db_path, err, format_option, progress
from mediamon.cli.output import printable, terminal, write_rows
from mediamon.corpus import connect
from mediamon.corpus.reading import bind_named, run
from mediamon.corpus.search import search as run_search
from mediamon.corpus.searchindex import index_status, refresh_index
from mediamon.errors import MediamonError, SearchError
from mediamon.reports.charts import plural

logger = logging.getLogger(__name__)


def _parse_params(values: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r}: write -p key=value", param_hint="-p")
        params[key.strip()] = value
    return params


@click.command()
@click.argument("sql_or_name", required=False)
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter, bound as $KEY (repeatable).",
)
@format_option()
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

    The corpus is opened read-only and nothing else is reachable: statements that would change
    it, or read files, other databases, extensions or settings, are refused. Values are bound as
    parameters ($name in SQL), never pasted into it.

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


def _refresh(path: Path, full: bool = False) -> Any:
    with progress() as bar:
        task = bar.add_task("index", total=None)
        return refresh_index(
            path,
            full=full,
            advance=lambda n: bar.advance(task, n),
            on_total=lambda n: bar.update(task, total=n),
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
    report = _refresh(db_path(ctx), full=full)
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
@format_option()
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
    path = db_path(ctx)
    _ensure_index(path)
    query = " ".join(terms)
    with connect(path, read_only=True, fts=True) as con:
        result = run_search(con, query, since=day(since), source=source, limit=limit)
    if result.note:
        err.print(Text.assemble(("note:", "yellow"), " ", result.note), soft_wrap=True)
    if fmt != "table":
        write_rows(result.columns, result.rows(), fmt)
        return
    shown_query = printable(repr(query))
    if result.documents == 0:
        click.echo("The corpus has no documents yet; add some with mediamon ingest or crawl.")
        return
    if not result.hits:
        click.echo(f"No documents match {shown_query} ({result.documents:,} documents searched).")
        return
    out = terminal()
    out.soft_wrap = True
    matched = plural(result.matched, "document matches", "documents match")
    out.print(Text(f"{matched} {shown_query}; the best {len(result.hits)}:"))
    for rank, hit in enumerate(result.hits, 1):
        date = hit.published_at.isoformat() if hit.published_at else "undated"
        out.print()
        out.print(
            Text.assemble(
                (f"{rank}. {printable(hit.title or '(no title)')}", "bold"),
                "  ",
                (f"{date} · {printable(hit.source_id or '')} · score {hit.score:.2f}", "dim"),
            )
        )
        out.print(Text("   ") + _bold_match(hit.snippet))
        if hit.url:
            out.print(Text("   " + printable(hit.url), style="dim"))


def _bold_match(snippet: str) -> Text:
    """The snippet with its match (between ** **) in bold: data, never markup."""
    parts = re.split(r"\*\*(.+?)\*\*", snippet, maxsplit=1)
    if len(parts) == 3:
        before, match, after = (printable(p) for p in parts)
        return Text.assemble(before, (match, "bold yellow"), after)
    return Text(printable(snippet))


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
            raise SearchError(
                f"the search index is missing and could not be built: {exc}"
            ) from None
        logger.warning("search index not refreshed: %s", exc)


COMMANDS = (query, search, index)
