"""Ingest against a real full disk, a real file size limit, and folders that cannot be read.

A full disk is a tmpfs mounted by the test (tests run as root here; where mounting is not
allowed the test skips and the RLIMIT_FSIZE one, which needs no privilege, covers the same
path). Folders root cannot read are made real by dropping root's DAC capabilities for the
`mediamon` process with setpriv.
"""

import json
import os
import random
import resource
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.helpers import mediamon_cmd, run_mediamon, write_jsonl


def _records(path: Path, prefix: str, n: int, words: int = 400) -> Path:
    """Records of random hex words: they compress badly, so they fill a disk honestly."""
    rng = random.Random(prefix)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = " ".join(f"{rng.getrandbits(40):010x}" for _ in range(words))
            fh.write(json.dumps({"url": f"https://fill.example/{prefix}/{i}", "text": text}))
            fh.write("\n")
    return path


def _count(db: Path, prefix: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "select count(*) from documents where starts_with(url, ?)",
            [f"https://fill.example/{prefix}/"],
        ).fetchone()
    assert row is not None
    return int(row[0])


def _stored_by_run(stderr: str) -> int:
    words = stderr.split("(")[-1]  # "... stored before (N documents by this run), ..."
    return int(words.split(" documents by this run")[0])


def _check_failed_run(out: subprocess.CompletedProcess[str], db: Path, cause: str) -> int:
    """One line naming the real cause, non-zero, the corpus still open with what it had."""
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(f"Error: cannot write to the corpus {db}: {cause}"), lines[0]
    assert "cannot rollback" not in out.stderr and "Traceback" not in out.stderr
    return _stored_by_run(lines[0])


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); see the RLIMIT test")
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_is_named_and_loses_nothing(small_disk: Path, tmp_path: Path) -> None:
    db = small_disk / "corpus.duckdb"
    assert run_mediamon("--db", str(db), "init").returncode == 0
    first = _records(tmp_path / "first.jsonl", "first", 40)
    assert run_mediamon("--db", str(db), "ingest", str(first)).returncode == 0
    many = _records(tmp_path / "many.jsonl", "many", 1500)

    out = run_mediamon("--db", str(db), "ingest", str(many), timeout=600)
    stored = _check_failed_run(out, db, "no space left on device")
    assert _count(db, "first") == 40
    assert _count(db, "many") == stored < 1500
    query = run_mediamon("--db", str(db), "query", "select count(*) as n from documents")
    assert query.returncode == 0, query.stderr

    # room again: the rerun stores what is missing, once
    grown = subprocess.run(["mount", "-o", "remount,size=256m", str(small_disk)])
    assert grown.returncode == 0
    again = run_mediamon("--db", str(db), "ingest", str(many), timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"{1500 - stored} new" in again.stdout and f"{stored} unchanged" in again.stdout
    assert _count(db, "many") == 1500 and _count(db, "first") == 40


def test_a_file_size_limit_is_named_and_loses_nothing(tmp_path: Path, db: Path) -> None:
    """RLIMIT_FSIZE (`ulimit -f`): writes past it fail with EFBIG; no privilege needed."""
    first = _records(tmp_path / "first.jsonl", "first", 40)
    assert run_mediamon("--db", str(db), "ingest", str(first)).returncode == 0
    many = _records(tmp_path / "many.jsonl", "many", 2000)
    # the corpus file may not grow; its WAL fills up to the same size as batches commit
    limit = db.stat().st_size

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = subprocess.run(
        mediamon_cmd("--db", str(db), "ingest", str(many)),
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=cap,
    )
    stored = _check_failed_run(out, db, "file too large")
    assert "ulimit -f" in out.stderr
    assert _count(db, "first") == 40 and _count(db, "many") == stored < 2000

    again = run_mediamon("--db", str(db), "ingest", str(many), timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"{2000 - stored} new" in again.stdout
    assert _count(db, "many") == 2000


def _good(name: str) -> dict:
    return {"url": f"https://walk.example/{name}", "text": f"Harbour council minutes, {name}."}


def _walked_urls(db: Path) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select url from documents where source_id = 'ingest' order by url")
        return [r[0] for r in rows.fetchall()]


def test_entries_root_meets_that_cannot_be_read_are_reported(tmp_path: Path, db: Path) -> None:
    """A FIFO, a socket, a broken link and a link loop are named; a linked folder is read."""
    top = tmp_path / "in"
    (top / "sub").mkdir(parents=True)
    write_jsonl(top / "ok.jsonl", [_good("ok")])
    write_jsonl(top / "sub" / "deeper.jsonl", [_good("deeper")])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_jsonl(elsewhere / "linked.jsonl", [_good("linked")])
    (top / "sub" / "link-to-elsewhere").symlink_to(elsewhere)
    (top / "sub" / "back-to-top").symlink_to(top)
    os.mkfifo(top / "fifo.jsonl")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(top / "sock.jsonl"))  # the socket file outlives the socket
    (top / "gone.html").symlink_to(tmp_path / "missing.html")
    (top / "ignored.csv").write_text("a,b\n")  # not an input: no word about it

    out = run_mediamon("--db", str(db), "ingest", str(top))
    assert out.returncode == 0, out.stderr
    assert sorted(out.stderr.splitlines()) == [
        f"skipped {top / 'fifo.jsonl'}: a FIFO, not a regular file",
        f"skipped {top / 'gone.html'}: broken symbolic link (No such file or directory); fix "
        "or remove the link",
        f"skipped {top / 'sock.jsonl'}: a socket, not a regular file",
        f"skipped {top / 'sub' / 'back-to-top'}: a folder already read (linked twice, or a loop)",
    ]
    assert _walked_urls(db) == [f"https://walk.example/{n}" for n in ("deeper", "linked", "ok")]


def _without_dac() -> list[str]:
    """A command prefix under which root obeys file permissions, as any user does."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root reads every folder and setpriv is missing to drop that power")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    probe = subprocess.run([*prefix, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot drop capabilities here: {probe.stderr.decode().strip()}")
    return prefix


def test_unreadable_folders_and_files_are_reported(tmp_path: Path, db: Path) -> None:
    top = tmp_path / "in"
    locked = top / "locked"
    locked.mkdir(parents=True)
    write_jsonl(top / "ok.jsonl", [_good("ok")])
    write_jsonl(locked / "hidden.jsonl", [_good("hidden")])
    write_jsonl(top / "noread.jsonl", [_good("noread")])
    prefix = _without_dac()
    locked.chmod(0)
    (top / "noread.jsonl").chmod(0)
    try:
        out = subprocess.run(
            [*prefix, *mediamon_cmd("--db", str(db), "ingest", str(top))],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        locked.chmod(0o755)
    assert out.returncode == 0, out.stderr
    assert sorted(out.stderr.splitlines()) == [
        f"skipped {locked}: cannot read this folder (Permission denied); check its permissions",
        f"skipped {top / 'noread.jsonl'}: cannot read (permission denied); check its permissions",
    ]
    assert _walked_urls(db) == ["https://walk.example/ok"]

    # named on the command line, a file or folder it cannot read stops it before anything
    (top / "noread.jsonl").chmod(0)
    named = subprocess.run(
        [
            *prefix,
            *mediamon_cmd("--db", str(tmp_path / "x.duckdb"), "ingest", str(top / "noread.jsonl")),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert named.returncode != 0
    assert named.stderr.strip().splitlines() == [
        f"Error: {top / 'noread.jsonl'}: cannot read (permission denied); check its permissions"
    ]

    # the folder itself unreadable: one line, nothing written
    locked.chmod(0)
    try:
        alone = subprocess.run(
            [*prefix, *mediamon_cmd("--db", str(tmp_path / "x.duckdb"), "ingest", str(locked))],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        locked.chmod(0o755)
    assert alone.returncode != 0
    assert alone.stderr.strip().splitlines() == [
        f"Error: cannot read folder {locked} (Permission denied); check its permissions"
    ]
    assert not (tmp_path / "x.duckdb").exists()
