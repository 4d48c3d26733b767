"""What 'it', 'the bill' or 'the decision' stands for, when a statement judges it.

Reporting names a target once and then refers back to it: "the proposal would oblige platforms
to search private messages for abuse material ... the measure would hollow out confidentiality".
A judgement of the reference is a judgement of the target, turned round when the reference is an
event that went against the target: welcoming "the decision" to shelve a scanning plan is
opposing scanning.
"""

from spacy.tokens import Doc, Span, Token

from mediamon.nlp.docindex import sentences, window_start
from mediamon.nlp.lexicon import Lexicon, Match, head_of
from mediamon.nlp.valence import Evaluator

PRONOUNS = {"it", "this", "they"}
# nouns for something that happened; their sign is how that event treated the target
EVENTS = {
    "decision",
    "move",
    "reversal",
    "step",
    "change",
    "announcement",
    "u-turn",
    "climbdown",
    "shift",
    "choice",
    "vote",
}
_DETERMINERS = {"the", "this", "that", "such", "its", "their", "these", "those"}
_NOUNS = {"NOUN", "PROPN"}
_WINDOW_SENTENCES = 3


class Antecedents:
    def __init__(self, lexicon: Lexicon, evaluator: Evaluator) -> None:
        self.lexicon = lexicon
        self.evaluator = evaluator
        self.words = evaluator.valence.anaphors | EVENTS

    def refers(self, token: Token) -> bool:
        """Is `token` a reference back ('it' as a subject, 'the bill', 'this decision')?"""
        lemma = token.lemma_.lower()
        if lemma not in self.words and token.lower_ not in self.words:
            return False
        if token.lower_ in PRONOUNS:
            return token.dep_ in ("nsubj", "nsubjpass")
        return token.pos_ in _NOUNS and any(
            c.dep_ in ("det", "poss") and c.lower_ in _DETERMINERS for c in token.children
        )

    def resolve(self, doc: Doc, token: Token) -> tuple[str, float] | None:
        """(target, sign) of what `token` refers to, or None when no target is in reach."""
        before = doc[window_start(token, _WINDOW_SENTENCES - 1) : token.i]
        lemma = token.lemma_.lower()
        if token.lower_ in PRONOUNS:
            return self._nearest(before, sentences=2, kinds=_NOUNS)
        if lemma in EVENTS:
            return self._event(before)
        # "the bill", "the measure": the last mention of a bill (or any proposal) with a target
        for earlier in reversed(before):
            if earlier.pos_ in _NOUNS and earlier.lemma_.lower() in self.words - EVENTS:
                subtree = doc[earlier.left_edge.i : earlier.right_edge.i + 1]
                found = self._in(subtree, earlier)
                if found is not None:
                    return found
        return self._nearest(before, sentences=2, kinds=_NOUNS)

    def _nearest(self, before: Span, sentences: int, kinds: set[str]) -> tuple[str, float] | None:
        if not len(before):
            return None
        start = window_start(before[-1], sentences - 1)
        window = before.doc[max(start, before.start) : before.end]
        # "Hackers encrypted files ... it would never pay": a verb is not what "it" stands for
        named = [m for m in self._terms(window) if head_of(window[m.start : m.end]).pos_ in kinds]
        if not named:
            return None
        return max(named, key=lambda m: m.end).side[5:], 1.0

    def _event(self, before: Span) -> tuple[str, float] | None:
        """'Fennick shelved its plan to scan photos. The decision was welcomed': −scanning."""
        for sent in reversed(list(_sentences(before))):
            named = self._terms(sent)
            if named:
                term = max(named, key=lambda m: m.end)
                head = head_of(sent[term.start : term.end])
                inside = range(sent.start, sent.end)
                sign = self.evaluator.of_term(head, inside, own=inside) or 1.0
                return term.side[5:], sign
        return None

    def _in(self, span: Span, noun: Token) -> tuple[str, float] | None:
        named = self._terms(span)
        if not named:
            return None
        term = min(named, key=lambda m: abs(m.start + span.start - noun.i))
        head = head_of(span[term.start : term.end])
        inside = range(span.start, span.end)
        # "a plan to delay encryption" stands against encryption
        sign = self.evaluator.of_term(head, inside, own=inside) if head.i != noun.i else 0.0
        return term.side[5:], sign or 1.0

    def _terms(self, span: Span) -> list[Match]:
        return [
            m
            for m in self.lexicon.scan(span)
            if m.side.startswith("term:")
            and head_of(span[m.start : m.end]).pos_ in _NOUNS | {"VERB"}
        ]


def _sentences(span: Span) -> list[Span]:
    """The sentences of `span`, cut to it."""
    return [
        span.doc[max(sent.start, span.start) : min(sent.end, span.end)]
        for sent in sentences(span.doc)
        if sent.end > span.start and sent.start < span.end
    ]
