"""`make bench`: every benchmark, one after the other, with their own reports.

    python benchmarks/run_all.py [--eval-dir ../shared/eval] [--quick]

Benchmarks that need ../shared/eval say so and skip when it is absent. --quick runs smaller
sizes (a smoke test of the benchmarks themselves, not figures to report).
"""

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=HERE.parent.parent / "shared" / "eval")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    quick = ["--limit", "60"] if args.quick else []
    runs = [
        (
            "extraction and date quality",
            ["eval_extraction.py", "--eval-dir", str(args.eval_dir), *quick],
        ),
        (
            "analyst interface at 10k / 100k / 1M documents",
            ["bench_analyst.py", *(["--sizes", "10000", "--runs", "2"] if args.quick else [])],
        ),
        (
            "tagging throughput",
            [
                "bench_tag.py",
                "--eval-dir",
                str(args.eval_dir),
                *(["--docs", "40", "--runs", "1"] if args.quick else []),
            ],
        ),
        (
            "crawl throughput",
            [
                "bench_crawl.py",
                "--eval-dir",
                str(args.eval_dir),
                *(["--pages", "100", "--runs", "1"] if args.quick else []),
            ],
        ),
    ]
    failed = []
    for title, command in runs:
        print(f"\n== {title} ==", flush=True)
        result = subprocess.run([sys.executable, str(HERE / command[0]), *command[1:]])
        if result.returncode != 0:
            failed.append(title)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
