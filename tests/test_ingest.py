import gzip
import json
from pathlib import Path

import duckdb

from tests.helpers import run_mediamon, write_jsonl


def _records(n: int, prefix: str = "r") -> list[dict]:
    return [
        {
            "url": f"https://news.example.org/2021/05/{i:02d}/{prefix}-{i}.html?utm_source=x",
            "title": f"Story {prefix} {i}",
            "published": f"2021-05-{(i % 28) + 1:02d}",
            "text": f"Paragraph {i} of {prefix} about end-to-end encryption and child safety.",
        }
        for i in range(n)
    ]


def test_broken_line_is_named_and_the_rest_is_stored(tmp_path: Path, db: Path) -> None:
    good = _records(6)
    lines: list[dict | str] = [*good[:3], '{"url": "https://x.example/1", "title": ', *good[3:]]
    path = write_jsonl(tmp_path / "batch.jsonl", lines)

    first = run_mediamon("--db", str(db), "ingest", str(path))
    assert first.returncode == 0, first.stderr
    assert f"{path}:4" in first.stderr and "not valid JSON" in first.stderr
    assert "Traceback" not in first.stderr
    assert "6 new" in first.stdout and "1 skipped" in first.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        assert (
            con.execute("select count(*) from documents where source_id = 'ingest'").fetchone()[0]
            == 6
        )

    again = run_mediamon("--db", str(db), "ingest", str(path))
    assert again.returncode == 0
    assert "0 new" in again.stdout and "6 unchanged" in again.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from documents").fetchone()[0] == 8  # + 2 seeds
        runs = con.execute("select status, stats->>'problems' from crawl_runs").fetchall()
    assert runs == [("ok", "1"), ("ok", "1")]


def test_bad_records_each_get_a_reason(tmp_path: Path, db: Path) -> None:
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            "[1, 2]",
            {"url": "ftp://example.org/a", "text": "x"},
            {"url": "https://example.org/a", "title": "no body"},
            {"url": "https://example.org/b", "text": "t", "published": "next tuesday"},
            {"url": "https://example.org/c", "text": "t", "published": "2999-01-01"},
            {"url": "https://example.org/d", "text": "t", "title": 42},
            {"url": "https://example.org/e", "text": "a good one", "published": "2020-02"},
        ],
    )
    out = run_mediamon("--db", str(db), "ingest", str(path))
    assert out.returncode == 0, out.stderr
    for line, words in [
        (1, "expected a JSON object"),
        (2, "not an http(s) URL"),
        (3, "neither 'text' nor 'html'"),
        (4, "is not a date"),
        (5, "in the future"),
        (6, "must be a string"),
    ]:
        assert f"bad.jsonl:{line}: " in out.stderr and words in out.stderr, (line, out.stderr)
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "select published_at, date_precision, date_source from documents "
            "where url = 'https://example.org/e'"
        ).fetchone()
    assert str(row[0]) == "2020-02-01" and row[1] == "month" and row[2] == "record"


def test_tracking_variants_and_same_text_are_stored_once(tmp_path: Path, db: Path) -> None:
    base = {"title": "One story", "text": "The same words about encryption."}
    path = write_jsonl(
        tmp_path / "dups.jsonl",
        [
            {**base, "url": "https://Example.org:443/a/story?utm_medium=rss#top"},
            {**base, "url": "https://example.org/a/story?fbclid=abc"},
            {**base, "url": "https://mirror.example.net/copy"},
        ],
    )
    out = run_mediamon("--db", str(db), "ingest", str(path))
    assert out.returncode == 0, out.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select canonical_url from documents where source_id = 'ingest'"
        ).fetchall()
    assert rows == [("https://example.org/a/story",)]
    assert "1 duplicate" in out.stdout


def test_changed_text_keeps_the_prior_version(tmp_path: Path, db: Path) -> None:
    url = "https://example.org/changing"
    first = write_jsonl(tmp_path / "v1.jsonl", [{"url": url, "text": "First wording."}])
    second = write_jsonl(
        tmp_path / "v2.jsonl", [{"url": url, "text": "Second wording.", "title": "Now titled"}]
    )
    assert run_mediamon("--db", str(db), "ingest", str(first)).returncode == 0
    out = run_mediamon("--db", str(db), "ingest", str(second))
    assert "1 updated" in out.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        doc = con.execute(
            "select text, title, version from documents where url = ?", [url]
        ).fetchone()
        old = con.execute("select text, version from document_versions").fetchall()
    assert doc == ("Second wording.", "Now titled", 2)
    assert old == [("First wording.", 1)]


def test_txt_gz_and_directories(tmp_path: Path, db: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "note.txt").write_text("A headline\n\nBody text about encryption.\n", "utf-8")
    with gzip.open(folder / "more.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"title": "gz", "text": "Compressed record text."}) + "\n")
    (folder / "ignored.csv").write_text("a,b\n")
    out = run_mediamon("--db", str(db), "ingest", str(folder))
    assert out.returncode == 0, out.stderr
    assert "2 new" in out.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        titles = {r[0] for r in con.execute("select title from documents").fetchall()}
    assert {"A headline", "gz"} <= titles


def test_missing_file_is_one_clear_line_and_writes_nothing(tmp_path: Path, db: Path) -> None:
    good = write_jsonl(tmp_path / "good.jsonl", _records(2))
    out = run_mediamon("--db", str(db), "ingest", str(good), str(tmp_path / "nope.jsonl"))
    assert out.returncode != 0
    assert out.stderr.strip().count("\n") == 0
    assert "no such file" in out.stderr and "nope.jsonl" in out.stderr
    assert not db.exists()


def test_html_files_go_through_extraction(tmp_path: Path, db: Path) -> None:
    paragraphs = "".join(
        f"<p>Paragraph {i}: the fictional Harbour Council debated end-to-end encryption and "
        f"the detection of child sexual abuse material on messaging apps once more.</p>"
        for i in range(8)
    )
    page = (
        '<html lang="en"><head><title>Council debates encryption | Harbour Ledger</title>'
        '<link rel="canonical" href="https://ledger.example/2022/03/04/council/">'
        '<meta property="article:published_time" content="2022-03-04T09:00:00Z">'
        '<meta name="author" content="Ada Quill"></head><body><nav><a href="/">Home</a>'
        f"<a href='/tech'>Tech</a></nav><article><h1>Council debates encryption</h1>"
        f"{paragraphs}</article><footer>Copyright Harbour Ledger</footer></body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    out = run_mediamon("--db", str(db), "ingest", str(tmp_path / "page.html"))
    assert out.returncode == 0, out.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "select canonical_url, published_at, date_source, author, relevance, text "
            "from documents where source_id = 'ingest'"
        ).fetchone()
        archived = con.execute("select count(*) from pages where html is not null").fetchone()
    assert row[0] == "https://ledger.example/2022/03/04/council/"
    assert str(row[1]) == "2022-03-04" and row[2] == "meta" and row[3] == "Ada Quill"
    assert row[4] > 0.5
    assert "Copyright" not in row[5] and "Paragraph 7" in row[5]
    assert archived == (1,)


def test_topic_filter(tmp_path: Path, db: Path) -> None:
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            {
                "url": "https://e.org/on",
                "title": "Messenger encryption and child abuse reports",
                "text": "The platform's end-to-end encryption plan for Messenger worries child "
                "protection groups, who fear fewer reports of child sexual abuse material.",
            },
            {
                "url": "https://e.org/off",
                "title": "Derby result",
                "text": "The home side won the football derby two goals to one on Saturday.",
            },
        ],
    )
    out = run_mediamon("--db", str(db), "ingest", "--topic-filter", str(path))
    assert out.returncode == 0, out.stderr
    assert "1 new" in out.stdout and "1 off-topic" in out.stdout
    kept = run_mediamon("--db", str(db), "ingest", str(path))
    assert "1 new" in kept.stdout
    with duckdb.connect(str(db), read_only=True) as con:
        scores = dict(
            con.execute(
                "select url, relevance from documents where source_id = 'ingest'"
            ).fetchall()
        )
    assert scores["https://e.org/on"] > scores["https://e.org/off"]
