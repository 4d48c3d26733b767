"""How much one ingested record or file may hold, and reads that never take more.

The crawler refuses responses over 10 MB (`DOWNLOAD_MAXSIZE`); ingest applies the same limit to a
page, and a bound on text, so a hostile file (a gzip bomb, a line of hundreds of megabytes) is
refused after reading at most a limit's worth of it, never loaded whole.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

MB = 1024 * 1024
MAX_HTML_BYTES = 10 * MB  # the crawler's DOWNLOAD_MAXSIZE: a page is a page, crawled or not
# spaCy's default nlp.max_length: `mediamon tag` could not read a longer text
MAX_TEXT_CHARS = 1_000_000
# a record carrying a whole page, with room for JSON's escapes (\" \n \uXXXX)
MAX_LINE_BYTES = 2 * MAX_HTML_BYTES
_SKIP_CHUNK = 1 * MB


@dataclass(frozen=True)
class Limits:
    """The limits in force; tests pass smaller ones to keep their hostile files small."""

    line_bytes: int = MAX_LINE_BYTES
    html_bytes: int = MAX_HTML_BYTES
    text_chars: int = MAX_TEXT_CHARS

    @property
    def file_bytes(self) -> int:
        """A whole .html or .txt file (after decompression): one page."""
        return self.html_bytes


def size_words(n: int) -> str:
    """A limit in words a reader takes in at a glance: 10 MB, 64 KB, 500 bytes."""
    if n >= MB and n % MB == 0:
        return f"{n // MB} MB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KB"
    return f"{n:,} bytes"


def read_capped(fh: IO[bytes], cap: int) -> bytes | None:
    """The whole stream if it holds at most `cap` bytes, else None (having read cap + 1)."""
    data = fh.read(cap + 1)
    return None if len(data) > cap else data


def capped_lines(fh: IO[bytes], cap: int) -> Iterator[tuple[bytes | None, int]]:
    """(line, bytes it took) for each line; the line is None when longer than `cap`.

    An over-long line is read past in chunks and dropped, so memory stays near `cap` whatever
    the file holds (a decompressed stream of zeros has no line end at all).
    """
    while True:
        raw = fh.readline(cap + 1)
        if not raw:
            return
        if len(raw) <= cap or raw.endswith(b"\n"):
            yield raw, len(raw)
            continue
        size = len(raw)
        while True:
            chunk = fh.readline(_SKIP_CHUNK)
            size += len(chunk)
            if not chunk or chunk.endswith(b"\n"):
                break
        yield None, size
