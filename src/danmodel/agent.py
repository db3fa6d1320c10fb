"""The Kata agent's network types, their JSON form, and the converters between them and DAN.

The runtime turns each DAN device into agent protocol messages (``types.proto``):
an :class:`Interface`, its :class:`Route` s and its :class:`ARPNeighbor` s.
The classes here are those messages, with the agent's own defaults (zero
values: ``""``, ``0``, ``IPFamily.v4``), which are not the DAN defaults. Their
attributes are named after the proto fields (``IPAddresses``, ``hwAddr``,
``raw_flags``, ``toIPAddress``, ...), which are also the JSON keys of the Go
runtime's generated structs.

- :func:`loads`, :func:`load`, :func:`from_dict` read the JSON form with the
  DAN loader's error model; :func:`dumps` and :func:`to_dict` write it.
- :func:`from_dan_device` and :func:`from_dan_config` follow runtime-rs' rules;
  :func:`to_dan_device` and :func:`to_dan_config` go back, with the host
  devices given by the caller. Each returns a :class:`~danmodel.Converted`
  that lists what it dropped.
"""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from typing import IO, Any, Final, TypeVar, overload

import attrs

from . import _text, v1, v2
from ._conversion import Converted
from ._fields import (
    IFNAME,
    STRING,
    UINT32,
    UINT64,
    Array,
    Leaf,
    Nullable,
    Object,
    ip_text,
    meta,
    network_text,
    validate_by_field,
)
from ._reader import read_or_raise
from ._writer import to_data
from .addresses import IPAddress as _IP
from .addresses import IPInterface, IPNetwork, parse_ip, parse_network
from .errors import Problem, ValidationError
from .kernel import IFF_NOARP
from .mac import MacAddress

__all__ = [
    "INT32_MAX",
    "INT32_MIN",
    "ARPNeighbor",
    "AgentDevice",
    "IPAddress",
    "IPFamily",
    "Interface",
    "Network",
    "Route",
    "dumps",
    "from_dan_config",
    "from_dan_device",
    "from_dict",
    "load",
    "loads",
    "to_dan_config",
    "to_dan_device",
    "to_dict",
]

INT32_MIN: Final = -(2**31)
INT32_MAX: Final = 2**31 - 1


class IPFamily(enum.IntEnum):
    """The IP family of an address or route (agent enum ``IPFamily``)."""

    v4 = 0
    v6 = 1


# --- field kinds of the agent types ------------------------------------------------------


def _family(value: int) -> IPFamily:
    if value in (0, 1):
        return IPFamily(value)
    raise ValueError(f"expected an IP family, 0 (v4) or 1 (v6), found {value}")


_FAMILY: Final = Leaf(
    "an IP family number, 0 (v4) or 1 (v6)",
    _family,
    lambda value: type(value) is IPFamily,
    write=int,
    json_type=int,
    python="an IPFamily (IPFamily.v4 or IPFamily.v6)",
)


def _int32(value: int) -> int:
    if INT32_MIN <= value <= INT32_MAX:
        return value
    raise ValueError(
        f"expected a signed 32-bit integer ({INT32_MIN} to {INT32_MAX}), found {value}"
    )


_INT32: Final = Leaf(
    "a signed 32-bit integer",
    _int32,
    lambda value: (
        isinstance(value, int) and type(value) is not bool and INT32_MIN <= value <= INT32_MAX
    ),
    write=int,
    json_type=int,
)

# --- the agent types -------------------------------------------------------------------------


@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class IPAddress:
    """An address with its prefix length (agent ``IPAddress``)."""

    family: IPFamily = attrs.field(
        default=IPFamily.v4, metadata=meta(_FAMILY, "IP family; in JSON its number.")
    )
    address: str = attrs.field(default="", metadata=meta(STRING, "The address, e.g. 10.0.0.5."))
    mask: str = attrs.field(
        default="", metadata=meta(STRING, "The prefix length as decimal text, e.g. 24.")
    )


def _address_tuple(items: Iterable[IPAddress]) -> tuple[IPAddress, ...]:
    return tuple(items)


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
    mtu: int = attrs.field(default=0, metadata=meta(UINT64, "Interface MTU."))
    hwAddr: str = attrs.field(default="", metadata=meta(STRING, "MAC of the interface."))
    devicePath: str = attrs.field(
        default="", metadata=meta(STRING, "Guest device path; the runtime fills it in.")
    )
    type: str = attrs.field(default="", metadata=meta(STRING, "Link type."))
    raw_flags: int = attrs.field(default=0, metadata=meta(UINT32, "Link flags (IFF_*)."))


@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class Route:
    """A route (agent ``Route``); empty strings mean unset."""

    dest: str = attrs.field(default="", metadata=meta(STRING, "Destination network, ip/prefix."))
    gateway: str = attrs.field(default="", metadata=meta(STRING, "Next hop IP."))
    device: str = attrs.field(default="", metadata=meta(STRING, "Guest interface name."))
    source: str = attrs.field(default="", metadata=meta(STRING, "Preferred source IP."))
    scope: int = attrs.field(default=0, metadata=meta(UINT32, "Route scope (RT_SCOPE_*)."))
    family: IPFamily = attrs.field(
        default=IPFamily.v4, metadata=meta(_FAMILY, "IP family; in JSON its number.")
    )
    flags: int = attrs.field(default=0, metadata=meta(UINT32, "Route flags."))
    mtu: int = attrs.field(default=0, metadata=meta(UINT32, "Route MTU; 0 for unset."))


@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class ARPNeighbor:
    """A static ARP/NDP neighbor (agent ``ARPNeighbor``); ``state`` and ``flags`` are int32."""

    toIPAddress: IPAddress | None = attrs.field(
        default=None,
        metadata=meta(Nullable(Object(IPAddress)), "Neighbor address; None (null) when absent."),
    )
    device: str = attrs.field(default="", metadata=meta(STRING, "Guest interface name."))
    lladdr: str = attrs.field(default="", metadata=meta(STRING, "Neighbor MAC."))
    state: int = attrs.field(default=0, metadata=meta(_INT32, "NUD state bits (NUD_*)."))
    flags: int = attrs.field(default=0, metadata=meta(_INT32, "Neighbor flags (NTF_*)."))


def _route_tuple(items: Iterable[Route]) -> tuple[Route, ...]:
    return tuple(items)


def _neighbor_tuple(items: Iterable[ARPNeighbor]) -> tuple[ARPNeighbor, ...]:
    return tuple(items)


def _interface_tuple(items: Iterable[Interface]) -> tuple[Interface, ...]:
    return tuple(items)


_ROUTES_DOC = "Routes, in order."
_NEIGHBORS_DOC = "ARP/NDP neighbors, in order."


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


@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class Network:
    """The agent messages of a sandbox: interfaces, routes and neighbors of every device."""

    interfaces: tuple[Interface, ...] = attrs.field(
        default=(),
        converter=_interface_tuple,
        metadata=meta(Array(Object(Interface)), "Interfaces, in device order."),
    )
    routes: tuple[Route, ...] = attrs.field(
        default=(), converter=_route_tuple, metadata=meta(Array(Object(Route)), _ROUTES_DOC)
    )
    neighbors: tuple[ARPNeighbor, ...] = attrs.field(
        default=(),
        converter=_neighbor_tuple,
        metadata=meta(Array(Object(ARPNeighbor)), _NEIGHBORS_DOC),
    )


# --- the JSON form -----------------------------------------------------------------------------

_SOURCE = "agent JSON"
_ROOTS: Final[dict[type, Object]] = {
    cls: Object(cls) for cls in (IPAddress, Interface, Route, ARPNeighbor, AgentDevice, Network)
}
_A = TypeVar("_A")


def to_dict(obj: object) -> dict[str, Any]:
    """An agent object as JSON-ready data: every key written, ``family`` as its number."""
    if type(obj) not in _ROOTS:
        raise TypeError(f"expected a danmodel.agent object, found {type(obj).__name__}")
    return to_data(obj)


def dumps(obj: object) -> str:
    """An agent object as JSON text: keys in proto order, 2-space indent, final newline."""
    return json.dumps(to_dict(obj), indent=2, ensure_ascii=False) + "\n"


def _read(value: object, cls: type[_A], source: str | None, irregular: bool = False) -> _A:
    root = _ROOTS.get(cls)
    if root is None:
        raise TypeError(f"expected a danmodel.agent class, found {cls!r}")
    result: _A = read_or_raise(
        value, root, strict=True, source=source or _SOURCE, irregular=irregular
    )
    return result


@overload
def from_dict(data: object) -> Network: ...
@overload
def from_dict(data: object, cls: type[_A]) -> _A: ...
def from_dict(data: object, cls: type[Any] = Network) -> Any:
    """Read JSON-shaped data as ``cls`` (default :class:`Network`); see :func:`loads`."""
    return _read(data, cls, None)


@overload
def loads(data: str | bytes | bytearray, *, source: str | None = ...) -> Network: ...
@overload
def loads(data: str | bytes | bytearray, cls: type[_A], *, source: str | None = ...) -> _A: ...
def loads(
    data: str | bytes | bytearray, cls: type[Any] = Network, *, source: str | None = None
) -> Any:
    """Read the JSON form of ``cls`` (default :class:`Network`) from text or UTF-8 bytes.

    Missing keys take the agent's zero values; unknown keys, booleans for
    numbers and integers out of their field's range are refused. Any problem
    raises one :class:`~danmodel.errors.ValidationError` listing all, with paths.
    """
    text = _text.decode_text(data, source or _SOURCE)
    parsed = _text.parse(text, source or _SOURCE)
    return _read(parsed.value, cls, source, parsed.irregular)


@overload
def load(file: str | os.PathLike[str] | IO[str] | IO[bytes]) -> Network: ...
@overload
def load(file: str | os.PathLike[str] | IO[str] | IO[bytes], cls: type[_A]) -> _A: ...
def load(file: str | os.PathLike[str] | IO[str] | IO[bytes], cls: type[Any] = Network) -> Any:
    """Read the JSON form of ``cls`` from a path or an open file; see :func:`loads`.

    At most :data:`danmodel.MAX_DOCUMENT_BYTES` are read.
    """
    data, source = _text.read_document(file)
    return loads(data, cls, source=source)


# --- DAN -> agent ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Options:
    drop_loopback: bool
    drop_routes_without_family: bool
    drop_neighbor_ips_without_prefix: bool


def _family_of(ip: _IP | IPNetwork) -> IPFamily:
    return IPFamily.v4 if ip.version == 4 else IPFamily.v6


def _agent_address(address: IPInterface) -> IPAddress:
    return IPAddress(
        family=_family_of(address),
        address=ip_text(address.ip),
        mask=str(address.network.prefixlen),
    )


def _is_loopback(ip: _IP) -> bool:
    """Loopback as runtime-rs (Rust's ``is_loopback``) sees it: 127.0.0.0/8 and ::1 only."""
    if ip.version == 4:
        return int(ip) >> 24 == 127
    return int(ip) == 1


def _route_family(route: v1.Route | v2.Route) -> IPFamily | None:
    """runtime-rs' rule: the family of ``dest``, else ``gateway``, else ``source``."""
    for value in (route.dest, route.gateway, route.source):
        if value is not None:
            return _family_of(value)
    return None


def _text_or_empty(value: _IP | IPNetwork | None) -> str:
    if value is None:
        return ""
    if isinstance(value, (IPv4Address, IPv6Address)):
        return ip_text(value)
    return network_text(value)


def _to_int32(value: int, path: str, problems: list[Problem]) -> int:
    if value <= INT32_MAX:
        return value
    problems.append(
        Problem(
            path=path,
            message=f"{value} does not fit the agent's int32 (at most {INT32_MAX}); "
            f"runtime-rs would wrap it to {value - 2**32}",
        )
    )
    return 0


def _from_dan(
    device: v1.DanDevice | v2.DanDevice,
    path: str,
    options: _Options,
    problems: list[Problem],
    dropped: list[Problem],
) -> AgentDevice:
    name = device.name
    info = device.network_info
    info_path = f"{path}.network_info"
    dan_interface = info.interface
    interface_path = f"{info_path}.interface"
    addresses = []
    for index, address in enumerate(dan_interface.ip_addresses):
        if options.drop_loopback and _is_loopback(address.ip):
            dropped.append(
                Problem(
                    path=f"{interface_path}.ip_addresses[{index}]",
                    message=f"loopback address {ip_text(address)} dropped, as runtime-rs "
                    "drops it (drop_loopback=False keeps it)",
                )
            )
        else:
            addresses.append(_agent_address(address))
    other_flags = dan_interface.flags & ~IFF_NOARP
    if other_flags:
        dropped.append(
            Problem(
                path=f"{interface_path}.flags",
                message=f"flags 0x{other_flags:x} dropped: only IFF_NOARP (0x80) reaches the agent",
            )
        )
    interface = Interface(
        device=name,
        name=name,
        IPAddresses=addresses,
        mtu=dan_interface.mtu,
        hwAddr=str(device.guest_mac),
        devicePath="",
        type=dan_interface.ntype,
        raw_flags=dan_interface.flags & IFF_NOARP,
    )
    dan_routes: Sequence[v1.Route | v2.Route] = info.routes
    routes = []
    for index, route in enumerate(dan_routes):
        family = _route_family(route)
        if family is None:
            message = "a route with no dest, gateway or source has no IP family"
            if options.drop_routes_without_family:
                message += "; dropped, as runtime-rs drops it"
                dropped.append(Problem(path=f"{info_path}.routes[{index}]", message=message))
            else:
                message += "; the agent needs one (runtime-rs drops such a route)"
                problems.append(Problem(path=f"{info_path}.routes[{index}]", message=message))
            continue
        routes.append(
            Route(
                dest=_text_or_empty(route.dest),
                gateway=_text_or_empty(route.gateway),
                device=name,
                source=_text_or_empty(route.source),
                scope=route.scope,
                family=family,
                flags=getattr(route, "flags", 0),
                mtu=getattr(route, "mtu", 0),
            )
        )
    neighbors = []
    for index, neighbor in enumerate(info.neighbors):
        neighbor_path = f"{info_path}.neighbors[{index}]"
        ip = neighbor.ip_address
        to_ip = None
        if isinstance(ip, (IPv4Interface, IPv6Interface)):
            to_ip = _agent_address(ip)
        elif ip is not None:
            message = (
                f"neighbor address {ip_text(ip)} has no prefix; runtime-rs reads only ip/prefix"
            )
            if options.drop_neighbor_ips_without_prefix:
                message += "; the neighbor is sent without an address, as runtime-rs sends it"
                dropped.append(Problem(path=f"{neighbor_path}.ip_address", message=message))
            else:
                message += f"; write it as {ip_text(ip)}/{ip.max_prefixlen}"
                problems.append(Problem(path=f"{neighbor_path}.ip_address", message=message))
        neighbors.append(
            ARPNeighbor(
                toIPAddress=to_ip,
                device=name,
                lladdr="" if neighbor.hardware_addr is None else str(neighbor.hardware_addr),
                state=_to_int32(neighbor.state, f"{neighbor_path}.state", problems),
                flags=_to_int32(neighbor.flags, f"{neighbor_path}.flags", problems),
            )
        )
    return AgentDevice(interface=interface, routes=routes, neighbors=neighbors)


def from_dan_device(
    device: v1.DanDevice | v2.DanDevice,
    *,
    drop_loopback: bool = True,
    drop_routes_without_family: bool = True,
    drop_neighbor_ips_without_prefix: bool = True,
) -> Converted[AgentDevice]:
    """The agent messages runtime-rs sends for one DAN device.

    Interface ``device`` and ``name`` are the DAN name, ``hwAddr`` the
    ``guest_mac``, ``type`` the ``ntype``, ``raw_flags`` the ``flags`` masked to
    ``IFF_NOARP``; routes and neighbors name the device, a route's family comes
    from ``dest``, else ``gateway``, else ``source``. What runtime-rs drops
    silently is dropped only under an option, and listed in ``dropped``:

    - ``drop_loopback``: loopback addresses (127.0.0.0/8, ::1); False keeps them.
    - ``drop_routes_without_family``: a route with no dest, gateway or source;
      False raises instead.
    - ``drop_neighbor_ips_without_prefix``: a plain neighbor IP (the neighbor is
      sent without address); False raises instead.

    Interface flags other than ``IFF_NOARP`` are always dropped and listed. A
    neighbor ``state`` or ``flags`` of 2**31 or more does not fit the agent's
    int32: :class:`~danmodel.errors.ValidationError`, where runtime-rs wraps it.
    Paths start at the device (``$.network_info...``).
    """
    options = _Options(
        drop_loopback=drop_loopback,
        drop_routes_without_family=drop_routes_without_family,
        drop_neighbor_ips_without_prefix=drop_neighbor_ips_without_prefix,
    )
    problems: list[Problem] = []
    dropped: list[Problem] = []
    converted = _from_dan(device, "$", options, problems, dropped)
    if problems:
        raise ValidationError(problems, source="DAN device to agent")
    return Converted(value=converted, dropped=tuple(dropped))


def from_dan_config(
    config: v1.DanConfig | v2.DanConfig,
    *,
    drop_loopback: bool = True,
    drop_routes_without_family: bool = True,
    drop_neighbor_ips_without_prefix: bool = True,
) -> Converted[Network]:
    """The agent messages of every device, in device order; see :func:`from_dan_device`.

    Paths start at the config (``$.devices[0]...``). ``netns`` and the host
    devices are not agent data and are not listed as dropped.
    """
    options = _Options(
        drop_loopback=drop_loopback,
        drop_routes_without_family=drop_routes_without_family,
        drop_neighbor_ips_without_prefix=drop_neighbor_ips_without_prefix,
    )
    problems: list[Problem] = []
    dropped: list[Problem] = []
    dan_devices: Sequence[v1.DanDevice | v2.DanDevice] = config.devices
    devices = [
        _from_dan(device, f"$.devices[{index}]", options, problems, dropped)
        for index, device in enumerate(dan_devices)
    ]
    if problems:
        raise ValidationError(problems, source="DAN config to agent")
    network = Network(
        interfaces=[device.interface for device in devices],
        routes=[route for device in devices for route in device.routes],
        neighbors=[neighbor for device in devices for neighbor in device.neighbors],
    )
    return Converted(value=network, dropped=tuple(dropped))


# --- agent -> DAN ------------------------------------------------------------------------------

_T = TypeVar("_T")
_DIGITS = frozenset("0123456789")


def _parse(parse: Callable[[str], _T], text: str, path: str, problems: list[Problem]) -> _T | None:
    try:
        return parse(text)
    except ValueError as error:
        problems.append(Problem(path=path, message=str(error)))
        return None


def _dan_address(address: IPAddress, path: str, problems: list[Problem]) -> IPInterface | None:
    ip = _parse(parse_ip, address.address, f"{path}.address", problems)
    width = 128 if ip is None else ip.max_prefixlen
    mask = address.mask
    if not mask or not _DIGITS.issuperset(mask) or (len(mask) > 1 and mask[0] == "0"):
        problems.append(
            Problem(path=f"{path}.mask", message=f"expected a prefix length, found {mask!r}")
        )
        return None
    if int(mask) > width:
        problems.append(
            Problem(path=f"{path}.mask", message=f"prefix length {mask} is more than {width}")
        )
        return None
    if ip is None:
        return None
    if _family_of(ip) != address.family:
        problems.append(
            Problem(
                path=f"{path}.family",
                message=f"family {address.family.name} does not match the address {ip_text(ip)}",
            )
        )
        return None
    if ip.version == 4:
        return IPv4Interface((ip, int(mask)))
    return IPv6Interface((ip, int(mask)))


def _present(items: Iterable[_T | None]) -> list[_T]:
    """The items of a list whose conversion succeeded (all of them, when no problem was found)."""
    return [item for item in items if item is not None]


def _check_device(device: str, name: str, path: str, problems: list[Problem]) -> None:
    if device != name:
        problems.append(
            Problem(
                path=f"{path}.device",
                message=f"device {device!r} is not the interface {name!r} it is converted with",
            )
        )


def _dan_route(route: Route, name: str, path: str, problems: list[Problem]) -> v2.Route | None:
    start = len(problems)
    _check_device(route.device, name, path, problems)
    dest = gateway = source = None
    if route.dest:
        dest = _parse(parse_network, route.dest, f"{path}.dest", problems)
    if route.gateway:
        gateway = _parse(parse_ip, route.gateway, f"{path}.gateway", problems)
    if route.source:
        source = _parse(parse_ip, route.source, f"{path}.source", problems)
    if len(problems) > start:
        return None
    converted = v2.Route(
        dest=dest,
        gateway=gateway,
        source=source,
        scope=route.scope,
        flags=route.flags,
        mtu=route.mtu,
    )
    family = _route_family(converted)
    if family is None:
        problems.append(
            Problem(
                path=path,
                message="a route with no dest, gateway or source cannot be written to DAN: "
                "its family would be lost (runtime-rs drops such a route)",
            )
        )
        return None
    if family != route.family:
        problems.append(
            Problem(
                path=f"{path}.family",
                message=f"family {route.family.name} does not match the route's addresses "
                "(runtime-rs takes it from dest, else gateway, else source)",
            )
        )
        return None
    return converted


def _dan_neighbor(
    neighbor: ARPNeighbor, name: str, path: str, problems: list[Problem]
) -> v2.Neighbor | None:
    start = len(problems)
    _check_device(neighbor.device, name, path, problems)
    ip = None
    if neighbor.toIPAddress is not None:
        ip = _dan_address(neighbor.toIPAddress, f"{path}.toIPAddress", problems)
    mac = None
    if neighbor.lladdr:
        mac = _parse(MacAddress.parse, neighbor.lladdr, f"{path}.lladdr", problems)
    for key in ("state", "flags"):
        value = getattr(neighbor, key)
        if value < 0:
            problems.append(
                Problem(
                    path=f"{path}.{key}",
                    message=f"negative {key} {value}: DAN holds it as uint32, and danmodel "
                    "refuses to convert values the agent's int32 cannot hold",
                )
            )
    if len(problems) > start:
        return None
    return v2.Neighbor(ip_address=ip, hardware_addr=mac, state=neighbor.state, flags=neighbor.flags)


def _to_dan(
    agent: AgentDevice,
    host: v2.Device,
    paths: tuple[str, list[str], list[str]],
    problems: list[Problem],
    dropped: list[Problem],
) -> v2.DanDevice | None:
    interface = agent.interface
    path, route_paths, neighbor_paths = paths
    start = len(problems)
    name = interface.name
    found = IFNAME.check(name)
    if found is not None:
        problems.append(Problem(path=f"{path}.name", message=found[1]))
    if interface.device not in ("", name):
        dropped.append(
            Problem(
                path=f"{path}.device",
                message=f"device {interface.device!r} is not kept: a DAN device has one name, "
                f"the interface name {name!r}",
            )
        )
    if interface.hwAddr == "":
        problems.append(
            Problem(path=f"{path}.hwAddr", message="hwAddr is empty; a DAN device needs its MAC")
        )
        mac = None
    else:
        mac = _parse(MacAddress.parse, interface.hwAddr, f"{path}.hwAddr", problems)
    if interface.devicePath:
        dropped.append(
            Problem(
                path=f"{path}.devicePath",
                message=f"devicePath {interface.devicePath!r} is not kept: DAN has no such "
                "field (the runtime fills it in when it attaches the device)",
            )
        )
    addresses = [
        _dan_address(address, f"{path}.IPAddresses[{index}]", problems)
        for index, address in enumerate(interface.IPAddresses)
    ]
    routes = [
        _dan_route(route, name, route_path, problems)
        for route, route_path in zip(agent.routes, route_paths, strict=True)
    ]
    neighbors = [
        _dan_neighbor(neighbor, name, neighbor_path, problems)
        for neighbor, neighbor_path in zip(agent.neighbors, neighbor_paths, strict=True)
    ]
    if len(problems) > start or mac is None:
        return None
    return v2.DanDevice(
        name=name,
        guest_mac=mac,
        device=host,
        network_info=v2.NetworkInfo(
            interface=v2.Interface(
                ip_addresses=_present(addresses),
                mtu=interface.mtu,
                ntype=interface.type,
                flags=interface.raw_flags,
            ),
            routes=_present(routes),
            neighbors=_present(neighbors),
        ),
    )


def to_dan_device(agent: AgentDevice, *, device: v2.Device) -> Converted[v2.DanDevice]:
    """The DAN device for agent messages, with ``device`` as its host-side device.

    The inverse of :func:`from_dan_device`: the interface ``name`` becomes the
    DAN name, ``hwAddr`` the ``guest_mac``, ``raw_flags`` the ``flags``. Every
    route and neighbor must name the interface as its ``device``, a family must
    match its addresses, and neighbor ``state``/``flags`` must not be negative;
    otherwise :class:`~danmodel.errors.ValidationError`, with paths into the
    agent form (``$.routes[1].family``). ``devicePath`` and an interface
    ``device`` other than its name are not kept: they are listed in ``dropped``.
    """
    routes = [f"$.routes[{index}]" for index in range(len(agent.routes))]
    neighbors = [f"$.neighbors[{index}]" for index in range(len(agent.neighbors))]
    problems: list[Problem] = []
    dropped: list[Problem] = []
    converted = _to_dan(agent, device, ("$.interface", routes, neighbors), problems, dropped)
    if converted is None:
        raise ValidationError(problems, source="agent device to DAN")
    return Converted(value=converted, dropped=tuple(dropped))


def _no_interface(path: str, device: str) -> Problem:
    return Problem(path=f"{path}.device", message=f"no interface named {device!r}")


def to_dan_config(
    network: Network, *, devices: Mapping[str, v2.Device], netns: str | None = None
) -> Converted[v2.DanConfig]:
    """The DAN config for a sandbox's agent messages: one device per interface, in order.

    ``devices`` gives the host-side device of each interface, by interface
    name; routes and neighbors go to the interface their ``device`` names.
    See :func:`to_dan_device` for the rules; paths point into the
    :class:`Network` (``$.interfaces[0].hwAddr``, ``$.routes[3].device``).
    """
    problems: list[Problem] = []
    dropped: list[Problem] = []
    names = [interface.name for interface in network.interfaces]
    routes: dict[str, list[tuple[str, Route]]] = {name: [] for name in names}
    neighbors: dict[str, list[tuple[str, ARPNeighbor]]] = {name: [] for name in names}
    for index, route in enumerate(network.routes):
        if route.device in routes:
            routes[route.device].append((f"$.routes[{index}]", route))
        else:
            problems.append(_no_interface(f"$.routes[{index}]", route.device))
    for index, neighbor in enumerate(network.neighbors):
        if neighbor.device in neighbors:
            neighbors[neighbor.device].append((f"$.neighbors[{index}]", neighbor))
        else:
            problems.append(_no_interface(f"$.neighbors[{index}]", neighbor.device))
    unused = [name for name in devices if name not in routes]
    if unused:
        listed = ", ".join(repr(name) for name in unused)
        problems.append(
            Problem(path="$.interfaces", message=f"devices names no interface here: {listed}")
        )
    converted = []
    seen: set[str] = set()
    for index, interface in enumerate(network.interfaces):
        path = f"$.interfaces[{index}]"
        host = devices.get(interface.name)
        if interface.name in seen:
            problems.append(
                Problem(path=f"{path}.name", message=f"a second interface named {interface.name!r}")
            )
            continue
        seen.add(interface.name)
        if host is None:
            problems.append(
                Problem(path=f"{path}.name", message=f"no host device given for {interface.name!r}")
            )
            continue
        own_routes = routes[interface.name]
        own_neighbors = neighbors[interface.name]
        agent = AgentDevice(
            interface=interface,
            routes=[route for _, route in own_routes],
            neighbors=[neighbor for _, neighbor in own_neighbors],
        )
        paths = (path, [p for p, _ in own_routes], [p for p, _ in own_neighbors])
        converted.append(_to_dan(agent, host, paths, problems, dropped))
    if problems:
        raise ValidationError(problems, source="agent network to DAN")
    config = v2.DanConfig(netns=netns, devices=_present(converted))
    return Converted(value=config, dropped=tuple(dropped))
