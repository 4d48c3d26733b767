"""Commands over the corpus itself: `init`, `ingest`, `stats`."""

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.text import Text

from mediamon.cli.common import db_path, err, progress, topic_option
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
# readable=False: ingest itself says, on one line, what it cannot read
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
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
@topic_option
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
    sitename, language, source). A bad record, or a file or folder that cannot be read, is
    reported as `file:line: reason` and skipped; the others are stored. A page may be at most
    10 MB (as when crawled), a text 1,000,000 characters, a JSONL line 20 MB. Ingesting the
    same file again adds nothing.

    \b
    Example:
      mediamon ingest articles.jsonl pages/ notes.txt
      mediamon ingest --topic-filter --source archive export.jsonl.gz
    """
    import logging

    from mediamon.documents.ingest import check_source_id, ingest_files, plan

    check_source_id(source_id)
    file_plan = plan(list(paths))
    problems: list[str] = []

    def report(problem: object) -> None:
        problems.append(str(problem))
        # escaped: a record's text may look like rich markup ("[/x]")
        err.print(
            Text.assemble(("skipped", "yellow"), " ", printable(str(problem))), soft_wrap=True
        )

    # trafilatura's "discarding data" warning repeats the line we print for a page without text
    extractor_log = logging.getLogger("trafilatura")
    level = extractor_log.level
    if not ctx.find_root().params.get("verbose"):
        extractor_log.setLevel(logging.ERROR)
    try:
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
    finally:
        extractor_log.setLevel(level)
    counts = result.counts
    click.echo(
        f"Ingested {result.records} records from {result.files} file(s) into {db_path(ctx)}: "
        f"{counts.get('new', 0)} new, {counts.get('updated', 0)} updated, "
        f"{counts.get('enriched', 0)} enriched, {counts.get('unchanged', 0)} unchanged, "
        f"{counts.get('duplicate', 0)} duplicate; {result.problems} skipped"
        + (f", {result.off_topic} off-topic" if topic_filter else "")
        + (
            f", {result.other_language} in a language the topic terms are not written in."
            if topic_filter
            else "."
        )
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
    print_languages(s)


def print_languages(s: dict[str, Any]) -> None:
    """Documents per language, and how many `tag` left untagged for their language."""
    rows = s.get("by_language") or []
    if not rows:
        return
    parts = []
    for r in rows:
        counts = [
            f"{r[key]} {label}"
            for key, label in (
                ("tagged", "tagged"),
                ("not_tagged", "not tagged"),
                ("waiting", "to tag"),
            )
            if r[key]
        ]
        parts.append(f"{r['language']} {r['documents']} ({', '.join(counts)})")
    click.echo(f"  by language: {'; '.join(parts)}")
    if any(r["not_tagged"] for r in rows):
        click.echo("  not tagged: no pipeline for their language; documents.nlp_skipped says why")


COMMANDS = (init, ingest, stats)
