"""The NLP evaluation sets: their labels, checked as they load (``evaluation/sets/README.md``).

Each item is a short news or opinion text about end-to-end encryption and child safety, with the
actors a system must find, every quote and reported statement with its speaker, and the
(actor, target, polarity) stance facts, each with its basis and the phenomena it exercises.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from mediamon.config.actors import TYPES
from mediamon.config.files import At, Layout, Strict, read_jsonl, validate

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
DEFAULT_ITEMS = HERE / "sets" / "stance_eval.jsonl"
DEFAULT_STANCE_CONFIG = HERE.parent / "mediamon" / "config" / "stance.toml"

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


# ------------------------------------------------------------------------------ the schema
LAYOUT = Layout(
    "evaluation set", hint="see evaluation/sets/README.md for the format", table="a JSON object"
)


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a non-empty string")
    return value


def _one_of(allowed: Sequence[str]) -> Any:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, not {value!r}")
        return value

    return AfterValidator(check)


def _phenomena(values: list[str]) -> list[str]:
    for n, value in enumerate(values):
        if value not in PHENOMENA:
            raise At((n,), f"must be one of {', '.join(PHENOMENA)}, not {value!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"repeats a phenomenon: {values!r}")
    return values


Text = Annotated[str, AfterValidator(_non_blank)]
Phenomena = Annotated[list[str], AfterValidator(_phenomena)]


class _Actor(Strict):
    name: Text
    type: Annotated[str, _one_of(ACTOR_TYPES)]
    aliases: list[Text] = Field(default=[], description="a list of non-empty strings")


class _Quote(Strict):
    speaker: str
    fragment: Text
    kind: Annotated[str, _one_of(QUOTE_KINDS)]


class _Stance(Strict):
    actor: str
    target: Annotated[str, _one_of(TARGETS)]
    polarity: Annotated[str, _one_of(POLARITIES)]
    basis: Annotated[str, _one_of(BASES)]
    phenomena: Phenomena | None = None  # None: the item's


class _Item(Strict):
    """One line of a set; the rules of evaluation/sets/README.md."""

    id: Text
    kind: Annotated[str, _one_of(ITEM_KINDS)]
    title: Text
    author: Text | None = None
    text: Text
    actors: list[_Actor]
    mentions: list[str]
    quotes: list[_Quote]
    stances: list[_Stance]
    phenomena: Phenomena = Field(default=[], description="a list of phenomena")

    @model_validator(mode="after")
    def _consistent(self) -> "_Item":
        lower_text = self.text.casefold()
        flat_text = _squash(self.text)
        by_name: dict[str, _Actor] = {}
        for n, actor in enumerate(self.actors):
            for alias in actor.aliases:
                if alias.casefold() not in lower_text:
                    where = ("actors", n, "aliases")
                    raise At(where, f"alias {alias!r} does not occur in the text")
            if actor.name in by_name:
                raise At(("actors", n, "name"), f"actor {actor.name!r} is declared twice")
            by_name[actor.name] = actor

        def known(name: str, loc: tuple[str | int, ...]) -> None:
            if name not in by_name:
                raise At(loc, f"{name!r} is not declared in 'actors'")

        for n, mention in enumerate(self.mentions):
            known(mention, ("mentions", n))
            if mention in self.mentions[:n]:
                raise At(("mentions", n), f"repeated mention {mention!r}")
            actor = by_name[mention]
            if not any(form.casefold() in lower_text for form in (actor.name, *actor.aliases)):
                raise At(
                    ("mentions", n), f"{mention!r}: neither its name nor an alias is in the text"
                )
        for n, quote in enumerate(self.quotes):
            known(quote.speaker, ("quotes", n, "speaker"))
            if _squash(quote.fragment) not in flat_text:
                where = ("quotes", n, "fragment")
                raise At(where, f"{quote.fragment!r} does not occur in the text")
            words = len(quote.fragment.split())
            if not FRAGMENT_MIN_WORDS <= words <= FRAGMENT_MAX_WORDS:
                raise At(
                    ("quotes", n, "fragment"),
                    f"{quote.fragment!r} has {words} words, "
                    f"expected {FRAGMENT_MIN_WORDS} to {FRAGMENT_MAX_WORDS}",
                )
        pairs: set[tuple[str, str]] = set()
        for n, stance in enumerate(self.stances):
            known(stance.actor, ("stances", n, "actor"))
            missing = set(stance.phenomena or ()) - set(self.phenomena)
            if missing:
                raise At(
                    ("stances", n, "phenomena"),
                    f"{sorted(missing)} are not listed in the item's phenomena",
                )
            if stance.basis == "authored" and stance.actor != self.author:
                raise At(
                    ("stances", n, "basis"),
                    f"'authored' but {stance.actor!r} is not the item's author",
                )
            if (stance.actor, stance.target) in pairs:
                raise At(
                    ("stances", n),
                    f"{stance.actor!r} has two stances on the same target {stance.target!r}",
                )
            pairs.add((stance.actor, stance.target))
        if self.author is not None and self.kind == "opinion" and self.author not in by_name:
            raise At(("author",), f"{self.author!r} is not declared in 'actors'")
        return self

    def item(self) -> Item:
        return Item(
            id=self.id,
            kind=self.kind,
            title=self.title,
            author=self.author,
            text=self.text,
            actors=tuple(GoldActor(a.name, a.type, tuple(a.aliases)) for a in self.actors),
            mentions=tuple(self.mentions),
            quotes=tuple(GoldQuote(q.speaker, q.fragment, q.kind) for q in self.quotes),
            stances=tuple(
                GoldStance(
                    s.actor,
                    s.target,
                    s.polarity,
                    s.basis,
                    tuple(s.phenomena if s.phenomena is not None else self.phenomena),
                )
                for s in self.stances
            ),
            phenomena=tuple(self.phenomena),
        )


def _squash(text: str) -> str:
    return " ".join(text.split())


def parse_item(obj: Any, where: str = "item") -> Item:
    """Build an :class:`Item` from one decoded JSON line, checking every rule of the format.

    A broken rule raises ConfigError (a ValueError) whose one line starts with ``where``.
    """
    return validate(obj, _Item, LAYOUT, source=where).item()


def load_items(path: str | Path | None = None) -> list[Item]:
    """Read and validate a labelled set (default: the bundled one), one JSON object per line.

    Raises ConfigError (a ValueError), one line naming the file, the line and the key.
    """
    source = Path(path) if path is not None else DEFAULT_ITEMS
    items = [m.item() for m in read_jsonl(source, _Item, LAYOUT, identify=lambda m: m.id)]
    log.debug("loaded %d items from %s", len(items), source)
    return items
