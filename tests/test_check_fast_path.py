"""check's fast path: a document loads accepts as it is gives what the facts reader gives."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import danmodel
from danmodel import strategies
from danmodel._fields import FAILED
from danmodel._reader import read
from danmodel.check import facts


def _detailed(document: object, *, go: bool) -> tuple[object, list[facts.Fact]]:
    reading = facts.RuntimeReading(go=go)
    outcome = read(document, facts._ROOT, strict=False, observer=reading)
    assert not outcome.problems
    assert outcome.value is not FAILED
    return outcome.value, sorted(reading.facts, key=lambda fact: (fact.path, fact.kind))


@st.composite
def _documents(draw: st.DrawFn) -> Any:
    """Valid documents, some devices without guest_mac or mtu."""
    document: Any = json.loads(danmodel.dumps(draw(strategies.dan_configs())))
    for device in document["devices"]:
        if draw(st.booleans()):
            del device["guest_mac"]
        if draw(st.booleans()):
            del device["network_info"]["interface"]["mtu"]
        if draw(st.booleans()):
            device["network_info"].pop("routes")
    return document


@given(_documents(), st.booleans())
def test_the_fast_path_gives_what_the_facts_reader_gives(document: Any, go: bool) -> None:
    text = json.dumps(document)
    fast = facts.read(text, None, go=go)
    assert fast.to_document is facts._same_path  # it did take the fast path
    config, detailed_facts = _detailed(json.loads(text), go=go)
    # guest_mac is drawn at random where it is missing: compare the rest
    assert [attrs_without_mac(d) for d in fast.config.devices] == [  # type: ignore[union-attr]
        attrs_without_mac(d)
        for d in config.devices  # type: ignore[attr-defined]
    ]
    assert sorted(fast.facts, key=lambda fact: (fact.path, fact.kind)) == detailed_facts
    assert fast.problems == ()
    assert fast.unset == ()


def attrs_without_mac(device: danmodel.DanDevice) -> tuple[object, ...]:
    return (device.name, device.device, device.network_info)


def test_a_document_that_is_not_plainly_valid_takes_the_facts_reader() -> None:
    document: dict[str, list[object]] = {"devices": [], "Devices": []}
    raw = facts.read(json.dumps(document), None, go=True)
    assert raw.to_document is not facts._same_path
    assert [fact.kind for fact in raw.facts] == ["unknown-key"]
