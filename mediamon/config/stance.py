"""The schema of a stance file (``stance.toml``): targets, their cues, and the global cue lists.

The format is documented in the header of the bundled ``stance.toml``;
:class:`mediamon.nlp.lexicon.Lexicon` is built from a checked :class:`StanceFile`.
``[options] valence_file`` names a word-valence file: the one beside the stance file, else the
bundled file of that name, so a copy of the bundled stance file works wherever it is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from mediamon.config import DIR
from mediamon.config import valence as valence_schema
from mediamon.config.files import At, Layout, Strict, read_toml, validate
from mediamon.errors import ConfigError

__all__ = ["LAYOUT", "StanceFile", "Target", "load", "load_with_valence", "parse", "valence_path"]

LAYOUT = Layout(
    "stance",
    {"targets": ("target", None), "implications": ("implications", None)},
    hint="`mediamon config show stance` prints the default to copy",
)
_TARGET_ID = re.compile(r"[a-z0-9_]+")


def _cue(value: str) -> str:
    if not value.lstrip("!").replace("...", " ").strip():
        raise ValueError(f"a cue needs at least one word, not {value!r}")
    return value


Cue = Annotated[str, AfterValidator(_cue)]
CueWeight = Annotated[float, Field(gt=0, le=3)]
Polarity = Literal["favor", "against"]
_CUES = "a list of cue strings"
_TABLE = 'a table of "cue" = weight'


class Target(Strict):
    """One ``[targets.ID]`` table."""

    description: str = Field(min_length=1)
    terms: list[Cue] = Field(min_length=1, description=_CUES)
    favor: dict[Cue, CueWeight] = Field(min_length=1, description=_TABLE)
    against: dict[Cue, CueWeight] = Field(min_length=1, description=_TABLE)

    @model_validator(mode="after")
    def _one_side(self) -> Target:
        for cue in self.against:
            if cue in self.favor:
                raise At(("against", cue), "is also a favor cue; a cue belongs to one side")
        return self


class Implication(Strict):
    """One ``[[implications]]`` rule."""

    source: str = Field(alias="from")
    polarity: Polarity
    because: list[str] = Field(min_length=1, description="a list of words")
    target: str
    implies: Polarity
    weight: float = Field(default=0.5, gt=0, le=1)


class Options(Strict):
    """``[options]``"""

    negation_window: int = Field(default=3, ge=0, description="a whole number of words")
    gap_words: int = Field(default=6, ge=0, description="a whole number of words")
    neutral_margin: float = Field(default=0.5, ge=0)
    reported_weight: float = Field(default=0.8, ge=0)
    valence_file: str | None = Field(
        default=None, min_length=1, description="a file name such as 'valence.toml'"
    )


class StanceFile(Strict):
    negation: list[Cue] = Field(min_length=1, description=_CUES)
    reporting: list[Cue] = Field(min_length=1, description=_CUES)
    speech_verbs: list[Cue] = Field(default=[], description="a list of verbs")
    action: list[Cue] = Field(min_length=1, description=_CUES)
    neutral: list[Cue] = Field(default=[], description=_CUES)
    stance_words: list[str] = Field(default=[], description="a list of words")
    positions: list[str] = Field(default=[], description="a list of words")
    implications: list[Implication] = Field(default=[], description="an array of [[implications]]")
    options: Options = Options()
    targets: dict[str, Target] = Field(min_length=1, description="[targets.ID] tables")

    @field_validator("targets", mode="before")
    @classmethod
    def _target_ids(cls, value: Any) -> Any:
        for tid in value if isinstance(value, dict) else ():
            if not _TARGET_ID.fullmatch(tid):
                raise At((tid,), "a target id must be lowercase letters, digits and _")
        return value

    @model_validator(mode="after")
    def _known_targets(self) -> StanceFile:
        for index, rule in enumerate(self.implications):
            for key, target in (("from", rule.source), ("target", rule.target)):
                if target not in self.targets:
                    raise At(
                        ("implications", index, key),
                        f"unknown target {target!r}; targets: {', '.join(self.targets)}",
                    )
        return self

    def summary(self) -> str:
        return f"{len(self.targets)} targets"


def load(path: Path) -> StanceFile:
    """Read and check a stance file (not its valence file); any problem is one ConfigError."""
    return read_toml(path, StanceFile, LAYOUT)


def parse(data: Any, source: str = "stance.toml") -> StanceFile:
    """Check already parsed TOML; errors start with ``source``."""
    return validate(data, StanceFile, LAYOUT, source=source)


def valence_path(stance_path: Path, file: StanceFile | None = None) -> Path | None:
    """The valence file a stance file uses: the one named beside it, else the bundled one.

    A copy of the bundled stance.toml placed anywhere thus finds the bundled valence.toml,
    while a copy with its own valence.toml beside it uses that one.
    """
    if file is None:
        file = load(stance_path)
    name = file.options.valence_file
    if not name:
        return None
    beside = stance_path.parent / name
    if beside.exists():
        return beside
    bundled = DIR / name
    if Path(name).name == name and bundled.is_file():
        return bundled
    raise ConfigError(
        f"{stance_path}: [options]: valence_file: no file {name!r} beside the stance file, nor "
        "a bundled one of that name; copy one there (`mediamon config show valence`)"
    )


def load_with_valence(
    path: Path,
) -> tuple[StanceFile, valence_schema.ValenceFile | None, Path | None]:
    """The stance file, its valence file (checked too) and that file's path."""
    file = load(path)
    valence = valence_path(path, file)
    return file, (valence_schema.load(valence) if valence else None), valence
