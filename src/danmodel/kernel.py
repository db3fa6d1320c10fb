"""Named Linux kernel values used by DAN fields, and the integer widths of the format.

The names are conveniences: a field holding one of these accepts any
in-range integer as well, since the format does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._kernel_enums import NeighborFlag, NudState, RouteScope

__all__ = [
    "IFF_NOARP",
    "IFNAMSIZ",
    "UINT32_MAX",
    "UINT64_MAX",
    "UNIX_SOCKET_PATH_MAX",
    "NeighborFlag",
    "NudState",
    "RouteScope",
]

UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1

IFNAMSIZ = 16
"""Size of a kernel interface name buffer; a name has at most ``IFNAMSIZ - 1`` bytes."""

UNIX_SOCKET_PATH_MAX = 107
"""Longest path (in bytes) that fits ``sockaddr_un.sun_path`` with its terminating NUL."""

IFF_NOARP = 0x80
"""Link flag: no ARP on this interface; the only interface flag runtime-rs passes on."""

_ENUMS = frozenset({"NeighborFlag", "NudState", "RouteScope"})


def __getattr__(name: str) -> object:
    # The enums are made on first use: creating an IntFlag class costs about a millisecond,
    # which a process that only reads and writes configs does not need to pay.
    if name in _ENUMS:
        from . import _kernel_enums

        value = getattr(_kernel_enums, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
