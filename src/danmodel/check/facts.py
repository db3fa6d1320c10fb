"""What a runtime sees in the raw document: :class:`Fact` s, noted by the one reader.

:func:`read` parses a document and reads it with danmodel's reader in facts
mode, through :class:`RuntimeReading`, an observer that reads as the runtime
does (runtime-rs: exact keys, unknown keys ignored, addresses that are not
``ip/prefix`` skipped; the Go runtime: keys matched case-insensitively,
duplicate objects merged, null as the zero value, its own MAC, gateway and
dest readings) and notes the facts the model cannot see: unknown, duplicate
and missing keys, values only one runtime parses, arrays for objects. The
rules of :mod:`danmodel.check.rules` look at the facts and at the config read.

Two fast paths skip the observer where it would note nothing the reader
cannot work out cheaply: a document ``loads`` accepts as it is
(:func:`_read_plainly_valid`) and, for the Go runtime, one whose only
irregularity is keys in another letter case (:func:`_read_folded`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Sequence
from ipaddress import IPv4Network, IPv6Network
from typing import Any, ClassVar

import attrs

from .. import _text, v2
from .._collector import collector_paused
from .._fast_reader import Invalid, fast_reader
from .._fields import FAILED, MISSING, Array, Field, Nullable, Object, Observer, Tagged
from .._model import Interface
from .._paths import join
from .._reader import read as read_value
from .._text import DuplicateKeys
from ..addresses import parse_interface, parse_ip
from ..errors import Problem
from ..mac import MacAddress

__all__ = [
    "Fact",
    "PathMap",
    "Raw",
    "RuntimeReading",
    "go_parse_mac",
    "prefixes",
    "read",
    "same_path",
]


@attrs.frozen(kw_only=True)
class Fact:
    """Something found in the raw document, at ``path``."""

    kind: str
    path: str
    text: str = ""
    """The key or value concerned."""
    other: str = ""
    """A related key or value (the key a misspelling folds to, the network of a dest)."""
    flag: bool = False
    """Field-specific: duplicate values all objects; a MAC the Go runtime reads."""
    line: int | None = None
    """1-based line of a JSON syntax error."""
    column: int | None = None


_GO_MAC = re.compile(
    r"(?P<colon>[0-9a-fA-F]{2}(?P<sep>[:-])[0-9a-fA-F]{2}(?:(?P=sep)[0-9a-fA-F]{2})*)"
    r"|(?P<dot>[0-9a-fA-F]{4}(?:\.[0-9a-fA-F]{4})*)"
)


def go_parse_mac(text: str) -> bytes | None:
    """The octets Go's ``net.ParseMAC`` reads from ``text`` (6, 8 or 20), or None."""
    match = _GO_MAC.fullmatch(text)
    if match is None:
        return None
    octets = bytes.fromhex(re.sub(r"[:.-]", "", text))
    return octets if len(octets) in (6, 8, 20) else None


def _merge(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """What Go's decoder leaves when it decodes ``second`` into ``first``."""
    merged = dict(first)
    for key, value in second.items():
        old = merged.get(key)
        merged[key] = (
            _merge(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
        )
    return merged


_HOST_FIELDS = tuple(
    dict.fromkeys(
        name
        for variant in (v2.HostTap, v2.VhostUser, v2.Vfio)
        for name in attrs.fields_dict(variant)
    )
)
"""Every key of every device variant, for a device whose type danmodel cannot read."""

_STEP = re.compile(r"\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\]|\['(?:[^'\\]|\\.)*'\]")


def prefixes(path: str) -> list[str]:
    """``path`` and its ancestors, longest first: ``$.a[0].b``, ``$.a[0]``, ``$.a``, ``$``."""
    ends = [match.end() for match in _STEP.finditer(path)]
    return [path[:end] for end in reversed(ends)] + ["$"]


class PathMap:
    """Paths in the config the runtime reads, to paths in the document, and back.

    They differ where a key was matched case-insensitively or array entries
    were skipped; each such place is kept once, and a path is mapped through
    its longest recorded ancestor (time: its depth). What each config prefix
    maps to is remembered until the next :meth:`add`, so the many findings of
    a large check share the walk up their common prefixes. (The reader keeps
    the config path of what it reads itself: :class:`RuntimeReading`.)
    """

    def __init__(self) -> None:
        self._to_document: dict[str, str] = {}
        self._to_config: dict[str, str] = {}
        self._document_memo: dict[str, str] = {}

    def add(self, config: str, document: str) -> None:
        if config != document:
            self._to_document[config] = document
            self._to_config[document] = config
            if self._document_memo:
                self._document_memo.clear()

    @staticmethod
    def _through(table: dict[str, str], path: str, memo: dict[str, str] | None = None) -> str:
        if not table:
            return path
        # Longest prefix first, cut before each "." or "[": a cut inside a quoted key gives
        # text that is no path, hence in no table; every real prefix is among the cuts.
        ends = []
        end = len(path)
        mapped = None
        while end > 0:
            prefix = path[:end]
            mapped = table.get(prefix)
            if mapped is None and memo is not None:
                mapped = memo.get(prefix)
            if mapped is not None:
                break
            ends.append(end)
            end = max(path.rfind(".", 0, end), path.rfind("[", 0, end))
        if mapped is None:  # no prefix is mapped: every one is its own
            mapped, end = "", 0
        if memo is not None:
            for cut in reversed(ends):
                memo[path[:cut]] = mapped + path[end:cut]
        return mapped + path[end:]

    def to_document(self, path: str) -> str:
        """Where a place of the config is in the document."""
        return self._through(self._to_document, path, self._document_memo)

    def to_config(self, path: str) -> str:
        """Where a place of the document is in the config."""
        return self._through(self._to_config, path)


def missing_facts(
    cls: type, keys: Collection[str], nulls: Collection[str], path: str, *, go: bool
) -> list[Fact]:
    """The missing keys of an object of ``cls`` whose absence a runtime reads its own way.

    ``keys`` are the keys the runtime read (for the Go runtime, matched without case)
    and ``nulls`` those of them that were null. To runtime-rs a null ``guest_mac`` or
    ``mtu`` is a value it refuses (``value-invalid``), not a missing one; to the Go
    runtime a null leaves the zero value, as a missing key does.
    """
    found = []
    if cls is v2.DanConfig:
        if "devices" not in keys or "devices" in nulls:
            fix = (
                'put the device in a config: {"devices": [...]}'
                if {"device", "network_info"} <= set(keys)
                else ""
            )
            found.append(_missing_key(path, "devices", nulls, fix))
    elif cls is v2.DanDevice:
        if "guest_mac" not in keys or (go and "guest_mac" in nulls):
            found.append(_missing_key(path, "guest_mac", nulls))
    elif cls is Interface:
        if "mtu" not in keys or (go and "mtu" in nulls):
            found.append(_missing_key(path, "mtu", nulls))
        if "ip_addresses" not in keys or "ip_addresses" in nulls:
            found.append(_missing_key(path, "ip_addresses", nulls))
    return found


_NOTES_MISSING = (v2.DanConfig, v2.DanDevice, Interface)
"""The classes :func:`missing_facts` looks at."""


def _missing_key(path: str, key: str, nulls: Collection[str], fix: str = "") -> Fact:
    return Fact(kind="missing-key", path=join(path, key), text=key, other=fix, flag=key in nulls)


_PLAIN_CLASSES = (v2.Route, v2.Neighbor)


class RuntimeReading(Observer):
    """Reads a document as runtime-rs (``go=False``) or the Go runtime (``go=True``) does."""

    def __init__(self, *, go: bool) -> None:
        self.go = go
        self.facts: list[Fact] = []
        self.paths = PathMap()
        self._config_paths: dict[str, str] = {"$": "$"}
        """The config path of each object and array read so far, by document path: what
        ``paths.to_config`` gives, kept as the reading goes down (see :meth:`_config_path`)."""
        self.unset: list[str] = []
        """Document paths of optional values danmodel could not read (defaults stand in)."""

    def fact(
        self, kind: str, path: str, text: str = "", other: str = "", flag: bool = False
    ) -> None:
        self.facts.append(Fact(kind=kind, path=path, text=text, other=other, flag=flag))

    # --- keys ----------------------------------------------------------------------------

    def entries(
        self, kind: Object, value: dict[str, Any], path: str, tag: str | None
    ) -> list[tuple[str, object, str]]:
        fields: Sequence[str] = tuple(kind.fields)
        pairs = value.pairs if type(value) is DuplicateKeys else list(value.items())
        if type(value) is DuplicateKeys:
            for key, count in value.duplicates.items():
                values = [item for name, item in pairs if name == key]
                merged = all(isinstance(item, dict) for item in values)
                self.fact("duplicate-key", join(path, key), key, str(count), merged)
        chosen: dict[str, tuple[object, str, str]] = {}
        nulled: set[str] = set()
        for key, item in pairs:
            target = key
            if key == tag:
                continue
            if key not in kind.fields:
                folded = next((name for name in fields if name.casefold() == key.casefold()), "")
                if folded == "" and tag is not None and key.casefold() == tag:
                    # "Type": the device type picks the variant by its exact key only
                    self.fact("unknown-key", join(path, key), key, tag, flag=True)
                    continue
                close = folded or next(iter(difflib.get_close_matches(key, fields, 1, 0.7)), "")
                self.fact("unknown-key", join(path, key), key, close, flag=bool(folded))
                if not (self.go and folded):
                    continue
                target = folded
            spec = kind.fields.get(key)
            suffix = spec.suffix if spec is not None else None
            item_path = path + suffix if suffix is not None else join(path, key)
            if self.go and item is None:
                chosen.pop(target, None)  # Go leaves the zero value
                nulled.add(target)
                continue
            nulled.discard(target)
            old = chosen.get(target)
            if self.go and old is not None and isinstance(old[0], dict) and isinstance(item, dict):
                item = _merge(old[0], item)
            chosen[target] = (item, item_path, key)
        config_path = self._config_path(path)
        renamed = config_path != path
        entries = []
        config_paths = self._config_paths
        for name, (item, item_path, key) in chosen.items():
            if renamed or name != key:  # else the config's path is the document's
                item_config_path = join(config_path, name)
                self.paths.add(item_config_path, item_path)
            else:
                item_config_path = item_path
            if type(item) is dict or type(item) is list or type(item) is DuplicateKeys:
                config_paths[item_path] = item_config_path
            entries.append((name, item, item_path))
        if self.go:  # the keys Go read, case folded, and which of them were null
            self.facts += missing_facts(kind.cls, chosen.keys() | nulled, nulled, path, go=True)
        else:
            nulls = {key for key, item in value.items() if item is None}
            self.facts += missing_facts(kind.cls, value.keys(), nulls, path, go=False)
        return entries

    def _config_path(self, path: str) -> str:
        """``paths.to_config(path)`` for an object or array being read, without walking the
        path: its own, noted by the object above it, or its array's, plus its index (the
        items of an array keep their indexes, but for ``ip_addresses``, which holds no
        object or array)."""
        found = self._config_paths.get(path)
        if found is not None:
            return found
        head, bracket, index = path.rpartition("[")
        if bracket and index[:-1].isdecimal() and index[-1:] == "]":
            array = self._config_paths.get(head)
            if array is not None:
                return array + path[len(head) :]
        return self.paths.to_config(path)

    def not_an_object(self, kind: Field, value: object, path: str) -> None:
        if isinstance(value, list):
            if isinstance(kind, Tagged):
                fields: Sequence[str] = ("type", *_HOST_FIELDS)
            elif isinstance(kind, Object):
                fields = tuple(kind.fields)
            else:
                return
            self.fact("array-for-object", path, other=", ".join(fields))

    def unreadable(self, path: str) -> None:
        self.unset.append(path)

    def reads_plainly(self, kind: Field) -> bool:
        # A route or a neighbor the fast reader accepts has no unknown, miscased or
        # duplicate key and no value a runtime reads its own way (each of those fails it),
        # and a null in it reads as the default, as the Go runtime's zero value: both
        # runtimes read it as the model does, with nothing to note. A renamed key above
        # it maps its paths through the renamed prefix (PathMap).
        return isinstance(kind, Object) and kind.cls in _PLAIN_CLASSES

    # --- values --------------------------------------------------------------------------

    def missing(self, cls: type, name: str, path: str) -> object:
        if self.go and (
            (cls is v2.DanConfig and name == "devices")
            or (cls is Interface and name == "ip_addresses")
        ):
            return []  # Go reads a missing or null array as empty
        return MISSING

    def value(self, cls: type, name: str, value: object, path: str) -> object:
        if cls is v2.DanDevice and name == "guest_mac":
            return self._mac(value, path)
        if cls is Interface and name == "ip_addresses":
            return self._addresses(value, path)
        if cls is v2.Route and name in ("gateway", "source"):
            return self._route_ip(name, value, path)
        if cls is v2.Route and name == "dest":
            return self._dest(value, path)
        return value

    def _mac(self, value: object, path: str) -> object:
        if type(value) is str:
            try:
                MacAddress.parse(value)
            except ValueError:
                octets = go_parse_mac(value)
                self.fact("bad-mac", path, value, flag=octets is not None)
                if self.go and octets is not None and len(octets) == 6:
                    return octets.hex(":")
        return value

    def _addresses(self, entries: object, path: str) -> object:
        if not isinstance(entries, list):
            return entries
        kept: list[object] = []
        config_path = self._config_path(path)
        for index, entry in enumerate(entries):
            if type(entry) is str:
                try:
                    parse_interface(entry)
                except ValueError:
                    self.fact("not-cidr", f"{path}[{index}]", entry)
                    if not self.go:
                        continue  # runtime-rs skips it
            self.paths.add(f"{config_path}[{len(kept)}]", f"{path}[{index}]")
            kept.append(entry)
        return kept

    def _route_ip(self, name: str, text: object, path: str) -> object:
        if type(text) is str and text:
            try:
                parse_ip(text)
            except ValueError:
                self.fact("bad-route-ip", path, text, name)
                if self.go:
                    return MISSING  # Go reads it as no gateway (source)
        return text

    def _dest(self, dest: object, path: str) -> object:
        if type(dest) is str and "/" in dest:
            try:
                interface = parse_interface(dest)
            except ValueError:
                return dest
            network: IPv4Network | IPv6Network = interface.network
            if network.network_address != interface.ip:
                self.fact("host-bits", path, dest, str(network))
                if self.go:
                    return str(network)
        return dest


@attrs.frozen
class Raw:
    """A document as a runtime reads it: facts, the config, what could not be read."""

    facts: tuple[Fact, ...]
    config: v2.DanConfig | None
    """The config the runtime reads, or None when danmodel cannot read one."""
    problems: tuple[Problem, ...]
    """What danmodel could not read, at document paths."""
    unset: tuple[str, ...]
    """Document paths of optional values that defaults stand in for."""
    to_document: Callable[[str], str]
    """Maps a path of the config to the document."""
    text: str = ""
    """The document's text, to find where each finding is."""
    unique_keys: bool = False
    """Whether the text holds no duplicate key (positions are then found sooner)."""


_ROOT = Object(v2.DanConfig)


def same_path(path: str) -> str:
    """The path map of a document the runtime reads as it is: every path is its own."""
    return path


def _read_plainly_valid(value: object) -> Raw | None:
    """The fast path: a document ``loads`` accepts as it is, or None.

    Such a document holds nothing that either runtime reads its own way: no
    unknown, miscased or duplicate key, no value only one runtime parses,
    no array for an object. Both runtimes read it as danmodel does, and the
    only facts are the optional keys it leaves out (``guest_mac``, ``mtu``),
    which a runtime fills in its own way. The test suite checks that this
    path gives what the facts reader gives.
    """
    try:
        with collector_paused():
            config = fast_reader(_ROOT)(value)
    except (Invalid, ValueError):
        return None
    facts = []  # the fast reader refuses a null guest_mac or mtu: none is null here
    for index, device in enumerate(value["devices"]):  # type: ignore[index]
        path = f"$.devices[{index}]"
        facts += missing_facts(v2.DanDevice, device, (), path, go=False)
        interface = device["network_info"]["interface"]
        facts += missing_facts(Interface, interface, (), f"{path}.network_info.interface", go=False)
    return Raw(tuple(facts), config, (), (), same_path)  # type: ignore[arg-type]


class _Unfoldable(Exception):
    """A document the folding fast path leaves to the facts reader."""


class _Shape:
    """What :class:`_Folding` needs of an object kind, worked out once."""

    __slots__ = ("fields", "folds", "known", "notes_missing", "structured", "tag")

    def __init__(self, kind: Object, tag: str | None) -> None:
        self.fields = kind.fields
        self.tag = tag
        self.known = frozenset(self.fields) | ({self.tag} if self.tag else set())
        self.folds = {name.casefold(): name for name in self.fields}
        self.notes_missing = kind.cls in _NOTES_MISSING
        self.structured = {
            name: spec.kind for name, spec in self.fields.items() if _holds_objects(spec.kind)
        }
        """The fields whose values may hold objects, by name."""


def _holds_objects(kind: Field) -> bool:
    if isinstance(kind, Nullable):
        return _holds_objects(kind.inner)
    if isinstance(kind, Array):
        return _holds_objects(kind.item)
    return isinstance(kind, (Object, Tagged))


class _Folding:
    """The Go runtime's reading of keys in another letter case, for a regular document:
    each object's keys that fold to a field renamed to it, the facts and path mappings the
    facts reader notes for them. Anything else it would note (an unknown key, a key given
    in two spellings, a null where a key was renamed, the device type's key miscased) is
    left to the facts reader (:class:`_Unfoldable`).

    Each value is walked with its document path and, below a renamed key only, its config
    path (None: the same)."""

    _shapes: ClassVar[dict[type, _Shape]] = {}

    def __init__(self) -> None:
        self.facts: list[Fact] = []
        self.paths = PathMap()

    def value(self, kind: Field, value: object, path: str, config_path: str | None) -> object:
        if isinstance(kind, Nullable):
            if value is None:
                return value
            kind = kind.inner
        if type(value) is list and isinstance(kind, Array):
            return self._array(kind.item, value, path, config_path)
        if type(value) is not dict:
            return value  # the fast reader refuses it
        if isinstance(kind, Tagged):
            tag = value.get("type")
            variant = kind.variants.get(tag) if type(tag) is str else None
            if variant is None:
                return value
            return self.object(variant, value, path, config_path, tag="type")
        if isinstance(kind, Object):
            return self.object(kind, value, path, config_path)
        return value

    def _array(
        self, kind: Field, value: list[Any], path: str, config_path: str | None
    ) -> list[Any]:
        items = value
        plain = None
        if isinstance(kind, Object):
            shape = self._shape(kind, None)
            if not shape.notes_missing and not shape.structured:
                plain = shape.known  # routes, neighbors: only their keys to look at
        for index, item in enumerate(value):
            if plain is not None and (type(item) is not dict or plain.issuperset(item)):
                continue
            new = self.value(
                kind,
                item,
                f"{path}[{index}]",
                None if config_path is None else f"{config_path}[{index}]",
            )
            if new is not item:
                if items is value:
                    items = list(value)
                items[index] = new
        return items

    def object(
        self,
        kind: Object,
        value: dict[str, Any],
        path: str,
        config_path: str | None,
        tag: str | None = None,
    ) -> object:
        shape = self._shape(kind, tag)
        renamed: dict[str, str] = {}
        if not shape.known.issuperset(value):
            for key, item in value.items():
                if key in shape.known:
                    continue
                folded = key.casefold()
                name = shape.folds.get(folded)
                if (
                    name is None
                    or name in value
                    or name in renamed.values()
                    or item is None
                    or folded == shape.tag
                ):
                    # unknown, twice, null or the type key: the facts reader says what
                    raise _Unfoldable
                renamed[key] = name
            for key, name in renamed.items():
                self.facts.append(
                    Fact(kind="unknown-key", path=join(path, key), text=key, other=name, flag=True)
                )
                self.paths.add(
                    join(path if config_path is None else config_path, name), join(path, key)
                )
            value = {renamed.get(key, key): item for key, item in value.items()}
        if shape.notes_missing:
            nulls = [key for key, item in value.items() if item is None]
            self.facts += missing_facts(kind.cls, value.keys(), nulls, path, go=True)
        originals = {name: key for key, name in renamed.items()} if renamed else {}
        changed = bool(renamed)
        fields = shape.fields
        for name, item in value.items():
            item_kind = shape.structured.get(name)
            if item_kind is None or not (type(item) is dict or type(item) is list):
                continue
            suffix = fields[name].suffix
            original = originals.get(name)
            item_config_path: str | None
            if original is None:  # the key as the format spells it
                item_path = path + suffix if suffix is not None else join(path, name)
                if config_path is None:
                    item_config_path = None
                else:
                    item_config_path = (
                        config_path + suffix if suffix is not None else join(config_path, name)
                    )
            else:
                item_path = join(path, original)
                item_config_path = join(path if config_path is None else config_path, name)
            new = self.value(item_kind, item, item_path, item_config_path)
            if new is not item:
                if not changed:
                    value = dict(value)
                    changed = True
                value[name] = new
        return value

    @classmethod
    def _shape(cls, kind: Object, tag: str | None) -> _Shape:
        """The shape of ``kind``, read with the type key ``tag`` (the same for each class)."""
        shape = cls._shapes.get(kind.cls)
        if shape is None:
            shape = cls._shapes[kind.cls] = _Shape(kind, tag)
        return shape


def _read_folded(value: object) -> Raw | None:
    """The Go runtime's fast path for a document whose only irregularity is keys in another
    letter case (:class:`_Folding`), or None. The keys are renamed to the format's and the
    result read as :func:`_read_plainly_valid` reads; the facts and path mappings are those
    the facts reader notes. The test suite checks that this path gives what it gives."""
    folding = _Folding()
    try:
        renamed = folding.value(_ROOT, value, "$", None)
    except _Unfoldable:
        return None
    if renamed is value:
        return None  # nothing renamed: the fast reader refused something else
    try:
        with collector_paused():
            config = fast_reader(_ROOT)(renamed)
    except (Invalid, ValueError):
        return None
    return Raw(tuple(folding.facts), config, (), (), folding.paths.to_document)  # type: ignore[arg-type]


def read(data: object, source: str | None, *, go: bool) -> Raw:
    """Parse ``data`` (JSON text or UTF-8 bytes) and read it as the runtime does.

    Raises :class:`~danmodel.errors.ValidationError` if it is not JSON.
    """
    text = _text.decode_text(data, source)
    parsed = _text.parse(text, source)
    if not parsed.irregular:
        plain = _read_plainly_valid(parsed.value)
        if plain is None and go:
            plain = _read_folded(parsed.value)
        if plain is not None:
            return attrs.evolve(plain, text=text, unique_keys=True)
    reading = RuntimeReading(go=go)
    outcome = read_value(parsed.value, _ROOT, strict=False, observer=reading)
    config = None if outcome.value is FAILED else outcome.value
    return Raw(
        tuple(reading.facts),
        config,  # type: ignore[arg-type]
        tuple(outcome.problems),
        tuple(reading.unset),
        reading.paths.to_document,
        text,
        not parsed.irregular,
    )
