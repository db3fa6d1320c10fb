"""danmodel.agent.from_dan_config(config, runtime=...): what each runtime and release sends.

Expected messages are written by hand from the format reference ("Agent
protocol types", "Newer releases (3.20 to 4.1)"), never computed by the converter.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Interface

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import danmodel
from conftest import ROOT
from danmodel import agent, v2
from danmodel import strategies as ds
from danmodel.agent import ARPNeighbor, Interface, IPAddress, IPFamily, Network, Route
from danmodel.mac import MacAddress

MAC = MacAddress.parse("0a:58:0a:0a:00:05")
GATEWAY_MAC = MacAddress.parse("0a:58:0a:0a:00:01")
TAP = v2.HostTap(tap_name="tap0")
VFIO = v2.Vfio(pci_device_id="0000:85:02.5")
GATEWAY = IPv4Address("10.10.0.1")


def _paths(problems: tuple[danmodel.Problem, ...]) -> list[str]:
    return [problem.path for problem in problems]


def _device(
    name: str,
    host: v2.Device,
    *,
    neighbors: list[v2.Neighbor],
    routes: list[v2.Route] | None = None,
    mac: MacAddress = MAC,
    **interface: object,
) -> v2.DanDevice:
    return v2.DanDevice(
        name=name,
        guest_mac=mac,
        device=host,
        network_info=v2.NetworkInfo(
            interface=v2.Interface(
                **{"ip_addresses": [IPv4Interface("10.10.0.5/24")], **interface}  # type: ignore[arg-type]
            ),
            routes=[v2.Route(gateway=GATEWAY)] if routes is None else routes,
            neighbors=neighbors,
        ),
    )


def _rs_config() -> v2.DanConfig:
    return v2.DanConfig(
        devices=[
            _device(
                "eth0",
                TAP,
                neighbors=[
                    v2.Neighbor(
                        ip_address=IPv4Interface("10.10.0.1/32"),
                        hardware_addr=GATEWAY_MAC,
                        state=0x80,
                    ),
                    v2.Neighbor(
                        ip_address=IPv4Interface("10.10.0.1/32"),
                        hardware_addr=GATEWAY_MAC,
                        state=0x02,
                    ),
                ],
            )
        ]
    )


PERMANENT_RS = ARPNeighbor(
    toIPAddress=IPAddress(family=IPFamily.v4, address="10.10.0.1", mask="32"),
    device="eth0",
    lladdr="0a:58:0a:0a:00:01",
    state=0x80,
)


def test_runtime_rs_3_19_and_3_20_differ_on_a_reachable_neighbor() -> None:
    old = agent.from_dan_config(_rs_config(), runtime="runtime-rs@3.19")
    new = agent.from_dan_config(_rs_config(), runtime="runtime-rs@3.20")
    assert old.value.neighbors == (
        PERMANENT_RS,
        PERMANENT_RS.__class__(
            toIPAddress=PERMANENT_RS.toIPAddress, device="eth0", lladdr="0a:58:0a:0a:00:01", state=2
        ),
    )
    assert old.dropped == ()
    assert new.value.neighbors == (PERMANENT_RS,)
    assert _paths(new.dropped) == ["$.devices[0].network_info.neighbors[1]"]
    assert "3.20.0 and later send only PERMANENT" in new.dropped[0].message
    # a bare name is the newest release; no runtime keeps danmodel's earlier conversion
    assert agent.from_dan_config(_rs_config(), runtime="runtime-rs") == new
    assert agent.from_dan_config(_rs_config()) == old
    assert old.value.interfaces == new.value.interfaces
    assert (
        old.value.routes
        == new.value.routes
        == (Route(gateway="10.10.0.1", device="eth0", family=IPFamily.v4),)
    )


def _go_config() -> v2.DanConfig:
    neighbors = [
        v2.Neighbor(ip_address=GATEWAY, hardware_addr=GATEWAY_MAC, state=0x02),
        v2.Neighbor(ip_address=IPv4Address("10.10.0.9"), hardware_addr=GATEWAY_MAC, state=0x80),
        v2.Neighbor(ip_address=IPv4Address("10.10.0.8"), hardware_addr=GATEWAY_MAC, state=0x02),
        v2.Neighbor(ip_address=IPv4Interface("10.10.0.7/32"), hardware_addr=MAC, state=0x80),
    ]
    return v2.DanConfig(
        netns="/var/run/netns/pod",
        devices=[
            _device(
                "eth1",
                v2.Vfio(pci_device_id="0000:85:02.6"),
                neighbors=[],
                routes=[],
                mac=GATEWAY_MAC,
                ip_addresses=[IPv6Interface("::ffff:127.0.0.1/104"), IPv4Interface("10.11.0.5/16")],
                ntype="tuntap",
                flags=0x80,
            ),
            _device(
                "eth0",
                VFIO,
                neighbors=neighbors,
                routes=[
                    v2.Route(gateway=GATEWAY),
                    v2.Route(
                        dest=IPv4Network("10.20.0.0/16"), gateway=IPv6Address("::ffff:10.10.0.8")
                    ),
                    v2.Route(dest=IPv4Network("10.30.0.0/16"), flags=4, mtu=1400, scope=253),
                ],
                mtu=9000,
            ),
        ],
    )


GO_INTERFACES = (
    Interface(
        device="eth0",
        name="eth0",
        IPAddresses=[IPAddress(family=IPFamily.v4, address="10.10.0.5", mask="24")],
        mtu=9000,
        hwAddr="0a:58:0a:0a:00:05",
        type="vfio",
    ),
    Interface(
        device="eth1",
        name="eth1",
        IPAddresses=[IPAddress(family=IPFamily.v4, address="10.11.0.5", mask="16")],
        mtu=1500,
        hwAddr="0a:58:0a:0a:00:01",
        type="vfio",
    ),
)
GO_ROUTES = (
    Route(gateway="10.10.0.1", device="eth0", family=IPFamily.v4),
    # IPv4-mapped gateway: IPv4 to the Go runtime, written as IPv4
    Route(dest="10.20.0.0/16", gateway="10.10.0.8", device="eth0", family=IPFamily.v4),
    # no gateway: IPv6; no route flags or mtu
    Route(dest="10.30.0.0/16", device="eth0", scope=253, family=IPFamily.v6),
)


def _go_neighbor(
    address: str, state: int, *, mask: str = "", lladdr: str = "0a:58:0a:0a:00:01"
) -> ARPNeighbor:
    ip = IPAddress(family=IPFamily.v4, address=address, mask=mask) if address else None
    return ARPNeighbor(toIPAddress=ip, device="eth0", lladdr=lladdr, state=state)


def test_the_go_runtime_conversion() -> None:
    converted = agent.from_dan_config(_go_config(), runtime="go-runtime")
    assert converted.value == Network(
        interfaces=GO_INTERFACES,  # sorted by name
        routes=GO_ROUTES,
        neighbors=[
            _go_neighbor("10.10.0.1", 0x02),  # REACHABLE at the default gateway (3.29)
            _go_neighbor("10.10.0.9", 0x80),
            # a prefix is no IP to the Go runtime: sent without address
            ARPNeighbor(toIPAddress=None, device="eth0", lladdr="0a:58:0a:0a:00:05", state=0x80),
        ],
    )
    assert _paths(converted.dropped) == [
        "$.devices[0].network_info.interface.ip_addresses[0]",
        "$.devices[0].network_info.interface.flags",
        "$.devices[0].network_info.interface.ntype",
        "$.devices[1].network_info.routes[2].flags",
        "$.devices[1].network_info.routes[2].mtu",
        "$.devices[1].network_info.neighbors[2]",
        "$.devices[1].network_info.neighbors[3].ip_address",
    ]
    messages = [problem.message for problem in converted.dropped]
    assert messages[0].startswith("loopback address ::ffff:127.0.0.1/104 dropped")
    assert "the agent refuses it, so the sandbox fails" in messages[-1]


def test_the_go_runtime_before_3_29_sends_permanent_neighbors_only() -> None:
    converted = agent.from_dan_config(_go_config(), runtime="go-runtime@3.28")
    assert [n.toIPAddress for n in converted.value.neighbors] == [
        IPAddress(family=IPFamily.v4, address="10.10.0.9", mask=""),
        None,
    ]
    assert "$.devices[1].network_info.neighbors[0]" in _paths(converted.dropped)


def test_runtime_rs_sends_route_flags_and_mtu_from_their_releases() -> None:
    route = v2.Route(dest=IPv4Network("10.30.0.0/16"), flags=4, mtu=1400)
    config = v2.DanConfig(devices=[_device("eth0", TAP, neighbors=[], routes=[route])])
    expected = {
        "runtime-rs@3.14": (0, 0),
        "runtime-rs@3.15": (4, 0),
        "runtime-rs@3.17": (4, 1400),
        None: (4, 1400),
    }
    for runtime, (flags, mtu) in expected.items():
        (sent,) = agent.from_dan_config(config, runtime=runtime).value.routes
        assert (sent.flags, sent.mtu) == (flags, mtu), runtime
    assert _paths(agent.from_dan_config(config, runtime="runtime-rs@3.14").dropped) == [
        "$.devices[0].network_info.routes[0].flags",
        "$.devices[0].network_info.routes[0].mtu",
    ]


def test_a_device_the_runtime_does_not_attach_is_an_error() -> None:
    cases: list[tuple[str, v2.Device, str]] = [
        ("runtime-rs", VFIO, 'runtime-rs rejects a "vfio" device (serde: unknown variant)'),
        ("go-runtime", TAP, 'the Go runtime attaches only "vfio" devices, not "host-tap"'),
        (
            "go-runtime@3.9",
            VFIO,
            'the Go runtime attaches "vfio" devices only since 3.10.0, not 3.9.0',
        ),
    ]
    for runtime, host, message in cases:
        config = v2.DanConfig(devices=[_device("eth0", host, neighbors=[])])
        with pytest.raises(danmodel.ValidationError) as error:
            agent.from_dan_config(config, runtime=runtime)
        assert [(p.path, p.message) for p in error.value.errors] == [
            ("$.devices[0].device.type", message)
        ]
    # without a runtime, the device type is not agent data
    agent.from_dan_config(v2.DanConfig(devices=[_device("eth0", VFIO, neighbors=[])]))


def test_the_go_runtime_rejects_a_neighbor_without_mac() -> None:
    config = v2.DanConfig(
        devices=[_device("eth0", VFIO, neighbors=[v2.Neighbor(ip_address=GATEWAY, state=0x80)])]
    )
    with pytest.raises(danmodel.ValidationError) as error:
        agent.from_dan_config(config, runtime="go-runtime")
    assert [p.path for p in error.value.errors] == [
        "$.devices[0].network_info.neighbors[0].hardware_addr"
    ]


def test_with_a_runtime_int32_values_wrap_as_the_runtime_wraps_them() -> None:
    neighbor = v2.Neighbor(
        ip_address=IPv4Interface("10.10.0.1/32"),
        hardware_addr=GATEWAY_MAC,
        state=0x80,
        flags=2**32 - 8,
    )
    config = v2.DanConfig(devices=[_device("eth0", TAP, neighbors=[neighbor])])
    converted = agent.from_dan_config(config, runtime="runtime-rs")
    assert converted.value.neighbors[0].flags == -8
    assert _paths(converted.dropped) == ["$.devices[0].network_info.neighbors[0].flags"]
    assert "wrapped to -8" in converted.dropped[0].message
    with pytest.raises(danmodel.ValidationError):
        agent.from_dan_config(config)


def test_strict_conversion_names_the_spelling_each_runtime_reads() -> None:
    rs = v2.DanConfig(
        devices=[
            _device(
                "eth0",
                TAP,
                neighbors=[v2.Neighbor(ip_address=GATEWAY, hardware_addr=MAC, state=0x80)],
            )
        ]
    )
    with pytest.raises(danmodel.ValidationError, match=r"write it as 10\.10\.0\.1/32"):
        agent.from_dan_config(rs, runtime="runtime-rs", drop_neighbor_ips_without_prefix=False)
    go = v2.DanConfig(
        devices=[
            _device(
                "eth0",
                VFIO,
                neighbors=[
                    v2.Neighbor(
                        ip_address=IPv4Interface("10.10.0.1/32"), hardware_addr=MAC, state=0x80
                    )
                ],
            )
        ]
    )
    with pytest.raises(danmodel.ValidationError, match=r"write it as 10\.10\.0\.1$"):
        agent.from_dan_config(go, runtime="go-runtime", drop_neighbor_ips_without_prefix=False)


def test_go_messages_convert_back_to_a_config_spelled_for_the_go_runtime() -> None:
    converted = agent.from_dan_config(_go_config(), runtime="go-runtime")
    # the IPv4 route without gateway, sent as IPv6, has no DAN form: the agent refuses it too
    network = attrs.evolve(converted.value, routes=converted.value.routes[:2])
    back = agent.to_dan_config(
        network,
        devices={"eth0": VFIO, "eth1": v2.Vfio(pci_device_id="0000:85:02.6")},
    )
    (eth0, eth1) = back.value.devices
    assert [n.ip_address for n in eth0.network_info.neighbors] == [
        IPv4Address("10.10.0.1"),
        IPv4Address("10.10.0.9"),
        None,
    ]
    assert type(eth0.network_info.neighbors[0].ip_address) is IPv4Address
    assert eth0.network_info.interface.ntype == "vfio"
    assert eth1.name == "eth1"


def test_calls_and_route_order() -> None:
    network = agent.from_dan_config(_rs_config(), runtime="runtime-rs@3.19").value
    assert [kind for kind, _ in agent.calls(network)] == [
        "interface",
        "neighbor",
        "neighbor",
        "route",
    ]
    with_gw = Route(gateway="10.10.0.1", device="eth0")
    link = Route(dest="10.10.0.0/24", device="eth0", scope=253)
    other = Route(dest="10.20.0.0/16", gateway="10.10.0.1", device="eth0")
    assert agent.route_order([with_gw, link, other]) == (link, with_gw, other)


def test_host_devices_for_the_reverse_conversion() -> None:
    assert agent.host_device("host-tap:tap0") == TAP
    assert agent.host_device("vhost-user:/run/v.sock") == v2.VhostUser(path="/run/v.sock")
    assert agent.host_device("vfio:0000:85:02.5") == VFIO
    for bad, message in (
        ("tap0", "expected a host device host-tap:..., vhost-user:..., vfio:..., found 'tap0'"),
        ("vfio:85:02.5", "expected a PCI address"),
    ):
        with pytest.raises(danmodel.ValidationError, match=message):
            agent.host_device(bad)


def test_the_runtime_that_attaches_a_config() -> None:
    assert agent.runtime_for(_rs_config()) == "runtime-rs"
    assert agent.runtime_for(_go_config()) == "go-runtime"
    assert agent.runtime_for(v2.DanConfig(devices=[])) == "runtime-rs"
    # a Go-runtime vfio file: its plain neighbor IP reaches the agent
    vfio = danmodel.load(ROOT / "examples" / "vfio.json")
    (neighbor,) = agent.from_dan_config(vfio, runtime=agent.runtime_for(vfio)).value.neighbors
    assert neighbor.toIPAddress == IPAddress(family=IPFamily.v4, address="10.20.0.1", mask="")


# --- properties: the converter and check agree on what a runtime sends ---------------------------

PROFILES = ["runtime-rs@3.19", "runtime-rs@3.20", "go-runtime@3.28", "go-runtime"]


def _for(config: v2.DanConfig, runtime: str) -> v2.DanConfig:
    """``config`` with host devices the runtime attaches and (Go) every neighbor's MAC."""
    go = runtime.startswith("go-runtime")
    devices = []
    for index, device in enumerate(config.devices):
        host: v2.Device = (
            v2.Vfio(pci_device_id=f"0000:00:{index:02x}.0")
            if go
            else v2.HostTap(tap_name=f"tap{index}")
        )
        info = device.network_info
        neighbors = [
            attrs.evolve(n, hardware_addr=n.hardware_addr or MAC) if go else n
            for n in info.neighbors
        ]
        devices.append(
            attrs.evolve(device, device=host, network_info=attrs.evolve(info, neighbors=neighbors))
        )
    return attrs.evolve(config, devices=devices)


@given(ds.dan_configs(max_devices=3), st.sampled_from(PROFILES))
def test_the_converter_sends_what_check_says_is_sent(config: v2.DanConfig, runtime: str) -> None:
    config = _for(config, runtime)
    findings = danmodel.check(config, runtime)
    not_sent = {f.path.removesuffix(".state") for f in findings if f.rule.endswith("-not-sent")}
    loopback = {f.path for f in findings if f.rule.endswith("-address-loopback")}
    converted = agent.from_dan_config(config, runtime=runtime)
    dropped = {problem.path for problem in converted.dropped}
    assert {p for p in dropped if p.endswith("]") and ".neighbors[" in p} == not_sent
    assert {p for p in dropped if ".ip_addresses[" in p} == loopback
    neighbors = sum(len(device.network_info.neighbors) for device in config.devices)
    assert len(converted.value.neighbors) == neighbors - len(not_sent)
    names = [interface.name for interface in converted.value.interfaces]
    in_file = [device.name for device in config.devices]
    assert names == (sorted(in_file) if runtime.startswith("go-runtime") else in_file)
    for neighbor in converted.value.neighbors:
        if runtime.startswith("go-runtime"):
            assert neighbor.toIPAddress is None or neighbor.toIPAddress.mask == ""
        if runtime == "runtime-rs@3.20":
            assert neighbor.state == 0x80
