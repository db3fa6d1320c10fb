"""Revision 1 and the kernel enums are imported on first use, and everything still reaches them.

``import danmodel`` loads neither :mod:`danmodel.v1` nor :mod:`danmodel.revisions`
(docs/performance.md); each test that needs a fresh process to show it runs one.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import textwrap

import pytest

import danmodel
from danmodel import codec, revisions, v1, v2

_ONE_DEVICE = {
    "netns": None,
    "devices": [
        {
            "name": "eth0",
            "guest_mac": "0a:58:0a:00:00:05",
            "device": {"type": "host-tap", "tap_name": "tap0"},
            "network_info": {
                "interface": {"ip_addresses": ["10.0.0.5/24"]},
                "routes": [{"dest": "10.1.0.0/16", "gateway": "10.0.0.1"}],
                "neighbors": [{"ip_address": "10.0.0.1", "hardware_addr": "0a:58:0a:00:00:01"}],
            },
        }
    ],
}


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_import_danmodel_loads_no_revision_1_nor_the_registry_nor_the_enums() -> None:
    out = _run(
        """
        import sys, danmodel
        print(sorted({"danmodel.v1", "danmodel.revisions", "danmodel._kernel_enums"}
                     & set(sys.modules)))
        danmodel.loads('{"devices": []}')
        print(sorted({"danmodel.v1", "danmodel.revisions"} & set(sys.modules)))
        """
    )
    assert out.splitlines() == ["[]", "[]"]


def test_the_lazy_modules_are_attributes_of_the_package_as_before() -> None:
    out = _run(
        """
        import danmodel
        print(danmodel.revisions.LATEST, danmodel.revisions.REVISIONS[1].number)
        print(danmodel.v1.__name__, danmodel.kernel.RouteScope.__module__)
        """
    )
    assert out.splitlines() == ["2 1", "danmodel.v1 danmodel.kernel"]


def test_revision_1_is_reached_by_every_spelling_in_a_fresh_process() -> None:
    document = json.dumps(_ONE_DEVICE)
    out = _run(
        f"""
        import danmodel
        config = danmodel.loads({document!r}, revision=1)
        print(type(config).__module__, type(config).__qualname__)
        print(danmodel.v1.DanConfig is type(config))
        from danmodel import v1
        print(v1 is danmodel.v1, "v1" in dir(danmodel))
        print(danmodel.to_dict(config.devices[0].network_info.routes[0]))
        again = danmodel.downgrade(danmodel.upgrade(config))
        print(danmodel.dumps(config) == danmodel.dumps(again))
        """
    )
    assert out.splitlines() == [
        "danmodel.v1 DanConfig",
        "True",
        "True True",
        "{'dest': '10.1.0.0/16', 'gateway': '10.0.0.1', 'source': '', 'scope': 0}",
        "True",
    ]


def test_classes_of_revision_1_imported_by_the_user_are_model_classes() -> None:
    # danmodel.v1 imported directly, before the codec has seen revision 1.
    out = _run(
        """
        import danmodel.v1 as v1, danmodel
        route = v1.Route(dest=None)
        print(danmodel.to_dict(route))
        print(danmodel.from_dict({"scope": 253}, v1.Route))
        config = v1.DanConfig(devices=())
        print(repr(danmodel.dumps(config)))
        """
    )
    assert out.splitlines() == [
        "{'dest': '', 'gateway': '', 'source': '', 'scope': 0}",
        "Route(dest=None, gateway=None, source=None, scope=253)",
        '\'{\\n  "netns": null,\\n  "devices": []\\n}\\n\'',
    ]


def test_a_pickled_revision_1_config_loads_in_a_fresh_process() -> None:
    config = danmodel.from_dict(_ONE_DEVICE, revision=1)
    data = pickle.dumps(config)
    out = _run(
        f"""
        import pickle, danmodel
        config = pickle.loads({data!r})
        print(type(config).__module__, danmodel.dumps(config) == {danmodel.dumps(config)!r})
        """
    )
    assert out == "danmodel.v1 True"


def test_the_kernel_enums_keep_their_public_home() -> None:
    from danmodel.kernel import NeighborFlag, NudState, RouteScope

    assert danmodel.NudState is NudState
    assert danmodel.RouteScope is RouteScope
    assert NudState.__module__ == "danmodel.kernel" == NeighborFlag.__module__
    assert RouteScope(253) is RouteScope.LINK
    flags = NudState.PERMANENT | NudState.NOARP
    assert pickle.loads(pickle.dumps(flags)) == 0xC0
    assert type(pickle.loads(pickle.dumps(flags))) is NudState


def test_unknown_names_still_raise_attribute_error() -> None:
    import danmodel.kernel

    for module, name in ((danmodel, "v3"), (danmodel.kernel, "Nope"), (codec, "Nope")):
        with pytest.raises(AttributeError, match=name):
            getattr(module, name)


def test_the_codec_table_of_later_revisions_matches_the_registry() -> None:
    modules = {revision.model.__name__: number for number, revision in revisions.REVISIONS.items()}
    assert modules == {**codec._LATER_MODULES, "danmodel.v2": 2}
    assert revisions.REVISIONS[1].model is v1
    assert revisions.REVISIONS[2].model is v2
    assert revisions.REVISIONS[2] is revisions.REVISIONS[2]
    assert 3 not in revisions.REVISIONS
    assert len(revisions.REVISIONS) == 2
    assert codec.AnyConfig == v1.DanConfig | v2.DanConfig


def test_model_reprs_are_what_attrs_writes() -> None:
    config = danmodel.from_dict(_ONE_DEVICE)
    assert repr(config) == (
        "DanConfig(netns=None, devices=(DanDevice(name='eth0', "
        "guest_mac=MacAddress('0a:58:0a:00:00:05'), "
        "device=HostTap(tap_name='tap0', queue_num=0, queue_size=0), "
        "network_info=NetworkInfo(interface=Interface(ip_addresses="
        "(IPv4Interface('10.0.0.5/24'),), mtu=1500, ntype='', flags=0), "
        "routes=(Route(dest=IPv4Network('10.1.0.0/16'), gateway=IPv4Address('10.0.0.1'), "
        "source=None, scope=0, flags=0, mtu=0),), "
        "neighbors=(Neighbor(ip_address=IPv4Address('10.0.0.1'), "
        "hardware_addr=MacAddress('0a:58:0a:00:00:01'), state=0, flags=0),))),))"
    )
    assert repr(v2.Vfio(pci_device_id="0000:85:02.5")) == "Vfio(pci_device_id='0000:85:02.5')"
    problem = danmodel.Problem(path="$.a", message="it's", line=3, column=4)
    assert repr(problem) == "Problem(path='$.a', message=\"it's\", line=3, column=4)"


def test_model_equality_and_hash_are_what_attrs_writes() -> None:
    config = danmodel.from_dict(_ONE_DEVICE)
    again = danmodel.from_dict(_ONE_DEVICE)
    assert config == again
    assert hash(config) == hash(again)
    assert config != danmodel.from_dict({**_ONE_DEVICE, "netns": "/run/netns/x"})
    # Another class with equal fields is not equal (attrs compares the classes first).
    assert v1.Route(scope=253) != v2.Route(scope=253)
    assert v2.Route(scope=253) == v2.Route(scope=253)
    assert v2.Route() != object()
    assert len({v2.Route(), v2.Route(), v2.Route(mtu=1)}) == 2
    problem = danmodel.Problem(path="$", message="m")
    assert problem == danmodel.Problem(path="$", message="m")
    assert hash(problem) == hash(danmodel.Problem(path="$", message="m"))
    assert problem != danmodel.Problem(path="$", message="m", line=1, column=1)


def test_every_model_field_is_validated_by_its_kind_only() -> None:
    import attrs

    from danmodel._fields import FIELD

    for module in (v1, v2):
        for name in module.__all__:
            cls = getattr(module, name)
            if attrs.has(cls):
                for field in attrs.fields(cls):
                    assert field.validator is field.metadata[FIELD], f"{name}.{field.name}"


def test_mac_addresses_compare_and_order_as_attrs_writes() -> None:
    low = danmodel.MacAddress.parse("0a:58:0a:00:00:01")
    high = danmodel.MacAddress(bytes.fromhex("0a580a000002"))
    assert low < high
    assert low <= low
    assert high > low
    assert high >= high
    assert low == danmodel.MacAddress(bytes(low))
    assert hash(low) == hash(danmodel.MacAddress(bytes(low)))
    assert low != high
    assert sorted([high, low]) == [low, high]
    assert low != "0a:58:0a:00:00:01"
    with pytest.raises(TypeError):
        assert low < "0a:58:0a:00:00:02"  # type: ignore[operator]


def test_before_the_self_check_addresses_are_read_and_written_without_socket() -> None:
    out = _run(
        """
        import sys, ipaddress, danmodel
        from danmodel import addresses
        texts = ["2001:db8::1", "::ffff:1.2.3.4", "fe80::1%eth0", "1::2::3", "::1.2.3.04",
                 "2001:db8:0:0:1:0:0:1", "::", "1:2:3:4:5:6:7:8", "::1.2.3.4"]
        for text in texts:
            try:
                mine = addresses.parse_ip(text)
            except ValueError:
                mine = None
            try:
                theirs = ipaddress.IPv6Address(text) if "%" not in text else None
            except ValueError:
                theirs = None
            assert mine == theirs, text
            if mine is not None and mine.ipv4_mapped is None:  # mapped: RFC 5952, not str()
                assert addresses.ip_text(mine) == str(mine), text
        print("_socket" in sys.modules, addresses.FAST)
        addresses.fast_paths_agree()
        print("_socket" in sys.modules)
        """
    )
    assert out.splitlines() == ["False None", "True"]
