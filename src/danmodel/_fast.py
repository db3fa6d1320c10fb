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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from ._kinds import KIND, Array, Kind, Leaf, Nullable, Object, Tagged

__all__ = ["Invalid", "fast_reader"]


class Invalid(Exception):
    """Not plainly valid: read the document again with the detailed reader."""


_Reader = Callable[[Any], object]
_READERS: dict[tuple[type, str | None], _Reader] = {}


def _leaf(kind: Leaf) -> _Reader:
    return kind.parse_json  # raises ValueError for anything it refuses


def _nullable(kind: Nullable) -> _Reader:
    inner = fast_reader(kind.inner)

    def read_nullable(value: Any) -> object:
        return None if value is None else inner(value)

    return read_nullable


def _array(kind: Array) -> _Reader:
    item = fast_reader(kind.item)

    def read_array(value: Any) -> object:
        if type(value) is not list:
            raise Invalid
        return tuple([item(entry) for entry in value])

    return read_array


def _tagged(kind: Tagged) -> _Reader:
    variants = {tag: _object(variant.cls, "type") for tag, variant in kind.variants.items()}

    def read_tagged(value: Any) -> object:
        if type(value) is not dict:
            raise Invalid
        tag = value.get("type")
        if type(tag) is not str or tag not in variants:
            raise Invalid
        return variants[tag](value)

    return read_tagged


def _builder(cls: type) -> Callable[[dict[str, Any]], object]:
    """Build an instance from values already read, without the field validators.

    Defaults, factories and converters apply as in the attrs ``__init__``; so
    does ``__attrs_post_init__``, which holds the cross-field checks.
    """
    nothing = attrs.NOTHING
    steps: list[tuple[str, Any, Callable[[], Any] | None, Callable[[Any], Any] | None]] = []
    for field in attrs.fields(cls):
        default: Any = field.default
        factory = None
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            if default.takes_self:
                raise TypeError(f"{cls.__name__}.{field.name}: takes_self is not supported")
            factory, default = default.factory, nothing
        converter: Any = field.converter
        steps.append((field.name, default, factory, converter))
    post_init = getattr(cls, "__attrs_post_init__", None)
    new = object.__new__
    set_attribute = object.__setattr__

    def build(values: dict[str, Any]) -> object:
        instance: object = new(cls)
        for name, default, factory, converter in steps:
            value = values.get(name, nothing)
            if value is nothing:
                if factory is not None:
                    value = factory()
                elif default is nothing:
                    raise Invalid  # a required key is missing
                else:
                    value = default
            if converter is not None:
                value = converter(value)
            set_attribute(instance, name, value)
        if post_init is not None:
            post_init(instance)
        return instance

    return build


def _object(cls: type, tag: str | None = None) -> _Reader:
    cached = _READERS.get((cls, tag))
    if cached is not None:
        return cached
    readers = {field.name: fast_reader(field.metadata[KIND]) for field in attrs.fields(cls)}
    if tag is not None:
        readers[tag] = _skip
    build = _builder(cls)

    def read_object(value: Any) -> object:
        if type(value) is not dict:
            raise Invalid
        try:
            values = {key: readers[key](entry) for key, entry in value.items()}
        except KeyError:
            raise Invalid from None  # an unknown key
        return build(values)

    return _READERS.setdefault((cls, tag), read_object)


def _skip(value: Any) -> object:
    return value


def fast_reader(kind: Kind) -> _Reader:
    """The fast reader of ``kind``: the model value, or Invalid / ValueError."""
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
