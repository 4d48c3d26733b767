"""One vs two vs three crawl processes on one shared frontier (Redis), against a slow site.

    python benchmarks/bench_frontier.py [--pages 300] [--runs 3] [--latency 0.2]

The site (tests/articlesite.py, on 127.0.0.1) answers every request after `latency` seconds,
as the real web does: a crawl process is then bound by its politeness (at most `concurrency`
requests at a time to a host, here 2, and AutoThrottle), not by its CPU. Each run starts K
`mediamon crawl --frontier` processes at once, into a fresh corpus file and a fresh Redis
database, and reads the site's request log: pages per second is the number of articles over
the time from the first article fetched to the last (the processes' start-up, the same for any
K, is reported apart as the wall time), and also over the middle 80% of the fetches alone (all
processes at work: no start, no tail). Reported: medians over the runs, and the ratios to one
process (linear scaling would be 2.0 and 3.0). Needs `redis-server` on the PATH.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.articlesite import ArticleSite  # noqa: E402
from tests.services import redis_server  # noqa: E402

SOURCES = """[[sources]]
id = "bench"
sitemaps = ["{base}/sitemap.xml"]
allowed_domains = ["127.0.0.1"]
allow_private = true
topic_filter = false
delay = 0.0
concurrency = 2
"""


def one_run(folder: Path, pages: int, latency: float, processes: int, url: str) -> dict:
    with ArticleSite(pages, latency=latency) as site:
        sources = folder / "sources.toml"
        sources.write_text(SOURCES.format(base=site.base))
        db = folder / "corpus.duckdb"
        env = {**os.environ, "MEDIAMON_LOCK_TIMEOUT": "120", "MEDIAMON_EXTRACT_WORKERS": "0"}
        cmd = [sys.executable, "-m", "mediamon", "--db", str(db), "crawl"]
        cmd += ["--sources", str(sources), "--frontier", url]
        started = time.monotonic()
        procs = [
            subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            for _ in range(processes)
        ]
        codes = [proc.wait(600) for proc in procs]
        wall = time.monotonic() - started
        if any(codes):
            errors = [p.stderr.read().decode()[-500:] for p in procs if p.stderr]
            raise SystemExit(f"a crawl failed ({codes}): {errors}")
        fetches = sorted(t for t, *_ in site.article_fetches())
        if len(fetches) != pages:
            raise SystemExit(f"{len(fetches)} article fetches for {pages} articles")
        span = fetches[-1] - fetches[0]
        # the middle 80% of the fetches: every process running, none finished yet
        low, high = fetches[pages // 10], fetches[pages - pages // 10 - 1]
        steady = (pages - 2 * (pages // 10) - 1) / (high - low)
        return {"pages_per_s": (pages - 1) / span, "steady": steady, "wall_s": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--max-processes", type=int, default=3)
    args = parser.parse_args()
    results: dict[int, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp, redis_server(Path(tmp) / "redis") as redis:
        for run in range(args.runs):
            # interleaved, so that the machine's load drifts alike over every K
            for k in range(1, args.max_processes + 1):
                folder = Path(tmp) / f"run{run}-k{k}"
                folder.mkdir()
                url = f"redis://127.0.0.1:{redis.port}/{(run * 4 + k) % 16}"
                result = one_run(folder, args.pages, args.latency, k, url)
                results.setdefault(k, []).append(result)
                print(
                    f"run {run + 1} processes {k}: {result['pages_per_s']:.2f} pages/s "
                    f"(middle 80%: {result['steady']:.2f}), wall {result['wall_s']:.1f} s",
                    flush=True,
                )
    base = statistics.median(r["pages_per_s"] for r in results[1])
    base_steady = statistics.median(r["steady"] for r in results[1])
    print(f"\n{args.pages} articles, latency {args.latency} s, {args.runs} runs (medians):")
    for k, runs in results.items():
        rate = statistics.median(r["pages_per_s"] for r in runs)
        steady = statistics.median(r["steady"] for r in runs)
        wall = statistics.median(r["wall_s"] for r in runs)
        print(
            f"  {k} process(es): {rate:6.2f} pages/s  x{rate / base:.2f};  middle 80% "
            f"{steady:6.2f} pages/s  x{steady / base_steady:.2f}  (wall {wall:.1f} s)"
        )


if __name__ == "__main__":
    main()
