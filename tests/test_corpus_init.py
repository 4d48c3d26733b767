import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.helpers import BIN, run_mediamon

SEED_TITLES = [
    "Facebook must change its mind",
    "MISSING IN KANSAS: Advocates worry Facebook privacy change will protect child sex predators",
]


def test_init_twice_gives_the_two_seeds(db: Path) -> None:
    first = run_mediamon("--db", str(db), "init")
    assert first.returncode == 0, first.stderr
    assert "2 new" in first.stdout
    second = run_mediamon("--db", str(db), "init")
    assert second.returncode == 0, second.stderr
    assert "0 new, 2 unchanged" in second.stdout

    out = run_mediamon(
        "--db",
        str(db),
        "query",
        "select title, published_at from documents order by title",
        "--format",
        "json",
    )
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["title"] for r in rows] == SEED_TITLES
    assert "\u00a0" not in rows[0]["title"]
    assert rows[0]["published_at"] is None
    assert rows[1]["published_at"] == "2019-10-04"


def test_second_init_changes_nothing(db: Path) -> None:
    run_mediamon("--db", str(db), "init")
    snapshot = "select * exclude (ingested_at, updated_at) from documents order by doc_id"
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.execute("select * from documents order by doc_id").fetchall()
        migrations = con.execute("select * from schema_migrations").fetchall()
    run_mediamon("--db", str(db), "init")
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select * from documents order by doc_id").fetchall() == before
        assert con.execute("select * from schema_migrations").fetchall() == migrations
        assert con.execute(snapshot).fetchall()


SEED_SHA256 = {
    "000_fabfcc87a9737572.txt": "efd46d48c0137210fe7bc39a1bbe29015453fab265e1750e216571dfb331f165",
    "004_c02a120c2422a147.txt": "ef56f5363b5f065f711006c69a06991aab418c3d5e39f190652cd766e0576fd8",
}


def test_seed_files_are_unchanged_copies() -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    ours = Path(__file__).resolve().parents[1] / "corpus" / "seeds"
    for name, digest in SEED_SHA256.items():
        data = (ours / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest
        if (shared / name).exists():
            assert data == (shared / name).read_bytes()


def test_seed_metadata(db: Path) -> None:
    run_mediamon("--db", str(db), "init")
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select source_id, author, sitename, url, date_source, word_count > 500, "
            "text not like 'Facebook must change%' from documents order by source_id"
        ).fetchall()
    carr, kake = rows
    assert carr[:5] == ("johncarr-blog", "John Carr", "John Carr's blog", None, None)
    assert kake[0] == "kake" and kake[3].startswith("http://www.kake.com/story/41168576/")
    assert kake[4] == "curated"
    assert carr[5] and carr[6], "the body is stored without the headline line"


def test_plain_duckdb_reads_the_corpus_without_mediamon(db: Path) -> None:
    run_mediamon("--db", str(db), "init")
    # a fresh interpreter that imports only duckdb
    code = (
        "import sys, duckdb\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(con.execute('select count(*) from documents').fetchone()[0])\n"
        "assert 'mediamon' not in sys.modules and 'corpus' not in sys.modules\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code, str(db)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "2"
    cli = subprocess.run(
        [
            str(BIN / "duckdb"),
            "-readonly",
            "-csv",
            str(db),
            "-c",
            "select count(*) as n from stance_timeline; select published_at from documents "
            "where published_at is not null",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "2019-10-04" in cli.stdout
