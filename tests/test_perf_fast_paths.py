"""The fast paths of issue 16 outside the addresses: MAC text, the pooled JSON decoders.

Each is checked against a plain reference: a regular expression for MAC text,
``json`` with its own hooks for the decoders (flags never leak between parses,
also when they run at once in threads).
"""

from __future__ import annotations

import copy
import json
import pickle
import re
import threading

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from danmodel import MacAddress, _text
from danmodel._text import DuplicateKeys, NonFinite

_MAC = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}")

_NEAR_MAC = st.lists(
    st.sampled_from([*"0123456789abcdefABCDEF:", "0a", "g", " ", "\t", "-", "\u0661", "ff"]),
    max_size=20,
).map("".join)
_MAC_TEXT = st.binary(min_size=6, max_size=6).map(lambda raw: raw.hex(":"))


@given(_NEAR_MAC | _MAC_TEXT | _MAC_TEXT.map(str.upper))
@example("0a:58:0a:0a:00: 5")
@example("0a:58:0a:0a:00:5 ")
@example("0a:58:0a:0a:0005:")
@example("0a:58:0a:0a:00:05")
@example("0A:58:0a:0a:00:05")
def test_mac_text_is_read_as_the_pattern_says(text: str) -> None:
    if _MAC.fullmatch(text) is None:
        with pytest.raises(ValueError, match="expected a MAC address of 6 hex octets"):
            MacAddress.parse(text)
        return
    mac = MacAddress.parse(text)
    reference = MacAddress(bytes(int(part, 16) for part in text.split(":")))
    assert type(mac) is MacAddress
    assert mac == reference
    assert hash(mac) == hash(reference)
    assert str(mac) == text.lower()
    assert repr(mac) == repr(reference)
    assert pickle.loads(pickle.dumps(mac)) == reference
    assert copy.deepcopy(mac) == reference
    assert not mac < reference  # ordered as the constructor's objects are


def test_a_subclass_parses_through_its_constructor() -> None:
    class Tagged(MacAddress):
        pass

    mac = Tagged.parse("02:00:00:00:00:01")
    assert type(mac) is Tagged


# --- pooled decoders ---------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(st.tuples(st.sampled_from("abc"), inner), max_size=4).map(
            lambda pairs: "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in pairs) + "}"
        )
    ),
    max_leaves=12,
)


def _reference(text: str) -> tuple[object, bool]:
    found = []

    def pairs_hook(pairs: list[tuple[str, object]]) -> object:
        if len(dict(pairs)) != len(pairs):
            found.append(True)
            return DuplicateKeys(pairs)
        return dict(pairs)

    def constant_hook(token: str) -> object:
        found.append(True)
        return NonFinite(token)

    value = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=constant_hook)
    return value, bool(found)


def _token(value: object) -> str:
    return value.token if isinstance(value, NonFinite) else repr(value)


def _document(value: object) -> str:
    return value if isinstance(value, str) and value.startswith("{") else json.dumps(value)


@given(st.lists(_JSON.map(_document) | st.just('{"a": 1, "a": 2}') | st.just("[NaN]"), max_size=6))
def test_each_parse_says_whether_its_own_document_is_irregular(texts: list[str]) -> None:
    for text in texts:
        try:
            expected = _reference(text)
        except ValueError:
            continue
        parsed = _text.parse(text, None)
        assert parsed.irregular == expected[1]
        assert json.dumps(parsed.value, default=_token) == json.dumps(expected[0], default=_token)


def test_parses_in_threads_keep_their_own_flags() -> None:
    regular = json.dumps({"devices": [{"name": f"eth{i}"} for i in range(200)]})
    irregular = regular[:-1] + ', "devices": []}'
    failures: list[str] = []

    def work(text: str, expected: bool) -> None:
        for _ in range(200):
            if _text.parse(text, None).irregular != expected:
                failures.append(text[:20])

    threads = [
        threading.Thread(target=work, args=(text, flag))
        for text, flag in [(regular, False), (irregular, True)] * 3
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


def test_a_failed_parse_leaves_the_next_one_regular() -> None:
    with pytest.raises(Exception, match="invalid JSON"):
        _text.parse('{"a": 1, "a": 2', None)
    assert _text.parse('{"a": NaN}', None).irregular
    assert not _text.parse('{"a": 1}', None).irregular
