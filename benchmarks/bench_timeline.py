"""The weekly stance timeline at scale: `query stance_timeline` and `export timeline`.

    python benchmarks/bench_timeline.py --db CORPUS [--runs 5] [--json FILE]
    python benchmarks/bench_timeline.py --db CORPUS --shape   # once, on a generated corpus

--db is what `mediamon --db` takes (a file, or a `ducklake:...` lake). Every figure is the
median of --runs warm runs after one warm-up, in one process; the commands are also timed as
processes, with a bare process start (`python -c "import mediamon.cli"`) reported beside them.
The targets (issue 13, item 5), at 1M documents and 2M stances on a file corpus: the weekly
timeline < 0.5 s, the Parquet export < 1 s.

--shape turns a corpus from generate_corpus.py (1,448 actors, seven years, about 1.15 stances a
document) into the issue's shape: 120 actors, ten years, two stances a document. It writes with
plain SQL, so it also shapes a corpus for an older mediamon (a "before" figure), and rebuilds
the stance cells when the corpus has them. It opens a file only: for a lake, shape a file corpus
and copy it in (`mediamon lake import`), then point --db at the lake.
"""

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from mediamon import queries  # noqa: E402
from mediamon.corpus import connect  # noqa: E402
from mediamon.corpus.reading import bind_named, run  # noqa: E402
from mediamon.corpus.timeline import Filters  # noqa: E402
from mediamon.reports.export import export_timeline  # noqa: E402

TARGETS = {"query stance_timeline (weekly)": 0.5, "export timeline parquet": 1.0}
# the weekly defaults, then the general path: other periods, groupings, filters
PARAM_SETS: dict[str, dict[str, str]] = {
    "query stance_timeline (weekly)": {},
    "  target=e2ee": {"target": "e2ee"},
    "  freq=month": {"freq": "month"},
    "  by=actor_type": {"by": "actor_type"},
    "  by=all min_confidence=0.7": {"by": "all", "min_confidence": "0.7"},
    "  since=2022-01-01 (a year)": {"since": "2022-01-01", "until": "2022-12-31"},
}
ACTORS = 120
STANCES_PER_DOC = 2.0
YEARS = 10


def median_time(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm-up: the first run pays for reading the file into the cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def shape(db: str) -> None:
    """120 actors, ten years, 2 stances a document (see the module's docstring)."""
    with duckdb.connect(db) as con:
        docs = con.execute("SELECT count(*) FROM documents").fetchone()[0]
        con.execute("BEGIN TRANSACTION")
        # the busiest actors stay; every other one's stances go to one of them
        con.execute(
            "CREATE TEMP TABLE keep AS SELECT actor_id, row_number() OVER (ORDER BY count(*) "
            "DESC, actor_id) - 1 AS k FROM stances GROUP BY actor_id ORDER BY 2 LIMIT $n",
            {"n": ACTORS},
        )
        con.execute(
            "UPDATE stances s SET actor_id = k.actor_id FROM keep k "
            "WHERE s.actor_id NOT IN (SELECT actor_id FROM keep) "
            "AND k.k = hash(s.actor_id) % $n",
            {"n": ACTORS},
        )
        # seven years spread over ten, in order (a copy stays within days of its original)
        con.execute(
            "UPDATE documents SET published_at = DATE '2015-01-01' + CAST(round("
            "(published_at - DATE '2018-01-01') * $years / 7.0) AS INTEGER) "
            "WHERE published_at IS NOT NULL",
            {"years": YEARS},
        )
        have = con.execute("SELECT count(*) FROM stances").fetchone()[0]
        more = int(docs * STANCES_PER_DOC) - have
        # more stances: one more (actor, target) for the first documents by a hash order
        con.execute(
            "INSERT INTO stances (doc_id, actor_id, target, polarity, confidence, evidence, "
            "basis, start_char, end_char, nlp_version) "
            "SELECT d.doc_id, k.actor_id, "
            "CASE WHEN hash(d.doc_id, 't') % 5 < 3 THEN 'e2ee' ELSE 'scanning' END, "
            "['favor', 'against', 'neutral'][1 + (hash(d.doc_id, 'p') % 3)::BIGINT], "
            "round(0.45 + (hash(d.doc_id, 'c') % 530) / 1000.0, 3), "
            "'synthetic', 'reported', 0, 9, 'synthetic-1' "
            "FROM (SELECT doc_id FROM documents ORDER BY hash(doc_id) LIMIT $more) d "
            "JOIN keep k ON k.k = hash(d.doc_id, 'a') % $n",
            {"more": max(more, 0), "n": ACTORS},
        )
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        con.execute("COMMIT")
        if "stance_cells" in tables:
            from mediamon.corpus import cells

            con.execute("BEGIN TRANSACTION")
            cells.rebuild(con)
            con.execute("COMMIT")
        con.execute("CHECKPOINT")
        figures = con.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM stances), "
            "(SELECT count(DISTINCT actor_id) FROM stances), "
            "(SELECT min(published_at) || ' .. ' || max(published_at) FROM documents)"
        ).fetchone()
    print(f"shaped {db}: {figures[0]:,} documents, {figures[1]:,} stances, "
          f"{figures[2]} actors, {figures[3]}")  # fmt: skip


def _arrow(con: Any, sql: str, params: dict[str, Any]) -> Any:
    """The query without making Python objects of its rows: where the time goes."""
    return con.execute(sql, params).to_arrow_table()


def _command(db: str, *args: str) -> Callable[[], None]:
    exe = [sys.executable, "-m", "mediamon", "--db", db, *args]

    def call() -> None:
        subprocess.run(exe, check=True, stdout=subprocess.DEVNULL, env=os.environ.copy())

    return call


def bench(db: str, runs: int) -> dict[str, float]:
    results: dict[str, float] = {}
    named = queries.get("stance_timeline")
    assert named is not None
    with connect(db, read_only=True) as con, tempfile.TemporaryDirectory() as tmp:
        row = con.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM stances)"
        ).fetchone()
        results["documents"], results["stances"] = float(row[0]), float(row[1])
        for label, given in PARAM_SETS.items():
            bound = bind_named(named, given)
            results[label] = median_time(functools.partial(run, con, named.sql, bound), runs)
            if not given:
                rows = len(run(con, named.sql, bound).rows)
                results["  rows (weekly)"] = float(rows)
                arrow = functools.partial(_arrow, con, named.sql, bound)
                results["  the weekly query alone (Arrow)"] = median_time(arrow, runs)
        out = Path(tmp) / "timeline.parquet"
        export = functools.partial(export_timeline, con, out, "parquet", Filters())
        results["export timeline parquet"] = median_time(export, runs)
    with tempfile.TemporaryDirectory() as tmp:
        start = [sys.executable, "-c", "import mediamon.cli"]
        results["process start (import mediamon.cli)"] = median_time(
            functools.partial(subprocess.run, start, check=True), runs
        )
        out = str(Path(tmp) / "timeline.parquet")
        results["command: export timeline -o x.parquet"] = median_time(
            _command(db, "export", "timeline", "-o", out), runs
        )
        results["command: query stance_timeline --format csv"] = median_time(
            _command(db, "query", "stance_timeline", "--format", "csv"), runs
        )
    return results


def write_cost(db: str, docs: int, runs: int) -> dict[str, float]:
    """What keeping the tables up to date adds to a tagging batch of `docs` documents: their
    rows re-derived (in a transaction rolled back, so the corpus is unchanged)."""
    from mediamon.corpus import cells

    with connect(db) as con:
        ids = [r[0] for r in con.execute(
            "SELECT DISTINCT doc_id FROM stances ORDER BY hash(doc_id) LIMIT $n", {"n": docs}
        ).fetchall()]  # fmt: skip

        def batch() -> None:
            con.execute("BEGIN TRANSACTION")
            try:
                cells.refresh(con, ids)
            finally:
                con.execute("ROLLBACK")

        return {f"write: refresh after tagging {docs} documents": median_time(batch, runs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the corpus, as `mediamon --db` takes it")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shape", action="store_true", help="reshape the corpus first")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument(
        "--write-cost", type=int, default=0, metavar="DOCS",
        help="also time the derived tables' refresh for a tagging batch of DOCS documents",
    )  # fmt: skip
    args = parser.parse_args()
    if args.shape:
        shape(args.db)
    results = bench(args.db, args.runs)
    if args.write_cost:
        results.update(write_cost(args.db, args.write_cost, args.runs))
    print("| measure | median |\n|---|---:|")
    for metric, value in results.items():
        unit = f"{value:,.0f}" if metric in ("documents", "stances") or "rows" in metric else (
            f"{value:.3f} s")  # fmt: skip
        print(f"| {metric} | {unit} |")
    failed = [f"{m} {results[m]:.2f}s > {limit}s" for m, limit in TARGETS.items()
              if results[m] > limit]  # fmt: skip
    print("\ntargets:", "missed: " + "; ".join(failed) if failed else "met")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
