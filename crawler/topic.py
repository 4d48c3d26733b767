"""Topic relevance: a weighted, grouped term list with a co-occurrence rule (``topic.toml``).

The vocabulary, weights, rule and threshold are data; this module only knows how to compile and
apply them, so the same code scores pages for any debate. The file format and the score formula
are documented in the header of ``config/topic.toml``; :meth:`TopicModel.score` restates the
formula. Every term of every group is compiled into one regular expression, so scoring a page is a
single left-to-right scan of its title and of its body.

This module must not import Scrapy: the pipeline, the ``ingest`` command and tests all use it.
"""

from __future__ import annotations

import logging
import math
import pathlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import config

__all__ = ["TopicModel", "TopicScore"]

log = logging.getLogger(__name__)

# Between the words of a phrase: whitespace, hyphens and dashes, or nothing ("chatcontrol").
_SEP = r"[\s\-\u2010-\u2015]*"
_APOSTROPHES = "'\u2019"
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
class TopicScore:
    """The relevance of one page.

    ``score`` is in [0, 1]; ``relevant`` says whether the page passes the rule and the threshold;
    ``matched`` maps each group with matches (exclusion groups included) to the terms found, in
    order of first appearance; ``evidence`` maps each such group to its weighted evidence E(g).
    """

    score: float
    relevant: bool
    matched: dict[str, list[str]]
    evidence: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Term:
    group: str
    label: str  # the term as written in the file
    weight: float
    kind: str  # "terms", "cased" or "patterns"
    full: str  # the whole regex, flags included, without the outer word boundaries
    first: str | None  # bucket key of the first character; None for patterns
    rest: str  # for bucketed terms: the regex after the first character
    sort_key: int  # longer first, so the longest term at a position wins


@dataclass(frozen=True)
class _Clause:
    groups: tuple[str, ...]
    min_evidence: float


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


def _key(char: str) -> str:
    """The bucket of a term's first character (or of the first character of a match)."""
    if char in _APOSTROPHES:
        return "'"
    lower = char.lower()
    return lower if len(lower) == 1 else char


def _first_class(chars: Iterable[str]) -> str:
    """A character class matching the given first characters in either case."""
    variants: set[str] = set()
    for char in chars:
        if char in _APOSTROPHES:
            variants.update(_APOSTROPHES)
            continue
        variants.update(v for v in (char, char.lower(), char.upper()) if len(v) == 1)
    return "[" + "".join(re.escape(v) for v in sorted(variants)) + "]"


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
        chars = [f"[{_APOSTROPHES}]" if c in _APOSTROPHES else re.escape(c) for c in stem]
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
            body += f"(?:[{_APOSTROPHES}]s?)?"
        parts.append(body)
    return words[0][0], _SEP.join(parts)


class TopicModel:
    """A compiled topic definition. Build it with :meth:`from_toml` or :meth:`from_dict`."""

    def __init__(
        self,
        *,
        name: str,
        threshold: float,
        scale: float,
        title_weight: float,
        unmet_factor: float,
        group_weights: Mapping[str, float],
        clauses: Iterable[_Clause],
        terms: Iterable[_Term],
        description: str = "",
    ) -> None:
        self.name = name
        self.description = description
        self.threshold = threshold
        self.scale = scale
        self.title_weight = title_weight
        self.unmet_factor = unmet_factor
        self.group_weights: dict[str, float] = dict(group_weights)
        self.clauses: tuple[_Clause, ...] = tuple(clauses)
        ordered = sorted(terms, key=lambda t: -t.sort_key)
        self._terms: tuple[_Term, ...] = tuple(ordered)
        self._full = tuple(re.compile(t.full) for t in ordered)
        # Terms are bucketed by their first character; the scan regex is, per bucket, the
        # bucket's character class followed by its terms' remainders (longest first), then the
        # free patterns. A word start is thus checked against a few dozen classes, not against
        # every term: scanning stays linear and fast however long the vocabulary.
        buckets: dict[str, list[int]] = {}
        first_chars: dict[str, set[str]] = {}
        patterns: list[int] = []
        for i, term in enumerate(ordered):
            if term.first is None:
                patterns.append(i)
                continue
            key = _key(term.first)
            buckets.setdefault(key, []).append(i)
            first_chars.setdefault(key, set()).add(term.first)
        alternatives: list[str] = []
        for key in sorted(buckets):
            rests = []
            for i in buckets[key]:
                term = ordered[i]
                if term.kind == "cased":  # the first character must be exactly as written
                    rests.append(f"(?<={re.escape(term.first or '')}){term.rest}")
                else:
                    rests.append(f"(?i:{term.rest})")
            alternatives.append(f"{_first_class(first_chars[key])}(?:{'|'.join(rests)})")
        alternatives.extend(ordered[i].full for i in patterns)
        self._buckets = {key: tuple(ids) for key, ids in buckets.items()}
        self._patterns = tuple(patterns)
        self._regex = re.compile(rf"(?<!\w)(?:{'|'.join(alternatives) or '(?!)'})(?!\w)")
        self._cache: dict[str, int] = {}

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_toml(cls, path: pathlib.Path | None = None) -> TopicModel:
        """Load a topic file; ``None`` loads the bundled default ``config/topic.toml``."""
        file = path if path is not None else config.path("topic.toml")
        return cls.from_dict(config.load(pathlib.Path(file)), source=str(file))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<topic>") -> TopicModel:
        """Build a model from parsed TOML; errors name ``source`` and the offending key."""
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
        threshold = _number(
            src, "topic.threshold", topic["threshold"], low=0, high=1, low_open=True
        )
        scale = _number(src, "topic.scale", topic.get("scale", 8.0), low=0, low_open=True)
        title_weight = _number(src, "topic.title_weight", topic.get("title_weight", 3.0), low=0)
        unmet = _number(src, "topic.unmet_factor", topic.get("unmet_factor", 0.4), low=0, high=1)

        groups = _table(src, "groups", data.get("groups"))
        if not groups:
            raise _fail(src, "groups", "at least one group is required")
        group_weights: dict[str, float] = {}
        terms: list[_Term] = []
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
                    terms.append(cls._compile_term(src, key, gid, kind, label, term_weight))
                    dedup = f"{kind}:{label.strip()}" if kind == "cased" else label.strip().lower()
                    if dedup in seen:
                        raise _fail(src, key, f"duplicate term (also in {seen[dedup]})")
                    seen[dedup] = tkey
                    count += 1
            if count == 0:
                raise _fail(src, gkey, "empty group: give it terms, cased terms or patterns")

        clauses = cls._clauses(src, data.get("require", []), group_weights)
        model = cls(
            name=name,
            description=description,
            threshold=threshold,
            scale=scale,
            title_weight=title_weight,
            unmet_factor=unmet,
            group_weights=group_weights,
            clauses=clauses,
            terms=terms,
        )
        log.debug("topic %r: %d groups, %d terms from %s", name, len(groups), len(terms), src)
        return model

    @staticmethod
    def _compile_term(
        src: str, key: str, group: str, kind: str, label: str, weight: float
    ) -> _Term:
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
            return _Term(group, label, weight, kind, full, None, "", len(label))
        try:
            first, rest = _term_regex(label)
        except ValueError as exc:
            raise _fail(src, key, str(exc)) from None
        head = f"[{_APOSTROPHES}]" if first in _APOSTROPHES else re.escape(first)
        full = f"{head}{rest}" if kind == "cased" else f"(?i:{head}{rest})"
        return _Term(group, label, weight, kind, full, first, rest, len(label.strip()))

    @staticmethod
    def _clauses(src: str, raw: Any, group_weights: Mapping[str, float]) -> list[_Clause]:
        if not isinstance(raw, list):
            raise _fail(src, "require", "must be an array of tables ([[require]])")
        clauses: list[_Clause] = []
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
            clauses.append(_Clause(tuple(gids), minimum))
        return clauses

    # ------------------------------------------------------------------ scoring
    def _identify(self, matched: str) -> int:
        """Index of the term that produced ``matched``: the first in scan order to match it whole.

        The scan regex tries terms in the same order, so this is the term that matched. Results
        are cached by matched text (a page repeats its words).
        """
        found = self._cache.get(matched)
        if found is not None:
            return found
        found = -1
        for i in (*self._buckets.get(_key(matched[0]), ()), *self._patterns):
            if self._full[i].fullmatch(matched):
                found = i
                break
        if len(self._cache) >= 100_000:
            self._cache.clear()
        self._cache[matched] = found
        return found

    def _count(self, text: str, hits: dict[int, float], order: list[int], factor: float) -> None:
        for match in self._regex.finditer(text):
            i = self._identify(match.group())
            if i < 0:  # pragma: no cover - every scan alternative is one term's regex
                log.warning("topic: no term for match %r", match.group())
                continue
            if i not in hits:
                hits[i] = 0.0
                order.append(i)
            hits[i] += factor

    def score(self, text: str, title: str | None = None) -> TopicScore:
        """Score a page's body ``text`` and optional ``title``.

        hits(t) = body matches + title_weight * title matches;
        E(g) = sum of weight(t) * log2(1 + hits(t)) over the group's terms;
        net = max(0, sum of weight(g) * E(g)); score = 1 - exp(-net / scale).

        Why: the logarithm gives diminishing returns, so one word repeated cannot carry a page;
        the title multiplier reflects that a headline states the subject; exclusion groups
        subtract, so "encrypted" in a bitcoin story is cancelled by the bitcoin vocabulary; the
        exponential maps unbounded evidence into [0, 1) and saturates; the co-occurrence rule is
        what makes the debate (either vocabulary alone is another story), and a failed rule
        scales the score by unmet_factor so near-misses still rank above noise.
        """
        hits: dict[int, float] = {}
        order: list[int] = []
        if title:
            self._count(title, hits, order, self.title_weight)
        if text:
            self._count(text, hits, order, 1.0)

        matched: dict[str, list[str]] = {}
        evidence: dict[str, float] = {}
        for i in order:
            term = self._terms[i]
            if hits[i] <= 0:  # only possible with title_weight = 0
                continue
            matched.setdefault(term.group, []).append(term.label)
            evidence[term.group] = evidence.get(term.group, 0.0) + term.weight * math.log2(
                1.0 + hits[i]
            )

        net = sum(self.group_weights[g] * e for g, e in evidence.items())
        base = 1.0 - math.exp(-max(0.0, net) / self.scale)
        rule_met = all(
            sum(self.group_weights[g] * evidence.get(g, 0.0) for g in clause.groups)
            >= clause.min_evidence
            and any(g in evidence for g in clause.groups)
            for clause in self.clauses
        )
        score = base if rule_met else base * self.unmet_factor
        score = round(min(1.0, max(0.0, score)), 4)
        relevant = rule_met and score >= self.threshold
        return TopicScore(
            score=score,
            relevant=relevant,
            matched=matched,
            evidence={g: round(e, 4) for g, e in evidence.items()},
        )

    def __repr__(self) -> str:
        return (
            f"TopicModel(name={self.name!r}, groups={len(self.group_weights)}, "
            f"terms={len(self._terms)}, threshold={self.threshold})"
        )
