"""`mediamon tag`: run the pipeline over the corpus and store mentions, quotes and stances.

Documents whose nlp_version differs from the pipeline's are tagged (all of them with
`retag_all`); corpus.annotations replaces what a document had before, a batch at a time.
Only documents in a language the pipeline reads (pipeline.LANGUAGES) are analysed; the others
are marked with the reason (documents.nlp_skipped, e.g. 'language:de') and get no mentions,
quotes, stances or actors. Their language must have been detected first (documents.language:
the `tag` command does it); documents without a detected language are left for later.
With workers > 1 the texts are analysed by that many processes; the parent only writes. With
`cluster` (a Dask scheduler's address) the workers of that cluster analyse them (nlp/cluster.py).
"""

import contextlib
import logging
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediamon.corpus.annotations import (
    DocAnnotations,
    mark_skipped,
    pending,
    read_texts,
    record_tag_run,
    write_registry,
    write_results,
)
from mediamon.nlp.versioning import DEFAULT_MODEL, LANGUAGES, config_path, version

logger = logging.getLogger(__name__)

READ_CHUNK = 256
PIPE_BATCH = 32
WORKER_PIECE = 8  # small pieces keep every worker busy until the end

Row = dict[str, Any]


@dataclass
class TagReport:
    version: str
    documents: int = 0
    mentions: int = 0
    quotes: int = 0
    stances: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> documents not tagged
    undetected: int = 0  # documents whose language was never detected, left for later


_worker_nlp: Any = None


def _init_worker(model: str, actors: str | None, stance: str | None, parent: int) -> None:
    global _worker_nlp
    from mediamon.nlp.pipeline import build
    from mediamon.processes import skip_teardown, watch_parent

    watch_parent(parent)
    _worker_nlp = build(model, actors, stance)
    skip_teardown()


def _analyse_chunk(rows: list[tuple[Any, ...]]) -> list[DocAnnotations]:
    return analyse(_worker_nlp, rows)


def analyse(nlp: Any, rows: list[tuple[Any, ...]]) -> list[DocAnnotations]:
    """(doc_id, text, author, published_at, sitename) rows -> plain results, picklable across
    processes; the sitename is the publisher, whose own pages speak in its voice."""
    from mediamon.nlp.pipeline import make_doc

    docs = [
        make_doc(nlp, text, published, author, None, sitename)
        for _, text, author, published, sitename in rows
    ]
    results = []
    for (doc_id, *_), doc in zip(rows, nlp.pipe(docs, batch_size=PIPE_BATCH), strict=True):
        results.append(_rows(doc_id, doc))
    return results


def _rows(doc_id: str, doc: Any) -> DocAnnotations:
    from mediamon.nlp.statements import LETTER

    result = DocAnnotations(doc_id)
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


def registry_rows(actors_file: str | None) -> list[Row]:
    """The actor registry as rows of the actors table."""
    from mediamon.nlp.actors import ActorRegistry

    registry = ActorRegistry.from_toml(config_path(actors_file, "actors.toml"))
    return [
        {
            "actor_id": a.id,
            "name": a.name,
            "type": a.type,
            "country": a.country,
            "aliases": a.aliases or None,
            "speaks_for": a.speaks_for,
        }
        for a in registry.actors.values()
    ]


def check_config(actors: str | None, stance: str | None) -> None:
    """Check the files a user names before anything runs.

    Read later, inside spaCy's registry or a worker process, a bad file would surface as a
    traceback; here it is one ConfigError line naming the file, the entry and the key.
    """
    from mediamon.config import actors as actors_schema
    from mediamon.config import stance as stance_schema

    if actors:
        actors_schema.load(Path(actors))
    if stance:
        stance_schema.load_with_valence(Path(stance))


def tag_corpus(
    db: Path,
    retag_all: bool = False,
    workers: int = 1,
    model: str | None = None,
    actors: str | None = None,
    stance: str | None = None,
    advance: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    cluster: str | None = None,
) -> TagReport:
    # no spaCy in this process when workers analyse: it would cost a third of a second before
    # they start, and they load their own
    check_config(actors, stance)
    model = model or DEFAULT_MODEL
    report = TagReport(version(model, actors, stance))
    todo = pending(db, report.version, retag_all, LANGUAGES)
    with contextlib.ExitStack() as stack:
        pool = None
        if todo.tag and workers > 1 and not cluster:
            # started before the writes below, so that the workers load the model meanwhile
            pool = stack.enter_context(_pool(workers, model, actors, stance))
        write_registry(db, registry_rows(actors))
        mark_skipped(db, todo.skip, report.version)
        report.skipped.update(todo.skip.values())
        report.undetected = todo.undetected
        if todo.undetected:
            logger.warning(
                "%d documents have no detected language and were not tagged", todo.undetected
            )
        ids = todo.tag
        if on_total:
            on_total(len(ids))
        if not ids:
            if report.skipped:
                _record(db, report)
            return report
        if cluster:
            from mediamon.nlp import cluster as dask_cluster

            spec = dask_cluster.spec(model, actors, stance, report.version)
            found = dask_cluster.results(db, ids, cluster, spec)
        else:
            chunks = [ids[i : i + READ_CHUNK] for i in range(0, len(ids), READ_CHUNK)]
            found = _results(db, chunks, pool, workers, model, actors, stance)
        for results in found:
            write_results(db, results, report.version)
            report.documents += len(results)
            report.mentions += sum(len(r.mentions) for r in results)
            report.quotes += sum(len(r.quotes) for r in results)
            report.stances += sum(len(r.stances) for r in results)
            if advance:
                advance(len(results))
        _record(db, report)
    return report


def _record(db: Path, report: TagReport) -> None:
    record_tag_run(
        db,
        {
            "nlp_version": report.version,
            "documents": report.documents,
            "mentions": report.mentions,
            "quotes": report.quotes,
            "stances": report.stances,
            "not_tagged": dict(report.skipped),
        },
    )


def _ready() -> None:
    """A task that does nothing: submitting one per worker starts them all at once."""


@contextlib.contextmanager
def _pool(
    workers: int, model: str, actors: str | None, stance: str | None
) -> Iterator[ProcessPoolExecutor]:
    """`workers` processes, each building the pipeline once; started before this returns."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(model, actors, stance, os.getpid()),
    ) as pool:
        # a spawn pool starts a process per task submitted while none is idle
        for _ in range(workers):
            pool.submit(_ready)
        yield pool


def _results(
    db: Path,
    chunks: list[list[str]],
    pool: ProcessPoolExecutor | None,
    workers: int,
    model: str,
    actors: str | None,
    stance: str | None,
) -> Iterator[list[DocAnnotations]]:
    if pool is None:
        from mediamon.nlp.pipeline import build

        nlp = build(model, actors, stance)
        for chunk in chunks:
            yield analyse(nlp, read_texts(db, chunk))
        return
    pieces = _pieces([read_texts(db, chunk) for chunk in chunks], workers)
    batch: list[DocAnnotations] = []
    for results in pool.map(_analyse_chunk, pieces):
        batch.extend(results)
        if len(batch) >= READ_CHUNK // 2:  # fewer, larger write transactions
            yield batch
            batch = []
    if batch:
        yield batch


def _pieces(chunks: list[list[tuple[Any, ...]]], workers: int) -> list[list[tuple[Any, ...]]]:
    """The workers' tasks: pieces of WORKER_PIECE rows keep every worker busy to the end, and
    the last documents go one by one, so that the workers finish within a document of each
    other, not within a piece (0.4-0.6 s apart on 300 texts)."""
    pieces = [
        rows[i : i + WORKER_PIECE] for rows in chunks for i in range(0, len(rows), WORKER_PIECE)
    ]
    singles: list[list[tuple[Any, ...]]] = []
    while pieces and len(singles) < workers * WORKER_PIECE:
        singles[:0] = [[row] for row in pieces.pop()]
    return pieces + singles
