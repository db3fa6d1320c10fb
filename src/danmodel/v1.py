"""Revision 1 of the DAN format (Kata 3.3 to 3.14, runtime-rs).

Devices ``host-tap`` and ``vhost-user``; routes without ``flags`` and ``mtu``.
The interface, neighbor and device classes are the same objects as in
:mod:`danmodel.v2`; only routes and what contains them differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

import attrs

from . import _docs
from ._fields import (
    IFNAME,
    IP_OR_EMPTY,
    MAC,
    NETWORK_OR_EMPTY,
    NONEMPTY_STRING,
    UINT32,
    Array,
    Nullable,
    Object,
    Tagged,
    to_ip_or_none,
    to_mac,
    to_network_or_none,
)
from ._model import (
    HostTap,
    Interface,
    Neighbor,
    VhostUser,
    model_eq,
    model_hash,
    model_repr,
    neighbor_tuple,
    reject_shared_devices,
    spec,
)
from .addresses import IPAddress, IPNetwork
from .mac import MacAddress

__all__ = [
    "DanConfig",
    "DanDevice",
    "Device",
    "HostTap",
    "Interface",
    "Neighbor",
    "NetworkInfo",
    "Route",
    "VhostUser",
]

Device = HostTap | VhostUser
"""The host-side device kinds of revision 1."""

_REVISION_2 = "exists from format revision 2 on ({}); load it with revision=2"


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Route:
    """A route through the guest interface (revision 1: no flags, no mtu)."""

    __eq__ = model_eq
    __hash__ = model_hash
    __repr__ = model_repr

    _dan_newer_keys: ClassVar[Mapping[str, str]] = {
        "flags": 'route key "flags" ' + _REVISION_2.format("Kata 3.15"),
        "mtu": 'route key "mtu" ' + _REVISION_2.format("Kata 3.17"),
    }

    dest: IPNetwork | None = attrs.field(
        default=None, converter=to_network_or_none, **spec(NETWORK_OR_EMPTY, _docs.DEST)
    )
    gateway: IPAddress | None = attrs.field(
        default=None, converter=to_ip_or_none, **spec(IP_OR_EMPTY, _docs.GATEWAY)
    )
    source: IPAddress | None = attrs.field(
        default=None, converter=to_ip_or_none, **spec(IP_OR_EMPTY, _docs.SOURCE)
    )
    scope: int = attrs.field(default=0, **spec(UINT32, _docs.SCOPE))


def _route_tuple(items: Iterable[Route]) -> tuple[Route, ...]:
    return tuple(items)


@attrs.frozen(kw_only=True, eq=False, repr=False)
class NetworkInfo:
    """Guest network configuration of one device."""

    __eq__ = model_eq
    __hash__ = model_hash
    __repr__ = model_repr

    interface: Interface = attrs.field(**spec(Object(Interface), _docs.INTERFACE))
    routes: tuple[Route, ...] = attrs.field(
        default=(), converter=_route_tuple, **spec(Array(Object(Route)), _docs.ROUTES)
    )
    neighbors: tuple[Neighbor, ...] = attrs.field(
        default=(),
        converter=neighbor_tuple,
        **spec(Array(Object(Neighbor)), _docs.NEIGHBORS),
    )


@attrs.frozen(kw_only=True, eq=False, repr=False)
class DanDevice:
    """One device of a sandbox: the host device and its guest configuration."""

    __eq__ = model_eq
    __hash__ = model_hash
    __repr__ = model_repr

    name: str = attrs.field(**spec(IFNAME, _docs.NAME))
    guest_mac: MacAddress = attrs.field(
        factory=MacAddress.random_private, converter=to_mac, **spec(MAC, _docs.GUEST_MAC)
    )
    device: Device = attrs.field(
        **spec(
            Tagged(
                {"host-tap": HostTap, "vhost-user": VhostUser},
                newer={
                    "vfio": 'device type "vfio" '
                    + _REVISION_2.format("Kata 3.17; the Go runtime reads it since 3.10")
                },
            ),
            _docs.DEVICE,
        )
    )
    network_info: NetworkInfo = attrs.field(**spec(Object(NetworkInfo), _docs.NETWORK_INFO))


def _device_tuple(items: Iterable[DanDevice]) -> tuple[DanDevice, ...]:
    return tuple(items)


@attrs.frozen(kw_only=True, eq=False, repr=False)
class DanConfig:
    """A DAN config file of revision 1: the devices of one sandbox."""

    __eq__ = model_eq
    __hash__ = model_hash
    __repr__ = model_repr

    netns: str | None = attrs.field(default=None, **spec(Nullable(NONEMPTY_STRING), _docs.NETNS))
    devices: tuple[DanDevice, ...] = attrs.field(
        converter=_device_tuple, **spec(Array(Object(DanDevice)), _docs.DEVICES)
    )

    def __attrs_post_init__(self) -> None:
        reject_shared_devices(self, self.devices)
