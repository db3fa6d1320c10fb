"""Named Linux kernel values used by DAN fields, and the integer widths of the format.

The names are conveniences: a field holding one of these accepts any
in-range integer as well, since the format does.
"""

from __future__ import annotations

import enum

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


class RouteScope(enum.IntEnum):
    """Route scopes (``RT_SCOPE_*``)."""

    UNIVERSE = 0
    SITE = 200
    LINK = 253
    HOST = 254
    NOWHERE = 255


class NudState(enum.IntFlag):
    """Neighbor states (``NUD_*``)."""

    NONE = 0x00
    INCOMPLETE = 0x01
    REACHABLE = 0x02
    STALE = 0x04
    DELAY = 0x08
    PROBE = 0x10
    FAILED = 0x20
    NOARP = 0x40
    PERMANENT = 0x80


class NeighborFlag(enum.IntFlag):
    """Neighbor flags (``NTF_*``)."""

    USE = 0x01
    SELF = 0x02
    MASTER = 0x04
    PROXY = 0x08
    EXT_LEARNED = 0x10
    OFFLOADED = 0x20
    STICKY = 0x40
    ROUTER = 0x80
