"""The loader's fast path: read a well-formed document without building error context.

Most documents are valid. For them, the detailed reader's work of naming a
``$.path`` for every value, and the constructors' validators checking again
what the reader has just parsed, is pure overhead. A fast reader, built once
per kind, parses the same JSON values with the same parse functions and
builds model objects without re-running the field validators (cross-field
checks in ``__attrs_post_init__`` still run). It gives up at the first thing
that is not plainly valid, raising :class:`Invalid` or ``ValueError``; the
codec then reads the document again with the detailed reader, so the errors
users see are exactly the detailed reader's.

The fast path must never accept what the detailed reader refuses: the test
suite checks that on valid, generated and mutated documents.

Generating the readers costs as much as reading a dozen small documents, so
a root reads its first few small documents with the detailed reader (a
one-shot process never generates anything) and generates its reader after.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MemberDescriptorType
from typing import Any

import attrs

from . import addresses
from ._fields import (
    FAILED,
    FIELD,
    IP_INTERFACE,
    IP_OR_EMPTY,
    MAC,
    MAC_OR_EMPTY,
    NEIGHBOR_IP,
    NETWORK_OR_EMPTY,
    NONEMPTY_STRING,
    STRING,
    TEXT_FORMS,
    UINT32,
    UINT64,
    Array,
    Field,
    Leaf,
    Nullable,
    Object,
    Reader,
    Tagged,
)
from .kernel import UINT32_MAX, UINT64_MAX
from .mac import MacAddress, parse_mac

__all__ = ["Invalid", "UnsupportedModel", "fast_reader", "top_level_items"]


class Invalid(Exception):
    """Not plainly valid: read the document again with the detailed reader."""


_Reader = Callable[[Any], object]
_READERS: dict[tuple[type, str | None], _Reader] = {}


def _leaf(kind: Leaf) -> _Reader:
    if kind in _SELF_CHECKING:
        return _fastest(_SELF_CHECKING[kind])
    return kind.parse_json  # raises ValueError for anything it refuses


def _nullable(kind: Nullable) -> _Reader:
    inner = _compiled(kind.inner)

    def read_nullable(value: Any) -> object:
        return None if value is None else inner(value)

    return read_nullable


def _array(kind: Array) -> _Reader:
    item = _compiled(kind.item)

    def read_array(value: Any) -> object:
        if type(value) is not list:
            raise Invalid
        return tuple([item(entry) for entry in value])

    return read_array


def _tagged(kind: Tagged) -> _Reader:
    """The reader of a tagged object: each variant's reader is generated on first use
    (a process that reads only host-tap devices compiles no other), refused now if
    its class has what the generated reader would skip."""
    classes = {tag: variant.cls for tag, variant in kind.variants.items()}
    for cls in classes.values():
        _refuse_unsupported(cls)
    variants: dict[str, _Reader] = {}

    def read_tagged(value: Any) -> object:
        if type(value) is not dict:
            raise Invalid
        tag = value.get("type")
        if type(tag) is not str or tag not in classes:
            raise Invalid
        reader = variants.get(tag)
        if reader is None:
            reader = variants.setdefault(tag, _object(classes[tag], "type"))
        return reader(value)

    return read_tagged


# Leaves whose parse function checks the type of its argument itself (raising
# ValueError), so that the generated code calls it without checking first.
_SELF_CHECKING: dict[Field, Callable[[Any], object]] = {
    IP_INTERFACE: addresses.parse_interface,
    MAC: MacAddress.parse,
    NEIGHBOR_IP.inner: addresses.parse_neighbor_ip,
}
# Leaves that read "" as None and any other text by a self-checking parse function.
_EMPTY_OR: dict[Field, Callable[[Any], object]] = {
    MAC_OR_EMPTY: MacAddress.parse,
    NETWORK_OR_EMPTY: addresses.parse_network,
    IP_OR_EMPTY: addresses.parse_ip,
}
_UINTS = {UINT32: UINT32_MAX, UINT64: UINT64_MAX}


def _fastest(parse: Callable[[Any], object]) -> Callable[[Any], object]:
    """The function the generated code calls for ``parse``: the same value or ValueError, in
    fewer calls (the address parsers once their self-check has passed, which this runs)."""
    if parse == MacAddress.parse:
        return parse_mac
    return addresses.fastest(parse)


def _inline_read(kind: Field, index: int, names: dict[str, Any], indent: str) -> list[str]:
    """Lines that turn ``item`` (present in the JSON) into the model value, or raise.

    Scalars are checked in line (integers, text without surrogates) or passed
    to their parse function; structures call their own readers.
    """
    if isinstance(kind, Nullable):
        inner = _inline_read(kind.inner, index, names, indent + "    ")
        return [f"{indent}if item is not None:", *inner]
    if kind in _UINTS:
        return [
            f"{indent}if type(item) is not int or not 0 <= item <= {_UINTS[kind]}:",
            f"{indent}    raise Invalid",
        ]
    if kind is STRING or kind is NONEMPTY_STRING:
        empty = " or not item" if kind is NONEMPTY_STRING else ""
        names[f"read_{index}"] = kind.parse  # refuses lone surrogates
        return [
            f"{indent}if type(item) is not str{empty}:",
            f"{indent}    raise Invalid",
            f"{indent}if not item.isascii():",
            f"{indent}    read_{index}(item)",
        ]
    if kind in _EMPTY_OR:
        names[f"read_{index}"] = _fastest(_EMPTY_OR[kind])
        return [f'{indent}item = None if item == "" else read_{index}(item)']
    if kind in _SELF_CHECKING:
        names[f"read_{index}"] = _fastest(_SELF_CHECKING[kind])
        return [f"{indent}item = read_{index}(item)"]
    if isinstance(kind, Leaf):
        names[f"read_{index}"] = kind.parse
        names[f"json_type_{index}"] = kind.json_type
        return [
            f"{indent}if type(item) is not json_type_{index}:",
            f"{indent}    raise Invalid",
            f"{indent}item = read_{index}(item)",
        ]
    if isinstance(kind, Array):
        names[f"read_{index}"] = _compiled(kind.item)
        return [
            f"{indent}if type(item) is not list:",
            f"{indent}    raise Invalid",
            f"{indent}item = tuple([read_{index}(entry) for entry in item])",
        ]
    names[f"read_{index}"] = _compiled(kind)
    return [f"{indent}item = read_{index}(item)"]


def _setter(cls: type, name: str) -> Callable[[object, object], None] | None:
    """The ``__set__`` of the slot that holds attribute ``name``, or None if not a slot.

    Setting through the slot's descriptor is what ``object.__setattr__`` ends
    in for a slotted class, a third cheaper.
    """
    for klass in cls.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            if type(found) is MemberDescriptorType:
                return found.__set__
            return None
    return None


def _json_default(kind: Field, default: object) -> str | None:
    """The JSON form of a field's default, as ``get``'s second argument, when reading it
    gives the default back (``0`` of an integer, ``""`` of text or of an optional
    address or MAC, null of a nullable); None otherwise."""
    if kind in _UINTS:
        if type(default) is int and 0 <= default <= _UINTS[kind]:
            return f", {default!r}"
    elif kind in _EMPTY_OR:
        if default is None:
            return ', ""'
    elif kind is STRING:
        if type(default) is str and default.isascii():
            return f", {default!r}"
    elif isinstance(kind, Nullable) and default is None:
        return ""
    return None


def _finish(
    cls: type, field: attrs.Attribute[Any], index: int, names: dict[str, Any], lines: list[str]
) -> None:
    """Lines that convert ``item`` as the field's converter does and set the attribute."""
    converter: object = field.converter
    if converter is not None and converter not in TEXT_FORMS:
        names[f"convert_{index}"] = converter
        lines.append(f"    item = convert_{index}(item)")
    setter = _setter(cls, field.name)
    if setter is None:
        lines.append(f"    set_attribute(instance, {field.name!r}, item)")
    else:
        names[f"set_{index}"] = setter
        lines.append(f"    set_{index}(instance, item)")


def _object_source(cls: type, tag: str | None) -> tuple[str, dict[str, Any]]:
    """Python source of the reader of ``cls``, and the names it uses.

    Straight-line code, one block per field: read the key if present (else
    the default, the factory, or give up when required), check and parse it
    in line or by its reader, apply the field's converter, set the attribute
    as the attrs ``__init__`` does, then call ``__attrs_post_init__``, which
    holds the cross-field checks.
    """
    _refuse_unsupported(cls)
    fields = attrs.fields(cls)
    allowed = frozenset(field.name for field in fields) | ({tag} if tag else set())
    names: dict[str, Any] = {
        "Invalid": Invalid,
        "NOTHING": attrs.NOTHING,
        "new": object.__new__,
        "set_attribute": object.__setattr__,
        "cls": cls,
        "allowed": allowed,
    }
    lines = [
        "def read_object(value):",
        "    if type(value) is not dict or not allowed.issuperset(value):",
        "        raise Invalid",
        "    instance = new(cls)",
        "    get = value.get",
    ]
    for index, field in enumerate(fields):
        kind = field.metadata[FIELD]
        default: Any = field.default
        stand_in = _json_default(kind, default)
        if stand_in is not None:
            # The default read from its own JSON form: one path for present and missing.
            lines.append(f"    item = get({field.name!r}{stand_in})")
            lines.extend(_inline_read(kind, index, names, "    "))
            _finish(cls, field, index, names, lines)
            continue
        lines.append(f"    item = get({field.name!r}, NOTHING)")
        lines.append("    if item is NOTHING:")
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            if default.takes_self:
                raise TypeError(f"{cls.__name__}.{field.name}: takes_self is not supported")
            names[f"factory_{index}"] = default.factory
            lines.append(f"        item = factory_{index}()")
        elif default is attrs.NOTHING:
            lines.append("        raise Invalid")
        else:
            names[f"default_{index}"] = default
            lines.append(f"        item = default_{index}")
        lines.append("    else:")
        lines.extend(_inline_read(kind, index, names, "        "))
        _finish(cls, field, index, names, lines)
    if hasattr(cls, "__attrs_post_init__"):
        lines.append("    instance.__attrs_post_init__()")
    lines.append("    return instance")
    return "\n".join(lines) + "\n", names


def _object(cls: type, tag: str | None = None) -> _Reader:
    cached = _READERS.get((cls, tag))
    if cached is not None:
        return cached
    source, names = _object_source(cls, tag)
    from ._codegen import define  # only when generating: a one-shot process never does

    reader: _Reader = define(source, f"fast reader of {cls.__qualname__}", names, "read_object")
    return _READERS.setdefault((cls, tag), reader)


class UnsupportedModel(TypeError):
    """A model class uses an attrs feature the generated fast reader would skip."""


def _refuse_unsupported(cls: type) -> None:
    """Refuse what the generated reader does not do as the attrs ``__init__`` does.

    It sets each attribute itself, so it would skip a validator other than the
    field's descriptor, an ``on_setattr`` hook, ``__attrs_pre_init__``, a field
    left out of ``__init__`` or renamed by an alias.
    """
    where = cls.__qualname__
    if hasattr(cls, "__attrs_pre_init__"):
        raise UnsupportedModel(f"{where}: __attrs_pre_init__ is not supported by the fast reader")
    for field in attrs.fields(cls):
        name = f"{where}.{field.name}"
        if field.validator is not field.metadata[FIELD]:
            raise UnsupportedModel(f"{name}: a validator other than its field descriptor")
        if field.on_setattr not in (None, attrs.setters.NO_OP):
            raise UnsupportedModel(f"{name}: on_setattr is not supported by the fast reader")
        if not field.init or field.alias not in (None, field.name):
            raise UnsupportedModel(f"{name}: a field outside __init__ or under an alias")


COLD_DOCUMENTS = 8
"""Small documents a root reads with the detailed reader before its fast reader is generated."""
COLD_SIZE = 4
"""A small document: at most this many items in the arrays of its top level (devices)."""


class _Cold:
    """The reader of a root until generating its fast reader pays off.

    Generating and compiling the readers of a config's classes costs as much
    as reading a dozen small documents the detailed way: a process that reads
    one (a CNI plugin, a one-shot validation) never generates them. The first
    small documents are read by the detailed reader, which the fast path must
    agree with anyway; a problem gives :class:`Invalid`, as the fast path would.
    """

    __slots__ = ("kind", "reads")

    def __init__(self, kind: Object) -> None:
        self.kind = kind
        self.reads = 0

    def __call__(self, value: Any) -> object:
        if self.reads < COLD_DOCUMENTS and _small(value):
            self.reads += 1
            reader = Reader(strict=True)
            result = self.kind.read(value, "$", reader)
            if result is FAILED or reader.problems:
                raise Invalid
            return result
        return _object(self.kind.cls)(value)


def top_level_items(value: object) -> int:
    """The items of the arrays at the top level of a JSON object (0 for anything else):
    how large a document is, for choosing how to read it."""
    if type(value) is not dict:
        return 0
    return sum(len(item) for item in value.values() if type(item) is list)


def _small(value: object) -> bool:
    return top_level_items(value) <= COLD_SIZE


_COLD: dict[type, _Cold] = {}


def fast_reader(kind: Field) -> _Reader:
    """The fast reader of ``kind``: the model value, or Invalid / ValueError.

    For an object, until it has read a few small documents, a reader that reads
    them with the detailed reader (see :class:`_Cold`).
    """
    if isinstance(kind, Object):
        compiled = _READERS.get((kind.cls, None))
        if compiled is not None:
            return compiled
        if COLD_DOCUMENTS <= 0:
            return _object(kind.cls)
        cold = _COLD.get(kind.cls)
        if cold is None:
            _refuse_unsupported(kind.cls)
            cold = _COLD.setdefault(kind.cls, _Cold(kind))
        return cold
    return _compiled(kind)


def _compiled(kind: Field) -> _Reader:
    """The generated fast reader of ``kind`` (for objects, made now if need be)."""
    if isinstance(kind, Object):
        return _object(kind.cls)
    if isinstance(kind, Array):
        return _array(kind)
    if isinstance(kind, Tagged):
        return _tagged(kind)
    if isinstance(kind, Nullable):
        return _nullable(kind)
    if isinstance(kind, Leaf):
        return _leaf(kind)
    raise TypeError(f"no fast reader for {kind!r}")
