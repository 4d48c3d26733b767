"""`mediamon tag`: run the pipeline over the corpus and store mentions, quotes and stances.

Documents whose nlp_version differs from the pipeline's are tagged (all of them with
`retag_all`). Results replace what a document had before, in one transaction per batch, so
re-running is safe and a killed run leaves every document either fully tagged or untouched.
With workers > 1 the texts are analysed by that many processes; the parent only writes.
"""

import datetime as dt
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from mediamon.corpus.connection import connect

logger = logging.getLogger(__name__)

READ_CHUNK = 256
PIPE_BATCH = 32
WORKER_PIECE = 8  # small pieces keep every worker busy until the end

Row = dict[str, Any]


@dataclass
class DocResult:
    doc_id: str
    actors: list[Row] = field(default_factory=list)
    mentions: list[Row] = field(default_factory=list)
    quotes: list[Row] = field(default_factory=list)
    stances: list[Row] = field(default_factory=list)


@dataclass
class TagReport:
    version: str
    documents: int = 0
    mentions: int = 0
    quotes: int = 0
    stances: int = 0


_worker_nlp: Any = None


def _init_worker(model: str, actors: str | None, stance: str | None, parent: int) -> None:
    global _worker_nlp
    from mediamon.crawler.workers import watch_parent
    from mediamon.nlp.pipeline import build

    watch_parent(parent)
    _worker_nlp = build(model, actors, stance)


def _analyse_chunk(rows: list[tuple[Any, ...]]) -> list[DocResult]:
    return analyse(_worker_nlp, rows)


def analyse(nlp: Any, rows: list[tuple[Any, ...]]) -> list[DocResult]:
    """(doc_id, text, author, published_at) rows -> plain results, picklable across processes."""
    from mediamon.nlp.pipeline import make_doc

    docs = [make_doc(nlp, text, published, author) for _, text, author, published in rows]
    results = []
    for (doc_id, *_), doc in zip(rows, nlp.pipe(docs, batch_size=PIPE_BATCH), strict=True):
        results.append(_rows(doc_id, doc))
    return results


def _rows(doc_id: str, doc: Any) -> DocResult:
    from mediamon.nlp.statements import LETTER

    result = DocResult(doc_id)
    for actor in (doc._.mm_actors or {}).values():
        result.actors.append(
            {
                "actor_id": actor.id,
                "name": actor.name,
                "type": actor.type,
                "country": actor.country,
                "aliases": list(actor.aliases) or None,
                "speaks_for": actor.speaks_for,
                "origin": actor.origin,
            }
        )
    for m in doc._.mm_mentions or []:
        span = doc[m.start : m.end]
        result.mentions.append(
            {
                "doc_id": doc_id,
                "actor_id": m.actor_id,
                "start_char": span.start_char,
                "end_char": span.end_char,
                "text": span.text,
                "label": m.label,
            }
        )
    for s in doc._.mm_statements or []:
        if s.kind not in ("direct", "indirect"):
            continue
        for speaker in s.speakers or [None]:
            result.quotes.append(
                {
                    "doc_id": doc_id,
                    "speaker_actor_id": None if speaker == LETTER else speaker,
                    "quote": s.text,
                    "start_char": s.start,
                    "end_char": s.end,
                    "kind": s.kind,
                }
            )
    for f in doc._.mm_stances or []:
        result.stances.append(
            {
                "doc_id": doc_id,
                "actor_id": f.actor_id,
                "target": f.target,
                "polarity": f.polarity,
                "confidence": f.confidence,
                "evidence": f.evidence,
                "basis": f.basis,
                "start_char": f.start,
                "end_char": f.end,
            }
        )
    return result


def pending(db: Path, version: str, retag_all: bool) -> list[str]:
    with connect(db, read_only=True) as con:
        sql = "SELECT doc_id FROM documents"
        if not retag_all:
            sql += " WHERE nlp_version IS DISTINCT FROM ?"
            return [r[0] for r in con.execute(sql + " ORDER BY doc_id", [version]).fetchall()]
        return [r[0] for r in con.execute(sql + " ORDER BY doc_id").fetchall()]


def _read(db: Path, ids: list[str]) -> list[tuple[Any, ...]]:
    with connect(db, read_only=True) as con:
        con.register("mm_ids", pa.table({"doc_id": ids}))
        rows = con.execute(
            "SELECT doc_id, text, author, published_at FROM documents "
            "SEMI JOIN mm_ids USING (doc_id) ORDER BY doc_id"
        ).fetchall()
        con.unregister("mm_ids")
    return rows


def write_registry(db: Path, actors_file: str | None) -> None:
    """Every registered actor is in the actors table, mentioned yet or not."""
    from mediamon.nlp.pipeline import actor_registry

    registry = actor_registry(actors_file)
    rows = [
        {
            "actor_id": a.id,
            "name": a.name,
            "type": a.type,
            "country": a.country,
            "aliases": a.aliases or None,
            "speaks_for": a.speaks_for,
            "origin": "registry",
        }
        for a in registry.actors.values()
    ]
    with connect(db) as con:
        con.register("mm_registry", pa.Table.from_pylist(rows, schema=_ACTORS))
        con.execute(
            "INSERT INTO actors SELECT * FROM mm_registry ON CONFLICT (actor_id) DO UPDATE SET "
            "name = excluded.name, type = excluded.type, country = excluded.country, "
            "aliases = excluded.aliases, speaks_for = excluded.speaks_for, origin = 'registry'"
        )
        con.unregister("mm_registry")


def write_results(db: Path, results: list[DocResult], version: str) -> None:
    """Replace the annotations of these documents in one transaction."""
    if not results:
        return
    ids = pa.table({"doc_id": [r.doc_id for r in results]})
    actors: dict[str, Row] = {}
    for r in results:
        for a in r.actors:
            actors.setdefault(a["actor_id"], a)

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
    with connect(db) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("mm_ids", ids)
            con.register("mm_actors", pa.Table.from_pylist(list(actors.values()), schema=_ACTORS))
            con.execute(
                "INSERT INTO actors SELECT actor_id, name, type, country, aliases, speaks_for, "
                "origin FROM mm_actors ON CONFLICT (actor_id) DO UPDATE SET "
                "name = excluded.name, type = excluded.type, country = excluded.country, "
                "aliases = excluded.aliases, speaks_for = excluded.speaks_for, "
                "origin = excluded.origin"
            )
            for name, data in tables.items():
                con.execute(f"DELETE FROM {name} WHERE doc_id IN (SELECT doc_id FROM mm_ids)")
                con.register(f"mm_{name}", data)
                columns = ", ".join(data.schema.names)
                con.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM mm_{name}")
                con.unregister(f"mm_{name}")
            con.execute(
                "UPDATE documents SET nlp_version = ? WHERE doc_id IN (SELECT doc_id FROM mm_ids)",
                [version],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.unregister("mm_ids")
            con.unregister("mm_actors")


def tag_corpus(
    db: Path,
    retag_all: bool = False,
    workers: int = 1,
    model: str | None = None,
    actors: str | None = None,
    stance: str | None = None,
    advance: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> TagReport:
    from mediamon.nlp.pipeline import DEFAULT_MODEL, build, version

    model = model or DEFAULT_MODEL
    report = TagReport(version(model, actors, stance))
    write_registry(db, actors)
    ids = pending(db, report.version, retag_all)
    if on_total:
        on_total(len(ids))
    if not ids:
        return report
    chunks = [ids[i : i + READ_CHUNK] for i in range(0, len(ids), READ_CHUNK)]
    for results in _results(db, chunks, workers, model, actors, stance, build):
        write_results(db, results, report.version)
        report.documents += len(results)
        report.mentions += sum(len(r.mentions) for r in results)
        report.quotes += sum(len(r.quotes) for r in results)
        report.stances += sum(len(r.stances) for r in results)
        if advance:
            advance(len(results))
    _record_run(db, report)
    return report


def _results(
    db: Path,
    chunks: list[list[str]],
    workers: int,
    model: str,
    actors: str | None,
    stance: str | None,
    build: Any,
) -> Iterator[list[DocResult]]:
    if workers <= 1:
        nlp = build(model, actors, stance)
        for chunk in chunks:
            yield analyse(nlp, _read(db, chunk))
        return
    # smaller pieces keep both workers busy to the end
    pieces = [
        rows[i : i + WORKER_PIECE]
        for chunk in chunks
        for rows in [_read(db, chunk)]
        for i in range(0, len(rows), WORKER_PIECE)
    ]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(model, actors, stance, os.getpid()),
    ) as pool:
        batch: list[DocResult] = []
        for results in pool.map(_analyse_chunk, pieces):
            batch.extend(results)
            if len(batch) >= READ_CHUNK // 2:  # fewer, larger write transactions
                yield batch
                batch = []
        if batch:
            yield batch


def _record_run(db: Path, report: TagReport) -> None:
    from mediamon.corpus.runs import start_run, update_run

    with connect(db) as con:
        run_id = start_run(con, "tag", [])
        update_run(
            con,
            run_id,
            {
                "nlp_version": report.version,
                "documents": report.documents,
                "mentions": report.mentions,
                "quotes": report.quotes,
                "stances": report.stances,
                "finished": dt.datetime.now(dt.UTC).isoformat(),
            },
            "ok",
        )


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
