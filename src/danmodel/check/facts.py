"""The raw-file stage of ``danmodel.findings``: facts about the JSON text, and the runtime's view.

:func:`read` parses a document and walks it with the format's keys, noting
:class:`Fact` s the model cannot see (unknown, duplicate and missing keys,
values only one runtime parses, arrays for objects). It also builds the
*view*: the document as the runtime reads it (unknown keys dropped; for the
Go runtime keys folded case-insensitively, duplicate objects merged, Go
defaults and normalisations applied), which the model stage then loads.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from ipaddress import IPv4Network, IPv6Network
from typing import Any

import attrs

from .. import _text, v2
from .._model import HostTap, Interface, Neighbor, VhostUser
from .._paths import join
from .._text import DuplicateKeys
from ..addresses import parse_interface, parse_ip
from ..mac import MacAddress

__all__ = ["Fact", "Raw", "go_parse_mac", "read", "view_path_mapper"]


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


@attrs.frozen
class _Level:
    """The keys of one kind of object, and the kinds of objects below them."""

    fields: tuple[str, ...]
    objects: Mapping[str, _Level] = attrs.field(factory=dict)
    arrays: Mapping[str, _Level] = attrs.field(factory=dict)


def _names(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in attrs.fields(cls))


_HOSTS = {"host-tap": HostTap, "vhost-user": VhostUser, "vfio": v2.Vfio}
_HOST = _Level(("type",))  # fields depend on the type; see _host_fields
_INTERFACE = _Level(_names(Interface))
_ROUTE = _Level(_names(v2.Route))
_NEIGHBOR = _Level(_names(Neighbor))
_NETWORK_INFO = _Level(
    _names(v2.NetworkInfo),
    objects={"interface": _INTERFACE},
    arrays={"routes": _ROUTE, "neighbors": _NEIGHBOR},
)
_DEVICE = _Level(_names(v2.DanDevice), objects={"device": _HOST, "network_info": _NETWORK_INFO})
_ROOT = _Level(_names(v2.DanConfig), arrays={"devices": _DEVICE})


def _host_fields(value: Mapping[str, object]) -> tuple[str, ...]:
    tag = value.get("type")
    cls = _HOSTS.get(tag) if type(tag) is str else None
    if cls is not None:
        return ("type", *_names(cls))
    return ("type", *{name: None for cls in _HOSTS.values() for name in _names(cls)})


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


@attrs.frozen
class Raw:
    """The result of reading a document: facts, the runtime's view, path renames."""

    facts: tuple[Fact, ...]
    view: object
    renames: tuple[tuple[str, str], ...]
    """(path in the view, path in the document), where the two differ."""


class _Walk:
    def __init__(self, go: bool) -> None:
        self.go = go
        self.facts: list[Fact] = []
        self.renames: list[tuple[str, str]] = []

    def fact(
        self, kind: str, path: str, text: str = "", other: str = "", flag: bool = False
    ) -> None:
        self.facts.append(Fact(kind=kind, path=path, text=text, other=other, flag=flag))

    def obj(self, value: object, path: str, view_path: str, level: _Level) -> object:
        if isinstance(value, list):
            fields = _host_fields({}) if level is _HOST else level.fields
            self.fact("array-for-object", path, other=", ".join(fields))
            return value
        if not isinstance(value, dict):
            return value  # the loader reports the wrong type
        pairs = value.pairs if type(value) is DuplicateKeys else list(value.items())
        if type(value) is DuplicateKeys:
            for key, count in value.duplicates.items():
                values = [item for name, item in pairs if name == key]
                merged = all(isinstance(item, dict) for item in values)
                self.fact("duplicate-key", join(path, key), key, str(count), merged)
        fields = _host_fields(value) if level is _HOST else level.fields
        out: dict[str, Any] = {}
        where: dict[str, str] = {}  # key in the view -> path in the document
        for key, item in pairs:
            target = key
            if key not in fields:
                folded = next((name for name in fields if name.casefold() == key.casefold()), "")
                close = folded or next(iter(difflib.get_close_matches(key, fields, 1, 0.7)), "")
                self.fact("unknown-key", join(path, key), key, close, flag=bool(folded))
                if not (self.go and folded):
                    continue
                if folded == "type" and level is _HOST:
                    continue  # the device type picks the variant: keep the exact key
                target = folded
            if self.go and item is None:
                out.pop(target, None)  # Go leaves the zero value
                continue
            old = out.get(target)
            if self.go and isinstance(old, dict) and isinstance(item, dict):
                item = _merge(old, item)
            out[target] = item
            where[target] = join(path, key)
        for key, item in list(out.items()):
            child_path, child_view = where[key], join(view_path, key)
            if child_path != child_view:
                self.renames.append((child_view, child_path))
            if key in level.objects:
                out[key] = self.obj(item, child_path, child_view, level.objects[key])
            elif key in level.arrays and isinstance(item, list):
                out[key] = self.array(item, child_path, child_view, level.arrays[key])
        self.leaf_rules(value, out, path, view_path, level)
        return out

    def array(self, items: list[Any], path: str, view_path: str, level: _Level) -> list[Any]:
        return [
            self.obj(item, f"{path}[{index}]", f"{view_path}[{index}]", level)
            for index, item in enumerate(items)
        ]

    def leaf_rules(
        self,
        value: Mapping[str, object],
        out: dict[str, Any],
        path: str,
        view_path: str,
        level: _Level,
    ) -> None:
        if level is _ROOT:
            if value.get("devices") is None:
                fix = (
                    'put the device in a config: {"devices": [...]}'
                    if {"device", "network_info"} <= set(value)
                    else ""
                )
                self.fact(
                    "missing-key", join(path, "devices"), "devices", fix, flag="devices" in value
                )
                if self.go:
                    out["devices"] = []
        elif level is _DEVICE:
            self.mac(value, out, path)
        elif level is _INTERFACE:
            self.interface(value, out, path, view_path)
        elif level is _ROUTE:
            self.route(out, path)

    def mac(self, value: Mapping[str, object], out: dict[str, Any], path: str) -> None:
        mac = value.get("guest_mac")
        mac_path = join(path, "guest_mac")
        if "guest_mac" not in value:
            self.fact("missing-key", mac_path, "guest_mac")
        elif type(mac) is str:
            try:
                MacAddress.parse(mac)
            except ValueError:
                octets = go_parse_mac(mac)
                self.fact("bad-mac", mac_path, mac, flag=octets is not None)
                if self.go and octets is not None and len(octets) == 6:
                    out["guest_mac"] = octets.hex(":")

    def interface(
        self, value: Mapping[str, object], out: dict[str, Any], path: str, view_path: str
    ) -> None:
        if "mtu" not in value:
            self.fact("missing-key", join(path, "mtu"), "mtu")
        entries = value.get("ip_addresses")
        entries_path = join(path, "ip_addresses")
        if entries is None:
            self.fact("missing-key", entries_path, "ip_addresses", flag="ip_addresses" in value)
            if self.go:
                out["ip_addresses"] = []
            return
        if not isinstance(entries, list):
            return
        kept: list[object] = []
        for index, entry in enumerate(entries):
            if type(entry) is str:
                try:
                    parse_interface(entry)
                except ValueError:
                    self.fact("not-cidr", f"{entries_path}[{index}]", entry)
                    if not self.go:
                        continue  # runtime-rs skips it
            if len(kept) != index:
                view_entries = join(view_path, "ip_addresses")
                self.renames.append((f"{view_entries}[{len(kept)}]", f"{entries_path}[{index}]"))
            kept.append(entry)
        out["ip_addresses"] = kept

    def route(self, out: dict[str, Any], path: str) -> None:
        for key in ("gateway", "source"):
            text = out.get(key)
            if type(text) is str and text:
                try:
                    parse_ip(text)
                except ValueError:
                    self.fact("bad-route-ip", join(path, key), text, key)
                    if self.go:
                        del out[key]
        dest = out.get("dest")
        if type(dest) is str and "/" in dest:
            try:
                interface = parse_interface(dest)
            except ValueError:
                return
            network: IPv4Network | IPv6Network = interface.network
            if network.network_address != interface.ip:
                self.fact("host-bits", join(path, "dest"), dest, str(network))
                if self.go:
                    out["dest"] = str(network)


def read(data: object, source: str | None, *, go: bool) -> Raw:
    """Parse ``data`` (JSON text or UTF-8 bytes) and walk it; raises ValidationError if not JSON."""
    text = _text.decode_text(data, source)
    parsed = _text.parse(text, source)
    walk = _Walk(go)
    view = walk.obj(parsed.value, "$", "$", _ROOT)
    return Raw(tuple(walk.facts), view, tuple(walk.renames))


def view_path_mapper(renames: tuple[tuple[str, str], ...]) -> Callable[[str], str]:
    """A function turning a path in the view into the path in the document."""
    ordered = sorted(renames, key=lambda pair: len(pair[0]), reverse=True)

    def mapped(path: str) -> str:
        for view, document in ordered:
            if path == view or (path.startswith(view) and path[len(view)] in ".["):
                return document + path[len(view) :]
        return path

    return mapped
