"""Tagging: `tag` finds actors, quotes and stances in documents not tagged yet."""

import click
from click.core import ParameterSource

from mediamon.cli.common import db_path, progress


@click.command()
@click.option("--all", "retag_all", is_flag=True, help="Tag every document, not only new ones.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes that analyse texts in parallel.",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    default=None,
    help="Analyse on the workers of a Dask cluster (its scheduler's address, e.g. "
    "tcp://HOST:8786); the corpus stays here.",
)
@click.option("--model", default=None, help="spaCy model package (default en_core_web_sm).")
@click.option(
    "--actors",
    "actors_file",
    type=click.Path(),  # checked by its schema before tagging: one line for any problem
    default=None,
    help="Actor registry TOML (default: the bundled actors.toml).",
)
@click.option(
    "--stance",
    "stance_file",
    type=click.Path(),
    default=None,
    help="Stance targets and cues TOML (default: the bundled stance.toml); its valence_file is "
    "looked for beside it, then among the bundled files.",
)
@click.pass_context
def tag(
    ctx: click.Context,
    retag_all: bool,
    workers: int,
    cluster: str | None,
    model: str | None,
    actors_file: str | None,
    stance_file: str | None,
) -> None:
    """Find actors, quotes and stances in documents the current pipeline has not tagged.

    A document is re-tagged when the pipeline's version (code, model and configuration)
    changes; results replace the document's earlier annotations. Only English documents are
    tagged; others are marked with the reason (documents.nlp_skipped) and left untagged.

    \b
    Example:
      mediamon tag
      mediamon tag --all --workers 2
      mediamon tag --cluster tcp://tagger.example:8786
    """
    if cluster and ctx.get_parameter_source("workers") is not ParameterSource.DEFAULT:
        raise click.UsageError(
            "--cluster and --workers do not go together: the cluster's workers do the work", ctx
        )
    from mediamon.documents.language import detect_missing
    from mediamon.nlp.tagging import check_config, tag_corpus

    check_config(actors_file, stance_file)  # a bad file is reported before the corpus is read
    # documents stored before languages were detected, or by a path that does not detect
    detect_missing(db_path(ctx))
    with progress() as bar:
        task = bar.add_task("tag", total=None)
        report = tag_corpus(
            db_path(ctx),
            retag_all=retag_all,
            workers=workers,
            model=model,
            actors=actors_file,
            stance=stance_file,
            advance=lambda n: bar.advance(task, n),
            on_total=lambda n: bar.update(task, total=n),
            cluster=cluster,
        )
    click.echo(
        f"Tagged {report.documents} documents with pipeline {report.version}: "
        f"{report.mentions} mentions, {report.quotes} quotes, {report.stances} stances."
    )
    if report.skipped:
        click.echo(f"Not tagged: {not_tagged_line(dict(report.skipped))}.")


def not_tagged_line(reasons: dict[str, int]) -> str:
    """{'language:de': 2, 'language:unknown': 1} -> 'de 2, unknown 1 (no pipeline for that
    language; nlp_skipped in documents says which)'."""
    parts = [
        f"{reason.removeprefix('language:')} {count}"
        for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    ]
    return (
        ", ".join(parts) + " document(s) in a language the pipeline does not read "
        "(documents.nlp_skipped says why)"
    )


COMMANDS = (tag,)
