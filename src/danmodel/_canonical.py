"""Canonical JSON text written straight from model objects.

The output is byte for byte what ``json.dumps(to_dict(obj), indent=2,
ensure_ascii=False)`` gives, without building the dicts first and without
the standard library's pure-Python indenting encoder (any ``indent`` turns
off its C encoder). A model's shape is static, so every writer is built once
for its class and its depth, with its keys, separators and indentation as
ready-made strings; strings are escaped by the C escaper ``json`` uses.
"""

from __future__ import annotations

import json.encoder
from collections.abc import Callable
from functools import cache
from typing import Any

import attrs

from ._codegen import define
from ._fields import (
    FIELD,
    IFNAME,
    NONEMPTY_STRING,
    PCI_ADDRESS,
    SOCKET_PATH,
    STRING,
    UINT32,
    UINT64,
    Array,
    Field,
    Nullable,
    Object,
    Tagged,
)

__all__ = ["canonical_text"]

_INDENT = "  "
_escape: Callable[[str], str] = json.encoder.encode_basestring  # C when available
_int_text = int.__repr__  # plain digits, for named values (IntEnum) too

# A writer appends the text of one value to ``out``.
_Writer = Callable[[Any, list[str]], None]


# Kinds whose model values are their JSON values: text, and integers (named or not).
_TEXT_KINDS = (STRING, NONEMPTY_STRING, IFNAME, SOCKET_PATH, PCI_ADDRESS)
_INTEGER_KINDS = (UINT32, UINT64)


def _leaf_writer(kind: Field) -> _Writer:
    """The writer of a scalar kind (an array's items), from its expression."""
    names: dict[str, Any] = {"escape": _escape, "int_text": _int_text}
    expression = _leaf_expression(kind, "value", names, 0)
    if expression is None:
        raise TypeError(f"no writer for {kind!r}")
    writer: _Writer = eval(f"lambda value, out: out.append({expression})", names)
    return writer


def _array_writer(kind: Array, indent: str) -> _Writer:
    inner = indent + _INDENT
    write_item = _writer(kind.item, inner)
    first, later, end = "[" + inner, "," + inner, indent + "]"

    def write_array(items: Any, out: list[str]) -> None:
        if not items:
            out.append("[]")
            return
        separator = first
        for item in items:
            out.append(separator)
            write_item(item, out)
            separator = later
        out.append(end)

    return write_array


def _leaf_expression(kind: Field, attribute: str, names: dict[str, Any], index: int) -> str | None:
    """A Python expression for the JSON text of a scalar field; None for a structure."""
    if kind in _TEXT_KINDS:
        return f"escape({attribute})"
    if kind in _INTEGER_KINDS:
        return f"int_text({attribute})"
    if isinstance(kind, Nullable):
        inner = _leaf_expression(kind.inner, attribute, names, index)
        return None if inner is None else f"('null' if {attribute} is None else {inner})"
    if isinstance(kind, (Object, Array, Tagged)):
        return None
    names[f"write_{index}"] = kind.write  # addresses, MACs: their text
    return f"escape(write_{index}({attribute}))"


@cache
def _object_writer(cls: type, indent: str, tag: str | None = None) -> _Writer:
    """Write an object of ``cls``, after a ``"type"`` key when ``tag`` is given.

    Generated as straight-line code: runs of keys and scalars become one
    string concatenation appended at once; nested structures call their writers.
    """
    inner = indent + _INDENT
    names: dict[str, Any] = {"escape": _escape, "int_text": _int_text}
    body: list[str] = []
    pending: list[str] = []  # Python expressions of text not yet appended
    separator = "{" + inner
    if tag is not None:
        pending.append(repr(separator + '"type": ' + _escape(tag)))
        separator = "," + inner
    for index, field in enumerate(attrs.fields(cls)):
        pending.append(repr(separator + _escape(field.name) + ": "))
        separator = "," + inner
        kind = field.metadata[FIELD]
        attribute = f"value.{field.name}"
        expression = _leaf_expression(kind, attribute, names, index)
        if expression is not None:
            pending.append(expression)
            continue
        body.append(f"    append({' + '.join(pending)})")
        pending = []
        names[f"write_{index}"] = _writer(kind, inner)
        body.append(f"    write_{index}({attribute}, out)")
    pending.append(repr(indent + "}" if separator != "{" + inner else "{}"))
    body.append(f"    append({' + '.join(pending)})")
    source = "def write_object(value, out):\n    append = out.append\n" + "\n".join(body) + "\n"
    writer: _Writer = define(source, f"writer of {cls.__qualname__}", names, "write_object")
    return writer


def _tagged_writer(kind: Tagged, indent: str) -> _Writer:
    writers = {cls: _object_writer(cls, indent, tag) for cls, tag in kind.tags.items()}
    return lambda value, out: writers[type(value)](value, out)


def _writer(kind: Field, indent: str) -> _Writer:
    if isinstance(kind, Object):
        return _object_writer(kind.cls, indent)
    if isinstance(kind, Array):
        return _array_writer(kind, indent)
    if isinstance(kind, Tagged):
        return _tagged_writer(kind, indent)
    return _leaf_writer(kind)


def canonical_text(obj: object) -> str:
    """A model object as JSON text with 2-space indentation (no final newline)."""
    out: list[str] = []
    cls: type = type(obj)
    _object_writer(cls, "\n")(obj, out)
    return "".join(out)
