"""The `mediamon` command line: thin commands over the library's rooms, one module per group.

Commands turn the library's MediamonError into one line and an exit code (common.Group); no
module outside this package imports it.

The group and its commands are in app.py, loaded when used: a process that imports this
package for another reason, such as a worker of `tag --workers` (a spawned process imports the
console script again), does not load every command and the libraries behind them.
"""

from typing import Any


def main() -> None:
    """The console script."""
    from mediamon.cli.app import main as run

    run()


def __getattr__(name: str) -> Any:
    """`from mediamon.cli import cli`: the command group."""
    if name == "cli":
        from mediamon.cli.app import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
