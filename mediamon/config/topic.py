"""The schema of a topic file (``topic.toml``): the debate's vocabulary, weights and rule.

The format is documented in the header of the bundled ``topic.toml``. Checked here: every key
and type, the ranges, the term syntax, that patterns compile the way the scanner embeds them,
that a term is in one group only, and that the rule names positive groups that exist.
:mod:`mediamon.documents.topicfile` compiles a checked file into the scanner's terms.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from mediamon.config.files import At, Layout, Strict, read_toml, validate

__all__ = ["LAYOUT", "TERM_KINDS", "WORD_SPLIT", "Group", "TopicFile", "load", "parse"]

LAYOUT = Layout(
    "topic",
    {"groups": ("group", None), "require": ("require", None)},
    hint="`mediamon config show topic` prints the default to copy",
)
TERM_KINDS = ("terms", "cased", "patterns")
# Between the words of a phrase: whitespace, hyphens and dashes.
WORD_SPLIT = re.compile(r"[\s\-\u2010-\u2015]+")
_GROUP_ID = re.compile(r"[a-z0-9_]+")

Weight = Annotated[float, Field(gt=0)]
_TABLE = 'a table of "term" = weight'


def term_problem(term: str) -> str | None:
    """What is wrong with a term's syntax (see topic.toml's TERM SYNTAX), or None."""
    words = [w for w in WORD_SPLIT.split(term.strip()) if w]
    if not words:
        return "empty term"
    for word in words:
        stem = word[:-1] if word.endswith("*") else word
        if not stem or "*" in stem:
            return "'*' may only end a word that has at least one other character"
    return None


def pattern_problem(pattern: str) -> str | None:
    """What makes a pattern unusable in the scan regex, or None."""
    try:
        compiled = re.compile(f"(?i:{pattern})")  # exactly as it is embedded in the scan
    except re.error as exc:
        return f"bad regular expression: {exc}"
    if compiled.groups:
        return "capturing groups are not allowed: use (?:...)"
    if any(look in pattern for look in ("(?=", "(?!", "(?<")):
        return "lookaround assertions are not supported"
    if compiled.match(""):
        return "the pattern matches the empty string"
    return None


class TopicSection(Strict):
    """``[topic]``"""

    name: str
    description: str = ""
    threshold: float = Field(gt=0, le=1)
    scale: float = Field(default=8.0, gt=0)
    title_weight: float = Field(default=3.0, ge=0)
    unmet_factor: float = Field(default=0.4, ge=0, le=1)


class Rule(Strict):
    """One ``[[require]]`` clause."""

    groups: list[str] = Field(min_length=1, description="a non-empty list of group ids")
    min_evidence: float = Field(default=0.0, ge=0)


class Group(Strict):
    """One ``[groups.ID]`` table."""

    description: str = ""
    weight: float = Field(default=1.0, description="a non-zero number")
    terms: dict[str, Weight] = Field(default={}, description=_TABLE)
    cased: dict[str, Weight] = Field(default={}, description=_TABLE)
    patterns: dict[str, Weight] = Field(default={}, description="a table of 'regex' = weight")

    @field_validator("weight")
    @classmethod
    def _non_zero(cls, value: float) -> float:
        if value == 0:
            raise ValueError("must not be 0 (remove the group instead)")
        return value

    @field_validator("terms", "cased")
    @classmethod
    def _term_syntax(cls, table: dict[str, float]) -> dict[str, float]:
        for label in table:
            problem = term_problem(label)
            if problem:
                raise At((label,), problem)
        return table

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, table: dict[str, float]) -> dict[str, float]:
        for label in table:
            problem = pattern_problem(label)
            if problem:
                raise At((label,), problem)
        return table

    @model_validator(mode="after")
    def _not_empty(self) -> Group:
        if not (self.terms or self.cased or self.patterns):
            raise ValueError("empty group: give it terms, cased terms or patterns")
        return self


class TopicFile(Strict):
    topic: TopicSection
    require: list[Rule] = Field(default=[], description="an array of [[require]] tables")
    groups: dict[str, Group] = Field(min_length=1, description="[groups.ID] tables")

    @field_validator("groups", mode="before")
    @classmethod
    def _group_ids(cls, value: Any) -> Any:
        for gid in value if isinstance(value, dict) else ():
            if not _GROUP_ID.fullmatch(gid):
                raise At((gid,), "a group id must be lowercase letters, digits and _ ([a-z0-9_]+)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TopicFile:
        seen: dict[str, str] = {}
        for gid, group in self.groups.items():
            for kind in TERM_KINDS:
                for label in getattr(group, kind):
                    # a cased term differs from a lower-case one; others compare case-blind
                    key = f"{kind}:{label.strip()}" if kind == "cased" else label.strip().lower()
                    if key in seen:
                        duplicate = ("groups", gid, kind, label)
                        raise At(duplicate, f"duplicate term (also in {seen[key]})")
                    seen[key] = f"group {gid!r}, {kind}"
        for index, rule in enumerate(self.require):
            for gid in rule.groups:
                where = ("require", index, "groups")
                if gid not in self.groups:
                    raise At(where, f"unknown group {gid!r}; groups: {', '.join(self.groups)}")
                if self.groups[gid].weight < 0:
                    raise At(where, f"{gid!r} is an exclusion group (negative weight)")
        return self

    def summary(self) -> str:
        terms = sum(len(getattr(g, k)) for g in self.groups.values() for k in TERM_KINDS)
        return f"{len(self.groups)} groups, {terms} terms"


def load(path: Path) -> TopicFile:
    """Read and check a topic file; any problem is one ConfigError line."""
    return read_toml(path, TopicFile, LAYOUT)


def parse(data: Any, source: str = "<topic>") -> TopicFile:
    """Check already parsed TOML; errors start with ``source``."""
    return validate(data, TopicFile, LAYOUT, source=source)
