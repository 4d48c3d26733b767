"""`mediamon schedule`: crawl then tag, again and again, unattended.

Each cycle runs `mediamon crawl` and then `mediamon tag` as child processes (Twisted's reactor
cannot be started twice in one process, and a child that dies cannot take the scheduler with
it). A lock file next to the corpus keeps two schedulers from overlapping. SIGTERM or Ctrl-C
is passed on to the running child, which finishes the batch it is writing, records its run as
interrupted and exits; then the scheduler exits too. A cycle's exit status is its worst
step's, which `schedule --once` exits with.
"""

import datetime as dt
import fcntl
import hashlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

from mediamon.corpus.connection import connect
from mediamon.corpus.lake import is_lake
from mediamon.corpus.runs import last_crawl, now
from mediamon.errors import MediamonError
from mediamon.schedule.timing import Cron

logger = logging.getLogger(__name__)

CHILD_GRACE_SECONDS = 60.0


def _relay(stream: IO[bytes] | None, step: str) -> None:
    if stream is None:
        return
    for raw in stream:
        line = raw.decode("utf-8", errors="replace").rstrip()
        if line:
            logger.warning("[%s] %s", step, line)


class SchedulerBusyError(MediamonError):
    exit_code = 4


@dataclass
class Cycle:
    number: int
    crawl_status: str = "not run"
    tag_status: str = "not run"
    figures: dict[str, Any] = field(default_factory=dict)
    exit_code: int = 0  # the worst of its steps' exit statuses

    def step(self, code: int) -> None:
        # a child killed by a signal has a negative code: as a shell would report it
        self.exit_code = max(self.exit_code, 128 - code if code < 0 else code)

    def line(self) -> str:
        f = self.figures
        errors = ", ".join(f"{k} {v}" for k, v in sorted(f.get("errors", {}).items())) or "none"
        return (
            f"cycle {self.number}: crawl {self.crawl_status}, {f.get('pages_fetched', 0)} pages, "
            f"{f.get('documents_new', 0)} new, {f.get('documents_updated', 0)} updated; "
            f"errors {errors}; tag {self.tag_status}"
        )


def lock_path(db: Path) -> Path:
    """Beside a corpus file; for a lake, in this machine's runtime folder, named after the
    catalog (schedulers on other machines share the lake through the frontier's own lock)."""
    if not is_lake(db):
        return db.with_name(db.name + ".schedule.lock")
    digest = hashlib.sha256(str(db).encode()).hexdigest()[:16]
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    return base / f"mediamon-lake-{digest}.schedule.lock"


class SchedulerLock:
    """An exclusive lock file beside the corpus; the kernel drops it if we are killed."""

    def __init__(self, db: Path) -> None:
        self.path = lock_path(db)
        self._file: IO[str] | None = None

    def __enter__(self) -> "SchedulerLock":
        self._file = self.path.open("a+")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.seek(0)
            holder = self._file.read().strip() or "another process"
            self._file.close()
            raise SchedulerBusyError(
                f"another scheduler ({holder}) is running for this corpus; stop it first, or "
                f"use another --db (lock: {self.path})"
            ) from None
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"PID {os.getpid()}")
        self._file.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()


class Scheduler:
    def __init__(
        self,
        db: Path,
        sources: Path | None,
        every: float | None = None,
        cron: Cron | None = None,
        once: bool = False,
        extra_args: list[str] | None = None,
        report: Callable[[Cycle], None] | None = None,
    ) -> None:
        self.db = db
        self.sources = sources
        self.every = every
        self.cron = cron
        self.once = once
        self.extra_args = extra_args or []
        self.report = report or (lambda cycle: logger.info(cycle.line()))
        self._stop = threading.Event()
        self._child: subprocess.Popen[bytes] | None = None
        self.last: Cycle | None = None  # the latest cycle run

    def stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        """Finish the current step gracefully, then exit."""
        if not self._stop.is_set():
            logger.warning("stopping: the current batch is finished and recorded first")
        self._stop.set()
        child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    def run(self) -> int:
        """Cycles until stopped (or once); returns the number of cycles run."""
        previous = {s: signal.signal(s, self.stop) for s in (signal.SIGTERM, signal.SIGINT)}
        cycles = 0
        try:
            with SchedulerLock(self.db):
                while not self._stop.is_set():
                    cycles += 1
                    started = dt.datetime.now()
                    self.last = self._cycle(cycles)
                    self.report(self.last)
                    if self.once or self._stop.is_set():
                        break
                    self._stop.wait(self._seconds_until_next(started))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return cycles

    def _seconds_until_next(self, started: dt.datetime) -> float:
        now = dt.datetime.now()
        if self.cron is not None:
            return max(0.0, (self.cron.next_after(now) - now).total_seconds())
        return max(0.0, (self.every or 0.0) - (now - started).total_seconds())

    def _cycle(self, number: int) -> Cycle:
        cycle = Cycle(number)
        crawl = ["crawl", *(["--sources", str(self.sources)] if self.sources else [])]
        since = now()
        code = self._child_run([*crawl, *self.extra_args])
        cycle.step(code)
        cycle.crawl_status, cycle.figures = self._last_crawl(code, since)
        if self._stop.is_set():
            return cycle
        code = self._child_run(["tag"])
        cycle.step(code)
        cycle.tag_status = "ok" if code == 0 else f"failed (exit {code})"
        return cycle

    def _child_run(self, args: list[str]) -> int:
        command = [sys.executable, "-m", "mediamon", "--db", str(self.db), *args]
        # the child must not take our terminal's Ctrl-C itself: we forward it, once
        env = {**os.environ, "MEDIAMON_PARENT_PID": str(os.getpid())}
        # the child's warnings come through our log; if we die, its writes fail harmlessly
        # instead of filling a pipe that nobody reads
        self._child = subprocess.Popen(
            command,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        step = args[0]
        stream = self._child.stderr
        threading.Thread(target=_relay, args=(stream, step), daemon=True).start()
        try:
            while True:
                try:
                    return self._child.wait(timeout=1.0)
                except subprocess.TimeoutExpired:
                    continue
        finally:
            if self._child.poll() is None:
                self._child.kill()
            self._child = None

    def _last_crawl(self, code: int, since: dt.datetime) -> tuple[str, dict[str, Any]]:
        """The crawl's status and figures, from its run; an earlier run is not this one's."""
        try:
            with connect(self.db, read_only=True) as con:
                last = last_crawl(con, since)
        except MediamonError as exc:
            return f"failed (exit {code}): {exc}", {}
        if last is None:  # it failed before starting its run (its error is in the log)
            return f"failed (exit {code})", {}
        status, figures = last
        if status == "ok" and code != 0:
            status = f"ok, but exit {code}"
        return status, figures
