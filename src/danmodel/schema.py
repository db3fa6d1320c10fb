"""JSON Schema of each format revision, generated from the model, in two editions.

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
Each revision has a draft 2020-12 edition and a draft-07 edition (for
validators that stop at draft 7), built from the same definitions; every
``pattern`` stays in the part of regex syntax that Python's ``re``, ECMA-262
(``u`` flag), Go's ``regexp`` (RE2) and Rust's ``regex`` read alike. The
checked-in files ``schema/v{N}/...`` are :func:`schema_files`.

>>> sorted(schema_files())[:2]
['v1/dan-config.draft-07.schema.json', 'v1/dan-config.schema.json']
>>> json_schema(2, edition="draft-07")["$schema"]
'http://json-schema.org/draft-07/schema#'
"""

from __future__ import annotations

import functools
import importlib
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, Final

import attrs

from ._fields import DOC, FIELD, Array, Field, Leaf, Nullable, Object, Tagged, describe
from ._paths import join, key_text
from .errors import Problem, ValidationError
from .kernel import IFNAMSIZ, UINT32_MAX, UINT64_MAX, UNIX_SOCKET_PATH_MAX
from .revisions import REVISIONS as _REGISTRY
from .revisions import SCHEMA_BASE_URI, Revision
from .revisions import revision as _lookup

__all__ = [
    "BASE_URI",
    "DRAFT",
    "DRAFT_07",
    "EDITIONS",
    "INEXPRESSIBLE",
    "REVISIONS",
    "SCHEMA_FILE",
    "SCHEMA_FILES",
    "json_schema",
    "schema_files",
    "schema_id",
    "schema_text",
    "validate",
]

DRAFT: Final = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema dialect of the main edition (``edition="2020-12"``)."""

DRAFT_07: Final = "http://json-schema.org/draft-07/schema#"
"""The dialect of the draft-07 edition, for validators that stop at draft 7."""

EDITIONS: Final = ("2020-12", "draft-07")
"""The editions of each revision's schema: the same definitions, two dialects."""

REVISIONS: Final = tuple(_REGISTRY)
"""The format revisions that have a schema: every one of :data:`danmodel.revisions.REVISIONS`."""

SCHEMA_FILE: Final = "v{revision}/dan-config.schema.json"
"""Where a revision's 2020-12 schema lives, relative to the repository's ``schema/`` folder."""

SCHEMA_FILES: Final[dict[str, str]] = {
    "2020-12": SCHEMA_FILE,
    "draft-07": "v{revision}/dan-config.draft-07.schema.json",
}
"""Where each edition of a revision's schema lives, relative to ``schema/``."""

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
    "lone-surrogates": (
        "Strings are valid Unicode: no lone surrogate escape such as \\ud800. No "
        "portable pattern can name one (Go and Rust regexes have no surrogate code "
        "points), and Go and Rust JSON parsers never produce one."
    ),
    "json-text": (
        "Rules on the JSON text, which a schema never sees: no key twice in one "
        "object, no NaN or Infinity, UTF-8 without a byte order mark, at most 16 MiB."
    ),
}
"""What ``loads(strict=True)`` checks beyond the schema: rule name -> rule."""

# --- patterns ------------------------------------------------------------------------------
# Written in the part of regex syntax every validator's engine reads alike: Python's re
# (jsonschema, fastjsonschema), ECMA-262 with the "u" flag (ajv, check-jsonschema), RE2
# (Go's regexp) and Rust's regex (jsonschema-rs). Only literal characters, \xHH and
# \. escapes, classes, plain groups, alternation and counted repetition: no lookaround,
# no back-reference, no \uXXXX, no (?:...), no \d, \s or \w (whose meanings differ).
# Python's "$" also matches before a final newline, so each definition that refuses a
# newline says so once more with "not", outside the pattern (_NO_NEWLINE).

_NO_NEWLINE: Final = {"pattern": "\\n"}
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}(\.{_OCTET}){{3}}"
_HEXTET = "[0-9A-Fa-f]{1,4}"
_PREFIX4 = "(3[0-2]|[12]?[0-9])"
_PREFIX6 = "(12[0-8]|1[01][0-9]|[1-9]?[0-9])"
# Bytes the kernel refuses in interface names, as characters: '/', ':', NUL, \t to \r,
# space and U+00A0 (its isspace() counts the byte 0xa0).
_IFNAME_REFUSED = r"/:\x00\x09-\x0D\x20\xA0"


def _repeat(unit: str, low: int, high: int) -> str:
    """``unit`` repeated ``low`` to ``high`` times, with no empty or one-off counts."""
    if high == 0:
        return ""
    if (low, high) == (1, 1):
        return unit
    count = f"{{{low}}}" if low == high else f"{{{low},{high}}}"
    return f"({unit}){count}"


def _ipv6() -> str:
    """IPv6 text as Python's ipaddress reads it: 8 hextets, or fewer around one "::"."""

    def left(count: int) -> str:  # exactly ``count`` hextets before "::"
        return "" if count == 0 else _repeat(f"{_HEXTET}:", count - 1, count - 1) + _HEXTET

    def right(most: int) -> str:  # at most ``most`` hextets after "::"
        return "" if most == 0 else f"({_HEXTET}{_repeat(f':{_HEXTET}', 0, most - 1)})?"

    forms = [_repeat(f"{_HEXTET}:", 7, 7) + _HEXTET, _repeat(f"{_HEXTET}:", 6, 6) + _IPV4]
    forms += [f"{left(count)}::{right(7 - count)}" for count in range(8)]
    # An IPv4 tail counts as two hextets.
    forms += [f"{left(count)}::{_repeat(f'{_HEXTET}:', 0, 5 - count)}{_IPV4}" for count in range(6)]
    return "(" + "|".join(forms) + ")"


_IPV6 = _ipv6()
_IP = f"{_IPV4}|{_IPV6}"
_CIDR = f"{_IPV4}/{_PREFIX4}|{_IPV6}/{_PREFIX6}"


def _pattern(body: str) -> str:
    return f"^({body})$"


def _line(body: str, **extra: object) -> dict[str, object]:
    """A one-line string matching ``body``: the pattern, and no newline (see _NO_NEWLINE)."""
    return {"type": "string", **extra, "pattern": _pattern(body), "not": dict(_NO_NEWLINE)}


def _ref(name: str) -> dict[str, object]:
    return {"$ref": f"#/$defs/{name}"}


def _or_empty(name: str) -> dict[str, object]:
    return {"anyOf": [{"const": ""}, _ref(name)]}


_NULL: Final = {"type": "null"}

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
        "description": "Any text (valid Unicode: see lone-surrogates in $comment at the top).",
        "type": "string",
    },
    "nonempty_text": {
        "description": "Any non-empty text (valid Unicode).",
        "type": "string",
        "minLength": 1,
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
        "pattern": _pattern(f"[^{_IFNAME_REFUSED}]*"),
        "not": {"anyOf": [{"enum": [".", ".."]}, dict(_NO_NEWLINE)]},
    },
    "socket_path": {
        "description": (
            f"A unix socket path: non-empty, at most {UNIX_SOCKET_PATH_MAX} bytes, no NUL."
        ),
        "type": "string",
        "minLength": 1,
        "maxLength": UNIX_SOCKET_PATH_MAX,
        "pattern": _pattern(r"[^\x00]*"),
    },
    "pci_address": {
        "description": (
            "A host PCI address DDDD:BB:DD.F in lower-case hex as in sysfs, device at most 1f, "
            "function at most 7, e.g. 0000:85:02.5."
        ),
        **_line(r"[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]"),
    },
    "mac": {
        "title": "a MAC address xx:xx:xx:xx:xx:xx",
        "description": "A MAC address: 6 hex octets, either case, separated by colons.",
        **_line("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}"),
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
        **_line(_IP),
    },
    "ip_or_empty": {
        "description": 'An IP address, or "" for none.',
        **_or_empty("ip"),
    },
    "cidr": {
        "description": "An address with its prefix length, ip/prefix; host bits allowed.",
        **_line(_CIDR),
    },
    "network": {
        "title": "a network ip/prefix",
        "description": (
            "A network, ip/prefix. Its host bits must be zero, which this schema cannot "
            "check (see $comment at the top)."
        ),
        **_line(_CIDR),
    },
    "network_or_empty": {
        "description": 'A network, or "" for none.',
        **_or_empty("network"),
    },
    "neighbor_ip": {
        "description": "An IP address, plain or with its prefix length (ip/prefix).",
        **_line(f"{_IPV4}(/{_PREFIX4})?|{_IPV6}(/{_PREFIX6})?"),
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


def _revision(number: int) -> Revision:
    """The registry's record of a revision; ``ValueError`` naming the known ones otherwise."""
    return _lookup(number)


def _check_edition(edition: str) -> str:
    if edition not in SCHEMA_FILES:
        known = ", ".join(EDITIONS)
        raise ValueError(f"unknown schema edition {edition!r}; known: {known}")
    return SCHEMA_FILES[edition]


BASE_URI: Final = SCHEMA_BASE_URI
"""Base of the schemas' ``$id``: a name, not a download address (``.invalid`` never resolves)."""


def schema_id(revision: int, *, edition: str = "2020-12") -> str:
    """The ``$id`` of a revision's schema: :data:`BASE_URI` and its file (:data:`SCHEMA_FILES`)."""
    record = _revision(revision)
    if edition == "2020-12":
        return record.schema_id
    return BASE_URI + _check_edition(edition).format(revision=record.number)


def json_schema(revision: int = 2, *, edition: str = "2020-12") -> dict[str, Any]:
    """A new copy of the JSON Schema of format ``revision`` (1 or 2), as JSON-ready data.

    ``edition`` is ``"2020-12"`` or ``"draft-07"`` (see :func:`_draft_07`).
    """
    record = _revision(revision)
    _check_edition(edition)
    builder = _Builder()
    root = builder.model(record.config_class)
    body = builder.defs.pop(root)
    del body["title"]
    comment = "Beyond this schema, danmodel.loads(strict=True) also checks: " + " ".join(
        f"[{name}] {rule}" for name, rule in INEXPRESSIBLE.items()
    )
    schema: dict[str, Any] = {
        "$schema": DRAFT,
        "$id": schema_id(revision),
        "title": record.title,
        "$comment": comment,
        **body,
        "$defs": builder.finish(),
    }
    if edition == "draft-07":
        return _draft_07(schema, schema_id(revision, edition=edition))
    return schema


def _draft_07(schema: dict[str, Any], identifier: str) -> dict[str, Any]:
    """The draft-07 spelling of a 2020-12 schema built by :class:`_Builder`.

    The definitions move from ``$defs`` to ``definitions``. Draft 7 ignores every
    keyword beside a ``$ref``, so a ``$ref`` that carries a ``description`` or a
    ``default`` goes into an ``allOf`` of one. Every other keyword the builder
    uses means the same in both drafts, and so do the verdicts.
    """

    def convert(node: object) -> object:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, object] = {key: convert(value) for key, value in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str):
            out["$ref"] = ref.replace("#/$defs/", "#/definitions/", 1)
            if len(out) > 1:
                assert "allOf" not in out, out  # the builder never puts one beside a $ref
                out["allOf"] = [{"$ref": out.pop("$ref")}]
        return out

    converted: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "$defs":
            converted["definitions"] = {name: convert(item) for name, item in value.items()}
        else:
            converted[key] = convert(value)
    converted["$schema"] = DRAFT_07
    converted["$id"] = identifier
    return converted


def schema_text(revision: int = 2, *, edition: str = "2020-12") -> str:
    """The schema as the checked-in file holds it: 2-space indent, ASCII, final newline."""
    return json.dumps(json_schema(revision, edition=edition), indent=2, ensure_ascii=True) + "\n"


def schema_files(revisions: Iterable[int] = REVISIONS) -> dict[str, str]:
    """Every edition of each of ``revisions``: path relative to ``schema/`` -> text.

    What the repository's ``schema/`` folder holds, and what ``danmodel schema
    --write DIR`` writes.
    """
    return {
        SCHEMA_FILES[edition].format(revision=revision): schema_text(revision, edition=edition)
        for revision in revisions
        for edition in EDITIONS
    }


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
    _revision(revision)
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
