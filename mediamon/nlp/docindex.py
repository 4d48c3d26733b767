"""Per-document look-ups that spaCy recomputes on every call, and other per-document memos.

`token.sent` scans the whole document to check that it has sentence boundaries, and `doc.text`
joins every token again; on an 800-word article the attribution and stance stages ask for them
thousands of times, and for the lexicon's matches as often. All of it is kept under one key of
the doc's user_data while the pipeline runs and dropped by `clear` at its end, so nothing
unserialisable outlives it.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from spacy.tokens import Doc, Span, Token

_KEY = "mm_docindex"
T = TypeVar("T")


def memo(doc: Doc, key: object, make: Callable[[], T]) -> T:
    """`make()`, computed once per document and `key` until `clear`."""
    store: dict[object, Any] = doc.user_data.setdefault(_KEY, {})
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


def sentences(doc: Doc) -> list[Span]:
    return _sentences(doc)[0]


def window_start(token: Token, before: int) -> int:
    """Where the sentence `before` sentences ahead of `token`'s own begins (0: its own)."""
    sents, owner = _sentences(token.doc)
    return sents[max(0, owner[token.i] - before)].start


def text_of(doc: Doc) -> str:
    return memo(doc, "text", lambda: doc.text)


def clear(doc: Doc) -> None:
    doc.user_data.pop(_KEY, None)
