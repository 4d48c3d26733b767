"""The schema of a sources file (``sources.toml``): one ``[[sources]]`` table per source.

The keys and their meaning are documented in the header of the bundled ``sources.toml``;
:class:`mediamon.crawler.sources.Source` is built from a checked :class:`SourceEntry`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, model_validator

from mediamon.config.files import At, Layout, Strict, read_toml

__all__ = ["LAYOUT", "FrontierEntry", "SourceEntry", "SourcesFile", "load"]

LAYOUT = Layout(
    "sources",
    {"sources": ("source", "id")},
    hint="`mediamon config show sources` prints the default to copy",
)
URL_LISTS = ("feeds", "sitemaps", "start_urls", "urls")


def _url(value: str) -> str:
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http(s) URL such as 'https://example.org/', not {value!r}")
    return url


def _domain(value: str) -> str:
    if not value or "/" in value:
        raise ValueError(f"must be a host name such as 'example.org', not {value!r}")
    return value.lower()


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"is not a valid regular expression ({exc}): {value!r}") from None
    return value


Url = Annotated[str, AfterValidator(_url)]
Domain = Annotated[str, AfterValidator(_domain)]
_URLS = "a list of http(s) URLs"


class SourceEntry(Strict):
    """One ``[[sources]]`` table."""

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
        description="lowercase letters, digits and dashes (at most 63), such as 'eff'",
    )
    name: str | None = Field(default=None, description="a string (the publication's name)")
    feeds: list[Url] = Field(default=[], description=_URLS)
    sitemaps: list[Url] = Field(default=[], description=_URLS)
    start_urls: list[Url] = Field(default=[], description=_URLS)
    max_depth: int = Field(default=2, ge=0, le=20, description="a whole number of link levels")
    article_pattern: Annotated[str, AfterValidator(_regex)] | None = Field(
        default=None, description="a regular expression string"
    )
    urls: list[Url] = Field(default=[], description=_URLS)
    allowed_domains: list[Domain] = Field(default=[], description="a list of host names")
    topic_filter: bool = Field(default=True, description="true or false")
    allow_private: bool = Field(default=False, description="true or false")
    delay: float = Field(default=1.0, ge=0, le=600, description="a number of seconds")
    concurrency: int = Field(default=2, ge=1, le=32, description="a whole number of requests")

    @model_validator(mode="after")
    def _something_to_crawl(self) -> SourceEntry:
        if not any(getattr(self, key) for key in URL_LISTS):
            raise ValueError("nothing to crawl: give feeds, sitemaps, start_urls or urls")
        return self


def _redis_url(value: str) -> str:
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError(f"must be a Redis URL such as 'redis://127.0.0.1:6379/0', not {value!r}")
    return url


class FrontierEntry(Strict):
    """The ``[frontier]`` table: crawl processes sharing one queue in Redis (scrapy-redis)."""

    url: Annotated[str, AfterValidator(_redis_url)] = Field(
        description="a Redis URL such as 'redis://127.0.0.1:6379/0'"
    )
    lease_seconds: float = Field(
        default=60.0,
        ge=1,
        le=3600,
        description="a number of seconds (a dead process's requests go back to the queue after it)",
    )


class SourcesFile(Strict):
    sources: list[SourceEntry] = Field(min_length=1, description="an array of [[sources]] tables")
    frontier: FrontierEntry | None = Field(
        default=None, description="a [frontier] table with url = 'redis://HOST:PORT/DB'"
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> SourcesFile:
        first: dict[str, int] = {}
        for index, source in enumerate(self.sources):
            if source.id in first:
                raise At(
                    ("sources", index, "id"),
                    f"{source.id!r} is the id of sources[{first[source.id]}] and "
                    f"sources[{index}]; ids must be unique",
                )
            first[source.id] = index
        return self

    def summary(self) -> str:
        return f"{len(self.sources)} sources"


def load(path: Path) -> SourcesFile:
    """Read and check a sources file; any problem is one ConfigError line."""
    return read_toml(path, SourcesFile, LAYOUT)
