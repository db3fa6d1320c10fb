"""Property tests: round trips, canonical text, revision moves and mutated documents.

Expected keys, key order, required keys and mutable places are written out here
from the field tables of the format reference (dan-format.md), not derived from
the model, so a model that drifts from the reference fails these tests.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from typing import Any, Literal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

import danmodel
from danmodel import strategies as ds
from danmodel import v1, v2

JsonPath = tuple[str | int, ...]
Revision = Literal[1, 2]

# --- the reference's field tables, by hand -------------------------------------------------

TOP_KEYS = ["netns", "devices"]
DEVICE_KEYS = ["name", "guest_mac", "device", "network_info"]
VARIANT_KEYS = {
    "host-tap": ["type", "tap_name", "queue_num", "queue_size"],
    "vhost-user": ["type", "path", "queue_num", "queue_size"],
    "vfio": ["type", "pci_device_id"],
}
VARIANT_REQUIRED = {"host-tap": "tap_name", "vhost-user": "path", "vfio": "pci_device_id"}
NETWORK_INFO_KEYS = ["interface", "routes", "neighbors"]
INTERFACE_KEYS = ["ip_addresses", "mtu", "ntype", "flags"]
ROUTE_KEYS = {
    1: ["dest", "gateway", "source", "scope"],
    2: ["dest", "gateway", "source", "scope", "flags", "mtu"],
}
NEIGHBOR_KEYS = ["ip_address", "hardware_addr", "state", "flags"]
ALL_KEYS = frozenset(
    TOP_KEYS
    + DEVICE_KEYS
    + [key for keys in VARIANT_KEYS.values() for key in keys]
    + NETWORK_INFO_KEYS
    + INTERFACE_KEYS
    + ROUTE_KEYS[2]
    + NEIGHBOR_KEYS
)

UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1
MAC_TEXT = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}")

MODEL_STRATEGIES: list[tuple[SearchStrategy[Any], type]] = [
    (ds.interfaces(), danmodel.Interface),
    (ds.neighbors(), danmodel.Neighbor),
    (ds.host_taps(), danmodel.HostTap),
    (ds.vhost_users(), danmodel.VhostUser),
    (ds.vfios(), danmodel.Vfio),
    (ds.routes(1), v1.Route),
    (ds.routes(2), v2.Route),
    (ds.network_infos(1), v1.NetworkInfo),
    (ds.network_infos(2), v2.NetworkInfo),
    (ds.dan_devices(1), v1.DanDevice),
    (ds.dan_devices(2), v2.DanDevice),
]
"""Configs round-trip in test_config_round_trips_and_dumps_is_canonical."""
REVISIONS: list[Revision] = [1, 2]

# Built once: a strategy built inside a test is validated again at every example.
CONFIGS: dict[int, SearchStrategy[v1.DanConfig | v2.DanConfig]] = {
    revision: ds.dan_configs(revision) for revision in REVISIONS
}
CONFIGS_WITH_DEVICES: dict[int, SearchStrategy[v1.DanConfig | v2.DanConfig]] = {
    revision: ds.dan_configs(revision, min_devices=1) for revision in REVISIONS
}
V1_CONFIGS_WITH_DEVICES = ds.dan_configs(1, min_devices=1)
VFIOS = ds.vfios()


def path_text(path: JsonPath) -> str:
    """A path in the JSONPath syntax of jsonschema's ``json_path``.

    Keys that are not plain names are quoted, ``['...']``, with backslash and
    quote escaped and unprintable characters (BMP only here) written ``\\uXXXX``.
    """
    text = "$"
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", part):
            text += f".{part}"
        else:
            quoted = part.replace("\\", "\\\\").replace("'", "\\'")
            quoted = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in quoted)
            text += f"['{quoted}']"
    return text


def at(doc: Any, path: JsonPath) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def error_paths(error: pytest.ExceptionInfo[danmodel.ValidationError]) -> list[str]:
    assert isinstance(error.value, danmodel.DanError)
    assert isinstance(error.value, ValueError)
    return [problem.path for problem in error.value.errors]


def assert_refused(doc: dict[str, Any], revision: Revision, path: JsonPath) -> None:
    """Both readers refuse ``doc`` with exactly one problem, at ``path``."""
    expected = [path_text(path)]
    with pytest.raises(danmodel.ValidationError) as from_dict_error:
        danmodel.from_dict(doc, revision=revision)
    assert error_paths(from_dict_error) == expected
    with pytest.raises(danmodel.ValidationError) as loads_error:
        danmodel.loads(json.dumps(doc), revision=revision)
    assert error_paths(loads_error) == expected


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "cls"),
    MODEL_STRATEGIES,
    ids=[
        "Interface",
        "Neighbor",
        "HostTap",
        "VhostUser",
        "Vfio",
        "v1.Route",
        "v2.Route",
        "v1.NetworkInfo",
        "v2.NetworkInfo",
        "v1.DanDevice",
        "v2.DanDevice",
    ],
)
@given(data=st.data())
def test_every_class_round_trips(
    strategy: SearchStrategy[Any], cls: type, data: st.DataObject
) -> None:
    obj = data.draw(strategy)
    assert type(obj) is cls
    assert danmodel.from_dict(danmodel.to_dict(obj), type(obj)) == obj
    through_json = json.loads(json.dumps(danmodel.to_dict(obj)))
    assert danmodel.from_dict(through_json, type(obj)) == obj


# --- canonical text ------------------------------------------------------------------------


def assert_two_space_indent(text: str) -> None:
    depth = 0
    # Split on "\n" only: str.splitlines() also splits on U+0085, U+2028, ... in strings.
    for line in text.split("\n")[:-1]:
        body = line.lstrip(" ")
        assert body, "no blank lines"
        assert body == body.rstrip(), f"trailing whitespace in {line!r}"
        assert "\t" not in line[: len(line) - len(body)]
        if body[0] in "}]":
            depth -= 1
        assert len(line) - len(body) == 2 * depth, line
        if body[-1] in "{[":
            depth += 1
    assert depth == 0


def assert_uint(value: object, maximum: int) -> None:
    assert type(value) is int
    assert 0 <= value <= maximum


def assert_keys(obj: object, keys: list[str]) -> dict[str, Any]:
    assert type(obj) is dict
    assert list(obj) == keys
    return obj


def optional_text(value: object) -> str:
    return "" if value is None else str(value)


def rfc5952(address: IPv4Address | IPv6Address) -> str:
    """Canonical text of an address: RFC 5952 writes an IPv4-mapped one ``::ffff:a.b.c.d``."""
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)  # otherwise ipaddress already writes RFC 5952 text


def ip_text(value: object) -> str:
    """Expected text of an address, an interface or a network ("" for None)."""
    if value is None:
        return ""
    if isinstance(value, (IPv4Network, IPv6Network)):
        return f"{rfc5952(value.network_address)}/{value.prefixlen}"
    if isinstance(value, (IPv4Interface, IPv6Interface)):
        return f"{rfc5952(value.ip)}/{value.network.prefixlen}"
    assert isinstance(value, (IPv4Address, IPv6Address))
    return rfc5952(value)


def assert_canonical_document(doc: object, config: Any, revision: Revision) -> None:
    """The written document has every key of the reference, in order, with the values."""
    top = assert_keys(doc, TOP_KEYS)
    assert top["netns"] == config.netns
    assert type(top["devices"]) is list
    assert len(top["devices"]) == len(config.devices)
    for written, device in zip(top["devices"], config.devices, strict=True):
        written = assert_keys(written, DEVICE_KEYS)
        assert written["name"] == device.name
        assert MAC_TEXT.fullmatch(written["guest_mac"])
        assert bytes.fromhex(written["guest_mac"].replace(":", "")) == bytes(device.guest_mac)

        host = written["device"]
        tag = {danmodel.HostTap: "host-tap", danmodel.VhostUser: "vhost-user", v2.Vfio: "vfio"}[
            type(device.device)
        ]
        assert_keys(host, VARIANT_KEYS[tag])
        assert host["type"] == tag
        if tag == "vfio":
            assert host["pci_device_id"] == device.device.pci_device_id
        else:
            assert host[VARIANT_REQUIRED[tag]] == getattr(device.device, VARIANT_REQUIRED[tag])
            assert_uint(host["queue_num"], UINT32_MAX)
            assert_uint(host["queue_size"], UINT32_MAX)
            assert (host["queue_num"], host["queue_size"]) == (
                device.device.queue_num,
                device.device.queue_size,
            )

        info = assert_keys(written["network_info"], NETWORK_INFO_KEYS)
        interface = assert_keys(info["interface"], INTERFACE_KEYS)
        model_interface = device.network_info.interface
        assert interface["ip_addresses"] == [ip_text(a) for a in model_interface.ip_addresses]
        assert all("/" in address for address in interface["ip_addresses"])
        assert_uint(interface["mtu"], UINT64_MAX)
        assert interface["mtu"] == model_interface.mtu
        assert interface["ntype"] == model_interface.ntype
        assert_uint(interface["flags"], UINT32_MAX)
        assert interface["flags"] == model_interface.flags

        assert type(info["routes"]) is list
        assert len(info["routes"]) == len(device.network_info.routes)
        for written_route, route in zip(info["routes"], device.network_info.routes, strict=True):
            written_route = assert_keys(written_route, ROUTE_KEYS[revision])
            for key in ("dest", "gateway", "source"):
                assert written_route[key] == ip_text(getattr(route, key))
            for key in ROUTE_KEYS[revision][3:]:
                assert_uint(written_route[key], UINT32_MAX)
                assert written_route[key] == getattr(route, key)

        assert type(info["neighbors"]) is list
        assert len(info["neighbors"]) == len(device.network_info.neighbors)
        for written_neighbor, neighbor in zip(
            info["neighbors"], device.network_info.neighbors, strict=True
        ):
            written_neighbor = assert_keys(written_neighbor, NEIGHBOR_KEYS)
            ip = neighbor.ip_address
            assert written_neighbor["ip_address"] == (None if ip is None else ip_text(ip))
            # The spelling is kept: ip/prefix for an interface, a plain IP otherwise.
            if ip is not None:
                assert ("/" in written_neighbor["ip_address"]) == hasattr(ip, "network")
            assert written_neighbor["hardware_addr"] == optional_text(neighbor.hardware_addr)
            for key in ("state", "flags"):
                assert_uint(written_neighbor[key], UINT32_MAX)
                assert written_neighbor[key] == getattr(neighbor, key)


@pytest.mark.parametrize("revision", REVISIONS)
@given(data=st.data())
def test_config_round_trips_and_dumps_is_canonical(revision: Revision, data: st.DataObject) -> None:
    config: v1.DanConfig | v2.DanConfig = data.draw(CONFIGS[revision])
    cls = type(config)
    assert cls is (v1.DanConfig if revision == 1 else v2.DanConfig)
    assert danmodel.from_dict(danmodel.to_dict(config), cls) == config
    assert danmodel.from_dict(danmodel.to_dict(config), revision=revision) == config
    assert danmodel.from_dict(json.loads(json.dumps(danmodel.to_dict(config))), cls) == config

    text = danmodel.dumps(config)
    assert danmodel.loads(text, revision=revision) == config
    assert danmodel.loads(text.encode("utf-8"), revision=revision) == config
    assert danmodel.dumps(danmodel.loads(text, revision=revision)) == text

    assert text.endswith("\n")
    assert not text.endswith("\n\n")
    encoded = text.encode("utf-8")  # strict: no lone surrogates
    assert encoded.decode("utf-8") == text
    assert not text.startswith("\ufeff")
    assert_two_space_indent(text)
    assert_canonical_document(json.loads(text), config, revision)
    # The writer emits text directly; the standard library's encoder is the oracle.
    assert text == json.dumps(danmodel.to_dict(config), indent=2, ensure_ascii=False) + "\n"


# --- revisions -----------------------------------------------------------------------------


@given(ds.dan_configs(1))
def test_upgrade_keeps_everything_and_downgrade_undoes_it(config: v1.DanConfig) -> None:
    upgraded = danmodel.upgrade(config)
    assert type(upgraded) is v2.DanConfig
    assert upgraded.netns == config.netns
    assert len(upgraded.devices) == len(config.devices)
    for new, old in zip(upgraded.devices, config.devices, strict=True):
        assert (new.name, new.guest_mac, new.device) == (old.name, old.guest_mac, old.device)
        assert new.network_info.interface == old.network_info.interface
        assert new.network_info.neighbors == old.network_info.neighbors
        assert len(new.network_info.routes) == len(old.network_info.routes)
        for new_route, old_route in zip(
            new.network_info.routes, old.network_info.routes, strict=True
        ):
            assert type(new_route) is v2.Route
            assert new_route.flags == new_route.mtu == 0
            assert (new_route.dest, new_route.gateway, new_route.source, new_route.scope) == (
                old_route.dest,
                old_route.gateway,
                old_route.source,
                old_route.scope,
            )
    assert danmodel.downgrade(upgraded) == config


LossyPlace = tuple[str, int, int]
"""("vfio", device, 0) or ("flags"/"mtu", device, route)."""


@given(data=st.data())
def test_downgrade_refuses_exactly_what_revision_1_cannot_carry(data: st.DataObject) -> None:
    config = danmodel.upgrade(data.draw(V1_CONFIGS_WITH_DEVICES))
    places: list[LossyPlace] = []
    for index, device in enumerate(config.devices):
        places.append(("vfio", index, 0))
        for number in range(len(device.network_info.routes)):
            places += [("flags", index, number), ("mtu", index, number)]
    chosen = data.draw(st.lists(st.sampled_from(places), unique=True, max_size=3), label="lossy")
    vfios = iter(
        data.draw(
            st.lists(VFIOS, min_size=3, max_size=3, unique_by=lambda vfio: vfio.pci_device_id),
            label="vfio devices",
        )
    )
    devices = list(config.devices)
    expected = set()
    for what, index, number in chosen:
        device = devices[index]
        if what == "vfio":
            devices[index] = attrs.evolve(device, device=next(vfios))
            expected.add(f"$.devices[{index}].device")
            continue
        routes = list(device.network_info.routes)
        value = data.draw(st.integers(1, UINT32_MAX), label=what)
        if what == "flags":
            routes[number] = attrs.evolve(routes[number], flags=value)
        else:
            routes[number] = attrs.evolve(routes[number], mtu=value)
        devices[index] = attrs.evolve(
            device, network_info=attrs.evolve(device.network_info, routes=routes)
        )
        expected.add(f"$.devices[{index}].network_info.routes[{number}].{what}")
    lossy = attrs.evolve(config, devices=devices)

    if not expected:
        downgraded = danmodel.downgrade(lossy)
        assert type(downgraded) is v1.DanConfig
        assert danmodel.upgrade(downgraded) == lossy
        return
    with pytest.raises(danmodel.ValidationError) as error:
        danmodel.downgrade(lossy)
    paths = error_paths(error)
    assert len(paths) == len(set(paths))
    assert set(paths) == expected


@given(
    scope=st.sampled_from(danmodel.RouteScope),
    state=st.sampled_from(danmodel.NudState),
    flags=st.sampled_from(danmodel.NeighborFlag),
)
def test_named_kernel_values_round_trip(
    scope: danmodel.RouteScope, state: danmodel.NudState, flags: danmodel.NeighborFlag
) -> None:
    route = danmodel.Route(scope=scope)
    written_route = danmodel.to_dict(route)
    assert type(written_route["scope"]) is int
    assert written_route["scope"] == int(scope)
    assert danmodel.from_dict(written_route, danmodel.Route) == route
    neighbor = danmodel.Neighbor(state=state, flags=flags)
    written_neighbor = danmodel.to_dict(neighbor)
    assert (type(written_neighbor["state"]), type(written_neighbor["flags"])) == (int, int)
    assert danmodel.from_dict(written_neighbor, danmodel.Neighbor) == neighbor


# --- mutated documents ---------------------------------------------------------------------


def required_places(doc: dict[str, Any]) -> list[JsonPath]:
    """The keys the reference marks required, at every place they occur in ``doc``."""
    places: list[JsonPath] = [("devices",)]
    for index, device in enumerate(doc["devices"]):
        base: JsonPath = ("devices", index)
        places += [(*base, key) for key in ("name", "device", "network_info")]
        places.append((*base, "device", "type"))
        places.append((*base, "device", VARIANT_REQUIRED[device["device"]["type"]]))
        places.append((*base, "network_info", "interface"))
        places.append((*base, "network_info", "interface", "ip_addresses"))
    return places


def value_places(doc: dict[str, Any], revision: Revision) -> list[tuple[JsonPath, str]]:
    """Every value of ``doc`` with what the reference says goes there."""
    places: list[tuple[JsonPath, str]] = [(("netns",), "netns"), (("devices",), "array")]
    for index, device in enumerate(doc["devices"]):
        base: JsonPath = ("devices", index)
        places += [
            (base, "object"),
            ((*base, "name"), "ifname"),
            ((*base, "guest_mac"), "mac"),
            ((*base, "device"), "object"),
            ((*base, "device", "type"), "type"),
            ((*base, "network_info"), "object"),
        ]
        host = (*base, "device")
        kind = device["device"]["type"]
        if kind == "vfio":
            places.append(((*host, "pci_device_id"), "pci"))
        else:
            places.append(
                ((*host, VARIANT_REQUIRED[kind]), "ifname" if kind == "host-tap" else "socket")
            )
            places += [((*host, "queue_num"), "uint32"), ((*host, "queue_size"), "uint32")]
        info = (*base, "network_info")
        interface = (*info, "interface")
        places += [
            (interface, "object"),
            ((*info, "routes"), "array"),
            ((*info, "neighbors"), "array"),
            ((*interface, "ip_addresses"), "array"),
            ((*interface, "mtu"), "uint64"),
            ((*interface, "ntype"), "string"),
            ((*interface, "flags"), "uint32"),
        ]
        network_info = device["network_info"]
        for number in range(len(network_info["interface"]["ip_addresses"])):
            places.append(((*interface, "ip_addresses", number), "ip/prefix"))
        for number in range(len(network_info["routes"])):
            route = (*info, "routes", number)
            places += [
                (route, "object"),
                ((*route, "dest"), "network"),
                ((*route, "gateway"), "ip"),
                ((*route, "source"), "ip"),
                ((*route, "scope"), "uint32"),
            ]
            if revision == 2:
                places += [((*route, "flags"), "uint32"), ((*route, "mtu"), "uint32")]
        for number in range(len(network_info["neighbors"])):
            neighbor = (*info, "neighbors", number)
            places += [
                (neighbor, "object"),
                ((*neighbor, "ip_address"), "neighbor ip"),
                ((*neighbor, "hardware_addr"), "mac or empty"),
                ((*neighbor, "state"), "uint32"),
                ((*neighbor, "flags"), "uint32"),
            ]
    return places


def object_places(doc: dict[str, Any]) -> list[JsonPath]:
    """Every JSON object of ``doc``."""
    return [()] + [path for path, kind in value_places(doc, 2) if kind == "object"]


_NOT_AN_INT: list[object] = [True, False, 1500.0, 0.0, 1e3, "1500", "", None, [], {}]
_NOT_A_STRING: list[object] = [0, 1500, 1.5, True, False, None, [], {}]
WRONG_TYPES: dict[str, list[object]] = {
    "uint32": _NOT_AN_INT,
    "uint64": _NOT_AN_INT,
    "string": _NOT_A_STRING,
    "ifname": _NOT_A_STRING,
    "socket": _NOT_A_STRING,
    "pci": _NOT_A_STRING,
    "mac": _NOT_A_STRING,
    "mac or empty": _NOT_A_STRING,
    "ip/prefix": _NOT_A_STRING,
    "network": _NOT_A_STRING,
    "ip": _NOT_A_STRING,
    "type": _NOT_A_STRING,
    # string or null: null is valid there.
    "netns": [0, 1.5, True, [], {}],
    "neighbor ip": [0, 1.5, True, [], {}],
    "array": [None, {}, "[]", 0, True],
    "object": [None, [], "{}", 0, True],
}
OUT_OF_RANGE: dict[str, list[int]] = {
    "uint32": [-1, -(2**31), 2**32, 2**32 + 1, 2**64],
    "uint64": [-1, -(2**63), 2**64, 2**64 + 1, 2**100],
}
_BAD_MACS = [
    "xx:xx:xx:xx:xx",
    "xx:xx:xx:xx:xx:xx",
    "0a:58:0a:0a:00",
    "0a:58:0a:0a:00:05:06",
    "0a-58-0a-0a-00-05",
    "0a58.0a0a.0005",
    "0a:58:0a:0a:00:5",
    "0a:58:0a:0a:00:0g",
    " 0a:58:0a:0a:00:05",
]
MALFORMED: dict[str, list[str]] = {
    "ip/prefix": [
        "10.0.0.5",
        "10.0.0.256/24",
        "10.0.0.1/33",
        "10.0.0.1/",
        "/24",
        "10.0.0.1/024",
        "10.0.0.1/+24",
        "010.0.0.1/24",
        "10.0.0.1/24 ",
        "fe80::1%eth0/64",
        "2001:db8::1/129",
        "2001:db8::g/64",
        "",
    ],
    "network": [
        "10.20.1.5/16",
        "10.20.0.0",
        "10.20.0.0/33",
        "10.0.0.256/24",
        "2001:db8::1/32",
        "fe80::%eth0/64",
    ],
    "ip": ["10.0.0.256", "10.0.0.1/24", "fe80::1%eth0", "1.2.3", "::g", "10.0.0.1 ", "eth0"],
    "neighbor ip": ["10.0.0.256", "fe80::1%eth0", "10.0.0.1/33", "10.0.0.1/", "gateway"],
    "mac": [*_BAD_MACS, ""],
    "mac or empty": _BAD_MACS,
    "ifname": [
        "",
        "a" * 16,
        "\u00e9" * 8,
        "eth/0",
        "eth:0",
        "eth 0",
        "eth\t0",
        "eth\n0",
        "eth\x000",
        ".",
        "..",
        "\ud800",
    ],
    "socket": ["", "/" + "a" * 107, "/run/" + "\u00e9" * 52, "/run/a\x00b", "/run/\udc80"],
    "pci": [
        "0000:85:02",
        "0000:85:20.0",
        "0000:85:02.8",
        "0000:85:0A.1",
        "000:85:02.5",
        "0000:85:02.5 ",
        "85:02.5",
        "",
    ],
    "type": ["tap", "Host-Tap", "host_tap", "VFIO", ""],
    "string": ["\ud800"],
    "netns": ["\udfff"],
}


def draw_place(
    data: st.DataObject, doc: dict[str, Any], revision: Revision, table: dict[str, Any]
) -> tuple[JsonPath, object]:
    places = [(path, kind) for path, kind in value_places(doc, revision) if kind in table]
    path, kind = data.draw(st.sampled_from(places), label="place")
    bad = list(table[kind])
    if kind == "type" and revision == 1 and table is MALFORMED:
        bad.append("vfio")
    return path, data.draw(st.sampled_from(bad), label="bad value")


BAD_VALUES: dict[str, dict[str, Any]] = {
    "wrong type": WRONG_TYPES,
    "out of range": OUT_OF_RANGE,
    "malformed": MALFORMED,
}
MUTATIONS = ["remove a required key", *BAD_VALUES]


@pytest.mark.parametrize("revision", REVISIONS)
@given(data=st.data())
def test_one_mutation_is_reported_at_its_path(revision: Revision, data: st.DataObject) -> None:
    doc = danmodel.to_dict(data.draw(CONFIGS_WITH_DEVICES[revision]))
    mutation = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    if mutation == "remove a required key":
        path = data.draw(st.sampled_from(required_places(doc)), label="removed key")
        del at(doc, path[:-1])[path[-1]]
    else:
        path, value = draw_place(data, doc, revision, BAD_VALUES[mutation])
        at(doc, path[:-1])[path[-1]] = value
    assert_refused(doc, revision, path)


def _escape_is_defined(key: str) -> bool:
    # Paths escape unprintable characters as \uXXXX, which has no room for those
    # beyond U+FFFF: test_unprintable_keys_beyond_the_bmp_get_distinct_paths.
    return all(char.isprintable() or ord(char) <= 0xFFFF for char in key)


unknown_keys = (
    st.one_of(
        st.sampled_from(
            [
                "Neighbors",
                "Mtu",
                "comment",
                "ip_adresses",
                "x-extra",
                "with space",
                "it's",
                "a\\b",
                "tab\there",
                "\x00",
                "\u2028",
                "",
            ]
        ),
        st.text(st.characters(codec="utf-8"), max_size=8),
    )
    .filter(lambda key: key not in ALL_KEYS)
    .filter(_escape_is_defined)
)
json_values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.lists(st.integers()))


@pytest.mark.parametrize("revision", REVISIONS)
@given(data=st.data())
def test_unknown_key_is_refused_strictly_and_ignored_leniently(
    revision: Revision, data: st.DataObject
) -> None:
    config: v1.DanConfig | v2.DanConfig = data.draw(CONFIGS[revision])
    doc = danmodel.to_dict(config)
    where = data.draw(st.sampled_from(object_places(doc)), label="object")
    key = data.draw(unknown_keys, label="key")
    at(doc, where)[key] = data.draw(json_values, label="value")
    path = (*where, key)
    text = json.dumps(doc, ensure_ascii=data.draw(st.booleans(), label="ensure_ascii"))

    assert_refused(doc, revision, path)

    with pytest.warns(danmodel.IgnoredKeysWarning) as record:
        assert danmodel.loads(text, revision=revision, strict=False) == config
    ignored = [p.path for w in record for p in w.message.ignored]  # type: ignore[union-attr]
    assert ignored == [path_text(path)]

    with pytest.warns(danmodel.IgnoredKeysWarning) as record:
        assert danmodel.from_dict(doc, revision=revision, strict=False) == config
    ignored = [p.path for w in record for p in w.message.ignored]  # type: ignore[union-attr]
    assert ignored == [path_text(path)]


# --- the module itself ---------------------------------------------------------------------


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )


def test_importing_danmodel_does_not_import_strategies() -> None:
    result = run_python(
        "import sys, danmodel\n"
        "assert 'danmodel.strategies' not in sys.modules\n"
        "assert 'hypothesis' not in sys.modules\n"
    )
    assert result.returncode == 0, result.stderr


def test_importing_danmodel_loads_only_the_core() -> None:
    # The runtime rules, the CLI and the store load on first use, not with the package.
    result = run_python(
        "import sys, danmodel\n"
        "loaded = {'danmodel.check', 'danmodel.findings', 'danmodel.runtimes', 'danmodel.store',\n"
        "          'danmodel.cli', 'danmodel.agent', 'danmodel.cni', 'argparse', 'difflib',\n"
        "          'tempfile', 'cattrs'}\n"
        "assert not loaded & set(sys.modules), loaded & set(sys.modules)\n"
        "assert danmodel.check.__name__ == 'danmodel.check'\n"
        "assert danmodel.check('{\"devices\": []}', 'runtime-rs') == []\n"
        "assert danmodel.profile('go-runtime@3.10').runtime == 'go-runtime'\n"
        "missing = [name for name in danmodel.__all__ if not hasattr(danmodel, name)]\n"
        "assert not missing, missing\n"
        "try:\n"
        "    danmodel.no_such_name\n"
        "except AttributeError as error:\n"
        "    assert 'no_such_name' in str(error)\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    assert result.returncode == 0, result.stderr


def test_strategies_without_hypothesis_names_the_extra() -> None:
    result = run_python(
        "import sys\n"
        "sys.modules['hypothesis'] = None\n"
        "try:\n"
        "    import danmodel.strategies\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "danmodel.strategies needs hypothesis: pip install 'danmodel[strategies]'\n"
    )


@pytest.mark.parametrize("revision", [0, 3])
def test_unknown_revision_is_refused(revision: int) -> None:
    for strategy in (ds.routes, ds.network_infos, ds.dan_devices, ds.dan_configs):
        with pytest.raises(ValueError, match="revision"):
            strategy(revision)


def test_unprintable_keys_beyond_the_bmp_get_distinct_paths() -> None:
    paths = []
    for key in ("\U000e0001", "\ue000" + "1"):
        with pytest.raises(danmodel.ValidationError) as error:
            danmodel.from_dict({"netns": None, "devices": [], key: 0})
        paths.append(error_paths(error))
    assert paths[0] != paths[1]
