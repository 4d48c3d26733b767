"""Corpus text is printed as data: never read as markup, never passed raw to the terminal.

A corpus holds titles, sources and snippets written by strangers. In tables and plain lines
they show as written, with control characters escaped (ESC prints as the four characters
`\\x1b`); CSV and JSON keep them exact.
"""

import csv
import io
import json
import types
from pathlib import Path

import duckdb
import pytest

from mediamon.cli.crawl import print_crawl
from mediamon.corpus.seeding import init_corpus
from tests.helpers import run_mediamon, write_jsonl

MARKUP_TITLE = (
    "Encryption [/x] and [bold]loud[/bold] :thumbs_up: [link=http://evil.example]a[/link]"
)
ESCAPE_TITLE = (
    "Scanning \x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ \x07"
)
SOURCE_NAME = "Daily [/b] \x1b[2J Wire"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("terminal")
    db = folder / "c.duckdb"
    init_corpus(db)
    records = [
        {"url": "https://quill.example/a", "title": MARKUP_TITLE, "published": "2021-03-01",
         "text": "Encryption text with [link=http://evil.example]a link[/link] in it.",
         "source": "quill"},
        {"url": "https://quill.example/b", "title": ESCAPE_TITLE, "published": "2021-03-02",
         "text": "Encryption \x1b[5mblinks\x1b[0m and \u202egnissecorp\u202c reversed.",
         "source": "quill"},
    ]  # fmt: skip
    out = run_mediamon("--db", str(db), "ingest", str(write_jsonl(folder / "h.jsonl", records)))
    assert out.returncode == 0, out.stderr
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE sources SET name = ? WHERE source_id = 'quill'", [SOURCE_NAME])
    return db


def shown(text: str) -> str:
    """How a terminal line should show text: controls as \\xNN, bidi overrides as \\uNNNN."""
    out = []
    for char in text:
        code = ord(char)
        if code < 0x20 or 0x7F <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif 0x202A <= code <= 0x202E:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def _clean(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text, repr(text)
    assert "Traceback" not in text and "MarkupError" not in text


def test_query_table_shows_markup_and_escapes_as_text(hostile: Path) -> None:
    out = run_mediamon(
        "--db", str(hostile), "query",
        "select title from documents where source_id = 'quill' order by published_at",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    _clean(out.stdout + out.stderr)
    # the table folds long cells: compare without the layout
    flat = "".join(out.stdout.split())
    assert "".join(MARKUP_TITLE.split()) in flat
    assert "".join(shown(ESCAPE_TITLE).split()) in flat
    assert "\\x1b[31mred" in out.stdout


def test_csv_and_json_keep_the_data_exact(hostile: Path) -> None:
    sql = "select title from documents where source_id = 'quill' order by published_at"
    out = run_mediamon("--db", str(hostile), "query", sql, "--format", "json")
    assert [r["title"] for r in json.loads(out.stdout)] == [MARKUP_TITLE, ESCAPE_TITLE]
    out = run_mediamon("--db", str(hostile), "query", sql, "--format", "csv")
    assert [r[0] for r in csv.reader(io.StringIO(out.stdout))][1:] == [MARKUP_TITLE, ESCAPE_TITLE]


def test_stats_prints_source_names_as_text(hostile: Path) -> None:
    out = run_mediamon("--db", str(hostile), "stats")
    assert out.returncode == 0, out.stderr
    _clean(out.stdout + out.stderr)
    assert shown(SOURCE_NAME) in out.stdout
    out = run_mediamon("--db", str(hostile), "stats", "--json")
    names = {s["source"]: s["name"] for s in json.loads(out.stdout)["by_source"]}
    assert names["quill"] == SOURCE_NAME


def test_search_prints_titles_and_snippets_as_text(hostile: Path) -> None:
    out = run_mediamon("--db", str(hostile), "search", "encryption", "scanning")
    assert out.returncode == 0, out.stderr
    _clean(out.stdout + out.stderr)
    assert MARKUP_TITLE in out.stdout and shown(ESCAPE_TITLE) in out.stdout
    assert "[link=http://evil.example]a link[/link]" in out.stdout
    assert "\\x1b[5mblinks" in out.stdout and "\\u202egnissecorp" in out.stdout


def test_error_messages_print_escapes_as_text(hostile: Path) -> None:
    out = run_mediamon("--db", str(hostile), "query", 'select * from "\x1b[31m[/x]table"')
    assert out.returncode != 0
    _clean(out.stderr)
    assert out.stderr.strip().count("\n") == 0, out.stderr
    assert "\\x1b[31m[/x]table" in out.stderr


def test_crawl_figures_print_messages_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    report = types.SimpleNamespace(
        run_id="r1",
        status="failed",
        sources={
            "eff": {
                "pages_fetched": 1,
                "errors": {"http_500\x1b[2J": 1},
                "failure": "server said \x1b]8;;http://evil.example\x1b\\[/x]\nsecond line",
            }
        },
    )
    print_crawl(report)
    shown = capsys.readouterr().out
    _clean(shown)
    assert "failed: server said \\x1b]8;;http://evil.example\\x1b\\[/x]\\x0asecond line" in shown


def test_sources_json_and_csv_before_the_first_crawl(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    init_corpus(db)
    out = run_mediamon("--db", str(db), "sources", "--format", "json")
    assert out.returncode == 0 and json.loads(out.stdout) == [], out.stdout
    out = run_mediamon("--db", str(db), "sources", "--format", "csv")
    assert out.returncode == 0 and out.stdout.splitlines() == [
        "source,runs,last_run,last_success,new_per_run,documents,last_errors,warnings"
    ]
    out = run_mediamon("--db", str(db), "sources")
    assert "No crawl has run yet" in out.stdout


def test_sources_file_messages_keep_their_brackets(tmp_path: Path) -> None:
    """The schemas already name `[[sources]]` (this passed before too): guard it."""
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    table = tmp_path / "table.toml"
    table.write_text('[sources]\nid = "x"\n')
    db = tmp_path / "c.duckdb"
    out = run_mediamon("--db", str(db), "crawl", "--sources", str(empty))
    assert out.returncode == 2 and "is empty" in out.stderr and "[]" not in out.stderr
    out = run_mediamon("--db", str(db), "crawl", "--sources", str(table))
    assert out.returncode == 2 and "[[sources]]" in out.stderr, out.stderr
    assert out.stderr.strip().count("\n") == 0


def test_csv_hands_plain_columns_over_as_they_are_and_writes_the_same() -> None:
    """The CSV fast path (columns of str, numbers, booleans, dates as they are) writes exactly
    what formatting every cell writes, for every type a query can give."""
    import csv
    import datetime as dt
    import decimal
    import io
    import uuid

    from mediamon.cli.output import _cell, write_rows

    rows = [
        (
            dt.date(2020, 1, 1) + dt.timedelta(days=i),
            None if i % 3 == 0 else f"Actor, {i}\n",
            i,
            0.1 * i,
            i % 2 == 0,
            dt.datetime(2020, 1, 1, 3, 4, i % 60),
            decimal.Decimal("1.50"),
            [1, None],
            {"a": i},
            b"xy",
            uuid.UUID(int=i),
            None,
        )
        for i in range(50)
    ]
    columns = [f"c{i}" for i in range(12)]
    fast = io.StringIO()
    write_rows(columns, rows, "csv", fast)
    slow = io.StringIO()
    writer = csv.writer(slow, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_cell(v) for v in row] for row in rows)
    assert fast.getvalue() == slow.getvalue()
