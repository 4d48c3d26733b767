"""Decode raw page bytes into text the way a browser would, but forgiving wrong declarations.

Order (after the WHATWG encoding-sniffing algorithm): byte-order mark, the charset of the HTTP
``Content-Type`` header, a ``<meta charset>`` / ``http-equiv`` declaration near the start of the
document, then detection. Declarations are checked against the bytes: a page that says
ISO-8859-1 but is valid UTF-8 with non-ASCII characters is UTF-8 (a real Latin-1 text is
practically never valid UTF-8), and a page that says UTF-8 but is not is sent to detection.
"""

from __future__ import annotations

import codecs
import logging
import re

logger = logging.getLogger(__name__)

__all__ = ["decode_html", "detect_charset", "normalise_charset"]

# Labels that browsers map to a different (superset) decoder than Python's codec of that name.
_WHATWG_ALIASES = {
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "windows-1252": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "big5": "big5hkscs",
    "x-user-defined": "cp1252",
    # A meta tag cannot truthfully declare UTF-16 (the parser already read it as ASCII).
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
    "unicode": "utf-8",
    "utf8": "utf-8",
}

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_HEADER_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([\w.:()-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:()-]+)""", re.IGNORECASE)
# Browsers look at the first 1024 bytes; real pages often declare later, so look a bit further.
_PRESCAN_BYTES = 4096
_DETECT_BYTES = 20000


def normalise_charset(label: str | bytes | None) -> str | None:
    """Map a declared charset label to a Python codec name, or None if unknown."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    name = label.strip().strip("\"'").lower()
    name = _WHATWG_ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # codecs.lookup gives canonical names like "iso8859-1": apply the browser mapping again.
    return _WHATWG_ALIASES.get(codec, codec)


def _declared_in_document(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:_PRESCAN_BYTES])
    if match is None:
        # XML declaration (XHTML served as such).
        head = body[:200]
        if head.startswith(b"<?xml"):
            xml = re.search(rb"""encoding\s*=\s*["']([\w.:-]+)""", head)
            return normalise_charset(xml.group(1)) if xml else None
        return None
    return normalise_charset(match.group(1))


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as err:
        # A multi-byte character cut by a size cap at the very end is still UTF-8, if the
        # text before it has UTF-8 characters of its own.
        return (
            err.start >= len(body) - 3
            and err.reason == "unexpected end of data"
            and not body[: err.start].isascii()
        )
    return True


_ASCII = bytes(range(128))


def _detect(body: bytes) -> str:
    """Best guess for undeclared or wrongly declared bytes (Windows-1252, like browsers in
    Western locales, when there is too little to go on)."""
    if _is_utf8(body):
        return "utf-8"
    sample = body[:_DETECT_BYTES]
    if len(sample.translate(None, _ASCII)) < 16:
        return "cp1252"
    try:
        from charset_normalizer import from_bytes  # installed with trafilatura
    except ImportError:  # pragma: no cover - trafilatura always brings it
        return "cp1252"
    best = from_bytes(sample).best()
    codec = normalise_charset(best.encoding) if best is not None else None
    # UTF-16/32 without a byte-order mark is not something a browser would guess.
    if codec is None or codec.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
        return "cp1252"
    return codec


def detect_charset(body: bytes, content_type_header: str | None = None) -> tuple[str, str]:
    """Return ``(codec, how)`` for the bytes, ``how`` being bom/header/meta/detected."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec, "bom"
    candidates: list[tuple[str, str]] = []
    if content_type_header:
        match = _HEADER_CHARSET.search(content_type_header.encode("latin-1", "ignore"))
        header = normalise_charset(match.group(1)) if match else None
        if header:
            candidates.append((header, "header"))
    meta = _declared_in_document(body)
    if meta:
        candidates.append((meta, "meta"))
    ascii_only = body.isascii()
    for codec, how in candidates:
        if ascii_only and codecs.lookup(codec).name in ("utf-8", "cp1252"):
            return codec, how
        if codec == "utf-8":
            if _is_utf8(body):
                return codec, how
            logger.debug("declared utf-8 (%s) but bytes are not; detecting", how)
            continue
        # A single-byte or legacy declaration on bytes that are valid UTF-8: the page is UTF-8.
        if not ascii_only and _is_utf8(body):
            logger.debug("declared %s (%s) but bytes are UTF-8", codec, how)
            return "utf-8", "detected"
        return codec, how
    return _detect(body), "detected"


def decode_html(body: bytes, content_type_header: str | None = None) -> str:
    """Decode page bytes to text; never raises (undecodable bytes become U+FFFD)."""
    if not body:
        return ""
    if isinstance(body, str):  # tolerate callers passing text already
        return body
    codec, how = detect_charset(body, content_type_header)
    if how == "bom":
        body = body[len(codecs.BOM_UTF8) if codec == "utf-8" else 2 :]
    try:
        return body.decode(codec, errors="replace")
    except (LookupError, UnicodeError):  # pragma: no cover - normalise_charset vetted the codec
        return body.decode("utf-8", errors="replace")
