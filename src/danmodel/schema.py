"""JSON Schema (draft 2020-12) of each format revision, generated from the model.

The schema is built from the fields' kinds and docs, so it follows the model:
every key the loader knows, with its description, default and constraints,
and no other key. It accepts a parsed document exactly when
``danmodel.loads(text, strict=True)`` does, apart from the rules listed in
:data:`INEXPRESSIBLE`, which no JSON Schema can state.

>>> schema = json_schema(2)
>>> schema["$schema"]
'https://json-schema.org/draft/2020-12/schema'
>>> schema["required"]
['devices']

:func:`validate` checks a document with the ``jsonschema`` package, which is
an extra: ``pip install 'danmodel[schema]'``. Generating the schema needs
nothing beyond danmodel, and ``import danmodel`` does not import this module.
The checked-in files ``schema/v{N}/dan-config.schema.json`` are
:func:`schema_text` of each revision; ``danmodel schema --write schema``
regenerates them.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
from collections.abc import Iterator
from typing import Any, Final

import attrs

from . import v1, v2
from ._fields import DOC, FIELD, Array, Field, Leaf, Nullable, Object, Tagged, describe
from ._paths import join, key_text
from .errors import Problem, ValidationError
from .kernel import IFNAMSIZ, UINT32_MAX, UINT64_MAX, UNIX_SOCKET_PATH_MAX

__all__ = [
    "BASE_URI",
    "DRAFT",
    "INEXPRESSIBLE",
    "REVISIONS",
    "SCHEMA_FILE",
    "json_schema",
    "schema_id",
    "schema_text",
    "validate",
]

DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema dialect of the generated schemas."""

REVISIONS: Final = (1, 2)
"""The format revisions that have a schema."""

SCHEMA_FILE: Final = "v{revision}/dan-config.schema.json"
"""Where a revision's schema lives, relative to the repository's ``schema/`` folder."""

INEXPRESSIBLE: Final[dict[str, str]] = {
    "unique-devices": (
        "Devices do not share a guest name (name), a host tap name (tap_name), "
        "a vhost-user socket path (path) or a PCI address (pci_device_id)."
    ),
    "network-host-bits": ("A route's dest has no host bits set: 10.20.0.0/16, not 10.20.1.5/16."),
    "utf8-byte-limits": (
        "Interface names hold at most 15 UTF-8 bytes and no character whose UTF-8 "
        "form holds the byte 0xa0 (U+00E0, for one); socket paths hold at most "
        "107 UTF-8 bytes. The schema counts characters and refuses U+00A0 itself, "
        "so it is exact for ASCII names and paths only."
    ),
    "integer-spelling": (
        "Integers are written as integers: JSON Schema counts 1500.0 and 15e2 as "
        "the integer 1500, the loader (and both runtimes) refuse them."
    ),
    "json-text": (
        "Rules on the JSON text, which a schema never sees: no key twice in one "
        "object, no NaN or Infinity, UTF-8 without a byte order mark, at most 16 MiB."
    ),
}
"""What ``loads(strict=True)`` checks beyond the schema: rule name -> rule."""

# --- patterns ------------------------------------------------------------------------------
# Written for both regex dialects validators use: ECMA-262 with the "u" flag (ajv,
# check-jsonschema) and Python's re (jsonschema). Only classes, groups, counted
# repetition and lookahead; no \d, \s or \w, whose meaning differs. Python's "$" also
# matches before a final newline, hence "$(?!\n)" as the end anchor.

_END = r"$(?!\n)"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_HEXTET = r"[0-9A-Fa-f]{1,4}"
_PREFIX4 = r"(?:3[0-2]|[12]?[0-9])"
_PREFIX6 = r"(?:12[0-8]|1[01][0-9]|[1-9]?[0-9])"
_SURROGATES = r"\uD800-\uDFFF"
_IFNAME_REFUSED = r"/:\u0000\t\n\u000B\f\r \u00A0" + _SURROGATES


def _ipv6() -> str:
    """IPv6 text as Python's ipaddress reads it: 8 hextets, or fewer around one "::"."""

    def left(count: int) -> str:
        return "" if count == 0 else rf"(?:{_HEXTET}:){{{count - 1}}}{_HEXTET}"

    def right(most: int) -> str:
        return "" if most == 0 else rf"(?:{_HEXTET}(?::{_HEXTET}){{0,{most - 1}}})?"

    forms = [rf"(?:{_HEXTET}:){{7}}{_HEXTET}", rf"(?:{_HEXTET}:){{6}}{_IPV4}"]
    forms += [f"{left(count)}::{right(7 - count)}" for count in range(8)]
    # An IPv4 tail counts as two hextets.
    forms += [rf"{left(count)}::(?:{_HEXTET}:){{0,{5 - count}}}{_IPV4}" for count in range(6)]
    return "(?:" + "|".join(forms) + ")"


_IPV6 = _ipv6()
_IP = f"(?:{_IPV4}|{_IPV6})"
_CIDR = f"(?:{_IPV4}/{_PREFIX4}|{_IPV6}/{_PREFIX6})"


def _pattern(body: str) -> str:
    return f"^(?:{body}){_END}"


def _ref(name: str) -> dict[str, object]:
    return {"$ref": f"#/$defs/{name}"}


def _or_empty(name: str) -> dict[str, object]:
    return {"anyOf": [{"const": ""}, _ref(name)]}


_NULL: Final = {"type": "null"}
_TEXT_PATTERN = _pattern(f"[^{_SURROGATES}]*")

# The definition of each leaf kind (by Leaf.schema), and of the values they refer to.
# Titles are filled in from the kinds' own descriptions where a kind exists.
_LEAF_DEFS: Final[dict[str, dict[str, object]]] = {
    "uint32": {
        "description": "An unsigned 32-bit integer.",
        "type": "integer",
        "minimum": 0,
        "maximum": UINT32_MAX,
    },
    "uint64": {
        "description": "An unsigned 64-bit integer.",
        "type": "integer",
        "minimum": 0,
        "maximum": UINT64_MAX,
    },
    "text": {
        "description": "Any text (valid Unicode: no lone surrogate escape such as \\ud800).",
        "type": "string",
        "pattern": _TEXT_PATTERN,
    },
    "nonempty_text": {
        "description": "Any non-empty text (valid Unicode).",
        "type": "string",
        "minLength": 1,
        "pattern": _TEXT_PATTERN,
    },
    "interface_name": {
        "description": (
            f"A Linux interface name: 1 to {IFNAMSIZ - 1} bytes, not '.' or '..', without '/', "
            "':', NUL or white space (the kernel also counts U+00A0 as space). Byte limits "
            "of non-ASCII names are not checked here (see $comment at the top)."
        ),
        "type": "string",
        "minLength": 1,
        "maxLength": IFNAMSIZ - 1,
        "pattern": _pattern(rf"(?!\.\.?$)[^{_IFNAME_REFUSED}]+"),
    },
    "socket_path": {
        "description": (
            f"A unix socket path: non-empty, at most {UNIX_SOCKET_PATH_MAX} bytes, no NUL."
        ),
        "type": "string",
        "minLength": 1,
        "maxLength": UNIX_SOCKET_PATH_MAX,
        "pattern": _pattern(rf"[^\u0000{_SURROGATES}]+"),
    },
    "pci_address": {
        "description": (
            "A host PCI address DDDD:BB:DD.F in lower-case hex as in sysfs, device at most 1f, "
            "function at most 7, e.g. 0000:85:02.5."
        ),
        "type": "string",
        "pattern": _pattern(r"[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]"),
    },
    "mac": {
        "title": "a MAC address xx:xx:xx:xx:xx:xx",
        "description": "A MAC address: 6 hex octets, either case, separated by colons.",
        "type": "string",
        "pattern": _pattern(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}"),
    },
    "mac_or_empty": {
        "description": 'A MAC address, or "" for none.',
        **_or_empty("mac"),
    },
    "ip": {
        "title": "an IPv4 or IPv6 address",
        "description": (
            "A plain IPv4 (dotted quad, no leading zeros) or IPv6 address (IPv4 tail "
            "allowed, no zone id)."
        ),
        "type": "string",
        "pattern": _pattern(_IP),
    },
    "ip_or_empty": {
        "description": 'An IP address, or "" for none.',
        **_or_empty("ip"),
    },
    "cidr": {
        "description": "An address with its prefix length, ip/prefix; host bits allowed.",
        "type": "string",
        "pattern": _pattern(_CIDR),
    },
    "network": {
        "title": "a network ip/prefix",
        "description": (
            "A network, ip/prefix. Its host bits must be zero, which this schema cannot "
            "check (see $comment at the top)."
        ),
        "type": "string",
        "pattern": _pattern(_CIDR),
    },
    "network_or_empty": {
        "description": 'A network, or "" for none.',
        **_or_empty("network"),
    },
    "neighbor_ip": {
        "description": "An IP address, plain or with its prefix length (ip/prefix).",
        "type": "string",
        "pattern": _pattern(f"(?:{_IPV4}(?:/{_PREFIX4})?|{_IPV6}(?:/{_PREFIX6})?)"),
    },
}

_TYPE_KEY_DOC = "The kind of host device; it decides which other keys the object has."


def _def_name(cls: type) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def _summary(cls: type) -> str:
    text = (cls.__doc__ or cls.__name__).strip().split("\n\n")[0]
    return text.replace("\n", " ").replace("``", "")


class _Builder:
    """Collects the ``$defs`` while walking the kinds of one revision."""

    def __init__(self) -> None:
        self.defs: dict[str, dict[str, object]] = {}
        self.titles: dict[str, str] = {}

    def kind(self, kind: Field) -> dict[str, object]:
        """The schema of a value of ``kind`` (a ``$ref`` for anything named)."""
        if isinstance(kind, Leaf):
            if kind.schema is None:
                raise ValueError(f"the kind {kind.description!r} names no schema definition")
            self.leaf(kind.schema, kind.description)
            return _ref(kind.schema)
        if isinstance(kind, Nullable):
            return {"anyOf": [dict(_NULL), self.kind(kind.inner)]}
        if isinstance(kind, Array):
            return {"type": "array", "items": self.kind(kind.item)}
        if isinstance(kind, Object):
            return _ref(self.model(kind.cls))
        if isinstance(kind, Tagged):
            return _ref(self.tagged(kind))
        raise TypeError(f"no JSON Schema for {type(kind).__name__}")

    def leaf(self, name: str, title: str) -> None:
        self.titles.setdefault(name, title)
        if name in self.defs:
            return
        definition = dict(_LEAF_DEFS[name])
        self.defs[name] = definition
        for alternative in definition.get("anyOf", ()):  # type: ignore[attr-defined]
            ref = alternative.get("$ref")
            if ref is not None:
                self.leaf(ref.rsplit("/", 1)[1], "")

    def model(self, cls: type, tag: str | None = None) -> str:
        name = _def_name(cls)
        if name in self.defs:
            return name
        self.defs[name] = {}  # reserved: the walk may come back here
        properties: dict[str, object] = {}
        if tag is not None:
            properties["type"] = {"description": f'Always "{tag}" here.', "const": tag}
        required = ["type"] if tag is not None else []
        for field in attrs.fields(cls):
            kind: Field = field.metadata[FIELD]
            entry: dict[str, object] = {"description": field.metadata[DOC]}
            entry.update(self.kind(kind))
            if field.default is attrs.NOTHING:
                required.append(field.name)
            elif not isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                entry["default"] = _default(kind, field.default)
            properties[field.name] = entry
        self.defs[name] = {
            "title": cls.__name__,
            "description": _summary(cls),
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }
        return name

    def tagged(self, kind: Tagged) -> str:
        name = "device"
        if name in self.defs:
            return name
        tags = list(kind.variants)
        self.defs[name] = {
            "title": "Device",
            "description": 'A host-side device; its "type" ('
            + ", ".join(f'"{tag}"' for tag in tags)
            + ") picks the definition of the other keys.",
            "type": "object",
            "properties": {"type": {"description": _TYPE_KEY_DOC, "enum": tags}},
            "required": ["type"],
            "allOf": [
                {
                    "if": {"properties": {"type": {"const": tag}}},
                    "then": _ref(self.model(variant.cls, tag=tag)),
                }
                for tag, variant in kind.variants.items()
            ],
        }
        return name

    def finish(self) -> dict[str, object]:
        for name, title in self.titles.items():
            if title and "title" not in self.defs[name]:
                self.defs[name] = {"title": title, **self.defs[name]}
        return {name: self.defs[name] for name in sorted(self.defs)}


def _default(kind: Field, value: object) -> object:
    if isinstance(kind, Array):
        return [kind.item.write(item) for item in value]  # type: ignore[attr-defined]
    return kind.write(value)


_CONFIGS: Final[dict[int, type]] = {1: v1.DanConfig, 2: v2.DanConfig}
_TITLES: Final = {
    1: "DAN config, format revision 1 (Kata Containers 3.3 to 3.16, runtime-rs)",
    2: "DAN config, format revision 2 (Kata Containers 3.17 and later)",
}


def _check_revision(revision: int) -> type:
    config = _CONFIGS.get(revision) if type(revision) is int else None
    if config is None:
        raise ValueError(f"unknown format revision {revision!r}; known: 1, 2")
    return config


BASE_URI: Final = "https://danmodel.invalid/schema/"
"""Base of the schemas' ``$id``: a name, not a download address (``.invalid`` never resolves)."""


def schema_id(revision: int) -> str:
    """The ``$id`` of a revision's schema: :data:`BASE_URI` and its :data:`SCHEMA_FILE`."""
    _check_revision(revision)
    return BASE_URI + SCHEMA_FILE.format(revision=revision)


def json_schema(revision: int = 2) -> dict[str, Any]:
    """A new copy of the JSON Schema of format ``revision`` (1 or 2), as JSON-ready data."""
    config = _check_revision(revision)
    builder = _Builder()
    root = builder.model(config)
    body = builder.defs.pop(root)
    del body["title"]
    comment = "Beyond this schema, danmodel.loads(strict=True) also checks: " + " ".join(
        f"[{name}] {rule}" for name, rule in INEXPRESSIBLE.items()
    )
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": schema_id(revision),
        "title": _TITLES[revision],
        "$comment": comment,
        **body,
        "$defs": builder.finish(),
    }
    return schema


def schema_text(revision: int = 2) -> str:
    """The schema as the checked-in file holds it: 2-space indent, ASCII, final newline."""
    return json.dumps(json_schema(revision), indent=2, ensure_ascii=True) + "\n"


# --- validation with jsonschema (the "schema" extra) ---------------------------------------


@functools.cache
def _validator(revision: int) -> Any:
    """A jsonschema validator of the revision's schema (jsonschema ships no type hints)."""
    try:
        jsonschema = importlib.import_module("jsonschema")
    except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
        raise ImportError(
            "danmodel.schema.validate needs jsonschema: pip install 'danmodel[schema]'"
        ) from error
    return jsonschema.Draft202012Validator(json_schema(revision))


def validate(document: object, *, revision: int = 2) -> None:
    """Check a parsed JSON document against the schema of ``revision``.

    Raises :class:`~danmodel.errors.ValidationError` listing every problem, with
    paths in the loader's syntax (a missing or unknown key is reported at the
    key's own path, ``$.devices[0].guest_mac``). Needs the ``schema`` extra.
    """
    _check_revision(revision)
    problems = [
        problem
        for error in _validator(revision).iter_errors(document)
        for problem in _problems(error)
    ]
    if problems:
        raise ValidationError(problems, source=f"the revision {revision} schema")


def _problems(error: Any) -> Iterator[Problem]:
    path = "$"
    for step in error.absolute_path:
        path = f"{path}[{step}]" if type(step) is int else join(path, step)
    instance = error.instance
    if error.validator == "required":
        for key in error.validator_value:
            if key not in instance:
                yield Problem(path=join(path, key), message=f"missing required key {key_text(key)}")
    elif error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        for key in instance:
            if key not in known:
                yield Problem(path=join(path, key), message=f"unknown key {key_text(key)}")
    elif error.validator == "anyOf" and "title" not in error.schema:
        # A nullable value that is not null: what is wrong with it as a value.
        for inner in error.context or ():
            if inner.schema != _NULL:
                yield from _problems(inner)
    else:
        title = error.schema.get("title") if isinstance(error.schema, dict) else None
        if isinstance(title, str) and error.validator != "enum":
            message = f"expected {title}, found {describe(instance)}"
        else:
            message = error.message
        yield Problem(path=path, message=message)
