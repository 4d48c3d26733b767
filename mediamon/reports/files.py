"""Where exports go: never onto a database, always whole.

An output file is written to a temporary file in its own folder and renamed into place when
complete, so a failed export leaves the old file as it was. The corpus, its write-ahead log and
any DuckDB database (known by its header) are refused as outputs, through symlinks, hard links
and other spellings of the same path. `-` is standard output, for text formats.
"""

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from mediamon.corpus.sandbox import is_duckdb_file
from mediamon.errors import ExportError

logger = logging.getLogger(__name__)

STDOUT = "-"


def is_stdout(path: Path | str) -> bool:
    return str(path) == STDOUT


def format_of(
    path: Path, fmt: str | None, choices: tuple[str, ...], stdout_formats: tuple[str, ...]
) -> str:
    """The format asked for, else the one the file name says; never a guess.

    `-` (standard output) takes the first of stdout_formats unless --format says otherwise.
    """
    names = ", ".join(choices)
    if fmt is None:
        if is_stdout(path):
            fmt = stdout_formats[0]
        else:
            fmt = path.suffix.lower().lstrip(".")
            if fmt not in choices:
                dotted = ", ".join(f".{c}" for c in choices)
                raise ExportError(
                    f"cannot tell the format of {path} from its name: give --format ({names}) "
                    f"or a file name ending in {dotted}"
                )
    if fmt not in choices:
        raise ExportError(f"--format must be one of {names}, not {fmt!r}")
    if is_stdout(path) and fmt not in stdout_formats:
        raise ExportError(f"{fmt} is not text: write it to a file with -o FILE.{fmt}, not -o -")
    return fmt


def check_target(path: Path, corpus: Path | None) -> None:
    """Refuse an output path that would overwrite a database; say what to do instead."""
    if is_stdout(path):
        return
    if path.is_dir():
        raise ExportError(f"{path} is a directory; give a file name with -o")
    final = path.resolve()
    if not final.parent.is_dir():
        raise ExportError(f"folder {path.parent} does not exist; create it or choose another -o")
    if corpus is not None:
        base = corpus.resolve()
        for protected, what in ((base, "the corpus"), (_wal(base), "the corpus's log")):
            if final == protected or _same_file(final, protected):
                raise ExportError(
                    f"{path} is {what} ({protected.name}); mediamon never writes an export "
                    "over it: choose another -o"
                )
    if is_duckdb_file(final):
        raise ExportError(
            f"{path} is a DuckDB database; mediamon never writes an export over one: "
            "choose another -o"
        )
    if final.name.endswith(".wal") and is_duckdb_file(final.with_name(final.name[:-4])):
        raise ExportError(
            f"{path} is the log of the DuckDB database {final.name[:-4]}; mediamon never writes "
            "an export over it: choose another -o"
        )


def _wal(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


@contextlib.contextmanager
def output(
    path: Path, corpus: Path | None = None, stream: BinaryIO | None = None
) -> Iterator[BinaryIO]:
    """A binary file to write the export to; on success it replaces path in one rename.

    path `-` writes to stream (standard output, given by the CLI). On any error the temporary
    file is removed and the old file at path, if any, is left as it was.
    """
    if is_stdout(path):
        if stream is None:
            raise ExportError("nowhere to write: -o - needs standard output")
        yield stream
        stream.flush()
        return
    check_target(path, corpus)
    final = path.resolve()  # through a symlink: the file it points to is replaced
    try:
        handle, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
    except OSError as exc:
        raise ExportError(
            f"cannot write in {path.parent}: {exc.strerror or exc}; choose another -o"
        ) from None
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temporary, _mode_for(final))
        os.replace(temporary, final)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        kept = "; the old file is unchanged" if final.exists() else ""
        raise ExportError(f"could not write {path}: {exc.strerror or exc}{kept}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    logger.debug("wrote %s", final)


def write_bytes(
    path: Path, data: bytes, corpus: Path | None = None, stream: BinaryIO | None = None
) -> None:
    with output(path, corpus, stream) as fh:
        fh.write(data)


def _mode_for(final: Path) -> int:
    """The old file's permissions, or what a new file gets under the umask."""
    try:
        return final.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
