"""Bounds: what danmodel writes it reads back, and no input makes messages or work explode.

Time and memory at the 16 MiB bound are measured by benchmarks/bounds.py, not here.
"""

from __future__ import annotations

import json

import pytest

import danmodel
from builders import device_data
from danmodel import _text, codec
from danmodel._paths import PATH_KEY_LIMIT, shorten

_DEVICE = device_data()


def _config_text(name: str) -> str:
    device = dict(_DEVICE, name="eth0")
    device["device"] = {"type": "vhost-user", "path": "/" + name}
    return json.dumps({"netns": None, "devices": [device]})


def test_dumps_refuses_what_loads_would_refuse_and_writes_up_to_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = danmodel.loads(_config_text("s"))
    size = len(danmodel.dumps(config).encode("utf-8"))
    for module in (codec, _text):
        monkeypatch.setattr(module, "MAX_DOCUMENT_BYTES", size)
    text = danmodel.dumps(config)  # exactly at the bound: written, and read back
    assert danmodel.loads(text) == config
    longer = danmodel.loads(_config_text("ss"))  # one byte more
    with pytest.raises(danmodel.ValidationError) as caught:
        danmodel.dumps(longer)
    assert caught.value.errors[0].path == "$"
    assert f"would be {size + 1} bytes" in caught.value.errors[0].message
    with pytest.raises(danmodel.ValidationError, match=f"larger than {size} bytes"):
        danmodel.loads(" " * (size + 1))


def test_a_prefix_of_thousands_of_digits_gets_the_format_message() -> None:
    document = json.loads(json.dumps({"devices": [_DEVICE]}))
    document["devices"][0]["network_info"]["interface"]["ip_addresses"] = ["10.0.0.1/" + "9" * 5000]
    with pytest.raises(danmodel.ValidationError) as caught:
        danmodel.loads(json.dumps(document))
    (problem,) = caught.value.errors
    assert "must be a whole number from 0 to 32" in problem.message
    assert "set_int_max_str_digits" not in problem.message
    assert len(problem.message) < 300


def test_an_integer_of_thousands_of_digits_from_python_is_described_not_printed() -> None:
    document = json.loads(json.dumps({"devices": [_DEVICE]}))
    document["devices"][0]["network_info"]["interface"]["mtu"] = 10**5000
    with pytest.raises(danmodel.ValidationError) as caught:
        danmodel.from_dict(document)
    (problem,) = caught.value.errors
    assert problem.path == "$.devices[0].network_info.interface.mtu"
    assert "an integer of about 5001 digits" in problem.message


def test_a_huge_key_is_shortened_in_paths_and_messages_and_gets_no_hint() -> None:
    key = "k" * 1_000_000
    with pytest.raises(danmodel.ValidationError) as caught:
        danmodel.loads(json.dumps({"devices": [], key: 1}))
    (problem,) = caught.value.errors
    assert len(problem.path) < PATH_KEY_LIMIT + 64
    assert len(problem.message) < 200
    assert "did you mean" not in problem.message
    assert "(1000000 characters)" in problem.message


def test_a_huge_value_is_shortened_in_messages() -> None:
    document = json.loads(json.dumps({"devices": [_DEVICE]}))
    document["devices"][0]["name"] = "n" * 10_000_000
    with pytest.raises(danmodel.ValidationError) as caught:
        danmodel.loads(json.dumps(document))
    (problem,) = caught.value.errors
    assert problem.path == "$.devices[0].name"
    assert len(problem.message) < 300
    assert "(10000000 characters)" in problem.message


def test_problems_past_the_cap_are_counted_not_listed() -> None:
    document = {"devices": [dict(_DEVICE, name=f"e{i}", guest_mac="x") for i in range(1500)]}
    with pytest.raises(danmodel.ValidationError) as caught:
        danmodel.from_dict(document)
    error = caught.value
    assert len(error.errors) == 1000
    assert error.omitted == 500
    assert str(error).startswith("1500 problems in DAN config:")
    assert str(error).endswith("and 500 more")


def test_irregularities_in_values_the_model_does_not_read_are_found() -> None:
    # A duplicate key and a NaN inside an unknown key's value, and inside a value of the
    # wrong type: the reader reports them at their paths, whatever else it reports.
    text = (
        '{"devices": [], "extra": {"a": [1, {"b": 1, "b": 2}]},'
        ' "netns": [NaN, {"c": {"d": 1, "d": 1}}]}'
    )
    with pytest.raises(danmodel.ValidationError) as caught:
        danmodel.loads(text)
    paths = {problem.path: problem.message for problem in caught.value.errors}
    assert "appears 2 times" in paths["$.extra.a[1].b"]
    assert "NaN is not valid JSON" in paths["$.netns[0]"]
    assert "appears 2 times" in paths["$.netns[1].c.d"]


def test_shorten_keeps_short_text_and_marks_long_text() -> None:
    assert shorten("abc") == "abc"
    assert shorten("a" * 65) == "a" * 64 + "... (65 characters)"
