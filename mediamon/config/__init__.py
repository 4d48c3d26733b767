"""The bundled default configuration: the debate's definition as five TOML files.

``sources.toml`` (what to crawl), ``topic.toml`` (what counts as on-topic), ``actors.toml`` (who
takes part), ``stance.toml`` (what they take a stance on) and ``valence.toml`` (how a sentence
judges what it names). A researcher points the tool at
another debate by passing edited copies of these files; nothing topic-specific lives in code.

Each file has a schema in the module of its name (``config.sources``, ``config.topic``, ...),
read through ``config.files``, which turns any failure into one ConfigError line. This package
stays light (no pydantic import) because every command imports it.
"""

from __future__ import annotations

import pathlib
from typing import Any

__all__ = ["DIR", "load", "path"]

DIR = pathlib.Path(__file__).resolve().parent


def path(name: str) -> pathlib.Path:
    """Return the path of a bundled default file, e.g. ``path("topic.toml")``.

    Only bare file names are accepted; the file must exist.
    """
    if not name or pathlib.PurePath(name).name != name or name in {".", ".."}:
        raise ValueError(f"not a bundled configuration file name: {name!r}")
    result = DIR / name
    if not result.is_file():
        raise FileNotFoundError(f"no bundled configuration file {name!r} in {DIR}")
    return result


def load(name: str | pathlib.Path) -> dict[str, Any]:
    """Parse a TOML file: a ``str`` names a bundled file, a ``Path`` is read as given.

    Not checked against a schema; an unreadable file or a syntax error becomes a ConfigError
    (a ``ValueError``) whose one-line message names the file.
    """
    from mediamon.config.files import Layout, parse_toml

    file = name if isinstance(name, pathlib.Path) else path(name)
    return parse_toml(file, Layout("TOML"))
