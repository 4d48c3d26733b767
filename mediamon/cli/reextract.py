"""Re-extraction: `reextract` runs extraction again over the archived pages, fetching nothing."""

from pathlib import Path

import click

from mediamon.cli.common import DATE, db_path, progress, topic_option


@click.command()
@click.option("--source", "source_id", default=None, help="Only the pages of this source.")
@click.option(
    "--since",
    type=DATE,
    default=None,
    help="Only pages fetched on or after this day (YYYY-MM-DD).",
)
@topic_option
@click.pass_context
def reextract(
    ctx: click.Context, source_id: str | None, since: object, topic_file: Path | None
) -> None:
    """Extract the archived pages again: text, metadata, dates, topic relevance, clusters.

    Run it after upgrading the extractor or editing topic.toml. Nothing is fetched: the raw
    HTML the corpus archived is read back (also that of pages dropped as listings, without
    article text or off-topic). A document whose text changes keeps its old text in
    document_versions, as on a re-crawl; a page that now passes every rule becomes a
    document; a document whose page no longer does stays and is counted.

    \b
    Example:
      mediamon reextract
      mediamon reextract --source eff --since 2024-01-01 --topic my-topic.toml
    """
    import datetime as dt

    from mediamon.documents.reextract import reextract as run_reextract

    day = since.date() if isinstance(since, dt.datetime) else None
    with progress() as bar:
        task = bar.add_task("reextract", total=None)
        report = run_reextract(
            db_path(ctx),
            source_id=source_id,
            since=day,
            topic_file=topic_file,
            advance=lambda n: bar.advance(task, n),
            on_total=lambda n: bar.update(task, total=n),
        )
    docs = report.documents
    dropped = ", ".join(f"{n} {reason}" for reason, n in sorted(report.dropped.items()))
    kept = sum(report.kept_despite.values())
    click.echo(
        f"Re-extracted {report.pages} archived pages of {db_path(ctx)}: "
        f"{docs.get('new', 0)} new, {docs.get('updated', 0)} updated, "
        f"{docs.get('enriched', 0)} enriched, {docs.get('unchanged', 0)} unchanged, "
        f"{docs.get('duplicate', 0)} duplicate documents; relevance changed for "
        f"{report.relevance_changed}; not documents: {dropped or 'none'}"
        + (f"; {kept} documents kept whose pages no longer pass a rule." if kept else ".")
    )


COMMANDS = (reextract,)
