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

import importlib
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Final

import attrs

from .errors import Problem, ValidationError

if TYPE_CHECKING:
    from . import v1, v2

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


class _Registry(Mapping[int, Revision]):
    """The revisions by number; each one's model module is imported when it is first asked for.

    A process that reads revision 2 only never imports :mod:`danmodel.v1`.
    """

    __slots__ = ("_made", "_specs")

    def __init__(self, specs: dict[int, tuple[str, str, str]]) -> None:
        self._specs = specs
        """Per number: the model module (relative to this package), ``kata`` and ``content``."""
        self._made: dict[int, Revision] = {}

    def __getitem__(self, number: int) -> Revision:
        found = self._made.get(number)
        if found is None:
            module, kata, content = self._specs[number]
            found = Revision(
                number=number,
                model=importlib.import_module(module, __package__),
                kata=kata,
                content=content,
            )
            found = self._made.setdefault(number, found)
        return found

    def __contains__(self, number: object) -> bool:
        return number in self._specs

    def __iter__(self) -> Iterator[int]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def __repr__(self) -> str:
        return f"REVISIONS({dict(self)!r})"


REVISIONS: Final[Mapping[int, Revision]] = _Registry(
    {
        1: (
            ".v1",
            "3.3 to 3.14",
            "host-tap and vhost-user devices; routes without flags and mtu (runtime-rs)",
        ),
        2: (
            ".v2",
            "3.17 and later",
            "adds the vfio device (Go runtime 3.10) and route flags (3.15) and mtu (3.17)",
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
    from . import v1, v2

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
    from . import v1, v2

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
