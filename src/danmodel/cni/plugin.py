"""``dan-cni``: the reference chained CNI plugin that writes DAN files.

Placed last in a conflist, after the plugin that makes the interface, it
turns ``prevResult`` into a DAN device and adds it to
``{danConf}/{CNI_CONTAINERID}.json`` through :class:`~danmodel.store.DanStore`,
written for the configured Kata runtime, and passes ``prevResult`` on. DEL
removes the device (a second DEL, or a missing file, is fine); CHECK compares
the file with what ADD writes; GC removes the devices of this network whose
attachment is not in ``cni.dev/valid-attachments``; STATUS says whether
``danConf`` is usable. See docs/cni-plugin.md for the configuration keys.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final, Protocol

import attrs

from .. import v2
from .._fields import IFNAME, PCI_ADDRESS, SOCKET_PATH, Field
from ..errors import Problem, ValidationError
from ..mac import MacAddress
from . import skel
from .result import Result, read_result, to_dan_device

__all__ = ["DEFAULTS", "PluginConfig", "device_for", "main", "plugin_config"]

DEFAULTS: Final[Mapping[str, str]] = {
    "danConf": "/run/kata-containers/dans",
    "runtime": "runtime-rs",
    "device": "host-tap",
    "tapName": "dan{hash}",
    "socketPath": "/run/vhost-user/dan-{hash}.sock",
    "mac": "result",
    "netns": "pod",
    "logDrops": "lossy",
}
"""The plugin's configuration keys and their defaults."""

_CHOICES: Final[Mapping[str, tuple[str, ...]]] = {
    "device": ("host-tap", "vhost-user", "vfio"),
    "mac": ("result", "derived", "ipv4"),
    "netns": ("pod", "host"),
    "logDrops": ("none", "lossy", "all"),
}
_FIELD = re.compile(r"\{([^{}]*)\}")
_TEMPLATE_FIELDS: Final = ("container_id", "short_id", "network", "ifname", "hash")


@attrs.frozen(kw_only=True)
class PluginConfig:
    """The plugin's keys of the network configuration, checked (see :data:`DEFAULTS`)."""

    dan_conf: str
    runtime: str
    device: str
    tap_name: str
    socket_path: str
    mac: str
    netns: str
    log_drops: str


def _invalid(key: str, message: str) -> skel.CniError:
    return skel.CniError(
        skel.INVALID_NETWORK_CONFIG, "invalid network configuration", f"$.{key}: {message}"
    )


def plugin_config(config: Mapping[str, Any]) -> PluginConfig:
    """The plugin's keys of ``config``; raises :class:`~danmodel.cni.skel.CniError` (code 7)."""
    values = {}
    for key, default in DEFAULTS.items():
        value = config.get(key, default)
        if type(value) is not str or not value:
            raise _invalid(key, f"expected a non-empty string, found {value!r}")
        choices = _CHOICES.get(key)
        if choices is not None and value not in choices:
            raise _invalid(key, f"expected one of {', '.join(choices)}, found {value!r}")
        values[key] = value
    for key in ("tapName", "socketPath"):
        for name in _FIELD.findall(values[key]):
            if name not in _TEMPLATE_FIELDS:
                raise _invalid(
                    key,
                    f"unknown template field {{{name}}}; known: "
                    + ", ".join(f"{{{field}}}" for field in _TEMPLATE_FIELDS),
                )
    if not os.path.isabs(values["danConf"]):
        raise _invalid("danConf", f"expected an absolute path, found {values['danConf']!r}")
    return PluginConfig(
        dan_conf=values["danConf"],
        runtime=values["runtime"],
        device=values["device"],
        tap_name=values["tapName"],
        socket_path=values["socketPath"],
        mac=values["mac"],
        netns=values["netns"],
        log_drops=values["logDrops"],
    )


def _digest(request: skel.Request) -> bytes:
    return hashlib.sha256(f"{request.container_id}/{request.ifname}".encode()).digest()


def _expand(template: str, key: str, kind: Field, request: skel.Request) -> str:
    fields = {
        "container_id": request.container_id,
        "short_id": request.container_id[:12],
        "network": request.name,
        "ifname": request.ifname,
        "hash": _digest(request).hex()[:10],
    }
    text = _FIELD.sub(lambda match: fields[match[1]], template)
    found = kind.check(text)
    if found is not None:
        raise _invalid(key, f"{template!r} gives {text!r}: {found[1]}")
    return text


def _mac(policy: str, chosen: Any, device: v2.DanDevice, request: skel.Request) -> MacAddress:
    if policy == "result" and chosen is not None and chosen.mac:
        return device.guest_mac  # converted from the interface's mac
    if policy == "ipv4":
        for address in device.network_info.interface.ip_addresses:
            if address.version == 4:
                return MacAddress(b"\x0a\x58" + address.ip.packed)
        raise _invalid("mac", '"ipv4" needs an IPv4 address on the interface; the result has none')
    octets = bytearray(_digest(request)[:6])
    octets[0] = (octets[0] | 0x02) & 0xFE  # locally administered, unicast
    return MacAddress(bytes(octets))


def _interface_index(result: Result, request: skel.Request) -> int | None:
    """The interface of ``CNI_IFNAME`` in the container, as the reference plugins find it."""
    for index, interface in enumerate(result.interfaces):
        if interface.name == request.ifname and interface.sandbox:
            return index
    for index, interface in enumerate(result.interfaces):
        if interface.name == request.ifname:
            return index
    return None


def _in_prev_result(problem: Problem) -> str:
    return f"$.prevResult{problem.path[1:]}: {problem.message}"


def _listed(problems: Iterable[Problem]) -> str:
    return "; ".join(_in_prev_result(problem) for problem in problems)


def device_for(request: skel.Request, config: PluginConfig) -> v2.DanDevice:
    """The DAN device ADD writes for ``request``; CHECK compares the file with it."""
    if request.prev_result is None:
        raise skel.CniError(
            skel.INVALID_NETWORK_CONFIG,
            "missing prevResult",
            "dan-cni is a chained plugin: put it after the plugin that makes the interface",
        )
    try:
        read = read_result(request.prev_result, source="prevResult")
    except ValidationError as error:
        raise skel.CniError(
            skel.INVALID_NETWORK_CONFIG,
            "invalid prevResult",
            _listed(error.errors),
        ) from None
    for problem in read.ignored:
        if config.log_drops == "all":
            request.log(f"dan-cni: {_in_prev_result(problem)}")
    result = read.result
    index = _interface_index(result, request)
    if index is None and len(result.interfaces) > 1:
        index = next(
            (i for i, interface in enumerate(result.interfaces) if interface.sandbox), None
        )
    chosen = None if index is None else result.interfaces[index]
    pci_id = "" if chosen is None else chosen.pciID
    if chosen is not None:  # the device kind is the config's choice, not the result's
        plain = attrs.evolve(chosen, pciID="", socketPath="")
        interfaces = list(result.interfaces)
        interfaces[index] = plain  # type: ignore[index]
        result = attrs.evolve(result, interfaces=interfaces)
    tap = _expand(config.tap_name, "tapName", IFNAME, request)
    try:
        converted = to_dan_device(
            result, name=request.ifname, tap_name=tap, interface=index, source="prevResult"
        )
    except ValidationError as error:
        raise skel.CniError(
            skel.INVALID_NETWORK_CONFIG,
            "cannot convert prevResult",
            _listed(error.errors),
        ) from None
    for drop in converted.dropped:
        if config.log_drops == "all" or (
            config.log_drops == "lossy" and getattr(drop, "category", "lossy") == "lossy"
        ):
            request.log(f"dan-cni: {_in_prev_result(drop)}")
    device = converted.value
    host: v2.Device = device.device
    if config.device == "vhost-user":
        host = v2.VhostUser(path=_expand(config.socket_path, "socketPath", SOCKET_PATH, request))
    elif config.device == "vfio":
        found = PCI_ADDRESS.check(pci_id) if pci_id else ("", "the interface has no pciID")
        if found is not None:
            raise skel.CniError(
                skel.INVALID_NETWORK_CONFIG,
                'device "vfio" needs the interface\'s pciID in prevResult',
                found[1],
            )
        host = v2.Vfio(pci_device_id=pci_id)
    return attrs.evolve(device, device=host, guest_mac=_mac(config.mac, chosen, device, request))


class _StoreSettings(Protocol):
    """What a plugin configuration says about the store (dan-cni's and dan-tap's)."""

    @property
    def dan_conf(self) -> str: ...
    @property
    def runtime(self) -> str: ...


def _store(config: _StoreSettings) -> Any:
    """The plugin's DanStore; a configuration error for a runtime it does not know."""
    from ..store import DanStore

    try:
        return DanStore(config.dan_conf, runtime=config.runtime)
    except (ValueError, ValidationError) as error:
        raise _invalid("runtime", str(error)) from None


def _attachment(request: skel.Request) -> Any:
    from ..store import Attachment

    return Attachment(network=request.name, ifname=request.ifname)


def _netns(request: skel.Request, config: PluginConfig) -> str | None:
    return request.netns if config.netns == "pod" else None


def add(request: skel.Request) -> Mapping[str, Any]:
    """ADD: write the device, pass ``prevResult`` on."""
    config = plugin_config(request.config)
    device = device_for(request, config)
    store = _store(config)
    attachment = _attachment(request)
    netns = _netns(request, config)
    try:
        store.add_device(request.container_id, device, netns=netns, attachment=attachment)
    except ValidationError as error:
        if type(error) is not ValidationError:
            raise  # the runtime rejects the file: mapped by skel
        if store.attachments(request.container_id).get(request.ifname) != attachment:
            raise skel.CniError(
                skel.DEVICE_CONFLICT,
                "the DAN file holds a different device under this name",
                "; ".join(str(problem) for problem in error.errors),
            ) from None
        # ADD again for the same attachment, with a changed result: the new device wins
        store.add_device(
            request.container_id, device, netns=netns, attachment=attachment, replace=True
        )
    return skel.pass_through(request)


def delete(request: skel.Request) -> None:
    """DEL: remove the attachment's device; a missing file or device is fine."""
    config = plugin_config(request.config)
    _store(config).remove_attachment(request.container_id, _attachment(request))


def _differences(path: str, file: object, added: object) -> Iterator[str]:
    cls = type(file)
    if attrs.has(cls) and cls is type(added) and cls is not MacAddress:
        for field in attrs.fields(cls):
            yield from _differences(
                f"{path}.{field.name}", getattr(file, field.name), getattr(added, field.name)
            )
    elif isinstance(file, tuple) and isinstance(added, tuple) and len(file) == len(added):
        for index, (left, right) in enumerate(zip(file, added, strict=True)):
            yield from _differences(f"{path}[{index}]", left, right)
    elif file != added:
        yield f"{path}: the file has {_shown(file)}, ADD writes {_shown(added)}"


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if value is None:
        return "null"
    if attrs.has(type(value)) and not isinstance(value, MacAddress):
        return type(value).__name__
    return repr(value) if isinstance(value, str) else str(value)


def check(request: skel.Request) -> None:
    """CHECK: the file holds the device ADD writes, recorded for this attachment."""
    config = plugin_config(request.config)
    device = device_for(request, config)
    store = _store(config)
    from ..store import SandboxNotFound

    try:
        current = store.read(request.container_id)
    except SandboxNotFound:
        raise skel.CniError(
            skel.CHECK_FAILED,
            "the sandbox has no DAN file",
            str(store.path(request.container_id)),
        ) from None
    problems = []
    position = next((i for i, d in enumerate(current.devices) if d.name == device.name), None)
    if position is None:
        problems.append(f"$.devices: no device named {device.name!r}")
    else:
        problems.extend(_differences(f"$.devices[{position}]", current.devices[position], device))
        owner = store.attachments(request.container_id).get(device.name)
        if owner != _attachment(request):
            problems.append(
                f"$.devices[{position}]: recorded for {owner or 'no attachment'}, "
                f"not for {_attachment(request)}"
            )
    if current.netns != _netns(request, config):
        problems.append(
            f"$.netns: the file has {_shown(current.netns)}, ADD writes "
            f"{_shown(_netns(request, config))}"
        )
    if problems:
        raise skel.CniError(
            skel.CHECK_FAILED,
            "the DAN file does not hold what ADD writes",
            f"{store.path(request.container_id)}: " + "; ".join(problems),
        )


def gc(request: skel.Request) -> None:
    """GC: remove this network's devices whose attachment is not valid."""
    config = plugin_config(request.config)
    if request.valid_attachments is None:
        raise skel.CniError(
            skel.INVALID_NETWORK_CONFIG,
            "invalid network configuration",
            "$['cni.dev/valid-attachments']: GC needs the list of valid attachments",
        )
    removed = _store(config).collect_garbage(request.name, request.valid_attachments)
    for sandbox_id, name in removed:
        request.log(f"dan-cni: GC removed device {name!r} of sandbox {sandbox_id!r}")


def status(request: skel.Request) -> None:
    """STATUS: ``danConf`` is a writable directory, or can be created."""
    config = plugin_config(request.config)
    _store(config)
    problem = _dan_conf_problem(config.dan_conf)
    if problem is not None:
        raise skel.CniError(skel.NOT_AVAILABLE, "danConf is not usable", problem)


def _dan_conf_problem(dan_conf: str) -> str | None:
    """Why ``dan_conf`` cannot hold DAN files (not a writable directory, nor creatable), or None.

    Shared with the standalone plugin, :mod:`danmodel.cni.standalone`.
    """
    existing = Path(dan_conf)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.is_symlink() or not existing.is_dir():
        return f"{existing} is not a directory"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not writable"
    return None


def main() -> int:
    """The ``dan-cni`` command: one CNI command, from the environment and standard input."""
    return skel.main(add=add, delete=delete, check=check, status=status, gc=gc)


if __name__ == "__main__":  # pragma: no cover - run as a module
    sys.exit(main())
