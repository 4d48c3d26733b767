"""The DuckDB corpus: connection, migrations, seeds, writes and reads.

This package imports neither Scrapy nor spaCy: every stage writes through it.
"""

from mediamon.corpus.connection import DEFAULT_LOCK_TIMEOUT, connect, default_db_path
from mediamon.corpus.errors import (
    CorpusLockedError,
    CorpusNotFoundError,
    InputError,
    MediamonError,
    NotACorpusError,
    QueryError,
    SchemaError,
)

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "CorpusLockedError",
    "CorpusNotFoundError",
    "InputError",
    "MediamonError",
    "NotACorpusError",
    "QueryError",
    "SchemaError",
    "connect",
    "default_db_path",
]
