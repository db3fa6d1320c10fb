"""The address parsers agree with :mod:`ipaddress` on every text, valid or not.

danmodel parses dotted-quad IPv4 text itself and IPv6 text with the C
library's ``inet_pton`` (both are faster than ``ipaddress``), and builds
interfaces and networks from integers; these
properties check that the results, and the texts refused, are those of the
standard library.
"""

from __future__ import annotations

import ipaddress
import itertools
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from danmodel import addresses
from danmodel.addresses import parse_interface, parse_ip, parse_network


@pytest.fixture(autouse=True)
def _checked() -> None:
    """The fast paths in use (the self-check runs after the first addresses otherwise)."""
    if addresses.FAST is None:
        addresses._choose()


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
    assert addresses.ip_text(address) == expected
    assert addresses.ip_text(interface) == f"{expected}/{prefix}"


# --- the fast construction and its self-check -----------------------------------------------------


def _standard_interface(value: int, prefix: int, version: int) -> object:
    return (ipaddress.IPv4Interface if version == 4 else ipaddress.IPv6Interface)((value, prefix))


def _v4_or_v6() -> st.SearchStrategy[tuple[int, int, int]]:
    v4 = st.tuples(st.just(4), st.integers(0, 2**32 - 1), st.integers(0, 32))
    v6 = st.tuples(st.just(6), _IPV6_VALUES | st.integers(0, 2**128 - 1), st.integers(0, 128))
    return v4 | v6


@pytest.fixture
def before_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The module as a new process has it: no self-check yet, no address built."""
    monkeypatch.setattr(addresses, "FAST", None)
    monkeypatch.setattr(addresses, "_built", 0)
    for name in ("v4_address", "v6_address", "v4_interface", "v6_interface"):
        monkeypatch.setattr(addresses, f"_build_{name}", getattr(addresses, f"_first_{name}"))
    monkeypatch.setattr(addresses, "_build_v4_network", addresses._first_v4_network)
    monkeypatch.setattr(addresses, "_build_v6_network", addresses._first_v6_network)
    monkeypatch.setattr(addresses, "_ipv4_value", addresses._first_ipv4_value)


def test_the_self_check_passes_on_this_python() -> None:
    assert addresses.fast_paths_agree()
    assert addresses.FAST is True


@pytest.mark.usefixtures("before_the_check")
def test_the_first_addresses_are_built_the_standard_way_then_the_check_runs() -> None:
    for index in range(addresses.CHECK_AFTER):
        text = f"10.0.{index // 256}.{index % 256}/24"
        assert addresses._same(parse_interface(text), ipaddress.IPv4Interface(text))
        assert addresses.FAST is None
    assert addresses.text_functions() == (addresses.ip_text, addresses.network_text)
    assert addresses._same(parse_network("2001:db8::/32"), ipaddress.ip_network("2001:db8::/32"))
    assert addresses.FAST is True
    assert addresses.text_functions() != (addresses.ip_text, addresses.network_text)


@pytest.mark.usefixtures("before_the_check")
@given(_NEAR_IPV4 | _IPV4_TEXT | _IPV6_TEXT | _NEAR_IPV6 | _OCTETS)
def test_before_the_check_parse_ip_agrees_with_ipaddress(text: str) -> None:
    addresses._built = 0  # stay before the check for every example
    assert _ours_address(text) == _stdlib_address(text)
    assert type(_ours_address(text)) is type(_stdlib_address(text))


@given(_v4_or_v6())
@example((4, 0x0A000004, 31))
@example((4, 0xFFFFFFFF, 32))
@example((6, 1, 127))
@example((6, 2**128 - 1, 128))
def test_parsed_objects_are_the_standard_ones(case: tuple[int, int, int]) -> None:
    import copy
    import pickle

    version, value, prefix = case
    standard: Any = _standard_interface(value, prefix, version)
    if version == 4:
        address_text = str(ipaddress.IPv4Address(value))
    else:
        address_text = str(ipaddress.IPv6Address(value))
    ours = parse_interface(f"{address_text}/{prefix}")
    assert addresses._same(ours, standard)
    assert addresses._same(ours.network, standard.network)
    assert ours.hostmask == standard.hostmask
    first = itertools.islice(ours.network.hosts(), 3)
    assert list(first) == list(itertools.islice(standard.network.hosts(), 3))
    assert pickle.loads(pickle.dumps(ours)) == standard
    assert copy.deepcopy(ours) == standard
    assert {ours: 1}[standard] == 1
    network = standard.network
    parsed_network = parse_network(str(network))
    assert addresses._same(parsed_network, network)
    assert pickle.loads(pickle.dumps(parsed_network)) == network
    plain = parse_ip(address_text)
    assert addresses._same(plain, ipaddress.ip_address(address_text))


@given(_v4_or_v6())
def test_fast_text_is_the_reference_text(case: tuple[int, int, int]) -> None:
    version, value, prefix = case
    interface: Any = _standard_interface(value, prefix, version)
    ip_text_of, network_text_of = addresses.text_functions()
    assert ip_text_of(interface) == addresses.ip_text(interface)
    assert ip_text_of(interface.ip) == addresses.ip_text(interface.ip)
    assert network_text_of(interface.network) == addresses.network_text(interface.network)
    # And the reference text is what the standard library prints (but for mapped IPv6).
    if version == 4 or interface.ip.ipv4_mapped is None:
        assert addresses.ip_text(interface) == str(interface)


# Prefix texts near the grammar: danmodel takes only 0..width in plain ASCII decimal.
_PREFIX_TEXT = st.integers(0, 130).map(str) | st.sampled_from(
    ["", "024", "00", "+24", " 24", "24 ", "\u0662\u0664", "2_4", "255.255.255.0", "0x18", "-1"]
)


def _reference_interface(text: str) -> object:
    """ipaddress, with danmodel's own rules: a prefix in plain decimal, no zone id."""
    _, slash, prefix = text.partition("/")
    if not slash or "%" in text:
        return None
    if not (prefix.isascii() and prefix.isdigit()) or (len(prefix) > 1 and prefix[0] == "0"):
        return None
    try:
        return ipaddress.ip_interface(text)
    except ValueError:
        return None


@given((_IPV4_TEXT | _IPV6_TEXT | _OCTETS | _NEAR_IPV6), _PREFIX_TEXT)
@example("10.0.0.1", "024")
@example("10.0.0.1", "33")
@example("::1", "129")
@example("fe80::1%eth0", "64")
def test_interface_text_near_the_grammar(address: str, prefix: str) -> None:
    text = f"{address}/{prefix}"
    try:
        ours: object = parse_interface(text)
    except ValueError:
        ours = None
    theirs = _reference_interface(text)
    assert ours == theirs
    if theirs is not None:
        assert addresses._same(ours, theirs)


def test_the_standard_constructors_serve_when_the_self_check_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(addresses, "fast_paths_agree", lambda: False)
    addresses._choose()
    try:
        assert addresses.FAST is False
        assert addresses.text_functions() == (addresses.ip_text, addresses.network_text)
        interface = parse_interface("10.0.0.5/24")
        assert addresses._same(interface, ipaddress.IPv4Interface("10.0.0.5/24"))
        assert addresses._same(
            parse_network("2001:db8::/32"), ipaddress.ip_network("2001:db8::/32")
        )
        assert parse_ip("10.0.0.1") == ipaddress.IPv4Address("10.0.0.1")
        with pytest.raises(ValueError, match="expected an IPv4 or IPv6 address"):
            parse_ip("010.0.0.1")
        with pytest.raises(ValueError, match="host bits set"):
            parse_network("10.0.0.1/8")
    finally:
        monkeypatch.undo()
        addresses._choose()
    assert addresses.FAST is True


def test_a_differing_construction_fails_the_self_check(monkeypatch: pytest.MonkeyPatch) -> None:
    # A future Python that sets one more attribute in IPv4Interface.__init__ must be noticed.
    original = ipaddress.IPv4Interface.__init__

    def init(self: Any, address: object) -> None:
        original(self, address)
        self.extra = True

    monkeypatch.setattr(ipaddress.IPv4Interface, "__init__", init)
    assert not addresses.fast_paths_agree()
