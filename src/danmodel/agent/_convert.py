"""The converters between DAN and the agent messages, as each runtime converts.

:func:`from_dan_device` and :func:`from_dan_config` give the messages a
runtime sends the agent for a DAN config: with ``runtime=None``, runtime-rs'
conversion of every device and neighbor (danmodel's conversion before it
knew releases); with a runtime profile (``"runtime-rs"``, ``"go-runtime@3.29"``,
a :class:`~danmodel.check.Profile`), that runtime's own conversion at that
release, its neighbor filter and its device order included.
:func:`to_dan_device` and :func:`to_dan_config` go back. Each returns a
:class:`~danmodel.Converted` that lists what it dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from typing import Final, TypeVar, cast

import attrs

from .. import v1, v2
from .._conversion import Converted
from .._fields import IFNAME
from .._model import HostTap, VhostUser
from ..addresses import IPAddress as _IP
from ..addresses import IPInterface, IPNetwork, ip_text, network_text, parse_ip, parse_network
from ..check.profiles import Profile, profile
from ..errors import Problem, ValidationError
from ..kernel import IFF_NOARP
from ..mac import MacAddress
from ._types import (
    INT32_MAX,
    AgentDevice,
    ARPNeighbor,
    Interface,
    IPAddress,
    IPFamily,
    Network,
    Route,
)

__all__ = [
    "GO_INTERFACE_TYPE",
    "calls",
    "from_dan_config",
    "from_dan_device",
    "host_device",
    "route_order",
    "runtime_for",
    "to_dan_config",
    "to_dan_device",
]

GO_INTERFACE_TYPE: Final = "vfio"
"""The agent ``Interface.type`` the Go runtime sends for a DAN device."""

# --- DAN -> agent ------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Options:
    profile: Profile | None
    drop_loopback: bool
    drop_routes_without_family: bool
    drop_neighbor_ips_without_prefix: bool

    @property
    def go(self) -> bool:
        return self.profile is not None and self.profile.runtime == "go-runtime"

    @property
    def who(self) -> str:
        return "runtime-rs" if self.profile is None else self.profile.info.title


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


def _go_ip_text(value: _IP | None) -> str:
    """An IP as Go's ``net.IP.String`` writes it: an IPv4-mapped address as IPv4."""
    if value is None:
        return ""
    if isinstance(value, IPv6Address) and value.ipv4_mapped is not None:
        return str(value.ipv4_mapped)
    return ip_text(value)


def _go_family(gateway: _IP | None) -> IPFamily:
    """The Go runtime's rule: the family of the gateway (IPv4-mapped is IPv4); none: IPv6."""
    if gateway is None:
        return IPFamily.v6
    if isinstance(gateway, IPv6Address) and gateway.ipv4_mapped is None:
        return IPFamily.v6
    return IPFamily.v4


def _to_int32(
    value: int, path: str, options: _Options, problems: list[Problem], dropped: list[Problem]
) -> int:
    if value <= INT32_MAX:
        return value
    if options.profile is not None:
        dropped.append(
            Problem(
                path=path,
                message=f"{value} wrapped to {value - 2**32}: {options.who} casts it to the "
                "agent's int32",
            )
        )
        return value - 2**32
    problems.append(
        Problem(
            path=path,
            message=f"{value} does not fit the agent's int32 (at most {INT32_MAX}); "
            f"runtime-rs would wrap it to {value - 2**32}",
        )
    )
    return 0


def _refused_device(
    device: v1.DanDevice | v2.DanDevice, path: str, options: _Options, problems: list[Problem]
) -> bool:
    """Whether the runtime refuses the device's type (listed in ``problems``)."""
    chosen = options.profile
    if chosen is None:
        return False
    host = device.device
    tag = "host-tap" if isinstance(host, HostTap) else "vhost-user"
    if not isinstance(host, (HostTap, VhostUser)):
        tag = "vfio"
    if chosen.supports(tag):  # type: ignore[arg-type]
        return False
    if chosen.runtime == "go-runtime" and tag == "vfio":
        message = f'the Go runtime attaches "vfio" devices only since 3.10.0, not {chosen.release}'
    elif chosen.runtime == "go-runtime":
        message = f'the Go runtime attaches only "vfio" devices, not "{tag}"'
    else:
        message = 'runtime-rs rejects a "vfio" device (serde: unknown variant)'
    problems.append(Problem(path=f"{path}.device.type", message=message))
    return True


def _interface(
    device: v1.DanDevice | v2.DanDevice,
    path: str,
    options: _Options,
    dropped: list[Problem],
) -> Interface:
    name = device.name
    dan_interface = device.network_info.interface
    interface_path = f"{path}.network_info.interface"
    addresses = []
    for index, address in enumerate(dan_interface.ip_addresses):
        skipped = (
            _is_loopback(address.ip)
            if options.profile is None
            else options.profile.skips_address(address.ip)
        )
        if options.drop_loopback and skipped:
            dropped.append(
                Problem(
                    path=f"{interface_path}.ip_addresses[{index}]",
                    message=f"loopback address {ip_text(address)} dropped, as {options.who} "
                    "drops it (drop_loopback=False keeps it)",
                )
            )
        else:
            addresses.append(_agent_address(address))
    if options.go:
        if dan_interface.flags:
            dropped.append(
                Problem(
                    path=f"{interface_path}.flags",
                    message=f"flags 0x{dan_interface.flags:x} dropped: the Go runtime does not "
                    "pass DAN interface flags to the agent",
                )
            )
        if dan_interface.ntype:
            dropped.append(
                Problem(
                    path=f"{interface_path}.ntype",
                    message=f"ntype {dan_interface.ntype!r} dropped: the Go runtime does not use "
                    f'it; the agent\'s Interface.type is "{GO_INTERFACE_TYPE}"',
                )
            )
    else:
        other_flags = dan_interface.flags & ~IFF_NOARP
        if other_flags:
            dropped.append(
                Problem(
                    path=f"{interface_path}.flags",
                    message=f"flags 0x{other_flags:x} dropped: only IFF_NOARP (0x80) reaches "
                    "the agent",
                )
            )
    return Interface(
        device=name,
        name=name,
        IPAddresses=addresses,
        mtu=dan_interface.mtu,
        hwAddr=str(device.guest_mac),
        devicePath="",
        type=GO_INTERFACE_TYPE if options.go else dan_interface.ntype,
        raw_flags=0 if options.go else dan_interface.flags & IFF_NOARP,
    )


def _routes(
    device: v1.DanDevice | v2.DanDevice,
    path: str,
    options: _Options,
    problems: list[Problem],
    dropped: list[Problem],
) -> list[Route]:
    name = device.name
    info_path = f"{path}.network_info"
    dan_routes: Sequence[v1.Route | v2.Route] = device.network_info.routes
    routes = []
    chosen = options.profile
    for index, route in enumerate(dan_routes):
        route_path = f"{info_path}.routes[{index}]"
        flags = getattr(route, "flags", 0)
        mtu = getattr(route, "mtu", 0)
        for key, value, feature in (("flags", flags, "route flags"), ("mtu", mtu, "route mtu")):
            if value and chosen is not None and not chosen.supports(feature):  # type: ignore[arg-type]
                since = chosen.info.features.get(feature)
                when = "" if since is None else f" before {since}"
                dropped.append(
                    Problem(
                        path=f"{route_path}.{key}",
                        message=f"route {key} {value} dropped: {chosen.info.title}{when} "
                        f"reads no route {key}",
                    )
                )
        if chosen is not None and not chosen.supports("route flags"):
            flags = 0
        if chosen is not None and not chosen.supports("route mtu"):
            mtu = 0
        if options.go:
            routes.append(
                Route(
                    dest=_text_or_empty(route.dest),
                    gateway=_go_ip_text(route.gateway),
                    device=name,
                    source=_go_ip_text(route.source),
                    scope=route.scope,
                    family=_go_family(route.gateway),
                    flags=flags,
                    mtu=mtu,
                )
            )
            continue
        family = _route_family(route)
        if family is None:
            message = "a route with no dest, gateway or source has no IP family"
            if options.drop_routes_without_family:
                message += "; dropped, as runtime-rs drops it"
                dropped.append(Problem(path=route_path, message=message))
            else:
                message += "; the agent needs one (runtime-rs drops such a route)"
                problems.append(Problem(path=route_path, message=message))
            continue
        routes.append(
            Route(
                dest=_text_or_empty(route.dest),
                gateway=_text_or_empty(route.gateway),
                device=name,
                source=_text_or_empty(route.source),
                scope=route.scope,
                family=family,
                flags=flags,
                mtu=mtu,
            )
        )
    return routes


def _neighbor_address(
    neighbor: v1.Neighbor | v2.Neighbor,
    path: str,
    options: _Options,
    problems: list[Problem],
    dropped: list[Problem],
) -> IPAddress | None:
    ip = neighbor.ip_address
    if ip is None:
        return None
    has_prefix = isinstance(ip, (IPv4Interface, IPv6Interface))
    if options.go and not has_prefix:
        # the Go runtime parses a plain IP and sends no prefix length
        return IPAddress(family=_family_of(ip), address=ip_text(ip), mask="")
    if not options.go and has_prefix:
        return _agent_address(ip)  # type: ignore[arg-type]
    if options.go:
        message = (
            f"neighbor address {ip_text(ip)} has a prefix; the Go runtime reads only a plain IP"
        )
        spelled = ip_text(ip).partition("/")[0]
    else:
        message = f"neighbor address {ip_text(ip)} has no prefix; runtime-rs reads only ip/prefix"
        spelled = f"{ip_text(ip)}/{ip.max_prefixlen}"
    if options.drop_neighbor_ips_without_prefix:
        message += f"; the neighbor is sent without an address, as {options.who} sends it"
        if options.profile is not None:
            message += " (the agent refuses it, so the sandbox fails)"
        dropped.append(Problem(path=f"{path}.ip_address", message=message))
    else:
        message += f"; write it as {spelled}"
        problems.append(Problem(path=f"{path}.ip_address", message=message))
    return None


def _neighbors(
    device: v1.DanDevice | v2.DanDevice,
    path: str,
    options: _Options,
    problems: list[Problem],
    dropped: list[Problem],
) -> list[ARPNeighbor]:
    info = device.network_info
    neighbors = []
    chosen = options.profile
    for index, neighbor in enumerate(info.neighbors):
        neighbor_path = f"{path}.network_info.neighbors[{index}]"
        if options.go and neighbor.hardware_addr is None:
            problems.append(
                Problem(
                    path=f"{neighbor_path}.hardware_addr",
                    message="the Go runtime rejects a neighbor without hardware_addr (bad MAC)",
                )
            )
            continue
        if chosen is not None and not chosen.sends_neighbor(neighbor, info.routes):
            dropped.append(
                Problem(
                    path=neighbor_path,
                    message=f"neighbor of state {neighbor.state:#x} not sent: "
                    + _not_sent_reason(chosen),
                )
            )
            continue
        neighbors.append(
            ARPNeighbor(
                toIPAddress=_neighbor_address(neighbor, neighbor_path, options, problems, dropped),
                device=device.name,
                lladdr="" if neighbor.hardware_addr is None else str(neighbor.hardware_addr),
                state=_to_int32(
                    neighbor.state, f"{neighbor_path}.state", options, problems, dropped
                ),
                flags=_to_int32(
                    neighbor.flags, f"{neighbor_path}.flags", options, problems, dropped
                ),
            )
        )
    return neighbors


def _not_sent_reason(chosen: Profile) -> str:
    if chosen.runtime == "runtime-rs":
        return "runtime-rs 3.20.0 and later send only PERMANENT (0x80) neighbors"
    if chosen.supports("reachable gateway neighbors"):
        return (
            "the Go runtime sends only PERMANENT (0x80) neighbors, and REACHABLE (0x02) ones "
            "at the gateway of a default route"
        )
    return f"the Go runtime {chosen.release} sends only PERMANENT (0x80) neighbors"


def _from_dan(
    device: v1.DanDevice | v2.DanDevice,
    path: str,
    options: _Options,
    problems: list[Problem],
    dropped: list[Problem],
) -> AgentDevice:
    _refused_device(device, path, options, problems)
    return AgentDevice(
        interface=_interface(device, path, options, dropped),
        routes=_routes(device, path, options, problems, dropped),
        neighbors=_neighbors(device, path, options, problems, dropped),
    )


def _options(
    runtime: str | Profile | None,
    drop_loopback: bool,
    drop_routes_without_family: bool,
    drop_neighbor_ips_without_prefix: bool,
) -> _Options:
    return _Options(
        profile=None if runtime is None else profile(runtime),
        drop_loopback=drop_loopback,
        drop_routes_without_family=drop_routes_without_family,
        drop_neighbor_ips_without_prefix=drop_neighbor_ips_without_prefix,
    )


def from_dan_device(
    device: v1.DanDevice | v2.DanDevice,
    *,
    runtime: str | Profile | None = None,
    drop_loopback: bool = True,
    drop_routes_without_family: bool = True,
    drop_neighbor_ips_without_prefix: bool = True,
) -> Converted[AgentDevice]:
    """The agent messages a runtime sends for one DAN device.

    With ``runtime=None``, runtime-rs' conversion of every part: interface
    ``device`` and ``name`` are the DAN name, ``hwAddr`` the ``guest_mac``,
    ``type`` the ``ntype``, ``raw_flags`` the ``flags`` masked to ``IFF_NOARP``;
    routes and neighbors name the device, a route's family comes from
    ``dest``, else ``gateway``, else ``source``. With a ``runtime``
    (``NAME[@VERSION]`` or a :class:`~danmodel.check.Profile`), what that
    release sends: runtime-rs from 3.20.0 sends only PERMANENT neighbors; the
    Go runtime sends ``type`` ``"vfio"`` and no interface flags, takes a
    route's family from its gateway only (none: IPv6), writes IPv4-mapped
    addresses as IPv4, sends neighbor addresses without prefix length, only
    PERMANENT neighbors (and since 3.29.0 a REACHABLE one at a default-route
    gateway), and skips IPv4-mapped loopback addresses too; route flags and
    mtu reach the agent only from the releases that read them. A device type
    the runtime does not attach, and (Go) a neighbor without MAC, raise:
    the runtime rejects the file.

    What the runtime drops silently is listed in ``dropped``; some drops
    follow an option:

    - ``drop_loopback``: loopback addresses; False keeps them.
    - ``drop_routes_without_family``: (runtime-rs) a route with no dest,
      gateway or source; False raises instead.
    - ``drop_neighbor_ips_without_prefix``: a neighbor address the runtime
      cannot parse (runtime-rs: a plain IP; Go: an ``ip/prefix``); the
      neighbor is sent without address. False raises instead.

    A neighbor ``state`` or ``flags`` of 2**31 or more does not fit the
    agent's int32: with a ``runtime`` it is wrapped as the runtime wraps it
    (and listed); without, :class:`~danmodel.errors.ValidationError`.
    Paths start at the device (``$.network_info...``).
    """
    options = _options(
        runtime, drop_loopback, drop_routes_without_family, drop_neighbor_ips_without_prefix
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
    runtime: str | Profile | None = None,
    drop_loopback: bool = True,
    drop_routes_without_family: bool = True,
    drop_neighbor_ips_without_prefix: bool = True,
) -> Converted[Network]:
    """The agent messages of every device; see :func:`from_dan_device`.

    Devices come in file order, except for the Go runtime, which sorts them
    by name. Paths start at the config (``$.devices[0]...``) and stay those
    of the file. ``netns`` and the host devices are not agent data and are
    not listed as dropped.
    """
    options = _options(
        runtime, drop_loopback, drop_routes_without_family, drop_neighbor_ips_without_prefix
    )
    problems: list[Problem] = []
    dropped: list[Problem] = []
    dan_devices: Sequence[v1.DanDevice | v2.DanDevice] = config.devices
    order = list(range(len(dan_devices)))
    if options.go:
        order.sort(key=lambda index: dan_devices[index].name)
    converted = {
        index: _from_dan(dan_devices[index], f"$.devices[{index}]", options, problems, dropped)
        for index in range(len(dan_devices))
    }
    if problems:
        raise ValidationError(problems, source="DAN config to agent")
    devices = [converted[index] for index in order]
    network = Network(
        interfaces=[device.interface for device in devices],
        routes=[route for device in devices for route in device.routes],
        neighbors=[neighbor for device in devices for neighbor in device.neighbors],
    )
    return Converted(value=network, dropped=tuple(dropped))


def runtime_for(config: v1.DanConfig | v2.DanConfig) -> str:
    """The runtime that attaches the devices of ``config``: ``go-runtime`` for ``vfio``.

    ``"go-runtime"`` when a device is ``vfio`` (only the Go runtime attaches
    them), else ``"runtime-rs"`` (the only one attaching host-tap and
    vhost-user devices); a bare name, so the newest release.
    """
    devices: Sequence[v1.DanDevice | v2.DanDevice] = config.devices
    if any(not isinstance(device.device, (HostTap, VhostUser)) for device in devices):
        return "go-runtime"
    return "runtime-rs"


def calls(network: Network) -> tuple[tuple[str, Interface | ARPNeighbor | Route], ...]:
    """The agent requests in the order runtime-rs makes them: interfaces, neighbors, routes.

    Each is ``("interface", Interface)``, ``("neighbor", ARPNeighbor)`` or
    ``("route", Route)``.
    """
    ordered: list[tuple[str, Interface | ARPNeighbor | Route]] = []
    ordered += [("interface", interface) for interface in network.interfaces]
    ordered += [("neighbor", neighbor) for neighbor in network.neighbors]
    ordered += [("route", route) for route in network.routes]
    return tuple(ordered)


def route_order(routes: Iterable[Route]) -> tuple[Route, ...]:
    """The order in which the agent adds ``routes``: those without gateway first, then the rest.

    Within each group the order is kept; each is added with ``replace``, so a
    route already present is no error.
    """
    routes = tuple(routes)
    return tuple(r for r in routes if not r.gateway) + tuple(r for r in routes if r.gateway)


# --- agent -> DAN ------------------------------------------------------------------------------

_T = TypeVar("_T")
_DIGITS = frozenset("0123456789")


def _parse(parse: Callable[[str], _T], text: str, path: str, problems: list[Problem]) -> _T | None:
    try:
        return parse(text)
    except ValueError as error:
        problems.append(Problem(path=path, message=str(error)))
        return None


def _dan_address(
    address: IPAddress, path: str, problems: list[Problem], *, plain: bool = False
) -> IPInterface | _IP | None:
    """The DAN value of an agent address; with ``plain``, an empty mask gives a plain IP."""
    ip = _parse(parse_ip, address.address, f"{path}.address", problems)
    width = 128 if ip is None else ip.max_prefixlen
    mask = address.mask
    if plain and mask == "":
        if ip is not None and _family_of(ip) != address.family:
            problems.append(
                Problem(
                    path=f"{path}.family",
                    message=f"family {address.family.name} does not match the address "
                    f"{ip_text(ip)}",
                )
            )
            return None
        return ip
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
        # the Go runtime sends a neighbor address without prefix length
        ip = _dan_address(neighbor.toIPAddress, f"{path}.toIPAddress", problems, plain=True)
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
        cast("IPInterface | None", _dan_address(address, f"{path}.IPAddresses[{index}]", problems))
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


_HOST_DEVICES: Final[dict[str, Callable[[str], v2.Device]]] = {
    "host-tap": lambda value: v2.HostTap(tap_name=value),
    "vhost-user": lambda value: v2.VhostUser(path=value),
    "vfio": lambda value: v2.Vfio(pci_device_id=value),
}


def host_device(spec: str) -> v2.Device:
    """The host device written ``TYPE:VALUE``: ``host-tap:TAP``, ``vhost-user:PATH``, ``vfio:PCI``.

    Agent messages carry no host device; :func:`to_dan_config` needs one per
    interface, and ``danmodel convert --from agent`` reads them in this form.
    Raises :class:`~danmodel.errors.ValidationError` for anything else.
    """
    kind, colon, value = spec.partition(":")
    make = _HOST_DEVICES.get(kind)
    if make is None or not colon:
        known = ", ".join(f"{name}:..." for name in _HOST_DEVICES)
        raise ValidationError(
            [Problem(path="$", message=f"expected a host device {known}, found {spec!r}")],
            source="host device",
        )
    try:
        return make(value)
    except ValidationError as error:
        raise ValidationError(
            [Problem(path="$", message=problem.message) for problem in error.errors],
            source="host device",
        ) from None
