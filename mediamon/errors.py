"""Error types raised by the library; the CLI turns them into one-line messages."""


class MediamonError(Exception):
    """Base for every error a user can cause and fix.

    The message says what went wrong and how to fix it, on one line.
    """

    exit_code = 1


class CorpusNotFoundError(MediamonError):
    """The corpus file does not exist (and the command does not create it)."""


class NotACorpusError(MediamonError):
    """The file exists but is not a DuckDB database, or is one that mediamon did not create."""


class CorpusLockedError(MediamonError):
    """Another process holds the corpus for longer than we are willing to wait."""

    exit_code = 3


class SchemaError(MediamonError):
    """The corpus was written by a newer mediamon, or a migration failed."""


class QueryError(MediamonError):
    """Bad SQL, an unknown named query, a missing parameter, or a write in a read-only query."""


class InputError(MediamonError):
    """A file to ingest or a configuration file is missing or malformed."""


class ConfigError(InputError, ValueError):
    """A configuration file (or an evaluation set) is missing, unreadable or breaks its schema.

    The message is ``FILE: ENTRY: KEY: what is wrong``. It is also a ValueError, so code that
    caught the loaders' ValueErrors before the schemas still catches it. Exit status 2, as for
    click's own usage errors: the command was given something it cannot use.
    """

    exit_code = 2


class SearchError(MediamonError):
    """The search index is missing or a query has nothing to search for."""


class ExportError(MediamonError):
    """A bad export option, an unwritable file, or PNG without a browser to render it."""


class ClusterError(MediamonError):
    """`tag --cluster`: the Dask scheduler cannot be reached, has no workers, its workers run
    another pipeline, or the scale extra is not installed."""


class FrontierError(MediamonError):
    """The shared crawl frontier (Redis, `--frontier`) cannot be reached or its URL is bad."""
