"""What the attribution stage hands to the stance stage: statements and who made them."""

from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from mediamon.nlp.actors import Actor
from mediamon.nlp.docindex import text_of
from mediamon.nlp.linker import Mention

LETTER = "@letter"  # pseudo-speaker of an open letter's statements; the signatories hold them


@dataclass
class Statement:
    speakers: list[str]
    start: int  # char offsets of what was said
    end: int
    # direct (quoted), indirect (reported speech), position ("X opposes the plan"), action
    # ("X rolled out encryption"), authored (an opinion piece's own voice)
    kind: str
    sentence: tuple[int, int]  # char offsets of the sentence that carries it
    letter: bool = False
    text: str = ""
    evidence: str = ""
    question: bool = False  # "asked whether ...": said, but it takes no side


@dataclass
class Attribution:
    statements: list[Statement] = field(default_factory=list)
    signatories: list[str] = field(default_factory=list)


@dataclass
class Context:
    """One document's actors and mentions, indexed for the attribution rules."""

    doc: Doc
    mentions: list[Mention]
    actors: dict[str, Actor]
    by_token: dict[int, Mention]
    inside: set[int] = field(default_factory=set)  # tokens inside quotation marks

    @classmethod
    def of(cls, doc: Doc) -> "Context":
        mentions: list[Mention] = doc._.mm_mentions
        actors: dict[str, Actor] = doc._.mm_actors
        by_token = {i: m for m in mentions for i in range(m.start, m.end)}
        return cls(doc, mentions, actors, by_token)


def make_statement(
    doc: Doc, sent: Span, speakers: list[str], content: list[Token], kind: str, letter: bool = False
) -> Statement:
    start = min(t.idx for t in content)
    end = max(t.idx + len(t.text) for t in content)
    return Statement(
        speakers,
        start,
        end,
        kind,
        (sent.start_char, sent.end_char),
        letter,
        text_of(doc)[start:end],
    )
