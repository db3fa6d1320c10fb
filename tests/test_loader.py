"""loads / load / from_dict on small hand-written documents."""

from __future__ import annotations

import contextlib
import io
import json
import pickle
import warnings
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import danmodel
from builders import MAC, document
from builders import device_data as device
from builders import network_info_data as info
from danmodel import MacAddress, ValidationError, from_dict, load, loads, v1, v2


def failures(data: object, **kwargs: Any) -> list[danmodel.Problem]:
    with pytest.raises(ValidationError) as exc:
        loads(data, **kwargs)  # type: ignore[call-overload]
    return list(exc.value.errors)


def paths(data: object, **kwargs: Any) -> list[str]:
    return [problem.path for problem in failures(data, **kwargs)]


def only(data: object, path: str, *words: str, **kwargs: Any) -> danmodel.Problem:
    """The one problem of ``data``: at ``path``, its message holding every word."""
    problems = failures(data, **kwargs)
    assert [problem.path for problem in problems] == [path], problems
    for word in words:
        assert word in problems[0].message, (word, problems[0].message)
    return problems[0]


# --- the happy path ----------------------------------------------------------------------------


def test_minimal_document() -> None:
    config = loads('{"devices": []}')
    assert config == v2.DanConfig(devices=[])
    assert type(config) is v2.DanConfig


def test_full_document() -> None:
    text = """{
      "netns": "/var/run/netns/cni-1",
      "devices": [{
        "name": "eth0",
        "guest_mac": "0A:58:0A:0A:00:05",
        "device": {"type": "vhost-user", "path": "/run/vhost/eth0.sock",
                   "queue_num": 2, "queue_size": 512},
        "network_info": {
          "interface": {"ip_addresses": ["10.10.0.5/24", "2001:db8::5/64"],
                        "mtu": 9000, "ntype": "tuntap", "flags": 128},
          "routes": [{"dest": "10.20.0.0/16", "gateway": "10.10.0.1", "source": "10.10.0.5",
                      "scope": 0, "flags": 1, "mtu": 1400},
                     {"dest": "", "gateway": "", "source": ""}],
          "neighbors": [{"ip_address": "10.10.0.1/24", "hardware_addr": "0a:58:0a:0a:00:01",
                         "state": 128, "flags": 0}]
        }
      }]
    }"""
    config = loads(text)
    assert config.netns == "/var/run/netns/cni-1"
    (dev,) = config.devices
    assert dev.name == "eth0"
    assert dev.guest_mac == MacAddress(b"\x0a\x58\x0a\x0a\x00\x05")
    assert dev.device == danmodel.VhostUser(
        path="/run/vhost/eth0.sock", queue_num=2, queue_size=512
    )
    interface = dev.network_info.interface
    assert interface.ip_addresses == (
        IPv4Interface("10.10.0.5/24"),
        IPv6Interface("2001:db8::5/64"),
    )
    assert (interface.mtu, interface.ntype, interface.flags) == (9000, "tuntap", 128)
    first, second = dev.network_info.routes
    assert str(first.dest) == "10.20.0.0/16"
    assert first.gateway == IPv4Address("10.10.0.1")
    assert first.source == IPv4Address("10.10.0.5")
    assert (first.scope, first.flags, first.mtu) == (0, 1, 1400)
    assert (second.dest, second.gateway, second.source) == (None, None, None)
    (neighbor,) = dev.network_info.neighbors
    assert neighbor.ip_address == IPv4Interface("10.10.0.1/24")
    assert str(neighbor.hardware_addr) == "0a:58:0a:0a:00:01"
    assert neighbor.state == 128


def test_defaults_when_keys_are_missing() -> None:
    config = loads(document({k: v for k, v in device().items() if k != "guest_mac"}))
    (dev,) = config.devices
    assert config.netns is None
    assert dev.guest_mac.is_unicast
    assert dev.guest_mac.is_locally_administered
    assert dev.device == danmodel.HostTap(tap_name="tap0", queue_num=0, queue_size=0)
    assert dev.network_info.interface.mtu == 1500
    assert dev.network_info.interface.ntype == ""
    assert dev.network_info.interface.flags == 0
    assert dev.network_info.routes == ()
    assert dev.network_info.neighbors == ()


def test_revision_1_gives_v1_classes() -> None:
    config = loads(
        document(device(network_info=info(routes=[{"gateway": "10.10.0.1"}]))), revision=1
    )
    assert type(config) is v1.DanConfig
    assert type(config.devices[0].network_info.routes[0]) is v1.Route


# --- required keys -------------------------------------------------------------------------------


def test_devices_missing() -> None:
    only("{}", "$.devices", "missing", '"devices"')
    only('{"netns": null}', "$.devices", "missing")


def test_every_required_device_key_missing() -> None:
    problems = failures(document({}))
    assert sorted(p.path for p in problems) == [
        "$.devices[0].device",
        "$.devices[0].name",
        "$.devices[0].network_info",
    ]
    for problem in problems:
        assert "missing" in problem.message
        assert problem.path.rsplit(".", 1)[1] in problem.message


def test_every_required_inner_key_missing() -> None:
    doc = document(
        device(name="eth0", device={"type": "host-tap"}, network_info={}),
        device(name="eth1", device={"type": "vhost-user"}, network_info={"interface": {}}),
        device(name="eth2", device={"type": "vfio"}),
    )
    problems = failures(doc)
    assert sorted(p.path for p in problems) == [
        "$.devices[0].device.tap_name",
        "$.devices[0].network_info.interface",
        "$.devices[1].device.path",
        "$.devices[1].network_info.interface.ip_addresses",
        "$.devices[2].device.pci_device_id",
    ]
    assert all("missing" in p.message for p in problems)


def test_nothing_else_is_required() -> None:
    doc = document(
        {
            "name": "eth0",
            "device": {"type": "vfio", "pci_device_id": "0000:85:02.5"},
            "network_info": {
                "interface": {"ip_addresses": []},
                "routes": [{}],
                "neighbors": [{}],
            },
        }
    )
    (dev,) = loads(doc).devices
    assert dev.network_info.routes == (v2.Route(),)
    assert dev.network_info.neighbors == (danmodel.Neighbor(),)


# --- JSON types --------------------------------------------------------------------------------


def _interface_with(**fields: Any) -> str:
    return document(device(network_info=info(interface={"ip_addresses": [], **fields})))


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        (_interface_with(mtu=True), "$.devices[0].network_info.interface.mtu", ["true"]),
        (_interface_with(mtu=1500.0), "$.devices[0].network_info.interface.mtu", ["1500.0"]),
        (_interface_with(mtu="1500"), "$.devices[0].network_info.interface.mtu", ["'1500'"]),
        (_interface_with(mtu=None), "$.devices[0].network_info.interface.mtu", ["null"]),
        (_interface_with(flags=False), "$.devices[0].network_info.interface.flags", ["false"]),
        (_interface_with(ntype=None), "$.devices[0].network_info.interface.ntype", ["null"]),
        (_interface_with(ntype=0), "$.devices[0].network_info.interface.ntype", ["string"]),
        (document(device(name=None)), "$.devices[0].name", ["null"]),
        (document(device(guest_mac=None)), "$.devices[0].guest_mac", ["null"]),
        (document(netns=5), "$.netns", ["integer 5"]),
        ('{"devices": null}', "$.devices", ["array", "null"]),
        ('{"devices": {}}', "$.devices", ["array", "object"]),
        ('{"devices": [[]]}', "$.devices[0]", ["object", "array"]),
        (document(device(device=[])), "$.devices[0].device", ["array"]),
        (document(device(device="host-tap")), "$.devices[0].device", ["string"]),
        (
            document(device(network_info=info(interface=[["10.0.0.1/24"], 1500]))),
            "$.devices[0].network_info.interface",
            ["array"],
        ),
        (
            document(device(network_info=info(interface={"ip_addresses": "10.0.0.1/24"}))),
            "$.devices[0].network_info.interface.ip_addresses",
            ["array"],
        ),
        (
            document(device(network_info=info(interface={"ip_addresses": [167772161]}))),
            "$.devices[0].network_info.interface.ip_addresses[0]",
            ["integer"],
        ),
        (
            document(device(network_info=info(routes={}))),
            "$.devices[0].network_info.routes",
            ["array"],
        ),
        (
            document(device(network_info=info(neighbors=[None]))),
            "$.devices[0].network_info.neighbors[0]",
            ["null"],
        ),
        (
            document(device(network_info=info(routes=[{"gateway": None}]))),
            "$.devices[0].network_info.routes[0].gateway",
            ["null"],
        ),
        (
            document(device(network_info=info(routes=[{"scope": "link"}]))),
            "$.devices[0].network_info.routes[0].scope",
            ["'link'"],
        ),
        (
            document(device(network_info=info(neighbors=[{"hardware_addr": None}]))),
            "$.devices[0].network_info.neighbors[0].hardware_addr",
            ["null"],
        ),
        (
            document(device(network_info=info(neighbors=[{"state": 1.5}]))),
            "$.devices[0].network_info.neighbors[0].state",
            ["1.5"],
        ),
        (
            document(device(device={"type": "host-tap", "tap_name": "t", "queue_num": "2"})),
            "$.devices[0].device.queue_num",
            ["'2'"],
        ),
        (
            document(device(device={"type": "vfio", "pci_device_id": 0})),
            "$.devices[0].device.pci_device_id",
            ["integer"],
        ),
    ],
)
def test_json_types(text: str, path: str, words: list[str]) -> None:
    only(text, path, "expected", *words)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_in_a_field(token: str) -> None:
    text = (
        '{"devices": [{"name": "eth0", "device": {"type": "host-tap", "tap_name": "t"},'
        f' "network_info": {{"interface": {{"ip_addresses": [], "mtu": {token}}}}}}}]}}'
    )
    only(text, "$.devices[0].network_info.interface.mtu", token)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_in_a_string_field(token: str) -> None:
    text = (
        f'{{"devices": [{{"name": {token}, "device": {{"type": "host-tap", "tap_name": "t"}},'
        ' "network_info": {"interface": {"ip_addresses": []}}}]}'
    )
    only(text, "$.devices[0].name", token)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_under_an_unknown_key_when_lenient(token: str) -> None:
    text = f'{{"devices": [], "x-extra": [1, {{"deep": {token}}}]}}'
    # not a mere ignored key: the text is not JSON
    only(text, "$['x-extra'][1].deep", token, strict=False)
    # strict: the unknown key and the bad number are both reported
    assert sorted(paths(text)) == ["$['x-extra']", "$['x-extra'][1].deep"]


# --- integer widths ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "key", "value", "words"),
    [
        ("interface", "flags", 2**32, ["32-bit", "4294967296"]),
        ("interface", "flags", -1, ["32-bit", "-1"]),
        ("interface", "mtu", 2**64, ["64-bit", "18446744073709551616"]),
        ("interface", "mtu", -1, ["64-bit", "-1"]),
        ("route", "scope", 2**32, ["32-bit"]),
        ("route", "flags", -1, ["32-bit"]),
        ("route", "mtu", 2**32, ["32-bit"]),
        ("neighbor", "state", 2**32, ["32-bit"]),
        ("neighbor", "flags", -(2**31), ["32-bit"]),
        ("device", "queue_num", 2**32, ["32-bit"]),
        ("device", "queue_size", -1, ["32-bit"]),
    ],
)
def test_integer_widths(where: str, key: str, value: int, words: list[str]) -> None:
    if where == "interface":
        doc = _interface_with(**{key: value})
        path = f"$.devices[0].network_info.interface.{key}"
    elif where == "route":
        doc = document(device(network_info=info(routes=[{key: value}])))
        path = f"$.devices[0].network_info.routes[0].{key}"
    elif where == "neighbor":
        doc = document(device(network_info=info(neighbors=[{key: value}])))
        path = f"$.devices[0].network_info.neighbors[0].{key}"
    else:
        doc = document(device(device={"type": "host-tap", "tap_name": "t", key: value}))
        path = f"$.devices[0].device.{key}"
    only(doc, path, *words)


def test_integer_widths_maximum_accepted() -> None:
    doc = document(
        device(
            device={"type": "host-tap", "tap_name": "t", "queue_num": 2**32 - 1},
            network_info={
                "interface": {"ip_addresses": [], "mtu": 2**64 - 1, "flags": 2**32 - 1},
                "routes": [{"scope": 2**32 - 1, "flags": 2**32 - 1, "mtu": 2**32 - 1}],
                "neighbors": [{"state": 2**32 - 1, "flags": 2**32 - 1}],
            },
        )
    )
    (dev,) = loads(doc).devices
    assert dev.network_info.interface.mtu == 18446744073709551615
    assert dev.network_info.neighbors[0].state == 4294967295


def test_integer_with_5000_digits() -> None:
    text = '{"devices": [], "netns": ' + "1" * 5000 + "}"
    problems = failures(text)
    assert len(problems) == 1
    assert problems[0].path == "$"
    problems = failures('{"devices": [], "x": ' + "9" * 5000 + "}", strict=False)
    assert [p.path for p in problems] == ["$"]


# --- value syntax --------------------------------------------------------------------------------


def _route(**fields: Any) -> str:
    return document(device(network_info=info(routes=[{}, fields])))


def _neighbor(**fields: Any) -> str:
    return document(device(network_info=info(neighbors=[fields])))


def _addresses(*items: str) -> str:
    return document(device(network_info=info(interface={"ip_addresses": list(items)})))


def _host(**fields: Any) -> str:
    return document(device(device=fields))


R = "$.devices[0].network_info.routes[1]"
N = "$.devices[0].network_info.neighbors[0]"
A = "$.devices[0].network_info.interface.ip_addresses"
D = "$.devices[0].device"


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        # CIDR with prefix
        (_addresses("10.10.0.5/24", "10.10.0.6"), f"{A}[1]", ["ip/prefix", "10.10.0.6"]),
        (_addresses("10.10.0.5/33"), f"{A}[0]", ["0 to 32"]),
        (_addresses("2001:db8::5/129"), f"{A}[0]", ["0 to 128"]),
        (_addresses("10.10.0.5/024"), f"{A}[0]", ["prefix"]),
        (_addresses("010.10.0.5/24"), f"{A}[0]", ["010.10.0.5/24"]),
        (_addresses("fe80::5%eth0/64"), f"{A}[0]", ["zone"]),
        (_addresses(""), f"{A}[0]", ["ip/prefix"]),
        # network without host bits
        (_route(dest="10.20.1.5/16"), f"{R}.dest", ["host bits", "10.20.0.0/16"]),
        (_route(dest="2001:db8::1/32"), f"{R}.dest", ["host bits", "2001:db8::/32"]),
        (_route(dest="10.20.0.0"), f"{R}.dest", ["ip/prefix"]),
        (_route(dest="default"), f"{R}.dest", ["'default'"]),
        # plain IP
        (_route(gateway="10.10.0.1/24"), f"{R}.gateway", ["10.10.0.1/24"]),
        (_route(gateway="010.10.0.1"), f"{R}.gateway", ["010.10.0.1"]),
        (_route(gateway="fe80::1%eth0"), f"{R}.gateway", ["zone"]),
        (_route(source="10.10.0"), f"{R}.source", ["10.10.0"]),
        (_neighbor(ip_address="10.10.0.1/33"), f"{N}.ip_address", ["0 to 32"]),
        (_neighbor(ip_address="10.10.0.256"), f"{N}.ip_address", ["10.10.0.256"]),
        (_neighbor(ip_address=""), f"{N}.ip_address", ["IP"]),
        # MAC
        (document(device(guest_mac="0a:58:0a:0a:00")), "$.devices[0].guest_mac", ["xx:xx"]),
        (document(device(guest_mac="0a-58-0a-0a-00-05")), "$.devices[0].guest_mac", ["xx:xx"]),
        (document(device(guest_mac="")), "$.devices[0].guest_mac", ["xx:xx"]),
        (_neighbor(hardware_addr="xx:xx:xx:xx:xx:xx"), f"{N}.hardware_addr", ["xx:xx"]),
        (_neighbor(hardware_addr="0a58.0a0a.0005"), f"{N}.hardware_addr", ["0a58.0a0a.0005"]),
        # PCI
        (_host(type="vfio", pci_device_id="0000:85:20.5"), f"{D}.pci_device_id", ["1f"]),
        (_host(type="vfio", pci_device_id="0000:85:02.8"), f"{D}.pci_device_id", ["7"]),
        (_host(type="vfio", pci_device_id="0000:85:02"), f"{D}.pci_device_id", ["DDDD:BB:DD.F"]),
        (_host(type="vfio", pci_device_id="85:02.5"), f"{D}.pci_device_id", ["DDDD:BB:DD.F"]),
        (_host(type="vfio", pci_device_id="0000:8g:02.5"), f"{D}.pci_device_id", ["DD.F"]),
        (_host(type="vfio", pci_device_id=" 0000:85:02.5"), f"{D}.pci_device_id", ["DD.F"]),
        (
            _host(type="vfio", pci_device_id="0000:AF:1E.5"),
            f"{D}.pci_device_id",
            ["lower-case", "'0000:af:1e.5'"],
        ),
        # interface names
        (document(device(name="")), "$.devices[0].name", ["empty"]),
        (document(device(name="a" * 16)), "$.devices[0].name", ["16 bytes", "15"]),
        (document(device(name="\u00e9" * 8)), "$.devices[0].name", ["16 bytes"]),
        (document(device(name="eth/0")), "$.devices[0].name", ["'/'"]),
        (document(device(name="eth:0")), "$.devices[0].name", ["':'"]),
        (document(device(name="eth 0")), "$.devices[0].name", ["whitespace"]),
        (document(device(name="eth0\n")), "$.devices[0].name", ["whitespace"]),
        (document(device(name="eth\u00a00")), "$.devices[0].name", ["0xa0", "whitespace"]),
        # U+00E0 is C3 A0 in UTF-8; the kernel's isspace() counts the byte 0xA0 as space.
        (document(device(name="tap\u00e0")), "$.devices[0].name", ["0xa0", "whitespace"]),
        (document(device(name=".")), "$.devices[0].name", ["'.'"]),
        (document(device(name="..")), "$.devices[0].name", ["'..'"]),
        (_host(type="host-tap", tap_name=""), f"{D}.tap_name", ["empty"]),
        (_host(type="host-tap", tap_name="tap/0"), f"{D}.tap_name", ["'/'"]),
        (_host(type="host-tap", tap_name="tap\t0"), f"{D}.tap_name", ["whitespace"]),
        (_host(type="host-tap", tap_name="a" * 16), f"{D}.tap_name", ["16 bytes"]),
        (_host(type="host-tap", tap_name=".."), f"{D}.tap_name", ["'..'"]),
        # socket path
        (_host(type="vhost-user", path=""), f"{D}.path", ["empty"]),
        (_host(type="vhost-user", path="/" + "s" * 107), f"{D}.path", ["108 bytes", "107"]),
        (_host(type="vhost-user", path="/" + "\u00e9" * 54), f"{D}.path", ["109 bytes"]),
        # netns
        (document(netns=""), "$.netns", ["empty"]),
    ],
)
def test_value_syntax(text: str, path: str, words: list[str]) -> None:
    only(text, path, *words)


@pytest.mark.parametrize(
    "text",
    [
        document(device(name="a" * 15)),
        document(device(name="\u00e9" * 7 + "0")),  # 15 bytes, 8 characters
        document(device(name="\u20ac" * 5)),  # 15 bytes
        document(device(name="eth-0.100_x@")),
        _host(type="host-tap", tap_name="\u00e9" * 7 + "0"),
        _host(type="vhost-user", path="/" + "s" * 106),
        _host(type="vfio", pci_device_id="ffff:ff:1f.7"),
        _addresses("10.10.0.5/24", "10.10.0.5/0", "2001:DB8::5/64", "::ffff:10.10.0.5/96"),
        _route(dest="", gateway="", source=""),
        _route(dest="0.0.0.0/0", gateway="10.10.0.1", source="10.10.0.5"),
        _route(dest="::/0", gateway="fe80::1"),
        _neighbor(ip_address=None, hardware_addr=""),
        _neighbor(hardware_addr="0A:58:0A:0A:00:01"),
        document(netns=None),
        document(netns="/var/run/netns/cni-\u00e9"),
    ],
)
def test_value_syntax_accepted(text: str) -> None:
    assert type(loads(text)) is v2.DanConfig


def test_name_lengths_are_counted_in_bytes() -> None:
    (dev,) = loads(document(device(name="\u00e9" * 7 + "0"))).devices
    assert len(dev.name.encode()) == 15
    only(document(device(name="\u00e9" * 7 + "01")), "$.devices[0].name", "16 bytes")


# --- device type tag -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ({"tap_name": "tap0"}, ["missing", '"type"']),
        ({"type": None, "tap_name": "tap0"}, ["null"]),
        ({"type": 1, "tap_name": "tap0"}, ["integer 1"]),
        ({"type": ["host-tap"], "tap_name": "tap0"}, ["array"]),
        ({"type": "tap", "name": "tap0"}, ['"tap"', '"host-tap"', '"vhost-user"', '"vfio"']),
        ({"type": "Host-Tap", "tap_name": "tap0"}, ['"Host-Tap"', 'did you mean "host-tap"']),
    ],
)
def test_device_type_tag(host: dict[str, Any], words: list[str]) -> None:
    only(document(device(device=host)), "$.devices[0].device.type", *words)


def test_vfio_in_revision_1_says_revision_2() -> None:
    text = document(device(device={"type": "vfio", "pci_device_id": "0000:85:02.5"}))
    for strict in (True, False):
        only(text, "$.devices[0].device.type", "revision 2", revision=1, strict=strict)


def test_device_keys_of_another_type() -> None:
    # "path" is a vhost-user key, not a host-tap one
    problems = failures(_host(type="host-tap", path="/run/x.sock"))
    assert sorted(p.path for p in problems) == [f"{D}.path", f"{D}.tap_name"]


@pytest.mark.parametrize("strict", [True, False])
def test_route_flags_and_mtu_in_revision_1(strict: bool) -> None:
    text = document(
        device(network_info=info(routes=[{"gateway": "10.10.0.1", "flags": 0}, {"mtu": 1400}]))
    )
    problems = failures(text, revision=1, strict=strict)
    assert [p.path for p in problems] == [
        "$.devices[0].network_info.routes[0].flags",
        "$.devices[0].network_info.routes[1].mtu",
    ]
    assert all("revision 2" in p.message for p in problems)
    assert "3.15" in problems[0].message
    assert "3.17" in problems[1].message


# --- duplicate keys ------------------------------------------------------------------------------

DUP_DEVICE = (
    '{"name": "eth0", "device": {"type": "host-tap", "tap_name": "t"},'
    ' "network_info": {"interface": {"ip_addresses": []}}}'
)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('{"devices": [], "devices": []}', "$.devices"),
        ('{"netns": null, "devices": [], "netns": "x"}', "$.netns"),
        (
            '{"devices": [{"name": "eth0", "name": "eth1", "device": {"type": "host-tap",'
            ' "tap_name": "t"}, "network_info": {"interface": {"ip_addresses": []}}}]}',
            "$.devices[0].name",
        ),
        (
            '{"devices": [{"name": "eth0", "device": {"type": "host-tap", "tap_name": "t",'
            ' "tap_name": "u"}, "network_info": {"interface": {"ip_addresses": []}}}]}',
            "$.devices[0].device.tap_name",
        ),
        (
            '{"devices": [{"name": "eth0", "device": {"type": "host-tap", "tap_name": "t"},'
            ' "network_info": {"interface": {"ip_addresses": []}},'
            ' "network_info": {"interface": {"ip_addresses": []}}}]}',
            "$.devices[0].network_info",
        ),
        (
            '{"devices": [{"name": "eth0", "device": {"type": "host-tap", "tap_name": "t"},'
            ' "network_info": {"interface": {"ip_addresses": [], "mtu": 1500, "mtu": 9000}}}]}',
            "$.devices[0].network_info.interface.mtu",
        ),
        (
            '{"devices": [{"name": "eth0", "device": {"type": "host-tap", "tap_name": "t"},'
            ' "network_info": {"interface": {"ip_addresses": []},'
            ' "routes": [{}, {"gateway": "10.0.0.1", "gateway": "10.0.0.2"}]}}]}',
            "$.devices[0].network_info.routes[1].gateway",
        ),
    ],
)
def test_duplicate_keys(text: str, path: str) -> None:
    only(text, path, "2 times")
    only(text, path, "2 times", strict=False)


def test_duplicate_keys_three_times_and_several() -> None:
    text = '{"netns": "a", "netns": "b", "netns": "c", "devices": [], "devices": []}'
    problems = failures(text)
    assert sorted(p.path for p in problems) == ["$.devices", "$.netns"]
    assert any("3 times" in p.message for p in problems)


def test_duplicate_keys_under_an_unknown_key_when_lenient() -> None:
    text = '{"devices": [], "extra": {"a": 1, "b": {"c": 1, "c": 2}}}'
    only(text, "$.extra.b.c", "2 times", strict=False)


# --- unknown keys --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "suggestion"),
    [
        (
            document(device(network_info=info(Neighbors=[]))),
            "$.devices[0].network_info.Neighbors",
            "neighbors",
        ),
        (
            document(device(network_info=info(interface={"ip_addresses": [], "MTU": 1500}))),
            "$.devices[0].network_info.interface.MTU",
            "mtu",
        ),
        (
            document(device(network_info=info(routes=[{"gatway": "10.0.0.1"}]))),
            "$.devices[0].network_info.routes[0].gatway",
            "gateway",
        ),
        (document(device(guestMac=MAC)), "$.devices[0].guestMac", "guest_mac"),
        (document(device(), Devices=[]), "$.Devices", "devices"),
        (
            _host(type="host-tap", tap_name="t", queue_nums=1),
            "$.devices[0].device.queue_nums",
            "queue_num",
        ),
    ],
)
def test_unknown_key_strict_with_hint(text: str, path: str, suggestion: str) -> None:
    only(text, path, "unknown key", f'did you mean "{suggestion}"')


def test_unknown_key_without_hint() -> None:
    problem = only(document(version=2), "$.version", "unknown key", '"version"')
    assert "did you mean" not in problem.message


def test_unknown_key_with_odd_characters_in_path() -> None:
    only(document(**{"x y": 1}), "$['x y']", "unknown key")


def test_unknown_keys_lenient() -> None:
    text = document(
        device(network_info=info(Neighbors=[{"ip_address": "10.0.0.1"}])),
        comment="written by hand",
    )
    with pytest.warns(danmodel.IgnoredKeysWarning) as record:
        config = loads(text, strict=False)
    assert config.devices[0].network_info.neighbors == ()
    assert len(record) == 1
    warning = record[0].message
    assert isinstance(warning, danmodel.IgnoredKeysWarning)
    # in document order
    assert [p.path for p in warning.ignored] == [
        "$.devices[0].network_info.Neighbors",
        "$.comment",
    ]
    assert 'did you mean "neighbors"' in warning.ignored[0].message
    assert "$.devices[0].network_info.Neighbors" in str(warning)
    assert "$.comment" in str(warning)


def test_ignored_keys_warning_points_at_the_caller(tmp_path: Path) -> None:
    with pytest.warns(danmodel.IgnoredKeysWarning) as record:
        loads(document(extra=1), strict=False)
    assert record[0].filename == __file__
    with pytest.warns(danmodel.IgnoredKeysWarning) as record:
        from_dict({"devices": [], "extra": 1}, strict=False)
    assert record[0].filename == __file__


def test_ignored_keys_warning_from_load_points_at_the_caller(tmp_path: Path) -> None:
    target = tmp_path / "extra.json"
    target.write_text(document(extra=1), encoding="utf-8")
    with pytest.warns(danmodel.IgnoredKeysWarning) as record:
        load(target, strict=False)
    assert record[0].filename == __file__


def test_lenient_without_unknown_keys_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert loads(document(device()), strict=False).devices[0].name == "eth0"


def test_lenient_still_reports_real_errors() -> None:
    text = document(device(name="", extra=1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning either: the load fails
        only(text, "$.devices[0].name", "empty", strict=False)


# --- every problem at once -----------------------------------------------------------------------


def test_all_errors_are_reported() -> None:
    text = document(
        device(
            name="eth0/",
            guest_mac="xx:xx:xx:xx:xx",
            network_info=info(routes=[{"dest": "10.20.1.5/16"}], Neighbors=[]),
        ),
        device(name="eth1", device={"type": "vfio", "pci_device_id": "0000:85:02.5"}),
        netns="",
    )
    assert sorted(paths(text)) == [
        "$.devices[0].guest_mac",
        "$.devices[0].name",
        "$.devices[0].network_info.Neighbors",
        "$.devices[0].network_info.routes[0].dest",
        "$.netns",
    ]


def test_errors_inside_several_devices_and_uniqueness() -> None:
    text = document(
        device(name="eth0"),
        device(name="eth0", device={"type": "host-tap", "tap_name": "tap0"}),
        device(name="eth2", device={"type": "host-tap", "tap_name": "tap2", "queue_num": -1}),
    )
    problems = failures(text)
    # the uniqueness check needs valid devices: the broken third one is reported alone
    assert [p.path for p in problems] == ["$.devices[2].device.queue_num"]
    problems = failures(document(device(name="eth0"), device(name="eth0")))
    assert sorted(p.path for p in problems) == [
        "$.devices[1].device.tap_name",
        "$.devices[1].name",
    ]
    assert all("devices[0]" in p.message for p in problems)


# --- text-level problems -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('{"devices": [}', 1, 14),
        ('{\n  "devices": [\n    }\n', 3, 5),
        ('{"devices": [],}', 1, 16),
        ("", 1, 1),
        ('{"devices": []} x', 1, 17),
        ("{'devices': []}", 1, 2),
    ],
)
def test_json_syntax_errors_carry_line_and_column(text: str, line: int, column: int) -> None:
    problem = only(text, "$", "invalid JSON")
    assert (problem.line, problem.column) == (line, column)
    assert f"line {line}, column {column}" in str(problem)


def test_invalid_utf8() -> None:
    problem = only(b'{"devices": [], "netns": "\xff"}', "$", "UTF-8")
    assert (problem.line, problem.column) == (1, 27)
    problem = only(b'{"devices": [],\n "netns": "\xc3"}', "$", "UTF-8")
    assert problem.line == 2


def test_utf8_is_read() -> None:
    config = loads(document(netns="/run/netns/\u00e9").encode("utf-8"))
    assert config.netns == "/run/netns/\u00e9"
    raw = '{"devices": [], "netns": "/run/netns/\u00e9"}'.encode()
    assert loads(raw).netns == "/run/netns/\u00e9"
    # bytearray and memoryview work too, though the annotation says str | bytes
    other: Any = loads
    assert other(bytearray(raw)).netns == "/run/netns/\u00e9"
    assert other(memoryview(raw)).netns == "/run/netns/\u00e9"


@pytest.mark.parametrize(
    "data", [b'\xef\xbb\xbf{"devices": []}', '\ufeff{"devices": []}'], ids=["bytes", "str"]
)
def test_byte_order_mark(data: str | bytes) -> None:
    only(data, "$", "byte order mark")


@pytest.mark.parametrize(
    "data", [b'\xff\xfe{\x00"\x00', '{"devices": []}'.encode("utf-16")], ids=["junk", "utf-16"]
)
def test_other_encodings(data: bytes) -> None:
    failures(data)


def test_lone_surrogate_in_a_name() -> None:
    text = (
        '{"devices": [{"name": "eth\\ud800", "device": {"type": "host-tap", "tap_name": "t"},'
        ' "network_info": {"interface": {"ip_addresses": []}}}]}'
    )
    only(text, "$.devices[0].name", "surrogate")
    only(document(netns="\ud800"), "$.netns", "surrogate")
    text = '{"devices": [], "netns": "\\udfff"}'
    only(text, "$.netns", "surrogate")


def test_surrogate_pair_is_fine() -> None:
    assert loads('{"devices": [], "netns": "/run/\\ud83d\\ude00"}').netns == "/run/\U0001f600"


@pytest.mark.parametrize("data", [None, 42, 1.5, ["devices"], {"devices": []}, Path("x.json")])
def test_not_text(data: object) -> None:
    only(data, "$", "str or bytes")


def test_oversized_document() -> None:
    limit = danmodel.MAX_DOCUMENT_BYTES
    assert limit == 16 * 1024 * 1024
    padding = b" " * limit
    only(b'{"devices": []}' + padding, "$", "larger than")
    only('{"devices": []}' + padding.decode(), "$", "larger than")


def test_size_bound_counts_utf8_bytes_of_text() -> None:
    # 2-byte characters: under the bound in characters, over it in UTF-8 bytes.
    text = '{"devices": [], "netns": "' + "\u00e9" * (danmodel.MAX_DOCUMENT_BYTES // 2 + 1) + '"}'
    assert len(text) < danmodel.MAX_DOCUMENT_BYTES
    only(text, "$", "larger than")
    only(text.encode(), "$", "larger than")


def test_document_at_the_limit_is_read() -> None:
    text = b'{"devices": []}'
    padded = text + b" " * (danmodel.MAX_DOCUMENT_BYTES - len(text))
    assert loads(padded).devices == ()


@pytest.mark.parametrize(
    ("text", "strict"),
    [
        ("[" * 100_000 + "]" * 100_000, True),
        ('{"a": ' * 100_000 + "1" + "}" * 100_000, True),
        ('{"devices": [], "x": ' + "[" * 100_000 + "]" * 100_000 + "}", False),
        ('{"devices": [], "x": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001, False),
        ('{"devices": [], "x": ' + "[" * 100_000, False),  # unterminated
    ],
)
def test_absurd_nesting(text: str, strict: bool) -> None:
    problems = failures(text, strict=strict)
    assert [p.path for p in problems] == ["$"]


def test_deep_but_readable_nesting_under_an_unknown_key() -> None:
    text = '{"devices": [], "x": ' + "[" * 200 + "]" * 200 + "}"
    with pytest.warns(danmodel.IgnoredKeysWarning):
        assert loads(text, strict=False).devices == ()


# --- only DanError escapes ---------------------------------------------------------------------

_KEYS = st.sampled_from(
    [
        "netns",
        "devices",
        "name",
        "guest_mac",
        "device",
        "type",
        "tap_name",
        "path",
        "pci_device_id",
        "queue_num",
        "queue_size",
        "network_info",
        "interface",
        "ip_addresses",
        "mtu",
        "ntype",
        "flags",
        "routes",
        "dest",
        "gateway",
        "source",
        "scope",
        "neighbors",
        "ip_address",
        "hardware_addr",
        "state",
    ]
)
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**65), max_value=2**65)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "host-tap",
            "vhost-user",
            "vfio",
            "10.0.0.1/24",
            "10.0.0.0/8",
            "10.0.0.1",
            "::1",
            MAC,
            "0000:85:02.5",
            "",
            "eth0",
        ]
    )
)
_JSONISH = st.recursive(
    _LEAVES,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(_KEYS | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=30,
)


def _only_dan_errors(call: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", danmodel.IgnoredKeysWarning)
        with contextlib.suppress(danmodel.DanError):
            call()


@given(data=st.text() | st.binary(), strict=st.booleans(), revision=st.sampled_from([1, 2]))
def test_loads_raises_only_dan_errors_on_arbitrary_input(
    data: str | bytes, strict: bool, revision: int
) -> None:
    _only_dan_errors(lambda: loads(data, strict=strict, revision=revision))


@given(value=_JSONISH, strict=st.booleans(), revision=st.sampled_from([1, 2]))
def test_loads_and_from_dict_raise_only_dan_errors_on_arbitrary_json(
    value: object, strict: bool, revision: int
) -> None:
    _only_dan_errors(lambda: from_dict(value, revision=revision, strict=strict))  # type: ignore[call-overload]
    _only_dan_errors(lambda: loads(json.dumps(value), revision=revision, strict=strict))


@given(
    devices=st.lists(
        st.fixed_dictionaries(
            {"name": _JSONISH, "device": _JSONISH, "network_info": _JSONISH},
            optional={"guest_mac": _JSONISH},
        ),
        max_size=3,
    ),
    strict=st.booleans(),
)
def test_dan_shaped_documents_raise_only_dan_errors(
    devices: list[dict[str, Any]], strict: bool
) -> None:
    _only_dan_errors(lambda: loads(json.dumps({"devices": devices}), strict=strict))


# --- load ----------------------------------------------------------------------------------------


def test_load_from_path(tmp_path: Path) -> None:
    target = tmp_path / "sandbox.json"
    target.write_text(document(device()), encoding="utf-8")
    assert load(target).devices[0].name == "eth0"
    assert load(str(target)).devices[0].name == "eth0"


def test_load_from_file_objects(tmp_path: Path) -> None:
    target = tmp_path / "sandbox.json"
    target.write_text(document(device(name="\u00e9th0")), encoding="utf-8")
    with target.open("rb") as binary:
        assert load(binary).devices[0].name == "\u00e9th0"
    with target.open(encoding="utf-8") as text:
        assert load(text).devices[0].name == "\u00e9th0"
    assert load(io.BytesIO(document().encode())).devices == ()
    assert load(io.StringIO(document())).devices == ()


def test_load_revision_and_strict(tmp_path: Path) -> None:
    target = tmp_path / "sandbox.json"
    target.write_text(document(device(extra=1)), encoding="utf-8")
    with pytest.warns(danmodel.IgnoredKeysWarning):
        config = load(target, revision=1, strict=False)
    assert type(config) is v1.DanConfig


def test_load_source_names_the_file(tmp_path: Path) -> None:
    target = tmp_path / "broken.json"
    target.write_text('{"devices": [', encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        load(target)
    assert exc.value.source == str(target)
    assert str(target) in str(exc.value)
    with target.open("rb") as stream, pytest.raises(ValidationError) as exc:
        load(stream)
    assert str(target) in str(exc.value)


def test_loads_source_names_the_document() -> None:
    with pytest.raises(ValidationError) as exc:
        loads(document(netns=""), source="/run/kata-containers/dans/abc.json")
    assert exc.value.source == "/run/kata-containers/dans/abc.json"
    assert "/run/kata-containers/dans/abc.json" in str(exc.value)
    assert "$.netns" in str(exc.value)


def test_load_missing_file_is_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.json")


def test_load_oversized_file(tmp_path: Path) -> None:
    target = tmp_path / "big.json"
    target.write_bytes(b'{"devices": []}' + b" " * danmodel.MAX_DOCUMENT_BYTES)
    with pytest.raises(ValidationError) as exc:
        load(target)
    assert "larger than" in exc.value.errors[0].message


# --- neighbor spelling ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "value"),
    [
        ("10.10.0.1/32", IPv4Interface("10.10.0.1/32")),
        ("192.168.0.3/16", IPv4Interface("192.168.0.3/16")),
        ("10.10.0.1", IPv4Address("10.10.0.1")),
        ("2001:db8::1/64", IPv6Interface("2001:db8::1/64")),
        ("2001:db8::1", IPv6Address("2001:db8::1")),
    ],
)
def test_neighbor_ip_keeps_its_spelling(spelling: str, value: object) -> None:
    config = loads(_neighbor(ip_address=spelling, hardware_addr=MAC, state=128))
    neighbor = config.devices[0].network_info.neighbors[0]
    assert neighbor.ip_address == value
    assert type(neighbor.ip_address) is type(value)
    assert f'"ip_address": "{spelling}"' in danmodel.dumps(config)


# --- revisions, from_dict, pickling ------------------------------------------------------------


@pytest.mark.parametrize("revision", [0, 3, -1])
def test_unknown_revision(revision: int) -> None:
    only(document(), "$", "revision", str(revision), revision=revision)
    with pytest.raises(ValidationError):
        from_dict({"devices": []}, revision=revision)  # type: ignore[call-overload]


def test_from_dict() -> None:
    config = from_dict(json.loads(document(device())))
    assert config.devices[0].device == danmodel.HostTap(tap_name="tap0")
    assert type(from_dict({"devices": []}, revision=1)) is v1.DanConfig
    with pytest.raises(ValidationError) as exc:
        from_dict({"devices": [device(name="")]})
    assert [p.path for p in exc.value.errors] == ["$.devices[0].name"]


def test_from_dict_lenient_warns() -> None:
    with pytest.warns(danmodel.IgnoredKeysWarning) as record:
        from_dict({"devices": [], "x": 1}, strict=False)
    assert [p.path for p in record[0].message.ignored] == ["$.x"]  # type: ignore[union-attr]


def test_from_dict_single_objects() -> None:
    assert from_dict({"tap_name": "tap0"}, danmodel.HostTap) == danmodel.HostTap(tap_name="tap0")
    route = from_dict({"dest": "10.0.0.0/8", "mtu": 1400}, v2.Route)
    assert route.mtu == 1400
    with pytest.raises(ValidationError) as exc:
        from_dict({"dest": "10.0.0.0/8", "mtu": 1400}, v1.Route)
    assert [p.path for p in exc.value.errors] == ["$.mtu"]
    with pytest.raises(ValidationError) as exc:
        from_dict({"type": "host-tap", "tap_name": "tap0"}, danmodel.HostTap)
    assert [p.path for p in exc.value.errors] == ["$.type"]


def test_from_dict_refuses_non_model_classes() -> None:
    with pytest.raises(TypeError):
        from_dict({}, dict)


def test_from_dict_on_non_mappings() -> None:
    for value in (None, "devices", 3):
        with pytest.raises(ValidationError) as exc:
            from_dict(value)
        assert [p.path for p in exc.value.errors] == ["$"]


def test_errors_are_picklable() -> None:
    with pytest.raises(ValidationError) as exc:
        loads('{"devices": [}', source="a.json")
    error = exc.value
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is ValidationError
    assert copy.errors == error.errors
    assert copy.errors[0].line == 1
    assert copy.source == "a.json"
    assert str(copy) == str(error)

    with pytest.raises(ValidationError) as exc:
        loads(document(device(name=""), netns=""))
    copy = pickle.loads(pickle.dumps(exc.value))
    assert copy.errors == exc.value.errors
    assert str(copy) == str(exc.value)


def test_validation_error_summary() -> None:
    with pytest.raises(ValidationError) as exc:
        loads(document(device(name=""), netns=""), source="s.json")
    text = str(exc.value)
    assert text.startswith("2 problems in s.json:")
    # Each problem says where it is in the text (computed only because there are problems).
    assert "\n  $.devices[0].name (line 1, column 15): " in text
    assert "\n  $.netns (line 1, column 182): " in text
