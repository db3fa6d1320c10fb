"""The rules of ``danmodel.findings``, as data: one :class:`Rule` per runtime behaviour.

A rule names the input it concerns, what the runtime does with it, the fix,
the runtime and releases it applies to, and a function finding the input in
a :class:`Context` (the raw document's facts and the loaded config).
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Set as AbstractSet
from functools import cached_property
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
    ip_address,
    ip_network,
)
from typing import Any, Literal, NamedTuple

import attrs

from .. import v1, v2
from .._model import HostTap, VhostUser
from .._paths import key_text
from ..addresses import ip_text, text_functions
from ..kernel import IFF_NOARP, NudState
from .facts import Fact
from .profiles import GO_RUNTIME, RUNTIME_RS, Profile, Version

__all__ = ["RULES", "Context", "Hit", "Rule", "Severity", "rules_markdown", "sent"]

RTNH_F_ONLINK = 0x4
"""Route flag: the gateway is on the link even if no address covers it."""
MAX_QUEUE_SIZE = 32768
"""Largest virtio queue size."""
MIN_MTU = 68
"""Smallest MTU the kernel accepts for an IPv4 link."""
MAX_MTU = 65535
"""Largest MTU a virtio-net device takes."""
MIN_IPV6_MTU = 1280
"""Smallest MTU on which the kernel keeps IPv6 (RFC 8200)."""
RT_SCOPE_LINK = 253
RT_SCOPE_HOST = 254
RT_SCOPE_NOWHERE = 255


class Severity(enum.Enum):
    """How bad a finding is."""

    ERROR = "error"
    """The runtime rejects the file, or the sandbox fails."""
    WARNING = "warning"
    """The runtime silently drops or changes a value."""
    INFO = "info"
    """The runtime does something worth knowing, with no loss."""

    @property
    def rank(self) -> int:
        """2 for errors, 1 for warnings, 0 for info."""
        return {"error": 2, "warning": 1, "info": 0}[self.value]

    def __str__(self) -> str:
        return self.value


class Hit(NamedTuple):
    """Where a rule found its input: a path, what is there, and a fix for this case.

    A named tuple: a large check makes one per finding, tens of thousands."""

    path: str
    found: str
    fix: str | None = None
    line: int | None = None
    column: int | None = None


RouteTrait = Literal[
    "no gateway",
    "IPv6 gateway",
    "source",
    "mixed families",
    "flags",
    "mtu",
    "scope over 0xff",
]
"""What :meth:`Context.routes_where` sorts routes by: no gateway, an IPv6 gateway, a
source, addresses of two families (a dest, gateway or source of another family than the
first of them), non-zero flags or mtu, a scope above 255."""


@attrs.frozen(kw_only=True)
class Context:
    """What the rules look at: the profile, the raw document's facts, the config."""

    profile: Profile
    facts: tuple[Fact, ...] = ()
    config: v1.DanConfig | v2.DanConfig | None = None

    def of(self, kind: str) -> Iterator[Fact]:
        """The facts of one kind."""
        return iter(self._facts_by_kind.get(kind, ()))

    def devices(self) -> Iterator[tuple[str, Any]]:
        """Each device of the config with its path."""
        return iter(self._devices)

    def routes(self) -> Iterator[tuple[str, Any, Any]]:
        """Each route with its path and device."""
        return iter(self._routes)

    def neighbors(self) -> Iterator[tuple[str, Any, Any]]:
        """Each neighbor with its path and device."""
        return iter(self._neighbors)

    def routes_where(self, what: RouteTrait) -> Iterator[tuple[str, Any, Any]]:
        """Each route with its path and device that has ``what`` (see :data:`RouteTrait`):
        the routes a rule concerns, sorted out for all such rules in one walk."""
        return iter(self._route_traits[what])

    def sent_neighbors(self) -> Iterator[tuple[str, Any, Any]]:
        """Each neighbor the runtime sends to the agent (see :func:`sent`), with its path and
        device."""
        return iter(self._neighbors_by_sending[True])

    def unsent_neighbors(self) -> Iterator[tuple[str, Any, Any]]:
        """Each neighbor the runtime leaves out of the agent messages, with its path and
        device."""
        return iter(self._neighbors_by_sending[False])

    def sent_addresses(self, device_path: str) -> list[tuple[int, Any, int]]:
        """The interface addresses of the device at ``device_path`` that the runtime sends to
        the agent (see :meth:`Profile.skips_address`), as (index, address, IP as an integer)."""
        return self._addresses[0][device_path]

    def skipped_addresses(self) -> Iterator[tuple[str, int, Any]]:
        """Each interface address the runtime leaves out, as (device path, index, address)."""
        return iter(self._addresses[1])

    # Made once per check and shared by its rules (each used to walk the config again).

    @cached_property
    def _facts_by_kind(self) -> dict[str, list[Fact]]:
        grouped: dict[str, list[Fact]] = {}
        for fact in self.facts:
            grouped.setdefault(fact.kind, []).append(fact)
        return grouped

    @cached_property
    def _devices(self) -> list[tuple[str, Any]]:
        if self.config is None:
            return []
        return [(f"$.devices[{index}]", device) for index, device in enumerate(self.config.devices)]

    @cached_property
    def _routes(self) -> list[tuple[str, Any, Any]]:
        return [entry for entries in self._device_routes.values() for entry in entries]

    @cached_property
    def _device_routes(self) -> dict[str, list[tuple[str, Any, Any]]]:
        """The entries of :attr:`_routes` by device path."""
        return {
            path: [
                (f"{path}.network_info.routes[{index}]", route, device)
                for index, route in enumerate(device.network_info.routes)
            ]
            for path, device in self._devices
        }

    @cached_property
    def _neighbors(self) -> list[tuple[str, Any, Any]]:
        return [
            (f"{path}.network_info.neighbors[{index}]", neighbor, device)
            for path, device in self._devices
            for index, neighbor in enumerate(device.network_info.neighbors)
        ]

    @cached_property
    def _route_traits(self) -> dict[RouteTrait, list[tuple[str, Any, Any]]]:
        without_gateway: list[tuple[str, Any, Any]] = []
        v6_gateway: list[tuple[str, Any, Any]] = []
        sourced: list[tuple[str, Any, Any]] = []
        mixed: list[tuple[str, Any, Any]] = []
        flagged: list[tuple[str, Any, Any]] = []
        with_mtu: list[tuple[str, Any, Any]] = []
        wide_scope: list[tuple[str, Any, Any]] = []
        for entry in self._routes:
            route = entry[1]
            dest, gateway, source = route.dest, route.gateway, route.source
            gateway_version = 0
            if gateway is None:
                without_gateway.append(entry)
            else:
                gateway_version = gateway.version
                if gateway_version == 6:
                    v6_gateway.append(entry)
            source_version = 0
            if source is not None:
                sourced.append(entry)
                source_version = source.version
            first = dest.version if dest is not None else gateway_version or source_version
            if (gateway_version and gateway_version != first) or (
                source_version and source_version != first
            ):
                mixed.append(entry)
            if getattr(route, "flags", 0):
                flagged.append(entry)
            if getattr(route, "mtu", 0):
                with_mtu.append(entry)
            if route.scope > 0xFF:
                wide_scope.append(entry)
        return {
            "no gateway": without_gateway,
            "IPv6 gateway": v6_gateway,
            "source": sourced,
            "mixed families": mixed,
            "flags": flagged,
            "mtu": with_mtu,
            "scope over 0xff": wide_scope,
        }

    @cached_property
    def _neighbors_by_sending(self) -> dict[bool, list[tuple[str, Any, Any]]]:
        found: dict[bool, list[tuple[str, Any, Any]]] = {True: [], False: []}
        for entry, sent in zip(self._neighbors, self._sending, strict=True):
            found[sent].append(entry)
        return found

    @cached_property
    def _addresses(
        self,
    ) -> tuple[dict[str, list[tuple[int, Any, int]]], list[tuple[str, int, Any]]]:
        """The interface addresses the runtime sends, by device path, and those it skips."""
        skips_address = self.profile.skips_address
        sent_by_device: dict[str, list[tuple[int, Any, int]]] = {}
        skipped: list[tuple[str, int, Any]] = []
        for path, device in self._devices:
            sent = sent_by_device[path] = []
            for index, address in enumerate(device.network_info.interface.ip_addresses):
                if skips_address(address):
                    skipped.append((path, index, address))
                else:
                    sent.append((index, address, int(address)))
        return sent_by_device, skipped

    @cached_property
    def _sending(self) -> list[bool]:
        """Whether the runtime sends each neighbor of :attr:`_neighbors`."""
        return [sent for path, _ in self._devices for sent in self._device_sending[path]]

    @cached_property
    def _kernel_refusals(self) -> dict[str, list[Hit]]:
        """What the simulated guest kernel refuses, by rule: the simulation runs once for all
        the kernel rules of a check, and goes with its context (nothing outlives the check)."""
        found: dict[str, list[Hit]] = {}
        for refusal in _Kernel(self).refusals:
            found.setdefault(refusal.rule, []).append(refusal.hit)
        return found

    @cached_property
    def _device_sending(self) -> dict[str, tuple[bool, ...]]:
        """Whether the runtime sends each neighbor of a device, by the device's path."""
        sends = self.profile.sends_neighbor
        return {
            path: tuple(
                sends(neighbor, device.network_info.routes)
                for neighbor in device.network_info.neighbors
            )
            for path, device in self._devices
        }


Finder = Callable[[Context], Iterable[Hit]]


@attrs.frozen(kw_only=True)
class Rule:
    """One behaviour of a runtime (or of the kernel, for both) and how to find its input."""

    id: str
    """Stable identifier, e.g. ``rs-neighbor-ip-plain``."""
    runtime: str | None
    """``runtime-rs``, ``go-runtime``, or None for both (kernel facts)."""
    severity: Severity
    input: str
    """What in the file the rule concerns."""
    behaviour: str
    """What the runtime does with it."""
    fix: str | None
    """How to avoid it, when there is a way."""
    find: Finder = attrs.field(repr=False)
    reads: Literal["document", "config", "kernel"] = "config"
    """What the rule looks at: the JSON document (only when checking a file or text), or
    the loaded config (also when checking a model object)."""
    since: Version | None = None
    """First release the rule applies to (None: every release)."""
    before: Version | None = None
    """First release the rule no longer applies to (None: still applies)."""

    def applies_to(self, profile: Profile) -> bool:
        """Whether the rule concerns this runtime release."""
        return self.runtime in (None, profile.runtime) and profile.covers(self.since, self.before)

    @property
    def releases(self) -> str:
        """The releases it applies to, as text: ``all``, ``before 3.15.0``, ..."""
        if self.before is not None:
            return (
                f"before {self.before}" if self.since is None else f"{self.since} to <{self.before}"
            )
        return "all" if self.since is None else f"{self.since} and later"


# --- finders over raw facts -----------------------------------------------------------------


@attrs.frozen
class _FactFinder:
    """Finds the facts of one kind of the raw document."""

    kind: str
    found: Callable[[Fact], str]
    fix: Callable[[Fact], str | None] | None = None
    keep: Callable[[Fact], bool] = lambda fact: True

    def __call__(self, context: Context) -> Iterator[Hit]:
        for fact in context.of(self.kind):
            if self.keep(fact):
                fix = self.fix(fact) if self.fix else None
                yield Hit(fact.path, self.found(fact), fix, fact.line, fact.column)


def _facts(
    kind: str,
    found: Callable[[Fact], str],
    fix: Callable[[Fact], str | None] | None = None,
    keep: Callable[[Fact], bool] = lambda fact: True,
) -> Finder:
    return _FactFinder(kind, found, fix, keep)


def _rename_fix(fact: Fact) -> str | None:
    return f"rename it to {key_text(fact.other)}" if fact.other else None


def _missing(key: str) -> Finder:
    return _facts(
        "missing-key",
        lambda fact: f"{key_text(key)} is {'null' if fact.flag else 'missing'}",
        lambda fact: fact.other or None,
        keep=lambda fact: fact.text == key,
    )


def _duplicate(fact: Fact) -> str:
    return f"key {key_text(fact.text)} appears {fact.other} times"


# --- finders over the config ------------------------------------------------------------------


_TAGS: dict[type, str] = {HostTap: "host-tap", VhostUser: "vhost-user"}


def _device_type(types: tuple[type, ...]) -> Finder:
    def finder(context: Context) -> Iterator[Hit]:
        for path, device in context.devices():
            if isinstance(device.device, types):
                tag = _TAGS.get(type(device.device), "vfio")
                yield Hit(f"{path}.device.type", f'a "{tag}" device')

    return finder


def _loopback(context: Context) -> Iterator[Hit]:
    for path, index, address in context.skipped_addresses():
        yield Hit(
            f"{path}.network_info.interface.ip_addresses[{index}]",
            f"{ip_text(address)} is a loopback address",
        )


def _empty(route: Any) -> bool:
    return route.dest is None and route.gateway is None and route.source is None


def _route_without_family(context: Context) -> Iterator[Hit]:
    for path, route, _ in context.routes_where("no gateway"):
        if _empty(route):
            yield Hit(path, "the route has no dest, gateway or source")


def _v4_route_without_gateway(context: Context) -> Iterator[Hit]:
    for path, route, _ in context.routes_where("no gateway"):
        for key in ("dest", "source"):
            value = getattr(route, key)
            if value is not None and value.version == 4:
                yield Hit(path, f"an IPv4 route ({key} {value}) without gateway")
                break


def _empty_route(context: Context) -> Iterator[Hit]:
    for path, route, _ in context.routes_where("no gateway"):
        if _empty(route):
            yield Hit(path, "the route has no dest, gateway or source")


def _mapped_gateway(context: Context) -> Iterator[Hit]:
    for path, route, _ in context.routes_where("IPv6 gateway"):
        gateway = route.gateway
        if isinstance(gateway, IPv6Address) and gateway.ipv4_mapped is not None:
            yield Hit(
                f"{path}.gateway",
                f"gateway {ip_text(gateway)} is an IPv4-mapped IPv6 address",
                f"write the IPv4 address {gateway.ipv4_mapped}, or an IPv6 gateway",
            )


def _neighbor_ip(plain: bool) -> Finder:
    def finder(context: Context) -> Iterator[Hit]:
        ip_text = text_functions()[0]
        for path, neighbor, _ in context.sent_neighbors():
            address = neighbor.ip_address
            if address is None:
                continue
            has_prefix = isinstance(address, (IPv4Interface, IPv6Interface))
            if has_prefix and plain:
                text = ip_text(address)
                yield Hit(
                    f"{path}.ip_address",
                    f"neighbor address {text!r} has a prefix",
                    # the IP's text is the interface's up to its "/"
                    f'write "{text.partition("/")[0]}", as dumps(config, profile="go-runtime") '
                    "does",
                )
            elif not has_prefix and not plain:
                width = 32 if address.version == 4 else 128
                yield Hit(
                    f"{path}.ip_address",
                    f"neighbor address {ip_text(address)!r} has no prefix",
                    f'write "{ip_text(address)}/{width}", '
                    'as dumps(config, profile="runtime-rs") does',
                )

    return finder


def _neighbor_ip_missing(context: Context) -> Iterator[Hit]:
    for path, neighbor, _ in context.sent_neighbors():
        if neighbor.ip_address is None:
            yield Hit(f"{path}.ip_address", "the neighbor has no ip_address")


def _interface_flags(mask: int) -> Finder:
    def finder(context: Context) -> Iterator[Hit]:
        for path, device in context.devices():
            flags = device.network_info.interface.flags
            if flags & mask:
                yield Hit(f"{path}.network_info.interface.flags", f"flags {flags:#x}")

    return finder


def _neighbor_without_mac(context: Context) -> Iterator[Hit]:
    for path, neighbor, _ in context.neighbors():
        if neighbor.hardware_addr is None:
            yield Hit(f"{path}.hardware_addr", "the neighbor has no hardware_addr")


def _neighbor_int32(context: Context) -> Iterator[Hit]:
    for path, neighbor, _ in context.sent_neighbors():
        if neighbor.state < 2**31 and neighbor.flags < 2**31:
            continue  # the common case, told without walking the keys
        for key in ("state", "flags"):
            value = getattr(neighbor, key)
            if value >= 2**31:
                yield Hit(
                    f"{path}.{key}",
                    f"{key} {value} does not fit an int32 (it becomes {value - 2**32})",
                )


def sent(profile: Profile, neighbor: Any, device: Any) -> bool:
    """Whether the runtime of ``profile`` sends ``neighbor`` of ``device`` to the agent."""
    return profile.sends_neighbor(neighbor, device.network_info.routes)


def _neighbor_not_sent(context: Context) -> Iterator[Hit]:
    for path, neighbor, _ in context.unsent_neighbors():
        if neighbor.hardware_addr is None and context.profile.runtime == _GO:
            continue  # the Go runtime rejects the file: go-neighbor-mac-missing
        yield Hit(f"{path}.state", f"neighbor state {neighbor.state:#x}")


def _neighbor_value(key: str, mask: int, zero: bool = False) -> Finder:
    def finder(context: Context) -> Iterator[Hit]:
        for path, neighbor, _ in context.sent_neighbors():
            value = getattr(neighbor, key)
            if zero and value == 0:
                yield Hit(f"{path}.{key}", f"{key} 0")
            elif not zero and value > mask:
                yield Hit(f"{path}.{key}", f"{key} {value:#x} (the guest gets {value & mask:#x})")

    return finder


def _route_key(key: Literal["flags", "mtu"]) -> Finder:
    def finder(context: Context) -> Iterator[Hit]:
        for path, route, _ in context.routes_where(key):
            yield Hit(f"{path}.{key}", f"route {key} {getattr(route, key)}")

    return finder


def _ipv6_small_mtu(context: Context) -> Iterator[Hit]:
    for path, device in context.devices():
        interface = device.network_info.interface
        mtu = effective_mtu(interface.mtu)
        if not MIN_MTU <= mtu < MIN_IPV6_MTU:
            continue  # refused MTUs leave the addresses in place
        for index, address in enumerate(interface.ip_addresses):
            if address.version == 6 and not context.profile.skips_address(address.ip):
                yield Hit(
                    f"{path}.network_info.interface.ip_addresses[{index}]",
                    f"IPv6 address {ip_text(address)} on an interface with mtu {mtu}",
                )


def _mtu_u32(context: Context) -> Iterator[Hit]:
    for path, device in context.devices():
        mtu = device.network_info.interface.mtu
        if mtu != effective_mtu(mtu):
            yield Hit(
                f"{path}.network_info.interface.mtu",
                f"mtu {mtu} (the guest gets {effective_mtu(mtu)})",
            )


def _route_family_mixed(context: Context) -> Iterator[Hit]:
    written = _written_dests(context)
    go = context.profile.runtime == _GO
    # A dest the config cannot hold may be of another family than the route's other values.
    for path, route, _ in context.routes() if written else context.routes_where("mixed families"):
        if go and route.gateway is None:
            continue  # go-route-v4-no-gateway
        dest = written.get(path) if written else None
        family = route_family(context.profile, route, dest)
        if family is None:
            continue  # skipped by runtime-rs
        if (
            ((dest or route.dest) is None or (dest or route.dest).version == family)
            and (route.source is None or route.source.version == family)
            and (route.gateway is None or route.gateway.version == family)
        ):
            continue  # one family: the usual case
        for key in ("dest", "gateway", "source"):
            value = dest if key == "dest" and dest is not None else getattr(route, key)
            if value is not None and value.version != family:
                yield Hit(
                    f"{path}.{key}",
                    f"{key} {value} in an IPv{family} route",
                    f"write an IPv{family} {key}, or split the route in two",
                )
                break


def _scope_truncated(context: Context) -> Iterator[Hit]:
    for path, route, _ in context.routes_where("scope over 0xff"):
        yield Hit(f"{path}.scope", f"scope {route.scope} (the guest gets {route.scope & 0xFF})")


def _route_source(version: int) -> Finder:
    def finder(context: Context) -> Iterator[Hit]:
        ip_text = text_functions()[0]
        for path, route, _ in context.routes_where("source"):
            source = route.source
            if source.version == version:
                yield Hit(f"{path}.source", f"source {ip_text(source)}")

    return finder


def _ntype(context: Context) -> Iterator[Hit]:
    for path, device in context.devices():
        ntype = device.network_info.interface.ntype
        if ntype:
            yield Hit(f"{path}.network_info.interface.ntype", f"ntype {ntype!r}")


def _netns(context: Context) -> Iterator[Hit]:
    if context.config is not None and context.config.netns is not None:
        yield Hit("$.netns", f"netns {context.config.netns!r}")


LISTED_NAMES = 16
"""Names a message lists before it says how many more there are."""


def _listed(names: list[str]) -> str:
    """``names`` comma-separated; past :data:`LISTED_NAMES` of them, how many more."""
    shown = ", ".join(names[:LISTED_NAMES])
    more = len(names) - LISTED_NAMES
    return shown + (f" and {more} more" if more > 0 else "")


def _device_order(context: Context) -> Iterator[Hit]:
    names = [device.name for _, device in context.devices()]
    if names != sorted(names):
        yield Hit(
            "$.devices",
            f"devices {_listed(names)}",
            "list the devices sorted by name: " + _listed(sorted(names)),
        )


def _queue_num(context: Context) -> Iterator[Hit]:
    for path, device in context.devices():
        number = getattr(device.device, "queue_num", 0)
        if number:
            yield Hit(f"{path}.device.queue_num", f"queue_num {number}")


_V6_KEY = 1 << 128
"""Added to an IPv6 address's integer to key it apart from the IPv4 ones."""


def _shared_address(context: Context) -> Iterator[Hit]:
    seen: dict[int, tuple[str, int]] = {}
    """The first place of each IP, keyed by its integer (IPv6 ones plus :data:`_V6_KEY`)."""
    for path, _ in context.devices():
        held = set()
        for index, address, value in context.sent_addresses(path):
            if value == 0:
                continue  # never held
            ip = value if isinstance(address, IPv4Address) else value | _V6_KEY
            if ip in held:
                continue  # twice on one link (kernel-duplicate-address)
            held.add(ip)
            place = (path, index)
            first = seen.setdefault(ip, place)
            if first is not place:
                yield Hit(
                    f"{path}.network_info.interface.ip_addresses[{index}]",
                    f"{ip_text(address.ip)} is also at "
                    f"{first[0]}.network_info.interface.ip_addresses[{first[1]}]",
                )


def _queue_size(context: Context) -> Iterator[Hit]:
    for path, device in context.devices():
        size = getattr(device.device, "queue_size", 0)
        if size and (size & (size - 1) or size > MAX_QUEUE_SIZE):
            yield Hit(f"{path}.device.queue_size", f"queue_size {size}")


# --- the kernel, simulated ---------------------------------------------------------------------
#
# The kernel rules below share one simulation of what the guest kernel does with the requests
# the agent sends (the order of docs/netlink.md: every interface, then the neighbors, then the
# routes without gateway, then those with one), written from the kernel's observed answers
# (docs/netlink.md, "What the kernel answers"). Each refusal is noted with the rule it
# belongs to; what the kernel accepts is kept, since later requests depend on it (a gateway
# is reachable only through an address or a route the kernel holds).

RTNH_F_DEAD = 0x1
RTNH_F_PERVASIVE = 0x2
RTNH_F_LINKDOWN = 0x10
RTM_F_CLONED = 0x200
"""Route header flag the kernel reads as RTF_CACHE for IPv6 routes, which it refuses."""
NTF_USE = 0x01
NTF_PROXY = 0x08
NUD_VALID = 0xDE
"""Neighbor states that need a link layer address: PERMANENT, NOARP, REACHABLE, PROBE,
STALE, DELAY."""

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network


@attrs.frozen
class _Refusal:
    rule: str
    hit: Hit


V4_ALL = 0xFFFFFFFF


def _v4_network(ip: int, length: int) -> int:
    """The network of an IPv4 address ``ip`` with prefix ``length``, as an integer."""
    return ip >> (32 - length) << (32 - length)


def _v6_network(ip: int, length: int) -> int:
    """The network of an IPv6 address ``ip`` with prefix ``length``, as an integer."""
    return ip >> (128 - length) << (128 - length)


def _is_v6_link_local(ip: int) -> bool:
    """Whether the IPv6 address ``ip`` is in fe80::/10."""
    return ip >> 118 == 0x3FA


@attrs.define
class _Link:
    """A guest link as the kernel holds it while the agent's requests go in.

    Addresses are held as integers (an IP, and its prefix length): the
    simulation compares and masks them, and the ``ipaddress`` objects' own
    properties build a new object on each access."""

    path: str
    noarp: bool
    ipv6: bool = True
    v4: set[tuple[int, int]] = attrs.Factory(set)
    """The IPv4 addresses, as (IP, prefix length): equal when the interfaces are."""
    v6: list[tuple[int, int]] = attrs.Factory(list)
    """The IPv6 addresses, as (IP, prefix length)."""
    v6_ips: set[int] = attrs.Factory(set)
    """The IPs of :attr:`v6`."""


@attrs.frozen
class _Held:
    """What the links hold once every address is in, indexed for the route requests
    (without it each request would walk every address of every link). Addresses are
    integers; IPv4 and IPv6 ones are never in one set."""

    v4_ips: frozenset[int]
    """The IPv4 addresses of every link."""
    v4_broadcasts: frozenset[int]
    """The broadcast addresses of every link."""
    link_v4_ips: tuple[AbstractSet[int], ...]
    link_broadcasts: tuple[AbstractSet[int], ...]
    link_v4_prefixes: tuple[AbstractSet[tuple[int, int]], ...]
    """Per link, the (network, length) of its addresses that cover a next hop."""
    v6_ips: frozenset[int]
    link_v6_prefixes: tuple[AbstractSet[tuple[int, int, int]], ...]
    """Per link with IPv6, the prefix routes the kernel made for it (its addresses' and
    fe80::/64); empty for a link without IPv6."""
    v6_prefix_links: dict[tuple[int, int, int], int]
    """The first link holding each IPv6 prefix route."""
    v4_lengths: frozenset[int]
    """The prefix lengths of :attr:`link_v4_prefixes`."""
    v6_lengths: frozenset[int]
    """The prefix lengths of :attr:`link_v6_prefixes`."""

    @classmethod
    def of(cls, links: list[_Link]) -> _Held:
        v4_ips: set[int] = set()
        v4_broadcasts: set[int] = set()
        v6_ips: set[int] = set()
        # The per-link sets are not copied into frozen ones: nothing changes them afterwards.
        link_v4_ips: list[AbstractSet[int]] = []
        link_broadcasts: list[AbstractSet[int]] = []
        link_v4_prefixes: list[AbstractSet[tuple[int, int]]] = []
        link_v6_prefixes: list[AbstractSet[tuple[int, int, int]]] = []
        first: dict[tuple[int, int, int], int] = {}
        v4_lengths: set[int] = set()
        for number, link in enumerate(links):
            ips: set[int] = set()
            broadcasts: set[int] = set()
            prefixes: set[tuple[int, int]] = set()
            for ip, length in link.v4:
                ips.add(ip)
                network = _v4_network(ip, length)
                if length < 31:
                    broadcasts.add(network | V4_ALL >> length)
                if length < 32 and network >> 24 != 0:
                    prefixes.add((network, length))
                    v4_lengths.add(length)
            v4_ips |= ips
            v4_broadcasts |= broadcasts
            link_v4_ips.append(ips)
            link_broadcasts.append(broadcasts)
            link_v4_prefixes.append(prefixes)
            if link.ipv6:
                v6_prefixes = {(6, _v6_network(ip, length), length) for ip, length in link.v6}
                v6_prefixes.add(_LINK_LOCAL_ROUTE_KEY)
                for prefix in v6_prefixes:
                    first.setdefault(prefix, number)
                link_v6_prefixes.append(v6_prefixes)
                v6_ips |= link.v6_ips
            else:
                link_v6_prefixes.append(_NO_PREFIXES)
        return cls(
            v4_ips=frozenset(v4_ips),
            v4_broadcasts=frozenset(v4_broadcasts),
            link_v4_ips=tuple(link_v4_ips),
            link_broadcasts=tuple(link_broadcasts),
            link_v4_prefixes=tuple(link_v4_prefixes),
            v6_ips=frozenset(v6_ips),
            link_v6_prefixes=tuple(link_v6_prefixes),
            v6_prefix_links=first,
            v4_lengths=frozenset(v4_lengths),
            v6_lengths=frozenset(key[2] for key in first),
        )


_Route = tuple[int, bool, int]
"""A route the kernel holds: its link, whether it has a gateway, its scope."""


def route_family(profile: Profile, route: Any, dest: Network | None = None) -> int | None:
    """The family the runtime gives a route: runtime-rs from dest, else gateway, else source;
    the Go runtime from the gateway only (none: IPv6). None: runtime-rs skips the route.
    ``dest`` stands in for a dest the config could not hold (one with host bits)."""
    if profile.runtime == _GO:
        return 4 if route.gateway is not None and route.gateway.version == 4 else 6
    for value in (dest or route.dest, route.gateway, route.source):
        if value is not None:
            return int(value.version)
    return None


def _preferred_sources(context: Context) -> dict[str, Address]:
    """Route sources written ``ip/0`` (the agent sends the preferred source ``ip``), which
    the config cannot hold, by route path."""
    found: dict[str, Address] = {}
    for fact in context.of("bad-route-ip"):
        address, slash, prefix = fact.text.partition("/")
        if fact.other == "source" and slash and prefix == "0":
            with contextlib.suppress(ValueError):
                found[fact.path.removesuffix(".source")] = ip_address(address)
    return found


def _written_dests(context: Context) -> dict[str, Network]:
    """Route dests with host bits, which the config cannot hold, by route path."""
    return {
        fact.path.removesuffix(".dest"): ip_network(fact.other) for fact in context.of("host-bits")
    }


def effective_mtu(mtu: int) -> int:
    """The MTU the kernel gets: the agent sends it as a u32."""
    return mtu & 0xFFFFFFFF


def _neighbor_address(profile: Profile, neighbor: Any) -> Address | None:
    """The neighbor IP the runtime sends (runtime-rs: ip/prefix only; Go: a plain IP only)."""
    address = neighbor.ip_address
    if address is None:
        return None
    has_prefix = isinstance(address, (IPv4Interface, IPv6Interface))
    if has_prefix == (profile.runtime == _GO):
        return None
    return address.ip if has_prefix else address  # type: ignore[no-any-return]


class _Kernel:
    """Runs the simulation for one context; :attr:`refusals` is what the kernel refuses."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.profile = context.profile
        self.go = context.profile.runtime == _GO
        self.flags_sent = context.profile.supports("route flags")
        self.unreachable_fix: str | None = None
        if not self.flags_sent:
            self.unreachable_fix = (
                "add an address or a link route covering the gateway ("
                + (
                    "the Go runtime sends no route flags"
                    if self.profile.runtime == _GO
                    else "runtime-rs sends route flags only since "
                    f"{RUNTIME_RS.features['route flags']}"
                )
                + ", so RTNH_F_ONLINK cannot help)"
            )
        self.refusals: list[_Refusal] = []
        self.links: list[_Link] = []
        self.routes: dict[tuple[int, int, int, bool], _Route] = {}
        """Routes of table main the kernel holds, by family, dest (integers), source prefix."""
        self.route_lengths: dict[int, set[int]] = {4: set(), 6: set()}
        """The prefix lengths of :attr:`routes` by family: the only lengths a lookup tries."""
        self._v6_lengths: list[int] | None = None
        """The lengths an IPv6 lookup tries, longest first (None: to be worked out again)."""
        self._v4_cover_lengths: frozenset[int] = frozenset()
        """The lengths of the IPv4 routes without gateway and of the links' prefixes: those
        of every route that can cover a gateway. Routes without gateway go in first."""
        devices = list(context.devices())
        if self.profile.runtime == _GO:
            devices.sort(key=lambda pair: str(pair[1].name))  # the Go runtime sorts them
        self.devices = devices
        self.host_bits = _written_dests(context)
        self.preferred = _preferred_sources(context)
        for path, device in devices:
            self._interface(path, device)
        self.held = _Held.of(self.links)
        for number, (path, device) in enumerate(devices):
            self._neighbors(number, path, device)
        # The routes without gateway go in first, then those with one (docs/netlink.md).
        device_routes = context._device_routes
        with_gateway: list[tuple[int, str, Any]] = []
        for number, (path, _) in enumerate(devices):
            for route_path, route, _ in device_routes[path]:
                if route.gateway is None:
                    self._route(number, route_path, route)
                else:
                    with_gateway.append((number, route_path, route))
        self._v4_cover_lengths = frozenset(self.route_lengths[4] | self.held.v4_lengths)
        for number, route_path, route in with_gateway:
            self._route(number, route_path, route)

    def refuse(self, rule: str, path: str, found: str, fix: str | None = None) -> None:
        self.refusals.append(_Refusal(rule, Hit(path, found, fix)))

    # --- interfaces --------------------------------------------------------------------------

    def _interface(self, path: str, device: Any) -> None:
        interface = device.network_info.interface
        noarp = self.profile.runtime == _RS and bool(interface.flags & IFF_NOARP)
        link = _Link(path, noarp)
        self.links.append(link)
        for index, address, ip in self.context.sent_addresses(path):
            if address.version == 6:
                if ip >> 120 == 0xFF or ip == 0:
                    kind = "the unspecified" if ip == 0 else "a multicast"
                    self.refuse(
                        "kernel-address-invalid",
                        f"{path}.network_info.interface.ip_addresses[{index}]",
                        f"{ip_text(address.ip)} is {kind} address",
                    )
                elif ip in link.v6_ips:
                    self.refuse(
                        "kernel-duplicate-address",
                        f"{path}.network_info.interface.ip_addresses[{index}]",
                        f"{ip_text(address.ip)} is twice on the link",
                    )
                else:
                    link.v6.append((ip, address.network.prefixlen))
                    link.v6_ips.add(ip)
            elif ip != 0:  # the kernel keeps no 0.0.0.0 address, silently
                held = (ip, address.network.prefixlen)
                if held in link.v4:
                    self.refuse(
                        "kernel-duplicate-address",
                        f"{path}.network_info.interface.ip_addresses[{index}]",
                        f"{ip_text(address)} is twice on the link",
                    )
                else:
                    link.v4.add(held)
        mtu = effective_mtu(interface.mtu)
        if MIN_IPV6_MTU <= mtu <= MAX_MTU:
            return
        where = f"{path}.network_info.interface.mtu"
        shown = f"mtu {interface.mtu}" + (f", sent as {mtu}" if mtu != interface.mtu else "")
        if mtu < MIN_MTU:
            self.refuse("kernel-mtu-too-small", where, shown)
        elif mtu > MAX_MTU:
            self.refuse("kernel-mtu-too-large", where, shown)
        else:
            link.ipv6 = False  # the kernel drops IPv6 from the link, addresses included
            link.v6.clear()
            link.v6_ips.clear()

    # --- neighbors ----------------------------------------------------------------------------

    def _neighbors(self, number: int, path: str, device: Any) -> None:
        link = self.links[number]
        broadcasts = self.held.link_broadcasts[number]
        entries: set[Address] = set()
        sending = self.context._device_sending[path]
        for index, neighbor in enumerate(device.network_info.neighbors):
            ip = _neighbor_address(self.profile, neighbor)
            if ip is None or not sending[index]:
                continue  # agent-neighbor-ip-missing and the runtime rules say why
            flags = neighbor.flags & 0xFF
            state = neighbor.state & 0xFFFF or int(NudState.PERMANENT)
            if ip.version == 6 and not link.ipv6:
                self.refuse(
                    "kernel-ipv6-disabled",
                    f"{path}.network_info.neighbors[{index}]",
                    f"IPv6 neighbor {ip_text(ip)} on a link without IPv6 (mtu below "
                    f"{MIN_IPV6_MTU})",
                )
                continue
            if flags & NTF_PROXY:
                continue  # a proxy entry: no link layer address needed, duplicates merge
            if ip in entries:
                self.refuse(
                    "kernel-duplicate-neighbor",
                    f"{path}.network_info.neighbors[{index}]",
                    f"neighbor {ip_text(ip)} is twice on the link",
                )
                continue
            entries.add(ip)
            if (
                neighbor.hardware_addr is None
                and state & NUD_VALID
                and not flags & NTF_USE
                and not self._resolves_itself(link, ip, broadcasts)
            ):
                self.refuse(
                    "kernel-neighbor-lladdr",
                    f"{path}.network_info.neighbors[{index}].hardware_addr",
                    f"neighbor {ip_text(ip)} of state {state:#x} without hardware_addr",
                )

    @staticmethod
    def _resolves_itself(link: _Link, ip: Address, broadcasts: AbstractSet[int]) -> bool:
        """The kernel makes the entry NOARP (a link without ARP, multicast, broadcast)."""
        if link.noarp:
            return True
        value = int(ip)
        if ip.version == 6:
            return value >> 120 == 0xFF
        return value >> 28 == 0xE or value >> 24 == 0 or value == V4_ALL or value in broadcasts

    # --- routes -------------------------------------------------------------------------------

    def _route(self, number: int, path: str, route: Any) -> None:
        written = self.host_bits.get(path) if self.host_bits else None
        gateway = route.gateway
        # A version is told by class: cheaper than the version property, for every route.
        family: int | None
        if self.go:  # route_family, inline: it runs for every route
            family = 4 if isinstance(gateway, IPv4Address) else 6
        else:
            family = route_family(self.profile, route, written)
            if family is None:
                return  # runtime-rs skips it: rs-route-no-family
        dest: Network | None = written or route.dest
        source = route.source
        if family == 4:
            if (
                (dest is not None and not isinstance(dest, IPv4Network))
                or (gateway is not None and not isinstance(gateway, IPv4Address))
                or (source is not None and not isinstance(source, IPv4Address))
            ):
                return  # the agent fails before the kernel: agent-route-family
            if written is not None and not self.go:
                return  # the kernel refuses it: rs-route-dest-host-bits
        elif (
            isinstance(dest, IPv4Network)
            or isinstance(gateway, IPv4Address)
            or isinstance(source, IPv4Address)
        ):
            return  # the agent fails before the kernel: agent-route-family
        link = self.links[number]
        flags = getattr(route, "flags", 0) if self.flags_sent else 0
        scope = route.scope & 0xFF
        if family == 6:
            ok = self._v6_route(number, link, path, route, flags)
            specific = source is not None
        else:
            ok = self._v4_route(number, path, route, flags, scope)
            specific = False
        if not ok:
            return
        if self.preferred:
            preferred = self.preferred.get(path)
            if preferred is not None and not self._local_source(link, preferred):
                return  # refused for its preferred source: rs-route-ip-invalid says so
        if dest is None:
            address = length = 0
        else:
            address, length = int(dest.network_address), dest.prefixlen
        self.routes[(family, address, length, specific)] = (number, gateway is not None, scope)
        lengths = self.route_lengths[family]
        if length not in lengths:
            lengths.add(length)
            self._v6_lengths = None

    def _local_source(self, link: _Link, source: Address) -> bool:
        """Whether the kernel takes ``source`` as a route's preferred source: an IPv4 address
        of any link (or of lo), an IPv6 address of the link that is no longer tentative
        (only on a link without ARP, where there is no duplicate address detection)."""
        value = int(source)
        if source.version == 4:
            return value >> 24 == 127 or value in self.held.v4_ips
        return link.noarp and value in link.v6_ips

    def _v6_route(self, number: int, link: _Link, path: str, route: Any, flags: int) -> bool:
        if not link.ipv6:
            self.refuse(
                "kernel-ipv6-disabled",
                path,
                f"an IPv6 route on a link without IPv6 (mtu below {MIN_IPV6_MTU})",
            )
            return False
        if flags & RTM_F_CLONED:
            self.refuse(
                "kernel-route-flags",
                f"{path}.flags",
                f"flags {route.flags:#x} on an IPv6 route (0x200, RTM_F_CLONED, reads as "
                "RTF_CACHE)",
            )
            return False
        gateway = route.gateway
        if gateway is None:
            return True
        where = f"{path}.gateway"
        value = int(gateway)
        link_local = _is_v6_link_local(value)
        if value in self.held.v6_ips and (not link_local or value in link.v6_ips):
            self.refuse(
                "kernel-gateway-unreachable",
                where,
                f"gateway {ip_text(gateway)} is a local address",
                "use the address of a neighbor router, not one of the guest's",
            )
            return False
        if link_local:
            return True
        if flags & RTNH_F_ONLINK:
            best = self._v6_lookup(value, None)
            if best is not None and best[0] != number:
                self.refuse(
                    "kernel-gateway-unreachable",
                    where,
                    f"gateway {ip_text(gateway)} with RTNH_F_ONLINK is routed through another link",
                )
                return False
            return True
        best = self._v6_lookup(value, number)
        if best is None or best[1]:
            self.refuse(
                "kernel-gateway-unreachable",
                where,
                self._unreachable(gateway),
                self.unreachable_fix,
            )
            return False
        return True

    def _v6_lookup(self, value: int, number: int | None) -> tuple[int, bool] | None:
        """The link and whether it has a gateway, of the route the kernel finds for the
        gateway ``value`` in table main (on link ``number`` only, unless None): the most
        specific one, the kernel's own prefix routes (metric 256) before the agent's (1024)."""
        held = self.held
        lengths = self._v6_lengths
        if lengths is None:
            lengths = self._v6_lengths = sorted(
                self.route_lengths[6] | held.v6_lengths, reverse=True
            )
        for length in lengths:
            masked = _v6_network(value, length)
            key = (6, masked, length)
            if number is None:
                if key in held.v6_prefix_links:
                    return held.v6_prefix_links[key], False
            elif key in held.link_v6_prefixes[number]:
                return number, False
            route = self.routes.get((6, masked, length, False))
            if route is not None and (number is None or route[0] == number):
                return route[0], route[1]
        return None

    def _v4_route(self, number: int, path: str, route: Any, flags: int, scope: int) -> bool:
        refused = False
        if scope == RT_SCOPE_NOWHERE:
            self.refuse("kernel-route-scope-nowhere", f"{path}.scope", self._scope_text(route))
            refused = True
        if flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN):
            self.refuse(
                "kernel-route-flags",
                f"{path}.flags",
                f"flags {route.flags:#x} on an IPv4 route (RTNH_F_DEAD 0x1 or RTNH_F_LINKDOWN "
                "0x10)",
            )
            refused = True
        if refused:
            return False
        gateway = route.gateway
        if gateway is None:
            if scope == RT_SCOPE_HOST:
                # A host route's next hop is not checked (fib_create_info): no flag is refused.
                return True
            if flags & RTNH_F_ONLINK:
                self.refuse(
                    "kernel-onlink-without-gateway",
                    f"{path}.flags",
                    f"flags {route.flags:#x} (RTNH_F_ONLINK) without gateway",
                )
                return False
            if flags & RTNH_F_PERVASIVE:
                self.refuse(
                    "kernel-route-flags",
                    f"{path}.flags",
                    f"flags {route.flags:#x} (RTNH_F_PERVASIVE) without gateway",
                )
                return False
            return True
        if scope == RT_SCOPE_HOST or (scope == RT_SCOPE_LINK and flags & RTNH_F_ONLINK):
            name = "host" if scope == RT_SCOPE_HOST else "link"
            where = f"{path}.gateway" if scope == RT_SCOPE_HOST else f"{path}.scope"
            self.refuse(
                "kernel-gateway-scope",
                where,
                f"gateway {ip_text(gateway)} on a route of {name} scope"
                + (" with RTNH_F_ONLINK" if scope == RT_SCOPE_LINK else ""),
            )
            return False
        value = int(gateway)
        held = self.held
        if flags & RTNH_F_ONLINK:
            if (
                value in held.v4_ips
                or value in held.v4_broadcasts
                or value >> 28 == 0xE  # multicast, 224.0.0.0/4
                or value >> 24 in (0, 127)  # 0.0.0.0/8, loopback
                or value == V4_ALL
            ):
                self.refuse(
                    "kernel-gateway-unreachable",
                    f"{path}.gateway",
                    f"gateway {ip_text(gateway)} with RTNH_F_ONLINK is a local, broadcast or "
                    "multicast address",
                    "use the address of a neighbor router",
                )
                return False
            return True
        host_only = scope == RT_SCOPE_LINK  # the gateway must then be a host route
        if value in held.link_v4_ips[number]:
            return True
        if not host_only and value in held.link_broadcasts[number]:
            self.refuse(
                "kernel-gateway-unreachable",
                f"{path}.gateway",
                f"gateway {ip_text(gateway)} is a broadcast address of the link",
                "use the address of a neighbor router",
            )
            return False
        if self._covered(number, value, host_only):
            return True
        if host_only:
            self.refuse(
                "kernel-gateway-scope",
                f"{path}.gateway",
                f"gateway {ip_text(gateway)} on a route of link scope, and no host route of "
                "the link covers it",
            )
        else:
            self.refuse(
                "kernel-gateway-unreachable",
                f"{path}.gateway",
                self._unreachable(gateway),
                self.unreachable_fix,
            )
        return False

    def _covered(self, number: int, value: int, host_only: bool) -> bool:
        """Whether a route of link ``number`` without gateway, of link scope or narrower (host
        scope only, if ``host_only``), or (unless ``host_only``) one of the link's address
        prefixes covers the IPv4 address ``value``."""
        routes = self.routes
        narrowest = RT_SCOPE_HOST if host_only else RT_SCOPE_LINK
        prefixes = self.held.link_v4_prefixes[number]
        for length in self._v4_cover_lengths:
            masked = _v4_network(value, length)
            route = routes.get((4, masked, length, False))
            if route is not None and route[0] == number and not route[1] and route[2] >= narrowest:
                return True
            if not host_only and (masked, length) in prefixes:
                return True
        return False

    def _unreachable(self, gateway: Address) -> str:
        return f"gateway {ip_text(gateway)}"

    @staticmethod
    def _scope_text(route: Any) -> str:
        shown = "" if route.scope == RT_SCOPE_NOWHERE else f", sent as {RT_SCOPE_NOWHERE}"
        return f"scope {route.scope}{shown}"


_NO_PREFIXES: frozenset[tuple[int, int, int]] = frozenset()
_LINK_LOCAL_ROUTE_KEY = (6, int(IPv6Address("fe80::")), 64)
"""fe80::/64, the prefix route the kernel makes on every link with IPv6."""


def _refused(rule: str) -> Finder:
    def finder(context: Context) -> Iterator[Hit]:
        return iter(context._kernel_refusals.get(rule, ()))

    return finder


# --- the rules ------------------------------------------------------------------------------

_RS = RUNTIME_RS.name
_GO = GO_RUNTIME.name
E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741


def _rule(
    id: str,
    runtime: str | None,
    severity: Severity,
    input: str,
    behaviour: str,
    fix: str | None,
    find: Finder,
    since: Version | None = None,
    before: Version | None = None,
) -> Rule:
    return Rule(
        reads="document" if isinstance(find, _FactFinder) else "config",
        id=id,
        runtime=runtime,
        severity=severity,
        input=input,
        behaviour=behaviour,
        fix=fix,
        find=find,
        since=since,
        before=before,
    )


def _found_by_the_kernel(context: Context) -> Iterable[Hit]:
    """The kernel rules have no static finder: :func:`danmodel.check.checker.kernel_findings`."""
    return ()


_UNKNOWN_KEY = _facts("unknown-key", lambda fact: f"unknown key {key_text(fact.text)}", _rename_fix)

RULES: tuple[Rule, ...] = (
    # --- what danmodel cannot read ---
    _rule(
        "json-invalid",
        None,
        E,
        "a document that is not JSON text in UTF-8",
        "both runtimes reject the file",
        "write valid JSON",
        _facts("not-json", lambda fact: fact.text),
    ),
    _rule(
        "value-invalid",
        None,
        E,
        "a value danmodel cannot read: a wrong type, a number out "
        "of range, a malformed address or MAC",
        "both runtimes reject most such values; danmodel cannot tell what they do with this one",
        None,
        _facts("load-problem", lambda fact: fact.text),
    ),
    # --- the raw file ---
    _rule(
        "rs-unknown-key",
        _RS,
        W,
        'a key the format does not define, e.g. "Neighbors"',
        "runtime-rs ignores it, so its value is lost",
        "rename it to the format's key, or remove it",
        _UNKNOWN_KEY,
    ),
    _rule(
        "go-unknown-key",
        _GO,
        W,
        "a key the format does not define in any letter case",
        "the Go runtime ignores it, so its value is lost",
        "rename it to the format's key, or remove it",
        _facts(
            "unknown-key",
            lambda fact: f"unknown key {key_text(fact.text)}",
            _rename_fix,
            keep=lambda fact: not fact.flag,
        ),
    ),
    _rule(
        "go-key-case",
        _GO,
        I,
        'a format key in another letter case, e.g. "Neighbors"',
        "the Go runtime matches keys case-insensitively and reads it as the format's key; "
        "runtime-rs and danmodel ignore it",
        "spell the key as the format does",
        _facts(
            "unknown-key",
            lambda fact: f"key {key_text(fact.text)}",
            _rename_fix,
            keep=lambda fact: fact.flag,
        ),
    ),
    _rule(
        "rs-duplicate-key",
        _RS,
        E,
        "a key given twice in one object",
        "runtime-rs rejects the file (serde: duplicate field)",
        "keep one of them",
        _facts("duplicate-key", _duplicate),
    ),
    _rule(
        "go-duplicate-key",
        _GO,
        W,
        "a key given twice in one object, not all values objects",
        "the Go runtime keeps the last value and drops the others",
        "keep one of them",
        _facts("duplicate-key", _duplicate, keep=lambda fact: not fact.flag),
    ),
    _rule(
        "go-duplicate-object",
        _GO,
        W,
        "a key given twice in one object, with object values",
        "the Go runtime merges the objects key by key, the later value winning",
        "merge them into one object",
        _facts("duplicate-key", _duplicate, keep=lambda fact: fact.flag),
    ),
    _rule(
        "rs-devices-missing",
        _RS,
        E,
        '"devices" missing or null',
        "runtime-rs rejects the file (missing field)",
        'write "devices": [...]',
        _missing("devices"),
    ),
    _rule(
        "go-devices-missing",
        _GO,
        W,
        '"devices" missing or null',
        "the Go runtime reads zero devices",
        'write "devices": [...]',
        _missing("devices"),
    ),
    _rule(
        "rs-guest-mac-missing",
        _RS,
        I,
        '"guest_mac" missing',
        "runtime-rs gives the guest a random private MAC, a new one at each sandbox start",
        "write a fixed guest_mac",
        _missing("guest_mac"),
    ),
    _rule(
        "go-guest-mac-missing",
        _GO,
        E,
        '"guest_mac" missing or null',
        "the Go runtime rejects the file (bad mac address)",
        "write guest_mac",
        _missing("guest_mac"),
    ),
    _rule(
        "rs-guest-mac-invalid",
        _RS,
        E,
        '"guest_mac" not xx:xx:xx:xx:xx:xx hex',
        "runtime-rs accepts it when reading, and the sandbox fails when the device is created",
        "write 6 hex octets separated by colons",
        _facts("bad-mac", lambda fact: f"{fact.text!r} is not a MAC address"),
    ),
    _rule(
        "go-guest-mac-invalid",
        _GO,
        E,
        '"guest_mac" that Go\'s net.ParseMAC refuses',
        "the Go runtime rejects the file (bad mac address)",
        "write 6 hex octets separated by colons",
        _facts(
            "bad-mac",
            lambda fact: f"{fact.text!r} is not a MAC address",
            keep=lambda fact: not fact.flag,
        ),
    ),
    _rule(
        "go-guest-mac-form",
        _GO,
        W,
        '"guest_mac" in a form only net.ParseMAC reads ("-" or "." separators, 8 or 20 octets)',
        "the Go runtime reads it; runtime-rs and danmodel refuse it",
        "write 6 hex octets separated by colons",
        _facts(
            "bad-mac",
            lambda fact: f"{fact.text!r} is not in the xx:xx:xx:xx:xx:xx form",
            keep=lambda fact: fact.flag,
        ),
    ),
    _rule(
        "rs-mtu-missing",
        _RS,
        I,
        '"mtu" missing',
        "runtime-rs uses 1500",
        'write "mtu" explicitly',
        _missing("mtu"),
    ),
    _rule(
        "go-mtu-missing",
        _GO,
        E,
        '"mtu" missing or null',
        "the Go runtime uses 0, where runtime-rs and danmodel use 1500, and the agent sets "
        "the MTU even when it is 0, which the kernel refuses, so the sandbox fails",
        'write "mtu": 1500 (or the link\'s MTU)',
        _missing("mtu"),
    ),
    _rule(
        "rs-ip-addresses-missing",
        _RS,
        E,
        '"ip_addresses" missing or null',
        "runtime-rs rejects the file (missing field)",
        'write "ip_addresses": [...]',
        _missing("ip_addresses"),
    ),
    _rule(
        "go-ip-addresses-missing",
        _GO,
        I,
        '"ip_addresses" missing or null',
        "the Go runtime configures no addresses",
        'write "ip_addresses": [...]',
        _missing("ip_addresses"),
    ),
    _rule(
        "rs-address-not-cidr",
        _RS,
        W,
        "an ip_addresses entry that is not ip/prefix",
        "runtime-rs silently skips it",
        "write ip/prefix, e.g. 10.10.0.5/24",
        _facts("not-cidr", lambda fact: f"{fact.text!r} is not ip/prefix"),
    ),
    _rule(
        "go-address-not-cidr",
        _GO,
        E,
        "an ip_addresses entry that is not ip/prefix",
        "the Go runtime rejects the file (not CIDR)",
        "write ip/prefix, e.g. 10.10.0.5/24",
        _facts("not-cidr", lambda fact: f"{fact.text!r} is not ip/prefix"),
    ),
    _rule(
        "rs-route-ip-invalid",
        _RS,
        E,
        "a route source or gateway that is not an IP",
        "runtime-rs skips the route or the agent fails",
        'write an IP address, or ""',
        _facts("bad-route-ip", lambda fact: f"{fact.other} {fact.text!r} is not an IP address"),
    ),
    _rule(
        "go-route-ip-invalid",
        _GO,
        W,
        "a route source or gateway that is not an IP",
        "the Go runtime silently reads it as no source or gateway",
        'write an IP address, or ""',
        _facts("bad-route-ip", lambda fact: f"{fact.other} {fact.text!r} is not an IP address"),
    ),
    _rule(
        "rs-route-dest-host-bits",
        _RS,
        E,
        "an IPv4 route dest with host bits, e.g. 10.20.1.5/16",
        "runtime-rs passes it on verbatim and the kernel rejects it, so the sandbox fails",
        "write the network, e.g. 10.20.0.0/16",
        _facts(
            "host-bits",
            lambda fact: f"dest {fact.text!r} has host bits",
            lambda fact: f"write {fact.other!r}",
            keep=lambda fact: ":" not in fact.text,
        ),
    ),
    _rule(
        "rs-route-dest-host-bits-v6",
        _RS,
        I,
        "an IPv6 route dest with host bits, e.g. fd00::7/64",
        "runtime-rs passes it on verbatim and the kernel normalises it to the network",
        "write the network, e.g. fd00::/64",
        _facts(
            "host-bits",
            lambda fact: f"dest {fact.text!r} has host bits",
            lambda fact: f"write {fact.other!r}",
            keep=lambda fact: ":" in fact.text,
        ),
    ),
    _rule(
        "go-route-dest-host-bits",
        _GO,
        W,
        "a route dest with host bits, e.g. 10.20.1.5/16",
        "the Go runtime normalises it to the network",
        "write the network, e.g. 10.20.0.0/16",
        _facts(
            "host-bits",
            lambda fact: f"dest {fact.text!r} has host bits",
            lambda fact: f"write {fact.other!r}",
        ),
    ),
    _rule(
        "rs-array-for-object",
        _RS,
        W,
        "a JSON array where an object is expected",
        "runtime-rs (serde) reads the array's items as the object's fields, by position; "
        "danmodel and the Go runtime refuse it",
        "write an object with named keys",
        _facts("array-for-object", lambda fact: f"an array, read as the fields {fact.other}"),
    ),
    _rule(
        "go-array-for-object",
        _GO,
        E,
        "a JSON array where an object is expected",
        "the Go runtime rejects the file",
        "write an object with named keys",
        _facts("array-for-object", lambda fact: "an array"),
    ),
    # --- devices ---
    _rule(
        "rs-device-type",
        _RS,
        E,
        'a "vfio" device',
        "runtime-rs rejects the file (serde: unknown variant); an open upstream proposal "
        "would accept it with QEMU, spelled as the Go runtime spells it",
        "attach VFIO devices with the Go runtime",
        _device_type((v2.Vfio,)),
    ),
    _rule(
        "rs-vhost-user-hypervisor",
        _RS,
        I,
        'a "vhost-user" device',
        "runtime-rs attaches vhost-user DAN devices with Dragonball only; with another "
        "hypervisor the device cannot be added and the sandbox fails",
        "run the sandbox with Dragonball, or use a host-tap device",
        _device_type((VhostUser,)),
    ),
    _rule(
        "rs-queue-num-virtqueues",
        _RS,
        I,
        "a nonzero queue_num, before 4.0.0",
        "runtime-rs before 4.0.0 passes queue_num to Dragonball as a count of virtqueues "
        "(two per queue pair; 0 means Dragonball's default of 2); 4.0.0 and later read it "
        "as queue pairs",
        "write the virtqueue count for releases before 4.0, the pair count for 4.0 and later",
        _queue_num,
        before=RUNTIME_RS.features["queue pairs"],
    ),
    _rule(
        "rs-queue-num-pairs",
        _RS,
        I,
        "a nonzero queue_num, since 4.0.0",
        "runtime-rs 4.0.0 and later read queue_num as queue pairs (0 means the "
        "network_queues setting); before 4.0.0 it was a count of virtqueues",
        None,
        _queue_num,
        since=RUNTIME_RS.features["queue pairs"],
    ),
    _rule(
        "go-device-type",
        _GO,
        E,
        'a "host-tap" or "vhost-user" device',
        "the Go runtime attaches only vfio devices, so the sandbox fails",
        "attach host-tap and vhost-user devices with runtime-rs",
        _device_type((HostTap, VhostUser)),
    ),
    _rule(
        "go-vfio-too-old",
        _GO,
        E,
        'a "vfio" device',
        "the Go runtime attaches vfio devices only since 3.10.0, so the sandbox fails",
        "use Kata 3.10 or later",
        _device_type((v2.Vfio,)),
        before=GO_RUNTIME.features["vfio"],
    ),
    _rule(
        "go-device-order",
        _GO,
        I,
        "devices not sorted by name",
        "the Go runtime sorts the devices by name, so the guest order is not the file's",
        "list the devices sorted by name",
        _device_order,
    ),
    _rule(
        "go-netns-unused",
        _GO,
        I,
        "a netns",
        "the Go runtime reads netns but does not use it",
        None,
        _netns,
    ),
    # --- interface ---
    _rule(
        "rs-address-loopback",
        _RS,
        W,
        "a loopback address in ip_addresses",
        "runtime-rs drops it when it converts the interface for the agent",
        "remove it (the guest has its own lo)",
        _loopback,
    ),
    _rule(
        "go-address-loopback",
        _GO,
        W,
        "a loopback address in ip_addresses (IPv4-mapped ones too)",
        "the Go runtime skips it when it builds the agent messages",
        "remove it (the guest has its own lo)",
        _loopback,
    ),
    _rule(
        "go-ntype-unused",
        _GO,
        I,
        "a nonempty ntype",
        'the Go runtime does not use ntype: the agent\'s Interface.type is "vfio"',
        None,
        _ntype,
    ),
    _rule(
        "rs-interface-flags",
        _RS,
        W,
        "interface flags other than IFF_NOARP (0x80)",
        "runtime-rs passes on only IFF_NOARP; the other bits are dropped",
        "set only IFF_NOARP",
        _interface_flags(~IFF_NOARP),
    ),
    _rule(
        "go-interface-flags",
        _GO,
        W,
        "nonzero interface flags",
        "the Go runtime does not pass DAN interface flags to the agent (it converts them to "
        "Go net.Flags, whose bits mean other things)",
        None,
        _interface_flags(-1),
    ),
    # --- routes ---
    _rule(
        "rs-route-no-family",
        _RS,
        W,
        "a route with no dest, gateway and source, e.g. {}",
        "runtime-rs takes the family from dest, else gateway, else source; with none of them "
        "it silently skips the route",
        "give the route a dest, gateway or source, or remove it",
        _route_without_family,
    ),
    _rule(
        "go-route-v4-no-gateway",
        _GO,
        E,
        "an IPv4 route (dest or source) without gateway",
        "the Go runtime takes the family from the gateway only and treats the route as IPv6, "
        "so the agent cannot add it",
        "give the route its gateway (the Go runtime takes the family from it)",
        _v4_route_without_gateway,
    ),
    _rule(
        "go-route-empty",
        _GO,
        W,
        "a route with no dest, gateway and source, e.g. {}",
        "the Go runtime keeps it as an IPv6 route with no destination",
        "remove it",
        _empty_route,
    ),
    _rule(
        "rs-gateway-v4-mapped",
        _RS,
        W,
        "an IPv4-mapped gateway, e.g. ::ffff:10.0.0.1",
        "runtime-rs reads it as an IPv6 address",
        "write the IPv4 address",
        _mapped_gateway,
    ),
    _rule(
        "go-gateway-v4-mapped",
        _GO,
        W,
        "an IPv4-mapped gateway, e.g. ::ffff:10.0.0.1",
        "the Go runtime reads it as the IPv4 address",
        "write the IPv4 address",
        _mapped_gateway,
    ),
    _rule(
        "rs-route-flags-ignored",
        _RS,
        W,
        "nonzero route flags",
        "runtime-rs reads route flags only since 3.15.0 and ignores them before",
        "use Kata 3.15 or later",
        _route_key("flags"),
        before=RUNTIME_RS.features["route flags"],
    ),
    _rule(
        "rs-route-mtu-ignored",
        _RS,
        W,
        "nonzero route mtu",
        "runtime-rs reads route mtu only since 3.17.0 and ignores it before",
        "use Kata 3.17 or later",
        _route_key("mtu"),
        before=RUNTIME_RS.features["route mtu"],
    ),
    _rule(
        "go-route-flags-ignored",
        _GO,
        W,
        "nonzero route flags",
        "the Go runtime reads no route flags",
        None,
        _route_key("flags"),
    ),
    _rule(
        "go-route-mtu-ignored",
        _GO,
        W,
        "nonzero route mtu",
        "the Go runtime reads no route mtu",
        None,
        _route_key("mtu"),
    ),
    _rule(
        "agent-route-source-v4",
        None,
        W,
        "an IPv4 route source",
        "the agent reads a plain source as a /32 source prefix (RTA_SRC), which the kernel "
        "ignores for IPv4 routes: no preferred source is set (only ip/0 sets one)",
        "remove it",
        _route_source(4),
    ),
    _rule(
        "agent-route-source-v6",
        None,
        W,
        "an IPv6 route source",
        "the agent reads a plain source as a /128 source prefix (RTA_SRC), so the route "
        "applies only to packets from that address; no preferred source is set "
        "(only ip/0 sets one)",
        "remove it, unless a source-specific route is meant",
        _route_source(6),
    ),
    # --- neighbors ---
    _rule(
        "rs-neighbor-ip-plain",
        _RS,
        E,
        'a neighbor ip_address without prefix, e.g. "10.0.0.1", on a neighbor runtime-rs sends',
        "runtime-rs parses neighbor addresses as ip/prefix only, so it sends the neighbor "
        "without address; the agent refuses it and the sandbox fails",
        'write ip/32 (ip/128), as dumps(config, profile="runtime-rs") does',
        _neighbor_ip(plain=False),
    ),
    _rule(
        "go-neighbor-ip-prefix",
        _GO,
        E,
        'a neighbor ip_address with prefix, e.g. "10.0.0.1/32", on a neighbor the Go runtime sends',
        "the Go runtime parses neighbor addresses as a plain IP only, so it sends the neighbor "
        "without address; the agent refuses it and the sandbox fails",
        'write the plain IP, as dumps(config, profile="go-runtime") does',
        _neighbor_ip(plain=True),
    ),
    _rule(
        "rs-neighbor-mac-missing",
        _RS,
        I,
        'a neighbor without hardware_addr (or "")',
        'runtime-rs passes lladdr ""',
        "write hardware_addr",
        _neighbor_without_mac,
    ),
    _rule(
        "go-neighbor-mac-missing",
        _GO,
        E,
        'a neighbor without hardware_addr (or "")',
        "the Go runtime rejects the file (bad MAC)",
        "write hardware_addr",
        _neighbor_without_mac,
    ),
    _rule(
        "rs-neighbor-int32",
        _RS,
        W,
        "neighbor state or flags of 2**31 or more, on a neighbor runtime-rs sends",
        "runtime-rs casts them to the agent's int32, so they wrap to a negative value",
        "use a value below 2**31",
        _neighbor_int32,
    ),
    _rule(
        "go-neighbor-int32",
        _GO,
        W,
        "neighbor flags of 2**31 or more, on a neighbor the Go runtime sends",
        "the Go runtime casts them to the agent's int32 (int32(...)), so they wrap to a "
        "negative value",
        "use a value below 2**31",
        _neighbor_int32,
    ),
    _rule(
        "rs-neighbor-not-sent",
        _RS,
        W,
        "a neighbor whose state is not exactly PERMANENT (0x80), since 3.20.0",
        "runtime-rs 3.20.0 and later do not send it to the agent, so the guest never has it",
        "set state 0x80 (NudState.PERMANENT)",
        _neighbor_not_sent,
        since=RUNTIME_RS.features["permanent neighbors only"],
    ),
    _rule(
        "rs-neighbor-state-zero",
        _RS,
        I,
        "a neighbor of state 0, before 3.20.0",
        "runtime-rs sends it and the agent applies state 0 as PERMANENT",
        "write state 0x80 (NudState.PERMANENT) to say so",
        _neighbor_value("state", 0, zero=True),
        before=RUNTIME_RS.features["permanent neighbors only"],
    ),
    _rule(
        "rs-neighbor-state-u16",
        _RS,
        W,
        "a neighbor state above 0xffff, before 3.20.0",
        "the agent applies the state as a u16, so the higher bits are lost",
        "use a NUD state (NudState)",
        _neighbor_value("state", 0xFFFF),
        before=RUNTIME_RS.features["permanent neighbors only"],
    ),
    _rule(
        "agent-neighbor-flags-u8",
        None,
        W,
        "neighbor flags above 0xff, on a neighbor the runtime sends",
        "the agent reads the flags as a u8, so the higher bits are lost",
        "use NTF_* flags below 0x100",
        _neighbor_value("flags", 0xFF),
    ),
    _rule(
        "agent-neighbor-ip-missing",
        None,
        E,
        "a neighbor without ip_address, on a neighbor the runtime sends",
        "the runtime sends it without address; the agent refuses it and the sandbox fails",
        "write the neighbor's ip_address, or remove the neighbor",
        _neighbor_ip_missing,
    ),
    _rule(
        "go-neighbor-not-sent",
        _GO,
        W,
        "a neighbor whose state is not PERMANENT (0x80), before 3.29.0",
        "the Go runtime does not send it to the agent, so the guest never has it",
        "set state 0x80 (NudState.PERMANENT)",
        _neighbor_not_sent,
        before=GO_RUNTIME.features["reachable gateway neighbors"],
    ),
    _rule(
        "go-neighbor-not-sent",
        _GO,
        W,
        "a neighbor whose state is neither PERMANENT (0x80) nor REACHABLE (0x02) at a "
        "default-route gateway, since 3.29.0",
        "the Go runtime does not send it to the agent, so the guest never has it",
        "set state 0x80 (NudState.PERMANENT), or 0x02 (REACHABLE) for the gateway of a "
        "default route",
        _neighbor_not_sent,
        since=GO_RUNTIME.features["reachable gateway neighbors"],
    ),
    # --- kernel facts, both runtimes ---
    _rule(
        "agent-mtu-u32",
        None,
        W,
        "an interface mtu of 2**32 or more",
        "the agent sends the MTU as a u32, so the guest gets its low 32 bits",
        "set the link's MTU (1500 for Ethernet)",
        _mtu_u32,
    ),
    _rule(
        "kernel-mtu-too-small",
        None,
        E,
        f"an interface mtu below {MIN_MTU}, as sent (a u32)",
        "the kernel refuses an MTU below 68, so the agent cannot set up the interface",
        "set the link's MTU (1500 for Ethernet)",
        _refused("kernel-mtu-too-small"),
    ),
    _rule(
        "kernel-mtu-too-large",
        None,
        E,
        f"an interface mtu above {MAX_MTU}, as sent (a u32)",
        "a virtio-net device takes an MTU of 68 to 65535, so the agent cannot set up the interface",
        "set the link's MTU (at most 65535)",
        _refused("kernel-mtu-too-large"),
    ),
    _rule(
        "kernel-ipv6-mtu",
        None,
        W,
        f"an IPv6 address on an interface with mtu below {MIN_IPV6_MTU}",
        "the agent adds the addresses before it sets the MTU, and the kernel then drops "
        "the IPv6 addresses silently",
        "raise the mtu to 1280 or more, or drop the IPv6 address",
        _ipv6_small_mtu,
    ),
    _rule(
        "kernel-ipv6-disabled",
        None,
        E,
        f"an IPv6 route or neighbor on an interface with mtu below {MIN_IPV6_MTU}",
        "the kernel turns IPv6 off on a link below 1280 and refuses the route (ENODEV) or the "
        "neighbor (EINVAL, ENOBUFS for NTF_PROXY), so the agent fails",
        "raise the mtu to 1280 or more, or drop the IPv6 route or neighbor",
        _refused("kernel-ipv6-disabled"),
    ),
    _rule(
        "kernel-address-invalid",
        None,
        E,
        "an IPv6 multicast address (ff00::/8) or :: in ip_addresses",
        "the kernel refuses it (EADDRNOTAVAIL), so the agent fails",
        "remove it (the guest joins multicast groups itself)",
        _refused("kernel-address-invalid"),
    ),
    _rule(
        "kernel-duplicate-address",
        None,
        E,
        "the same IP twice on one interface (IPv6: with any prefix; IPv4: with the same prefix)",
        "the kernel refuses the second one (EEXIST), so the agent fails",
        "list each address once",
        _refused("kernel-duplicate-address"),
    ),
    _rule(
        "kernel-address-shared",
        None,
        W,
        "the same IP address on two interfaces",
        "the kernel accepts it on both links, and the guest answers for it on both",
        "give each interface its own address",
        _shared_address,
    ),
    _rule(
        "kernel-route-scope",
        None,
        W,
        "a route scope above 255",
        "the agent sends the scope as one byte (scope as u8), so the route gets another scope",
        "use a RouteScope value (0, 200, 253, 254)",
        _scope_truncated,
    ),
    _rule(
        "kernel-route-scope-nowhere",
        None,
        E,
        "an IPv4 route of scope 255 (nowhere), as sent",
        "the kernel refuses an IPv4 route of scope nowhere (IPv6 routes have no scope), so "
        "the agent fails",
        "use a RouteScope value (0, 200, 253, 254)",
        _refused("kernel-route-scope-nowhere"),
    ),
    _rule(
        "kernel-gateway-scope",
        None,
        E,
        "a gateway on an IPv4 route of host scope (254), or of link scope (253) unless "
        "the gateway is an address of the interface",
        "the kernel refuses it, so the agent fails",
        "use scope 0 (universe) for a route with a gateway",
        _refused("kernel-gateway-scope"),
    ),
    _rule(
        "kernel-route-flags",
        None,
        E,
        "route flags the kernel refuses, where route flags are sent: RTNH_F_DEAD (0x1) or "
        "RTNH_F_LINKDOWN (0x10) on an IPv4 route, RTNH_F_PERVASIVE (0x2) on an IPv4 route "
        "without gateway, 0x200 (RTM_F_CLONED) on an IPv6 route",
        "the kernel refuses the route (EINVAL), so the agent fails",
        "clear those flags (only RTNH_F_ONLINK, 0x4, has a use here)",
        _refused("kernel-route-flags"),
    ),
    _rule(
        "kernel-onlink-without-gateway",
        None,
        E,
        "route flag RTNH_F_ONLINK (0x4) on an IPv4 route without gateway, where route flags "
        "are sent",
        "the kernel refuses it, so the agent fails (IPv6 routes take it)",
        "clear the flag, or give the route its gateway",
        _refused("kernel-onlink-without-gateway"),
    ),
    _rule(
        "kernel-queue-size",
        None,
        E,
        f"queue_size not a power of two, or above {MAX_QUEUE_SIZE} (0 means 256)",
        "virtio queues have a power-of-two size of at most 32768, so the hypervisor refuses "
        "the device",
        "use 0 (256) or a power of two up to 32768",
        _queue_size,
    ),
    _rule(
        "kernel-gateway-unreachable",
        None,
        E,
        "a route gateway the kernel cannot reach through the interface: IPv4, no address "
        "and no gateway-less route of link or host scope of the interface covers it; IPv6, "
        "the interface's most specific route to it has a gateway, or none; or it is a "
        "local address (IPv4: with RTNH_F_ONLINK; also a broadcast or multicast address)",
        "the kernel refuses the route (invalid gateway), so the agent fails",
        "add an address or a link route covering the gateway, or set the route flag "
        "RTNH_F_ONLINK (0x4)",
        _refused("kernel-gateway-unreachable"),
    ),
    _rule(
        "kernel-neighbor-lladdr",
        None,
        E,
        "a neighbor without hardware_addr, in a state that needs one (PERMANENT, REACHABLE, "
        "STALE, DELAY, PROBE, NOARP), not NTF_USE or NTF_PROXY, on an interface with ARP, "
        "for a unicast IP",
        "the kernel refuses it (no link layer address given), so the agent fails",
        "write hardware_addr",
        _refused("kernel-neighbor-lladdr"),
    ),
    _rule(
        "kernel-duplicate-neighbor",
        None,
        E,
        "the same neighbor IP twice on one interface (not NTF_PROXY)",
        "the agent adds neighbors with NLM_F_EXCL, so the kernel refuses the second one "
        "(EEXIST) and the agent fails",
        "list each neighbor once",
        _refused("kernel-duplicate-neighbor"),
    ),
    _rule(
        "agent-route-family",
        None,
        E,
        "a route gateway or source of another IP family than the route's (runtime-rs takes "
        "the family from dest, else gateway, else source; the Go runtime from the gateway)",
        "the agent cannot build the request, so it fails",
        "give the route one family, or split it in two",
        _route_family_mixed,
    ),
    # --- what the kernel answers, with check(..., kernel=True) ---
    *(
        Rule(
            reads="kernel",
            id=id,
            runtime=None,
            severity=severity,
            input=input,
            behaviour=behaviour,
            fix=fix,
            find=_found_by_the_kernel,
        )
        for id, severity, input, behaviour, fix in (
            (
                "kernel-refused",
                E,
                "a request the Linux kernel refuses (`check --kernel`)",
                "the agent fails on the kernel's error, so the sandbox fails",
                "change the value so the kernel accepts it",
            ),
            (
                "agent-failed",
                E,
                "a message the agent cannot turn into a request (`check --kernel`)",
                "the agent fails, so the sandbox fails",
                "give the value the agent needs (an address it can parse, a link it can find)",
            ),
            (
                "kernel-dropped",
                W,
                "a setting the kernel accepts, then no longer holds (`check --kernel`)",
                "the guest does not have it, and nothing reports it",
                None,
            ),
        )
    ),
)
"""Every rule, in the order of the docs table."""


def _cell(text: str | None) -> str:
    return "—" if not text else text.replace("|", "\\|").replace("\n", " ")


def rules_markdown() -> str:
    """The rules as the markdown table of ``docs/runtimes.md``."""
    lines = [
        "| rule | runtime | releases | severity | input | what the runtime does | fix |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in RULES:
        cells = [
            f"`{rule.id}`",
            rule.runtime or "both",
            rule.releases,
            rule.severity.value,
            rule.input,
            rule.behaviour,
            rule.fix,
        ]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"
