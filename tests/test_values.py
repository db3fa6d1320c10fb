"""Value types, address parsers, kernel constants and constructor validation."""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
    ip_interface,
)
from typing import Any

import pytest

import danmodel
from danmodel import (
    DanConfig,
    DanDevice,
    HostTap,
    Interface,
    MacAddress,
    Neighbor,
    NetworkInfo,
    NudState,
    Route,
    RouteScope,
    Vfio,
    VhostUser,
    v1,
)
from danmodel.addresses import parse_interface, parse_ip, parse_neighbor_ip, parse_network


def wrong(value: object) -> Any:
    """A value of the wrong type, passed on purpose (hides it from the type checker)."""
    return value


# --- MacAddress --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("0a:58:0a:0a:00:05", "0a:58:0a:0a:00:05"),
        ("0A:58:0A:0A:00:05", "0a:58:0a:0a:00:05"),
        ("De:aD:bE:eF:00:Ff", "de:ad:be:ef:00:ff"),
        ("00:00:00:00:00:00", "00:00:00:00:00:00"),
    ],
)
def test_mac_parse_either_case_gives_lower_case(text: str, canonical: str) -> None:
    mac = MacAddress.parse(text)
    assert str(mac) == canonical
    assert mac == MacAddress.parse(canonical)
    assert repr(mac) == f"MacAddress('{canonical}')"


def test_mac_octets() -> None:
    mac = MacAddress.parse("0a:58:0a:0a:00:05")
    assert mac.octets == b"\x0a\x58\x0a\x0a\x00\x05"
    assert bytes(mac) == b"\x0a\x58\x0a\x0a\x00\x05"
    assert MacAddress(b"\x0a\x58\x0a\x0a\x00\x05") == mac


@pytest.mark.parametrize(
    "text",
    [
        "0a:58:0a:0a:00",  # 5 octets
        "xx:xx:xx:xx:xx",  # the runtime-rs example placeholder
        "xx:xx:xx:xx:xx:xx",
        "0a-58-0a-0a-00-05",  # accepted by Go's net.ParseMAC, not by the format
        "0a58.0a0a.0005",
        "0a:58:0a:0a:00:05:00:01",  # 8 octets (EUI-64)
        "00:00:00:00:fe:80:00:00:00:00:00:00:02:00:5e:10:00:00:00:01",  # 20 octets
        "0g:58:0a:0a:00:05",
        "a:58:a:a:0:5",
        "0a:58:0a:0a:00:05 ",
        " 0a:58:0a:0a:00:05",
        "0a:58:0a:0a:00:05:",
        "0a5:8:0a:0a:00:05",
        "",
    ],
)
def test_mac_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="xx:xx:xx:xx:xx:xx"):
        MacAddress.parse(text)


@pytest.mark.parametrize("value", [None, b"0a:58:0a:0a:00:05", 42])
def test_mac_parse_refuses_non_text(value: object) -> None:
    with pytest.raises(ValueError, match="MAC"):
        MacAddress.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("octets", [b"\x00" * 5, b"\x00" * 7, bytearray(6)])
def test_mac_constructor_wants_six_bytes(octets: bytes) -> None:
    with pytest.raises(ValueError, match="6 octets"):
        MacAddress(octets)


def test_random_private_is_unicast_and_local_over_many_draws() -> None:
    draws = [MacAddress.random_private() for _ in range(500)]
    for mac in draws:
        assert mac.octets[0] & 0x03 == 0x02, mac
        assert mac.is_unicast
        assert not mac.is_multicast
        assert mac.is_locally_administered
    # 46 random bits: 500 draws never collide in practice.
    assert len(set(draws)) == 500


def test_random_private_differs_between_calls() -> None:
    assert MacAddress.random_private() != MacAddress.random_private()


@pytest.mark.parametrize(
    ("text", "unicast", "local"),
    [
        ("00:1b:21:3a:4f:10", True, False),  # a vendor (universal) unicast address
        ("02:00:00:00:00:01", True, True),
        ("0a:58:0a:0a:00:05", True, True),
        ("01:00:5e:00:00:01", False, False),  # IPv4 multicast
        ("33:33:00:00:00:01", False, True),  # IPv6 multicast: 0x33 has both bits
        ("ff:ff:ff:ff:ff:ff", False, True),  # broadcast
        ("fe:ff:ff:ff:ff:ff", True, True),
        ("fc:00:00:00:00:00", True, False),
    ],
)
def test_mac_bits(text: str, unicast: bool, local: bool) -> None:
    mac = MacAddress.parse(text)
    assert mac.is_unicast is unicast
    assert mac.is_multicast is (not unicast)
    assert mac.is_locally_administered is local


# --- addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.10.0.5/24", IPv4Interface("10.10.0.5/24")),  # host bits allowed
        ("10.0.0.1/0", IPv4Interface("10.0.0.1/0")),
        ("10.0.0.1/32", IPv4Interface("10.0.0.1/32")),
        ("2001:db8::5/64", IPv6Interface("2001:db8::5/64")),
        ("2001:DB8::5/128", IPv6Interface("2001:db8::5/128")),
        ("::ffff:10.0.0.1/96", IPv6Interface("::ffff:a00:1/96")),
    ],
)
def test_parse_interface_accepts(text: str, expected: object) -> None:
    assert parse_interface(text) == expected
    assert danmodel.parse_interface is parse_interface


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("10.0.0.1", "ip/prefix"),
        ("2001:db8::1", "ip/prefix"),
        ("10.0.0.1/", "prefix length"),
        ("/24", "ip/prefix"),
        ("10.0.0.1/33", "0 to 32"),
        ("2001:db8::1/129", "0 to 128"),
        ("10.0.0.1/024", "prefix length"),
        ("10.0.0.1/00", "prefix length"),
        ("10.0.0.1/+24", "prefix length"),
        ("10.0.0.1/-1", "prefix length"),
        ("10.0.0.1/ 24", "prefix length"),
        ("10.0.0.1/24 ", "prefix length"),
        (" 10.0.0.1/24", "ip/prefix"),
        ("10.0.0.1/\u0662\u0664", "prefix length"),  # Arabic-Indic digits
        ("010.0.0.1/24", "ip/prefix"),  # leading-zero octet
        ("10.0.0.01/24", "ip/prefix"),
        ("fe80::1%eth0/64", "zone"),
        ("10.0.0.1/24/24", "prefix length"),
        ("", "ip/prefix"),
    ],
)
def test_parse_interface_refuses(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_interface(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.20.0.0/16", IPv4Network("10.20.0.0/16")),
        ("0.0.0.0/0", IPv4Network("0.0.0.0/0")),
        ("10.0.0.1/32", IPv4Network("10.0.0.1/32")),
        ("2001:db8::/32", IPv6Network("2001:db8::/32")),
        ("::/0", IPv6Network("::/0")),
    ],
)
def test_parse_network_accepts(text: str, expected: object) -> None:
    assert parse_network(text) == expected


@pytest.mark.parametrize(
    ("text", "network"),
    [
        ("10.20.1.5/16", "10.20.0.0/16"),
        ("10.0.0.1/0", "0.0.0.0/0"),
        ("2001:db8::1/32", "2001:db8::/32"),
    ],
)
def test_parse_network_refuses_host_bits_and_names_the_network(text: str, network: str) -> None:
    with pytest.raises(ValueError, match="host bits") as exc:
        parse_network(text)
    assert network in str(exc.value)


@pytest.mark.parametrize(
    "text", ["10.20.0.0", "10.20.0.0/33", "10.20.0.0/016", "fe80::%eth0/64", "010.20.0.0/16"]
)
def test_parse_network_refuses(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - message checked elsewhere
        parse_network(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.1", IPv4Address("10.0.0.1")),
        ("0.0.0.0", IPv4Address("0.0.0.0")),
        ("2001:DB8::1", IPv6Address("2001:db8::1")),
        ("::ffff:10.0.0.1", IPv6Address("::ffff:a00:1")),  # IPv4-mapped stays IPv6
    ],
)
def test_parse_ip_accepts(text: str, expected: object) -> None:
    assert parse_ip(text) == expected
    assert type(parse_ip(text)) is type(expected)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("010.0.0.1", "IPv4 or IPv6"),
        ("10.0.0.01", "IPv4 or IPv6"),
        ("10.0.0.1/32", "IPv4 or IPv6"),
        ("fe80::1%eth0", "zone"),
        ("fe80::1%1", "zone"),
        ("1.2.3", "IPv4 or IPv6"),
        (" 10.0.0.1", "IPv4 or IPv6"),
        ("", "IPv4 or IPv6"),
    ],
)
def test_parse_ip_refuses(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_ip(text)


@pytest.mark.parametrize("value", [None, 167772161, b"10.0.0.1"])
def test_parsers_refuse_non_text(value: object) -> None:
    for parse in (parse_ip, parse_interface, parse_network, parse_neighbor_ip):
        with pytest.raises(ValueError, match="text"):
            parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.1", IPv4Address("10.0.0.1")),
        ("10.0.0.1/32", IPv4Interface("10.0.0.1/32")),
        ("192.168.0.3/16", IPv4Interface("192.168.0.3/16")),
        ("2001:db8::1", IPv6Address("2001:db8::1")),
        ("2001:db8::1/64", IPv6Interface("2001:db8::1/64")),
    ],
)
def test_parse_neighbor_ip_keeps_the_spelling(text: str, expected: object) -> None:
    parsed = parse_neighbor_ip(text)
    assert parsed == expected
    assert type(parsed) is type(expected)
    assert str(parsed) == text


@pytest.mark.parametrize("text", ["10.0.0.1/33", "fe80::1%eth0", "010.0.0.1", "", "10.0.0.1/"])
def test_parse_neighbor_ip_refuses(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - any parser message will do
        parse_neighbor_ip(text)


# --- kernel constants --------------------------------------------------------------------------


def test_route_scopes_are_the_kernel_numbers() -> None:
    assert RouteScope.UNIVERSE.value == 0
    assert RouteScope.SITE.value == 200
    assert RouteScope.LINK.value == 253
    assert RouteScope.HOST.value == 254
    assert RouteScope.NOWHERE.value == 255


def test_nud_states_are_the_kernel_bits() -> None:
    assert NudState.NONE.value == 0x00
    assert NudState.INCOMPLETE.value == 0x01
    assert NudState.REACHABLE.value == 0x02
    assert NudState.STALE.value == 0x04
    assert NudState.DELAY.value == 0x08
    assert NudState.PROBE.value == 0x10
    assert NudState.FAILED.value == 0x20
    assert NudState.NOARP.value == 0x40
    assert NudState.PERMANENT.value == 0x80


def test_neighbor_flags_and_iff_noarp() -> None:
    assert danmodel.IFF_NOARP == 0x80
    assert danmodel.NeighborFlag.USE.value == 0x01
    assert danmodel.NeighborFlag.SELF.value == 0x02
    assert danmodel.NeighborFlag.PROXY.value == 0x08
    assert danmodel.NeighborFlag.ROUTER.value == 0x80


def test_kernel_names_fit_the_fields() -> None:
    route = Route(scope=RouteScope.LINK)
    assert route.scope == 253
    neighbor = Neighbor(state=NudState.PERMANENT | NudState.NOARP)
    assert neighbor.state == 0xC0
    # any in-range integer is accepted too, named or not
    assert Route(scope=17).scope == 17
    assert Neighbor(state=0x100).state == 0x100


# --- queues --------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [HostTap, VhostUser])
def test_effective_queues(cls: type[HostTap] | type[VhostUser]) -> None:
    def make(**queues: int) -> HostTap | VhostUser:
        if cls is HostTap:
            return HostTap(tap_name="tap0", **queues)
        return VhostUser(path="/run/vhost.sock", **queues)

    default = make()
    assert default.queue_num == 0
    assert default.queue_size == 0
    assert default.effective_queue_num() == 1
    assert default.effective_queue_num(4) == 4
    assert default.effective_queue_num(0) == 1
    assert default.effective_queue_num(-3) == 1
    assert default.effective_queue_size() == 256

    explicit = make(queue_num=2, queue_size=1024)
    assert explicit.effective_queue_num() == 2
    assert explicit.effective_queue_num(8) == 2
    assert explicit.effective_queue_size() == 1024


def test_default_queue_size_constant() -> None:
    assert danmodel.DEFAULT_QUEUE_SIZE == 256


# --- constructor validation --------------------------------------------------------------------

ADDRESS = ip_interface("10.0.0.2/24")


def _validation_paths(exc: pytest.ExceptionInfo[danmodel.ValidationError]) -> list[str]:
    return [problem.path for problem in exc.value.errors]


def test_interface_negative_mtu() -> None:
    with pytest.raises(danmodel.ValidationError) as exc:
        Interface(ip_addresses=[ADDRESS], mtu=-1)
    assert _validation_paths(exc) == ["Interface.mtu"]
    assert "-1" in exc.value.errors[0].message
    assert isinstance(exc.value, ValueError)
    assert isinstance(exc.value, danmodel.DanError)


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"mtu": True}, "Interface.mtu"),
        ({"mtu": False}, "Interface.mtu"),
        ({"flags": True}, "Interface.flags"),
        ({"mtu": 1500.0}, "Interface.mtu"),
        ({"mtu": "1500"}, "Interface.mtu"),
        ({"mtu": None}, "Interface.mtu"),
        ({"mtu": 2**64}, "Interface.mtu"),
        ({"flags": 2**32}, "Interface.flags"),
        ({"flags": -1}, "Interface.flags"),
        ({"ntype": None}, "Interface.ntype"),
        ({"ntype": 5}, "Interface.ntype"),
        ({"ntype": "\ud800"}, "Interface.ntype"),
    ],
)
def test_interface_field_types(kwargs: dict[str, object], path: str) -> None:
    with pytest.raises(danmodel.ValidationError) as exc:
        Interface(ip_addresses=[ADDRESS], **kwargs)  # type: ignore[arg-type]
    assert _validation_paths(exc) == [path]


def test_integer_bounds_inclusive() -> None:
    assert Interface(ip_addresses=[], mtu=2**64 - 1, flags=2**32 - 1).mtu == 2**64 - 1
    assert Route(scope=2**32 - 1, flags=2**32 - 1, mtu=2**32 - 1).mtu == 2**32 - 1
    assert HostTap(tap_name="t", queue_num=2**32 - 1).queue_num == 2**32 - 1
    with pytest.raises(danmodel.ValidationError) as exc:
        HostTap(tap_name="t", queue_size=2**32)
    assert _validation_paths(exc) == ["HostTap.queue_size"]


@pytest.mark.parametrize(
    ("addresses", "path"),
    [
        (["10.0.0.2"], "Interface.ip_addresses[0]"),  # text without a prefix
        ([ADDRESS, IPv4Address("10.0.0.3")], "Interface.ip_addresses[1]"),
        ([ADDRESS, ADDRESS, IPv4Network("10.0.0.0/24")], "Interface.ip_addresses[2]"),
        ([ip_interface("fe80::1%eth0/64")], "Interface.ip_addresses[0]"),
    ],
)
def test_interface_addresses_wrong_objects(addresses: list[object], path: str) -> None:
    with pytest.raises(danmodel.ValidationError) as exc:
        Interface(ip_addresses=addresses)  # type: ignore[arg-type]
    assert _validation_paths(exc) == [path]


def test_interface_addresses_not_iterable() -> None:
    # Not a DanError today: the converter's TypeError (see the report).
    with pytest.raises((TypeError, danmodel.ValidationError)):
        Interface(ip_addresses=None)  # type: ignore[arg-type]


def test_lists_accepted_and_stored_as_tuples() -> None:
    neighbor = Neighbor(ip_address=IPv4Address("10.0.0.1"))
    route = Route(gateway=IPv4Address("10.0.0.1"))
    info = NetworkInfo(
        interface=Interface(ip_addresses=[ADDRESS, ip_interface("2001:db8::2/64")]),
        routes=[route],
        neighbors=[neighbor],
    )
    assert info.interface.ip_addresses == (ADDRESS, IPv6Interface("2001:db8::2/64"))
    assert info.routes == (route,)
    assert info.neighbors == (neighbor,)
    device = DanDevice(name="eth0", device=HostTap(tap_name="tap0"), network_info=info)
    config = DanConfig(devices=[device])
    assert config.devices == (device,)
    # a generator is read once into a tuple too
    assert Interface(ip_addresses=(a for a in [ADDRESS])).ip_addresses == (ADDRESS,)


def test_defaults() -> None:
    interface = Interface(ip_addresses=[])
    assert interface.mtu == 1500
    assert interface.ntype == ""
    assert interface.flags == 0
    route = Route()
    assert (route.dest, route.gateway, route.source) == (None, None, None)
    assert (route.scope, route.flags, route.mtu) == (0, 0, 0)
    assert v1.Route().scope == 0
    neighbor = Neighbor()
    assert (neighbor.ip_address, neighbor.hardware_addr, neighbor.state, neighbor.flags) == (
        None,
        None,
        0,
        0,
    )
    info = NetworkInfo(interface=interface)
    assert info.routes == ()
    assert info.neighbors == ()
    assert DanConfig(devices=[]).netns is None


def _device(name: str, host: object, **kwargs: object) -> DanDevice:
    return DanDevice(
        name=name,
        device=host,  # type: ignore[arg-type]
        network_info=NetworkInfo(interface=Interface(ip_addresses=[ADDRESS])),
        **kwargs,  # type: ignore[arg-type]
    )


def test_guest_mac_default_is_a_fresh_random_private_mac() -> None:
    first = _device("eth0", HostTap(tap_name="tap0"))
    second = _device("eth0", HostTap(tap_name="tap0"))
    for device in (first, second):
        assert type(device.guest_mac) is MacAddress
        assert device.guest_mac.is_unicast
        assert device.guest_mac.is_locally_administered
    assert first.guest_mac != second.guest_mac


def test_guest_mac_given() -> None:
    mac = MacAddress.parse("0a:58:0a:0a:00:05")
    assert _device("eth0", HostTap(tap_name="tap0"), guest_mac=mac).guest_mac is mac


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (
            lambda: _device("eth0", HostTap(tap_name="t"), guest_mac="0a-58-0a-0a-00-05"),
            "guest_mac",
        ),
        (lambda: _device("eth0", HostTap(tap_name="t"), guest_mac=None), "guest_mac"),
        (lambda: _device("eth0", {"type": "host-tap", "tap_name": "t"}), "device"),
        (lambda: _device("eth0", None), "device"),
        (lambda: _device("a/b", HostTap(tap_name="t")), "name"),
        (lambda: _device("", HostTap(tap_name="t")), "name"),
        (lambda: _device("abcdefghijklmnop", HostTap(tap_name="t")), "name"),
        (
            lambda: DanDevice(
                name="eth0",
                device=HostTap(tap_name="t"),
                network_info=v1.NetworkInfo(interface=Interface(ip_addresses=[])),  # type: ignore[arg-type]
            ),
            "network_info",
        ),
    ],
)
def test_dan_device_wrong_objects(build: Callable[[], object], path: str) -> None:
    with pytest.raises(danmodel.ValidationError) as exc:
        build()
    assert _validation_paths(exc) == [f"DanDevice.{path}"]


def test_v1_device_refuses_vfio() -> None:
    with pytest.raises(danmodel.ValidationError) as exc:
        v1.DanDevice(
            name="eth0",
            device=Vfio(pci_device_id="0000:85:02.5"),  # type: ignore[arg-type]
            network_info=v1.NetworkInfo(interface=Interface(ip_addresses=[])),
        )
    assert _validation_paths(exc) == ["DanDevice.device"]


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (
            lambda: NetworkInfo(interface=Interface(ip_addresses=[]), routes=[wrong(v1.Route())]),
            "routes[0]",
        ),
        (
            lambda: NetworkInfo(
                interface=Interface(ip_addresses=[]),
                neighbors=[Neighbor(), wrong({"ip_address": None})],
            ),
            "neighbors[1]",
        ),
        (lambda: NetworkInfo(interface=wrong({"ip_addresses": []})), "interface"),
    ],
)
def test_network_info_wrong_objects(build: Callable[[], object], path: str) -> None:
    with pytest.raises(danmodel.ValidationError) as exc:
        build()
    assert _validation_paths(exc) == [f"NetworkInfo.{path}"]


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"dest": "10.0.0.1/8"}, "Route.dest"),  # host bits
        ({"dest": IPv4Address("10.0.0.0")}, "Route.dest"),
        ({"gateway": "10.0.0.1/32"}, "Route.gateway"),
        ({"gateway": IPv4Interface("10.0.0.1/8")}, "Route.gateway"),
        ({"source": IPv4Network("10.0.0.0/8")}, "Route.source"),
        ({"gateway": IPv6Address("fe80::1%eth0")}, "Route.gateway"),
        ({"scope": -1}, "Route.scope"),
        ({"flags": True}, "Route.flags"),
        ({"mtu": 2**32}, "Route.mtu"),
    ],
)
def test_route_wrong_values(kwargs: dict[str, object], path: str) -> None:
    with pytest.raises(danmodel.ValidationError) as exc:
        Route(**kwargs)  # type: ignore[arg-type]
    assert _validation_paths(exc) == [path]


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"ip_address": "10.0.0.256"}, "Neighbor.ip_address"),
        ({"ip_address": IPv4Network("10.0.0.0/8")}, "Neighbor.ip_address"),
        ({"hardware_addr": "aa:bb:cc:dd:ee"}, "Neighbor.hardware_addr"),
        ({"hardware_addr": "aabb.ccdd.eeff"}, "Neighbor.hardware_addr"),
        ({"state": 2**32}, "Neighbor.state"),
        ({"flags": -1}, "Neighbor.flags"),
    ],
)
def test_neighbor_wrong_values(kwargs: dict[str, object], path: str) -> None:
    with pytest.raises(danmodel.ValidationError) as exc:
        Neighbor(**kwargs)  # type: ignore[arg-type]
    assert _validation_paths(exc) == [path]


def test_neighbor_ip_both_spellings() -> None:
    assert Neighbor(ip_address=IPv4Address("10.0.0.1")).ip_address == IPv4Address("10.0.0.1")
    with_prefix = Neighbor(ip_address=IPv4Interface("10.0.0.1/24"))
    assert with_prefix.ip_address == IPv4Interface("10.0.0.1/24")


@pytest.mark.parametrize(
    ("build", "path", "words"),
    [
        (lambda: HostTap(tap_name="tap:0"), "HostTap.tap_name", "':'"),
        (lambda: HostTap(tap_name=" tap0"), "HostTap.tap_name", "whitespace"),
        (lambda: HostTap(tap_name=""), "HostTap.tap_name", "empty"),
        (lambda: HostTap(tap_name=".."), "HostTap.tap_name", "'..'"),
        (lambda: HostTap(tap_name="t", queue_num=wrong(1.0)), "HostTap.queue_num", "integer"),
        (lambda: VhostUser(path=""), "VhostUser.path", "empty"),
        (lambda: VhostUser(path="/" + "s" * 107), "VhostUser.path", "107"),
        (lambda: VhostUser(path="/run/a\0b"), "VhostUser.path", "NUL"),
        (lambda: Vfio(pci_device_id="0000:AB:02.5"), "Vfio.pci_device_id", "'0000:ab:02.5'"),
        (lambda: Vfio(pci_device_id="0000:85:20.0"), "Vfio.pci_device_id", "1f"),
        (lambda: Vfio(pci_device_id="85:02.5"), "Vfio.pci_device_id", "DDDD:BB:DD.F"),
        (lambda: DanConfig(netns="", devices=[]), "DanConfig.netns", "empty"),
        (lambda: DanConfig(netns=wrong(5), devices=[]), "DanConfig.netns", "string"),
        (lambda: DanConfig(devices=[wrong({"name": "eth0"})]), "DanConfig.devices[0]", "DanDevice"),
    ],
)
def test_device_and_config_values(build: Callable[[], object], path: str, words: str) -> None:
    with pytest.raises(danmodel.ValidationError) as exc:
        build()
    assert _validation_paths(exc) == [path]
    assert words in exc.value.errors[0].message


def test_socket_path_of_107_bytes_is_accepted() -> None:
    assert len(VhostUser(path="/" + "s" * 106).path) == 107
    # bytes, not characters: 53 two-byte characters and "/" make 107 bytes
    assert VhostUser(path="/" + "é" * 53).path.encode() == b"/" + "é".encode() * 53
    with pytest.raises(danmodel.ValidationError):
        VhostUser(path="/" + "é" * 54)


def test_frozen() -> None:
    interface = Interface(ip_addresses=[])
    with pytest.raises(AttributeError):
        interface.mtu = 9000  # type: ignore[misc]


# --- uniqueness of devices in a config -----------------------------------------------------------


def _problems(exc: pytest.ExceptionInfo[danmodel.ValidationError]) -> dict[str, str]:
    return {problem.path: problem.message for problem in exc.value.errors}


def test_same_guest_name_refused() -> None:
    with pytest.raises(danmodel.ValidationError) as exc:
        DanConfig(
            devices=[
                _device("eth0", HostTap(tap_name="tap0")),
                _device("eth1", HostTap(tap_name="tap1")),
                _device("eth0", HostTap(tap_name="tap2")),
            ]
        )
    problems = _problems(exc)
    assert set(problems) == {"DanConfig.devices[2].name"}
    assert "devices[0]" in problems["DanConfig.devices[2].name"]
    assert "eth0" in problems["DanConfig.devices[2].name"]


def test_same_host_devices_refused_all_at_once() -> None:
    with pytest.raises(danmodel.ValidationError) as exc:
        DanConfig(
            devices=[
                _device("eth0", HostTap(tap_name="tap0")),
                _device("eth1", VhostUser(path="/run/vhost.sock")),
                _device("eth2", HostTap(tap_name="tap0")),
                _device("eth3", VhostUser(path="/run/vhost.sock")),
                _device("eth4", Vfio(pci_device_id="0000:85:02.5")),
                _device("eth5", Vfio(pci_device_id="0000:85:02.5")),
            ]
        )
    problems = _problems(exc)
    assert set(problems) == {
        "DanConfig.devices[2].device.tap_name",
        "DanConfig.devices[3].device.path",
        "DanConfig.devices[5].device.pci_device_id",
    }
    assert "devices[0]" in problems["DanConfig.devices[2].device.tap_name"]
    assert "tap0" in problems["DanConfig.devices[2].device.tap_name"]
    assert "devices[1]" in problems["DanConfig.devices[3].device.path"]
    assert "devices[4]" in problems["DanConfig.devices[5].device.pci_device_id"]


def test_uniqueness_in_revision_1_too() -> None:
    info = v1.NetworkInfo(interface=Interface(ip_addresses=[]))
    with pytest.raises(danmodel.ValidationError) as exc:
        v1.DanConfig(
            devices=[
                v1.DanDevice(name="eth0", device=HostTap(tap_name="tap0"), network_info=info),
                v1.DanDevice(name="eth0", device=HostTap(tap_name="tap0"), network_info=info),
            ]
        )
    assert set(_problems(exc)) == {
        "DanConfig.devices[1].name",
        "DanConfig.devices[1].device.tap_name",
    }


def test_different_namespaces_do_not_collide() -> None:
    # a guest name equal to a host tap name, a socket path equal to a tap name:
    # they live in different namespaces, so nothing is shared
    config = DanConfig(
        devices=[
            _device("tap0", HostTap(tap_name="eth1")),
            _device("eth1", VhostUser(path="tap0")),
            _device("eth2", HostTap(tap_name="tap0")),
        ]
    )
    assert len(config.devices) == 3
