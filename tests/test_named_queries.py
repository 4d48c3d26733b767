"""Every named query in queries/ runs on a migrated corpus with known fixture data.

The fixture (also used by the search, export and report tests) is small enough to count by
hand: a syndicated story in two copies, an undated document, an actor changing sides, a source
that went silent, and a document full of hostile markup.
"""

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest

from mediamon import queries
from mediamon.corpus import connect
from mediamon.corpus.reading import bind_named, run
from mediamon.corpus.seeding import init_corpus

HOSTILE_TITLE = 'Scanning <script>alert("x")</script> & <img src="http://example.com/x.png">'
HOSTILE_EVIDENCE = 'EFF: <iframe src="https://example.com/frame"></iframe> scanning is surveillance'

ACTORS = [
    ("apple", "Apple", "company", None),
    ("meta", "Meta", "company", None),
    ("mark_zuckerberg", "Mark Zuckerberg", "person", "meta"),
    ("ncmec", "NCMEC", "ngo_child_safety", None),
    ("eff", "Electronic Frontier Foundation", "ngo_privacy", None),
    ("home_office", "Home Office", "government", None),
]
SOURCES = [("alpha", "Alpha News"), ("beta", "Beta Wire"), ("gamma", "Gamma Daily")]

# key, source, date, title, text, syndicated copy of
DOCS: list[tuple[str, str, str | None, str, str, str | None]] = [
    ("d1", "alpha", "2021-08-02", "Apple announces client-side scanning",
     "Apple said it will scan photos on iPhones. Privacy groups warned that client-side "
     "scanning breaks end-to-end encryption.", None),
    ("d2", "beta", "2021-08-03", "Apple announces client-side scanning",
     "Beta Wire: Apple said it will scan photos on iPhones. Privacy groups warned that "
     "client-side scanning breaks end-to-end encryption.", "d1"),
    ("d3", "alpha", "2021-08-04", "EFF warns against scanning",
     "The Electronic Frontier Foundation warned against scanning. Zuckerberg said Meta is "
     "committed to privacy.", None),
    ("d4", "beta", "2021-08-20", "Meta delays encryption of Messenger",
     "Meta rolled out encryption tests while the Home Office demanded lawful access.", None),
    ("d5", "alpha", None, "Undated note on encryption",
     "Meta defended encrypted messaging in a note nobody dated.", None),
    ("d7", "alpha", "2021-08-05", HOSTILE_TITLE,
     'Hostile text <b>bold</b> <a href="javascript:alert(1)">link</a> about scanning.', None),
    ("d8", "beta", "2020-03-02", "Meta questions encryption",
     "Meta said encryption needs more study and opposed it for now.", None),
    ("d9", "beta", "2020-06-01", "Meta again cautious on encryption",
     "Meta said encryption would wait.", None),
] + [
    (f"g{i}", "gamma", f"2021-{2 + i // 3:02d}-{1 + 9 * (i % 3):02d}", f"Gamma weekly {i}",
     f"Gamma Daily local round-up number {i} about the weather.", None)
    for i in range(12)
]  # fmt: skip

# doc, actor, target, polarity, basis, evidence
STANCES = [
    ("d1", "apple", "scanning", "favor", "quote", "Apple said it will scan photos"),
    ("d1", "ncmec", "scanning", "favor", "reported", "NCMEC welcomed the scanning"),
    ("d1", "eff", "scanning", "against", "quote", "scanning breaks end-to-end encryption"),
    ("d2", "apple", "scanning", "favor", "quote", "Apple said it will scan photos"),
    ("d2", "ncmec", "scanning", "favor", "reported", "NCMEC welcomed the scanning"),
    ("d2", "eff", "scanning", "against", "quote", "scanning breaks end-to-end encryption"),
    ("d3", "eff", "scanning", "against", "quote", "The EFF warned against scanning"),
    ("d3", "mark_zuckerberg", "e2ee", "neutral", "quote", "Meta is committed to privacy"),
    ("d4", "meta", "e2ee", "favor", "action", "Meta rolled out encryption tests"),
    ("d4", "home_office", "e2ee", "against", "quote", "the Home Office demanded lawful access"),
    ("d4", "ncmec", "e2ee", "against", "reported", "NCMEC opposed the delay's end"),
    ("d5", "meta", "e2ee", "favor", "authored", "Meta defended encrypted messaging"),
    ("d7", "eff", "scanning", "against", "quote", HOSTILE_EVIDENCE),
    ("d8", "meta", "e2ee", "against", "reported", "Meta opposed it for now"),
    ("d9", "meta", "e2ee", "against", "reported", "Meta said encryption would wait"),
]
# doc, speaker, quote, kind (a quote overlaps its stance's evidence: both start at 0)
QUOTES = [
    ("d1", "apple", "it will scan photos", "direct"),
    ("d2", "apple", "it will scan photos", "direct"),
    ("d1", "eff", "scanning breaks end-to-end encryption", "indirect"),
    ("d3", "mark_zuckerberg", "Meta is committed to privacy", "indirect"),
    ("d4", "home_office", "lawful access", "direct"),
]


def doc_id(key: str) -> str:
    return hashlib.sha256(f"fixture:{key}".encode()).hexdigest()[:16]


def build_fixture(path: Path) -> Path:
    """A migrated, seeded corpus plus the documents and annotations above."""
    init_corpus(path)
    when = dt.datetime(2024, 1, 1, 12, 0)
    with connect(path) as con:
        for source_id, name in SOURCES:
            con.execute(
                "INSERT INTO sources (source_id, name, kind) VALUES (?, ?, 'feeds')",
                [source_id, name],
            )
        for actor_id, name, type_, speaks_for in ACTORS:
            con.execute(
                "INSERT INTO actors (actor_id, name, type, speaks_for) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (actor_id) DO NOTHING",
                [actor_id, name, type_, speaks_for],
            )
        for key, source, date, title, text, copy_of in DOCS:
            url = "javascript:alert(1)" if key == "d7" else f"https://{source}.example/{key}.html"
            con.execute(
                "INSERT INTO documents (doc_id, url, canonical_url, source_id, domain, title, "
                "published_at, date_source, date_precision, fetched_at, ingested_at, "
                "updated_at, text, word_count, text_hash, cluster_id, relevance, nlp_version) "
                "VALUES ($id, $url, $url, $source, $domain, $title, $date, "
                "CASE WHEN $date IS NULL THEN NULL ELSE 'meta' END, "
                "CASE WHEN $date IS NULL THEN NULL ELSE 'day' END, $when, $when, $when, "
                "$text, $words, $hash, $cluster, 0.9, 'fixture')",
                {
                    "id": doc_id(key),
                    "url": url,
                    "source": source,
                    "domain": f"{source}.example",
                    "title": title,
                    "date": dt.date.fromisoformat(date) if date else None,
                    "when": when,
                    "text": text,
                    "words": len(text.split()),
                    "hash": hashlib.sha256(text.encode()).hexdigest()[:32],
                    "cluster": doc_id(copy_of or key),
                },
            )
        for key, actor, target, polarity, basis, evidence in STANCES:
            con.execute(
                "INSERT INTO stances VALUES (?, ?, ?, ?, 0.8, ?, ?, 0, ?, 'fixture')",
                [doc_id(key), actor, target, polarity, evidence, basis, len(evidence)],
            )
            mentioned = "meta" if actor == "mark_zuckerberg" else actor
            for who in {actor, mentioned}:
                con.execute(
                    "INSERT INTO mentions VALUES (?, ?, 0, 5, ?, 'ORG', 'fixture')",
                    [doc_id(key), who, who],
                )
        for key, speaker, quote, kind in QUOTES:
            con.execute(
                "INSERT INTO quotes VALUES (?, ?, ?, 0, ?, ?, 'fixture')",
                [doc_id(key), speaker, quote, len(quote), kind],
            )
        # mentions are per document: drop the duplicates the loop above made
        con.execute("CREATE TEMP TABLE m AS SELECT DISTINCT * FROM mentions")
        con.execute("DELETE FROM mentions")
        con.execute("INSERT INTO mentions SELECT * FROM m")
    return path


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
