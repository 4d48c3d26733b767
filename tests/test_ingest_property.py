"""A corpus plus a file of good and hostile records at random positions always ends with exactly
the good records stored, once; ingesting the same input again adds nothing.

Many seeded examples run in-process through the library (at small limits, so the hostile lines
stay small and the batches vary); a few run the installed `mediamon ingest` at the real limits.
"""

import gzip
import random
import re
from pathlib import Path

import duckdb
import pytest

from mediamon.documents.ingest import Problem, ingest_files
from mediamon.documents.limits import Limits
from tests.helpers import run_mediamon
from tests.hostile_ingest import KINDS, Mixed, hostile_files, mixed_lines

SMALL = Limits(line_bytes=64 * 1024, html_bytes=16 * 1024, text_chars=4_000)
IN_PROCESS_SEEDS = range(24)
SUBPROCESS_SEEDS = range(1000, 1003)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One corpus for all the in-process examples: each keeps to its own source id."""
    return tmp_path_factory.mktemp("property") / "corpus.duckdb"


def _write(mixed: Mixed, path: Path, compressed: bool) -> Path:
    if compressed:
        path = path.with_name(path.name + ".gz")
        with gzip.open(path, "wb") as fh:
            fh.write(mixed.data)
    else:
        path.write_bytes(mixed.data)
    return path


def _stored(db: Path, source: str) -> list[tuple[str | None, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select url, text from documents where source_id = ? order by all", [source]
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _expected(mixed: Mixed) -> list[tuple[str | None, str]]:
    return sorted(mixed.good, key=lambda r: (r[0] is None, r[0] or "", r[1]))


def _sorted(rows: list[tuple[str | None, str]]) -> list[tuple[str | None, str]]:
    return sorted(rows, key=lambda r: (r[0] is None, r[0] or "", r[1]))


@pytest.mark.parametrize("seed", IN_PROCESS_SEEDS)
def test_exactly_the_good_records_once_in_process(seed: int, corpus: Path, tmp_path: Path) -> None:
    rng = random.Random(seed)
    tag = f"seed-{seed}"
    mixed = mixed_lines(rng, tag, SMALL, n_good=rng.randint(0, 30), n_bad=rng.randint(1, 25))
    folder = tmp_path / "in"
    folder.mkdir()
    path = _write(mixed, folder / "records.jsonl", compressed=rng.random() < 0.3)
    files = hostile_files(rng, folder, SMALL)
    batch = rng.choice([4, 11, 500])

    for attempt in range(2):
        problems: list[Problem] = []
        report = ingest_files(
            corpus,
            [folder],
            source_id=tag,
            on_problem=problems.append,
            batch_size=batch,
            limits=SMALL,
        )
        lines = {p.line: str(p) for p in problems if p.path == str(path)}
        assert set(lines) == set(mixed.bad), (lines, mixed.bad)
        assert all("\n" not in str(p) for p in problems)
        others = {Path(p.path).name: p.message for p in problems if p.path != str(path)}
        assert set(others) == set(files)
        for name, words in files.items():
            assert words in others[name], (name, others[name])
        assert report.problems == len(problems) == len(mixed.bad) + len(files)
        assert _sorted(_stored(corpus, tag)) == _expected(mixed)
        assert report.counts.get("new", 0) == (0 if attempt else len(mixed.good))


def test_every_kind_is_refused_for_its_own_reason(tmp_path: Path, db: Path) -> None:
    """Each hostile kind alone: the reason names what is wrong (not some other check)."""
    reasons = {
        "markup_url": "is not an http(s) URL",
        "deep_nesting": "nested too deeply",
        "long_number": "digits (at most 4,300)",
        "long_line": "over the limit of 64 KB for one record",
        "long_text": "characters, over the limit of 4,000",
        "big_html": "html is over 16 KB",
        "bad_source": "is not a source id",
        "lone_surrogate": "holds a lone surrogate",
        "broken_json": "not valid JSON",
        "not_utf8": "not UTF-8",
        "not_object": "expected a JSON object",
        "bad_url": "URL",
        "bad_date": "published",
        "no_body": "neither 'text' nor 'html'",
        "wrong_type": "must be a string",
    }
    assert set(reasons) == set(KINDS)
    rng = random.Random(7)
    lines = [KINDS[kind](rng, SMALL) for kind in reasons for _ in range(3)]
    path = tmp_path / "kinds.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    problems: list[Problem] = []
    ingest_files(db, [path], on_problem=problems.append, limits=SMALL)
    assert [p.line for p in problems] == list(range(1, len(lines) + 1))
    for problem, kind in zip(problems, [k for k in reasons for _ in range(3)], strict=True):
        assert reasons[kind] in problem.message, (kind, problem.message)


_SKIPPED = re.compile(r"^skipped (?P<path>.+?):(?P<line>\d+): ")


@pytest.mark.parametrize("seed", SUBPROCESS_SEEDS)
def test_exactly_the_good_records_once_through_the_command(
    seed: int, tmp_path: Path, db: Path
) -> None:
    rng = random.Random(seed)
    tag = f"cli-{seed}"
    limits = Limits()
    mixed = mixed_lines(rng, tag, limits, n_good=30, n_bad=len(KINDS))
    path = _write(mixed, tmp_path / "records.jsonl", compressed=seed % 2 == 1)

    for attempt in range(2):
        out = run_mediamon("--db", str(db), "ingest", "--source", tag, str(path), timeout=600)
        assert out.returncode == 0, out.stderr
        assert "Traceback" not in out.stderr
        lines = out.stderr.splitlines()
        found = [_SKIPPED.match(line) for line in lines]
        assert all(found), lines
        assert {int(m["line"]) for m in found if m} == set(mixed.bad)
        assert len(lines) == len(mixed.bad)
        assert _sorted(_stored(db, tag)) == _expected(mixed)
        new = 0 if attempt else len(mixed.good)
        assert f"Ingested {len(mixed.good)} records" in out.stdout
        assert f": {new} new," in out.stdout
