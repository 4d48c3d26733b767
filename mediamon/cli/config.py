"""Configuration: `config path`, `config show` and `config check` for the five TOML files."""

from pathlib import Path

import click

from mediamon import config as bundled

NAMES = ("sources", "topic", "actors", "stance", "valence")


@click.group("config")
def config() -> None:
    """The configuration files: where the bundled ones are, a copy to edit, a check of yours.

    Five TOML files define the debate: sources, topic, actors, stance and valence. Commands
    that read one take an edited copy (crawl --sources, ingest --topic, tag --actors, tag
    --stance); every file is checked against its schema, and a mistake is one line naming the
    file, the entry and the key.

    \b
    Example:
      mediamon config show sources > my-sources.toml
      mediamon config check my-sources.toml
      mediamon crawl --sources my-sources.toml
    """


@config.command("path")
@click.argument("name", required=False, type=click.Choice(NAMES))
def path(name: str | None) -> None:
    """Print the path of a bundled configuration file, or of their folder.

    \b
    Example:
      mediamon config path
      mediamon config path stance
    """
    click.echo(str(bundled.path(f"{name}.toml") if name else bundled.DIR))


@config.command("show")
@click.argument("name", type=click.Choice(NAMES))
def show(name: str) -> None:
    """Print a bundled configuration file, comments included: a copy to edit.

    \b
    Example:
      mediamon config show sources > my-sources.toml
      mediamon config show stance > my-stance.toml
    """
    click.echo(bundled.path(f"{name}.toml").read_text(encoding="utf-8"), nl=False)


@config.command("check")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(NAMES),
    default=None,
    help="Which kind of file this is (default: guessed from its name or its keys).",
)
def check(file: Path, kind: str | None) -> None:
    """Check a configuration file against its schema.

    Prints FILE: ok with what it holds, or one line naming the file, the entry and the key
    that is wrong (exit status 2). A stance file's valence file is checked too.

    \b
    Example:
      mediamon config check my-sources.toml
      mediamon config check edited.toml --kind actors
    """
    from mediamon.config.kinds import check as check_file

    click.echo(check_file(file, kind))


COMMANDS = (config,)
