"""The real-text stance set (evaluation/real/README.md): passages of published reporting with
adjudicated labels, split by article into train, dev and test.

Each passage becomes an :class:`evaluation.evalset.Item` (no quotes, no phenomena), so the
harness of evaluation/evaluate.py scores it as it scores the fictional sets. The kind of text
(news or opinion) and the author are not given to the system: on real pages it would not know
them either.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

from evaluation.evalset import BASES, POLARITIES, TARGETS, GoldActor, GoldStance, Item
from mediamon.errors import ConfigError

REAL = Path(__file__).resolve().parent / "real"
PASSAGES = REAL / "passages.jsonl"
GOLD = REAL / "gold.jsonl"
SPLITS = REAL / "splits.json"
SPLIT_NAMES = ("train", "dev", "test")
# training passages beyond the split, labelled once (real/extra/, real/make_extra.py)
EXTRA_PASSAGES = REAL / "extra" / "passages.jsonl"
EXTRA_GOLD = REAL / "extra" / "gold.jsonl"
# held-out passages collected and labelled after the main set (real/fresh/, real/make_fresh.py);
# with the test split they are the "heldout" set the gate measures on
FRESH_PASSAGES = REAL / "fresh" / "passages.jsonl"
FRESH_GOLD = REAL / "fresh" / "gold.jsonl"
# passages labelled once like the extra ones but never trained on (real/unseen/, make_extra.py)
UNSEEN_PASSAGES = REAL / "unseen" / "passages.jsonl"
UNSEEN_GOLD = REAL / "unseen" / "gold.jsonl"
OTHER_SPLITS = ("extra", "fresh", "heldout", "unseen")
_SINGLE = {"extra": (EXTRA_GOLD, EXTRA_PASSAGES), "unseen": (UNSEEN_GOLD, UNSEEN_PASSAGES)}


def article(url: str) -> str:
    """The article a URL stands for: scheme, www., query, fragment and an /amp tail dropped."""
    url = re.sub(r"^https?://(www\.|m\.|amp\.)?", "", url.strip().lower())
    url = re.sub(r"[?#].*$", "", url).rstrip("/")
    return re.sub(r"/amp$", "", url)


@dataclass(frozen=True)
class Passage:
    id: str
    url: str
    outlet: str
    title: str | None
    date: str | None
    text: str
    article: str  # the group the split keeps together


@dataclass(frozen=True)
class RealItem:
    passage: Passage
    item: Item
    on_topic: bool


def read_jsonl(path: Path) -> list[dict[str, object]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError as exc:
            raise ConfigError(f"{path}:{number}: not JSON ({exc})") from None
    return rows


def passages(path: Path = PASSAGES) -> dict[str, Passage]:
    found = {}
    for row in read_jsonl(path):
        found[str(row["id"])] = Passage(
            str(row["id"]),
            str(row["url"]),
            str(row["outlet"]),
            row.get("title") and str(row["title"]),  # type: ignore[arg-type]
            row.get("date") and str(row["date"]),  # type: ignore[arg-type]
            str(row["text"]),
            article(str(row["url"])),
        )
    return found


def parse_labels(row: dict[str, object], passage: Passage, where: str) -> RealItem:
    """One labelled passage (GUIDE.md, section 6) as an Item; a broken rule is a ConfigError."""
    text = passage.text
    actors = []
    names: set[str] = set()
    for actor in row.get("actors") or []:  # type: ignore[attr-defined]
        name = str(actor["name"])
        if name in names:
            raise ConfigError(f"{where}: actor {name!r} is listed twice")
        names.add(name)
        aliases = tuple(str(a) for a in actor.get("aliases") or [] if str(a) != name)
        actors.append(GoldActor(name, str(actor.get("type") or "other"), aliases))
    stances = []
    pairs: set[tuple[str, str]] = set()
    for fact in row.get("stances") or []:  # type: ignore[attr-defined]
        actor, target = str(fact["actor"]), str(fact["target"])
        polarity, basis = str(fact["polarity"]), str(fact["basis"])
        if actor not in names:
            raise ConfigError(f"{where}: stance of {actor!r}, who is not in 'actors'")
        if target not in TARGETS or polarity not in POLARITIES or basis not in BASES:
            raise ConfigError(f"{where}: {actor!r}: bad target, polarity or basis")
        if (actor, target) in pairs:
            raise ConfigError(f"{where}: {actor!r} has two stances on {target!r}")
        pairs.add((actor, target))
        evidence = " ".join(str(fact.get("evidence") or "").split())
        if evidence and evidence not in " ".join(text.split()):
            raise ConfigError(f"{where}: {actor!r}: evidence is not in the passage")
        stances.append(GoldStance(actor, target, polarity, basis, ()))
    item = Item(
        id=passage.id,
        kind="news",  # not given to the system (see the module's docstring)
        title=passage.title or "",
        author=None,
        text=text,
        actors=tuple(actors),
        mentions=tuple(a.name for a in actors),
        quotes=(),
        stances=tuple(stances),
        phenomena=(),
    )
    return RealItem(passage, item, bool(row.get("on_topic")))


def labelled(path: Path, passages_path: Path = PASSAGES) -> dict[str, RealItem]:
    """A labelling (one annotator's file, or the gold set), by passage id."""
    by_id = passages(passages_path)
    found = {}
    for number, row in enumerate(read_jsonl(path), 1):
        pid = str(row.get("id"))
        if pid not in by_id:
            raise ConfigError(f"{path}:{number}: unknown passage {pid!r}")
        found[pid] = parse_labels(row, by_id[pid], f"{path}:{number}")
    return found


def labelled_subset(path: Path, passages_path: Path) -> dict[str, RealItem]:
    """The labels of the passages in passages_path, ignoring labels of passages not in it."""
    by_id = passages(passages_path)
    return {
        pid: parse_labels(row, by_id[pid], f"{path}:{number}")
        for number, row in enumerate(read_jsonl(path), 1)
        if (pid := str(row.get("id"))) in by_id
    }


def load(split: str, gold: Path | None = None, splits: Path = SPLITS) -> list[RealItem]:
    """The gold items of one split in passage order: train, dev, test, the extra training
    passages, the fresh held-out passages, heldout (test and fresh), or the unseen passages."""
    if split in _SINGLE:  # labelled once: every line of the gold is a kept passage
        default_gold, passages_path = _SINGLE[split]
        found = labelled(gold or default_gold, passages_path)
        return [found[i] for i in sorted(found)]
    if split == "fresh":
        # the gold labels every collected passage; only those make_fresh.py kept count
        fresh = labelled_subset(gold or FRESH_GOLD, FRESH_PASSAGES)
        return [fresh[i] for i in sorted(fresh)]
    if split == "heldout":
        return load("test", gold, splits) + load("fresh")
    if split not in SPLIT_NAMES:
        names = ", ".join((*SPLIT_NAMES, *OTHER_SPLITS))
        raise ConfigError(f"no split {split!r}; the splits are {names}")
    gold = gold if gold is not None else GOLD
    try:
        ids = json.loads(splits.read_text(encoding="utf-8"))[split]
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"{splits}: cannot read split {split!r} ({exc})") from None
    items = labelled(gold)
    return [items[i] for i in sorted(ids) if i in items]
