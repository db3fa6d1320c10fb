"""The DAN model written with msgspec, with the validation danmodel performs.

Idiomatic msgspec: frozen structs refusing unknown fields, the device as a
union tagged by ``type``, integer bounds and regex patterns as
``msgspec.Meta`` constraints. What msgspec cannot express is checked in each
struct's ``__post_init__``, which msgspec runs while decoding (a ``ValueError``
there becomes a ``msgspec.ValidationError`` with the field's path): interface
names, socket paths, the uint64 bound (``Meta`` bounds stop at int64), and the
addresses, parsed into :mod:`ipaddress` objects as danmodel does.

The address fields are decoded as strings and hold :mod:`ipaddress` objects
once validated (``""`` stays ``""``, so the encoder writes it back as is); the
aliases below tell the type checker the validated type and msgspec the
decoded one (hence the ``type: ignore[arg-type]`` where ``__post_init__``
passes the decoded text on).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Literal

import msgspec
import peer_rules as rules
from msgspec.structs import force_setattr

__all__ = ["DanConfig", "decode", "encode"]

UInt32 = Annotated[int, msgspec.Meta(ge=0, le=rules.UINT32_MAX)]
UInt64 = Annotated[int, msgspec.Meta(ge=0)]  # the upper bound is checked in __post_init__
PciAddress = Annotated[str, msgspec.Meta(pattern=rules.python_pattern(rules.PCI_PATTERN))]
Mac = Annotated[str, msgspec.Meta(pattern=rules.python_pattern(rules.MAC_PATTERN))]
MacOrEmpty = Annotated[str, msgspec.Meta(pattern=rules.python_pattern(rules.MAC_OR_EMPTY_PATTERN))]
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]

if TYPE_CHECKING:
    IPInterfaceText = rules.IPInterface
    NetworkOrEmpty = rules.IPNetwork | Literal[""]
    IPOrEmpty = rules.IPAddress | Literal[""]
    NeighborIP = rules.IPAddress | rules.IPInterface
else:
    IPInterfaceText = NetworkOrEmpty = IPOrEmpty = NeighborIP = str


def _random_private_mac() -> str:
    raw = bytearray(os.urandom(6))
    raw[0] = (raw[0] | 0x02) & 0xFE
    return raw.hex(":")


class _Struct(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


class HostTap(_Struct, tag_field="type", tag="host-tap", frozen=True):
    tap_name: str
    queue_num: UInt32 = 0
    queue_size: UInt32 = 0

    def __post_init__(self) -> None:
        rules.interface_name(self.tap_name)


class VhostUser(_Struct, tag_field="type", tag="vhost-user", frozen=True):
    path: str
    queue_num: UInt32 = 0
    queue_size: UInt32 = 0

    def __post_init__(self) -> None:
        rules.socket_path(self.path)


class Vfio(_Struct, tag_field="type", tag="vfio", frozen=True):
    pci_device_id: PciAddress


Device = HostTap | VhostUser | Vfio


class Interface(_Struct, frozen=True):
    ip_addresses: tuple[IPInterfaceText, ...]
    mtu: UInt64 = 1500
    ntype: str = ""
    flags: UInt32 = 0

    def __post_init__(self) -> None:
        if self.mtu > rules.UINT64_MAX:
            raise ValueError(f"expected an unsigned 64-bit integer, found {self.mtu}")
        parse = rules.ip_interface
        force_setattr(self, "ip_addresses", tuple([parse(text) for text in self.ip_addresses]))  # type: ignore[arg-type]


class Route(_Struct, frozen=True):
    dest: NetworkOrEmpty = ""
    gateway: IPOrEmpty = ""
    source: IPOrEmpty = ""
    scope: UInt32 = 0
    flags: UInt32 = 0
    mtu: UInt32 = 0

    def __post_init__(self) -> None:
        if self.dest:
            force_setattr(self, "dest", rules.ip_network(self.dest))  # type: ignore[arg-type]
        if self.gateway:
            force_setattr(self, "gateway", rules.ip_address(self.gateway))  # type: ignore[arg-type]
        if self.source:
            force_setattr(self, "source", rules.ip_address(self.source))  # type: ignore[arg-type]


class Neighbor(_Struct, frozen=True):
    ip_address: NeighborIP | None = None
    hardware_addr: MacOrEmpty = ""
    state: UInt32 = 0
    flags: UInt32 = 0

    def __post_init__(self) -> None:
        if self.ip_address is not None:
            force_setattr(self, "ip_address", rules.neighbor_ip(self.ip_address))  # type: ignore[arg-type]
        force_setattr(self, "hardware_addr", self.hardware_addr.lower())


class NetworkInfo(_Struct, frozen=True):
    interface: Interface
    routes: tuple[Route, ...] = ()
    neighbors: tuple[Neighbor, ...] = ()


class DanDevice(_Struct, kw_only=True, frozen=True):
    # kw_only lets the fields keep danmodel's key order (a default before required fields)
    name: str
    guest_mac: Mac = msgspec.field(default_factory=_random_private_mac)
    device: Device
    network_info: NetworkInfo

    def __post_init__(self) -> None:
        rules.interface_name(self.name)
        force_setattr(self, "guest_mac", self.guest_mac.lower())


def _host_key(device: Device) -> tuple[str, str]:
    if type(device) is HostTap:
        return "tap name", device.tap_name
    if type(device) is VhostUser:
        return "socket path", device.path
    assert type(device) is Vfio
    return "PCI address", device.pci_device_id


class DanConfig(_Struct, kw_only=True, frozen=True):
    netns: NonEmpty | None = None
    devices: tuple[DanDevice, ...]

    def __post_init__(self) -> None:
        rules.check_unique_devices(
            (device.name, *_host_key(device.device)) for device in self.devices
        )


_decoder = msgspec.json.Decoder(DanConfig)
_encoder = msgspec.json.Encoder(enc_hook=rules.ip_text)


def decode(text: str | bytes) -> DanConfig:
    """Parse and validate a document (raises ``msgspec.ValidationError``/``DecodeError``)."""
    rules.check_document_size(text)
    return _decoder.decode(text)


def encode(config: DanConfig) -> bytes:
    """The config as JSON bytes, 2-space indent and a final newline as danmodel writes it."""
    return msgspec.json.format(_encoder.encode(config), indent=2) + b"\n"
