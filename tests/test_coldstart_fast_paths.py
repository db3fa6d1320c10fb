"""The one-call parsers of the generated readers, and the JSON decoding, against the slow paths.

``addresses.fastest`` gives the generated readers one function per address
parser, and ``mac.parse_mac`` stands for ``MacAddress.parse``: each must give
the same value (same class, same state) or the same ``ValueError`` message as
the parser it stands for. ``_text.parse`` calls the JSON scanner itself: its
errors must be ``json``'s, word for word and place for place.
"""

from __future__ import annotations

import ipaddress
import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from danmodel import MacAddress, ValidationError, _collector, _text, addresses
from danmodel.mac import parse_mac


@pytest.fixture(autouse=True)
def _checked() -> None:
    if addresses.FAST is None:
        addresses._choose()
    assert addresses.FAST is True


def _outcome(parse: object, text: object) -> tuple[str, object]:
    try:
        value = parse(text)  # type: ignore[operator]
    except ValueError as error:
        return "error", str(error)
    return type(value).__name__, value


def _agree(slow: object, fast: object, text: object) -> None:
    expected, got = _outcome(slow, text), _outcome(fast, text)
    assert got == expected
    if expected[0] != "error":
        value, reference = got[1], expected[1]
        if isinstance(reference, MacAddress):
            assert value.octets == reference.octets  # type: ignore[attr-defined]
        else:
            assert addresses._same(value, reference)


_PIECES = st.sampled_from(
    [
        *"0123456789abcdefABCDEF:./% x-",
        *("::", "ffff", "1.2.3.4", "01", "255", "256", "/24", "/32", "/31", "/128", "/127"),
        *("/0", "/33", "/129", "/024", "/ 1", "\u0661", "\x00", "\ud800", "::ffff:"),
    ]
)
_NEAR = st.lists(_PIECES, max_size=14).map("".join)
_V4 = st.ip_addresses(v=4).map(str)
_V6 = st.ip_addresses(v=6).map(str) | st.ip_addresses(v=6).map(lambda a: a.exploded)
_WITH_PREFIX = st.tuples(_V4 | _V6 | _NEAR, st.integers(0, 130)).map(lambda t: f"{t[0]}/{t[1]}")
_TEXTS = _NEAR | _V4 | _V6 | _WITH_PREFIX


@given(_TEXTS | st.none() | st.integers())
@example("10.0.0.5/24")
@example("10.0.0.5/31")
@example("10.0.0.5/32")
@example("2001:db8::5/127")
@example("2001:db8::5/128")
@example("10.0.0.0/8")
@example("10.0.0.1/8")
@example("fe80::1%eth0")
@example("1.2.3.04")
@example("::ffff:1.2.3.4/96")
def test_the_fast_address_parsers_agree_with_the_parsers(text: object) -> None:
    for parse in (
        addresses.parse_ip,
        addresses.parse_interface,
        addresses.parse_network,
        addresses.parse_neighbor_ip,
    ):
        fast = addresses.fastest(parse)
        assert fast is not parse
        _agree(parse, fast, text)
    if isinstance(text, str) and "/" not in text and "%" not in text:
        try:
            reference: object = ipaddress.ip_address(text)
        except ValueError:
            reference = None
        got = _outcome(addresses.fastest(addresses.parse_ip), text)
        assert got[1] == reference if reference is not None else got[0] == "error"


def test_a_failed_self_check_leaves_the_parsers_as_they_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(addresses, "FAST", False)
    assert addresses.fastest(addresses.parse_ip) is addresses.parse_ip
    assert addresses.fastest(len) is len


def test_fastest_runs_the_self_check_first(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[bool] = []
    monkeypatch.setattr(addresses, "FAST", None)
    monkeypatch.setattr(addresses, "_choose", lambda: ran.append(True))
    assert addresses.fastest(addresses.parse_ip) is addresses.parse_ip  # FAST still None
    assert ran == [True]


_MAC_PIECES = st.sampled_from([*"0123456789abcdefABCDEF:", "0a", "g", " ", "\t", "\u0661", "ff"])


@given(
    st.lists(_MAC_PIECES, max_size=20).map("".join)
    | st.binary(min_size=6, max_size=6).map(lambda raw: raw.hex(":"))
    | st.binary(min_size=6, max_size=6).map(lambda raw: raw.hex(":").upper())
    | st.none()
    | st.integers()
)
@example("0a:58:0a:0a:00: 5")
@example("0a:58:0a:0a:0005:")
@example("0a:58:0a:0a:00:05")
def test_parse_mac_agrees_with_macaddress_parse(text: object) -> None:
    _agree(MacAddress.parse, parse_mac, text)
    if not isinstance(text, str) or _outcome(MacAddress.parse, text)[0] == "error":
        return
    mac = parse_mac(text)
    assert type(mac) is MacAddress
    assert mac == MacAddress(bytes.fromhex(text.replace(":", "")))
    assert hash(mac) == hash(MacAddress.parse(text))


_JSONISH = st.lists(
    st.sampled_from(
        [*'{}[]:,"0123456789.-+eEtrufalsnNI \n\t', "true", "null", "NaN", "Infinity", "\\", "\\u"]
    ),
    max_size=25,
).map("".join)


def _json_error(text: str) -> tuple[str, int, int] | None:
    try:
        json.loads(text, parse_constant=str)
    except json.JSONDecodeError as error:
        return f"invalid JSON: {error.msg}", error.lineno, error.colno
    except (RecursionError, ValueError):
        return None
    return None


@given(_JSONISH)
@example("")
@example("  ")
@example("{} x")
@example("[1, 2")
@example('{"a": 1}\n\n')
@example("\n\n  [1,]")
def test_parse_fails_as_json_fails(text: str) -> None:
    expected = _json_error(text)
    try:
        _text.parse(text, "doc")
    except ValidationError as error:
        (problem,) = error.errors
        assert expected == (problem.message, problem.line, problem.column)
        return
    assert expected is None


def test_a_large_document_parses_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    paused: list[bool] = []
    original = _collector.collector_paused

    def spy() -> object:
        paused.append(True)
        return original()

    monkeypatch.setattr(_text, "collector_paused", spy)
    small = json.dumps({"devices": [{"name": "eth0"}]})
    large = json.dumps({"devices": [{"name": f"eth{i}"} for i in range(_text.PAUSE_ABOVE // 10)]})
    assert _text.parse(small, None).value == json.loads(small)
    assert paused == []
    assert _text.parse(large, None).value == json.loads(large)
    assert paused == [True]
