"""The schema of a word-valence file (``valence.toml``): lists of lemmas, all optional.

The lists' meaning is documented in the header of the bundled ``valence.toml``; a stance file
names its valence file in ``[options] valence_file`` (see :mod:`mediamon.config.stance`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from mediamon.config.files import Layout, Strict, read_toml

__all__ = ["LAYOUT", "ValenceFile", "load"]

LAYOUT = Layout("valence", hint="`mediamon config show valence` prints the default to copy")
_WORDS = "a list of strings"


class ValenceFile(Strict):
    positive: list[str] = Field(default=[], description=_WORDS)
    enactors: list[str] = Field(default=[], description=_WORDS)
    strong_positive: list[str] = Field(default=[], description=_WORDS)
    negative: list[str] = Field(default=[], description=_WORDS)
    strong_negative: list[str] = Field(default=[], description=_WORDS)
    shifters: list[str] = Field(default=[], description=_WORDS)
    carriers: list[str] = Field(default=[], description=_WORDS)
    wrongdoers: list[str] = Field(default=[], description=_WORDS)
    attitudes: list[str] = Field(default=[], description=_WORDS)
    patients: list[str] = Field(default=[], description=_WORDS)
    anaphors: list[str] = Field(default=[], description=_WORDS)

    def words(self, key: str) -> list[str]:
        """A list's words as the evaluator compares them: lower case, blanks dropped."""
        return [w.lower().strip() for w in getattr(self, key) if w.strip()]

    def summary(self) -> str:
        return f"{sum(len(getattr(self, k)) for k in type(self).model_fields)} words"


def load(path: Path) -> ValenceFile:
    """Read and check a valence file; any problem is one ConfigError line."""
    return read_toml(path, ValenceFile, LAYOUT)
