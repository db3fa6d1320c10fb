"""A 48-bit MAC address value type."""

from __future__ import annotations

import os

import attrs

from ._paths import shown

__all__ = ["MacAddress"]
# Also for danmodel's generated readers: parse_mac.

_new = object.__new__
_set = object.__setattr__


def _octets_of(text: object) -> bytes | None:
    """The octets of ``xx:xx:xx:xx:xx:xx`` text (hex, either case), or None.

    Colons at the five places between octets, and twelve hex digits: with the
    colons removed bytes.fromhex reads six octets from exactly those (it skips
    white space, which then leaves fewer).
    """
    if type(text) is str and len(text) == 17 and text[2::3] == ":::::":
        try:
            octets = bytes.fromhex(text.replace(":", ""))
        except ValueError:
            return None
        if len(octets) == 6:
            return octets
    return None


def _six_octets(instance: object, attribute: attrs.Attribute[bytes], value: bytes) -> None:
    if type(value) is not bytes or len(value) != 6:
        raise ValueError(f"a MAC address has 6 octets, got {shown(value)}")


@attrs.frozen(eq=False, repr=False)  # comparisons written below, as attrs would: imports faster
class MacAddress:
    """A MAC address of 6 octets; its text form is lower-case hex joined by colons.

    >>> mac = MacAddress.parse("0A:58:0A:0A:00:05")
    >>> str(mac)
    '0a:58:0a:0a:00:05'
    >>> mac.is_unicast, mac.is_locally_administered
    (True, True)
    """

    octets: bytes = attrs.field(validator=_six_octets)

    @classmethod
    def parse(cls, text: str) -> MacAddress:
        """Read ``xx:xx:xx:xx:xx:xx`` (hex, either case); raise ``ValueError`` otherwise."""
        octets = _octets_of(text)
        if octets is None:
            raise ValueError(
                f"expected a MAC address of 6 hex octets separated by colons "
                f"(xx:xx:xx:xx:xx:xx), found {shown(text)}"
            )
        if cls is not MacAddress:
            return cls(octets)
        # What __init__ does once its validator has seen 6 octets, as attrs sets frozen fields.
        mac = _new(cls)
        _set(mac, "octets", octets)
        return mac

    @classmethod
    def random_private(cls) -> MacAddress:
        """A fresh random MAC that is locally administered and unicast.

        This is what runtime-rs gives a device whose ``guest_mac`` is missing:
        six random octets, the first one as ``(b | 0x02) & 0xfe``.
        """
        raw = bytearray(os.urandom(6))
        raw[0] = (raw[0] | 0x02) & 0xFE
        return cls(bytes(raw))

    @property
    def is_unicast(self) -> bool:
        """The I/G bit (least significant bit of the first octet) is clear."""
        return not self.octets[0] & 0x01

    @property
    def is_multicast(self) -> bool:
        """The I/G bit is set (broadcast included)."""
        return bool(self.octets[0] & 0x01)

    @property
    def is_locally_administered(self) -> bool:
        """The U/L bit (second least significant bit of the first octet) is set."""
        return bool(self.octets[0] & 0x02)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.octets == other.octets

    def __hash__(self) -> int:
        return hash((MacAddress, self.octets))

    def __lt__(self, other: MacAddress) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.octets < other.octets

    def __le__(self, other: MacAddress) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.octets <= other.octets

    def __gt__(self, other: MacAddress) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.octets > other.octets

    def __ge__(self, other: MacAddress) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.octets >= other.octets

    def __str__(self) -> str:
        return self.octets.hex(":")

    def __repr__(self) -> str:
        return f"MacAddress('{self}')"

    def __bytes__(self) -> bytes:
        return self.octets


_set_octets = MacAddress.__dict__["octets"].__set__
"""The ``octets`` slot, set as attrs sets a frozen field."""


def parse_mac(text: str) -> MacAddress:
    """``MacAddress.parse(text)`` in one call, for the generated readers (same value and error)."""
    octets = _octets_of(text)
    if octets is None:
        return MacAddress.parse(text)  # refuses it, with the message
    mac = _new(MacAddress)
    _set_octets(mac, octets)
    return mac
