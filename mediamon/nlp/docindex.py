"""Per-document look-ups that spaCy recomputes on every call, and other per-document memos.

`token.sent` scans the whole document to check that it has sentence boundaries, and `doc.text`
joins every token again; on an 800-word article the attribution and stance stages ask for them
thousands of times, and for the lexicon's matches as often. All of it is kept in one DocIndex,
the declared extension `doc._.mm_index`: mediamon_document creates it and mediamon_stance
clears it, so nothing unserialisable outlives the pipeline. Outside a pipeline (no index)
nothing is kept: every look-up is computed afresh.

The memo lives on the Doc, not in a table keyed by document, because its lifetime is the
document's: it cannot outlive a doc, mix up two docs that reuse an id(), or be missing when the
doc moves to another process.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from spacy.attrs import IDS
from spacy.tokens import Doc, Span, Token

import mediamon.nlp.extensions  # noqa: F401  (registers doc._.mm_index)

T = TypeVar("T")


class DocIndex:
    """One document's memo: key -> value."""

    __slots__ = ("store",)

    def __init__(self) -> None:
        self.store: dict[object, Any] = {}

    def __reduce__(self) -> tuple[type["DocIndex"], tuple[()]]:
        return DocIndex, ()  # a memo pickles empty: it holds spans of its own doc


def open_index(doc: Doc, text: str | None = None) -> None:
    """A new memo for `doc`; `text`, when given, is the doc's text (`text_of`)."""
    index = DocIndex()
    if text is not None:
        index.store["text"] = text
    doc._.mm_index = index


def clear(doc: Doc) -> None:
    doc._.mm_index = None


def memo(doc: Doc, key: object, make: Callable[[], T]) -> T:
    """`make()`, computed once per document and `key` while the document has an index."""
    index = doc._.mm_index
    if not isinstance(index, DocIndex):
        return make()
    store = index.store
    if key not in store:
        store[key] = make()
    value: T = store[key]
    return value


def _sentences(doc: Doc) -> tuple[list[Span], list[int]]:
    def make() -> tuple[list[Span], list[int]]:
        sents = list(doc.sents)
        owner = [0] * len(doc)
        for k, sent in enumerate(sents):
            owner[sent.start : sent.end] = [k] * len(sent)
        return sents, owner

    return memo(doc, "sentences", make)


def sentence_of(token: Token) -> Span:
    """The sentence that holds `token` (what `token.sent` returns)."""
    sents, owner = _sentences(token.doc)
    return sents[owner[token.i]]


def sentence_number(doc: Doc, i: int) -> int:
    """The index in `sentences(doc)` of the sentence that holds token `i` (no Token made)."""
    return _sentences(doc)[1][i]


def sentence_numbers(doc: Doc) -> list[int]:
    """Token index -> the index in `sentences(doc)` of its sentence, for many look-ups."""
    return _sentences(doc)[1]


def sentences(doc: Doc) -> list[Span]:
    return _sentences(doc)[0]


def window_start(token: Token, before: int) -> int:
    """Where the sentence `before` sentences ahead of `token`'s own begins (0: its own)."""
    sents, owner = _sentences(token.doc)
    return sents[max(0, owner[token.i] - before)].start


def text_of(doc: Doc) -> str:
    return memo(doc, "text", lambda: doc.text)


def positions(doc: Doc, attr: str, value: int) -> list[int]:
    """The indices of the tokens whose `attr` ("LOWER", "POS", ...) is `value` (a string id or
    a symbol), from the doc's array: a rule that looks at a few words makes no Token for the
    others."""
    return [int(i) for i in (doc.to_array(IDS[attr]) == value).nonzero()[0]]


def span_text(span: Span) -> str:
    """`span.text`, cut from the document's text rather than joined again from its tokens."""
    return text_of(span.doc)[span.start_char : span.end_char]
