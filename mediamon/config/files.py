"""Reading a configuration file through its schema: every failure becomes one line.

The line is ``FILE: ENTRY: KEY: what is wrong``: the entry is named by its id when it has one
(``source 'eff'``, ``group 'policy'``), else by its index (``sources[3]``) or its table
(``[topic]``); the key is the path inside the entry (``terms."al*pha"``). Pydantic's own
multi-line report is reduced to its first error, with a count of the others, so that a
researcher editing a copy sees what to fix without reading a traceback.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import logging
import re
import tomllib
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic.fields import FieldInfo

from mediamon.errors import ConfigError

__all__ = [
    "At",
    "Day",
    "Layout",
    "Strict",
    "describe",
    "parse_toml",
    "read_jsonl",
    "read_toml",
    "validate",
]

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]
_IDENTIFIER = re.compile(r"[A-Za-z0-9_-]+")


class Strict(BaseModel):
    """The base of every schema: unknown keys, loose types and inf/nan are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


class At(ValueError):
    """A validator's error about a place below the one it validates (``loc`` is appended).

    A check across keys (a duplicate id, a group a rule names) runs on the whole model, but
    the message must name the key that is wrong, not the model.
    """

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc


@dataclass(frozen=True)
class Layout:
    """How a file's errors name their entry.

    ``entries`` maps a top-level key to the word for one of its entries and the key holding
    an entry's id: ``{"sources": ("source", "id")}`` names ``sources[3]`` ``source 'eff'``;
    a table of tables (``[groups.ID]``) is named by its key, ``group 'policy'``. Any other
    top-level table is named ``[name]``.
    """

    kind: str
    entries: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    hint: str = ""  # how to get a good copy, appended to file-level errors
    table: str = "a table"  # what the format calls a mapping ("a JSON object" in JSON lines)


# ------------------------------------------------------------------ reading
def _read_text(path: Path, kind: str, hint: str) -> str:
    """The file's text, or a one-line error for a missing, unreadable, empty or binary file."""
    what = f"{kind} file"
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    fix = f"; {hint}" if hint else ""
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder, not {article} {what}{fix}")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such {what}; check the path{fix}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    if not raw.strip():
        raise ConfigError(f"{path}: the {what} is empty{fix}")
    if b"\x00" in raw:
        raise ConfigError(f"{path}: is a binary file, not {article} {what} (text){fix}")
    try:
        return raw.decode("utf-8-sig")  # an editor's byte-order mark is harmless
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: is not UTF-8 text (byte {exc.start}: {raw[exc.start : exc.start + 1]!r}); "
            "save it as UTF-8"
        ) from None


def parse_toml(path: Path, layout: Layout) -> dict[str, Any]:
    """Parse a TOML file without checking its schema (used to guess a file's kind)."""
    text = _read_text(path, layout.kind, layout.hint)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {_one_line(str(exc))}") from None


def read_toml(path: Path, model: type[M], layout: Layout) -> M:
    """Read a TOML file and validate it against ``model``; any failure is one ConfigError."""
    data = parse_toml(path, layout)
    return validate(data, model, layout, source=str(path))


def validate(
    data: Any, model: type[M], layout: Layout, *, source: str, entry: str | None = None
) -> M:
    """Validate parsed data; ``source`` (and ``entry``) start the one-line message."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe(exc, model, data, layout, source, entry)) from None


def read_jsonl(
    path: Path,
    model: type[M],
    layout: Layout,
    *,
    identify: Callable[[M], str] | None = None,
) -> list[M]:
    """Read a JSON-lines file, one ``model`` per non-blank line; errors name the line.

    ``identify`` gives an entry's id: two lines with the same id are an error.
    """
    text = _read_text(path, layout.kind, layout.hint)
    out: list[M] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(text.split("\n"), start=1):  # not splitlines: U+2028 is text
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{path}: line {lineno}: invalid JSON: {exc.msg} (column {exc.colno})"
            ) from None
        entry = f"line {lineno}"
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            entry += f" (item {obj['id']!r})"
        item = validate(obj, model, layout, source=str(path), entry=entry)
        if identify is not None:
            key = identify(item)
            if key in seen:
                raise ConfigError(
                    f"{path}: {entry}: id: {key!r} is already used on line {seen[key]}; "
                    "ids must be unique"
                )
            seen[key] = lineno
        out.append(item)
    if not out:
        raise ConfigError(f"{path}: has no entries (only blank lines)")
    log.debug("read %d entries from %s", len(out), path)
    return out


# ------------------------------------------------------------------ one line per error
def describe(
    exc: ValidationError,
    model: type[BaseModel],
    data: Any,
    layout: Layout,
    source: str,
    entry: str | None = None,
) -> str:
    """The first error of ``exc`` as ``SOURCE: ENTRY: KEY: problem (and N more problems)``."""
    errors = exc.errors()
    error = errors[0]
    loc: Loc = tuple(p for p in error["loc"] if p != "[key]")
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, At):
        loc = (*loc, *cause.loc)
    parts = [source]
    if entry:
        parts.append(entry)
    named, rest = _entry(loc, data, layout) if entry is None else (None, loc)
    if named:
        parts.append(named)
    key = _key(rest)
    if key:
        parts.append(key)
    parts.append(_problem(error, model, loc, layout.table))
    more = len(errors) - 1
    line = ": ".join(parts)
    if more:
        line += f" (and {more} more problem{'s' if more > 1 else ''})"
    return _one_line(line)


def _entry(loc: Loc, data: Any, layout: Layout) -> tuple[str | None, Loc]:
    """The entry an error is in, and the rest of its location."""
    if len(loc) < 2 or not isinstance(loc[0], str) or not isinstance(data, dict):
        return None, loc
    top, index = loc[0], loc[1]
    value = data.get(top)
    if top in layout.entries:
        word, id_key = layout.entries[top]
        if isinstance(index, int) and isinstance(value, list):
            item = value[index] if index < len(value) else None
            ident = item.get(id_key) if id_key and isinstance(item, dict) else None
            named = f"{word} {ident!r}" if isinstance(ident, str) else f"{top}[{index}]"
            return named, loc[2:]
        if isinstance(index, str) and isinstance(value, dict):
            return f"{word} {index!r}", loc[2:]
    if isinstance(value, dict):
        return f"[{top}]", loc[1:]
    return None, loc


def _key(loc: Loc) -> str:
    """A location as a TOML-like key path: ``terms."al*pha"``, ``titles[0].from``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        name = part if _IDENTIFIER.fullmatch(part) else json.dumps(part, ensure_ascii=False)
        out += f".{name}" if out else name
    return out


_TYPES = {
    "float_type": "a number",
    "int_type": "a whole number",
    "string_type": "a string",
    "bool_type": "true or false",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "date_type": "a date (YYYY-MM-DD)",
}


def _problem(error: Any, model: type[BaseModel], loc: Loc, table: str) -> str:
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    holder, info = _field_at(model, loc)
    described = info.description if info is not None else None
    if kind == "extra_forbidden":
        known = _known_keys(holder)
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.7)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown key; {hint}known keys: {', '.join(known)}" if known else "unknown key"
    if kind == "missing":
        return "is required but missing"
    if kind in _TYPES:
        expected = table if _TYPES[kind] == "a table" else _TYPES[kind]
        return f"must be {described or expected}, not {show(value, table)}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bounds = _bounds(info) or _bounds_from(ctx)
        return f"must be {bounds}, not {show(value, table)}"
    if kind == "finite_number":
        return f"must be a finite number, not {show(value, table)}"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty" if ctx.get("min_length") == 1 else error["msg"].lower()
    if kind == "string_pattern_mismatch":
        shape = described or f"of the form {ctx.get('pattern', '')}"
        return f"must be {shape}, not {show(value, table)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, not {show(value, table)}"
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    return str(error["msg"])


def show(value: Any, table: str = "a table") -> str:
    """A value as the message quotes it: TOML's true/false, tables by name, long ones cut."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return table
    text = repr(value)
    return text if len(text) <= 60 else text[:56] + " ..."


def _one_line(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------ the schema at a location
def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional: ``Annotated[int | None, ...]`` -> ``int``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """A model's fields by the key the file uses (the alias, where there is one)."""
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def _field_at(model: type[BaseModel], loc: Loc) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model holding the last key of ``loc``, and the field (or list item, or table value)
    there: its description and bounds make the message."""
    annotation: Any = model
    holder: type[BaseModel] | None = None
    info: FieldInfo | None = None
    for part in loc:
        annotation = _unwrap(annotation)
        info = None
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            holder = annotation
            fields = _fields(annotation)
            if not isinstance(part, str) or part not in fields:
                return holder, None
            info = fields[part]
            annotation = info.annotation
            continue
        origin, args = get_origin(annotation), get_args(annotation)
        if origin in (list, tuple, set, frozenset, Sequence) and args:
            annotation = args[0]
        elif origin in (dict, Mapping) and len(args) == 2:
            annotation = args[1]
        else:
            return holder, None
        if (
            get_origin(annotation) is Annotated
        ):  # an item's own constraints: Annotated[float, Field(gt=0)]
            info = next((a for a in get_args(annotation)[1:] if isinstance(a, FieldInfo)), None)
    return holder, info


def _known_keys(model: type[BaseModel] | None) -> list[str]:
    return list(_fields(model)) if model is not None else []


def _bounds(info: FieldInfo | None) -> str | None:
    if info is None:
        return None
    found: dict[str, Any] = {}
    for item in info.metadata:
        for name in ("gt", "ge", "lt", "le"):
            if getattr(item, name, None) is not None:
                found[name] = getattr(item, name)
    return _bounds_from(found) or None


def _bounds_from(found: Mapping[str, Any]) -> str:
    if "ge" in found and "le" in found:
        return f"between {found['ge']:g} and {found['le']:g}"
    words = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
    return " and ".join(f"{words[k]} {found[k]:g}" for k in ("gt", "ge", "lt", "le") if k in found)


# ------------------------------------------------------------------ shared field types
def _day(value: Any) -> Any:
    """TOML dates as written (2019-10-04) or quoted ("2019-10-04"); nothing else."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"must be a date (YYYY-MM-DD) without a time, not {value.isoformat()}")
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"must be a date like 2019-10-04, not {value!r}") from None
    return value


Day = Annotated[dt.date, BeforeValidator(_day)]
