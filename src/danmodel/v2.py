"""Revision 2 of the DAN format (Kata 3.17 and later), the current one.

Adds to revision 1 the ``vfio`` device (Go runtime) and the route keys
``flags`` and ``mtu``. Classes that did not change are those of revision 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

import attrs

from . import _docs
from ._fields import (
    IFNAME,
    IP_OR_EMPTY,
    MAC,
    NETWORK_OR_EMPTY,
    NONEMPTY_STRING,
    PCI_ADDRESS,
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
    "Vfio",
    "VhostUser",
]


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Vfio:
    """A VFIO network function, by host PCI address (``"type": "vfio"``; Go runtime 3.10+)."""

    __eq__ = model_eq
    __hash__ = model_hash
    __repr__ = model_repr

    unique_key: ClassVar[tuple[str, str]] = ("pci_device_id", "PCI address")

    pci_device_id: str = attrs.field(
        **spec(PCI_ADDRESS, "Host PCI address DDDD:BB:DD.F, e.g. 0000:85:02.5.")
    )


Device = HostTap | VhostUser | Vfio
"""The host-side device kinds of revision 2."""


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Route:
    """A route through the guest interface."""

    __eq__ = model_eq
    __hash__ = model_hash
    __repr__ = model_repr

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
    flags: int = attrs.field(default=0, **spec(UINT32, _docs.ROUTE_FLAGS))
    mtu: int = attrs.field(default=0, **spec(UINT32, _docs.ROUTE_MTU))


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
            Tagged({"host-tap": HostTap, "vhost-user": VhostUser, "vfio": Vfio}, newer={}),
            _docs.DEVICE,
        )
    )
    network_info: NetworkInfo = attrs.field(**spec(Object(NetworkInfo), _docs.NETWORK_INFO))


def _device_tuple(items: Iterable[DanDevice]) -> tuple[DanDevice, ...]:
    return tuple(items)


@attrs.frozen(kw_only=True, eq=False, repr=False)
class DanConfig:
    """A DAN config file, ``{dan_conf}/{sandbox_id}.json``: the devices of one sandbox."""

    __eq__ = model_eq
    __hash__ = model_hash
    __repr__ = model_repr

    netns: str | None = attrs.field(default=None, **spec(Nullable(NONEMPTY_STRING), _docs.NETNS))
    devices: tuple[DanDevice, ...] = attrs.field(
        converter=_device_tuple, **spec(Array(Object(DanDevice)), _docs.DEVICES)
    )

    def __attrs_post_init__(self) -> None:
        reject_shared_devices(self, self.devices)
