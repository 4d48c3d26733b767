"""What a pronoun or 'the company' refers to: the nearest fitting actor before it."""

from spacy.tokens import Doc, Token

from mediamon.nlp.actors import ORG_NOUNS, TYPES, Actor
from mediamon.nlp.docindex import window_start
from mediamon.nlp.linker import Mention

_PERSON_PRONOUNS = {"he", "she", "him", "her", "his", "hers"}
_ORG_PRONOUNS = {"it", "its", "they", "them", "their"}
# "a spokesperson said", with no "for X": the organisation the story is about
_SPOKES = {"spokesperson", "spokeswoman", "spokesman"}
_TYPES_NOT_PERSON = (*(t for t in TYPES if t != "person"), "organisation")


def resolve_reference(
    doc: Doc, token: Token, mentions: list[Mention], actors: dict[str, Actor]
) -> str | None:
    """The actor a pronoun or 'the company' refers to: the nearest fitting one before it."""
    word = token.lower_
    if word in _PERSON_PRONOUNS:
        want = {"person"}
    elif word in _ORG_PRONOUNS or word in ORG_NOUNS or word in _SPOKES:
        want = (
            {t for t in (*_TYPES_NOT_PERSON, "person")}
            if word in ("they", "them", "their")
            else set(_TYPES_NOT_PERSON)
        )
    else:
        return None
    # the most talked-about fitting actor of the last few sentences; ties go to the latest
    start = window_start(token, 2)
    counts: dict[str, int] = {}
    for mention in mentions:
        counts[mention.actor_id] = counts.get(mention.actor_id, 0) + 1
    candidates = [
        (counts[m.actor_id], m.start, m.actor_id)
        for m in mentions
        if start <= m.start and m.end <= token.i and actors[m.actor_id].type in want
    ]
    if not candidates:
        candidates = [
            (0, m.start, m.actor_id)
            for m in mentions
            if m.end <= token.i and actors[m.actor_id].type in want
        ][-1:]
    return max(candidates)[2] if candidates else None
