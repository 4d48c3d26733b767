"""The annotation tables (actors, mentions, quotes, stances): what `tag` reads and writes.

A document's annotations are replaced in one transaction per batch, so re-running is safe and a
killed run leaves every document either fully tagged or untouched.
"""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from mediamon.corpus import cells
from mediamon.corpus.connection import connect
from mediamon.corpus.lake import write_transaction
from mediamon.corpus.runs import start_run, update_run

Row = dict[str, Any]


@dataclass
class DocAnnotations:
    """What tagging found in one document, as rows of the annotation tables."""

    doc_id: str
    actors: list[Row] = field(default_factory=list)
    mentions: list[Row] = field(default_factory=list)
    quotes: list[Row] = field(default_factory=list)
    stances: list[Row] = field(default_factory=list)


@dataclass
class Pending:
    """What `tag` has to do: documents to tag, documents it cannot read (with the reason), and
    documents whose language was never detected (left alone until it is)."""

    tag: list[str] = field(default_factory=list)
    skip: dict[str, str] = field(default_factory=dict)  # doc_id -> reason, e.g. 'language:de'
    undetected: int = 0


def pending(
    db: Path, version: str, retag_all: bool, languages: tuple[str, ...] | None = None
) -> Pending:
    """Documents tagged by another pipeline version (or all of them), by doc_id, split by
    whether the pipeline reads their language (every language when `languages` is None)."""
    sql = "SELECT doc_id, language, language_source FROM documents"
    params: list[Any] = []
    if not retag_all:
        sql += " WHERE nlp_version IS DISTINCT FROM ?"
        params.append(version)
    with connect(db, read_only=True) as con:
        rows = con.execute(sql + " ORDER BY doc_id", params).fetchall()
    result = Pending()
    for doc_id, language, source in rows:
        if languages is None or language in languages:
            result.tag.append(doc_id)
        elif source is None:
            result.undetected += 1
        else:
            result.skip[doc_id] = f"language:{language or 'unknown'}"
    return result


def mark_skipped(db: Path, skipped: dict[str, str], version: str) -> None:
    """Record why these documents are not tagged, in one transaction, so that `tag` does not
    try them again until the pipeline changes. Whatever an earlier pipeline found in them goes,
    and so do the discovered actors that only they mentioned."""
    if not skipped:
        return
    table = pa.table({"doc_id": list(skipped), "reason": list(skipped.values())})

    def step(con: duckdb.DuckDBPyConnection) -> None:
        found = [
            r[0]
            for r in con.execute(
                "SELECT actor_id FROM mentions SEMI JOIN mm_skipped USING (doc_id) UNION "
                "SELECT speaker_actor_id FROM quotes SEMI JOIN mm_skipped USING (doc_id) "
                "UNION SELECT actor_id FROM stances SEMI JOIN mm_skipped USING (doc_id)"
            ).fetchall()
            if r[0] is not None
        ]
        for name in ("mentions", "quotes", "stances"):
            con.execute(f"DELETE FROM {name} WHERE doc_id IN (SELECT doc_id FROM mm_skipped)")
        con.execute(
            "UPDATE documents d SET nlp_version = ?, nlp_skipped = s.reason "
            "FROM mm_skipped s WHERE d.doc_id = s.doc_id",
            [version],
        )
        cells.refresh(con, skipped)
        if found:
            con.register("mm_found", pa.table({"actor_id": found}))
            con.execute(
                "DELETE FROM actors WHERE origin = 'discovered' "
                "AND actor_id IN (SELECT actor_id FROM mm_found) "
                "AND actor_id NOT IN (SELECT actor_id FROM mentions "
                "UNION SELECT speaker_actor_id FROM quotes WHERE speaker_actor_id IS NOT NULL "
                "UNION SELECT actor_id FROM stances "
                "UNION SELECT speaks_for FROM actors WHERE speaks_for IS NOT NULL)"
            )
            con.unregister("mm_found")

    with connect(db) as con:
        con.register("mm_skipped", table)
        try:
            # on a lake, run again from its reads while it loses to another writer
            write_transaction(con, step)
        finally:
            con.unregister("mm_skipped")


def read_texts(db: Path, ids: list[str]) -> list[tuple[Any, ...]]:
    """(doc_id, text, author, published_at, sitename) of these documents, in doc_id order."""
    with connect(db, read_only=True) as con:
        con.register("mm_ids", pa.table({"doc_id": ids}))
        rows = con.execute(
            "SELECT doc_id, text, author, published_at, sitename FROM documents "
            "SEMI JOIN mm_ids USING (doc_id) ORDER BY doc_id"
        ).fetchall()
        con.unregister("mm_ids")
    return rows


def _merge_actors(source: str, origin: str) -> str:
    """Upsert actors from a registered table; MERGE, as a lake has no key for ON CONFLICT."""
    return (
        f"MERGE INTO actors USING (SELECT actor_id, name, type, country, aliases, speaks_for, "
        f"origin FROM {source}) a USING (actor_id) WHEN MATCHED THEN UPDATE SET "
        f"name = a.name, type = a.type, country = a.country, aliases = a.aliases, "
        f"speaks_for = a.speaks_for, origin = {origin} WHEN NOT MATCHED THEN INSERT "
        f"(actor_id, name, type, country, aliases, speaks_for, origin) VALUES (a.actor_id, "
        f"a.name, a.type, a.country, a.aliases, a.speaks_for, {origin})"
    )


def write_registry(db: Path, actors: list[Row]) -> None:
    """Every registered actor is in the actors table, mentioned yet or not."""
    rows = [{**a, "origin": "registry"} for a in actors]
    with connect(db) as con:
        con.register("mm_registry", pa.Table.from_pylist(rows, schema=_ACTORS))
        write_transaction(con, lambda con: con.execute(_merge_actors("mm_registry", "'registry'")))
        con.unregister("mm_registry")


def write_results(db: Path, results: list[DocAnnotations], version: str) -> None:
    """Replace the annotations of these documents in one transaction."""
    if not results:
        return
    ids = pa.table({"doc_id": [r.doc_id for r in results]})
    actors: dict[str, Row] = {}
    for r in results:
        for a in r.actors:
            # the last document's reading wins, as it does across batches, so the table does not
            # depend on how the results were batched (--workers, --cluster)
            actors[a["actor_id"]] = a

    def table(rows: list[Row], extra: dict[str, Any], schema: pa.Schema) -> pa.Table:
        return pa.Table.from_pylist([{**row, **extra} for row in rows], schema=schema)

    tables = {
        "mentions": table(
            [m for r in results for m in r.mentions], {"nlp_version": version}, _MENTIONS
        ),
        "quotes": table([q for r in results for q in r.quotes], {"nlp_version": version}, _QUOTES),
        "stances": table(
            [s for r in results for s in r.stances], {"nlp_version": version}, _STANCES
        ),
    }

    def step(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(_merge_actors("mm_actors", "a.origin"))
        for name, data in tables.items():
            con.execute(f"DELETE FROM {name} WHERE doc_id IN (SELECT doc_id FROM mm_ids)")
            con.register(f"mm_{name}", data)
            columns = ", ".join(data.schema.names)
            con.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM mm_{name}")
            con.unregister(f"mm_{name}")
        con.execute(
            "UPDATE documents SET nlp_version = ?, nlp_skipped = NULL "
            "WHERE doc_id IN (SELECT doc_id FROM mm_ids)",
            [version],
        )
        cells.refresh(con, [r.doc_id for r in results])

    with connect(db) as con:
        con.register("mm_ids", ids)
        con.register("mm_actors", pa.Table.from_pylist(list(actors.values()), schema=_ACTORS))
        try:
            # on a lake, run again while it loses to another writer (it deletes, then inserts)
            write_transaction(con, step)
        finally:
            con.unregister("mm_ids")
            con.unregister("mm_actors")


def record_tag_run(db: Path, figures: dict[str, Any]) -> None:
    """A `tag` run in crawl_runs, with its figures."""
    figures = {**figures, "finished": dt.datetime.now(dt.UTC).isoformat()}

    def step(con: duckdb.DuckDBPyConnection) -> None:
        update_run(con, start_run(con, "tag", []), figures, "ok")

    with connect(db) as con:
        write_transaction(con, step)


_MENTIONS = pa.schema(
    [
        ("doc_id", pa.string()),
        ("actor_id", pa.string()),
        ("start_char", pa.int32()),
        ("end_char", pa.int32()),
        ("text", pa.string()),
        ("label", pa.string()),
        ("nlp_version", pa.string()),
    ]
)
_QUOTES = pa.schema(
    [
        ("doc_id", pa.string()),
        ("speaker_actor_id", pa.string()),
        ("quote", pa.string()),
        ("start_char", pa.int32()),
        ("end_char", pa.int32()),
        ("kind", pa.string()),
        ("nlp_version", pa.string()),
    ]
)
_STANCES = pa.schema(
    [
        ("doc_id", pa.string()),
        ("actor_id", pa.string()),
        ("target", pa.string()),
        ("polarity", pa.string()),
        ("confidence", pa.float64()),
        ("evidence", pa.string()),
        ("basis", pa.string()),
        ("start_char", pa.int32()),
        ("end_char", pa.int32()),
        ("nlp_version", pa.string()),
    ]
)
_ACTORS = pa.schema(
    [
        ("actor_id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("country", pa.string()),
        ("aliases", pa.list_(pa.string())),
        ("speaks_for", pa.string()),
        ("origin", pa.string()),
    ]
)
