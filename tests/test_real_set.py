"""The real-text stance set (evaluation/real/) is what its README says it is.

Passages of published reporting, each with its source; two blind labellings and the adjudicated
gold set; a split by article. These checks keep the data honest as it grows: a passage added
without its source, a labelling that names an actor the passage lacks, or an article whose
passages land in two splits fails here.
"""

import json
from collections import Counter
from pathlib import Path

import pytest

from evaluation import realset
from evaluation.agreement import compare
from evaluation.realset import article

REAL = realset.REAL


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_passages_are_short_cited_excerpts_of_many_articles_and_outlets() -> None:
    rows = _rows(realset.PASSAGES)
    assert len(rows) >= 400
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        words = len(str(row["text"]).split())
        assert 100 <= words <= 400, row["id"]
        assert str(row["url"]).startswith(("http://", "https://")), row["id"]
        assert row["outlet"], row["id"]
    assert len({article(str(r["url"])) for r in rows}) >= 150
    assert len({str(r["outlet"]).casefold() for r in rows}) >= 40
    assert len({" ".join(str(r["text"]).split()) for r in rows}) == len(rows)


def test_the_split_keeps_each_article_in_one_split_and_covers_every_passage() -> None:
    splits = json.loads(realset.SPLITS.read_text(encoding="utf-8"))
    passages = realset.passages()
    seen: dict[str, str] = {}
    where: dict[str, set[str]] = {}
    for name in realset.SPLIT_NAMES:
        for pid in splits[name]:
            assert pid not in seen, f"{pid} is in {seen.get(pid)} and {name}"
            seen[pid] = name
            where.setdefault(article(passages[pid].url), set()).add(name)
    assert set(seen) == set(passages)
    assert all(len(names) == 1 for names in where.values())
    sizes = Counter(seen.values())
    assert 0.55 <= sizes["train"] / len(seen) <= 0.65
    assert 0.15 <= sizes["test"] / len(seen) <= 0.25


@pytest.mark.parametrize("name", ["a.jsonl", "b.jsonl", "gold.jsonl"])
def test_every_labelling_covers_every_passage_and_follows_the_format(name: str) -> None:
    labels = realset.labelled(REAL / "labels" / name if name != "gold.jsonl" else realset.GOLD)
    assert set(labels) == set(realset.passages())
    facts = sum(len(r.item.stances) for r in labels.values())
    assert facts >= 400
    assert sum(r.on_topic for r in labels.values()) < len(labels)  # off-topic look-alikes


def test_the_gold_set_notes_every_adjudication_and_agrees_with_both_labellings_mostly() -> None:
    gold = realset.labelled(realset.GOLD)
    a = realset.labelled(REAL / "labels" / "a.jsonl")
    b = realset.labelled(REAL / "labels" / "b.jsonl")
    for labelling in (a, b):
        agreement = compare(labelling, gold)
        # the gold set is built from the two labellings: it differs only where they did
        assert float(agreement["fact_f1"]) >= 0.9  # type: ignore[arg-type]
    raw = _rows(realset.GOLD)
    assert all("adjudication" in row for row in raw)


def test_a_labelling_that_breaks_the_format_is_one_line_naming_the_passage(
    tmp_path: Path,
) -> None:
    passage = next(iter(realset.passages().values()))
    bad = {
        "id": passage.id,
        "on_topic": True,
        "actors": [{"name": "Somebody", "type": "person", "aliases": []}],
        "stances": [
            {
                "actor": "Nobody",
                "target": "e2ee",
                "polarity": "favor",
                "basis": "quote",
                "evidence": "",
            }
        ],
    }
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(bad) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^{path}:1: stance of 'Nobody', who is not in"):
        realset.labelled(path)


def test_the_extra_training_passages_never_share_text_with_held_out_passages() -> None:
    """real/extra/ is training data only: no article of the main set or the fresh passages, no
    run of twelve words (twice) shared with a dev, test or fresh passage, every label parsing by
    the guide's rules."""
    from evaluation.real.make_splits import grams

    extra = realset.load("extra")
    assert len(extra) >= 150
    splits = json.loads(realset.SPLITS.read_text(encoding="utf-8"))
    passages = realset.passages()
    held = [grams(passages[p].text) for name in ("dev", "test") for p in splits[name]]
    fresh = realset.load("fresh")
    held += [grams(item.passage.text) for item in fresh]
    main_articles = {p.article for p in passages.values()} | {i.passage.article for i in fresh}
    _assert_kept_apart(extra, "x", main_articles, held, [])


def _assert_kept_apart(
    items: list[realset.RealItem],
    prefix: str,
    articles: set[str],
    held: list[set[tuple[str, ...]]],
    trained: list[set[tuple[str, ...]]],
) -> None:
    """Each passage: its own article, in no other set; no two twelve-word runs shared with a
    held-out passage; no copy (eight runs) of a trained-on one."""
    from evaluation.real.make_splits import grams

    seen: set[str] = set()
    for item in items:
        assert item.passage.id.startswith(prefix)
        assert item.passage.article not in articles, item.passage.id
        assert item.passage.article not in seen, item.passage.id
        seen.add(item.passage.article)
        own = grams(item.passage.text)
        assert all(len(own & other) < 2 for other in held), item.passage.id
        assert all(len(own & other) < 8 for other in trained), item.passage.id
        assert 100 <= len(item.passage.text.split()) <= 400


@pytest.mark.parametrize("kind", ["extra", "unseen"])
def test_make_extra_rebuilds_the_committed_files(kind: str) -> None:
    import subprocess
    import sys

    before = {n: (REAL / kind / n).read_bytes() for n in ("passages.jsonl", "gold.jsonl")}
    result = subprocess.run(
        [sys.executable, str(REAL / "make_extra.py"), kind],
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        assert result.returncode == 0, result.stderr[-2000:]
        for name, data in before.items():
            assert (REAL / kind / name).read_bytes() == data, name
    finally:
        for name, data in before.items():
            (REAL / kind / name).write_bytes(data)


def test_the_unseen_passages_share_no_text_with_any_other_set() -> None:
    """real/unseen/ is never trained on: no article of any other set, no run of twelve words
    (twice) shared with a held-out passage, no copy (eight runs) of a train or extra passage."""
    from evaluation.real.make_splits import grams

    unseen = realset.load("unseen")
    assert len(unseen) >= 400
    others = [
        i.passage
        for split in ("train", "dev", "test", "extra", "fresh")
        for i in realset.load(split)
    ]
    articles = {p.article for p in others}
    held = [
        grams(i.passage.text) for split in ("dev", "test", "fresh") for i in realset.load(split)
    ]
    trained = [grams(i.passage.text) for split in ("train", "extra") for i in realset.load(split)]
    _assert_kept_apart(unseen, "u", articles, held, trained)


def test_training_never_reads_the_unseen_passages() -> None:
    from evaluation import train_stance

    with pytest.raises(ValueError, match="unseen"):
        train_stance.parse_sources("real,unseen")
    assert "unseen" not in train_stance.parse_sources(train_stance.DEFAULT_SOURCES)


def test_the_fresh_held_out_passages_share_no_text_with_anything_trained_or_tuned_on() -> None:
    """real/fresh/ is held out: no article and no two twelve-word runs shared with any passage
    of the main set (train and dev above all) or the extra training passages."""
    from evaluation.real.make_splits import grams

    fresh = realset.load("fresh")
    assert len(fresh) >= 100
    known = [*realset.passages().values(), *realset.passages(realset.EXTRA_PASSAGES).values()]
    articles = {p.article for p in known}
    others = [grams(p.text) for p in known]
    for item in fresh:
        assert item.passage.article not in articles, item.passage.id
        own = grams(item.passage.text)
        assert all(len(own & other) < 2 for other in others), item.passage.id
    ids = [r.passage.id for r in fresh]
    assert len(set(ids)) == len(ids)


def test_the_held_out_set_is_the_test_split_and_the_fresh_passages() -> None:
    heldout = [r.passage.id for r in realset.load("heldout")]
    test = [r.passage.id for r in realset.load("test")]
    fresh = [r.passage.id for r in realset.load("fresh")]
    assert heldout == test + fresh
    assert not set(test) & set(fresh)


def test_make_fresh_rebuilds_the_committed_file() -> None:
    import subprocess
    import sys

    path = REAL / "fresh" / "passages.jsonl"
    before = path.read_bytes()
    result = subprocess.run(
        [sys.executable, str(REAL / "make_fresh.py")], capture_output=True, text=True, timeout=300
    )
    try:
        assert result.returncode == 0, result.stderr[-2000:]
        assert path.read_bytes() == before
        assert "kept 105 passages" in result.stdout
    finally:
        path.write_bytes(before)
