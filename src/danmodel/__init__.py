"""danmodel: the data model of Kata Containers' Directly Attachable Network (DAN) config files.

The names here are those of format revision 2, the current one;
:mod:`danmodel.v1` holds revision 1.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from . import codec, v2
from ._model import DEFAULT_QUEUE_SIZE
from .addresses import parse_interface, parse_ip, parse_neighbor_ip, parse_network
from .codec import MAX_DOCUMENT_BYTES, dump, dumps, from_dict, load, loads, to_dict
from .errors import DanError, IgnoredKeysWarning, Problem, ValidationError
from .kernel import IFF_NOARP
from .mac import MacAddress
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
    from . import v1
    from ._conversion import Converted

    # Type checkers see ``danmodel.check`` as the function the callable subpackage
    # runs; import the subpackage's other names with ``from danmodel.check import``.
    from .check import (
        Finding,
        Profile,
        ProfileError,
        ProfileRejectedError,
        Severity,
        check_file,
        profile,
    )
    from .check.checker import check as check
    from .kernel import NeighborFlag, NudState, RouteScope
    from .revisions import downgrade, upgrade

# Imported on first use, to keep `import danmodel` light for one-shot processes
# (a CNI plugin that writes a file need not load the runtime rules, nor revision 1).
_LAZY = {
    "downgrade": "revisions",
    "NeighborFlag": "kernel",
    "NudState": "kernel",
    "RouteScope": "kernel",
    "upgrade": "revisions",
    "Converted": "_conversion",
    "Finding": "check",
    "ProfileRejectedError": "check",
    "Severity": "check",
    "check_file": "check",
    "Profile": "check",
    "ProfileError": "check",
    "profile": "check",
}


def __getattr__(name: str) -> object:
    if name in ("check", "revisions", "v1"):  # subpackages and modules (check is callable)
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def _prepare_for_runtime(config: object, runtime: object) -> object:
    """``dumps(..., profile=...)``: the config spelled for a runtime (loads the rules)."""
    from .check.spelling import prepare

    return prepare(config, runtime)  # type: ignore[type-var, arg-type]


codec.set_runtime_preparer(_prepare_for_runtime)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "DEFAULT_QUEUE_SIZE",
    "IFF_NOARP",
    "MAX_DOCUMENT_BYTES",
    "Converted",
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
