"""Reading and writing the detected language of stored documents (documents.language decides)."""

from pathlib import Path
from typing import Any

import pyarrow as pa

from mediamon.corpus.arrow import view
from mediamon.corpus.connection import connect

# doc_id, language, language_source, language_confidence, language_declared
LanguageRow = tuple[str, str | None, str, float | None, str | None]

_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("language", pa.string()),
        ("language_source", pa.string()),
        ("language_confidence", pa.float64()),
        ("language_declared", pa.string()),
    ]
)


def undetected(db: Path, after: str, limit: int) -> list[tuple[Any, ...]]:
    """(doc_id, text, declared language) of documents whose language was never detected, in
    doc_id order after `after`. The declaration is language_declared, or `language` for rows
    written by a path that stores the declared language there (seeds, older versions)."""
    with connect(db, read_only=True) as con:
        return con.execute(
            "SELECT doc_id, text, coalesce(language_declared, language) FROM documents "
            "WHERE language_source IS NULL AND doc_id > ? ORDER BY doc_id LIMIT ?",
            [after, limit],
        ).fetchall()


def write_languages(db: Path, rows: list[LanguageRow]) -> None:
    """Store detected languages in one transaction."""
    if not rows:
        return
    table = pa.Table.from_pylist([dict(zip(_SCHEMA.names, r, strict=True)) for r in rows], _SCHEMA)
    with connect(db) as con, view(con, "mm_languages", table):
        con.execute(
            "UPDATE documents d SET language = l.language, language_source = l.language_source, "
            "language_confidence = l.language_confidence, "
            "language_declared = coalesce(d.language_declared, l.language_declared) "
            "FROM mm_languages l WHERE d.doc_id = l.doc_id"
        )
