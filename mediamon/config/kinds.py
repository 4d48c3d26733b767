"""The five kinds of configuration file, for ``mediamon config``: check any file of any kind.

A file's kind is given, or guessed from its name (``my-sources.toml``) or its top-level keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mediamon.config import actors, sources, stance, topic, valence
from mediamon.config.files import Layout, parse_toml
from mediamon.errors import ConfigError

__all__ = ["KINDS", "Kind", "check", "guess"]


@dataclass(frozen=True)
class Kind:
    name: str
    file: str  # the bundled file
    keys: frozenset[str]  # top-level keys only this kind has
    check: Callable[[Path], str]  # reads the file, returns a summary


def _stance(path: Path) -> str:
    file, _, used = stance.load_with_valence(path)
    return f"{file.summary()}; valence file {used}" if used else file.summary()


KINDS: dict[str, Kind] = {
    "sources": Kind(
        "sources", "sources.toml", frozenset({"sources"}), lambda p: sources.load(p).summary()
    ),
    "topic": Kind(
        "topic", "topic.toml", frozenset({"topic", "groups"}), lambda p: topic.load(p).summary()
    ),
    "actors": Kind(
        "actors", "actors.toml", frozenset({"actors"}), lambda p: actors.load(p).summary()
    ),
    "stance": Kind("stance", "stance.toml", frozenset({"targets"}), _stance),
    "valence": Kind(
        "valence",
        "valence.toml",
        frozenset(valence.ValenceFile.model_fields),
        lambda p: valence.load(p).summary(),
    ),
}


def guess(path: Path) -> str:
    """The kind of a file: from its name when that names one kind, else from its keys."""
    stem = path.stem.lower()
    named = [k for k in KINDS if k in stem or k.rstrip("s") in stem]
    if len(named) == 1:
        return named[0]
    data = parse_toml(path, Layout("configuration"))
    found = [k.name for k in KINDS.values() if k.keys & set(data)]
    if len(found) == 1:
        return found[0]
    raise ConfigError(
        f"{path}: cannot tell which kind of configuration file this is; "
        f"pass --kind ({'|'.join(KINDS)})"
    )


def check(path: Path, kind: str | None = None) -> str:
    """``FILE: ok (summary)``, or a ConfigError naming the file, the entry and the key."""
    name = kind or guess(path)
    return f"{path}: ok ({KINDS[name].check(path)})"
