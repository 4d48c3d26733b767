"""Split the passages into train, dev and test by article (run once; the result is committed).

Passages of one article, and passages of different URLs that share text (a syndicated copy, a
wire story, a statement quoted at length: twelve words in a row, at least eight times), form
one group, and a group goes whole into one split. Groups are shuffled with a fixed seed and
dealt into the splits in the proportions 60/20/20 of passages, separately for each collection
slice, so each split covers every period and the off-topic look-alikes.
"""

import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from evaluation.realset import article  # noqa: E402

SEED = 20261207
SHARE = {"train": 0.6, "dev": 0.2, "test": 0.2}


def grams(text: str) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i : i + 12]) for i in range(len(words) - 11)}


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def summary(kept: int, facts: int, dropped: dict[str, list[str]]) -> str:
    """What a make_*.py script kept and left out, and why, for its user."""
    lines = [f"kept {kept} passages ({facts} stance facts)"]
    for why, ids in sorted(dropped.items()):
        lines.append(f"left out, {why}: {len(ids)} ({' '.join(ids)})")
    return "\n".join(lines)


def main() -> int:
    rows = [json.loads(line) for line in (HERE / "passages.jsonl").open(encoding="utf-8")]
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    by_article: dict[str, int] = {}
    shingles = [grams(r["text"]) for r in rows]
    for i, row in enumerate(rows):
        key = article(row["url"])
        if key in by_article:
            union(i, by_article[key])
        by_article.setdefault(key, i)
        for j in range(i):
            if len(shingles[i] & shingles[j]) >= 8:
                union(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(i)
    rng = random.Random(SEED)
    splits: dict[str, list[str]] = {name: [] for name in SHARE}
    slices = sorted({r["collected_id"].split("-")[0] for r in rows})
    for slice_ in slices:
        members = [g for g in groups.values() if rows[g[0]]["collected_id"].startswith(slice_)]
        members.sort(key=lambda g: rows[g[0]]["id"])
        rng.shuffle(members)
        total = sum(len(g) for g in members)
        taken = {name: 0 for name in SHARE}
        for group in members:
            # the split furthest below its share takes the next group
            name = min(SHARE, key=lambda n: taken[n] / total - SHARE[n])
            taken[name] += len(group)
            splits[name] += [rows[i]["id"] for i in group]
    for name in splits:
        splits[name].sort()
    out = {
        "seed": SEED,
        "groups": len(groups),
        **{name: ids for name, ids in splits.items()},
    }
    (HERE / "splits.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    for name, ids in splits.items():
        print(name, len(ids))
    return 0


if __name__ == "__main__":
    sys.exit(main())
