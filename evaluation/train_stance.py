"""Train the stance classifier (mediamon/nlp/classifier.py) from the labelled sets.

    python evaluation/train_stance.py                 # writes mediamon/nlp/models/stance.json.gz
    python evaluation/train_stance.py --sources real  # real text only (to see what each adds)

Every (actor, target) candidate of a training text (mediamon/nlp/features.py, from the pipeline
with the rules alone) gets the label of the gold fact its actor resolves to, or `none`. Sources:
the real-text train and dev splits (evaluation/real/, weighted higher), the extra real passages
(evaluation/real/extra/) and the fictional set stance_eval.jsonl; the real test split, the fresh
passages and the fictional dev2 and test sets are never trained on.
A multinomial logistic regression is fitted, its probabilities calibrated by one temperature
fitted on out-of-fold predictions (folds by article), and the result written as plain JSON.
The threshold on P(none) is chosen on the same out-of-fold predictions, over the candidates of
the real train and dev passages (both labelled twice and adjudicated, like the held-out set).
Besides the candidate's features it reads the mean word-piece vector of the sentences where the
actor meets the target (evaluation/vectors.py); the fitted weights on those dimensions are folded
into one score per piece, target and class, so the file keeps no vectors.
The same data gives the same file: the rows are in a fixed order and the solver is
deterministic.
"""

import argparse
import gzip
import hashlib
import json
import logging
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from evaluation import realset, vectors  # noqa: E402
from evaluation.evalset import Item, load_items  # noqa: E402
from evaluation.evaluate import ActorIndex  # noqa: E402
from mediamon.nlp.classifier import CLASSES, MODEL_FILE, sentences_of  # noqa: E402
from mediamon.nlp.docindex import text_of  # noqa: E402
from mediamon.nlp.features import Candidate  # noqa: E402
from mediamon.nlp.pipeline import build, make_doc  # noqa: E402

log = logging.getLogger("train_stance")

FICTIONAL = HERE / "sets" / "stance_eval.jsonl"
REAL_WEIGHT = 2.0  # a real passage's candidates count this much more than a fictional one's
# the extra real passages (labelled once, real/extra/): trained on since long word bags are
# capped (features.WORD_CAP), which keeps the seeds reading as SEEDS.md says; on dev, same code,
# without -> with them: F1 0.592 -> 0.613, P 0.624 -> 0.673, P at 0.7 0.872 -> 0.898
EXTRA_WEIGHT = 1.0
# a timeline reader needs most of what is shown to be right: the floor for precision
MIN_PRECISION = 0.6
C = 0.1  # inverse regularisation, chosen on the dev split (README, "How the model is trained")
# the gate (classifier.py): the sentence vector's weight against the other features (its mean
# length over the training candidates is scaled to this) and the gate's C, both chosen on the
# dev split (evaluation/VECTORS_EXPERIMENT.md)
GATE_SCALE = 4.0
GATE_C = 0.1
SOURCES = ("real", "dev", "extra", "fictional")
DEFAULT_SOURCES = ",".join(SOURCES)


@dataclass
class Row:
    group: str
    source: str
    features: dict[str, float]
    label: str
    target: str = ""
    texts: list[str] = field(default_factory=list)  # the sentences the model reads


Example = tuple[Item, str, str, str | None, str | None]  # item, source, group, kind, publisher


def candidate_rows(nlp: object, items: list[Example]) -> list[Row]:
    """One row per candidate of each example, labelled from the gold."""
    stance_model = nlp.get_pipe("mediamon_stance_model")  # type: ignore[attr-defined]
    rows: list[Row] = []
    for item, source, group, kind, publisher in items:
        made = make_doc(nlp, item.text, None, item.author, kind, publisher)  # type: ignore[arg-type]
        doc = nlp(made)  # type: ignore[operator]
        candidates: list[Candidate] = stance_model.featurizer.candidates(doc, doc._.mm_scored)
        index = ActorIndex(item.actors)
        gold = {(s.actor, s.target): s.polarity for s in item.stances}
        forms: dict[str, set[str]] = {}
        for m in doc._.mm_mentions or []:
            forms.setdefault(m.actor_id, set()).add(doc[m.start : m.end].text)
        actors = doc._.mm_actors
        text = text_of(doc)
        for c in candidates:
            actor = actors[c.actor_id]
            resolved = index.resolve(actor.name, forms.get(c.actor_id, set(actor.aliases)))
            label = gold.get((resolved, c.target), "none") if resolved else "none"
            texts = [text[a:b] for a, b in sentences_of(c)]
            rows.append(Row(group, source, c.features, label, c.target, texts))
    return rows


def parse_sources(text: str) -> set[str]:
    """The sources named in a comma-separated list; the held-out sets and the unseen passages
    (real/unseen/) are no source: they are never trained on."""
    sources = {s.strip() for s in text.split(",") if s.strip()}
    unknown = sorted(sources - set(SOURCES))
    if unknown or not sources:
        raise ValueError(
            f"no training source {', '.join(unknown) or '(none given)'}; the sources are "
            f"{', '.join(SOURCES)} (test, fresh and unseen passages are never trained on)"
        )
    return sources


def gather(sources: set[str]) -> list[Row]:
    nlp = build(stance_model="")  # the rules alone: their verdicts are features
    items: list[Example] = []
    if "fictional" in sources:
        for i in load_items(FICTIONAL):
            items.append((i, "fictional", f"fictional:{i.id}", i.kind, None))
    for name in ("real", "dev"):
        if name in sources:
            # articles never span two splits, so the article is the fold's group in both
            for r in realset.load("train" if name == "real" else "dev"):
                items.append((r.item, name, f"real:{r.passage.article}", None, r.passage.outlet))
    if "extra" in sources:
        for r in realset.load("extra"):
            items.append((r.item, "extra", f"extra:{r.passage.article}", None, r.passage.outlet))
    log.info("featurizing %d texts", len(items))
    return candidate_rows(nlp, items)


def real_facts(sources: set[str]) -> int:
    """The gold facts of the real passages trained on (a fact whose actor is never found is a
    candidate nowhere, and counts as missed)."""
    splits = [s for name, s in (("real", "train"), ("dev", "dev")) if name in sources]
    return sum(len(r.item.stances) for split in splits for r in realset.load(split))


def choose_threshold(
    rows: list[Row], model: np.ndarray, gate: np.ndarray, facts: int
) -> tuple[float, dict[str, float]]:
    """The P(none) threshold with the best stance F1 over the real rows' out-of-fold
    probabilities (model: the main model's, which gives the side; gate: the one whose P(none)
    decides) among those whose precision is at least MIN_PRECISION (the best F1 overall when
    none is), and its figures."""
    real = [k for k, r in enumerate(rows) if r.source in ("real", "dev")]
    labels = [rows[k].label for k in real]
    sides = [1 + int(np.argmax(model[k, 1:])) for k in real]
    best: tuple[float, dict[str, float]] = (0.5, {"f1": -1.0})
    fallback = best
    for step in range(6, 17):
        tau = step / 20
        right = wrong = sure_right = sure = 0
        for k, label, side in zip(real, labels, sides, strict=True):
            if gate[k, 0] >= tau:
                continue
            ok = CLASSES[side] == label
            right += ok
            wrong += not ok
            if model[k, side] >= 0.7:
                sure += 1
                sure_right += ok
        f1 = 2 * right / (2 * right + wrong + (facts - right)) if facts else 0.0
        figures = {
            "f1": round(f1, 4),
            "precision": round(right / (right + wrong), 4) if right + wrong else 0.0,
            "recall": round(right / facts, 4) if facts else 0.0,
            "precision_at_0.7": round(sure_right / sure, 4) if sure else 0.0,
        }
        if f1 > fallback[1]["f1"] + 1e-9:
            fallback = (tau, figures)
        if right >= MIN_PRECISION * (right + wrong) and f1 > best[1]["f1"] + 1e-9:
            best = (tau, figures)
    return best if best[1]["f1"] >= 0 else fallback


def fit(rows: list[Row], c: float = C) -> tuple[dict[str, object], np.ndarray]:
    """The model as a dict, and its calibrated out-of-fold probabilities, one row per row."""
    from scipy.optimize import minimize_scalar
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    vectorizer = DictVectorizer(sort=True)
    x = vectorizer.fit_transform([r.features for r in rows])
    y = np.array([CLASSES.index(r.label) for r in rows])
    weight = {"real": REAL_WEIGHT, "dev": REAL_WEIGHT, "extra": EXTRA_WEIGHT}
    weights = np.array([weight.get(r.source, 1.0) for r in rows])
    groups = [r.group for r in rows]

    def model() -> LogisticRegression:
        return LogisticRegression(C=c, max_iter=5000, solver="lbfgs")

    # out-of-fold logits for the temperature (and the figures the README reports)
    logits = np.zeros((len(rows), len(CLASSES)))
    for train, held in GroupKFold(n_splits=5).split(x, y, groups):
        m = model().fit(x[train], y[train], sample_weight=weights[train])
        full = np.full((len(held), len(CLASSES)), -30.0)
        full[:, m.classes_] = m.decision_function(x[held])
        logits[held] = full

    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-(weights * logp[np.arange(len(y)), y]).sum() / weights.sum())

    temperature = float(minimize_scalar(nll, bounds=(0.2, 5.0), method="bounded").x)
    z = logits / temperature
    z = np.exp(z - z.max(axis=1, keepdims=True))
    held_out = z / z.sum(axis=1, keepdims=True)
    final = model().fit(x, y, sample_weight=weights)
    coef = np.zeros((len(CLASSES), x.shape[1]))
    intercept = np.full(len(CLASSES), -30.0)
    coef[final.classes_] = final.coef_
    intercept[final.classes_] = final.intercept_
    names = vectorizer.get_feature_names_out()
    kept = [k for k in range(len(names)) if np.abs(coef[:, k]).max() >= 1e-4]
    counts = {cls: int((y == k).sum()) for k, cls in enumerate(CLASSES)}
    fitted: dict[str, object] = {
        "format": 1,
        "classes": list(CLASSES),
        "temperature": round(temperature, 4),
        "intercept": [round(float(v), 5) for v in intercept],
        "features": [str(names[k]) for k in kept],
        "weights": [[round(float(v), 5) for v in coef[:, k]] for k in kept],
        "trained_on": {
            "rows": len(rows),
            "labels": counts,
            "sources": sorted({r.source for r in rows}),
            "real_weight": REAL_WEIGHT,
            "extra_weight": EXTRA_WEIGHT,
            "C": c,
            "out_of_fold_nll": round(nll(temperature), 4),
            "out_of_fold_nll_uncalibrated": round(nll(1.0), 4),
        },
    }
    return fitted, held_out


def mean_vectors(rows: list[Row], table: np.ndarray, vocab: list[str]) -> list[np.ndarray | None]:
    """Each row's mean word-piece vector over the sentences it reads (None: no known piece)."""
    from mediamon.nlp.wordpiece import WordPieces

    splitter = WordPieces({piece: k for k, piece in enumerate(vocab)})
    out: list[np.ndarray | None] = []
    for row in rows:
        ids = splitter.ids(row.texts)
        out.append(table[ids].mean(axis=0) if ids else None)
    return out


def add_vector_features(rows: list[Row], means: list[np.ndarray | None], gain: float) -> None:
    """`vec_<target>:<k>`: the mean vector, times gain, as features of the fit."""
    for row, mean in zip(rows, means, strict=True):
        if mean is None:
            continue
        for k, value in enumerate(mean):
            row.features[f"vec_{row.target}:{k}"] = gain * float(value)


def fold_vectors(
    model: dict[str, object], table: np.ndarray, vocab: list[str], gain: float, source: str
) -> None:
    """Replaces the fitted weights of the vector dimensions with one score per piece, target
    and class (the weights times the piece's vector times gain), exactly what they add to a
    mean vector's logits. Pieces the splitter can never give ([CLS], [unused0]) are left out."""
    features: list[str] = model["features"]  # type: ignore[assignment]
    weights: list[list[float]] = model["weights"]  # type: ignore[assignment]
    targets = sorted({f[4:].split(":")[0] for f in features if f.startswith("vec_")})
    width = table.shape[1]
    blocks = []
    for target in targets:
        w = np.zeros((width, len(CLASSES)))
        for name, row in zip(features, weights, strict=True):
            if name.startswith(f"vec_{target}:"):
                w[int(name.rsplit(":", 1)[1])] = row
        blocks.append(gain * table @ w)
    scores = np.concatenate(blocks, axis=1)
    keep = [k for k, p in enumerate(vocab) if not (p.startswith("[") and p.endswith("]"))]
    kept = [k for k, name in enumerate(features) if not name.startswith("vec_")]
    model["features"] = [features[k] for k in kept]
    model["weights"] = [weights[k] for k in kept]
    model["pieces"] = {
        "source": source,
        "targets": targets,
        "vocab": [vocab[k] for k in keep],
        "scores": [[round(float(v), 4) for v in scores[k]] for k in keep],
    }


def fit_gate(rows: list[Row], scale: float, c: float) -> tuple[dict[str, object], np.ndarray]:
    """The gate: the same fit, with each row's mean word-piece vector as features, folded; and
    its out-of-fold probabilities."""
    vocab, table, sha = vectors.load()
    means = mean_vectors(rows, table, vocab)
    lengths = [float(np.linalg.norm(m)) for m in means if m is not None]
    gain = scale / float(np.mean(lengths))
    with_vectors = [
        Row(r.group, r.source, dict(r.features), r.label, r.target, r.texts) for r in rows
    ]
    add_vector_features(with_vectors, means, gain)
    gate, held_out = fit(with_vectors, c)
    source = f"{vectors.PACKAGE} {vectors.VERSION}, input embeddings, sha256 {sha[:16]}"
    fold_vectors(gate, table, vocab, gain, source)
    gate["trained_on"]["vector_scale"] = scale  # type: ignore[index]
    return gate, held_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sources",
        default=DEFAULT_SOURCES,
        help="any of real (the real train split), dev (the real dev split), extra "
        "(real/extra/), fictional",
    )
    parser.add_argument("-o", "--output", type=Path, default=MODEL_FILE)
    parser.add_argument("--c", type=float, default=C)
    parser.add_argument(
        "--gate-scale",
        type=float,
        default=GATE_SCALE,
        help="weight of the sentence's word-piece vector in the gate; 0: no gate",
    )
    parser.add_argument("--gate-c", type=float, default=GATE_C)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        sources = parse_sources(args.sources)
    except ValueError as exc:
        parser.error(str(exc))
    rows = gather(sources)
    facts = real_facts(sources)
    # one BLAS thread: with more, the solver's sums come out in another order and a few
    # near-zero weights cross the pruning line, so the file would depend on the machine's cores
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        model, held_out = fit(rows, args.c)
        threshold, figures = choose_threshold(rows, held_out, held_out, facts)
        model["threshold"] = threshold
        model["trained_on"]["out_of_fold_at_threshold"] = figures  # type: ignore[index]
        if args.gate_scale:
            gate, gate_held_out = fit_gate(rows, args.gate_scale, args.gate_c)
            threshold, figures = choose_threshold(rows, held_out, gate_held_out, facts)
            gate["threshold"] = threshold
            gate["trained_on"]["out_of_fold_at_threshold"] = figures  # type: ignore[index]
            model["gate"] = gate
    args.output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n"
    data = text.encode("utf-8")
    if args.output.name.endswith(".gz"):
        # no time stamp in the header, so the same model is the same bytes
        data = gzip.compress(data, compresslevel=9, mtime=0)
    args.output.write_bytes(data)
    digest = hashlib.sha256(text.encode()).hexdigest()[:10]
    size = math.ceil(len(data) / 1024)
    log.info(
        "wrote %s: %d features, %s, gate %s, %d KB, sha256 %s",
        args.output,
        len(model["features"]),  # type: ignore[arg-type]
        model["trained_on"],
        model["gate"]["trained_on"] if "gate" in model else None,  # type: ignore[index]
        size,
        digest,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
