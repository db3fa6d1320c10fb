"""danmodel.netlink against the real kernel, in throwaway network namespaces.

Without root or pyroute2 these tests skip with the reason; with CI set they fail.
"""

from __future__ import annotations

import errno
import importlib
import json
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import danmodel
from danmodel import agent, netlink, v2
from danmodel.mac import MacAddress
from test_netlink_support import asking_kernel, require_kernel


@pytest.fixture
def kernel() -> Iterator[None]:
    with asking_kernel():
        yield


def _config(*devices: dict[str, Any]) -> v2.DanConfig:
    config = danmodel.loads(json.dumps({"devices": list(devices)}))
    assert isinstance(config, v2.DanConfig)
    return config


def _device(index: int, **network_info: Any) -> dict[str, Any]:
    info = {"interface": {"ip_addresses": []}, **network_info}
    return {
        "name": f"net{index}",
        "guest_mac": f"02:00:00:00:00:{index + 1:02x}",
        "device": {"type": "host-tap", "tap_name": f"tap{index}"},
        "network_info": info,
    }


def _run(config: v2.DanConfig) -> netlink.Applied:
    messages = netlink.messages_for(config)
    with netlink.guest_for(messages) as guest:
        return netlink.apply(messages, guest.netns)


def _failures(applied: netlink.Applied) -> list[tuple[str, int | None]]:
    return [(outcome.path, outcome.errno) for outcome in applied.failures]


# --- without the kernel -------------------------------------------------------------------------


def test_missing_pyroute2_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyroute2", None)
    with pytest.raises(netlink.KernelUnavailableError, match=r"danmodel\[netlink\]"):  # noqa: SIM117
        with netlink.guest([]):
            pass


def test_import_danmodel_does_not_import_pyroute2() -> None:
    code = "import sys, danmodel, danmodel.netlink; print('pyroute2' in sys.modules)"
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_namespace_refused_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    require_kernel()
    pyroute2: Any = importlib.import_module("pyroute2")

    def refuse(name: str) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(pyroute2.netns, "create", refuse)
    with pytest.raises(netlink.KernelUnavailableError, match="needs root"):  # noqa: SIM117
        with netlink.guest(["02:00:00:00:00:01"]):
            pass


# --- the throwaway namespace ----------------------------------------------------------------------


@pytest.mark.usefixtures("kernel")
def test_guest_has_virtio_like_links_and_leaves_the_caller_alone() -> None:
    pyroute2: Any = importlib.import_module("pyroute2")

    with pyroute2.IPRoute() as own:
        before = sorted(link.get("ifname") for link in own.get_links())
    with netlink.guest(["02:00:00:00:00:0a", "0a:00:00:00:00:0b"]) as guest:
        assert os.path.exists(f"/run/netns/{guest.netns}")
        with pyroute2.IPRoute(netns=guest.netns) as ipr:
            links = {link.get("ifname"): link for link in ipr.get_links()}
        assert sorted(links) == ["eth0", "eth1", "lo"]
        assert links["eth0"].get("address") == "02:00:00:00:00:0a"
        assert links["eth1"].get("address") == "0a:00:00:00:00:0b"
        assert (links["eth0"].get("min_mtu"), links["eth0"].get("max_mtu")) == (68, 65535)
        assert links["eth0"].get("mtu") == 1500
    with pyroute2.IPRoute() as own:
        assert sorted(link.get("ifname") for link in own.get_links()) == before
    assert not os.path.exists(f"/run/netns/{guest.netns}")
    assert not os.path.exists(f"/run/netns/{guest.wire}")


@pytest.mark.usefixtures("kernel")
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_guest_is_removed_on_every_exit(error: type[BaseException]) -> None:
    names: list[str] = []

    def fail_inside() -> None:
        with netlink.guest(["02:00:00:00:00:0a"]) as guest:
            names.extend([guest.netns, guest.wire])
            raise error

    with pytest.raises(error):
        fail_inside()
    assert names
    assert not any(os.path.exists(f"/run/netns/{name}") for name in names)


# --- apply --------------------------------------------------------------------------------


@pytest.mark.usefixtures("kernel")
def test_apply_reports_refusals_and_silent_drops_at_dan_paths() -> None:
    config = _config(
        _device(
            0,
            interface={"ip_addresses": ["10.0.0.5/24", "fd00::5/64"], "mtu": 1000},
            routes=[
                {"dest": "10.1.0.0/16", "gateway": "10.0.0.1"},
                {"dest": "10.2.0.0/16", "gateway": "10.9.9.9"},
                {"dest": "10.3.0.0/16", "scope": 255},
                {"dest": "fd01::/64"},
            ],
        )
    )
    applied = _run(config)
    routes = "$.devices[0].network_info.routes"
    assert _failures(applied) == [
        (f"{routes}[2].scope", errno.EINVAL),
        (f"{routes}[3]", errno.ENODEV),
        (f"{routes}[1].gateway", errno.ENETUNREACH),
    ]
    assert [problem.path for problem in applied.dropped] == [
        "$.devices[0].network_info.interface.ip_addresses[1]"
    ]


@pytest.mark.usefixtures("kernel")
@pytest.mark.parametrize(
    ("mtu", "refused"),
    [(0, True), (67, True), (68, False), (1500, False), (65535, False), (65536, True)],
)
def test_mtu_range_of_a_virtio_link(mtu: int, refused: bool) -> None:
    config = _config(_device(0, interface={"ip_addresses": ["10.0.0.5/24"], "mtu": mtu}))
    applied = _run(config)
    expected = [("$.devices[0].network_info.interface.mtu", errno.EINVAL)] if refused else []
    assert _failures(applied) == expected


@pytest.mark.usefixtures("kernel")
def test_routes_without_gateway_go_first_and_scope_is_one_byte() -> None:
    config = _config(
        _device(
            0,
            interface={"ip_addresses": ["10.0.0.5/24"]},
            routes=[
                {"dest": "10.8.0.0/16", "gateway": "10.5.0.1"},
                {"dest": "10.5.0.0/16", "scope": 253},
                {"dest": "10.6.0.0/16", "scope": 300},
            ],
        )
    )
    messages = netlink.messages_for(config)
    with netlink.guest_for(messages) as guest:
        applied = netlink.apply(messages, guest.netns)
        device = netlink.snapshot(guest.netns, "net0", device=v2.HostTap(tap_name="tap0"))
    assert applied.failures == ()
    assert [o.path for o in applied.outcomes if o.step == "route"] == [
        "$.devices[0].network_info.routes[1]",
        "$.devices[0].network_info.routes[2]",
        "$.devices[0].network_info.routes[0]",
    ]
    scopes = {str(route.dest): route.scope for route in device.network_info.routes}
    assert scopes == {"10.8.0.0/16": 0, "10.5.0.0/16": 253, "10.6.0.0/16": 44}


@pytest.mark.usefixtures("kernel")
def test_neighbors_state_zero_is_permanent_and_no_ip_is_an_agent_error() -> None:
    config = _config(
        _device(
            0,
            interface={"ip_addresses": ["10.0.0.5/24"]},
            neighbors=[
                {"ip_address": "10.0.0.7/32", "hardware_addr": "02:00:00:00:00:77"},
                {"ip_address": "10.0.0.8", "hardware_addr": "02:00:00:00:00:88", "state": 128},
                {"ip_address": "10.0.0.9/32", "state": 128},
            ],
        )
    )
    messages = netlink.messages_for(config, runtime="runtime-rs@3.19.0")
    with netlink.guest_for(messages) as guest:
        applied = netlink.apply(messages, guest.netns)
        device = netlink.snapshot(guest.netns, "net0", device=v2.HostTap(tap_name="tap0"))
    no_ip, no_mac = applied.failures
    assert no_ip.path == "$.devices[0].network_info.neighbors[1].ip_address"
    assert no_ip.errno is None
    assert no_ip.error == "the neighbor has no IP address"
    assert no_mac.path == "$.devices[0].network_info.neighbors[2].hardware_addr"
    assert (no_mac.errno, no_mac.error) == (errno.EINVAL, "No link layer address given")
    [neighbor] = device.network_info.neighbors
    assert (str(neighbor.ip_address), neighbor.state) == ("10.0.0.7/32", 0x80)


@pytest.mark.usefixtures("kernel")
def test_runtime_rs_sends_only_permanent_neighbors() -> None:
    config = _config(
        _device(
            0,
            interface={"ip_addresses": ["10.0.0.5/24"]},
            neighbors=[{"ip_address": "10.0.0.7/32", "hardware_addr": "02:00:00:00:00:77"}],
        )
    )
    messages = netlink.messages_for(config)
    assert messages.network.neighbors == ()
    assert [p.path for p in messages.dropped] == ["$.devices[0].network_info.neighbors[0]"]


@pytest.mark.usefixtures("kernel")
def test_agent_messages_get_agent_paths() -> None:
    network = agent.Network(
        interfaces=[
            agent.Interface(
                name="net0",
                hwAddr="02:00:00:00:00:01",
                mtu=1500,
                IPAddresses=[agent.IPAddress(address="10.0.0.5", mask="24")],
            ),
            agent.Interface(name="net1", hwAddr="02:00:00:00:00:99", mtu=1500),
        ],
        routes=[agent.Route(dest="10.7.0.0/16", gateway="10.1.1.1", device="net0")],
    )
    with netlink.guest(["02:00:00:00:00:01"]) as guest:
        applied = netlink.apply(network, guest.netns)
    assert _failures(applied) == [
        ("$.interfaces[1].hwAddr", None),
        ("$.routes[0].gateway", errno.ENETUNREACH),
    ]


# --- snapshot after apply -----------------------------------------------------------------


@st.composite
def _clean_devices(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Devices the kernel takes as they are: what snapshot must give back."""
    devices = []
    for i in range(draw(st.integers(1, 2))):
        v6 = draw(st.booleans())
        addresses = [f"10.{i}.0.{k}/24" for k in range(1, draw(st.integers(2, 3)))]
        if v6:
            addresses.append(f"fd00:{i}::5/64")
        mtu = draw(st.sampled_from([1280, 1500, 9000, 65535]) | st.integers(1280, 65535))
        routes: list[dict[str, Any]] = []
        for j in range(draw(st.integers(0, 3))):
            scope = draw(st.sampled_from([0, 200, 253]))
            routes.append({"dest": f"10.{i}.{j + 1}.0/24", "scope": scope})
            routes.append(
                {
                    "dest": f"10.{100 + i}.{j}.0/24",
                    "gateway": f"10.{i}.0.254",
                    "mtu": draw(st.sampled_from([0, 576, mtu])),
                }
            )
            if v6:
                route = {"dest": f"fd10:{i}:{j}::/64", "gateway": f"fd00:{i}::fe"}
                if draw(st.booleans()):
                    route["source"] = f"fd00:{i}::5"  # a source prefix /128
                routes.append(route)
        if i == 0 and draw(st.booleans()):
            routes.append({"gateway": "10.0.0.254"})
        neighbors = [
            {
                "ip_address": f"10.{i}.0.{200 + k}/32",
                "hardware_addr": f"02:00:00:00:{i:02x}:{k:02x}",
                "state": 128,
            }
            for k in range(draw(st.integers(0, 2)))
        ]
        if v6 and draw(st.booleans()):
            neighbors.append(
                {"ip_address": f"fd00:{i}::9/128", "hardware_addr": "02:00:00:00:99:99"}
            )
        devices.append(
            _device(
                i,
                interface={
                    "ip_addresses": addresses,
                    "mtu": mtu,
                    "flags": draw(st.sampled_from([0, 128])),
                },
                routes=routes,
                neighbors=neighbors,
            )
        )
    return devices


def _route_mtu(route: v2.Route) -> int:
    """IPv4 route MTUs above IP_MAX_MTU (65520) are kept as 65520."""
    if route.dest is not None and route.dest.version == 4:
        return min(route.mtu, 65520)
    return route.mtu


def _normalised(info: v2.NetworkInfo) -> tuple[object, ...]:
    """What the kernel keeps: order-free sets, state 0 read as PERMANENT, IPv4 route MTU."""
    return (
        frozenset(str(a) for a in info.interface.ip_addresses),
        info.interface.mtu,
        info.interface.flags,
        frozenset(
            (str(r.dest), str(r.gateway), r.scope, r.flags, _route_mtu(r), str(r.source))
            for r in info.routes
        ),
        frozenset(
            (str(n.ip_address), str(n.hardware_addr), n.state or 0x80, n.flags)
            for n in info.neighbors
        ),
    )


@pytest.mark.usefixtures("kernel")
@given(_clean_devices())
def test_snapshot_after_apply_gives_back_the_network_info(devices: list[dict[str, Any]]) -> None:
    config = _config(*devices)
    messages = netlink.messages_for(config, runtime="runtime-rs@3.19.0")
    with netlink.guest_for(messages) as guest:
        applied = netlink.apply(messages, guest.netns)
        snapshots = [
            netlink.snapshot(guest.netns, device.name, device=device.device)
            for device in config.devices
        ]
    assert applied.failures == ()
    assert applied.dropped == ()
    for device, seen in zip(config.devices, snapshots, strict=True):
        assert seen.guest_mac == device.guest_mac
        assert seen.name == device.name
        assert _normalised(seen.network_info) == _normalised(device.network_info)


@pytest.mark.usefixtures("kernel")
def test_snapshot_of_a_missing_link() -> None:
    with netlink.guest([MacAddress.parse("02:00:00:00:00:01")]) as guest:  # noqa: SIM117
        with pytest.raises(netlink.KernelUnavailableError, match="no link named 'net9'"):
            netlink.snapshot(guest.netns, "net9", device=v2.HostTap(tap_name="tap0"))


@pytest.mark.usefixtures("kernel")
def test_the_docs_example_runs() -> None:
    from conftest import ROOT

    text = (ROOT / "docs" / "netlink.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    exec(compile(block, "docs/netlink.md", "exec"), {})


@pytest.mark.usefixtures("kernel")
def test_what_the_agent_itself_refuses_is_an_agent_error() -> None:
    device = agent.AgentDevice(
        interface=agent.Interface(
            name="eth0",
            hwAddr="02:00:00:00:00:0b",
            mtu=1500,
            IPAddresses=[
                agent.IPAddress(address="10.0.0.5", mask="24"),
                agent.IPAddress(address="10.0.0.300", mask="24"),
                agent.IPAddress(address="10.0.0.6", mask="33"),
                agent.IPAddress(family=agent.IPFamily.v6, address="fd00::5", mask="64"),
            ],
        ),
        routes=[
            agent.Route(dest="10.1.0.0/16", source="10.0.0.5/0", device="eth0"),
            agent.Route(dest="10.2.0.0/16", source="fd00::5", device="eth0"),
            agent.Route(
                dest="fd02::/64", source="fd00::5", device="eth0", family=agent.IPFamily.v6
            ),
            agent.Route(dest="10.3.0.0/16", device="eth0", family=agent.IPFamily.v6),
            agent.Route(dest="10.4.0.0/16", device="nope"),
        ],
        neighbors=[
            agent.ARPNeighbor(
                toIPAddress=agent.IPAddress(address="bogus", mask="32"), device="eth0"
            ),
            agent.ARPNeighbor(
                toIPAddress=agent.IPAddress(address="10.0.0.7", mask="32"), device="nope"
            ),
            agent.ARPNeighbor(
                toIPAddress=agent.IPAddress(address="10.0.0.8", mask="32"),
                device="eth0",
                lladdr="zz",
            ),
        ],
    )
    with netlink.guest(["02:00:00:00:00:0a"]) as guest:
        applied = netlink.apply(device, guest.netns)
        seen = netlink.snapshot(guest.netns, "eth0", device=v2.HostTap(tap_name="tap0"))
    # The link named eth0 took the MAC it did not have, as the 4.1 agent does.
    assert str(seen.guest_mac) == "02:00:00:00:00:0b"
    assert [(o.path, o.errno) for o in applied.failures] == [
        ("$.interfaces[0].IPAddresses[1]", None),
        ("$.interfaces[0].IPAddresses[2]", None),
        ("$.neighbors[0].toIPAddress", None),
        ("$.neighbors[1]", None),
        ("$.neighbors[2].lladdr", None),
        ("$.routes[1].source", None),
        ("$.routes[3].dest", None),
        ("$.routes[4]", None),
    ]
    assert str(applied.failures[-1]) == (
        "$.routes[4]: agent: no link named 'nope' (route dev nope)"
    )
    assert str(applied.outcomes[0]).endswith(": ok: link set eth0 address 02:00:00:00:00:0b")
    routes = {str(route.dest): route for route in seen.network_info.routes}
    assert sorted(routes) == ["10.1.0.0/16", "fd02::/64"]
    assert str(routes["fd02::/64"].source) == "fd00::5"  # a source prefix /128
    assert routes["10.1.0.0/16"].source is None  # a preferred source: DAN cannot hold it
    assert [p.path for p in applied.dropped] == []


@pytest.mark.usefixtures("kernel")
def test_a_message_without_a_mac_finds_no_link() -> None:
    network = agent.Network(interfaces=[agent.Interface(name="net0", hwAddr="", mtu=1500)])
    with netlink.guest(["02:00:00:00:00:0a"]) as guest:
        applied = netlink.apply(network, guest.netns)
    [failure] = applied.failures
    assert (failure.path, failure.errno) == ("$.interfaces[0].hwAddr", None)
    assert str(failure) == "$.interfaces[0].hwAddr: agent: hwAddr '' is not a MAC (link lookup)"
