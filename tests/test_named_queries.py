"""Every named query in queries/ runs on a migrated corpus with known fixture data
(tests/corpus_fixture.py)."""

import datetime as dt
import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from mediamon import queries
from mediamon.corpus import connect
from mediamon.corpus.migrate import NAMED_QUERY_RE
from mediamon.corpus.reading import bind_named, run
from tests.corpus_fixture import build_fixture, doc_id


@pytest.fixture
def fixture_db(tmp_path: Path) -> Path:
    return build_fixture(tmp_path / "fixture.duckdb")


def named(con: Any, name: str, **params: str) -> list[dict[str, Any]]:
    query = queries.get(name)
    assert query is not None, name
    result = run(con, query.sql, bind_named(query, params))
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


# the parameters a query needs to return rows on the fixture
PARAMS: dict[str, dict[str, str]] = {
    "actor_quotes": {"actor": "eff"},
    "actor_cooccurrence": {"min_stories": "1"},
    "timeline_cell_documents": {"period": "2021-08-04", "target": "scanning", "actor": "eff"},
    "story_copies": {"doc_id": doc_id("d2")},
    "silent_sources": {"as_of": "2021-08-31", "min_expected": "1"},
    "stance_changes": {"freq": "year", "min_stories": "1"},
}
COLUMNS = {
    "stance_timeline": "period actor actor_name target n_favor n_against n_neutral n_docs",
    "timeline_cell_documents": "period actor target story counted doc_id published_at source_id "
    "title url actor_id polarity basis confidence evidence",
    "actor_quotes": "published_at source_id title url speaker kind text target polarity "
    "confidence copies doc_id",
    "top_actors": "period rank actor_id name type stories favor_stories against_stories",
    "actor_cooccurrence": "actor_a name_a actor_b name_b stories jaccard",
    "stance_changes": "actor_id name type target before_period before_stance before_favor "
    "before_against after_period after_stance after_favor after_against",
    "silent_sources": "source_id source_name last_published days_silent baseline expected "
    "recent ratio",
    "date_provenance": "source_id date_source date_precision documents pct",
    "story_copies": "story doc_id published_at source_id title url word_count",
    "coverage_by_source": "source_id source_name documents dated undated first_published "
    "last_published last_fetched",
    "documents_per_day": "day documents stories",
    "undated_documents": "doc_id source_id title url fetched_at ingested_at word_count",
}


def test_there_are_at_least_ten_named_queries_with_headers() -> None:
    found = queries.all_queries()
    assert len(found) >= 10
    assert set(COLUMNS) <= set(found)
    for query in found.values():
        assert query.description and len(query.description) > 20, query.name
        for param in query.params:
            assert f"${param.name}" in query.sql, f"{query.name}: ${param.name} is unused"


@pytest.mark.parametrize("name", sorted(queries.all_queries()))
def test_every_query_runs_on_the_fixture(fixture_db: Path, name: str) -> None:
    query = queries.all_queries()[name]
    required = [p.name for p in query.params if p.required and p.name not in PARAMS.get(name, {})]
    assert not required, f"add {name}'s required params {required} to PARAMS in this test"
    with connect(fixture_db, read_only=True) as con:
        result = run(con, query.sql, bind_named(query, PARAMS.get(name, {})))
    assert result.columns and len(set(result.columns)) == len(result.columns)
    if name in COLUMNS:
        assert result.columns == COLUMNS[name].split()
        assert result.rows, f"{name} returned nothing on the fixture"


def test_stance_timeline_counts_a_syndicated_story_once(fixture_db: Path) -> None:
    with connect(fixture_db, read_only=True) as con:
        rows = named(con, "stance_timeline", target="scanning")
        cells = {(r["period"].isoformat(), r["actor"]): r for r in rows}
        # d1 and its copy d2 are one story
        assert cells[("2021-08-02", "apple")]["n_favor"] == 1
        # eff: the d1/d2 story, d3 and d7 in the week of 2021-08-02
        eff = cells[("2021-08-02", "eff")]
        assert (eff["n_against"], eff["n_docs"], eff["actor_name"]) == (
            3,
            3,
            "Electronic Frontier Foundation",
        )
        by_type = named(con, "stance_timeline", by="actor_type", freq="month", target="e2ee")
        assert {(r["period"].isoformat(), r["actor"]): r["n_against"] for r in by_type}[
            ("2021-08-01", "government")
        ] == 1
        # the undated d5 is nowhere
        meta = named(con, "stance_timeline", actor="meta", freq="year")
        assert [(r["period"].year, r["n_favor"], r["n_against"]) for r in meta] == [
            (2020, 0, 2),
            (2021, 1, 0),
        ]


def test_a_timeline_cell_lists_its_documents(fixture_db: Path) -> None:
    with connect(fixture_db, read_only=True) as con:
        rows = named(con, "timeline_cell_documents", **PARAMS["timeline_cell_documents"])
        counted = [r for r in rows if r["counted"]]
        assert len(counted) == 3  # the timeline's number for this cell
        assert {r["doc_id"] for r in rows} == {doc_id(k) for k in ("d1", "d2", "d3", "d7")}
        assert {r["story"] for r in rows if r["doc_id"] == doc_id("d2")} == {doc_id("d1")}
        favor = named(
            con, "timeline_cell_documents", period="2021-08-02", target="scanning",
            actor="company", by="actor_type", polarity="favor",
        )  # fmt: skip
        assert sum(r["counted"] for r in favor) == 1 and len(favor) == 2
        # the whole timeline, cell by cell: counted rows add up to the cells' numbers
        timeline = named(con, "stance_timeline")
        cells = named(con, "timeline_cell_documents")
        for cell in timeline:
            key = (cell["period"], cell["actor"], cell["target"])
            rows = [r for r in cells if (r["period"], r["actor"], r["target"]) == key]
            assert sum(r["counted"] for r in rows) == cell["n_docs"], key
        copies = named(con, "story_copies")
        assert [r["doc_id"] for r in copies] == [doc_id("d1"), doc_id("d2")]
        with pytest.raises(Exception, match="polarity must be"):
            named(con, "timeline_cell_documents", **PARAMS["timeline_cell_documents"],
                  polarity="maybe")  # fmt: skip


def test_actor_quotes_link_evidence_and_show_copies_once(fixture_db: Path) -> None:
    with connect(fixture_db, read_only=True) as con:
        rows = named(con, "actor_quotes", actor="apple")
        assert len(rows) == 1
        row = rows[0]
        assert (row["text"], row["polarity"], row["target"], row["copies"]) == (
            "it will scan photos",
            "favor",
            "scanning",
            2,
        )
        assert row["url"].startswith("https://")
        # a person's words count for the organisation they speak for
        meta = named(con, "actor_quotes", actor="meta")
        assert {r["speaker"] for r in meta} == {"meta", "mark_zuckerberg"}


def test_top_actors_cooccurrence_changes_and_silence(fixture_db: Path) -> None:
    with connect(fixture_db, read_only=True) as con:
        top = named(con, "top_actors", freq="month", since="2021-08-01", until="2021-08-31")
        assert top[0]["actor_id"] == "eff" and top[0]["stories"] == 3
        pairs = named(con, "actor_cooccurrence", min_stories="1")
        together = {(r["actor_a"], r["actor_b"]): r["stories"] for r in pairs}
        assert together[("apple", "eff")] == 1  # one story, two copies
        changes = named(con, "stance_changes", **PARAMS["stance_changes"])
        assert [(r["actor_id"], r["before_stance"], r["after_stance"]) for r in changes] == [
            ("meta", "against", "favor")
        ]
        silent = named(con, "silent_sources", **PARAMS["silent_sources"])
        assert [r["source_id"] for r in silent] == ["gamma"]
        assert silent[0]["recent"] == 0 and silent[0]["last_published"] == dt.date(2021, 5, 19)


def test_bad_freq_is_a_one_line_error(fixture_db: Path) -> None:
    with connect(fixture_db, read_only=True) as con, pytest.raises(Exception) as info:
        named(con, "stance_timeline", freq="fortnight")
    assert "freq must be day, week, month, quarter or year" in str(info.value)
    assert "\n" not in str(info.value)


def test_min_confidence_keeps_only_surer_stances(fixture_db: Path) -> None:
    # every fixture stance has confidence 0.8
    with connect(fixture_db, read_only=True) as con:
        every = named(con, "stance_timeline", target="scanning")
        assert named(con, "stance_timeline", target="scanning", min_confidence="0.8") == every
        assert named(con, "stance_timeline", target="scanning", min_confidence="0.81") == []
        assert named(con, "timeline_cell_documents", min_confidence="0.81") == []
        assert named(con, "timeline_cell_documents", min_confidence="0.5")


def test_the_view_is_the_named_query_at_its_defaults(fixture_db: Path) -> None:
    with connect(fixture_db, read_only=True) as con:
        view = con.execute(
            "SELECT period_start, actor_id, target, n_favor, n_against, n_neutral, n_docs "
            "FROM stance_timeline ORDER BY ALL"
        ).fetchall()
        rows = named(con, "stance_timeline")
    assert view, "the fixture has dated stances"
    assert view == sorted(
        (r["period"], r["actor"], r["target"], r["n_favor"], r["n_against"], r["n_neutral"],
         r["n_docs"])
        for r in rows
    )  # fmt: skip


def test_views_built_from_named_queries_are_rebuilt_when_the_query_changes() -> None:
    """A view made from a named query pins the query's text by hash: edit the query, and a new
    migration must re-create the view, or corpora made before would keep the old one."""
    pinned: dict[str, str] = {}
    folder = resources.files("mediamon.corpus").joinpath("migrations")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        for match in NAMED_QUERY_RE.finditer(entry.read_text(encoding="utf-8")):
            pinned[match["name"]] = match["sha"]  # the latest migration wins
    assert "stance_timeline" in pinned
    for name, sha in pinned.items():
        text = resources.files("mediamon.queries").joinpath(f"{name}.sql").read_bytes()
        assert hashlib.sha256(text).hexdigest() == sha, (
            f"queries/{name}.sql changed since the migration that builds a view from it: add a "
            "migration that re-creates the view with the new hash"
        )
