"""Gather the fresh held-out passages (fresh/collected/, fresh/gold.jsonl) into
fresh/passages.jsonl (run again if the fresh set changes; the output is committed).

The fresh passages were collected and labelled after the main set (fresh/README.md) to give
the gate more passages to measure on. They are never trained or tuned on, so a passage is
kept only when no text of it can have been learned from: its article is in neither the main
set nor the extra passages, it shares no run of twelve words (twice or more) with any of their
passages, it is English and 100 to 400 words, and its adjudicated labels parse by the guide.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from evaluation.real.make_splits import grams, summary, write_jsonl  # noqa: E402
from evaluation.realset import Passage, article, parse_labels, read_jsonl  # noqa: E402
from mediamon.documents.language import detect_language  # noqa: E402
from mediamon.errors import ConfigError  # noqa: E402

FRESH = HERE / "fresh"
FIELDS = ("id", "url", "outlet", "title", "date", "text")


def _unfit(
    label: dict[str, object] | None,
    row: dict[str, object],
    articles: set[str],
    others: list[set[tuple[str, ...]]],
) -> str | None:
    """Why a fresh passage cannot be a held-out passage, or None to keep it."""
    text = str(row["text"])
    if label is None:
        return "no labels"
    if detect_language(text).language != "en":
        return "not English"
    if not 100 <= len(text.split()) <= 400:
        return "not 100 to 400 words"
    if article(str(row["url"])) in articles:
        return "its article is in the main or extra set"
    own = grams(text)
    if any(len(own & other) >= 2 for other in others):
        return "shares text with a main or extra passage"
    passage = Passage(str(row["id"]), str(row["url"]), "", None, None, text, "")
    try:
        parse_labels(label, passage, str(row["id"]))
    except ConfigError as exc:
        return f"labels break the guide ({exc})"
    return None


def main() -> int:
    known = read_jsonl(HERE / "passages.jsonl") + read_jsonl(HERE / "extra" / "passages.jsonl")
    articles = {article(str(r["url"])) for r in known}
    others = [grams(str(r["text"])) for r in known]
    labels = {str(r["id"]): r for r in read_jsonl(FRESH / "gold.jsonl")}
    kept: list[dict[str, object]] = []
    dropped: dict[str, list[str]] = {}
    for collected in sorted((FRESH / "collected").glob("*.jsonl")):
        for row in read_jsonl(collected):
            why = _unfit(labels.get(str(row["id"])), row, articles, others)
            if why is not None:
                dropped.setdefault(why, []).append(str(row["id"]))
                continue
            kept.append({k: row.get(k) for k in FIELDS})
    write_jsonl(FRESH / "passages.jsonl", kept)
    facts = sum(len(labels[str(r["id"])].get("stances") or []) for r in kept)  # type: ignore[arg-type,misc]
    print(summary(len(kept), facts, dropped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
