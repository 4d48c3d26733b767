"""The baselines the pipeline has to beat, run on the same items in the same process: bare
spaCy NER for mentions (:func:`ner_baseline`) and a sentence-level sentiment count for stances
(:func:`sentiment_baseline`)."""

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from evaluation.evalset import DEFAULT_STANCE_CONFIG, NER_LABELS
from evaluation.evaluate import Prediction
from mediamon.config import stance as stance_schema

if TYPE_CHECKING:
    from spacy.language import Language


# --------------------------------------------------------------------------------- baselines


class NerBaseline:
    """Bare spaCy NER: every PERSON, ORG, GPE or NORP entity is a mention; nothing else."""

    def __init__(self, nlp: "Language") -> None:
        self.nlp = nlp

    def analyze(
        self,
        text: str,
        title: str | None = None,
        author: str | None = None,
        kind: str | None = None,
    ) -> Prediction:
        doc = self.nlp(text)
        return Prediction(mentions={ent.text for ent in doc.ents if ent.label_ in NER_LABELS})


def ner_baseline(nlp: "Language") -> NerBaseline:
    return NerBaseline(nlp)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# General sentiment words (no cue from config/stance.toml was copied here). Matched against a
# token's lower-cased form and its lemma.
POSITIVE_WORDS = _words(
    """
    good great welcome support protect safe secure benefit help right fair strong essential vital
    important improve success successful trust praise back defend applaud positive better best
    proud agree glad hope valuable freedom progress effective sensible responsible celebrate
    endorse embrace champion win useful
    """
)
NEGATIVE_WORDS = _words(
    """
    bad worse worst danger dangerous harm harmful threat threaten risk risky fail failure wrong
    oppose reject criticise criticize condemn attack fear worry concern alarm warn damage destroy
    undermine weaken break reckless irresponsible disaster crisis problem unacceptable flaw flawed
    fight dismiss deny blind hide expose unsafe
    """
)


def load_target_terms(path: str | Path | None = None) -> dict[str, tuple[str, ...]]:
    """The ``terms`` of every target in a stance config (default: config/stance.toml)."""
    source = Path(path) if path is not None else DEFAULT_STANCE_CONFIG
    file = stance_schema.load(source)  # ConfigError (a ValueError), one line, when malformed
    return {name: tuple(t.lower() for t in target.terms) for name, target in file.targets.items()}


def _term_pattern(terms: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted({re.escape(t) for t in terms}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


class SentimentBaseline:
    """The naive stance baseline.

    In every sentence that names an entity (PERSON, ORG, GPE, NORP) and mentions a target term,
    the sentence's score is the number of positive minus negative lexicon words; each entity
    named in it adds that score to its (entity, target) total for the document. A positive total
    is ``favor``, a negative one ``against``, zero gives no fact. No negation, no speaker: it is
    the floor a stance model has to clear.
    """

    def __init__(self, nlp: "Language", targets: Mapping[str, Sequence[str]]) -> None:
        self.nlp = nlp
        self.patterns = {name: _term_pattern(terms) for name, terms in targets.items()}

    def analyze(
        self,
        text: str,
        title: str | None = None,
        author: str | None = None,
        kind: str | None = None,
    ) -> Prediction:
        doc = self.nlp(text)
        totals: dict[tuple[str, str], int] = {}
        mentions: set[str] = set()
        for sent in doc.sents:
            entities = [ent.text for ent in sent.ents if ent.label_ in NER_LABELS]
            mentions.update(entities)
            if not entities:
                continue
            surface = sent.text.lower()
            lemmas = "".join(tok.lemma_.lower() + tok.whitespace_ for tok in sent)
            targets = [
                name
                for name, pattern in self.patterns.items()
                if pattern.search(surface) or pattern.search(lemmas)
            ]
            if not targets:
                continue
            value = 0
            for tok in sent:
                forms = {tok.lower_, tok.lemma_.lower()}
                value += bool(forms & POSITIVE_WORDS) - bool(forms & NEGATIVE_WORDS)
            for entity in entities:
                for target in targets:
                    totals[(entity, target)] = totals.get((entity, target), 0) + value
        stances = {
            (entity, target, "favor" if value > 0 else "against")
            for (entity, target), value in totals.items()
            if value
        }
        return Prediction(mentions=mentions, stances=stances)


def sentiment_baseline(
    nlp: "Language", targets: Mapping[str, Sequence[str]] | None = None
) -> SentimentBaseline:
    """The naive stance baseline; ``targets`` defaults to the terms of config/stance.toml."""
    return SentimentBaseline(nlp, targets if targets is not None else load_target_terms())
