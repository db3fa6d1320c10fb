"""danmodel.agent: the agent types, their JSON form, and the DAN <-> agent converters.

Expected values are written by hand from runtime-rs' rules in the format
reference ("Agent protocol types"), never computed by the converters.
"""

from __future__ import annotations

import io
import json
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import danmodel
from danmodel import agent, v1, v2
from danmodel import strategies as ds
from danmodel.agent import AgentDevice, ARPNeighbor, Interface, IPAddress, IPFamily, Network, Route
from danmodel.mac import MacAddress

MAC = MacAddress.parse("0a:58:0a:0a:00:05")
GATEWAY_MAC = MacAddress.parse("0a:58:0a:0a:00:01")
TAP = v2.HostTap(tap_name="tap0")


def paths(error: pytest.ExceptionInfo[danmodel.ValidationError]) -> list[str]:
    return [problem.path for problem in error.value.errors]


# --- golden: DAN -> agent ----------------------------------------------------------------------


def golden_device() -> v2.DanDevice:
    return v2.DanDevice(
        name="eth0",
        guest_mac=MAC,
        device=TAP,
        network_info=v2.NetworkInfo(
            interface=v2.Interface(
                ip_addresses=[
                    IPv4Interface("10.10.0.5/24"),
                    IPv4Interface("127.0.0.1/8"),
                    IPv6Interface("2001:db8::5/64"),
                    IPv6Interface("::1/128"),
                ],
                mtu=9000,
                ntype="tuntap",
                flags=0x1083,
            ),
            routes=[
                v2.Route(dest=IPv4Network("10.20.0.0/16"), gateway=IPv4Address("10.10.0.1")),
                v2.Route(),
                v2.Route(gateway=IPv6Address("::ffff:10.0.0.1"), scope=253, flags=4, mtu=1400),
                v2.Route(source=IPv4Address("10.10.0.5"), scope=254),
            ],
            neighbors=[
                v2.Neighbor(
                    ip_address=IPv4Interface("10.10.0.1/32"),
                    hardware_addr=GATEWAY_MAC,
                    state=0x80,
                    flags=0x08,
                ),
                v2.Neighbor(ip_address=IPv4Address("10.10.0.2")),
            ],
        ),
    )


def test_device_to_agent_follows_runtime_rs() -> None:
    converted = agent.from_dan_device(golden_device())
    assert converted.value == AgentDevice(
        interface=Interface(
            device="eth0",
            name="eth0",
            IPAddresses=[
                IPAddress(family=IPFamily.v4, address="10.10.0.5", mask="24"),
                IPAddress(family=IPFamily.v6, address="2001:db8::5", mask="64"),
            ],
            mtu=9000,
            hwAddr="0a:58:0a:0a:00:05",
            devicePath="",
            type="tuntap",
            raw_flags=0x80,
        ),
        routes=[
            Route(
                dest="10.20.0.0/16",
                gateway="10.10.0.1",
                device="eth0",
                family=IPFamily.v4,
            ),
            Route(
                gateway="::ffff:10.0.0.1",
                device="eth0",
                scope=253,
                family=IPFamily.v6,
                flags=4,
                mtu=1400,
            ),
            Route(source="10.10.0.5", device="eth0", scope=254, family=IPFamily.v4),
        ],
        neighbors=[
            ARPNeighbor(
                toIPAddress=IPAddress(family=IPFamily.v4, address="10.10.0.1", mask="32"),
                device="eth0",
                lladdr="0a:58:0a:0a:00:01",
                state=0x80,
                flags=0x08,
            ),
            ARPNeighbor(toIPAddress=None, device="eth0", lladdr="", state=0, flags=0),
        ],
    )
    assert [problem.path for problem in converted.dropped] == [
        "$.network_info.interface.ip_addresses[1]",
        "$.network_info.interface.ip_addresses[3]",
        "$.network_info.interface.flags",
        "$.network_info.routes[1]",
        "$.network_info.neighbors[1].ip_address",
    ]
    assert "0x1003" in converted.dropped[2].message


def test_keeping_loopback_addresses() -> None:
    converted = agent.from_dan_device(golden_device(), drop_loopback=False)
    assert converted.value.interface.IPAddresses == (
        IPAddress(family=IPFamily.v4, address="10.10.0.5", mask="24"),
        IPAddress(family=IPFamily.v4, address="127.0.0.1", mask="8"),
        IPAddress(family=IPFamily.v6, address="2001:db8::5", mask="64"),
        IPAddress(family=IPFamily.v6, address="::1", mask="128"),
    )
    assert "$.network_info.interface.ip_addresses[1]" not in [
        problem.path for problem in converted.dropped
    ]


def test_refusing_what_runtime_rs_drops() -> None:
    with pytest.raises(danmodel.ValidationError) as error:
        agent.from_dan_device(
            golden_device(),
            drop_routes_without_family=False,
            drop_neighbor_ips_without_prefix=False,
        )
    assert paths(error) == [
        "$.network_info.routes[1]",
        "$.network_info.neighbors[1].ip_address",
    ]
    assert "10.10.0.2/32" in error.value.errors[1].message


def test_an_ipv4_mapped_loopback_is_not_loopback() -> None:
    # Rust's Ipv6Addr::is_loopback is true for ::1 only.
    device = attrs.evolve(
        golden_device(),
        network_info=v2.NetworkInfo(
            interface=v2.Interface(ip_addresses=[IPv6Interface("::ffff:127.0.0.1/104")])
        ),
    )
    converted = agent.from_dan_device(device)
    assert converted.value.interface.IPAddresses == (
        IPAddress(family=IPFamily.v6, address="::ffff:127.0.0.1", mask="104"),
    )
    assert converted.dropped == ()


def test_state_and_flags_past_int32_are_errors_not_wraps() -> None:
    device = attrs.evolve(
        golden_device(),
        network_info=v2.NetworkInfo(
            interface=v2.Interface(ip_addresses=[]),
            neighbors=[
                v2.Neighbor(state=2**31 - 1, flags=0),
                v2.Neighbor(state=2**31, flags=2**32 - 1),
            ],
        ),
    )
    with pytest.raises(danmodel.ValidationError) as error:
        agent.from_dan_device(device)
    assert paths(error) == [
        "$.network_info.neighbors[1].state",
        "$.network_info.neighbors[1].flags",
    ]
    assert "-2147483648" in error.value.errors[0].message
    assert "wrap it to -1" in error.value.errors[1].message


def test_config_to_agent_keeps_device_order_and_paths() -> None:
    config = v1.DanConfig(
        devices=[
            v1.DanDevice(
                name="eth1",
                guest_mac=MAC,
                device=v2.VhostUser(path="/run/eth1.sock"),
                network_info=v1.NetworkInfo(
                    interface=v2.Interface(ip_addresses=[IPv4Interface("127.0.0.2/8")]),
                    routes=[v1.Route(gateway=IPv4Address("192.0.2.1"))],
                ),
            ),
            v1.DanDevice(
                name="eth0",
                guest_mac=GATEWAY_MAC,
                device=TAP,
                network_info=v1.NetworkInfo(
                    interface=v2.Interface(ip_addresses=[], mtu=1280),
                    routes=[v1.Route(dest=IPv6Network("2001:db8::/32"))],
                    neighbors=[v2.Neighbor(hardware_addr=MAC, state=2)],
                ),
            ),
        ]
    )
    converted = agent.from_dan_config(config)
    assert converted.value == Network(
        interfaces=[
            Interface(device="eth1", name="eth1", mtu=1500, hwAddr="0a:58:0a:0a:00:05"),
            Interface(device="eth0", name="eth0", mtu=1280, hwAddr="0a:58:0a:0a:00:01"),
        ],
        routes=[
            Route(gateway="192.0.2.1", device="eth1", family=IPFamily.v4),
            Route(dest="2001:db8::/32", device="eth0", family=IPFamily.v6),
        ],
        neighbors=[ARPNeighbor(device="eth0", lladdr="0a:58:0a:0a:00:05", state=2)],
    )
    assert [problem.path for problem in converted.dropped] == [
        "$.devices[0].network_info.interface.ip_addresses[0]"
    ]


def test_config_errors_name_the_device() -> None:
    config = v2.DanConfig(
        devices=[
            attrs.evolve(
                golden_device(),
                network_info=v2.NetworkInfo(
                    interface=v2.Interface(ip_addresses=[]), neighbors=[v2.Neighbor(flags=2**31)]
                ),
            )
        ]
    )
    with pytest.raises(danmodel.ValidationError) as error:
        agent.from_dan_config(config)
    assert paths(error) == ["$.devices[0].network_info.neighbors[0].flags"]


# --- golden: the JSON form ---------------------------------------------------------------------


def test_dumps_writes_proto_names_in_proto_order() -> None:
    neighbor = ARPNeighbor(
        toIPAddress=IPAddress(family=IPFamily.v6, address="fe80::1", mask="64"),
        device="eth0",
        lladdr="0a:58:0a:0a:00:01",
        state=-1,
        flags=8,
    )
    assert agent.dumps(neighbor) == (
        "{\n"
        '  "toIPAddress": {\n'
        '    "family": 1,\n'
        '    "address": "fe80::1",\n'
        '    "mask": "64"\n'
        "  },\n"
        '  "device": "eth0",\n'
        '  "lladdr": "0a:58:0a:0a:00:01",\n'
        '  "state": -1,\n'
        '  "flags": 8\n'
        "}\n"
    )
    assert agent.to_dict(Interface()) == {
        "device": "",
        "name": "",
        "IPAddresses": [],
        "mtu": 0,
        "hwAddr": "",
        "devicePath": "",
        "type": "",
        "raw_flags": 0,
    }
    assert agent.to_dict(Route()) == {
        "dest": "",
        "gateway": "",
        "device": "",
        "source": "",
        "scope": 0,
        "family": 0,
        "flags": 0,
        "mtu": 0,
    }
    assert agent.to_dict(Network()) == {"interfaces": [], "routes": [], "neighbors": []}


def test_missing_keys_take_the_agent_zero_values() -> None:
    assert agent.loads("{}") == Network()
    assert agent.loads('{"interfaces": [{}], "neighbors": [{"toIPAddress": null}]}') == Network(
        interfaces=[Interface()], neighbors=[ARPNeighbor()]
    )
    route = agent.loads('{"family": 1}', Route)
    assert route == Route(family=IPFamily.v6)
    assert (route.dest, route.scope, route.mtu) == ("", 0, 0)
    assert agent.from_dict({"toIPAddress": {}}, ARPNeighbor) == ARPNeighbor(
        toIPAddress=IPAddress(family=IPFamily.v4, address="", mask="")
    )


def test_loads_reports_every_problem_with_its_path() -> None:
    text = json.dumps(
        {
            "interfaces": [
                {"mtu": True, "hwaddr": "x", "IPAddresses": [{"family": 2, "mask": 24}]},
                {"raw_flags": 2**32, "mtu": -1},
            ],
            "routes": [{"family": "v4", "scope": 1.0}],
            "neighbors": [{"state": 2**31, "flags": -(2**31) - 1, "toIPAddress": []}],
            "extra": [],
        }
    )
    with pytest.raises(danmodel.ValidationError) as error:
        agent.loads(text)
    assert paths(error) == [
        "$.interfaces[0].mtu",
        "$.interfaces[0].hwaddr",
        "$.interfaces[0].IPAddresses[0].family",
        "$.interfaces[0].IPAddresses[0].mask",
        "$.interfaces[1].raw_flags",
        "$.interfaces[1].mtu",
        "$.routes[0].family",
        "$.routes[0].scope",
        "$.neighbors[0].state",
        "$.neighbors[0].flags",
        "$.neighbors[0].toIPAddress",
        "$.extra",
    ]
    messages = [problem.message for problem in error.value.errors]
    assert messages[0] == "expected an unsigned 64-bit integer, found true"
    assert messages[1] == 'unknown key "hwaddr" (did you mean "hwAddr"?)'
    assert messages[2] == "expected an IP family, 0 (v4) or 1 (v6), found 2"
    assert messages[8] == (
        "expected a signed 32-bit integer (-2147483648 to 2147483647), found 2147483648"
    )
    assert str(error.value).startswith("12 problems in agent message:")


def test_loads_refuses_what_is_not_json() -> None:
    with pytest.raises(danmodel.ValidationError) as error:
        agent.loads('{"routes": [{"mtu": NaN, "dest": "", "dest": "x"}]}', source="snap.json")
    assert paths(error) == ["$.routes[0].dest", "$.routes[0].mtu"]
    assert error.value.source == "snap.json"
    with pytest.raises(danmodel.ValidationError) as error:
        agent.loads(b'{"interfaces": [')
    assert error.value.errors[0].line == 1
    with pytest.raises(danmodel.ValidationError) as error:
        agent.loads("[]")
    assert paths(error) == ["$"]


def test_load_reads_paths_and_files(tmp_path: Path) -> None:
    file = tmp_path / "network.json"
    file.write_text('{"interfaces": [{"name": "eth0"}]}')
    assert agent.load(file) == Network(interfaces=[Interface(name="eth0")])
    assert agent.load(io.StringIO('{"name": "eth1"}'), Interface) == Interface(name="eth1")
    file.write_text('{"interfaces": {}}')
    with pytest.raises(danmodel.ValidationError) as error:
        agent.load(str(file))
    assert error.value.source == str(file)
    assert paths(error) == ["$.interfaces"]


def test_only_agent_classes_are_read_and_written() -> None:
    with pytest.raises(TypeError):
        agent.from_dict({}, v2.Route)
    with pytest.raises(TypeError):
        agent.to_dict(v2.Route())


def test_constructors_check_their_values() -> None:
    assert IPAddress(family=1, address="::1", mask="128").family is IPFamily.v6
    assert Route(family=0).family is IPFamily.v4
    for wrong in (2, True, "v6"):
        with pytest.raises(danmodel.ValidationError) as error:
            IPAddress(family=wrong)
        assert paths(error) == ["IPAddress.family"]
        assert str(error.value).startswith("1 problem in agent message: IPAddress.family: ")
    assert "or its number, 0 or 1" in error.value.errors[0].message
    with pytest.raises(danmodel.ValidationError) as error:
        ARPNeighbor(state=2**31)
    assert paths(error) == ["ARPNeighbor.state"]
    with pytest.raises(danmodel.ValidationError) as error:
        ARPNeighbor(flags=True)
    assert paths(error) == ["ARPNeighbor.flags"]
    assert ARPNeighbor(state=danmodel.NudState.PERMANENT).state == 0x80
    assert agent.to_dict(ARPNeighbor(state=danmodel.NudState.PERMANENT))["state"] == 128


# --- golden: agent -> DAN ----------------------------------------------------------------------


def snapshot() -> AgentDevice:
    return AgentDevice(
        interface=Interface(
            device="eth0",
            name="eth0",
            IPAddresses=[
                IPAddress(family=IPFamily.v4, address="10.10.0.5", mask="24"),
                IPAddress(family=IPFamily.v6, address="2001:DB8::5", mask="64"),
            ],
            mtu=1450,
            hwAddr="0A:58:0A:0A:00:05",
            devicePath="/00/03",
            type="veth",
            raw_flags=0x1043,
        ),
        routes=[
            Route(dest="", gateway="10.10.0.1", device="eth0", family=IPFamily.v4),
            Route(
                dest="2001:db8:1::/48",
                source="2001:db8::5",
                device="eth0",
                scope=253,
                family=IPFamily.v6,
                flags=1,
                mtu=1280,
            ),
        ],
        neighbors=[
            ARPNeighbor(
                toIPAddress=IPAddress(family=IPFamily.v4, address="10.10.0.1", mask="32"),
                device="eth0",
                lladdr="0a:58:0a:0a:00:01",
                state=0x80,
            ),
            ARPNeighbor(device="eth0"),
        ],
    )


def test_agent_to_device() -> None:
    converted = agent.to_dan_device(snapshot(), device=TAP)
    assert converted.value == v2.DanDevice(
        name="eth0",
        guest_mac=MAC,
        device=TAP,
        network_info=v2.NetworkInfo(
            interface=v2.Interface(
                ip_addresses=[IPv4Interface("10.10.0.5/24"), IPv6Interface("2001:db8::5/64")],
                mtu=1450,
                ntype="veth",
                flags=0x1043,
            ),
            routes=[
                v2.Route(gateway=IPv4Address("10.10.0.1")),
                v2.Route(
                    dest=IPv6Network("2001:db8:1::/48"),
                    source=IPv6Address("2001:db8::5"),
                    scope=253,
                    flags=1,
                    mtu=1280,
                ),
            ],
            neighbors=[
                v2.Neighbor(
                    ip_address=IPv4Interface("10.10.0.1/32"), hardware_addr=GATEWAY_MAC, state=0x80
                ),
                v2.Neighbor(),
            ],
        ),
    )
    assert [problem.path for problem in converted.dropped] == ["$.interface.devicePath"]


def test_agent_to_device_reports_a_second_name() -> None:
    agent_device = attrs.evolve(
        snapshot(), interface=attrs.evolve(snapshot().interface, device="ens3", devicePath="")
    )
    converted = agent.to_dan_device(agent_device, device=TAP)
    assert converted.value.name == "eth0"
    assert [problem.path for problem in converted.dropped] == ["$.interface.device"]


def test_agent_to_device_errors() -> None:
    broken = AgentDevice(
        interface=Interface(
            name="eth0/1",
            IPAddresses=[
                IPAddress(family=IPFamily.v6, address="10.0.0.1", mask="8"),
                IPAddress(address="10.0.0.1/8", mask="08"),
                IPAddress(address="10.0.0.1", mask="33"),
                IPAddress(address="10.0.0.1", mask=""),
                IPAddress(address="x", mask="24"),
            ],
        ),
        routes=[
            Route(device="eth0/1"),
            Route(dest="10.0.0.5/8", device="eth0/1"),
            Route(gateway="2001:db8::1", device="eth0/1", family=IPFamily.v4),
            Route(source="nope", device="eth1"),
        ],
        neighbors=[
            ARPNeighbor(device="eth0/1", lladdr="xx:xx", state=-1, flags=-2),
            ARPNeighbor(
                toIPAddress=IPAddress(family=IPFamily.v4, address="::1", mask="128"),
                device="eth0/1",
            ),
        ],
    )
    with pytest.raises(danmodel.ValidationError) as error:
        agent.to_dan_device(broken, device=TAP)
    assert paths(error) == [
        "$.interface.name",
        "$.interface.hwAddr",
        "$.interface.IPAddresses[0].family",
        "$.interface.IPAddresses[1].address",
        "$.interface.IPAddresses[1].mask",
        "$.interface.IPAddresses[2].mask",
        "$.interface.IPAddresses[3].mask",
        "$.interface.IPAddresses[4].address",
        "$.routes[0]",
        "$.routes[1].dest",
        "$.routes[2].family",
        "$.routes[3].device",
        "$.routes[3].source",
        "$.neighbors[0].lladdr",
        "$.neighbors[0].state",
        "$.neighbors[0].flags",
        "$.neighbors[1].toIPAddress.family",
    ]
    assert "agent device to DAN" in str(error.value)


def test_network_to_config() -> None:
    network = Network(
        interfaces=[
            Interface(name="eth1", hwAddr="0a:58:0a:0a:00:01", mtu=9000),
            Interface(name="eth0", hwAddr="0a:58:0a:0a:00:05", mtu=1500),
        ],
        routes=[
            Route(gateway="10.0.0.1", device="eth0"),
            Route(gateway="192.0.2.1", device="eth1"),
            Route(dest="10.1.0.0/16", device="eth0"),
        ],
        neighbors=[ARPNeighbor(device="eth1", state=0x80)],
    )
    vhost = v2.VhostUser(path="/run/eth1.sock", queue_num=2)
    converted = agent.to_dan_config(
        network, devices={"eth0": TAP, "eth1": vhost}, netns="/var/run/netns/pod"
    )
    assert converted.value == v2.DanConfig(
        netns="/var/run/netns/pod",
        devices=[
            v2.DanDevice(
                name="eth1",
                guest_mac=GATEWAY_MAC,
                device=vhost,
                network_info=v2.NetworkInfo(
                    interface=v2.Interface(ip_addresses=[], mtu=9000),
                    routes=[v2.Route(gateway=IPv4Address("192.0.2.1"))],
                    neighbors=[v2.Neighbor(state=0x80)],
                ),
            ),
            v2.DanDevice(
                name="eth0",
                guest_mac=MAC,
                device=TAP,
                network_info=v2.NetworkInfo(
                    interface=v2.Interface(ip_addresses=[], mtu=1500),
                    routes=[
                        v2.Route(gateway=IPv4Address("10.0.0.1")),
                        v2.Route(dest=IPv4Network("10.1.0.0/16")),
                    ],
                ),
            ),
        ],
    )
    assert converted.dropped == ()


def test_network_to_config_errors() -> None:
    network = Network(
        interfaces=[
            Interface(name="eth0", hwAddr="0a:58:0a:0a:00:05"),
            Interface(name="eth1", hwAddr="0a:58:0a:0a:00:01"),
            Interface(name="eth0", hwAddr="0a:58:0a:0a:00:02"),
            Interface(name="eth3", hwAddr="", devicePath="/00/04"),
        ],
        routes=[Route(gateway="10.0.0.1", device="eth0"), Route(gateway="10.0.0.1", device="")],
        neighbors=[ARPNeighbor(device="eth9")],
    )
    with pytest.raises(danmodel.ValidationError) as error:
        agent.to_dan_config(network, devices={"eth0": TAP, "eth3": TAP, "eth7": TAP})
    assert paths(error) == [
        "$.routes[1].device",
        "$.neighbors[0].device",
        "$.interfaces",
        "$.interfaces[1].name",
        "$.interfaces[2].name",
        "$.interfaces[3].hwAddr",
    ]
    assert "'eth7'" in error.value.errors[2].message


# --- properties --------------------------------------------------------------------------------


def _fit_int32(device: v2.DanDevice) -> v2.DanDevice:
    """The device with every neighbor state and flags below 2**31 (the agent's int32)."""
    info = device.network_info
    neighbors = [
        attrs.evolve(neighbor, state=neighbor.state % 2**31, flags=neighbor.flags % 2**31)
        for neighbor in info.neighbors
    ]
    return attrs.evolve(device, network_info=attrs.evolve(info, neighbors=neighbors))


def _is_loopback(address: IPv4Interface | IPv6Interface) -> bool:
    if address.version == 4:
        return address.ip in IPv4Network("127.0.0.0/8")
    return address.ip == IPv6Address("::1")


def _has_family(route: v2.Route) -> bool:
    return not (route.dest is None and route.gateway is None and route.source is None)


def _carried(device: v2.DanDevice, *, keep_loopback: bool = False) -> v2.DanDevice:
    """What of a DAN device the agent carries (runtime-rs' drops applied), by the reference."""
    info = device.network_info
    interface = info.interface
    neighbors = []
    for neighbor in info.neighbors:
        ip = neighbor.ip_address
        if not isinstance(ip, (IPv4Interface, IPv6Interface)):
            ip = None
        neighbors.append(attrs.evolve(neighbor, ip_address=ip))
    return attrs.evolve(
        device,
        network_info=v2.NetworkInfo(
            interface=attrs.evolve(
                interface,
                ip_addresses=[
                    address
                    for address in interface.ip_addresses
                    if keep_loopback or not _is_loopback(address)
                ],
                flags=interface.flags & 0x80,
            ),
            routes=[route for route in info.routes if _has_family(route)],
            neighbors=neighbors,
        ),
    )


@given(ds.dan_devices().map(_fit_int32), st.booleans())
def test_dan_agent_dan_is_the_identity_on_what_the_agent_carries(
    device: v2.DanDevice, keep_loopback: bool
) -> None:
    there = agent.from_dan_device(device, drop_loopback=not keep_loopback)
    back = agent.to_dan_device(there.value, device=device.device)
    assert back.value == _carried(device, keep_loopback=keep_loopback)
    assert back.dropped == ()


@given(ds.dan_devices().map(_fit_int32))
def test_dropped_lists_exactly_what_runtime_rs_drops(device: v2.DanDevice) -> None:
    info = device.network_info
    expected = [
        f"$.network_info.interface.ip_addresses[{index}]"
        for index, address in enumerate(info.interface.ip_addresses)
        if _is_loopback(address)
    ]
    if info.interface.flags & ~0x80:
        expected.append("$.network_info.interface.flags")
    expected += [
        f"$.network_info.routes[{index}]"
        for index, route in enumerate(info.routes)
        if not _has_family(route)
    ]
    expected += [
        f"$.network_info.neighbors[{index}].ip_address"
        for index, neighbor in enumerate(info.neighbors)
        if neighbor.ip_address is not None
        and not isinstance(neighbor.ip_address, (IPv4Interface, IPv6Interface))
    ]
    converted = agent.from_dan_device(device)
    assert [problem.path for problem in converted.dropped] == expected
    interface = converted.value.interface
    assert interface.device == interface.name == device.name
    assert interface.hwAddr == str(device.guest_mac)
    assert interface.raw_flags == info.interface.flags & 0x80
    for route in converted.value.routes:
        assert route.device == device.name
        first = route.dest or route.gateway or route.source
        assert route.family == (IPFamily.v6 if ":" in first else IPFamily.v4)


@given(ds.dan_devices())
def test_values_past_int32_are_refused_at_their_path(device: v2.DanDevice) -> None:
    expected = [
        f"$.network_info.neighbors[{index}].{key}"
        for index, neighbor in enumerate(device.network_info.neighbors)
        for key in ("state", "flags")
        if getattr(neighbor, key) >= 2**31
    ]
    if not expected:
        agent.from_dan_device(device)
        return
    with pytest.raises(danmodel.ValidationError) as error:
        agent.from_dan_device(device)
    assert paths(error) == expected


@given(ds.dan_configs().map(lambda c: attrs.evolve(c, devices=[_fit_int32(d) for d in c.devices])))
def test_config_conversion_is_the_devices_in_order(config: v2.DanConfig) -> None:
    converted = agent.from_dan_config(config)
    devices = [agent.from_dan_device(device) for device in config.devices]
    assert converted.value == Network(
        interfaces=[device.value.interface for device in devices],
        routes=[route for device in devices for route in device.value.routes],
        neighbors=[neighbor for device in devices for neighbor in device.value.neighbors],
    )
    assert [problem.path for problem in converted.dropped] == [
        f"$.devices[{index}]{problem.path[1:]}"
        for index, device in enumerate(devices)
        for problem in device.dropped
    ]
    text = agent.dumps(converted.value)
    assert agent.loads(text) == converted.value
    assert agent.dumps(agent.loads(text)) == text
    back = agent.to_dan_config(
        converted.value,
        devices={device.name: device.device for device in config.devices},
        netns=config.netns,
    )
    assert back.value == v2.DanConfig(
        netns=config.netns, devices=[_carried(device) for device in config.devices]
    )


def _json_values(value: Any, path: str = "$") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [
            item for key, child in value.items() for item in _json_values(child, f"{path}.{key}")
        ]
    if isinstance(value, list):
        return [
            item
            for index, child in enumerate(value)
            for item in _json_values(child, f"{path}[{index}]")
        ]
    return [(path, value)]


@given(ds.dan_devices().map(_fit_int32), st.data())
def test_a_wrong_type_anywhere_is_reported_at_its_path(
    device: v2.DanDevice, data: st.DataObject
) -> None:
    document = agent.to_dict(agent.from_dan_device(device).value)
    leaves = _json_values(document)
    path, value = data.draw(st.sampled_from(leaves))
    wrong = "text" if isinstance(value, int) else 7
    mutated = json.loads(json.dumps(document))
    target: Any = mutated
    steps = path[2:].replace("[", ".[").split(".")
    for step in steps[:-1]:
        target = target[int(step[1:-1])] if step.startswith("[") else target[step]
    last = steps[-1]
    if last.startswith("["):
        target[int(last[1:-1])] = wrong
    else:
        target[last] = wrong
    with pytest.raises(danmodel.ValidationError) as error:
        agent.from_dict(mutated, AgentDevice)
    assert paths(error) == [path]
