"""Reading ``topic.toml``: every key checked, every term compiled to its regular expression.

Kept apart from the scoring so that the file format and its one-line errors (``FILE: KEY:
message``) live in one place, and :class:`crawler.topic.TopicModel` only ever sees checked terms.
Like the scoring, this must not import Scrapy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["APOSTROPHES", "Clause", "Term", "TopicSpec", "parse_topic"]

# Between the words of a phrase: whitespace, hyphens and dashes, or nothing ("chatcontrol").
_SEP = r"[\s\-\u2010-\u2015]*"
APOSTROPHES = "'\u2019"
_ID_RE = re.compile(r"[a-z0-9_]+")
_WORD_SPLIT = re.compile(r"[\s\-\u2010-\u2015]+")
_CONSONANT_Y = re.compile(r"[^aeiou]y\Z", re.IGNORECASE)

_TOP_KEYS = frozenset({"topic", "require", "groups"})
_TOPIC_KEYS = frozenset(
    {"name", "description", "threshold", "scale", "title_weight", "unmet_factor"}
)
_REQUIRE_KEYS = frozenset({"groups", "min_evidence"})
_GROUP_KEYS = frozenset({"description", "weight", "terms", "cased", "patterns"})
_TERM_TABLES = ("terms", "cased", "patterns")


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
    """A checked topic file: the arguments of :class:`crawler.topic.TopicModel`."""

    name: str
    description: str
    threshold: float
    scale: float
    title_weight: float
    unmet_factor: float
    group_weights: dict[str, float]
    clauses: list[Clause]
    terms: list[Term]


def _fail(source: str, key: str, message: str) -> ValueError:
    """A configuration error, reported as ``FILE: KEY: message`` on one line."""
    return ValueError(f"{source}: {key}: {message}")


def _check_keys(source: str, key: str, table: Mapping[str, Any], allowed: frozenset[str]) -> None:
    for name in table:
        if name not in allowed:
            where = f"{key}.{name}" if key else name
            raise _fail(source, where, f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _table(source: str, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(source, key, f"must be a table, not {type(value).__name__}")
    return value


def _number(
    source: str,
    key: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(source, key, f"must be a number, not {value!r}")
    number = float(value)
    if low is not None and (number < low or (low_open and number == low)):
        raise _fail(source, key, f"must be {'>' if low_open else '>='} {low:g}, not {number:g}")
    if high is not None and number > high:
        raise _fail(source, key, f"must be <= {high:g}, not {number:g}")
    return number


def _string(source: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(source, key, f"must be a string, not {type(value).__name__}")
    return value


def _term_regex(term: str) -> tuple[str, str]:
    """Compile the term syntax (see topic.toml): returns (first character, regex of the rest).

    Raises ValueError with a short reason when the term is malformed.
    """
    words = [w for w in _WORD_SPLIT.split(term.strip()) if w]
    if not words:
        raise ValueError("empty term")
    parts: list[str] = []
    for index, word in enumerate(words):
        last = index == len(words) - 1
        stem = word[:-1] if word.endswith("*") else word
        if not stem or "*" in stem:
            raise ValueError("'*' may only end a word that has at least one other character")
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


def parse_topic(data: Mapping[str, Any], *, source: str = "<topic>") -> TopicSpec:
    """Check parsed TOML and compile its terms; errors name ``source`` and the offending key."""
    src = source
    _check_keys(src, "", data, _TOP_KEYS)
    if "topic" not in data:
        raise _fail(src, "topic", "missing table")
    topic = _table(src, "topic", data["topic"])
    _check_keys(src, "topic", topic, _TOPIC_KEYS)
    if "name" not in topic:
        raise _fail(src, "topic.name", "missing")
    name = _string(src, "topic.name", topic["name"])
    description = _string(src, "topic.description", topic.get("description", ""))
    if "threshold" not in topic:
        raise _fail(src, "topic.threshold", "missing")
    threshold = _number(src, "topic.threshold", topic["threshold"], low=0, high=1, low_open=True)
    scale = _number(src, "topic.scale", topic.get("scale", 8.0), low=0, low_open=True)
    title_weight = _number(src, "topic.title_weight", topic.get("title_weight", 3.0), low=0)
    unmet = _number(src, "topic.unmet_factor", topic.get("unmet_factor", 0.4), low=0, high=1)

    groups = _table(src, "groups", data.get("groups"))
    if not groups:
        raise _fail(src, "groups", "at least one group is required")
    group_weights: dict[str, float] = {}
    terms: list[Term] = []
    seen: dict[str, str] = {}
    for gid, raw in groups.items():
        gkey = f"groups.{gid}"
        if not _ID_RE.fullmatch(gid):
            raise _fail(src, gkey, "group ids must match [a-z0-9_]+")
        group = _table(src, gkey, raw)
        _check_keys(src, gkey, group, _GROUP_KEYS)
        _string(src, f"{gkey}.description", group.get("description", ""))
        weight = _number(src, f"{gkey}.weight", group.get("weight", 1.0))
        if weight == 0:
            raise _fail(src, f"{gkey}.weight", "must not be 0 (remove the group instead)")
        group_weights[gid] = weight
        count = 0
        for kind in _TERM_TABLES:
            tkey = f"{gkey}.{kind}"
            table = _table(src, tkey, group.get(kind, {}))
            for label, value in table.items():
                key = f"{tkey}.{label!r}"
                term_weight = _number(src, key, value, low=0, low_open=True)
                terms.append(_compile_term(src, key, gid, kind, label, term_weight))
                dedup = f"{kind}:{label.strip()}" if kind == "cased" else label.strip().lower()
                if dedup in seen:
                    raise _fail(src, key, f"duplicate term (also in {seen[dedup]})")
                seen[dedup] = tkey
                count += 1
        if count == 0:
            raise _fail(src, gkey, "empty group: give it terms, cased terms or patterns")

    return TopicSpec(
        name=name,
        description=description,
        threshold=threshold,
        scale=scale,
        title_weight=title_weight,
        unmet_factor=unmet,
        group_weights=group_weights,
        clauses=_clauses(src, data.get("require", []), group_weights),
        terms=terms,
    )


def _compile_term(src: str, key: str, group: str, kind: str, label: str, weight: float) -> Term:
    if kind == "patterns":
        try:
            compiled = re.compile(f"(?i:{label})")  # exactly as it is embedded in the scan
        except re.error as exc:
            raise _fail(src, key, f"bad regular expression: {exc}") from None
        if compiled.groups:
            raise _fail(src, key, "capturing groups are not allowed: use (?:...)")
        if any(look in label for look in ("(?=", "(?!", "(?<")):
            raise _fail(src, key, "lookaround assertions are not supported")
        if compiled.match(""):
            raise _fail(src, key, "pattern matches the empty string")
        full = f"(?i:{label})"
        return Term(group, label, weight, kind, full, None, "", len(label))
    try:
        first, rest = _term_regex(label)
    except ValueError as exc:
        raise _fail(src, key, str(exc)) from None
    head = f"[{APOSTROPHES}]" if first in APOSTROPHES else re.escape(first)
    full = f"{head}{rest}" if kind == "cased" else f"(?i:{head}{rest})"
    return Term(group, label, weight, kind, full, first, rest, len(label.strip()))


def _clauses(src: str, raw: Any, group_weights: Mapping[str, float]) -> list[Clause]:
    if not isinstance(raw, list):
        raise _fail(src, "require", "must be an array of tables ([[require]])")
    clauses: list[Clause] = []
    for index, item in enumerate(raw):
        key = f"require[{index}]"
        clause = _table(src, key, item)
        _check_keys(src, key, clause, _REQUIRE_KEYS)
        gids = clause.get("groups")
        if not isinstance(gids, list) or not gids:
            raise _fail(src, f"{key}.groups", "must be a non-empty list of group ids")
        for gid in gids:
            if not isinstance(gid, str) or gid not in group_weights:
                raise _fail(src, f"{key}.groups", f"unknown group {gid!r}")
            if group_weights[gid] < 0:
                raise _fail(src, f"{key}.groups", f"{gid!r} is an exclusion group")
        minimum = _number(src, f"{key}.min_evidence", clause.get("min_evidence", 0.0), low=0)
        clauses.append(Clause(tuple(gids), minimum))
    return clauses
