"""Strict parsers for the address texts a DAN config holds.

They accept exactly what both Kata runtimes parse and return :mod:`ipaddress`
objects. Each raises ``ValueError`` with a message saying what was found and
what was expected. Zone ids (``fe80::1%eth0``) are refused: neither runtime
parses them.

>>> parse_interface("10.10.0.5/24")
IPv4Interface('10.10.0.5/24')
>>> parse_network("2001:db8::/32")
IPv6Network('2001:db8::/32')
>>> parse_ip("10.0.0.1")
IPv4Address('10.0.0.1')
"""

from __future__ import annotations

import re

# The C module behind `socket`: the same inet_pton, without the 7 ms of importing
# socket.py (and selectors) that a one-shot CNI plugin process would pay.
from _socket import AF_INET6 as _AF_INET6
from _socket import inet_pton as _inet_pton
from ipaddress import (
    AddressValueError,
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from typing import TypeAlias

from ._paths import shown

__all__ = [
    "IPAddress",
    "IPInterface",
    "IPNetwork",
    "parse_interface",
    "parse_ip",
    "parse_neighbor_ip",
    "parse_network",
]

IPAddress: TypeAlias = IPv4Address | IPv6Address
IPInterface: TypeAlias = IPv4Interface | IPv6Interface
IPNetwork: TypeAlias = IPv4Network | IPv6Network

_DIGITS = frozenset("0123456789")


def _quote(text: str) -> str:
    shown = text if len(text) <= 60 else text[:57] + "..."
    return repr(shown)


_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")


def _ipv4_int(text: str) -> int | None:
    """The value of dotted-quad IPv4 text, or None; accepts exactly what ``IPv4Address`` does.

    Four decimal octets of ASCII digits, no leading zeros, each at most 255.
    Several times cheaper than ``IPv4Address(text)``, which matters for
    documents of thousands of addresses; the test suite checks agreement.
    """
    match = _IPV4.fullmatch(text)
    if match is None:
        return None
    a, b, c, d = match.groups()
    return (int(a) << 24) | (int(b) << 16) | (int(c) << 8) | int(d)


def _ipv6_int(text: str) -> int | None:
    """The value of IPv6 text (no zone id), or None; accepts what ``IPv6Address`` does.

    The C library's ``inet_pton`` is tried first (eight times cheaper); what
    it refuses is asked of ``ipaddress``, so nothing ``ipaddress`` accepts is
    lost. The test suite checks that the two agree on valid and near-valid text.
    """
    try:
        return int.from_bytes(_inet_pton(_AF_INET6, text), "big")
    except (OSError, ValueError):  # ValueError: NUL or non-ASCII text
        pass
    try:
        return int(IPv6Address(text))
    except AddressValueError:
        return None


def _address(text: str) -> IPAddress | None:
    """An address from text without a prefix or zone id, or None."""
    value = _ipv6_int(text) if ":" in text else _ipv4_int(text)
    if value is None:
        return None
    return IPv6Address(value) if ":" in text else IPv4Address(value)


def parse_ip(text: str) -> IPAddress:
    """Parse a plain IPv4 or IPv6 address (no prefix, no zone id)."""
    if type(text) is not str:
        raise ValueError(f"expected an IP address as text, found {shown(text)}")
    if "%" in text:
        raise ValueError(f"IPv6 zone ids are not supported by either runtime: {_quote(text)}")
    address = _address(text)
    if address is None:
        raise ValueError(f"expected an IPv4 or IPv6 address, found {_quote(text)}")
    return address


def _split_prefix(text: str, what: str) -> tuple[IPAddress, int]:
    if type(text) is not str:
        raise ValueError(f"expected {what} as text, found {shown(text)}")
    address_text, slash, prefix_text = text.partition("/")
    if not slash:
        raise ValueError(f"expected {what} in the form ip/prefix, found {_quote(text)}")
    if "%" in text:
        raise ValueError(f"IPv6 zone ids are not supported by either runtime: {_quote(text)}")
    address = _address(address_text)
    if address is None:
        raise ValueError(f"expected {what} in the form ip/prefix, found {_quote(text)}")
    width = address.max_prefixlen
    if (
        not prefix_text
        or not _DIGITS.issuperset(prefix_text)
        or (len(prefix_text) > 1 and prefix_text[0] == "0")
        or len(prefix_text) > 3
        or int(prefix_text) > width
    ):
        raise ValueError(
            f"the prefix length of {_quote(text)} must be a whole number from 0 to {width}"
        )
    return address, int(prefix_text)


def parse_interface(text: str) -> IPInterface:
    """Parse an address with its prefix length, ``10.10.0.5/24`` (host bits allowed)."""
    address, prefix = _split_prefix(text, "an address with prefix")
    # From the integer: given an address object, ipaddress would print and re-parse it.
    if address.version == 4:
        return IPv4Interface((int(address), prefix))
    return IPv6Interface((int(address), prefix))


def parse_network(text: str) -> IPNetwork:
    """Parse a network, ``10.20.0.0/16``; host bits must be zero."""
    address, prefix = _split_prefix(text, "a network")
    network: IPNetwork
    if address.version == 4:
        network = IPv4Network((int(address), prefix), strict=False)
    else:
        network = IPv6Network((int(address), prefix), strict=False)
    if network.network_address != address:
        raise ValueError(
            f"{_quote(text)} has host bits set; the network is {network} "
            f"(runtime-rs passes it on and the kernel rejects it)"
        )
    return network


def parse_neighbor_ip(text: str) -> IPAddress | IPInterface:
    """Parse a neighbor address: ``ip/prefix`` gives an interface, a plain IP an address.

    runtime-rs reads only the first spelling and the Go runtime only the second,
    so the value keeps the spelling it was given.
    """
    if type(text) is str and "/" in text:
        return parse_interface(text)
    return parse_ip(text)
