"""Agreement between two labellings of the real-text set (evaluation/real/README.md).

    python evaluation/agreement.py evaluation/real/labels/a.jsonl evaluation/real/labels/b.jsonl

Per stance fact: F1 of one labelling against the other (symmetric), with actors matched by
name and alias as the scorer matches a system's (evaluation/evaluate.py). Polarity: Cohen's
kappa over the (actor, target) pairs both labellings gave a stance. Also actor mentions (F1)
and on-topic (kappa). With --disagreements, every passage where the two differ, for
adjudication.
"""

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from evaluation.evaluate import ActorIndex  # noqa: E402
from evaluation.realset import RealItem, labelled  # noqa: E402


def kappa(pairs: list[tuple[str, str]]) -> float:
    if not pairs:
        return float("nan")
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    left = Counter(a for a, _ in pairs)
    right = Counter(b for _, b in pairs)
    expected = sum(left[k] * right[k] for k in set(left) | set(right)) / (n * n)
    return 1.0 if expected == 1.0 else (observed - expected) / (1.0 - expected)


def f1(both: int, left: int, right: int) -> float:
    return 2 * both / (left + right) if left + right else 1.0


def _resolved(a: RealItem, b: RealItem) -> tuple[dict[str, str | None], ActorIndex]:
    """a's actor names -> b's actor names (None: b has no such actor)."""
    index = ActorIndex(b.item.actors)
    return {x.name: index.resolve(x.name, x.aliases) for x in a.item.actors}, index


def compare(a: dict[str, RealItem], b: dict[str, RealItem]) -> dict[str, object]:
    common = sorted(set(a) & set(b))
    facts = Counter[str]()
    mentions = Counter[str]()
    polarity_pairs: list[tuple[str, str]] = []
    topic_pairs: list[tuple[str, str]] = []
    for pid in common:
        x, y = a[pid], b[pid]
        topic_pairs.append((str(x.on_topic), str(y.on_topic)))
        to_b, _ = _resolved(x, y)
        ment_x = {to_b[n] or f"?{n}" for n in x.item.mentions}
        ment_y = set(y.item.mentions)
        mentions.update(both=len(ment_x & ment_y), left=len(ment_x), right=len(ment_y))
        fx = {(to_b[s.actor] or f"?{s.actor}", s.target): s.polarity for s in x.item.stances}
        fy = {(s.actor, s.target): s.polarity for s in y.item.stances}
        same = sum(1 for k, v in fx.items() if fy.get(k) == v)
        facts.update(both=same, left=len(fx), right=len(fy))
        polarity_pairs += [(fx[k], fy[k]) for k in fx.keys() & fy.keys()]
    return {
        "passages": len(common),
        "facts_left": facts["left"],
        "facts_right": facts["right"],
        "facts_agreed": facts["both"],
        "fact_f1": round(f1(facts["both"], facts["left"], facts["right"]), 3),
        "pairs_both": len(polarity_pairs),
        "polarity_agreement": round(
            sum(p == q for p, q in polarity_pairs) / max(1, len(polarity_pairs)), 3
        ),
        "polarity_kappa": round(kappa(polarity_pairs), 3),
        "mention_f1": round(f1(mentions["both"], mentions["left"], mentions["right"]), 3),
        "on_topic_agreement": round(
            sum(p == q for p, q in topic_pairs) / max(1, len(topic_pairs)), 3
        ),
        "on_topic_kappa": round(kappa(topic_pairs), 3),
    }


def disagreements(a: dict[str, RealItem], b: dict[str, RealItem]) -> list[str]:
    """The passages whose stance facts or topic differ."""
    found = []
    for pid in sorted(set(a) & set(b)):
        x, y = a[pid], b[pid]
        to_b, _ = _resolved(x, y)
        fx = {(to_b[s.actor] or f"?{s.actor}", s.target, s.polarity) for s in x.item.stances}
        fy = {(s.actor, s.target, s.polarity) for s in y.item.stances}
        if fx != fy or x.on_topic != y.on_topic:
            found.append(pid)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("left", type=Path)
    parser.add_argument("right", type=Path)
    parser.add_argument("--disagreements", action="store_true")
    args = parser.parse_args(argv)
    a, b = labelled(args.left), labelled(args.right)
    if args.disagreements:
        print("\n".join(disagreements(a, b)))
        return 0
    print(json.dumps(compare(a, b), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
