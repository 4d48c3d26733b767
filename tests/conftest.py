"""Fixtures for every test module; shared functions live in tests/helpers.py."""

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mediamon.cli import cli
from tests.services import postgres, redis  # noqa: F401  (fixtures)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "corpus.duckdb"


@pytest.fixture
def mm(db: Path) -> Callable[..., Result]:
    """Run the CLI in-process against the test corpus."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, ["--db", str(db), *args], input=input, catch_exceptions=False)

    return invoke
