"""Sources as data: the `[[sources]]` entries of a sources TOML file, validated.

Every mistake names the file, the source and the key, so a researcher can fix it without
reading code.
"""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mediamon.errors import InputError

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    max_depth: int = 2
    article_pattern: str | None = None
    urls: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    topic_filter: bool = True
    allow_private: bool = False
    delay: float = 1.0
    concurrency: int = 2

    @property
    def strategies(self) -> list[str]:
        """The crawl strategies this source configures, in the order they run."""
        found = []
        for name, values in (
            ("feeds", self.feeds),
            ("sitemaps", self.sitemaps),
            ("site", self.start_urls),
            ("urls", self.urls),
        ):
            if values:
                found.append(name)
        return found

    @property
    def entry_urls(self) -> tuple[str, ...]:
        return self.feeds + self.sitemaps + self.start_urls + self.urls

    @property
    def domains(self) -> tuple[str, ...]:
        """allowed_domains, or the hosts of the entry URLs when none are given."""
        if self.allowed_domains:
            return self.allowed_domains
        hosts = {urlsplit(u).hostname for u in self.entry_urls}
        return tuple(sorted(h for h in hosts if h))


# key -> (type check, description for the error message)
_LIST = "a list of URLs"
_SCHEMA: dict[str, tuple[type | tuple[type, ...], str]] = {
    "id": (str, "a string"),
    "name": (str, "a string"),
    "feeds": (list, _LIST),
    "sitemaps": (list, _LIST),
    "start_urls": (list, _LIST),
    "max_depth": (int, "a whole number"),
    "article_pattern": (str, "a regular expression string"),
    "urls": (list, _LIST),
    "allowed_domains": (list, "a list of host names"),
    "topic_filter": (bool, "true or false"),
    "allow_private": (bool, "true or false"),
    "delay": ((int, float), "a number of seconds"),
    "concurrency": (int, "a whole number"),
}


def _fail(path: Path, where: str, message: str) -> InputError:
    return InputError(f"{path}: {where}: {message}")


def _check_url(path: Path, where: str, key: str, url: Any) -> str:
    if not isinstance(url, str):
        raise _fail(path, where, f"{key} must be {_LIST}, found {url!r}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _fail(path, where, f"{key} has {url!r}, which is not an http(s) URL")
    return url.strip()


def parse_source(raw: Any, path: Path, index: int) -> Source:
    if not isinstance(raw, dict):
        raise _fail(path, f"sources[{index}]", "each [[sources]] entry must be a table")
    sid = raw.get("id")
    where = f"source {sid!r}" if isinstance(sid, str) else f"sources[{index}]"
    unknown = sorted(set(raw) - set(_SCHEMA))
    if unknown:
        raise _fail(path, where, f"unknown key {unknown[0]!r}; known keys: {', '.join(_SCHEMA)}")
    if not isinstance(sid, str):
        raise _fail(path, where, "missing required key 'id'")
    if not _ID_RE.match(sid):
        raise _fail(path, where, "id must be lowercase letters, digits and dashes")
    for key, value in raw.items():
        expected, words = _SCHEMA[key]
        wrong = not isinstance(value, expected) or (
            isinstance(value, bool) and expected in (int, (int, float))
        )
        if wrong:
            raise _fail(path, where, f"{key} must be {words}, found {value!r}")
    lists = {
        key: tuple(_check_url(path, where, key, u) for u in raw.get(key, []))
        for key in ("feeds", "sitemaps", "start_urls", "urls")
    }
    domains = raw.get("allowed_domains", [])
    if not all(isinstance(d, str) and d and "/" not in d for d in domains):
        raise _fail(path, where, "allowed_domains must be host names like 'example.org'")
    pattern = raw.get("article_pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise _fail(path, where, f"article_pattern is not a valid regex ({exc})") from None
    if not any(lists.values()):
        raise _fail(path, where, "give at least one of feeds, sitemaps, start_urls or urls")
    numbers = {"max_depth": (0, 20), "concurrency": (1, 32)}
    for key, (low, high) in numbers.items():
        if key in raw and not low <= raw[key] <= high:
            raise _fail(path, where, f"{key} must be between {low} and {high}")
    if "delay" in raw and not 0 <= raw["delay"] <= 600:
        raise _fail(path, where, "delay must be between 0 and 600 seconds")
    return Source(
        id=sid,
        name=raw.get("name", sid),
        feeds=lists["feeds"],
        sitemaps=lists["sitemaps"],
        start_urls=lists["start_urls"],
        urls=lists["urls"],
        max_depth=raw.get("max_depth", 2),
        article_pattern=pattern,
        allowed_domains=tuple(d.lower() for d in domains),
        topic_filter=raw.get("topic_filter", True),
        allow_private=raw.get("allow_private", False),
        delay=float(raw.get("delay", 1.0)),
        concurrency=raw.get("concurrency", 2),
    )


def load_sources(path: Path, only: list[str] | None = None) -> list[Source]:
    """Read and validate a sources file; `only` selects source ids (all must exist)."""
    if not path.exists():
        raise InputError(f"no sources file at {path}; pass one with --sources FILE")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    extra_top = sorted(set(data) - {"sources"})
    if extra_top:
        raise InputError(f"{path}: unknown top-level key {extra_top[0]!r}; use [[sources]]")
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise InputError(f"{path}: no [[sources]] entries")
    sources = [parse_source(raw, path, i) for i, raw in enumerate(raw_sources)]
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise InputError(f"{path}: source id {source.id!r} appears twice; ids must be unique")
        seen.add(source.id)
    if only:
        missing = [s for s in only if s not in seen]
        if missing:
            raise InputError(f"{path}: no source {missing[0]!r}; known: {', '.join(sorted(seen))}")
        sources = [s for s in sources if s.id in only]
    return sources
