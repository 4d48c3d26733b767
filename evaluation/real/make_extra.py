"""Gather the extra training passages (extra/collected/, extra/labels/) into extra/passages.jsonl
and extra/gold.jsonl (run again whenever a slice is added; the output is committed).

    python evaluation/real/make_extra.py            # extra/: training passages (x001 ...)
    python evaluation/real/make_extra.py unseen     # unseen/: never trained on (u001 ...)

The extra passages are training data only: they are never in the dev or test split. The unseen
passages (unseen/) are gathered the same way, and are no copy of an extra passage either: they
are labelled once like the extra ones but never trained on, a larger reading of text the model
and the actor registry have not met. A passage
is kept when it is English (mediamon's own language detection), 100 to 400 words, its labels
parse by the guide's rules, its article is not one of the main set's (evaluation/real/
passages.jsonl), the fresh held-out passages' (fresh/passages.jsonl) or an extra passage's kept
before it, it shares no run of twelve words (twice or more) with a dev, test or fresh passage,
so no held-out text reaches training, and it is no copy of a train or extra passage (eight
shared runs, as make_splits.py groups them).
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from evaluation.real.make_splits import grams, summary, write_jsonl  # noqa: E402
from evaluation.realset import Passage, RealItem, article, parse_labels  # noqa: E402
from mediamon.documents.language import detect_language  # noqa: E402
from mediamon.errors import ConfigError  # noqa: E402

EXTRA = HERE / "extra"
KINDS = {"extra": "x", "unseen": "u"}  # directory: id prefix


def _unfit(
    labelled: bool,
    text: str,
    known_article: bool,
    own: set[tuple[str, ...]],
    held: list[set[tuple[str, ...]]],
    seen: list[set[tuple[str, ...]]],
) -> str | None:
    """Why a collected passage is left out, or None to keep it."""
    if not labelled:
        return "no labels"
    if detect_language(text).language != "en":
        return "not English"
    if not 100 <= len(text.split()) <= 400:
        return "not 100 to 400 words"
    if known_article:
        return "article already in the set"
    if any(len(own & other) >= 2 for other in held):
        return "shares text with a dev, test or fresh passage"
    if any(len(own & other) >= 8 for other in seen):
        return "a copy of a train or extra passage"
    return None


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    kind = args[0] if args else "extra"
    if kind not in KINDS:
        print(f"no set {kind!r}; choose one of {', '.join(KINDS)}", file=sys.stderr)
        return 2
    into = HERE / kind
    main_rows = _rows(HERE / "passages.jsonl")
    splits = json.loads((HERE / "splits.json").read_text(encoding="utf-8"))
    held_out = set(splits["dev"]) | set(splits["test"])
    seen_articles = {article(str(r["url"])) for r in main_rows}
    fresh_rows = _rows(HERE / "fresh" / "passages.jsonl")
    seen_articles |= {article(str(r["url"])) for r in fresh_rows}
    held_grams = [grams(str(r["text"])) for r in main_rows if r["id"] in held_out]
    held_grams += [grams(str(r["text"])) for r in fresh_rows]
    seen_grams = [grams(str(r["text"])) for r in main_rows if r["id"] not in held_out]
    if kind == "unseen":
        extra_rows = _rows(EXTRA / "passages.jsonl")
        seen_articles |= {article(str(r["url"])) for r in extra_rows}
        seen_grams += [grams(str(r["text"])) for r in extra_rows]
    passages: list[dict[str, object]] = []
    gold: list[dict[str, object]] = []
    kept: list[RealItem] = []
    dropped: dict[str, list[str]] = {}
    for collected in sorted((into / "collected").glob("*.jsonl")):
        labels_path = into / "labels" / collected.name
        labels = {}
        if labels_path.exists():
            for line in labels_path.open(encoding="utf-8"):
                if line.strip():
                    row = json.loads(line)
                    labels[row["id"]] = row
        for line in collected.open(encoding="utf-8"):
            if not line.strip():
                continue
            row = json.loads(line)
            cid, text = row["id"], str(row["text"])
            key = article(str(row["url"]))
            own = grams(text)
            why = _unfit(cid in labels, text, key in seen_articles, own, held_grams, seen_grams)
            if why is not None:
                dropped.setdefault(why, []).append(cid)
                continue
            pid = f"{KINDS[kind]}{len(passages) + 1:03d}"
            passage = Passage(
                pid, row["url"], row["outlet"], row.get("title"), row.get("date"), text, key
            )
            label = {**labels[cid], "id": pid}
            try:
                kept.append(parse_labels(label, passage, f"{labels_path.name}:{cid}"))
            except ConfigError as exc:
                dropped.setdefault(f"labels break the guide's rules ({exc})", []).append(cid)
                continue
            seen_articles.add(key)
            seen_grams.append(own)
            passages.append(
                {"id": pid, "collected_id": cid, **{k: v for k, v in row.items() if k != "id"}}
            )
            gold.append({**label, "source": "single"})
    write_jsonl(into / "passages.jsonl", passages)
    write_jsonl(into / "gold.jsonl", gold)
    print(summary(len(passages), sum(len(item.item.stances) for item in kept), dropped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
