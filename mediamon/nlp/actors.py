"""The actor registry (config/actors.toml): who the actors of the debate are.

Registered actors are found by an entity ruler built from their aliases; actors the statistical
NER finds that are not registered become "discovered" actors with an id made from their name.
"""

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediamon.config import actors as schema
from mediamon.config.actors import TYPES as TYPES  # the registry's types, re-exported

_SLUG_RE = re.compile(r"[^a-z0-9]+")
_CAPITAL = r"^[A-Z][\w'’.&-]*$"
_NOT_FIRST = ["The", "A", "An", "This", "That", "Its", "Their", "His", "Her", "Our", "In", "On"]
_DATE_WORDS = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
]
# A capitalised word that can go on an organisation's name after "of"/"on"/"for": not a day or
# month ("the Council on Friday").
_TAIL_WORD: dict[str, Any] = {
    "TEXT": {"REGEX": _CAPITAL},
    "IS_STOP": False,
    "ORTH": {"NOT_IN": _DATE_WORDS},
}
_LINK: dict[str, Any] = {"LOWER": {"IN": ["of", "on", "for"]}}
_THE: dict[str, Any] = {"LOWER": "the", "OP": "?"}
_NAME_TAILS: list[list[dict[str, Any]]] = [
    [_LINK, _THE, {**_TAIL_WORD, "OP": "{1,4}"}],
    # "on Intelligence and Security", "of Health and Human Services"
    [_LINK, _THE, {**_TAIL_WORD, "OP": "{1,3}"}, {"LOWER": "and"}, {**_TAIL_WORD, "OP": "{1,3}"}],
]


@dataclass(frozen=True)
class Title:
    title: str
    start: dt.date | None
    end: dt.date | None

    def holds(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass
class Actor:
    id: str
    name: str
    type: str
    country: str | None = None
    aliases: list[str] = field(default_factory=list)
    titles: list[Title] = field(default_factory=list)
    speaks_for: str | None = None
    role: str | None = None
    origin: str = "registry"
    holds_stances: bool = True  # false for a whole that is no one actor ("the EU")


# Nouns that name an organisation, for "the company said", "Quillchat, the messaging app, ...",
# "her group would challenge it": companies, and every other kind of body.
COMPANY_NOUNS = frozenset(
    {
        "app",
        "company",
        "firm",
        "service",
        "platform",
        "messenger",
        "provider",
        "startup",
        "start-up",
        "maker",
        "developer",
        "network",
        "operator",
    }
)
ORGANISATION_NOUNS = frozenset(
    {
        "group",
        "charity",
        "organisation",
        "organization",
        "foundation",
        "trust",
        "coalition",
        "campaign",
        "alliance",
        "association",
        "union",
        "institute",
        "centre",
        "center",
        "agency",
        "regulator",
        "watchdog",
        "body",
        "ministry",
        "government",
        "department",
        "commission",
        "council",
        "police",
        "force",
        "unit",
        "office",
        "party",
        "team",
    }
)
ORG_NOUNS = COMPANY_NOUNS | ORGANISATION_NOUNS


# compiled once: every registry build and every new name goes through all three
_POSSESSIVE_RE = re.compile(r"'s\b|'\s*$")
_LEADING_THE_RE = re.compile(r"^the\s+", flags=re.I)
_NOT_WORD_RE = re.compile(r"[^\w\s-]")


@functools.lru_cache(maxsize=1 << 16)  # the linker asks about every capitalised token, often
def normalise_name(text: str) -> str:
    """A comparison key: case, accents, quotes, possessives and a leading 'the' removed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("&", " and ")
    text = _POSSESSIVE_RE.sub("", text.strip())
    text = _LEADING_THE_RE.sub("", text)
    return " ".join(_NOT_WORD_RE.sub(" ", text.lower()).split())


NOT_ACTOR = "NOT_ACTOR"  # the ruler's label for a name that holds an alias but is no actor


def discovered_id(name: str) -> str:
    return "x_" + _SLUG_RE.sub("_", normalise_name(name)).strip("_")[:60]


class ActorRegistry:
    def __init__(
        self,
        actors: list[Actor],
        org_heads: list[str] | None = None,
        person_titles: list[str] | None = None,
        not_actors: list[str] | None = None,
    ) -> None:
        self.actors: dict[str, Actor] = {a.id: a for a in actors}
        self.org_heads = list(org_heads or [])
        self.person_titles = list(person_titles or [])
        self.not_actors = list(not_actors or [])
        self._by_key: dict[str, str] = {}
        for actor in actors:
            for surface in [actor.name, *actor.aliases]:
                self._by_key.setdefault(normalise_name(surface), actor.id)

    @classmethod
    def from_toml(cls, path: Path) -> "ActorRegistry":
        """Read a registry file; a bad one raises ConfigError (one line)."""
        return cls.from_file(schema.load(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "actors.toml") -> "ActorRegistry":
        return cls.from_file(schema.parse(data, where))

    @classmethod
    def from_file(cls, file: schema.ActorsFile) -> "ActorRegistry":
        actors = [
            Actor(
                id=raw.id,
                name=raw.name,
                type=raw.type,
                country=raw.country,
                aliases=list(raw.aliases),
                titles=[Title(t.title, t.start, t.end) for t in raw.titles],
                speaks_for=raw.speaks_for,
                role=raw.role,
                holds_stances=raw.holds_stances,
            )
            for raw in file.actors
        ]
        return cls(actors, file.discovery.org_heads, file.discovery.person_titles, file.not_actors)

    def get(self, actor_id: str) -> Actor | None:
        return self.actors.get(actor_id)

    def lookup(self, surface: str) -> Actor | None:
        """The registered actor whose name or alias this is (case-insensitively)."""
        actor_id = self._by_key.get(normalise_name(surface))
        return self.actors.get(actor_id) if actor_id else None

    def title_holder(self, title: str, day: dt.date | None) -> Actor | None:
        """The one registered person who held this title on that day."""
        if day is None:
            return None
        key = normalise_name(title)
        holders = [
            actor
            for actor in self.actors.values()
            for t in actor.titles
            if normalise_name(t.title) == key and t.holds(day)
        ]
        return holders[0] if len(holders) == 1 else None

    def title_phrases(self) -> set[str]:
        return {t.title for actor in self.actors.values() for t in actor.titles}

    def patterns(self) -> list[dict[str, Any]]:
        """Entity-ruler patterns: every alias, as written, labelled PERSON or ORG; and the names
        that are no actor though they hold an alias, labelled NOT_ACTOR (the ruler keeps the
        longest match, so "Statue of Liberty" wins over the alias "Liberty")."""
        out = []
        for actor in self.actors.values():
            label = "PERSON" if actor.type == "person" else "ORG"
            for surface in sorted({actor.name, *actor.aliases}):
                out.append({"label": label, "pattern": surface, "id": actor.id})
        for name in sorted(set(self.not_actors)):
            out.append({"label": NOT_ACTOR, "pattern": name})
        return out

    def discovery_patterns(self) -> list[dict[str, Any]]:
        """Token patterns for unregistered organisations and titled people (no id)."""
        out: list[dict[str, Any]] = []
        if self.org_heads:
            lead: list[dict[str, Any]] = [
                {"TEXT": {"REGEX": _CAPITAL}, "IS_STOP": False, "ORTH": {"NOT_IN": _NOT_FIRST}},
                {"TEXT": {"REGEX": _CAPITAL}, "OP": "{0,4}"},
                {"ORTH": {"IN": self.org_heads}},
            ]
            out.append({"label": "ORG", "pattern": lead})
            # The NER cuts "Committee on Internal Affairs" and "Office of Foreign Assets Control"
            # at the preposition; the ruler's longest match keeps the name whole. Either a head
            # with words before it or a head that opens the name ("Ministry of the Interior").
            for start in (lead, [{"ORTH": {"IN": self.org_heads}}]):
                for tail in _NAME_TAILS:
                    out.append({"label": "ORG", "pattern": start + tail})
        if self.person_titles:
            out.append(
                {
                    "label": "PERSON",
                    "pattern": [
                        {"ORTH": {"IN": self.person_titles}, "OP": "+"},
                        {
                            "TEXT": {"REGEX": _CAPITAL},
                            "POS": "PROPN",
                            "ORTH": {"NOT_IN": self.person_titles},
                        },
                        {"TEXT": {"REGEX": _CAPITAL}, "POS": "PROPN", "OP": "{1,2}"},
                    ],
                }
            )
        return out
