"""The scheduler, run for real as a subprocess against a site served on 127.0.0.1."""

import datetime as dt
import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from mediamon.demo.site import DemoSite
from mediamon.errors import InputError
from mediamon.schedule.timing import Cron, parse_duration
from tests.helpers import broken_extractor_env, mediamon_cmd, run_mediamon, sources_toml

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


@pytest.mark.parametrize(
    ("expr", "says"),
    [
        ("* * * *", "give five fields"),
        ("0 * * * * *", "6 fields, but cron and systemd timers use five"),
        ("0 0 12 * * ? 2030", "7 fields"),
        ("@daily", "give five fields"),
        ("61 * * * *", "minute field '61' is out of range 0-59"),
        ("* 24 * * *", "hour field '24' is out of range 0-23"),
        ("* * 0 * *", "day of month field '0' is out of range 1-31"),
        ("* * 32 * *", "day of month field '32' is out of range 1-31"),
        ("* * * 13 *", "month field '13' is out of range 1-12"),
        ("* * * * 8", "day of week field '8' is out of range 0-7"),
        ("0-60/5 * * * *", "out of range 0-59"),
        ("* * * foo *", "month field 'foo': write a number or name (jan..dec)"),
        ("* * * * funday", "day of week field 'funday'"),
        ("* * * * mon-fry", "day of week field 'mon-fry': write a number or name (sun..sat)"),
        ("0 jan * * *", "hour field 'jan': write a number"),
        ("*/0 * * * *", "a step must be 1 or more"),
        ("* * * jan-dec/0 *", "a step must be 1 or more"),
        ("0 0 30 2 *", "never fires"),
        ("0 0 31 4,6,9,11 *", "never fires"),
        ("22-2 * * * *", "runs backwards, e.g. write '22-59,0-2'"),
        ("* * * * fri-sun", "runs backwards, e.g. write 'fri-7'"),
        # croniter's extensions are refused: cron and systemd users would not expect them
        ("0 0 L * *", "day of month field 'L'"),
        ("0 0 15W * *", "day of month field '15W'"),
        ("0 0 * * 1#2", "day of week field '1#2'"),
        ("0 0 ? * *", "day of month field '?'"),
        ("H * * * *", "minute field 'H'"),
        ("R * * * *", "minute field 'R'"),
        ("a b c d e", "minute field 'a'"),
        ("*/ * * * *", "minute field '*/'"),
    ],
)
def test_cron_errors_are_one_line(expr: str, says: str) -> None:
    with pytest.raises(InputError) as caught:
        Cron.parse(expr)
    message = str(caught.value)
    assert says in message and "\n" not in message and "e.g." in message
    assert "croniter" not in message.lower() and "Traceback" not in message


def test_cron_either_day_field_is_enough() -> None:
    """Classic cron: with both day fields restricted, either one matching is enough."""

    def fires(expr: str) -> list[dt.date]:
        cron, when, days = Cron.parse(expr), dt.datetime(2026, 1, 31, 23, 59), []
        while (when := cron.next_after(when)) < dt.datetime(2026, 4, 1):
            days.append(when.date())
        return days

    thirteenths = [dt.date(2026, 2, 13), dt.date(2026, 3, 13)]
    fridays = [dt.date(2026, 2, 6) + dt.timedelta(weeks=n) for n in range(8)]
    assert fires("0 0 13 * *") == thirteenths
    assert fires("0 0 * * fri") == fridays
    assert fires("0 0 13 * fri") == sorted(set(thirteenths + fridays))
    # a day field that lets every day through, written other than '*', still counts as
    # restricted (croniter alone would read '1-31' as '*' here and need Fridays too)
    assert len(fires("0 0 1-31 * */5")) == 28 + 31
    assert len(fires("0 0 *,13 * fri")) == 28 + 31
    # February 30 never comes, but Mondays in February do
    assert Cron.parse("0 0 30 2 mon").next_after(dt.datetime(2026, 3, 1)) == dt.datetime(2027, 2, 1)


def test_cron_reads_as_classic_cron_where_croniter_alone_would_not() -> None:
    start = dt.datetime(2026, 11, 21, 12, 7)  # a Saturday
    # croniter alone reads an equal range as the whole field: every minute
    assert Cron.parse("5-5 * * * *").next_after(start) == dt.datetime(2026, 11, 21, 13, 5)
    assert Cron.parse("0 0 * * mon-MON").next_after(start) == dt.datetime(2026, 11, 23)
    # croniter alone stops '1/2' at Saturday; Sunday is 7 as well as 0
    assert Cron.parse("0 0 * * 1/2").next_after(start) == dt.datetime(2026, 11, 22)
    assert Cron.parse("0 0 * * 7").next_after(start) == dt.datetime(2026, 11, 22)
    assert Cron.parse("0 0 * * 0-7").next_after(start) == dt.datetime(2026, 11, 22)
    # seconds and microseconds of the start are dropped, as cron works in whole minutes
    assert Cron.parse("* * * * *").next_after(start.replace(second=59)) == start.replace(minute=8)
    assert Cron.parse("0 0 29 2 *").next_after(start) == dt.datetime(2028, 2, 29)


def test_cli_gives_one_line_for_a_bad_cron(tmp_path: Path) -> None:
    result = run_mediamon(
        "--db", str(tmp_path / "c.duckdb"), "schedule", "--cron", "0 0 30 2 *", "--once"
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and len(lines) == 1 and "never fires" in lines[0], lines


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


def test_once_exits_with_the_worst_steps_status(tmp_path: Path, db: Path, site: DemoSite) -> None:
    sources = sources_toml(site, tmp_path / "s.toml", news={"feeds": ["/feeds/rss.xml"]})

    def once(env: dict[str, str] | None = None) -> tuple[int, str]:
        args = ["--db", str(db), "schedule", "--once", "--sources", str(sources), "--json"]
        out = run_mediamon(*args, env=env, timeout=600)
        assert "Traceback" not in out.stderr, out.stderr
        cycles = [json.loads(line) for line in out.stderr.splitlines() if line.startswith("{")]
        figures = [c["figures"] for c in cycles if "figures" in c]
        assert len(figures) == 1, out.stderr
        return out.returncode, figures[0]["crawl"]

    # the extractor cannot run: the crawl fails (exit 1), the tag step still runs
    code, crawl = once(broken_extractor_env(tmp_path))
    assert code == 1 and crawl == "failed", crawl
    # the pages it could not read are fetched again by the next crawl
    assert run_mediamon("--db", str(db), "crawl", "--sources", str(sources)).returncode == 0
    assert _count(db, "select count(*) from documents where source_id = 'news'") >= 20
    # a sources file the crawl would refuse: the scheduler refuses it before its first cycle,
    # on one line, rather than report the earlier run's "ok" or fail every cycle after it
    sources.write_text('[[sources]]\nid = "news"\nfeeds = "not a list"\n', encoding="utf-8")
    args = ["--db", str(db), "schedule", "--once", "--sources", str(sources), "--json"]
    out = run_mediamon(*args, timeout=600)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("Error: ") and len(out.stderr.strip().splitlines()) == 1
    assert "feeds: must be a list" in out.stderr


# -- The previous implementation, kept as an oracle ---------------------------------------------
# mediamon/schedule/timing.py's own five-field parser before croniter replaced it (git history
# has it). Copied unchanged apart from the names; the tests below check croniter's answers
# against it.

_OLD_FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 6),
)
_OLD_NAMES = {
    3: {
        n: i
        for i, n in enumerate(
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
        )
    },
    4: {n: i for i, n in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])},
}


@dataclass(frozen=True)
class _OldCron:
    """A five-field cron expression: minute hour day-of-month month day-of-week."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, text: str) -> "_OldCron":
        parts = text.split()
        if len(parts) != 5:
            raise InputError(
                f"bad cron expression {text!r}: give five fields, minute hour day month weekday, "
                "e.g. '0 */6 * * *'"
            )
        sets = [_old_field(part, i) for i, part in enumerate(parts)]
        weekdays = frozenset(d % 7 for d in sets[4])
        return cls(
            text, sets[0], sets[1], sets[2], sets[3], weekdays, parts[2] == "*", parts[4] == "*"
        )

    def matches(self, when: dt.datetime) -> bool:
        if when.minute not in self.minutes or when.hour not in self.hours:
            return False
        if when.month not in self.months:
            return False
        day_ok = when.day in self.days
        weekday_ok = (when.isoweekday() % 7) in self.weekdays
        # cron's rule: with both fields restricted, either one matching is enough
        if self.any_day or self.any_weekday:
            return day_ok and weekday_ok
        return day_ok or weekday_ok

    def next_after(self, when: dt.datetime) -> dt.datetime:
        candidate = when.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        for _ in range(366 * 24 * 60 * 5):
            if self.matches(candidate):
                return candidate
            candidate += dt.timedelta(minutes=1)
        raise InputError(f"cron expression {self.text!r} never fires")


def _old_field(text: str, index: int) -> frozenset[int]:
    name, low, high = _OLD_FIELDS[index]
    if index == 4:
        high = 7  # 0 and 7 are both Sunday
    values: set[int] = set()
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if base == "*":
                start, end = low, high
            elif "-" in base:
                a, b = base.split("-", 1)
                start, end = _old_value(a, index), _old_value(b, index)
            else:
                start = _old_value(base, index)
                end = high if step_text else start
        except ValueError:
            raise InputError(f"bad cron {name} field {text!r}") from None
        if step < 1 or not (low <= start <= high and low <= end <= high) or start > end:
            raise InputError(f"cron {name} field {text!r} is out of range {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _old_value(text: str, index: int) -> int:
    names = _OLD_NAMES.get(index, {})
    return names[text.lower()] if text.lower() in names else int(text)


# -- End of the previous implementation ---------------------------------------------------------


def _old_next_after(cron: _OldCron, when: dt.datetime) -> dt.datetime | None:
    """What _OldCron.next_after answers (None for 'never fires'), found faster.

    It steps minute by minute for up to five years; this skips each day on which `matches`
    fails at the day's first possible minute (so at every minute), and steps through the rest.
    """
    candidate = when.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    end = candidate + dt.timedelta(minutes=366 * 24 * 60 * 5)
    first_hour, first_minute = min(cron.hours), min(cron.minutes)
    while candidate < end:
        day = candidate.date()
        if cron.matches(candidate.replace(hour=first_hour, minute=first_minute)):
            while candidate.date() == day and candidate < end:
                if cron.matches(candidate):
                    return candidate
                candidate += dt.timedelta(minutes=1)
        else:
            candidate = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    return None


def _random_cron(rng: random.Random) -> str:
    """A five-field expression in classic syntax, odd corners included."""
    names = {3: list(_OLD_NAMES[3]), 4: list(_OLD_NAMES[4])}

    def item(index: int) -> str:
        low, high = _OLD_FIELDS[index][1], 7 if index == 4 else _OLD_FIELDS[index][2]
        a, b = sorted((rng.randint(low, high), rng.randint(low, high)))
        step = rng.randint(1, 10)
        choices = [
            str(a),
            f"{a}-{b}",
            f"{a}-{b}/{step}",
            f"*/{rng.randint(1, high)}",
            f"{a}/{step}",
            f"{a}-{a}",  # an equal range: one value
            f"{b}-{a}",  # backwards unless equal: refused by both
            "*",
        ]
        if index in names:
            x, y = sorted(rng.sample(range(len(names[index])), 2))
            n = names[index]
            choices += [n[x], n[x].upper(), f"{n[x]}-{n[y]}", f"{n[x]}/{rng.randint(1, 3)}"]
        return rng.choice(choices)

    def field(index: int) -> str:
        if rng.random() < 0.4:
            return "*"
        return ",".join(item(index) for _ in range(rng.choice([1, 1, 1, 2, 3])))

    return " ".join(field(index) for index in range(5))


def test_old_next_after_is_what_the_old_code_answered() -> None:
    """The faster search used below gives what the old minute-by-minute loop gave."""
    rng = random.Random(7)
    for expr in [
        "*/15 9-17 * * mon-fri",
        "0 */6 * * *",
        "5,35 * 13 * fri",
        "0 0 * * 7",
        "59 23 31 * *",
    ]:
        old = _OldCron.parse(expr)
        for _ in range(3):
            start = dt.datetime(2026, 1, 1) + dt.timedelta(minutes=rng.randint(0, 200_000))
            assert _old_next_after(old, start) == old.next_after(start), (expr, start)


def test_cron_next_times_agree_with_the_previous_implementation() -> None:
    """The same expressions accepted, and the same next times, as the parser croniter replaced."""
    rng = random.Random(2026)
    exprs = {_random_cron(rng) for _ in range(600)}
    starts = [dt.datetime(2026, 12, 31, 23, 59), dt.datetime(2028, 2, 28, 23, 59, 30)]
    starts += [
        dt.datetime(2026, 1, 1) + dt.timedelta(minutes=rng.randint(0, 4 * 525_600))
        for _ in range(4)
    ]
    compared = refused = 0
    for expr in sorted(exprs):
        try:
            old = _OldCron.parse(expr)
        except InputError:
            with pytest.raises(InputError):
                Cron.parse(expr)
            refused += 1
            continue
        if _old_next_after(old, starts[0]) is None:
            with pytest.raises(InputError, match="never fires"):
                Cron.parse(expr)
            refused += 1
            continue
        new = Cron.parse(expr)
        for start in starts:
            assert new.next_after(start) == _old_next_after(old, start), (expr, new, start)
            compared += 1
    assert compared >= 1800 and refused >= 50, (len(exprs), refused, compared)


def test_a_lake_has_its_scheduler_lock_on_this_machine(tmp_path: Path) -> None:
    """A lake is no file to lock beside: its lock lives in this machine's runtime folder, and
    still keeps a second scheduler for the same lake out."""
    from mediamon.schedule.scheduler import SchedulerBusyError, SchedulerLock, lock_path

    lake = Path(f"ducklake:sqlite:{tmp_path / 'catalog.sqlite'}")
    other = Path(f"ducklake:sqlite:{tmp_path / 'other.sqlite'}")
    assert lock_path(lake) != lock_path(other)
    assert not str(lock_path(lake)).startswith("ducklake:")
    with SchedulerLock(lake):
        with pytest.raises(SchedulerBusyError), SchedulerLock(lake):
            pass
        with SchedulerLock(other):
            pass
