"""The learned stance decision: a trained linear model over each candidate's features.

The model is a gzipped JSON file (mediamon/nlp/models/stance.json.gz) that `make train` rebuilds
from the labelled sets: feature names, one weight row per class (none, favor, against, neutral),
the intercepts and a temperature that calibrates the probabilities on held-back folds. Reading it
needs nothing but the standard library (a plain .json file is read too); training
(evaluation/train_stance.py) uses scikit-learn.

A candidate becomes a stance when the model's probability of `none` is below the model's
threshold (chosen out of fold over the real train and dev splits); its side is the more probable
of the others, and that side's probability is the stance's confidence.

A model may carry a `gate`: a second model of the same form that also reads the words of the
sentences where the actor meets the target, through word-piece vectors (evaluation/vectors.py).
A linear model over their mean vector is the mean of one score per piece and class, so the file
keeps those scores (`pieces`), not the vectors. With a gate, the gate's P(none) and threshold
decide whether a candidate is a stance; its side and confidence are still the main model's. The
words find stances the features miss, but the main model is the better judge of how sure to be.

The evidence is the actor's statement that argues for the decided side most strongly (or,
failing that, the sentence where the actor and the target meet), and the basis is that
statement's, as the rules would give it.
"""

import gzip
import hashlib
import json
import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from spacy.tokens import Doc

from mediamon.errors import ConfigError
from mediamon.nlp.docindex import text_of
from mediamon.nlp.features import Candidate, Scored
from mediamon.nlp.stance import BASIS, StanceFact
from mediamon.nlp.statements import Statement
from mediamon.nlp.versioning import MODEL_FILE as MODEL_FILE
from mediamon.nlp.wordpiece import WordPieces

_GZIP = b"\x1f\x8b"


def model_text(path: Path = MODEL_FILE) -> bytes:
    """A model file's JSON, unzipped if it is gzipped (whatever its name)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the stance model ({exc.strerror})") from None
    if raw[:2] != _GZIP:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ConfigError(
            f"{path}: a broken gzip file ({exc}); rebuild it with `make train`"
        ) from None


CLASSES = ("none", "favor", "against", "neutral")
_KNOWN_LIMIT = 20_000  # texts' piece logits kept (about a hundred documents' worth)


def sentences_of(candidate: Candidate) -> list[tuple[int, int]]:
    """The sentences whose words the model reads: where the actor and the target meet, else the
    actor's first mention."""
    if candidate.sentences:
        return list(candidate.sentences)
    return [candidate.first] if candidate.first[1] > candidate.first[0] else []


@dataclass
class PieceScores:
    """Per word piece, for each target, one logit per class; a text adds their mean."""

    targets: dict[str, int]
    scores: list[list[float]]
    splitter: WordPieces
    _blocks: dict[int, list[tuple[float, ...]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _known: dict[tuple[object, ...], list[float]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> "PieceScores":
        vocab: list[str] = data["vocab"]  # type: ignore[assignment]
        scores: list[list[float]] = data["scores"]  # type: ignore[assignment]
        targets: list[str] = data["targets"]  # type: ignore[assignment]
        if len(vocab) != len(scores):
            raise ValueError("pieces: vocab and scores differ in length")
        return cls(
            {t: k for k, t in enumerate(targets)},
            scores,
            WordPieces({piece: k for k, piece in enumerate(vocab)}),
        )

    def logits(self, target: str, texts: list[str], classes: int) -> list[float] | None:
        block = self.targets.get(target)
        if block is None:
            return None
        key = (block, classes, *texts)
        known = self._known.get(key)
        if known is not None:
            return known  # candidates of one sentence: several actors, the same words
        ids = self.splitter.ids(texts)
        if not ids:
            return None
        rows = self._block(block, classes)
        if classes == 4:
            # the model's four classes unrolled: the same additions in the same order
            s0 = s1 = s2 = s3 = 0.0
            for i in ids:
                r0, r1, r2, r3 = rows[i]
                s0 += r0
                s1 += r1
                s2 += r2
                s3 += r3
            sums = [s0, s1, s2, s3]
        else:
            sums = [0.0] * classes
            for i in ids:
                row = rows[i]
                for c in range(classes):
                    sums[c] += row[c]
        found = [v / len(ids) for v in sums]
        if len(self._known) >= _KNOWN_LIMIT:
            self._known.clear()
        self._known[key] = found
        return found

    def _block(self, block: int, classes: int) -> list[tuple[float, ...]]:
        """Each piece's scores for one target, cut out once rather than indexed per piece."""
        rows = self._blocks.get(block)
        if rows is None:
            offset = block * classes
            rows = self._blocks[block] = [
                tuple(row[offset : offset + classes]) for row in self.scores
            ]
        return rows


@dataclass
class StanceModel:
    classes: tuple[str, ...]
    index: dict[str, int]
    weights: list[list[float]]  # per feature: one weight per class
    intercept: list[float]
    temperature: float
    digest: str
    threshold: float = 0.5  # a stance when P(none) is below it (chosen out of fold)
    pieces: PieceScores | None = None
    gate: "StanceModel | None" = None  # decides whether there is a stance, when present
    _by_name: dict[str, tuple[float, ...]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: dict[str, object], digest: str = "") -> "StanceModel":
        features: list[str] = data["features"]  # type: ignore[assignment]
        pieces = data.get("pieces")
        gate = data.get("gate")
        return cls(
            tuple(data["classes"]),  # type: ignore[arg-type]
            {name: k for k, name in enumerate(features)},
            data["weights"],  # type: ignore[arg-type]
            [float(v) for v in data["intercept"]],  # type: ignore[attr-defined]
            float(data.get("temperature", 1.0)),  # type: ignore[arg-type]
            digest,
            float(data.get("threshold", 0.5)),  # type: ignore[arg-type]
            PieceScores.from_dict(pieces) if isinstance(pieces, dict) else None,
            cls.from_dict(gate) if isinstance(gate, dict) else None,
        )

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "StanceModel":
        raw = model_text(path)
        try:
            data = json.loads(raw)
            weights = data["weights"]
            features = data["features"]
            model = cls.from_dict(data, hashlib.sha256(raw).hexdigest()[:10])
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"{path}: not a stance model ({exc}); rebuild it with `make train`"
            ) from None
        if not model.well_formed() or len(weights) != len(features):
            raise ConfigError(f"{path}: not a stance model; rebuild it with `make train`")
        return model

    def well_formed(self) -> bool:
        width = len(CLASSES) * len(self.pieces.targets) if self.pieces else 0
        return (
            set(self.classes) == set(CLASSES)
            and len(self.weights) == len(self.index)
            and not (self.pieces and any(len(row) != width for row in self.pieces.scores))
            and (self.gate is None or self.gate.well_formed())
        )

    def _rows(self) -> dict[str, tuple[float, ...]]:
        """Feature name -> its weights: one look-up per feature instead of two."""
        if self._by_name is None:
            width = len(self.intercept)
            self._by_name = {name: tuple(self.weights[k][:width]) for name, k in self.index.items()}
        return self._by_name

    def reads_words(self) -> bool:
        return self.pieces is not None or (self.gate is not None and self.gate.reads_words())

    def decision(
        self, features: dict[str, float], target: str = "", texts: list[str] | None = None
    ) -> tuple[str, float] | None:
        """The side and confidence of a candidate's stance, or None when it has none."""
        # the gate first: most candidates stop there, and the main model is not asked
        gate = self.gate
        if (
            gate is not None
            and gate.probabilities(features, target, texts)["none"] >= gate.threshold
        ):
            return None
        probs = self.probabilities(features, target, texts)
        if gate is None and probs["none"] >= self.threshold:
            return None
        side = max((c for c in probs if c != "none"), key=lambda c: probs[c])
        return side, probs[side]

    def probabilities(
        self, features: dict[str, float], target: str = "", texts: list[str] | None = None
    ) -> dict[str, float]:
        """P(class) for a candidate's features and, when the model reads words, the texts of
        its sentences (sentences_of) for its target."""
        logits = list(self.intercept)
        if self.pieces is not None and texts:
            read = self.pieces.logits(target, texts, len(logits))
            if read is not None:
                logits = [a + b for a, b in zip(logits, read, strict=True)]
        rows = self._rows()
        if len(logits) == 4:
            # the four classes unrolled: the same additions in the same order
            l0, l1, l2, l3 = logits
            for name, value in features.items():
                row = rows.get(name)
                if row is not None:
                    r0, r1, r2, r3 = row
                    l0 += r0 * value
                    l1 += r1 * value
                    l2 += r2 * value
                    l3 += r3 * value
            logits = [l0, l1, l2, l3]
        else:
            for name, value in features.items():
                row = rows.get(name)
                if row is not None:
                    for c in range(len(logits)):
                        logits[c] += row[c] * value
        scaled = [v / self.temperature for v in logits]
        top = max(scaled)
        exps = [math.exp(v - top) for v in scaled]
        total = sum(exps)
        return {name: e / total for name, e in zip(self.classes, exps, strict=True)}


def decide(
    doc: Doc, model: StanceModel, candidates: list[Candidate], scored: list[Scored]
) -> list[StanceFact]:
    """The stances the model finds among the candidates, with evidence and basis."""
    statements: list[Statement] = doc._.mm_statements or []
    rules = {(f.actor_id, f.target): f for f in doc._.mm_rule_stances or []}
    facts: list[StanceFact] = []
    text = text_of(doc) if model.reads_words() else ""
    for candidate in candidates:
        texts = [text[a:b] for a, b in sentences_of(candidate)] if text else None
        decided = model.decision(candidate.features, candidate.target, texts)
        if decided is None:
            continue
        polarity, probability = decided
        confidence = round(probability, 3)
        key = (candidate.actor_id, candidate.target)
        rule = rules.get(key)
        if rule is not None and rule.polarity == polarity:
            facts.append(
                StanceFact(
                    *key, polarity, confidence, rule.evidence, rule.basis, rule.start, rule.end
                )
            )
            continue
        fact = _with_evidence(doc, candidate, polarity, confidence, statements, scored)
        if candidate.actor_id == doc._.mm_publisher_id and not candidate.statements:
            fact.basis = "authored"  # the site's own voice
        facts.append(fact)
    return facts


def _with_evidence(
    doc: Doc,
    candidate: Candidate,
    polarity: str,
    confidence: float,
    statements: list[Statement],
    scored: list[Scored],
) -> StanceFact:
    sign = {"favor": 1.0, "against": -1.0}.get(polarity, 0.0)
    mine = [
        s for s in scored if s.target == candidate.target and s.statement in candidate.statements
    ]
    agreeing = [s for s in mine if s.score * sign > 0 or (sign == 0.0 and s.neutral)]
    if agreeing:
        best = max(agreeing, key=lambda s: abs(s.score))
        statement = statements[best.statement]
        basis = "action" if statement.letter else BASIS[statement.kind]
        start, end = statement.sentence
        evidence = statement.evidence or _clean(text_of(doc)[start:end])
    elif candidate.sentences:
        start, end = candidate.sentences[0]
        evidence = _clean(text_of(doc)[start:end])
        said = [
            statements[k] for k in candidate.statements if statements[k].sentence == (start, end)
        ]
        basis = BASIS[said[0].kind] if said else "reported"
    elif candidate.statements:
        statement = statements[candidate.statements[0]]
        start, end = statement.sentence
        evidence = _clean(text_of(doc)[start:end])
        basis = "action" if statement.letter else BASIS[statement.kind]
    else:
        start, end = candidate.first
        evidence = _clean(text_of(doc)[start:end])
        basis = "reported"
    return StanceFact(
        candidate.actor_id, candidate.target, polarity, confidence, evidence, basis, start, end
    )


def _clean(text: str) -> str:
    return " ".join(text.split())[:1000]
