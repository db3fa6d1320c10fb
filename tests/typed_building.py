"""Checked by ``mypy --strict`` with the rest of tests/: constructors admit the JSON text forms.

Not a test module; tests/test_text_forms.py runs it and asks mypy to refuse a wrong type.
"""

from __future__ import annotations

from ipaddress import IPv4Address

import attrs

import danmodel
from danmodel import DanConfig, DanDevice, HostTap, Interface, Neighbor, NetworkInfo, Route


def one_device_config() -> DanConfig:
    """A config built from text, as a CNI plugin would build it."""
    route = Route(dest="0.0.0.0/0", gateway="10.0.0.1")
    return DanConfig(
        devices=[
            DanDevice(
                name="eth0",
                guest_mac="0a:58:0a:0a:00:05",
                device=HostTap(tap_name="tap0"),
                network_info=NetworkInfo(
                    interface=Interface(ip_addresses=["10.0.0.5/24", "fd00::5/64"], mtu=1500),
                    routes=[route, attrs.evolve(route, dest="10.1.0.0/16")],
                    neighbors=[
                        Neighbor(
                            ip_address="10.0.0.1/32", hardware_addr="0a:58:0a:0a:00:01", state=128
                        )
                    ],
                ),
            )
        ]
    )


def gateway_of(config: DanConfig) -> IPv4Address | None:
    """Values read back are typed: the gateway is an address, not text."""
    gateway = config.devices[0].network_info.routes[0].gateway
    return gateway if isinstance(gateway, IPv4Address) else None


def mixed() -> Interface:
    """Typed values and text mix freely."""
    return Interface(ip_addresses=[danmodel.parse_interface("10.0.0.6/24"), "10.0.0.7/24"])
