"""Scoring of the NLP stage against the labelled sets (evaluation/evalset.py).

:func:`score` compares any :class:`Analyzer`'s :class:`Prediction` with the labels: precision,
recall and F1 for actor mentions, quote speakers and stance facts, pooled over all items, plus
stance recall per target, polarity, basis and labelled phenomenon. The baselines the pipeline
has to beat are in ``evaluation/baselines.py``. It depends on no part of the pipeline, which is
reached only through the :class:`Analyzer` protocol.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from evaluation.evalset import BASES, PHENOMENA, POLARITIES, TARGETS, GoldActor, Item

if TYPE_CHECKING:
    pass


# ------------------------------------------------------------------------------- predictions


@dataclass
class Prediction:
    """What an analyzer found in one text."""

    mentions: set[str] = field(default_factory=set)
    """Actor names found, as the system names them."""
    quotes: list[tuple[str | None, str]] = field(default_factory=list)
    """(speaker name or None, quote text): direct quotes and reported statements."""
    stances: set[tuple[str, str, str]] = field(default_factory=set)
    """(actor name, target, polarity)."""
    aliases: dict[str, set[str]] = field(default_factory=dict)
    """Optional: for a name used above, the other surface forms the system linked to it."""


class Analyzer(Protocol):
    def analyze(
        self,
        text: str,
        title: str | None = None,
        author: str | None = None,
        kind: str | None = None,
    ) -> Prediction: ...


def run(analyzer: Analyzer, items: Iterable[Item]) -> list[Prediction]:
    """The analyzer's prediction for every item, in order."""
    return [
        analyzer.analyze(item.text, title=item.title, author=item.author, kind=item.kind)
        for item in items
    ]


def gold_prediction(item: Item) -> Prediction:
    """The labels of an item as a prediction (scores 1.0 everywhere; for tests and checks)."""
    return Prediction(
        mentions=set(item.mentions),
        quotes=[(q.speaker, q.fragment) for q in item.quotes],
        stances={s.key for s in item.stances},
    )


# ---------------------------------------------------------------------------------- matching

_QUOTE_MARKS = re.compile("[\"'`´“”„‟‘’‚‛«»‹›]")
_POSSESSIVE = re.compile(r"['’]s\b")
_NON_WORD = re.compile(r"[^\w\s]")


def normalize_name(name: str) -> str:
    """Case, punctuation, a leading "the" and possessive 's removed: "The Trust's" -> "trust"."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _POSSESSIVE.sub("", text)
    text = " ".join(_NON_WORD.sub(" ", text).split())
    if text.startswith("the "):
        text = text[4:]
    return text


def normalize_quote(text: str) -> str:
    """Quote marks removed, case folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_QUOTE_MARKS.sub("", text).split())


class ActorIndex:
    """Resolves a predicted name to the canonical name of one of an item's gold actors.

    A name matches an actor when, normalised, it equals the actor's name or one of its aliases,
    or, for persons only, when one is a whole-word suffix of the other ("Whitcombe",
    "Home Minister Dana Whitcombe" ~ "Dana Whitcombe"). The predicted name itself is tried
    before the aliases the system reported for it; exact matches before suffix matches.
    """

    def __init__(self, actors: Iterable[GoldActor]) -> None:
        self._exact: dict[str, str] = {}
        self._persons: list[tuple[str, str]] = []
        for actor in actors:
            for form in (actor.name, *actor.aliases):
                key = normalize_name(form)
                if key and key not in self._exact:
                    self._exact[key] = actor.name
            if actor.type == "person":
                self._persons.append((normalize_name(actor.name), actor.name))

    def _one(self, name: str) -> tuple[str | None, str | None]:
        key = normalize_name(name)
        if not key:
            return None, None
        exact = self._exact.get(key)
        for canonical_key, canonical in self._persons:
            if (
                key == canonical_key
                or canonical_key.endswith(" " + key)
                or key.endswith(" " + canonical_key)
            ):
                return exact, canonical
        return exact, None

    def resolve(self, name: str | None, aliases: Iterable[str] = ()) -> str | None:
        if not name:
            return None
        exact, suffix = self._one(name)
        if exact or suffix:
            return exact or suffix
        for alias in aliases:
            exact, suffix = self._one(alias)
            if exact or suffix:
                return exact or suffix
        return None


def _shingles(words: Sequence[str], n: int = 3) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _overlaps(predicted: str, fragment: str) -> bool:
    if fragment in predicted:
        return True
    pwords = predicted.split()
    if len(pwords) >= 2 and predicted in fragment:
        return True
    return bool(_shingles(pwords) & _shingles(fragment.split()))


# ----------------------------------------------------------------------------------- scoring


@dataclass
class Score:
    """Counts behind a precision/recall pair.

    Precision = correct_predicted / predicted, recall = correct_gold / gold. They are kept apart
    because for quotes a prediction and a gold quote are not one-to-one.
    """

    correct_predicted: int = 0
    predicted: int = 0
    correct_gold: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.correct_predicted / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct_gold / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def false_positives(self) -> int:
        return self.predicted - self.correct_predicted

    def add(self, other: "Score") -> None:
        self.correct_predicted += other.correct_predicted
        self.predicted += other.predicted
        self.correct_gold += other.correct_gold
        self.gold += other.gold

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "correct_predicted": self.correct_predicted,
            "predicted": self.predicted,
            "correct_gold": self.correct_gold,
            "gold": self.gold,
        }


@dataclass
class Report:
    items: int = 0
    mentions: Score = field(default_factory=Score)
    speakers: Score = field(default_factory=Score)
    """Quotes: found with the right speaker."""
    quotes_found: Score = field(default_factory=Score)
    """Quotes: found at all, whoever the speaker (recall only)."""
    unscored_quotes: int = 0
    """Predicted quotes that overlap no gold quote (not counted in speaker precision)."""
    stances: Score = field(default_factory=Score)
    by_target: dict[str, Score] = field(default_factory=dict)
    by_polarity: dict[str, Score] = field(default_factory=dict)
    by_basis: dict[str, Score] = field(default_factory=dict)
    """Recall only: predictions have no basis."""
    by_phenomenon: dict[str, Score] = field(default_factory=dict)
    """Recall over the facts with the phenomenon; precision over the predictions made in the
    items that carry it."""
    bystander_stances: int = 0
    """Predicted stances given to a mentioned actor that has no stance in the item."""

    def as_dict(self) -> dict[str, Any]:
        def table(scores: Mapping[str, Score]) -> dict[str, Any]:
            return {key: score.as_dict() for key, score in scores.items()}

        return {
            "items": self.items,
            "mentions": self.mentions.as_dict(),
            "quote_speakers": self.speakers.as_dict(),
            "quotes_found": self.quotes_found.as_dict(),
            "unscored_quotes": self.unscored_quotes,
            "stances": self.stances.as_dict(),
            "stances_by_target": table(self.by_target),
            "stances_by_polarity": table(self.by_polarity),
            "stances_by_basis": table(self.by_basis),
            "stances_by_phenomenon": table(self.by_phenomenon),
            "bystander_stances": self.bystander_stances,
        }


def _score_mentions(item: Item, pred: Prediction, index: ActorIndex) -> Score:
    gold = set(item.mentions)
    matched: set[str] = set()
    unmatched: set[str] = set()
    for name in pred.mentions:
        actor = index.resolve(name, pred.aliases.get(name, ()))
        if actor is not None:
            matched.add(actor)
        elif normalize_name(name):
            unmatched.add(normalize_name(name))
    # A name that resolves to a declared actor outside `mentions` (an opinion piece's author,
    # say) is neither right nor wrong.
    hits = len(matched & gold)
    return Score(hits, hits + len(unmatched), hits, len(gold))


def _score_quotes(item: Item, pred: Prediction, index: ActorIndex) -> tuple[Score, Score, int]:
    gold = [(q.speaker, normalize_quote(q.fragment)) for q in item.quotes]
    predicted = [
        (index.resolve(speaker, pred.aliases.get(speaker or "", ())), normalize_quote(text))
        for speaker, text in pred.quotes
    ]
    speakers = Score(gold=len(gold))
    found = Score(gold=len(gold))
    for speaker, fragment in gold:
        containing = [who for who, text in predicted if fragment in text]
        if containing:
            found.correct_gold += 1
            if speaker in containing:
                speakers.correct_gold += 1
    unscored = 0
    for who, text in predicted:
        if not text or not any(_overlaps(text, fragment) for _, fragment in gold):
            unscored += 1
            continue
        speakers.predicted += 1
        if who is not None and any(
            fragment in text and speaker == who for speaker, fragment in gold
        ):
            speakers.correct_predicted += 1
    return speakers, found, unscored


def _polarity(value: str) -> str:
    value = value.strip().lower()
    return "favor" if value == "favour" else value


def score(items: Sequence[Item], predictions: Sequence[Prediction]) -> Report:
    """Pooled (micro) precision, recall and F1 of the predictions against the items' labels."""
    if len(items) != len(predictions):
        raise ValueError(f"{len(items)} items but {len(predictions)} predictions")
    report = Report(items=len(items))
    for name in TARGETS:
        report.by_target[name] = Score()
    for name in POLARITIES:
        report.by_polarity[name] = Score()
    for name in BASES:
        report.by_basis[name] = Score()
    for name in PHENOMENA:
        report.by_phenomenon[name] = Score()

    for item, pred in zip(items, predictions, strict=True):
        index = ActorIndex(item.actors)
        report.mentions.add(_score_mentions(item, pred, index))
        speakers, found, unscored = _score_quotes(item, pred, index)
        report.speakers.add(speakers)
        report.quotes_found.add(found)
        report.unscored_quotes += unscored

        gold = {s.key for s in item.stances}
        predicted: set[tuple[str, str, str]] = set()
        for name, target, polarity in pred.stances:
            if target not in TARGETS:
                continue  # a target this set does not label
            actor = index.resolve(name, pred.aliases.get(name, ()))
            predicted.add((actor or "?" + normalize_name(name), target, _polarity(polarity)))
        hits = gold & predicted
        report.stances.add(Score(len(hits), len(predicted), len(hits), len(gold)))

        for target in TARGETS:
            g = {k for k in gold if k[1] == target}
            p = {k for k in predicted if k[1] == target}
            report.by_target[target].add(Score(len(g & p), len(p), len(g & p), len(g)))
        for polarity in POLARITIES:
            g = {k for k in gold if k[2] == polarity}
            p = {k for k in predicted if k[2] == polarity}
            report.by_polarity[polarity].add(Score(len(g & p), len(p), len(g & p), len(g)))
        for fact in item.stances:
            found_fact = int(fact.key in predicted)
            report.by_basis[fact.basis].add(Score(correct_gold=found_fact, gold=1))
            for phenomenon in fact.phenomena:
                report.by_phenomenon[phenomenon].add(Score(correct_gold=found_fact, gold=1))
        for phenomenon in item.phenomena:
            report.by_phenomenon[phenomenon].add(
                Score(correct_predicted=len(hits), predicted=len(predicted))
            )

        holders = {s.actor for s in item.stances}
        bystanders = set(item.mentions) - holders
        report.bystander_stances += sum(1 for k in predicted if k[0] in bystanders)
    return report
