"""The schema of the seed documents' metadata (``mediamon/corpus/seeds/seeds.toml``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from mediamon.config.files import At, Day, Layout, Strict, read_toml

__all__ = ["LAYOUT", "Seed", "SeedsFile", "load"]

LAYOUT = Layout("seeds", {"seeds": ("seed", "file")})


class Seed(Strict):
    """One ``[[seeds]]`` table: a text file beside seeds.toml and what is known of it."""

    file: str = Field(pattern=r"^[\w.-]+\.txt$", description="a .txt file name beside seeds.toml")
    source_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="a source id")
    source_name: str = Field(min_length=1)
    homepage: str | None = None
    sitename: str | None = None
    author: str | None = None
    language: str | None = None
    url: str | None = None
    published: Day | None = None  # unknown dates stay unknown, never invented
    date_source: str | None = None
    date_precision: Literal["day", "month", "year"] | None = None


class SeedsFile(Strict):
    seeds: list[Seed] = Field(min_length=1, description="an array of [[seeds]] tables")

    @model_validator(mode="after")
    def _unique_files(self) -> SeedsFile:
        seen: set[str] = set()
        for index, seed in enumerate(self.seeds):
            if seed.file in seen:
                raise At(("seeds", index, "file"), "is listed twice")
            seen.add(seed.file)
        return self


def load(path: Path) -> SeedsFile:
    """Read and check the seeds' metadata; any problem is one ConfigError line."""
    return read_toml(path, SeedsFile, LAYOUT)
