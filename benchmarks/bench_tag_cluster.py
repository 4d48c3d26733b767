"""Tagging on a Dask cluster beside local worker processes: `tag --cluster` with two workers
against `tag --workers 2`, same texts, same machine, measured in one run.

    python benchmarks/bench_tag_cluster.py [--docs 300] [--runs 3] [--eval-dir ../shared/eval]

Texts as in bench_tag.py (the English articles of the trafilatura evaluation set, topped up with
the demo site's). Each run, on a fresh copy of the same corpus:
- local: `tag_corpus(workers=2)` (two spawned processes that build the pipeline, then analyse);
- cold: a LocalCluster of two worker processes (one thread each) is started untimed, then
  `tag_corpus(cluster=...)` is timed: the workers build the pipeline inside the timing, as the
  local processes do;
- warm: the same cluster tags another fresh copy: its workers keep the pipeline, as the workers
  of a standing cluster do.
Reported: documents per second, medians over --runs, and the ratios cluster/local (target for
cold: >= 0.9).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
# the cluster's worker processes import mediamon too: this one, not another installed copy
os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])


def make_corpus(texts: list[str], db: Path) -> None:
    """The texts as documents, as bench_tag.ours_rate stores them."""
    from mediamon.corpus.connection import connect
    from mediamon.corpus.seeding import init_corpus
    from mediamon.corpus.store import DocumentRecord, write_documents
    from mediamon.documents.language import set_language

    init_corpus(db)
    with connect(db) as con:
        con.execute("DELETE FROM documents")
        records = [
            DocumentRecord(text=f"{text}\n\n(copy {i})", url=f"https://bench.example/{i}")
            for i, text in enumerate(texts)
        ]
        for record in records:
            set_language(record)
        write_documents(con, records)


def timed(template: Path, **options: object) -> float:
    """Documents per second of tag_corpus over a fresh copy of the corpus."""
    from mediamon.nlp.tagging import tag_corpus

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        shutil.copy(template, db)
        start = time.perf_counter()
        report = tag_corpus(db, **options)  # type: ignore[arg-type]
        elapsed = time.perf_counter() - start
    return report.documents / elapsed


def main() -> int:
    from bench_tag import load_texts
    from distributed import LocalCluster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    args = parser.parse_args()
    texts = load_texts(args.eval_dir, args.docs)
    words = sum(len(t.split()) for t in texts)
    print(f"{len(texts)} texts, {words} words (mean {words // len(texts)})")
    rows: dict[str, list[float]] = {"local": [], "cold": [], "warm": []}
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.duckdb"
        make_corpus(texts, template)
        for run in range(args.runs):
            rows["local"].append(timed(template, workers=2))
            with LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster:
                rows["cold"].append(timed(template, cluster=cluster.scheduler_address))
                rows["warm"].append(timed(template, cluster=cluster.scheduler_address))
            print(
                f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.1f} docs/s" for k, v in rows.items())
            )
    med = {k: statistics.median(v) for k, v in rows.items()}
    labels = {
        "local": "mediamon tag --workers 2",
        "cold": "tag --cluster, 2 workers, cold",
        "warm": "tag --cluster, 2 workers, warm",
    }
    for key, label in labels.items():
        print(f"{label:32} {med[key]:7.1f} docs/s")
    print(f"ratio cluster/local, cold: {med['cold'] / med['local']:.2f} (target >= 0.90)")
    print(f"ratio cluster/local, warm: {med['warm'] / med['local']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
