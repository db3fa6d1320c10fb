"""Hypothesis strategies for CNI ADD results (a candidate for :mod:`danmodel.strategies`).

:func:`cni_results` draws valid results of every version :mod:`danmodel.cni`
reads, as parsed JSON (dicts, lists, str, int): interfaces of every kind
(host tap, sandboxed, ``pciID``, ``socketPath``), addresses with and without
an ``interface`` index and gateway, routes with the 1.1.0 extras, and DNS.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from . import strategies as ds
from .addresses import ip_text, network_text
from .cni import VERSIONS
from .kernel import UINT32_MAX

__all__ = ["cni_results"]

_MAX_ITEMS = 4

# Built once: hypothesis validates each new strategy object on its first draw.
_NAMES = ds.interface_names()
_MACS = ds.mac_addresses()
_PCI = ds.pci_addresses()
_SOCKETS = ds.socket_paths()
_INTERFACES = ds.ip_interfaces()
_NETWORKS = ds.networks()
_IPS = {
    4: ds.ip_addresses().filter(lambda ip: ip.version == 4),
    6: ds.ip_addresses().filter(lambda ip: ip.version == 6),
}
_BOOLEANS = st.booleans()
_SANDBOXES = st.sampled_from(["", "/var/run/netns/pod-1"])
_KINDS = st.sampled_from(["tap", "vfio", "vhost-user"])
_MTUS = st.sampled_from([0, 1280, 1450, 1500, 9000])
_UINT32 = st.integers(min_value=0, max_value=UINT32_MAX)
_ROUTE_EXTRAS = {
    "mtu": _UINT32,
    "advmss": st.integers(min_value=0, max_value=65535),
    "priority": _UINT32,
    "table": _UINT32,
    "scope": st.sampled_from([0, 200, 253, 254, 255]),
}
_DNS_TEXTS = st.lists(st.sampled_from(["10.96.0.10", "cluster.local", "ndots:5"]), max_size=2)
_DOMAINS = st.sampled_from(["", "example.com"])
_COUNTS = st.integers(min_value=0, max_value=_MAX_ITEMS)
_INTERFACE_COUNTS = st.integers(min_value=0, max_value=3)


def _mac(draw: DrawFn) -> str:
    text = str(draw(_MACS))
    return text.upper() if draw(_BOOLEANS) else text


def _interface(draw: DrawFn, version: str) -> dict[str, Any]:
    interface: dict[str, Any] = {"name": draw(_NAMES)}
    if draw(_BOOLEANS):
        interface["mac"] = _mac(draw)
    if draw(_BOOLEANS):
        interface["sandbox"] = draw(_SANDBOXES)
    if version == "1.1.0":
        kind = draw(_KINDS)
        if kind == "vfio":
            interface["pciID"] = draw(_PCI)
        elif kind == "vhost-user":
            interface["socketPath"] = draw(_SOCKETS)
        if draw(_BOOLEANS):
            interface["mtu"] = draw(_MTUS)
    return interface


def _ip(draw: DrawFn, version: str, interfaces: int) -> dict[str, Any]:
    address = draw(_INTERFACES)
    ip: dict[str, Any] = {}
    if version.startswith("0."):
        ip["version"] = str(address.version)
    ip["address"] = ip_text(address)
    if draw(_BOOLEANS):
        ip["gateway"] = ip_text(draw(_IPS[address.version]))
    if interfaces and draw(_BOOLEANS):
        ip["interface"] = draw(st.integers(min_value=0, max_value=interfaces - 1))
    return ip


def _route(draw: DrawFn, version: str) -> dict[str, Any]:
    dst = draw(_NETWORKS)
    route: dict[str, Any] = {"dst": network_text(dst)}
    if draw(_BOOLEANS):
        route["gw"] = ip_text(draw(_IPS[dst.version]))
    if version == "1.1.0":
        for key, values in _ROUTE_EXTRAS.items():
            if draw(_BOOLEANS):
                route[key] = draw(values)
    return route


def _dns(draw: DrawFn) -> dict[str, Any]:
    dns: dict[str, Any] = {}
    for key in ("nameservers", "search", "options"):
        if draw(_BOOLEANS):
            dns[key] = draw(_DNS_TEXTS)
    if draw(_BOOLEANS):
        dns["domain"] = draw(_DOMAINS)
    return dns


@st.composite
def _results(draw: DrawFn, versions: tuple[str, ...]) -> dict[str, Any]:
    version = draw(st.sampled_from(versions))
    result: dict[str, Any] = {"cniVersion": version}
    interfaces = draw(_INTERFACE_COUNTS)
    if interfaces or draw(_BOOLEANS):
        result["interfaces"] = [_interface(draw, version) for _ in range(interfaces)]
    count = draw(_COUNTS)
    if count or draw(_BOOLEANS):
        result["ips"] = [_ip(draw, version, interfaces) for _ in range(count)]
    count = draw(_COUNTS)
    if count or draw(_BOOLEANS):
        result["routes"] = [_route(draw, version) for _ in range(count)]
    if draw(_BOOLEANS):
        result["dns"] = _dns(draw)
    return result


def cni_results(version: str | None = None) -> SearchStrategy[dict[str, Any]]:
    """A valid CNI ADD result of ``version`` (default: any of :data:`danmodel.cni.VERSIONS`)."""
    if version is not None and version not in VERSIONS:
        raise ValueError(f"unknown cniVersion {version!r}; known: {', '.join(VERSIONS)}")
    return _results((version,) if version is not None else VERSIONS)
