"""Show that the peers validate like danmodel: same documents accepted, same refused.

Every case is a small change to a generated 3-device document (one device of
each kind). For a valid case each peer must accept it and write back the same
JSON value as ``danmodel.dumps``; for an invalid case danmodel must refuse it
and so must each peer, by its validation exception. The few known differences
(each peer's JSON parser keeps the last of duplicate keys, which danmodel
refuses) are listed as such and reported, not hidden.

Exits 1 if any peer disagrees with danmodel outside the known differences.
``run.py`` runs this check before timing anything.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import documents
from peers import PEERS, Peer

import danmodel

__all__ = ["CASES", "check", "main"]

Doc = dict[str, Any]


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    valid: bool
    known_difference: str | None = None
    """Why the peers are expected to disagree with danmodel on this case."""
    random_values: bool = False
    """The written form has random values (a generated guest MAC): compare the rest."""


def _changed(change: Callable[[Doc], object]) -> str:
    doc = documents.build(3)
    change(doc)
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _set(path: str, value: object) -> Callable[[Doc], None]:
    """A change setting ``path`` (dot-separated keys and indexes) to ``value``."""
    *parents, last = path.split(".")

    def change(doc: Doc) -> None:
        target: Any = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


def _delete(path: str) -> Callable[[Doc], None]:
    *parents, last = path.split(".")

    def change(doc: Doc) -> None:
        target: Any = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return change


def _add_copy(doc: Doc, index: int) -> None:
    """Add a copy of device ``index`` under another guest name: its host key is shared."""
    doc["devices"].append({**doc["devices"][index], "name": "copy"})


D0 = "devices.0"  # host-tap
D1 = "devices.1"  # vhost-user
D2 = "devices.2"  # vfio
IFACE = f"{D0}.network_info.interface"
ROUTE = f"{D0}.network_info.routes.2"
NEIGH = f"{D0}.network_info.neighbors.0"

_DUPLICATE_KEYS = "the peers' JSON parsers keep the last of duplicate keys; danmodel refuses them"

_VALID: list[tuple[str, Callable[[Doc], object]]] = [
    ("generated document", lambda doc: None),
    ("upper-case MAC", _set(f"{D0}.guest_mac", "0A:58:0A:00:00:05")),
    ("mtu = 2**64 - 1", _set(f"{IFACE}.mtu", 2**64 - 1)),
    ("uint32 max", _set(f"{ROUTE}.scope", 2**32 - 1)),
    ("neighbor without ip", _set(f"{NEIGH}.ip_address", None)),
    ("neighbor without MAC", _set(f"{NEIGH}.hardware_addr", "")),
    ("route with defaults only", _set(f"{D0}.network_info.routes", [{}])),
    ("defaults omitted", _delete(f"{IFACE}.mtu")),
    ("no routes key", _delete(f"{D0}.network_info.routes")),
    ("15-byte name", _set(f"{D0}.name", "a" * 15)),
    ("non-ASCII name of 14 bytes", _set(f"{D0}.name", "é" * 7)),
    ("107-byte socket path", _set(f"{D1}.device.path", "/" + "s" * 106)),
    ("netns null", _set("netns", None)),
    ("interface with host bits", _set(f"{IFACE}.ip_addresses", ["10.9.8.7/8"])),
    ("network /0", _set(f"{ROUTE}.dest", "0.0.0.0/0")),
]

_RANDOM: list[tuple[str, Callable[[Doc], object]]] = [
    ("guest_mac missing (random MAC)", _delete(f"{D0}.guest_mac")),
]

_INVALID: list[tuple[str, Callable[[Doc], object]]] = [
    ("MAC with 5 octets", _set(f"{D0}.guest_mac", "0a:58:0a:00:00")),
    ("MAC with dashes", _set(f"{D0}.guest_mac", "0a-58-0a-00-00-05")),
    ("MAC with a final newline", _set(f"{D0}.guest_mac", "0a:58:0a:00:00:05\n")),
    ("MAC not hex", _set(f"{D0}.guest_mac", "xx:xx:xx:xx:xx:xx")),
    ("neighbor MAC wrong", _set(f"{NEIGH}.hardware_addr", "0a:58:0a")),
    ("network with host bits", _set(f"{ROUTE}.dest", "192.168.0.5/24")),
    ("network without prefix", _set(f"{ROUTE}.dest", "192.168.0.0")),
    ("uint32 overflow (scope)", _set(f"{ROUTE}.scope", 2**32)),
    ("uint32 overflow (state)", _set(f"{NEIGH}.state", 2**32)),
    ("uint64 overflow (mtu)", _set(f"{IFACE}.mtu", 2**64)),
    ("negative integer", _set(f"{D0}.device.queue_num", -1)),
    ("bool for int", _set(f"{IFACE}.flags", True)),
    ("bool for uint64", _set(f"{IFACE}.mtu", False)),
    ("float for int", _set(f"{IFACE}.mtu", 1500.0)),
    ("string for int", _set(f"{ROUTE}.mtu", "1400")),
    ("unknown top-level key", _set("version", 2)),
    ("unknown device key", _set(f"{D0}.mac", "0a:58:0a:00:00:05")),
    ("unknown key 'Neighbors'", _set(f"{D0}.network_info.Neighbors", [])),
    ("unknown host-tap key", _set(f"{D0}.device.path", "/run/x.sock")),
    ("vfio with queues", _set(f"{D2}.device.queue_num", 1)),
    ("unknown route key", _set(f"{ROUTE}.metric", 5)),
    ("bad tag", _set(f"{D0}.device.type", "tap")),
    ("tag not a string", _set(f"{D0}.device.type", 1)),
    ("tag missing", _delete(f"{D0}.device.type")),
    ("name missing", _delete(f"{D0}.name")),
    ("ip_addresses missing", _delete(f"{IFACE}.ip_addresses")),
    ("devices missing", _delete("devices")),
    ("devices null", _set("devices", None)),
    ("name of 16 bytes", _set(f"{D0}.name", "a" * 16)),
    ("non-ASCII name of 16 bytes", _set(f"{D0}.name", "é" * 8)),
    ("name empty", _set(f"{D0}.name", "")),
    ("name '.'", _set(f"{D0}.name", ".")),
    ("name with '/'", _set(f"{D0}.name", "eth/0")),
    ("name with ':'", _set(f"{D0}.name", "eth:0")),
    ("name with a space", _set(f"{D0}.name", "eth 0")),
    ("name with byte 0xa0 (U+0120)", _set(f"{D0}.name", "eth\u0120")),
    ("tap name too long", _set(f"{D0}.device.tap_name", "tap-" + "x" * 12)),
    ("socket path of 108 bytes", _set(f"{D1}.device.path", "/" + "s" * 107)),
    ("socket path empty", _set(f"{D1}.device.path", "")),
    ("socket path with NUL", _set(f"{D1}.device.path", "/run/a\0b")),
    ("PCI address upper-case", _set(f"{D2}.device.pci_device_id", "0000:0A:00.2")),
    ("PCI device > 1f", _set(f"{D2}.device.pci_device_id", "0000:00:20.2")),
    ("PCI function > 7", _set(f"{D2}.device.pci_device_id", "0000:00:00.8")),
    ("PCI address short", _set(f"{D2}.device.pci_device_id", "00:00.2")),
    ("address without prefix", _set(f"{IFACE}.ip_addresses", ["10.0.0.5"])),
    ("address with netmask", _set(f"{IFACE}.ip_addresses", ["10.0.0.5/255.255.255.0"])),
    ("prefix too long", _set(f"{IFACE}.ip_addresses", ["10.0.0.5/33"])),
    ("IPv6 prefix too long", _set(f"{IFACE}.ip_addresses", ["2001:db8::5/129"])),
    ("prefix with leading zero", _set(f"{IFACE}.ip_addresses", ["10.0.0.5/024"])),
    ("prefix not ASCII", _set(f"{IFACE}.ip_addresses", ["10.0.0.5/\uff12\uff14"])),
    ("address with zone id", _set(f"{IFACE}.ip_addresses", ["fe80::1%eth0/64"])),
    ("address with space", _set(f"{IFACE}.ip_addresses", [" 10.0.0.5/24"])),
    ("IPv4 leading zero", _set(f"{IFACE}.ip_addresses", ["10.0.0.05/24"])),
    ("address not a string", _set(f"{IFACE}.ip_addresses", [167772165])),
    ("gateway with prefix", _set(f"{ROUTE}.gateway", "10.0.0.1/32")),
    ("gateway with zone id", _set(f"{ROUTE}.gateway", "fe80::1%eth0")),
    ("source not an IP", _set(f"{ROUTE}.source", "host.example")),
    ("neighbor ip not an IP", _set(f"{NEIGH}.ip_address", "10.0.0.256")),
    ("neighbor ip bad prefix", _set(f"{NEIGH}.ip_address", "10.0.0.1/33")),
    ("neighbor ip a number", _set(f"{NEIGH}.ip_address", 5)),
    ("netns empty", _set("netns", "")),
    ("routes not an array", _set(f"{D0}.network_info.routes", {})),
    ("duplicate guest name", _set(f"{D1}.name", "eth0")),
    ("duplicate tap name", lambda doc: _add_copy(doc, 0)),
    ("duplicate socket path", lambda doc: _add_copy(doc, 1)),
    ("duplicate PCI address", lambda doc: _add_copy(doc, 2)),
]

# Documents that are changed as text, not as data.
_BASE = json.dumps(documents.build(3), indent=2)
_INVALID_TEXT: list[tuple[str, str, str | None]] = [
    ("top-level array", "[]", None),
    ("not JSON", "{", None),
    ("NaN for an int", _BASE.replace('"mtu": 9000', '"mtu": NaN', 1), None),
    ("lone surrogate", _BASE.replace('"ntype": ""', '"ntype": "\\ud800"', 1), None),
    ("byte order mark", "\ufeff" + _BASE, None),
    ("over 16 MiB", _BASE + " " * (16 * 1024 * 1024), None),
    (
        "duplicate key",
        _BASE.replace('"mtu": 9000', '"mtu": 9000, "mtu": 1500', 1),
        _DUPLICATE_KEYS,
    ),
    (
        "duplicate device object",
        _BASE.replace('"netns": ', '"devices": [], "netns": ', 1),
        _DUPLICATE_KEYS,
    ),
]


def _cases() -> list[Case]:
    cases = [Case(name, _changed(change), valid=True) for name, change in _VALID]
    cases += [Case(name, _changed(change), True, random_values=True) for name, change in _RANDOM]
    cases += [Case(name, _changed(change), valid=False) for name, change in _INVALID]
    cases += [Case(name, text, False, known) for name, text, known in _INVALID_TEXT]
    return cases


CASES: list[Case] = _cases()


def _as_text(written: str | bytes) -> str:
    return written.decode("utf-8") if isinstance(written, bytes) else written


def _without_guest_macs(value: Any) -> Any:
    for device in value["devices"]:
        device.pop("guest_mac")
    return value


def _verdict(case: Case, peer: Peer) -> tuple[str, str]:
    """``(outcome, detail)``: outcome is "agrees", "known difference" or "DISAGREES"."""
    try:
        obj = peer.decode(case.text)
    except peer.refusals as error:
        # pydantic's first line is a count ("1 validation error for DanConfig"): show the next two
        lines = str(error).splitlines() or [type(error).__name__]
        message = " ".join(line.strip() for line in lines[1:3] if len(lines) > 1) or lines[0]
        if case.valid:
            return "DISAGREES", f"refused a valid document: {message}"
        return "agrees", f"refused: {message[:110]}"
    except Exception as error:  # a crash is a disagreement, not a refusal
        return "DISAGREES", f"crashed: {type(error).__name__}: {error}"
    if not case.valid:
        if case.known_difference:
            return "known difference", f"accepted: {case.known_difference}"
        return "DISAGREES", "accepted an invalid document"
    written = json.loads(_as_text(peer.encode(obj)))
    expected = json.loads(danmodel.dumps(danmodel.loads(case.text)))
    if case.random_values:
        written, expected = _without_guest_macs(written), _without_guest_macs(expected)
    if written != expected:
        return "DISAGREES", "accepted, but writes a different document than danmodel"
    return "agrees", "accepted, writes what danmodel writes"


def check(*, verbose: bool = False) -> bool:
    """Run every case against danmodel and each peer; True when no peer disagrees."""
    ok = True
    for case in CASES:
        try:
            danmodel.loads(case.text)
            danmodel_valid = True
        except danmodel.ValidationError:
            danmodel_valid = False
        if danmodel_valid != case.valid:
            ok = False
            print(f"BAD CASE {case.name!r}: danmodel says valid={danmodel_valid}")
            continue
        for peer in PEERS:
            outcome, detail = _verdict(case, peer)
            ok = ok and outcome != "DISAGREES"
            if verbose or outcome != "agrees":
                state = "valid" if case.valid else "invalid"
                print(f"{outcome:16} {peer.name:9} {state:8} {case.name}: {detail}")
    valid = sum(case.valid for case in CASES)
    print(
        f"check_peers: {len(CASES)} cases ({valid} valid, {len(CASES) - valid} invalid) "
        f"x {len(PEERS)} peers: " + ("peers agree with danmodel" if ok else "DISAGREEMENT")
    )
    return ok


def main() -> None:
    sys.exit(0 if check(verbose="-v" in sys.argv[1:]) else 1)


if __name__ == "__main__":
    main()
