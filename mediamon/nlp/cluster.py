"""Tagging on a Dask distributed cluster: `mediamon tag --cluster tcp://HOST:8786`.

The client (the `tag` process) reads pending documents from the corpus, hands their texts to the
cluster's workers a batch at a time, and writes what comes back through the same
corpus.annotations.write_results as local tagging, so the rows are those of `tag --workers 1`.
Workers never see the corpus (they may be on machines without it): they get texts and return
plain rows. Each worker process builds the pipeline once and keeps it (`_pipelines`), after
checking that its pipeline version (code, model, configuration) is the client's.

A batch is a pure function of its texts, so when a worker dies the scheduler runs its batches
again elsewhere; the client receives each batch's result once, and writes each document once
(`written`): write_results replaces a document's rows anyway, so even a repeat would not add any.
"""

import asyncio
import concurrent.futures
import logging
import os
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediamon.corpus.annotations import DocAnnotations, read_texts
from mediamon.errors import ClusterError

logger = logging.getLogger(__name__)

BATCH = 8  # documents per task: small, so the last batches keep both workers busy (as --workers)
WRITE_BATCH = 128  # documents per write transaction
READ_CHUNK = 256  # documents read from the corpus at a time
CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler
WORKER_TIMEOUT = 30.0  # seconds to wait for a scheduler without workers to get one
IN_FLIGHT_PER_THREAD = 2  # batches submitted ahead per worker thread: busy workers, bounded memory


@dataclass(frozen=True)
class PipelineSpec:
    """What a worker needs to build the client's pipeline: the model's name and the
    configuration files the user named, as bytes (the bundled ones are the worker's own), and
    the version the client computed, which the worker's build must match."""

    model: str
    version: str
    actors: bytes | None = None
    stance: bytes | None = None
    beside_stance: tuple[tuple[str, bytes], ...] = ()  # the valence file named in stance.toml


def spec(model: str, actors: str | None, stance: str | None, version: str) -> PipelineSpec:
    """The client's pipeline, ready to send to workers."""
    beside: list[tuple[str, bytes]] = []
    if stance:
        from mediamon.config import stance as stance_schema

        name = stance_schema.load(Path(stance)).options.valence_file
        # a name reaching outside the stance file's folder is the worker's own path to it
        relative = Path(name or "/")
        path = Path(stance).parent / relative
        if name and not relative.is_absolute() and ".." not in relative.parts and path.is_file():
            beside.append((name, path.read_bytes()))
    return PipelineSpec(
        model,
        version,
        Path(actors).read_bytes() if actors else None,
        Path(stance).read_bytes() if stance else None,
        tuple(beside),
    )


class PipelineMismatch(Exception):
    """Raised on a worker whose pipeline is not the client's; the client reports it."""


_pipelines: dict[str, Any] = {}  # per worker process: version -> built pipeline
_lock = threading.Lock()  # one build per process; one analysis at a time (spaCy holds the GIL)


def _materialise(spec: PipelineSpec) -> tuple[str | None, str | None]:
    """The shipped configuration files written to this machine; their paths."""
    if spec.actors is None and spec.stance is None:
        return None, None
    folder = Path(tempfile.gettempdir()) / "mediamon-cluster" / spec.version.replace("/", "_")
    files: list[tuple[str, bytes]] = list(spec.beside_stance)
    if spec.actors is not None:
        files.append(("actors.toml", spec.actors))
    if spec.stance is not None:
        files.append(("stance.toml", spec.stance))
    for name, data in files:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        # worker processes of one machine share the folder: write aside, then rename
        part = path.with_name(f".{path.name}.{os.getpid()}")
        part.write_bytes(data)
        part.replace(path)
    return (
        str(folder / "actors.toml") if spec.actors is not None else None,
        str(folder / "stance.toml") if spec.stance is not None else None,
    )


def _pipeline(spec: PipelineSpec) -> Any:
    nlp = _pipelines.get(spec.version)
    if nlp is not None:
        return nlp
    from mediamon.nlp.pipeline import build, version

    actors, stance = _materialise(spec)
    found = version(spec.model, actors, stance)
    if found != spec.version:
        raise PipelineMismatch(
            f"the worker on {socket.gethostname()} (pid {os.getpid()}) has pipeline {found}, "
            f"the client {spec.version}: install the same mediamon and spaCy model everywhere"
        )
    nlp = build(spec.model, actors, stance)
    _pipelines.clear()  # a standing worker keeps one pipeline, the latest client's
    _pipelines[spec.version] = nlp
    return nlp


def analyse_batch(spec: PipelineSpec, rows: list[tuple[Any, ...]]) -> list[DocAnnotations]:
    """A task: (doc_id, text, author, published_at, sitename) rows -> their annotations."""
    from mediamon.nlp.tagging import analyse

    with _lock:
        return analyse(_pipeline(spec), rows)


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            "tagging on a cluster needs Dask's distributed package: pip install 'mediamon[scale]'"
        ) from None
    return distributed


def connect(address: str) -> Any:
    """A Dask client of the scheduler at `address`, with workers; one-line errors."""
    distributed = _distributed()
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, ValueError, TypeError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address}: {_one_line(exc)}; start one with "
            "`dask scheduler` or fix --cluster"
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except (TimeoutError, OSError):
        client.close()
        raise ClusterError(
            f"the Dask scheduler at {address} has no workers after {WORKER_TIMEOUT:.0f}s; "
            f"start some with `dask worker {address}`"
        ) from None
    return client


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _batches(db: Path, ids: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    for start in range(0, len(ids), READ_CHUNK):
        rows = read_texts(db, ids[start : start + READ_CHUNK])
        for i in range(0, len(rows), BATCH):
            yield rows[i : i + BATCH]


def results(
    db: Path, ids: list[str], address: str, pipeline: PipelineSpec
) -> Iterator[list[DocAnnotations]]:
    """The annotations of these documents, analysed on the cluster, in write-sized lists."""
    distributed = _distributed()
    client = connect(address)
    try:
        logger.info("tagging %d documents on the Dask cluster at %s", len(ids), address)
        run = uuid.uuid4().hex[:8]
        batches = enumerate(_batches(db, ids))
        done = distributed.as_completed(loop=client.loop)
        in_flight = 0

        def fill() -> None:
            # a few batches ahead per worker thread, as many threads as the cluster has now
            nonlocal in_flight
            ahead = max(2, IN_FLIGHT_PER_THREAD * _threads(client))
            while in_flight < ahead:
                item = next(batches, None)
                if item is None:
                    return
                n, rows = item
                # pure=False and our own key: a batch is never confused with another run's
                key = f"mediamon-tag-{run}-{n}"
                done.add(client.submit(analyse_batch, pipeline, rows, key=key, pure=False))
                in_flight += 1

        fill()
        written: set[str] = set()
        out: list[DocAnnotations] = []
        for future in done:
            found = _result(future, distributed)
            future.release()
            in_flight -= 1
            fill()
            out.extend(r for r in found if r.doc_id not in written)
            written.update(r.doc_id for r in found)
            if len(out) >= WRITE_BATCH:
                yield out
                out = []
        if out:
            yield out
    finally:
        client.close()


def _threads(client: Any) -> int:
    try:
        return sum(client.nthreads().values())
    except OSError as exc:
        raise _lost(exc) from None


def _lost(exc: BaseException) -> ClusterError:
    return ClusterError(
        f"lost the Dask scheduler during the run ({_one_line(exc)}); the documents written "
        "before stay tagged, run `mediamon tag --cluster` again"
    )


def _result(future: Any, distributed: Any) -> list[DocAnnotations]:
    try:
        found: list[DocAnnotations] = future.result()
    except PipelineMismatch as exc:
        raise ClusterError(str(exc)) from None
    except (asyncio.CancelledError, concurrent.futures.CancelledError, OSError) as exc:
        # the scheduler went away (or cancelled the run): what was written stays written
        raise _lost(exc) from None
    except distributed.KilledWorker as exc:
        raise ClusterError(
            f"a batch of documents was running on every worker that died ({_one_line(exc)}); "
            "the documents written before stay tagged, run `mediamon tag` again"
        ) from None
    return found
