"""The canonical writer: golden texts written by hand from the format reference."""

from __future__ import annotations

import io
import os
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from pathlib import Path

import pytest

from danmodel import (
    DanConfig,
    DanDevice,
    HostTap,
    Interface,
    MacAddress,
    Neighbor,
    NeighborFlag,
    NetworkInfo,
    NudState,
    Route,
    RouteScope,
    Vfio,
    VhostUser,
    dump,
    dumps,
    loads,
    to_dict,
    v1,
)


def _config() -> DanConfig:
    return DanConfig(
        netns="/var/run/netns/cni-7f3a",
        devices=[
            DanDevice(
                name="eth0",
                guest_mac=MacAddress.parse("0A:58:0A:0A:00:05"),
                device=HostTap(tap_name="tap0", queue_num=2, queue_size=512),
                network_info=NetworkInfo(
                    interface=Interface(
                        ip_addresses=[
                            IPv4Interface("10.10.0.5/24"),
                            IPv6Interface("2001:DB8:0:0:0:0:0:5/64"),
                        ],
                        flags=0x80,
                    ),
                    routes=[
                        Route(gateway=IPv4Address("10.10.0.1")),
                        Route(
                            dest=IPv4Network("10.20.0.0/16"),
                            gateway=IPv4Address("10.10.0.1"),
                            source=IPv4Address("10.10.0.5"),
                            flags=4,
                            mtu=1400,
                        ),
                        Route(
                            dest=IPv6Network("2001:0DB8:0001:0000::/48"),
                            gateway=IPv6Address("FE80:0:0:0:0:0:0:1"),
                            scope=RouteScope.LINK,
                        ),
                    ],
                    neighbors=[
                        Neighbor(
                            ip_address=IPv4Interface("10.10.0.1/24"),
                            hardware_addr=MacAddress.parse("0A:58:0A:0A:00:01"),
                            state=NudState.PERMANENT,
                        ),
                        Neighbor(
                            ip_address=IPv6Address("fe80::1"),
                            state=NudState.REACHABLE,
                            flags=NeighborFlag.ROUTER,
                        ),
                        Neighbor(),
                    ],
                ),
            ),
            DanDevice(
                name="wl\u00e1n1",
                guest_mac=MacAddress.parse("02:00:00:00:00:02"),
                device=VhostUser(path="/run/vhost/\u00fc.sock"),
                network_info=NetworkInfo(
                    interface=Interface(ip_addresses=[], mtu=9000, ntype="vhost-\u00fcser")
                ),
            ),
            DanDevice(
                name="eth2",
                guest_mac=MacAddress.parse("02:00:00:00:00:03"),
                device=Vfio(pci_device_id="0000:85:02.5"),
                network_info=NetworkInfo(
                    interface=Interface(ip_addresses=[IPv4Interface("192.168.1.2/24")], mtu=0)
                ),
            ),
        ],
    )


GOLDEN = """\
{
  "netns": "/var/run/netns/cni-7f3a",
  "devices": [
    {
      "name": "eth0",
      "guest_mac": "0a:58:0a:0a:00:05",
      "device": {
        "type": "host-tap",
        "tap_name": "tap0",
        "queue_num": 2,
        "queue_size": 512
      },
      "network_info": {
        "interface": {
          "ip_addresses": [
            "10.10.0.5/24",
            "2001:db8::5/64"
          ],
          "mtu": 1500,
          "ntype": "",
          "flags": 128
        },
        "routes": [
          {
            "dest": "",
            "gateway": "10.10.0.1",
            "source": "",
            "scope": 0,
            "flags": 0,
            "mtu": 0
          },
          {
            "dest": "10.20.0.0/16",
            "gateway": "10.10.0.1",
            "source": "10.10.0.5",
            "scope": 0,
            "flags": 4,
            "mtu": 1400
          },
          {
            "dest": "2001:db8:1::/48",
            "gateway": "fe80::1",
            "source": "",
            "scope": 253,
            "flags": 0,
            "mtu": 0
          }
        ],
        "neighbors": [
          {
            "ip_address": "10.10.0.1/24",
            "hardware_addr": "0a:58:0a:0a:00:01",
            "state": 128,
            "flags": 0
          },
          {
            "ip_address": "fe80::1",
            "hardware_addr": "",
            "state": 2,
            "flags": 128
          },
          {
            "ip_address": null,
            "hardware_addr": "",
            "state": 0,
            "flags": 0
          }
        ]
      }
    },
    {
      "name": "wl\u00e1n1",
      "guest_mac": "02:00:00:00:00:02",
      "device": {
        "type": "vhost-user",
        "path": "/run/vhost/\u00fc.sock",
        "queue_num": 0,
        "queue_size": 0
      },
      "network_info": {
        "interface": {
          "ip_addresses": [],
          "mtu": 9000,
          "ntype": "vhost-\u00fcser",
          "flags": 0
        },
        "routes": [],
        "neighbors": []
      }
    },
    {
      "name": "eth2",
      "guest_mac": "02:00:00:00:00:03",
      "device": {
        "type": "vfio",
        "pci_device_id": "0000:85:02.5"
      },
      "network_info": {
        "interface": {
          "ip_addresses": [
            "192.168.1.2/24"
          ],
          "mtu": 0,
          "ntype": "",
          "flags": 0
        },
        "routes": [],
        "neighbors": []
      }
    }
  ]
}
"""


def test_golden() -> None:
    assert dumps(_config()) == GOLDEN


def test_non_ascii_is_written_as_utf8_not_escapes() -> None:
    text = dumps(_config())
    assert "wl\u00e1n1" in text
    assert "\\u" not in text
    assert text.encode("utf-8").count("\u00fc".encode()) == 2


def test_golden_reads_back_to_the_same_config() -> None:
    assert loads(GOLDEN) == _config()
    assert dumps(loads(GOLDEN)) == GOLDEN


def test_empty_config() -> None:
    assert dumps(DanConfig(devices=[])) == '{\n  "netns": null,\n  "devices": []\n}\n'


def test_revision_1_golden() -> None:
    config = v1.DanConfig(
        devices=[
            v1.DanDevice(
                name="eth0",
                guest_mac=MacAddress.parse("02:00:00:00:00:01"),
                device=HostTap(tap_name="tap0"),
                network_info=v1.NetworkInfo(
                    interface=Interface(ip_addresses=[IPv4Interface("10.0.0.2/24")]),
                    routes=[v1.Route(dest=IPv4Network("0.0.0.0/0"), scope=RouteScope.UNIVERSE)],
                ),
            )
        ]
    )
    assert dumps(config) == (
        "{\n"
        '  "netns": null,\n'
        '  "devices": [\n'
        "    {\n"
        '      "name": "eth0",\n'
        '      "guest_mac": "02:00:00:00:00:01",\n'
        '      "device": {\n'
        '        "type": "host-tap",\n'
        '        "tap_name": "tap0",\n'
        '        "queue_num": 0,\n'
        '        "queue_size": 0\n'
        "      },\n"
        '      "network_info": {\n'
        '        "interface": {\n'
        '          "ip_addresses": [\n'
        '            "10.0.0.2/24"\n'
        "          ],\n"
        '          "mtu": 1500,\n'
        '          "ntype": "",\n'
        '          "flags": 0\n'
        "        },\n"
        '        "routes": [\n'
        "          {\n"
        '            "dest": "0.0.0.0/0",\n'
        '            "gateway": "",\n'
        '            "source": "",\n'
        '            "scope": 0\n'
        "          }\n"
        "        ],\n"
        '        "neighbors": []\n'
        "      }\n"
        "    }\n"
        "  ]\n"
        "}\n"
    )


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ("2001:0DB8:0000:0000:0000:0000:0000:0001/64", "2001:db8::1/64"),
        ("FE80::0:0:1/10", "fe80::1/10"),
        ("2001:db8:0:1:0:0:0:1/64", "2001:db8:0:1::1/64"),
        ("0:0:0:0:0:0:0:1/128", "::1/128"),
    ],
)
def test_ipv6_written_compressed_lower_case(given: str, written: str) -> None:
    config = loads(
        '{"devices": [{"name": "eth0", "device": {"type": "vfio", "pci_device_id":'
        ' "0000:85:02.5"}, "network_info": {"interface": {"ip_addresses": ["' + given + '"]}}}]}'
    )
    assert f'"ip_addresses": [\n            "{written}"\n          ]' in dumps(config)


def test_ipv4_mapped_written_the_same_on_every_python() -> None:
    route = Route(gateway=IPv6Address("::ffff:10.0.0.1"))
    assert to_dict(route)["gateway"] == "::ffff:10.0.0.1"


def test_upper_case_mac_written_lower_case() -> None:
    config = loads(
        '{"devices": [{"name": "eth0", "guest_mac": "DE:AD:BE:EF:00:0A",'
        ' "device": {"type": "host-tap", "tap_name": "t"},'
        ' "network_info": {"interface": {"ip_addresses": []},'
        ' "neighbors": [{"hardware_addr": "0A:0B:0C:0D:0E:0F"}]}}]}'
    )
    text = dumps(config)
    assert '"guest_mac": "de:ad:be:ef:00:0a"' in text
    assert '"hardware_addr": "0a:0b:0c:0d:0e:0f"' in text
    assert "DE:AD" not in text


def test_random_guest_mac_is_written() -> None:
    config = DanConfig(
        devices=[
            DanDevice(
                name="eth0",
                device=HostTap(tap_name="t"),
                network_info=NetworkInfo(interface=Interface(ip_addresses=[])),
            )
        ]
    )
    mac = config.devices[0].guest_mac
    assert f'"guest_mac": "{mac}"' in dumps(config)
    assert loads(dumps(config)) == config


# --- dump ----------------------------------------------------------------------------------------


def test_dump_to_path(tmp_path: Path) -> None:
    target = tmp_path / "sandbox.json"
    dump(_config(), target)
    assert target.read_bytes() == GOLDEN.encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sandbox.json"]
    dump(DanConfig(devices=[]), str(target))
    assert target.read_text(encoding="utf-8") == '{\n  "netns": null,\n  "devices": []\n}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sandbox.json"]


def test_dump_replaces_atomically(tmp_path: Path) -> None:
    target = tmp_path / "sandbox.json"
    target.write_text("old", encoding="utf-8")
    os.link(target, tmp_path / "other-link")
    before = target.stat().st_ino
    dump(_config(), target)
    # a new inode was renamed over the old name; readers holding the old file see it whole
    assert target.stat().st_ino != before
    assert (tmp_path / "other-link").read_text(encoding="utf-8") == "old"
    assert target.read_text(encoding="utf-8") == GOLDEN


def test_dump_failure_keeps_the_existing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "sandbox.json"
    target.write_text("previous content\n", encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(OSError, match="No space left"):
        dump(_config(), target)
    assert target.read_text(encoding="utf-8") == "previous content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sandbox.json"]


def test_dump_failure_without_an_existing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(OSError, match="Permission denied"):
        dump(_config(), tmp_path / "sandbox.json")
    assert list(tmp_path.iterdir()) == []


def test_dump_file_mode_follows_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        dump(_config(), tmp_path / "sandbox.json")
    finally:
        os.umask(previous)
    assert (tmp_path / "sandbox.json").stat().st_mode & 0o777 == 0o640


def test_dump_to_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        dump(_config(), tmp_path / "missing" / "sandbox.json")


def test_dump_to_text_stream() -> None:
    stream = io.StringIO()
    dump(_config(), stream)
    assert stream.getvalue() == GOLDEN


def test_dumps_refuses_non_configs() -> None:
    with pytest.raises(TypeError):
        dumps({"devices": []})  # type: ignore[arg-type]


# --- to_dict -------------------------------------------------------------------------------------


def test_to_dict_of_a_config() -> None:
    config = DanConfig(
        devices=[
            DanDevice(
                name="eth0",
                guest_mac=MacAddress.parse("02:00:00:00:00:01"),
                device=VhostUser(path="/run/v.sock", queue_num=1),
                network_info=NetworkInfo(
                    interface=Interface(ip_addresses=[IPv4Interface("10.0.0.2/24")]),
                    routes=[
                        Route(dest=IPv4Network("10.1.0.0/16"), gateway=IPv4Address("10.0.0.1"))
                    ],
                    neighbors=[Neighbor(ip_address=IPv4Address("10.0.0.1"))],
                ),
            )
        ]
    )
    assert to_dict(config) == {
        "netns": None,
        "devices": [
            {
                "name": "eth0",
                "guest_mac": "02:00:00:00:00:01",
                "device": {
                    "type": "vhost-user",
                    "path": "/run/v.sock",
                    "queue_num": 1,
                    "queue_size": 0,
                },
                "network_info": {
                    "interface": {
                        "ip_addresses": ["10.0.0.2/24"],
                        "mtu": 1500,
                        "ntype": "",
                        "flags": 0,
                    },
                    "routes": [
                        {
                            "dest": "10.1.0.0/16",
                            "gateway": "10.0.0.1",
                            "source": "",
                            "scope": 0,
                            "flags": 0,
                            "mtu": 0,
                        }
                    ],
                    "neighbors": [
                        {"ip_address": "10.0.0.1", "hardware_addr": "", "state": 0, "flags": 0}
                    ],
                },
            }
        ],
    }
    assert list(to_dict(config)["devices"][0]) == ["name", "guest_mac", "device", "network_info"]


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (HostTap(tap_name="tap0"), {"tap_name": "tap0", "queue_num": 0, "queue_size": 0}),
        (VhostUser(path="/s", queue_size=256), {"path": "/s", "queue_num": 0, "queue_size": 256}),
        (Vfio(pci_device_id="0000:00:1f.7"), {"pci_device_id": "0000:00:1f.7"}),
        (
            Route(),
            {"dest": "", "gateway": "", "source": "", "scope": 0, "flags": 0, "mtu": 0},
        ),
        (v1.Route(), {"dest": "", "gateway": "", "source": "", "scope": 0}),
        (Neighbor(), {"ip_address": None, "hardware_addr": "", "state": 0, "flags": 0}),
        (
            Interface(ip_addresses=[IPv6Interface("2001:db8::1/64")], ntype="veth"),
            {"ip_addresses": ["2001:db8::1/64"], "mtu": 1500, "ntype": "veth", "flags": 0},
        ),
        (
            NetworkInfo(interface=Interface(ip_addresses=[])),
            {
                "interface": {"ip_addresses": [], "mtu": 1500, "ntype": "", "flags": 0},
                "routes": [],
                "neighbors": [],
            },
        ),
    ],
)
def test_to_dict_of_single_objects(obj: object, expected: dict[str, object]) -> None:
    result = to_dict(obj)
    assert result == expected
    assert list(result) == list(expected)
    assert "type" not in result


def test_to_dict_gives_plain_json_types() -> None:
    result = to_dict(Route(scope=RouteScope.HOST))
    assert result["scope"] == 254
    assert '"scope": 254' in dumps(
        DanConfig(
            devices=[
                DanDevice(
                    name="eth0",
                    device=HostTap(tap_name="t"),
                    network_info=NetworkInfo(
                        interface=Interface(ip_addresses=[]), routes=[Route(scope=RouteScope.HOST)]
                    ),
                )
            ]
        )
    )


@pytest.mark.parametrize("value", [None, {"devices": []}, MacAddress.parse("02:00:00:00:00:01")])
def test_to_dict_refuses_other_objects(value: object) -> None:
    with pytest.raises(TypeError):
        to_dict(value)
