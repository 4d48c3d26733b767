"""The synthetic benchmark corpus as Arrow tables: realistic shapes, invented text.

What is realistic is the shape, not the prose (that is synthetic_text.py):
- sources with Zipf-skewed volume; some start late, some stop (so `silent_sources` has work);
- publication dates over seven years, growing, thinner at weekends, with bursts around the
  debate's real events; about 4% undated;
- lengths log-normal (median about 380 words);
- actors from the bundled actors.toml plus discovered ones, mentioned with Zipf popularity;
- stances on e2ee and scanning with both polarities, from each actor type's disposition, and
  some actors changing sides at a date; quotes carrying the stance's evidence;
- about 7% syndicated copies sharing their original's cluster_id and annotations.
"""

import datetime as dt
import hashlib
import tomllib
from pathlib import Path

import numpy as np
import pyarrow as pa
from synthetic_text import TextMaker

REPO = Path(__file__).resolve().parent.parent

START = dt.date(2018, 1, 1)
END = dt.date(2024, 12, 31)
DAYS = (END - START).days + 1
NLP_VERSION = "synthetic-1"

# (date, strength, decay in days): the debate's news peaks
EVENTS = [
    (dt.date(2018, 9, 3), 1.0, 5),  # Five Eyes statement on encryption
    (dt.date(2019, 3, 6), 1.5, 6),  # "privacy-focused vision" for Messenger
    (dt.date(2019, 10, 4), 3.0, 8),  # open letter asking Facebook to hold off
    (dt.date(2020, 10, 11), 1.5, 5),  # international statement on end-to-end encryption
    (dt.date(2021, 8, 5), 4.0, 10),  # Apple announces CSAM detection
    (dt.date(2021, 9, 3), 2.0, 6),  # Apple pauses it
    (dt.date(2022, 5, 11), 3.0, 9),  # EU proposes the CSA regulation ("chat control")
    (dt.date(2022, 12, 7), 1.5, 5),  # Apple drops it
    (dt.date(2023, 9, 19), 2.5, 7),  # Online Safety Bill passes
    (dt.date(2023, 12, 6), 3.0, 8),  # Messenger encrypted by default
    (dt.date(2024, 6, 20), 2.0, 6),  # Council vote on chat control postponed
]

# disposition towards (e2ee, scanning) by actor type, in [-1, 1]
DISPOSITION = {
    "ngo_privacy": (0.85, -0.85),
    "ngo_child_safety": (-0.6, 0.75),
    "law_enforcement": (-0.7, 0.55),
    "government": (-0.35, 0.4),
    "intergovernmental": (-0.1, 0.3),
    "company": (0.5, -0.3),
    "academic": (0.55, -0.6),
}
DATE_SOURCES = ["jsonld", "meta", "feed", "sitemap", "url", "htmldate"]
DATE_SOURCE_P = [0.45, 0.25, 0.12, 0.05, 0.08, 0.05]
BASES = ["quote", "reported", "action", "authored"]
BASIS_P = [0.45, 0.3, 0.1, 0.15]


def _zipf(n: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def _day_weights() -> np.ndarray:
    """Relative volume per day: growth, weekend dip, bursts after events."""
    days = np.arange(DAYS)
    weekday = (START.weekday() + days) % 7
    volume = (1.0 + days / DAYS) * np.where(weekday >= 5, 0.45, 1.0)
    for date, strength, decay in EVENTS:
        after = days - (date - START).days
        volume += np.where(after >= 0, strength * 6 * np.exp(-np.maximum(after, 0) / decay), 0)
    return volume / volume.sum()


class Generator:
    def __init__(self, seed: int, sources: int = 120, discovered: int = 1200) -> None:
        self.rng = np.random.default_rng(seed)
        self.text = TextMaker(self.rng)
        self.sources = self._sources(sources)
        self.actors = self._actors(discovered)
        self.source_p = _zipf(self.sources.num_rows, 1.05)
        self.actor_p = _zipf(self.actors.num_rows, 1.1)
        self.day_cdf = np.cumsum(_day_weights())
        self.years = [(START + dt.timedelta(days=d)).year for d in range(DAYS)]
        types = self.actors.column("type").to_pylist()
        # people, media and discovered actors lean at random
        lean = self.rng.uniform(-0.8, 0.8, len(types))
        self.disposition = np.array(
            [DISPOSITION.get(t, (x, -x)) for t, x in zip(types, lean, strict=True)]
        )
        # about 12% of actors change sides at some date
        self.flip_day = np.where(
            self.rng.random(len(types)) < 0.12,
            self.rng.integers(int(DAYS * 0.2), int(DAYS * 0.9), len(types)),
            DAYS + 1,
        )

    def _sources(self, n: int) -> pa.Table:
        starts, stops = [], []
        for i in range(n):
            start = 0 if self.rng.random() > 0.2 else int(self.rng.integers(0, int(DAYS * 0.7)))
            stop = DAYS - 1
            if i in (2, 9, 21):  # sizeable outlets that went quiet weeks before the end
                stop = DAYS - 1 - int(self.rng.integers(30, 75))
            elif self.rng.random() < 0.12:
                stop = int(self.rng.integers(max(start + 120, int(DAYS * 0.3)), DAYS - 1))
            starts.append(start)
            stops.append(stop)
        names = [self.text.outlet_name(i) for i in range(n)]
        return pa.table(
            {
                "source_id": [f"src-{i:03d}" for i in range(n)],
                "name": names,
                "domain": [f"www.{x.lower()[4:].replace(' ', '')}.example" for x in names],
                "start": starts,
                "stop": stops,
            }
        )

    def _actors(self, discovered: int) -> pa.Table:
        actors_file = REPO / "mediamon" / "config" / "actors.toml"
        registry = tomllib.loads(actors_file.read_text(encoding="utf-8"))
        rows = [
            (a["id"], a["name"], a["type"], a.get("country"), "registry")
            for a in registry["actors"]
        ]
        for i in range(discovered):
            person = self.rng.random() < 0.6
            name = self.text.person_name() if person else self.text.org_name()
            kind = "person" if person else ["company", "ngo_privacy", "media"][i % 3]
            rows.append((f"x_{i:05d}", name, kind, None, "discovered"))
        rows = [rows[i] for i in self.rng.permutation(len(rows))]  # popularity rank
        cols = ("actor_id", "name", "type", "country", "origin")
        return pa.table({c: [r[k] for r in rows] for k, c in enumerate(cols)})

    def _days(self, src: np.ndarray) -> np.ndarray:
        """The global daily volume, restricted to each source's active window."""
        start = np.asarray(self.sources.column("start"))[src]
        stop = np.asarray(self.sources.column("stop"))[src]
        lo = np.where(start > 0, self.day_cdf[np.maximum(start - 1, 0)], 0.0)
        hi = self.day_cdf[stop]
        u = lo + self.rng.random(len(src)) * (hi - lo)
        return np.clip(np.searchsorted(self.day_cdf, u), start, stop)

    def chunk(self, first: int, n: int) -> dict[str, pa.Table]:
        rng, text = self.rng, self.text
        src = rng.choice(self.sources.num_rows, size=n, p=self.source_p)
        days = self._days(src)
        # syndicated copies: a copy takes an earlier document of the chunk as its original
        original = np.arange(n)
        copy = rng.random(n) < 0.07
        copy[0] = False
        original[copy] = (rng.random(int(copy.sum())) * np.flatnonzero(copy)).astype(np.int64)
        while not np.array_equal(original, original[original]):
            original = original[original]
        copy = original != np.arange(n)
        days = np.where(copy, np.minimum(days[original] + rng.integers(0, 3, n), DAYS - 1), days)
        undated = (rng.random(n) < 0.04)[original]
        theme = rng.integers(0, text.themes - 1, n)[original]
        words = np.clip(rng.lognormal(np.log(380), 0.6, n), 50, 6000)[original]

        names = self.sources.column("name").to_pylist()
        domains = self.sources.column("domain").to_pylist()
        texts: list[str] = []
        titles: list[str] = []
        for i in range(n):
            if copy[i]:
                texts.append(f"{names[src[i]]} reports: {texts[original[i]]}")
                titles.append(titles[original[i]])
            else:
                texts.append(text.article(int(theme[i]), int(words[i])))
                titles.append(text.title(int(theme[i])))
        urls = [
            f"https://{domains[s]}/{self.years[d]}/{t[:48].lower().replace(' ', '-')}-{first + i}"
            for i, (s, d, t) in enumerate(zip(src, days, titles, strict=True))
        ]
        doc_ids = [hashlib.sha256(f"url:{u}".encode()).hexdigest()[:16] for u in urls]
        epoch = (START - dt.date(1970, 1, 1)).days
        published = pa.array((epoch + days).astype(np.int32), mask=undated).cast(pa.date32())
        fetched_us = (epoch + days + 1).astype(np.int64) * 86_400_000_000 + rng.integers(
            0, 2 * 86_400_000_000, n
        )
        fetched = pa.array(fetched_us, pa.timestamp("us"))
        date_source = rng.choice(DATE_SOURCES, size=n, p=DATE_SOURCE_P).astype(object)
        date_source[undated] = None
        documents = pa.table(
            {
                "doc_id": doc_ids,
                "url": urls,
                "canonical_url": urls,
                "source_id": [f"src-{s:03d}" for s in src],
                "domain": [domains[s] for s in src],
                "title": titles,
                "sitename": [names[s] for s in src],
                "language": ["en"] * n,
                "published_at": published,
                "date_source": pa.array(date_source, pa.string()),
                "date_precision": pa.array([None if u else "day" for u in undated], pa.string()),
                "fetched_at": fetched,
                "ingested_at": fetched,
                "updated_at": fetched,
                "text": texts,
                "word_count": pa.array([t.count(" ") + 1 for t in texts], pa.int32()),
                "text_hash": [hashlib.sha256(t.encode()).hexdigest()[:32] for t in texts],
                "cluster_id": [doc_ids[o] for o in original],
                "relevance": np.round(rng.beta(5, 2, n), 4),
                "nlp_version": [NLP_VERSION] * n,
            }
        )
        originals = np.flatnonzero(~copy)
        annotations = self._annotations(originals, days, theme, texts)
        # copies carry their original's annotations, as the tagger would find the same
        order = np.argsort(original, kind="stable")
        group_start = np.searchsorted(original[order], np.arange(n))
        members = np.bincount(original, minlength=n)
        out = {"documents": documents}
        for name, table in annotations.items():
            rows = np.asarray(table.column("row"))
            repeat = members[rows]
            take = np.repeat(np.arange(len(rows)), repeat)
            offset = np.arange(len(take)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
            member = order[np.repeat(group_start[rows], repeat) + offset]
            ids = pa.array([doc_ids[m] for m in member], pa.string())
            out[name] = (
                table.take(pa.array(take)).drop_columns(["row"]).add_column(0, "doc_id", ids)
            )
        return out

    def _annotations(
        self, docs: np.ndarray, days: np.ndarray, theme: np.ndarray, texts: list[str]
    ) -> dict[str, pa.Table]:
        rng, text = self.rng, self.text
        per_doc = 1 + rng.poisson(2.2, len(docs))
        pairs = np.unique(
            np.stack(
                [
                    np.repeat(docs, per_doc),
                    rng.choice(self.actors.num_rows, size=int(per_doc.sum()), p=self.actor_p),
                ],
                axis=1,
            ),
            axis=0,
        )
        doc, actor = pairs[:, 0], pairs[:, 1]
        ids = self.actors.column("actor_id").to_pylist()
        names = self.actors.column("name").to_pylist()
        length = np.array([len(t) for t in texts])

        times = 1 + rng.poisson(0.8, len(doc))
        m_doc, m_actor = np.repeat(doc, times), np.repeat(actor, times)
        m_start = (rng.random(len(m_doc)) * np.maximum(length[m_doc] - 60, 1)).astype(np.int32)
        m_text = [names[a] for a in m_actor]
        mentions = pa.table(
            {
                "row": m_doc,
                "actor_id": [ids[a] for a in m_actor],
                "start_char": m_start,
                "end_char": m_start + np.array([len(t) for t in m_text], np.int32),
                "text": m_text,
                "label": ["ORG"] * len(m_doc),
                "nlp_version": [NLP_VERSION] * len(m_doc),
            }
        )

        # a third of the (document, actor) pairs carry a stance, some on both targets
        has = rng.random(len(doc)) < 0.33
        s_doc, s_actor = doc[has], actor[has]
        target = (rng.random(len(s_doc)) < 0.4).astype(np.int64)  # 0: e2ee, 1: scanning
        both = rng.random(len(s_doc)) < 0.15
        s_doc = np.concatenate([s_doc, s_doc[both]])
        s_actor = np.concatenate([s_actor, s_actor[both]])
        target = np.concatenate([target, 1 - target[both]])
        lean = self.disposition[s_actor, target]
        lean = np.where(days[s_doc] >= self.flip_day[s_actor], -lean, lean)
        u = rng.random(len(s_doc))
        p_favor = 0.85 * (1 + lean) / 2
        polarity = np.where(
            u < p_favor, "favor", np.where(u < p_favor + 0.15, "neutral", "against")
        )
        targets = np.where(target == 0, "e2ee", "scanning")
        basis = rng.choice(BASES, size=len(s_doc), p=BASIS_P)
        s_start = (rng.random(len(s_doc)) * np.maximum(length[s_doc] - 200, 1)).astype(np.int32)
        evidence = [
            text.evidence(names[a], str(t), str(p))
            for a, t, p in zip(s_actor, targets, polarity, strict=True)
        ]
        stances = pa.table(
            {
                "row": s_doc,
                "actor_id": [ids[a] for a in s_actor],
                "target": targets,
                "polarity": polarity,
                "confidence": np.round(rng.uniform(0.45, 0.98, len(s_doc)), 3),
                "evidence": evidence,
                "basis": basis,
                "start_char": s_start,
                "end_char": s_start + np.array([len(e) for e in evidence], np.int32),
                "nlp_version": [NLP_VERSION] * len(s_doc),
            }
        )
        # the quoted words of quote-based stances, and quotes that carry no stance
        quoted = np.flatnonzero(basis == "quote")
        extra = docs[rng.random(len(docs)) < 0.3]
        q_text = [evidence[i].split(": ", 1)[1] for i in quoted]
        q_text += [text.sentence(int(theme[d])) for d in extra]
        q_start = np.concatenate([s_start[quoted] + 12, np.zeros(len(extra), np.int32)])
        quotes = pa.table(
            {
                "row": np.concatenate([s_doc[quoted], extra]),
                "speaker_actor_id": pa.array(
                    [ids[s_actor[i]] for i in quoted] + [None] * len(extra), pa.string()
                ),
                "quote": q_text,
                "start_char": q_start.astype(np.int32),
                "end_char": (q_start + np.array([len(t) for t in q_text])).astype(np.int32),
                "kind": rng.choice(["direct", "indirect"], size=len(q_text), p=[0.7, 0.3]),
                "nlp_version": [NLP_VERSION] * len(q_text),
            }
        )
        return {"mentions": mentions, "stances": stances, "quotes": quotes}
