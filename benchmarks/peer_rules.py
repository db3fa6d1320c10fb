"""The value rules of the DAN format, written once for both benchmark peers.

Written from the format reference (not imported from danmodel, so the peers
stand on their own), with the rules danmodel applies: interface names as the
kernel's ``dev_valid_name`` checks them, unix socket path length, PCI and MAC
address texts, and addresses parsed into :mod:`ipaddress` objects with the same
strictness (a prefix is required where the format wants one, no netmask
spelling, no leading zeros, no IPv6 zone id, networks without host bits).

Every check raises ``ValueError`` with a message, the exception pydantic and
msgspec both turn into a validation error with the field's path.
Only the standard library is imported here.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from typing import Final, TypeAlias

__all__ = [
    "IFNAMSIZ",
    "MAC_OR_EMPTY_PATTERN",
    "MAC_PATTERN",
    "MAX_DOCUMENT_BYTES",
    "PCI_PATTERN",
    "UINT32_MAX",
    "UINT64_MAX",
    "UNIX_SOCKET_PATH_MAX",
    "IPAddress",
    "IPInterface",
    "IPNetwork",
    "check_document_size",
    "check_unique_devices",
    "interface_name",
    "ip_address",
    "ip_interface",
    "ip_network",
    "ip_text",
    "neighbor_ip",
    "socket_path",
]

IPAddress: TypeAlias = IPv4Address | IPv6Address
IPInterface: TypeAlias = IPv4Interface | IPv6Interface
IPNetwork: TypeAlias = IPv4Network | IPv6Network

UINT32_MAX: Final = 2**32 - 1
UINT64_MAX: Final = 2**64 - 1
IFNAMSIZ: Final = 16
UNIX_SOCKET_PATH_MAX: Final = 107
MAX_DOCUMENT_BYTES: Final = 16 * 1024 * 1024

# Anchored for both regex engines: pydantic-core's (Rust: `$` is the end of the text)
# and msgspec's (Python `re.search`: `\Z`, since `$` would also match before a final "\n").
_MAC = r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}"
MAC_PATTERN: Final = rf"^{_MAC}$"
MAC_OR_EMPTY_PATTERN: Final = rf"^(?:{_MAC})?$"
# Lower-case as in sysfs; the device is at most 0x1f and the function at most 7.
PCI_PATTERN: Final = r"^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$"


def python_pattern(pattern: str) -> str:
    """``pattern`` for Python's ``re.search``: the final ``$`` becomes ``\\Z``."""
    return pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern


# Bytes dev_valid_name() refuses: '/', ':', NUL and what the kernel's isspace() counts as
# space, which includes 0xa0 (so any character whose UTF-8 encoding holds that byte).
_NAME_REFUSED: Final = frozenset(b"/:\0 \t\n\v\f\r\xa0")


def interface_name(value: str) -> str:
    """A Linux interface name: 1 to 15 bytes of UTF-8, not ``.``/``..``, no refused byte."""
    encoded = value.encode("utf-8")
    if not encoded:
        raise ValueError("an interface name is not empty")
    if len(encoded) >= IFNAMSIZ:
        raise ValueError(f"interface name {value!r} is longer than {IFNAMSIZ - 1} bytes")
    if value in (".", ".."):
        raise ValueError(f"{value!r} is not a valid interface name")
    if not _NAME_REFUSED.isdisjoint(encoded):
        raise ValueError(f"interface name {value!r} holds '/', ':', NUL or white space")
    return value


def socket_path(value: str) -> str:
    """A unix socket path: not empty, no NUL, at most 107 bytes of UTF-8."""
    if not value:
        raise ValueError("a socket path is not empty")
    if "\0" in value:
        raise ValueError("a socket path holds no NUL")
    if len(value.encode("utf-8")) > UNIX_SOCKET_PATH_MAX:
        raise ValueError(f"a socket path holds at most {UNIX_SOCKET_PATH_MAX} bytes")
    return value


def ip_address(text: str) -> IPAddress:
    """A plain IPv4 or IPv6 address (no prefix, no zone id)."""
    if "%" in text:
        raise ValueError(f"IPv6 zone ids are not accepted: {text!r}")
    return IPv6Address(text) if ":" in text else IPv4Address(text)


def _address_and_prefix(text: str) -> tuple[IPAddress, int]:
    address_text, slash, prefix_text = text.partition("/")
    if not slash:
        raise ValueError(f"expected ip/prefix, found {text!r}")
    address = ip_address(address_text)
    if (
        not prefix_text.isascii()
        or not prefix_text.isdigit()
        or (prefix_text[0] == "0" and len(prefix_text) > 1)
        or int(prefix_text) > address.max_prefixlen
    ):
        raise ValueError(f"the prefix length of {text!r} is not 0 to {address.max_prefixlen}")
    return address, int(prefix_text)


def ip_interface(text: str) -> IPInterface:
    """An address with its prefix length, ``10.10.0.5/24`` (host bits allowed)."""
    address, prefix = _address_and_prefix(text)
    if address.version == 4:
        return IPv4Interface((address, prefix))
    return IPv6Interface((address, prefix))


def ip_network(text: str) -> IPNetwork:
    """A network, ``10.20.0.0/16``; host bits refused (``ipaddress``' strict mode)."""
    address, prefix = _address_and_prefix(text)
    if address.version == 4:
        return IPv4Network((address, prefix))
    return IPv6Network((address, prefix))


def neighbor_ip(text: str) -> IPAddress | IPInterface:
    """A neighbor address: ``ip/prefix`` gives an interface, a plain IP an address."""
    return ip_interface(text) if "/" in text else ip_address(text)


def ip_text(value: IPAddress | IPInterface | IPNetwork) -> str:
    """The text of an address, interface or network."""
    return str(value)


def check_document_size(text: str | bytes) -> None:
    """Refuse documents over 16 MiB, as danmodel does (characters are counted for ``str``)."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes")


def check_unique_devices(devices: Iterable[tuple[str, str, str]]) -> None:
    """Refuse two devices sharing a guest name, or a host key of one kind.

    Each item is ``(guest name, kind of host key, host key)``, e.g.
    ``("eth0", "tap name", "tap0")``.
    """
    seen: set[tuple[str, str]] = set()
    for name, what, key in devices:
        for item in (("guest name", name), (what, key)):
            if item in seen:
                raise ValueError(f"{item[0]} {item[1]!r} is used by two devices")
            seen.add(item)
