import re
from pathlib import Path

import click
from click.testing import CliRunner

from mediamon.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        path = (*prefix, name)
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


def test_every_command_has_help_with_an_example_and_a_readme_entry() -> None:
    runner = CliRunner()
    seen = []
    for path, _command in _commands(cli):
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example" in result.output, f"mediamon {' '.join(path)} --help has no example"
        assert re.search(rf"mediamon[^\n`]* {' '.join(path)}\b", result.output), path
        assert f"mediamon {' '.join(path)}" in README, f"README has no entry for {path}"
        seen.append(path)
    assert {p[0] for p in seen} >= {"init", "ingest", "query", "stats", "demo"}


def test_top_level_help() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0 and "Example" in result.output
