"""Per-document look-ups that spaCy recomputes on every call.

`token.sent` scans the whole document to check that it has sentence boundaries, and `doc.text`
joins every token again; on an 800-word article the attribution and stance stages ask for them
thousands of times. Both are kept in the doc's user_data while the pipeline runs and dropped by
`clear` at its end, so nothing unserialisable outlives it.
"""

from spacy.tokens import Doc, Span, Token

_KEY = "mm_docindex"


def _index(doc: Doc) -> tuple[list[Span], list[int], str]:
    index = doc.user_data.get(_KEY)
    if index is None:
        sents = list(doc.sents)
        owner = [0] * len(doc)
        for k, sent in enumerate(sents):
            owner[sent.start : sent.end] = [k] * len(sent)
        index = (sents, owner, doc.text)
        doc.user_data[_KEY] = index
    return index


def sentence_of(token: Token) -> Span:
    """The sentence that holds `token` (what `token.sent` returns)."""
    sents, owner, _text = _index(token.doc)
    return sents[owner[token.i]]


def sentences(doc: Doc) -> list[Span]:
    return _index(doc)[0]


def text_of(doc: Doc) -> str:
    return _index(doc)[2]


def clear(doc: Doc) -> None:
    doc.user_data.pop(_KEY, None)
