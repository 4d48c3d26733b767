"""Sources as data: the `[[sources]]` entries of a sources TOML file.

The file is checked by its schema (mediamon.config.sources); every mistake is one line naming the
file, the source and the key, so a researcher can fix it without reading code.
"""

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from mediamon.config import sources as schema
from mediamon.errors import InputError


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

    @classmethod
    def from_entry(cls, entry: schema.SourceEntry) -> "Source":
        return cls(
            id=entry.id,
            name=entry.name if entry.name is not None else entry.id,
            feeds=tuple(entry.feeds),
            sitemaps=tuple(entry.sitemaps),
            start_urls=tuple(entry.start_urls),
            urls=tuple(entry.urls),
            max_depth=entry.max_depth,
            article_pattern=entry.article_pattern,
            allowed_domains=tuple(entry.allowed_domains),
            topic_filter=entry.topic_filter,
            allow_private=entry.allow_private,
            delay=float(entry.delay),
            concurrency=entry.concurrency,
        )

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


def load_sources(path: Path, only: list[str] | None = None) -> list[Source]:
    """Read and check a sources file; `only` selects source ids (all must exist)."""
    sources = [Source.from_entry(entry) for entry in schema.load(path).sources]
    if only:
        known = {s.id for s in sources}
        missing = [s for s in only if s not in known]
        if missing:
            raise InputError(f"{path}: no source {missing[0]!r}; known: {', '.join(sorted(known))}")
        sources = [s for s in sources if s.id in only]
    return sources


@dataclass(frozen=True)
class FrontierSettings:
    """Where crawl processes share their frontier (`[frontier]` or `--frontier`)."""

    url: str
    lease_seconds: float = 60.0


def load_frontier(path: Path, url: str | None = None) -> FrontierSettings | None:
    """The sources file's `[frontier]`, with `url` (the command line's) taking precedence."""
    entry = schema.load(path).frontier
    lease = entry.lease_seconds if entry is not None else 60.0
    if url:
        return FrontierSettings(url, lease)
    return FrontierSettings(entry.url, lease) if entry is not None else None
