"""Tagging throughput: `mediamon tag` beside bare `nlp.pipe` with the same model, same texts.

    python benchmarks/bench_tag.py [--docs 300] [--runs 3] [--eval-dir ../shared/eval]

Texts: the English articles of the trafilatura evaluation set as our extraction gives them (real
journalism), topped up with the demo site's articles; without the set, demo articles only.
Measured in one run, medians over --runs:
- bare: `spacy.load(model).pipe(texts)` in one process, and in two processes at once (the
  machine's two cores);
- ours: `tag_corpus` over a corpus holding the same texts, with --workers 1 and --workers 2
  (reading and writing the corpus included).
Reported: documents and tokens per second, and the ratios ours/bare (target with 2 workers:
>= 0.8 of two bare processes).
"""

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def load_texts(eval_dir: Path, limit: int) -> list[str]:
    texts: list[str] = []
    index = eval_dir / "trafilatura-eval" / "index.jsonl"
    if index.exists():
        from mediamon.documents.extract import extract_article
        from mediamon.documents.language import detect_language

        for line in index.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if not record.get("is_english_guess"):
                continue
            page = eval_dir / "trafilatura-eval" / "docs" / f"{record['id']}.html.gz"
            extracted = extract_article(gzip.decompress(page.read_bytes()))
            # English only: `tag` leaves other languages untagged, bare nlp.pipe would not
            if (
                extracted is not None
                and len(extracted.text.split()) > 150
                and detect_language(extracted.text).language == "en"
            ):
                texts.append(extracted.text)
            if len(texts) >= limit:
                break
    else:
        # demo articles are half as long as real ones: the ratios are not comparable
        print(f"{index} not found: demo articles only (pass --eval-dir)", file=sys.stderr)
    from mediamon.demo.site import load_articles

    articles = [a.body for a in load_articles()]
    while len(texts) < limit:
        texts.append(articles[len(texts) % len(articles)])
    return texts[:limit]


def _bare(texts: list[str]) -> tuple[float, int]:
    import spacy

    from mediamon.nlp.pipeline import DEFAULT_MODEL

    nlp = spacy.load(DEFAULT_MODEL)
    list(nlp.pipe(texts[:5]))  # warm-up
    start = time.perf_counter()
    tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=32))
    return time.perf_counter() - start, tokens


def bare_rate(texts: list[str], processes: int) -> tuple[float, float]:
    """Documents/s and tokens/s of bare nlp.pipe in `processes` processes at once."""
    import multiprocessing

    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_bare, [texts] * processes))
    slowest = max(seconds for seconds, _ in results)
    tokens = sum(t for _, t in results)
    return len(texts) * processes / slowest, tokens / slowest


def ours_rate(texts: list[str], workers: int) -> tuple[float, int]:
    from mediamon.corpus.connection import connect
    from mediamon.corpus.seeding import init_corpus
    from mediamon.corpus.store import DocumentRecord, write_documents
    from mediamon.documents.language import set_language
    from mediamon.nlp.tagging import tag_corpus

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        init_corpus(db)
        with connect(db) as con:
            con.execute("DELETE FROM documents")
            records = [
                DocumentRecord(text=f"{text}\n\n(copy {i})", url=f"https://bench.example/{i}")
                for i, text in enumerate(texts)
            ]
            for record in records:
                set_language(record)  # as crawl and ingest do
            write_documents(con, records)
        start = time.perf_counter()
        report = tag_corpus(db, workers=workers)
        elapsed = time.perf_counter() - start
    return len(texts) / elapsed, report.documents


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    args = parser.parse_args()
    texts = load_texts(args.eval_dir, args.docs)
    words = sum(len(t.split()) for t in texts)
    print(f"{len(texts)} texts, {words} words (mean {words // len(texts)})")
    rows: dict[str, list[float]] = {"bare1": [], "bare2": [], "ours1": [], "ours2": []}
    for run in range(args.runs):
        rows["bare1"].append(bare_rate(texts, 1)[0])
        rows["bare2"].append(bare_rate(texts, 2)[0])
        rows["ours1"].append(ours_rate(texts, 1)[0])
        rows["ours2"].append(ours_rate(texts, 2)[0])
        print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.1f} docs/s" for k, v in rows.items()))
    med = {k: statistics.median(v) for k, v in rows.items()}
    tokens_per_doc = words * 1.2 / len(texts)  # spaCy tokens run ~1.2 per word here
    labels = {
        "bare1": "bare nlp.pipe, 1 process",
        "bare2": "bare nlp.pipe, 2 processes",
        "ours1": "mediamon tag --workers 1",
        "ours2": "mediamon tag --workers 2",
    }
    for key, label in labels.items():
        print(f"{label:32} {med[key]:7.1f} docs/s  ~{med[key] * tokens_per_doc:8.0f} tokens/s")
    print(f"ratio ours/bare, 1 worker:  {med['ours1'] / med['bare1']:.2f}")
    print(f"ratio ours/bare, 2 workers: {med['ours2'] / med['bare2']:.2f} (target >= 0.80)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
