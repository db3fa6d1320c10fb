"""Explicit moves between format revisions.

``upgrade`` never loses anything. ``downgrade`` refuses, naming every path,
a config that revision 1 cannot carry: a ``vfio`` device, or a route whose
``flags`` or ``mtu`` is not 0.
"""

from __future__ import annotations

from . import v1, v2
from .errors import Problem, ValidationError

__all__ = ["downgrade", "upgrade"]


def upgrade(config: v1.DanConfig) -> v2.DanConfig:
    """The revision-2 form of a revision-1 config (routes get ``flags`` and ``mtu`` 0)."""
    if not isinstance(config, v1.DanConfig):
        raise TypeError(f"expected a danmodel.v1.DanConfig, found {type(config).__name__}")
    return v2.DanConfig(
        netns=config.netns,
        devices=[
            v2.DanDevice(
                name=device.name,
                guest_mac=device.guest_mac,
                device=device.device,
                network_info=v2.NetworkInfo(
                    interface=device.network_info.interface,
                    routes=[
                        v2.Route(
                            dest=route.dest,
                            gateway=route.gateway,
                            source=route.source,
                            scope=route.scope,
                        )
                        for route in device.network_info.routes
                    ],
                    neighbors=device.network_info.neighbors,
                ),
            )
            for device in config.devices
        ],
    )


def downgrade(config: v2.DanConfig) -> v1.DanConfig:
    """The revision-1 form of a revision-2 config; raises when that would lose anything."""
    if not isinstance(config, v2.DanConfig):
        raise TypeError(f"expected a danmodel.v2.DanConfig, found {type(config).__name__}")
    problems = []
    for index, device in enumerate(config.devices):
        path = f"$.devices[{index}]"
        if isinstance(device.device, v2.Vfio):
            problems.append(
                Problem(
                    path=f"{path}.device",
                    message="revision 1 has no vfio devices; this device would be lost",
                )
            )
        for number, route in enumerate(device.network_info.routes):
            for key in ("flags", "mtu"):
                value = getattr(route, key)
                if value != 0:
                    problems.append(
                        Problem(
                            path=f"{path}.network_info.routes[{number}].{key}",
                            message=f"revision 1 has no route {key}; the value {value} "
                            "would be lost",
                        )
                    )
    if problems:
        raise ValidationError(problems, source="downgrade to revision 1")
    return v1.DanConfig(
        netns=config.netns,
        devices=[
            v1.DanDevice(
                name=device.name,
                guest_mac=device.guest_mac,
                device=device.device,  # type: ignore[arg-type]  # vfio refused above
                network_info=v1.NetworkInfo(
                    interface=device.network_info.interface,
                    routes=[
                        v1.Route(
                            dest=route.dest,
                            gateway=route.gateway,
                            source=route.source,
                            scope=route.scope,
                        )
                        for route in device.network_info.routes
                    ],
                    neighbors=device.network_info.neighbors,
                ),
            )
            for device in config.devices
        ],
    )
