"""Hostile ingest input: each bad record or file is one `file:line: reason`, the rest is stored.

Real `mediamon ingest` subprocesses over real files; the big inputs (a gzip bomb, a 55 MB line)
are made here in tmp_path, never committed. No test asserts on speed or memory: the README and
the changelog give the measured figures.
"""

import gzip
import json
import os
import shutil
import socket
from pathlib import Path

import duckdb
import pydantic
import pytest

from mediamon.config.sources import SourceEntry
from mediamon.crawler import settings as crawler_settings
from tests.helpers import run_mediamon, write_jsonl

HOSTILE = Path(__file__).parent / "hostile" / "ingest"
MB = 1024 * 1024
MAX_HTML_BYTES = 10 * MB  # the limits README.md states
MAX_TEXT_CHARS = 1_000_000


def _good(name: str, i: int) -> dict:
    return {
        "url": f"https://good.example/{name}/{i}",
        "title": f"Kept {name} {i}",
        "text": f"The fictional Quayside Gazette ({name}, {i}) reported on the harbour council's "
        "vote about scanning private messages.",
    }


def _urls(db: Path, prefix: str = "https://good.example/") -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select url from documents where starts_with(url, ?) order by url", [prefix]
        ).fetchall()
    return [r[0] for r in rows]


def _skipped(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert all(line.startswith("skipped ") for line in lines), stderr
    return [line.removeprefix("skipped ") for line in lines]


def test_the_issues_three_records_are_named_and_the_rest_stored(tmp_path: Path, db: Path) -> None:
    """Item 5: `[/x]` (rich markup), 100,000-deep nesting and a 5,000-digit number."""
    path = write_jsonl(
        tmp_path / "m.jsonl",
        [
            '{"url":"[/x]","text":"a"}',
            _good("three", 2),
            '{"url": "https://a.example/1", "text": "t", "x": '
            + "[" * 100_000
            + "]" * 100_000
            + "}",
            _good("three", 4),
            '{"url": "https://a.example/2", "text": "t", "n": ' + "1" * 5000 + "}",
            _good("three", 6),
        ],
    )
    out = run_mediamon("--db", str(db), "ingest", str(path))
    assert out.returncode == 0, out.stderr
    assert _skipped(out.stderr) == [
        f"{path}:1: url '[/x]' is not an http(s) URL",
        f"{path}:3: nested too deeply (arrays or objects inside each other beyond Python's "
        "limit); flatten the record",
        f"{path}:5: a number has 5,000 digits (at most 4,300); write it as a string",
    ]
    assert _urls(db) == [f"https://good.example/three/{i}" for i in (2, 4, 6)]
    again = run_mediamon("--db", str(db), "ingest", str(path))
    assert "0 new" in again.stdout and "3 unchanged" in again.stdout and "3 skipped" in again.stdout
    assert len(_urls(db)) == 3


def test_a_lone_surrogate_costs_one_record_not_the_batch(tmp_path: Path, db: Path) -> None:
    """JSON's "\\ud800" in a metadata field used to fail the whole batch when it was written."""
    path = write_jsonl(
        tmp_path / "s.jsonl",
        [_good("sur", 1), '{"url": "https://s.example/x", "text": "t", "author": "\\ud800"}'],
    )
    out = run_mediamon("--db", str(db), "ingest", str(path))
    assert out.returncode == 0, out.stderr
    assert _skipped(out.stderr) == [
        f"{path}:2: field 'author' holds a lone surrogate ('\\ud800' at character 0), which is "
        "not text; fix the escapes in the export"
    ]
    assert _urls(db) == ["https://good.example/sur/1"]


def test_a_gzip_bomb_and_a_huge_line_are_refused_by_size(tmp_path: Path, db: Path) -> None:
    """Item 6: a 204 KB .html.gz of 200 MB of zeros, a 55 MB line, a .jsonl.gz of zeros."""
    bomb = tmp_path / "bomb.html.gz"
    zeros = tmp_path / "zeros.jsonl.gz"
    chunk = bytes(MB)
    with gzip.open(bomb, "wb") as fh, gzip.open(zeros, "wb") as fz:
        for _ in range(200):
            fh.write(chunk)
            fz.write(chunk)
    huge = tmp_path / "huge.jsonl"
    with huge.open("w", encoding="utf-8") as fh:
        fh.write(
            f'{{"url": "https://good.example/huge/1", "text": "{_good("huge", 1)["text"]}"}}\n'
        )
        fh.write('{"url": "https://huge.example/x", "text": "')
        for _ in range(55):
            fh.write("encryption " * (MB // 11))
        fh.write('"}\n')
        fh.write(
            f'{{"url": "https://good.example/huge/3", "text": "{_good("huge", 3)["text"]}"}}\n'
        )
    out = run_mediamon("--db", str(db), "ingest", str(bomb), str(huge), str(zeros))
    assert out.returncode == 0, out.stderr
    skipped = _skipped(out.stderr)
    assert skipped[0] == (
        f"{bomb}: over 10 MB once decompressed, the limit for one page (as for crawled pages)"
    )
    assert skipped[1].startswith(f"{huge}:2: line is ")
    assert skipped[1].endswith(" bytes, over the limit of 20 MB for one record; split it")
    assert skipped[2] == (
        f"{zeros}:1: line is 209,715,200 bytes, over the limit of 20 MB for one record; split it"
    )
    assert len(skipped) == 3
    assert _urls(db) == ["https://good.example/huge/1", "https://good.example/huge/3"]


def test_text_and_html_over_their_limits(tmp_path: Path, db: Path) -> None:
    page = "<html><body><article>" + "<p>Harbour council news.</p>" * (MAX_HTML_BYTES // 28 + 1)
    path = write_jsonl(
        tmp_path / "big.jsonl",
        [
            {"url": "https://t.example/x", "text": "w" * (MAX_TEXT_CHARS + 1)},
            _good("limits", 2),
            {"url": "https://h.example/x", "html": page + "</article></body></html>"},
        ],
    )
    (tmp_path / "big.txt").write_text("Title\n" + "w" * (MAX_TEXT_CHARS + 1), "utf-8")
    out = run_mediamon("--db", str(db), "ingest", str(path), str(tmp_path / "big.txt"))
    assert out.returncode == 0, out.stderr
    assert _skipped(out.stderr) == [
        f"{path}:1: text has 1,000,001 characters, over the limit of 1,000,000 (the most "
        "`mediamon tag` reads); split the document",
        f"{path}:3: html is over 10 MB, the limit for one page (as for crawled pages)",
        f"{tmp_path / 'big.txt'}: text has 1,000,001 characters, over the limit of 1,000,000 "
        "(the most `mediamon tag` reads); split the document",
    ]
    assert _urls(db) == ["https://good.example/limits/2"]


def test_the_limits_are_the_crawlers() -> None:
    from mediamon.documents import limits

    assert limits.MAX_HTML_BYTES == MAX_HTML_BYTES == crawler_settings.DOWNLOAD_MAXSIZE
    assert limits.MAX_TEXT_CHARS == MAX_TEXT_CHARS
    assert limits.MAX_LINE_BYTES >= 2 * MAX_HTML_BYTES  # a whole page fits in a record, escaped


@pytest.mark.parametrize(
    "value", ["eff", "x-", "a" * 63, "a" * 64, "Bad Source ID!", "-x", "eff\n", "EFF", "é", ""]
)
def test_source_ids_follow_the_sources_toml_rule(value: str) -> None:
    from mediamon.documents.records import source_id_problem

    try:
        SourceEntry.model_validate({"id": value, "urls": ["https://a.example/"]})
        valid = True
    except pydantic.ValidationError:
        valid = False
    assert (source_id_problem(value) is None) == valid


def test_a_records_bad_source_is_its_line_and_a_bad_option_one_error(
    tmp_path: Path, db: Path
) -> None:
    """Item 15: `"Bad Source ID!"` used to create a source."""
    path = write_jsonl(
        tmp_path / "src.jsonl",
        [{**_good("src", 1), "source": "Bad Source ID!"}, {**_good("src", 2), "source": "gazette"}],
    )
    out = run_mediamon("--db", str(db), "ingest", str(path))
    assert out.returncode == 0, out.stderr
    assert _skipped(out.stderr) == [
        f"{path}:1: source 'Bad Source ID!' is not a source id: use lowercase letters, digits "
        "and dashes (at most 63), such as 'eff'"
    ]
    with duckdb.connect(str(db), read_only=True) as con:
        sources = {r[0] for r in con.execute("select source_id from sources").fetchall()}
    assert "gazette" in sources and "Bad Source ID!" not in sources

    fresh = tmp_path / "fresh.duckdb"
    bad = run_mediamon("--db", str(fresh), "ingest", "--source", "Bad Source ID!", str(path))
    assert bad.returncode != 0
    assert bad.stderr.strip().splitlines() == [
        "Error: --source: source 'Bad Source ID!' is not a source id: use lowercase letters, "
        "digits and dashes (at most 63), such as 'eff'"
    ]
    assert not fresh.exists()


def _make_unwritable_entries(folder: Path) -> None:
    """What git cannot hold: a FIFO, a socket, a broken link, all named like inputs."""
    os.mkfifo(folder / "fifo.jsonl")
    (folder / "gone.jsonl").symlink_to(folder / "no-such-file.jsonl")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(folder / "sock.jsonl"))


# file -> (line or None, words of the reason), and the good records it holds
EXPECTED: dict[str, tuple[int | None, str]] = {
    "bad-source.jsonl": (1, "is not a source id"),
    "bad-url.jsonl": (1, "is not a valid URL (Invalid IPv6 URL)"),
    "deep-nesting.jsonl.gz": (2, "nested too deeply"),
    "empty.txt": (None, "a .txt file needs a title line and a body"),
    "lone-surrogate.jsonl": (2, "holds a lone surrogate"),
    "long-number.jsonl": (1, "a number has 5,000 digits"),
    "markup-url.jsonl": (1, "url '[/x]' is not an http(s) URL"),
    "nested-divs.html.gz": (None, "no article text found"),
    "not-gzip.jsonl.gz": (None, "cannot read: the compressed data is corrupt"),
    "not-object.jsonl": (1, "expected a JSON object, found list"),
    "not-utf8.jsonl": (2, "not UTF-8"),
    "truncated.jsonl.gz": (None, "cannot read after line 2: the compressed file is cut short"),
    "bomb.html.gz": (None, "over 10 MB once decompressed"),
    "huge.jsonl": (2, "over the limit of 20 MB for one record"),
    "fifo.jsonl": (None, "a FIFO, not a regular file"),
    "sock.jsonl": (None, "a socket, not a regular file"),
    "gone.jsonl": (None, "broken symbolic link"),
}
GOOD = {
    "bad-source": [2],
    "bad-url": [2],
    "deep-nesting": [1, 3],
    "lone-surrogate": [1, 3],
    "long-number": [2],
    "markup-url": [2],
    "not-object": [2],
    "not-utf8": [1],
    "truncated": [1, 2],
    "huge": [1, 3],
}


def test_the_hostile_folder(tmp_path: Path, db: Path) -> None:
    """One line per bad input, every good record stored, never a traceback; twice."""
    folder = tmp_path / "in"
    shutil.copytree(HOSTILE, folder)
    with gzip.open(folder / "bomb.html.gz", "wb") as fh:
        for _ in range(200):
            fh.write(bytes(MB))
    with (folder / "huge.jsonl").open("w", encoding="utf-8") as fh:
        for i in (1, 2, 3):
            record = _good("hostile/huge", i)
            if i == 2:
                record["text"] = "harbour " * (55 * MB // 8)
            fh.write(json.dumps(record) + "\n")
    _make_unwritable_entries(folder)

    for attempt in range(2):
        out = run_mediamon("--db", str(db), "ingest", str(folder))
        assert out.returncode == 0, out.stderr
        skipped = _skipped(out.stderr)
        assert len(skipped) == len(EXPECTED), skipped
        for name, (line, words) in EXPECTED.items():
            where = f"{folder / name}:{line}: " if line else f"{folder / name}: "
            assert any(s.startswith(where) and words in s for s in skipped), (name, skipped)
        stored = _urls(db, "https://good.example/hostile/")
        assert stored == sorted(
            f"https://good.example/hostile/{name}/{i}"
            for name, lines in GOOD.items()
            for i in lines
        )
        new = 0 if attempt else len(stored)
        assert f"{new} new" in out.stdout
