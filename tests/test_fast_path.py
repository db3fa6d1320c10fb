"""The loader's fast path agrees with the detailed reader.

``loads`` first tries a reader that builds no error context
(``danmodel._fast_reader``) and falls back to the detailed reader when anything is
not plainly valid. The fast path must never accept a document the detailed
reader refuses, and must build the same objects when both accept.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import danmodel
import danmodel._fast_reader
import danmodel._fields
from danmodel import MacAddress, strategies, v1, v2
from danmodel._fast_reader import Invalid, fast_reader
from danmodel._fields import FAILED, Object, Reader
from test_schema_agreement import mutated_documents

_ROOTS = {1: Object(v1.DanConfig), 2: Object(v2.DanConfig)}


@pytest.fixture(autouse=True)
def _generated(monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated readers, also for the first small documents (see the cold tests below)."""
    monkeypatch.setattr(danmodel._fast_reader, "COLD_DOCUMENTS", 0)


def _detailed(document: object, revision: int) -> object:
    """The detailed reader's result: a config, or FAILED when it reports any problem."""
    reader = Reader(strict=True)
    result = _ROOTS[revision].read(document, "$", reader)
    return FAILED if reader.problems else result


def _fast_reader(document: object, revision: int) -> object:
    try:
        return fast_reader(_ROOTS[revision])(document)
    except (Invalid, ValueError):
        return FAILED


def _without_drawn_macs(config: Any, document: Any) -> Any:
    """The config with the guest MACs the loader drew at random (key missing) zeroed."""
    zero = MacAddress(bytes(6))
    devices = [
        device if "guest_mac" in entry else attrs.evolve(device, guest_mac=zero)
        for device, entry in zip(config.devices, document["devices"], strict=True)
    ]
    return attrs.evolve(config, devices=devices)


def assert_fast_agrees(document: object, revision: int) -> None:
    detailed = _detailed(document, revision)
    fast = _fast_reader(document, revision)
    if detailed is FAILED:
        assert fast is FAILED, f"the fast path accepted what the detailed reader refuses: {fast!r}"
    elif fast is not FAILED:
        assert type(fast) is type(detailed)
        assert _without_drawn_macs(fast, document) == _without_drawn_macs(detailed, document)


@pytest.mark.parametrize("revision", [1, 2])
@given(data=st.data())
def test_valid_documents_take_the_fast_path(revision: int, data: st.DataObject) -> None:
    config = data.draw(strategies.dan_configs(revision))
    document = json.loads(danmodel.dumps(config))
    assert _fast_reader(document, revision) == config
    assert _detailed(document, revision) == config


@pytest.mark.parametrize("revision", [1, 2])
@given(data=st.data())
def test_mutated_documents_never_pass_only_the_fast_path(
    revision: int, data: st.DataObject
) -> None:
    document = data.draw(mutated_documents(revision))
    assert_fast_agrees(document, revision)


@pytest.mark.parametrize(
    "document",
    [
        {"devices": [], "netns": ""},  # netns must not be empty
        {"devices": [], "extra": 1},  # unknown key
        {"devices": ()},  # a tuple is not a JSON array
        {"devices": [{"name": "eth0"}]},  # required keys missing
        {"netns": None},  # devices missing
        [],
    ],
)
def test_small_refusals(document: Any) -> None:
    assert _fast_reader(document, 2) is FAILED
    assert _detailed(document, 2) is FAILED


def test_shared_devices_fall_back_to_the_detailed_errors() -> None:
    device = {
        "name": "eth0",
        "guest_mac": "02:00:00:00:00:01",
        "device": {"type": "host-tap", "tap_name": "tap0"},
        "network_info": {"interface": {"ip_addresses": ["10.0.0.2/24"]}},
    }
    text = json.dumps({"devices": [device, device]})
    with pytest.raises(danmodel.ValidationError) as caught:
        danmodel.loads(text)
    assert [problem.path for problem in caught.value.errors] == [
        "$.devices[1].name",
        "$.devices[1].device.tap_name",
    ]


def test_defaults_and_factories_apply() -> None:
    document = {
        "devices": [
            {
                "name": "eth0",
                "device": {"type": "vfio", "pci_device_id": "0000:85:02.5"},
                "network_info": {"interface": {"ip_addresses": []}},
            }
        ]
    }
    config = fast_reader(_ROOTS[2])(document)
    assert isinstance(config, v2.DanConfig)
    device = config.devices[0]
    assert device.network_info.interface.mtu == 1500
    assert device.network_info.routes == ()
    assert device.guest_mac.is_locally_administered
    assert device.guest_mac.is_unicast
    assert config.netns is None


# --- generated code ----------------------------------------------------------------------------


def _model_classes() -> list[type]:
    from danmodel import agent

    return [
        getattr(module, name)
        for module in (v1, v2, agent)
        for name in module.__all__
        if attrs.has(getattr(module, name))
    ]


@pytest.mark.parametrize(
    "cls", _model_classes(), ids=lambda cls: f"{cls.__module__}.{cls.__name__}"
)
def test_every_model_class_has_a_fast_reader(cls: type) -> None:
    # Generating the reader refuses attrs features it would skip: a model class that
    # gains one fails here, not silently in production.
    assert callable(fast_reader(Object(cls)))


def _with_extra_validator() -> type:
    @attrs.frozen
    class Strange:
        name: str = attrs.field(metadata=danmodel._fields.meta(danmodel._fields.STRING, "x"))

        @name.validator
        def _never_empty(self, attribute: object, value: str) -> None:
            if not value:
                raise ValueError("empty")

    return Strange


def _with_pre_init() -> type:
    @attrs.frozen(field_transformer=danmodel._fields.validate_by_field)
    class Strange:
        name: str = attrs.field(metadata=danmodel._fields.meta(danmodel._fields.STRING, "x"))

        def __attrs_pre_init__(self) -> None:
            pass

    return Strange


@pytest.mark.parametrize(
    ("make", "what"),
    [(_with_extra_validator, "a validator other than"), (_with_pre_init, "__attrs_pre_init__")],
)
def test_attrs_features_the_fast_reader_would_skip_are_refused(make: Any, what: str) -> None:
    from danmodel._fast_reader import UnsupportedModel

    with pytest.raises(UnsupportedModel, match=what):
        fast_reader(Object(make()))


def test_generated_code_shows_its_lines_in_tracebacks() -> None:
    import linecache
    import traceback

    class Boom(Exception):
        pass

    def explode(value: object) -> object:
        raise Boom

    @attrs.frozen(field_transformer=danmodel._fields.validate_by_field)
    class Odd:
        name: str = attrs.field(
            metadata=danmodel._fields.meta(
                danmodel._fields.Leaf("odd", explode, lambda value: True), "x"
            )
        )

    with pytest.raises(Boom) as caught:
        fast_reader(Object(Odd))({"name": "x"})
    frames = [frame for frame in traceback.extract_tb(caught.tb) if "fast reader" in frame.filename]
    assert frames, "no frame of the generated reader"
    assert frames[0].line == "item = read_0(item)"
    line = linecache.getline(frames[0].filename, frames[0].lineno or 0)
    assert line.strip() == frames[0].line


# --- the first small documents: the detailed reader ---------------------------------------------


@pytest.mark.parametrize("revision", [1, 2])
@given(data=st.data())
def test_cold_readers_agree_with_the_generated_ones(revision: int, data: st.DataObject) -> None:
    import danmodel._fast_reader as module

    document = data.draw(mutated_documents(revision))
    compiled = _fast_reader(document, revision)
    cold = module._Cold(_ROOTS[revision])
    try:
        found: object = cold(document)
    except (Invalid, ValueError):
        found = FAILED
    if compiled is FAILED or found is FAILED:
        assert found is _detailed(document, revision) or found is FAILED
        assert (found is FAILED) == (_detailed(document, revision) is FAILED)
    else:
        assert _without_drawn_macs(found, document) == _without_drawn_macs(compiled, document)


def test_a_root_reads_small_documents_cold_then_generates(monkeypatch: pytest.MonkeyPatch) -> None:
    import danmodel._fast_reader as module

    monkeypatch.setattr(module, "COLD_DOCUMENTS", 2)
    monkeypatch.setattr(module, "_READERS", {})
    monkeypatch.setattr(module, "_COLD", {})
    root = Object(v2.DanConfig)
    device = {
        "name": "eth0",
        "device": {"type": "vfio", "pci_device_id": "0000:85:02.5"},
        "network_info": {"interface": {"ip_addresses": ["10.0.0.5/24"]}},
    }
    small = {"devices": [device]}
    reader = fast_reader(root)
    assert isinstance(reader, module._Cold)
    for _ in range(2):
        config: Any = reader(small)
        assert config.devices[0].name == "eth0"
        assert not module._READERS
    devices = [
        {
            **device,
            "name": f"eth{i}",
            "device": {"type": "vfio", "pci_device_id": f"0000:85:0{i}.5"},
        }
        for i in range(module.COLD_SIZE + 1)
    ]
    large = {"devices": devices}
    config = reader(large)
    assert len(config.devices) == module.COLD_SIZE + 1
    assert module._READERS  # generated for the large one
    assert fast_reader(root) is module._READERS[v2.DanConfig, None]
    with pytest.raises(Invalid):
        module._Cold(root)({"devices": [], "netns": ""})
