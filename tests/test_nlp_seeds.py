"""The seeds, tagged by the real pipeline, read as a careful human reader does (SEEDS.md)."""

from pathlib import Path

import duckdb
import pytest

from tests.helpers import run_mediamon

CARR = "Facebook must change its mind"
KAKE = "MISSING IN KANSAS%"


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("seeds") / "corpus.duckdb"
    assert run_mediamon("--db", str(db), "init").returncode == 0
    out = run_mediamon("--db", str(db), "tag")
    assert out.returncode == 0, out.stderr
    return db


def stances(db: Path, title_like: str) -> dict[tuple[str, str], tuple[str, str]]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select s.actor_id, s.target, s.polarity, s.basis from stances s "
            "join documents d using (doc_id) where d.title like ?",
            [title_like],
        ).fetchall()
    return {(a, t): (p, b) for a, t, p, b in rows}


def test_carr_blog(tagged: Path) -> None:
    found = stances(tagged, CARR)
    assert found[("john_carr", "e2ee")] == ("against", "authored")
    assert found[("john_carr", "scanning")][0] == "favor"
    assert found[("meta", "e2ee")][0] == "favor"  # Facebook's plan, as Carr reports it


def test_kake_report(tagged: Path) -> None:
    found = stances(tagged, KAKE)
    for signatory in ("priti_patel", "william_barr", "kevin_mcaleenan", "peter_dutton"):
        assert found[(signatory, "e2ee")] == ("against", "action"), signatory
        # they ask for lawful access, which the scanning target includes
        assert found.get((signatory, "scanning"), ("favor",))[0] != "against", signatory
    assert found[("us_doj", "e2ee")][0] == "against"
    assert found[("ncmec", "e2ee")][0] == "against"
    assert found[("ncmec", "scanning")][0] == "favor"  # "for detection" (SEEDS.md)
    assert found[("john_clark", "e2ee")][0] == "against"
    assert found[("mark_zuckerberg", "e2ee")] == ("favor", "quote")
    assert found[("meta", "e2ee")][0] == "favor"
    assert not any(actor == "kake_news" for actor, _ in found)


def test_evidence_is_the_quoted_sentence(tagged: Path) -> None:
    with duckdb.connect(str(tagged), read_only=True) as con:
        evidence, basis = con.execute(
            "select evidence, basis from stances where actor_id = 'mark_zuckerberg'"
        ).fetchone()
    assert "End-to-end encryption prevents anyone" in evidence and basis == "quote"


def test_actors_are_clean(tagged: Path) -> None:
    with duckdb.connect(str(tagged), read_only=True) as con:
        mentioned = {
            r[0]: r[1]
            for r in con.execute(
                "select distinct a.name, a.type from mentions m join actors a using (actor_id)"
            ).fetchall()
        }
        ncmec_names = con.execute(
            "select distinct a.name from mentions m join actors a using (actor_id) "
            "where m.text in ('NCMEC', 'National Center for Missing and Exploited Children')"
        ).fetchall()
    for noise in ("Hmm", "Apps", "The National Center for Missing", "National Center for Missing"):
        assert noise not in mentioned
    assert mentioned.get("Facebook Messenger", mentioned.get("Messenger")) != "person"
    assert ncmec_names == [("National Center for Missing & Exploited Children",)]


def test_retagging_replaces(tagged: Path) -> None:
    def counts() -> tuple[int, ...]:
        with duckdb.connect(str(tagged), read_only=True) as con:
            return con.execute(
                "select (select count(*) from mentions), (select count(*) from quotes), "
                "(select count(*) from stances), (select count(*) from documents "
                "where nlp_version is null)"
            ).fetchone()

    before = counts()
    assert before[3] == 0
    again = run_mediamon("--db", str(tagged), "tag")
    assert "Tagged 0 documents" in again.stdout
    assert run_mediamon("--db", str(tagged), "tag", "--all").returncode == 0
    assert counts() == before
