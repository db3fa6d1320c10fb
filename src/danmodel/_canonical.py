"""Canonical JSON text written straight from model objects.

The output is byte for byte what ``json.dumps(to_dict(obj), indent=2,
ensure_ascii=False)`` gives, without building the dicts first and without
the standard library's pure-Python indenting encoder (any ``indent`` turns
off its C encoder). A model's shape is static, so the writer of a class is
generated once, for its depth, as one Python expression: each object is a
``%`` format of a ready-made template (keys, separators and indentation)
with its values, each array a ``join`` over its items, nested objects in
line. Strings are escaped by the C escaper ``json`` uses; addresses and MACs,
whose text needs no escaping, are written by :func:`danmodel.addresses.text_functions`
and ``bytes.hex``.
"""

from __future__ import annotations

import json.encoder
from collections.abc import Callable
from typing import Any, cast

import attrs

from . import addresses
from ._fields import (
    FIELD,
    IFNAME,
    IP_INTERFACE,
    IP_OR_EMPTY,
    MAC,
    MAC_OR_EMPTY,
    NEIGHBOR_IP,
    NETWORK_OR_EMPTY,
    NONEMPTY_STRING,
    PCI_ADDRESS,
    SOCKET_PATH,
    STRING,
    UINT32,
    UINT64,
    Array,
    Field,
    Leaf,
    Nullable,
    Object,
    Tagged,
)

__all__ = ["canonical_text"]

_INDENT = "  "
_escape: Callable[[str], str] = json.encoder.encode_basestring  # C when available

# Kinds whose model values are their JSON values: text, and integers (named or not).
_TEXT_KINDS = (STRING, NONEMPTY_STRING, IFNAME, SOCKET_PATH, PCI_ADDRESS)
_INTEGER_KINDS = (UINT32, UINT64)

_Writer = Callable[[Any], str]
_WRITERS: dict[tuple[type, str, str | None, bool | None], _Writer] = {}


class _Source:
    """The names a generated writer uses, and fresh variable names for its loops."""

    def __init__(self) -> None:
        ip_text, network_text = addresses.text_functions()
        self.names: dict[str, Any] = {
            "escape": _escape,
            "ip_text": ip_text,
            "network_text": network_text,
        }
        self._count = 0

    def variable(self) -> str:
        self._count += 1
        return f"v{self._count}"

    def name(self, value: object) -> str:
        self._count += 1
        name = f"n{self._count}"
        self.names[name] = value
        return name


def _slot(kind: Field, value: str, indent: str, source: _Source) -> tuple[str, str]:
    """The template text of a value inside an object, and the expression it is formatted with.

    Addresses and MACs put their quotes in the template (``"%s"``); the rest
    give their whole JSON text (``%s``); integers are ``%d`` (plain digits,
    named values such as ``IntFlag`` members too).
    """
    if kind in _INTEGER_KINDS:
        return "%d", value
    if kind is MAC:
        return '"%s"', f"{value}.octets.hex(':')"
    if kind is MAC_OR_EMPTY:
        return '"%s"', f"('' if {value} is None else {value}.octets.hex(':'))"
    if kind is IP_INTERFACE:
        return '"%s"', f"ip_text({value})"
    if kind is IP_OR_EMPTY:
        return '"%s"', f"('' if {value} is None else ip_text({value}))"
    if kind is NETWORK_OR_EMPTY:
        return '"%s"', f"('' if {value} is None else network_text({value}))"
    return "%s", _text(kind, value, indent, source)


def _text(kind: Field, value: str, indent: str, source: _Source) -> str:
    """An expression for the JSON text of ``value``, a value of ``kind``, at ``indent``."""
    if kind in _TEXT_KINDS:
        return f"escape({value})"
    if kind in _INTEGER_KINDS:
        return f"int_repr({value})"
    if kind is NEIGHBOR_IP:
        return f"('null' if {value} is None else '\"' + ip_text({value}) + '\"')"
    if isinstance(kind, Nullable):
        return f"('null' if {value} is None else {_text(kind.inner, value, indent, source)})"
    if isinstance(kind, Object):
        return _object(kind.cls, value, indent, source, None)
    if isinstance(kind, Array):
        return _array(kind, value, indent, source)
    if isinstance(kind, Tagged):
        writers = {cls: _writer(cls, indent, tag) for cls, tag in kind.tags.items()}
        return f"{source.name(writers)}[type({value})]({value})"
    template, expression = _slot(kind, value, indent, source)
    if template != "%s":
        return f"({template!r} % {expression})"
    if isinstance(kind, Leaf):
        return f"escape({source.name(kind.write)}({value}))"  # text of other scalars
    raise TypeError(f"no writer for {kind!r}")


def _array(kind: Array, value: str, indent: str, source: _Source) -> str:
    inner = indent + _INDENT
    item = source.variable()
    text = _text(kind.item, item, inner, source)
    items = f"[{text} for {item} in {value}]"
    return (
        f"('[]' if not {value} else "
        f"{'[' + inner!r} + {',' + inner!r}.join({items}) + {indent + ']'!r})"
    )


def _object(cls: type, value: str, indent: str, source: _Source, tag: str | None) -> str:
    """An expression for the text of an object: a ``%`` format of its template."""
    inner = indent + _INDENT
    template = ""
    expressions = []
    separator = "{" + inner
    if tag is not None:
        template += separator + '"type": ' + _escape(tag).replace("%", "%%")
        separator = "," + inner
    for field in attrs.fields(cls):
        slot, expression = _slot(field.metadata[FIELD], f"{value}.{field.name}", inner, source)
        template += separator + _escape(field.name).replace("%", "%%") + ": " + slot
        expressions.append(expression)
        separator = "," + inner
    template += indent + "}" if separator != "{" + inner else "{}"
    if not expressions:
        return repr(template.replace("%%", "%"))
    return f"({template!r} % ({', '.join(expressions)},))"


def _writer(cls: type, indent: str, tag: str | None = None) -> _Writer:
    """The writer of an object of ``cls`` at ``indent``, after a ``"type"`` key if ``tag``.

    Made again once the address self-check has run, to write addresses the fast way.
    """
    key = (cls, indent, tag, addresses.FAST)
    found = _WRITERS.get(key)
    if found is not None:
        return found
    source = _Source()
    source.names["int_repr"] = int.__repr__
    expression = _object(cls, "v0", indent, source, tag)
    code = f"def write_object(v0):\n    return {expression}\n"
    from ._codegen import define  # only when generating: a one-shot process never does

    writer: _Writer = define(code, f"writer of {cls.__qualname__}", source.names, "write_object")
    return _WRITERS.setdefault(key, writer)


# --- before the writers are generated ---------------------------------------------------------

COLD_WRITES = 2
"""Objects of a class written by :func:`_cold_object` before its writer is generated."""
COLD_SIZE = 4
"""A small object: at most this many items in the arrays of its top level (devices)."""
_written: dict[type, int] = {}


def _cold_value(kind: Field, value: Any, indent: str) -> str:
    """The JSON text of ``value``, a value of ``kind``, at ``indent``: what the generated
    expression of :func:`_text` gives, computed instead of compiled."""
    if kind in _INTEGER_KINDS:
        return int.__repr__(value)
    if kind in _TEXT_KINDS:
        return _escape(value)
    if kind is MAC or (kind is MAC_OR_EMPTY and value is not None):
        octets: bytes = value.octets
        return '"' + octets.hex(":") + '"'
    if kind is MAC_OR_EMPTY:
        return '""'
    if kind is IP_INTERFACE:
        return '"' + addresses.ip_text(value) + '"'
    if kind is IP_OR_EMPTY:
        return '""' if value is None else '"' + addresses.ip_text(value) + '"'
    if kind is NETWORK_OR_EMPTY:
        return '""' if value is None else '"' + addresses.network_text(value) + '"'
    if kind is NEIGHBOR_IP:
        return "null" if value is None else '"' + addresses.ip_text(value) + '"'
    if isinstance(kind, Nullable):
        return "null" if value is None else _cold_value(kind.inner, value, indent)
    if isinstance(kind, Object):
        return _cold_object(value, indent, None)
    if isinstance(kind, Array):
        if not value:
            return "[]"
        inner = indent + _INDENT
        items = [_cold_value(kind.item, item, inner) for item in value]
        return "[" + inner + ("," + inner).join(items) + indent + "]"
    if isinstance(kind, Tagged):
        return _cold_object(value, indent, kind.tags[type(value)])
    if isinstance(kind, Leaf):
        return _escape(cast(str, kind.write(value)))
    raise TypeError(f"no writer for {kind!r}")


def _cold_object(obj: Any, indent: str, tag: str | None) -> str:
    """The text :func:`_writer` writes for ``obj``, without generating anything."""
    inner = indent + _INDENT
    parts = [] if tag is None else ['"type": ' + _escape(tag)]
    for field in attrs.fields(type(obj)):
        value = _cold_value(field.metadata[FIELD], getattr(obj, field.name), inner)
        parts.append(_escape(field.name) + ": " + value)
    if not parts:
        return "{}"
    return "{" + inner + ("," + inner).join(parts) + indent + "}"


def _small(obj: Any) -> bool:
    values = (getattr(obj, field.name) for field in attrs.fields(type(obj)))
    return sum(len(value) for value in values if type(value) is tuple) <= COLD_SIZE


def canonical_text(obj: object) -> str:
    """A model object as JSON text with 2-space indentation (no final newline).

    A class writes its first few small objects by :func:`_cold_object` (a
    one-shot process that writes one config compiles nothing), then by its
    generated writer.
    """
    cls = type(obj)
    found = _WRITERS.get((cls, "\n", None, addresses.FAST))
    if found is not None:
        return found(obj)
    written = _written.get(cls, 0)
    if written < COLD_WRITES and attrs.has(cls) and _small(obj):
        _written[cls] = written + 1
        return _cold_object(obj, "\n", None)
    return _writer(cls, "\n")(obj)
