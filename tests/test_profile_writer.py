"""dumps/dump with a runtime profile: the runtime's neighbor spelling, refusal, round trip."""

from __future__ import annotations

import io
from ipaddress import IPv4Address, IPv4Interface, IPv6Address
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import danmodel
from danmodel import (
    DanConfig,
    DanDevice,
    HostTap,
    Interface,
    MacAddress,
    Neighbor,
    NetworkInfo,
    Route,
    Vfio,
    strategies,
    v1,
)
from danmodel.check import Finding, ProfileRejectedError, Severity, check, spelled_for


def _config(device: HostTap | Vfio, neighbor: object) -> DanConfig:
    return DanConfig(
        devices=[
            DanDevice(
                name="eth0",
                guest_mac=MacAddress.parse("0a:58:0a:0a:00:05"),
                device=device,
                network_info=NetworkInfo(
                    interface=Interface(ip_addresses=[IPv4Interface("10.10.0.5/24")]),
                    routes=[Route(gateway=IPv4Address("10.10.0.1"))],
                    neighbors=[
                        Neighbor(
                            ip_address=neighbor,  # type: ignore[arg-type]
                            hardware_addr=MacAddress.parse("0a:58:0a:0a:00:01"),
                            state=128,
                        )
                    ],
                ),
            )
        ]
    )


def test_runtime_rs_gets_ip_prefix() -> None:
    text = danmodel.dumps(
        _config(HostTap(tap_name="tap0"), IPv4Address("10.10.0.1")), profile="runtime-rs"
    )
    assert '"ip_address": "10.10.0.1/32",' in text
    assert check(text, "runtime-rs") == []


def test_runtime_rs_gets_ipv6_with_128() -> None:
    text = danmodel.dumps(
        _config(HostTap(tap_name="tap0"), IPv6Address("fe80::1")), profile="runtime-rs"
    )
    assert '"ip_address": "fe80::1/128",' in text


def test_go_runtime_gets_a_plain_ip() -> None:
    config = _config(Vfio(pci_device_id="0000:85:02.5"), IPv4Interface("10.10.0.1/24"))
    text = danmodel.dumps(config, profile="go-runtime")
    assert '"ip_address": "10.10.0.1",' in text
    assert check(text, "go-runtime") == []


def test_without_profile_the_text_is_unchanged() -> None:
    config = _config(HostTap(tap_name="tap0"), IPv4Address("10.10.0.1"))
    assert danmodel.dumps(config, profile=None) == danmodel.dumps(config)
    assert '"ip_address": "10.10.0.1",' in danmodel.dumps(config)


def test_a_rejected_config_raises_and_writes_nothing(tmp_path: Path) -> None:
    config = _config(HostTap(tap_name="tap0"), IPv4Address("10.10.0.1"))
    target = tmp_path / "sandbox.json"
    with pytest.raises(ProfileRejectedError) as raised:
        danmodel.dump(config, target, profile="go-runtime")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
    assert [(f.rule, f.path) for f in raised.value.findings] == [
        ("go-device-type", "$.devices[0].device.type")
    ]
    assert isinstance(raised.value, danmodel.ValidationError)
    assert str(raised.value).startswith(
        '1 problem in DAN config for go-runtime: $.devices[0].device.type: a "host-tap" device'
    )
    stream = io.StringIO()
    with pytest.raises(ProfileRejectedError):
        danmodel.dump(config, stream, profile="go-runtime@3.10")
    assert stream.getvalue() == ""


def test_dump_with_a_profile(tmp_path: Path) -> None:
    config = _config(Vfio(pci_device_id="0000:85:02.5"), IPv4Interface("10.10.0.1/32"))
    target = tmp_path / "sandbox.json"
    danmodel.dump(config, target, profile="go-runtime")
    assert danmodel.load(target) == spelled_for(config, "go-runtime")


def test_warnings_do_not_refuse() -> None:
    config = _config(Vfio(pci_device_id="0000:85:02.5"), IPv4Address("10.10.0.1"))
    config = danmodel.DanConfig(
        devices=[
            danmodel.DanDevice(
                name="eth0",
                guest_mac=config.devices[0].guest_mac,
                device=config.devices[0].device,
                network_info=NetworkInfo(interface=Interface(ip_addresses=[], flags=0x80)),
            )
        ]
    )
    text = danmodel.dumps(config, profile="go-runtime")
    assert [f.rule for f in check(text, "go-runtime")] == ["go-interface-flags"]


def test_a_revision_1_config() -> None:
    config = v1.DanConfig(devices=[])
    assert (
        danmodel.dumps(config, profile="runtime-rs@3.3")
        == '{\n  "netns": null,\n  "devices": []\n}\n'
    )


def test_only_configs() -> None:
    with pytest.raises(TypeError, match="expected a DanConfig, found Route"):
        danmodel.dumps(Route(), profile="runtime-rs")  # type: ignore[arg-type]


def _errors(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, f.path) for f in findings if f.severity is Severity.ERROR]


def _carriable(config: DanConfig, runtime: str) -> DanConfig:
    """``config`` changed until ``runtime`` can carry it: its device kind, and kernel facts."""
    seen: set[object] = set()
    devices = []
    for index, device in enumerate(config.devices):
        info = device.network_info
        addresses = []
        for address in info.interface.ip_addresses:
            if address.version == 6 and (address.ip.is_multicast or address.ip.is_unspecified):
                continue  # the kernel refuses to add them (kernel-address-invalid)
            if address.ip not in seen:
                seen.add(address.ip)
                addresses.append(address)
        routes = [
            # no gateway, no route flags (the kernel refuses some, and ONLINK needs a
            # gateway), no source (it may be of the other family), scope 255 is refused
            attrs.evolve(route, gateway=None, source=None, scope=route.scope % 255, flags=0)
            for route in info.routes
            if runtime == "runtime-rs"
            or all(v is None or v.version == 6 for v in (route.dest, route.source))
        ]
        neighbors: list[Neighbor] = []
        for n in info.neighbors:
            ip = n.ip_address or IPv4Address("10.0.0.1")  # a neighbor sent needs one
            if ip.is_multicast or any(kept.ip_address == ip for kept in neighbors):
                continue  # the kernel has these already, or twice (EEXIST)
            hardware = n.hardware_addr or MacAddress.parse("0a:00:00:00:00:01")
            neighbors.append(attrs.evolve(n, hardware_addr=hardware, ip_address=ip))
        host: HostTap | Vfio = (
            HostTap(tap_name=f"dan-tap{index}")
            if runtime == "runtime-rs"
            else Vfio(pci_device_id=f"0000:00:{index:02x}.0")
        )
        interface = attrs.evolve(
            info.interface, ip_addresses=addresses, mtu=min(max(info.interface.mtu, 1280), 65535)
        )
        devices.append(
            attrs.evolve(
                device,
                device=host,
                network_info=NetworkInfo(interface=interface, routes=routes, neighbors=neighbors),
            )
        )
    return attrs.evolve(config, devices=devices)


RUNTIMES = st.sampled_from(["runtime-rs", "go-runtime"])


@given(strategies.dan_configs(max_devices=3), RUNTIMES)
def test_a_config_a_runtime_can_carry_is_written_without_error(
    config: DanConfig, runtime: str
) -> None:
    config = _carriable(config, runtime)
    text = danmodel.dumps(config, profile=runtime)
    assert _errors(check(text, runtime)) == []
    # Loading gives back the same config, up to the neighbor spelling:
    again = danmodel.loads(text)
    assert again == spelled_for(config, runtime)
    assert spelled_for(again, "go-runtime") == spelled_for(config, "go-runtime")


@given(strategies.dan_configs(max_devices=3), RUNTIMES)
def test_the_writer_refuses_exactly_what_has_errors(config: DanConfig, runtime: str) -> None:
    spelled = spelled_for(config, runtime)
    expected = _errors(check(spelled, runtime))
    # The written text has the errors of the config, no more (the raw stage adds none).
    assert _errors(check(danmodel.dumps(spelled), runtime)) == expected
    if expected:
        with pytest.raises(ProfileRejectedError):
            danmodel.dumps(config, profile=runtime)
    else:
        assert danmodel.dumps(config, profile=runtime) == danmodel.dumps(spelled)
