import json, pickle, sys
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2]))
from mediamon.nlp.classifier import StanceModel
from evaluation.train_stance import dev_facts
data = pickle.loads(open("/tmp/static_rows.pkl", "rb").read())
rows, texts = data["dev"]
facts = dev_facts()
main = StanceModel.from_dict(json.loads(open(sys.argv[2]).read()))
vec = StanceModel.from_dict(json.loads(open(sys.argv[1]).read()))
pm = [main.probabilities(r.features) for r in rows]
pv = [vec.probabilities(r.features, t, tx) for r, (t, tx) in zip(rows, texts)]
def score(name, decide):
    out = [decide(a, b) for a, b in zip(pm, pv)]
    def pr(minc):
        right = wrong = 0
        for r, o in zip(rows, out):
            if o is None or o[1] < minc: continue
            right += o[0] == r.label; wrong += o[0] != r.label
        p = right / max(1, right + wrong); rec = right / facts
        return p, rec, 2 * p * rec / max(1e-9, p + rec)
    p, r, f = pr(0); p7, r7, _ = pr(0.7)
    print(f"{name:28s} P {p:.3f} R {r:.3f} F1 {f:.3f} | P@0.7 {p7:.3f} R@0.7 {r7:.3f}")
def side(p): return max((c for c in p if c != "none"), key=lambda c: p[c])
tm, tv = main.threshold, vec.threshold
score("main", lambda a, b: (side(a), a[side(a)]) if a["none"] < tm else None)
score("vec", lambda a, b: (side(b), b[side(b)]) if b["none"] < tv else None)
score("vec, conf=min", lambda a, b: (side(b), min(b[side(b)], a[side(b)])) if b["none"] < tv else None)
score("vec gate, main side+conf", lambda a, b: (side(a), a[side(a)]) if b["none"] < tv else None)
score("vec, conf=mean", lambda a, b: (side(b), (b[side(b)] + a[side(b)]) / 2) if b["none"] < tv else None)
