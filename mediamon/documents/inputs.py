"""The files ingest reads: finding them (walking folders) and reading them into records.

Whatever cannot be read is reported, never skipped silently: a folder that cannot be listed, a
broken link, a FIFO or socket named like an input, a file without read permission, a corrupt
or oversized compressed stream. Reads are bounded by `limits.Limits`.
"""

import contextlib
import datetime as dt
import gzip
import logging
import os
import stat
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from mediamon.documents.limits import Limits, capped_lines, read_capped, size_words
from mediamon.documents.records import Item, Problem, parse_json_line, record_to_item
from mediamon.errors import InputError

logger = logging.getLogger(__name__)

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
HTML_SUFFIXES = (".html", ".htm")
TEXT_SUFFIXES = (".txt",)
_READ_ERRORS = (OSError, EOFError, zlib.error)  # gzip.BadGzipFile is an OSError


@dataclass
class Plan:
    files: list[Path] = field(default_factory=list)
    total_bytes: int = 0
    problems: list[Problem] = field(default_factory=list)  # what the walk had to skip


def kind_of(path: Path) -> str | None:
    name = path.name.lower().removesuffix(".gz")
    for kind, suffixes in (
        ("jsonl", JSONL_SUFFIXES),
        ("html", HTML_SUFFIXES),
        ("text", TEXT_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return kind
    return None


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _advice(exc: OSError) -> str:
    return "check its permissions" if isinstance(exc, PermissionError) else "check the disk"


def _not_regular(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "a special file"


def _file_problem(path: Path) -> str | None:
    """Why an input-named entry cannot be read, or None when it can."""
    try:
        st = path.stat()
    except OSError as exc:
        if path.is_symlink():
            return f"broken symbolic link ({_reason(exc)}); fix or remove the link"
        return f"cannot read ({_reason(exc)})"
    if not stat.S_ISREG(st.st_mode):
        return f"{_not_regular(st.st_mode)}, not a regular file"
    if not os.access(path, os.R_OK):
        return "cannot read (permission denied); check its permissions"
    return None


def _walk(top: Path, result: Plan) -> list[Path]:
    """Input files under `top`, following links to folders once; every skip is a Problem."""
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            if (st.st_dev, st.st_ino) in seen:
                result.problems.append(
                    Problem(str(folder), None, "a folder already read (linked twice, or a loop)")
                )
                continue
            seen.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            if folder == top:
                raise InputError(
                    f"cannot read folder {top} ({_reason(exc)}); {_advice(exc)}"
                ) from None
            result.problems.append(
                Problem(
                    str(folder),
                    None,
                    f"cannot read this folder ({_reason(exc)}); {_advice(exc)}",
                )
            )
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()  # follows links: a linked folder is read too
            except OSError:
                is_dir = False
            if is_dir:
                stack.append(path)
            elif kind_of(path) is not None:
                problem = _file_problem(path)
                if problem:
                    result.problems.append(Problem(str(path), None, problem))
                else:
                    found.append(path)
    return sorted(found)


def plan(paths: list[Path]) -> Plan:
    """Expand directories and check every path before anything is read."""
    result = Plan()
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise InputError(f"no such file or directory: {path}; check the path and try again")
        if path.is_dir():
            before = len(result.problems)
            found = _walk(path, result)
            if not found:
                skipped = result.problems[before:]
                why = f" that can be read ({len(skipped)} skipped, first: {skipped[0]})"
                raise InputError(
                    f"{path} holds no .jsonl, .html or .txt files"
                    f"{why if skipped else ''}; point ingest at those files"
                )
            result.files.extend(found)
        elif kind_of(path) is None:
            raise InputError(
                f"{path}: unknown file type; ingest takes .jsonl, .html/.htm and .txt "
                "(optionally .gz)"
            )
        else:
            problem = _file_problem(path)
            if problem:
                # named on the command line: the user meant it, so stop before anything
                raise InputError(f"{path}: {problem}")
            result.files.append(path)
    result.total_bytes = sum(_size(p) for p in result.files)
    return result


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # gone since the walk: reading it will say so


def _open(path: Path) -> IO[bytes]:
    if path.name.lower().endswith(".gz"):
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "the compressed file is cut short"
    if isinstance(exc, zlib.error | gzip.BadGzipFile):
        return f"the compressed data is corrupt ({exc})"
    if isinstance(exc, OSError):
        return _reason(exc)
    return str(exc)


def _item_or_problem(
    path: Path, number: int | None, make: Callable[..., Item], *args: Any
) -> Item | Problem:
    try:
        return make(*args)
    except (ValueError, RecursionError) as exc:
        return Problem(str(path), number, str(exc))
    except Exception as exc:  # a record must never stop the others; say what it did
        logger.debug("record %s:%s", path, number, exc_info=True)
        return Problem(str(path), number, f"cannot be stored ({type(exc).__name__}: {exc})")


def _read_jsonl(
    path: Path,
    source_id: str,
    now: dt.datetime,
    advance: Callable[[int], None],
    limits: Limits,
) -> Iterator[Item | Problem]:
    number = 0
    try:
        with _open(path) as fh:
            for number, (raw, size) in enumerate(capped_lines(fh, limits.line_bytes), start=1):
                advance(size)
                if raw is None:
                    yield Problem(
                        str(path),
                        number,
                        f"line is {size:,} bytes, over the limit of "
                        f"{size_words(limits.line_bytes)} for one record; split it",
                    )
                    continue
                if not raw.strip():
                    continue
                yield _item_or_problem(
                    path, number, _jsonl_item, raw, number == 1, source_id, now, limits
                )
    except _READ_ERRORS as exc:
        where = f" after line {number}" if number else ""
        yield Problem(str(path), None, f"cannot read{where}: {_describe(exc)}")


def _jsonl_item(raw: bytes, first: bool, source_id: str, now: dt.datetime, limits: Limits) -> Item:
    return record_to_item(parse_json_line(raw, first), source_id, now, limits)


def _read_file(
    path: Path, kind: str, source_id: str, now: dt.datetime, limits: Limits
) -> Item | Problem:
    try:
        with _open(path) as fh:
            data = read_capped(fh, limits.file_bytes)
    except _READ_ERRORS as exc:
        return Problem(str(path), None, f"cannot read: {_describe(exc)}")
    if data is None:
        unpacked = " once decompressed" if path.name.lower().endswith(".gz") else ""
        return Problem(
            str(path),
            None,
            f"over {size_words(limits.file_bytes)}{unpacked}, the limit for one page "
            "(as for crawled pages)",
        )
    if kind == "html":
        from mediamon.documents.extract import decode_html

        def html_item() -> Item:
            try:
                return record_to_item({"html": decode_html(data)}, source_id, now, limits)
            except ValueError as exc:
                raise ValueError(f"{exc}; is it an article page?") from None

        return _item_or_problem(path, None, html_item)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Problem(
            str(path), None, f"not UTF-8 ({exc.reason} at byte {exc.start}); convert it first"
        )
    title, _, body = text.partition("\n")
    if not body.strip():
        return Problem(str(path), None, "empty: a .txt file needs a title line and a body")
    return _item_or_problem(
        path, None, record_to_item, {"title": title, "text": body}, source_id, now, limits
    )


def read(
    files: list[Path],
    source_id: str = "ingest",
    advance: Callable[[int], None] | None = None,
    limits: Limits | None = None,
) -> Iterator[Item | Problem]:
    """Items and problems from the files, in order."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    step = advance or (lambda n: None)
    limits = limits or Limits()
    for path in files:
        kind = kind_of(path)
        if kind == "jsonl":
            yield from _read_jsonl(path, source_id, now, step, limits)
        elif kind in ("html", "text"):
            yield _read_file(path, kind, source_id, now, limits)
            with contextlib.suppress(OSError):  # gone since: only the progress bar misses it
                step(path.stat().st_size)
