"""Moves between format revisions, and what the revisions share."""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest

import danmodel
from danmodel import MacAddress, downgrade, upgrade, v1, v2
from danmodel.revisions import LATEST, REVISIONS, revision

MAC0 = MacAddress.parse("02:00:00:00:00:01")
MAC1 = MacAddress.parse("02:00:00:00:00:02")
INTERFACE = danmodel.Interface(ip_addresses=[IPv4Interface("10.0.0.2/24")], mtu=9000, flags=0x80)
NEIGHBORS = (danmodel.Neighbor(ip_address=IPv4Address("10.0.0.1"), hardware_addr=MAC1, state=0x80),)


def _v1_config() -> v1.DanConfig:
    return v1.DanConfig(
        netns="/var/run/netns/cni-1",
        devices=[
            v1.DanDevice(
                name="eth0",
                guest_mac=MAC0,
                device=danmodel.HostTap(tap_name="tap0", queue_num=2),
                network_info=v1.NetworkInfo(
                    interface=INTERFACE,
                    routes=[
                        v1.Route(gateway=IPv4Address("10.0.0.1")),
                        v1.Route(
                            dest=IPv4Network("10.1.0.0/16"),
                            gateway=IPv4Address("10.0.0.1"),
                            source=IPv4Address("10.0.0.2"),
                            scope=253,
                        ),
                    ],
                    neighbors=NEIGHBORS,
                ),
            ),
            v1.DanDevice(
                name="eth1",
                guest_mac=MAC1,
                device=danmodel.VhostUser(path="/run/vhost.sock"),
                network_info=v1.NetworkInfo(interface=danmodel.Interface(ip_addresses=[])),
            ),
        ],
    )


def _v2_config(*, route_flags: int = 0, route_mtu: int = 0) -> v2.DanConfig:
    return v2.DanConfig(
        netns="/var/run/netns/cni-1",
        devices=[
            v2.DanDevice(
                name="eth0",
                guest_mac=MAC0,
                device=danmodel.HostTap(tap_name="tap0", queue_num=2),
                network_info=v2.NetworkInfo(
                    interface=INTERFACE,
                    routes=[
                        v2.Route(gateway=IPv4Address("10.0.0.1"), flags=0, mtu=0),
                        v2.Route(
                            dest=IPv4Network("10.1.0.0/16"),
                            gateway=IPv4Address("10.0.0.1"),
                            source=IPv4Address("10.0.0.2"),
                            scope=253,
                            flags=route_flags,
                            mtu=route_mtu,
                        ),
                    ],
                    neighbors=NEIGHBORS,
                ),
            ),
            v2.DanDevice(
                name="eth1",
                guest_mac=MAC1,
                device=danmodel.VhostUser(path="/run/vhost.sock"),
                network_info=v2.NetworkInfo(interface=danmodel.Interface(ip_addresses=[])),
            ),
        ],
    )


def test_upgrade_adds_route_flags_and_mtu_zero() -> None:
    upgraded = upgrade(_v1_config())
    assert type(upgraded) is v2.DanConfig
    assert upgraded == _v2_config()
    for device in upgraded.devices:
        assert type(device) is v2.DanDevice
        assert type(device.network_info) is v2.NetworkInfo
        for route in device.network_info.routes:
            assert type(route) is v2.Route
            assert (route.flags, route.mtu) == (0, 0)


def test_upgrade_keeps_guest_macs_and_shared_objects() -> None:
    original = _v1_config()
    upgraded = upgrade(original)
    assert [d.guest_mac for d in upgraded.devices] == [MAC0, MAC1]
    assert upgraded.devices[0].device is original.devices[0].device
    assert upgraded.devices[0].network_info.interface is original.devices[0].network_info.interface


def test_upgrade_of_an_empty_config() -> None:
    assert upgrade(v1.DanConfig(devices=[])) == v2.DanConfig(devices=[])
    assert upgrade(v1.DanConfig(netns="ns", devices=[])).netns == "ns"


def test_downgrade() -> None:
    downgraded = downgrade(_v2_config())
    assert type(downgraded) is v1.DanConfig
    assert downgraded == _v1_config()
    assert type(downgraded.devices[0].network_info.routes[0]) is v1.Route


def test_round_trips() -> None:
    assert downgrade(upgrade(_v1_config())) == _v1_config()
    assert upgrade(downgrade(_v2_config())) == _v2_config()


def test_downgrade_lists_every_offending_path() -> None:
    config = v2.DanConfig(
        devices=[
            v2.DanDevice(
                name="eth0",
                device=danmodel.HostTap(tap_name="tap0"),
                network_info=v2.NetworkInfo(
                    interface=danmodel.Interface(ip_addresses=[]),
                    routes=[
                        v2.Route(flags=1),
                        v2.Route(),
                        v2.Route(flags=2, mtu=1400),
                    ],
                ),
            ),
            v2.DanDevice(
                name="eth1",
                device=danmodel.Vfio(pci_device_id="0000:85:02.5"),
                network_info=v2.NetworkInfo(
                    interface=danmodel.Interface(ip_addresses=[]),
                    routes=[v2.Route(mtu=9000)],
                ),
            ),
            v2.DanDevice(
                name="eth2",
                device=danmodel.Vfio(pci_device_id="0000:85:02.6"),
                network_info=v2.NetworkInfo(interface=danmodel.Interface(ip_addresses=[])),
            ),
        ]
    )
    with pytest.raises(danmodel.ValidationError) as exc:
        downgrade(config)
    problems = {p.path: p.message for p in exc.value.errors}
    assert set(problems) == {
        "$.devices[0].network_info.routes[0].flags",
        "$.devices[0].network_info.routes[2].flags",
        "$.devices[0].network_info.routes[2].mtu",
        "$.devices[1].device",
        "$.devices[1].network_info.routes[0].mtu",
        "$.devices[2].device",
    }
    assert len(exc.value.errors) == 6
    assert "vfio" in problems["$.devices[1].device"]
    assert "1400" in problems["$.devices[0].network_info.routes[2].mtu"]
    assert "revision 1" in problems["$.devices[0].network_info.routes[0].flags"]


def test_downgrade_route_flags_and_mtu() -> None:
    with pytest.raises(danmodel.ValidationError) as exc:
        downgrade(_v2_config(route_flags=4, route_mtu=1400))
    assert [p.path for p in exc.value.errors] == [
        "$.devices[0].network_info.routes[1].flags",
        "$.devices[0].network_info.routes[1].mtu",
    ]


def test_shared_classes() -> None:
    assert v1.Interface is v2.Interface
    assert v1.Neighbor is v2.Neighbor
    assert v1.HostTap is v2.HostTap
    assert v1.VhostUser is v2.VhostUser
    # what changed (routes and what holds them) is new in revision 2
    assert len({v1.Route, v2.Route}) == 2
    assert len({v1.NetworkInfo, v2.NetworkInfo}) == 2
    assert len({v1.DanDevice, v2.DanDevice}) == 2
    assert len({v1.DanConfig, v2.DanConfig}) == 2
    assert not hasattr(v1, "Vfio")


def test_top_level_names_are_revision_2() -> None:
    assert danmodel.DanConfig is v2.DanConfig
    assert danmodel.DanDevice is v2.DanDevice
    assert danmodel.NetworkInfo is v2.NetworkInfo
    assert danmodel.Route is v2.Route
    assert danmodel.Vfio is v2.Vfio
    assert danmodel.Interface is v2.Interface


@pytest.mark.parametrize("value", [None, {"devices": []}, "x", _v2_config()])
def test_upgrade_type_errors(value: object) -> None:
    with pytest.raises(TypeError, match=r"v1\.DanConfig"):
        upgrade(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [None, {"devices": []}, "x", _v1_config()])
def test_downgrade_type_errors(value: object) -> None:
    with pytest.raises(TypeError, match=r"v2\.DanConfig"):
        downgrade(value)  # type: ignore[arg-type]


# --- the revision table is the only place revisions are listed ----------------------------------

_RANGE = re.compile(
    r"revision (\d)\b[^.\n]{0,80}?Kata(?: Containers)? "
    r"(\d+\.\d+)(?:\.0)?(\+| and later| to (\d+\.\d+))",
    re.IGNORECASE,
)
_FIRST_RANGE = re.compile(r"Kata (?:Containers )?3\.3(?:\.0)? to (3\.\d+)")
"""Revision 1's range, wherever it is stated, with or without the word revision."""


def _stated_ranges() -> list[tuple[str, int, str]]:
    from conftest import ROOT

    files = [ROOT / "README.md", ROOT / "schema" / "README.md", *(ROOT / "docs").glob("*.md")]
    files += (ROOT / "src" / "danmodel").rglob("*.py")
    found = []
    for path in files:
        text = " ".join(path.read_text(encoding="utf-8").split())
        for match in _RANGE.finditer(text):
            end = "and later" if match[3] in ("+", " and later") else f"to {match[4]}"
            found.append((path.name, int(match[1]), f"{match[2]} {end}"))
        found += [(path.name, 1, f"3.3 to {match[1]}") for match in _FIRST_RANGE.finditer(text)]
    return found


def test_every_kata_range_stated_for_a_revision_is_the_tables() -> None:
    stated = _stated_ranges()
    assert stated, "no range found: the pattern no longer matches the docs"
    wrong = [
        (name, number, text)
        for name, number, text in stated
        if number in REVISIONS and text != REVISIONS[number].kata
    ]
    assert wrong == []


def test_the_table_numbers_revisions_from_one_and_names_the_latest() -> None:
    assert list(REVISIONS) == list(range(1, LATEST + 1))
    assert REVISIONS[LATEST].model is danmodel.v2
    with pytest.raises(ValueError, match="known: 1, 2"):
        revision(3)
