"""Model classes that every format revision shares (re-exported by ``danmodel.v1`` and ``v2``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface
from typing import Any, ClassVar, Protocol

import attrs

from ._fields import (
    IFNAME,
    IP_INTERFACE,
    MAC_OR_EMPTY,
    NEIGHBOR_IP,
    SOCKET_PATH,
    STRING,
    UINT32,
    UINT64,
    Array,
    Field,
    meta,
    to_interfaces,
    to_mac_or_none,
    to_neighbor_ip,
)
from ._paths import shown
from .errors import Problem, ValidationError
from .mac import MacAddress

__all__ = [
    "DEFAULT_QUEUE_SIZE",
    "DRAGONBALL_DEFAULT_QUEUES",
    "QUEUE_PAIRS_SINCE",
    "HostTap",
    "Interface",
    "Neighbor",
    "VhostUser",
    "model_eq",
    "model_hash",
    "model_repr",
    "neighbor_tuple",
    "reject_shared_devices",
    "spec",
]

DEFAULT_QUEUE_SIZE = 256
"""The queue size runtime-rs uses when ``queue_size`` is 0."""
QUEUE_PAIRS_SINCE = (4, 0, 0)
"""The Kata release from which runtime-rs reads ``queue_num`` as queue pairs."""
DRAGONBALL_DEFAULT_QUEUES = 2
"""The virtqueues Dragonball uses when runtime-rs before 4.0.0 passes ``queue_num`` 0."""


def spec(kind: Field, doc: str) -> dict[str, Any]:
    """``attrs.field(**spec(KIND, DOC))``: a model field validated by its kind, and only by it.

    What :func:`danmodel._fields.validate_by_field` makes of each field, said
    where the field is declared: as a field transformer it costs a third of
    the time of making the class. (A ``validator=`` of its own beside it is a
    ``TypeError``; checks across fields belong in ``__attrs_post_init__``.)
    """
    return {"validator": kind, "metadata": meta(kind, doc)}


# The model classes are declared with ``eq=False, repr=False`` and take the three methods
# below, which do what attrs would generate: otherwise `import danmodel` compiles them
# for every class (about two fifths of the cost of making an attrs class).

_COMPARED: dict[type, tuple[str, ...]] = {}


def _compared(cls: Any) -> tuple[str, ...]:
    names = _COMPARED.get(cls)
    if names is None:
        names = _COMPARED.setdefault(cls, tuple(f.name for f in attrs.fields(cls) if f.eq))
    return names


def model_eq(self: object, other: object) -> bool:
    """Equal when of the same class with equal fields, in order (attrs' ``__eq__``)."""
    if other.__class__ is not self.__class__:
        return NotImplemented  # type: ignore[no-any-return]
    return all(getattr(self, name) == getattr(other, name) for name in _compared(type(self)))


def model_hash(self: object) -> int:
    """The hash of the class and the fields (attrs' ``__hash__`` of a frozen class)."""
    cls = type(self)
    return hash((cls.__qualname__, *(getattr(self, name) for name in _compared(cls))))


def model_repr(self: object) -> str:
    """``Route(dest=None, gateway=...)``: the ``__repr__`` attrs would generate."""
    cls: Any = type(self)
    shown = []
    for field in attrs.fields(cls):
        if field.repr:
            value = getattr(self, field.name)
            text = field.repr(value) if callable(field.repr) else repr(value)
            shown.append(f"{field.name}={text}")
    return f"{cls.__qualname__.rsplit('>.', 1)[-1]}({', '.join(shown)})"


def neighbor_tuple(items: Iterable[Neighbor]) -> tuple[Neighbor, ...]:
    return tuple(items)


class _Queues:
    """Effective queue settings of a device with ``queue_num`` and ``queue_size``."""

    __slots__ = ()
    queue_num: int
    queue_size: int

    def effective_queue_num(
        self, network_queues: int = 1, *, version: tuple[int, ...] | None = None
    ) -> int:
        """The queue count runtime-rs uses, in the unit of its release ``version``.

        From Kata 4.0.0 on (and with ``version=None``, the newest release): queue
        pairs, ``queue_num``, or the runtime's ``network_queues`` setting (at
        least 1) when 0. Before 4.0.0 runtime-rs passes ``queue_num`` to
        Dragonball as a count of virtqueues, 0 meaning Dragonball's default of 2;
        ``network_queues`` plays no part. ``version`` is a release such as
        ``danmodel.check.Version(3, 19)`` or ``(3, 19, 0)``.
        """
        if version is not None and tuple(version) < QUEUE_PAIRS_SINCE:
            return self.queue_num or DRAGONBALL_DEFAULT_QUEUES
        return self.queue_num or max(network_queues, 1)

    def effective_queue_size(self) -> int:
        """Queue size the runtime uses: ``queue_size``, or 256 when 0."""
        return self.queue_size or DEFAULT_QUEUE_SIZE


_QUEUE_NUM_DOC = "Number of queue pairs; 0 means the runtime's network_queues setting (at least 1)."
_QUEUE_SIZE_DOC = "Size of each queue; 0 means 256."


@attrs.frozen(kw_only=True, eq=False, repr=False)
class HostTap(_Queues):
    """A tap device in the host network namespace (``"type": "host-tap"``; runtime-rs)."""

    __eq__ = model_eq
    __hash__ = model_hash
    __repr__ = model_repr

    unique_key: ClassVar[tuple[str, str]] = ("tap_name", "tap name")

    tap_name: str = attrs.field(**spec(IFNAME, "Name of the host tap interface."))
    queue_num: int = attrs.field(default=0, **spec(UINT32, _QUEUE_NUM_DOC))
    queue_size: int = attrs.field(default=0, **spec(UINT32, _QUEUE_SIZE_DOC))


@attrs.frozen(kw_only=True, eq=False, repr=False)
class VhostUser(_Queues):
    """A vhost-user socket (``"type": "vhost-user"``; runtime-rs)."""

    __eq__ = model_eq
    __hash__ = model_hash
    __repr__ = model_repr

    unique_key: ClassVar[tuple[str, str]] = ("path", "socket path")

    path: str = attrs.field(
        **spec(SOCKET_PATH, "Path of the vhost-user unix socket (at most 107 bytes).")
    )
    queue_num: int = attrs.field(default=0, **spec(UINT32, _QUEUE_NUM_DOC))
    queue_size: int = attrs.field(default=0, **spec(UINT32, _QUEUE_SIZE_DOC))


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Interface:
    """Configuration of the guest interface."""

    __eq__ = model_eq
    __hash__ = model_hash
    __repr__ = model_repr

    ip_addresses: tuple[IPv4Interface | IPv6Interface, ...] = attrs.field(
        converter=to_interfaces,
        **spec(
            Array(IP_INTERFACE),
            "Addresses of the interface with their prefix length, ip/prefix (host bits allowed).",
        ),
    )
    mtu: int = attrs.field(
        default=1500,
        **spec(UINT64, "Interface MTU; 1500 when missing (the Go runtime reads 0)."),
    )
    ntype: str = attrs.field(
        default="", **spec(STRING, "Link type, passed to the agent as Interface.type.")
    )
    flags: int = attrs.field(
        default=0,
        **spec(UINT32, "Link flags (IFF_*); runtime-rs passes on only IFF_NOARP (0x80)."),
    )


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Neighbor:
    """A static ARP/NDP neighbor entry of the guest interface."""

    __eq__ = model_eq
    __hash__ = model_hash
    __repr__ = model_repr

    ip_address: IPv4Address | IPv6Address | None = attrs.field(
        default=None,
        converter=to_neighbor_ip,
        **spec(
            NEIGHBOR_IP,
            "Neighbor IP, plain or as ip/prefix (an IPv4Interface/IPv6Interface keeps "
            "the prefix); runtime-rs reads only ip/prefix, the Go runtime only a plain IP.",
        ),
    )
    hardware_addr: MacAddress | None = attrs.field(
        default=None,
        converter=to_mac_or_none,
        **spec(MAC_OR_EMPTY, 'Neighbor MAC; "" (None) when unset.'),
    )
    state: int = attrs.field(
        default=0, **spec(UINT32, "NUD state bits (NUD_*, e.g. PERMANENT 0x80).")
    )
    flags: int = attrs.field(default=0, **spec(UINT32, "Neighbor flags (NTF_*)."))


class _Device(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def device(self) -> object: ...


def reject_shared_devices(owner: object, devices: Sequence[_Device]) -> None:
    """Raise when two devices share a guest name, tap name, socket path or PCI address."""
    if len(devices) < 2:
        return
    problems = []
    seen: dict[tuple[str, object], int] = {}
    for index, device in enumerate(devices):
        host = device.device
        attribute, what = host.unique_key  # type: ignore[attr-defined]
        for key, field_path, label in (
            (("name", device.name), "name", "guest name"),
            ((what, getattr(host, attribute)), f"device.{attribute}", what),
        ):
            first = seen.setdefault(key, index)
            if first != index:
                problems.append(
                    Problem(
                        path=f"{type(owner).__name__}.devices[{index}].{field_path}",
                        message=f"{label} {shown(key[1])} is already used by devices[{first}]",
                    )
                )
    if problems:
        raise ValidationError(problems)
