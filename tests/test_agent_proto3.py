"""The agent types' canonical proto3 JSON: names, enums, 64-bit integers, defaults, errors.

JSON names are written by hand from the proto field names of the format
reference and the protobuf JSON mapping (lowerCamelCase: underscores dropped,
the next letter upper-cased), never taken from the code under test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import danmodel
from danmodel import agent
from danmodel.agent import AgentDevice, ARPNeighbor, Interface, IPAddress, IPFamily, Network, Route


@pytest.mark.parametrize(
    ("proto", "json_name"),
    [
        ("raw_flags", "rawFlags"),
        ("IPAddresses", "IPAddresses"),
        ("hwAddr", "hwAddr"),
        ("toIPAddress", "toIPAddress"),
        ("devicePath", "devicePath"),
        ("mtu", "mtu"),
    ],
)
def test_json_names(proto: str, json_name: str) -> None:
    assert agent.json_name(proto) == json_name


INTERFACE = Interface(
    device="eth0",
    name="eth0",
    IPAddresses=[
        IPAddress(family=IPFamily.v4, address="10.10.0.5", mask="24"),
        IPAddress(family=IPFamily.v6, address="2001:db8::5", mask="64"),
    ],
    mtu=1500,
    hwAddr="0a:58:0a:0a:00:05",
    raw_flags=0x80,
)


def test_proto3_writes_json_names_enum_names_64_bit_strings_and_leaves_defaults_out() -> None:
    assert agent.to_dict(INTERFACE, format="proto3") == {
        "device": "eth0",
        "name": "eth0",
        "IPAddresses": [
            {"address": "10.10.0.5", "mask": "24"},
            {"family": "v6", "address": "2001:db8::5", "mask": "64"},
        ],
        "mtu": "1500",
        "hwAddr": "0a:58:0a:0a:00:05",
        "rawFlags": 128,
    }
    assert agent.to_dict(Route(family=IPFamily.v6, scope=253), format="proto3") == {
        "scope": 253,
        "family": "v6",
    }
    # a message field that is set is written, even when all its fields are defaults
    assert agent.to_dict(ARPNeighbor(toIPAddress=IPAddress(), state=-1), format="proto3") == {
        "toIPAddress": {},
        "state": -1,
    }
    assert agent.to_dict(Network(), format="proto3") == {}
    assert agent.dumps(Route(dest="10.0.0.0/8"), format="proto3") == (
        '{\n  "dest": "10.0.0.0/8"\n}\n'
    )


def test_the_go_form_is_unchanged() -> None:
    data = agent.to_dict(INTERFACE)
    assert data["raw_flags"] == 128
    assert data["mtu"] == 1500
    assert data["IPAddresses"][1]["family"] == 1
    assert data == agent.to_dict(INTERFACE, format="go")


def test_proto3_reads_what_the_mapping_allows() -> None:
    text = json.dumps(
        {
            "device": "eth0",
            "IPAddresses": [{"family": 1, "address": "::1", "mask": "128"}, {"family": "v4"}],
            "mtu": 9000,
            "hwAddr": None,
            "raw_flags": "128",
            "type": "vfio",
        }
    )
    assert agent.loads(text, Interface, format="proto3") == Interface(
        device="eth0",
        IPAddresses=[IPAddress(family=IPFamily.v6, address="::1", mask="128"), IPAddress()],
        mtu=9000,
        raw_flags=128,
        type="vfio",
    )
    route = agent.from_dict(
        {"family": "v6", "scope": 253.0, "flags": "4", "mtu": None}, Route, format="proto3"
    )
    assert route == Route(family=IPFamily.v6, scope=253, flags=4)
    neighbor = agent.from_dict({"toIPAddress": None, "state": "-2"}, ARPNeighbor, format="proto3")
    assert neighbor == ARPNeighbor(state=-2)
    assert (
        agent.loads('{"mtu": "18446744073709551615"}', Interface, format="proto3").mtu == 2**64 - 1
    )


def test_proto3_problems_are_listed_in_document_order_labelled_agent_message() -> None:
    text = json.dumps(
        {
            "routes": [{"bogus": 1, "family": "v9", "scope": "0x10"}],
            "interfaces": [{"rawFlags": 1, "raw_flags": 2, "mtu": "1e3", "hwadr": ""}],
            "neighbors": [{"state": 2**31, "flags": 1.5, "toIPAddress": {"family": True}}],
        }
    )
    with pytest.raises(danmodel.ValidationError) as error:
        agent.loads(text, format="proto3")
    assert [(p.path, p.message) for p in error.value.errors] == [
        ("$.routes[0].bogus", 'unknown key "bogus"'),
        (
            "$.routes[0].family",
            'expected an IP family, "v4", "v6" or its number, found the string \'v9\'',
        ),
        ("$.routes[0].scope", "expected an unsigned 32-bit integer, found the string '0x10'"),
        ("$.interfaces[0].raw_flags", '"raw_flags" and "rawFlags" name the same field'),
        ("$.interfaces[0].mtu", "expected an unsigned 64-bit integer, found the string '1e3'"),
        ("$.interfaces[0].hwadr", 'unknown key "hwadr" (did you mean "hwAddr"?)'),
        (
            "$.neighbors[0].state",
            "expected a signed 32-bit integer (-2147483648 to 2147483647), found 2147483648",
        ),
        ("$.neighbors[0].flags", "expected a signed 32-bit integer, found the number 1.5"),
        (
            "$.neighbors[0].toIPAddress.family",
            "expected an IP family number, 0 (v4) or 1 (v6), found true",
        ),
    ]
    assert str(error.value).startswith("9 problems in agent message:")


def test_the_go_form_refuses_proto3_spellings() -> None:
    with pytest.raises(danmodel.ValidationError) as error:
        agent.loads('{"rawFlags": 1, "mtu": "1500"}', Interface)
    assert [p.path for p in error.value.errors] == ["$.rawFlags", "$.mtu"]


def test_unknown_formats_are_refused() -> None:
    with pytest.raises(ValueError, match="expected a format, one of go, proto3, found 'json'"):
        agent.dumps(Route(), format="json")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expected a format"):
        agent.loads("{}", format="yaml")  # type: ignore[call-overload]


# --- properties: every agent type round-trips through both forms ---------------------------------

_TEXT = st.text(max_size=8)
_UINT32 = st.integers(0, 2**32 - 1)
_INT32 = st.integers(-(2**31), 2**31 - 1)
_FAMILIES = st.sampled_from(IPFamily)
_ADDRESSES = st.builds(IPAddress, family=_FAMILIES, address=_TEXT, mask=_TEXT)
_INTERFACES = st.builds(
    Interface,
    device=_TEXT,
    name=_TEXT,
    IPAddresses=st.lists(_ADDRESSES, max_size=3),
    mtu=st.integers(0, 2**64 - 1),
    hwAddr=_TEXT,
    devicePath=_TEXT,
    type=_TEXT,
    raw_flags=_UINT32,
)
_ROUTES = st.builds(
    Route,
    dest=_TEXT,
    gateway=_TEXT,
    device=_TEXT,
    source=_TEXT,
    scope=_UINT32,
    family=_FAMILIES,
    flags=_UINT32,
    mtu=_UINT32,
)
_NEIGHBORS = st.builds(
    ARPNeighbor,
    toIPAddress=st.none() | _ADDRESSES,
    device=_TEXT,
    lladdr=_TEXT,
    state=_INT32,
    flags=_INT32,
)
_DEVICES = st.builds(
    AgentDevice,
    interface=_INTERFACES,
    routes=st.lists(_ROUTES, max_size=3),
    neighbors=st.lists(_NEIGHBORS, max_size=3),
)
_NETWORKS = st.builds(
    Network,
    interfaces=st.lists(_INTERFACES, max_size=2),
    routes=st.lists(_ROUTES, max_size=3),
    neighbors=st.lists(_NEIGHBORS, max_size=3),
)
_ANY = st.one_of(_ADDRESSES, _INTERFACES, _ROUTES, _NEIGHBORS, _DEVICES, _NETWORKS)


@given(_ANY, st.sampled_from(agent.FORMATS))
def test_every_agent_type_round_trips(obj: Any, format: agent.Format) -> None:
    text = agent.dumps(obj, format=format)
    assert agent.loads(text, type(obj), format=format) == obj
    assert agent.dumps(agent.loads(text, type(obj), format=format), format=format) == text


def _integers_as_strings(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _integers_as_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integers_as_strings(item) for item in value]
    if type(value) is int:
        return str(value)
    return value


def _enums_as_numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: {"v4": 0, "v6": 1}[item] if key == "family" else _enums_as_numbers(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_enums_as_numbers(item) for item in value]
    return value


@given(_ANY)
def test_proto3_readers_accept_every_spelling_of_a_value(obj: Any) -> None:
    data = agent.to_dict(obj, format="proto3")
    for spelled in (_integers_as_strings(data), _enums_as_numbers(data)):
        assert agent.from_dict(spelled, type(obj), format="proto3") == obj
