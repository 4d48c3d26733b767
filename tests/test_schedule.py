"""The scheduler, run for real as a subprocess against a site served on 127.0.0.1."""

import datetime as dt
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from mediamon.demo.site import DemoSite
from mediamon.errors import InputError
from mediamon.schedule.timing import Cron, parse_duration
from tests.helpers import mediamon_cmd, run_mediamon, sources_toml

pytestmark = pytest.mark.slow


def test_durations() -> None:
    assert parse_duration("30s") == 30 and parse_duration("15m") == 900
    assert parse_duration("6h") == 21600 and parse_duration("1d") == 86400
    for bad in ("", "5", "5x", "-1m", "0s"):
        with pytest.raises(InputError):
            parse_duration(bad)


def test_cron() -> None:
    cron = Cron.parse("*/15 9-17 * * mon-fri")
    assert cron.next_after(dt.datetime(2026, 11, 21, 12, 7)) == dt.datetime(2026, 11, 23, 9, 0)
    assert cron.next_after(dt.datetime(2026, 11, 23, 9, 0)) == dt.datetime(2026, 11, 23, 9, 15)
    assert Cron.parse("0 0 1 * *").next_after(dt.datetime(2026, 11, 21)) == dt.datetime(2026, 12, 1)
    for bad in ("* * * *", "61 * * * *", "* 24 * * *", "*/0 * * * *", "a b c d e"):
        with pytest.raises(InputError):
            Cron.parse(bad)


@pytest.fixture
def site() -> Iterator[DemoSite]:
    with DemoSite(slow_seconds=0.1) as demo:
        yield demo


def _count(db: Path, sql: str) -> int:
    for _ in range(100):
        try:
            with duckdb.connect(str(db), read_only=True) as con:
                return int(con.execute(sql).fetchone()[0])
        except duckdb.Error:
            time.sleep(0.1)
    raise AssertionError("the corpus stayed locked")


def _wait(condition: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError("timed out waiting for the scheduler")


def _start(db: Path, sources: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        mediamon_cmd("--db", str(db), "schedule", "--sources", str(sources), *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "MEDIAMON_LOCK_TIMEOUT": "60"},
    )


def test_two_cycles_store_only_what_is_new(tmp_path: Path, db: Path, site: DemoSite) -> None:
    sources = sources_toml(
        site,
        tmp_path / "s.toml",
        news={"feeds": ["/feeds/rss.xml"]},
        wire={"feeds": ["/feeds/atom.xml"]},
    )
    scheduler = _start(db, sources, "--every", "3s", "--json")
    try:
        _wait(
            lambda: (
                db.exists()
                and _count(db, "select count(*) from crawl_runs where command = 'tag'") >= 1
            )
        )
        first = _count(db, "select count(*) from documents")
        site.add_article(
            slug="cycle-two-story",
            outlet="Civic Wire",
            title="Second cycle",
            body="Lawmakers debated client-side scanning of encrypted messages "
            "and the detection of child sexual abuse material. " * 10,
        )
        site.break_feed(True)
        _wait(lambda: _count(db, "select count(*) from crawl_runs where command = 'tag'") >= 2)
    finally:
        scheduler.send_signal(signal.SIGTERM)
        _, stderr = scheduler.communicate(timeout=120)
    assert scheduler.returncode == 0, stderr
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    cycles = [line for line in lines if "figures" in line]
    assert len(cycles) >= 2 and all("cycle" in c["figures"] for c in cycles)
    with duckdb.connect(str(db), read_only=True) as con:
        runs = con.execute(
            "select stats from crawl_runs where command = 'crawl' order by started_at"
        ).fetchall()
        total = con.execute("select count(*) from documents").fetchone()[0]
    second = json.loads(runs[1][0])
    assert second["documents_new"] == 1 and total == first + 1
    health = run_mediamon("--db", str(db), "sources", "--format", "json")
    flagged = {row["source"]: row["warnings"] for row in json.loads(health.stdout)}
    assert "feed or sitemap broke" in flagged["news"] and flagged["wire"] == "ok"


def test_second_scheduler_is_refused(tmp_path: Path, db: Path, site: DemoSite) -> None:
    sources = sources_toml(site, tmp_path / "s.toml", news={"feeds": ["/feeds/rss.xml"]})
    first = _start(db, sources, "--every", "1h")
    try:
        _wait(lambda: db.exists() and _count(db, "select count(*) from crawl_runs") >= 1)
        second = run_mediamon(
            "--db", str(db), "schedule", "--every", "1h", "--sources", str(sources)
        )
        assert second.returncode == 4
        assert "another scheduler" in second.stderr and str(first.pid) in second.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=120)
    assert first.returncode == 0


def test_sigkill_during_writing_then_restart(tmp_path: Path, db: Path, site: DemoSite) -> None:
    sources = sources_toml(
        site,
        tmp_path / "s.toml",
        slow={"feeds": ["/feeds/rss.xml", "/feeds/atom.xml"], "delay": 0.25, "concurrency": 1},
    )
    scheduler = _start(db, sources, "--every", "1h")
    _wait(
        lambda: (
            db.exists()
            and _count(db, "select count(*) from documents where source_id = 'slow'") >= 3
        )
    )
    scheduler.send_signal(signal.SIGKILL)
    scheduler.wait()
    # the crawl it ran is told to stop, finishes its batch and records the run as interrupted
    _wait(lambda: _count(db, "select count(*) from crawl_runs where status = 'running'") == 0)
    again = subprocess.run(
        mediamon_cmd("--db", str(db), "schedule", "--once", "--sources", str(sources)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    clean = tmp_path / "clean.duckdb"
    assert run_mediamon("--db", str(clean), "crawl", "--sources", str(sources)).returncode == 0
    sql = "select canonical_url, text_hash from documents where source_id = 'slow' order by 1"
    with duckdb.connect(str(clean), read_only=True) as con:
        expected = con.execute(sql).fetchall()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(sql).fetchall() == expected
        statuses = [
            r[0]
            for r in con.execute(
                "select status from crawl_runs where command = 'crawl' order by started_at"
            ).fetchall()
        ]
        tagged = con.execute("select count(*) from documents where nlp_version is null")
        assert tagged.fetchone()[0] == 0
    assert statuses[0] == "interrupted" and statuses[-1] == "ok"


def test_queries_never_fail_during_a_scheduled_cycle(
    tmp_path: Path, db: Path, site: DemoSite
) -> None:
    sources = sources_toml(
        site,
        tmp_path / "s.toml",
        busy={"feeds": ["/feeds/rss.xml", "/feeds/atom.xml"], "delay": 0.05},
    )
    assert run_mediamon("--db", str(db), "init").returncode == 0
    scheduler = _start(db, sources, "--once")
    failures, answered = [], 0
    while scheduler.poll() is None:
        out = run_mediamon(
            "--db",
            str(db),
            "query",
            "select count(*) from documents",
            "--format",
            "csv",
            env={"MEDIAMON_LOCK_TIMEOUT": "10"},
        )
        if out.returncode != 0:
            failures.append(out.stderr)
        else:
            answered += 1
        for args in (
            ["stats"],
            ["search", "encryption"],
            ["export", "timeline", "--format", "csv", "-o", str(tmp_path / "t.csv")],
        ):
            other = run_mediamon("--db", str(db), *args, env={"MEDIAMON_LOCK_TIMEOUT": "10"})
            if other.returncode != 0:
                failures.append(f"{args[0]}: {other.stderr}")
    scheduler.communicate()
    assert scheduler.returncode == 0
    assert not failures, failures[:3]
    assert answered >= 3
