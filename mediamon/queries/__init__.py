"""Named, documented read queries: one `.sql` file each, with a header.

    -- name: documents_per_day
    -- description: Documents per publication day (undated ones left out).
    -- params: since DATE = 1990-01-01, source VARCHAR = NULL

Parameters are bound by DuckDB as `$name`, never formatted into the SQL. A parameter with a
default may be left out; its type says how a `-p key=value` string is cast.
"""

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_HEADER_RE = re.compile(r"^--\s*(name|description|params):\s*(.*)$")
_PARAM_RE = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*)\s+(?P<type>[A-Z]+)(?:\s*=\s*(?P<default>.+))?$"
)
TYPES = ("VARCHAR", "DATE", "INTEGER", "DOUBLE", "BOOLEAN", "TIMESTAMP")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None  # None: required; the string "NULL": optional, NULL when absent

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: tuple[Param, ...]
    sql: str
    filename: str


class QueryFileError(ValueError):
    pass


def parse(text: str, filename: str) -> NamedQuery:
    headers: dict[str, str] = {}
    for line in text.splitlines():
        match = _HEADER_RE.match(line.strip())
        if match:
            headers.setdefault(match.group(1), match.group(2).strip())
        elif line.strip() and not line.strip().startswith("--"):
            break
    missing = [h for h in ("name", "description", "params") if h not in headers]
    if missing:
        raise QueryFileError(f"{filename}: missing header(s) {', '.join(missing)}")
    params = []
    raw_params = headers["params"]
    if raw_params.lower() not in ("", "none"):
        for chunk in raw_params.split(","):
            match = _PARAM_RE.match(chunk.strip())
            if not match or match.group("type") not in TYPES:
                raise QueryFileError(
                    f"{filename}: bad param {chunk.strip()!r}; write `name TYPE [= default]` "
                    f"with TYPE one of {', '.join(TYPES)}"
                )
            default = match.group("default")
            params.append(
                Param(
                    match.group("name"), match.group("type"), default.strip() if default else None
                )
            )
    return NamedQuery(headers["name"], headers["description"], tuple(params), text, filename)


@cache
def all_queries() -> dict[str, NamedQuery]:
    found: dict[str, NamedQuery] = {}
    for entry in sorted(resources.files("mediamon.queries").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql"):
            query = parse(entry.read_text(encoding="utf-8"), entry.name)
            if query.name != entry.name.removesuffix(".sql"):
                raise QueryFileError(
                    f"{entry.name}: -- name: {query.name} differs from the file name"
                )
            found[query.name] = query
    return found


def get(name: str) -> NamedQuery | None:
    return all_queries().get(name)
