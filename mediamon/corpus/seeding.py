"""Loading the two seed documents that every corpus starts with."""

from importlib import resources
from pathlib import Path

import duckdb

from mediamon.config import seeds as seeds_schema
from mediamon.config.seeds import Seed
from mediamon.corpus.connection import connect, corpus_exists
from mediamon.corpus.runs import mark_interrupted_runs
from mediamon.corpus.store import DocumentRecord, WriteResult, write_documents


def seed_records() -> list[tuple[DocumentRecord, Seed]]:
    folder = Path(str(resources.files("mediamon.corpus").joinpath("seeds")))
    out = []
    for seed in seeds_schema.load(folder / "seeds.toml").seeds:
        raw = (folder / seed.file).read_text(encoding="utf-8")
        headline, _, body = raw.partition("\n")
        record = DocumentRecord(
            text=body,
            url=seed.url,
            source_id=seed.source_id,
            title=headline,
            author=seed.author,
            sitename=seed.sitename,
            language=seed.language,
            published_at=seed.published,
            date_source=seed.date_source,
            date_precision=seed.date_precision,
        )
        out.append((record, seed))
    return out


def load_seeds(con: duckdb.DuckDBPyConnection) -> WriteResult:
    """Store the seeds; a second call finds them unchanged and writes nothing."""
    records = seed_records()
    for _, seed in records:
        # MERGE rather than ON CONFLICT: a lake has no keys to conflict on
        con.execute(
            "MERGE INTO sources USING (SELECT ? AS source_id, ? AS name, ? AS homepage) s "
            "USING (source_id) WHEN NOT MATCHED THEN INSERT (source_id, name, kind, homepage) "
            "VALUES (s.source_id, s.name, 'seed', s.homepage)",
            [seed.source_id, seed.source_name, seed.homepage],
        )
    return write_documents(con, [r for r, _ in records])


def init_corpus(path: Path) -> tuple[bool, WriteResult]:
    """Create (or upgrade) the corpus and load the seeds; safe to run again."""
    existed = corpus_exists(path)
    with connect(path, create=True) as con:
        mark_interrupted_runs(con)
        result = load_seeds(con)
    return not existed, result


def ensure_corpus(path: Path) -> None:
    """Writers call this first: a missing corpus is created and seeded, as by `init`.

    A lake is never created here (`mediamon lake init` does, with its data path): opening a
    missing one says so.
    """
    if not corpus_exists(path):
        init_corpus(path)
