"""Who said what: direct quotes, indirect speech, "according to", actions and open letters.

Every statement gets its speakers (actor ids): the subject of the speech verb that introduces
it (a pronoun or "the group" resolved to the nearest fitting actor before it), the members of a
subject named together ("Parley, Hushline and Cipherpost warned"), the actor after "according
to", the name on a dash line under a quote, or, for a quote continued in the next sentence, the
previous quote's speaker. An open letter's statements go to the pseudo-speaker LETTER; the
stance stage hands them to the signatories.
"""

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from nlp.actors import Actor
from nlp.lexicon import Lexicon
from nlp.linker import Mention, resolve_reference

LETTER = "@letter"
OPENERS = '\u201c"'
CLOSERS = '\u201d"'
MIN_QUOTE_WORDS = 3
_SIGNED_RE = re.compile(r"\bsign(ed|atories|atory|ing)?\b", re.I)


@dataclass
class Statement:
    speakers: list[str]
    start: int  # char offsets of what was said
    end: int
    kind: str  # direct / indirect / action / authored
    sentence: tuple[int, int]  # char offsets of the sentence that carries it
    letter: bool = False
    text: str = ""
    evidence: str = ""


@dataclass
class Attribution:
    statements: list[Statement] = field(default_factory=list)
    signatories: list[str] = field(default_factory=list)


def find_quotes(text: str) -> list[tuple[int, int]]:
    """Char spans of quoted material, joined across paragraph breaks where it continues."""
    spans = []
    i, n = 0, len(text)
    start: int | None = None
    while i < n:
        c = text[i]
        if start is None:
            if c == "\u201c" or (c == '"' and _opens(text, i)):
                start = i + 1
        elif c == "\u201d" or (c == '"' and not _opens(text, i)):
            spans.append((start, i))
            start = None
        elif c == "\n":
            j = i
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] in OPENERS:
                i = j + 1  # the convention: each paragraph of a long quote opens again
                continue
            end = text.find("\n", j)
            if not _closes_first(text[j : end if end >= 0 else n]):
                spans.append((start, i))  # never closed: it ends with its paragraph
                start = None
            i = j
            continue
        i += 1
    if start is not None:
        spans.append((start, n))
    return [(s, e) for s, e in spans if len(text[s:e].split()) >= MIN_QUOTE_WORDS]


def _closes_first(paragraph: str) -> bool:
    """Does the paragraph close a quote before it opens one (an unmarked continuation)?"""
    for k, c in enumerate(paragraph):
        if c == "\u201d":
            return True
        if c == "\u201c":
            return False
        if c == '"':
            return not _opens(paragraph, k)
    return False


def _opens(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if before.isspace() or before in "([{\u2014-:":
        return not after.isspace()
    return False


class Attributor:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon

    def __call__(self, doc: Doc) -> Attribution:
        mentions: list[Mention] = doc.user_data.get("mentions", [])
        actors: dict[str, Actor] = doc.user_data.get("actors", {})
        by_token = {i: m for m in mentions for i in range(m.start, m.end)}
        result = Attribution()
        quotes = find_quotes(doc.text)
        inside: set[int] = set()
        previous: Statement | None = None
        for q_start, q_end in quotes:
            span = doc.char_span(q_start, q_end, alignment_mode="expand")
            if span is None:
                continue
            inside.update(range(span.start, span.end))
            sent = _sentence_around(doc, span)
            speakers, letter = self._speakers_outside(doc, span, sent, by_token, mentions, actors)
            if not speakers and not letter:
                speakers, letter = self._dash_line(doc, q_end, by_token)
            if (
                not speakers
                and not letter
                and previous is not None
                and q_start - previous.end < 400
                and previous.kind == "direct"
            ):
                speakers, letter = list(previous.speakers), previous.letter
            if not speakers and not letter and len(span) < 12:
                continue  # a title or scare quotes, not speech
            statement = Statement(
                speakers,
                q_start,
                q_end,
                "direct",
                (sent.start_char, sent.end_char),
                letter,
                doc.text[q_start:q_end],
            )
            result.statements.append(statement)
            previous = statement
        for sent in doc.sents:
            result.statements.extend(self._indirect(doc, sent, inside, by_token, mentions, actors))
            result.statements.extend(self._actions(doc, sent, inside, by_token, mentions, actors))
            if _SIGNED_RE.search(sent.text) and (
                "letter" in sent.text.lower() or any(s.letter for s in result.statements)
            ):
                result.signatories.extend(
                    by_token[t.i].actor_id
                    for t in sent
                    if t.i in by_token
                    and (t.i == 0 or by_token.get(t.i - 1) is not by_token[t.i])
                    and not _is_addressee(t)
                )
        author = doc.user_data.get("author_id")
        if author and doc.user_data.get("kind") == "opinion":
            result.statements.extend(self._authored(doc, author, result.statements))
        return result

    def _actions(
        self,
        doc: Doc,
        sent: Span,
        inside: set[int],
        by_token: dict[int, Mention],
        mentions: list[Mention],
        actors: dict[str, Actor],
    ) -> list[Statement]:
        """'Parley rolled out default encryption': what an actor does, by its subject."""
        found = []
        for match in self.lexicon.scan(sent):
            if match.side != "action":
                continue
            verb = sent[match.start]
            if verb.i in inside or verb.pos_ not in ("VERB", "AUX"):
                continue
            if verb.lemma_.lower() in self.lexicon.speech_verbs:
                continue  # said / urged: speech, handled as indirect statements
            speakers, _letter = self._subjects(doc, verb, by_token, mentions, actors)
            content = [t for t in verb.subtree if t.i not in inside]
            if speakers and len(content) >= 3:
                found.append(_statement(doc, sent, speakers, content, "action"))
        return found

    def _authored(self, doc: Doc, author: str, statements: list[Statement]) -> list[Statement]:
        """An opinion piece: what its author writes in their own voice."""
        taken = [(s.start, s.end) for s in statements if s.speakers or s.letter]
        found = []
        for sent in doc.sents:
            own = [t for t in sent if not any(a <= t.idx < b for a, b in taken)]
            if len(own) < 4 or len(own) < len(sent) / 2:
                continue
            found.append(_statement(doc, sent, [author], own, "authored"))
        return found

    def _speakers_outside(
        self,
        doc: Doc,
        quote: Span,
        sent: Span,
        by_token: dict[int, Mention],
        mentions: list[Mention],
        actors: dict[str, Actor],
    ) -> tuple[list[str], bool]:
        for token in sent:
            if quote.start <= token.i < quote.end:
                continue
            if token.lemma_.lower() in self.lexicon.speech_verbs and token.pos_ in ("VERB", "AUX"):
                speakers, letter = self._subjects(doc, token, by_token, mentions, actors)
                if speakers or letter:
                    return speakers, letter
        # "NCMEC shares in a recent statement", "the open letter states": no parsed verb
        outside = [t for t in sent if not quote.start <= t.i < quote.end]
        # "Its chief executive, Helen Ashdown, put it bluntly: '...'": the one actor who is a
        # subject in the sentence that introduces the quote
        subjects = {
            by_token[t.i].actor_id
            for t in outside
            if t.i in by_token
            and t.i < quote.start
            and (
                t.dep_ in ("nsubj", "nsubjpass")
                or t.head.dep_ in ("nsubj", "nsubjpass")
                or (t.dep_ == "appos" and t.head.dep_ in ("nsubj", "nsubjpass"))
            )
        }
        if len(subjects) == 1 and any(t.text == ":" for t in outside if t.i < quote.start):
            return list(subjects), False
        for token in outside:
            nxt = doc[token.i + 1] if token.i + 1 < len(doc) else None
            if (
                token.i in by_token
                and nxt is not None
                and nxt.i not in by_token
                and nxt.lemma_.lower().rstrip("s") in self.lexicon.speech_verbs | {"share"}
            ):
                return [by_token[token.i].actor_id], False
        if any(t.lower_ == "letter" for t in outside):
            return [], True
        return [], False

    def _subjects(
        self,
        doc: Doc,
        verb: Token,
        by_token: dict[int, Mention],
        mentions: list[Mention],
        actors: dict[str, Actor],
    ) -> tuple[list[str], bool]:
        subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
        head = verb
        for _ in range(3):
            # "It will do so by introducing ...": the doer is the subject of a governing verb
            if subjects or head.dep_ not in ("conj", "advcl", "xcomp", "pcomp", "prep", "pobj"):
                break
            head = head.head
            subjects = [c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")]
        speakers: list[str] = []
        letter = False
        for subject in subjects:
            appositions = [c for c in subject.subtree if c.dep_ == "appos"]
            members = _named_in_subject(subject, by_token)
            for token in [subject, *_conjuncts(subject), *appositions, *members]:
                if token.lower_ in ("letter", "statement", "signatories", "signatory"):
                    letter = letter or token.lower_ != "statement"
                    continue
                ids = _actors_at(token, by_token)
                if not ids and token.lower_ in _GROUP_PRONOUNS:
                    ids = _previous_group(doc, token, by_token)
                if not ids:
                    ref = resolve_reference(doc, token, mentions, actors)
                    ids = [ref] if ref is not None else []
                speakers.extend(i for i in ids if i not in speakers)
        return speakers, letter

    def _dash_line(
        self, doc: Doc, q_end: int, by_token: dict[int, Mention]
    ) -> tuple[list[str], bool]:
        """'- Mark Zuckerberg in his announcement' on the line after a quote."""
        rest = doc.text[q_end : q_end + 200]
        match = re.match(r"[\"\u201d.\s]*\n\s*[-\u2013\u2014]\s*", rest)
        if not match:
            return [], False
        line_start = q_end + match.end()
        line = doc.char_span(line_start, line_start + 1, alignment_mode="expand")
        if line is None:
            return [], False
        for token in doc[line.start : line.start + 6]:
            if token.i in by_token:
                return [by_token[token.i].actor_id], False
        return [], False

    def _indirect(
        self,
        doc: Doc,
        sent: Span,
        inside: set[int],
        by_token: dict[int, Mention],
        mentions: list[Mention],
        actors: dict[str, Actor],
    ) -> list[Statement]:
        found = []
        letter_sentence = "open letter" in sent.text.lower() or "the letter" in sent.text.lower()
        for token in sent:
            if token.i in inside:
                continue
            lemma = token.lemma_.lower()
            is_speech = lemma in self.lexicon.speech_verbs and token.pos_ in ("VERB", "AUX")
            if lemma == "accord" and token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "to":
                named = [
                    by_token[t.i].actor_id for t in doc[token.i + 1].subtree if t.i in by_token
                ]
                people = [a for a in named if actors[a].type == "person"]
                # "according to Parley's head of safety, Sunita Rao": the person speaks
                speakers = people[-1:] or named[:1]
                if not speakers:
                    pobj = [c for c in doc[token.i + 1].children if c.dep_ == "pobj"]
                    ref = resolve_reference(doc, pobj[0], mentions, actors) if pobj else None
                    speakers = [ref] if ref else []
                if speakers:
                    skip = set(range(token.i, doc[token.i + 1].right_edge.i + 1))
                    content = [t for t in sent if t.i not in skip]
                    found.append(_statement(doc, sent, speakers[:1], content, "indirect"))
                continue
            if not is_speech:
                continue
            comps = [
                c
                for c in token.children
                if c.dep_ in ("ccomp", "xcomp", "dobj", "prep", "advcl", "obj")
            ]
            if not comps:
                continue
            # what was said runs from the complement to the end of the sentence (or from the
            # sentence's start, for "..., X said"), not just the complement's own subtree
            # "In an open letter, X asked Y to ...": a phrase before the verb is not what was said
            after = [c for c in comps if c.i > token.i] or comps
            first = min(t.i for c in after for t in c.subtree)
            if first > token.i:
                content = [t for t in doc[first : sent.end] if t.i not in inside]
            else:
                content = [
                    t
                    for t in doc[sent.start : token.i]
                    if t.i not in inside
                    and t.i
                    not in {
                        s.i
                        for s in token.lefts
                        for s in s.subtree
                        if s.dep_ in ("nsubj", "nsubjpass")
                    }
                ]
            words = [t for t in content if t.is_alpha and t.i not in by_token]
            if len(words) < 3:
                continue  # the quote is the content: already a direct statement
            speakers, letter = self._subjects(doc, token, by_token, mentions, actors)
            # "In an open letter, A and B asked ...": what they asked is the letter's content
            letter = letter or letter_sentence
            content = _own_clause(content, speakers, by_token)
            speakers += [
                s for s in _possessed_org(comps, doc, mentions, actors) if s not in speakers
            ]
            if (speakers or letter) and content:
                found.append(_statement(doc, sent, speakers, content, "indirect", letter))
        return found


def _statement(
    doc: Doc, sent: Span, speakers: list[str], content: list[Token], kind: str, letter: bool = False
) -> Statement:
    start = min(t.idx for t in content)
    end = max(t.idx + len(t.text) for t in content)
    return Statement(
        speakers, start, end, kind, (sent.start_char, sent.end_char), letter, doc.text[start:end]
    )


def _actor_at(token: Token, by_token: dict[int, Mention]) -> str | None:
    found = _actors_at(token, by_token)
    return found[0] if found else None


def _actors_at(token: Token, by_token: dict[int, Mention]) -> list[str]:
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


_NOT_THE_SUBJECT = {"prep", "pobj", "poss", "relcl", "acl", "agent", "dobj"}


def _named_in_subject(subject: Token, by_token: dict[int, Mention]) -> list[Token]:
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


_GROUP_PRONOUNS = {"both", "they", "all", "two", "three", "four"}


def _previous_group(doc: Doc, pronoun: Token, by_token: dict[int, Mention]) -> list[str]:
    """'Ministers A and B issued a call ... Both said ...': the actors of the nearest subject
    before `pronoun` (in its sentence or the two before) that names more than one."""
    start = pronoun.sent.start
    for _ in range(2):
        if start > 0:
            start = doc[start - 1].sent.start
    for token in reversed(doc[start : pronoun.i]):
        if token.dep_ not in ("nsubj", "nsubjpass"):
            continue
        group: list[str] = []
        for member in [token, *_conjuncts(token), *_named_in_subject(token, by_token)]:
            for actor_id in _actors_at(member, by_token):
                if actor_id not in group:
                    group.append(actor_id)
        if len(group) > 1:
            return group
    return []


def _conjuncts(token: Token) -> list[Token]:
    return [t for t in token.conjuncts if t.i != token.i]


def _sentence_around(doc: Doc, quote: Span) -> Span:
    """The sentence(s) a quote sits in, with the attribution that follows or precedes it."""
    first = doc[quote.start].sent
    last = doc[max(quote.start, quote.end - 1)].sent
    end = last.end
    if end < len(doc) and last.end - quote.end < 2 and len(doc[end].sent) <= 6:
        # '"...," Clark said.' -- a short attribution the parser split off as a sentence
        end = doc[end].sent.end
    return doc[first.start : end]


_ADDRESSING = {"call", "urge", "ask", "write", "send", "address", "letter", "tell", "press"}


def _is_addressee(token: Token) -> bool:
    """Who a letter is to, or whom it urges, did not sign it ('a letter to Facebook', 'calling
    on the Parliament to ...'); nor did a body its signatories belong to ('members of X')."""
    head = token.head
    if token.dep_ in ("dobj", "obj") and head.lemma_.lower() in _ADDRESSING:
        return True
    if head.dep_ == "prep" and head.lower_ in ("to", "on"):
        return head.head.lemma_.lower() in _ADDRESSING | {"written", "sent"}
    return head.lower_ == "of" and head.head.pos_ in ("NOUN", "NUM")


_CLAUSE_BREAKS = {"while", "whereas", "but", ";", "although", "though"}


def _own_clause(
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


_GROUP_WORDS = {
    "group",
    "organisation",
    "organization",
    "charity",
    "company",
    "union",
    "campaign",
    "coalition",
    "network",
    "foundation",
    "trust",
    "party",
    "ministry",
    "department",
    "agency",
    "team",
    "firm",
    "force",
}


def _possessed_org(
    comps: list[Token], doc: Doc, mentions: list[Mention], actors: dict[str, Actor]
) -> list[str]:
    """'Karimova said her group would challenge it': the group is a holder too."""
    found = []
    for comp in comps:
        for child in comp.children:
            if (
                child.dep_ in ("nsubj", "nsubjpass")
                and child.lower_ in _GROUP_WORDS
                and any(c.dep_ == "poss" for c in child.children)
            ):
                actor_id = resolve_reference(doc, child, mentions, actors)
                if actor_id is not None:
                    found.append(actor_id)
    return found
