"""The agent protocol's network messages (``types.proto``) as frozen classes.

Attributes are named after the proto fields (``IPAddresses``, ``hwAddr``,
``raw_flags``, ``toIPAddress``, ...), the keys of the Go runtime's generated
structs; defaults are the agent's zero values. Enum fields take an
:class:`IPFamily` or its number. A value a constructor refuses raises a
:class:`~danmodel.errors.ValidationError` labelled "agent message".
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

import attrs

from .._fields import STRING, UINT32, UINT64, Array, Leaf, Nullable, Object, meta, validate_by_field
from ..errors import ValidationError

__all__ = [
    "INT32_MAX",
    "INT32_MIN",
    "MESSAGE_CLASSES",
    "SOURCE",
    "ARPNeighbor",
    "AgentDevice",
    "IPAddress",
    "IPFamily",
    "Interface",
    "Network",
    "Route",
]

INT32_MIN: Final = -(2**31)
INT32_MAX: Final = 2**31 - 1
SOURCE: Final = "agent message"
"""How errors about agent input name it."""


class IPFamily(enum.IntEnum):
    """The IP family of an address or route (agent enum ``IPFamily``)."""

    v4 = 0
    v6 = 1


# --- field kinds of the agent types ------------------------------------------------------


def _family(value: int) -> IPFamily:
    if value in (0, 1):
        return IPFamily(value)
    raise ValueError(f"expected an IP family, 0 (v4) or 1 (v6), found {value}")


FAMILY: Final = Leaf(
    "an IP family number, 0 (v4) or 1 (v6)",
    _family,
    lambda value: type(value) is IPFamily,
    write=int,
    json_type=int,
    python="an IPFamily (IPFamily.v4 or IPFamily.v6) or its number, 0 or 1",
)


def _to_family(value: object) -> object:
    """attrs converter: the number of an enum value (0 or 1) as the :class:`IPFamily`."""
    if type(value) is int and value in (0, 1):
        return IPFamily(value)
    return value  # the field's descriptor says what is wrong with anything else


def _int32(value: int) -> int:
    if INT32_MIN <= value <= INT32_MAX:
        return value
    raise ValueError(
        f"expected a signed 32-bit integer ({INT32_MIN} to {INT32_MAX}), found {value}"
    )


INT32: Final = Leaf(
    "a signed 32-bit integer",
    _int32,
    lambda value: (
        isinstance(value, int) and type(value) is not bool and INT32_MIN <= value <= INT32_MAX
    ),
    write=int,
    json_type=int,
)

_C = TypeVar("_C", bound=type)


def _labelled(cls: _C) -> _C:
    """Make the constructor's ValidationError name its input "agent message"."""
    init: Callable[..., None] = cls.__init__  # type: ignore[misc]

    @functools.wraps(init)
    def __init__(self: object, *args: Any, **kwargs: Any) -> None:
        try:
            init(self, *args, **kwargs)
        except ValidationError as error:
            if error.source is not None:
                raise
            raise ValidationError(error.errors, source=SOURCE, omitted=error.omitted) from None

    cls.__init__ = __init__  # type: ignore[misc]
    return cls


# --- the agent types -------------------------------------------------------------------------


@_labelled
@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class IPAddress:
    """An address with its prefix length (agent ``IPAddress``)."""

    family: IPFamily = attrs.field(
        default=IPFamily.v4,
        converter=_to_family,
        metadata=meta(FAMILY, "IP family; in JSON its number (proto3 JSON: its name)."),
    )
    address: str = attrs.field(default="", metadata=meta(STRING, "The address, e.g. 10.0.0.5."))
    mask: str = attrs.field(
        default="",
        metadata=meta(
            STRING, 'The prefix length as decimal text, e.g. 24; "" when the runtime sends none.'
        ),
    )


def _address_tuple(items: Iterable[IPAddress]) -> tuple[IPAddress, ...]:
    return tuple(items)


@_labelled
@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class Interface:
    """A guest interface (agent ``Interface``)."""

    device: str = attrs.field(default="", metadata=meta(STRING, "Guest device name."))
    name: str = attrs.field(default="", metadata=meta(STRING, "Guest interface name."))
    IPAddresses: tuple[IPAddress, ...] = attrs.field(
        default=(),
        converter=_address_tuple,
        metadata=meta(Array(Object(IPAddress)), "Addresses of the interface."),
    )
    mtu: int = attrs.field(
        default=0, metadata=meta(UINT64, "Interface MTU; the agent sets it even when 0.")
    )
    hwAddr: str = attrs.field(
        default="", metadata=meta(STRING, "MAC of the interface; the agent finds the link by it.")
    )
    devicePath: str = attrs.field(
        default="",
        metadata=meta(STRING, "Guest device path; empty for DAN devices (up to Kata 4.1)."),
    )
    type: str = attrs.field(default="", metadata=meta(STRING, "Link type."))
    raw_flags: int = attrs.field(
        default=0,
        metadata=meta(UINT32, "Link flags (IFF_*); the agent turns ARP off for IFF_NOARP."),
    )


@_labelled
@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class Route:
    """A route (agent ``Route``); empty strings mean unset."""

    dest: str = attrs.field(default="", metadata=meta(STRING, "Destination network, ip/prefix."))
    gateway: str = attrs.field(default="", metadata=meta(STRING, "Next hop IP."))
    device: str = attrs.field(default="", metadata=meta(STRING, "Guest interface name."))
    source: str = attrs.field(
        default="",
        metadata=meta(
            STRING,
            "Source network: a plain IP is a /32 (/128) source prefix (RTA_SRC); "
            "only ip/0 sets the preferred source (RTA_PREFSRC).",
        ),
    )
    scope: int = attrs.field(
        default=0, metadata=meta(UINT32, "Route scope (RT_SCOPE_*); the agent sends one byte.")
    )
    family: IPFamily = attrs.field(
        default=IPFamily.v4,
        converter=_to_family,
        metadata=meta(FAMILY, "IP family; in JSON its number (proto3 JSON: its name)."),
    )
    flags: int = attrs.field(default=0, metadata=meta(UINT32, "Route flags (RTNH_F_*)."))
    mtu: int = attrs.field(default=0, metadata=meta(UINT32, "Route MTU; 0 for unset."))


@_labelled
@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class ARPNeighbor:
    """A static ARP/NDP neighbor (agent ``ARPNeighbor``); ``state`` and ``flags`` are int32."""

    toIPAddress: IPAddress | None = attrs.field(
        default=None,
        metadata=meta(
            Nullable(Object(IPAddress)),
            "Neighbor address; None (null) when absent, which the agent refuses.",
        ),
    )
    device: str = attrs.field(default="", metadata=meta(STRING, "Guest interface name."))
    lladdr: str = attrs.field(default="", metadata=meta(STRING, "Neighbor MAC."))
    state: int = attrs.field(
        default=0,
        metadata=meta(INT32, "NUD state bits (NUD_*); the agent applies 0 as PERMANENT."),
    )
    flags: int = attrs.field(
        default=0, metadata=meta(INT32, "Neighbor flags (NTF_*); the agent keeps the low byte.")
    )


def _route_tuple(items: Iterable[Route]) -> tuple[Route, ...]:
    return tuple(items)


def _neighbor_tuple(items: Iterable[ARPNeighbor]) -> tuple[ARPNeighbor, ...]:
    return tuple(items)


def _interface_tuple(items: Iterable[Interface]) -> tuple[Interface, ...]:
    return tuple(items)


_ROUTES_DOC = "Routes, in order."
_NEIGHBORS_DOC = "ARP/NDP neighbors, in order."


@_labelled
@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class AgentDevice:
    """The agent messages of one DAN device: its interface, routes and neighbors."""

    interface: Interface = attrs.field(metadata=meta(Object(Interface), "The interface."))
    routes: tuple[Route, ...] = attrs.field(
        default=(), converter=_route_tuple, metadata=meta(Array(Object(Route)), _ROUTES_DOC)
    )
    neighbors: tuple[ARPNeighbor, ...] = attrs.field(
        default=(),
        converter=_neighbor_tuple,
        metadata=meta(Array(Object(ARPNeighbor)), _NEIGHBORS_DOC),
    )


@_labelled
@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class Network:
    """The agent messages of a sandbox: interfaces, routes and neighbors of every device."""

    interfaces: tuple[Interface, ...] = attrs.field(
        default=(),
        converter=_interface_tuple,
        metadata=meta(Array(Object(Interface)), "Interfaces, in the order they are sent."),
    )
    routes: tuple[Route, ...] = attrs.field(
        default=(), converter=_route_tuple, metadata=meta(Array(Object(Route)), _ROUTES_DOC)
    )
    neighbors: tuple[ARPNeighbor, ...] = attrs.field(
        default=(),
        converter=_neighbor_tuple,
        metadata=meta(Array(Object(ARPNeighbor)), _NEIGHBORS_DOC),
    )


MESSAGE_CLASSES: Final = (IPAddress, Interface, Route, ARPNeighbor, AgentDevice, Network)
"""Every class of this module: the agent messages and danmodel's two groupings of them."""
