"""Configs spelled as a runtime parses them, as ``dumps(..., profile=...)`` writes them."""

from __future__ import annotations

from ipaddress import IPv4Interface, IPv6Interface
from typing import Any, TypeVar, cast

import attrs

from .. import v1, v2
from .checker import check
from .findings import ProfileRejectedError
from .profiles import Profile, profile
from .rules import Severity

__all__ = ["prepare", "spelled_for"]

_C = TypeVar("_C", bound=v1.DanConfig | v2.DanConfig)


def prepare(config: _C, runtime: str | Profile) -> _C:
    """The config spelled for ``runtime``; raises ProfileRejectedError if the runtime rejects it."""
    chosen = profile(runtime)
    if not isinstance(config, (v1.DanConfig, v2.DanConfig)):
        raise TypeError(f"expected a DanConfig, found {type(config).__name__}")
    spelled = spelled_for(config, chosen)
    errors = [f for f in check(spelled, chosen) if f.severity is Severity.ERROR]
    if errors:
        raise ProfileRejectedError(errors, str(chosen))
    return spelled


def spelled_for(config: _C, runtime: str | Profile) -> _C:
    """The config with every neighbor address spelled as the runtime parses it.

    runtime-rs parses ``ip/prefix``: a plain IP becomes ``ip/32`` (``/128``);
    the Go runtime parses a plain IP: a prefix is dropped. Nothing else changes.
    """
    plain = profile(runtime).info.neighbor_ip == "plain"
    devices = []
    for device in cast("tuple[Any, ...]", config.devices):
        info = device.network_info
        neighbors = []
        for neighbor in info.neighbors:
            address = neighbor.ip_address
            if address is not None:
                is_interface = isinstance(address, (IPv4Interface, IPv6Interface))
                if plain and isinstance(address, (IPv4Interface, IPv6Interface)):
                    neighbor = attrs.evolve(neighbor, ip_address=address.ip)
                elif not plain and not is_interface:
                    spelled = (
                        IPv4Interface((address, 32))
                        if address.version == 4
                        else IPv6Interface((address, 128))
                    )
                    neighbor = attrs.evolve(neighbor, ip_address=spelled)
            neighbors.append(neighbor)
        devices.append(attrs.evolve(device, network_info=attrs.evolve(info, neighbors=neighbors)))
    result: _C = attrs.evolve(cast(Any, config), devices=devices)
    return result
