"""``dan-tap``: the standalone DAN plugin, which makes what the DAN file points at.

The chained plugin (:mod:`danmodel.cni.plugin`, ``dan-cni``) writes DAN devices
for interfaces another plugin made. ``dan-tap`` is a plugin of its own, first
(or alone) in a conflist. On ADD it

1. creates a persistent tap device, named from the sandbox and ``CNI_IFNAME``
   (``tapName``, at most 15 bytes, the same on every retry), in the configured
   namespace (the plugin's own, which is the host's, or a named one), with
   ``mtu``, enslaved to ``bridge`` (created with ``bridgeMtu`` when missing);
2. gets addresses by delegating to the ``ipam`` plugin as every CNI plugin
   does: found in ``CNI_PATH``, run with the same environment and the same
   network configuration, DEL when a later step fails;
3. optionally puts each subnet's gateway on the bridge (``isGateway``);
4. writes the DAN device (``host-tap``, guest MAC by the ``mac`` policy,
   addresses and routes from IPAM, with ``gatewayNeighbor`` the gateway as a
   PERMANENT neighbor) through :class:`~danmodel.store.DanStore` for
   ``runtime``;
5. returns a result with the bridge, the tap and the guest interface.

A failure after a side effect undoes it: the tap it created is deleted and the
lease released, and the DAN file is left as it was. DEL removes the device from
the DAN file, releases the lease and deletes the tap, each step idempotent.
CHECK, GC and STATUS: see docs/running-kata-dan.md.

Links are made with pyroute2 (the ``netlink`` extra), imported when a command
needs it.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from ipaddress import IPv4Interface, IPv6Interface, ip_interface
from pathlib import Path
from typing import Any, Final

import attrs

from .. import v2
from .._fields import IFNAME
from ..addresses import IPAddress
from ..errors import ValidationError
from ..kernel import NudState
from ..mac import MacAddress
from . import skel
from .plugin import (
    _FIELD,
    _TEMPLATE_FIELDS,
    _attachment,
    _dan_conf_problem,
    _differences,
    _expand,
    _mac,
    _store,
)
from .result import Result, read_result, to_dan_device

__all__ = ["DEFAULTS", "TapConfig", "delegate", "main", "tap_config"]

DEFAULTS: Final[Mapping[str, object]] = {
    "danConf": "/run/kata-containers/dans",
    "runtime": "runtime-rs",
    "netns": "host",
    "bridge": "dan0",
    "tapName": "dan{hash}",
    "mac": "derived",
    "mtu": 1500,
    "bridgeMtu": None,
    "isGateway": False,
    "gatewayNeighbor": False,
    "multiQueue": False,
    "queueNum": 0,
    "queueSize": 0,
}
"""The plugin's configuration keys and their defaults (``bridgeMtu`` None: ``mtu``)."""

_MACS: Final = ("derived", "ipv4")
_STRINGS: Final = ("danConf", "runtime", "netns", "bridge", "tapName", "mac")
_BOOLEANS: Final = ("isGateway", "gatewayNeighbor", "multiQueue")
_MIN_MTU: Final = 68
_MAX_MTU: Final = 65535
_NETNS_DIR: Final = "/run/netns"
_TUN_TYPE_TAP: Final = 2
_EEXIST: Final = 17
_ENODEV: Final = 19
_NAME: Final = "dan-tap"


@attrs.frozen(kw_only=True)
class TapConfig:
    """The plugin's keys of the network configuration, checked (see :data:`DEFAULTS`)."""

    dan_conf: str
    runtime: str
    netns: str | None
    """Path of the namespace of the tap and the bridge; None: the plugin's own (the host's)."""
    bridge: str
    tap_name: str
    mac: str
    mtu: int
    bridge_mtu: int
    is_gateway: bool
    gateway_neighbor: bool
    multi_queue: bool
    queue_num: int
    queue_size: int
    ipam: Mapping[str, Any]
    ipam_type: str


def _invalid(key: str, message: str) -> skel.CniError:
    return skel.CniError(
        skel.INVALID_NETWORK_CONFIG, "invalid network configuration", f"$.{key}: {message}"
    )


def _integer(config: Mapping[str, Any], key: str, low: int, high: int) -> int:
    value = config.get(key, DEFAULTS[key])
    if type(value) is not int or not low <= value <= high:
        raise _invalid(key, f"expected an integer from {low} to {high}, found {value!r}")
    return value


def _namespace_path(value: str) -> str | None:
    if value == "host":
        return None
    if os.path.isabs(value):
        return value
    if "/" in value or "\0" in value or value in (".", ".."):  # one entry of /run/netns
        raise _invalid(
            "netns",
            f'expected "host", a namespace name (under {_NETNS_DIR}) or an absolute path, '
            f"found {value!r}",
        )
    return f"{_NETNS_DIR}/{value}"


def tap_config(config: Mapping[str, Any]) -> TapConfig:
    """The plugin's keys of ``config``; raises :class:`~danmodel.cni.skel.CniError` (code 7)."""
    strings = {}
    for key in _STRINGS:
        value = config.get(key, DEFAULTS[key])
        if type(value) is not str or not value:
            raise _invalid(key, f"expected a non-empty string, found {value!r}")
        strings[key] = value
    booleans = {}
    for key in _BOOLEANS:
        value = config.get(key, DEFAULTS[key])
        if type(value) is not bool:
            raise _invalid(key, f"expected true or false, found {value!r}")
        booleans[key] = value
    if strings["mac"] not in _MACS:
        raise _invalid("mac", f"expected one of {', '.join(_MACS)}, found {strings['mac']!r}")
    if not os.path.isabs(strings["danConf"]):
        raise _invalid("danConf", f"expected an absolute path, found {strings['danConf']!r}")
    found = IFNAME.check(strings["bridge"])
    if found is not None:
        raise _invalid("bridge", found[1])
    if "{" in strings["tapName"] and "}" not in strings["tapName"]:
        raise _invalid("tapName", f"unbalanced braces in {strings['tapName']!r}")
    for name in _FIELD.findall(strings["tapName"]):
        if name not in _TEMPLATE_FIELDS:
            raise _invalid(
                "tapName",
                f"unknown template field {{{name}}}; known: "
                + ", ".join(f"{{{field}}}" for field in _TEMPLATE_FIELDS),
            )
    mtu = _integer(config, "mtu", _MIN_MTU, _MAX_MTU)
    bridge_mtu = (
        mtu
        if config.get("bridgeMtu") is None
        else _integer(config, "bridgeMtu", _MIN_MTU, _MAX_MTU)
    )
    if booleans["gatewayNeighbor"] and not booleans["isGateway"]:
        raise _invalid(
            "gatewayNeighbor",
            "needs isGateway: the plugin knows the gateway's MAC only when the gateway is "
            "the bridge",
        )
    ipam = config.get("ipam")
    if not isinstance(ipam, dict):
        raise _invalid("ipam", f"expected an object with the IPAM plugin's type, found {ipam!r}")
    ipam_type = ipam.get("type")
    if type(ipam_type) is not str or not ipam_type or "/" in ipam_type:
        raise _invalid("ipam.type", f"expected the name of an IPAM plugin, found {ipam_type!r}")
    return TapConfig(
        dan_conf=strings["danConf"],
        runtime=strings["runtime"],
        netns=_namespace_path(strings["netns"]),
        bridge=strings["bridge"],
        tap_name=strings["tapName"],
        mac=strings["mac"],
        mtu=mtu,
        bridge_mtu=bridge_mtu,
        is_gateway=booleans["isGateway"],
        gateway_neighbor=booleans["gatewayNeighbor"],
        multi_queue=booleans["multiQueue"],
        queue_num=_integer(config, "queueNum", 0, 2**32 - 1),
        queue_size=_integer(config, "queueSize", 0, 2**32 - 1),
        ipam=ipam,
        ipam_type=ipam_type,
    )


# --- IPAM delegation -----------------------------------------------------------------------


def _find(plugin: str, path: Sequence[str]) -> str:
    for directory in path:
        candidate = Path(directory, plugin)
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise _invalid("ipam.type", f"no plugin {plugin!r} in CNI_PATH {os.pathsep.join(path)!r}")


def _environment(request: skel.Request, command: str) -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(
        CNI_COMMAND=command,
        CNI_CONTAINERID=request.container_id,
        CNI_NETNS=request.netns,
        CNI_IFNAME=request.ifname,
        CNI_ARGS=";".join(f"{key}={value}" for key, value in request.args),
        CNI_PATH=os.pathsep.join(request.path),
    )
    return environment


def delegate(request: skel.Request, plugin: str, command: str) -> Mapping[str, Any] | None:
    """Run the IPAM ``plugin`` for ``command`` as CNI plugins delegate; ADD's result, parsed.

    The plugin is looked up in ``CNI_PATH`` and run with this plugin's
    environment (``CNI_COMMAND`` set to ``command``) and the same network
    configuration on standard input. Its error JSON becomes a
    :class:`~danmodel.cni.skel.CniError` with its code.
    """
    executable = _find(plugin, request.path)
    done = subprocess.run(
        [executable],
        input=json.dumps(request.config).encode(),
        env=_environment(request, command),
        capture_output=True,
        check=False,
    )
    output = done.stdout.decode("utf-8", "replace")
    parsed: object = None
    with contextlib.suppress(ValueError):
        parsed = json.loads(output) if output.strip() else None
    if done.returncode != 0:
        if isinstance(parsed, dict) and type(parsed.get("code")) is int:
            raise skel.CniError(
                parsed["code"],
                f"IPAM plugin {plugin!r} ({command}): {parsed.get('msg', '')}",
                str(parsed.get("details", "")),
            )
        raise skel.CniError(
            skel.INTERNAL_ERROR,
            f"IPAM plugin {plugin!r} ({command}) failed with exit status {done.returncode}",
            (done.stderr.decode("utf-8", "replace") or output).strip()[-2000:],
        )
    if command != "ADD":
        return None
    if not isinstance(parsed, dict):
        raise skel.CniError(
            skel.DECODING_FAILURE,
            f"IPAM plugin {plugin!r} gave no result",
            f"expected a JSON object on its standard output, found {output[:200]!r}",
        )
    return parsed


def _ipam_result(data: Mapping[str, Any], plugin: str) -> Result:
    try:
        return read_result(data, source=f"result of IPAM plugin {plugin!r}").result
    except ValidationError as error:
        raise skel.CniError(
            skel.INVALID_NETWORK_CONFIG,
            f"invalid result of IPAM plugin {plugin!r}",
            "; ".join(str(problem) for problem in error.errors),
        ) from None


# --- links ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Link:
    index: int
    kind: str
    tun_type: int | None
    mac: str
    mtu: int
    master: int | None
    up: bool


def _netlink_error() -> type[BaseException]:
    error: type[BaseException] = importlib.import_module("pyroute2.netlink.exceptions").NetlinkError
    return error


def _code(error: BaseException) -> int | None:
    code = getattr(error, "code", None)
    return code if isinstance(code, int) else None


class _Links:
    """Link requests in one namespace, through a netlink socket opened there."""

    def __init__(self, ipr: Any) -> None:
        self.ipr = ipr

    def find(self, name: str) -> _Link | None:
        indexes = self.ipr.link_lookup(ifname=name)
        if not indexes:
            return None
        link = self.ipr.get_links(indexes[0])[0]
        info = link.get_attr("IFLA_LINKINFO")
        kind = "" if info is None else info.get_attr("IFLA_INFO_KIND") or ""
        data = None if info is None else info.get_attr("IFLA_INFO_DATA")
        tun_type = None
        if kind == "tun" and data is not None and not isinstance(data, (str, bytes)):
            tun_type = data.get_attr("IFLA_TUN_TYPE")
        return _Link(
            index=link["index"],
            kind=kind,
            tun_type=tun_type,
            mac=link.get_attr("IFLA_ADDRESS") or "",
            mtu=link.get_attr("IFLA_MTU") or 0,
            master=link.get_attr("IFLA_MASTER"),
            up=bool(link["flags"] & 1),
        )

    def bridge(self, name: str, mtu: int) -> _Link:
        """The bridge ``name``, created (with a fixed MAC derived from its name) if missing."""
        found = self.find(name)
        if found is None:
            digest = bytearray(hashlib.sha256(f"bridge/{name}".encode()).digest()[:6])
            digest[0] = (digest[0] | 0x02) & 0xFE  # locally administered, unicast
            try:
                self.ipr.link(
                    "add",
                    ifname=name,
                    kind="bridge",
                    mtu=mtu,
                    address=str(MacAddress(bytes(digest))),
                )
            except _netlink_error() as error:
                if _code(error) != _EEXIST:  # made by a concurrent ADD: fine
                    raise
            else:
                # An MTU set by hand stays when ports come and go; the kernel marks it so
                # only when it changes, so step through a neighbouring value.
                index = self.ipr.link_lookup(ifname=name)[0]
                for value in (mtu + 1 if mtu < _MAX_MTU else mtu - 1, mtu):
                    self.ipr.link("set", index=index, mtu=value)
            found = self.find(name)
        if found is None or found.kind != "bridge":
            raise skel.CniError(
                skel.INVALID_NETWORK_CONFIG,
                "invalid network configuration",
                f"$.bridge: link {name!r} exists and is not a bridge "
                f"({found.kind if found is not None and found.kind else 'no kind'})",
            )
        if not found.up:
            self.ipr.link("set", index=found.index, state="up")
        return found

    def tap(self, name: str, *, multi_queue: bool) -> bool:
        """Make the persistent tap ``name``; False if it was already there."""
        found = self.find(name)
        if found is not None:
            if found.kind != "tun" or found.tun_type != _TUN_TYPE_TAP:
                raise skel.CniError(
                    skel.DEVICE_CONFLICT,
                    "the tap name is taken",
                    f"link {name!r} exists and is not a tap ({found.kind or 'no kind'})",
                )
            return False
        flags = {"no_pi": True, "multi_queue": multi_queue}
        self.ipr.link("add", ifname=name, kind="tuntap", mode="tap", ifr=flags)
        return True

    def attach(self, name: str, bridge: _Link, mtu: int) -> _Link:
        found = self.find(name)
        assert found is not None
        self.ipr.link("set", index=found.index, mtu=mtu, master=bridge.index, state="up")
        found = self.find(name)
        assert found is not None
        return found

    def delete_tap(self, name: str) -> bool:
        """Delete the tap ``name``; False if there is none (a link that is not a tap stays)."""
        found = self.find(name)
        if found is None or found.kind != "tun":
            return False
        try:
            self.ipr.link("del", index=found.index)
        except _netlink_error() as error:
            if _code(error) != _ENODEV:
                raise
            return False
        return True

    def add_address(self, bridge: _Link, address: IPv4Interface | IPv6Interface) -> None:
        try:
            self.ipr.addr(
                "add",
                index=bridge.index,
                address=str(address.ip),
                prefixlen=address.network.prefixlen,
            )
        except _netlink_error() as error:
            if _code(error) != _EEXIST:
                raise

    def addresses(self, link: _Link) -> list[IPv4Interface | IPv6Interface]:
        found = []
        for item in self.ipr.get_addr(index=link.index):
            address = item.get_attr("IFA_ADDRESS")
            if address:
                found.append(ip_interface(f"{address}/{item['prefixlen']}"))
        return found


@contextlib.contextmanager
def _links(netns: str | None) -> Iterator[_Links]:
    try:
        IPRoute = importlib.import_module("pyroute2").IPRoute
    except ImportError:
        raise skel.CniError(
            skel.NOT_AVAILABLE,
            "dan-tap needs pyroute2",
            "pip install 'danmodel[netlink]'",
        ) from None
    try:
        if netns is not None and not os.path.exists(netns):
            # looked up first: pyroute2 leaks its helper's sockets when the open fails
            raise FileNotFoundError(netns)
        ipr = IPRoute() if netns is None else IPRoute(netns=netns, flags=0)
    except FileNotFoundError:
        raise skel.CniError(
            skel.INVALID_NETWORK_CONFIG,
            "invalid network configuration",
            f"$.netns: no network namespace at {netns!r}",
        ) from None
    with ipr:
        yield _Links(ipr)


# --- ADD -----------------------------------------------------------------------------------


def _gateway_of(
    address: IPv4Interface | IPv6Interface, candidates: Sequence[IPAddress]
) -> IPAddress | None:
    return next(
        (gw for gw in candidates if gw.version == address.version and gw in address.network), None
    )


def _recorded(store: Any, request: skel.Request) -> tuple[int, v2.DanDevice] | None:
    """The device this attachment added to the DAN file, and its position, if there is one."""
    from ..store import SandboxNotFound

    if store.attachments(request.container_id).get(request.ifname) != _attachment(request):
        return None
    with contextlib.suppress(SandboxNotFound):
        for position, device in enumerate(store.read(request.container_id).devices):
            if device.name == request.ifname:
                return position, device
    return None


def _refuse_a_taken_name(store: Any, request: skel.Request) -> None:
    """Refuse before any side effect when another attachment's device has the guest name.

    The tap name comes from the sandbox and the ifname: that device's tap is
    the one this ADD would make, and must not be touched. (The store refuses
    the same at the end, for an ADD that races with this one.)
    """
    from ..store import SandboxNotFound

    try:
        devices = store.read(request.container_id).devices
    except SandboxNotFound:
        return
    for position, device in enumerate(devices):
        if device.name == request.ifname:
            owner = store.attachments(request.container_id).get(request.ifname)
            raise skel.CniError(
                skel.DEVICE_CONFLICT,
                "the DAN file holds a different device under this name",
                f"{store.path(request.container_id)}: $.devices[{position}].name: guest name "
                f"{request.ifname!r} is already used by the device of "
                f"{owner or 'no attachment'}, not {_attachment(request)}",
            )


@attrs.frozen(kw_only=True)
class _Addresses:
    """What IPAM gave: each address with its gateway, the routes, the DNS settings."""

    ips: tuple[tuple[IPv4Interface | IPv6Interface, IPAddress | None], ...]
    routes: tuple[Mapping[str, Any], ...]
    dns: Mapping[str, Any] | None


def _from_ipam(result: Result, config: TapConfig) -> _Addresses:
    ips = []
    for ip in result.ips:
        gateway = ip.gateway
        if gateway is None and config.is_gateway:  # as the bridge plugin computes it
            gateway = ip.address.network.network_address + 1
        ips.append((ip.address, gateway))
    routes = []
    for route in result.routes:
        item: dict[str, Any] = {"dst": str(route.dst)}
        # a route without gw goes through its family's gateway, as the CNI spec says
        gateway = route.gw or next(
            (gw for _, gw in ips if gw is not None and gw.version == route.dst.version), None
        )
        if gateway is not None:
            item["gw"] = str(gateway)
        if route.mtu:
            item["mtu"] = route.mtu
        if route.scope:
            item["scope"] = route.scope
        routes.append(item)
    dns = None
    if result.dns is not None:
        dns = {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in attrs.asdict(result.dns, recurse=False).items()
            if value
        }
    return _Addresses(ips=tuple(ips), routes=tuple(routes), dns=dns or None)


def _from_device(device: v2.DanDevice, gateways: Sequence[IPAddress]) -> _Addresses:
    """What the first ADD got from IPAM, read back from its device (ADD again)."""
    candidates = [*gateways, *(r.gateway for r in device.network_info.routes if r.gateway)]
    ips = tuple(
        (address, _gateway_of(address, candidates))
        for address in device.network_info.interface.ip_addresses
    )
    routes = []
    for route in device.network_info.routes:
        if route.dest is None:
            continue
        item: dict[str, Any] = {"dst": str(route.dest)}
        if route.gateway is not None:
            item["gw"] = str(route.gateway)
        if route.mtu:
            item["mtu"] = route.mtu
        if route.scope:
            item["scope"] = route.scope
        routes.append(item)
    return _Addresses(ips=ips, routes=tuple(routes), dns=None)


def _result(
    request: skel.Request,
    config: TapConfig,
    bridge: _Link,
    tap: _Link,
    guest_mac: MacAddress,
    addresses: _Addresses,
) -> dict[str, Any]:
    """The ADD result in cniVersion 1.1.0: bridge, tap, the guest interface (index 2)."""
    result: dict[str, Any] = {
        "cniVersion": skel.LATEST,
        "interfaces": [
            {"name": config.bridge, "mac": bridge.mac, "mtu": bridge.mtu},
            {"name": _tap_name(request, config), "mac": tap.mac, "mtu": tap.mtu},
            {
                "name": request.ifname,
                "mac": str(guest_mac),
                "mtu": config.mtu,
                "sandbox": request.netns,
            },
        ],
        "ips": [
            {
                "address": str(address),
                **({"gateway": str(gateway)} if gateway is not None else {}),
                "interface": 2,
            }
            for address, gateway in addresses.ips
        ],
        "routes": [dict(route) for route in addresses.routes],
    }
    if addresses.dns is not None:
        result["dns"] = dict(addresses.dns)
    return result


def _tap_name(request: skel.Request, config: TapConfig) -> str:
    return _expand(config.tap_name, "tapName", IFNAME, request)


def _device(
    request: skel.Request,
    config: TapConfig,
    result: Mapping[str, Any],
    bridge_mac: str,
) -> v2.DanDevice:
    """The DAN device of the guest interface (``interfaces[2]``) of ``result``."""
    try:
        converted = to_dan_device(
            result,
            name=request.ifname,
            tap_name=_tap_name(request, config),
            interface=2,
            source=f"{_NAME} result",
        )
    except ValidationError as error:
        raise skel.CniError(
            skel.INVALID_NETWORK_CONFIG,
            "cannot describe the addresses as a DAN device",
            "; ".join(str(problem) for problem in error.errors),
        ) from None
    for drop in converted.dropped:
        if getattr(drop, "category", "lossy") == "lossy":
            request.log(f"{_NAME}: {drop}")
    device = converted.value
    neighbors: tuple[v2.Neighbor, ...] = ()
    if config.gateway_neighbor:
        mac = MacAddress.parse(bridge_mac)
        gateways = []
        for ip in result["ips"]:
            if "gateway" in ip and ip["gateway"] not in gateways:
                gateways.append(ip["gateway"])
        neighbors = tuple(
            v2.Neighbor(ip_address=gateway, hardware_addr=mac, state=NudState.PERMANENT)
            for gateway in gateways
        )
    return attrs.evolve(
        device,
        device=v2.HostTap(
            tap_name=_tap_name(request, config),
            queue_num=config.queue_num,
            queue_size=config.queue_size,
        ),
        network_info=attrs.evolve(device.network_info, neighbors=neighbors),
    )


def _guest_mac(request: skel.Request, config: TapConfig, addresses: _Addresses) -> MacAddress:
    stand_in = v2.DanDevice(
        name=request.ifname,
        guest_mac=MacAddress(b"\x02\x00\x00\x00\x00\x00"),
        device=v2.HostTap(tap_name="x"),
        network_info=v2.NetworkInfo(
            interface=v2.Interface(ip_addresses=[address for address, _ in addresses.ips])
        ),
    )
    return _mac(config.mac, None, stand_in, request)


def _undo(request: skel.Request, steps: list[tuple[str, Callable[[], object]]]) -> None:
    for what, step in reversed(steps):
        try:
            step()
        except Exception as error:  # undo what can be undone, report the rest
            request.log(f"{_NAME}: could not undo ({what}): {skel.error_for(error)}")


def add(request: skel.Request) -> Mapping[str, Any]:
    """ADD: the tap on the bridge, addresses from IPAM, the DAN device; the result."""
    config = tap_config(request.config)
    _tap_name(request, config)  # a bad template fails before any side effect
    store = _store(config)
    recorded = _recorded(store, request)
    previous = None if recorded is None else recorded[1]
    if previous is None:
        _refuse_a_taken_name(store, request)
    with _links(config.netns) as links:
        undo: list[tuple[str, Callable[[], object]]] = []
        try:
            return _add(request, config, store, links, previous, undo)
        except BaseException:
            _undo(request, undo)  # the DAN file is written last: it is unchanged
            raise


def _add(
    request: skel.Request,
    config: TapConfig,
    store: Any,
    links: _Links,
    previous: v2.DanDevice | None,
    undo: list[tuple[str, Callable[[], object]]],
) -> Mapping[str, Any]:
    tap_name = _tap_name(request, config)
    bridge = links.bridge(config.bridge, config.bridge_mtu)
    if links.tap(tap_name, multi_queue=config.multi_queue):
        undo.append((f"delete tap {tap_name!r}", lambda: links.delete_tap(tap_name)))
    tap = links.attach(tap_name, bridge, config.mtu)
    bridge = links.find(config.bridge) or bridge
    if previous is None:
        data = delegate(request, config.ipam_type, "ADD")
        undo.append(("release the IPAM lease", lambda: delegate(request, config.ipam_type, "DEL")))
        assert data is not None
        addresses = _from_ipam(_ipam_result(data, config.ipam_type), config)
    else:  # ADD again: IPAM gave the addresses before (host-local refuses a second time)
        on_bridge = links.addresses(bridge) if config.is_gateway else []
        addresses = _from_device(previous, [address.ip for address in on_bridge])
    if config.is_gateway:
        for address, gateway in addresses.ips:
            if gateway is not None:
                links.add_address(bridge, ip_interface(f"{gateway}/{address.network.prefixlen}"))
    guest_mac = _guest_mac(request, config, addresses)
    result = _result(request, config, bridge, tap, guest_mac, addresses)
    device = _device(request, config, result, bridge.mac)
    try:
        store.add_device(
            request.container_id,
            device,
            netns=config.netns,
            attachment=_attachment(request),
            replace=previous is not None,
        )
    except ValidationError as error:
        if type(error) is not ValidationError:
            raise  # the runtime rejects the file: mapped by skel
        raise skel.CniError(
            skel.DEVICE_CONFLICT,
            "the DAN file holds a different device under this name",
            "; ".join(str(problem) for problem in error.errors),
        ) from None
    return skel.pass_through(attrs.evolve(request, prev_result=result))


# --- DEL, CHECK, GC, STATUS ----------------------------------------------------------------


def delete(request: skel.Request) -> None:
    """DEL: the device out of the DAN file, the lease released, the tap deleted; idempotent."""
    config = tap_config(request.config)
    _store(config).remove_attachment(request.container_id, _attachment(request))
    delegate(request, config.ipam_type, "DEL")
    if config.netns is not None and not os.path.exists(config.netns):
        return  # the namespace is gone, and its links with it
    with _links(config.netns) as links:
        links.delete_tap(_tap_name(request, config))


def _as_written(device: v2.DanDevice, store: Any) -> v2.DanDevice:
    """``device`` as the store writes it for its runtime (neighbors spelled for it), read back."""
    from ..codec import dumps, loads

    text = dumps(v2.DanConfig(devices=[device]), profile=store.runtime)
    return loads(text).devices[0]


def _check_failed(problems: Sequence[str], where: str) -> skel.CniError:
    return skel.CniError(
        skel.CHECK_FAILED,
        "the tap or the DAN file is not what ADD made",
        f"{where}: " + "; ".join(problems),
    )


def check(request: skel.Request) -> None:
    """CHECK: the tap exists, is on the bridge, and the DAN file holds what ADD writes."""
    config = tap_config(request.config)
    store = _store(config)
    tap_name = _tap_name(request, config)
    where = str(store.path(request.container_id))
    recorded = _recorded(store, request)
    if recorded is None:
        raise _check_failed([f"no device of {_attachment(request)}"], where)
    position, previous = recorded
    problems: list[str] = []
    with _links(config.netns) as links:
        tap = links.find(tap_name)
        bridge = links.find(config.bridge)
        if tap is None or tap.kind != "tun" or tap.tun_type != _TUN_TYPE_TAP:
            problems.append(f"tap {tap_name!r}: " + ("missing" if tap is None else "not a tap"))
        else:
            if bridge is None or tap.master != bridge.index:
                problems.append(f"tap {tap_name!r}: not on bridge {config.bridge!r}")
            if tap.mtu != config.mtu:
                problems.append(f"tap {tap_name!r}: MTU {tap.mtu}, not {config.mtu}")
            if not tap.up:
                problems.append(f"tap {tap_name!r}: down")
        if bridge is not None and tap is not None and not problems:
            on_bridge = links.addresses(bridge) if config.is_gateway else []
            addresses = _from_device(previous, [address.ip for address in on_bridge])
            guest_mac = _guest_mac(request, config, addresses)
            result = _result(request, config, bridge, tap, guest_mac, addresses)
            expected = _as_written(_device(request, config, result, bridge.mac), store)
            problems.extend(_differences(f"$.devices[{position}]", previous, expected))
    if store.read(request.container_id).netns != config.netns:
        problems.append(f"$.netns: the file's is not {config.netns!r}")
    if problems:
        raise _check_failed(problems, where)
    delegate(request, config.ipam_type, "CHECK")


def _supports(request: skel.Request, plugin: str, version: str) -> bool:
    """Whether the IPAM plugin's VERSION lists ``version``."""
    done = subprocess.run(
        [_find(plugin, request.path)],
        input=json.dumps({"cniVersion": request.cni_version}).encode(),
        env=_environment(request, "VERSION"),
        capture_output=True,
        check=False,
    )
    with contextlib.suppress(ValueError):
        answer = json.loads(done.stdout.decode("utf-8", "replace"))
        if done.returncode == 0 and isinstance(answer, dict):
            return version in (answer.get("supportedVersions") or ())
    return False


def _delegate_if_known(request: skel.Request, plugin: str, command: str) -> None:
    """Delegate GC or STATUS (CNI 1.1.0) to an IPAM plugin that speaks 1.1.0; log the others."""
    if not request.path:
        return
    if _supports(request, plugin, "1.1.0"):
        delegate(request, plugin, command)
    else:
        request.log(f"{_NAME}: IPAM plugin {plugin!r} predates CNI 1.1.0: no {command} for it")


def gc(request: skel.Request) -> None:
    """GC: remove the devices and taps of this network whose attachment is not valid."""
    config = tap_config(request.config)
    if request.valid_attachments is None:
        raise skel.CniError(
            skel.INVALID_NETWORK_CONFIG,
            "invalid network configuration",
            "$['cni.dev/valid-attachments']: GC needs the list of valid attachments",
        )
    removed = _store(config).collect_garbage(request.name, request.valid_attachments)
    with _links(config.netns) as links:
        for sandbox_id, name in removed:
            stale = attrs.evolve(request, container_id=sandbox_id, ifname=name)
            links.delete_tap(_tap_name(stale, config))
            request.log(f"{_NAME}: GC removed device {name!r} of sandbox {sandbox_id!r}")
    _delegate_if_known(request, config.ipam_type, "GC")


def status(request: skel.Request) -> None:
    """STATUS: ``danConf`` usable, the IPAM plugin found (and available, if it says)."""
    config = tap_config(request.config)
    _store(config)
    problem = _dan_conf_problem(config.dan_conf)
    if problem is not None:
        raise skel.CniError(skel.NOT_AVAILABLE, "danConf is not usable", problem)
    _delegate_if_known(request, config.ipam_type, "STATUS")


def main() -> int:
    """The ``dan-tap`` command: one CNI command, from the environment and standard input."""
    return skel.main(add=add, delete=delete, check=check, status=status, gc=gc)


if __name__ == "__main__":  # pragma: no cover - run as a module
    sys.exit(main())
