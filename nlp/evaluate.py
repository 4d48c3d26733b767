"""Evaluation of the NLP stage: the labelled set, the scorer and two baselines.

The labelled set (``nlp/eval/stance_eval.jsonl``, described in ``nlp/eval/README.md``) holds
short news and opinion texts about end-to-end encryption and child safety, with the actors a
system must find, every quote and reported statement with its speaker, and the
(actor, target, polarity) stance facts. This module

- loads and validates it (:func:`load_items`),
- scores any :class:`Analyzer`'s :class:`Prediction` against it (:func:`score`): precision,
  recall and F1 for actor mentions, quote speakers and stance facts, pooled over all items, plus
  stance recall per target, polarity, basis and labelled phenomenon,
- provides the baselines the pipeline has to beat, run on the same items in the same process:
  bare spaCy NER for mentions (:func:`ner_baseline`) and a sentence-level sentiment count for
  stances (:func:`sentiment_baseline`).

It depends on no other module of the ``nlp`` package; the pipeline is reached only through the
:class:`Analyzer` protocol.
"""

import json
import logging
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from nlp.actors import TYPES

if TYPE_CHECKING:
    from spacy.language import Language

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_ITEMS = HERE / "eval" / "stance_eval.jsonl"
DEFAULT_STANCE_CONFIG = HERE.parent / "config" / "stance.toml"

TARGETS = ("e2ee", "scanning")
POLARITIES = ("favor", "against", "neutral")
BASES = ("quote", "reported", "authored", "action")
ITEM_KINDS = ("news", "opinion")
QUOTE_KINDS = ("direct", "indirect")
# The types of config/actors.toml, plus "other" for organisations outside the debate (a hospital,
# a football club) that appear in the distractor items.
ACTOR_TYPES = (*TYPES, "other")

# Phenomena a stance fact (or an item) can be labelled with. Fact phenomena get a stance recall
# each; the two item-level ones test precision and are reported as false positives.
PHENOMENA: dict[str, str] = {
    "straight_quotes": 'the stance is in a direct quote with straight marks ("...")',
    "curly_quotes": "the stance is in a direct quote with typographic marks (“...”)",
    "split_quote": "the quote is split by its attribution or runs over several sentences",
    "cross_paragraph": "the quote continues across a paragraph break",
    "speaker_before": "the speaker is named before the quote",
    "speaker_inside": "the attribution interrupts the quote",
    "speaker_after": "the speaker is named after the quote",
    "indirect_speech": 'reported speech: "X said that ...", "X warned ..."',
    "according_to": '"according to X"',
    "negation": '"does not oppose", "would never support", "no longer backs", "not weaken"',
    "reported_framing": "the reporter's framing (claimed, critics say, alleged) must not flip it",
    "pronoun_subject": 'the holder is a pronoun or a description ("She", "It", "the group")',
    "apposition": 'the holder is introduced in an apposition ("X, head of Y, said")',
    "title_short_form": 'the holder is a title used as short form ("the Home Minister")',
    "opposing_actors": "one sentence holds two actors on opposite sides",
    "coordinated_group": "actors named together each get the stance",
    "open_letter": "each signatory of an open letter gets the letter's stance",
    "opinion_author": "the author of an opinion piece takes the stance",
    "action": "the stance comes from what the actor does (roll out, vote, lobby, withdraw)",
    "explicit_neutral": "the actor says explicitly that it takes no side",
    "no_stance_mention": "an actor is mentioned but takes no stance (precision)",
    "distractor": "crypto, ransomware, sport, airport scanners: no stance at all (precision)",
}
PRECISION_PHENOMENA = frozenset({"no_stance_mention", "distractor"})

NER_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})

FRAGMENT_MIN_WORDS = 3
FRAGMENT_MAX_WORDS = 8


# ------------------------------------------------------------------------------------- the set


@dataclass(frozen=True)
class GoldActor:
    name: str
    type: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoldQuote:
    speaker: str
    fragment: str
    kind: str


@dataclass(frozen=True)
class GoldStance:
    actor: str
    target: str
    polarity: str
    basis: str
    phenomena: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.actor, self.target, self.polarity)


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    title: str
    author: str | None
    text: str
    actors: tuple[GoldActor, ...]
    mentions: tuple[str, ...]
    quotes: tuple[GoldQuote, ...]
    stances: tuple[GoldStance, ...]
    phenomena: tuple[str, ...]


def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"{where}: {message}")


def _string(obj: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
    if key not in obj:
        if optional:
            return None
        raise _fail(where, f"missing key {key!r}")
    value = obj[key]
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"{key!r} must be a non-empty string, got {value!r}")
    return value


def _list(obj: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise _fail(where, f"{key!r} must be a list, got {value!r}")
    return value


def _choice(value: str, allowed: Sequence[str], what: str, where: str) -> str:
    if value not in allowed:
        raise _fail(where, f"{what} {value!r} is not one of {', '.join(allowed)}")
    return value


def _phenomena(values: Any, where: str) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _fail(where, f"'phenomena' must be a list of strings, got {values!r}")
    for value in values:
        _choice(value, tuple(PHENOMENA), "phenomenon", where)
    if len(set(values)) != len(values):
        raise _fail(where, f"repeated phenomenon in {values!r}")
    return tuple(values)


def _squash(text: str) -> str:
    return " ".join(text.split())


def parse_item(obj: Any, where: str = "item") -> Item:
    """Build an :class:`Item` from one decoded JSON line, checking every rule of the format."""
    if not isinstance(obj, dict):
        raise _fail(where, f"expected a JSON object, got {type(obj).__name__}")
    item_id = _string(obj, "id", where)
    where = f"{where} ({item_id})"
    kind = _choice(_string(obj, "kind", where), ITEM_KINDS, "kind", where)
    title = _string(obj, "title", where)
    author = _string(obj, "author", where, optional=True)
    text = _string(obj, "text", where)
    flat_text = _squash(text)
    lower_text = text.casefold()

    actors: list[GoldActor] = []
    for n, raw in enumerate(_list(obj, "actors", where)):
        at = f"{where} actors[{n}]"
        if not isinstance(raw, dict):
            raise _fail(at, "expected an object")
        aliases = raw.get("aliases", [])
        if not isinstance(aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in aliases
        ):
            raise _fail(at, f"'aliases' must be a list of non-empty strings, got {aliases!r}")
        actor = GoldActor(
            name=_string(raw, "name", at),
            type=_choice(_string(raw, "type", at), ACTOR_TYPES, "actor type", at),
            aliases=tuple(aliases),
        )
        for alias in actor.aliases:
            if alias.casefold() not in lower_text:
                raise _fail(at, f"alias {alias!r} does not occur in the text")
        actors.append(actor)
    names = [a.name for a in actors]
    if len(set(names)) != len(names):
        raise _fail(where, f"actor declared twice in {names!r}")
    declared = set(names)
    by_name = {a.name: a for a in actors}

    def known(name: Any, what: str) -> str:
        if not isinstance(name, str) or name not in declared:
            raise _fail(where, f"{what} {name!r} is not declared in 'actors'")
        return name

    mentions = tuple(known(m, "mention") for m in _list(obj, "mentions", where))
    if len(set(mentions)) != len(mentions):
        raise _fail(where, f"repeated mention in {list(mentions)!r}")
    for mention in mentions:
        actor = by_name[mention]
        if not any(form.casefold() in lower_text for form in (actor.name, *actor.aliases)):
            raise _fail(where, f"mention {mention!r}: neither the name nor an alias is in the text")

    quotes: list[GoldQuote] = []
    for n, raw in enumerate(_list(obj, "quotes", where)):
        at = f"{where} quotes[{n}]"
        if not isinstance(raw, dict):
            raise _fail(at, "expected an object")
        quote = GoldQuote(
            speaker=known(raw.get("speaker"), "quote speaker"),
            fragment=_string(raw, "fragment", at),
            kind=_choice(_string(raw, "kind", at), QUOTE_KINDS, "quote kind", at),
        )
        if _squash(quote.fragment) not in flat_text:
            raise _fail(at, f"fragment {quote.fragment!r} does not occur in the text")
        words = len(quote.fragment.split())
        if not FRAGMENT_MIN_WORDS <= words <= FRAGMENT_MAX_WORDS:
            raise _fail(
                at,
                f"fragment {quote.fragment!r} has {words} words, "
                f"expected {FRAGMENT_MIN_WORDS} to {FRAGMENT_MAX_WORDS}",
            )
        quotes.append(quote)

    item_phenomena = _phenomena(obj.get("phenomena", []), where)
    stances: list[GoldStance] = []
    for n, raw in enumerate(_list(obj, "stances", where)):
        at = f"{where} stances[{n}]"
        if not isinstance(raw, dict):
            raise _fail(at, "expected an object")
        fact_phenomena = _phenomena(raw["phenomena"], at) if "phenomena" in raw else item_phenomena
        stance = GoldStance(
            actor=known(raw.get("actor"), "stance actor"),
            target=_choice(_string(raw, "target", at), TARGETS, "target", at),
            polarity=_choice(_string(raw, "polarity", at), POLARITIES, "polarity", at),
            basis=_choice(_string(raw, "basis", at), BASES, "basis", at),
            phenomena=fact_phenomena,
        )
        missing = set(stance.phenomena) - set(item_phenomena)
        if missing:
            raise _fail(at, f"phenomena {sorted(missing)} are not listed in the item's phenomena")
        if stance.basis == "authored" and stance.actor != author:
            raise _fail(at, f"basis 'authored' but {stance.actor!r} is not the item's author")
        stances.append(stance)
    pairs = [(s.actor, s.target) for s in stances]
    if len(set(pairs)) != len(pairs):
        raise _fail(where, "an actor has two stances on the same target")
    if author is not None and kind == "opinion" and author not in declared:
        raise _fail(where, f"author {author!r} is not declared in 'actors'")

    return Item(
        id=item_id,
        kind=kind,
        title=title,
        author=author,
        text=text,
        actors=tuple(actors),
        mentions=mentions,
        quotes=tuple(quotes),
        stances=tuple(stances),
        phenomena=item_phenomena,
    )


def load_items(path: str | Path | None = None) -> list[Item]:
    """Read and validate a labelled set (default: the bundled one), one JSON object per line.

    Raises ``ValueError`` naming the file and line number of the first bad line.
    """
    source = Path(path) if path is not None else DEFAULT_ITEMS
    items: list[Item] = []
    seen: dict[str, int] = {}
    with source.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{source}: line {lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: invalid JSON ({exc.msg})") from exc
            item = parse_item(obj, where)
            if item.id in seen:
                raise ValueError(f"{where}: id {item.id!r} already used on line {seen[item.id]}")
            seen[item.id] = lineno
            items.append(item)
    log.debug("loaded %d items from %s", len(items), source)
    return items


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


# --------------------------------------------------------------------------------- baselines


class NerBaseline:
    """Bare spaCy NER: every PERSON, ORG, GPE or NORP entity is a mention; nothing else."""

    def __init__(self, nlp: "Language") -> None:
        self.nlp = nlp

    def analyze(
        self,
        text: str,
        title: str | None = None,
        author: str | None = None,
        kind: str | None = None,
    ) -> Prediction:
        doc = self.nlp(text)
        return Prediction(mentions={ent.text for ent in doc.ents if ent.label_ in NER_LABELS})


def ner_baseline(nlp: "Language") -> NerBaseline:
    return NerBaseline(nlp)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# General sentiment words (no cue from config/stance.toml was copied here). Matched against a
# token's lower-cased form and its lemma.
POSITIVE_WORDS = _words(
    """
    good great welcome support protect safe secure benefit help right fair strong essential vital
    important improve success successful trust praise back defend applaud positive better best
    proud agree glad hope valuable freedom progress effective sensible responsible celebrate
    endorse embrace champion win useful
    """
)
NEGATIVE_WORDS = _words(
    """
    bad worse worst danger dangerous harm harmful threat threaten risk risky fail failure wrong
    oppose reject criticise criticize condemn attack fear worry concern alarm warn damage destroy
    undermine weaken break reckless irresponsible disaster crisis problem unacceptable flaw flawed
    fight dismiss deny blind hide expose unsafe
    """
)


def load_target_terms(path: str | Path | None = None) -> dict[str, tuple[str, ...]]:
    """The ``terms`` of every target in a stance config (default: config/stance.toml)."""
    source = Path(path) if path is not None else DEFAULT_STANCE_CONFIG
    with source.open("rb") as fh:
        config = tomllib.load(fh)
    targets = config.get("targets")
    if not isinstance(targets, dict) or not targets:
        raise ValueError(f"{source}: no [targets.*] tables")
    terms: dict[str, tuple[str, ...]] = {}
    for name, table in targets.items():
        values = table.get("terms") if isinstance(table, dict) else None
        if not isinstance(values, list) or not values:
            raise ValueError(f"{source}: targets.{name}.terms must be a non-empty list")
        terms[name] = tuple(str(v).lower() for v in values)
    return terms


def _term_pattern(terms: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted({re.escape(t) for t in terms}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


class SentimentBaseline:
    """The naive stance baseline.

    In every sentence that names an entity (PERSON, ORG, GPE, NORP) and mentions a target term,
    the sentence's score is the number of positive minus negative lexicon words; each entity
    named in it adds that score to its (entity, target) total for the document. A positive total
    is ``favor``, a negative one ``against``, zero gives no fact. No negation, no speaker: it is
    the floor a stance model has to clear.
    """

    def __init__(self, nlp: "Language", targets: Mapping[str, Sequence[str]]) -> None:
        self.nlp = nlp
        self.patterns = {name: _term_pattern(terms) for name, terms in targets.items()}

    def analyze(
        self,
        text: str,
        title: str | None = None,
        author: str | None = None,
        kind: str | None = None,
    ) -> Prediction:
        doc = self.nlp(text)
        totals: dict[tuple[str, str], int] = {}
        mentions: set[str] = set()
        for sent in doc.sents:
            entities = [ent.text for ent in sent.ents if ent.label_ in NER_LABELS]
            mentions.update(entities)
            if not entities:
                continue
            surface = sent.text.lower()
            lemmas = "".join(tok.lemma_.lower() + tok.whitespace_ for tok in sent)
            targets = [
                name
                for name, pattern in self.patterns.items()
                if pattern.search(surface) or pattern.search(lemmas)
            ]
            if not targets:
                continue
            value = 0
            for tok in sent:
                forms = {tok.lower_, tok.lemma_.lower()}
                value += bool(forms & POSITIVE_WORDS) - bool(forms & NEGATIVE_WORDS)
            for entity in entities:
                for target in targets:
                    totals[(entity, target)] = totals.get((entity, target), 0) + value
        stances = {
            (entity, target, "favor" if value > 0 else "against")
            for (entity, target), value in totals.items()
            if value
        }
        return Prediction(mentions=mentions, stances=stances)


def sentiment_baseline(
    nlp: "Language", targets: Mapping[str, Sequence[str]] | None = None
) -> SentimentBaseline:
    """The naive stance baseline; ``targets`` defaults to the terms of config/stance.toml."""
    return SentimentBaseline(nlp, targets if targets is not None else load_target_terms())
