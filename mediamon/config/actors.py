"""The schema of an actor registry (``actors.toml``): one ``[[actors]]`` table per actor.

The keys are documented in the header of the bundled ``actors.toml``;
:class:`mediamon.nlp.actors.ActorRegistry` is built from a checked :class:`ActorsFile`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, field_validator, model_validator

from mediamon.config.files import At, Day, Layout, Strict, read_toml, validate

__all__ = ["LAYOUT", "TYPES", "ActorEntry", "ActorsFile", "load", "parse"]

LAYOUT = Layout(
    "actors",
    {"actors": ("actor", "id")},
    hint="`mediamon config show actors` prints the default to copy",
)
ActorType = Literal[
    "government",
    "law_enforcement",
    "company",
    "ngo_child_safety",
    "ngo_privacy",
    "academic",
    "person",
    "intergovernmental",
    "media",
]
TYPES: tuple[str, ...] = get_args(ActorType)
Text = Annotated[str, Field(min_length=1)]
_WORDS = "a list of strings"


class TitleEntry(Strict):
    """``{ title = "...", from = YYYY-MM-DD, to = YYYY-MM-DD }``"""

    title: Text
    start: Day | None = Field(default=None, alias="from")
    end: Day | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _in_order(self) -> TitleEntry:
        if self.start and self.end and self.end < self.start:
            raise At(("to",), f"{self.end} is before from = {self.start}")
        return self


class ActorEntry(Strict):
    """One ``[[actors]]`` table."""

    id: str = Field(
        pattern=r"^[a-z0-9_]+$", description="snake_case: lowercase letters, digits and _"
    )
    name: Text
    type: ActorType
    country: str = Field(
        pattern=r"^([A-Z]{2}|INT)$",
        description="an ISO 3166-1 alpha-2 code such as 'GB', or 'EU' or 'INT'",
    )
    aliases: list[Text] = Field(min_length=1, description=_WORDS)
    titles: list[TitleEntry] = Field(default=[], description="a list of { title, from, to } tables")
    speaks_for: str | None = None
    role: str | None = None
    holds_stances: bool = True

    @field_validator("country")
    @classmethod
    def _iso(cls, value: str) -> str:
        if value == "UK":
            raise ValueError("'UK' is not an ISO 3166-1 code: the United Kingdom is 'GB'")
        return value


class Discovery(Strict):
    """``[discovery]``: words that mark names the registry does not list."""

    org_heads: list[str] = Field(default=[], description=_WORDS)
    person_titles: list[str] = Field(default=[], description=_WORDS)


class ActorsFile(Strict):
    shared_aliases: list[str] = Field(default=[], description=_WORDS)
    not_actors: list[Text] = Field(default=[], description=_WORDS)
    discovery: Discovery = Discovery()
    actors: list[ActorEntry] = Field(min_length=1, description="an array of [[actors]] tables")

    @model_validator(mode="after")
    def _consistent(self) -> ActorsFile:
        first: dict[str, int] = {}
        for index, actor in enumerate(self.actors):
            if actor.id in first:
                raise At(
                    ("actors", index, "id"),
                    f"{actor.id!r} is the id of actors[{first[actor.id]}] and actors[{index}]; "
                    "ids must be unique",
                )
            first[actor.id] = index
        shared = {alias.casefold() for alias in self.shared_aliases}
        owner: dict[str, str] = {}
        for index, actor in enumerate(self.actors):
            if actor.speaks_for is not None and (
                actor.speaks_for not in first or actor.speaks_for == actor.id
            ):
                raise At(
                    ("actors", index, "speaks_for"),
                    f"{actor.speaks_for!r} is not the id of another actor in this file",
                )
            for alias in actor.aliases:
                key = alias.casefold()
                if key in owner and owner[key] != actor.id and key not in shared:
                    raise At(
                        ("actors", index, "aliases"),
                        f"{alias!r} is also an alias of {owner[key]!r}; an alias names one "
                        "actor unless it is listed in shared_aliases",
                    )
                owner.setdefault(key, actor.id)
        return self

    def summary(self) -> str:
        return f"{len(self.actors)} actors"


def load(path: Path) -> ActorsFile:
    """Read and check an actor registry; any problem is one ConfigError line."""
    return read_toml(path, ActorsFile, LAYOUT)


def parse(data: Any, source: str = "actors.toml") -> ActorsFile:
    """Check already parsed TOML; errors start with ``source``."""
    return validate(data, ActorsFile, LAYOUT, source=source)
