"""Analyst interface at 10k, 100k and 1M documents: named queries, search, exports, report.

    python benchmarks/bench_analyst.py [--sizes 10000,100000,1000000] [--dir DIR] [--runs 5]

Synthetic corpora (benchmarks/generate_corpus.py) are built once in DIR and reused. Every
timing is the median of --runs runs after one warm-up, through the same functions the
commands use, on a read-only connection. Also measured: building the search index from
scratch, refreshing it after 1,000 new documents (and after removing them again), and the
corpus file's size per million documents. Targets at 1M (2 cores): stance_timeline < 1 s,
a search < 1 s, a full timeline export < 5 s.
"""

import argparse
import functools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import generate_corpus  # noqa: E402
import synthetic_tables  # noqa: E402

from mediamon import queries  # noqa: E402
from mediamon.corpus import cells, connect  # noqa: E402
from mediamon.corpus.reading import bind_named, run  # noqa: E402
from mediamon.corpus.search import search  # noqa: E402
from mediamon.corpus.searchindex import refresh_index  # noqa: E402
from mediamon.corpus.timeline import Filters  # noqa: E402
from mediamon.reports.export import export_timeline  # noqa: E402
from mediamon.reports.report import build_report  # noqa: E402

SEARCHES = ["client-side scanning", "end-to-end encryption", "lawful access warrant"]
TARGETS = {"stance_timeline": 1.0, "search (worst query)": 1.0, "export timeline parquet": 5.0}


def median_time(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm-up: the first run pays for reading the file into the cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def params_for(con: Any) -> dict[str, dict[str, str]]:
    """Values for the queries that need some: the busiest actor, cell and story."""
    actor = con.execute(
        "SELECT actor_id FROM stances GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    period, target = con.execute(
        "SELECT date_trunc('week', d.published_at)::DATE, s.target FROM stances s "
        "JOIN documents d USING (doc_id) WHERE s.actor_id = ? AND d.published_at IS NOT NULL "
        "GROUP BY ALL ORDER BY count(*) DESC LIMIT 1",
        [actor],
    ).fetchone()
    story = con.execute(
        "SELECT min(doc_id) FROM documents GROUP BY cluster_id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    return {
        "actor_quotes": {"actor": actor},
        "timeline_cell_documents": {"period": str(period), "target": target, "actor": actor},
        "story_copies": {"doc_id": story},
    }


def ensure_corpus(path: Path, size: int, results: dict[str, float]) -> None:
    if not path.exists():
        print(f"generating {size:,} documents into {path} ...", flush=True)
        results["generate corpus"] = generate_corpus.generate(path, size, verbose=False)
    started = time.perf_counter()
    report = refresh_index(path, full="generate corpus" in results)
    if report.indexed:
        results["search index: full build"] = time.perf_counter() - started


def incremental(path: Path, results: dict[str, float]) -> None:
    """Refresh cost after a crawl-sized change: 1,000 new documents, then their removal."""
    gen = synthetic_tables.Generator(seed=99)
    tables = gen.chunk(10**9, 1000)  # doc numbers far from the corpus's own
    with connect(path) as con:
        generate_corpus.insert(con, tables)
    started = time.perf_counter()
    refresh_index(path)
    results["search index: +1,000 docs"] = time.perf_counter() - started
    ids = tables["documents"].column("doc_id").to_pylist()
    with connect(path) as con:
        for table in ("mentions", "quotes", "stances", "documents"):
            con.execute(f"DELETE FROM {table} WHERE doc_id IN (SELECT unnest($ids))", {"ids": ids})
        cells.refresh(con, ids)
    started = time.perf_counter()
    refresh_index(path)
    results["search index: -1,000 docs"] = time.perf_counter() - started
    started = time.perf_counter()
    refresh_index(path)
    results["search index: unchanged"] = time.perf_counter() - started


def bench(path: Path, size: int, runs: int) -> dict[str, float]:
    results: dict[str, float] = {}
    ensure_corpus(path, size, results)
    incremental(path, results)
    with connect(path, read_only=True, fts=True) as con, tempfile.TemporaryDirectory() as tmp:
        given = params_for(con)
        for name, named in sorted(queries.all_queries().items()):
            bound = bind_named(named, given.get(name, {}))
            results[name] = median_time(functools.partial(run, con, named.sql, bound), runs)
        worst = 0.0
        for terms in SEARCHES:
            seconds = median_time(functools.partial(search, con, terms), runs)
            results[f"search {terms!r}"] = seconds
            worst = max(worst, seconds)
        results["search (worst query)"] = worst
        for fmt in ("parquet", "csv", "json"):
            out = Path(tmp) / f"timeline.{fmt}"
            export = functools.partial(export_timeline, con, out, fmt, Filters())
            results[f"export timeline {fmt}"] = median_time(export, runs)
        results["report"] = median_time(lambda: build_report(con), max(1, runs // 2))
    size_bytes = path.stat().st_size
    with connect(path, read_only=True) as con:
        # the file keeps blocks freed by deletes and rewrites for reuse: report both
        row = con.execute("SELECT used_blocks * block_size FROM pragma_database_size()").fetchone()
        used = int(row[0]) if row else size_bytes
        index_rows = con.execute("SELECT count(*) FROM search_postings").fetchone()
    results["file size (MB)"] = size_bytes / 1e6
    results["file MB per million documents"] = size_bytes / 1e6 / size * 1e6
    results["used MB per million documents"] = used / 1e6 / size * 1e6
    results["search postings (millions of rows)"] = (index_rows[0] if index_rows else 0) / 1e6
    return results


def table(all_results: dict[int, dict[str, float]]) -> str:
    sizes = sorted(all_results)
    metrics = list(dict.fromkeys(m for r in all_results.values() for m in r))
    lines = [
        "| measure | " + " | ".join(f"{s:,} docs" for s in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for metric in metrics:
        cells = []
        for size in sizes:
            value = all_results[size].get(metric)
            unit = "" if "MB" in metric or "rows" in metric else " s"
            cells.append("" if value is None else f"{value:,.3f}{unit}" if value < 100 else
                         f"{value:,.0f}{unit}")  # fmt: skip
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "mediamon-bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    all_results: dict[int, dict[str, float]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        path = args.dir / f"corpus-{size}.duckdb"
        print(f"== {size:,} documents ({path})", flush=True)
        all_results[size] = bench(path, size, args.runs)
    print()
    print(table(all_results))
    largest = max(all_results)
    failed = [
        f"{metric} {all_results[largest][metric]:.2f}s > {limit}s"
        for metric, limit in TARGETS.items()
        if largest >= 1_000_000 and all_results[largest][metric] > limit
    ]
    print("\ntargets at 1M:", "missed: " + "; ".join(failed) if failed else "met")
    if args.json:
        args.json.write_text(json.dumps(all_results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
