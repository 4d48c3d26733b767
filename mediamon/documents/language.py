"""The language of a document's text, detected from the text itself.

What a page declares (its html lang attribute, meta tags) or what an ingested record says is
often missing or wrong: on the evaluation pages, 33 of the 180 pages with `lang="en"` are in
another language (26 in German). So the text decides: py3langid (BSD, its model inside the
package, no download) reads the first MAX_CHARS characters; when it is sure enough, that is
the language. When the text is too short or too mixed to tell, what was declared is taken, and
without a declaration the language stays undetermined (NULL). `evaluation/eval_language.py`
measured the detectors; the limits below were chosen on pages it never reports.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mediamon.corpus.store import DocumentRecord

logger = logging.getLogger(__name__)

__all__ = ["LanguageGuess", "detect_language", "detect_missing", "set_language"]

# Chosen on the development split (htmldate-eval's mediacloud_2020 pages), see eval_language.py:
# the first 2,000 characters gave the same answer as the whole text on every page, at a tenth of
# the cost of a long article; answers with probability >= 0.5 were right on 109 of 109 texts cut
# to 40 characters and 76 of 77 cut to 25; under 25 characters the detector is a guess.
MAX_CHARS = 2000
MIN_CHARS = 25
MIN_CONFIDENCE = 0.5
# the model's labels for "no language" (markup, numbers)
_NO_LANGUAGE = {"und", "zxx"}

# values of documents.language_source
TEXT = "text"
DECLARED = "declared"
UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class LanguageGuess:
    """The language of a text (None: undetermined), where it came from and how sure it is."""

    language: str | None
    source: str
    confidence: float | None = None


@cache
def _identifier() -> Any:
    import io
    import lzma
    from array import array

    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    # py3langid's own loader unpacks its model through a temporary file: on a full disk, or
    # under a file-size limit, detection would fail with every record. Unpacked in memory.
    with lzma.open(MODEL_DIR / MODEL_FILE) as packed:
        model = np.load(io.BytesIO(packed.read()), allow_pickle=False)

    def plain(values: Any) -> array[int]:  # the tokenizer indexes stdlib arrays
        return array({2: "H", 4: "I", 8: "L"}[values.dtype.itemsize], values.tobytes())

    # probabilities normalised over the languages, so one threshold serves every length
    return LanguageIdentifier(
        model["ptc"],
        model["pc"],
        model["classes"].tolist(),
        plain(model["nextmove"]),
        model["out_feat"].tolist(),
        norm_probs=True,
        tk_row=plain(model["nextmove_row"]),
    )


def normalise_code(value: str | None) -> str | None:
    """'en-GB', 'de_DE', ' FR ' -> 'en', 'de', 'fr'; None for what is not a language code."""
    if not value:
        return None
    code = value.strip().replace("_", "-").split(",")[0].split("-")[0].lower()
    return code if code.isalpha() and 2 <= len(code) <= 3 and code not in _NO_LANGUAGE else None


def detect_language(text: str, declared: str | None = None) -> LanguageGuess:
    """The language of `text`; `declared` (what the page or record said) when the text cannot
    tell."""
    declared = normalise_code(declared)
    sample = text[:MAX_CHARS].strip() if text else ""
    if len(sample) >= MIN_CHARS:
        code, probability = _identifier().classify(sample)
        code = normalise_code(str(code))
        if code is not None and probability >= MIN_CONFIDENCE:
            return LanguageGuess(code, TEXT, round(float(probability), 4))
    if declared is not None:
        return LanguageGuess(declared, DECLARED)
    return LanguageGuess(None, UNDETERMINED)


def set_language(doc: DocumentRecord) -> LanguageGuess:
    """Detect the language of a document built with what its page or record declared in
    `language`: the declaration moves to `language_declared`, the detected language (and how it
    was found) to `language` and `language_source`."""
    declared = doc.language_declared or doc.language
    guess = detect_language(doc.text, declared)
    doc.language_declared = declared.strip() if declared else None  # as given, even if no code
    doc.language = guess.language
    doc.language_source = guess.source
    doc.language_confidence = guess.confidence
    return guess


def detect_missing(db: Path, chunk: int = 2000) -> int:
    """Detect the language of every document stored without one (written before detection
    existed, or by a path that does not detect: the seeds). Returns how many were done."""
    from mediamon.corpus.languages import undetected, write_languages

    done = 0
    after = ""
    while True:
        rows = undetected(db, after, chunk)
        if not rows:
            return done
        found = []
        for doc_id, text, declared in rows:
            guess = detect_language(text or "", declared)
            found.append((doc_id, guess.language, guess.source, guess.confidence, declared))
        write_languages(db, found)
        done += len(found)
        after = rows[-1][0]
        logger.info("detected the language of %d stored documents", done)
