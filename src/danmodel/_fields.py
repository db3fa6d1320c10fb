"""Field kinds: how each field of the model is read from JSON, written back and checked.

A kind is attached to every attrs field of the model through its metadata, so
the reader, the writer and the constructors' validators share one definition
of each value. Private: the public face is the model classes and the codec.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from typing import Any, ClassVar, Final

import attrs

from . import addresses
from ._paths import duplicate_message, hint, join, key_text, non_finite_message, number_text, shown
from ._text import DuplicateKeys, NonFinite
from .addresses import ip_text, network_text
from .errors import Problem, ValidationError
from .kernel import IFNAMSIZ, UINT32_MAX, UINT64_MAX, UNIX_SOCKET_PATH_MAX
from .mac import MacAddress

FIELD: Final = "danmodel.kind"
DOC: Final = "danmodel.doc"


class _Failed:
    __slots__ = ()

    def __repr__(self) -> str:
        return "FAILED"


FAILED: Final = _Failed()
"""Returned by a read that reported a problem."""


def describe(value: object) -> str:
    """A short description of a JSON value for error messages."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is str:
        return f"the string {shown(value)}"
    if type(value) is int:
        return f"the integer {number_text(value)}"
    if type(value) is float:
        return f"the number {shown(value)}"
    if type(value) is list:
        return "an array"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, NonFinite):
        return f"{value.token} (not valid JSON)"
    return repr(value)


MAX_PROBLEMS: Final = 1000
"""Most problems one read lists; the rest are counted (``ValidationError.omitted``)."""

FAST_ITEMS: Final = 16
"""A document whose top-level arrays hold at least this many items in all is large: its
structures are read by :attr:`Reader.fast` first (see :func:`danmodel._reader.read`)."""


class Observer:
    """How a runtime reads a document, for the reader's facts mode (see :mod:`danmodel.check`).

    The reader calls these hooks as it walks the document; the default
    methods read the document as the format defines it. An observer notes
    facts (unknown or duplicate keys, values only one runtime parses) at
    their paths and may change what is read, as the runtime would.
    """

    def entries(
        self, kind: Object, value: dict[str, Any], path: str, tag: str | None
    ) -> list[tuple[str, object, str]]:
        """The fields of ``value`` to read: (field name, value, path); unknown keys left out."""
        fields = kind.fields
        return [(key, item, join(path, key)) for key, item in value.items() if key in fields]

    def value(self, cls: type, name: str, value: object, path: str) -> object:
        """The value the runtime reads for field ``name``; :data:`MISSING` if it reads none."""
        return value

    def missing(self, cls: type, name: str, path: str) -> object:
        """The value the runtime reads for an absent field; :data:`MISSING` for the default."""
        return MISSING

    def unreadable(self, path: str) -> None:
        """An optional value danmodel cannot read; its default stands in for it."""

    def not_an_object(self, kind: Field, value: object, path: str) -> None:
        """A value found where ``kind`` (an object) belongs."""

    def reads_plainly(self, kind: Field) -> bool:
        """Whether a value of ``kind`` that the fast reader accepts as it is (known keys
        only, each once, every value valid) is read by the runtime as the model reads it,
        with nothing to note: the reader may then take it without the observer."""
        return False


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""What an :class:`Observer` returns for a value the runtime does not read."""


class Reader:
    """The state of one read: problems found and keys ignored, in document order.

    ``strict`` refuses unknown keys; otherwise they are listed in ``ignored``.
    With an ``observer`` the reader is in facts mode: unknown keys are the
    observer's to note, and an optional value that cannot be read is replaced
    by its default so that the rest of the document can be read.
    ``irregular`` says the document holds duplicate keys or NaN somewhere, so
    that values the model does not read are still searched for them.
    ``fast`` gives for a kind a reader of plainly valid values that returns
    :data:`FAILED` at the first doubt: every object, array and array item is
    read by it first, and only what it gives up on in detail, so that a large
    document with one problem costs about what a valid one does. With an
    observer, only array items of the kinds it :meth:`~Observer.reads_plainly`.
    """

    __slots__ = ("fast", "ignored", "irregular", "observer", "omitted", "problems", "strict")

    def __init__(
        self,
        *,
        strict: bool,
        irregular: bool = True,
        observer: Observer | None = None,
        fast: Callable[[Field], Callable[[object], object]] | None = None,
    ) -> None:
        self.strict = strict
        self.irregular = irregular
        self.observer = observer
        self.fast = fast
        self.problems: list[Problem] = []
        self.ignored: list[Problem] = []
        self.omitted = 0

    def problem(self, path: str, message: str) -> _Failed:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(path=path, message=message))
        else:
            self.omitted += 1
        return FAILED

    def skipped(self, value: object, path: str) -> None:
        """Report duplicate keys and NaN inside a value the model does not read."""
        if self.irregular and isinstance(value, (dict, list)):
            _report_irregular(value, path, self)


def _report_irregular(value: dict[str, Any] | list[Any], path: str, reader: Reader) -> None:
    """Walk a JSON value depth first, holding one iterator per level (memory: its depth)."""
    _report_duplicates(value, path, reader)
    stack: list[tuple[str, Iterator[tuple[str, object]]]] = [(path, _children(value, path))]
    while stack:
        for where, child in stack[-1][1]:
            if isinstance(child, NonFinite):
                reader.problem(where, non_finite_message(child.token))
            elif isinstance(child, (dict, list)) and child:
                _report_duplicates(child, where, reader)
                stack.append((where, _children(child, where)))
                break
        else:
            stack.pop()


def _children(value: dict[str, Any] | list[Any], path: str) -> Iterator[tuple[str, object]]:
    """Each child of a container with its path, the path built only for what is walked."""
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, NonFinite) or (isinstance(child, (dict, list)) and child):
                yield join(path, key), child
    else:
        for index, child in enumerate(value):
            if isinstance(child, NonFinite) or (isinstance(child, (dict, list)) and child):
                yield f"{path}[{index}]", child


def _report_duplicates(value: object, path: str, reader: Reader) -> None:
    if type(value) is DuplicateKeys:
        for key, count in value.duplicates.items():
            reader.problem(join(path, key), duplicate_message(key, count))


class Field:
    """How one field's value is read, written and checked."""

    description: str = "a value"
    structured: ClassVar[bool] = False
    """An object or an array, which :attr:`Reader.fast` may read."""

    def read(self, value: object, path: str, reader: Reader) -> object:
        """Turn a parsed JSON value into the model's value, or report and return FAILED."""
        raise NotImplementedError

    def write(self, value: Any) -> object:
        """Turn the model's value into a JSON value (structures: see the codec)."""
        return value

    def check(self, value: object) -> tuple[str, str] | None:
        """Check a value given to a constructor: None, or where (``"[2]"``, ``""``) and what."""
        raise NotImplementedError

    def __call__(self, instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        """Act as the attrs validator of a field of this kind."""
        found = self.check(value)
        if found is not None:
            where, message = found
            path = f"{type(instance).__name__}.{attribute.name}{where}"
            raise ValidationError([Problem(path=path, message=message)])


def _not_type(kind: Field, value: object) -> str:
    return f"expected {kind.description}, found {describe(value)}"


class Leaf(Field):
    """A scalar read by a parse function that raises ``ValueError`` with the message.

    ``schema`` names the definition (``$defs``) that describes its JSON form in
    the JSON Schema (see :mod:`danmodel.schema`).
    """

    def __init__(
        self,
        description: str,
        parse: Callable[[Any], object],
        accepts: Callable[[object], bool],
        write: Callable[[Any], object] | None = None,
        json_type: type = str,
        python: str | None = None,
        schema: str | None = None,
    ) -> None:
        self.description = description
        self.schema = schema
        self._python = python
        self._parse = parse
        self._accepts = accepts
        self._json_type = json_type
        self._write = write

    @property
    def json_type(self) -> type:
        """The type of its JSON value (``str`` or ``int``)."""
        return self._json_type

    @property
    def parse(self) -> Callable[[Any], object]:
        """Its parse function: a JSON value of :attr:`json_type` to the model value."""
        return self._parse

    @property
    def text(self) -> Callable[[Any], object] | None:
        """Its write function (model value to JSON value), or None when the value is its JSON."""
        return self._write

    def write(self, value: Any) -> object:
        return value if self._write is None else self._write(value)

    def parse_json(self, value: object) -> object:
        """The model value of a JSON value; ``ValueError`` (maybe without a message) if refused.

        What :meth:`read` does, without a path or a reader, for the loader's fast path.
        """
        if type(value) is not self._json_type:
            raise ValueError
        return self._parse(value)

    def read(self, value: object, path: str, reader: Reader) -> object:
        if type(value) is not self._json_type:
            if isinstance(value, NonFinite):
                return reader.problem(path, non_finite_message(value.token))
            reader.skipped(value, path)
            return reader.problem(path, _not_type(self, value))
        try:
            return self._parse(value)
        except ValueError as error:
            return reader.problem(path, str(error))

    def check(self, value: object) -> tuple[str, str] | None:
        if self._accepts(value):
            return None
        if type(value) is self._json_type:
            try:
                self._parse(value)
            except ValueError as error:
                return "", str(error)
        return "", f"expected {self._python or self.description}, found {shown(value)}"


class Nullable(Field):
    """A kind that also accepts JSON null (None in the model)."""

    def __init__(self, inner: Field) -> None:
        self.inner = inner
        self.description = f"{inner.description} or null"

    def read(self, value: object, path: str, reader: Reader) -> object:
        if value is None:
            return None
        return self.inner.read(value, path, reader)

    def write(self, value: Any) -> object:
        return None if value is None else self.inner.write(value)

    def check(self, value: object) -> tuple[str, str] | None:
        return None if value is None else self.inner.check(value)


# --- scalars -------------------------------------------------------------------------------


def _uint(bits: int, maximum: int, schema: str) -> Leaf:
    def parse(value: int) -> int:
        if 0 <= value <= maximum:
            return value
        raise ValueError(
            f"expected an unsigned {bits}-bit integer (0 to {maximum}), found {number_text(value)}"
        )

    def accepts(value: object) -> bool:
        return (
            isinstance(value, int)
            and value is not True
            and value is not False
            and (0 <= value <= maximum)
        )

    def write(value: int) -> int:
        return value if type(value) is int else int(value)  # named values (IntEnum) as plain int

    return Leaf(
        f"an unsigned {bits}-bit integer", parse, accepts, write=write, json_type=int, schema=schema
    )


UINT32: Final = _uint(32, UINT32_MAX, "uint32")
UINT64: Final = _uint(64, UINT64_MAX, "uint64")


def _text(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"{shown(value)} holds a lone surrogate (an unpaired \\ud800-\\udfff escape), "
            "which is not valid Unicode"
        ) from None
    return value


def _is_text(value: object) -> bool:
    if type(value) is not str:
        return False
    try:
        _text(value)
    except ValueError:
        return False
    return True


STRING: Final = Leaf("a string", _text, _is_text, schema="text")


def _nonempty(value: str) -> str:
    if not value:
        raise ValueError("expected a non-empty string, found an empty string")
    return _text(value)


NONEMPTY_STRING: Final = Leaf(
    "a non-empty string", _nonempty, lambda v: _is_text(v) and v != "", schema="nonempty_text"
)

# Bytes the kernel's dev_valid_name() refuses: '/', ':', NUL, and what its isspace()
# (lib/ctype.c) counts as space, ASCII white space and 0xA0.
_NAME_REFUSED = frozenset(b"/:\0 \t\n\v\f\r\xa0")


def _ifname(value: str) -> str:
    encoded = _text(value).encode("utf-8")
    size = len(encoded)
    if size == 0:
        raise ValueError("expected a Linux interface name, found an empty string")
    if size >= IFNAMSIZ:
        raise ValueError(
            f"interface name {shown(value)} is {size} bytes; Linux allows at most {IFNAMSIZ - 1}"
        )
    if value in (".", ".."):
        raise ValueError(f"{shown(value)} is not a valid Linux interface name")
    refused = _NAME_REFUSED.intersection(encoded)
    if refused:
        byte = min(refused)
        found = "the byte 0xa0 in UTF-8" if byte == 0xA0 else repr(chr(byte))
        raise ValueError(
            f"interface name {shown(value)} contains {found}; Linux refuses '/', ':', NUL "
            "and whitespace (its isspace() includes the byte 0xa0) in interface names"
        )
    return value


def _accepts_by_parse(parse: Callable[[Any], object]) -> Callable[[object], bool]:
    def accepts(value: object) -> bool:
        if type(value) is not str:
            return False
        try:
            parse(value)
        except ValueError:
            return False
        return True

    return accepts


IFNAME: Final = Leaf(
    "a Linux interface name", _ifname, _accepts_by_parse(_ifname), schema="interface_name"
)


def _socket_path(value: str) -> str:
    size = len(_nonempty(value).encode("utf-8"))
    if "\0" in value:
        raise ValueError(f"socket path {shown(value)} contains NUL")
    if size > UNIX_SOCKET_PATH_MAX:
        raise ValueError(
            f"socket path is {size} bytes; a unix socket path holds at most {UNIX_SOCKET_PATH_MAX}"
        )
    return value


SOCKET_PATH: Final = Leaf(
    "a unix socket path", _socket_path, _accepts_by_parse(_socket_path), schema="socket_path"
)

_PCI_ADDRESS = r"([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-9a-fA-F])"
_pci_pattern: list[re.Pattern[str]] = []  # compiled on first use, not by `import danmodel`


def _pci_address(value: str) -> str:
    if not _pci_pattern:
        _pci_pattern.append(re.compile(_PCI_ADDRESS))
    match = _pci_pattern[0].fullmatch(value)
    if match is None:
        raise ValueError(
            f"expected a PCI address DDDD:BB:DD.F (e.g. 0000:85:02.5), found {describe(value)}"
        )
    if int(match[3], 16) > 0x1F or int(match[4], 16) > 7:
        raise ValueError(
            f"PCI address {shown(value)} is out of range: the device is at most 1f "
            "and the function at most 7"
        )
    if value != value.lower():
        raise ValueError(
            f"PCI address {shown(value)} must be lower-case as in sysfs: {value.lower()!r}"
        )
    return value


PCI_ADDRESS: Final = Leaf(
    "a PCI address DDDD:BB:DD.F",
    _pci_address,
    _accepts_by_parse(_pci_address),
    schema="pci_address",
)


def _no_zone(value: object) -> bool:
    return getattr(value, "scope_id", None) is None


MAC: Final = Leaf(
    "a MAC address xx:xx:xx:xx:xx:xx",
    MacAddress.parse,
    lambda v: type(v) is MacAddress,
    write=str,
    python="a MacAddress (from MacAddress.parse(text))",
    schema="mac",
)


def _mac_or_empty(value: str) -> MacAddress | None:
    return None if value == "" else MacAddress.parse(value)


MAC_OR_EMPTY: Final = Leaf(
    'a MAC address xx:xx:xx:xx:xx:xx or ""',
    _mac_or_empty,
    lambda v: v is None or type(v) is MacAddress,
    write=lambda v: "" if v is None else str(v),
    python="a MacAddress (from MacAddress.parse(text)) or None",
    schema="mac_or_empty",
)

IP_INTERFACE: Final = Leaf(
    "an address with prefix, ip/prefix",
    addresses.parse_interface,
    lambda v: isinstance(v, (IPv4Interface, IPv6Interface)) and _no_zone(v),
    write=ip_text,
    python="an IPv4Interface or IPv6Interface (from danmodel.parse_interface(text))",
    schema="cidr",
)


def _network_or_empty(value: str) -> addresses.IPNetwork | None:
    return None if value == "" else addresses.parse_network(value)


NETWORK_OR_EMPTY: Final = Leaf(
    'a network ip/prefix or ""',
    _network_or_empty,
    lambda v: v is None or isinstance(v, (IPv4Network, IPv6Network)),
    write=lambda v: "" if v is None else network_text(v),
    python="an IPv4Network, IPv6Network (from danmodel.parse_network(text)) or None",
    schema="network_or_empty",
)


def _ip_or_empty(value: str) -> addresses.IPAddress | None:
    return None if value == "" else addresses.parse_ip(value)


def _is_plain_ip(value: object) -> bool:
    return (type(value) is IPv4Address or type(value) is IPv6Address) and _no_zone(value)


IP_OR_EMPTY: Final = Leaf(
    'an IP address or ""',
    _ip_or_empty,
    lambda v: v is None or _is_plain_ip(v),
    write=lambda v: "" if v is None else ip_text(v),
    python="an IPv4Address, IPv6Address (from danmodel.parse_ip(text)) or None",
    schema="ip_or_empty",
)

_NEIGHBOR_IP_TEXT: Final = Leaf(
    "an IP address, plain or with prefix",
    addresses.parse_neighbor_ip,
    lambda v: isinstance(v, (IPv4Address, IPv6Address)) and _no_zone(v),
    write=ip_text,
    python="an IP address or interface (from danmodel.parse_neighbor_ip(text))",
    schema="neighbor_ip",
)
NEIGHBOR_IP: Final = Nullable(_NEIGHBOR_IP_TEXT)

# --- text forms for constructors ------------------------------------------------------------
#
# Each model field whose value has a JSON text form takes one of these as its attrs
# converter, so that Route(dest="10.0.0.0/8") works as Route(dest=parse_network(...)).
# Text that does not parse is left as it is: the field's descriptor, its validator,
# then refuses it with the loader's message. Typed values pass through unchanged, and
# the fast reader, which has just parsed them, skips these converters.

IPInterface = IPv4Interface | IPv6Interface


def _from_text(leaf: Leaf, value: object) -> Any:
    if type(value) is str:
        try:
            return leaf.parse_json(value)
        except ValueError:
            return value  # the validator reports it, with the loader's message
    return value


def to_mac(value: MacAddress | str) -> MacAddress:
    """A ``MacAddress``, from itself or its text."""
    return _from_text(MAC, value)  # type: ignore[no-any-return]


def to_mac_or_none(value: MacAddress | str | None) -> MacAddress | None:
    """A ``MacAddress`` or None, from itself, its text or ``""``."""
    return _from_text(MAC_OR_EMPTY, value)  # type: ignore[no-any-return]


def to_interface(value: IPInterface | str) -> IPInterface:
    """An address with its prefix, from itself or ``ip/prefix`` text."""
    return _from_text(IP_INTERFACE, value)  # type: ignore[no-any-return]


def to_interfaces(values: Iterable[IPInterface | str]) -> tuple[IPInterface, ...]:
    """A tuple of addresses with their prefix, from any iterable of them or their text."""
    if type(values) is str:
        return values  # type: ignore[return-value]  # the validator refuses it
    return tuple([_from_text(IP_INTERFACE, value) for value in values])


def to_network_or_none(
    value: IPv4Network | IPv6Network | str | None,
) -> IPv4Network | IPv6Network | None:
    """A network or None, from itself, ``ip/prefix`` text or ``""``."""
    return _from_text(NETWORK_OR_EMPTY, value)  # type: ignore[no-any-return]


def to_ip_or_none(
    value: IPv4Address | IPv6Address | str | None,
) -> IPv4Address | IPv6Address | None:
    """An IP address or None, from itself, its text or ``""``."""
    return _from_text(IP_OR_EMPTY, value)  # type: ignore[no-any-return]


def to_neighbor_ip(
    value: IPv4Address | IPv6Address | IPInterface | str | None,
) -> IPv4Address | IPv6Address | None:
    """A neighbor IP (plain, or an interface keeping its prefix) or None, from itself or text."""
    return _from_text(_NEIGHBOR_IP_TEXT, value)  # type: ignore[no-any-return]


TEXT_FORMS: Final = frozenset(
    {
        to_mac,
        to_mac_or_none,
        to_interface,
        to_interfaces,
        to_network_or_none,
        to_ip_or_none,
        to_neighbor_ip,
    }
)
"""The converters above: the fast reader, which reads typed values, skips them."""


# --- structures ----------------------------------------------------------------------------


class FieldSpec:
    """A field of a model class as the reader sees it (a plain class: cheaper to define)."""

    __slots__ = ("kind", "required", "suffix")

    def __init__(self, kind: Field, required: bool, suffix: str | None) -> None:
        self.kind = kind
        self.required = required
        self.suffix = suffix
        """What its key adds to a path, when the key is a plain name (else use ``join``)."""


class Object(Field):
    """A JSON object read into an attrs class, one key per field."""

    structured = True

    newer_keys_attribute: ClassVar[str] = "_dan_newer_keys"

    def __init__(self, cls: type, description: str | None = None) -> None:
        self.cls = cls
        self.description = description or f"an object ({cls.__name__})"

    @cached_property
    def fields(self) -> dict[str, FieldSpec]:
        specs = {}
        for field in attrs.fields(self.cls):
            kind = field.metadata[FIELD]
            required = field.default is attrs.NOTHING
            suffix = join("", field.name)
            specs[field.name] = FieldSpec(kind, required, suffix if suffix[0] == "." else None)
        return specs

    @cached_property
    def newer_keys(self) -> Mapping[str, str]:
        newer: Mapping[str, str] = getattr(self.cls, self.newer_keys_attribute, {})
        return newer

    def read(self, value: object, path: str, reader: Reader, *, tag: str | None = None) -> object:
        if not isinstance(value, dict):
            if reader.observer is not None:
                reader.observer.not_an_object(self, value, path)
            reader.skipped(value, path)
            return reader.problem(path, _not_type(self, value))
        if reader.observer is not None:
            return self._read_observed(value, path, reader, reader.observer, tag)
        failed = False
        if type(value) is DuplicateKeys:
            for key, count in value.duplicates.items():
                reader.problem(join(path, key), duplicate_message(key, count))
            failed = True
        fields = self.fields
        kwargs: dict[str, object] = {}
        for key, item in value.items():
            spec = fields.get(key)
            if spec is None:
                if key != tag:
                    failed = self._unknown(key, join(path, key), reader) or failed
                    reader.skipped(item, join(path, key))
                continue
            suffix = spec.suffix
            item_path = path + suffix if suffix is not None else join(path, key)
            kind = spec.kind
            if reader.fast is not None and kind.structured:
                result = reader.fast(kind)(item)
                if result is FAILED:
                    result = kind.read(item, item_path, reader)
            else:
                result = kind.read(item, item_path, reader)
            if result is FAILED:
                failed = True
            else:
                kwargs[key] = result
        if len(kwargs) < len(fields) or failed:
            for key, spec in fields.items():
                if spec.required and key not in value:
                    reader.problem(join(path, key), f"missing required key {key_text(key)}")
                    failed = True
        if failed or reader.problems:
            # After a problem anywhere the read fails: building more objects is wasted.
            return FAILED
        return self._build(kwargs, path, reader)

    def _read_observed(
        self, value: dict[str, Any], path: str, reader: Reader, observer: Observer, tag: str | None
    ) -> object:
        """Read as a runtime reads: the observer picks the keys and notes what it sees."""
        fields = self.fields
        kwargs: dict[str, object] = {}
        failed = False
        if reader.irregular:
            for key, item in value.items():
                if key not in fields and key != tag:
                    # The runtimes' parsers refuse NaN anywhere.
                    reader.skipped(item, join(path, key))
        for name, item, item_path in observer.entries(self, value, path, tag):
            item = observer.value(self.cls, name, item, item_path)
            if item is MISSING:
                continue
            spec = fields[name]
            result = spec.kind.read(item, item_path, reader)
            if result is not FAILED:
                kwargs[name] = result
            elif spec.required:
                kwargs[name] = FAILED
                failed = True
            else:
                observer.unreadable(item_path)  # its default stands in
        for name, spec in fields.items():
            if name in kwargs:
                continue
            item_path = join(path, name)
            item = observer.missing(self.cls, name, item_path)
            if item is not MISSING:
                result = spec.kind.read(item, item_path, reader)
                if result is not FAILED:
                    kwargs[name] = result
                    continue
            if spec.required:
                reader.problem(item_path, f"missing required key {key_text(name)}")
                failed = True
        if failed:
            return FAILED
        return self._build(kwargs, path, reader)

    def _build(self, kwargs: dict[str, object], path: str, reader: Reader) -> object:
        try:
            return self.cls(**kwargs)
        except ValidationError as error:
            prefix = f"{self.cls.__name__}."
            for problem in error.errors:
                inner = problem.path.removeprefix(prefix)
                where = path + ("" if inner.startswith("[") else ".") + inner
                reader.problem(where, problem.message)
            return FAILED

    def _unknown(self, key: str, path: str, reader: Reader) -> bool:
        """Report an unknown key; True when it makes the document invalid."""
        newer = self.newer_keys.get(key)
        if newer is not None:
            reader.problem(path, newer)
            return True
        message = f"unknown key {key_text(key)}{hint(key, self.fields)}"
        if reader.strict:
            reader.problem(path, message)
            return True
        reader.ignored.append(Problem(path=path, message=message + ", ignored"))
        return False

    def check(self, value: object) -> tuple[str, str] | None:
        if type(value) is self.cls:
            return None
        return "", f"expected a {self.cls.__module__}.{self.cls.__name__}, found {shown(value)}"


class Array(Field):
    """A JSON array read into a tuple."""

    structured = True

    def __init__(self, item: Field) -> None:
        self.item = item
        self.description = f"an array of {item.description}"

    def read(self, value: object, path: str, reader: Reader) -> object:
        if type(value) is not list:
            reader.skipped(value, path)
            return reader.problem(path, _not_type(self, value))
        read = self.item.read
        if reader.fast is None or not self.item.structured:
            items = [read(item, f"{path}[{index}]", reader) for index, item in enumerate(value)]
        else:
            fast = reader.fast(self.item)
            items = [fast(item) for item in value]
            for index, item in enumerate(items):
                if item is FAILED:
                    items[index] = read(value[index], f"{path}[{index}]", reader)
        if any(item is FAILED for item in items):
            return FAILED
        return tuple(items)

    def check(self, value: object) -> tuple[str, str] | None:
        if type(value) is not tuple:
            return "", f"expected a tuple, found {shown(value)}"
        for index, item in enumerate(value):
            found = self.item.check(item)
            if found is not None:
                return f"[{index}]{found[0]}", found[1]
        return None


class Tagged(Field):
    """A JSON object whose ``type`` key picks the class it is read into."""

    structured = True

    def __init__(self, variants: Mapping[str, type], newer: Mapping[str, str]) -> None:
        self.variants = {tag: Object(cls) for tag, cls in variants.items()}
        self.tags = {cls: tag for tag, cls in variants.items()}
        self.newer = newer
        names = ", ".join(f'"{tag}"' for tag in variants)
        self.description = f'an object with "type" one of {names}'

    def read(self, value: object, path: str, reader: Reader) -> object:
        if not isinstance(value, dict):
            if reader.observer is not None:
                reader.observer.not_an_object(self, value, path)
            reader.skipped(value, path)
            return reader.problem(path, _not_type(self, value))
        tag = value.get("type", FAILED)
        if tag is FAILED or type(tag) is not str or tag not in self.variants:
            reader.skipped(value, path)
        tag_path = join(path, "type")
        if tag is FAILED:
            return reader.problem(tag_path, f'missing required key "type" ({self.description})')
        if type(tag) is not str:
            return reader.problem(tag_path, f"expected a device type string, found {describe(tag)}")
        variant = self.variants.get(tag)
        if variant is None:
            if tag in self.newer:
                return reader.problem(tag_path, self.newer[tag])
            known = ", ".join(f'"{name}"' for name in self.variants)
            return reader.problem(
                tag_path,
                f"unknown device type {key_text(tag)}{hint(tag, self.variants)}; "
                f"expected one of {known}",
            )
        return variant.read(value, path, reader, tag="type")

    def check(self, value: object) -> tuple[str, str] | None:
        if type(value) in self.tags:
            return None
        names = ", ".join(cls.__name__ for cls in self.tags)
        return "", f"expected one of {names}, found {shown(value)}"


def meta(kind: Field, doc: str) -> dict[str, object]:
    """The metadata of a model field: its kind and its documentation."""
    return {FIELD: kind, DOC: doc}


def validate_by_field(cls: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    """attrs field transformer: every field is validated by its descriptor, and only by it.

    A validator of its own would be replaced, so it is refused: checks across
    fields belong in ``__attrs_post_init__``, which every reader runs.
    """
    for field in fields:
        if field.validator is not None:
            raise TypeError(
                f"{cls.__qualname__}.{field.name}: its field descriptor validates it; "
                "put other checks in __attrs_post_init__"
            )
    return [field.evolve(validator=field.metadata[FIELD]) for field in fields]
