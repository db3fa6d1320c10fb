"""Model constructors take each value's JSON text form as well as the typed value.

``Route(dest="10.0.0.0/8")`` is ``Route(dest=parse_network("10.0.0.0/8"))``; what the
loader refuses, the constructor refuses with the same message, at ``Class.field``.
"""

from __future__ import annotations

import json
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address
from typing import Any

import attrs
import pytest
from hypothesis import given

import danmodel
from builders import device_data, network_info_data
from danmodel import (
    DanConfig,
    DanDevice,
    HostTap,
    Interface,
    MacAddress,
    Neighbor,
    NetworkInfo,
    Route,
    strategies,
    v1,
)
from danmodel._fields import FIELD, Array, Nullable, Object, Tagged


def test_the_examples_people_try_first() -> None:
    interface = Interface(ip_addresses=["10.0.0.5/24"])
    assert interface.ip_addresses == (IPv4Interface("10.0.0.5/24"),)
    route = Route(dest="10.0.0.0/8", gateway="10.0.0.1")
    assert route.dest == IPv4Network("10.0.0.0/8")
    assert route.gateway == IPv4Address("10.0.0.1")
    assert attrs.evolve(route, gateway="10.0.0.254").gateway == IPv4Address("10.0.0.254")
    neighbor = Neighbor(ip_address="10.0.0.1", hardware_addr="02:00:00:00:00:01", state=128)
    assert neighbor.ip_address == IPv4Address("10.0.0.1")
    assert neighbor.hardware_addr == MacAddress.parse("02:00:00:00:00:01")
    assert Neighbor(ip_address="10.0.0.1/32").ip_address == IPv4Interface("10.0.0.1/32")
    device = DanDevice(
        name="eth0",
        guest_mac="0a:58:0a:0a:00:05",
        device=HostTap(tap_name="tap0"),
        network_info=NetworkInfo(interface=interface, routes=[route], neighbors=[neighbor]),
    )
    assert device.guest_mac == MacAddress.parse("0a:58:0a:0a:00:05")
    assert Route(dest="", gateway="", source="") == Route()
    assert Neighbor(hardware_addr="") == Neighbor()


def test_typed_values_pass_through_unchanged_and_lists_become_tuples() -> None:
    address = IPv4Interface("10.0.0.5/24")
    gateway = IPv6Address("fe80::1")
    interface = Interface(ip_addresses=[address])
    assert type(interface.ip_addresses) is tuple
    assert interface.ip_addresses[0] is address
    assert Route(gateway=gateway).gateway is gateway
    assert NetworkInfo(interface=interface, routes=[Route()]).routes == (Route(),)


def _loader_problem(document: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(danmodel.ValidationError) as caught:
        danmodel.from_dict(document)
    (problem,) = caught.value.errors
    return problem.path, problem.message


def _device(**network_info: Any) -> dict[str, Any]:
    return device_data(network_info=network_info_data(**network_info))


@pytest.mark.parametrize(
    ("build", "document", "where"),
    [
        (
            lambda: Route(dest="10.0.0.1/8"),
            {"devices": [_device(routes=[{"dest": "10.0.0.1/8"}])]},
            "Route.dest",
        ),
        (
            lambda: Route(gateway="10.0.0.1/8"),
            {"devices": [_device(routes=[{"gateway": "10.0.0.1/8"}])]},
            "Route.gateway",
        ),
        (
            lambda: Interface(ip_addresses=["10.0.0.1"]),
            {"devices": [_device(interface={"ip_addresses": ["10.0.0.1"]})]},
            "Interface.ip_addresses[0]",
        ),
        (
            lambda: Neighbor(hardware_addr="02:00:00:00:00"),
            {"devices": [_device(neighbors=[{"hardware_addr": "02:00:00:00:00"}])]},
            "Neighbor.hardware_addr",
        ),
        (
            lambda: Neighbor(ip_address="fe80::1%eth0"),
            {"devices": [_device(neighbors=[{"ip_address": "fe80::1%eth0"}])]},
            "Neighbor.ip_address",
        ),
    ],
)
def test_the_constructor_refuses_what_the_loader_refuses_with_its_message(
    build: Any, document: dict[str, Any], where: str
) -> None:
    with pytest.raises(danmodel.ValidationError) as caught:
        build()
    (problem,) = caught.value.errors
    loader_path, loader_message = _loader_problem(document)
    assert problem.path == where
    assert loader_path.endswith(where.partition(".")[2])
    assert problem.message == loader_message


def test_a_bad_guest_mac_text_gets_the_loaders_message() -> None:
    document = {"devices": [dict(_device(), guest_mac="xx:xx:xx:xx:xx")]}
    _, loader_message = _loader_problem(document)
    with pytest.raises(danmodel.ValidationError) as caught:
        DanDevice(
            name="eth0",
            guest_mac="xx:xx:xx:xx:xx",
            device=HostTap(tap_name="tap0"),
            network_info=NetworkInfo(interface=Interface(ip_addresses=[])),
        )
    assert [(p.path, p.message) for p in caught.value.errors] == [
        ("DanDevice.guest_mac", loader_message)
    ]


def _from_text(cls: type, data: dict[str, Any], tag: str | None = None) -> Any:
    """Build ``cls`` from its JSON form by calling constructors, nested objects first."""
    kwargs = {}
    for field in attrs.fields(cls):
        if field.name not in data:
            continue
        kwargs[field.name] = _value(field.metadata[FIELD], data[field.name])
    return cls(**kwargs)


def _value(kind: Any, value: Any) -> Any:
    if isinstance(kind, Nullable):
        return None if value is None else _value(kind.inner, value)
    if isinstance(kind, Object):
        return _from_text(kind.cls, value)
    if isinstance(kind, Tagged):
        variant = kind.variants[value["type"]].cls
        return _from_text(variant, {k: v for k, v in value.items() if k != "type"})
    if isinstance(kind, Array):
        return [_value(kind.item, item) for item in value]  # a list: the converter makes a tuple
    return value  # the JSON text form itself


@given(strategies.dan_configs())
def test_every_field_round_trips_text_to_constructor_to_dumps(config: DanConfig) -> None:
    text = danmodel.dumps(config)
    built = _from_text(DanConfig, json.loads(text))
    assert built == config
    assert danmodel.dumps(built) == text


@given(strategies.dan_configs(1))
def test_revision_1_fields_round_trip_too(config: v1.DanConfig) -> None:
    built = _from_text(v1.DanConfig, json.loads(danmodel.dumps(config)))
    assert built == config


def test_the_typed_example_builds_what_it_says() -> None:
    import typed_building

    config = typed_building.one_device_config()
    assert typed_building.gateway_of(config) == IPv4Address("10.0.0.1")
    assert danmodel.loads(danmodel.dumps(config)) == config
    assert len(typed_building.mixed().ip_addresses) == 2


def test_mypy_sees_the_text_forms_and_still_refuses_other_types(tmp_path: Any) -> None:
    from mypy import api

    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        "from danmodel import Interface, Route\n"
        'Route(dest="10.0.0.0/8", gateway="10.0.0.1")\n'
        'Interface(ip_addresses=["10.0.0.5/24"])\n'
        "Route(dest=8)\n",
        encoding="utf-8",
    )
    out, _, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(snippet)]
    )
    assert status == 1, out
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 1, out
    assert "snippet.py:4:" in errors[0]
    assert '"dest"' in errors[0]
