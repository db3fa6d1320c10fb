"""The DAN model written with pydantic v2, with the validation danmodel performs.

Idiomatic pydantic: frozen strict models refusing unknown keys, constrained
integers, regex-constrained strings, the device as a union discriminated by
``type``, and ``Annotated`` validators/serializers for the values pydantic
cannot express (interface names, socket paths, addresses parsed into
:mod:`ipaddress` objects). Field names, defaults and the written form are
danmodel's: ``""`` reads as ``None`` and ``None`` writes as ``""`` for the
optional addresses.
"""

from __future__ import annotations

import os
from typing import Annotated, Literal

import peer_rules as rules
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    model_validator,
)

__all__ = ["DanConfig", "decode", "encode"]

UInt32 = Annotated[int, Field(ge=0, le=rules.UINT32_MAX)]
UInt64 = Annotated[int, Field(ge=0, le=rules.UINT64_MAX)]
InterfaceName = Annotated[str, AfterValidator(rules.interface_name)]
SocketPath = Annotated[str, AfterValidator(rules.socket_path)]
PciAddress = Annotated[str, StringConstraints(pattern=rules.PCI_PATTERN)]
Mac = Annotated[str, StringConstraints(pattern=rules.MAC_PATTERN), AfterValidator(str.lower)]
MacOrEmpty = Annotated[
    str, StringConstraints(pattern=rules.MAC_OR_EMPTY_PATTERN), AfterValidator(str.lower)
]


def _text(value: object) -> str:
    if type(value) is not str:
        raise ValueError(f"expected a string, found {type(value).__name__}")
    return value


def _interface(value: object) -> rules.IPInterface:
    return rules.ip_interface(_text(value))


def _network_or_none(value: object) -> rules.IPNetwork | None:
    text = _text(value)
    return None if text == "" else rules.ip_network(text)


def _ip_or_none(value: object) -> rules.IPAddress | None:
    text = _text(value)
    return None if text == "" else rules.ip_address(text)


def _neighbor_ip(value: object) -> rules.IPAddress | rules.IPInterface | None:
    return None if value is None else rules.neighbor_ip(_text(value))


def _text_or_empty(value: object) -> str:
    return "" if value is None else str(value)


_WRITE_TEXT = PlainSerializer(str, return_type=str)
_WRITE_TEXT_OR_EMPTY = PlainSerializer(_text_or_empty, return_type=str)

IPInterfaceText = Annotated[rules.IPInterface, PlainValidator(_interface), _WRITE_TEXT]
NetworkOrEmpty = Annotated[
    rules.IPNetwork | None, PlainValidator(_network_or_none), _WRITE_TEXT_OR_EMPTY
]
IPOrEmpty = Annotated[rules.IPAddress | None, PlainValidator(_ip_or_none), _WRITE_TEXT_OR_EMPTY]
NeighborIP = Annotated[
    rules.IPAddress | rules.IPInterface | None,
    PlainValidator(_neighbor_ip),
    PlainSerializer(lambda value: None if value is None else str(value), return_type=str | None),
]


def _random_private_mac() -> str:
    raw = bytearray(os.urandom(6))
    raw[0] = (raw[0] | 0x02) & 0xFE
    return raw.hex(":")


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


class HostTap(_Model):
    type: Literal["host-tap"] = "host-tap"
    tap_name: InterfaceName
    queue_num: UInt32 = 0
    queue_size: UInt32 = 0


class VhostUser(_Model):
    type: Literal["vhost-user"] = "vhost-user"
    path: SocketPath
    queue_num: UInt32 = 0
    queue_size: UInt32 = 0


class Vfio(_Model):
    type: Literal["vfio"] = "vfio"
    pci_device_id: PciAddress


Device = Annotated[HostTap | VhostUser | Vfio, Field(discriminator="type")]


class Interface(_Model):
    ip_addresses: tuple[IPInterfaceText, ...]
    mtu: UInt64 = 1500
    ntype: str = ""
    flags: UInt32 = 0


class Route(_Model):
    dest: NetworkOrEmpty = None
    gateway: IPOrEmpty = None
    source: IPOrEmpty = None
    scope: UInt32 = 0
    flags: UInt32 = 0
    mtu: UInt32 = 0


class Neighbor(_Model):
    ip_address: NeighborIP = None
    hardware_addr: MacOrEmpty = ""
    state: UInt32 = 0
    flags: UInt32 = 0


class NetworkInfo(_Model):
    interface: Interface
    routes: tuple[Route, ...] = ()
    neighbors: tuple[Neighbor, ...] = ()


class DanDevice(_Model):
    name: InterfaceName
    guest_mac: Mac = Field(default_factory=_random_private_mac)
    device: Device
    network_info: NetworkInfo


def _host_key(device: HostTap | VhostUser | Vfio) -> tuple[str, str]:
    if isinstance(device, HostTap):
        return "tap name", device.tap_name
    if isinstance(device, VhostUser):
        return "socket path", device.path
    return "PCI address", device.pci_device_id


class DanConfig(_Model):
    netns: Annotated[str, StringConstraints(min_length=1)] | None = None
    devices: tuple[DanDevice, ...]

    @model_validator(mode="after")
    def _unique_devices(self) -> DanConfig:
        rules.check_unique_devices(
            (device.name, *_host_key(device.device)) for device in self.devices
        )
        return self


def decode(text: str | bytes) -> DanConfig:
    """Parse and validate a document (raises ``pydantic.ValidationError``)."""
    rules.check_document_size(text)
    return DanConfig.model_validate_json(text)


def encode(config: DanConfig) -> str:
    """The config as JSON text, 2-space indent and a final newline as danmodel writes it."""
    text: str = config.model_dump_json(indent=2)
    return text + "\n"
