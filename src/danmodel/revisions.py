"""The format revisions: the one table of them, and explicit moves between them.

:data:`REVISIONS` is the only place revisions are listed; the codec, the
schema, the strategies, the CLI and the docs read it:

>>> [(r.number, r.kata) for r in REVISIONS.values()]
[(1, '3.3 to 3.14'), (2, '3.17 and later')]

``upgrade`` never loses anything. ``downgrade`` refuses, naming every path,
a config that revision 1 cannot carry: a ``vfio`` device, or a route whose
``flags`` or ``mtu`` is not 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType, ModuleType
from typing import Final

import attrs

from . import v1, v2
from .errors import Problem, ValidationError

__all__ = ["LATEST", "REVISIONS", "Revision", "downgrade", "revision", "upgrade"]

SCHEMA_BASE_URI: Final = "https://danmodel.invalid/schema/"
"""Where the schemas' ``$id`` s point; to change once the project has a real home."""


@attrs.frozen(kw_only=True)
class Revision:
    """One revision of the DAN format."""

    number: int
    model: ModuleType = attrs.field(repr=False)
    """The module of its classes: :mod:`danmodel.v1` or :mod:`danmodel.v2`."""
    kata: str
    """The Kata Containers releases whose runtimes read exactly this format."""
    content: str
    """What it holds, for titles and tables."""

    @property
    def config_class(self) -> type:
        """Its ``DanConfig`` class."""
        cls: type = self.model.DanConfig
        return cls

    @property
    def title(self) -> str:
        """The title of its schema, its line in ``--help`` and the docs."""
        return f"DAN config, format revision {self.number} (Kata Containers {self.kata})"

    @property
    def schema_file(self) -> str:
        """Where its schema lives, relative to the repository's ``schema/`` folder."""
        return f"v{self.number}/dan-config.schema.json"

    @property
    def schema_id(self) -> str:
        """The ``$id`` of its schema."""
        return SCHEMA_BASE_URI + self.schema_file


REVISIONS: Final[Mapping[int, Revision]] = MappingProxyType(
    {
        1: Revision(
            number=1,
            model=v1,
            kata="3.3 to 3.14",
            content="host-tap and vhost-user devices; routes without flags and mtu (runtime-rs)",
        ),
        2: Revision(
            number=2,
            model=v2,
            kata="3.17 and later",
            content="adds the vfio device (Go runtime 3.10) and route flags (3.15) and mtu (3.17)",
        ),
    }
)
"""Every format revision, by number."""

LATEST: Final = max(REVISIONS)
"""The current revision, the one :mod:`danmodel` exposes."""


def revision(number: object) -> Revision:
    """The revision ``number``; ``ValueError`` naming the known ones otherwise."""
    found = REVISIONS.get(number) if type(number) is int else None
    if found is None:
        known = ", ".join(str(n) for n in REVISIONS)
        raise ValueError(f"unknown format revision {number!r}; known: {known}")
    return found


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
