"""Soak: the real scheduler for many cycles against a site on loopback that changes every cycle.

    python benchmarks/soak_schedule.py [--cycles 50]

Each cycle the site gains one article and changes another. Reported per cycle: the scheduler's
resident memory, the largest child's, the corpus file size, and the run's figures from
`crawl_runs`; at the end, whether memory and size stayed flat where the content did (size
growth per new document) and whether every cycle is in `crawl_runs`.
"""

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mediamon.demo.site import DemoSite  # noqa: E402

SOURCES = """[[sources]]
id = "soak"
feeds = ["{base}/feeds/rss.xml", "{base}/feeds/atom.xml"]
allowed_domains = ["127.0.0.1"]
allow_private = true
delay = 0.0
concurrency = 4
"""


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def count(db: Path, sql: str) -> int:
    import duckdb

    for _ in range(50):
        try:
            with duckdb.connect(str(db), read_only=True) as con:
                return int(con.execute(sql).fetchone()[0])
        except duckdb.Error:
            time.sleep(0.1)
    return -1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=50)
    args = parser.parse_args()
    mediamon = Path(sys.executable).parent / "mediamon"
    with DemoSite(slow_seconds=0.0) as site, tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "soak.duckdb"
        sources = Path(tmp) / "sources.toml"
        sources.write_text(SOURCES.format(base=site.base_url))
        scheduler = subprocess.Popen(
            [
                str(mediamon),
                "--db",
                str(db),
                "schedule",
                "--every",
                "1s",
                "--sources",
                str(sources),
                "--json",
            ],
            stderr=subprocess.DEVNULL,
        )
        rows = []
        done = 0
        child_peak = 0.0
        slugs = [a.slug for a in site.site.articles if a.date_markup == "jsonld"]
        started = time.monotonic()
        while done < args.cycles:
            for child in children(scheduler.pid):
                child_peak = max(child_peak, rss_mb(child))
            tags = (
                count(db, "SELECT count(*) FROM crawl_runs WHERE command = 'tag'")
                if db.exists()
                else 0
            )
            if tags > done:
                done = tags
                docs = count(db, "SELECT count(*) FROM documents")
                rows.append((done, rss_mb(scheduler.pid), child_peak, db.stat().st_size, docs))
                print(
                    f"cycle {done:3d}: scheduler {rows[-1][1]:6.1f} MiB, largest child "
                    f"{child_peak:6.1f} MiB, corpus {rows[-1][3] / 2**20:6.2f} MiB, "
                    f"{docs} documents",
                    flush=True,
                )
                child_peak = 0.0
                site.add_article(
                    slug=f"soak-{done}",
                    outlet="Civic Wire",
                    title=f"Soak story {done}",
                    body=f"Cycle {done}: lawmakers argued again about end-to-end "
                    "encryption and scanning for child abuse material. " * 12,
                )
                site.update_article(
                    slugs[done % len(slugs)],
                    body=f"Revised in cycle {done}. " + "Encryption debate. " * 60,
                )
            time.sleep(0.2)
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(timeout=120)
        runs = count(db, "SELECT count(*) FROM crawl_runs WHERE command = 'crawl'")
        stats = []
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            stats = [
                json.loads(r[0])
                for r in con.execute(
                    "SELECT stats FROM crawl_runs WHERE command = 'crawl' ORDER BY started_at"
                ).fetchall()
            ]
    elapsed = time.monotonic() - started
    first, last = rows[0], rows[-1]
    growth = (last[3] - first[3]) / max(1, last[4] - first[4])
    half = rows[len(rows) // 2]
    print(
        f"\n{len(rows)} cycles in {elapsed:.0f} s; crawl runs recorded: {runs}; "
        f"runs with figures: {sum(1 for s in stats if 'sources' in s)}"
    )
    print(f"scheduler memory: first {first[1]:.1f} MiB, middle {half[1]:.1f}, last {last[1]:.1f}")
    print(f"largest child memory: first {first[2]:.1f} MiB, last {last[2]:.1f}")
    print(
        f"corpus: {first[3] / 2**20:.2f} MiB -> {last[3] / 2**20:.2f} MiB for "
        f"{last[4] - first[4]} new documents ({growth / 1024:.1f} KiB per new document)"
    )
    print(f"new documents per cycle: {[s.get('documents_new') for s in stats]}")
    return 0 if runs >= args.cycles else 1


if __name__ == "__main__":
    raise SystemExit(main())
