"""The address parsers agree with :mod:`ipaddress` on every text, valid or not.

danmodel parses dotted-quad IPv4 text itself and IPv6 text with the C
library's ``inet_pton`` (both are faster than ``ipaddress``), and builds
interfaces and networks from integers; these
properties check that the results, and the texts refused, are those of the
standard library.
"""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from danmodel._fields import ip_text
from danmodel.addresses import parse_interface, parse_ip, parse_network

# Texts near the IPv4 grammar: digits (ASCII and not), dots, signs, spaces, slashes.
_NEAR_IPV4 = st.text(alphabet="0123456789.+- /x\u0663\uff11", max_size=20)
_IPV4_TEXT = st.ip_addresses(v=4).map(str)
_IPV6_TEXT = st.ip_addresses(v=6).map(str) | st.ip_addresses(v=6).map(lambda a: a.exploded)
# Texts near the IPv6 grammar, for the C library's inet_pton against ipaddress.
_NEAR_IPV6 = st.lists(
    st.sampled_from(
        [
            *"0123456789abcdefABCDEF:.",
            *("::", "ffff", "0000", "00000", "1.2.3.4", "1.2.3.04", "01", " ", "g"),
            *("\u0661", "\x00"),
        ]
    ),
    max_size=20,
).map("".join)
_OCTETS = st.lists(
    st.integers(0, 300).map(str) | st.sampled_from(["00", "01", "007", "0000", "", " 1"]),
    min_size=1,
    max_size=6,
).map(".".join)


def _stdlib_address(text: str) -> object:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _ours_address(text: str) -> object:
    try:
        return parse_ip(text)
    except ValueError:
        return None


@given(_NEAR_IPV4 | _IPV4_TEXT | _IPV6_TEXT | _NEAR_IPV6 | _OCTETS)
@example("1.2.3.4")
@example("01.2.3.4")
@example("1.2.3.256")
@example("1.2.3")
@example("1.2.3.4.5")
@example("\u0661.2.3.4")
@example("::ffff:01.2.3.4")
@example("1:2:3:4:5:6:7:1.2.3.4")
@example("1:2:3:4:5::1.2.3.4")
@example("1::2::3")
@example("::00000:1")
@example("::\u0661")
@example("::\x00")
def test_parse_ip_agrees_with_ipaddress(text: str) -> None:
    ours, theirs = _ours_address(text), _stdlib_address(text)
    assert ours == theirs
    assert type(ours) is type(theirs)


@given((_IPV4_TEXT | _IPV6_TEXT | _OCTETS), st.integers(0, 128))
def test_parse_interface_agrees_with_ipaddress(address: str, prefix: int) -> None:
    text = f"{address}/{prefix}"
    try:
        theirs: object = ipaddress.ip_interface(text)
    except ValueError:
        theirs = None
    try:
        ours: object = parse_interface(text)
    except ValueError:
        ours = None
    assert ours == theirs
    assert type(ours) is type(theirs)
    if isinstance(ours, (ipaddress.IPv4Interface, ipaddress.IPv6Interface)):
        assert isinstance(theirs, (ipaddress.IPv4Interface, ipaddress.IPv6Interface))
        assert ours.network == theirs.network


@given((_IPV4_TEXT | _IPV6_TEXT), st.integers(0, 128))
def test_parse_network_agrees_with_ipaddress(address: str, prefix: int) -> None:
    text = f"{address}/{prefix}"
    try:
        theirs: object = ipaddress.ip_network(text)  # strict: host bits refused
    except ValueError:
        theirs = None
    try:
        ours: object = parse_network(text)
    except ValueError:
        ours = None
    assert ours == theirs
    assert type(ours) is type(theirs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.0/8", ipaddress.IPv4Network("10.0.0.0/8")),
        ("0.0.0.0/0", ipaddress.IPv4Network("0.0.0.0/0")),
        ("2001:db8::/32", ipaddress.IPv6Network("2001:db8::/32")),
    ],
)
def test_parse_network_examples(text: str, expected: object) -> None:
    assert parse_network(text) == expected


# IPv6 values rich in zero runs, mapped and compatible blocks: where text forms differ.
_HEXTETS = st.sampled_from([0, 0, 0, 1, 0xFFFF, 0x0DB8, 0xFE80]) | st.integers(0, 0xFFFF)
_IPV6_VALUES = st.lists(_HEXTETS, min_size=8, max_size=8).map(
    lambda hextets: sum(h << (16 * (7 - i)) for i, h in enumerate(hextets))
)


@given(_IPV6_VALUES, st.integers(0, 128))
@example(0, 0)
@example(1, 128)
@example(0xFFFF_0A00_0001, 96)  # ::ffff:10.0.0.1
@example(0x0A00_0001, 96)  # ::10.0.0.1, the deprecated compatible form
@example(0x2001_0DB8_0000_0000_0001_0000_0000_0001, 64)  # two equal zero runs
def test_ip_text_is_str_but_for_mapped_addresses(value: int, prefix: int) -> None:
    address = ipaddress.IPv6Address(value)
    interface = ipaddress.IPv6Interface((value, prefix))
    mapped = address.ipv4_mapped
    expected = str(address) if mapped is None else f"::ffff:{mapped}"
    assert ip_text(address) == expected
    assert ip_text(interface) == f"{expected}/{prefix}"
