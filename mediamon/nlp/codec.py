"""mediamon's extension values through `Doc.to_bytes()` and back.

spaCy serialises a doc's extension values with msgpack, which knows neither dates nor our
dataclasses (Actor, Mention, Statement, ...). srsly, spaCy's serialiser, takes extra msgpack
encoders and decoders: these write each registered dataclass as its fields under a marker and
build it again on reading. Only the classes registered here are ever built: nothing named in
the data is imported or called. A memo (`transient`) is written as None: it holds spans of its
own doc and is rebuilt when needed.
"""

import dataclasses
import datetime as dt
import typing
from collections.abc import Callable
from typing import Any

import srsly

_MARK = "__mediamon__"
_TYPES: dict[str, Any] = {}  # name -> dataclass
_TUPLES: dict[str, frozenset[str]] = {}  # fields read back as tuples (msgpack gives lists)
_TRANSIENT: list[type] = []

Chain = Callable[[Any], Any] | None


def serialisable(*classes: type) -> None:
    """Write and read these dataclasses field by field."""
    for cls in classes:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} is not a dataclass")
        hints = typing.get_type_hints(cls)
        _TYPES[cls.__name__] = cls
        _TUPLES[cls.__name__] = frozenset(
            name for name, hint in hints.items() if typing.get_origin(hint) is tuple
        )


def transient(*classes: type) -> None:
    """Write these as None."""
    _TRANSIENT.extend(classes)


def _encode(obj: Any, chain: Chain = None) -> Any:
    if isinstance(obj, dt.datetime):  # before date: a datetime is a date
        return {_MARK: "datetime", "v": obj.isoformat()}
    if isinstance(obj, dt.date):
        return {_MARK: "date", "v": obj.isoformat()}
    name = type(obj).__name__
    if _TYPES.get(name) is type(obj):
        return {_MARK: name, "v": {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}}
    if isinstance(obj, tuple(_TRANSIENT)):
        return None
    return obj if chain is None else chain(obj)


def _decode(obj: Any, chain: Chain = None) -> Any:
    if isinstance(obj, dict) and _MARK in obj:
        name, value = obj[_MARK], obj["v"]
        if name == "datetime":
            return dt.datetime.fromisoformat(value)
        if name == "date":
            return dt.date.fromisoformat(value)
        if name in _TYPES:
            tuples = _TUPLES[name]
            return _TYPES[name](**{k: tuple(v) if k in tuples else v for k, v in value.items()})
    return obj if chain is None else chain(obj)


srsly.msgpack_encoders.register("mediamon", func=_encode)
srsly.msgpack_decoders.register("mediamon", func=_decode)
