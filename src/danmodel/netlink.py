"""The Linux kernel as a guest: apply agent messages to links of a throwaway network namespace.

The Kata agent configures the guest network with rtnetlink requests built from
the messages the runtime sends (``UpdateInterface``, ``AddARPNeighbors``,
``UpdateRoutes``). This module sends the same requests, in the same order and
with the same readings of each field, to links of a network namespace it
creates, so the kernel itself says what it accepts:

- :func:`guest` makes a namespace with guest-like links (veth ends with a MAC
  and virtio-net's MTU range, 68 to 65535) and removes it on every exit path;
- :func:`messages_for` turns a DAN config into the messages runtime-rs sends,
  remembering the ``$.path`` of the DAN field behind each one;
- :func:`apply` performs them and returns one :class:`Outcome` per request
  (the kernel's errno and message when it refuses) and what the kernel dropped
  silently afterwards;
- :func:`snapshot` reads a link back as a DAN device.

It needs root (``CAP_SYS_ADMIN`` and ``CAP_NET_ADMIN``) and the ``netlink``
extra (pyroute2), imported only when a function here runs. Without them,
:class:`KernelUnavailableError`.
"""

from __future__ import annotations

import contextlib
import errno as _errno
import importlib
import os
import secrets
import struct
from collections.abc import Iterator, Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any, Final, Literal

import attrs

from . import agent, v1, v2
from .errors import DanError, Problem
from .kernel import IFF_NOARP, NudState
from .mac import MacAddress

IPRoute = Any
"""A ``pyroute2.IPRoute`` (pyroute2 has no type information)."""

__all__ = [
    "Applied",
    "Guest",
    "GuestLink",
    "KernelUnavailableError",
    "Messages",
    "Outcome",
    "apply",
    "guest",
    "guest_for",
    "messages_for",
    "snapshot",
]

IFF_UP: Final = 0x1
MIN_MTU: Final = 68
"""Smallest MTU of a virtio-net link (and of any IPv4 link)."""
MAX_MTU: Final = 65535
"""Largest MTU of a virtio-net link, and of the veth links that stand in for it."""
RT_TABLE_MAIN: Final = 254
RTPROT_KERNEL: Final = 2
RTPROT_BOOT: Final = 3
IFA_PROTO_KERNEL_LL: Final = 3
_NLM_F_CREATE_EXCL: Final = "add"


class KernelUnavailableError(DanError, RuntimeError):
    """The kernel cannot be asked here: pyroute2 is missing, or the privilege to make namespaces."""


_CHILD_TIMEOUT: Final = 30
"""Seconds pyroute2 waits for the helper process that opens a socket in a namespace.

pyroute2's default (2 s) is short enough to fail on a loaded machine, and a
failure there would read as the kernel refusing to make namespaces."""


def _pyroute2() -> Any:
    try:
        pyroute2 = importlib.import_module("pyroute2")
    except ImportError as error:
        raise KernelUnavailableError(
            "danmodel.netlink needs pyroute2: pip install 'danmodel[netlink]'"
        ) from error
    config = importlib.import_module("pyroute2.config")
    for name in ("default_communicate_timeout", "default_create_socket_timeout"):
        if getattr(config, name, _CHILD_TIMEOUT) < _CHILD_TIMEOUT:
            setattr(config, name, _CHILD_TIMEOUT)
    return pyroute2


def _open(netns: str) -> IPRoute:
    pyroute2 = _pyroute2()
    return pyroute2.IPRoute(netns=netns, ext_ack=True)


# --- the throwaway namespace ---------------------------------------------------------------


@attrs.frozen(kw_only=True)
class GuestLink:
    """A guest link as the guest kernel names it before the agent runs (``eth0``...)."""

    ifname: str
    mac: MacAddress


@attrs.frozen(kw_only=True)
class Guest:
    """A throwaway guest namespace: its name (for :func:`apply`) and its links."""

    netns: str
    """Name of the namespace (under ``/run/netns``)."""
    links: tuple[GuestLink, ...]
    wire: str
    """Name of the second namespace that holds the other end of each link (the "host")."""


def _namespace_name(role: str) -> str:
    return f"danmodel-{os.getpid()}-{secrets.token_hex(3)}-{role}"


def _remove_namespace(name: str) -> None:
    pyroute2 = _pyroute2()
    with contextlib.suppress(FileNotFoundError, OSError):
        pyroute2.netns.remove(name)


@contextlib.contextmanager
def guest(macs: Sequence[MacAddress | str], *, mtu: int = 1500) -> Iterator[Guest]:
    """A namespace with one guest-like link per MAC, named ``eth0``, ``eth1``... in order.

    The loopback link is up, as in a guest. Each link is one end of a veth pair
    whose other end is up in a second
    throwaway namespace, so the link has a carrier like a virtio-net link
    attached to its backend; veth takes MTUs from 68 to 65535, as virtio-net
    does. Both namespaces are removed when the block ends, however it ends
    (an exception, ``KeyboardInterrupt``). The caller's namespace is never
    touched: every request goes through a netlink socket opened inside the
    namespace. Raises :class:`KernelUnavailableError` without the privilege.
    """
    pyroute2 = _pyroute2()
    parsed = [mac if isinstance(mac, MacAddress) else MacAddress.parse(mac) for mac in macs]
    guest_ns = _namespace_name("guest")
    wire_ns = _namespace_name("wire")
    created: list[str] = []
    try:
        for name in (guest_ns, wire_ns):
            try:
                pyroute2.netns.create(name)
            except OSError as error:
                raise KernelUnavailableError(
                    f"cannot create a network namespace ({error.strerror or error}); "
                    "danmodel.netlink needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)"
                ) from error
            created.append(name)
        links = []
        with _open(wire_ns) as wire:
            for index, mac in enumerate(parsed):
                peer = f"host{index}"
                wire.link(
                    "add",
                    ifname=peer,
                    kind="veth",
                    mtu=mtu,
                    peer={
                        "ifname": f"eth{index}",
                        "address": str(mac),
                        "mtu": mtu,
                        "net_ns_fd": guest_ns,
                    },
                )
                wire.link("set", index=wire.link_lookup(ifname=peer)[0], state="up")
                links.append(GuestLink(ifname=f"eth{index}", mac=mac))
        with _open(guest_ns) as inside:
            # A guest has lo up: without it the kernel has no local table, and reads
            # every IPv4 address as broadcast (no neighbor needs a MAC, no ONLINK works).
            inside.link("set", index=inside.link_lookup(ifname="lo")[0], state="up")
        yield Guest(netns=guest_ns, links=tuple(links), wire=wire_ns)
    finally:
        for name in reversed(created):
            _remove_namespace(name)


def guest_for(
    messages: Messages | agent.Network | agent.AgentDevice,
) -> contextlib.AbstractContextManager[Guest]:
    """:func:`guest` with one link per interface that has a valid ``hwAddr``, in order."""
    network = _network(messages)
    macs = []
    for interface in network.interfaces:
        with contextlib.suppress(ValueError):
            mac = MacAddress.parse(interface.hwAddr)
            if mac not in macs:
                macs.append(mac)
    return guest(macs)


# --- messages with the DAN paths they come from ----------------------------------------------


@attrs.frozen(kw_only=True)
class Messages:
    """Agent messages, and for each one the ``$.path`` of the DAN field it comes from."""

    network: agent.Network
    interfaces: tuple[str, ...]
    """Path of the device of each interface (``$.devices[0]``)."""
    addresses: tuple[tuple[str, ...], ...]
    """Path of each address of each interface (``...interface.ip_addresses[1]``)."""
    routes: tuple[str, ...]
    """Path of each route (``$.devices[0].network_info.routes[2]``)."""
    neighbors: tuple[str, ...]
    """Path of each neighbor."""
    dropped: tuple[Problem, ...] = ()
    """What the runtime does not send (from the conversion)."""


def messages_for(config: v1.DanConfig | v2.DanConfig, *, runtime: str = "runtime-rs") -> Messages:
    """The messages ``runtime`` sends for ``config``, with the DAN path of each.

    The conversion is :func:`danmodel.agent.from_dan_config` with that runtime
    profile (``NAME[@VERSION]``; ``runtime-rs`` is its latest release, which
    sends only PERMANENT neighbors, ``runtime-rs@3.19.0`` sends them all).
    What the runtime does not send is in :attr:`Messages.dropped`. Raises
    :class:`~danmodel.errors.ValidationError` where the conversion does.
    """
    converted = agent.from_dan_config(config, runtime=runtime)
    network = converted.value
    gone = {problem.path for problem in converted.dropped}
    devices: Sequence[v1.DanDevice | v2.DanDevice] = config.devices
    unused = list(range(len(devices)))
    interfaces: list[str] = []
    addresses: list[tuple[str, ...]] = []
    routes: list[str] = []
    neighbors: list[str] = []
    for interface in network.interfaces:
        # The runtime may reorder devices (the Go runtime sorts them by name).
        index = next(
            i
            for i in unused
            if devices[i].name == interface.name and str(devices[i].guest_mac) == interface.hwAddr
        )
        unused.remove(index)
        path = f"$.devices[{index}]"
        info = devices[index].network_info
        interfaces.append(path)
        addresses.append(
            _kept(f"{path}.network_info.interface.ip_addresses", info.interface.ip_addresses, gone)
        )
        routes.extend(_kept(f"{path}.network_info.routes", info.routes, gone))
        neighbors.extend(_kept(f"{path}.network_info.neighbors", info.neighbors, gone))
    return Messages(
        network=network,
        interfaces=tuple(interfaces),
        addresses=tuple(addresses),
        routes=tuple(routes),
        neighbors=tuple(neighbors),
        dropped=converted.dropped,
    )


def _kept(path: str, items: Sequence[object], gone: set[str]) -> tuple[str, ...]:
    """The paths of the items of a list that the runtime sends."""
    paths = (f"{path}[{index}]" for index in range(len(items)))
    return tuple(item for item in paths if item not in gone)


def _agent_paths(network: agent.Network) -> Messages:
    return Messages(
        network=network,
        interfaces=tuple(f"$.interfaces[{i}]" for i in range(len(network.interfaces))),
        addresses=tuple(
            tuple(f"$.interfaces[{i}].IPAddresses[{k}]" for k in range(len(x.IPAddresses)))
            for i, x in enumerate(network.interfaces)
        ),
        routes=tuple(f"$.routes[{i}]" for i in range(len(network.routes))),
        neighbors=tuple(f"$.neighbors[{i}]" for i in range(len(network.neighbors))),
    )


def _network(messages: Messages | agent.Network | agent.AgentDevice) -> agent.Network:
    if isinstance(messages, Messages):
        return messages.network
    if isinstance(messages, agent.AgentDevice):
        return agent.Network(
            interfaces=[messages.interface], routes=messages.routes, neighbors=messages.neighbors
        )
    return messages


# --- outcomes ---------------------------------------------------------------------------------

Step = Literal["link", "down", "address", "link-set", "neighbor", "route"]


@attrs.frozen(kw_only=True)
class Outcome:
    """What one request of the agent got: ok, refused by the kernel, or failed in the agent."""

    step: Step
    path: str
    """The DAN field (or agent message) the request comes from, as precisely as known."""
    request: str
    """The request, in iproute2's words (``route replace 10.1.0.0/16 via 10.0.0.1 ...``)."""
    errno: int | None = None
    """The kernel's errno when it refused; None when it accepted, or when the agent failed."""
    error: str | None = None
    """The kernel's message (its extended ack when it gives one), or the agent's."""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def refused(self) -> bool:
        """The kernel refused the request (the agent fails the sandbox)."""
        return self.errno is not None

    def __str__(self) -> str:
        if self.ok:
            return f"{self.path}: ok: {self.request}"
        who = "agent"
        if self.errno is not None:
            who = f"kernel {_errno.errorcode.get(self.errno, self.errno)}"
        return f"{self.path}: {who}: {self.error} ({self.request})"


@attrs.frozen(kw_only=True)
class Applied:
    """What :func:`apply` saw: an outcome per request, and what the kernel dropped silently."""

    outcomes: tuple[Outcome, ...]
    dropped: tuple[Problem, ...] = ()
    """Accepted settings the kernel no longer holds once the agent is done."""

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.ok)


# --- apply ---------------------------------------------------------------------------------------


def _ip(text: str) -> IPv4Address | IPv6Address:
    return ip_address(text)


def _network_of(text: str) -> IPv4Network | IPv6Network:
    """A route dest or source as the agent reads it: ``ip/prefix``, or a plain IP (max prefix)."""
    address, slash, prefix = text.partition("/")
    ip = _ip(address)
    length = ip.max_prefixlen if not slash else int(prefix)
    if not 0 <= length <= ip.max_prefixlen or (slash and not prefix.isdigit()):
        raise ValueError(f"bad prefix length in {text!r}")
    return (IPv4Network if ip.version == 4 else IPv6Network)((int(ip), length), strict=False)


def _family(version: int) -> int:
    return 2 if version == 4 else 10


class _Run:
    def __init__(self, ipr: IPRoute) -> None:
        self.ipr = ipr
        self.outcomes: list[Outcome] = []

    def call(self, step: Step, path: str, request: str, paths: dict[str, str], func: Any) -> bool:
        netlink_error = _pyroute2().netlink.exceptions.NetlinkError
        try:
            func()
        except netlink_error as error:
            code = int(error.code)
            text = str(error.args[1]) if len(error.args) > 1 else os.strerror(code)
            self.outcomes.append(
                Outcome(
                    step=step,
                    path=_refine(path, text, paths),
                    request=request,
                    errno=code,
                    error=text,
                )
            )
            return False
        except OSError as error:
            # pyroute2 raises some kernel answers as OSError (ENOBUFS, for one).
            code = error.errno or 0
            self.outcomes.append(
                Outcome(
                    step=step,
                    path=path,
                    request=request,
                    errno=code,
                    error=error.strerror or os.strerror(code),
                )
            )
            return False
        except (struct.error, ValueError, TypeError) as error:
            # pyroute2 could not encode the request: the agent's own types would not hold it.
            self.outcomes.append(
                Outcome(step=step, path=path, request=request, error=f"cannot encode: {error}")
            )
            return False
        self.outcomes.append(Outcome(step=step, path=path, request=request))
        return True

    def agent_error(self, step: Step, path: str, request: str, message: str) -> None:
        self.outcomes.append(Outcome(step=step, path=path, request=request, error=message))

    def index_by_name(self, name: str) -> int | None:
        found = self.ipr.link_lookup(ifname=name)
        return int(found[0]) if found else None


def _refine(path: str, text: str, paths: dict[str, str]) -> str:
    """The field path a kernel message points at, from its words; else ``path``."""
    lowered = text.lower()
    for word, field in paths.items():
        if word in lowered:
            return field
    return path


def _links_by_mac(ipr: IPRoute) -> dict[str, int]:
    found: dict[str, int] = {}
    for link in ipr.get_links():
        address = link.get("address")
        if address:
            found.setdefault(str(address).lower(), int(link["index"]))
    return found


def _update_interface(
    run: _Run, interface: agent.Interface, path: str, address_paths: Sequence[str], dan: bool
) -> None:
    mac_path = f"{path}.guest_mac" if dan else f"{path}.hwAddr"
    name_path = f"{path}.name"
    interface_path = f"{path}.network_info.interface" if dan else path
    mtu_path = f"{interface_path}.mtu"
    try:
        mac = str(MacAddress.parse(interface.hwAddr)).lower()
    except ValueError:
        run.agent_error(
            "link", mac_path, "link lookup", f"hwAddr {interface.hwAddr!r} is not a MAC"
        )
        return
    index: int | None = _links_by_mac(run.ipr).get(mac)
    if index is None:
        # 4.1: the agent sets the MAC on the link named `name`.
        index = run.index_by_name(interface.name)
        if index is None:
            run.agent_error("link", mac_path, f"link lookup {mac}", f"no link has the MAC {mac}")
            return
        if not run.call(
            "link",
            mac_path,
            f"link set {interface.name} address {mac}",
            {},
            lambda: run.ipr.link("set", index=index, address=mac),
        ):
            return
    link_index = index
    run.call(
        "down",
        path,
        f"link set index {link_index} down",
        {},
        lambda: run.ipr.link("set", index=link_index, flags=0, change=IFF_UP),
    )
    for address, address_path in zip(interface.IPAddresses, address_paths, strict=True):
        text = f"{address.address}/{address.mask}"
        try:
            ip = _ip(address.address)
            prefix = int(address.mask)
            _network_of(text)
        except ValueError as error:
            run.agent_error("address", address_path, f"address add {text}", str(error))
            continue
        run.call(
            "address",
            address_path,
            f"address add {text} dev index {link_index}",
            {},
            lambda ip=ip, prefix=prefix: run.ipr.addr(
                _NLM_F_CREATE_EXCL, index=link_index, address=str(ip), prefixlen=prefix
            ),
        )
    mtu = interface.mtu & 0xFFFFFFFF  # the agent sends it as u32
    noarp = bool(interface.raw_flags & IFF_NOARP)
    flags = IFF_UP | (IFF_NOARP if noarp else 0)
    request = (
        f"link set index {link_index} mtu {mtu} name {interface.name} "
        f"arp {'off' if noarp else 'on'} up"
    )
    words = {"mtu": mtu_path, "name": name_path}
    if not run.call(
        "link-set",
        name_path,
        request,
        words,
        lambda: run.ipr.link(
            "set",
            index=link_index,
            mtu=mtu,
            ifname=interface.name,
            flags=flags,
            change=IFF_UP | IFF_NOARP,
        ),
    ):
        # The agent stops here; go on without the MTU so the later requests can be judged.
        with contextlib.suppress(Exception):
            run.ipr.link(
                "set",
                index=link_index,
                ifname=interface.name,
                flags=flags,
                change=IFF_UP | IFF_NOARP,
            )


_ROUTE_WORDS: Final = {
    "flags": "flags",
    "onlink": "flags",
    "rtf_cache": "flags",
    "gateway": "gateway",
    "scope": "scope",
    "nexthop": "gateway",
    "source": "source",
    "prefsrc": "source",
    "prefix": "dest",
    "mtu": "mtu",
}


class _FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _route_request(route: agent.Route, index: int) -> tuple[dict[str, Any], str]:
    """The RTM_NEWROUTE fields the agent sends for a route, and the request in words."""
    version = 4 if route.family == agent.IPFamily.v4 else 6
    fields: dict[str, Any] = {
        "family": _family(version),
        "table": RT_TABLE_MAIN,
        "proto": RTPROT_BOOT,
        "scope": route.scope & 0xFF,
        "flags": route.flags,
        "oif": index,
        "type": 1,
    }
    words = [f"route replace proto boot scope {route.scope & 0xFF} flags {route.flags:#x}"]
    if route.dest:
        dest = _network_of(route.dest)
        if dest.version != version:
            raise _FieldError("dest", f"dest {route.dest} is not of the route's family")
        address, _, _ = route.dest.partition("/")
        fields["dst"] = address
        fields["dst_len"] = dest.prefixlen
        words.append(route.dest)
    else:
        fields["dst_len"] = 0
        words.append("default")
    if route.gateway:
        gateway = _ip(route.gateway)
        if gateway.version != version:
            raise _FieldError("gateway", f"gateway {route.gateway} is not of the route's family")
        fields["gateway"] = str(gateway)
        words.append(f"via {gateway}")
    if route.source:
        source = _network_of(route.source)
        if source.version != version:
            raise _FieldError("source", f"source {route.source} is not of the route's family")
        address = route.source.partition("/")[0]
        if source.prefixlen == 0:
            fields["prefsrc"] = address
            words.append(f"src {address}")
        else:
            fields["src"] = address
            fields["src_len"] = source.prefixlen
            words.append(f"from {address}/{source.prefixlen}")
    if route.mtu:
        fields["metrics"] = {"mtu": route.mtu}
        words.append(f"mtu {route.mtu}")
    words.append(f"dev {route.device}")
    return fields, " ".join(words)


def _update_routes(
    run: _Run, routes: Sequence[agent.Route], paths: Sequence[str], dan: bool
) -> None:
    ordered = sorted(zip(routes, paths, strict=True), key=lambda pair: bool(pair[0].gateway))
    for route, path in ordered:
        index = run.index_by_name(route.device)
        if index is None:
            run.agent_error(
                "route", path, f"route dev {route.device}", f"no link named {route.device!r}"
            )
            continue
        try:
            fields, request = _route_request(route, index)
        except ValueError as error:
            where = f"{path}.{error.field}" if isinstance(error, _FieldError) else path
            run.agent_error("route", where, f"route dev {route.device}", str(error))
            continue
        words = {word: f"{path}.{field}" for word, field in _ROUTE_WORDS.items()}
        if route.gateway:
            # Without an extended ack, an unreachable gateway is ENETUNREACH or EHOSTUNREACH.
            words.update({"unreachable": f"{path}.gateway", "no route to host": f"{path}.gateway"})
        run.call("route", path, request, words, lambda f=fields: run.ipr.route("replace", **f))


def _add_neighbors(
    run: _Run, neighbors: Sequence[agent.ARPNeighbor], paths: Sequence[str], dan: bool
) -> None:
    ip_key = "ip_address" if dan else "toIPAddress"
    mac_key = "hardware_addr" if dan else "lladdr"
    for neighbor, path in zip(neighbors, paths, strict=True):
        to = neighbor.toIPAddress
        if to is None or not to.address:
            run.agent_error(
                "neighbor", f"{path}.{ip_key}", "neighbor add", "the neighbor has no IP address"
            )
            continue
        try:
            ip = _ip(to.address)
        except ValueError as error:
            run.agent_error("neighbor", f"{path}.{ip_key}", "neighbor add", str(error))
            continue
        index = run.index_by_name(neighbor.device)
        if index is None:
            run.agent_error(
                "neighbor", path, f"neighbor add {ip}", f"no link named {neighbor.device!r}"
            )
            continue
        fields: dict[str, Any] = {
            "family": _family(ip.version),
            "ifindex": index,
            "dst": str(ip),
            "state": neighbor.state & 0xFFFF if neighbor.state else int(NudState.PERMANENT),
            "flags": neighbor.flags & 0xFF,
        }
        if neighbor.lladdr:
            try:
                fields["lladdr"] = str(MacAddress.parse(neighbor.lladdr))
            except ValueError as error:
                run.agent_error("neighbor", f"{path}.{mac_key}", f"neighbor add {ip}", str(error))
                continue
        request = (
            f"neighbor add {ip} lladdr {neighbor.lladdr or '-'} nud {fields['state']:#x} "
            f"flags {fields['flags']:#x} dev {neighbor.device}"
        )
        words = {
            "state": f"{path}.state",
            "flag": f"{path}.flags",
            "lladdr": f"{path}.{mac_key}",
            "link layer": f"{path}.{mac_key}",
            "address": f"{path}.{ip_key}",
        }
        run.call("neighbor", path, request, words, lambda f=fields: run.ipr.neigh("add", **f))


def apply(messages: Messages | agent.Network | agent.AgentDevice, netns: str) -> Applied:
    """Do what the agent does with ``messages`` to the links of namespace ``netns``.

    The runtime's order: every ``UpdateInterface``, then ``AddARPNeighbors``,
    then ``UpdateRoutes``. Per interface: the link is found by ``hwAddr``
    (else, as in 4.1, the link named ``name`` gets that MAC), set down, given
    its addresses, then MTU (even 0), name, ARP and up in one request. Routes
    without gateway first, each ``replace`` in table main with protocol boot,
    ``scope`` as u8, ``flags`` as route flags, ``mtu`` as RTAX_MTU when not 0,
    a plain IP ``source`` as a source prefix /32 or /128 and ``ip/0`` as the
    preferred source. Neighbors: state 0 as PERMANENT, else ``state`` as u16,
    ``flags`` as u8; no IP is an agent error.

    Where the agent stops at the first error, :func:`apply` goes on so each
    request is judged (after a refused link request it sets name and up
    without the MTU). Paths are DAN paths for :class:`Messages` (from
    :func:`messages_for`), agent-form paths otherwise.
    """
    paths = messages if isinstance(messages, Messages) else _agent_paths(_network(messages))
    dan = isinstance(messages, Messages)
    network = paths.network
    with _open(netns) as ipr:
        run = _Run(ipr)
        for interface, path, address_paths in zip(
            network.interfaces, paths.interfaces, paths.addresses, strict=True
        ):
            _update_interface(run, interface, path, address_paths, dan)
        _add_neighbors(run, network.neighbors, paths.neighbors, dan)
        _update_routes(run, network.routes, paths.routes, dan)
        dropped = _silently_dropped(ipr, network, paths, run.outcomes)
    return Applied(outcomes=tuple(run.outcomes), dropped=tuple(dropped))


def _silently_dropped(
    ipr: IPRoute, network: agent.Network, paths: Messages, outcomes: Sequence[Outcome]
) -> list[Problem]:
    accepted = {(o.step, o.path) for o in outcomes if o.ok}
    dropped = []
    held = {(int(a["index"]), str(a.get("address")), int(a["prefixlen"])) for a in ipr.get_addr()}
    for interface, address_paths in zip(network.interfaces, paths.addresses, strict=True):
        index = _index_quiet(ipr, interface.name)
        for address, path in zip(interface.IPAddresses, address_paths, strict=True):
            if ("address", path) not in accepted or index is None:
                continue
            key = (index, str(_ip(address.address)), int(address.mask))
            if key not in held:
                dropped.append(
                    Problem(
                        path=path,
                        message=f"the kernel accepted {address.address}/{address.mask} and no "
                        f"longer holds it after the link was set up (mtu {interface.mtu})",
                    )
                )
    neighbors = {(int(n["ifindex"]), str(n.get("NDA_DST"))) for n in ipr.get_neighbours()}
    for neighbor, path in zip(network.neighbors, paths.neighbors, strict=True):
        index = _index_quiet(ipr, neighbor.device)
        to = neighbor.toIPAddress
        if ("neighbor", path) not in accepted or index is None or to is None:
            continue
        if (index, str(_ip(to.address))) not in neighbors:
            dropped.append(
                Problem(
                    path=path,
                    message=f"the kernel accepted neighbor {to.address} (flags "
                    f"{neighbor.flags & 0xFF:#x}) but holds no such neighbor entry"
                    + (" (NTF_PROXY made it a proxy entry)" if neighbor.flags & 0x08 else ""),
                )
            )
    routes = {
        (int(r.get("RTA_OIF") or 0), str(r.get("RTA_DST")), int(r["dst_len"]))
        for family in (2, 10)
        for r in ipr.get_routes(family=family, table=RT_TABLE_MAIN)
    }
    for route, path in zip(network.routes, paths.routes, strict=True):
        if ("route", path) not in accepted:
            continue
        index = _index_quiet(ipr, route.device)
        dest = _network_of(route.dest) if route.dest else None
        key = (index or 0, "None", 0)  # the kernel dumps a default route without RTA_DST
        if dest is not None and dest.prefixlen:
            key = (index or 0, str(dest.network_address), dest.prefixlen)
        if key not in routes:
            dropped.append(
                Problem(path=path, message="the kernel accepted the route but no longer holds it")
            )
        if not route.source:
            continue
        source = _network_of(route.source)
        if source.version == 4 and source.prefixlen:
            dropped.append(
                Problem(
                    path=f"{path}.source",
                    message=f"the agent sends source {route.source} as a source prefix "
                    f"{source}, which IPv4 routes do not have: the kernel ignores it",
                )
            )
    return dropped


def _index_quiet(ipr: IPRoute, name: str) -> int | None:
    found = ipr.link_lookup(ifname=name)
    return int(found[0]) if found else None


# --- snapshot ------------------------------------------------------------------------------------


def snapshot(netns: str, ifname: str, *, device: v2.Device) -> v2.DanDevice:
    """The DAN device for link ``ifname`` of namespace ``netns``, with ``device`` as its host side.

    Addresses (not the link-local one the kernel makes), the link's routes in
    table main that the kernel did not add itself (protocol kernel), its
    PERMANENT neighbors, the MTU and ``IFF_NOARP``. Raises
    :class:`KernelUnavailableError` when the link is not there.
    """
    with _open(netns) as ipr:
        found = ipr.link_lookup(ifname=ifname)
        if not found:
            raise KernelUnavailableError(f"no link named {ifname!r} in namespace {netns!r}")
        index = int(found[0])
        link = ipr.get_links(index)[0]
        addresses = [
            f"{a.get('address')}/{a['prefixlen']}"
            for a in ipr.get_addr(index=index)
            if a.get("IFA_PROTO") != IFA_PROTO_KERNEL_LL
        ]
        routes = []
        for route in ipr.get_routes(table=RT_TABLE_MAIN):
            if route.get("RTA_OIF") != index or route["proto"] == RTPROT_KERNEL:
                continue
            if route.get("RTA_TABLE", RT_TABLE_MAIN) != RT_TABLE_MAIN:
                continue
            routes.append(_dan_route(route))
        neighbors = [
            v2.Neighbor(
                ip_address=_interface_text(str(n.get("NDA_DST"))),
                hardware_addr=MacAddress.parse(str(n.get("NDA_LLADDR")))
                if n.get("NDA_LLADDR")
                else None,
                state=int(n["state"]),
                flags=int(n["flags"]),
            )
            for n in ipr.get_neighbours(ifindex=index)
            if int(n["state"]) & NudState.PERMANENT
        ]
        return v2.DanDevice(
            name=ifname,
            guest_mac=MacAddress.parse(str(link.get("address"))),
            device=device,
            network_info=v2.NetworkInfo(
                interface=v2.Interface(
                    ip_addresses=[_interface_text(a) for a in addresses],
                    mtu=int(link.get("mtu")),
                    flags=int(link["flags"]) & IFF_NOARP,
                ),
                routes=routes,
                neighbors=neighbors,
            ),
        )


def _interface_text(text: str) -> Any:
    from .addresses import parse_interface

    if "/" not in text:
        text = f"{text}/{_ip(text).max_prefixlen}"
    return parse_interface(text)


def _dan_route(route: Any) -> v2.Route:
    from .addresses import parse_ip, parse_network

    dst = route.get("RTA_DST")
    gateway = route.get("RTA_GATEWAY")
    source = route.get("RTA_SRC")
    if source and route["src_len"] != parse_ip(str(source)).max_prefixlen:
        source = None
    metrics = route.get("RTA_METRICS")
    mtu = 0
    if metrics is not None:
        mtu = int(metrics.get("RTAX_MTU") or 0)
    return v2.Route(
        dest=parse_network(f"{dst}/{route['dst_len']}") if dst else None,
        gateway=parse_ip(str(gateway)) if gateway else None,
        source=parse_ip(str(source)) if source else None,
        scope=int(route["scope"]),
        flags=int(route["flags"]),
        mtu=mtu,
    )
