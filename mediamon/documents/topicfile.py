"""Compiling a checked topic file: every term turned into its regular expression.

The file's keys, types and term syntax are checked by its schema (mediamon.config.topic), so
this only translates; :class:`documents.topic.TopicModel` only ever sees compiled terms.
Like the scoring, this must not import Scrapy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mediamon.config.topic import TERM_KINDS, WORD_SPLIT, TopicFile

__all__ = ["APOSTROPHES", "Clause", "Term", "TopicSpec", "compile_topic"]

# Between the words of a phrase: whitespace, hyphens and dashes, or nothing ("chatcontrol").
_SEP = r"[\s\-\u2010-\u2015]*"
APOSTROPHES = "'\u2019"
_CONSONANT_Y = re.compile(r"[^aeiou]y\Z", re.IGNORECASE)


@dataclass(frozen=True)
class Term:
    group: str
    label: str  # the term as written in the file
    weight: float
    kind: str  # "terms", "cased" or "patterns"
    full: str  # the whole regex, flags included, without the outer word boundaries
    first: str | None  # bucket key of the first character; None for patterns
    rest: str  # for bucketed terms: the regex after the first character
    sort_key: int  # longer first, so the longest term at a position wins


@dataclass(frozen=True)
class Clause:
    groups: tuple[str, ...]
    min_evidence: float


@dataclass(frozen=True)
class TopicSpec:
    """A compiled topic file: the arguments of :class:`documents.topic.TopicModel`."""

    name: str
    description: str
    threshold: float
    scale: float
    title_weight: float
    unmet_factor: float
    group_weights: dict[str, float]
    clauses: list[Clause]
    terms: list[Term]


def _term_regex(term: str) -> tuple[str, str]:
    """Compile the term syntax (see topic.toml): returns (first character, regex of the rest).

    The term has passed the schema's syntax check (config.topic.term_problem).
    """
    words = [w for w in WORD_SPLIT.split(term.strip()) if w]
    parts: list[str] = []
    for index, word in enumerate(words):
        last = index == len(words) - 1
        stem = word[:-1] if word.endswith("*") else word
        chars = [f"[{APOSTROPHES}]" if c in APOSTROPHES else re.escape(c) for c in stem]
        if index == 0:
            chars[0] = ""  # the first character is matched by the bucket's class
        body = "".join(chars)
        if word.endswith("*"):
            body += r"\w*"
        elif last:
            if _CONSONANT_Y.search(stem):
                body = body[:-1] + "(?:y|ies)"
            elif stem[-1].isalnum():
                body += "(?:e?s)?"
            # the possessive: NCMEC's, children's, Children’s, parents'
            body += f"(?:[{APOSTROPHES}]s?)?"
        parts.append(body)
    return words[0][0], _SEP.join(parts)


def compile_topic(file: TopicFile) -> TopicSpec:
    """The scanner's terms and rule from a checked topic file."""
    terms = [
        _compile_term(gid, kind, label, weight)
        for gid, group in file.groups.items()
        for kind in TERM_KINDS
        for label, weight in getattr(group, kind).items()
    ]
    topic = file.topic
    return TopicSpec(
        name=topic.name,
        description=topic.description,
        threshold=float(topic.threshold),
        scale=float(topic.scale),
        title_weight=float(topic.title_weight),
        unmet_factor=float(topic.unmet_factor),
        group_weights={gid: float(group.weight) for gid, group in file.groups.items()},
        clauses=[Clause(tuple(r.groups), float(r.min_evidence)) for r in file.require],
        terms=terms,
    )


def _compile_term(group: str, kind: str, label: str, weight: float) -> Term:
    if kind == "patterns":
        full = f"(?i:{label})"
        return Term(group, label, float(weight), kind, full, None, "", len(label))
    first, rest = _term_regex(label)
    head = f"[{APOSTROPHES}]" if first in APOSTROPHES else re.escape(first)
    full = f"{head}{rest}" if kind == "cased" else f"(?i:{head}{rest})"
    return Term(group, label, float(weight), kind, full, first, rest, len(label.strip()))
