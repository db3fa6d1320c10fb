"""dan-tap with the real kernel and the real IPAM plugins (Debian's containernetworking-plugins).

Every test makes a throwaway network namespace that stands in for the host and
runs the plugin there, either as a runtime does (``ip netns exec HOST dan-tap``
with the CNI environment and the configuration on stdin) or in this process
with ``"netns"`` naming the throwaway namespace (every link request then goes
through a netlink socket opened inside it). Nothing runs in the machine's own
namespace: the fixture checks that its links did not change and that no
namespace of the test is left. host-local keeps its leases under ``tmp_path``.
Locally these tests skip without root, ``ip``, ``/dev/net/tun``, pyroute2 or
the plugins; with ``CI`` set they fail instead.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import danmodel
from cni_support import PLUGINS, console_script, namespaces, require_plugins
from danmodel.cni import standalone

NEEDED = ("host-local", "static")
VERSION = "1.0.0"  # the newest version Debian's plugins (1.1.1) speak
PERMANENT = 0x80


@pytest.fixture(scope="module")
def available() -> None:
    require_plugins("the dan-tap tests", NEEDED, taps=True)


def _ip(netns: str | None, *arguments: str) -> Any:
    command = ["ip", "-j", "-d", *arguments]
    if netns is not None:
        command = ["ip", "netns", "exec", netns, *command]
    shown = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(shown.stdout) if shown.stdout.strip() else []


def tap_name(container_id: str, ifname: str) -> str:
    """The default ``dan{hash}``: 10 hex digits of SHA-256 of ``container_id/ifname``."""
    return "dan" + hashlib.sha256(f"{container_id}/{ifname}".encode()).hexdigest()[:10]


def derived_mac(container_id: str, ifname: str) -> str:
    """The ``derived`` policy: 6 octets of the same digest, locally administered unicast."""
    octets = bytearray(hashlib.sha256(f"{container_id}/{ifname}".encode()).digest()[:6])
    octets[0] = (octets[0] | 0x02) & 0xFE
    return ":".join(f"{octet:02x}" for octet in octets)


class Host:
    """A throwaway namespace standing in for the host, and a runtime that runs dan-tap there."""

    def __init__(self, tmp_path: Path, tag: str) -> None:
        self.tag = tag
        self.ns = f"dant-{tag}"
        self.others: list[str] = []
        self.tmp = tmp_path
        self.dan_conf = tmp_path / "dans"
        self.ipam_dir = tmp_path / "ipam"
        self.bridge = f"dtb{tag[:8]}"
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        console_script(bin_dir, "dan-tap", "danmodel.cni.standalone")
        self.path = f"{bin_dir}:{PLUGINS}"
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        subprocess.run(
            ["ip", "netns", "exec", self.ns, "ip", "link", "set", "lo", "up"], check=True
        )

    def namespace(self, suffix: str) -> str:
        name = f"dant-{self.tag}-{suffix}"
        subprocess.run(["ip", "netns", "add", name], check=True)
        self.others.append(name)
        return name

    def close(self) -> None:
        for name in [*self.others, self.ns]:
            subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)

    def config(self, **keys: Any) -> dict[str, Any]:
        ipam = {
            "type": "host-local",
            "ranges": [[{"subnet": "10.99.0.0/24"}], [{"subnet": "fd99::/64"}]],
            "routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}],
            "dataDir": str(self.ipam_dir),
        }
        return {
            "cniVersion": VERSION,
            "name": "kata-dan",
            "type": "dan-tap",
            "danConf": str(self.dan_conf),
            "bridge": self.bridge,
            "mtu": 1400,
            "bridgeMtu": 1450,
            "isGateway": True,
            "gatewayNeighbor": True,
            "ipam": ipam,
            **keys,
        }

    def environment(self, command: str, container_id: str, ifname: str) -> dict[str, str]:
        return {
            "CNI_COMMAND": command,
            "CNI_CONTAINERID": container_id,
            "CNI_NETNS": f"/var/run/netns/pod-{container_id}",
            "CNI_IFNAME": ifname,
            "CNI_PATH": self.path,
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        }

    def run(
        self, command: str, config: dict[str, Any], container_id: str, ifname: str = "eth0"
    ) -> tuple[int, Any, str]:
        """dan-tap as a runtime runs it, inside the host namespace: status, stdout, stderr."""
        done = subprocess.run(
            ["ip", "netns", "exec", self.ns, str(self.tmp / "bin" / "dan-tap")],
            input=json.dumps(config).encode(),
            env=self.environment(command, container_id, ifname),
            capture_output=True,
            timeout=120,
            check=False,
        )
        out = done.stdout.decode()
        return done.returncode, json.loads(out) if out.strip() else None, done.stderr.decode()

    def call(
        self, command: str, config: dict[str, Any], container_id: str, ifname: str = "eth0"
    ) -> tuple[int, Any, str]:
        """dan-tap in this process; ``config`` must name a throwaway namespace in ``netns``."""
        assert config.get("netns", "host") != "host"
        out, err = io.StringIO(), io.StringIO()
        environment = {**os.environ, **self.environment(command, container_id, ifname)}
        status = danmodel.cni.skel.main(
            add=standalone.add,
            delete=standalone.delete,
            check=standalone.check,
            status=standalone.status,
            gc=standalone.gc,
            environ=environment,
            stdin=io.BytesIO(json.dumps(config).encode()),
            stdout=out,
            stderr=err,
        )
        text = out.getvalue()
        return status, json.loads(text) if text.strip() else None, err.getvalue()

    def links(self, netns: str | None = None) -> dict[str, Any]:
        return {link["ifname"]: link for link in _ip(netns or self.ns, "link", "show")}

    def leases(self, network: str = "kata-dan") -> list[str]:
        """The addresses host-local has leased (one file per address)."""
        directory = self.ipam_dir / network
        if not directory.exists():
            return []
        return sorted(
            path.name for path in directory.iterdir() if path.name[0].isdigit() or ":" in path.name
        )

    def dan_file(self, container_id: str) -> Path:
        return self.dan_conf / f"{container_id}.json"


@pytest.fixture
def host(available: None, tmp_path: Path) -> Iterator[Host]:
    before = namespaces()
    own_links = {link["ifname"] for link in _ip(None, "link", "show")}
    tag = uuid.uuid4().hex[:8]
    made = Host(tmp_path, tag)
    try:
        yield made
    finally:
        made.close()
    mine = f"danmodel-{os.getpid()}-"  # the kernel judge's guest namespaces
    left = {name for name in namespaces() - before if tag in name or name.startswith(mine)}
    assert left == set(), f"namespaces left behind: {left}"
    assert {link["ifname"] for link in _ip(None, "link", "show")} == own_links, (
        "the machine's own namespace changed"
    )


def runtime_rs_accepts(path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "danmodel", "check", "--runtime", "runtime-rs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def kernel_applies(config: danmodel.DanConfig) -> None:
    """Where danmodel.netlink runs: the guest configuration applies in a guest namespace."""
    if importlib.util.find_spec("pyroute2") is None:  # pragma: no cover - checked by `available`
        return
    from danmodel import netlink

    messages = netlink.messages_for(config)
    with netlink.guest_for(messages) as guest:
        applied = netlink.apply(messages, guest.netns)
        assert applied.failures == (), [str(failure) for failure in applied.failures]
        for device in config.devices:
            seen = netlink.snapshot(guest.netns, device.name, device=device.device)
            assert set(seen.network_info.interface.ip_addresses) == set(
                device.network_info.interface.ip_addresses
            )
            assert seen.guest_mac == device.guest_mac
            assert seen.network_info.interface.mtu == device.network_info.interface.mtu


def link_settings(host: Host) -> dict[str, tuple[Any, ...]]:
    """Each link's index, MAC, MTU, bridge and flags (what ADD could change)."""
    return {
        name: (link["ifindex"], link.get("address"), link["mtu"], link.get("master"))
        for name, link in host.links().items()
    }


# --- the whole life of one attachment ------------------------------------------------------


def test_add_add_again_check_del_del_again(host: Host) -> None:
    config = host.config()
    status, result, err = host.run("ADD", config, "sandbox-1")
    assert status == 0, (result, err)
    tap = tap_name("sandbox-1", "eth0")
    assert len(tap.encode()) <= 15
    guest_mac = derived_mac("sandbox-1", "eth0")

    # the links: a tap (tun type tap, persistent) on the bridge, MTUs as configured
    links = host.links()
    assert links[tap]["linkinfo"]["info_kind"] == "tun"
    assert links[tap]["linkinfo"]["info_data"]["type"] == "tap"
    assert links[tap]["mtu"] == 1400
    assert links[tap]["master"] == host.bridge
    assert links[host.bridge]["linkinfo"]["info_kind"] == "bridge"
    assert links[host.bridge]["mtu"] == 1450
    bridge_mac = links[host.bridge]["address"]
    on_bridge = {
        f"{a['local']}/{a['prefixlen']}"
        for a in _ip(host.ns, "addr", "show", "dev", host.bridge)[0]["addr_info"]
        if a.get("scope") == "global"
    }
    assert on_bridge == {"10.99.0.1/24", "fd99::1/64"}  # isGateway

    # the result: bridge, tap, guest interface; the addresses on the guest interface
    assert [i["name"] for i in result["interfaces"]] == [host.bridge, tap, "eth0"]
    assert result["interfaces"][1]["mac"] == links[tap]["address"]
    assert result["interfaces"][2]["mac"] == guest_mac
    assert result["interfaces"][2]["sandbox"] == "/var/run/netns/pod-sandbox-1"
    assert result["ips"] == [
        {"address": "10.99.0.2/24", "gateway": "10.99.0.1", "interface": 2},
        {"address": "fd99::2/64", "gateway": "fd99::1", "interface": 2},
    ]
    assert host.leases() == ["10.99.0.2", "fd99::2"]

    # the DAN file
    path = host.dan_file("sandbox-1")
    document = json.loads(path.read_text())
    assert document["netns"] is None
    (device,) = document["devices"]
    assert device["name"] == "eth0"
    assert device["guest_mac"] == guest_mac
    assert device["device"] == {
        "type": "host-tap",
        "tap_name": tap,
        "queue_num": 0,
        "queue_size": 0,
    }
    assert device["network_info"]["interface"]["ip_addresses"] == ["10.99.0.2/24", "fd99::2/64"]
    assert device["network_info"]["interface"]["mtu"] == 1400
    assert [(r["dest"], r["gateway"]) for r in device["network_info"]["routes"]] == [
        ("0.0.0.0/0", "10.99.0.1"),
        ("::/0", "fd99::1"),
    ]
    # runtime-rs reads neighbor addresses as CIDR: the store spells them so
    assert [
        (n["ip_address"], n["hardware_addr"], n["state"])
        for n in device["network_info"]["neighbors"]
    ] == [("10.99.0.1/32", bridge_mac, PERMANENT), ("fd99::1/128", bridge_mac, PERMANENT)]
    runtime_rs_accepts(path)
    kernel_applies(danmodel.loads(path.read_text()))

    # ADD again: the same result, the same file, no second lease, no second tap
    text = path.read_text()
    status, again, err = host.run("ADD", config, "sandbox-1")
    assert status == 0, (again, err)
    assert again == result
    assert path.read_text() == text
    assert host.leases() == ["10.99.0.2", "fd99::2"]
    assert [name for name in host.links() if name.startswith("dan")] == [tap]

    # CHECK: fine, then a hand edit of the file, then a tap taken off the bridge
    status, out, err = host.run("CHECK", {**config, "prevResult": result}, "sandbox-1")
    assert (status, out) == (0, None), err
    edited = json.loads(text)
    edited["devices"][0]["network_info"]["interface"]["mtu"] = 9000
    path.write_text(json.dumps(edited))
    status, out, _ = host.run("CHECK", {**config, "prevResult": result}, "sandbox-1")
    assert (status, out["code"]) == (1, 102)
    assert (
        "$.devices[0].network_info.interface.mtu: the file has 9000, ADD writes 1400"
        in (out["details"])
    )
    path.write_text(text)
    subprocess.run(
        ["ip", "netns", "exec", host.ns, "ip", "link", "set", tap, "nomaster"], check=True
    )
    status, out, _ = host.run("CHECK", {**config, "prevResult": result}, "sandbox-1")
    assert (status, out["code"]) == (1, 102)
    assert f"tap {tap!r}: not on bridge {host.bridge!r}" in out["details"]

    # DEL: the device, the lease and the tap go; the bridge (shared) stays
    status, out, err = host.run("DEL", config, "sandbox-1")
    assert (status, out) == (0, None), err
    assert not path.exists()
    assert host.leases() == []
    assert tap not in host.links()
    assert host.bridge in host.links()
    status, out, err = host.run("DEL", config, "sandbox-1")  # DEL again is fine
    assert (status, out) == (0, None), err
    status, out, _ = host.run("CHECK", {**config, "prevResult": result}, "sandbox-1")
    assert (status, out["code"]) == (1, 102)


# --- concurrency -------------------------------------------------------------------------------


def test_twenty_sandboxes_added_concurrently(host: Host) -> None:
    config = host.config()
    sandboxes = [f"pod-{index:02d}" for index in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(lambda sandbox: host.run("ADD", config, sandbox), sandboxes))
    assert [status for status, _, _ in outcomes] == [0] * 20, [o for o in outcomes if o[0]]
    addresses = {result["ips"][0]["address"] for _, result, _ in outcomes}
    assert len(addresses) == 20
    links = host.links()
    for sandbox in sandboxes:
        (device,) = danmodel.loads(host.dan_file(sandbox).read_text()).devices
        assert device.device.tap_name == tap_name(sandbox, "eth0")  # type: ignore[union-attr]
        assert links[tap_name(sandbox, "eth0")]["master"] == host.bridge
    assert len(host.leases()) == 40  # one IPv4 and one IPv6 address each
    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(lambda sandbox: host.run("DEL", config, sandbox), sandboxes))
    assert [status for status, _, _ in outcomes] == [0] * 20
    assert host.leases() == []
    assert not list(host.dan_conf.glob("*.json"))
    assert [name for name in host.links() if name.startswith("dan")] == []


def test_three_attachments_of_one_sandbox_added_concurrently(host: Host) -> None:
    config = host.config()
    names = ["eth0", "net1", "net2"]
    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(lambda ifname: host.run("ADD", config, "pod-x", ifname), names))
    assert [status for status, _, _ in outcomes] == [0, 0, 0], outcomes
    path = host.dan_file("pod-x")
    devices = danmodel.loads(path.read_text()).devices
    assert sorted(device.name for device in devices) == names
    assert sorted(d.device.tap_name for d in devices) == sorted(  # type: ignore[union-attr]
        tap_name("pod-x", ifname) for ifname in names
    )
    runtime_rs_accepts(path)
    kernel_applies(danmodel.loads(path.read_text()))
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda ifname: host.run("DEL", config, "pod-x", ifname), names))
    assert not path.exists()
    assert host.leases() == []


# --- failures undo what was done ---------------------------------------------------------------


def test_an_exhausted_range_leaves_nothing_behind(host: Host) -> None:
    one_address = {
        "type": "host-local",
        "ranges": [
            [{"subnet": "10.98.0.0/24", "rangeStart": "10.98.0.7", "rangeEnd": "10.98.0.7"}]
        ],
        "dataDir": str(host.ipam_dir),
    }
    config = host.config(ipam=one_address, gatewayNeighbor=False)
    status, first, err = host.run("ADD", config, "pod-a")
    assert status == 0, (first, err)
    text = host.dan_file("pod-a").read_text()
    status, out, err = host.run("ADD", config, "pod-b")
    assert status == 1
    assert type(out["code"]) is int, out  # host-local's error, passed on
    assert "host-local" in out["msg"]
    assert "Traceback" not in err
    assert tap_name("pod-b", "eth0") not in host.links()
    assert not host.dan_file("pod-b").exists()
    assert host.leases() == ["10.98.0.7"]
    assert host.dan_file("pod-a").read_text() == text
    # once the address is free, the retried ADD starts clean
    assert host.run("DEL", config, "pod-a")[0] == 0
    status, out, err = host.run("ADD", config, "pod-b")
    assert status == 0, (out, err)
    assert out["ips"][0]["address"] == "10.98.0.7/24"
    assert host.run("DEL", config, "pod-b")[0] == 0
    assert host.leases() == []


def test_a_failure_after_ipam_deletes_the_tap_and_releases_the_lease(host: Host) -> None:
    # the Go runtime attaches only vfio devices: the store refuses the host-tap device
    # for it, after the tap is made and the lease taken
    config = host.config(netns=host.ns, runtime="go-runtime")
    status, out, err = host.call("ADD", config, "pod-c")
    assert status == 1
    assert out["code"] == 101, out
    assert "Traceback" not in err
    assert not host.dan_file("pod-c").exists()
    assert host.leases() == []
    assert tap_name("pod-c", "eth0") not in host.links()
    # the retried ADD, for runtime-rs, starts clean
    status, out, err = host.call("ADD", host.config(netns=host.ns), "pod-c")
    assert status == 0, (out, err)
    assert len(host.leases()) == 2  # one IPv4 and one IPv6 address: the first pair is free
    assert host.call("DEL", host.config(netns=host.ns), "pod-c")[0] == 0
    assert host.leases() == []


def test_another_attachments_device_is_not_touched(host: Host) -> None:
    other = host.config(netns=host.ns, name="other-net", bridge=f"dto{host.tag[:8]}")
    other["ipam"] = {**other["ipam"], "ranges": [[{"subnet": "10.97.0.0/24"}]], "routes": []}
    assert host.call("ADD", other, "pod-c")[0] == 0
    text = host.dan_file("pod-c").read_text()
    links = link_settings(host)
    # the same sandbox and ifname on another network: the same guest name, the same tap
    status, out, _ = host.call("ADD", host.config(netns=host.ns), "pod-c")
    assert (status, out["code"]) == (1, 100), out
    assert (
        "guest name 'eth0' is already used by the device of network 'other-net'" in (out["details"])
    )
    assert host.dan_file("pod-c").read_text() == text
    assert link_settings(host) == links
    assert host.leases() == []
    assert host.call("DEL", other, "pod-c")[0] == 0
    assert tap_name("pod-c", "eth0") not in host.links()


def test_a_link_that_is_not_a_tap_is_left_alone(host: Host) -> None:
    taken = tap_name("pod-d", "eth0")
    subprocess.run(
        ["ip", "netns", "exec", host.ns, "ip", "link", "add", taken, "type", "bridge"], check=True
    )
    config = host.config(netns=host.ns)
    status, out, _ = host.call("ADD", config, "pod-d")
    assert (status, out["code"]) == (1, 100), out
    assert "is not a tap" in out["details"]
    assert host.leases() == []
    assert not host.dan_file("pod-d").exists()
    assert host.call("DEL", config, "pod-d")[0] == 0
    assert taken in host.links()  # DEL deletes taps only

    not_bridge = host.config(netns=host.ns, bridge="lo")
    status, out, _ = host.call("ADD", not_bridge, "pod-f")
    assert (status, out["code"]) == (1, 7)
    assert "$.bridge: link 'lo' exists and is not a bridge" in out["details"]
    assert tap_name("pod-f", "eth0") not in host.links()


# --- a named namespace, other settings ---------------------------------------------------------


def test_the_tap_in_a_named_namespace(host: Host) -> None:
    taps = host.namespace("taps")
    config = host.config(
        netns=taps, mtu=9000, bridgeMtu=9000, multiQueue=True, queueNum=4, queueSize=512
    )
    status, result, err = host.call("ADD", config, "pod-n", "net1")
    assert status == 0, (result, err)
    tap = tap_name("pod-n", "net1")
    links = host.links(taps)
    assert tap not in host.links()
    assert links[tap]["mtu"] == 9000
    assert links[tap]["master"] == host.bridge
    assert links[tap]["linkinfo"]["info_data"].get("multi_queue") is True
    assert links[host.bridge]["mtu"] == 9000
    document = json.loads(host.dan_file("pod-n").read_text())
    assert document["netns"] == f"/run/netns/{taps}"
    assert document["devices"][0]["device"] == {
        "type": "host-tap",
        "tap_name": tap,
        "queue_num": 4,
        "queue_size": 512,
    }
    runtime_rs_accepts(host.dan_file("pod-n"))
    kernel_applies(danmodel.loads(host.dan_file("pod-n").read_text()))
    check = {**config, "prevResult": result}
    assert host.call("CHECK", check, "pod-n", "net1")[:2] == (0, None)
    # CHECK sees a changed MTU, a tap set down, another namespace, a deleted tap,
    # a link of the tap's name that is no tap
    subprocess.run(
        ["ip", "netns", "exec", taps, "ip", "link", "set", tap, "mtu", "1500", "down"], check=True
    )
    status, out, _ = host.call("CHECK", check, "pod-n", "net1")
    assert (status, out["code"]) == (1, 102)
    assert f"tap {tap!r}: MTU 1500, not 9000; tap {tap!r}: down" in out["details"]
    status, out, _ = host.call("CHECK", {**check, "netns": host.ns}, "pod-n", "net1")
    assert (status, out["code"]) == (1, 102)
    assert f"$.netns: the file's is not '/run/netns/{host.ns}'" in out["details"]
    subprocess.run(["ip", "netns", "exec", taps, "ip", "link", "del", tap], check=True)
    status, out, _ = host.call("CHECK", check, "pod-n", "net1")
    assert (status, out["code"]) == (1, 102)
    assert f"tap {tap!r}: missing" in out["details"]
    subprocess.run(
        ["ip", "netns", "exec", taps, "ip", "link", "add", tap, "type", "dummy"], check=False
    )
    if tap in host.links(taps):  # the dummy module may be missing from the kernel
        status, out, _ = host.call("CHECK", check, "pod-n", "net1")
        assert f"tap {tap!r}: not a tap" in out["details"]
        subprocess.run(["ip", "netns", "exec", taps, "ip", "link", "del", tap], check=True)
    # ADD again makes the missing tap again, keeping the addresses
    status, again, err = host.call("ADD", config, "pod-n", "net1")
    assert status == 0, (again, err)
    assert again["ips"] == result["ips"]
    assert host.call("CHECK", check, "pod-n", "net1")[:2] == (0, None)
    assert host.call("DEL", config, "pod-n", "net1")[:2] == (0, None)
    assert tap not in host.links(taps)
    assert host.leases() == []


def test_a_missing_namespace(host: Host) -> None:
    config = host.config(netns=f"dant-{host.tag}-missing")
    status, out, _ = host.call("ADD", config, "pod-m")
    assert (status, out["code"]) == (1, 7)
    assert (
        out["details"] == f"$.netns: no network namespace at '/run/netns/dant-{host.tag}-missing'"
    )
    assert host.leases() == []
    assert host.call("DEL", config, "pod-m")[:2] == (0, None)  # gone with its namespace


def test_static_ipam_and_the_ipv4_mac(host: Host) -> None:
    static = {
        "type": "static",
        "addresses": [{"address": "192.168.77.5/24", "gateway": "192.168.77.1"}],
        "routes": [{"dst": "10.77.0.0/16"}],
    }
    config = host.config(netns=host.ns, ipam=static, mac="ipv4", isGateway=False)
    del config["gatewayNeighbor"]
    status, result, err = host.call("ADD", config, "pod-s")
    assert status == 0, (result, err)
    (device,) = danmodel.loads(host.dan_file("pod-s").read_text()).devices
    assert str(device.guest_mac) == "0a:58:c0:a8:4d:05"  # 0a:58 + 192.168.77.5
    assert [(str(r.dest), str(r.gateway)) for r in device.network_info.routes] == [
        ("10.77.0.0/16", "192.168.77.1")
    ]
    assert device.network_info.neighbors == ()
    assert not [
        a
        for a in _ip(host.ns, "addr", "show", "dev", host.bridge)[0]["addr_info"]
        if a.get("scope") == "global"
    ]  # not the gateway: no address on the bridge
    runtime_rs_accepts(host.dan_file("pod-s"))
    kernel_applies(danmodel.loads(host.dan_file("pod-s").read_text()))
    assert host.call("DEL", config, "pod-s")[:2] == (0, None)


# --- GC and STATUS -----------------------------------------------------------------------------


def test_gc_removes_the_devices_and_taps_of_attachments_gone(host: Host) -> None:
    config = host.config(netns=host.ns)
    for sandbox in ("s1", "s2"):
        assert host.call("ADD", config, sandbox)[0] == 0
    gc = {
        **config,
        "cniVersion": "1.1.0",
        "cni.dev/valid-attachments": [{"containerID": "s1", "ifname": "eth0"}],
    }
    status, out, err = host.call("GC", gc, "")
    assert (status, out) == (0, None), (out, err)
    assert "GC removed device 'eth0' of sandbox 's2'" in err
    assert host.dan_file("s1").exists()
    assert not host.dan_file("s2").exists()
    links = host.links()
    assert tap_name("s1", "eth0") in links
    assert tap_name("s2", "eth0") not in links
    # host-local 1.1.1 predates CNI 1.1.0: it is not asked, and keeps the stale lease
    assert "IPAM plugin 'host-local' predates CNI 1.1.0: no GC for it" in err
    status, out, err = host.run("STATUS", {**config, "cniVersion": "1.1.0"}, "")
    assert (status, out) == (0, None), err
    for sandbox in ("s1", "s2"):
        assert host.call("DEL", config, sandbox)[0] == 0
    assert host.leases() == []


# --- what IPAM gives, exactly ------------------------------------------------------------------

SCRIPTED_IPAM = """#!/bin/sh
env > "{record}/env.$CNI_COMMAND"
case "$CNI_COMMAND" in
ADD) cat "{record}/add.json" ;;
DEL) if [ -e "{record}/del-fails" ]; then echo 'no' >&2; exit 2; fi ;;
esac
"""


def scripted_ipam(host: Host, result: dict[str, Any]) -> Path:
    """An IPAM plugin ``scripted`` in the plugin path that answers ADD with ``result``."""
    record = host.tmp / "rec"
    record.mkdir(exist_ok=True)
    (record / "add.json").write_text(json.dumps(result))
    script = host.tmp / "bin" / "scripted"
    script.write_text(SCRIPTED_IPAM.format(record=record))
    script.chmod(0o755)
    return record


def test_the_ipam_result_reaches_the_device_and_the_result(host: Host) -> None:
    scripted_ipam(
        host,
        {
            "cniVersion": VERSION,
            "ips": [{"address": "10.6.0.9/24"}, {"address": "fd06::9/64", "gateway": "fd06::fe"}],
            "routes": [
                {"dst": "10.60.0.0/16", "mtu": 1300},
                {"dst": "0.0.0.0/0", "gw": "10.6.0.254"},
                {"dst": "::/0"},
            ],
            "dns": {"nameservers": ["10.6.0.53"]},
        },
    )
    config = host.config(netns=host.ns, ipam={"type": "scripted"}, gatewayNeighbor=False)
    status, result, err = host.call("ADD", config, "pod-i")
    assert status == 0, (result, err)
    # isGateway without a gateway from IPAM: the subnet's first address, as the bridge plugin does
    assert result["ips"] == [
        {"address": "10.6.0.9/24", "gateway": "10.6.0.1", "interface": 2},
        {"address": "fd06::9/64", "gateway": "fd06::fe", "interface": 2},
    ]
    assert result["routes"] == [
        {"dst": "10.60.0.0/16", "gw": "10.6.0.1", "mtu": 1300},
        {"dst": "0.0.0.0/0", "gw": "10.6.0.254"},
        {"dst": "::/0", "gw": "fd06::fe"},
    ]
    assert result["dns"] == {"nameservers": ["10.6.0.53"]}
    assert "dan-tap: $.dns.nameservers: dropped: DAN has no DNS settings" in err
    on_bridge = {
        f"{a['local']}/{a['prefixlen']}"
        for a in _ip(host.ns, "addr", "show", "dev", host.bridge)[0]["addr_info"]
        if a.get("scope") == "global"
    }
    assert on_bridge == {"10.6.0.1/24", "fd06::fe/64"}
    (device,) = danmodel.loads(host.dan_file("pod-i").read_text()).devices
    assert [(str(r.dest), str(r.gateway), r.mtu) for r in device.network_info.routes] == [
        ("10.60.0.0/16", "10.6.0.1", 1300),
        ("0.0.0.0/0", "10.6.0.254", 0),
        ("::/0", "fd06::fe", 0),
    ]
    # ADD again reads the same back from the file and the bridge (DNS aside)
    status, again, err = host.call("ADD", config, "pod-i")
    assert status == 0, (again, err)
    assert {**again, "dns": result["dns"]} == result
    assert host.call("CHECK", {**config, "prevResult": result}, "pod-i")[:2] == (0, None)
    assert host.call("DEL", config, "pod-i")[:2] == (0, None)


def test_a_bad_ipam_result_is_undone_with_ipam_del(host: Host) -> None:
    record = scripted_ipam(
        host, {"cniVersion": VERSION, "ips": [{"address": "10.6.0.300/24"}], "routes": 5}
    )
    (record / "del-fails").write_text("")
    config = host.config(netns=host.ns, ipam={"type": "scripted"})
    status, out, err = host.call("ADD", config, "pod-j")
    assert (status, out["code"]) == (1, 7)
    assert out["msg"] == "invalid result of IPAM plugin 'scripted'"
    assert out["details"].startswith("$.ips[0].address: ")
    assert "$.routes: " in out["details"]
    assert (record / "env.DEL").exists()  # the lease is released (asked to be)
    assert (
        "dan-tap: could not undo (release the IPAM lease): "
        "IPAM plugin 'scripted' (DEL) failed with exit status 2: no\n"
    ) in err
    assert tap_name("pod-j", "eth0") not in host.links()
    assert not host.dan_file("pod-j").exists()


def test_an_older_cni_version_gets_its_own_result_shape(host: Host) -> None:
    config = host.config(netns=host.ns, cniVersion="0.4.0")
    status, result, err = host.call("ADD", config, "pod-o")
    assert status == 0, (result, err)
    assert result["cniVersion"] == "0.4.0"
    assert all("mtu" not in interface for interface in result["interfaces"])  # a 1.1.0 key
    assert [ip["version"] for ip in result["ips"]] == ["4", "6"]
    assert host.call("CHECK", {**config, "prevResult": result}, "pod-o")[:2] == (0, None)
    assert host.call("DEL", config, "pod-o")[:2] == (0, None)
    assert host.leases() == []


def test_the_ipv4_mac_without_an_ipv4_address_is_undone(host: Host) -> None:
    ipam = host.config()["ipam"]
    ipam = {**ipam, "ranges": [[{"subnet": "fd99::/64"}]], "routes": [{"dst": "::/0"}]}
    config = host.config(netns=host.ns, ipam=ipam, mac="ipv4")
    status, out, _ = host.call("ADD", config, "pod-6")
    assert (status, out["code"]) == (1, 7)
    assert (
        out["details"]
        == '$.mac: "ipv4" needs an IPv4 address on the interface; the result has none'
    )
    assert host.leases() == []
    assert tap_name("pod-6", "eth0") not in host.links()
    assert not host.dan_file("pod-6").exists()
