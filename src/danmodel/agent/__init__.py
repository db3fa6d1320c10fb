"""The Kata agent's network types, their JSON forms, and the converters between them and DAN.

The runtime turns each DAN device into agent protocol messages (``types.proto``):
an :class:`Interface`, its :class:`Route` s and its :class:`ARPNeighbor` s.
The classes here are those messages, with the agent's own defaults (zero
values: ``""``, ``0``, ``IPFamily.v4``), which are not the DAN defaults. Their
attributes are named after the proto fields (``IPAddresses``, ``hwAddr``,
``raw_flags``, ``toIPAddress``, ...).

- :func:`loads`, :func:`load`, :func:`from_dict` read a JSON form, the Go
  runtime's struct JSON (``format="go"``) or canonical proto3 JSON
  (``format="proto3"``), with the DAN loader's error model, labelled
  "agent message"; :func:`dumps` and :func:`to_dict` write them.
- :func:`from_dan_device` and :func:`from_dan_config` give what a runtime
  (``runtime="runtime-rs@3.20"``, ``"go-runtime"``, ...) sends the agent;
  :func:`to_dan_device` and :func:`to_dan_config` go back, with the host
  devices given by the caller (:func:`host_device`). Each returns a
  :class:`~danmodel.Converted` that lists what it dropped.
- :func:`calls` and :func:`route_order`: the order of the requests, and of
  the routes as the agent adds them.
"""

from __future__ import annotations

from ._convert import (
    GO_INTERFACE_TYPE,
    calls,
    from_dan_config,
    from_dan_device,
    host_device,
    route_order,
    runtime_for,
    to_dan_config,
    to_dan_device,
)
from ._json import FORMATS, Format, dumps, from_dict, json_name, load, loads, to_dict
from ._types import (
    INT32_MAX,
    INT32_MIN,
    AgentDevice,
    ARPNeighbor,
    Interface,
    IPAddress,
    IPFamily,
    Network,
    Route,
)

__all__ = [
    "FORMATS",
    "GO_INTERFACE_TYPE",
    "INT32_MAX",
    "INT32_MIN",
    "ARPNeighbor",
    "AgentDevice",
    "Format",
    "IPAddress",
    "IPFamily",
    "Interface",
    "Network",
    "Route",
    "calls",
    "dumps",
    "from_dan_config",
    "from_dan_device",
    "from_dict",
    "host_device",
    "json_name",
    "load",
    "loads",
    "route_order",
    "runtime_for",
    "to_dan_config",
    "to_dan_device",
    "to_dict",
]
