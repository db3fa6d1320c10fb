"""The files in examples/: valid, canonical, and what examples/README.md says they are."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from pathlib import Path

import pytest

import danmodel
from danmodel import HostTap, NudState, Vfio, VhostUser

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _read(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")


def _load(name: str) -> danmodel.DanConfig:
    return danmodel.loads(_read(name), strict=True, source=name)


def _device_types(config: danmodel.DanConfig) -> list[type]:
    return [type(device.device) for device in config.devices]


def _neighbors(config: danmodel.DanConfig) -> list[danmodel.Neighbor]:
    return [n for device in config.devices for n in device.network_info.neighbors]


def _routes(config: danmodel.DanConfig) -> list[danmodel.Route]:
    return [r for device in config.devices for r in device.network_info.routes]


def _addresses(config: danmodel.DanConfig) -> list[IPv4Interface | IPv6Interface]:
    return [a for device in config.devices for a in device.network_info.interface.ip_addresses]


def _check_runtime_rs(config: danmodel.DanConfig) -> None:
    """What runtime-rs needs: no vfio device, neighbor addresses spelled ip/prefix."""
    assert not any(kind is Vfio for kind in _device_types(config))
    for neighbor in _neighbors(config):
        assert isinstance(neighbor.ip_address, (IPv4Interface, IPv6Interface))


def _check_host_tap(config: danmodel.DanConfig) -> None:
    _check_runtime_rs(config)
    assert _device_types(config) == [HostTap]
    assert [str(a) for a in _addresses(config)] == ["10.10.0.5/24"]
    assert [(r.dest, str(r.gateway)) for r in _routes(config)] == [(None, "10.10.0.1")]
    assert [(str(n.ip_address), n.state) for n in _neighbors(config)] == [
        ("10.10.0.1/32", NudState.PERMANENT)
    ]


def _check_vhost_user(config: danmodel.DanConfig) -> None:
    _check_runtime_rs(config)
    assert _device_types(config) == [VhostUser]
    device = config.devices[0].device
    assert isinstance(device, VhostUser)
    assert (device.queue_num, device.queue_size) == (2, 512)
    assert [str(a) for a in _addresses(config)] == ["192.0.2.10/24"]
    assert [(r.dest, str(r.gateway)) for r in _routes(config)] == [(None, "192.0.2.1")]


def _check_vfio(config: danmodel.DanConfig) -> None:
    """What the Go runtime needs (see the reference's table of how each runtime reads)."""
    assert _device_types(config) == [Vfio]
    assert [str(a) for a in _addresses(config)] == ["10.20.0.5/24"]
    raw = json.loads(_read("vfio.json"))
    for device in raw["devices"]:
        assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", device["guest_mac"])
        assert device["network_info"]["interface"]["mtu"] == 1500
    # Without a gateway the Go runtime would treat a route as IPv6.
    assert all(r.gateway is not None for r in _routes(config))
    neighbors = _neighbors(config)
    assert len(neighbors) == 1
    for neighbor in neighbors:
        # A plain IP: IPv4Interface is a subclass of IPv4Address, so check the exact type.
        assert type(neighbor.ip_address) in (IPv4Address, IPv6Address)
        assert neighbor.hardware_addr is not None
        assert neighbor.state == 128  # NudState.PERMANENT


def _check_dual_stack(config: danmodel.DanConfig) -> None:
    _check_runtime_rs(config)
    assert _device_types(config) == [HostTap]
    assert sorted(a.version for a in _addresses(config)) == [4, 6]
    gateways = [r.gateway for r in _routes(config)]
    assert sorted(g.version for g in gateways if g is not None) == [4, 6]
    assert 6 in {n.ip_address.version for n in _neighbors(config) if n.ip_address is not None}
    assert all(n.state == NudState.PERMANENT for n in _neighbors(config))


def _check_multi_device(config: danmodel.DanConfig) -> None:
    _check_runtime_rs(config)
    assert len(config.devices) >= 2
    assert {kind.__name__ for kind in _device_types(config)} == {"HostTap", "VhostUser"}
    assert [d.name for d in config.devices] == ["eth0", "eth1", "eth2"]
    assert config.devices[1].network_info.interface.mtu == 9000
    assert config.devices[2].network_info.routes == ()


EXPECTATIONS: dict[str, Callable[[danmodel.DanConfig], None]] = {
    "host-tap.json": _check_host_tap,
    "vhost-user.json": _check_vhost_user,
    "vfio.json": _check_vfio,
    "dual-stack.json": _check_dual_stack,
    "multi-device.json": _check_multi_device,
}


def test_every_example_has_expectations() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.json")) == sorted(EXPECTATIONS)


def test_readme_lists_every_example() -> None:
    readme = _read("README.md")
    listed = re.findall(r"^\| \[`([^`]+\.json)`\]", readme, flags=re.MULTILINE)
    assert sorted(listed) == sorted(EXPECTATIONS)


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_example_is_canonical(name: str) -> None:
    text = _read(name)
    assert danmodel.dumps(_load(name)) == text


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_example_has_its_documented_properties(name: str) -> None:
    EXPECTATIONS[name](_load(name))


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_example_macs_are_private_unicast(name: str) -> None:
    config = _load(name)
    macs = [d.guest_mac for d in config.devices]
    macs += [n.hardware_addr for n in _neighbors(config) if n.hardware_addr is not None]
    for mac in macs:
        assert mac.is_unicast
        assert mac.is_locally_administered


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_example_survives_revision_1_where_it_can(name: str) -> None:
    config = _load(name)
    if Vfio in _device_types(config):
        with pytest.raises(danmodel.ValidationError):
            danmodel.downgrade(config)
    else:
        assert danmodel.upgrade(danmodel.downgrade(config)) == config
