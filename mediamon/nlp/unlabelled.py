"""Names the NER did not label, and every later use of a name it labelled once.

The small model misses many one-word organisation names ("Quillchat, the messaging app, ..."),
most often at the start of a sentence. A capitalised proper noun counts as an actor when the text
treats it as one: an apposition calls it a company or a group, it is the subject of a clause that
speaks of "its" things, or it has a chief executive. Once an actor is known by a name, every
other occurrence of that name in the document is a mention too.
"""

from spacy.attrs import ORTH
from spacy.symbols import PROPN
from spacy.tokens import Doc, Span, Token

from mediamon.nlp.actors import (
    COMPANY_NOUNS,
    ORGANISATION_NOUNS,
    Actor,
    ActorRegistry,
    discovered_id,
    normalise_name,
)
from mediamon.nlp.docindex import positions

# a word's string id -> its normalised form when it starts with a capital, else None: most of a
# document's words were seen in the documents before
_CAPITALISED: dict[int, str | None] = {}
_CAPITALISED_LIMIT = 500_000
_LEADERS = {"chief", "executive", "ceo", "founder", "president", "head", "director", "spokesperson"}


def unlabelled_names(
    doc: Doc, taken: set[int], registry: ActorRegistry, not_names: set[str]
) -> list[tuple[Span, Actor]]:
    """(span, actor) for proper names outside `taken` tokens that the text shows to be actors."""
    found: list[tuple[Span, Actor]] = []
    end = 0
    for i in positions(doc, "POS", PROPN):  # a name word is a proper noun
        if i < end or not _name_word(doc[i], taken, not_names):
            continue
        end = i + 1
        while end < len(doc) and _name_word(doc[end], taken, not_names):
            end += 1
        span = doc[i:end]
        kind = _acts_as_organisation(span)
        if kind is not None:
            actor = registry.lookup(span.text) or Actor(
                discovered_id(span.text), span.text, kind, origin="discovered"
            )
            found.append((span, actor))
    return found


def other_uses(doc: Doc, taken: set[int], actors: dict[str, Actor]) -> list[tuple[Span, str]]:
    """(span, actor id) for untagged occurrences of names the document's actors go by."""
    names: dict[tuple[str, ...], str] = {}
    for actor in actors.values():
        if actor.type == "person" and len(actor.name.split()) < 2:
            continue  # a lone surname is too easily someone else's
        key = tuple(normalise_name(actor.name).split())
        if key and len(" ".join(key)) > 2:
            names.setdefault(key, actor.id)
    found = []
    starts: dict[str, list[int]] = {}  # a name starts with a capital: index only those
    strings = doc.vocab.strings
    if len(_CAPITALISED) >= _CAPITALISED_LIMIT:
        _CAPITALISED.clear()
    for i, orth in enumerate(doc.to_array(ORTH).tolist()):
        if orth not in _CAPITALISED:
            text = strings[orth]
            _CAPITALISED[orth] = normalise_name(text) if text[:1].isupper() else None
        normalised = _CAPITALISED[orth]
        if normalised is not None:
            starts.setdefault(normalised, []).append(i)
    for key, actor_id in names.items():
        size = len(key)
        for start in starts.get(key[0], []):
            if tuple(normalise_name(t.text) for t in doc[start : start + size]) != key:
                continue
            span = doc[start : start + size]
            if any(t.i in taken for t in span) or not span.text[:1].isupper():
                continue
            found.append((span, actor_id))
            taken.update(range(span.start, span.end))
    return found


def _name_word(token: Token, taken: set[int], not_names: set[str]) -> bool:
    return (
        token.i not in taken
        and token.pos_ == "PROPN"
        and token.text[:1].isupper()
        and token.is_alpha
        and not token.ent_type_
        and normalise_name(token.text) not in not_names
    )


def kind_from_apposition(span: Span) -> str | None:
    """'Quillchat, the messaging app, ...': the type an apposition gives a name."""
    nouns = [c for c in span.root.children if c.dep_ == "appos"]
    after = span.doc[span.end : span.end + 5]
    if len(after) > 1 and after[0].text == ",":
        # the parser often makes "the messaging app" a second subject rather than an apposition
        nouns += [t for t in after[1:] if t.pos_ == "NOUN"][:1]
    for noun in nouns:
        lemma = noun.lemma_.lower()
        if lemma in COMPANY_NOUNS:
            return "company"
        if lemma in ORGANISATION_NOUNS:
            return "organisation"
    return None


def _acts_as_organisation(span: Span) -> str | None:
    root = span.root
    kind = kind_from_apposition(span)
    if kind is not None:
        return kind
    doc = span.doc
    after = doc[span.end : span.end + 3]
    if len(after) >= 2 and after[0].lower_ in ("'s", "’s") and after[1].lower_ in _LEADERS:
        return "organisation"  # "Quillchat's chief executive"
    if root.dep_ in ("nsubj", "nsubjpass"):
        verb = root.head
        clause = [t for t in verb.subtree if not root.left_edge.i <= t.i <= root.right_edge.i]
        if any(t.lower_ == "its" and t.head.i != root.i for t in clause):
            return "organisation"  # "Cipherpost pulled its service out"
    return None
