"""Where `export timeline`, `export chart` and `report` write: never over a database, always whole.

Real commands on a real corpus; the protected files are compared byte for byte afterwards.
"""

import hashlib
import json
import os
import resource
import shutil
import subprocess
from pathlib import Path

import pytest

from mediamon.corpus import connect
from tests.corpus_fixture import build_fixture
from tests.helpers import mediamon_cmd, run_mediamon

COMMANDS = {
    "timeline": ["export", "timeline", "--format", "csv"],
    "chart": ["export", "chart", "--format", "svg"],
    "report": ["report"],
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture(tmp_path_factory.mktemp("targets") / "fixture.duckdb")


@pytest.fixture
def corpus(fixture_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "e.duckdb"
    shutil.copy(fixture_db, path)
    return path


def _refused(out: subprocess.CompletedProcess[str]) -> None:
    assert out.returncode != 0, out.stdout
    assert "Traceback" not in out.stderr and out.stderr.strip().count("\n") == 0, out.stderr
    assert "choose another -o" in out.stderr, out.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_corpus_is_never_an_output(corpus: Path, tmp_path: Path, command: str) -> None:
    before = digest(corpus)
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.csv"
    link.symlink_to(corpus)
    hard = tmp_path / "hard.csv"
    os.link(corpus, hard)
    spellings = [
        corpus,  # as given
        tmp_path / "sub" / ".." / corpus.name,  # another spelling of the same path
        Path(os.path.relpath(corpus)),  # relative
        link,  # a symlink to it
        hard,  # a hard link to it
        corpus.with_name(corpus.name + ".wal"),  # its log, though it does not exist now
    ]
    for target in spellings:
        out = run_mediamon("--db", str(corpus), *COMMANDS[command], "-o", str(target))
        _refused(out)
        assert digest(corpus) == before, target
    assert not corpus.with_name(corpus.name + ".wal").exists()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_duckdb_database_is_overwritten(
    corpus: Path, fixture_db: Path, tmp_path: Path, command: str
) -> None:
    other = tmp_path / "other-team.csv"  # a database, whatever its name says
    shutil.copy(fixture_db, other)
    before = digest(other)
    out = run_mediamon("--db", str(corpus), *COMMANDS[command], "-o", str(other))
    _refused(out)
    assert "DuckDB database" in out.stderr and digest(other) == before


def test_a_failed_write_leaves_the_old_file_whole(corpus: Path, tmp_path: Path) -> None:
    """A write that fails half-way (here: the file size limit, as a full disk would) keeps the
    old report; the old code truncated it first."""
    old = tmp_path / "report.html"
    old.write_text("<p>last week's report</p>\n" * 10)
    before = digest(old)

    def small_files() -> None:  # in the child: files may grow to 2 KB only
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    out = subprocess.run(
        mediamon_cmd("--db", str(corpus), "report", "-o", str(old)),
        capture_output=True, text=True, timeout=120, preexec_fn=small_files,
    )  # fmt: skip
    assert out.returncode != 0 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.strip().count("\n") == 0, out.stderr
    assert "could not write" in out.stderr and "old file is unchanged" in out.stderr
    assert digest(old) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.duckdb", "report.html"]


def test_an_error_inside_the_writer_removes_the_temporary_file(tmp_path: Path) -> None:
    from mediamon.reports.files import output

    old = tmp_path / "t.csv"
    old.write_text("period,n\n")
    with pytest.raises(RuntimeError), output(old) as fh:
        fh.write(b"half a row")
        raise RuntimeError("the query failed half-way")
    assert old.read_text() == "period,n\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_the_new_file_gets_the_usual_permissions(corpus: Path, tmp_path: Path) -> None:
    target = tmp_path / "t.csv"
    out = run_mediamon("--db", str(corpus), "export", "timeline", "-o", str(target))
    assert out.returncode == 0, out.stderr
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    target.chmod(0o640)  # an existing file keeps its own
    again = run_mediamon("--db", str(corpus), "export", "timeline", "-o", str(target))
    assert again.returncode == 0 and target.stat().st_mode & 0o777 == 0o640


def test_standard_output_for_text_formats(corpus: Path) -> None:
    out = run_mediamon("--db", str(corpus), "export", "timeline", "-o", "-")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith("period,actor_id,actor_name,target")
    assert "Wrote" in out.stderr and "Wrote" not in out.stdout  # the summary is not data

    out = run_mediamon("--db", str(corpus), "export", "timeline", "--format", "json", "-o", "-")
    assert out.returncode == 0, out.stderr
    records = json.loads(out.stdout)
    assert records and {"period", "n_favor", "n_docs"} <= set(records[0])

    out = run_mediamon("--db", str(corpus), "export", "chart", "-o", "-")
    assert out.returncode == 0 and out.stdout.startswith("<svg"), out.stderr
    out = run_mediamon("--db", str(corpus), "report", "-o", "-")
    assert out.returncode == 0 and "<html" in out.stdout.lower(), out.stderr

    out = run_mediamon("--db", str(corpus), "export", "timeline", "--format", "parquet", "-o", "-")
    assert out.returncode != 0 and "not text" in out.stderr and not out.stdout


def test_an_unknown_extension_needs_a_format(corpus: Path, tmp_path: Path) -> None:
    target = tmp_path / "timeline.txt"
    out = run_mediamon("--db", str(corpus), "export", "timeline", "-o", str(target))
    assert out.returncode != 0 and "--format" in out.stderr and not target.exists()
    assert out.stderr.strip().count("\n") == 0, out.stderr
    out = run_mediamon("--db", str(corpus), "export", "chart", "-o", str(tmp_path / "c.gif"))
    assert out.returncode != 0 and "--format" in out.stderr
    out = run_mediamon(
        "--db", str(corpus), "export", "timeline", "--format", "json", "-o", str(target)
    )
    assert out.returncode == 0 and json.loads(target.read_text())


def test_the_library_refuses_the_corpus_too(corpus: Path) -> None:
    from mediamon.errors import ExportError
    from mediamon.reports.export import export_timeline

    before = digest(corpus)
    with connect(corpus, read_only=True) as con, pytest.raises(ExportError, match="the corpus"):
        export_timeline(con, corpus, "csv")
    assert digest(corpus) == before
