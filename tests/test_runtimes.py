"""danmodel.check.profiles: profile names, releases and the neighbor spelling of each runtime."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv6Address, IPv6Interface

import pytest

from danmodel import DanConfig, DanDevice, HostTap, Interface, MacAddress, Neighbor, NetworkInfo, v1
from danmodel.check import Profile, ProfileError, Version, profile, spelled_for
from danmodel.errors import DanError


@pytest.mark.parametrize(
    ("spec", "runtime", "version"),
    [
        ("runtime-rs", "runtime-rs", None),
        ("runtime-rs@3.3", "runtime-rs", Version(3, 3, 0)),
        ("go-runtime@3.10.2", "go-runtime", Version(3, 10, 2)),
        ("go-runtime@4", "go-runtime", Version(4, 0, 0)),
    ],
)
def test_profile_names(spec: str, runtime: str, version: Version | None) -> None:
    chosen = profile(spec)
    assert (chosen.runtime, chosen.version) == (runtime, version)
    assert profile(chosen) is chosen


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("runc", "unknown runtime 'runc'; known: runtime-rs, go-runtime"),
        ("Runtime-RS", "unknown runtime 'Runtime-RS'; known: runtime-rs, go-runtime"),
        (
            "runtime-rs@3.2.9",
            "runtime-rs reads DAN files since Kata 3.3.0; 3.2.9 does not read them",
        ),
        ("go-runtime@3.6", "go-runtime reads DAN files since Kata 3.7.0; 3.6.0 does not read them"),
        ("go-runtime@", "'go-runtime@' names no release after '@' (e.g. go-runtime@3.17)"),
        ("go-runtime@3.x", "expected a Kata release such as 3.15 or 3.15.0, found '3.x'"),
        ("go-runtime@3.1.2.3", "expected a Kata release such as 3.15 or 3.15.0, found '3.1.2.3'"),
        ("go-runtime@03.10", "expected a Kata release such as 3.15 or 3.15.0, found '03.10'"),
    ],
)
def test_bad_profile_names(spec: str, message: str) -> None:
    with pytest.raises(ProfileError) as raised:
        profile(spec)
    assert str(raised.value) == message
    assert isinstance(raised.value, DanError)
    assert isinstance(raised.value, ValueError)


def test_a_profile_is_a_string_or_a_profile() -> None:
    with pytest.raises(ProfileError, match="expected a runtime profile NAME"):
        profile(3)  # type: ignore[arg-type]


def test_features_by_release() -> None:
    assert profile("go-runtime@3.9.9").supports("vfio") is False
    assert profile("go-runtime@3.10").supports("vfio") is True
    assert profile("go-runtime").supports("host-tap") is False
    assert profile("runtime-rs@3.14").supports("route flags") is False
    assert profile("runtime-rs@3.15").supports("route flags") is True
    assert profile("runtime-rs@3.16").supports("route mtu") is False
    assert profile("runtime-rs").supports("route mtu") is True


def test_names() -> None:
    assert str(profile("runtime-rs")) == "runtime-rs"
    assert str(profile("runtime-rs@3.15")) == "runtime-rs@3.15.0"
    assert str(Version(3, 17, 1)) == "3.17.1"
    assert Profile("go-runtime").info.missing_mtu == 0
    assert profile("runtime-rs").info.missing_mtu == 1500


def _config(*addresses: object) -> DanConfig:
    return DanConfig(
        devices=[
            DanDevice(
                name="eth0",
                guest_mac=MacAddress.parse("0a:58:0a:0a:00:05"),
                device=HostTap(tap_name="tap0"),
                network_info=NetworkInfo(
                    interface=Interface(ip_addresses=[]),
                    neighbors=[Neighbor(ip_address=a, state=128) for a in addresses],  # type: ignore[arg-type]
                ),
            )
        ]
    )


def _spelled(config: DanConfig | v1.DanConfig) -> list[object]:
    return [n.ip_address for n in config.devices[0].network_info.neighbors]


def test_spelled_for_runtime_rs() -> None:
    config = _config(
        IPv4Address("10.0.0.1"), IPv6Address("2001:db8::1"), IPv4Interface("10.0.0.2/16"), None
    )
    assert _spelled(spelled_for(config, "runtime-rs")) == [
        IPv4Interface("10.0.0.1/32"),
        IPv6Interface("2001:db8::1/128"),
        IPv4Interface("10.0.0.2/16"),
        None,
    ]


def test_spelled_for_go_runtime() -> None:
    config = _config(
        IPv4Interface("10.0.0.2/16"), IPv6Interface("2001:db8::1/64"), IPv4Address("10.0.0.1")
    )
    assert _spelled(spelled_for(config, "go-runtime")) == [
        IPv4Address("10.0.0.2"),
        IPv6Address("2001:db8::1"),
        IPv4Address("10.0.0.1"),
    ]


def test_a_bare_name_is_the_newest_release() -> None:
    assert profile("runtime-rs").release == Version(4, 1, 0)
    assert profile("go-runtime@3.29").release == Version(3, 29, 0)
    assert profile("runtime-rs").covers(Version(4, 1), None) is True
    assert profile("runtime-rs").covers(None, Version(4, 1)) is False
    # a release past the newest modelled has the newest behaviour
    assert profile("runtime-rs@5.0").supports("permanent neighbors only") is True


@pytest.mark.parametrize(
    ("spec", "feature", "expected"),
    [
        ("runtime-rs@3.19", "permanent neighbors only", False),
        ("runtime-rs@3.20", "permanent neighbors only", True),
        ("runtime-rs@3.32", "queue pairs", False),
        ("runtime-rs@4.0", "queue pairs", True),
        ("go-runtime@3.28", "reachable gateway neighbors", False),
        ("go-runtime@3.29", "reachable gateway neighbors", True),
        ("go-runtime@3.32", "vfio hot plug", False),
        ("go-runtime@4.0", "vfio hot plug", True),
        ("go-runtime@4.0", "agent sets the MAC by name", False),
        ("runtime-rs@4.1", "agent sets the MAC by name", True),
        ("go-runtime", "permanent neighbors only", False),
    ],
)
def test_newer_features(spec: str, feature: str, expected: bool) -> None:
    assert profile(spec).supports(feature) is expected  # type: ignore[arg-type]


def test_dan_conf_by_hypervisor() -> None:
    assert profile("runtime-rs@3.32").dan_conf_hypervisors() == ("dragonball", "cloud-hypervisor")
    assert profile("runtime-rs@4.0").dan_conf_hypervisors() == (
        "dragonball",
        "cloud-hypervisor",
        "qemu",
        "firecracker",
        "remote",
    )
    assert profile("go-runtime").dan_conf_hypervisors() is None


def test_notes_differ_by_release() -> None:
    old, new = profile("runtime-rs@3.32").notes(), profile("runtime-rs").notes()
    assert "dan_conf is set in the configurations of dragonball, cloud-hypervisor" in old
    assert "vhost-user devices attach with Dragonball only" in new
    assert "the agent is sent the interfaces, then the neighbors, then the routes" in new
    assert "the agent finds each link by hwAddr only" in old
    go_old, go_new = profile("go-runtime@3.10").notes(), profile("go-runtime").notes()
    assert any("configured when a container that uses it is created" in n for n in go_old)
    assert any("hot_plug_vfio must name a port" in n for n in go_new)
    assert any("order of their names" in n and "netns and ntype" in n for n in go_new)
    for notes in (old, new, go_old, go_new):
        assert "never deletes it" in notes[0]


def test_every_change_is_a_feature_release() -> None:
    from danmodel.check.profiles import RUNTIMES

    for runtime in RUNTIMES.values():
        assert list(runtime.changes) == sorted(runtime.changes)
        assert set(runtime.features.values()) <= set(runtime.changes)


def test_effective_queues_by_release() -> None:
    from danmodel import VhostUser

    default, four = HostTap(tap_name="tap0"), VhostUser(path="/run/v.sock", queue_num=4)
    # 4.0.0 and later (and no release: the newest): queue pairs, 0 is network_queues
    assert default.effective_queue_num(network_queues=3) == 3
    assert default.effective_queue_num(network_queues=0, version=Version(4, 0)) == 1
    assert four.effective_queue_num(network_queues=3, version=profile("runtime-rs").release) == 4
    # before 4.0.0: Dragonball virtqueues, 0 is its default of 2, network_queues plays no part
    assert default.effective_queue_num(network_queues=3, version=Version(3, 32)) == 2
    assert four.effective_queue_num(version=(3, 19, 0)) == 4
    assert default.effective_queue_size() == 256


def test_what_the_agent_does_whatever_the_release() -> None:
    for spec in ("runtime-rs@3.3", "go-runtime"):
        notes = profile(spec).notes()
        assert any("skips IPv6 addresses when IPv6 is disabled" in note for note in notes)
        assert any("replace (an existing route is no error)" in note for note in notes)
    assert profile("go-runtime").notes()[-1] == (
        "the agent finds each link by hwAddr, or sets hwAddr on the link named `name`"
    )
