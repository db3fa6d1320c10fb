"""DAN devices from a CNI ADD result (cniVersion 0.3.0, 0.3.1, 0.4.0, 1.0.0 and 1.1.0).

A CNI plugin that writes DAN files already holds its result: the interfaces it
made, their addresses (``ips``), routes and DNS settings. :func:`to_dan_device`
turns one interface of it into a :class:`~danmodel.v2.DanDevice`:

- the interface's addresses: the ``ips`` whose ``interface`` index names it,
  and those with no index (as IPAM results give them);
- every route: ``dst`` becomes ``dest``, ``gw`` the ``gateway`` (when missing,
  the gateway of the first of the interface's ``ips`` of the same family, as
  the CNI spec allows), ``mtu`` and ``scope`` (1.1.0) are kept;
- ``guest_mac`` from the interface's ``mac``, the MTU from its ``mtu`` (1.1.0;
  a missing or 0 MTU leaves the DAN default, 1500);
- the host device from the interface: ``pciID`` gives ``vfio``, ``socketPath``
  gives ``vhost-user``, anything else ``host-tap`` with the tap name given, or,
  for an interface on the host (no ``sandbox``), the interface's own name.

What DAN cannot hold (``dns``, route ``advmss``/``priority``/``table``, other
interfaces, addresses of other interfaces, unused gateways, the interface's
``sandbox``) is listed in :attr:`~danmodel.Converted.dropped`. The
result is read strictly, each version with its own keys; any problem raises a
:class:`~danmodel.errors.ValidationError` with paths into the result
(``$.ips[1].address``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from . import _text, v2
from ._conversion import Converted
from ._fields import (
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
    Reader,
    describe,
    ip_text,
)
from ._paths import hint, join, key_text
from .addresses import IPAddress, IPInterface, IPNetwork, parse_network
from .errors import Problem, ValidationError
from .mac import MacAddress

__all__ = ["VERSIONS", "to_dan_device"]

VERSIONS: Final = ("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0")
"""The CNI result versions read (``cniVersion``)."""

_SOURCE = "CNI result"
_INT64_MAX = 2**63 - 1


_NETWORK: Final = Leaf("a network ip/prefix", parse_network, lambda value: False)


def _index(value: int) -> int:
    if 0 <= value <= _INT64_MAX:
        return value
    raise ValueError(f"expected an index into interfaces (0 or more), found {value}")


_INDEX: Final = Leaf("an index into interfaces", _index, lambda value: False, json_type=int)


def _go_int(value: int) -> int:
    if -(2**63) <= value <= _INT64_MAX:
        return value
    raise ValueError(f"expected a 64-bit integer, found {value}")


_INT: Final = Leaf("an integer", _go_int, lambda value: False, json_type=int)


def _ip_version(value: str) -> str:
    if value in ("4", "6"):
        return value
    raise ValueError(f'expected "4" or "6", found {describe(value)}')


_IP_VERSION: Final = Leaf('"4" or "6"', _ip_version, lambda value: False)

_Spec = Mapping[str, tuple[Field, bool]]

_INTERFACE_KEYS: Final[_Spec] = {
    "name": (STRING, True),
    "mac": (STRING, False),
    "sandbox": (STRING, False),
}
_INTERFACE_KEYS_1_1: Final[_Spec] = {
    **_INTERFACE_KEYS,
    "mtu": (UINT64, False),
    "socketPath": (STRING, False),
    "pciID": (STRING, False),
}
_IP_KEYS: Final[_Spec] = {
    "address": (IP_INTERFACE, True),
    "gateway": (IP_OR_EMPTY, False),
    "interface": (_INDEX, False),
}
_IP_KEYS_0_X: Final[_Spec] = {"version": (_IP_VERSION, True), **_IP_KEYS}
_ROUTE_KEYS: Final[_Spec] = {"dst": (_NETWORK, True), "gw": (IP_OR_EMPTY, False)}
_ROUTE_KEYS_1_1: Final[_Spec] = {
    **_ROUTE_KEYS,
    "mtu": (UINT32, False),
    "advmss": (_INT, False),
    "priority": (_INT, False),
    "table": (_INT, False),
    "scope": (UINT32, False),
}
_DNS_KEYS: Final[_Spec] = {
    "nameservers": (Array(STRING), False),
    "domain": (STRING, False),
    "search": (Array(STRING), False),
    "options": (Array(STRING), False),
}
_TOP_KEYS: Final = dict.fromkeys(("cniVersion", "interfaces", "ips", "routes", "dns"))
_NEWER_1_1: Final = "exists from cniVersion 1.1.0 on"


@attrs.frozen
class _Read:
    """One object of the result: where it is and its values by key."""

    path: str
    values: dict[str, Any]


def _read_object(
    value: object, path: str, reader: Reader, spec: _Spec, newer: Mapping[str, str]
) -> _Read | None:
    if not isinstance(value, dict):
        reader.problem(path, f"expected an object, found {describe(value)}")
        return None
    values: dict[str, Any] = {}
    failed = False
    for key, item in value.items():
        entry = spec.get(key)
        if entry is None:
            where = join(path, key)
            if key in newer:
                reader.problem(where, f"key {key_text(key)} {newer[key]}")
            else:
                reader.problem(where, f"unknown key {key_text(key)}{hint(key, spec)}")
            failed = True
            continue
        read = entry[0].read(item, join(path, key), reader)
        if read is FAILED:
            failed = True
        else:
            values[key] = read
    for key, (_, required) in spec.items():
        if required and key not in value:
            reader.problem(join(path, key), f"missing required key {key_text(key)}")
            failed = True
    return None if failed else _Read(path, values)


def _read_array(
    value: object, path: str, reader: Reader, spec: _Spec, newer: Mapping[str, str]
) -> list[_Read] | None:
    if type(value) is not list:
        reader.problem(path, f"expected an array, found {describe(value)}")
        return None
    items = [
        _read_object(item, f"{path}[{i}]", reader, spec, newer) for i, item in enumerate(value)
    ]
    return [item for item in items if item is not None]


@attrs.frozen
class _Result:
    interfaces: list[_Read]
    ips: list[_Read]
    routes: list[_Read]
    dns: _Read | None


def _read_result(value: object, reader: Reader) -> _Result | None:
    if not isinstance(value, dict):
        reader.problem("$", f"expected a CNI result object, found {describe(value)}")
        return None
    version = value.get("cniVersion")
    if "cniVersion" not in value:
        reader.problem("$.cniVersion", 'missing required key "cniVersion"')
        return None
    if version not in VERSIONS:
        known = ", ".join(VERSIONS)
        reader.problem(
            "$.cniVersion", f"unsupported cniVersion {describe(version)}; known: {known}"
        )
        return None
    for key in value:
        if key not in _TOP_KEYS:
            reader.problem(join("$", key), f"unknown key {key_text(key)}{hint(key, _TOP_KEYS)}")
    new = version == "1.1.0"
    interfaces = _read_array(
        value.get("interfaces", []),
        "$.interfaces",
        reader,
        _INTERFACE_KEYS_1_1 if new else _INTERFACE_KEYS,
        {} if new else dict.fromkeys(("mtu", "socketPath", "pciID"), _NEWER_1_1),
    )
    ips = _read_array(
        value.get("ips", []),
        "$.ips",
        reader,
        _IP_KEYS_0_X if version.startswith("0.") else _IP_KEYS,
        {} if version.startswith("0.") else {"version": "exists only up to cniVersion 0.4.0"},
    )
    routes = _read_array(
        value.get("routes", []),
        "$.routes",
        reader,
        _ROUTE_KEYS_1_1 if new else _ROUTE_KEYS,
        {} if new else dict.fromkeys(("mtu", "advmss", "priority", "table", "scope"), _NEWER_1_1),
    )
    dns = None
    if "dns" in value:
        dns = _read_object(value["dns"], "$.dns", reader, _DNS_KEYS, {})
    if interfaces is None or ips is None or routes is None:
        return None
    count = len(value.get("interfaces", []))
    for ip in ips:
        index = ip.values.get("interface")
        if index is not None and index >= count:
            reader.problem(
                f"{ip.path}.interface",
                f"interface {index} is not an index of interfaces (the result has {count})",
            )
        version_text = ip.values.get("version")
        address = ip.values["address"]
        if version_text is not None and version_text != str(address.version):
            reader.problem(
                f"{ip.path}.version",
                f'version "{version_text}" does not match the IPv{address.version} address '
                f"{ip_text(address)}",
            )
    return _Result(interfaces, ips, routes, dns)


def _choose(result: _Result, interface: int | None, reader: Reader) -> int | None:
    count = len(result.interfaces)
    if interface is not None:
        if not 0 <= interface < count:
            reader.problem("$.interfaces", f"has no interface {interface} (it has {count})")
        return interface
    named: list[int] = sorted(
        {ip.values["interface"] for ip in result.ips if "interface" in ip.values}
    )
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
    chosen: _Read | None, tap_name: str | None, reader: Reader
) -> tuple[v2.Device | None, bool]:
    """The host device, and whether it uses the interface's name (as the tap name)."""
    values = {} if chosen is None else chosen.values
    path = "$" if chosen is None else chosen.path
    for key, kind, cls, attribute in (
        ("pciID", PCI_ADDRESS, v2.Vfio, "pci_device_id"),
        ("socketPath", SOCKET_PATH, v2.VhostUser, "path"),
    ):
        if values.get(key):
            if tap_name is not None:
                reader.problem(
                    f"{path}.{key}",
                    f"the interface is a {cls.__name__} device ({key}); a tap name does not apply",
                )
                return None, False
            if not _checked(kind, values[key], f"{path}.{key}", reader):
                return None, False
            return cls(**{attribute: values[key]}), False
    if tap_name is not None:
        return v2.HostTap(tap_name=tap_name), False
    if chosen is not None and not values.get("sandbox"):
        if not _checked(IFNAME, values["name"], f"{path}.name", reader):
            return None, False
        return v2.HostTap(tap_name=values["name"]), True
    reader.problem(
        path,
        "a host-tap device needs the host tap name: give tap_name (--tap); "
        "only an interface on the host (no sandbox) names its own tap",
    )
    return None, False


def _gateway(dst: IPNetwork, ips: list[_Read]) -> tuple[IPAddress | None, _Read | None]:
    for ip in ips:
        gateway = ip.values.get("gateway")
        if gateway is not None and gateway.version == dst.version:
            return gateway, ip
    return None, None


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
    result: str | bytes | bytearray | Mapping[str, Any],
    *,
    name: str,
    tap_name: str | None = None,
    interface: int | None = None,
    source: str | None = None,
) -> Converted[v2.DanDevice]:
    """The DAN device named ``name`` (in the guest) for one interface of a CNI ADD result.

    ``result`` is JSON text or the parsed dict. ``interface`` is the index of
    the interface to convert; without it, the one the ``ips`` name, or the only
    one. ``tap_name`` names the host tap of a ``host-tap`` device. ``source``
    names the result in errors. See the module documentation for the rules;
    ``dropped`` lists what the device does not hold.
    """
    arguments = _argument_problems(name, tap_name, interface)
    if arguments:
        raise ValidationError(arguments, source="arguments of cni.to_dan_device")
    label = source or _SOURCE
    irregular = False
    value: object = result
    if isinstance(result, (str, bytes, bytearray)):
        parsed = _text.parse(_text.decode_text(result, label), label)
        value, irregular = parsed.value, parsed.irregular
    reader = Reader(strict=True)
    read = _read_result(value, reader)
    converted = None
    if read is not None and not reader.problems:
        converted = _convert(read, name, tap_name, interface, reader)
    problems = reader.problems
    if irregular:
        reported = set(problems)
        problems.extend(p for p in _text.irregularities(value) if p not in reported)
    if problems or converted is None:
        raise ValidationError(problems, source=label)
    return converted


def _convert(
    result: _Result, name: str, tap_name: str | None, interface: int | None, reader: Reader
) -> Converted[v2.DanDevice] | None:
    dropped: list[Problem] = []
    index = _choose(result, interface, reader)
    if reader.problems:
        return None
    chosen = None if index is None else result.interfaces[index]
    host, named_tap = _host_device(chosen, tap_name, reader)
    device_fields: dict[str, Any] = {}
    interface_fields: dict[str, Any] = {}
    for other in result.interfaces:
        if other is not chosen:
            dropped.append(
                Problem(
                    path=other.path,
                    message=f"interface {other.values['name']!r} is not converted "
                    f"(the device is interfaces[{index}])",
                )
            )
            continue
        values = other.values
        if values.get("mac"):
            try:
                device_fields["guest_mac"] = MacAddress.parse(values["mac"])
            except ValueError as error:
                reader.problem(f"{other.path}.mac", str(error))
        if values.get("mtu"):
            interface_fields["mtu"] = values["mtu"]
        if not named_tap and values["name"] != name:
            dropped.append(
                Problem(
                    path=f"{other.path}.name",
                    message=f"interface name {values['name']!r} is not kept: the DAN device "
                    f"is named {name!r}",
                )
            )
        if values.get("sandbox"):
            dropped.append(
                Problem(
                    path=f"{other.path}.sandbox",
                    message="not kept: a DAN device has no sandbox (the config's netns is "
                    "where runtime-rs finds host devices)",
                )
            )
    own_ips = []
    for ip in result.ips:
        owner = ip.values.get("interface")
        if owner is None or owner == index:
            own_ips.append(ip)
        else:
            dropped.append(
                Problem(
                    path=ip.path,
                    message=f"address {ip_text(ip.values['address'])} belongs to "
                    f"interfaces[{owner}], not the converted interfaces[{index}]",
                )
            )
    used: set[str] = set()
    routes = []
    for route in result.routes:
        values = route.values
        gateway = values.get("gw")
        if gateway is None:
            gateway, giver = _gateway(values["dst"], own_ips)
            if giver is not None:
                used.add(giver.path)
        for key in ("advmss", "priority", "table"):
            if key in values:
                dropped.append(
                    Problem(
                        path=f"{route.path}.{key}",
                        message=f"{key} {values[key]} dropped: DAN routes have no {key}",
                    )
                )
        routes.append(
            v2.Route(
                dest=values["dst"],
                gateway=gateway,
                scope=values.get("scope", 0),
                mtu=values.get("mtu", 0),
            )
        )
    for ip in own_ips:
        gateway = ip.values.get("gateway")
        if gateway is not None and ip.path not in used:
            dropped.append(
                Problem(
                    path=f"{ip.path}.gateway",
                    message=f"gateway {ip_text(gateway)} dropped: no route uses it, and DAN "
                    "addresses have no gateway",
                )
            )
    if result.dns is not None:
        for key, item in result.dns.values.items():
            if item:
                dropped.append(
                    Problem(path=f"$.dns.{key}", message="dropped: DAN has no DNS settings")
                )
    if reader.problems or host is None:
        return None
    addresses: list[IPInterface] = [ip.values["address"] for ip in own_ips]
    device = v2.DanDevice(
        name=name,
        device=host,
        network_info=v2.NetworkInfo(
            interface=v2.Interface(ip_addresses=addresses, **interface_fields), routes=routes
        ),
        **device_fields,
    )
    return Converted(value=device, dropped=tuple(dropped))
