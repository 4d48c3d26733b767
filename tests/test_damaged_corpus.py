"""A damaged corpus file, or one in a folder that cannot be written: one line, never a traceback.

The damage is real: bytes in the middle of a real corpus are overwritten, in the data block
that holds the documents' titles, so the file opens and the commands fail when they read it.
"""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from mediamon.corpus.searchindex import refresh_index
from tests.corpus_fixture import build_fixture
from tests.helpers import mediamon_cmd, run_mediamon

FILE_HEADERS = 3 * 4096  # DuckDB's file header and its two database headers


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def damage_block_of(path: Path, table: str, column: str, at_segment: bool = False) -> None:
    """Overwrite bytes in the middle of the data block holding table.column (at_segment: where
    the column's own bytes start, for a small table sharing a block with others)."""
    with duckdb.connect(str(path), read_only=True) as con:
        size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()
        found = con.execute(
            "SELECT block_id, block_offset FROM pragma_storage_info(?) "
            "WHERE column_name = ? AND block_id >= 0",
            [table, column],
        ).fetchone()
    assert size and found, "the column has no data block to damage"
    start = FILE_HEADERS + int(found[0]) * int(size[0])
    with path.open("r+b") as fh:
        fh.seek(start + (8 + int(found[1]) if at_segment else 4096))
        fh.write(bytes(range(256)) * 4)


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_fixture(tmp_path_factory.mktemp("damaged") / "c.duckdb")
    refresh_index(path)
    damage_block_of(path, "documents", "title")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["stats"],
        ["search", "encryption"],
        ["query", "select title from documents"],
        ["query", "undated_documents"],
        ["sources"],
        ["report", "-o", "{tmp}/r.html"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_damage_is_one_line_saying_restore(damaged: Path, tmp_path: Path, args: list[str]) -> None:
    before = digest(damaged)
    out = run_mediamon("--db", str(damaged), *(a.format(tmp=tmp_path) for a in args))
    assert out.returncode != 0, out.stdout
    assert "Traceback" not in out.stderr and out.stderr.strip().count("\n") == 0, out.stderr
    assert "is damaged" in out.stderr and "restore it from a backup" in out.stderr, out.stderr
    assert digest(damaged) == before
    assert list(tmp_path.iterdir()) == []  # no half-written export


@pytest.fixture(scope="module")
def damaged_cells(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_fixture(tmp_path_factory.mktemp("damaged_cells") / "c.duckdb")
    damage_block_of(path, "stance_cells", "story", at_segment=True)
    return path


def test_a_damaged_timeline_export_is_one_line(damaged_cells: Path, tmp_path: Path) -> None:
    """The timeline reads stance_cells and stance_stories (migration 006), not the documents:
    the damage has to be where it reads."""
    test_damage_is_one_line_saying_restore(
        damaged_cells, tmp_path, ["export", "timeline", "-o", "{tmp}/t.csv", "--freq", "month"]
    )


def test_a_cut_off_file_is_damaged_too(damaged: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.duckdb"
    data = damaged.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    out = run_mediamon("--db", str(cut), "stats")
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "is damaged" in out.stderr and out.stderr.strip().count("\n") == 0, out.stderr


def _without_write_permission() -> list[str]:
    """A command prefix under which the folder really cannot be written.

    As root, permission bits do not bind: setpriv drops the capabilities that override them
    (CAP_DAC_OVERRIDE and friends) for the child, which then meets the bits as any user does.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    drop = ["--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]
    if setpriv is None or subprocess.run([setpriv, *drop, "true"]).returncode != 0:
        pytest.skip("running as root without setpriv: cannot make a folder unwritable to us")
    return [setpriv, *drop]


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    corpus = build_fixture(folder / "c.duckdb")  # the search index is not built yet
    folder.chmod(0o555)
    yield corpus
    folder.chmod(0o755)


def test_a_folder_that_cannot_be_written(read_only_folder: Path) -> None:
    prefix = _without_write_permission()
    probe = subprocess.run([*prefix, "touch", str(read_only_folder.parent / "x")])
    assert probe.returncode != 0, "the folder is writable after all"
    before = digest(read_only_folder)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*prefix, *mediamon_cmd("--db", str(read_only_folder), *args)]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    # reading needs no write: fine
    assert run("stats").returncode == 0
    assert run("query", "select count(*) from documents").returncode == 0
    # writing (the index) needs DuckDB's log beside the corpus: one line saying so
    for args in (["index"], ["search", "encryption"]):
        out = run(*args)
        assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr
        errors = [line for line in out.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and errors[0] == out.stderr.strip().splitlines()[-1], out.stderr
        assert "not writable" in errors[0] and "c.duckdb.wal" in errors[0], errors[0]
    assert digest(read_only_folder) == before
