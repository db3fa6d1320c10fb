"""dan-cni chained after the real CNI plugins (Debian's containernetworking-plugins).

Every test makes a throwaway "host" network namespace and a pod namespace and
runs every plugin inside the host one (``ip netns exec``), never in the
machine's own namespace; both are removed on every exit path, and the test
checks that none is left. Conflists are driven as a container runtime does:
environment and stdin, ``prevResult`` chaining, DEL in reverse order with the
cached result. Locally these tests skip without root, ``ip`` or the plugins;
with ``CI`` set they fail instead.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from ipaddress import ip_interface, ip_network
from pathlib import Path
from typing import Any

import pytest

import danmodel
from cni_support import PLUGINS, console_script, namespaces, require_plugins

NEEDED = ("bridge", "host-local", "macvlan", "static", "ptp")
VERSION = "1.0.0"  # the newest version Debian's plugins (1.1.1) speak


@pytest.fixture(scope="module")
def available() -> None:
    require_plugins("the CNI end-to-end tests", NEEDED)


def _links(netns: str | None = None) -> set[str]:
    command = ["ip", "-j", "link", "show"]
    if netns is not None:
        command = ["ip", "netns", "exec", netns, *command]
    shown = subprocess.run(command, capture_output=True, text=True, check=True)
    return {link["ifname"] for link in json.loads(shown.stdout)}


def ip(netns: str, *arguments: str) -> Any:
    """``ip -j ARGUMENTS`` inside ``netns``, parsed."""
    shown = subprocess.run(
        ["ip", "netns", "exec", netns, "ip", "-j", *arguments],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(shown.stdout) if shown.stdout.strip() else []


class Host:
    """A throwaway host namespace, a pod namespace, and a runtime that runs conflists there."""

    def __init__(self, tmp_path: Path, tag: str) -> None:
        self.tag = tag
        self.host = f"danh-{tag}"
        self.pods: list[str] = []
        self.tmp = tmp_path
        self.dan_conf = tmp_path / "dans"
        self.cache: dict[tuple[str, str, str], Any] = {}
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        console_script(bin_dir, "dan-cni", "danmodel.cni.plugin")
        self.path = f"{bin_dir}:{PLUGINS}"
        subprocess.run(["ip", "netns", "add", self.host], check=True)
        subprocess.run(
            ["ip", "netns", "exec", self.host, "ip", "link", "set", "lo", "up"], check=True
        )

    def pod(self, suffix: str = "") -> str:
        name = f"danp-{self.tag}{suffix}"
        subprocess.run(["ip", "netns", "add", name], check=True)
        self.pods.append(name)
        return name

    def close(self) -> None:
        for name in [*self.pods, self.host]:
            subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)

    # --- the runtime's side of the protocol -------------------------------------------------

    def exec(
        self,
        kind: str,
        command: str,
        config: dict[str, Any],
        container_id: str,
        ifname: str,
        netns: str,
    ) -> tuple[int, Any, str]:
        """Run one plugin as a runtime does: its exit status, stdout (parsed) and stderr."""
        executable = next(
            str(Path(directory) / kind)
            for directory in self.path.split(":")
            if (Path(directory) / kind).is_file()
        )
        env = {
            "CNI_COMMAND": command,
            "CNI_CONTAINERID": container_id,
            "CNI_NETNS": f"/var/run/netns/{netns}",
            "CNI_IFNAME": ifname,
            "CNI_PATH": self.path,
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        }
        done = subprocess.run(
            ["ip", "netns", "exec", self.host, executable],
            input=json.dumps(config).encode(),
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        out = done.stdout.decode()
        return done.returncode, json.loads(out) if out.strip() else None, done.stderr.decode()

    def _config(self, conflist: dict[str, Any], plugin: dict[str, Any], prev: Any) -> Any:
        config = {**plugin, "cniVersion": conflist["cniVersion"], "name": conflist["name"]}
        if prev is not None:
            config["prevResult"] = prev
        return config

    def add(self, conflist: dict[str, Any], container_id: str, ifname: str, netns: str) -> Any:
        prev = None
        for plugin in conflist["plugins"]:
            config = self._config(conflist, plugin, prev)
            status, out, err = self.exec(plugin["type"], "ADD", config, container_id, ifname, netns)
            assert status == 0, f"{plugin['type']} ADD failed: {out} {err}"
            prev = out
        self.cache[(conflist["name"], container_id, ifname)] = prev
        return prev

    def delete(self, conflist: dict[str, Any], container_id: str, ifname: str, netns: str) -> None:
        prev = self.cache.get((conflist["name"], container_id, ifname))
        for plugin in reversed(conflist["plugins"]):
            config = self._config(conflist, plugin, prev)
            status, out, err = self.exec(plugin["type"], "DEL", config, container_id, ifname, netns)
            assert status == 0, f"{plugin['type']} DEL failed: {out} {err}"

    def check(
        self, conflist: dict[str, Any], container_id: str, ifname: str, netns: str
    ) -> tuple[int, Any]:
        prev = self.cache[(conflist["name"], container_id, ifname)]
        for plugin in conflist["plugins"]:
            config = self._config(conflist, plugin, prev)
            status, out, _ = self.exec(plugin["type"], "CHECK", config, container_id, ifname, netns)
            if status != 0:
                return status, out
        return 0, None

    def dan(self, **keys: Any) -> dict[str, Any]:
        return {"type": "dan-cni", "danConf": str(self.dan_conf), **keys}


@pytest.fixture
def host(available: None, tmp_path: Path) -> Iterator[Host]:
    before_namespaces = namespaces()
    before_links = _links()
    tag = uuid.uuid4().hex[:8]
    made = Host(tmp_path, tag)
    try:
        yield made
    finally:
        made.close()
    left = {name for name in namespaces() - before_namespaces if tag in name}
    assert left == set(), f"namespaces left behind: {left}"
    assert _links() == before_links, "the machine's own namespace changed"


def bridge_conflist(
    host: Host, name: str, subnet4: str, subnet6: str | None, route4: str = "0.0.0.0/0"
) -> dict[str, Any]:
    ranges = [[{"subnet": subnet4}]]
    routes = [{"dst": route4}]
    if subnet6 is not None:
        ranges.append([{"subnet": subnet6}])
        routes.append({"dst": "::/0"})
    return {
        "cniVersion": VERSION,
        "name": name,
        "plugins": [
            {
                "type": "bridge",
                "bridge": f"br{host.tag[:6]}{name[-1]}",
                "isGateway": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": ranges,
                    "routes": routes,
                    "dataDir": str(host.tmp / "ipam"),
                },
            },
            host.dan(),
        ],
    }


def macvlan_conflist(host: Host, name: str) -> dict[str, Any]:
    master = f"dm{host.tag[:6]}"
    if master not in _links(host.host):
        # a veth end as the master: the dummy module may be missing from the kernel
        for command in (
            ["link", "add", master, "type", "veth", "peer", "name", f"{master}p"],
            ["link", "set", master, "up"],
            ["link", "set", f"{master}p", "up"],
        ):
            subprocess.run(["ip", "netns", "exec", host.host, "ip", *command], check=True)
    return {
        "cniVersion": VERSION,
        "name": name,
        "plugins": [
            {
                "type": "macvlan",
                "master": master,
                "mode": "bridge",
                "ipam": {
                    "type": "static",
                    "addresses": [{"address": "192.168.77.5/24", "gateway": "192.168.77.1"}],
                    "routes": [{"dst": "10.77.0.0/16", "gw": "192.168.77.1"}],
                },
            },
            host.dan(mac="ipv4"),
        ],
    }


def ptp_conflist(host: Host, name: str) -> dict[str, Any]:
    return {
        "cniVersion": VERSION,
        "name": name,
        "plugins": [
            {
                "type": "ptp",
                "ipam": {
                    "type": "host-local",
                    "subnet": "10.88.0.0/24",
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(host.tmp / "ipam"),
                },
            },
            host.dan(mac="derived", tapName="tap{hash}"),
        ],
    }


def file_of(host: Host, container_id: str) -> Path:
    return host.dan_conf / f"{container_id}.json"


def assert_matches_the_pod(host: Host, netns: str, device: danmodel.DanDevice) -> None:
    """The DAN device holds the addresses, MAC and routes the chain set on the pod's link."""
    link = ip(netns, "addr", "show", "dev", device.name)[0]
    pod_addresses = {
        ip_interface(f"{item['local']}/{item['prefixlen']}")
        for item in link["addr_info"]
        if item.get("scope") == "global"
    }
    assert set(device.network_info.interface.ip_addresses) == pod_addresses
    routes = set()
    for family, everything in (("-4", "0.0.0.0/0"), ("-6", "::/0")):
        for route in ip(netns, family, "route", "show", "dev", device.name):
            dst = everything if route["dst"] == "default" else route["dst"]
            routes.add((str(ip_network(dst)), route.get("gateway")))
    for route in device.network_info.routes:
        gateway = None if route.gateway is None else str(route.gateway)
        assert (str(route.dest), gateway) in routes


def _routes(device: danmodel.DanDevice) -> set[tuple[str, str | None]]:
    """(destination, gateway) of each route; a default route as 0.0.0.0/0 or ::/0."""
    found = set()
    for route in device.network_info.routes:
        gateway = None if route.gateway is None else str(route.gateway)
        dest = route.dest
        if dest is None:
            dest = ip_network("::/0" if gateway and ":" in gateway else "0.0.0.0/0")
        found.add((str(dest), gateway))
    return found


def kernel_agrees(pod: str, config: danmodel.DanConfig) -> None:
    """Where danmodel.netlink can run: apply the file as the agent would, in a guest namespace.

    The guest links must end up with the addresses and routes the chain gave the pod.
    """
    if importlib.util.find_spec("pyroute2") is None:
        return  # the netlink extra is not installed: the kernel judge is not available
    from danmodel import netlink

    messages = netlink.messages_for(config)
    with netlink.guest_for(messages) as guest:
        applied = netlink.apply(messages, guest.netns)
        assert applied.failures == (), [str(failure) for failure in applied.failures]
        assert applied.dropped == ()
        for device in config.devices:
            in_guest = netlink.snapshot(guest.netns, device.name, device=device.device)
            in_pod = netlink.snapshot(pod, device.name, device=device.device)
            assert set(in_guest.network_info.interface.ip_addresses) == set(
                in_pod.network_info.interface.ip_addresses
            )
            # ptp also adds routes of its own (to its gateway, and the subnet through it)
            # that its result does not list: the guest has those of the result
            guest_routes = _routes(in_guest)
            assert guest_routes <= _routes(in_pod)
            assert guest_routes == _routes(device)
            assert in_guest.guest_mac == device.guest_mac


def runtime_rs_accepts(path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "danmodel", "check", "--runtime", "runtime-rs", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --- cases -------------------------------------------------------------------------------------


def test_bridge_host_local_dual_stack(host: Host) -> None:
    pod = host.pod()
    conflist = bridge_conflist(host, "net-a", "10.66.0.0/24", "fd66::/64")
    result = host.add(conflist, "sandbox-a", "eth0", pod)
    config = danmodel.loads(file_of(host, "sandbox-a").read_text())
    (device,) = config.devices
    assert config.netns == f"/var/run/netns/{pod}"
    pod_link = next(i for i in result["interfaces"] if i.get("sandbox"))
    assert str(device.guest_mac) == pod_link["mac"].lower()
    assert {str(a) for a in device.network_info.interface.ip_addresses} == {
        ip["address"] for ip in result["ips"]
    }
    assert {a.version for a in device.network_info.interface.ip_addresses} == {4, 6}
    assert_matches_the_pod(host, pod, device)
    kernel_agrees(pod, config)
    runtime_rs_accepts(file_of(host, "sandbox-a"))
    assert host.check(conflist, "sandbox-a", "eth0", pod) == (0, None)

    # a hand edit is seen by CHECK, with the difference
    path = file_of(host, "sandbox-a")
    document = json.loads(path.read_text())
    document["devices"][0]["network_info"]["interface"]["mtu"] = 1400
    path.write_text(json.dumps(document))
    status, error = host.check(conflist, "sandbox-a", "eth0", pod)
    assert (status, error["code"]) == (1, 102)
    assert (
        "$.devices[0].network_info.interface.mtu: the file has 1400, ADD writes 1500"
        in (error["details"])
    )

    host.delete(conflist, "sandbox-a", "eth0", pod)
    assert not path.exists()
    host.delete(conflist, "sandbox-a", "eth0", pod)  # DEL twice is fine
    assert "eth0" not in _links(pod)


def test_macvlan_static(host: Host) -> None:
    pod = host.pod()
    conflist = macvlan_conflist(host, "net-b")
    host.add(conflist, "sandbox-b", "net1", pod)
    config = danmodel.loads(file_of(host, "sandbox-b").read_text())
    (device,) = config.devices
    assert str(device.guest_mac) == "0a:58:c0:a8:4d:05"  # 0a:58 + 192.168.77.5
    assert [str(a) for a in device.network_info.interface.ip_addresses] == ["192.168.77.5/24"]
    assert [(str(r.dest), str(r.gateway)) for r in device.network_info.routes] == [
        ("10.77.0.0/16", "192.168.77.1")
    ]
    assert_matches_the_pod(host, pod, device)
    kernel_agrees(pod, config)
    runtime_rs_accepts(file_of(host, "sandbox-b"))
    assert host.check(conflist, "sandbox-b", "net1", pod) == (0, None)
    host.delete(conflist, "sandbox-b", "net1", pod)
    assert not file_of(host, "sandbox-b").exists()


def test_ptp(host: Host) -> None:
    pod = host.pod()
    conflist = ptp_conflist(host, "net-c")
    result = host.add(conflist, "sandbox-c", "eth0", pod)
    config = danmodel.loads(file_of(host, "sandbox-c").read_text())
    (device,) = config.devices
    assert device.device.tap_name.startswith("tap")  # type: ignore[union-attr]
    assert [str(a) for a in device.network_info.interface.ip_addresses] == [
        ip["address"] for ip in result["ips"]
    ]
    assert_matches_the_pod(host, pod, device)
    kernel_agrees(pod, config)
    runtime_rs_accepts(file_of(host, "sandbox-c"))
    host.delete(conflist, "sandbox-c", "eth0", pod)
    assert not file_of(host, "sandbox-c").exists()


def test_three_networks_added_concurrently_to_one_sandbox(host: Host) -> None:
    pod = host.pod()
    chains = [
        # one IPv4 default route in the sandbox (ptp's): the kernel holds one per table
        (bridge_conflist(host, "net-a", "10.66.0.0/24", None, "10.60.0.0/16"), "eth0"),
        (macvlan_conflist(host, "net-b"), "net1"),
        (ptp_conflist(host, "net-c"), "net2"),
    ]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(
            pool.map(lambda chain: host.add(chain[0], "sandbox-x", chain[1], pod), chains)
        )
    assert all(result["ips"] for result in results)
    config = danmodel.loads(file_of(host, "sandbox-x").read_text())
    assert sorted(device.name for device in config.devices) == ["eth0", "net1", "net2"]
    runtime_rs_accepts(file_of(host, "sandbox-x"))
    kernel_agrees(pod, config)
    from danmodel.store import Attachment, DanStore

    assert DanStore(host.dan_conf).attachments("sandbox-x") == {
        "eth0": Attachment("net-a", "eth0"),
        "net1": Attachment("net-b", "net1"),
        "net2": Attachment("net-c", "net2"),
    }
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda chain: host.delete(chain[0], "sandbox-x", chain[1], pod), chains))
    assert not file_of(host, "sandbox-x").exists()


def test_gc_removes_the_attachments_gone(host: Host) -> None:
    conflist = bridge_conflist(host, "net-a", "10.66.0.0/24", None)
    pods = {sandbox: host.pod(f"-{sandbox}") for sandbox in ("s1", "s2")}
    for sandbox, pod in pods.items():
        host.add(conflist, sandbox, "eth0", pod)
    gc = {
        "cniVersion": "1.1.0",
        "name": "net-a",
        "cni.dev/valid-attachments": [{"containerID": "s1", "ifname": "eth0"}],
        **host.dan(),
    }
    status, out, err = host.exec("dan-cni", "GC", gc, "", "", pods["s1"])
    assert (status, out) == (0, None), err
    assert file_of(host, "s1").exists()
    assert not file_of(host, "s2").exists()
    status, out, _ = host.exec("dan-cni", "STATUS", {**gc, "cniVersion": "1.1.0"}, "", "", "x")
    assert (status, out) == (0, None)
    for sandbox, pod in pods.items():
        host.delete(conflist, sandbox, "eth0", pod)


def test_malformed_prev_result_gets_a_cni_error(host: Host) -> None:
    pod = host.pod()
    bad = {
        "cniVersion": VERSION,
        "name": "net-a",
        "prevResult": {"cniVersion": VERSION, "ips": [{"address": "10.0.0.300/24"}], "routes": 5},
        **host.dan(),
    }
    status, out, err = host.exec("dan-cni", "ADD", bad, "sandbox-m", "eth0", pod)
    assert status == 1
    assert out["code"] == 7
    assert out["details"].startswith("$.prevResult.ips[0].address: ")
    assert "$.prevResult.routes: " in out["details"]
    assert "Traceback" not in err
    assert not host.dan_conf.exists() or not list(host.dan_conf.iterdir())


@pytest.mark.parametrize(
    "hostile", ["../escape", "..", "a/b", " lead", "-x", "x" * 300, "é", "id\nnewline"]
)
def test_hostile_container_ids_are_refused(host: Host, hostile: str) -> None:
    pod = host.pod()
    conflist = ptp_conflist(host, "net-c")
    config = {**conflist["plugins"][1], "cniVersion": VERSION, "name": "net-c"}
    config["prevResult"] = {
        "cniVersion": VERSION,
        "interfaces": [{"name": "eth0", "sandbox": f"/var/run/netns/{pod}"}],
        "ips": [{"address": "10.88.0.9/24", "interface": 0}],
    }
    for command in ("ADD", "DEL", "CHECK"):
        status, out, _ = host.exec("dan-cni", command, config, hostile, "eth0", pod)
        assert (status, out["code"]) == (1, 4), out
    assert not host.dan_conf.exists()
    assert not (host.tmp / "escape.json").exists()
