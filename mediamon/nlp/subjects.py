"""Who a verb's subject is: named actors, groups named together, pronouns and 'the company'.

The small model strings long lists of names together in odd ways ("A, B and Detective C
asked"), so a subject's actors are every actor named inside it except those it is 'of' or 'at'.
"""

from collections.abc import Iterator

from spacy.tokens import Doc, Token

from mediamon.nlp.actors import ORG_NOUNS
from mediamon.nlp.docindex import window_start
from mediamon.nlp.linker import Mention
from mediamon.nlp.references import resolve_reference
from mediamon.nlp.statements import Context

SUBJECT_DEPS = ("nsubj", "nsubjpass")
_LETTER_WORDS = ("letter", "statement", "signatories", "signatory")
_VOICES = {"spokesperson", "spokeswoman", "spokesman", "representative", "lawyer", "aide"}
# plural nouns for the group named before: "the ministers said", "the three governments said"
_GROUP_NOUNS = ORG_NOUNS | {
    "minister",
    "signatory",
    "official",
    "leader",
    "campaigner",
    "researcher",
    "expert",
    "country",
}
_GROUP_PRONOUNS = {"both", "they", "all", "two", "three", "four"}
_NOT_THE_SUBJECT = {"prep", "pobj", "poss", "relcl", "acl", "agent", "dobj"}
_ADDRESSING = {"call", "urge", "ask", "write", "send", "address", "letter", "tell", "press"}
_CLAUSE_BREAKS = {"while", "whereas", "but", ";", "although", "though"}


def subjects_of(ctx: Context, verb: Token) -> tuple[list[str], bool]:
    """The actors who are the subject of `verb`, and whether the subject is a letter."""
    subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
    head = verb
    for _ in range(3):
        # "It will do so by introducing ...": the doer is the subject of a governing verb
        if subjects or head.dep_ not in ("conj", "advcl", "xcomp", "pcomp", "prep", "pobj"):
            break
        head = head.head
        subjects = [c for c in head.children if c.dep_ in SUBJECT_DEPS]
    speakers: list[str] = []
    letter = False
    for subject in subjects:
        appositions = [c for c in subject.subtree if c.dep_ == "appos"]
        members = named_in_subject(subject, ctx.by_token)
        for token in [subject, *conjuncts(subject), *appositions, *members]:
            if token.lower_ in _LETTER_WORDS:
                letter = letter or token.lower_ != "statement"
                continue
            if token.lower_ == "it" and _last_subject_is_letter(token):
                letter = True  # "The letter asks ... It also asks the company not to ..."
                continue
            for actor_id in refer(ctx, token):
                if actor_id not in speakers:
                    speakers.append(actor_id)
    return speakers, letter


def agents_of(ctx: Context, verb: Token) -> list[str]:
    """'The move was welcomed by the Digital Liberty League': the actors after 'by'."""
    found: list[str] = []
    for agent in (c for c in verb.children if c.dep_ == "agent"):
        for pobj in (c for c in agent.children if c.dep_ == "pobj"):
            for token in [pobj, *conjuncts(pobj), *named_in_subject(pobj, ctx.by_token)]:
                for actor_id in refer(ctx, token):
                    if actor_id not in found:
                        found.append(actor_id)
    return found


def refer(ctx: Context, token: Token) -> list[str]:
    """The actors a subject word stands for: a name, a group, a pronoun or 'the charity'."""
    ids = actors_at(token, ctx.by_token)
    if not ids and token.tag_ == "NNS" and token.lemma_.lower() in _GROUP_NOUNS:
        # "the ministers wrote", "the three governments said": the group named before
        ids = previous_group(ctx.doc, token, ctx.by_token)
    if not ids and token.lemma_.lower() in _VOICES:
        # "a spokesperson for the company", "a representative of Halyard": who they speak for
        for prep in (c for c in token.children if c.dep_ == "prep" and c.lower_ in ("for", "of")):
            for pobj in (c for c in prep.children if c.dep_ == "pobj"):
                ids = ids or refer(ctx, pobj)
        if not ids:
            ids = _organisation_speaking_before(ctx, token)
    if not ids and token.lower_ in _GROUP_PRONOUNS:
        ids = previous_group(ctx.doc, token, ctx.by_token)
    if not ids:
        ref = resolve_reference(ctx.doc, token, ctx.mentions, ctx.actors)
        ids = [ref] if ref is not None else []
    return ids


def actors_at(token: Token, by_token: dict[int, Mention]) -> list[str]:
    mention = by_token.get(token.i)
    if mention is not None:
        return [mention.actor_id]
    # "the Justice Department", "the Ruritanian, Genovian and Elbonian governments": the
    # subject is the head noun, the actors are its modifiers (and their conjuncts)
    found: list[str] = []
    for child in token.children:
        if child.dep_ in ("compound", "amod", "nmod"):
            for t in [child, *child.conjuncts]:
                if t.i in by_token and by_token[t.i].actor_id not in found:
                    found.append(by_token[t.i].actor_id)
    return found


def named_in_subject(subject: Token, by_token: dict[int, Mention]) -> list[Token]:
    """Every actor named in a subject, however the parser strung a long list together, but not
    those it is 'of' or 'at' ("Aisha Karimova of the Open Wires Collective")."""
    found = []
    for token in subject.subtree:
        if token.i not in by_token or token.i == subject.i:
            continue
        node = token
        while node.i != subject.i and node.dep_ not in _NOT_THE_SUBJECT:
            node = node.head
        if node.i == subject.i:
            found.append(token)
    return found


def subjects_before(token: Token, sentences: int) -> Iterator[Token]:
    """The subjects before `token`, nearest first, in its sentence and `sentences` before it."""
    doc = token.doc
    for candidate in reversed(doc[window_start(token, sentences) : token.i]):
        if candidate.dep_ in SUBJECT_DEPS:
            yield candidate


def previous_group(doc: Doc, pronoun: Token, by_token: dict[int, Mention]) -> list[str]:
    """'Ministers A and B issued a call ... Both said ...': the actors of the nearest subject
    before `pronoun` (in its sentence or the two before) that names more than one."""
    for token in subjects_before(pronoun, 2):
        group: list[str] = []
        for member in [token, *conjuncts(token), *named_in_subject(token, by_token)]:
            for actor_id in actors_at(member, by_token):
                if actor_id not in group:
                    group.append(actor_id)
        if len(group) > 1:
            return group
    return []


def _organisation_speaking_before(ctx: Context, token: Token) -> list[str]:
    """'Tessellate said in a statement ... "...," a spokesperson said': the organisation that
    was the subject of the sentence before (or of this one, before the quote)."""
    for subject in subjects_before(token, 1):
        ids = [a for a in actors_at(subject, ctx.by_token) if ctx.actors[a].type != "person"]
        if ids:
            return ids
    return []


def _last_subject_is_letter(pronoun: Token) -> bool:
    """Is 'it' the letter: the last subject before it, in this sentence or the one before?"""
    last = next(subjects_before(pronoun, 1), None)
    return last is not None and last.lower_ == "letter"


def conjuncts(token: Token) -> list[Token]:
    return [t for t in token.conjuncts if t.i != token.i]


def is_addressee(token: Token) -> bool:
    """Who a letter is to, or whom it urges, did not sign it ('a letter to Facebook', 'calling
    on the Parliament to ...'); nor did a body its signatories belong to ('members of X')."""
    head = token.head
    if token.dep_ in ("dobj", "obj") and head.lemma_.lower() in _ADDRESSING:
        return True
    if head.dep_ == "prep" and head.lower_ in ("to", "on"):
        return head.head.lemma_.lower() in _ADDRESSING | {"written", "sent"}
    return head.lower_ == "of" and head.head.pos_ in ("NOUN", "NUM")


def own_clause(
    content: list[Token], speakers: list[str], by_token: dict[int, Mention]
) -> list[Token]:
    """'X backed the plan, while Y warned against it': X said only the first part."""
    for k, token in enumerate(content):
        comma_and = token.lower_ == "and" and content[k - 1].text == ","
        if (token.lower_ not in _CLAUSE_BREAKS and not comma_and) or k == 0:
            continue
        ahead = content[k + 1 : k + 6]
        other = [t for t in ahead if t.i in by_token and by_token[t.i].actor_id not in speakers]
        if other:
            return content[:k]
    return content


def possessed_org(ctx: Context, comps: list[Token]) -> list[str]:
    """'Karimova said her group would challenge it': the group is a holder too."""
    found = []
    for comp in comps:
        for child in comp.children:
            if (
                child.dep_ in SUBJECT_DEPS
                and child.lower_ in ORG_NOUNS
                and any(c.dep_ == "poss" for c in child.children)
            ):
                actor_id = resolve_reference(ctx.doc, child, ctx.mentions, ctx.actors)
                if actor_id is not None:
                    found.append(actor_id)
    return found
