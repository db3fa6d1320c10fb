"""check's fast path: a document loads accepts as it is gives what the facts reader gives."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import danmodel
from danmodel import strategies
from danmodel._fields import FAILED, FAST_ITEMS, Reader
from danmodel._paths import join
from danmodel._reader import _plain_reader, read
from danmodel.check import Finding, check, facts
from test_reader_items import _padding
from test_schema_agreement import mutated_documents


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
    assert fast.to_document is facts.same_path  # it did take the fast path
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
    assert raw.to_document is not facts.same_path
    assert [fact.kind for fact in raw.facts] == ["unknown-key"]


# --- the observed read takes plain routes and neighbors fast --------------------------------


def _document_paths(value: object, path: str = "$") -> list[str]:
    """Every path of a JSON value, in document order."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _document_paths(item, join(path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _document_paths(item, f"{path}[{index}]")
    return found


@st.composite
def _miscased(draw: st.DrawFn, document: Any) -> Any:
    """``document`` with some keys spelled in another case, or their values null."""
    for _ in range(draw(st.integers(0, 4))):
        objects = [
            value
            for value in _values(document)
            if isinstance(value, dict) and value and value is not document
        ]
        if not objects:
            break
        target = draw(st.sampled_from(objects))
        key = draw(st.sampled_from(sorted(target)))
        if draw(st.booleans()):
            target[draw(st.sampled_from([key.title(), key.upper()]))] = target.pop(key)
        else:
            target[key] = None
    return document


def _values(value: object) -> list[object]:
    found = [value]
    if isinstance(value, dict):
        for item in value.values():
            found += _values(item)
    elif isinstance(value, list):
        for item in value:
            found += _values(item)
    return found


@given(data=st.data(), go=st.booleans())
def test_the_observed_read_of_plain_items_fast_notes_what_the_detailed_one_does(
    data: st.DataObject, go: bool
) -> None:
    """Routes and neighbors that load as they are skip the observer: the value, problems,
    facts (in order), unset values and path mappings stay those of the detailed read."""
    document = data.draw(mutated_documents(2))
    if isinstance(document, dict) and isinstance(document.get("devices"), list):
        devices = document["devices"]
        at = data.draw(st.integers(0, len(devices)))
        document["devices"] = _padding(at) + devices + _padding(FAST_ITEMS)[at:]
    document = data.draw(_miscased(document))
    paths = _document_paths(document)
    outcomes = []
    for fast in (False, True):
        reading = facts.RuntimeReading(go=go)
        reader = Reader(
            strict=False,
            irregular=True,
            observer=reading,
            fast=_plain_reader(reading) if fast else None,
        )
        value: Any = facts._ROOT.read(copy.deepcopy(document), "$", reader)
        if value is not FAILED:  # a MAC is drawn at random where there is none to read
            value = (value.netns, [attrs_without_mac(device) for device in value.devices])
        config_paths = [reading.paths.to_config(path) for path in paths]
        outcomes.append(
            (
                value,
                reader.problems,
                reading.facts,
                reading.unset,
                config_paths,
                [reading.paths.to_document(path) for path in config_paths],
            )
        )
    assert outcomes[1] == outcomes[0]


def test_a_large_miscased_document_reads_its_routes_and_neighbors_fast() -> None:
    """The Go runtime's case-insensitive keys in every device: the routes and neighbors,
    spelled exactly, take the fast reader (the observer sees no route or neighbor)."""
    document = {"devices": _padding(FAST_ITEMS)}
    for device in document["devices"]:
        device["Guest_Mac"] = device.pop("guest_mac")
    seen: list[type] = []

    class Watching(facts.RuntimeReading):
        def entries(self, kind: Any, value: Any, path: str, tag: str | None) -> Any:
            seen.append(kind.cls)
            return super().entries(kind, value, path, tag)

    reading = Watching(go=True)
    outcome = read(document, facts._ROOT, strict=False, observer=reading)
    assert outcome.value is not FAILED
    assert danmodel.v2.DanDevice in seen
    assert danmodel.v2.Route not in seen
    assert danmodel.v2.Neighbor not in seen
    unknown = [fact for fact in reading.facts if fact.kind == "unknown-key"]
    assert [fact.text for fact in unknown] == ["Guest_Mac"] * FAST_ITEMS


# --- the Go runtime's keys in another letter case, renamed before the fast reader -----------


@st.composite
def _with_keys_miscased(draw: st.DrawFn) -> Any:
    """A valid document with some keys spelled in another letter case (never a null's key,
    nor a device's "type", which the Go runtime matches exactly): what the folding path
    takes."""
    document = draw(_documents())
    objects = [value for value in _values(document) if isinstance(value, dict) and value]
    for target in draw(st.lists(st.sampled_from(objects), max_size=6)):
        keys = [key for key, item in target.items() if item is not None and key.islower()]
        keys = [key for key in keys if not (key == "type" and "tap_name" in keys)]
        if not keys or (key := draw(st.sampled_from(keys))) == "type":
            continue
        spelled = draw(st.sampled_from([key.title(), key.upper(), key.capitalize()]))
        if spelled != key:
            # keep the key's place: the facts reader reads in document order
            items = list(target.items())
            target.clear()
            target.update((spelled if name == key else name, item) for name, item in items)
    return document


@given(_with_keys_miscased())
def test_the_folding_path_gives_what_the_facts_reader_gives(document: Any) -> None:
    text = json.dumps(document)
    folded = facts._read_folded(json.loads(text))
    values = _values(document)
    if not any(isinstance(value, dict) and not all(map(str.islower, value)) for value in values):
        assert folded is None  # nothing to rename: the plain fast path's document
        event("nothing renamed")
        return
    assert folded is not None
    reading = facts.RuntimeReading(go=True)
    outcome = read(json.loads(text), facts._ROOT, strict=False, observer=reading)
    assert outcome.problems == []
    assert folded.problems == ()
    assert folded.unset == tuple(reading.unset) == ()
    assert [attrs_without_mac(d) for d in folded.config.devices] == [  # type: ignore[union-attr]
        attrs_without_mac(d)
        for d in outcome.value.devices  # type: ignore[attr-defined]
    ]
    assert sorted(folded.facts, key=lambda fact: (fact.path, fact.kind)) == sorted(
        reading.facts, key=lambda fact: (fact.path, fact.kind)
    )
    for path in _document_paths(json.loads(text)):
        config_path = reading.paths.to_config(path)
        assert folded.to_document(config_path) == reading.paths.to_document(config_path)


def test_the_folding_path_leaves_what_it_cannot_rename_to_the_facts_reader() -> None:
    base = _padding(1)[0]
    base["NAME"] = base.pop("name")
    assert facts._read_folded({"devices": [copy.deepcopy(base)]}) is not None
    cases: dict[str, Callable[[dict[str, Any]], object]] = {
        "unknown key": lambda device: device.update(colour="blue"),
        "two spellings": lambda device: device.update(Name="eth1"),
        "null renamed": lambda device: device.update(Guest_Mac=device.pop("guest_mac") and None),
        "device type": lambda device: device["device"].update(Type=device["device"].pop("type")),
    }
    for name, change in cases.items():
        document = {"devices": [copy.deepcopy(base)]}
        change(document["devices"][0])
        assert facts._read_folded(document) is None, name


@pytest.mark.parametrize("tag", [{"type": "vfio"}, ["vfio"], 1, None, "unknown"])
def test_the_folding_path_leaves_a_device_type_it_cannot_read_to_the_facts_reader(
    tag: object,
) -> None:
    device = _padding(1)[0]
    device["NAME"] = device.pop("name")
    device["device"]["type"] = tag
    document = {"devices": [device]}
    assert facts._read_folded(copy.deepcopy(document)) is None
    found = check(json.dumps(document), "go-runtime")
    assert ("value-invalid", "$.devices[0].device.type") in {(f.rule, f.path) for f in found}


@given(_with_keys_miscased())
def test_check_through_the_folding_path_finds_what_the_facts_reader_finds(document: Any) -> None:
    text = json.dumps(document, indent=1)
    assert check(text, "go-runtime") == _check_without_folding(text)


@given(data=st.data())
def test_check_of_mutated_miscased_documents_is_that_of_the_facts_reader(
    data: st.DataObject,
) -> None:
    """Whatever the folding path takes or leaves, check finds what the facts reader finds
    (it once raised TypeError on a device type that was an object)."""
    document = data.draw(mutated_documents(2))
    if isinstance(document, dict) and isinstance(document.get("devices"), list):
        document["devices"] = document["devices"] + _padding(data.draw(st.integers(0, 3)))
    text = json.dumps(data.draw(_miscased(document)))
    assert check(text, "go-runtime") == _check_without_folding(text)


def _check_without_folding(text: str) -> list[Finding]:
    """``check(text, "go-runtime")`` with the folding path switched off."""
    original = facts._read_folded
    facts._read_folded = lambda value: None
    try:
        return check(text, "go-runtime")
    finally:
        facts._read_folded = original
