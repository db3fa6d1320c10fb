"""danmodel.check(): per rule, the smallest input that triggers it and the closest that does not."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from danmodel.check import RULES, Finding, ProfileRejectedError, Severity, check, check_file
from danmodel.strategies import dan_configs

E, W, I = "error", "warning", "info"  # noqa: E741

RS: dict[str, Any] = {
    "netns": None,
    "devices": [
        {
            "name": "eth0",
            "guest_mac": "0a:58:0a:0a:00:05",
            "device": {"type": "host-tap", "tap_name": "tap0"},
            "network_info": {
                "interface": {"ip_addresses": ["10.10.0.5/24"], "mtu": 1500},
                "routes": [{"gateway": "10.10.0.1"}],
                "neighbors": [
                    {
                        "ip_address": "10.10.0.1/32",
                        "hardware_addr": "0a:58:0a:0a:00:01",
                        "state": 128,
                    }
                ],
            },
        }
    ],
}
GO: dict[str, Any] = copy.deepcopy(RS)
GO["devices"][0]["device"] = {"type": "vfio", "pci_device_id": "0000:85:02.5"}
GO["devices"][0]["network_info"]["neighbors"][0]["ip_address"] = "10.10.0.1"

DEV = "devices.0."
NI = "devices.0.network_info."
IF = "devices.0.network_info.interface."
RT = "devices.0.network_info.routes."
NB = "devices.0.network_info.neighbors.0."
P_NI = "$.devices[0].network_info"


def _edit(base: dict[str, Any], *changes: tuple[str, Any]) -> str:
    """``base`` as JSON text after changes: (path, value) sets, (path, DEL) deletes,
    (RAW, (old, new)) replaces text."""
    data = copy.deepcopy(base)
    raw = []
    for path, value in changes:
        if path == RAW:
            raw.append(value)
            continue
        *parents, last = path.split(".")
        node: Any = data
        for step in parents:
            node = node[int(step)] if isinstance(node, list) else node[step]
        key: Any = int(last) if isinstance(node, list) else last
        if value is DEL:
            del node[key]
        elif isinstance(node, list) and key == len(node):
            node.append(value)
        else:
            node[key] = value
    text = json.dumps(data)
    for old, new in raw:
        assert old in text
        text = text.replace(old, new, 1)
    return text


DEL = object()
RAW = "raw"
HOST_TAP = {"type": "host-tap", "tap_name": "tap0"}
VFIO = {"type": "vfio", "pci_device_id": "0000:85:02.5"}
SECOND = {
    "name": "eth1",
    "guest_mac": "0a:58:0a:0a:00:06",
    "device": {"type": "host-tap", "tap_name": "tap1"},
    "network_info": {"interface": {"ip_addresses": ["10.10.0.5/16"], "mtu": 1500}},
}
SECOND_GO = {
    **SECOND,
    "device": {"type": "vfio", "pci_device_id": "0000:85:02.6"},
    "guest_mac": "0a:58:0a:0a:00:07",
    "network_info": {"interface": {"ip_addresses": ["10.11.0.5/16"], "mtu": 1500}},
}

# rule, profile, severity, path, trigger, near miss (the same rule must not fire)
CASES: list[tuple[str, str, str, str, str, str]] = [
    ("json-invalid", "runtime-rs", E, "$", '{"devices": [}', '{"devices": []}'),
    (
        "value-invalid",
        "runtime-rs",
        E,
        "$.devices[0].name",
        _edit(RS, (DEV + "name", 5)),
        _edit(RS, (DEV + "name", "eth5")),
    ),
    (
        "rs-unknown-key",
        "runtime-rs",
        W,
        f"{P_NI}.Neighbors",
        _edit(RS, (RAW, ('"neighbors"', '"Neighbors"'))),
        _edit(RS),
    ),
    (
        "go-unknown-key",
        "go-runtime",
        W,
        "$.devices[0].nmae",
        _edit(GO, (RAW, ('"name"', '"nmae"'))),
        _edit(GO, (RAW, ('"name"', '"NAME"'))),
    ),
    (
        "go-key-case",
        "go-runtime",
        I,
        f"{P_NI}.Neighbors",
        _edit(GO, (RAW, ('"neighbors"', '"Neighbors"'))),
        _edit(GO),
    ),
    (
        "rs-duplicate-key",
        "runtime-rs",
        E,
        "$.devices[0].name",
        _edit(RS, (RAW, ('"name": "eth0"', '"name": "eth0", "name": "eth1"'))),
        _edit(RS),
    ),
    (
        "go-duplicate-key",
        "go-runtime",
        W,
        "$.devices[0].name",
        _edit(GO, (RAW, ('"name": "eth0"', '"name": "eth0", "name": "eth1"'))),
        _edit(GO, (RAW, ('"interface": {', '"interface": {"mtu": 9000}, "interface": {'))),
    ),
    (
        "go-duplicate-object",
        "go-runtime",
        W,
        f"{P_NI}.interface",
        _edit(GO, (RAW, ('"interface": {', '"interface": {"mtu": 9000}, "interface": {'))),
        _edit(GO, (RAW, ('"name": "eth0"', '"name": "eth0", "name": "eth1"'))),
    ),
    ("rs-devices-missing", "runtime-rs", E, "$.devices", "{}", '{"devices": []}'),
    ("go-devices-missing", "go-runtime", W, "$.devices", '{"devices": null}', '{"devices": []}'),
    (
        "rs-guest-mac-missing",
        "runtime-rs",
        I,
        "$.devices[0].guest_mac",
        _edit(RS, (DEV + "guest_mac", DEL)),
        _edit(RS),
    ),
    (
        "go-guest-mac-missing",
        "go-runtime",
        E,
        "$.devices[0].guest_mac",
        _edit(GO, (DEV + "guest_mac", DEL)),
        _edit(GO),
    ),
    (
        "rs-guest-mac-invalid",
        "runtime-rs",
        E,
        "$.devices[0].guest_mac",
        _edit(RS, (DEV + "guest_mac", "xx:xx:xx:xx:xx")),
        _edit(RS, (DEV + "guest_mac", "0A:58:0A:0A:00:05")),
    ),
    (
        "go-guest-mac-invalid",
        "go-runtime",
        E,
        "$.devices[0].guest_mac",
        _edit(GO, (DEV + "guest_mac", "xx:xx:xx:xx:xx")),
        _edit(GO, (DEV + "guest_mac", "0a-58-0a-0a-00-05")),
    ),
    (
        "go-guest-mac-form",
        "go-runtime",
        W,
        "$.devices[0].guest_mac",
        _edit(GO, (DEV + "guest_mac", "0a58.0a0a.0005")),
        _edit(GO, (DEV + "guest_mac", "0a-58:0a-0a-00-05")),
    ),
    (
        "rs-mtu-missing",
        "runtime-rs",
        I,
        f"{P_NI}.interface.mtu",
        _edit(RS, (IF + "mtu", DEL)),
        _edit(RS),
    ),
    (
        "go-mtu-missing",
        "go-runtime",
        E,
        f"{P_NI}.interface.mtu",
        _edit(GO, (IF + "mtu", DEL)),
        _edit(GO),
    ),
    (
        "rs-ip-addresses-missing",
        "runtime-rs",
        E,
        f"{P_NI}.interface.ip_addresses",
        _edit(RS, (IF + "ip_addresses", DEL)),
        _edit(RS, (IF + "ip_addresses", [])),
    ),
    (
        "go-ip-addresses-missing",
        "go-runtime",
        I,
        f"{P_NI}.interface.ip_addresses",
        _edit(GO, (IF + "ip_addresses", None)),
        _edit(GO, (IF + "ip_addresses", [])),
    ),
    (
        "rs-address-not-cidr",
        "runtime-rs",
        W,
        f"{P_NI}.interface.ip_addresses[1]",
        _edit(RS, (IF + "ip_addresses.1", "10.10.0.6")),
        _edit(RS, (IF + "ip_addresses.1", "10.10.0.6/32")),
    ),
    (
        "go-address-not-cidr",
        "go-runtime",
        E,
        f"{P_NI}.interface.ip_addresses[1]",
        _edit(GO, (IF + "ip_addresses.1", "10.10.0.6")),
        _edit(GO, (IF + "ip_addresses.1", "10.10.0.6/32")),
    ),
    (
        "rs-route-ip-invalid",
        "runtime-rs",
        E,
        f"{P_NI}.routes[0].gateway",
        _edit(RS, (RT + "0.gateway", "10.10.0.x")),
        _edit(RS, (RT + "0.gateway", "10.10.0.2")),
    ),
    (
        "go-route-ip-invalid",
        "go-runtime",
        W,
        f"{P_NI}.routes[0].source",
        _edit(GO, (RT + "0.source", "eth0")),
        _edit(GO, (RT + "0.source", "10.10.0.5")),
    ),
    (
        "rs-route-dest-host-bits",
        "runtime-rs",
        E,
        f"{P_NI}.routes[0].dest",
        _edit(RS, (RT + "0.dest", "10.20.1.5/16")),
        _edit(RS, (RT + "0.dest", "10.20.0.0/16")),
    ),
    (
        "go-route-dest-host-bits",
        "go-runtime",
        W,
        f"{P_NI}.routes[0].dest",
        _edit(GO, (RT + "0.dest", "10.20.1.5/16")),
        _edit(GO, (RT + "0.dest", "10.20.0.0/16")),
    ),
    (
        "rs-array-for-object",
        "runtime-rs",
        W,
        f"{P_NI}.interface",
        _edit(RS, (NI + "interface", [["10.10.0.5/24"], 1500])),
        _edit(RS),
    ),
    (
        "go-array-for-object",
        "go-runtime",
        E,
        f"{P_NI}.routes[0]",
        _edit(GO, (RT + "0", ["", "10.10.0.1"])),
        _edit(GO),
    ),
    (
        "rs-device-type",
        "runtime-rs",
        E,
        "$.devices[0].device.type",
        _edit(RS, (DEV + "device", VFIO)),
        _edit(RS),
    ),
    (
        "go-device-type",
        "go-runtime",
        E,
        "$.devices[0].device.type",
        _edit(GO, (DEV + "device", HOST_TAP)),
        _edit(GO),
    ),
    (
        "go-vfio-too-old",
        "go-runtime@3.9",
        E,
        "$.devices[0].device.type",
        _edit(GO),
        _edit(GO, (DEV + "device", HOST_TAP)),
    ),
    (
        "rs-address-loopback",
        "runtime-rs",
        W,
        f"{P_NI}.interface.ip_addresses[1]",
        _edit(RS, (IF + "ip_addresses.1", "127.0.0.1/8")),
        _edit(RS, (IF + "ip_addresses.1", "128.0.0.1/8")),
    ),
    (
        "rs-interface-flags",
        "runtime-rs",
        W,
        f"{P_NI}.interface.flags",
        _edit(RS, (IF + "flags", 0x81)),
        _edit(RS, (IF + "flags", 0x80)),
    ),
    (
        "go-interface-flags",
        "go-runtime",
        W,
        f"{P_NI}.interface.flags",
        _edit(GO, (IF + "flags", 0x80)),
        _edit(GO, (IF + "flags", 0)),
    ),
    (
        "rs-route-no-family",
        "runtime-rs",
        W,
        f"{P_NI}.routes[1]",
        _edit(RS, (RT + "1", {"scope": 253})),
        _edit(RS, (RT + "1", {"source": "10.10.0.5"})),
    ),
    (
        "go-route-v4-no-gateway",
        "go-runtime",
        E,
        f"{P_NI}.routes[1]",
        _edit(GO, (RT + "1", {"dest": "10.30.0.0/16"})),
        _edit(GO, (RT + "1", {"dest": "2001:db8::/32"})),
    ),
    (
        "go-route-empty",
        "go-runtime",
        W,
        f"{P_NI}.routes[1]",
        _edit(GO, (RT + "1", {})),
        _edit(GO, (RT + "1", {"gateway": "10.10.0.1"})),
    ),
    (
        "rs-gateway-v4-mapped",
        "runtime-rs",
        W,
        f"{P_NI}.routes[0].gateway",
        _edit(RS, (RT + "0.gateway", "::ffff:10.10.0.1")),
        _edit(RS, (RT + "0.gateway", "::fffe:10.10.0.1")),
    ),
    (
        "go-gateway-v4-mapped",
        "go-runtime",
        W,
        f"{P_NI}.routes[0].gateway",
        _edit(GO, (RT + "0.gateway", "::ffff:10.10.0.1")),
        _edit(GO),
    ),
    (
        "rs-route-flags-ignored",
        "runtime-rs@3.14",
        W,
        f"{P_NI}.routes[0].flags",
        _edit(RS, (RT + "0.flags", 4)),
        _edit(RS, (RT + "0.flags", 0)),
    ),
    (
        "rs-route-mtu-ignored",
        "runtime-rs@3.16.9",
        W,
        f"{P_NI}.routes[0].mtu",
        _edit(RS, (RT + "0.mtu", 1400)),
        _edit(RS, (RT + "0.mtu", 0)),
    ),
    (
        "go-route-flags-ignored",
        "go-runtime",
        W,
        f"{P_NI}.routes[0].flags",
        _edit(GO, (RT + "0.flags", 1)),
        _edit(GO, (RT + "0.flags", 0)),
    ),
    (
        "go-route-mtu-ignored",
        "go-runtime",
        W,
        f"{P_NI}.routes[0].mtu",
        _edit(GO, (RT + "0.mtu", 1400)),
        _edit(GO, (RT + "0.mtu", 0)),
    ),
    (
        "rs-neighbor-ip-plain",
        "runtime-rs",
        E,
        f"{P_NI}.neighbors[0].ip_address",
        _edit(RS, (NB + "ip_address", "10.10.0.1")),
        _edit(RS, (NB + "ip_address", "10.10.0.1/24")),
    ),
    (
        "go-neighbor-ip-prefix",
        "go-runtime",
        E,
        f"{P_NI}.neighbors[0].ip_address",
        _edit(GO, (NB + "ip_address", "10.10.0.1/32")),
        _edit(GO),
    ),
    (
        "rs-neighbor-mac-missing",
        "runtime-rs",
        I,
        f"{P_NI}.neighbors[0].hardware_addr",
        _edit(RS, (NB + "hardware_addr", DEL)),
        _edit(RS),
    ),
    (
        "go-neighbor-mac-missing",
        "go-runtime",
        E,
        f"{P_NI}.neighbors[0].hardware_addr",
        _edit(GO, (NB + "hardware_addr", "")),
        _edit(GO),
    ),
    (
        "rs-neighbor-int32",
        "runtime-rs",
        W,
        f"{P_NI}.neighbors[0].flags",
        _edit(RS, (NB + "flags", 2**31)),
        _edit(RS, (NB + "flags", 2**31 - 1)),
    ),
    (
        "go-neighbor-not-sent",
        "go-runtime",
        W,
        f"{P_NI}.neighbors[0].state",
        _edit(GO, (NB + "state", 0)),
        _edit(GO, (NB + "state", 2)),
    ),
    (
        "kernel-mtu-too-small",
        "runtime-rs",
        E,
        f"{P_NI}.interface.mtu",
        _edit(RS, (IF + "mtu", 67)),
        _edit(RS, (IF + "mtu", 68)),
    ),
    (
        "kernel-ipv6-mtu",
        "go-runtime",
        W,
        f"{P_NI}.interface.ip_addresses[1]",
        _edit(GO, (IF + "mtu", 1279), (IF + "ip_addresses.1", "2001:db8::5/64")),
        _edit(GO, (IF + "mtu", 1280), (IF + "ip_addresses.1", "2001:db8::5/64")),
    ),
    (
        "kernel-route-scope",
        "runtime-rs",
        W,
        f"{P_NI}.routes[0].scope",
        _edit(RS, (RT + "0.scope", 300)),
        _edit(RS, (RT + "0.scope", 200)),
    ),
    (
        "kernel-route-scope-nowhere",
        "go-runtime",
        E,
        f"{P_NI}.routes[0].scope",
        _edit(GO, (RT + "0.scope", 511)),
        _edit(GO, (RT + "0.scope", 510)),
    ),
    (
        "kernel-gateway-scope",
        "runtime-rs",
        E,
        f"{P_NI}.routes[0].gateway",
        _edit(RS, (RT + "0.scope", 253)),
        _edit(RS, (RT + "0.scope", 200)),
    ),
    (
        "kernel-onlink-without-gateway",
        "runtime-rs@3.15",
        E,
        f"{P_NI}.routes[1].flags",
        _edit(RS, (RT + "1", {"dest": "10.30.0.0/16", "flags": 4})),
        _edit(RS, (RT + "1", {"dest": "10.30.0.0/16", "flags": 4, "gateway": "10.10.0.1"})),
    ),
    (
        "kernel-mtu-too-large",
        "runtime-rs",
        E,
        f"{P_NI}.interface.mtu",
        _edit(RS, (IF + "mtu", 65536)),
        _edit(RS, (IF + "mtu", 65535)),
    ),
    (
        "agent-route-source-v4",
        "go-runtime",
        W,
        f"{P_NI}.routes[0].source",
        _edit(GO, (RT + "0.source", "10.10.0.5")),
        _edit(GO, (RT + "0.source", "")),
    ),
    (
        "agent-route-source-v6",
        "runtime-rs",
        W,
        f"{P_NI}.routes[1].source",
        _edit(RS, (RT + "1", {"dest": "2001:db8:1::/48", "source": "2001:db8::5"})),
        _edit(RS, (RT + "1", {"dest": "2001:db8:1::/48"})),
    ),
    (
        "agent-neighbor-ip-missing",
        "runtime-rs",
        E,
        f"{P_NI}.neighbors[0].ip_address",
        _edit(RS, (NB + "ip_address", None)),
        _edit(RS, (NB + "ip_address", None), (NB + "state", 2)),  # not sent since 3.20
    ),
    (
        "agent-neighbor-flags-u8",
        "go-runtime",
        W,
        f"{P_NI}.neighbors[0].flags",
        _edit(GO, (NB + "flags", 0x100)),
        _edit(GO, (NB + "flags", 0xFF)),
    ),
    (
        "rs-neighbor-not-sent",
        "runtime-rs@3.20",
        W,
        f"{P_NI}.neighbors[0].state",
        _edit(RS, (NB + "state", 2)),
        _edit(RS, (NB + "state", 128)),
    ),
    (
        "rs-neighbor-state-zero",
        "runtime-rs@3.19",
        I,
        f"{P_NI}.neighbors[0].state",
        _edit(RS, (NB + "state", 0)),
        _edit(RS, (NB + "state", 2)),
    ),
    (
        "rs-neighbor-state-u16",
        "runtime-rs@3.19",
        W,
        f"{P_NI}.neighbors[0].state",
        _edit(RS, (NB + "state", 0x10080)),
        _edit(RS, (NB + "state", 0xFFFF)),
    ),
    (
        "go-neighbor-int32",
        "go-runtime",
        W,
        f"{P_NI}.neighbors[0].flags",
        _edit(GO, (NB + "flags", 2**31)),
        _edit(GO, (NB + "flags", 2**31 - 1)),
    ),
    (
        "go-address-loopback",
        "go-runtime",
        W,
        f"{P_NI}.interface.ip_addresses[1]",
        _edit(GO, (IF + "ip_addresses.1", "::ffff:127.0.0.1/104")),
        _edit(GO, (IF + "ip_addresses.1", "::ffff:128.0.0.1/104")),
    ),
    (
        "go-ntype-unused",
        "go-runtime",
        I,
        f"{P_NI}.interface.ntype",
        _edit(GO, (IF + "ntype", "tuntap")),
        _edit(GO, (IF + "ntype", "")),
    ),
    (
        "go-netns-unused",
        "go-runtime",
        I,
        "$.netns",
        _edit(GO, ("netns", "/var/run/netns/pod")),
        _edit(GO),
    ),
    (
        "go-device-order",
        "go-runtime",
        I,
        "$.devices",
        _edit(GO, ("devices.0.name", "eth2"), ("devices.1", {**SECOND_GO, "name": "eth1"})),
        _edit(GO, ("devices.1", {**SECOND_GO, "name": "eth1"})),
    ),
    (
        "rs-vhost-user-hypervisor",
        "runtime-rs",
        I,
        "$.devices[0].device.type",
        _edit(RS, (DEV + "device", {"type": "vhost-user", "path": "/run/v.sock"})),
        _edit(RS),
    ),
    (
        "rs-queue-num-virtqueues",
        "runtime-rs@3.32",
        I,
        "$.devices[0].device.queue_num",
        _edit(RS, (DEV + "device.queue_num", 4)),
        _edit(RS, (DEV + "device.queue_num", 0)),
    ),
    (
        "rs-queue-num-pairs",
        "runtime-rs@4.0",
        I,
        "$.devices[0].device.queue_num",
        _edit(RS, (DEV + "device.queue_num", 2)),
        _edit(RS, (DEV + "device.queue_num", 0)),
    ),
    (
        # the kernel refuses the second one: EEXIST (IPv4, same prefix)
        "kernel-duplicate-address",
        "runtime-rs",
        E,
        f"{P_NI}.interface.ip_addresses[1]",
        _edit(RS, (IF + "ip_addresses.1", "10.10.0.5/24")),
        _edit(RS, (IF + "ip_addresses.1", "10.10.0.5/16")),  # another prefix: accepted
    ),
    (
        # the kernel refuses the second IPv6 one whatever its prefix: EEXIST
        "kernel-duplicate-address",
        "runtime-rs",
        E,
        f"{P_NI}.interface.ip_addresses[2]",
        _edit(RS, (IF + "ip_addresses.1", "fd00::5/64"), (IF + "ip_addresses.2", "fd00::5/80")),
        _edit(RS, (IF + "ip_addresses.1", "fd00::5/64"), (IF + "ip_addresses.2", "fd00::6/80")),
    ),
    (
        # on two links the kernel accepts it
        "kernel-address-shared",
        "runtime-rs",
        W,
        "$.devices[1].network_info.interface.ip_addresses[0]",
        _edit(RS, ("devices.1", SECOND)),
        _edit(
            RS,
            ("devices.1", SECOND),
            ("devices.1.network_info.interface.ip_addresses.0", "10.10.0.6/24"),
        ),
    ),
    (
        # EADDRNOTAVAIL: Cannot assign multicast address without "IFA_F_MCAUTOJOIN" flag
        "kernel-address-invalid",
        "runtime-rs",
        E,
        f"{P_NI}.interface.ip_addresses[1]",
        _edit(RS, (IF + "ip_addresses.1", "ff02::5/64")),
        _edit(RS, (IF + "ip_addresses.1", "224.0.0.5/24")),  # IPv4 multicast: accepted
    ),
    (
        # EADDRNOTAVAIL: ipv6: Invalid address
        "kernel-address-invalid",
        "runtime-rs",
        E,
        f"{P_NI}.interface.ip_addresses[1]",
        _edit(RS, (IF + "ip_addresses.1", "::/0")),
        _edit(RS, (IF + "ip_addresses.1", "0.0.0.0/0")),  # accepted, and not kept
    ),
    (
        # the agent sends the MTU as a u32: 2**32 + 1500 is 1500, which the kernel takes
        "agent-mtu-u32",
        "runtime-rs",
        W,
        f"{P_NI}.interface.mtu",
        _edit(RS, (IF + "mtu", 2**32 + 1500)),
        _edit(RS, (IF + "mtu", 1500)),
    ),
    (
        # ENODEV: the kernel turned IPv6 off on the link (mtu 1000)
        "kernel-ipv6-disabled",
        "runtime-rs",
        E,
        f"{P_NI}.routes[1]",
        _edit(RS, (IF + "mtu", 1000), (RT + "1", {"dest": "fd00:1::/64"})),
        _edit(RS, (IF + "mtu", 1280), (RT + "1", {"dest": "fd00:1::/64"})),
    ),
    (
        # EINVAL: IPv6 is disabled on this device
        "kernel-ipv6-disabled",
        "runtime-rs",
        E,
        f"{P_NI}.neighbors[0]",
        _edit(RS, (IF + "mtu", 1279), (NB + "ip_address", "fd00::1/128")),
        _edit(RS, (IF + "mtu", 1280 + 2**32), (NB + "ip_address", "fd00::1/128")),  # sent as 1280
    ),
    (
        # EINVAL: Invalid rtm_flags - can not contain DEAD or LINKDOWN
        "kernel-route-flags",
        "runtime-rs",
        E,
        f"{P_NI}.routes[0].flags",
        _edit(RS, (RT + "0.flags", 0x10)),
        _edit(RS, (RT + "0.flags", 0x200)),  # RTM_F_CLONED: an IPv4 route takes it
    ),
    (
        # EINVAL: Userspace can not set RTF_CACHE
        "kernel-route-flags",
        "runtime-rs",
        E,
        f"{P_NI}.routes[1].flags",
        _edit(RS, (RT + "1", {"dest": "fd00:1::/64", "flags": 0x200})),
        _edit(RS, (RT + "1", {"dest": "fd00:1::/64", "flags": 0x11})),  # IPv6 ignores these
    ),
    (
        # EINVAL: Invalid flags for nexthop - PERVASIVE and ONLINK can not be set
        "kernel-route-flags",
        "runtime-rs@3.15",
        E,
        f"{P_NI}.routes[1].flags",
        _edit(RS, (RT + "1", {"dest": "10.30.0.0/16", "flags": 2})),
        _edit(RS, (RT + "1", {"dest": "10.30.0.0/16", "flags": 2, "gateway": "10.10.0.1"})),
    ),
    (
        # EINVAL: No link layer address given
        "kernel-neighbor-lladdr",
        "runtime-rs",
        E,
        f"{P_NI}.neighbors[0].hardware_addr",
        _edit(RS, (NB + "hardware_addr", DEL)),
        _edit(RS, (NB + "hardware_addr", DEL), (NB + "ip_address", "224.0.0.5/32")),
    ),
    (
        # EEXIST: the agent adds neighbors with NLM_F_EXCL
        "kernel-duplicate-neighbor",
        "runtime-rs",
        E,
        f"{P_NI}.neighbors[1]",
        _edit(RS, (NI + "neighbors.1", RS[DEV[:-3]][0]["network_info"]["neighbors"][0])),
        _edit(
            RS,
            (NI + "neighbors.1", RS[DEV[:-3]][0]["network_info"]["neighbors"][0]),
            (NI + "neighbors.1.flags", 8),  # NTF_PROXY: a proxy entry
        ),
    ),
    (
        # the agent cannot put an IPv6 gateway in an IPv4 route
        "agent-route-family",
        "runtime-rs",
        E,
        f"{P_NI}.routes[0].gateway",
        _edit(RS, (RT + "0.dest", "10.20.0.0/16"), (RT + "0.gateway", "fe80::1")),
        _edit(RS, (RT + "0.dest", "fd20::/64"), (RT + "0.gateway", "fe80::1")),
    ),
    (
        # the kernel takes it and keeps fd00::/64
        "rs-route-dest-host-bits-v6",
        "runtime-rs",
        I,
        f"{P_NI}.routes[1].dest",
        _edit(RS, (RT + "1", {"dest": "fd00::7/64"})),
        _edit(RS, (RT + "1", {"dest": "fd00::/64"})),
    ),
    (
        "kernel-queue-size",
        "runtime-rs",
        E,
        "$.devices[0].device.queue_size",
        _edit(RS, (DEV + "device.queue_size", 300)),
        _edit(RS, (DEV + "device.queue_size", 256)),
    ),
    (
        "kernel-gateway-unreachable",
        "go-runtime",
        E,
        f"{P_NI}.routes[0].gateway",
        _edit(GO, (RT + "0.gateway", "10.10.1.1")),
        _edit(GO, (RT + "0.gateway", "10.10.0.254")),
    ),
]


def _ids(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.rule, f.severity.value, f.path) for f in findings]


@pytest.mark.parametrize(("base", "runtime"), [(RS, "runtime-rs"), (GO, "go-runtime")])
def test_the_bases_have_no_findings(base: dict[str, Any], runtime: str) -> None:
    assert check(json.dumps(base), runtime) == []


def test_every_rule_has_a_case() -> None:
    # The kernel's own rules have their cases in test_check_kernel.py.
    static = {rule.id for rule in RULES if rule.reads != "kernel"}
    assert sorted({case[0] for case in CASES}) == sorted(static)


@pytest.mark.parametrize(
    ("rule", "runtime", "severity", "path", "trigger", "near"), CASES, ids=[c[0] for c in CASES]
)
def test_rule(rule: str, runtime: str, severity: str, path: str, trigger: str, near: str) -> None:
    assert (rule, severity, path) in _ids(check(trigger, runtime))
    assert rule not in {finding.rule for finding in check(near, runtime)}


@pytest.mark.parametrize(
    ("runtime", "rule"), [("go-runtime", "rs-unknown-key"), ("runtime-rs", "go-key-case")]
)
def test_a_rule_of_the_other_runtime_never_fires(runtime: str, rule: str) -> None:
    text = _edit(RS, (RAW, ('"neighbors"', '"Neighbors"')))
    assert rule not in {finding.rule for finding in check(text, runtime)}


@pytest.mark.parametrize("size", [65536, 3, 32769])
def test_queue_sizes_the_hypervisor_refuses(size: int) -> None:
    text = _edit(RS, (DEV + "device.queue_size", size))
    assert "kernel-queue-size" in {f.rule for f in check(text, "runtime-rs")}


@pytest.mark.parametrize("size", [0, 1, 32768])
def test_queue_sizes_that_work(size: int) -> None:
    text = _edit(RS, (DEV + "device.queue_size", size))
    assert check(text, "runtime-rs") == []


@pytest.mark.parametrize(
    "changes",
    [
        [(RT + "0.flags", 4)],  # RTNH_F_ONLINK
        [(RT + "1", {"dest": "10.99.0.0/16", "scope": 253})],  # a link route covers it
        [(RT + "0.gateway", "fe80::1")],  # link-local
    ],
)
def test_gateways_reachable_without_an_address(changes: list[tuple[str, Any]]) -> None:
    text = _edit(RS, (RT + "0.gateway", "10.99.0.1"), *changes)
    if changes[0][1] == "fe80::1":
        text = _edit(RS, *changes)
    assert "kernel-gateway-unreachable" not in {f.rule for f in check(text, "runtime-rs")}


def test_go_reads_a_key_in_another_case_and_the_fold_keeps_the_document_path() -> None:
    text = _edit(GO, (NB + "state", 0), (RAW, ('"neighbors"', '"Neighbors"')))
    assert _ids(check(text, "go-runtime")) == [
        ("go-key-case", I, f"{P_NI}.Neighbors"),
        ("go-neighbor-not-sent", W, f"{P_NI}.Neighbors[0].state"),
    ]


@pytest.mark.parametrize(
    ("key", "where"),
    [
        ("guest_mac", "$.devices[0]"),
        ("mtu", f"{P_NI}.interface"),
        ("ip_addresses", f"{P_NI}.interface"),
    ],
)
def test_go_reads_a_miscased_key_as_present_and_runtime_rs_as_missing(key: str, where: str) -> None:
    text = _edit(GO, (RAW, (f'"{key}"', f'"{key.upper()}"')))
    go = _ids(check(text, "go-runtime"))
    assert go == [("go-key-case", I, f"{where}.{key.upper()}")]
    rs = {(f.rule, f.path) for f in check(text, "runtime-rs")}
    assert (f"rs-{key.replace('_', '-')}-missing", f"{where}.{key}") in rs


@pytest.mark.parametrize(
    ("key", "rule", "where"),
    [
        ("guest_mac", "go-guest-mac-missing", "$.devices[0]"),
        ("mtu", "go-mtu-missing", f"{P_NI}.interface"),
        ("ip_addresses", "go-ip-addresses-missing", f"{P_NI}.interface"),
    ],
)
def test_go_reads_a_null_as_the_zero_value_hence_missing(key: str, rule: str, where: str) -> None:
    path = {"guest_mac": DEV, "mtu": IF, "ip_addresses": IF}[key] + key
    for spelled in (key, key.title()):  # null in any letter case
        text = _edit(GO, (path, None), (RAW, (f'"{key}"', f'"{spelled}"')))
        found = [f for f in check(text, "go-runtime") if f.rule == rule]
        assert [(f.path, f.message.split(":")[0]) for f in found] == [
            (f"{where}.{key}", f'"{key}" is null')
        ]


def test_go_reads_miscased_devices_as_devices() -> None:
    text = _edit(GO, (RAW, ('"devices"', '"DEVICES"')))
    assert _ids(check(text, "go-runtime")) == [("go-key-case", I, "$.DEVICES")]
    assert ("rs-devices-missing", E, "$.devices") in _ids(check(text, "runtime-rs"))


def test_go_merges_duplicate_objects() -> None:
    # The first interface sets flags; the second does not: Go keeps flags 0x80.
    text = _edit(GO, (RAW, ('"interface": {', '"interface": {"flags": 128}, "interface": {')))
    assert [f.rule for f in check(text, "go-runtime")] == [
        "go-duplicate-object",
        "go-interface-flags",
    ]
    assert "rs-duplicate-key" in {f.rule for f in check(text, "runtime-rs")}


def test_runtime_rs_skips_an_address_and_later_paths_stay_those_of_the_document() -> None:
    addresses = ["10.10.0.5", "10.10.0.6/24", "127.0.0.1/8"]
    text = _edit(RS, (IF + "ip_addresses", addresses))
    assert _ids(check(text, "runtime-rs")) == [
        ("rs-address-not-cidr", W, f"{P_NI}.interface.ip_addresses[0]"),
        ("rs-address-loopback", W, f"{P_NI}.interface.ip_addresses[2]"),
    ]


def test_go_reads_normalised_values_and_checks_the_rest() -> None:
    text = _edit(
        GO,
        (DEV + "guest_mac", "0A-58-0A-0A-00-05"),
        (RT + "0.dest", "10.20.1.5/16"),
        (NB + "state", 0),
    )
    assert _ids(check(text, "go-runtime")) == [
        ("go-guest-mac-form", W, "$.devices[0].guest_mac"),
        ("go-neighbor-not-sent", W, f"{P_NI}.neighbors[0].state"),
        ("go-route-dest-host-bits", W, f"{P_NI}.routes[0].dest"),
    ]


def test_an_unreadable_optional_value_does_not_hide_the_rest() -> None:
    text = _edit(RS, (NB + "hardware_addr", "xx:xx"), (IF + "mtu", 60))
    assert _ids(check(text, "runtime-rs")) == [
        ("kernel-mtu-too-small", E, f"{P_NI}.interface.mtu"),
        ("value-invalid", E, f"{P_NI}.neighbors[0].hardware_addr"),
    ]


def test_a_required_value_danmodel_cannot_read_stops_the_config_rules() -> None:
    text = _edit(RS, (DEV + "name", ""), (IF + "mtu", 60))
    assert _ids(check(text, "runtime-rs")) == [("value-invalid", E, "$.devices[0].name")]


def test_a_single_device_document() -> None:
    text = json.dumps(RS["devices"][0])
    findings = check(text, "runtime-rs")
    missing = [f for f in findings if f.rule == "rs-devices-missing"]
    assert missing[0].fix == 'put the device in a config: {"devices": [...]}'
    assert {f.path for f in findings if f.rule == "rs-unknown-key"} == {
        "$.name",
        "$.guest_mac",
        "$.device",
        "$.network_info",
    }


def test_syntax_errors_carry_line_and_column() -> None:
    (finding,) = check('{\n  "devices": [}', "go-runtime")
    assert (finding.rule, finding.line, finding.column) == ("json-invalid", 2, 15)
    assert str(finding).startswith("$ (line 2, column 15): error [json-invalid]: invalid JSON")


def test_a_finding_as_text_and_data() -> None:
    text = _edit(GO, (IF + "mtu", DEL))
    (finding,) = check(text, "go-runtime")
    # A missing key is located at the object that lacks it: the interface's opening brace.
    assert "\n" not in text
    column = text.index('"interface": {') + len('"interface": {')
    assert str(finding) == (
        f"$.devices[0].network_info.interface.mtu (line 1, column {column}): "
        'error [go-mtu-missing]: "mtu" is missing: '
        "the Go runtime uses 0, where runtime-rs and danmodel use 1500, and the agent sets "
        "the MTU even when it is 0, which the kernel refuses, so the sandbox fails. "
        'Fix: write "mtu": 1500 (or the link\'s MTU)'
    )
    assert finding.to_dict() == {
        "rule": "go-mtu-missing",
        "severity": "error",
        "path": "$.devices[0].network_info.interface.mtu",
        "message": '"mtu" is missing: the Go runtime uses 0, '
        "where runtime-rs and danmodel use 1500, and the agent sets "
        "the MTU even when it is 0, which the kernel refuses, so the sandbox fails",
        "fix": 'write "mtu": 1500 (or the link\'s MTU)',
        "line": 1,
        "column": column,
    }


def test_a_config_object_is_checked_by_the_config_rules() -> None:
    import danmodel

    config = danmodel.loads(_edit(RS, (NB + "ip_address", "10.10.0.1"), (IF + "mtu", DEL)))
    assert _ids(check(config, "runtime-rs")) == [
        ("rs-neighbor-ip-plain", E, f"{P_NI}.neighbors[0].ip_address")
    ]


def test_bytes_and_files(tmp_path: Any) -> None:
    path = tmp_path / "sandbox.json"
    path.write_bytes(_edit(GO, (DEV + "device", HOST_TAP)).encode())
    assert [f.rule for f in check_file(path, "go-runtime")] == ["go-device-type"]
    assert [f.rule for f in check(path.read_bytes(), "go-runtime")] == ["go-device-type"]
    with pytest.raises(FileNotFoundError):
        check_file(tmp_path / "missing.json", "go-runtime")


def test_what_check_refuses() -> None:
    with pytest.raises(TypeError, match="expected a DanConfig, JSON text or bytes, found dict"):
        check({"devices": []}, "runtime-rs")  # type: ignore[arg-type]


def test_severity_ranks() -> None:
    assert [s.rank for s in Severity] == [2, 1, 0]
    assert str(Severity.WARNING) == "warning"


def test_rule_releases_text() -> None:
    releases = {rule.id: rule.releases for rule in RULES}
    assert releases["rs-route-flags-ignored"] == "before 3.15.0"
    assert releases["go-vfio-too-old"] == "before 3.10.0"
    assert releases["kernel-route-scope"] == "all"


def test_rejected_error_pickles() -> None:
    import pickle

    finding = Finding(rule="r", severity=Severity.ERROR, path="$", message="m")
    error = ProfileRejectedError([finding], "go-runtime")
    again = pickle.loads(pickle.dumps(error))
    assert (again.findings, again.profile, str(again)) == (
        (finding,),
        "go-runtime",
        "1 problem in DAN config for go-runtime: $: m [r]",
    )


# --- releases ---------------------------------------------------------------------------------

REACHABLE_GATEWAY = _edit(
    RS, (NB + "state", 2), (RT + "0", {"dest": "0.0.0.0/0", "gateway": "10.10.0.1"})
)


def _rules(text: str, runtime: str) -> list[str]:
    return [finding.rule for finding in check(text, runtime)]


def test_runtime_rs_drops_a_reachable_neighbor_since_3_20() -> None:
    assert _rules(REACHABLE_GATEWAY, "runtime-rs@3.19") == []
    assert _rules(REACHABLE_GATEWAY, "runtime-rs@3.20") == ["rs-neighbor-not-sent"]
    assert _rules(REACHABLE_GATEWAY, "runtime-rs") == ["rs-neighbor-not-sent"]


def test_the_go_runtime_sends_a_reachable_gateway_neighbor_since_3_29() -> None:
    text = _edit(GO, (NB + "state", 2), (RT + "0", {"gateway": "10.10.0.1"}))
    assert _rules(text, "go-runtime@3.28") == ["go-neighbor-not-sent"]
    assert _rules(text, "go-runtime@3.29") == []
    # not the gateway of a default route: a /16 dest
    other = _edit(json.loads(text), ("devices.0.network_info.routes.0.dest", "10.20.0.0/16"))
    assert _rules(other, "go-runtime@3.29") == ["go-neighbor-not-sent"]
    # spelled with a prefix, the Go runtime has no address to compare with the gateway
    prefixed = _edit(json.loads(text), (NB + "ip_address", "10.10.0.1/32"))
    assert _rules(prefixed, "go-runtime") == ["go-neighbor-not-sent"]


def test_a_bare_runtime_name_is_the_newest_release() -> None:
    for text in (REACHABLE_GATEWAY, _edit(RS, (DEV + "device.queue_num", 2))):
        assert check(text, "runtime-rs") == check(text, "runtime-rs@4.1")
    assert _rules(_edit(RS, (DEV + "device.queue_num", 2)), "runtime-rs") == ["rs-queue-num-pairs"]


def test_a_neighbor_that_is_not_sent_does_not_fail_the_sandbox() -> None:
    plain = _edit(RS, (NB + "ip_address", "10.10.0.1"), (NB + "state", 0))
    assert _rules(plain, "runtime-rs@3.19") == ["rs-neighbor-ip-plain", "rs-neighbor-state-zero"]
    assert _rules(plain, "runtime-rs") == ["rs-neighbor-not-sent"]
    prefixed = _edit(GO, (NB + "ip_address", "10.10.0.1/32"), (NB + "state", 4))
    assert _rules(prefixed, "go-runtime") == ["go-neighbor-not-sent"]


def test_the_gateway_fix_applies_to_the_runtime_and_release() -> None:
    unreachable = _edit(RS, (RT + "0.gateway", "10.99.0.1"))
    (finding,) = check(unreachable, "runtime-rs@3.15")
    assert finding.fix is not None
    assert "RTNH_F_ONLINK (0x4)" in finding.fix
    assert "set the route flag" in finding.fix
    for runtime, text in (
        ("runtime-rs@3.14", unreachable),
        ("go-runtime", _edit(GO, (RT + "0.gateway", "10.99.0.1"))),
    ):
        (finding,) = check(text, runtime)
        assert finding.fix is not None
        assert "set the route flag" not in finding.fix
        assert "cannot help" in finding.fix
    # the flag reaches the kernel from runtime-rs 3.15 only
    onlink = _edit(json.loads(unreachable), (RT + "0.flags", 4))
    assert _rules(onlink, "runtime-rs@3.15") == []
    assert _rules(onlink, "runtime-rs@3.14") == [
        "rs-route-flags-ignored",
        "kernel-gateway-unreachable",
    ]
    go_onlink = _edit(GO, (RT + "0.gateway", "10.99.0.1"), (RT + "0.flags", 4))
    assert _rules(go_onlink, "go-runtime") == [
        "go-route-flags-ignored",
        "kernel-gateway-unreachable",
    ]
    no_gateway = _edit(RS, (RT + "1", {"dest": "10.30.0.0/16", "flags": 4}))
    assert "kernel-onlink-without-gateway" not in _rules(no_gateway, "runtime-rs@3.14")


def test_scope_is_truncated_to_a_byte() -> None:
    (finding,) = check(_edit(RS, (RT + "1", {"dest": "10.30.0.0/16", "scope": 300})), "runtime-rs")
    assert (finding.rule, finding.severity) == ("kernel-route-scope", Severity.WARNING)
    assert finding.message.startswith("scope 300 (the guest gets 44): ")
    nowhere = check(_edit(RS, (RT + "1", {"dest": "10.30.0.0/16", "scope": 255})), "runtime-rs")
    assert _ids(nowhere) == [("kernel-route-scope-nowhere", E, f"{P_NI}.routes[1].scope")]
    # 254 + 256: a host-scope route with a gateway once truncated
    host = check(_edit(RS, (RT + "0.scope", 510)), "runtime-rs")
    assert [f.rule for f in host] == ["kernel-gateway-scope", "kernel-route-scope"]


def test_ipv6_below_1280_is_a_silent_loss_and_below_68_the_mtu_fails() -> None:
    text = _edit(RS, (IF + "ip_addresses.1", "2001:db8::5/64"))
    assert _ids(check(_edit(json.loads(text), (IF + "mtu", 1279)), "runtime-rs")) == [
        ("kernel-ipv6-mtu", W, f"{P_NI}.interface.ip_addresses[1]")
    ]
    assert _rules(_edit(json.loads(text), (IF + "mtu", 67)), "runtime-rs") == [
        "kernel-mtu-too-small"
    ]


def test_the_vfio_rule_names_the_upstream_proposal() -> None:
    (finding,) = check(_edit(RS, (DEV + "device", VFIO)), "runtime-rs")
    assert "open upstream proposal would accept it with QEMU" in finding.message


def test_go_device_order_fix_lists_the_sorted_names() -> None:
    text = _edit(GO, ("devices.0.name", "eth2"), ("devices.1", {**SECOND_GO, "name": "eth1"}))
    (finding,) = check(text, "go-runtime")
    assert finding.message.startswith("devices eth2, eth1: ")
    assert finding.fix == "list the devices sorted by name: eth1, eth2"


def test_rule_ranges() -> None:
    releases = {(rule.id, rule.releases) for rule in RULES}
    assert ("rs-neighbor-not-sent", "3.20.0 and later") in releases
    assert ("go-neighbor-not-sent", "before 3.29.0") in releases
    assert ("go-neighbor-not-sent", "3.29.0 and later") in releases
    assert ("rs-queue-num-virtqueues", "before 4.0.0") in releases
    assert ("rs-queue-num-pairs", "4.0.0 and later") in releases


@pytest.mark.parametrize("runtime", ["runtime-rs", "go-runtime@3.10"])
def test_an_empty_file_fails_the_sandbox(runtime: str) -> None:
    (finding,) = check("", runtime)
    assert (finding.rule, finding.severity) == ("json-invalid", Severity.ERROR)
    assert "both runtimes reject the file" in finding.message


@pytest.mark.parametrize(("source", "covers"), [("10.10.0.5/0", True), ("10.9.9.9/0", False)])
def test_a_link_route_covers_gateways_only_when_the_kernel_takes_it(
    source: str, covers: bool
) -> None:
    # observed: "Invalid prefsrc address" for a preferred source no link holds, and then
    # "Nexthop has invalid gateway" for a gateway only that route would cover
    text = _edit(
        RS,
        (RT + "1", {"dest": "10.5.0.0/24", "scope": 253, "source": source}),
        (RT + "2", {"dest": "10.6.0.0/24", "gateway": "10.5.0.1"}),
    )
    found = {(f.rule, f.path) for f in check(text, "runtime-rs")}
    unreachable = ("kernel-gateway-unreachable", f"{P_NI}.routes[2].gateway")
    assert (unreachable in found) is not covers


def test_kernel_rules_look_at_ipv4_routes_only_where_ipv6_ignores_the_value() -> None:
    # observed: IPv6 routes take any scope, and RTNH_F_ONLINK without gateway
    text = _edit(
        RS,
        (RT + "1", {"dest": "fd00:1::/64", "scope": 255, "flags": 4}),
        (RT + "2", {"dest": "fd00:2::/64", "gateway": "fe80::1", "scope": 254}),
    )
    rules = {f.rule for f in check(text, "runtime-rs")}
    assert not rules & {
        "kernel-route-scope-nowhere",
        "kernel-onlink-without-gateway",
        "kernel-gateway-scope",
    }


@pytest.mark.parametrize("flags", [0x2, 0x4, 0x6])
@pytest.mark.parametrize("scope", [254, 510])  # host, and 510 that the agent truncates to 254
def test_a_host_route_without_gateway_takes_any_next_hop_flag(flags: int, scope: int) -> None:
    # Observed: the kernel checks no next hop of a host-scope route (fib_create_info), so
    # PERVASIVE and ONLINK without a gateway are refused on other scopes only.
    route = {"dest": "10.0.1.0/24", "scope": scope, "flags": flags}
    findings = check(_edit(RS, (RT + "0", route)), "runtime-rs")
    assert [
        f for f in findings if f.rule.startswith("kernel-") and f.severity.value == "error"
    ] == []
    other = check(_edit(RS, (RT + "0", dict(route, scope=0))), "runtime-rs")
    assert {f.rule for f in other if f.severity.value == "error"} & {
        "kernel-route-flags",
        "kernel-onlink-without-gateway",
    }


def _unsorted_devices(count: int) -> str:
    """A document of ``count`` host-tap devices named in reverse order (go-device-order)."""
    devices = [
        {
            "name": f"eth{index:05d}",
            "guest_mac": f"0a:58:0a:0c:{index // 256:02x}:{index % 256:02x}",
            "device": {"type": "host-tap", "tap_name": f"tap{index}"},
            "network_info": {"interface": {"ip_addresses": [], "flags": 1}},
        }
        for index in reversed(range(count))
    ]
    return json.dumps({"devices": devices}, indent=1)


def test_a_long_device_list_is_shortened_in_the_message() -> None:
    (finding,) = [
        f for f in check(_unsorted_devices(40), "go-runtime") if f.rule == "go-device-order"
    ]
    assert finding.message.startswith("devices eth00039, eth00038,")
    assert "eth00024 and 24 more: the Go runtime sorts" in finding.message
    assert finding.fix is not None
    assert finding.fix.endswith("eth00014, eth00015 and 24 more")


def test_the_first_thousand_findings_carry_their_position() -> None:
    from danmodel.check.checker import MAX_POSITIONED

    findings = check(_unsorted_devices(MAX_POSITIONED + 20), "go-runtime")
    flags = [f for f in findings if f.rule == "go-interface-flags"]
    assert len(findings) > MAX_POSITIONED
    assert len(flags) == MAX_POSITIONED + 20
    assert all(f.line is not None for f in findings[:MAX_POSITIONED])
    assert all(f.line is None and f.column is None for f in findings[MAX_POSITIONED:])
    # One device per 11 lines of the indented text: each finding points at its own.
    lines = [f.line for f in flags if f.line is not None]
    assert lines == sorted(lines)
    assert len(set(lines)) == len(lines)


def test_path_map_maps_through_the_longest_recorded_prefix() -> None:
    from danmodel.check.facts import PathMap

    paths = PathMap()
    paths.add("$.devices[0]['a.b[1]']", "$.Devices[0]['A.b[1]']")
    paths.add("$.devices[0]", "$.Devices[0]")
    assert paths.to_document("$.devices[0]['a.b[1]'].x[2]") == "$.Devices[0]['A.b[1]'].x[2]"
    assert paths.to_document("$.devices[0]['a.b[2]']") == "$.Devices[0]['a.b[2]']"
    assert paths.to_document("$.devices[1]") == "$.devices[1]"
    assert paths.to_config("$.Devices[0]['A.b[1]']") == "$.devices[0]['a.b[1]']"
    assert paths.to_config("$") == "$"


_PATH_PIECES = [
    "$",
    "$.devices",
    "$.devices[",
    "$.devices[]",
    "$.devices['1']",
    "$.devices[x]",
    "[",
    "]",
    ".network_info.routes[",
    ".gateway",
    "['eth0']",
    "['0x']",
    "'",
    "٣",  # a decimal digit outside ASCII: the order reads it as a number, as int() does
    "²",  # a digit that is not decimal: text
]


_DEVICE_PATHS = st.builds(
    "$.devices[{}]{}".format,
    st.integers(0, 120),
    st.sampled_from(
        [
            "",
            ".name",
            ".network_info.routes[2].gateway",
            ".network_info.routes[10]",
            # tails whose parts are equal: ties kept in their order
            "['k01']",
            "['k1']",
            "['k001']",
            "]",
        ]
    ),
)


@given(
    st.lists(
        st.one_of(
            _DEVICE_PATHS,
            st.lists(
                st.one_of(st.sampled_from(_PATH_PIECES), st.integers(0, 120).map(str)),
                max_size=6,
            ).map("".join),
        ),
        max_size=40,
    )
)
@example(["$.devices[10].name", "$.devices[9].name", "$.devices[9]", "$.devices", "$"])
@example(["$.devices[1]['k01']", "$.devices[2]['k1']", "$.devices[2]['k01']"])
def test_findings_are_sorted_with_indexes_compared_as_numbers(paths: list[str]) -> None:
    """Document order: the path as text and numbers, every digit run read as a number
    (``[10]`` after ``[9]``), ties kept in their order."""
    import re

    from danmodel.check.checker import _in_path_order

    findings = [
        Finding(rule=str(index), severity=Severity.INFO, path=path, message="m")
        for index, path in enumerate(paths)
    ]

    def parts(path: str) -> list[object]:  # written independently of the checker's
        pieces = re.split(r"(\d+)", path)
        return [int(piece) if index % 2 else piece for index, piece in enumerate(pieces)]

    expected = sorted(findings, key=lambda finding: parts(finding.path))
    _in_path_order(findings)
    assert findings == expected


@given(
    st.text(max_size=8),
    st.sampled_from(Severity),
    st.text(max_size=8),
    st.text(max_size=8),
    st.none() | st.text(max_size=8),
    st.none() | st.integers(1, 10**6),
    st.none() | st.integers(1, 10**6),
)
def test_new_finding_is_the_finding_the_constructor_makes(
    rule: str,
    severity: Severity,
    path: str,
    message: str,
    fix: str | None,
    line: int | None,
    column: int | None,
) -> None:
    import attrs

    from danmodel.check import findings

    made = findings.new_finding(rule, severity, path, message, fix, line, column)
    expected = Finding(
        rule=rule, severity=severity, path=path, message=message, fix=fix, line=line, column=column
    )
    assert type(made) is Finding
    assert made == expected
    assert hash(made) == hash(expected)
    assert repr(made) == repr(expected)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.path = "$"  # type: ignore[misc]


_MAP_PATHS = st.lists(
    st.sampled_from([".a", ".b", "[0]", "[1]", "['x.y[2]']", ".A"]), min_size=0, max_size=4
).map(lambda steps: "$" + "".join(steps))


@given(
    st.lists(
        st.tuples(st.booleans(), _MAP_PATHS, _MAP_PATHS),
        max_size=30,
    )
)
def test_path_map_remembers_prefixes_only_until_the_next_addition(
    operations: list[tuple[bool, str, str]],
) -> None:
    """Adds and lookups in any order give what the longest recorded prefix gives."""
    from danmodel.check.facts import PathMap, prefixes

    paths = PathMap()
    to_document: dict[str, str] = {}
    to_config: dict[str, str] = {}

    def through(table: dict[str, str], path: str) -> str:
        for prefix in prefixes(path):  # longest first
            if prefix in table:
                return table[prefix] + path[len(prefix) :]
        return path

    for adding, first, second in operations:
        if adding:
            paths.add(first, second)
            if first != second:
                to_document[first] = second
                to_config[second] = first
        else:
            assert paths.to_document(first) == through(to_document, first)
            assert paths.to_config(second) == through(to_config, second)


@given(
    st.sampled_from([1, 2]).flatmap(dan_configs),
    st.sampled_from(["go-runtime", "runtime-rs", "runtime-rs@3.19"]),
)
def test_context_indexes_are_the_plain_filters(config: Any, runtime: str) -> None:
    """What the rules share (routes by trait, neighbors by sending, addresses sent and
    skipped) is what filtering every route, neighbor and address gives, in order."""
    from danmodel.check.profiles import profile
    from danmodel.check.rules import Context

    chosen = profile(runtime)
    context = Context(profile=chosen, config=config)
    routes = list(context.routes())

    def versions(route: Any) -> set[int]:
        values = (route.dest, route.gateway, route.source)
        return {value.version for value in values if value is not None}

    plain = {
        "no gateway": [entry for entry in routes if entry[1].gateway is None],
        "IPv6 gateway": [entry for entry in routes if getattr(entry[1].gateway, "version", 0) == 6],
        "source": [entry for entry in routes if entry[1].source is not None],
        "mixed families": [entry for entry in routes if len(versions(entry[1])) > 1],
        "flags": [entry for entry in routes if getattr(entry[1], "flags", 0)],
        "mtu": [entry for entry in routes if getattr(entry[1], "mtu", 0)],
        "scope over 0xff": [entry for entry in routes if entry[1].scope > 0xFF],
    }
    for trait, expected in plain.items():
        assert list(context.routes_where(trait)) == expected, trait  # type: ignore[arg-type]
    neighbors = list(context.neighbors())
    sent = [
        chosen.sends_neighbor(neighbor, device.network_info.routes)
        for _, neighbor, device in neighbors
    ]
    pairs = list(zip(neighbors, sent, strict=True))
    assert list(context.sent_neighbors()) == [entry for entry, sends in pairs if sends]
    assert list(context.unsent_neighbors()) == [entry for entry, sends in pairs if not sends]
    skipped = []
    for path, device in context.devices():
        addresses = device.network_info.interface.ip_addresses
        assert context.sent_addresses(path) == [
            (index, address, int(address))
            for index, address in enumerate(addresses)
            if not chosen.skips_address(address)
        ]
        skipped += [
            (path, index, address)
            for index, address in enumerate(addresses)
            if chosen.skips_address(address)
        ]
    assert list(context.skipped_addresses()) == skipped


@pytest.mark.parametrize("runtime", ["go-runtime", "runtime-rs"])
def test_nothing_of_a_check_outlives_it(runtime: str) -> None:
    """The kernel simulation goes with its check: neither the config checked (a model
    object, or the one read from text) nor the rules' context is kept once it returns."""
    import gc
    import weakref

    from danmodel import loads
    from danmodel.check.rules import Context

    def contexts() -> int:
        gc.collect()
        return sum(1 for item in gc.get_objects() if isinstance(item, Context))

    text = json.dumps(GO if runtime == "go-runtime" else RS)
    config = loads(text)
    kept = weakref.ref(config)
    before = contexts()
    check(config, runtime)
    del config
    assert contexts() == before
    assert kept() is None
    check(text, runtime)
    assert contexts() == before
