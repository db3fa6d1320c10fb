"""CNI results (cniVersion 0.3.0 to 1.1.0): reading them, and DAN devices from them.

:func:`read_result` reads a result as the CNI reference library (``libcni``,
Go) does: keys it does not know are ignored and listed (never fatal), keys of
another version are tolerated where the reference library tolerates them, and
every problem is listed at once with its path (``$.ips[1].address``). The
result's objects are the frozen classes :class:`Result`, :class:`Interface`,
:class:`IPConfig`, :class:`Route` and :class:`DNS`, read by danmodel's one
field reader.

:func:`to_dan_device` turns one interface of a result into a
:class:`~danmodel.v2.DanDevice`:

- the interface's addresses: the ``ips`` whose ``interface`` index names it,
  and those with no index (as IPAM results give them);
- every route: ``dst`` becomes ``dest``, ``gw`` the ``gateway`` (when missing,
  the gateway of the first of the interface's ``ips`` of the same family, as
  the CNI spec allows), ``mtu`` and ``scope`` are kept;
- ``guest_mac`` from the interface's ``mac``, the MTU from its ``mtu`` (a
  missing or 0 MTU leaves the DAN default, 1500);
- the host device from the interface: ``pciID`` gives ``vfio``, ``socketPath``
  gives ``vhost-user``, anything else ``host-tap`` with the tap name given, or,
  for an interface on the host (no ``sandbox``), the interface's own name.

What DAN cannot hold is listed in :attr:`~danmodel.convert.Converted.dropped`
as :class:`Drop` s, each with a :attr:`~Drop.category`: ``"expected"`` for
what every chained ADD drops without losing any guest setting (the other
interfaces and their addresses, the ``sandbox``, the pod-side name, a
gateway no route goes through), ``"lossy"`` for settings the guest will not
get (``dns``, route ``advmss``/``priority``/``table``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from ipaddress import IPv4Network, IPv6Network
from typing import Any, Final, Literal

import attrs

from .. import _text, v2
from .._conversion import Converted
from .._fields import (
    FAILED,
    IFNAME,
    IP_INTERFACE,
    IP_OR_EMPTY,
    PCI_ADDRESS,
    SOCKET_PATH,
    STRING,
    UINT32,
    UINT64,
    Array,
    Field,
    Leaf,
    Nullable,
    Object,
    Reader,
    describe,
    meta,
    validate_by_field,
)
from ..addresses import IPAddress, IPInterface, IPNetwork, ip_text, parse_network
from ..errors import IgnoredKeysWarning, Problem, ValidationError
from ..mac import MacAddress

__all__ = [
    "DNS",
    "VERSIONS",
    "Drop",
    "IPConfig",
    "Interface",
    "ReadResult",
    "Result",
    "Route",
    "read_result",
    "to_dan_device",
]

VERSIONS: Final = ("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0")
"""The CNI result versions read (``cniVersion``)."""

_SOURCE = "CNI result"
_INT64_MAX = 2**63 - 1


# --- field kinds of CNI results ----------------------------------------------------------------


def _version(value: str) -> str:
    if value in VERSIONS:
        return value
    raise ValueError(f"unsupported cniVersion {describe(value)}; known: {', '.join(VERSIONS)}")


_CNI_VERSION: Final = Leaf("a cniVersion", _version, lambda value: value in VERSIONS)
_NETWORK: Final = Leaf(
    "a network ip/prefix",
    parse_network,
    lambda value: isinstance(value, (IPv4Network, IPv6Network)),
)


def _index(value: int) -> int:
    if 0 <= value <= _INT64_MAX:
        return value
    raise ValueError(f"expected an index into interfaces (0 or more), found {value}")


_INDEX: Final = Leaf(
    "an index into interfaces",
    _index,
    lambda value: type(value) is int and 0 <= value <= _INT64_MAX,
    json_type=int,
)


def _go_int(value: int) -> int:
    if -(2**63) <= value <= _INT64_MAX:
        return value
    raise ValueError(f"expected a 64-bit integer, found {value}")


_INT: Final = Leaf(
    "an integer",
    _go_int,
    lambda value: type(value) is int and -(2**63) <= value <= _INT64_MAX,
    json_type=int,
)


def _ip_version(value: str) -> str:
    if value in ("4", "6"):
        return value
    raise ValueError(f'expected "4" or "6", found {describe(value)}')


_IP_VERSION: Final = Nullable(Leaf('"4" or "6"', _ip_version, lambda value: value in ("4", "6")))
_OPTIONAL_INDEX: Final = Nullable(_INDEX)
_OPTIONAL_INT: Final = Nullable(_INT)


def _strings(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(items)


# --- the result's objects ----------------------------------------------------------------------


@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class Interface:
    """An interface of a result. ``mtu``, ``socketPath`` and ``pciID`` are CNI 1.1.0 keys.

    The reference library reads the 1.1.0 keys in every 1.x result; danmodel
    reads them in every version (no 0.x plugin writes them).
    """

    name: str = attrs.field(metadata=meta(STRING, "Interface name."))
    mac: str = attrs.field(default="", metadata=meta(STRING, "Hardware address, as given."))
    sandbox: str = attrs.field(default="", metadata=meta(STRING, "Netns path; empty on the host."))
    mtu: int = attrs.field(default=0, metadata=meta(UINT64, "MTU (1.1.0); 0 = not given."))
    socketPath: str = attrs.field(
        default="", metadata=meta(STRING, "vhost-user socket path (1.1.0).")
    )
    pciID: str = attrs.field(default="", metadata=meta(STRING, "PCI address of a VF (1.1.0)."))


@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class IPConfig:
    """An address of a result (``ips[]``); ``version`` exists up to cniVersion 0.4.0."""

    address: IPInterface = attrs.field(metadata=meta(IP_INTERFACE, "Address with prefix."))
    gateway: IPAddress | None = attrs.field(
        default=None, metadata=meta(IP_OR_EMPTY, "Default gateway of the subnet, if any.")
    )
    interface: int | None = attrs.field(
        default=None, metadata=meta(_OPTIONAL_INDEX, "Index into interfaces, if any.")
    )
    version: str | None = attrs.field(
        default=None, metadata=meta(_IP_VERSION, '"4" or "6" (0.x results only).')
    )


@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class Route:
    """A route of a result; the reference library reads every key in every version."""

    dst: IPNetwork = attrs.field(metadata=meta(_NETWORK, "Destination network."))
    gw: IPAddress | None = attrs.field(default=None, metadata=meta(IP_OR_EMPTY, "Next hop."))
    mtu: int = attrs.field(default=0, metadata=meta(UINT32, "Route MTU (1.1.0)."))
    advmss: int | None = attrs.field(default=None, metadata=meta(_OPTIONAL_INT, "(1.1.0)"))
    priority: int | None = attrs.field(default=None, metadata=meta(_OPTIONAL_INT, "(1.1.0)"))
    table: int | None = attrs.field(default=None, metadata=meta(_OPTIONAL_INT, "(1.1.0)"))
    scope: int = attrs.field(default=0, metadata=meta(UINT32, "Route scope (1.1.0)."))


@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class DNS:
    """The DNS settings of a result."""

    nameservers: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, metadata=meta(Array(STRING), "Name servers.")
    )
    domain: str = attrs.field(default="", metadata=meta(STRING, "Local domain."))
    search: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, metadata=meta(Array(STRING), "Search domains.")
    )
    options: tuple[str, ...] = attrs.field(
        default=(), converter=_strings, metadata=meta(Array(STRING), "Resolver options.")
    )


def _interfaces(items: Iterable[Interface]) -> tuple[Interface, ...]:
    return tuple(items)


def _ips(items: Iterable[IPConfig]) -> tuple[IPConfig, ...]:
    return tuple(items)


def _routes(items: Iterable[Route]) -> tuple[Route, ...]:
    return tuple(items)


@attrs.frozen(kw_only=True, field_transformer=validate_by_field)
class Result:
    """A CNI ADD result."""

    cniVersion: str = attrs.field(metadata=meta(_CNI_VERSION, "The result's version."))
    interfaces: tuple[Interface, ...] = attrs.field(
        default=(), converter=_interfaces, metadata=meta(Array(Object(Interface)), "Interfaces.")
    )
    ips: tuple[IPConfig, ...] = attrs.field(
        default=(), converter=_ips, metadata=meta(Array(Object(IPConfig)), "Addresses.")
    )
    routes: tuple[Route, ...] = attrs.field(
        default=(), converter=_routes, metadata=meta(Array(Object(Route)), "Routes.")
    )
    dns: DNS | None = attrs.field(
        default=None, metadata=meta(Nullable(Object(DNS)), "DNS settings.")
    )


_RESULT: Final = Object(Result, "a CNI result object")


@attrs.frozen(kw_only=True)
class ReadResult:
    """A result read by :func:`read_result`, and the keys it ignored."""

    result: Result
    """The result."""
    ignored: tuple[Problem, ...] = ()
    """Keys the result's version does not define, each with its path: ignored."""


def read_result(
    result: str | bytes | bytearray | Mapping[str, Any], *, source: str | None = None
) -> ReadResult:
    """Read a CNI result (JSON text or the parsed dict) as the reference library does.

    Raises :class:`~danmodel.errors.ValidationError` listing every problem,
    with ``source`` (default ``"CNI result"``) naming the result.
    """
    label = source or _SOURCE
    value: object = result
    irregular = False
    if isinstance(result, (str, bytes, bytearray)):
        parsed = _text.parse(_text.decode_text(result, label), label)
        value, irregular = parsed.value, parsed.irregular
    reader = Reader(strict=False, irregular=irregular)
    read = _RESULT.read(value, "$", reader)
    if read is not FAILED:
        _cross_check(read, reader)  # type: ignore[arg-type]
    if reader.problems or read is FAILED:
        raise ValidationError(reader.problems, source=label, omitted=reader.omitted)
    assert isinstance(read, Result)
    return ReadResult(result=read, ignored=tuple(reader.ignored))


def _cross_check(result: Result, reader: Reader) -> None:
    """What no single object can check: indexes, and 0.x versions against their address."""
    count = len(result.interfaces)
    old = result.cniVersion.startswith("0.")
    for position, ip in enumerate(result.ips):
        path = f"$.ips[{position}]"
        if ip.interface is not None and ip.interface >= count:
            reader.problem(
                f"{path}.interface",
                f"interface {ip.interface} is not an index of interfaces (the result has {count})",
            )
        if ip.version is None:
            continue
        if not old:
            reader.ignored.append(
                Problem(
                    path=f"{path}.version",
                    message='key "version" exists only up to cniVersion 0.4.0, ignored',
                )
            )
        elif ip.version != str(ip.address.version):
            reader.problem(
                f"{path}.version",
                f'version "{ip.version}" does not match the IPv{ip.address.version} address '
                f"{ip_text(ip.address)}",
            )


# --- to DAN ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Drop(Problem):
    """Something of the input a converted device does not hold, and how much it matters.

    ``category`` is ``"expected"`` when no guest setting is lost (what every
    chained ADD drops), ``"lossy"`` when the guest will not get a setting the
    result asked for.
    """

    category: Literal["expected", "lossy"] = "lossy"


def _expected(path: str, message: str) -> Drop:
    return Drop(path=path, message=message, category="expected")


def _lossy(path: str, message: str) -> Drop:
    return Drop(path=path, message=message, category="lossy")


def _choose(result: Result, interface: int | None, reader: Reader) -> int | None:
    count = len(result.interfaces)
    if interface is not None:
        if not 0 <= interface < count:
            reader.problem("$.interfaces", f"has no interface {interface} (it has {count})")
        return interface
    named = sorted({ip.interface for ip in result.ips if ip.interface is not None})
    if len(named) == 1:
        return named[0]
    if not named and count <= 1:
        return 0 if count else None
    reader.problem(
        "$.interfaces",
        f"the result has {count} interfaces: choose the one to convert with interface=INDEX "
        "(--interface INDEX)",
    )
    return None


def _checked(kind: Field, value: str, path: str, reader: Reader) -> bool:
    found = kind.check(value)
    if found is not None:
        reader.problem(path, found[1])
    return found is None


def _host_device(
    chosen: Interface | None, path: str, tap_name: str | None, reader: Reader
) -> tuple[v2.Device | None, bool]:
    """The host device, and whether it uses the interface's name (as the tap name)."""
    kinds: tuple[tuple[str, Field, type[v2.Vfio | v2.VhostUser], str], ...] = (
        ("pciID", PCI_ADDRESS, v2.Vfio, "pci_device_id"),
        ("socketPath", SOCKET_PATH, v2.VhostUser, "path"),
    )
    for key, kind, cls, attribute in kinds:
        value: str = "" if chosen is None else getattr(chosen, key)
        if value:
            if tap_name is not None:
                reader.problem(
                    f"{path}.{key}",
                    f"the interface is a {cls.__name__} device ({key}); a tap name does not apply",
                )
                return None, False
            if not _checked(kind, value, f"{path}.{key}", reader):
                return None, False
            device: v2.Device = cls(**{attribute: value})  # type: ignore[arg-type]
            return device, False
    if tap_name is not None:
        return v2.HostTap(tap_name=tap_name), False
    if chosen is not None and not chosen.sandbox:
        if not _checked(IFNAME, chosen.name, f"{path}.name", reader):
            return None, False
        return v2.HostTap(tap_name=chosen.name), True
    reader.problem(
        path,
        "a host-tap device needs the host tap name: give tap_name (--tap); "
        "only an interface on the host (no sandbox) names its own tap",
    )
    return None, False


def _argument_problems(name: str, tap_name: str | None, interface: int | None) -> list[Problem]:
    problems = []
    for argument, value in (("name", name), ("tap_name", tap_name)):
        found = None if value is None else IFNAME.check(value)
        if found is not None:
            problems.append(Problem(path=argument, message=found[1]))
    if interface is not None and (type(interface) is not int or interface < 0):
        problems.append(
            Problem(path="interface", message=f"expected an index, found {interface!r}")
        )
    return problems


def to_dan_device(
    result: str | bytes | bytearray | Mapping[str, Any] | Result,
    *,
    name: str,
    tap_name: str | None = None,
    interface: int | None = None,
    source: str | None = None,
) -> Converted[v2.DanDevice]:
    """The DAN device named ``name`` (in the guest) for one interface of a CNI ADD result.

    ``result`` is JSON text, the parsed dict, or a :class:`Result` (from
    :func:`read_result`). Keys the result does not define are ignored and
    reported in an :class:`~danmodel.errors.IgnoredKeysWarning`. ``interface``
    is the index of the interface to convert; without it, the one the ``ips``
    name, or the only one. ``tap_name`` names the host tap of a ``host-tap``
    device. ``source`` names the result in errors. ``dropped`` lists what the
    device does not hold, as :class:`Drop` s.
    """
    arguments = _argument_problems(name, tap_name, interface)
    if arguments:
        raise ValidationError(arguments, source="arguments of cni.to_dan_device")
    label = source or _SOURCE
    if not isinstance(result, Result):
        read = read_result(result, source=label)
        if read.ignored:
            warnings.warn(IgnoredKeysWarning(read.ignored, source=label), stacklevel=2)
        result = read.result
    reader = Reader(strict=True)
    converted = _convert(result, name, tap_name, interface, reader)
    if reader.problems or converted is None:
        raise ValidationError(reader.problems, source=label)
    return converted


def _convert(
    result: Result, name: str, tap_name: str | None, interface: int | None, reader: Reader
) -> Converted[v2.DanDevice] | None:
    dropped: list[Drop] = []
    index = _choose(result, interface, reader)
    if reader.problems:
        return None
    chosen = None if index is None else result.interfaces[index]
    where = "$" if index is None else f"$.interfaces[{index}]"
    host, named_tap = _host_device(chosen, where, tap_name, reader)
    device_fields: dict[str, Any] = {}
    interface_fields: dict[str, Any] = {}
    for position, other in enumerate(result.interfaces):
        path = f"$.interfaces[{position}]"
        if position != index:
            dropped.append(
                _expected(
                    path,
                    f"interface {other.name!r} is not converted "
                    f"(the device is interfaces[{index}])",
                )
            )
            continue
        if other.mac:
            try:
                device_fields["guest_mac"] = MacAddress.parse(other.mac)
            except ValueError as error:
                reader.problem(f"{path}.mac", str(error))
        if other.mtu:
            interface_fields["mtu"] = other.mtu
        if not named_tap and other.name != name:
            dropped.append(
                _expected(
                    f"{path}.name",
                    f"interface name {other.name!r} is not kept: the DAN device is named {name!r}",
                )
            )
        if other.sandbox:
            dropped.append(
                _expected(
                    f"{path}.sandbox",
                    "not kept: a DAN device has no sandbox (the config's netns is where "
                    "runtime-rs finds host devices)",
                )
            )
    own: list[tuple[int, IPConfig]] = []
    for position, ip in enumerate(result.ips):
        if ip.interface is None or ip.interface == index:
            own.append((position, ip))
        else:
            dropped.append(
                _expected(
                    f"$.ips[{position}]",
                    f"address {ip_text(ip.address)} belongs to interfaces[{ip.interface}], "
                    f"not the converted interfaces[{index}]",
                )
            )
    gateways: set[IPAddress] = set()
    routes = []
    for position, route in enumerate(result.routes):
        gateway = route.gw
        if gateway is None:
            gateway = next(
                (
                    ip.gateway
                    for _, ip in own
                    if ip.gateway is not None and ip.gateway.version == route.dst.version
                ),
                None,
            )
        if gateway is not None:
            gateways.add(gateway)
        for key in ("advmss", "priority", "table"):
            value = getattr(route, key)
            if value is not None:
                dropped.append(
                    _lossy(
                        f"$.routes[{position}].{key}",
                        f"{key} {value} dropped: DAN routes have no {key}",
                    )
                )
        routes.append(v2.Route(dest=route.dst, gateway=gateway, scope=route.scope, mtu=route.mtu))
    for position, ip in own:
        if ip.gateway is not None and ip.gateway not in gateways:
            dropped.append(
                _expected(
                    f"$.ips[{position}].gateway",
                    f"gateway {ip_text(ip.gateway)} dropped: no route uses it, and DAN "
                    "addresses have no gateway",
                )
            )
    if result.dns is not None:
        for key in ("nameservers", "domain", "search", "options"):
            if getattr(result.dns, key):
                dropped.append(_lossy(f"$.dns.{key}", "dropped: DAN has no DNS settings"))
    if reader.problems or host is None:
        return None
    device = v2.DanDevice(
        name=name,
        device=host,
        network_info=v2.NetworkInfo(
            interface=v2.Interface(ip_addresses=[ip.address for _, ip in own], **interface_fields),
            routes=routes,
        ),
        **device_fields,
    )
    return Converted(value=device, dropped=tuple(dropped))
