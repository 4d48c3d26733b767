"""Topic relevance: a weighted, grouped term list with a co-occurrence rule (``topic.toml``).

The vocabulary, weights, rule and threshold are data; this module only knows how to apply them
(``config.topic`` checks them, ``documents.topicfile`` compiles them), so the same code scores
pages for any debate. The file format and the score formula are documented in the header of
``config/topic.toml``; :meth:`TopicModel.score` restates the formula. Every term of every group
is compiled into one regular expression, so scoring a page is a single left-to-right scan of its
title and of its body.

This module must not import Scrapy: the pipeline, the ``ingest`` command and tests all use it.
"""

from __future__ import annotations

import logging
import math
import pathlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mediamon import config
from mediamon.config import topic as schema
from mediamon.documents.topicfile import APOSTROPHES, Clause, Term, compile_topic

if TYPE_CHECKING:
    from mediamon.corpus.store import DocumentRecord

__all__ = ["LANGUAGES", "TopicModel", "TopicScore"]

log = logging.getLogger(__name__)

# The language the terms of topic.toml are written in. A text in another language shares a few
# of them by chance (names, "Chat Control", "Apple") and no others, so its score would say
# nothing: it is not scored (relevance NULL). Undetermined texts are scored.
LANGUAGES = ("en",)


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


def _key(char: str) -> str:
    """The bucket of a term's first character (or of the first character of a match)."""
    if char in APOSTROPHES:
        return "'"
    lower = char.lower()
    return lower if len(lower) == 1 else char


def _first_class(chars: Iterable[str]) -> str:
    """A character class matching the given first characters in either case."""
    variants: set[str] = set()
    for char in chars:
        if char in APOSTROPHES:
            variants.update(APOSTROPHES)
            continue
        variants.update(v for v in (char, char.lower(), char.upper()) if len(v) == 1)
    return "[" + "".join(re.escape(v) for v in sorted(variants)) + "]"


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
        clauses: Iterable[Clause],
        terms: Iterable[Term],
        description: str = "",
    ) -> None:
        self.name = name
        self.description = description
        self.threshold = threshold
        self.scale = scale
        self.title_weight = title_weight
        self.unmet_factor = unmet_factor
        self.group_weights: dict[str, float] = dict(group_weights)
        self.clauses: tuple[Clause, ...] = tuple(clauses)
        ordered = sorted(terms, key=lambda t: -t.sort_key)
        self._terms: tuple[Term, ...] = tuple(ordered)
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
        file = pathlib.Path(path) if path is not None else config.path("topic.toml")
        return cls._build(schema.load(file), str(file))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<topic>") -> TopicModel:
        """Build a model from parsed TOML; errors name ``source``, the entry and the key."""
        return cls._build(schema.parse(data, source), source)

    @classmethod
    def _build(cls, file: schema.TopicFile, source: str) -> TopicModel:
        spec = compile_topic(file)
        model = cls(**vars(spec))  # TopicSpec's fields are the constructor's arguments
        log.debug(
            "topic %r: %d groups, %d terms from %s",
            spec.name,
            len(spec.group_weights),
            len(spec.terms),
            source,
        )
        return model

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

    def score_document(self, doc: DocumentRecord) -> TopicScore | None:
        """Score a document; None when it is in a language the terms are not written in (its
        `language` is set by documents.language)."""
        language = doc.language
        if language is not None and language not in LANGUAGES:
            return None
        return self.score(doc.text, doc.title)

    def __repr__(self) -> str:
        return (
            f"TopicModel(name={self.name!r}, groups={len(self.group_weights)}, "
            f"terms={len(self._terms)}, threshold={self.threshold})"
        )
