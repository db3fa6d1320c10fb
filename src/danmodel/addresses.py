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

Speed. A document of thousands of devices holds tens of thousands of
addresses, and the ``ipaddress`` constructors are slow (an ``IPv4Interface``
builds its network from scratch, twice parsing what it was given). Plainly
valid text takes a fast path here: the C library's ``inet_pton`` reads it,
and the objects are built by setting the state the standard constructors
would set. That state is private to ``ipaddress``, so it is checked once per
process, at the first fast construction, against the standard constructors
(:func:`fast_paths_agree`); when anything differs (a future Python) the
standard constructors are used instead. Text the fast path does not take
goes the standard way, which also words the error. The test suite checks
both paths against ``ipaddress`` on valid and near-valid text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from ipaddress import (
    AddressValueError,
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from typing import Any, TypeAlias

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
# Also for danmodel's own modules: ip_text, network_text, text_functions, fast_paths_agree,
# fastest.

IPAddress: TypeAlias = IPv4Address | IPv6Address
IPInterface: TypeAlias = IPv4Interface | IPv6Interface
IPNetwork: TypeAlias = IPv4Network | IPv6Network

_DIGITS = frozenset("0123456789")

# The C library's inet_pton and inet_ntop, from the C module behind `socket` (without the
# 7 ms of socket.py and selectors). Imported by the self-check: until it runs, the first
# addresses of a process are read and written by ipaddress alone, so a one-shot process
# (a CNI plugin, a validation) does not load it.
_inet_pton: Callable[[int, str], bytes] | None = None
_inet_ntop: Callable[[int, bytes], str] | None = None
_AF_INET = _AF_INET6 = -1


def _load_socket() -> None:
    global _inet_pton, _inet_ntop, _AF_INET, _AF_INET6
    if _inet_ntop is None:
        import _socket

        _AF_INET, _AF_INET6 = _socket.AF_INET, _socket.AF_INET6
        _inet_pton, _inet_ntop = _socket.inet_pton, _socket.inet_ntop


def _quote(text: str) -> str:
    shown = text if len(text) <= 60 else text[:57] + "..."
    return repr(shown)


# --- the standard way: any text, worded errors ------------------------------------------------

_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_PATTERN = rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}"
_ipv4_pattern: list[re.Pattern[str]] = []  # compiled on first use: not on the fast path


def _ipv4_int(text: str) -> int | None:
    """The value of dotted-quad IPv4 text, or None; accepts exactly what ``IPv4Address`` does.

    Four decimal octets of ASCII digits, no leading zeros, each at most 255.
    """
    if not _ipv4_pattern:
        _ipv4_pattern.append(re.compile(_IPV4_PATTERN))
    match = _ipv4_pattern[0].fullmatch(text)
    if match is None:
        return None
    a, b, c, d = match.groups()
    return (int(a) << 24) | (int(b) << 16) | (int(c) << 8) | int(d)


def _ipv6_int(text: str) -> int | None:
    """The value of IPv6 text (no zone id), or None; accepts what ``IPv6Address`` does.

    The C library's ``inet_pton`` is tried first (eight times cheaper) once it
    is loaded; what it refuses is asked of ``ipaddress``, so nothing ``ipaddress``
    accepts is lost. The test suite checks that the two agree on valid and
    near-valid text.
    """
    if _inet_pton is not None:
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


def _parse_ip(text: object) -> IPAddress:
    if type(text) is not str:
        raise ValueError(f"expected an IP address as text, found {shown(text)}")
    if "%" in text:
        raise ValueError(f"IPv6 zone ids are not supported by either runtime: {_quote(text)}")
    address = _address(text)
    if address is None:
        raise ValueError(f"expected an IPv4 or IPv6 address, found {_quote(text)}")
    return address


def _split_prefix(text: object, what: str) -> tuple[IPAddress, int]:
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


def _parse_interface(text: object) -> IPInterface:
    address, prefix = _split_prefix(text, "an address with prefix")
    # From the integer: given an address object, ipaddress would print and re-parse it.
    if address.version == 4:
        return IPv4Interface((int(address), prefix))
    return IPv6Interface((int(address), prefix))


def _parse_network(text: object) -> IPNetwork:
    address, prefix = _split_prefix(text, "a network")
    network: IPNetwork
    if address.version == 4:
        network = IPv4Network((int(address), prefix), strict=False)
    else:
        network = IPv6Network((int(address), prefix), strict=False)
    if network.network_address != address:
        raise ValueError(
            f"{_quote(str(text))} has host bits set; the network is {network} "
            f"(runtime-rs passes it on and the kernel rejects it)"
        )
    return network


# --- the fast way: plainly valid text, objects built from their state --------------------------

_V4_PREFIXES = {str(length): length for length in range(33)}
_V6_PREFIXES = {str(length): length for length in range(129)}
_V4_ALL = (1 << 32) - 1
_V6_ALL = (1 << 128) - 1
_new = object.__new__


def _v4_value(text: str) -> int | None:
    """The value of IPv4 text by ``inet_pton``, or None (then the standard way decides).

    Used once the self-check has passed, which loads ``inet_pton``.
    """
    try:
        return int.from_bytes(_inet_pton(_AF_INET, text), "big")  # type: ignore[misc]
    except (OSError, ValueError):  # ValueError: NUL or a lone surrogate
        return None


def _v6_value(text: str) -> int | None:
    """The value of IPv6 text by ``inet_pton``, or None (then the standard way decides).

    Before ``inet_pton`` is loaded (the self-check loads it), ``ipaddress`` reads
    the text (no zone id), which accepts all that ``inet_pton`` does.
    """
    if _inet_pton is None:
        if "%" in text:
            return None
        try:
            return int(IPv6Address(text))
        except AddressValueError:
            return None
    try:
        return int.from_bytes(_inet_pton(_AF_INET6, text), "big")
    except (OSError, ValueError):
        return None


def _masks(address: type, width: int) -> list[tuple[Any, int]]:
    """Per prefix length: the netmask as an address object, and as an integer."""
    full = (1 << width) - 1
    found = []
    for length in range(width + 1):
        mask = full ^ ((1 << (width - length)) - 1)
        netmask: Any = _new(address)
        netmask._ip = mask
        if address is IPv6Address:
            netmask._scope_id = None
        found.append((netmask, mask))
    return found


_V4_MASKS: list[tuple[IPv4Address, int]] = []
_V6_MASKS: list[tuple[IPv6Address, int]] = []


# Built as the standard constructors build them (the self-check makes sure): the
# locals are Any because the attributes set are private to ipaddress.


def _fast_v4_address(value: int) -> IPv4Address:
    address: Any = _new(IPv4Address)
    address._ip = value
    return address  # type: ignore[no-any-return]


def _fast_v6_address(value: int) -> IPv6Address:
    address: Any = _new(IPv6Address)
    address._ip = value
    address._scope_id = None
    return address  # type: ignore[no-any-return]


def _fast_v4_network(value: int, prefix: int, given: int) -> IPv4Network:
    """What ``IPv4Network((given, prefix), strict=False)`` builds; ``value`` is ``given`` masked."""
    network: Any = _new(IPv4Network)
    address: Any = _new(IPv4Address)
    address._ip = value
    network.network_address = address
    network.netmask = _V4_MASKS[prefix][0]
    network._prefixlen = prefix
    if prefix >= 31:
        if prefix == 31:
            network.hosts = network.__iter__
        else:
            network.hosts = lambda: [IPv4Address(given)]
    return network  # type: ignore[no-any-return]


def _fast_v6_network(value: int, prefix: int, given: int) -> IPv6Network:
    """What ``IPv6Network((given, prefix), strict=False)`` builds; ``value`` is ``given`` masked."""
    network: Any = _new(IPv6Network)
    address: Any = _new(IPv6Address)
    address._ip = value
    address._scope_id = None
    network.network_address = address
    network.netmask = _V6_MASKS[prefix][0]
    network._prefixlen = prefix
    if prefix >= 127:
        if prefix == 127:
            network.hosts = network.__iter__
        else:
            network.hosts = lambda: [IPv6Address(given)]
    return network  # type: ignore[no-any-return]


def _fast_v4_interface(value: int, prefix: int) -> IPv4Interface:
    netmask, mask = _V4_MASKS[prefix]
    # The network as _fast_v4_network builds it, in line (addresses are the bulk of a read).
    network: Any = _new(IPv4Network)
    address: Any = _new(IPv4Address)
    address._ip = value & mask
    network.network_address = address
    network.netmask = netmask
    network._prefixlen = prefix
    if prefix >= 31:
        if prefix == 31:
            network.hosts = network.__iter__
        else:
            network.hosts = lambda: [IPv4Address(value)]
    interface: Any = _new(IPv4Interface)
    interface._ip = value
    interface.network = network
    interface.netmask = netmask
    interface._prefixlen = prefix
    return interface  # type: ignore[no-any-return]


def _fast_v6_interface(value: int, prefix: int) -> IPv6Interface:
    netmask, mask = _V6_MASKS[prefix]
    # The network as _fast_v6_network builds it, in line.
    network: Any = _new(IPv6Network)
    address: Any = _new(IPv6Address)
    address._ip = value & mask
    address._scope_id = None
    network.network_address = address
    network.netmask = netmask
    network._prefixlen = prefix
    if prefix >= 127:
        if prefix == 127:
            network.hosts = network.__iter__
        else:
            network.hosts = lambda: [IPv6Address(value)]
    interface: Any = _new(IPv6Interface)
    interface._ip = value
    interface._scope_id = None
    interface.network = network
    interface.netmask = netmask
    interface._prefixlen = prefix
    return interface  # type: ignore[no-any-return]


def _standard_v4_network(value: int, prefix: int, given: int) -> IPv4Network:
    return IPv4Network((given, prefix), strict=False)


def _standard_v6_network(value: int, prefix: int, given: int) -> IPv6Network:
    return IPv6Network((given, prefix), strict=False)


def _standard_v4_interface(value: int, prefix: int) -> IPv4Interface:
    return IPv4Interface((value, prefix))


def _standard_v6_interface(value: int, prefix: int) -> IPv6Interface:
    return IPv6Interface((value, prefix))


# --- canonical text -------------------------------------------------------------------------


def ip_text(address: IPAddress | IPInterface) -> str:
    """Canonical text of an IP (an interface keeps its prefix), the same on every Python.

    IPv4-mapped IPv6 addresses are written ``::ffff:192.0.2.1`` (RFC 5952), as
    Python 3.13 does and older versions do not. Other IPv6 addresses are
    written as ``str()`` writes them, by the C library's ``inet_ntop`` where
    the two agree (everything but the ``::/96`` block, which ``inet_ntop``
    writes with a dotted quad): several times cheaper. The test suite checks it.
    """
    if address.version == 4:
        return str(address)
    text = _v6_text(int(address))
    if isinstance(address, IPv6Interface):
        return f"{text}/{address.network.prefixlen}"
    return text


def network_text(network: IPNetwork) -> str:
    """Canonical text of a network; see :func:`ip_text`."""
    if network.version == 6 and network.network_address.ipv4_mapped is not None:
        return f"{ip_text(network.network_address)}/{network.prefixlen}"
    return str(network)


def _v6_text(value: int) -> str:
    high = value >> 32
    if high == 0xFFFF:
        return f"::ffff:{IPv4Address(value & 0xFFFFFFFF)}"
    if high == 0 or _inet_ntop is None:
        return str(IPv6Address(value))
    return _inet_ntop(_AF_INET6, value.to_bytes(16, "big"))


_OCTET_TEXT = tuple(str(octet) for octet in range(256))


def _v4_text(value: int) -> str:
    """Dotted-quad text of an IPv4 value: twice as fast as ``inet_ntop``, four times ``str``."""
    o = _OCTET_TEXT
    return f"{o[value >> 24]}.{o[value >> 16 & 255]}.{o[value >> 8 & 255]}.{o[value & 255]}"


def _fast_ip_text(address: Any) -> str:
    """:func:`ip_text` from the state of the standard classes (see the self-check)."""
    kind = type(address)
    if kind is IPv4Interface:
        return f"{_v4_text(address._ip)}/{address._prefixlen}"
    if kind is IPv4Address:
        return _v4_text(address._ip)
    if kind is IPv6Interface:
        return f"{_v6_text(address._ip)}/{address._prefixlen}"
    if kind is IPv6Address:
        return _v6_text(address._ip)
    return ip_text(address)


def _fast_network_text(network: Any) -> str:
    """:func:`network_text` from the state of the standard classes (see the self-check)."""
    kind = type(network)
    if kind is IPv4Network:
        return f"{_v4_text(network.network_address._ip)}/{network._prefixlen}"
    if kind is IPv6Network:
        return f"{_v6_text(network.network_address._ip)}/{network._prefixlen}"
    return network_text(network)


def text_functions() -> tuple[Callable[[Any], str], Callable[[Any], str]]:
    """The fastest :func:`ip_text` and :func:`network_text` that the self-check allows.

    The standard ones until the self-check has run (see :data:`FAST`).
    """
    if FAST:
        return _fast_ip_text, _fast_network_text
    return ip_text, network_text


# --- the self-check, once per process -----------------------------------------------------------

# A sample of each case the fast constructors handle: a prefix with no list of hosts
# of its own, and the two longest (their networks set ``hosts``).
_V4_SAMPLES = ((0xC0A80105, 24), (0x0A000004, 31), (_V4_ALL, 32))
_V6_SAMPLES = (
    (0x2001_0DB8_0001_0000_0000_0000_0000_0005, 64),
    (0xFE80_0000_0000_0000_0000_0000_0000_0002, 127),
    (_V6_ALL, 128),
)
# Text on both sides of the IPv4 grammar: inet_pton must decide it as ipaddress does.
_V4_TEXTS = (
    "1.2.3.4",
    "01.2.3.4",
    "1.2.3.256",
    "1.2.3",
    "1.2.3.4.5",
    " 1.2.3.4",
    "0x1.2.3.4",
    "127.1",
)


_LAYOUTS: dict[type, tuple[tuple[str, ...], frozenset[str]]] = {}


def _layout(kind: type) -> tuple[tuple[str, ...], frozenset[str]]:
    """The slots of a class (its bases' too) and the names of its cached properties."""
    found = _LAYOUTS.get(kind)
    if found is None:
        slots: list[str] = []
        cached: set[str] = set()
        for klass in kind.__mro__:
            for name in klass.__dict__.get("__slots__", ()):
                if name not in ("__weakref__", "__dict__") and name not in slots:
                    slots.append(name)
            cached.update(
                name for name, item in vars(klass).items() if isinstance(item, cached_property)
            )
        found = _LAYOUTS.setdefault(kind, (tuple(slots), frozenset(cached)))
    return found


def _state(value: object) -> dict[str, object]:
    """Everything an ``ipaddress`` object holds: its slots and its ``__dict__``.

    Values of cached properties (``hostmask``, ...) are left out: they are
    derived from the rest when first asked for.
    """
    slots, cached = _layout(type(value))
    state = {name: getattr(value, name) for name in slots if hasattr(value, name)}
    for name, item in getattr(value, "__dict__", {}).items():
        if name not in cached:
            state[name] = item
    return state


def _same_state(fast: object, standard: object) -> bool:
    """Whether two ``ipaddress`` objects are of one class and hold the same state, in order."""
    if type(fast) is not type(standard):
        return False
    ours, theirs = _state(fast), _state(standard)
    if list(ours) != list(theirs):
        return False
    for name, value in theirs.items():
        mine = ours[name]
        if name == "hosts":
            if list(mine()) != list(value()):  # type: ignore[operator]
                return False
        elif isinstance(value, (IPv4Address, IPv6Address, IPv4Network, IPv6Network)):
            if not _same_state(mine, value):
                return False
        elif type(mine) is not type(value) or mine != value:
            return False
    return True


def _same(fast: object, standard: object) -> bool:
    """Whether two ``ipaddress`` objects hold the same state and behave alike."""
    return (
        _same_state(fast, standard)
        and fast == standard
        and not fast != standard  # noqa: SIM202
        and hash(fast) == hash(standard)
        and str(fast) == str(standard)
        and fast.__reduce_ex__(4) == standard.__reduce_ex__(4)
    )


def fast_paths_agree() -> bool:
    """Whether the fast parsing, construction and text give what the standard ways give.

    Compares, on a sample of each case they handle (IPv4 text on both sides
    of its grammar; interfaces with and without the host lists of the longest
    prefixes, with their networks; a network and an address of each version),
    the objects built, their state, how they compare, hash, print and pickle,
    and their canonical text.
    """
    _load_socket()
    if not _V6_MASKS:
        _V4_MASKS[:] = _masks(IPv4Address, 32)
        _V6_MASKS[:] = _masks(IPv6Address, 128)
    for text in _V4_TEXTS:
        try:
            expected: int | None = int(IPv4Address(text))
        except AddressValueError:
            expected = None
        if _v4_value(text) != expected:
            return False
    samples: list[tuple[Any, Any]] = [
        (_fast_v4_interface(value, prefix), IPv4Interface((value, prefix)))
        for value, prefix in _V4_SAMPLES
    ]
    samples += [
        (_fast_v6_interface(value, prefix), IPv6Interface((value, prefix)))
        for value, prefix in _V6_SAMPLES
    ]
    v4, v6 = _V4_SAMPLES[0][0], _V6_SAMPLES[0][0]
    samples += [
        (_fast_v4_address(v4), IPv4Address(v4)),
        (_fast_v6_address(v6), IPv6Address(v6)),
        (_fast_v4_network(v4 & ~0xFF, 24, v4 & ~0xFF), IPv4Network((v4 & ~0xFF, 24))),
        (_fast_v6_network(v6 >> 64 << 64, 64, v6 >> 64 << 64), IPv6Network((v6 >> 64 << 64, 64))),
    ]
    for fast, standard in samples:
        if not _same(fast, standard):
            return False
        if isinstance(standard, (IPv4Network, IPv6Network)):
            if _fast_network_text(standard) != network_text(standard):
                return False
        elif _fast_ip_text(standard) != ip_text(standard):
            return False
    return True


def _choose() -> None:
    """Pick the fast constructors if :func:`fast_paths_agree`, else the standard ones."""
    global _build_v4_interface, _build_v6_interface, _build_v4_network, _build_v6_network
    global _build_v4_address, _build_v6_address, _ipv4_value, FAST
    try:
        agree = fast_paths_agree()
    except Exception:  # anything unexpected: the standard way
        agree = False
    FAST = agree
    if agree:
        _build_v4_address, _build_v6_address = _fast_v4_address, _fast_v6_address
        _build_v4_interface, _build_v6_interface = _fast_v4_interface, _fast_v6_interface
        _build_v4_network, _build_v6_network = _fast_v4_network, _fast_v6_network
        _ipv4_value = _v4_value
    else:
        _build_v4_address, _build_v6_address = IPv4Address, IPv6Address
        _build_v4_interface, _build_v6_interface = _standard_v4_interface, _standard_v6_interface
        _build_v4_network, _build_v6_network = _standard_v4_network, _standard_v6_network
        _ipv4_value = _ipv4_int


# Until then, the first addresses are built by the standard constructors: a process that
# reads a small document (a CNI plugin, a one-shot validation) never pays for the check.
CHECK_AFTER = 256
"""Addresses built the standard way before the self-check runs and the fast way may start."""
_built = 0


def _due() -> bool:
    """Count one address built the standard way; True (after choosing) when the check is due."""
    global _built
    _built += 1
    if _built <= CHECK_AFTER:
        return False
    _choose()
    return True


def _first_v4_address(value: int) -> IPv4Address:
    return _build_v4_address(value) if _due() else IPv4Address(value)


def _first_v6_address(value: int) -> IPv6Address:
    return _build_v6_address(value) if _due() else IPv6Address(value)


def _first_v4_interface(value: int, prefix: int) -> IPv4Interface:
    return _build_v4_interface(value, prefix) if _due() else IPv4Interface((value, prefix))


def _first_v6_interface(value: int, prefix: int) -> IPv6Interface:
    return _build_v6_interface(value, prefix) if _due() else IPv6Interface((value, prefix))


def _first_v4_network(value: int, prefix: int, given: int) -> IPv4Network:
    if _due():
        return _build_v4_network(value, prefix, given)
    return IPv4Network((given, prefix), strict=False)


def _first_v6_network(value: int, prefix: int, given: int) -> IPv6Network:
    if _due():
        return _build_v6_network(value, prefix, given)
    return IPv6Network((given, prefix), strict=False)


def _first_ipv4_value(text: str) -> int | None:
    """Before the check: the value ``IPv4Address`` reads, or None."""
    if FAST is not None:
        return _ipv4_value(text)
    try:
        return int(IPv4Address(text))
    except AddressValueError:
        return None


FAST: bool | None = None
"""Whether the fast constructors are in use; None until the self-check has run."""

# Until the self-check, these count the addresses built; after it they are rebound.
_build_v4_address: Callable[[int], IPv4Address] = _first_v4_address
_build_v6_address: Callable[[int], IPv6Address] = _first_v6_address
_build_v4_interface: Callable[[int, int], IPv4Interface] = _first_v4_interface
_build_v6_interface: Callable[[int, int], IPv6Interface] = _first_v6_interface
_build_v4_network: Callable[[int, int, int], IPv4Network] = _first_v4_network
_build_v6_network: Callable[[int, int, int], IPv6Network] = _first_v6_network
_ipv4_value: Callable[[str], int | None] = _first_ipv4_value


# --- the parsers ------------------------------------------------------------------------------


def parse_ip(text: str) -> IPAddress:
    """Parse a plain IPv4 or IPv6 address (no prefix, no zone id)."""
    if type(text) is str:
        if ":" in text:
            value = _v6_value(text)
            if value is not None:
                return _build_v6_address(value)
        else:
            value = _ipv4_value(text)
            if value is not None:
                return _build_v4_address(value)
    return _parse_ip(text)


def parse_interface(text: str) -> IPInterface:
    """Parse an address with its prefix length, ``10.10.0.5/24`` (host bits allowed)."""
    if type(text) is str:
        address_text, _, prefix_text = text.partition("/")
        if ":" in address_text:
            prefix = _V6_PREFIXES.get(prefix_text)
            value = _v6_value(address_text)
            if prefix is not None and value is not None:
                return _build_v6_interface(value, prefix)
        else:
            prefix = _V4_PREFIXES.get(prefix_text)
            value = _ipv4_value(address_text)
            if prefix is not None and value is not None:
                return _build_v4_interface(value, prefix)
    return _parse_interface(text)


def parse_network(text: str) -> IPNetwork:
    """Parse a network, ``10.20.0.0/16``; host bits must be zero."""
    if type(text) is str:
        address_text, _, prefix_text = text.partition("/")
        if ":" in address_text:
            prefix = _V6_PREFIXES.get(prefix_text)
            value = _v6_value(address_text)
            if prefix is not None and value is not None and not value & _V6_ALL >> prefix:
                return _build_v6_network(value, prefix, value)
        else:
            prefix = _V4_PREFIXES.get(prefix_text)
            value = _ipv4_value(address_text)
            if prefix is not None and value is not None and not value & _V4_ALL >> prefix:
                return _build_v4_network(value, prefix, value)
    return _parse_network(text)


def parse_neighbor_ip(text: str) -> IPAddress | IPInterface:
    """Parse a neighbor address: ``ip/prefix`` gives an interface, a plain IP an address.

    runtime-rs reads only the first spelling and the Go runtime only the second,
    so the value keeps the spelling it was given.
    """
    if type(text) is str and "/" in text:
        return parse_interface(text)
    return parse_ip(text)


# --- the parsers of generated readers ---------------------------------------------------------
#
# The fast readers (danmodel._fast_reader) are generated once a process has read a few
# documents: it reads many. They take these instead of the parsers above: the same results
# and errors once the self-check has passed (the test suite holds them to it), in one
# function each, without the calls through the rebindable helpers. They build the objects
# with the fast constructors the self-check compares with the standard ones.

_from_bytes = int.from_bytes


def _fast_parse_ip(text: str) -> IPAddress:
    """:func:`parse_ip` when the fast constructors are in use."""
    if type(text) is str:
        try:
            packed = _inet_pton(_AF_INET6 if ":" in text else _AF_INET, text)  # type: ignore[misc]
        except (OSError, ValueError):
            pass
        else:
            if len(packed) == 4:
                return _fast_v4_address(_from_bytes(packed, "big"))
            return _fast_v6_address(_from_bytes(packed, "big"))
    return _parse_ip(text)


def _prefixed(text: object) -> tuple[bool, int, int] | None:
    """``IP/PREFIX`` text as (IPv6?, the IP as an integer, the prefix length); None for
    anything else (the standard parser then says what is wrong)."""
    if type(text) is not str:
        return None
    address_text, _, prefix_text = text.partition("/")
    v6 = ":" in address_text
    prefix = (_V6_PREFIXES if v6 else _V4_PREFIXES).get(prefix_text)
    if prefix is None:
        return None
    try:
        packed = _inet_pton(_AF_INET6 if v6 else _AF_INET, address_text)  # type: ignore[misc]
    except (OSError, ValueError):
        return None
    return v6, _from_bytes(packed, "big"), prefix


def _fast_parse_interface(text: str) -> IPInterface:
    """:func:`parse_interface` when the fast constructors are in use."""
    found = _prefixed(text)
    if found is not None:
        v6, value, prefix = found
        if v6:
            return _fast_v6_interface(value, prefix)
        return _fast_v4_interface(value, prefix)
    return _parse_interface(text)


def _fast_parse_network(text: str) -> IPNetwork:
    """:func:`parse_network` when the fast constructors are in use."""
    found = _prefixed(text)
    if found is not None:
        v6, value, prefix = found
        if v6:
            if not value & _V6_ALL >> prefix:
                return _fast_v6_network(value, prefix, value)
        elif not value & _V4_ALL >> prefix:
            return _fast_v4_network(value, prefix, value)
    return _parse_network(text)


def _fast_parse_neighbor_ip(text: str) -> IPAddress | IPInterface:
    """:func:`parse_neighbor_ip` when the fast constructors are in use."""
    if type(text) is str and "/" in text:
        return _fast_parse_interface(text)
    return _fast_parse_ip(text)


_FASTEST: dict[Callable[[str], object], Callable[[str], object]] = {
    parse_ip: _fast_parse_ip,
    parse_interface: _fast_parse_interface,
    parse_network: _fast_parse_network,
    parse_neighbor_ip: _fast_parse_neighbor_ip,
}


def fastest(parse: Callable[[str], object]) -> Callable[[str], object]:
    """The function a generated reader calls for ``parse``: the same results and errors.

    Runs the self-check if it has not run yet (a process that generates
    readers reads many documents); ``parse`` itself when it fails, or when
    ``parse`` is not one of this module's parsers.
    """
    if FAST is None:
        _choose()
    if FAST:
        return _FASTEST.get(parse, parse)
    return parse
