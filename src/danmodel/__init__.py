"""danmodel: the data model of Kata Containers' Directly Attachable Network (DAN) config files.

The names here are those of format revision 2, the current one;
:mod:`danmodel.v1` holds revision 1.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from . import v1, v2
from ._model import DEFAULT_QUEUE_SIZE
from .addresses import parse_interface, parse_ip, parse_neighbor_ip, parse_network
from .codec import MAX_DOCUMENT_BYTES, dump, dumps, from_dict, load, loads, to_dict
from .errors import DanError, IgnoredKeysWarning, Problem, ValidationError
from .kernel import IFF_NOARP, NeighborFlag, NudState, RouteScope
from .mac import MacAddress
from .revisions import downgrade, upgrade
from .v2 import (
    DanConfig,
    DanDevice,
    Device,
    HostTap,
    Interface,
    Neighbor,
    NetworkInfo,
    Route,
    Vfio,
    VhostUser,
)

if TYPE_CHECKING:
    from .findings import Finding, ProfileRejectedError, Severity, check, check_file
    from .runtimes import Profile, ProfileError, profile

# Imported on first use, to keep `import danmodel` light for one-shot processes
# (a CNI plugin that writes a file need not load the runtime rules).
_LAZY = {
    "Finding": "findings",
    "ProfileRejectedError": "findings",
    "Severity": "findings",
    "check": "findings",
    "check_file": "findings",
    "Profile": "runtimes",
    "ProfileError": "runtimes",
    "profile": "runtimes",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_QUEUE_SIZE",
    "IFF_NOARP",
    "MAX_DOCUMENT_BYTES",
    "DanConfig",
    "DanDevice",
    "DanError",
    "Device",
    "Finding",
    "HostTap",
    "IgnoredKeysWarning",
    "Interface",
    "MacAddress",
    "Neighbor",
    "NeighborFlag",
    "NetworkInfo",
    "NudState",
    "Problem",
    "Profile",
    "ProfileError",
    "ProfileRejectedError",
    "Route",
    "RouteScope",
    "Severity",
    "ValidationError",
    "Vfio",
    "VhostUser",
    "check",
    "check_file",
    "downgrade",
    "dump",
    "dumps",
    "from_dict",
    "load",
    "loads",
    "parse_interface",
    "parse_ip",
    "parse_neighbor_ip",
    "parse_network",
    "profile",
    "to_dict",
    "upgrade",
    "v1",
    "v2",
]
