"""Runtime profiles: what each Kata runtime reads from a DAN file, release by release.

A :class:`Profile` is a runtime (``runtime-rs`` or ``go-runtime``) at a Kata
release, or at its latest behaviour when no release is named:

>>> profile("runtime-rs@3.15")
Profile(runtime='runtime-rs', version=Version(major=3, minor=15, patch=0))
>>> profile("go-runtime").supports("vfio")
True
>>> profile("go-runtime@3.9").supports("vfio")
False

The facts are those of the format reference ("How each runtime reads a file");
:mod:`danmodel.findings` turns them into findings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal, NamedTuple

import attrs

from ..errors import DanError

__all__ = [
    "GO_RUNTIME",
    "RUNTIMES",
    "RUNTIME_RS",
    "Profile",
    "ProfileError",
    "Runtime",
    "Version",
    "profile",
]


class ProfileError(DanError, ValueError):
    """A runtime profile name that names no known runtime or release."""


class Version(NamedTuple):
    """A Kata Containers release, ``3.15.0``; ordered as releases are."""

    major: int
    minor: int
    patch: int = 0

    @classmethod
    def parse(cls, text: str) -> Version:
        """Read ``3``, ``3.15`` or ``3.15.0`` (missing parts are 0)."""
        if re.fullmatch(r"(0|[1-9][0-9]{0,5})(\.(0|[1-9][0-9]{0,5})){0,2}", text) is None:
            raise ProfileError(f"expected a Kata release such as 3.15 or 3.15.0, found {text!r}")
        parts = [int(part) for part in text.split(".")]
        return cls(*[*parts, 0, 0][:3])

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


Feature = Literal["dan", "host-tap", "vhost-user", "vfio", "route flags", "route mtu"]
"""What a runtime reads or attaches from some release on."""


@attrs.frozen(kw_only=True)
class Runtime:
    """One Kata runtime and how it reads a DAN file."""

    name: str
    """The profile name: ``runtime-rs`` or ``go-runtime``."""
    title: str
    """How messages name it."""
    sources: str
    """Where in Kata's sources it reads DAN files."""
    features: Mapping[str, Version]
    """Each feature it has, with the first release that has it (``dan``: reads DAN files)."""
    neighbor_ip: Literal["ip/prefix", "plain"]
    """The neighbor ``ip_address`` spelling it parses."""
    missing_mtu: int
    """The interface MTU it uses when ``mtu`` is missing."""

    @property
    def first(self) -> Version:
        """The first release that reads DAN files."""
        return self.features["dan"]


RUNTIME_RS = Runtime(
    name="runtime-rs",
    title="runtime-rs",
    sources="crates/resource/src/network/dan.rs, network_info_from_dan.rs",
    features={
        "dan": Version(3, 3),
        "host-tap": Version(3, 3),
        "vhost-user": Version(3, 3),
        "route flags": Version(3, 15),
        "route mtu": Version(3, 17),
    },
    neighbor_ip="ip/prefix",
    missing_mtu=1500,
)
GO_RUNTIME = Runtime(
    name="go-runtime",
    title="the Go runtime",
    sources="virtcontainers/types/dan.go, network_linux.go",
    features={"dan": Version(3, 7), "vfio": Version(3, 10)},
    neighbor_ip="plain",
    missing_mtu=0,
)
RUNTIMES: Mapping[str, Runtime] = {runtime.name: runtime for runtime in (RUNTIME_RS, GO_RUNTIME)}
"""The runtimes by profile name."""


@attrs.frozen
class Profile:
    """A runtime at a release; ``version=None`` is its latest behaviour."""

    runtime: str = attrs.field()
    version: Version | None = None

    @runtime.validator
    def _known(self, attribute: object, value: str) -> None:
        if value not in RUNTIMES:
            known = ", ".join(RUNTIMES)
            raise ProfileError(f"unknown runtime {value!r}; known: {known}")

    def __attrs_post_init__(self) -> None:
        first = self.info.first
        if self.version is not None and self.version < first:
            raise ProfileError(
                f"{self.runtime} reads DAN files since Kata {first}; "
                f"{self.version} does not read them"
            )

    @property
    def info(self) -> Runtime:
        """The runtime's facts."""
        return RUNTIMES[self.runtime]

    def covers(self, since: Version | None, before: Version | None) -> bool:
        """Whether this release lies in ``[since, before)`` (None: unbounded)."""
        if self.version is None:
            return before is None
        return (since is None or self.version >= since) and (
            before is None or self.version < before
        )

    def supports(self, feature: Feature) -> bool:
        """Whether this release has ``feature`` (see :attr:`Runtime.features`)."""
        since = self.info.features.get(feature)
        return since is not None and self.covers(since, None)

    def __str__(self) -> str:
        return self.runtime if self.version is None else f"{self.runtime}@{self.version}"


def profile(spec: str | Profile) -> Profile:
    """The profile ``NAME`` (latest behaviour) or ``NAME@VERSION``; a Profile as is.

    Raises :class:`ProfileError` for an unknown runtime, a malformed version, or
    a release before the runtime reads DAN files.
    """
    if isinstance(spec, Profile):
        return spec
    if not isinstance(spec, str):
        raise ProfileError(f"expected a runtime profile NAME[@VERSION], found {spec!r}")
    name, at, version = spec.partition("@")
    if at and not version:
        raise ProfileError(f"{spec!r} names no release after '@' (e.g. {name}@3.17)")
    return Profile(name, Version.parse(version) if at else None)
