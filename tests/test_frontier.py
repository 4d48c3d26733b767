"""The shared crawl frontier on Redis: several `mediamon crawl --frontier` processes, one crawl.

Real processes, a real redis-server (tests/services.py) and a real site on 127.0.0.1
(tests/articlesite.py), whose request log says what was fetched, when, and conditionally or not.
The corpus the processes share (`shared_corpus`) is a DuckLake lake on a SQLite catalog, which
they write at once; the reference crawl of one process writes a DuckDB file.
"""

import itertools
import json
import os
import pickle
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_client

from tests.articlesite import ArticleSite
from tests.helpers import run_mediamon, sources_toml
from tests.services import RedisServer, free_port

pytestmark = pytest.mark.slow

ENV = {"MEDIAMON_LOCK_TIMEOUT": "60", "MEDIAMON_EXTRACT_WORKERS": "0"}


def shared_corpus(tmp_path: Path) -> str:
    """What the crawl processes write to (`--db`): a new lake (its catalog on SQLite)."""
    db = f"ducklake:sqlite:{tmp_path / 'lake' / 'catalog.sqlite'}"
    out = run_mediamon("--db", db, "lake", "init", "--data-path", str(tmp_path / "lake" / "data"))
    assert out.returncode == 0, out.stderr
    return db


@pytest.fixture
def site() -> Iterator[ArticleSite]:
    with ArticleSite(300) as served:
        yield served


def write_sources(
    tmp_path: Path, site: ArticleSite, delay: float, lease: float = 60, frontier: bool = True
) -> Path:
    path = sources_toml(
        site,  # type: ignore[arg-type]
        tmp_path / "s.toml",
        articles={
            "sitemaps": ["/sitemap.xml"],
            "topic_filter": False,
            "delay": delay,
            "concurrency": 4,
        },
    )
    if not frontier:
        return path
    with path.open("a") as fh:
        fh.write(f'\n[frontier]\nurl = "redis://127.0.0.1:1/0"\nlease_seconds = {lease}\n')
    return path


def start_crawl(db: str, sources: Path, frontier: str, log: Path) -> subprocess.Popen[str]:
    """`python -m mediamon crawl --frontier ...` as its own process (stderr to a file)."""
    cmd = [sys.executable, "-m", "mediamon", "--db", db, "crawl", "--sources", str(sources)]
    return subprocess.Popen(
        [*cmd, "--frontier", frontier],
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
        env={**os.environ, **ENV},
    )


def finish(procs: list[subprocess.Popen[str]], timeout: float = 120) -> list[int]:
    deadline = time.monotonic() + timeout
    codes = []
    for proc in procs:
        try:
            codes.append(proc.wait(max(1.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            proc.kill()
            codes.append(-999)
    return codes


def documents(db: str) -> list[tuple[Any, ...]]:
    """URL, text hash and date of every document, through the CLI (any corpus it opens)."""
    out = run_mediamon(
        "--db",
        db,
        "query",
        "select canonical_url, text_hash, cast(published_at as varchar) as published "
        "from documents where source_id = 'articles' order by canonical_url",
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    return [tuple(row.values()) for row in json.loads(out.stdout)]


def analyse_while(procs: list[subprocess.Popen[str]], db: str, tmp_path: Path) -> int:
    """Analysts' commands on the shared corpus while the crawlers write it: every one answers.
    Returns how many rounds began while a crawler was still running."""
    commands = [
        ["query", "select count(*) as n from documents", "--format", "json"],
        ["search", "encryption"],
        ["export", "timeline", "-o", str(tmp_path / "timeline.csv")],
        ["report", "-o", str(tmp_path / "report.html")],
    ]
    rounds = 0
    while True:
        if all(proc.poll() is not None for proc in procs):
            return rounds
        for args in commands:
            out = run_mediamon("--db", db, *args, timeout=120)
            assert out.returncode == 0, (args, out.stderr)
            assert "Traceback" not in out.stderr
        rounds += 1


def without_host(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows with the site's path instead of its URL (each test serves on its own port)."""
    return [("/" + url.split("/", 3)[3], *rest) for url, *rest in rows]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Any, ...]]:
    """The same site crawled by one process, no frontier, into a corpus file of its own."""
    tmp_path = tmp_path_factory.mktemp("alone")
    with ArticleSite(300) as site:
        sources = write_sources(tmp_path, site, delay=0.0, frontier=False)
        db = str(tmp_path / "alone.duckdb")
        out = run_mediamon("--db", db, "crawl", "--sources", str(sources), env=ENV, timeout=180)
        assert out.returncode == 0, out.stderr
        return without_host(documents(db))


def test_three_processes_fetch_every_article_once(
    tmp_path: Path, site: ArticleSite, redis: RedisServer, reference: list[tuple[Any, ...]]
) -> None:
    sources = write_sources(tmp_path, site, delay=0.01)
    db = shared_corpus(tmp_path)
    logs = [tmp_path / f"crawl{i}.log" for i in range(3)]
    procs = [start_crawl(db, sources, redis.url, log) for log in logs]
    answered = analyse_while(procs, db, tmp_path)
    codes = finish(procs)
    assert codes == [0, 0, 0], [log.read_text()[-2000:] for log in logs]
    for log in logs:
        assert "Traceback" not in log.read_text()
    assert answered >= 1  # analysts' commands answered while the crawlers wrote

    fetched = Counter(path for _, path, _, _ in site.article_fetches())
    assert set(fetched) == set(site.article_paths)
    assert [p for p, n in fetched.items() if n != 1] == []
    # each process took part, and the sitemaps were read once between them
    outputs = [proc.stdout.read() if proc.stdout else "" for proc in procs]
    assert all("pages fetched" in out for out in outputs), outputs
    sitemap_reads = Counter(p for _, p, _, _ in site.log if p.startswith("/sitemap"))
    assert set(sitemap_reads.values()) == {1}, sitemap_reads

    stored = documents(db)
    assert len(stored) == 300
    assert [(url, date[:10]) for url, _, date in stored] == sorted(
        (site.url(p), site.dates[p]) for p in site.article_paths
    )
    assert without_host(stored) == reference


def test_a_new_cycle_asks_conditionally(tmp_path: Path, redis: RedisServer) -> None:
    """After the frontier drained, the next crawl starts a new cycle: it is seeded again and
    every article asked for conditionally (the validators travel with the request in Redis)."""
    with ArticleSite(30, sitemaps=1) as site:
        sources = write_sources(tmp_path, site, delay=0.0)
        db = shared_corpus(tmp_path)
        logs = [tmp_path / f"crawl{i}.log" for i in range(2)]
        assert finish([start_crawl(db, sources, redis.url, logs[0])]) == [0]
        stored = documents(db)
        assert len(stored) == 30
        mark = len(site.log)
        assert finish([start_crawl(db, sources, redis.url, logs[1])]) == [0]
        second = site.article_fetches(mark)
        assert sorted(path for _, path, _, _ in second) == sorted(site.article_paths)
        assert all(conditional and status == 304 for _, _, conditional, status in second)
        assert documents(db) == stored


def test_a_killed_process_leaves_its_requests_to_the_others(
    tmp_path: Path, redis: RedisServer, reference: list[tuple[Any, ...]]
) -> None:
    with ArticleSite(300, latency=0.05) as site:
        sources = write_sources(tmp_path, site, delay=0.02, lease=10)
        db = shared_corpus(tmp_path)
        logs = [tmp_path / f"crawl{i}.log" for i in range(3)]
        procs = [start_crawl(db, sources, redis.url, log) for log in logs]
        deadline = time.monotonic() + 60
        while len(site.article_fetches()) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait()
        leased = leased_urls(redis.url)  # what any process held when it died
        assert 60 <= len(site.article_fetches()) < 290, "the kill came at a bad time"
        codes = finish(procs[1:])
        assert codes == [0, 0], [log.read_text()[-2000:] for log in logs[1:]]

        fetched = Counter(path for _, path, _, _ in site.article_fetches())
        assert set(fetched) == set(site.article_paths)  # nothing lost
        twice = {site.url(p) for p, n in fetched.items() if n > 1}
        assert twice <= leased, twice - leased  # fetched again: only what was in flight
        assert all(n <= 2 for n in fetched.values())
        stored = documents(db)  # stored exactly once
        assert len(stored) == 300 == len({url for url, _, _ in stored})
        assert without_host(stored) == reference


def leased_urls(url: str) -> set[str]:
    """The URLs of every request under a lease in the frontier."""
    client = redis_client.Redis.from_url(url)
    found = set()
    for key in client.scan_iter("mediamon:frontier:*:inflight"):
        for data in client.hvals(key):
            found.add(pickle.loads(data)["url"])
    return found


def test_politeness_holds_across_processes(tmp_path: Path, redis: RedisServer) -> None:
    with ArticleSite(24, sitemaps=1) as site:
        sources = write_sources(tmp_path, site, delay=0.3)
        db = shared_corpus(tmp_path)
        logs = [tmp_path / f"crawl{i}.log" for i in range(3)]
        procs = [start_crawl(db, sources, redis.url, log) for log in logs]
        assert finish(procs) == [0, 0, 0], [log.read_text()[-2000:] for log in logs]
        times = sorted(t for t, *_ in site.log)
        assert len(times) >= 24 + 2
        gaps = [b - a for a, b in itertools.pairwise(times)]
        # three processes at 0.3 s each would come every 0.1 s; shared, one every 0.3 s
        assert min(gaps) > 0.2, sorted(gaps)[:5]


def test_frontier_errors_are_one_line(tmp_path: Path, site: ArticleSite) -> None:
    sources = write_sources(tmp_path, site, delay=0.0)
    db = str(tmp_path / "c.duckdb")
    port = free_port()
    out = run_mediamon(
        "--db", db, "crawl", "--sources", str(sources), "--frontier", f"redis://127.0.0.1:{port}/0"
    )
    assert out.returncode == 1
    line = out.stderr.strip()
    assert "\n" not in line and "Traceback" not in line, line
    assert f"cannot reach the crawl frontier at redis://127.0.0.1:{port}/0" in line
    assert line.endswith("start Redis or fix --frontier"), line
    # the sources file's [frontier] is used without --frontier (port 1: nothing listens)
    out = run_mediamon("--db", db, "crawl", "--sources", str(sources))
    assert "cannot reach the crawl frontier at redis://127.0.0.1:1/0" in out.stderr
    out = run_mediamon(
        "--db", db, "crawl", "--sources", str(sources), "--frontier", "http://127.0.0.1/"
    )
    assert out.returncode == 1 and "bad crawl frontier URL 'http://127.0.0.1/'" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    bad = tmp_path / "bad.toml"
    bad.write_text(sources.read_text().replace("redis://127.0.0.1:1/0", "127.0.0.1:6379"))
    out = run_mediamon("--db", db, "crawl", "--sources", str(bad))
    assert out.returncode == 2, out.stderr
    assert "frontier" in out.stderr and "url" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def frontier_of(url: str, lease: float = 60, worker: str = "w") -> Any:
    from mediamon.crawler.frontier import Frontier, connect

    return Frontier(connect(url), "mediamon:frontier:t:0", lease, worker)


def test_leases_come_back_when_they_expire_or_are_given_back(redis: RedisServer) -> None:
    frontier = frontier_of(redis.url, lease=1)
    client = frontier.client
    for n, item in enumerate((b"a", b"b", b"c")):
        client.zadd(frontier.queue_key, {item: n})
    lease_a, data_a = frontier.pop()
    lease_b, _ = frontier.pop()
    assert data_a == b"a" and lease_a != lease_b
    frontier.ack([lease_a])  # done for good
    frontier.give_back([lease_b])  # a process stopping gives back what it has not done
    assert frontier.status().queued == 2 and frontier.status().leased == 0
    lease, data = frontier.pop()
    assert data == b"b"  # back with its priority, ahead of c
    frontier.renew([lease])
    assert frontier.requeue_expired() == 0
    time.sleep(1.2)  # its process "died": nobody renewed it
    assert frontier.requeue_expired() == 1
    assert [frontier.pop()[1], frontier.pop()[1], frontier.pop()] == [b"b", b"c", None]


def test_one_seeder_per_cycle_and_a_new_cycle_after_the_drain(redis: RedisServer) -> None:
    first, second = frontier_of(redis.url, 1, "one"), frontier_of(redis.url, 1, "two")
    assert first.claim_seeding() is True
    assert second.claim_seeding() is False  # being seeded: join
    first.client.zadd(first.queue_key, {b"page": 0})
    first.client.sadd(first.dupefilter_key, "fingerprint")
    first.seeded()
    assert second.claim_seeding() is False  # work queued: join
    lease, _ = second.pop()
    assert not second.status().drained
    second.ack([lease])
    second.finish_cycle()
    assert second.status().state == "finished"
    assert second.claim_seeding() is True  # a new cycle, with a fresh seen-set
    assert not second.client.exists(second.dupefilter_key)
    # its seeder dies before it is done: another process takes over the seeding
    assert first.claim_orphaned_seeding() is False
    time.sleep(1.2)
    assert first.claim_orphaned_seeding() is True


def test_host_slots_are_a_delay_apart(redis: RedisServer) -> None:
    frontier = frontier_of(redis.url)
    waits = [frontier.reserve("http://example.org/a", 0.5) for _ in range(4)]
    assert waits[0] == 0.0
    assert [round(b - a, 1) for a, b in itertools.pairwise(waits)] == [0.5, 0.5, 0.5]
    assert frontier.reserve("https://other.example/", 0.5) == 0.0  # per host
