"""`tag --cluster`: tagging on a real Dask cluster (a `dask scheduler` and two `dask worker`
processes on 127.0.0.1) gives the rows of single-process tagging, also when a worker is killed
in the middle of the run."""

import contextlib
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner, Result

from mediamon.cli import cli
from mediamon.corpus import connect
from mediamon.corpus.seeding import init_corpus
from mediamon.corpus.store import DocumentRecord, write_documents
from mediamon.demo.site import load_articles
from mediamon.documents.language import set_language
from mediamon.nlp import cluster, tagging
from mediamon.nlp.pipeline import DEFAULT_MODEL, version
from tests.services import _wait_for_port, free_port

distributed = pytest.importorskip("distributed")

COPIES = 2  # each demo article twice (a line apart), so the kill lands mid-run
TABLES = {
    "mentions": "doc_id, actor_id, start_char, end_char, text, label, nlp_version",
    "quotes": "doc_id, speaker_actor_id, quote, start_char, end_char, kind, nlp_version",
    "stances": "doc_id, actor_id, target, polarity, confidence, evidence, basis, start_char, "
    "end_char, nlp_version",
    "actors": "actor_id, name, type, country, aliases, speaks_for, origin",
    "documents": "doc_id, nlp_version, nlp_skipped",
}


@dataclass
class Cluster:
    folder: Path
    address: str = ""
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def _start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        # the workers import mediamon: the same one as this test
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        log = (self.folder / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "dask", *args], stdout=log, stderr=subprocess.STDOUT, env=env
        )
        self.procs.append(proc)
        return proc

    def start(self, workers: int) -> None:
        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        # an orphaned scheduler stops when idle, its workers when it is gone
        options = f"--host 127.0.0.1 --port {port} --no-dashboard --idle-timeout 300s"
        scheduler = self._start("scheduler", "scheduler", *options.split())
        _wait_for_port(port, scheduler, "dask scheduler", 60)
        for i in range(workers):
            options = (
                "--nworkers 1 --nthreads 1 --no-nanny --no-dashboard --host 127.0.0.1 "
                f"--death-timeout 30s --name w{i} --local-directory {self.folder / 'scratch'}"
            )
            self.workers.append(self._start(f"worker{i}", "worker", self.address, *options.split()))

    def stop(self) -> None:
        # workers before the scheduler: a worker losing its scheduler while it closes can hang
        for proc in [*self.workers, *(p for p in self.procs if p not in self.workers)]:
            if proc.poll() is None:
                proc.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(10)
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(tmp_path)
    try:
        running.start(workers=2)
        with distributed.Client(running.address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield running
    finally:
        running.stop()


def build_corpus(db: Path) -> int:
    """The demo site's articles, with author, date and site, as crawl would store them."""
    init_corpus(db)
    records = []
    for copy in range(COPIES):
        for a in load_articles():
            published = a.published.date() if isinstance(a.published, dt.datetime) else a.published
            record = DocumentRecord(
                text=a.body + ("" if copy == 0 else f"\n\n(Copy {copy}.)"),
                url=f"https://demo.example/{copy}/{a.slug}",
                title=a.title,
                author=a.author,
                sitename=a.outlet,
                published_at=published,
            )
            set_language(record)
            records.append(record)
    with connect(db) as con:
        con.execute("DELETE FROM documents")
        write_documents(con, records)
    return len(records)


def rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            name: con.execute(f"SELECT {cols} FROM {name} ORDER BY ALL").fetchall()
            for name, cols in TABLES.items()
        }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[Any]]]:
    """An untagged corpus, and its rows after single-process tagging (`tag --workers 1`)."""
    folder = tmp_path_factory.mktemp("corpus")
    untagged = folder / "untagged.duckdb"
    build_corpus(untagged)
    single = folder / "single.duckdb"
    shutil.copy(untagged, single)
    report = tagging.tag_corpus(single, workers=1)
    assert report.stances > 0 and report.quotes > 0  # the comparison compares something
    return untagged, rows(single)


def test_cluster_tagging_gives_the_rows_of_single_process_tagging(
    corpus: tuple[Path, dict[str, list[Any]]],
    dask_cluster: Cluster,
    db: Path,
    mm: Callable[..., Result],
) -> None:
    untagged, expected = corpus
    shutil.copy(untagged, db)
    result = mm("tag", "--cluster", dask_cluster.address)
    assert result.exit_code == 0, result.output
    assert rows(db) == expected
    again = mm("tag", "--cluster", dask_cluster.address)
    assert "Tagged 0 documents" in again.output  # nothing is out of date


def test_cluster_tagging_writes_a_lake_with_the_same_rows(
    corpus: tuple[Path, dict[str, list[Any]]], dask_cluster: Cluster, tmp_path: Path
) -> None:
    """The issue's setting: workers tag, the client writes the results into a DuckLake lake."""
    untagged, expected = corpus
    lake = f"ducklake:sqlite:{tmp_path / 'catalog.sqlite'}"
    mm_lake = CliRunner()
    for args in (
        ["lake", "init", "--data-path", str(tmp_path / "data")],
        ["lake", "import", str(untagged)],
        ["tag", "--cluster", dask_cluster.address],
    ):
        result = mm_lake.invoke(cli, ["--db", lake, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    back = tmp_path / "back.duckdb"
    result = mm_lake.invoke(cli, ["--db", lake, "lake", "export", str(back)])
    assert result.exit_code == 0, result.output
    # a lake starts with the two seed documents, which the test corpus has not: leave them out
    got = rows(back)
    ids = {row[0] for row in expected["documents"]}
    for name, want in expected.items():
        if name == "actors":  # the seeds may add discovered actors
            assert all(row in got[name] for row in want)
        else:
            assert [row for row in got[name] if row[0] in ids] == want, name


def test_a_worker_killed_mid_run_has_its_batch_redone(
    corpus: tuple[Path, dict[str, list[Any]]],
    dask_cluster: Cluster,
    db: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    untagged, expected = corpus
    shutil.copy(untagged, db)
    monkeypatch.setattr(cluster, "BATCH", 2)  # many small tasks: the kill lands mid-run
    monkeypatch.setattr(cluster, "WRITE_BATCH", 4)
    written: Counter[str] = Counter()
    real_write = tagging.write_results

    def write_results(db: Path, results: list[Any], version: str) -> None:
        written.update(r.doc_id for r in results)
        real_write(db, results, version)

    monkeypatch.setattr(tagging, "write_results", write_results)
    victim = dask_cluster.workers[0]
    killed: list[int] = []  # tasks the victim was running when killed
    with distributed.Client(dask_cluster.address, timeout=30) as watcher:
        names = {w["name"]: a for a, w in watcher.scheduler_info()["workers"].items()}
        address = names["w0"]

        def advance(n: int) -> None:
            if killed or victim.poll() is not None:
                return
            # kill it while it holds a batch, after some documents are written
            for _ in range(200):
                running = watcher.processing(workers=[address]).get(address, ())
                if running:
                    os.kill(victim.pid, signal.SIGKILL)
                    victim.wait()
                    killed.append(len(running))
                    return
                time.sleep(0.05)

        report = tagging.tag_corpus(db, cluster=dask_cluster.address, advance=advance)
    assert killed and killed[0] >= 1
    documents = len(expected["documents"])
    assert report.documents == documents
    assert set(written.values()) == {1} and len(written) == documents  # each written once
    assert rows(db) == expected


def test_a_scheduler_lost_mid_run_is_one_line_and_keeps_what_was_written(
    corpus: tuple[Path, dict[str, list[Any]]],
    dask_cluster: Cluster,
    db: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    untagged, expected = corpus
    shutil.copy(untagged, db)
    monkeypatch.setattr(cluster, "BATCH", 2)
    monkeypatch.setattr(cluster, "WRITE_BATCH", 4)
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 2.0)  # how long the client tries to reconnect
    scheduler = dask_cluster.procs[0]

    def advance(n: int) -> None:
        if scheduler.poll() is None:
            os.kill(scheduler.pid, signal.SIGKILL)
            scheduler.wait()

    with pytest.raises(cluster.ClusterError, match=r"^lost the Dask scheduler during the run"):
        tagging.tag_corpus(db, cluster=dask_cluster.address, advance=advance)
    found = rows(db)
    tagged = {doc_id for doc_id, version, _ in found["documents"] if version}
    assert 0 < len(tagged) < len(expected["documents"])
    for name in ("mentions", "quotes", "stances"):  # the written documents are complete
        assert found[name] == [row for row in expected[name] if row[0] in tagged]


def test_a_worker_with_another_pipeline_refuses_in_one_line(
    corpus: tuple[Path, dict[str, list[Any]]], dask_cluster: Cluster, db: Path
) -> None:
    untagged, _ = corpus
    shutil.copy(untagged, db)
    ids = tagging.pending(db, "", True).tag[:4]
    other = cluster.PipelineSpec(DEFAULT_MODEL, "0+another-mediamon")  # as an older client has
    with pytest.raises(cluster.ClusterError) as caught:
        list(cluster.results(db, ids, dask_cluster.address, other))
    message = str(caught.value)
    assert f"has pipeline {version(DEFAULT_MODEL)}, the client 0+another-mediamon" in message
    assert "install the same mediamon" in message and "\n" not in message


def test_the_files_a_user_names_reach_the_workers_as_the_same_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from mediamon import config

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "worker-tmp"))  # the worker's /tmp

    mine = tmp_path / "mine"
    mine.mkdir()
    actors = mine / "my-actors.toml"
    stance = mine / "my-stance.toml"
    actors.write_bytes(config.path("actors.toml").read_bytes() + b"\n# mine\n")
    text = config.path("stance.toml").read_text(encoding="utf-8")
    stance.write_text(text, encoding="utf-8")
    valence_name = cluster_valence_name(stance)
    (mine / valence_name).write_bytes(config.path("valence.toml").read_bytes() + b"\n# mine\n")
    client_version = version(DEFAULT_MODEL, str(actors), str(stance))
    assert client_version != version(DEFAULT_MODEL)
    spec = cluster.spec(DEFAULT_MODEL, str(actors), str(stance), client_version)
    assert [name for name, _ in spec.beside_stance] == [valence_name]
    # what a worker on another machine does with them (written under the temporary folder)
    shipped_actors, shipped_stance = cluster._materialise(spec)
    assert shipped_actors and shipped_stance and Path(shipped_actors).parent != mine
    assert version(DEFAULT_MODEL, shipped_actors, shipped_stance) == client_version


def cluster_valence_name(stance: Path) -> str:
    from mediamon.config import stance as stance_schema

    name = stance_schema.load(stance).options.valence_file
    assert name
    return name


def test_an_unreachable_scheduler_is_one_line(
    tmp_path: Path, db: Path, mm: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1.0)
    init_corpus(db)
    with connect(db) as con:
        record = DocumentRecord(
            text="Meta said it will encrypt Messenger.", url="https://x.example/"
        )
        set_language(record)
        write_documents(con, [record])
    address = f"tcp://127.0.0.1:{free_port()}"
    result = mm("tag", "--cluster", address)
    assert result.exit_code == 1
    message = result.output.strip()
    assert message.startswith(f"Error: cannot reach the Dask scheduler at {address}: ")
    assert message.endswith("start one with `dask scheduler` or fix --cluster")
    assert "\n" not in message


def test_a_scheduler_without_workers_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "WORKER_TIMEOUT", 1.0)
    lonely = Cluster(tmp_path)
    try:
        lonely.start(workers=0)
        with pytest.raises(cluster.ClusterError) as caught:
            cluster.connect(lonely.address)
    finally:
        lonely.stop()
    assert str(caught.value) == (
        f"the Dask scheduler at {lonely.address} has no workers after 1s; "
        f"start some with `dask worker {lonely.address}`"
    )


def test_cluster_and_workers_together_is_a_usage_error(mm: Callable[..., Result]) -> None:
    result = mm("tag", "--cluster", "tcp://127.0.0.1:1", "--workers", "2")
    assert result.exit_code == 2
    assert "--cluster and --workers do not go together" in result.output


def test_without_dask_the_message_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(cluster.ClusterError, match=r"pip install 'mediamon\[scale\]'"):
        cluster.connect("tcp://127.0.0.1:1")
