"""The NLP evaluation sets: their labels, checked as they load (``evaluation/sets/README.md``).

Each item is a short news or opinion text about end-to-end encryption and child safety, with the
actors a system must find, every quote and reported statement with its speaker, and the
(actor, target, polarity) stance facts, each with its basis and the phenomena it exercises.
"""

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediamon.nlp.actors import TYPES

if TYPE_CHECKING:
    pass

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
