"""`query` and `search` read the corpus and nothing else, whatever SQL they are given.

Each statement runs through the installed `mediamon` on a copy of a real corpus; the corpus's
bytes, the other corpus's rows and the file system are checked afterwards.
"""

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from mediamon.corpus import connect
from mediamon.corpus.seeding import init_corpus
from tests.helpers import run_mediamon


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sandbox") / "pristine.duckdb"
    init_corpus(path)
    return path


@pytest.fixture
def corpus(pristine: Path, tmp_path: Path) -> Path:
    path = tmp_path / "c.duckdb"
    shutil.copy(pristine, path)
    return path


def _one_line_refusal(out: object) -> None:
    stderr = out.stderr  # type: ignore[attr-defined]
    assert out.returncode != 0, out.stdout  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    assert stderr.strip().count("\n") == 0, stderr
    assert "refused" in stderr, stderr


def test_copy_onto_the_corpus_is_refused_and_the_corpus_kept(corpus: Path) -> None:
    before = digest(corpus)
    out = run_mediamon("--db", str(corpus), "query", f"copy (select 1) to '{corpus}'")
    _one_line_refusal(out)
    assert digest(corpus) == before
    with duckdb.connect(str(corpus), read_only=True) as con:
        assert con.execute("select count(*) from documents").fetchone() == (2,)


def test_another_corpus_cannot_be_attached_and_emptied(corpus: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    shutil.copy(corpus, other)
    before = digest(other)
    sql = f"attach '{other}' as o (read_write); delete from o.documents"
    _one_line_refusal(run_mediamon("--db", str(corpus), "query", sql))
    assert digest(other) == before


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_text('/etc/hostname')",
        "select * from read_csv('/etc/passwd')",
        "select * from glob('/root/*')",
        "select * from glob('{dir}/*')",
        "export database '{dir}/dump'",
        "copy documents to '{dir}/leak.csv'",
        "install httpfs",
        "load httpfs",
        "load '{dir}/evil.duckdb_extension'",
        "select * from read_parquet('https://example.com/x.parquet')",
        "set enable_external_access = true",
        "reset lock_configuration",
        "set lock_configuration = false",
        "set temp_directory = '{dir}/spill'",
        "set profiling_output = '{dir}/profile.json'",
        "select 1; copy (select 1) to '{dir}/second.csv'",
    ],
)
def test_files_extensions_and_settings_are_out_of_reach(
    corpus: Path, tmp_path: Path, sql: str
) -> None:
    before = digest(corpus)
    listing = sorted(p.name for p in tmp_path.iterdir())
    out = run_mediamon("--db", str(corpus), "query", sql.format(dir=tmp_path))
    _one_line_refusal(out)
    # nothing downloaded or tried over the network, nothing listed, nothing written
    assert "download" not in out.stderr.lower() and "http://extensions" not in out.stderr
    assert "hostname" not in out.stdout and "root:" not in out.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
    assert digest(corpus) == before


def test_a_named_query_with_parameters_runs_in_the_sandbox(corpus: Path) -> None:
    out = run_mediamon(
        "--db", str(corpus), "query", "undated_documents", "-p", "source=johncarr-blog",
        "--format", "csv",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Facebook must change its mind" in out.stdout
    # the connection every read-only command gets
    with connect(corpus, read_only=True) as con:
        settings = dict(
            con.execute(
                "select name, value from duckdb_settings() where name in ('enable_external_access',"
                " 'lock_configuration', 'autoinstall_known_extensions', "
                "'autoload_known_extensions')"
            ).fetchall()
        )
    assert settings == {
        "enable_external_access": "false",
        "lock_configuration": "true",
        "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false",
    }


def test_search_loads_its_extension_from_the_package_then_locks(corpus: Path) -> None:
    out = run_mediamon("--db", str(corpus), "search", "Facebook", "encryption")
    assert out.returncode == 0, out.stderr
    assert "Facebook must change its mind" in out.stdout
    with connect(corpus, read_only=True, fts=True) as con:
        assert con.execute("select stem('encrypted', 'porter')").fetchone() == ("encrypt",)
        with pytest.raises(duckdb.Error, match="disabled"):
            con.execute("select * from read_text('/etc/hostname')")


def test_a_sqlite_file_is_refused_without_fetching_a_scanner(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "notes.duckdb"
    with sqlite3.connect(path) as lite:
        lite.execute("create table documents (title text)")
    before = digest(path)
    for args in (["query", "select 1"], ["stats"], ["search", "encryption"], ["init"]):
        out = run_mediamon("--db", str(path), *args)
        assert out.returncode != 0 and "Traceback" not in out.stderr
        assert out.stderr.strip().count("\n") == 0, out.stderr
        assert "SQLite" in out.stderr and "sqlite_scanner" not in out.stderr, out.stderr
    assert digest(path) == before


@pytest.mark.parametrize("sql", [";", "  ", "\n-- only a comment", ";;", "/* nothing */"])
def test_sql_without_a_statement_is_a_one_line_error(corpus: Path, sql: str) -> None:
    out = run_mediamon("--db", str(corpus), "query", sql)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert out.stderr.strip().count("\n") == 0 and "no SQL statement" in out.stderr, out.stderr
