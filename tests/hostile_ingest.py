"""Hostile ingest lines, and files that mix them at random among good records.

Each kind makes one JSONL line (bytes, no line end) that ingest must refuse with a reason, at
the limits in force; `mixed_lines` puts them at random positions among good records whose
(url, text) are unique, so "exactly the good records, once" can be checked.
"""

import gzip
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mediamon.documents.limits import Limits

WORDS = [
    "harbour",
    "council",
    "encryption",
    "messenger",
    "report",
    "ministry",
    "regulator",
    "letter",
    "scanning",
    "safety",
    "platform",
    "children",
    "privacy",
    "warrant",
    "lawful",
    "access",
    "tipline",
    "court",
    "hearing",
    "vote",
    "draft",
]
BAD_SOURCES = ["Bad Source ID!", "-leading-dash", "a" * 64, "Ünïcode", "under_score", "sp ace"]


def _json(record: object) -> bytes:
    return json.dumps(record).encode("utf-8")


def _sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def markup_url(rng: random.Random, limits: Limits) -> bytes:
    return _json({"url": rng.choice(["[/x]", "[bold]x[/bold]", "[/]"]), "text": "a"})


def deep_nesting(rng: random.Random, limits: Limits) -> bytes:
    # beyond the decoder's recursion limit, but inside the line limit
    depth = min(100_000, max(3_000, limits.line_bytes // 2 - 100))
    depth = rng.randint(3_000, depth)
    open_, close = rng.choice([("[", "]"), ('{"a":', "}")])
    return b'{"url": "https://deep.example/x", "text": "t", "x": ' + (
        (open_ * depth + "1" + close * depth).encode() + b"}"
    )


def long_number(rng: random.Random, limits: Limits) -> bytes:
    digits = "9" * rng.randint(4_301, 6_000)
    where = rng.choice(["published", "extra", "text"])
    return f'{{"url": "https://num.example/x", "text": "t", "{where}": {digits}}}'.encode()


def long_line(rng: random.Random, limits: Limits) -> bytes:
    size = rng.choice(
        [limits.line_bytes + 1, rng.randint(limits.line_bytes, 3 * limits.line_bytes)]
    )
    size = max(size, limits.line_bytes + 1)
    head = b'{"url": "https://long.example/x", "text": "'
    return head + b"w" * max(0, size - len(head) - 2) + b'"}'


def long_text(rng: random.Random, limits: Limits) -> bytes:
    text = "x" * (limits.text_chars + rng.randint(1, 50))
    return _json({"url": "https://longtext.example/x", "text": text})


def big_html(rng: random.Random, limits: Limits) -> bytes:
    para = "<p>" + _sentence(rng, 20) + "</p>"
    html = "<html><body>" + para * (limits.html_bytes // len(para) + 2) + "</body></html>"
    return _json({"url": "https://bightml.example/x", "html": html})


def bad_source(rng: random.Random, limits: Limits) -> bytes:
    return _json({"url": "https://src.example/x", "text": "t", "source": rng.choice(BAD_SOURCES)})


def lone_surrogate(rng: random.Random, limits: Limits) -> bytes:
    key = rng.choice(["text", "title", "author", "sitename", "language", "url", "source"])
    record = {"url": "https://sur.example/x", "text": "words", key: "before \ud800 after"}
    if key == "url":
        record["url"] = "https://sur.example/\udfff"
    return json.dumps(record).encode("ascii")  # ensure_ascii writes the escape, as exports do


def broken_json(rng: random.Random, limits: Limits) -> bytes:
    return rng.choice([b'{"url": "https://x.example/1", "title": ', b"{'single': 'quotes'}", b"}"])


def not_utf8(rng: random.Random, limits: Limits) -> bytes:
    return b'{"url": "https://enc.example/x", "text": "caf\xe9 \xff"}'


def not_object(rng: random.Random, limits: Limits) -> bytes:
    return rng.choice([b"[1, 2]", b"42", b'"text"', b"null", b"true"])


def bad_url(rng: random.Random, limits: Limits) -> bytes:
    url = rng.choice(["http://[::1/x", "ftp://files.example/a", "javascript:alert(1)", "//x"])
    return _json({"url": url, "text": "t"})


def bad_date(rng: random.Random, limits: Limits) -> bytes:
    date = rng.choice(["next tuesday", "2999-01-01", "1850-05-05", "2021-13-45", 10**40, True])
    return _json({"url": "https://date.example/x", "text": "t", "published": date})


def no_body(rng: random.Random, limits: Limits) -> bytes:
    return _json({"url": "https://empty.example/x", "title": "only a title", "text": "  "})


def wrong_type(rng: random.Random, limits: Limits) -> bytes:
    key = rng.choice(["title", "text", "author", "url"])
    return _json({"url": "https://type.example/x", "text": "t", key: rng.choice([42, [1], {}])})


KINDS: dict[str, Callable[[random.Random, Limits], bytes]] = {
    f.__name__: f
    for f in (
        markup_url,
        deep_nesting,
        long_number,
        long_line,
        long_text,
        big_html,
        bad_source,
        lone_surrogate,
        broken_json,
        not_utf8,
        not_object,
        bad_url,
        bad_date,
        no_body,
        wrong_type,
    )
}


def good_record(rng: random.Random, tag: str, i: int, limits: Limits) -> dict[str, object]:
    """A record ingest must store: unique url and text, and odd but valid content."""
    text = f"{tag} record {i}: " + _sentence(rng, rng.randint(3, 40))
    text += rng.choice(
        ["", " [/x] [bold]not markup[/bold]", " caf\u00e9 \u2014 \U0001f510", "\x00"]
    )
    record: dict[str, object] = {"text": text}
    if rng.random() < 0.85:
        record["url"] = f"https://good.example/{tag}/{i}?utm_source=feed"
    if rng.random() < 0.5:
        record["title"] = rng.choice(["[/x]", "A title", "Ünïcode title"])
    if rng.random() < 0.3:
        record["published"] = rng.choice(["2019-10-04", "2021-05", "2020", "2022-03-04T09:00:00Z"])
    if rng.random() < 0.3:
        record["source"] = tag
    if rng.random() < 0.2:
        record["extra"] = {"nested": [1, 2, {"deep": "x" * rng.randint(0, 200)}]}
    line = _json(record)
    if rng.random() < 0.1:
        # exactly at the line limit: refused one byte later, so this one must go in
        pad = limits.line_bytes - len(line) - len(', "pad": ""')
        if 0 <= pad <= 2 * 1024 * 1024:
            record["pad"] = "p" * pad
    return record


@dataclass
class Mixed:
    lines: list[bytes] = field(default_factory=list)
    good: set[tuple[str | None, str]] = field(default_factory=set)  # (url, text) to be stored
    bad: dict[int, str] = field(default_factory=dict)  # line number -> kind

    @property
    def data(self) -> bytes:
        return b"".join(line + b"\n" for line in self.lines)


def mixed_lines(rng: random.Random, tag: str, limits: Limits, n_good: int, n_bad: int) -> Mixed:
    """Good records and hostile lines (every kind at least once when n_bad allows) shuffled."""
    kinds = rng.sample(list(KINDS), len(KINDS))
    chosen = (kinds * (n_bad // len(kinds) + 1))[:n_bad]
    entries: list[tuple[str | None, bytes, dict[str, object] | None]] = [
        (kind, KINDS[kind](rng, limits), None) for kind in chosen
    ]
    for i in range(n_good):
        record = good_record(rng, tag, i, limits)
        entries.append((None, _json(record), record))
    rng.shuffle(entries)
    mixed = Mixed()
    for kind, line, record in entries:
        if rng.random() < 0.1:
            mixed.lines.append(rng.choice([b"", b"   ", b"\t"]))  # blank lines are no records
        mixed.lines.append(line)
        number = len(mixed.lines)
        if kind is not None:
            mixed.bad[number] = kind
        else:
            assert record is not None
            url = record.get("url")
            mixed.good.add((str(url) if url else None, str(record["text"]).strip()))
    return mixed


def hostile_files(rng: random.Random, folder: Path, limits: Limits) -> dict[str, str]:
    """Whole files ingest must refuse, a random few of them: name -> words of the reason."""
    made: dict[str, str] = {}
    if rng.random() < 0.5:
        with gzip.open(folder / "bomb.html.gz", "wb") as fh:
            fh.write(bytes(limits.file_bytes + rng.randint(1, 4096)))
        made["bomb.html.gz"] = "once decompressed, the limit for one page"
    if rng.random() < 0.5:
        (folder / "big.txt").write_text("Title\n" + "w" * limits.text_chars + "ww", "utf-8")
        made["big.txt"] = "over the limit of"
    if rng.random() < 0.5:
        (folder / "plain.jsonl.gz").write_bytes(b'{"text": "not compressed"}\n')
        made["plain.jsonl.gz"] = "the compressed data is corrupt"
    if rng.random() < 0.5:
        (folder / "empty.txt").write_text("Only a title\n", "utf-8")
        made["empty.txt"] = "needs a title line and a body"
    if rng.random() < 0.3:
        (folder / "gone.jsonl").symlink_to(folder / "nowhere.jsonl")
        made["gone.jsonl"] = "broken symbolic link"
    return made
