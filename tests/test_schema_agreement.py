"""The schema accepts a document exactly when ``loads(strict=True)`` does.

Apart from the rules of ``danmodel.schema.INEXPRESSIBLE``: :func:`_gaps` finds,
by hand-written checks, the places where a document breaks one of them, and
the comparison then expects the loader (only) to refuse those places. Three
generators feed it: valid configs from ``danmodel.strategies``, documents the
schema itself generates (:func:`from_schema`) and mutated documents. In CI
(the ``thorough`` profile) each runs the profile's agreement budget (400) per revision.
Every document also goes to the other validators of ``test_schema_validators``
(jsonschema-rs, fastjsonschema, ajv, check-jsonschema), which must give the
same verdict.

hypothesis-jsonschema 0.23 no longer runs with current Hypothesis (it calls
``many.more()``, which Hypothesis removed), and even patched it needed minutes
for 200 of these documents; :func:`from_schema` reads the keywords this schema
uses, straight from the schema, and refuses any other keyword.
"""

from __future__ import annotations

import importlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from conftest import budget
from danmodel import ValidationError, loads, parse_interface, strategies, to_dict
from danmodel._fields import IFNAME, PCI_ADDRESS, SOCKET_PATH
from danmodel.schema import json_schema, validate
from test_schema_validators import IN_PROCESS, judge_batch, judge_generated

Draft202012Validator: Any = importlib.import_module("jsonschema").Draft202012Validator

EXAMPLES = budget("agreement")
"""Examples per generator and revision: the profile's agreement budget (tests/conftest.py)."""

_AGREEMENT = settings(
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# --- the two verdicts ----------------------------------------------------------------------


def loader_problems(document: object, revision: int) -> list[tuple[str, str]]:
    """What ``loads(strict=True)`` finds wrong: (path, message) pairs, [] when valid."""
    try:
        loads(json.dumps(document, ensure_ascii=False), revision=revision, strict=True)
    except ValidationError as error:
        return [(problem.path, problem.message) for problem in error.errors]
    return []


def schema_problems(document: object, revision: int) -> list[tuple[str, str]]:
    """What the JSON Schema (through jsonschema) finds wrong."""
    try:
        validate(document, revision=revision)
    except ValidationError as error:
        return [(problem.path, problem.message) for problem in error.errors]
    return []


# --- the inexpressible rules, checked by hand ----------------------------------------------

_NAME_REFUSED = set("/:\0\t\n\v\f\r \xa0")


def _schema_ok_name(value: object) -> bool:
    """What the schema's interface_name definition accepts (characters, not bytes)."""
    return (
        isinstance(value, str)
        and 1 <= len(value) <= 15
        and value not in (".", "..")
        and not _NAME_REFUSED.intersection(value)
    )


def _name_gap(value: object) -> bool:
    """A name the schema accepts and the kernel's byte rules refuse."""
    if not _schema_ok_name(value):
        return False
    assert isinstance(value, str)
    encoded = value.encode("utf-8")
    return len(encoded) > 15 or b"\xa0" in encoded


def _path_gap(value: object) -> bool:
    """A socket path the schema accepts (at most 107 characters) but longer than 107 bytes."""
    return (
        isinstance(value, str)
        and 1 <= len(value) <= 107
        and "\0" not in value
        and len(value.encode("utf-8")) > 107
    )


def _host_bits(value: object) -> bool:
    """A route destination that is a well-formed ip/prefix with host bits set."""
    if not isinstance(value, str):
        return False
    try:
        interface = parse_interface(value)
    except ValueError:
        return False
    return interface.ip != interface.network.network_address


_HOST_KEYS = {
    "host-tap": ("tap_name", IFNAME),
    "vhost-user": ("path", SOCKET_PATH),
    "vfio": ("pci_device_id", PCI_ADDRESS),
}


def _gaps(document: object) -> set[str]:
    """Paths where the document breaks a rule the schema cannot express.

    A value is counted only when it satisfies every rule the schema does express
    at that place, so a path here is one the loader may refuse and the schema not.
    """
    gaps: set[str] = set()
    if not isinstance(document, dict) or not isinstance(document.get("devices"), list):
        return gaps
    seen: dict[tuple[str, object], int] = {}
    for index, device in enumerate(document["devices"]):
        if not isinstance(device, dict):
            continue
        base = f"$.devices[{index}]"
        name = device.get("name")
        if _name_gap(name) or (IFNAME.check(name) is None and ("name", name) in seen):
            gaps.add(f"{base}.name")
        if isinstance(name, str):
            seen.setdefault(("name", name), index)
        host = device.get("device")
        if (
            isinstance(host, dict)
            and isinstance(host.get("type"), str)
            and host["type"] in _HOST_KEYS
        ):
            key, kind = _HOST_KEYS[host["type"]]
            value = host.get(key)
            if (
                (key == "tap_name" and _name_gap(value))
                or (key == "path" and _path_gap(value))
                or (kind.check(value) is None and (key, value) in seen)
            ):
                gaps.add(f"{base}.device.{key}")
            if isinstance(value, str):
                seen.setdefault((key, value), index)
        info = device.get("network_info")
        routes = info.get("routes") if isinstance(info, dict) else None
        for number, route in enumerate(routes if isinstance(routes, list) else ()):
            if isinstance(route, dict) and _host_bits(route.get("dest")):
                gaps.add(f"{base}.network_info.routes[{number}].dest")
    return gaps


def _integral_floats(value: object, path: str = "$") -> tuple[object, list[str]]:
    """The document with every integral float (1500.0) made an int, and where they were."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value), [path]
    if isinstance(value, list):
        items, paths = [], []
        for index, item in enumerate(value):
            new, found = _integral_floats(item, f"{path}[{index}]")
            items.append(new)
            paths += found
        return items, paths
    if isinstance(value, dict):
        entries, paths = {}, []
        for key, item in value.items():
            new, found = _integral_floats(item, f"{path}.{key}")
            entries[key] = new
            paths += found
        return entries, paths
    return value, []


def _lone_surrogates(value: object, path: str = "$") -> tuple[object, list[str]]:
    """The document with each lone surrogate in a string value made U+FFFD, and where."""
    if isinstance(value, str):
        mended = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
        return mended, [] if mended == value else [path]
    if isinstance(value, list):
        items, paths = [], []
        for index, item in enumerate(value):
            new, found = _lone_surrogates(item, f"{path}[{index}]")
            items.append(new)
            paths += found
        return items, paths
    if isinstance(value, dict):
        entries, paths = {}, []
        for key, item in value.items():
            new, found = _lone_surrogates(item, f"{path}.{key}")
            entries[key] = new
            paths += found
        return entries, paths
    return value, []


def assert_agree(
    document: object, revision: int, *, schema_revision: int | None = None
) -> Expectation:
    """The schema's verdict is the loader's, apart from the inexpressible rules.

    ``schema_revision`` pits the loader against another revision's schema (a self-test).
    Returns what any other validator of the schema must answer (see :class:`Expectation`).
    """
    schema = schema_problems(document, schema_revision or revision)
    loader = loader_problems(document, revision)
    normalized, floats = _integral_floats(document)
    normalized, surrogates = _lone_surrogates(normalized)
    # integer-spelling: JSON Schema reads 1500.0 as 1500; lone-surrogates: no portable
    # pattern names one. The loader refuses both; the schema judges the document as if
    # they were written 1500 and U+FFFD.
    if floats or surrogates:
        assert loader, (document, floats, surrogates)
        again = schema_problems(normalized, schema_revision or revision)
        assert [path for path, _ in schema] == [path for path, _ in again]
        loader = loader_problems(normalized, revision)
    spelled = bool(floats or surrogates)
    gaps = _gaps(normalized)
    expressible = [(path, message) for path, message in loader if path not in gaps]
    if not expressible:
        assert schema == [], (document, loader, schema)
        return Expectation(valid=True, spelled=spelled)
    assert schema, (document, loader)
    # Every place the loader refuses, the schema refuses too (the loader's "$" line for
    # a lone device object comes with the missing "$.devices" both report).
    schema_paths = {path for path, _ in schema}
    missed = [(path, m) for path, m in expressible if path not in schema_paths and path != "$"]
    assert not missed, (document, missed, schema)
    return Expectation(valid=False, spelled=spelled)


@dataclass(frozen=True)
class Expectation:
    """What a validator of the schema must say of a document, by :func:`assert_agree`.

    ``valid``: the verdict the schema's rules give. ``spelled``: the document holds an
    integral float or a lone surrogate, which the loader refuses and the schema cannot
    see; a validator that does refuse such a document (reading 1500.0 as a non-integer,
    say) agrees with the loader, so that answer is allowed too.
    """

    valid: bool
    spelled: bool

    def allows(self, verdict: bool) -> bool:
        """Whether a validator's verdict (True: valid) is one the rules allow."""
        return verdict == self.valid or (self.spelled and not verdict)


# --- generator 1: valid configs from danmodel.strategies -------------------------------------


@pytest.mark.parametrize("revision", [1, 2])
def test_strategy_configs_agree(revision: int, tmp_path: Path) -> None:
    batch: list[tuple[object, Callable[[bool], bool]]] = []

    @_AGREEMENT
    @given(strategies.dan_configs(revision))
    def check(config: Any) -> None:
        document = to_dict(config)
        assert loader_problems(document, revision) == []
        assert schema_problems(document, revision) == []
        expectation = Expectation(valid=True, spelled=False)
        judge_generated(document, revision, expectation.allows)
        batch.append((document, expectation.allows))

    check()
    judge_batch(revision, batch, tmp_path)


# --- generator 2: documents the schema generates ---------------------------------------------

_ANNOTATIONS = {"$schema", "$id", "$comment", "$defs", "title", "description", "default"}
_HANDLED = {
    "$ref",
    "anyOf",
    "allOf",
    "const",
    "enum",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "not",
}


def from_schema(
    schema: Mapping[str, Any], root: Mapping[str, Any] | None = None
) -> SearchStrategy[Any]:
    """Documents valid under ``schema``, read from its keywords."""
    root = schema if root is None else root
    unknown = set(schema) - _ANNOTATIONS - _HANDLED
    assert not unknown, f"from_schema does not know {sorted(unknown)}: extend it"
    if "$ref" in schema:
        prefix = "#/$defs/"
        assert schema["$ref"].startswith(prefix)
        return from_schema(root["$defs"][schema["$ref"][len(prefix) :]], root)
    if "anyOf" in schema:
        return st.one_of([from_schema(option, root) for option in schema["anyOf"]])
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "allOf" in schema:  # the device union: each "then" is a whole variant, tag included
        variants = []
        for case in schema["allOf"]:
            assert set(case) == {"if", "then"}
            variants.append(from_schema(case["then"], root))
        return st.one_of(variants)
    kind = schema["type"]
    if kind == "null":
        return st.none()
    if kind == "integer":
        return st.integers(schema["minimum"], schema["maximum"])
    if kind == "array":
        return st.lists(from_schema(schema["items"], root), max_size=2)
    if kind == "string":
        lengths = schema.get("minLength", 0), schema.get("maxLength", math.inf)
        strings = (
            st.from_regex(schema["pattern"], fullmatch=True) if "pattern" in schema else st.text()
        )
        refused = Draft202012Validator(schema["not"]) if "not" in schema else None
        return strings.filter(
            lambda s: (
                lengths[0] <= len(s) <= lengths[1] and (refused is None or not refused.is_valid(s))
            )
        )
    assert kind == "object", kind
    assert schema["additionalProperties"] is False
    required = {
        key: from_schema(value, root)
        for key, value in schema["properties"].items()
        if key in schema["required"]
    }
    optional = {
        key: from_schema(value, root)
        for key, value in schema["properties"].items()
        if key not in schema["required"]
    }
    return st.fixed_dictionaries(required, optional=optional)


@pytest.mark.parametrize("revision", [1, 2])
def test_schema_generated_documents_agree(revision: int, tmp_path: Path) -> None:
    batch: list[tuple[object, Callable[[bool], bool]]] = []

    @_AGREEMENT
    @given(from_schema(json_schema(revision)))
    def check(document: Any) -> None:
        assert schema_problems(document, revision) == []
        expectation = assert_agree(document, revision)
        judge_generated(document, revision, expectation.allows)
        batch.append((document, expectation.allows))

    check()
    judge_batch(revision, batch, tmp_path)


# --- generator 3: mutated documents ---------------------------------------------------------

_NEAR_VALID_TEXT = [
    "",
    " ",
    "eth0",
    "eth0\n",
    ".",
    "..",
    "...",
    "a/b",
    "a:b",
    "a b",
    "a\u00a0b",
    "\u00e0",
    "\u00e9" * 8,
    "x" * 15,
    "x" * 16,
    "/run/vhost.sock",
    "/" + "s" * 106,
    "/" + "s" * 107,
    "\u00e9" * 60,
    "a\0b",
    "00:11:22:33:44:55",
    "AA:bb:CC:dd:EE:ff",
    "00-11-22-33-44-55",
    "0:1:2:3:4:5",
    "xx:xx:xx:xx:xx",
    "00:11:22:33:44:55\n",
    "0000:85:02.5",
    "0000:85:1f.7",
    "0000:85:20.0",
    "0000:85:02.8",
    "0000:85:02.A",
    "ffff:ff:1f.7",
    "10.0.0.1",
    "10.0.0.256",
    "010.0.0.1",
    "10.0.0",
    "10.0.0.1/24",
    "10.0.0.0/24",
    "10.0.0.1/33",
    "10.0.0.1/08",
    "10.0.0.1/",
    "0.0.0.0/0",
    "::",
    "::/0",
    "::1",
    "fe80::1%eth0",
    "::ffff:10.0.0.1",
    "::ffff:10.0.0.1/128",
    "1:2:3:4:5:6:7::",
    "::1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8:9",
    "1::2::3",
    "1:2:3:4:5:6:1.2.3.4",
    "1:2:3:4:5:6:7:1.2.3.4",
    "1:2:3:4:5::1.2.3.4",
    "1:2:3:4:5:6::1.2.3.4",
    "12345::",
    "2001:db8::/32",
    "2001:db8::1/64",
    "2001:db8::/129",
    "2001:db8::/032",
    "host-tap",
    "vhost-user",
    "vfio",
    "tap",
    "\ud800",
]
_JSON_SCALARS = st.one_of(
    st.sampled_from(_NEAR_VALID_TEXT),
    st.sampled_from([None, True, False, 0, 1, -1, 1.0, 1500.0, 1.5, 2**31, 2**32 - 1, 2**32]),
    st.sampled_from([2**63, 2**64 - 1, 2**64, 10**30, 1e300, -0.0]),
    st.text(max_size=20),
    st.text(st.sampled_from("0123456789abcdefABCDEF:./%"), max_size=45),
    st.integers(),
)
_JSON_VALUES = st.one_of(
    _JSON_SCALARS,
    st.lists(_JSON_SCALARS, max_size=3),
    st.dictionaries(st.sampled_from(["type", "name", "x", "Neighbors"]), _JSON_SCALARS, max_size=3),
)
_KEYS = st.sampled_from(
    ["flags", "mtu", "type", "name", "path", "Neighbors", "neighbours", "device", "extra", "\x07"]
)


def _places(value: object, places: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in a document, in document order."""
    if isinstance(value, dict):
        for key, item in value.items():
            places.append((value, key))
            _places(item, places)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            places.append((value, index))
            _places(item, places)
    return places


_BASES = {
    revision: strategies.dan_configs(revision, min_devices=1, max_devices=2) for revision in (1, 2)
}


@st.composite
def mutated_documents(draw: st.DrawFn, revision: int) -> object:
    """A valid document (maybe of the other revision) with one to three changes."""
    config = draw(_BASES[revision] if revision == 2 else st.one_of(_BASES[1], _BASES[2]))
    document: Any = to_dict(config)
    for _ in range(draw(st.integers(1, 3))):
        places = _places(document, [])
        if not places:
            break
        operation = draw(st.sampled_from(["replace", "replace", "delete", "add", "copy", "root"]))
        container, key = draw(st.sampled_from(places))
        if operation == "replace":
            container[key] = draw(_JSON_VALUES)
        elif operation == "delete":
            del container[key]
        elif operation == "add" and isinstance(container, dict):
            container[draw(_KEYS)] = draw(_JSON_VALUES)
        elif operation == "copy" and isinstance(container, list):  # two equal devices, ...
            container.append(json.loads(json.dumps(container[key])))
        elif operation == "root":
            document = draw(st.sampled_from([document.get("devices"), {"devices": document}]))
            break
    return document


@pytest.mark.parametrize("revision", [1, 2])
def test_mutated_documents_agree(revision: int, tmp_path: Path) -> None:
    batch: list[tuple[object, Callable[[bool], bool]]] = []

    @_AGREEMENT
    @given(mutated_documents(revision))
    def check(document: object) -> None:
        expectation = assert_agree(document, revision)
        judge_generated(document, revision, expectation.allows)
        batch.append((document, expectation.allows))

    check()
    judge_batch(revision, batch, tmp_path)


# --- the exclusions are real, and only where the rules say --------------------------------

_DEVICE = {
    "name": "eth0",
    "guest_mac": "02:00:00:00:00:01",
    "device": {"type": "host-tap", "tap_name": "tap0"},
    "network_info": {"interface": {"ip_addresses": ["10.0.0.2/24"]}},
}


def _config(**changes: Any) -> dict[str, Any]:
    device = json.loads(json.dumps(_DEVICE))
    device.update(changes)
    return {"devices": [device]}


@pytest.mark.parametrize(
    ("document", "gap"),
    [
        pytest.param(
            {"devices": [_DEVICE, {**_DEVICE, "name": "eth1"}]},
            "$.devices[1].device.tap_name",
            id="unique-devices (tap name)",
        ),
        pytest.param(
            {"devices": [_DEVICE, {**_DEVICE, "device": {"type": "host-tap", "tap_name": "t1"}}]},
            "$.devices[1].name",
            id="unique-devices (guest name)",
        ),
        pytest.param(
            _config(
                network_info={"interface": {"ip_addresses": []}, "routes": [{"dest": "10.1.2.3/8"}]}
            ),
            "$.devices[0].network_info.routes[0].dest",
            id="network-host-bits",
        ),
        pytest.param(_config(name="\u00e9" * 8), "$.devices[0].name", id="utf8 16 bytes"),
        pytest.param(_config(name="\u00e0"), "$.devices[0].name", id="utf8 0xa0 byte"),
        pytest.param(
            _config(device={"type": "vhost-user", "path": "/" + "\u00e9" * 60}),
            "$.devices[0].device.path",
            id="socket path bytes",
        ),
    ],
)
def test_each_gap_is_refused_by_the_loader_only(document: object, gap: str) -> None:
    assert _gaps(document) == {gap}
    assert [path for path, _ in loader_problems(document, 2)] == [gap]
    assert schema_problems(document, 2) == []
    assert_agree(document, 2)


def test_integral_floats_are_refused_by_the_loader_only() -> None:
    document = _config(network_info={"interface": {"ip_addresses": [], "mtu": 1500.0}})
    assert [path for path, _ in loader_problems(document, 2)] == [
        "$.devices[0].network_info.interface.mtu"
    ]
    assert schema_problems(document, 2) == []
    assert_agree(document, 2)


def test_a_gap_value_that_also_breaks_an_expressible_rule_is_no_gap() -> None:
    # 16 bytes and a space: the schema refuses the space, so both must refuse.
    document = _config(name="\u00e9" * 7 + " ")
    assert _gaps(document) == set()
    assert schema_problems(document, 2)
    assert_agree(document, 2)


def test_the_comparison_notices_a_disagreement() -> None:
    # Revision 1's loader refuses a route mtu that revision 2's schema accepts.
    document = _config(network_info={"interface": {"ip_addresses": []}, "routes": [{"mtu": 1}]})
    assert_agree(document, 1)
    assert_agree(document, 2)
    with pytest.raises(AssertionError):
        assert_agree(document, 1, schema_revision=2)


def test_lone_surrogates_are_refused_by_the_loader_only() -> None:
    document = {**_config(name="eth\ud800"), "netns": "\udfff"}
    assert sorted(path for path, _ in loader_problems(document, 2)) == [
        "$.devices[0].name",
        "$.netns",
    ]
    assert schema_problems(document, 2) == []
    assert assert_agree(document, 2) == Expectation(valid=True, spelled=True)
    # Next to an error the schema sees, the document is refused by both.
    document["devices"][0]["guest_mac"] = "02:00:00:00:00:01\n"
    assert assert_agree(document, 2) == Expectation(valid=False, spelled=True)


def test_the_comparison_notices_a_validator_that_disagrees() -> None:
    # Revision 1 has no route mtu: every validator of revision 2's schema says valid.
    document = _config(network_info={"interface": {"ip_addresses": []}, "routes": [{"mtu": 1}]})
    expectation = assert_agree(document, 1)
    assert expectation == Expectation(valid=False, spelled=False)
    for name, (make, editions) in IN_PROCESS.items():
        for edition in editions:
            assert make(1, edition)(document) is False, (name, edition)
            answer = make(2, edition)(document)
            assert answer is True, (name, edition)
            assert not expectation.allows(answer)
    with pytest.raises(AssertionError):
        judge_generated(document, 2, expectation.allows)
    # A document the schema cannot judge (1500.0) may be refused, never the other way.
    floats = _config(network_info={"interface": {"ip_addresses": [], "mtu": 1500.0}})
    expectation = assert_agree(floats, 2)
    assert expectation == Expectation(valid=True, spelled=True)
    assert expectation.allows(True)
    assert expectation.allows(False)
    assert not Expectation(valid=False, spelled=True).allows(True)
