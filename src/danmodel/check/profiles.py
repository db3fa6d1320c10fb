"""Runtime profiles: what each Kata runtime reads from a DAN file, release by release.

A :class:`Profile` is a runtime (``runtime-rs`` or ``go-runtime``) at a Kata
release, or at the newest release modelled (:data:`LATEST`, 4.1.0) when no
release is named:

>>> profile("runtime-rs@3.15")
Profile(runtime='runtime-rs', version=Version(major=3, minor=15, patch=0))
>>> profile("go-runtime").supports("vfio")
True
>>> profile("go-runtime@3.9").supports("vfio")
False

The facts are those of the format reference ("How each runtime reads a file",
"Newer releases (3.20 to 4.1)"); :mod:`danmodel.check.rules` turns them into
findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from typing import Any, Literal, NamedTuple

import attrs

from ..errors import DanError

__all__ = [
    "GO_RUNTIME",
    "LATEST",
    "RUNTIMES",
    "RUNTIME_RS",
    "Profile",
    "ProfileError",
    "Runtime",
    "Version",
    "changes_markdown",
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


LATEST = Version(4, 1, 0)
"""The newest Kata release modelled; a bare runtime name (``runtime-rs``) means it."""

Feature = Literal[
    "dan",
    "host-tap",
    "vhost-user",
    "vfio",
    "route flags",
    "route mtu",
    "permanent neighbors only",
    "reachable gateway neighbors",
    "queue pairs",
    "dan_conf in every configuration",
    "vfio hot plug",
    "agent sets the MAC by name",
]
"""What a runtime reads or does from some release on."""


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
    changes: Mapping[Version, str]
    """What changed for DAN writers in each release where something did, oldest first."""

    @property
    def first(self) -> Version:
        """The first release that reads DAN files."""
        return self.features["dan"]


_PERMANENT = 0x80
_REACHABLE = 0x02
_AGENT_MAC = Version(4, 1)
"""The agent sets the MAC on the link named ``name`` when no link has ``hwAddr`` (4.1.0)."""

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
        "permanent neighbors only": Version(3, 20),
        "queue pairs": Version(4, 0),
        "dan_conf in every configuration": Version(4, 0),
        "agent sets the MAC by name": _AGENT_MAC,
    },
    neighbor_ip="ip/prefix",
    missing_mtu=1500,
    changes={
        Version(3, 3): "reads DAN files: host-tap and vhost-user devices (revision 1)",
        Version(3, 15): "reads route flags and sends them to the agent (RTNH_F_ONLINK = 4)",
        Version(3, 17): "reads route mtu",
        Version(3, 20): "sends only neighbors whose state is exactly PERMANENT (0x80)",
        Version(4, 0): "queue_num counts queue pairs (0: the network_queues setting); "
        "dan_conf is in the QEMU, Firecracker and remote configurations too",
        Version(4, 1): "the agent sets the MAC on the link named like the interface "
        "when no link has it",
    },
)
GO_RUNTIME = Runtime(
    name="go-runtime",
    title="the Go runtime",
    sources="virtcontainers/types/dan.go, network_linux.go",
    features={
        "dan": Version(3, 7),
        "vfio": Version(3, 10),
        "reachable gateway neighbors": Version(3, 29),
        "vfio hot plug": Version(4, 0),
        "agent sets the MAC by name": _AGENT_MAC,
    },
    neighbor_ip="plain",
    missing_mtu=0,
    changes={
        Version(3, 7): "reads DAN files (no device type attaches yet)",
        Version(3, 10): "attaches vfio devices",
        Version(3, 29): "also sends a REACHABLE neighbor at the gateway of a default route",
        Version(4, 0): "hot-plugs the VFIO network function at sandbox start "
        "(hot_plug_vfio must be set)",
        Version(4, 1): "the agent sets the MAC on the link named like the interface "
        "when no link has it",
    },
)
RUNTIMES: Mapping[str, Runtime] = {runtime.name: runtime for runtime in (RUNTIME_RS, GO_RUNTIME)}
"""The runtimes by profile name."""

_RS_DAN_CONF_BEFORE_4_0 = ("dragonball", "cloud-hypervisor")
_RS_DAN_CONF = ("dragonball", "cloud-hypervisor", "qemu", "firecracker", "remote")


@attrs.frozen
class Profile:
    """A runtime at a release; ``version=None`` is its newest behaviour (:data:`LATEST`)."""

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

    @property
    def release(self) -> Version:
        """The release whose behaviour this profile has: ``version``, or :data:`LATEST`."""
        return LATEST if self.version is None else self.version

    def covers(self, since: Version | None, before: Version | None) -> bool:
        """Whether this release lies in ``[since, before)`` (None: unbounded)."""
        release = self.release
        return (since is None or release >= since) and (before is None or release < before)

    def supports(self, feature: Feature) -> bool:
        """Whether this release has ``feature`` (see :attr:`Runtime.features`)."""
        since = self.info.features.get(feature)
        return since is not None and self.covers(since, None)

    def skips_address(self, ip: IPv4Address | IPv6Address) -> bool:
        """Whether the runtime leaves the interface address ``ip`` out of the agent messages.

        Both skip loopback addresses, each by its language's test: runtime-rs by
        Rust's ``is_loopback`` (127.0.0.0/8, ``::1``), the Go runtime by Go's
        ``IsLoopback``, which also counts IPv4-mapped ones (``::ffff:127.0.0.1``).
        """
        value = int(ip)
        if ip.version == 6:
            if value == 1:
                return True
            if self.runtime != GO_RUNTIME.name or value >> 32 != 0xFFFF:
                return False
            value &= 0xFFFFFFFF
        return value >> 24 == 127

    def sends_neighbor(self, neighbor: Any, routes: Iterable[Any]) -> bool:
        """Whether the runtime sends ``neighbor`` (of a device with ``routes``) to the agent.

        runtime-rs sends every neighbor before 3.20.0, then only those whose
        state is exactly PERMANENT (0x80). The Go runtime sends PERMANENT
        neighbors and, since 3.29.0, a REACHABLE (0x02) one whose IP is the
        gateway of a default route (no dest, or a /0 dest); never one without
        a hardware address, and an address spelled with a prefix is no IP to it.
        """
        if self.runtime == RUNTIME_RS.name:
            return not self.supports("permanent neighbors only") or neighbor.state == _PERMANENT
        if neighbor.hardware_addr is None:
            return False
        if neighbor.state == _PERMANENT:
            return True
        address = neighbor.ip_address
        if (
            not self.supports("reachable gateway neighbors")
            or neighbor.state != _REACHABLE
            or address is None
            or isinstance(address, (IPv4Interface, IPv6Interface))
        ):
            return False
        return any(
            route.gateway == address and (route.dest is None or route.dest.prefixlen == 0)
            for route in routes
        )

    def dan_conf_hypervisors(self) -> tuple[str, ...] | None:
        """The hypervisor configurations that set ``dan_conf``; None: not tied to one.

        runtime-rs before 4.0.0 has ``dan_conf`` only in its Dragonball and Cloud
        Hypervisor configurations; since 4.0.0 also in QEMU, Firecracker and remote.
        """
        if self.runtime != RUNTIME_RS.name:
            return None
        if self.supports("dan_conf in every configuration"):
            return _RS_DAN_CONF
        return _RS_DAN_CONF_BEFORE_4_0

    def notes(self) -> tuple[str, ...]:
        """What this runtime release does with a DAN file whatever it holds, one line each."""
        notes = [
            "the runtime reads the file once, at sandbox start, and never deletes it "
            "(the CNI DEL must); a missing file means the pod netns is scanned as usual, "
            "an empty or invalid one fails the sandbox",
        ]
        hypervisors = self.dan_conf_hypervisors()
        if hypervisors is not None:
            notes.append("dan_conf is set in the configurations of " + ", ".join(hypervisors))
            notes.append("vhost-user devices attach with Dragonball only")
            notes.append("the agent is sent the interfaces, then the neighbors, then the routes")
        else:
            notes.append(
                "devices are attached in the order of their names, not of the file; "
                "netns and ntype are read but not used"
            )
            if self.supports("vfio hot plug"):
                notes.append(
                    "the VFIO network function is hot-plugged at sandbox start: "
                    "hot_plug_vfio must name a port"
                )
            else:
                notes.append(
                    "the VFIO network function is configured when a container that uses it "
                    "is created"
                )
        notes.append(
            "the agent skips IPv6 addresses when IPv6 is disabled in the guest, and adds "
            "routes with replace (an existing route is no error)"
        )
        if self.supports("agent sets the MAC by name"):
            notes.append(
                "the agent finds each link by hwAddr, or sets hwAddr on the link named `name`"
            )
        else:
            notes.append("the agent finds each link by hwAddr only")
        return tuple(notes)

    def __str__(self) -> str:
        return self.runtime if self.version is None else f"{self.runtime}@{self.version}"


def profile(spec: str | Profile) -> Profile:
    """The profile ``NAME`` (newest release, :data:`LATEST`) or ``NAME@VERSION``; a Profile as is.

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


def changes_markdown() -> str:
    """The releases where DAN behaviour changed: the table of ``docs/kata-releases.md``."""
    rows = sorted(
        (version, runtime.name, text)
        for runtime in RUNTIMES.values()
        for version, text in runtime.changes.items()
    )
    lines = ["| Kata release | runtime | what changed for DAN writers |", "|---|---|---|"]
    lines += [f"| {version} | {name} | {text} |" for version, name, text in rows]
    return "\n".join(lines) + "\n"
