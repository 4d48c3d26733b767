"""A synthetic corpus for benchmarks: realistic shapes, invented text.

    python benchmarks/generate_corpus.py --docs 1000000 --out /tmp/bench/c1m.duckdb

The corpus goes through the normal migrations (`init_corpus`, seeds included) and is then filled
by bulk inserts from Arrow tables, CHUNK documents per transaction; what goes into the tables, and
what about them is realistic, is synthetic_tables.py.
"""

import argparse
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
from synthetic_tables import Generator

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mediamon.corpus import cells, connect  # noqa: E402
from mediamon.corpus.seeding import init_corpus  # noqa: E402

CHUNK = 50_000


def generate(path: Path, docs: int, seed: int = 7, verbose: bool = True) -> float:
    """Build a corpus of `docs` synthetic documents (plus the two seeds); return seconds."""
    started = time.perf_counter()
    init_corpus(path)
    gen = Generator(seed)
    with connect(path) as con:
        con.register("gen_sources", gen.sources)
        con.execute(
            "INSERT INTO sources (source_id, name, kind, homepage) "
            "SELECT source_id, name, 'feeds', 'https://' || domain || '/' FROM gen_sources"
        )
        con.register("gen_actors", gen.actors)
        con.execute("INSERT INTO actors BY NAME SELECT * FROM gen_actors")
        done = 0
        while done < docs:
            n = min(CHUNK, docs - done)
            insert(con, gen.chunk(done, n), derive=False)
            done += n
            if verbose:
                elapsed = time.perf_counter() - started
                print(f"  {done:>9,} documents {elapsed:7.1f}s", file=sys.stderr, flush=True)
        # the timeline's derived tables once at the end, sorted by date as migration 006 makes them
        cells.rebuild(con)
        con.execute("CHECKPOINT")
    return time.perf_counter() - started


def insert(
    con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table], derive: bool = True
) -> None:
    """Documents and their annotations, in one transaction (derive: with their stance cells,
    as mediamon's write path keeps them)."""
    con.execute("BEGIN TRANSACTION")
    for name, table in tables.items():
        con.register("gen_batch", table)
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM gen_batch")
        con.unregister("gen_batch")
    if derive:
        cells.refresh(con, tables["documents"].column("doc_id").to_pylist())
    con.execute("COMMIT")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    args = parser.parse_args()
    if args.out.exists() and not args.force:
        parser.error(f"{args.out} exists; pass --force to replace it")
    for suffix in ("", ".wal"):
        Path(f"{args.out}{suffix}").unlink(missing_ok=True)
    seconds = generate(args.out, args.docs, args.seed)
    size = args.out.stat().st_size
    print(f"{args.out}: {args.docs:,} documents in {seconds:.1f}s, {size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
