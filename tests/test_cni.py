"""danmodel.cni: DAN devices from CNI ADD results of every version.

Expected devices are written by hand from the rules of issue 4 and the CNI
spec (SPEC.md section 5), never computed by the converter.
"""

from __future__ import annotations

import json
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Interface,
    IPv6Network,
    ip_address,
    ip_interface,
    ip_network,
)
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import danmodel
from danmodel import cni, v2
from danmodel._cni_strategies import cni_results
from danmodel.mac import MacAddress

CNI = Path(__file__).resolve().parent / "fixtures" / "cni"


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((CNI / name).read_text())
    return loaded


def paths(error: pytest.ExceptionInfo[danmodel.ValidationError]) -> list[str]:
    return [problem.path for problem in error.value.errors]


# --- golden ------------------------------------------------------------------------------------


def test_bridge_result_1_1_0() -> None:
    converted = cni.to_dan_device(
        (CNI / "bridge-1.1.0.json").read_text(), name="eth0", tap_name="tap0", interface=1
    )
    assert converted.value == v2.DanDevice(
        name="eth0",
        guest_mac=MacAddress.parse("0a:58:0a:0a:00:05"),
        device=v2.HostTap(tap_name="tap0"),
        network_info=v2.NetworkInfo(
            interface=v2.Interface(
                ip_addresses=[IPv4Interface("10.10.0.5/24"), IPv6Interface("2001:db8::5/64")],
                mtu=1450,
            ),
            routes=[
                v2.Route(dest=IPv4Network("0.0.0.0/0"), gateway=IPv4Address("10.10.0.1")),
                v2.Route(
                    dest=IPv4Network("10.96.0.0/12"), gateway=IPv4Address("10.10.0.254"), mtu=1400
                ),
                v2.Route(
                    dest=IPv4Network("169.254.169.254/32"),
                    gateway=IPv4Address("10.10.0.1"),
                    scope=253,
                ),
            ],
        ),
    )
    assert [problem.path for problem in converted.dropped] == [
        "$.interfaces[0]",
        "$.interfaces[1].sandbox",
        "$.ips[2]",
        "$.routes[1].advmss",
        "$.routes[1].priority",
        "$.routes[1].table",
        "$.ips[1].gateway",
        "$.dns.nameservers",
        "$.dns.search",
    ]
    messages = {problem.path: problem.message for problem in converted.dropped}
    assert messages["$.routes[1].advmss"] == "advmss 1360 dropped: DAN routes have no advmss"
    assert "2001:db8::1" in messages["$.ips[1].gateway"]
    assert "'cni0'" in messages["$.interfaces[0]"]


def test_ipam_only_result_0_3_1_needs_the_tap_name() -> None:
    result = fixture("ipam-0.3.1.json")
    converted = cni.to_dan_device(result, name="eth1", tap_name="tap-dan1")
    assert converted.value.device == v2.HostTap(tap_name="tap-dan1")
    assert converted.value.network_info == v2.NetworkInfo(
        interface=v2.Interface(ip_addresses=[IPv4Interface("192.0.2.20/24")]),
        routes=[v2.Route(dest=IPv4Network("0.0.0.0/0"), gateway=IPv4Address("192.0.2.1"))],
    )
    assert converted.dropped == ()
    # no mac in the result: the DAN default, a random private MAC
    assert converted.value.guest_mac.is_locally_administered
    assert converted.value.guest_mac.is_unicast
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device(result, name="eth1")
    assert paths(error) == ["$"]
    assert "tap_name (--tap)" in error.value.errors[0].message


def test_a_host_interface_names_its_own_tap_0_4_0() -> None:
    converted = cni.to_dan_device(fixture("host-tap-0.4.0.json"), name="eth0")
    assert converted.value == v2.DanDevice(
        name="eth0",
        guest_mac=MacAddress.parse("0a:58:0a:28:00:05"),
        device=v2.HostTap(tap_name="tap-dan0"),
        network_info=v2.NetworkInfo(
            interface=v2.Interface(
                ip_addresses=[IPv4Interface("10.40.0.5/24"), IPv6Interface("2001:db8:40::5/64")]
            ),
            routes=[
                v2.Route(dest=IPv4Network("10.0.0.0/8"), gateway=IPv4Address("10.40.0.1")),
                v2.Route(dest=IPv6Network("::/0")),
            ],
        ),
    )
    # routes[0] names the IPv4 gateway as its gw: nothing is dropped
    assert converted.dropped == ()


def test_pci_id_gives_a_vfio_device() -> None:
    converted = cni.to_dan_device(fixture("vfio-1.1.0.json"), name="eth0")
    assert converted.value.device == v2.Vfio(pci_device_id="0000:85:02.5")
    assert converted.value.guest_mac == MacAddress.parse("0a:58:0a:14:00:05")
    assert converted.value.network_info.routes == (
        v2.Route(dest=IPv4Network("10.30.0.0/16"), gateway=IPv4Address("10.20.0.1")),
    )
    assert [problem.path for problem in converted.dropped] == [
        "$.interfaces[0].name",
        "$.interfaces[0].sandbox",
    ]
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device(fixture("vfio-1.1.0.json"), name="eth0", tap_name="tap0")
    assert paths(error) == ["$.interfaces[0].pciID"]


def test_socket_path_gives_a_vhost_user_device() -> None:
    converted = cni.to_dan_device(fixture("vhost-user-1.1.0.json"), name="eth1")
    assert converted.value.device == v2.VhostUser(path="/run/vhost-user/dan-eth1.sock")
    assert converted.value.network_info.interface == v2.Interface(
        ip_addresses=[IPv4Interface("192.0.2.20/24")], mtu=9000
    )
    assert [problem.path for problem in converted.dropped] == ["$.interfaces[0].name"]


def test_a_sandboxed_interface_needs_the_tap_name_1_0_0() -> None:
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device(fixture("sandboxed-1.0.0.json"), name="eth0")
    assert paths(error) == ["$.interfaces[0]"]
    converted = cni.to_dan_device(fixture("sandboxed-1.0.0.json"), name="eth0", tap_name="tap0")
    assert converted.value.device == v2.HostTap(tap_name="tap0")
    assert [problem.path for problem in converted.dropped] == [
        "$.interfaces[0].sandbox",
        "$.dns.nameservers",
    ]


def test_an_mtu_of_0_is_unset() -> None:
    result = {"cniVersion": "1.1.0", "interfaces": [{"name": "tap0", "mtu": 0}]}
    assert cni.to_dan_device(result, name="eth0").value.network_info.interface.mtu == 1500


def test_choosing_the_interface() -> None:
    two = {"cniVersion": "1.0.0", "interfaces": [{"name": "tap0"}, {"name": "tap1"}]}
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device(two, name="eth0")
    assert paths(error) == ["$.interfaces"]
    assert "--interface" in error.value.errors[0].message
    assert cni.to_dan_device(two, name="eth0", interface=1).value.device == v2.HostTap(
        tap_name="tap1"
    )
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device(two, name="eth0", interface=2)
    assert paths(error) == ["$.interfaces"]
    both = {
        **two,
        "ips": [
            {"address": "10.0.0.5/24", "interface": 0},
            {"address": "10.0.1.5/24", "interface": 1},
        ],
    }
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device(both, name="eth0")
    assert paths(error) == ["$.interfaces"]
    converted = cni.to_dan_device(both, name="eth0", interface=0)
    assert converted.value.network_info.interface.ip_addresses == (IPv4Interface("10.0.0.5/24"),)
    assert [problem.path for problem in converted.dropped] == ["$.interfaces[1]", "$.ips[1]"]


def test_arguments_are_checked() -> None:
    result = fixture("ipam-0.3.1.json")
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device(result, name="eth0/1", tap_name="", interface=-1)
    assert paths(error) == ["name", "tap_name", "interface"]


# --- golden: malformed results -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ([], ["$"]),
        ({}, ["$.cniVersion"]),
        ({"cniVersion": "0.2.0", "ip4": {}}, ["$.cniVersion"]),
        ({"cniVersion": 1}, ["$.cniVersion"]),
        (
            {"cniVersion": "1.0.0", "interfaces": {}, "ips": [[]], "routes": [{}]},
            [
                "$.interfaces",
                "$.ips[0]",
                "$.routes[0].dst",
            ],
        ),
        (
            {
                "cniVersion": "0.4.0",
                "ips": [
                    {"address": "10.0.0.5/24"},
                    {"version": "6", "address": "10.0.0.6/24", "interface": 0},
                    {"version": 4, "address": "10.0.0.7", "gateway": "10.0.0.256"},
                ],
            },
            ["$.ips[2].version", "$.ips[2].address", "$.ips[2].gateway"],
        ),
        (
            {
                "cniVersion": "1.1.0",
                "interfaces": [{"mac": "0a:58:0a:0a:00:05", "sandbox": None}],
                "routes": [
                    {"dst": "10.1.2.3/16", "gw": "fe80::1%eth0"},
                    {"dst": "::/0", "mtu": 2**32, "table": True, "priority": 1.5},
                ],
                "dns": {"nameservers": "10.96.0.10", "domains": []},
            },
            [
                "$.interfaces[0].sandbox",
                "$.interfaces[0].name",
                "$.routes[0].dst",
                "$.routes[0].gw",
                "$.routes[1].mtu",
                "$.routes[1].table",
                "$.routes[1].priority",
                "$.dns.nameservers",
            ],
        ),
        (
            {
                "cniVersion": "1.1.0",
                "ips": [{"address": "10.0.0.5/24", "interface": -1}],
                "routes": [{"dst": "::/0", "priority": 2**63}],
            },
            ["$.ips[0].interface", "$.routes[0].priority"],
        ),
        (
            {"cniVersion": "0.3.0", "ips": [{"version": "5", "address": "10.0.0.5/24"}]},
            ["$.ips[0].version"],
        ),
    ],
)
def test_malformed_results(result: object, expected: list[str]) -> None:
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device(result, name="eth0", tap_name="tap0")  # type: ignore[arg-type]
    assert paths(error) == expected
    assert str(error.value).split(":")[0].endswith("in CNI result")


def test_chosen_interface_values_are_checked() -> None:
    result: dict[str, Any] = {
        "cniVersion": "1.1.0",
        "interfaces": [{"name": "x" * 16, "mac": "0a:58:0a:0a:00", "pciID": "0000:85:0A.5"}],
    }
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device(result, name="eth0")
    assert paths(error) == ["$.interfaces[0].pciID", "$.interfaces[0].mac"]
    assert "lower-case" in error.value.errors[0].message
    result["interfaces"][0]["pciID"] = ""
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device(result, name="eth0")
    assert paths(error) == ["$.interfaces[0].name", "$.interfaces[0].mac"]
    result["interfaces"][0] = {"name": "v", "socketPath": "/" * 200}
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device(result, name="eth0")
    assert paths(error) == ["$.interfaces[0].socketPath"]


def test_text_that_is_not_json() -> None:
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device('{"cniVersion": "1.0.0",', name="eth0", source="result.json")
    assert error.value.source == "result.json"
    assert error.value.errors[0].line == 1
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device(
            b'{"cniVersion": "1.0.0", "ips": [{"address": "10.0.0.5/24", "address": "x"}]}',
            name="eth0",
            tap_name="tap0",
        )
    assert paths(error) == ["$.ips[0].address", "$.ips[0].address"]
    assert [problem.message.split(" ")[0] for problem in error.value.errors] == [
        "key",
        "expected",
    ]


# --- properties --------------------------------------------------------------------------------

GUEST = "guest0"


def _arguments(result: dict[str, Any]) -> dict[str, Any]:
    """The arguments a caller gives: the interface (last one) and, for a tap, its name."""
    interfaces = result.get("interfaces", [])
    arguments: dict[str, Any] = {"name": GUEST}
    if interfaces:
        arguments["interface"] = len(interfaces) - 1
    chosen = interfaces[-1] if interfaces else {}
    if not chosen.get("pciID") and not chosen.get("socketPath"):
        arguments["tap_name"] = "tap-guest0"
    return arguments


@given(cni_results())
def test_results_convert_by_the_rules(result: dict[str, Any]) -> None:
    arguments = _arguments(result)
    converted = cni.to_dan_device(result, **arguments)
    device = converted.value
    index = arguments.get("interface")
    interfaces = result.get("interfaces", [])
    chosen = interfaces[index] if index is not None else {}
    own = [
        (position, ip)
        for position, ip in enumerate(result.get("ips", []))
        if ip.get("interface", index) == index
    ]
    expected_dropped = {f"$.interfaces[{k}]" for k in range(len(interfaces)) if k != index}
    expected_dropped |= {
        f"$.ips[{k}]"
        for k, ip in enumerate(result.get("ips", []))
        if ip.get("interface", index) != index
    }
    assert device.name == GUEST
    if chosen.get("pciID"):
        assert device.device == v2.Vfio(pci_device_id=chosen["pciID"])
    elif chosen.get("socketPath"):
        assert device.device == v2.VhostUser(path=chosen["socketPath"])
    else:
        assert device.device == v2.HostTap(tap_name="tap-guest0")
    if chosen.get("mac"):
        assert str(device.guest_mac) == chosen["mac"].lower()
    assert device.network_info.interface.mtu == (chosen.get("mtu") or 1500)
    assert device.network_info.interface.ip_addresses == tuple(
        ip_interface(ip["address"]) for _, ip in own
    )
    if index is not None and chosen["name"] != GUEST:
        expected_dropped.add(f"$.interfaces[{index}].name")
    if chosen.get("sandbox"):
        expected_dropped.add(f"$.interfaces[{index}].sandbox")
    through = set()  # the gateways routes go through
    routes = result.get("routes", [])
    assert len(device.network_info.routes) == len(routes)
    for position, (route, dan) in enumerate(zip(routes, device.network_info.routes, strict=True)):
        dst = ip_network(route["dst"])
        assert dan.dest == dst
        if "gw" in route:
            through.add(ip_address(route["gw"]))
            assert dan.gateway == ip_address(route["gw"])
        else:
            givers = [
                (k, ip)
                for k, ip in own
                if "gateway" in ip and ip_address(ip["gateway"]).version == dst.version
            ]
            if givers:
                through.add(ip_address(givers[0][1]["gateway"]))
                assert dan.gateway == ip_address(givers[0][1]["gateway"])
            else:
                assert dan.gateway is None
        assert dan.source is None
        assert (dan.scope, dan.mtu, dan.flags) == (route.get("scope", 0), route.get("mtu", 0), 0)
        expected_dropped |= {
            f"$.routes[{position}].{key}" for key in ("advmss", "priority", "table") if key in route
        }
    expected_dropped |= {
        f"$.ips[{k}].gateway"
        for k, ip in own
        if "gateway" in ip and ip_address(ip["gateway"]) not in through
    }
    expected_dropped |= {f"$.dns.{key}" for key, value in result.get("dns", {}).items() if value}
    dropped = [problem.path for problem in converted.dropped]
    assert len(dropped) == len(set(dropped))
    assert set(dropped) == expected_dropped


@given(cni_results())
def test_text_and_dict_give_the_same_device(result: dict[str, Any]) -> None:
    arguments = _arguments(result)
    from_dict = cni.to_dan_device(result, **arguments)
    from_text = cni.to_dan_device(json.dumps(result), **arguments)
    from_bytes = cni.to_dan_device(json.dumps(result).encode(), **arguments)
    if "mac" not in (result.get("interfaces") or [{}])[-1]:
        # without a mac each device gets a fresh random MAC: compare everything else
        mac = from_dict.value.guest_mac
        from_text = attrs.evolve(from_text, value=attrs.evolve(from_text.value, guest_mac=mac))
        from_bytes = attrs.evolve(from_bytes, value=attrs.evolve(from_bytes.value, guest_mac=mac))
    assert from_text == from_dict == from_bytes


def _leaves(value: Any, path: str = "$") -> list[tuple[str, list[Any]]]:
    """Every scalar of a JSON value: its path, and the keys/indexes leading to it."""
    found: list[tuple[str, list[Any]]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found += [(p, [key, *steps]) for p, steps in _leaves(child, f"{path}.{key}")]
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += [(p, [index, *steps]) for p, steps in _leaves(child, f"{path}[{index}]")]
    else:
        found.append((path, []))
    return found


def _objects(value: Any, path: str = "$") -> list[tuple[str, list[Any]]]:
    """Every object of a JSON value: its path, and the keys/indexes leading to it."""
    found: list[tuple[str, list[Any]]] = []
    if isinstance(value, dict):
        found.append((path, []))
        for key, child in value.items():
            found += [(p, [key, *steps]) for p, steps in _objects(child, f"{path}.{key}")]
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += [(p, [index, *steps]) for p, steps in _objects(child, f"{path}[{index}]")]
    return found


def _at(document: Any, steps: list[Any]) -> Any:
    for step in steps:
        document = document[step]
    return document


@given(cni_results(), st.data())
def test_a_wrong_type_anywhere_is_reported_at_its_path(
    result: dict[str, Any], data: st.DataObject
) -> None:
    path, steps = data.draw(st.sampled_from(_leaves(result)))
    mutated = json.loads(json.dumps(result))
    old = _at(mutated, steps)
    _at(mutated, steps[:-1])[steps[-1]] = "text" if isinstance(old, int) else 7
    with pytest.raises(danmodel.ValidationError) as error:
        cni.to_dan_device(mutated, **_arguments(result))
    assert paths(error) == [path]


@given(cni_results(), st.data())
def test_an_unknown_key_anywhere_is_ignored_and_reported_at_its_path(
    result: dict[str, Any], data: st.DataObject
) -> None:
    path, steps = data.draw(st.sampled_from(_objects(result)))
    mutated = json.loads(json.dumps(result))
    _at(mutated, steps)["x-extra"] = {"any": ["thing"]}
    read = cni.read_result(mutated)
    assert [problem.path for problem in read.ignored] == [f"{path}['x-extra']"]
    assert read.result == cni.read_result(result).result
    with pytest.warns(danmodel.IgnoredKeysWarning) as caught:
        converted = cni.to_dan_device(mutated, **_arguments(result))
    assert [p.path for p in caught[0].message.ignored] == [f"{path}['x-extra']"]  # type: ignore[union-attr]
    plain = cni.to_dan_device(result, **_arguments(result))
    if "mac" in (result.get("interfaces") or [{}])[-1]:
        assert converted == plain
    else:
        assert converted.dropped == plain.dropped


@settings(max_examples=30)
@given(st.sampled_from(cni.VERSIONS), st.data())
def test_the_strategy_draws_the_version_asked(version: str, data: st.DataObject) -> None:
    # the properties above draw every version; this checks the version argument only
    assert data.draw(cni_results(version))["cniVersion"] == version


def test_the_strategy_knows_the_versions() -> None:
    with pytest.raises(ValueError, match="unknown cniVersion"):
        cni_results("0.2.0")


# --- reading like the reference library ---------------------------------------------------------


def test_unknown_keys_are_ignored_with_a_warning() -> None:
    result = {
        "cniVersion": "1.0.0",
        "interfaces": [{"name": "eth0", "sandbox": "/var/run/netns/p", "x-calico": {"a": 1}}],
        "ips": [{"address": "10.0.0.5/24", "interface": 0}],
        "x-top": True,
    }
    read = cni.read_result(result)
    assert [str(problem) for problem in read.ignored] == [
        """$.interfaces[0]['x-calico']: unknown key "x-calico", ignored""",
        """$['x-top']: unknown key "x-top", ignored""",
    ]
    with pytest.warns(danmodel.IgnoredKeysWarning, match="x-calico"):
        converted = cni.to_dan_device(result, name="eth0", tap_name="tap0")
    assert converted.value.network_info.interface.ip_addresses == (IPv4Interface("10.0.0.5/24"),)


def test_keys_of_other_versions_are_tolerated_as_the_reference_library_does() -> None:
    # types100 reads "mtu", "socketPath", "pciID" in 1.0.0 results too, and every
    # version shares one Route type with the 1.1.0 keys; 1.x ignores ips' "version"
    result = {
        "cniVersion": "1.0.0",
        "interfaces": [{"name": "eth0", "mtu": 1400, "pciID": "0000:85:02.5"}],
        "ips": [{"address": "10.0.0.5/24", "version": "4"}],
        "routes": [{"dst": "0.0.0.0/0", "gw": "10.0.0.1", "scope": 0, "mtu": 1300}],
    }
    read = cni.read_result(result)
    assert [problem.path for problem in read.ignored] == ["$.ips[0].version"]
    assert read.result.interfaces[0].mtu == 1400
    assert read.result.ips[0].version == "4"
    converted = cni.to_dan_device(read.result, name="eth0")
    assert converted.value.device == v2.Vfio(pci_device_id="0000:85:02.5")
    assert converted.value.network_info.routes == (
        v2.Route(dest=IPv4Network("0.0.0.0/0"), gateway=IPv4Address("10.0.0.1"), mtu=1300),
    )
    old = {
        "cniVersion": "0.4.0",
        "ips": [{"address": "10.0.0.5/24"}],  # no "version": libcni reads it
        "routes": [{"dst": "10.0.0.0/8", "mtu": 1400}],
    }
    converted = cni.to_dan_device(old, name="eth0", tap_name="tap0")
    assert converted.value.network_info.routes[0].mtu == 1400


def test_cross_checks_are_listed_together() -> None:
    result = {
        "cniVersion": "0.4.0",
        "interfaces": [{"name": "eth0"}],
        "ips": [
            {"version": "6", "address": "10.0.0.6/24", "interface": 0},
            {"version": "4", "address": "10.0.0.7/24", "interface": 3},
        ],
    }
    with pytest.raises(danmodel.ValidationError) as error:
        cni.read_result(result)
    assert paths(error) == ["$.ips[0].version", "$.ips[1].interface"]
    assert error.value.errors[0].message == (
        'version "6" does not match the IPv4 address 10.0.0.6/24'
    )


def test_drops_have_a_category() -> None:
    converted = cni.to_dan_device(
        fixture("bridge-1.1.0.json"), name="eth0", tap_name="tap0", interface=1
    )
    categories = {problem.path: problem.category for problem in converted.dropped}  # type: ignore[attr-defined]
    assert categories == {
        "$.interfaces[0]": "expected",
        "$.interfaces[1].sandbox": "expected",
        "$.ips[2]": "expected",
        "$.routes[1].advmss": "lossy",
        "$.routes[1].priority": "lossy",
        "$.routes[1].table": "lossy",
        "$.ips[1].gateway": "expected",
        "$.dns.nameservers": "lossy",
        "$.dns.search": "lossy",
    }
    assert all(isinstance(problem, cni.Drop) for problem in converted.dropped)
    assert (
        str(converted.dropped[3])
        == "$.routes[1].advmss: advmss 1360 dropped: DAN routes have no advmss"
    )


def test_a_gateway_a_route_names_is_not_reported_dropped() -> None:
    result = {
        "cniVersion": "1.0.0",
        "ips": [{"address": "192.168.50.5/24", "gateway": "192.168.50.1"}],
        "routes": [{"dst": "0.0.0.0/0", "gw": "192.168.50.1"}],
    }
    assert cni.to_dan_device(result, name="eth0", tap_name="tap0").dropped == ()
    result["routes"] = [{"dst": "10.0.0.0/8", "gw": "192.168.50.254"}]
    dropped = cni.to_dan_device(result, name="eth0", tap_name="tap0").dropped
    assert [str(problem) for problem in dropped] == [
        "$.ips[0].gateway: gateway 192.168.50.1 dropped: no route uses it, "
        "and DAN addresses have no gateway"
    ]
