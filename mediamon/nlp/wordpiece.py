"""Word pieces of a text, as an uncased BERT vocabulary splits it.

The stance model reads its sentences through a table with one row per word piece (see
classifier.py): any word, even one never seen in training, falls into pieces the table knows. The
split is the usual one for uncased BERT models: lower case, accents removed, punctuation on its
own, then the longest piece of the vocabulary from the left, continuations marked `##`. A word with
no split (over 100 characters, or a character the vocabulary lacks) gives no pieces.
"""

import re
import unicodedata

_MAX_WORD = 100
_CACHE_LIMIT = 200_000


def _punctuation(ch: str) -> bool:
    code = ord(ch)
    # BERT counts every ASCII non-alphanumeric symbol as punctuation, "$" and "^" included
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")  # \x1c-\x1f split, as str.split does
_ASCII_WORD = re.compile(r"[a-z0-9]+|[!-/:-@\[-`{-~]")


def words(text: str) -> list[str]:
    """Lower-cased, accent-free words and single punctuation marks."""
    if text.isascii():  # most text: the same result as below, several times faster
        return _ASCII_WORD.findall(_ASCII_CONTROL.sub("", text.lower()))
    return general_words(text)


def general_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFD", text.lower())
    out: list[str] = []
    for chunk in text.split():
        word: list[str] = []
        for ch in chunk:
            category = unicodedata.category(ch)
            if category == "Mn" or category.startswith("C"):
                continue  # accents and control characters
            if _punctuation(ch):
                if word:
                    out.append("".join(word))
                    word = []
                out.append(ch)
            else:
                word.append(ch)
        if word:
            out.append("".join(word))
    return out


class WordPieces:
    """Splits texts into the ids of a vocabulary's pieces (a piece's id is its row)."""

    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab
        self._cache: dict[str, list[int]] = {}
        self._texts: dict[str, list[int]] = {}  # a sentence is read for several candidates

    def word(self, word: str) -> list[int]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        ids: list[int] = []
        if len(word) <= _MAX_WORD:
            start = 0
            while start < len(word):
                end = len(word)
                found = -1
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    found = self.vocab.get(piece, -1)
                    if found >= 0:
                        break
                    end -= 1
                if found < 0:
                    ids = []  # the whole word is unknown
                    break
                ids.append(found)
                start = end
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = ids
        return ids

    def ids(self, texts: list[str]) -> list[int]:
        out: list[int] = []
        for text in texts:
            ids = self._texts.get(text)
            if ids is None:
                ids = [i for w in words(text) for i in self.word(w)]
                if len(self._texts) >= _CACHE_LIMIT // 10:
                    self._texts.clear()
                self._texts[text] = ids
            out.extend(ids)
        return out
