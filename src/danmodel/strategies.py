"""Hypothesis strategies for every danmodel class, to fuzz code that handles DAN configs.

Every strategy draws valid objects built through the public constructors,
with integers over their whole range (edges included), real IPv4 and IPv6
values and non-ASCII text. Revision-aware strategies take ``revision`` (1 or
2, default 2) and draw the classes of :mod:`danmodel.v1` or
:mod:`danmodel.v2`.

>>> from hypothesis import given
>>> from danmodel import strategies
>>> @given(strategies.dan_configs())
... def test_round_trip(config): ...

Needs hypothesis: ``pip install 'danmodel[strategies]'``. ``import danmodel``
does not import this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from typing import Literal, overload

try:
    from hypothesis import strategies as st
    from hypothesis.strategies import SearchStrategy
except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "danmodel.strategies needs hypothesis: pip install 'danmodel[strategies]'"
    ) from error

from . import v1, v2
from ._model import HostTap, Interface, Neighbor, VhostUser
from .kernel import IFNAMSIZ, UINT32_MAX, UINT64_MAX, UNIX_SOCKET_PATH_MAX, RouteScope
from .mac import MacAddress
from .revisions import revision as find_revision
from .v2 import Vfio

__all__ = [
    "dan_configs",
    "dan_devices",
    "host_taps",
    "interface_names",
    "interfaces",
    "ip_addresses",
    "ip_interfaces",
    "mac_addresses",
    "neighbor_ips",
    "neighbors",
    "network_infos",
    "networks",
    "pci_addresses",
    "routes",
    "socket_paths",
    "uint32s",
    "uint64s",
    "vfios",
    "vhost_users",
]

_MAX_ITEMS = 4
"""Longest list of routes, neighbors or addresses drawn: keeps tests fast."""


def _check_revision(revision: int) -> None:
    find_revision(revision)


# --- scalars -------------------------------------------------------------------------------


def _unsigned(maximum: int, named: Sequence[int] = ()) -> SearchStrategy[int]:
    edges = sorted({0, 1, maximum - 1, maximum, *(int(value) for value in named)})
    return st.one_of(st.sampled_from(edges), st.integers(min_value=0, max_value=maximum))


def uint32s() -> SearchStrategy[int]:
    """Integers 0 to 2**32 - 1, edges included."""
    return _unsigned(UINT32_MAX, (0x80, 2**31 - 1, 2**31))


def uint64s() -> SearchStrategy[int]:
    """Integers 0 to 2**64 - 1 (an interface MTU), edges and common MTUs included."""
    return _unsigned(UINT64_MAX, (1280, 1500, 9000, UINT32_MAX, 2**32, 2**63))


def _text(*, min_size: int = 0) -> SearchStrategy[str]:
    """Any valid Unicode text (no lone surrogates)."""
    return st.text(st.characters(codec="utf-8"), min_size=min_size)


def mac_addresses() -> SearchStrategy[MacAddress]:
    """Any 48-bit MAC address (unicast, multicast, broadcast, zero)."""
    return st.one_of(
        st.sampled_from([b"\x00" * 6, b"\xff" * 6]),
        st.binary(min_size=6, max_size=6),
    ).map(MacAddress)


_IPV4_EDGES = [
    IPv4Address(text)
    for text in ("0.0.0.0", "255.255.255.255", "127.0.0.1", "10.0.0.1", "169.254.0.1")
]
_IPV6_EDGES = [
    IPv6Address(text)
    for text in (
        "::",
        "::1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "fe80::1",
        "::ffff:10.0.0.1",
        "64:ff9b::a00:1",
        "2001:db8::1",
    )
]


def _ipv4_addresses() -> SearchStrategy[IPv4Address]:
    # Drawn as integers: several times cheaper than st.ip_addresses().
    return st.one_of(
        st.sampled_from(_IPV4_EDGES), st.integers(min_value=0, max_value=2**32 - 1).map(IPv4Address)
    )


def _ipv6_addresses() -> SearchStrategy[IPv6Address]:
    return st.one_of(
        st.sampled_from(_IPV6_EDGES),
        st.integers(min_value=0, max_value=2**128 - 1).map(IPv6Address),
    )


def ip_addresses() -> SearchStrategy[IPv4Address | IPv6Address]:
    """A plain IPv4 or IPv6 address (no zone id); IPv4-mapped IPv6 addresses included."""
    return st.one_of(_ipv4_addresses(), _ipv6_addresses())


def _ipv4_interfaces() -> SearchStrategy[IPv4Interface]:
    return st.builds(
        lambda address, prefix: IPv4Interface((address, prefix)),
        _ipv4_addresses(),
        st.integers(min_value=0, max_value=32),
    )


def _ipv6_interfaces() -> SearchStrategy[IPv6Interface]:
    return st.builds(
        lambda address, prefix: IPv6Interface((address, prefix)),
        _ipv6_addresses(),
        st.integers(min_value=0, max_value=128),
    )


def ip_interfaces() -> SearchStrategy[IPv4Interface | IPv6Interface]:
    """An address with any prefix length, host bits allowed (``10.10.0.5/24``)."""
    return st.one_of(_ipv4_interfaces(), _ipv6_interfaces())


def networks() -> SearchStrategy[IPv4Network | IPv6Network]:
    """A network with any prefix length and no host bits (``10.20.0.0/16``)."""
    return st.one_of(
        _ipv4_interfaces().map(lambda interface: interface.network),
        _ipv6_interfaces().map(lambda interface: interface.network),
    )


def neighbor_ips() -> SearchStrategy[IPv4Address | IPv6Address]:
    """A neighbor address: a plain address, or an interface (the ``ip/prefix`` spelling)."""
    return st.one_of(ip_addresses(), ip_interfaces())


def _fit(limit: int) -> Callable[[str], str]:
    """Keep the longest prefix of a text that fits in ``limit`` UTF-8 bytes."""

    def fit(text: str) -> str:
        size = 0
        for index, char in enumerate(text):
            size += len(char.encode("utf-8"))
            if size > limit:
                return text[:index]
        return text

    return fit


_IFNAME_FORBIDDEN = "/:\0 \t\n\v\f\r"


def _kernel_name(text: str) -> str:
    # The kernel's isspace() works on bytes and counts 0xA0 as a space, so a
    # character whose UTF-8 holds that byte (e.g. "\u00e0" = c3 a0) cannot be part
    # of a Linux interface name: replace it.
    return "".join("_" if b"\xa0" in char.encode("utf-8") else char for char in text)


def interface_names() -> SearchStrategy[str]:
    """A Linux interface name: 1-15 UTF-8 bytes, no '/', ':', NUL or whitespace, not '.'/'..'.

    Non-ASCII names are drawn too.
    """
    ascii_names = st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=_IFNAME_FORBIDDEN),
        min_size=1,
        max_size=IFNAMSIZ - 1,
    )
    any_names = st.text(
        st.characters(codec="utf-8", exclude_characters=_IFNAME_FORBIDDEN),
        min_size=1,
        max_size=IFNAMSIZ - 1,
    ).map(_kernel_name)
    return (
        st.one_of(ascii_names, any_names)
        .map(_fit(IFNAMSIZ - 1))
        .filter(lambda name: name not in (".", ".."))
    )


def socket_paths() -> SearchStrategy[str]:
    """A unix socket path: non-empty, at most 107 UTF-8 bytes, no NUL."""
    limit = UNIX_SOCKET_PATH_MAX
    path_like = st.text(
        st.sampled_from("/-_.0123456789abcdefghijklmnopqrstuvwxyz"), min_size=1, max_size=limit
    )
    any_path = st.text(
        st.characters(codec="utf-8", exclude_characters="\0"), min_size=1, max_size=limit + 8
    ).map(_fit(limit))
    return st.one_of(path_like, any_path)


def pci_addresses() -> SearchStrategy[str]:
    """A host PCI address ``DDDD:BB:DD.F`` in lower case (device <= 1f, function <= 7)."""
    return st.builds(
        "{:04x}:{:02x}:{:02x}.{:x}".format,
        st.integers(min_value=0, max_value=0xFFFF),
        st.integers(min_value=0, max_value=0xFF),
        st.integers(min_value=0, max_value=0x1F),
        st.integers(min_value=0, max_value=7),
    )


# --- shared classes ----------------------------------------------------------------------


def host_taps() -> SearchStrategy[HostTap]:
    """A ``host-tap`` device."""
    return st.builds(HostTap, tap_name=interface_names(), queue_num=uint32s(), queue_size=uint32s())


def vhost_users() -> SearchStrategy[VhostUser]:
    """A ``vhost-user`` device."""
    return st.builds(VhostUser, path=socket_paths(), queue_num=uint32s(), queue_size=uint32s())


def vfios() -> SearchStrategy[Vfio]:
    """A ``vfio`` device (revision 2)."""
    return st.builds(Vfio, pci_device_id=pci_addresses())


def interfaces() -> SearchStrategy[Interface]:
    """A guest interface configuration (up to 4 addresses)."""
    return st.builds(
        Interface,
        ip_addresses=st.lists(ip_interfaces(), max_size=_MAX_ITEMS),
        mtu=uint64s(),
        ntype=_text(),
        flags=uint32s(),
    )


def neighbors() -> SearchStrategy[Neighbor]:
    """A neighbor entry; its address is None, plain or ``ip/prefix``."""
    return st.builds(
        Neighbor,
        ip_address=st.none() | neighbor_ips(),
        hardware_addr=st.none() | mac_addresses(),
        state=uint32s(),
        flags=uint32s(),
    )


# --- revision-dependent classes ------------------------------------------------------------


@overload
def routes(revision: Literal[2] = ...) -> SearchStrategy[v2.Route]: ...
@overload
def routes(revision: Literal[1]) -> SearchStrategy[v1.Route]: ...
@overload
def routes(
    revision: int,
) -> SearchStrategy[v1.Route | v2.Route]: ...
def routes(revision: int = 2) -> SearchStrategy[v1.Route | v2.Route]:
    """A route; revision 1 has no ``flags`` and ``mtu``."""
    _check_revision(revision)
    common = {
        "dest": st.none() | networks(),
        "gateway": st.none() | ip_addresses(),
        "source": st.none() | ip_addresses(),
        "scope": _unsigned(UINT32_MAX, [int(scope) for scope in RouteScope]),
    }
    if revision == 1:
        return st.builds(v1.Route, **common)
    return st.builds(v2.Route, **common, flags=uint32s(), mtu=uint32s())


@overload
def network_infos(revision: Literal[2] = ...) -> SearchStrategy[v2.NetworkInfo]: ...
@overload
def network_infos(revision: Literal[1]) -> SearchStrategy[v1.NetworkInfo]: ...
@overload
def network_infos(
    revision: int,
) -> SearchStrategy[v1.NetworkInfo | v2.NetworkInfo]: ...
def network_infos(
    revision: int = 2,
) -> SearchStrategy[v1.NetworkInfo | v2.NetworkInfo]:
    """A device's guest network configuration (up to 4 routes and 4 neighbors)."""
    _check_revision(revision)
    neighbor_lists = st.lists(neighbors(), max_size=_MAX_ITEMS)
    if revision == 1:
        return st.builds(
            v1.NetworkInfo,
            interface=interfaces(),
            routes=st.lists(routes(1), max_size=_MAX_ITEMS),
            neighbors=neighbor_lists,
        )
    return st.builds(
        v2.NetworkInfo,
        interface=interfaces(),
        routes=st.lists(routes(2), max_size=_MAX_ITEMS),
        neighbors=neighbor_lists,
    )


@overload
def dan_devices(revision: Literal[2] = ...) -> SearchStrategy[v2.DanDevice]: ...
@overload
def dan_devices(revision: Literal[1]) -> SearchStrategy[v1.DanDevice]: ...
@overload
def dan_devices(
    revision: int,
) -> SearchStrategy[v1.DanDevice | v2.DanDevice]: ...
def dan_devices(
    revision: int = 2,
) -> SearchStrategy[v1.DanDevice | v2.DanDevice]:
    """A device of a config; revision 1 draws no ``vfio`` devices."""
    _check_revision(revision)
    if revision == 1:
        return st.builds(
            v1.DanDevice,
            name=interface_names(),
            guest_mac=mac_addresses(),
            device=st.one_of(host_taps(), vhost_users()),
            network_info=network_infos(1),
        )
    return st.builds(
        v2.DanDevice,
        name=interface_names(),
        guest_mac=mac_addresses(),
        device=st.one_of(host_taps(), vhost_users(), vfios()),
        network_info=network_infos(2),
    )


def _guest_name(device: v1.DanDevice | v2.DanDevice) -> str:
    return device.name


def _host_key(device: v1.DanDevice | v2.DanDevice) -> tuple[str, str]:
    host = device.device
    if isinstance(host, HostTap):
        return ("tap name", host.tap_name)
    if isinstance(host, VhostUser):
        return ("socket path", host.path)
    return ("PCI address", host.pci_device_id)


@overload
def dan_configs(
    revision: Literal[2] = ..., *, min_devices: int = ..., max_devices: int = ...
) -> SearchStrategy[v2.DanConfig]: ...
@overload
def dan_configs(
    revision: Literal[1], *, min_devices: int = ..., max_devices: int = ...
) -> SearchStrategy[v1.DanConfig]: ...
@overload
def dan_configs(
    revision: int, *, min_devices: int = ..., max_devices: int = ...
) -> SearchStrategy[v1.DanConfig | v2.DanConfig]: ...
def dan_configs(
    revision: int = 2, *, min_devices: int = 0, max_devices: int = 4
) -> SearchStrategy[v1.DanConfig | v2.DanConfig]:
    """A whole config: guest names, tap names, socket paths and PCI addresses are unique."""
    _check_revision(revision)
    netns = st.none() | _text(min_size=1)
    unique = (_guest_name, _host_key)
    if revision == 1:
        return st.builds(
            v1.DanConfig,
            netns=netns,
            devices=st.lists(
                dan_devices(1), min_size=min_devices, max_size=max_devices, unique_by=unique
            ),
        )
    return st.builds(
        v2.DanConfig,
        netns=netns,
        devices=st.lists(
            dan_devices(2), min_size=min_devices, max_size=max_devices, unique_by=unique
        ),
    )
