"""corpus.annotations: what `tag` writes does not depend on how its results are batched."""

from pathlib import Path
from typing import Any

import duckdb

from mediamon.corpus import connect
from mediamon.corpus.annotations import DocAnnotations, write_results
from mediamon.corpus.seeding import init_corpus
from mediamon.corpus.store import DocumentRecord, write_documents


def _corpus(db: Path, n: int) -> list[str]:
    init_corpus(db)
    records = [
        DocumentRecord(text=f"Story {i} on encryption.", url=f"https://news.example/{i}")
        for i in range(n)
    ]
    with connect(db) as con:
        con.execute("DELETE FROM documents")
        write_documents(con, records)
    return sorted(r.doc_id for r in records)


def _results(doc_ids: list[str]) -> list[DocAnnotations]:
    """Each document names the same discovered actor; how it reads the name and type varies."""
    results = []
    for k, doc_id in enumerate(doc_ids):
        ann = DocAnnotations(doc_id)
        ann.actors.append(
            {
                "actor_id": "disc-tallis",
                "name": ["Tallis Institute", "the Tallis Institute", "Tallis"][k % 3],
                "type": ["ngo_privacy", "think_tank", "company"][k % 3],
                "country": None,
                "aliases": None,
                "speaks_for": None,
                "origin": "discovered",
            }
        )
        results.append(ann)
    return results


def _actors(db: Path) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT actor_id, name, type, origin FROM actors WHERE actor_id = 'disc-tallis'"
        ).fetchall()


def test_an_actor_read_differently_by_two_documents_is_the_same_in_any_batching(
    tmp_path: Path,
) -> None:
    found = []
    for size in (8, 5, 3, 2):  # one batch, then as --workers 1 and 2 would cut larger sets
        db = tmp_path / f"batches-{size}.duckdb"
        ids = _corpus(db, 8)
        results = _results(ids)
        for i in range(0, len(results), size):
            write_results(db, results[i : i + size], "v1")
        found.append(_actors(db))
    # the last document in order has the last word, whichever batch it came in
    assert found[0] == [("disc-tallis", "the Tallis Institute", "think_tank", "discovered")]
    assert found[1:] == [found[0]] * 3
