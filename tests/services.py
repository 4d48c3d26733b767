"""Real Redis and PostgreSQL servers for tests, started on 127.0.0.1 on free ports.

Each server lives in a temporary folder and is stopped at the end of its fixture. The binaries
come from Debian's `redis-server` and `postgresql` packages, which `.ci/run` installs. When one
cannot be started, the test fails with the reason under CI (`$CI` set) and is skipped with it
elsewhere, so a missing package never passes silently in CI.
"""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def unavailable(reason: str) -> None:
    """Fail under CI, skip elsewhere, with one message that says what to install."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


@dataclass
class RedisServer:
    port: int
    folder: Path
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    exe = shutil.which("redis-server")
    if exe is None:
        unavailable("redis-server is not installed: apt-get install redis-server (.ci/run does)")
    assert exe is not None
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = [exe, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder)]
    args += ["--save", "", "--appendonly", "no", "--protected-mode", "yes"]
    log = (folder / "redis.log").open("wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        try:
            _wait_for_port(port, proc, "redis-server", 15)
        except RuntimeError as exc:
            unavailable(f"{exc}; see {folder / 'redis.log'}")
        yield RedisServer(port, folder, proc)
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.poll() is None:
            proc.kill()
        log.close()


@dataclass
class PostgresServer:
    port: int
    folder: Path
    user: str
    dbname: str = "mediamon"

    @property
    def dsn(self) -> str:
        """A libpq connection string, as DuckDB's postgres extension takes it."""
        return f"dbname={self.dbname} host=127.0.0.1 port={self.port} user={self.user}"


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@contextlib.contextmanager
def postgres_server(folder: Path) -> Iterator[PostgresServer]:
    bindir = _pg_bin()
    if bindir is None:
        unavailable("PostgreSQL is not installed: apt-get install postgresql (.ci/run does)")
    assert bindir is not None
    # PostgreSQL refuses to run as root: as root, run it as Debian's `postgres` user
    prefix: list[str] = []
    user = pwd.getpwuid(os.geteuid()).pw_name
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        try:
            entry = pwd.getpwnam("postgres")
        except KeyError:
            unavailable("PostgreSQL runs as the `postgres` user, and there is none")
        user = "postgres"
        prefix = ["runuser", "-u", "postgres", "--"]
        # the folders above must be traversable by postgres (pytest's are 0700)
        for path in folder.parents:
            if not path.stat().st_mode & 0o001:
                path.chmod(path.stat().st_mode | 0o001)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    data = folder / "data"
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    run = subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8"],
        capture_output=True,
        env=env,
    )
    if run.returncode != 0:
        unavailable(f"initdb failed: {run.stderr.decode(errors='replace').strip()[-300:]}")
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder}"
    options += " -c fsync=off -c max_connections=100"
    start = subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(folder / "postgres.log"),
            "-w",
            "-t",
            "30",
            "start",
        ],
        capture_output=True,
        env=env,
    )
    if start.returncode != 0:
        unavailable(f"PostgreSQL did not start; see {folder / 'postgres.log'}")
    try:
        created = subprocess.run(
            [
                *prefix,
                str(bindir.parent / "bin" / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                user,
                "mediamon",
            ],
            capture_output=True,
            env=env,
        )
        if created.returncode != 0:
            unavailable(f"createdb failed: {created.stderr.decode(errors='replace').strip()}")
        yield PostgresServer(port, folder, user)
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            env=env,
        )


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[PostgresServer]:
    with postgres_server(tmp_path / "postgres") as server:
        yield server
