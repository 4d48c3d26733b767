"""Commands over the corpus itself: `init`, `ingest`, `stats`."""

import json
import sys
from pathlib import Path
from typing import Any

import click

from mediamon.cli.common import db_path, err, progress
from mediamon.cli.output import printable, write_rows
from mediamon.corpus import connect
from mediamon.corpus.seeding import init_corpus
from mediamon.corpus.stats import corpus_stats


@click.command()
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


@click.command()
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
    type=click.Path(path_type=Path),  # the reader reports a missing file or a folder
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
    from mediamon.documents.ingest import ingest_files, plan

    file_plan = plan(list(paths))
    problems: list[str] = []

    def report(problem: object) -> None:
        problems.append(str(problem))
        err.print(f"[yellow]skipped[/yellow] {problem}", soft_wrap=True)

    with progress("bytes") as bar:
        task = bar.add_task("ingest", total=file_plan.total_bytes)
        result = ingest_files(
            db_path(ctx),
            list(paths),
            source_id=source_id,
            on_problem=report,
            advance=lambda n: bar.advance(task, n),
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


@click.command()
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
    print_stats(db_path(ctx), figures)


def print_stats(path: Path, s: dict[str, Any]) -> None:
    """The figures as plain lines; what comes from the corpus is shown as text, escaped."""
    span = f" ({s['first_published']} to {s['last_published']})" if s["first_published"] else ""
    click.echo(f"Corpus {printable(str(path))} (schema v{s['schema_version']})")
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
        what = printable(f"{run_['command']} {run_['run_id']} {run_['status']}")
        click.echo(f"  last run: {what}, started {run_['started_at']:%Y-%m-%d %H:%M:%S} UTC")
    else:
        click.echo("  last run: none yet")
    if s["by_source"]:
        click.echo("  by source:")
        rows = [
            (r["source"], r["name"] or "", r["documents"], r["dated"], r["first"], r["last"])
            for r in s["by_source"]
        ]
        write_rows(["source", "name", "documents", "dated", "first", "last"], rows, "table")


COMMANDS = (init, ingest, stats)
