"""`mediamon lake`: create a DuckLake lake, copy a file corpus into it and out of it."""

from pathlib import Path

import click

from mediamon.cli.common import Group, db_path, progress
from mediamon.corpus.lake import is_lake
from mediamon.errors import InputError


def _lake(ctx: click.Context) -> str:
    db = str(db_path(ctx))
    if not is_lake(db):
        raise InputError(
            f"--db {db} is a corpus file; the lake commands take --db ducklake:sqlite:PATH or "
            "--db 'ducklake:postgres:dbname=NAME host=HOST'"
        )
    return db


@click.group(cls=Group)
def lake() -> None:
    """A corpus many processes and machines can write: a DuckLake lake.

    `--db ducklake:sqlite:PATH` (several processes on one machine) or
    `--db 'ducklake:postgres:dbname=NAME host=HOST'` (many machines) names the lake's catalog;
    its data are Parquet files under the data path given to `lake init`. Every other command
    takes the same --db and works on the lake as on a file.

    \b
    Example:
      mediamon --db ducklake:sqlite:/srv/lake/catalog.sqlite lake init --data-path /srv/lake/data
      mediamon --db ducklake:sqlite:/srv/lake/catalog.sqlite ingest articles.jsonl
    """


@lake.command()
@click.option(
    "--data-path",
    required=True,
    help="Folder (shared by every writer) where the lake keeps its Parquet files.",
)
@click.pass_context
def init(ctx: click.Context, data_path: str) -> None:
    """Create the lake: schema, seeds, and the data path, which the catalog keeps.

    Running it again on the same lake changes nothing.

    \b
    Example:
      mediamon --db ducklake:sqlite:/srv/lake/catalog.sqlite lake init --data-path /srv/lake/data
    """
    from mediamon.corpus.lakecopy import init_lake

    db = _lake(ctx)
    created, result, kept = init_lake(db, data_path)
    verb = "Created" if created else "Checked"
    click.echo(
        f"{verb} lake {db} (data in {kept}): seeds {result.counts.get('new', 0)} new, "
        f"{result.counts.get('unchanged', 0)} unchanged."
    )


@lake.command(name="import")
@click.argument("corpus", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def import_(ctx: click.Context, corpus: Path) -> None:
    """Copy a file corpus into the lake: every table, every row the lake does not have yet.

    A document the lake has already (same doc_id) stays as the lake has it; importing the same
    file again copies nothing. The search index is brought up to date afterwards.

    \b
    Example:
      mediamon --db ducklake:sqlite:/srv/lake/catalog.sqlite lake import corpus.duckdb
    """
    from mediamon.corpus.lakecopy import import_file, table_count

    db = _lake(ctx)
    with progress() as bar:
        task = bar.add_task("import", total=table_count(corpus) if corpus.exists() else None)
        report = import_file(db, corpus, advance=lambda _: bar.advance(task))
    click.echo(f"Imported {corpus} into {db}: {_summary(report.tables)}.")


@lake.command()
@click.argument("corpus", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def export(ctx: click.Context, corpus: Path) -> None:
    """Copy the lake into a new file corpus (an existing file is never overwritten).

    \b
    Example:
      mediamon --db ducklake:sqlite:/srv/lake/catalog.sqlite lake export corpus.duckdb
    """
    from mediamon.corpus.lakecopy import export_lake

    db = _lake(ctx)
    with progress() as bar:
        task = bar.add_task("export", total=None)
        report = export_lake(db, corpus, advance=lambda _: bar.advance(task))
    click.echo(f"Exported {db} to {corpus}: {_summary(report.tables)}.")


@lake.command()
@click.option(
    "--keep-days",
    type=float,
    default=7.0,
    show_default=True,
    help="Keep snapshots (and the files they name) this many days; older ones are expired.",
)
@click.pass_context
def compact(ctx: click.Context, keep_days: float) -> None:
    """Merge the lake's small files and let go of old snapshots.

    Every batch a writer commits adds a few small Parquet files and a snapshot; run this daily
    or weekly (writers may go on meanwhile). Snapshots older than --keep-days are expired and the
    files only they named are deleted: back up the catalog more often than that.

    \b
    Example:
      mediamon --db ducklake:sqlite:/srv/lake/catalog.sqlite lake compact --keep-days 7
    """
    from mediamon.corpus.lakemaint import compact as compact_lake

    db = _lake(ctx)
    report = compact_lake(db, keep_days)
    click.echo(
        f"Compacted {db}: {report.files_before} -> {report.files_after} data files "
        f"({report.bytes_before / 1e6:.1f} -> {report.bytes_after / 1e6:.1f} MB); "
        f"{report.snapshots_expired} snapshots expired, {report.files_deleted} old files deleted."
    )


def _summary(tables: dict[str, int]) -> str:
    if not any(tables.values()):
        return "nothing new"
    return ", ".join(f"{table} {n}" for table, n in tables.items() if n)


COMMANDS = (lake,)
