"""A large document is read by the fast reader first, and in detail only where it gives up.

``Reader.fast`` (set by ``danmodel._reader.read``) must not change anything a
read reports: the same value, problems (in the same order), ignored keys and
count of omitted problems as the detailed reader alone. These tests read the
same documents both ways.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import danmodel
from builders import config_data, device_data
from danmodel import v1, v2
from danmodel._fields import FAILED, FAST_ITEMS, MAX_PROBLEMS, Object, Reader
from danmodel._reader import _item_reader
from danmodel._text import parse
from test_fast_path import _without_drawn_macs
from test_schema_agreement import mutated_documents

_ROOTS = {1: Object(v1.DanConfig), 2: Object(v2.DanConfig)}


def _padding(count: int) -> list[dict[str, Any]]:
    """``count`` valid devices, each with its own name, tap and address."""
    return [
        device_data(
            name=f"pad{index}",
            guest_mac=f"0a:58:0a:0b:{index // 256:02x}:{index % 256:02x}",
            device={"type": "host-tap", "tap_name": f"padtap{index}"},
        )
        for index in range(count)
    ]


def _both_ways(document: object, revision: int, *, strict: bool) -> tuple[Any, Any]:
    outcomes = []
    for fast in (None, _item_reader):
        reader = Reader(strict=strict, irregular=True, fast=fast)
        value = _ROOTS[revision].read(copy.deepcopy(document), "$", reader)
        outcomes.append((value, reader.problems, reader.ignored, reader.omitted))
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize("revision", [1, 2])
@pytest.mark.parametrize("strict", [True, False])
@given(data=st.data())
def test_items_read_fast_first_report_what_the_detailed_reader_does(
    revision: int, strict: bool, data: st.DataObject
) -> None:
    document = data.draw(mutated_documents(revision))
    if isinstance(document, dict) and isinstance(document.get("devices"), list):
        devices = document["devices"]
        at = data.draw(st.integers(0, len(devices)))
        document["devices"] = _padding(at) + devices + _padding(FAST_ITEMS)[at:]
    detailed, with_fast = _both_ways(document, revision, strict=strict)
    if detailed[0] is not FAILED and with_fast[0] is not FAILED:
        # A device without guest_mac gets a MAC drawn at random: compare the rest.
        detailed = (_without_drawn_macs(detailed[0], document), *detailed[1:])
        with_fast = (_without_drawn_macs(with_fast[0], document), *with_fast[1:])
    assert with_fast == detailed


def test_a_bad_device_among_many_is_named_by_its_index() -> None:
    devices = _padding(40)
    devices[33]["guest_mac"] = "zz:58:0a:0b:00:21"
    text = json.dumps(config_data(*devices))
    with pytest.raises(danmodel.ValidationError) as raised:
        danmodel.loads(text)
    (problem,) = raised.value.errors
    assert problem.path == "$.devices[33].guest_mac"
    assert "zz:58:0a:0b:00:21" in problem.message


def test_a_duplicate_key_in_one_device_among_many_is_its_only_problem() -> None:
    text = json.dumps(config_data(*_padding(30)), indent=1)
    text = text.replace('"name": "pad21",', '"name": "pad21",\n"name": "pad21",', 1)
    parsed = parse(text, None)
    assert parsed.irregular
    detailed, with_fast = _both_ways(parsed.value, 2, strict=True)
    assert with_fast == detailed
    assert [problem.path for problem in with_fast[1]] == ["$.devices[21].name"]


def test_problems_past_the_cap_are_counted_the_same() -> None:
    devices = _padding(2 * (MAX_PROBLEMS + 60))
    for device in devices[::2]:  # one problem in every other device: 60 past the cap
        device["network_info"]["interface"]["mtu"] = -1
    detailed, with_fast = _both_ways(config_data(*devices), 2, strict=True)
    assert with_fast == detailed
    assert len(with_fast[1]) == MAX_PROBLEMS
    assert with_fast[3] == 60
