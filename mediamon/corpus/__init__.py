"""The DuckDB corpus: connection, migrations, seeds, and every read and write of its tables.

This package imports neither Scrapy nor spaCy: every stage reads and writes through it.
"""

from mediamon.corpus.connection import DEFAULT_LOCK_TIMEOUT, connect, default_db_path

__all__ = ["DEFAULT_LOCK_TIMEOUT", "connect", "default_db_path"]
