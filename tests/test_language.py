"""Text the pipeline cannot read: the language of every document is detected from its text and
stored; documents in a language without a pipeline are not tagged, with the reason recorded,
and are counted in `stats` and the report. No actor ever comes from them."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from mediamon.corpus import migrate
from mediamon.demo.site import DemoSite
from tests.helpers import run_mediamon, sources_toml, write_jsonl
from tests.language_texts import (
    ENGLISH,
    ENGLISH_TITLE,
    FRENCH,
    FRENCH_TITLE,
    GERMAN,
    GERMAN_TITLE,
    page,
)

# words of the German and French articles that an English model takes for names
NOT_ACTORS = ("Nachricht", "Foto", "Begrüßt", "Deckmantel", "Jede", "Chaque", "Sous prétexte")


def rows(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def mediamon(db: Path, *args: str, timeout: float = 300) -> str:
    out = run_mediamon("--db", str(db), *args, timeout=timeout)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Traceback" not in out.stderr, out.stderr
    return out.stdout


def languages(db: Path) -> dict[str, tuple[Any, ...]]:
    """url -> (language, language_source, language_declared, relevance, nlp_skipped)."""
    found = rows(
        db,
        "select url, language, language_source, language_declared, relevance, nlp_skipped "
        "from documents where url is not null",
    )
    return {r[0]: r[1:] for r in found}


def actors_from(db: Path, urls: list[str]) -> list[tuple[Any, ...]]:
    """Every annotation of these documents, of any table."""
    return rows(
        db,
        "select 'mention', m.actor_id from mentions m join documents d using (doc_id) "
        "where d.url in (select unnest(?)) union all "
        "select 'quote', q.speaker_actor_id from quotes q join documents d using (doc_id) "
        "where d.url in (select unnest(?)) union all "
        "select 'stance', s.actor_id from stances s join documents d using (doc_id) "
        "where d.url in (select unnest(?))",
        [urls, urls, urls],
    )


def assert_no_foreign_actors(db: Path) -> None:
    names = [r[0] for r in rows(db, "select name from actors")]
    for word in NOT_ACTORS:
        assert not [n for n in names if word.lower() in n.lower()], (word, names)


# --- detection ---------------------------------------------------------------------------------


def test_the_text_decides_over_what_the_page_declares() -> None:
    from mediamon.documents.language import detect_language

    assert detect_language(GERMAN, "en").language == "de"
    assert detect_language(FRENCH, "en-GB").language == "fr"
    guess = detect_language(ENGLISH, "de")
    assert (guess.language, guess.source) == ("en", "text")
    assert guess.confidence is not None and guess.confidence > 0.9


def test_too_little_text_takes_the_declaration_or_stays_undetermined() -> None:
    from mediamon.documents.language import detect_language

    assert detect_language("Hallo Welt", "de_DE") == detect_language("Hallo Welt", "de")
    assert (detect_language("Hallo Welt", "de").language, "declared") == (
        "de",
        detect_language("Hallo Welt", "de").source,
    )
    guess = detect_language("12:30", None)
    assert (guess.language, guess.source) == (None, "undetermined")


# --- ingest -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A corpus with German, French and English articles ingested from JSONL and .html files,
    then tagged; yields the corpus and the output of each command."""
    tmp = tmp_path_factory.mktemp("lang")
    db = tmp / "corpus.duckdb"
    jsonl = write_jsonl(
        tmp / "articles.jsonl",
        [
            # the record says English, as a careless export would
            {
                "url": "https://rundschau.example/chatkontrolle",
                "title": GERMAN_TITLE,
                "text": GERMAN,
                "language": "en",
            },
            {"url": "https://courrier.example/controle", "title": FRENCH_TITLE, "text": FRENCH},
            {"url": "https://ledger.example/encryption", "title": ENGLISH_TITLE, "text": ENGLISH},
        ],
    )
    pages = tmp / "pages"
    pages.mkdir()
    (pages / "de.html").write_text(
        page(GERMAN_TITLE + " (Analyse)", GERMAN.replace("Dienstag", "Mittwoch")),
        encoding="utf-8",
    )
    (pages / "fr.html").write_text(
        page(FRENCH_TITLE + " (analyse)", FRENCH.replace("semaine", "quinzaine"), lang="fr-FR"),
        encoding="utf-8",
    )
    outputs = {
        "init": mediamon(db, "init"),
        "ingest": mediamon(db, "ingest", str(jsonl), str(pages)),
        "tag": mediamon(db, "tag"),
        "tag again": mediamon(db, "tag"),
        "stats": mediamon(db, "stats"),
        "stats json": mediamon(db, "stats", "--json"),
    }
    mediamon(db, "report", "-o", str(tmp / "report.html"))
    outputs["report"] = (tmp / "report.html").read_text(encoding="utf-8")
    yield db, outputs


def test_ingested_languages_are_detected_and_stored(ingested: tuple[Path, dict[str, str]]) -> None:
    db, _ = ingested
    found = languages(db)
    assert found["https://rundschau.example/chatkontrolle"][:3] == ("de", "text", "en")
    assert found["https://courrier.example/controle"][:3] == ("fr", "text", None)
    assert found["https://ledger.example/encryption"][:2] == ("en", "text")
    by_title = dict(
        rows(db, "select title, language from documents where url is null and source_id = 'ingest'")
    )
    assert by_title[GERMAN_TITLE + " (Analyse)"] == "de"
    assert by_title[FRENCH_TITLE + " (analyse)"] == "fr"
    declared = dict(
        rows(
            db,
            "select language, language_declared from documents "
            "where url is null and source_id = 'ingest'",
        )
    )
    assert declared == {"de": "en", "fr": "fr"}  # what each page's html lang said, kept


def test_no_relevance_from_english_terms_for_other_languages(
    ingested: tuple[Path, dict[str, str]],
) -> None:
    db, _ = ingested
    scores = dict(rows(db, "select language, relevance from documents where source_id = 'ingest'"))
    assert scores["de"] is None and scores["fr"] is None
    assert scores["en"] > 0.5


def test_other_languages_are_not_tagged_and_say_why(ingested: tuple[Path, dict[str, str]]) -> None:
    db, out = ingested
    skipped = rows(
        db,
        "select language, nlp_skipped, nlp_version is not null from documents "
        "where language in ('de', 'fr')",
    )
    assert sorted(skipped) == [
        ("de", "language:de", True),
        ("de", "language:de", True),
        ("fr", "language:fr", True),
        ("fr", "language:fr", True),
    ]
    foreign = [u for u, v in languages(db).items() if v[0] in ("de", "fr")]
    assert actors_from(db, foreign) == []
    assert_no_foreign_actors(db)
    assert "Not tagged: de 2, fr 2 document(s)" in out["tag"]
    # the English article and the seeds are tagged as before
    english = rows(
        db, "select nlp_skipped, nlp_version from documents where language = 'en' order by doc_id"
    )
    assert len(english) == 3 and all(s is None and v for s, v in english)
    assert actors_from(db, ["https://ledger.example/encryption"])


def test_untagged_documents_are_not_retried(ingested: tuple[Path, dict[str, str]]) -> None:
    _, out = ingested
    assert "Not tagged: de 2, fr 2" in out["tag"]
    assert out["tag again"].startswith("Tagged 0 documents")
    assert "Not tagged" not in out["tag again"]


def test_stats_count_untagged_documents_per_language(
    ingested: tuple[Path, dict[str, str]],
) -> None:
    _, out = ingested
    assert "by language: en 3 (3 tagged); de 2 (2 not tagged); fr 2 (2 not tagged)" in out["stats"]
    figures = json.loads(out["stats json"])
    assert {r["language"]: r["not_tagged"] for r in figures["by_language"]} == {
        "en": 0,
        "de": 2,
        "fr": 2,
    }
    assert figures["tagged_documents"] == 3


def test_report_counts_untagged_documents_per_language(
    ingested: tuple[Path, dict[str, str]],
) -> None:
    _, out = ingested
    html = out["report"]
    assert '<h2 id="languages">Languages</h2>' in html
    assert "4 of 7 documents are in a language the tagging pipeline does not read" in html
    assert "<tr><td>de</td><td class='num'>2</td><td class='num'>0</td><td class='num'>2</td>" in (
        html
    )


def test_topic_filter_counts_other_languages(tmp_path: Path, db: Path) -> None:
    jsonl = write_jsonl(
        tmp_path / "mixed.jsonl",
        [
            {"url": "https://rundschau.example/a", "title": GERMAN_TITLE, "text": GERMAN},
            {"url": "https://ledger.example/b", "title": ENGLISH_TITLE, "text": ENGLISH},
        ],
    )
    out = mediamon(db, "ingest", "--topic-filter", str(jsonl))
    assert "1 new" in out and "1 in a language the topic terms are not written in" in out
    assert rows(db, "select language from documents where source_id = 'ingest'") == [("en",)]
    (stats,) = rows(db, "select stats from crawl_runs where command = 'ingest'")[0]
    assert json.loads(stats)["other_language"] == 1


# --- crawl --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_crawled_pages_in_other_languages(tmp_path: Path, db: Path) -> None:
    with DemoSite(slow_seconds=0.0) as site:
        urls = {
            name: site.add_article(slug=f"lang-{name}", title=title, body=body)
            for name, title, body in (
                ("de-kept", GERMAN_TITLE, GERMAN),
                ("fr-kept", FRENCH_TITLE, FRENCH),
                ("de-filtered", GERMAN_TITLE + " (2)", GERMAN.replace("Berlin", "Bonn")),
                ("fr-filtered", FRENCH_TITLE + " (2)", FRENCH.replace("Bruxelles", "Lyon")),
            )
        }
        sources = sources_toml(
            site,
            tmp_path / "sources.toml",
            keep={"urls": [urls["de-kept"], urls["fr-kept"]], "topic_filter": False},
            filtered={"urls": [urls["de-filtered"], urls["fr-filtered"]]},
        )
        out = run_mediamon("--db", str(db), "crawl", "--sources", str(sources), timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    found = languages(db)
    # the demo site's template says lang="en-GB" on every page
    assert found[urls["de-kept"]][:4] == ("de", "text", "en", None)
    assert found[urls["fr-kept"]][:4] == ("fr", "text", "en", None)
    # with topic_filter, a page the topic cannot score is counted, not stored
    assert urls["de-filtered"] not in found and urls["fr-filtered"] not in found
    (figures,) = rows(db, "select stats from crawl_runs where command = 'crawl'")[0]
    assert '"language": 2' in json.dumps(json.loads(figures)), figures
    outcomes = dict(rows(db, "select url, outcome from pages where url in (select unnest(?))",
                         [[urls["de-filtered"], urls["fr-filtered"]]]))  # fmt: skip
    assert set(outcomes.values()) == {"language"}

    tagged = mediamon(db, "tag")
    assert "Not tagged: de 1, fr 1" in tagged
    assert actors_from(db, [urls["de-kept"], urls["fr-kept"]]) == []
    assert_no_foreign_actors(db)


# --- an older corpus ----------------------------------------------------------------------------


def test_an_older_corpus_is_upgraded_and_cleaned(tmp_path: Path, db: Path) -> None:
    """A corpus of schema 4 whose German document an English pipeline tagged: after the
    upgrade, `tag` detects its language, keeps what the page declared, and removes the
    annotations and the discovered actor that came from it."""
    with duckdb.connect(str(db)) as con:
        for step in migrate.migrations()[:4]:
            con.execute(step.sql)
        con.execute(
            "insert into schema_migrations select unnest(range(1, 5)), 'old', current_timestamp"
        )
        con.execute(
            "insert into documents (doc_id, url, title, language, text, word_count, text_hash, "
            "ingested_at, updated_at, relevance, nlp_version) values "
            "('d1', 'https://rundschau.example/alt', ?, 'en', ?, 200, 'h1', current_timestamp, "
            "current_timestamp, 0.72, 'old')",
            [GERMAN_TITLE, GERMAN],
        )
        con.execute(
            "insert into actors values ('jede_nachricht', 'Jede Nachricht', null, null, null, "
            "null, 'discovered')"
        )
        con.execute(
            "insert into mentions values ('d1', 'jede_nachricht', 0, 14, 'Jede Nachricht', "
            "'ORG', 'old')"
        )
    out = mediamon(db, "tag")
    assert "Not tagged: de 1" in out
    assert rows(
        db,
        "select language, language_source, language_declared, nlp_skipped from documents "
        "where doc_id = 'd1'",
    ) == [("de", "text", "en", "language:de")]
    assert rows(db, "select count(*) from mentions where doc_id = 'd1'") == [(0,)]
    assert rows(db, "select count(*) from actors where actor_id = 'jede_nachricht'") == [(0,)]
    assert rows(db, "select max(version) from schema_migrations") == [(migrate.latest_version(),)]
