"""The enums of :mod:`danmodel.kernel`, made when first asked for there.

They are public as ``danmodel.kernel.RouteScope`` and so on (their
``__module__`` says so, for pickling and for the docs); this module only
keeps ``import danmodel`` from creating them.
"""

from __future__ import annotations

import enum

__all__ = ["NeighborFlag", "NudState", "RouteScope"]


class RouteScope(enum.IntEnum):
    """Route scopes (``RT_SCOPE_*``)."""

    __module__ = "danmodel.kernel"

    UNIVERSE = 0
    SITE = 200
    LINK = 253
    HOST = 254
    NOWHERE = 255


class NudState(enum.IntFlag):
    """Neighbor states (``NUD_*``)."""

    __module__ = "danmodel.kernel"

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

    __module__ = "danmodel.kernel"

    USE = 0x01
    SELF = 0x02
    MASTER = 0x04
    PROXY = 0x08
    EXT_LEARNED = 0x10
    OFFLOADED = 0x20
    STICKY = 0x40
    ROUTER = 0x80
