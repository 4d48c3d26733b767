"""Stance, actor and topic quality on real reporting (evaluation/real/), with a gate.

    python evaluation/eval_real.py                 # the held-out set: test split and fresh
    python evaluation/eval_real.py --split test    # the test split alone (scored, never tuned on)
    python evaluation/eval_real.py --split dev     # errors to look at (trained on since 2026-12-07)
    python evaluation/eval_real.py --split unseen  # 413 passages labelled once, never trained on
    python evaluation/eval_real.py --json

Systems, all on the same passages: ours (the pipeline with the learned stance model), ours
keeping only stances of confidence >= 0.7, today's rules (the pipeline without the model), the
sentence-sentiment baseline and raw en_core_web_sm NER (mentions only). Figures: stance
precision, recall and F1 (per target too, and recall per basis), actor mentions, and the ROC
AUC of topic relevance between on- and off-topic passages. Exits 1 when ours falls below the
floors pinned for the held-out set, 2 when the set or the pipeline cannot be loaded.
"""

import argparse
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from evaluation.adapter import RulesTagger, Tagger  # noqa: E402
from evaluation.baselines import ner_baseline, sentiment_baseline  # noqa: E402
from evaluation.evalset import BASES, TARGETS  # noqa: E402
from evaluation.evaluate import Prediction, Report, score  # noqa: E402
from evaluation.realset import RealItem, load  # noqa: E402

log = logging.getLogger("eval_real")

STRICT = 0.7  # the --min-confidence an analyst would use for a precise timeline


@dataclass(frozen=True)
class Floors:
    stance_f1: float
    stance_precision: float
    strict_precision: float
    mention_recall: float
    topic_auc: float


# The gate measures on the held-out set: the test split and the fresh passages (real/fresh/),
# 190 passages, never trained or tuned on. The test split alone (85 passages) measured
# precision at 0.7 on about 70 stances, too few for a floor to tell a worse model from noise.
# Policy, written down before anything was scored on the fresh passages: each floor is what
# the committed model measured on the held-out set when it was first scored (2026-12-07),
# rounded down to two decimals (three for AUC), less a margin for the noise between two similar
# models: 0.02 on F1, precision and mention recall, 0.03 on precision at 0.7 (it rests on about
# a third as many stances), 0.005 on topic AUC. A new model lands only if it clears every floor
# and does not lower held-out F1. Raise them as the pipeline improves; never lower them to let
# a change in. They are below the targets (0.60, 0.60, 0.80, 0.85, 0.97).
# First held-out figures (2026-12-07, the model before this one): F1 0.426, P 0.417, P at 0.7
# 0.720, mention recall 0.817, AUC 0.956. Raised for this model (F1 0.448, P 0.448, P at 0.7
# 0.721, mention recall 0.830, AUC 0.956) by the same rule, never below the floors before it.
# Raised again for the model with a word-piece gate (F1 0.479, P 0.456, P at 0.7 0.721, mention
# recall 0.830, AUC 0.956): F1 to 0.45 and P to 0.43; the others stay.
# Raised for the model trained on the extra passages too, with the grown registry and topic
# vocabulary (F1 0.483, P 0.505, P at 0.7 0.730, mention recall 0.848, AUC 0.971). Then for
# the model with the unnamed government and states listed beside organisations (F1 0.500, P
# 0.495, P at 0.7 0.724, mention recall 0.859, AUC 0.971): F1 to 0.48, mention recall to 0.83;
# P and P at 0.7 stay (the rule would give 0.47 and 0.69, below the floors before). Then for
# the model trained on the dev split too, thresholds chosen out of fold (F1 0.514, P 0.506, P at
# 0.7 0.722, mention recall 0.859, AUC 0.971): F1 to 0.49; the others stay.
FLOORS = Floors(
    stance_f1=0.49,
    stance_precision=0.48,
    strict_precision=0.70,
    mention_recall=0.83,
    topic_auc=0.966,
)


def _analyze(analyzer: Any, real: RealItem) -> Prediction:
    item = real.item
    if isinstance(analyzer, Tagger):  # ours gets the site's name, as `tag` gives it sitename
        return analyzer.analyze(item.text, item.title, None, None, real.passage.outlet)
    prediction: Prediction = analyzer.analyze(item.text, title=item.title, author=None, kind=None)
    return prediction


def strict(
    predictions: list[Prediction], confident: list[set[tuple[str, str, str]]]
) -> list[Prediction]:
    return [
        Prediction(p.mentions, p.quotes, p.stances & keep, p.aliases)
        for p, keep in zip(predictions, confident, strict=True)
    ]


def auc(scores: list[float], labels: list[bool]) -> float:
    """ROC AUC: the chance that an on-topic passage scores above an off-topic one."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def run(split: str) -> dict[str, Any]:
    import spacy

    from mediamon.documents.topic import TopicModel
    from mediamon.nlp.pipeline import DEFAULT_MODEL

    reals = load(split)
    items = [r.item for r in reals]
    ours = ConfidenceTagger()
    predictions = []
    confident = []
    for r in reals:
        prediction, sure = ours.analyze_with_confidence(r.item.text, r.passage.outlet)
        predictions.append(prediction)
        confident.append(sure)
    rules = RulesTagger()
    nlp = spacy.load(DEFAULT_MODEL)
    systems: dict[str, Report] = {
        "ours": score(items, predictions),
        f"ours >= {STRICT}": score(items, strict(predictions, confident)),
        "rules (before)": score(items, [_analyze(rules, r) for r in reals]),
        "sentiment baseline": score(items, [_analyze(sentiment_baseline(nlp), r) for r in reals]),
        "raw NER (mentions)": score(items, [_analyze(ner_baseline(nlp), r) for r in reals]),
    }
    topic = TopicModel.from_toml()
    topic_scores = [topic.score(r.item.text, r.item.title).score for r in reals]
    return {
        "split": split,
        "passages": len(reals),
        "on_topic": sum(r.on_topic for r in reals),
        "facts": sum(len(r.item.stances) for r in reals),
        "systems": systems,
        "topic_auc": auc(topic_scores, [r.on_topic for r in reals]),
    }


class ConfidenceTagger(Tagger):
    def analyze_with_confidence(
        self, text: str, publisher: str | None
    ) -> tuple[Prediction, set[tuple[str, str, str]]]:
        from mediamon.nlp.pipeline import make_doc

        doc = self.nlp(make_doc(self.nlp, text, None, None, None, publisher))
        prediction = self.predict(doc)
        actors = doc._.mm_actors or {}
        sure = {
            (actors[f.actor_id].name, f.target, f.polarity)
            for f in doc._.mm_stances or []
            if f.actor_id in actors and f.confidence >= STRICT
        }
        return prediction, sure


def check(result: dict[str, Any]) -> list[str]:
    ours: Report = result["systems"]["ours"]
    sure: Report = result["systems"][f"ours >= {STRICT}"]
    figures = {
        "stance_f1": ours.stances.f1,
        "stance_precision": ours.stances.precision,
        "strict_precision": sure.stances.precision,
        "mention_recall": ours.mentions.recall,
        "topic_auc": result["topic_auc"],
    }
    return [
        f"real {result['split']}: {name} {value:.3f} is below its floor {getattr(FLOORS, name)}"
        for name, value in figures.items()
        if value < getattr(FLOORS, name)
    ]


def table(result: dict[str, Any]) -> str:
    lines = [
        f"===== real reporting, {result['split']} split: {result['passages']} passages "
        f"({result['on_topic']} on-topic), {result['facts']} stance facts",
        f"{'system':22}{'stance P':>9}{'R':>7}{'F1':>7}{'mention P':>11}{'R':>7}"
        + "".join(f"{t + ' P':>12}{'R':>6}" for t in TARGETS),
    ]
    for name, report in result["systems"].items():
        row = (
            f"{name:22}{report.stances.precision:9.3f}{report.stances.recall:7.3f}"
            f"{report.stances.f1:7.3f}{report.mentions.precision:11.3f}"
            f"{report.mentions.recall:7.3f}"
        )
        for t in TARGETS:
            s = report.by_target[t]
            row += f"{s.precision:12.3f}{s.recall:6.3f}"
        lines.append(row)
    lines.append("stance recall by basis (found / labelled):")
    for name in ("ours", "rules (before)"):
        report = result["systems"][name]
        parts = [
            f"{b} {report.by_basis[b].correct_gold}/{report.by_basis[b].gold}"
            for b in BASES
            if report.by_basis[b].gold
        ]
        lines.append(f"  {name:20} " + ", ".join(parts))
    lines.append(f"topic relevance ROC AUC (on- vs off-topic): {result['topic_auc']:.3f}")
    return "\n".join(lines)


def as_json(result: dict[str, Any]) -> dict[str, Any]:
    return {**result, "systems": {k: r.as_dict() for k, r in result["systems"].items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--split",
        default="heldout",
        choices=("train", "dev", "test", "extra", "fresh", "heldout", "unseen"),
        help="heldout (the default, gated) is the test split and the fresh passages",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        result = run(args.split)
    except (ValueError, OSError) as exc:
        print(f"eval_real: {exc}", file=sys.stderr)
        return 2
    failures = check(result) if args.split == "heldout" else []
    if args.json:
        print(json.dumps({**as_json(result), "failures": failures}, indent=2))
    else:
        print(table(result))
        for failure in failures:
            print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
