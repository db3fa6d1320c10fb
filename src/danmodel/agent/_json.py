"""The JSON forms of the agent types: the Go runtime's struct JSON and canonical proto3 JSON.

``format="go"`` (the default) is the JSON of the Go runtime's generated
structs: keys are the proto field names (``IPAddresses``, ``raw_flags``),
enums are numbers, every key is written. ``format="proto3"`` is the
canonical protobuf JSON mapping, as ``MessageToJson`` or Go's ``protojson``
write it: keys are the fields' JSON names (:func:`json_name`: ``rawFlags``),
enums are written by name, 64-bit integers as strings, and fields holding
their default value are left out. Reading proto3 JSON accepts what the
mapping allows: the JSON name or the proto name of a field, enum names or
numbers, integers as numbers (an integral value such as ``1.0`` too) or as
decimal strings, and ``null`` for a field's default.

Both forms are read by danmodel's one reader; proto3 JSON through an
observer that maps its keys and values onto the fields.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable
from typing import IO, Any, Final, Literal, TypeVar, overload

import attrs

from .. import _text
from .._fields import (
    FIELD,
    MISSING,
    UINT64,
    Array,
    Field,
    Leaf,
    Nullable,
    Object,
    Observer,
    describe,
)
from .._paths import duplicate_message, hint, join, key_text
from .._reader import read as read_value
from .._reader import read_or_raise
from .._text import DuplicateKeys
from .._writer import to_data
from ..errors import Problem, ValidationError
from ._types import FAMILY, MESSAGE_CLASSES, SOURCE, IPFamily, Network

__all__ = [
    "FORMATS",
    "Format",
    "dumps",
    "from_dict",
    "json_name",
    "load",
    "loads",
    "to_dict",
]

Format = Literal["go", "proto3"]
FORMATS: Final[tuple[Format, ...]] = ("go", "proto3")
"""The JSON forms: the Go runtime's struct JSON, and canonical proto3 JSON."""

_ROOTS: Final[dict[type, Object]] = {cls: Object(cls) for cls in MESSAGE_CLASSES}
_A = TypeVar("_A")


def json_name(field: str) -> str:
    """The proto3 JSON name of a proto field: lowerCamelCase as protoc derives it.

    Each underscore is dropped and the letter after it upper-cased; the first
    letter is left as it is (``raw_flags`` → ``rawFlags``, ``IPAddresses`` stays).
    """
    parts = field.split("_")
    return parts[0] + "".join(part[:1].upper() + part[1:] for part in parts[1:])


def _format(value: object) -> Format:
    if value not in FORMATS:
        raise ValueError(f"expected a format, one of {', '.join(FORMATS)}, found {value!r}")
    return value


def _root(cls: type) -> Object:
    root = _ROOTS.get(cls)
    if root is None:
        raise TypeError(f"expected a danmodel.agent class, found {cls!r}")
    return root


# --- writing -------------------------------------------------------------------------------------


def _proto3(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The Go-form ``data`` of a ``cls`` object in proto3 JSON: defaults left out."""
    out: dict[str, Any] = {}
    for field in attrs.fields(cls):
        value = data[field.name]
        kind = field.metadata[FIELD]
        if isinstance(kind, Nullable):
            kind = kind.inner
        if (
            value is None
            or value == []
            or (field.default is not attrs.NOTHING and value in ("", 0))
        ):
            continue  # the default of its type: proto3 JSON leaves it out
        if isinstance(kind, Object):
            value = _proto3(kind.cls, value)
        elif isinstance(kind, Array) and isinstance(kind.item, Object):
            value = [_proto3(kind.item.cls, item) for item in value]
        elif kind is FAMILY:
            value = IPFamily(value).name
        elif kind is UINT64:
            value = str(value)
        out[json_name(field.name)] = value
    return out


def to_dict(obj: object, *, format: Format = "go") -> dict[str, Any]:
    """An agent object as JSON-ready data in ``format``.

    ``"go"``: every key, ``family`` as its number; ``"proto3"``: see the module.
    """
    chosen = _format(format)
    if type(obj) not in _ROOTS:
        raise TypeError(f"expected a danmodel.agent object, found {type(obj).__name__}")
    data = to_data(obj)
    return data if chosen == "go" else _proto3(type(obj), data)


def dumps(obj: object, *, format: Format = "go") -> str:
    """An agent object as JSON text: keys in proto order, 2-space indent, final newline."""
    return json.dumps(to_dict(obj, format=format), indent=2, ensure_ascii=False) + "\n"


# --- reading proto3 JSON -------------------------------------------------------------------------

_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)")
_Convert = Callable[[object], object]


def _integer(value: object) -> object:
    """An integer from a JSON number or decimal string, as the proto3 mapping allows."""
    if type(value) is str and _DECIMAL.fullmatch(value):
        return int(value)
    if type(value) is float and math.isfinite(value) and value.is_integer():
        return int(value)
    return value  # the descriptor says what is wrong with it


_ENUM_NAMES = ", ".join(f'"{name}"' for name in IPFamily.__members__)


def _enum(value: object) -> object:
    if type(value) is str:
        member = IPFamily.__members__.get(value)
        if member is None:
            raise ValueError(
                f"expected an IP family, {_ENUM_NAMES} or its number, found {describe(value)}"
            )
        return int(member)
    return _integer(value)


def _converter(kind: Field) -> _Convert | None:
    if kind is FAMILY:
        return _enum
    if isinstance(kind, Leaf) and kind.json_type is int:
        return _integer
    return None


class _Proto3Reading(Observer):
    """Reads proto3 JSON onto the agent classes: keys by JSON or proto name, values mapped."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._names: dict[type, dict[str, str]] = {}
        self._converters: dict[tuple[type, str], _Convert | None] = {}
        self._nullable: set[tuple[type, str]] = set()

    def _keys(self, cls: type) -> dict[str, str]:
        names = self._names.get(cls)
        if names is None:
            names = {}
            for field in attrs.fields(cls):
                names[field.name] = field.name
                names[json_name(field.name)] = field.name
                self._converters[cls, field.name] = _converter(field.metadata[FIELD])
                if isinstance(field.metadata[FIELD], Nullable):
                    self._nullable.add((cls, field.name))
            self._names[cls] = names
        return names

    def entries(
        self, kind: Object, value: dict[str, Any], path: str, tag: str | None
    ) -> list[tuple[str, object, str]]:
        names = self._keys(kind.cls)
        pairs = value.pairs if type(value) is DuplicateKeys else list(value.items())
        chosen: dict[str, tuple[str, object, str]] = {}
        for key, item in pairs:
            item_path = join(path, key)
            name = names.get(key)
            if name is None:
                message = f"unknown key {key_text(key)}{hint(key, names)}"
                self.problems.append(Problem(path=item_path, message=message))
                continue
            if name in chosen:
                first = chosen[name][0]
                message = (
                    duplicate_message(key, 2)
                    if first == key
                    else f"{key_text(key)} and {key_text(first)} name the same field"
                )
                self.problems.append(Problem(path=item_path, message=message))
                continue
            chosen[name] = (key, item, item_path)
        return [(name, item, item_path) for name, (_, item, item_path) in chosen.items()]

    def value(self, cls: type, name: str, value: object, path: str) -> object:
        if value is None and (cls, name) not in self._nullable:
            return MISSING  # null is the field's default
        convert = self._converters.get((cls, name))
        if convert is None:
            return value
        try:
            return convert(value)
        except ValueError as error:
            self.problems.append(Problem(path=path, message=str(error)))
            return MISSING  # its default stands in; the read fails


_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]")


def _position(document: object, path: str) -> tuple[int, ...]:
    """Where ``path`` lies in ``document``, as indexes in document order (for sorting)."""
    position: list[int] = []
    node = document
    for match in _STEP.finditer(path):
        key, index, quoted = match.groups()
        if index is not None and type(node) is list:
            position.append(int(index))
            node = node[int(index)] if int(index) < len(node) else None
        elif isinstance(node, dict):
            wanted = key if key is not None else (quoted or "").replace("\\'", "'")
            keys = [name for name, _ in node.pairs] if type(node) is DuplicateKeys else list(node)
            found = keys.index(wanted) if wanted in keys else len(keys)
            position.append(found)
            node = node.get(wanted)
        else:
            break
    return tuple(position)


def _read_proto3(value: object, root: Object, source: str) -> Any:
    reading = _Proto3Reading()
    outcome = read_value(value, root, strict=True, observer=reading)
    if outcome.failed or reading.problems:
        problems = sorted(
            [*outcome.problems, *reading.problems],
            key=lambda problem: _position(value, problem.path),
        )
        raise ValidationError(problems, source=source, omitted=outcome.omitted)
    return outcome.value


def _read(
    value: object, cls: type, source: str | None, format: Format, irregular: bool = False
) -> Any:
    root = _root(cls)
    if _format(format) == "proto3":
        return _read_proto3(value, root, source or SOURCE)
    return read_or_raise(value, root, strict=True, source=source or SOURCE, irregular=irregular)


@overload
def from_dict(data: object, *, format: Format = ...) -> Network: ...
@overload
def from_dict(data: object, cls: type[_A], *, format: Format = ...) -> _A: ...
def from_dict(data: object, cls: type[Any] = Network, *, format: Format = "go") -> Any:
    """Read JSON-shaped data as ``cls`` (default :class:`Network`); see :func:`loads`."""
    return _read(data, cls, None, format)


@overload
def loads(
    data: str | bytes | bytearray, *, source: str | None = ..., format: Format = ...
) -> Network: ...
@overload
def loads(
    data: str | bytes | bytearray,
    cls: type[_A],
    *,
    source: str | None = ...,
    format: Format = ...,
) -> _A: ...
def loads(
    data: str | bytes | bytearray,
    cls: type[Any] = Network,
    *,
    source: str | None = None,
    format: Format = "go",
) -> Any:
    """Read the JSON form ``format`` of ``cls`` (default :class:`Network`) from text or bytes.

    Missing keys take the agent's zero values; unknown keys, booleans for
    numbers and integers out of their field's range are refused. Any problem
    raises one :class:`~danmodel.errors.ValidationError` listing all, with
    paths, labelled "agent message" (or ``source``).
    """
    chosen = _format(format)
    text = _text.decode_text(data, source or SOURCE)
    parsed = _text.parse(text, source or SOURCE)
    return _read(parsed.value, cls, source, chosen, parsed.irregular)


@overload
def load(
    file: str | os.PathLike[str] | IO[str] | IO[bytes], *, format: Format = ...
) -> Network: ...
@overload
def load(
    file: str | os.PathLike[str] | IO[str] | IO[bytes], cls: type[_A], *, format: Format = ...
) -> _A: ...
def load(
    file: str | os.PathLike[str] | IO[str] | IO[bytes],
    cls: type[Any] = Network,
    *,
    format: Format = "go",
) -> Any:
    """Read the JSON form of ``cls`` from a path or an open file; see :func:`loads`.

    At most :data:`danmodel.MAX_DOCUMENT_BYTES` are read.
    """
    data, source = _text.read_document(file)
    return loads(data, cls, source=source, format=format)
