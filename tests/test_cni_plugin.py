"""danmodel.cni.skel and the dan-cni plugin, in process (no namespaces needed).

Expected values are written by hand from the CNI specification 1.1 (SPEC.md:
"Execution protocol", "Error" and "Version") and docs/cni-plugin.md.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Any

import pytest

import danmodel
from danmodel import v2
from danmodel.check import ProfileRejectedError
from danmodel.cni import plugin, skel
from danmodel.errors import DanError, Problem, ValidationError
from danmodel.mac import MacAddress
from danmodel.store import DanStore, InvalidSandboxId, SandboxNotFound, StoreError

CID = "0123456789abcdef"
NETNS = "/var/run/netns/pod-1"

PREV: dict[str, Any] = {
    "cniVersion": "1.0.0",
    "interfaces": [
        {"name": "cni0", "mac": "aa:bb:cc:00:00:01"},
        {"name": "veth1", "mac": "aa:bb:cc:00:00:02"},
        {"name": "eth0", "mac": "0A:58:0A:0A:00:05", "sandbox": NETNS},
    ],
    "ips": [{"address": "10.10.0.5/24", "gateway": "10.10.0.1", "interface": 2}],
    "routes": [{"dst": "0.0.0.0/0"}],
    "dns": {"nameservers": ["10.96.0.10"]},
}


PREV2 = {
    "cniVersion": "1.0.0",
    "interfaces": [{"name": "net1", "mac": "0a:58:0a:14:00:05", "sandbox": NETNS}],
    "ips": [{"address": "10.20.0.5/24", "interface": 0}],
}


def environ(command: str, **extra: str) -> dict[str, str]:
    values = {
        "CNI_COMMAND": command,
        "CNI_CONTAINERID": CID,
        "CNI_NETNS": NETNS,
        "CNI_IFNAME": "eth0",
        "CNI_PATH": "/usr/lib/cni",
    }
    values.update(extra)
    return {key: value for key, value in values.items() if value != "-"}


def config(tmp_path: Path, **keys: Any) -> dict[str, Any]:
    conf: dict[str, Any] = {
        "cniVersion": "1.0.0",
        "name": "net1",
        "type": "dan-cni",
        "danConf": str(tmp_path / "dans"),
        "prevResult": PREV,
    }
    conf.update(keys)
    return {key: value for key, value in conf.items() if value is not None}


class Run:
    """One run of a plugin: exit status, stdout parsed as JSON, stderr."""

    def __init__(self, status: int, out: str, err: str) -> None:
        self.status = status
        self.out = out
        self.err = err
        self.json: Any = json.loads(out) if out.strip() else None


def run(
    command: str,
    stdin: bytes | Mapping[str, Any] | None,
    env: dict[str, str] | None = None,
    **handlers: Any,
) -> Run:
    data = stdin if isinstance(stdin, bytes) else json.dumps(stdin or {}).encode()
    out, err = io.StringIO(), io.StringIO()
    chosen: dict[str, Any] = {
        "add": plugin.add,
        "delete": plugin.delete,
        "check": plugin.check,
        "status": plugin.status,
        "gc": plugin.gc,
    }
    chosen.update(handlers)
    status = skel.main(
        **chosen,
        environ=environ(command) if env is None else env,
        stdin=io.BytesIO(data),
        stdout=out,
        stderr=err,
    )
    return Run(status, out.getvalue(), err.getvalue())


def error_code(result: Run) -> int:
    assert result.status == 1
    assert set(result.json) <= {"cniVersion", "code", "msg", "details"}
    assert "Traceback" not in result.out + result.err
    code: int = result.json["code"]
    return code


# --- skel: VERSION and the protocol ------------------------------------------------------------


def test_version() -> None:
    result = run("VERSION", {"cniVersion": "0.4.0"})
    assert result.status == 0
    assert result.json == {
        "cniVersion": "0.4.0",
        "supportedVersions": ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"],
    }
    assert run("VERSION", b"").json["cniVersion"] == "1.1.0"
    assert run("VERSION", {"cniVersion": "9.9.9"}).json["cniVersion"] == "1.1.0"
    assert run("VERSION", b"not json").status == 0


@pytest.mark.parametrize(
    ("command", "env", "stdin", "code"),
    [
        ("ADD", {"CNI_COMMAND": "-"}, None, 4),
        ("ADD", {"CNI_COMMAND": "ATTACH"}, None, 4),
        ("ADD", {"CNI_CONTAINERID": "-"}, None, 4),
        ("ADD", {"CNI_NETNS": "-"}, None, 4),
        ("DEL", {"CNI_IFNAME": "-"}, None, 4),
        ("ADD", {"CNI_PATH": "-"}, None, 4),
        ("ADD", {"CNI_IFNAME": "eth0/1"}, None, 4),
        ("ADD", {"CNI_IFNAME": "x" * 16}, None, 4),
        ("ADD", {"CNI_ARGS": "IgnoreUnknown=1;K8S_POD_NAME"}, None, 4),
        ("ADD", {}, b"{not json", 6),
        ("ADD", {}, b'{"cniVersion": NaN}', 6),
        ("ADD", {}, b"[]", 6),
        ("ADD", {}, b"\xff", 6),
        ("ADD", {}, {"cniVersion": "0.2.0", "name": "n", "type": "t"}, 1),
        ("ADD", {}, {"name": "n", "type": "t"}, 7),
        ("CHECK", {}, {"cniVersion": "0.3.1", "name": "n", "type": "t"}, 1),
        ("GC", {}, {"cniVersion": "1.0.0", "name": "n", "type": "t"}, 1),
        ("STATUS", {}, {"cniVersion": "1.0.0", "type": "t"}, 1),
        ("ADD", {}, {"cniVersion": "1.0.0", "type": "t"}, 7),
        ("ADD", {}, {"cniVersion": "1.0.0", "name": "my net", "type": "t"}, 7),
        ("ADD", {}, {"cniVersion": "1.0.0", "name": "n"}, 7),
        ("ADD", {}, {"cniVersion": "1.0.0", "name": "n", "type": "t", "prevResult": []}, 7),
        ("ADD", {}, {"cniVersion": "1.0.0", "name": "n", "type": "t", "runtimeConfig": 1}, 7),
    ],
)
def test_bad_invocations_get_the_specified_code(
    command: str, env: dict[str, str], stdin: Any, code: int
) -> None:
    called = []
    result = run(
        command,
        stdin if stdin is not None else {"cniVersion": "1.0.0", "name": "n", "type": "t"},
        environ(command, **env),
        add=lambda request: called.append(request),
    )
    assert error_code(result) == code
    assert called == []


@pytest.mark.parametrize(
    "hostile",
    ["../x", "..", " ", "-leading-dash", "a/b", "a\nb", "\u00e9t\u00e9", "x;y", ".hidden"],
)
def test_hostile_container_ids_are_refused_before_the_plugin_runs(
    hostile: str, tmp_path: Path
) -> None:
    result = run("ADD", config(tmp_path), environ("ADD", CNI_CONTAINERID=hostile))
    assert error_code(result) == 4
    assert "CNI_CONTAINERID" in result.json["msg"]
    assert not (tmp_path / "dans").exists()


def test_the_error_is_written_in_the_configs_version() -> None:
    result = run("ADD", {"cniVersion": "0.4.0", "type": "t"})
    assert result.json["cniVersion"] == "0.4.0"
    assert result.json["msg"] == "invalid network configuration"
    assert result.json["details"] == "$.name: name is missing"


def test_the_request_holds_the_environment_and_config() -> None:
    seen: list[skel.Request] = []
    conf = {
        "cniVersion": "1.1.0",
        "name": "n",
        "type": "t",
        "runtimeConfig": {"mac": "x"},
        "cni.dev/valid-attachments": [{"containerID": "c1", "ifname": "eth0"}],
    }
    env = environ("GC", CNI_ARGS="K8S_POD_NAME=p;IgnoreUnknown=1", CNI_PATH="/a:/b")
    assert run("GC", conf, env, gc=seen.append).status == 0
    request = seen[0]
    assert request.command == "GC"
    assert request.args == (("K8S_POD_NAME", "p"), ("IgnoreUnknown", "1"))
    assert request.path == ("/a", "/b")
    assert request.runtime_config == {"mac": "x"}
    assert request.valid_attachments == (("c1", "eth0"),)
    assert request.cni_version == "1.1.0"
    bad = {**conf, "cni.dev/valid-attachments": [{"containerID": "c1"}]}
    assert error_code(run("GC", bad, env, gc=seen.append)) == 7


def test_add_without_a_result_passes_prev_result_on_in_the_configs_version() -> None:
    old = {
        "cniVersion": "0.4.0",
        "interfaces": [{"name": "eth0", "x-vendor": 1}],
        "ips": [{"version": "4", "address": "10.0.0.5/24", "interface": 0}],
    }
    conf = {"cniVersion": "1.0.0", "name": "n", "type": "t", "prevResult": old}
    result = run("ADD", conf, add=lambda request: None)
    assert result.json == {
        "cniVersion": "1.0.0",
        "interfaces": [{"name": "eth0", "x-vendor": 1}],
        "ips": [{"address": "10.0.0.5/24", "interface": 0}],
    }
    new = {
        "cniVersion": "1.1.0",
        "interfaces": [{"name": "eth0", "mtu": 1400}],
        "ips": [{"address": "2001:db8::5/64"}],
    }
    conf = {"cniVersion": "0.3.1", "name": "n", "type": "t", "prevResult": new}
    assert run("ADD", conf, add=lambda request: None).json == {
        "cniVersion": "0.3.1",
        "interfaces": [{"name": "eth0"}],
        "ips": [{"version": "6", "address": "2001:db8::5/64"}],
    }
    assert run("ADD", {**conf, "prevResult": None}, add=lambda request: None).json == {
        "cniVersion": "0.3.1"
    }


def test_missing_handlers_do_nothing() -> None:
    conf = {"cniVersion": "1.1.0", "name": "n", "type": "t"}
    for command in ("CHECK", "STATUS", "GC"):
        result = run(command, conf, check=None, status=None, gc=None)
        assert (result.status, result.out) == (0, "")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (skel.CniError(11, "busy"), 11),
        (ProfileRejectedError([], "runtime-rs"), 101),
        (InvalidSandboxId("..", "no"), 4),
        (SandboxNotFound(errno.ENOENT, "none", "/x"), 3),
        (StoreError(errno.EACCES, "cannot write", "/x"), 5),
        (PermissionError(errno.EACCES, "denied"), 5),
        (ValidationError([Problem(path="$.a", message="bad")]), 7),
        (DanError("bad"), 7),
        (KeyError("boom"), 999),
    ],
)
def test_exceptions_map_to_documented_codes(error: Exception, code: int) -> None:
    def failing(request: skel.Request) -> None:
        raise error

    result = run("ADD", {"cniVersion": "1.0.0", "name": "n", "type": "t"}, add=failing)
    assert error_code(result) == code
    assert skel.error_for(error).code == code


def test_a_validation_error_lists_every_problem() -> None:
    error = ValidationError(
        [Problem(path="$.a", message="bad"), Problem(path="$.b", message="worse")]
    )
    assert skel.error_for(error).to_json("1.0.0") == {
        "cniVersion": "1.0.0",
        "code": 7,
        "msg": "invalid network configuration",
        "details": "$.a: bad; $.b: worse",
    }


# --- the plugin --------------------------------------------------------------------------------


def written(tmp_path: Path) -> v2.DanConfig:
    return danmodel.loads((tmp_path / "dans" / f"{CID}.json").read_text())


def derived_mac(container_id: str, ifname: str) -> MacAddress:
    octets = bytearray(hashlib.sha256(f"{container_id}/{ifname}".encode()).digest()[:6])
    octets[0] = (octets[0] | 2) & 0xFE
    return MacAddress(bytes(octets))


def test_add_writes_the_device_and_passes_prev_result_on(tmp_path: Path) -> None:
    result = run("ADD", config(tmp_path))
    assert result.status == 0, result.out
    assert result.json == PREV
    tap = "dan" + hashlib.sha256(f"{CID}/eth0".encode()).hexdigest()[:10]
    assert written(tmp_path) == v2.DanConfig(
        netns=NETNS,
        devices=[
            v2.DanDevice(
                name="eth0",
                guest_mac=MacAddress.parse("0a:58:0a:0a:00:05"),
                device=v2.HostTap(tap_name=tap),
                network_info=v2.NetworkInfo(
                    interface=v2.Interface(ip_addresses=[IPv4Interface("10.10.0.5/24")]),
                    routes=[
                        v2.Route(dest=IPv4Network("0.0.0.0/0"), gateway=IPv4Address("10.10.0.1"))
                    ],
                ),
            )
        ],
    )
    # only lossy drops are logged by default
    assert result.err == "dan-cni: $.prevResult.dns.nameservers: dropped: DAN has no DNS settings\n"
    assert danmodel.check((tmp_path / "dans" / f"{CID}.json").read_text(), "runtime-rs") == []


def test_add_is_idempotent(tmp_path: Path) -> None:
    prev = {
        **PREV,
        "interfaces": [{"name": "eth0", "sandbox": NETNS}],
        "ips": [{"address": "10.10.0.5/24", "interface": 0}],
    }
    conf = config(tmp_path, prevResult=prev)
    assert run("ADD", conf).status == 0
    first = (tmp_path / "dans" / f"{CID}.json").read_bytes()
    assert run("ADD", conf).status == 0
    assert (tmp_path / "dans" / f"{CID}.json").read_bytes() == first
    assert written(tmp_path).devices[0].guest_mac == derived_mac(CID, "eth0")


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("result", MacAddress.parse("02:00:00:00:00:01")),
        ("derived", derived_mac(CID, "eth0")),
        ("ipv4", MacAddress.parse("0a:58:0a:0a:00:05")),
    ],
)
def test_mac_policies(tmp_path: Path, policy: str, expected: MacAddress) -> None:
    prev = {
        **PREV,
        "interfaces": [
            *PREV["interfaces"][:2],
            {"name": "eth0", "mac": "02:00:00:00:00:01", "sandbox": NETNS},
        ],
    }
    assert run("ADD", config(tmp_path, prevResult=prev, mac=policy)).status == 0
    assert written(tmp_path).devices[0].guest_mac == expected


def test_the_ipv4_policy_needs_an_ipv4_address(tmp_path: Path) -> None:
    prev = {**PREV, "ips": [{"address": "2001:db8::5/64", "interface": 2}]}
    result = run("ADD", config(tmp_path, prevResult=prev, mac="ipv4"))
    assert error_code(result) == 7
    assert result.json["details"].startswith("$.mac: ")


def test_templates(tmp_path: Path) -> None:
    conf = config(
        tmp_path,
        tapName="t{short_id}",
        device="vhost-user",
        socketPath="/run/vu/{network}-{container_id}-{ifname}.sock",
    )
    assert run("ADD", conf).status == 0
    assert written(tmp_path).devices[0].device == v2.VhostUser(path=f"/run/vu/net1-{CID}-eth0.sock")
    for key, template in (("tapName", "t{pod}"), ("tapName", "{container_id}"), ("socketPath", "")):
        result = run("ADD", config(tmp_path, **{key: template}))
        assert error_code(result) == 7
        assert result.json["details"].startswith(f"$.{key}: ")


def test_vfio_from_pci_id(tmp_path: Path) -> None:
    prev = {
        "cniVersion": "1.1.0",
        "interfaces": [{"name": "eth0", "sandbox": NETNS, "pciID": "0000:85:02.5"}],
        "ips": [{"address": "10.20.0.5/24", "interface": 0}],
    }
    conf = config(tmp_path, cniVersion="1.1.0", prevResult=prev, device="vfio")
    result = run("ADD", {**conf, "runtime": "go-runtime@3.10"})
    assert result.status == 0, result.out
    assert written(tmp_path).devices[0].device == v2.Vfio(pci_device_id="0000:85:02.5")
    # runtime-rs cannot attach a vfio device: the store refuses to write it
    other = run("ADD", {**conf, "danConf": str(tmp_path / "rs")})
    assert error_code(other) == 101
    assert not (tmp_path / "rs" / f"{CID}.json").exists()
    no_pci = {**prev, "interfaces": [{"name": "eth0", "sandbox": NETNS}]}
    assert error_code(run("ADD", {**conf, "prevResult": no_pci})) == 7


@pytest.mark.parametrize(
    ("keys", "detail"),
    [
        ({"prevResult": None}, "dan-cni is a chained plugin"),
        (
            {"prevResult": {"cniVersion": "1.0.0", "ips": [{"address": "10.0.0.5"}]}},
            "$.prevResult.ips[0].address: ",
        ),
        ({"device": "tap"}, "$.device: expected one of host-tap, vhost-user, vfio"),
        ({"danConf": "relative/dir"}, "$.danConf: expected an absolute path"),
        ({"runtime": "crun"}, "$.runtime: "),
        ({"logDrops": 1}, "$.logDrops: expected a non-empty string"),
    ],
)
def test_bad_plugin_config(tmp_path: Path, keys: dict[str, Any], detail: str) -> None:
    conf = config(tmp_path)
    conf.update(keys)
    conf = {key: value for key, value in conf.items() if value is not None}
    result = run("ADD", conf)
    assert error_code(result) == 7
    assert detail in result.json.get("details", "") + result.json["msg"]


def test_malformed_prev_result_lists_every_problem(tmp_path: Path) -> None:
    prev = {
        "cniVersion": "1.0.0",
        "interfaces": [{"name": 5}],
        "ips": [{"address": "10.0.0.5/33"}],
        "routes": [{"gw": "10.0.0.1"}],
    }
    result = run("ADD", config(tmp_path, prevResult=prev))
    assert error_code(result) == 7
    assert result.json["msg"] == "invalid prevResult"
    assert [part.split(":")[0] for part in result.json["details"].split("; ")] == [
        "$.prevResult.interfaces[0].name",
        "$.prevResult.ips[0].address",
        "$.prevResult.routes[0].dst",
    ]


def test_a_device_of_another_network_under_the_same_name_conflicts(tmp_path: Path) -> None:
    assert run("ADD", config(tmp_path)).status == 0
    other = run("ADD", config(tmp_path, name="net2", mac="derived"))
    assert error_code(other) == 100
    # the same attachment with a changed result replaces its own device
    changed = {**PREV, "ips": [{"address": "10.10.0.6/24", "interface": 2}]}
    assert run("ADD", config(tmp_path, prevResult=changed)).status == 0
    assert written(tmp_path).devices[0].network_info.interface.ip_addresses == (
        IPv4Interface("10.10.0.6/24"),
    )


def test_del_removes_the_device_and_twice_is_fine(tmp_path: Path) -> None:
    assert run("DEL", config(tmp_path)).status == 0  # nothing there yet
    assert run("ADD", config(tmp_path)).status == 0
    assert (
        run(
            "ADD",
            config(tmp_path, name="net2", prevResult=PREV2),
            environ("ADD", CNI_IFNAME="net1"),
        ).status
        == 0
    )
    assert run("DEL", config(tmp_path)).status == 0
    assert [device.name for device in written(tmp_path).devices] == ["net1"]
    assert run("DEL", config(tmp_path)).status == 0
    assert run("DEL", config(tmp_path, name="net2"), environ("DEL", CNI_IFNAME="net1")).status == 0
    assert not (tmp_path / "dans" / f"{CID}.json").exists()
    assert (run("DEL", config(tmp_path)).status, run("DEL", config(tmp_path)).out) == (0, "")


def test_check(tmp_path: Path) -> None:
    result = run("CHECK", config(tmp_path))
    assert error_code(result) == 102
    assert result.json["msg"] == "the sandbox has no DAN file"
    assert run("ADD", config(tmp_path)).status == 0
    assert (run("CHECK", config(tmp_path)).status, run("CHECK", config(tmp_path)).out) == (0, "")
    path = tmp_path / "dans" / f"{CID}.json"
    document = json.loads(path.read_text())
    document["devices"][0]["guest_mac"] = "02:00:00:00:00:09"
    document["devices"][0]["network_info"]["interface"]["mtu"] = 9000
    path.write_text(json.dumps(document))
    result = run("CHECK", config(tmp_path))
    assert error_code(result) == 102
    assert result.json["details"] == (
        f"{path}: $.devices[0].guest_mac: the file has 02:00:00:00:00:09, ADD writes "
        "0a:58:0a:0a:00:05; $.devices[0].network_info.interface.mtu: the file has 9000, "
        "ADD writes 1500"
    )
    document["devices"][0]["name"] = "eth9"
    path.write_text(json.dumps(document))
    assert "no device named 'eth0'" in run("CHECK", config(tmp_path)).json["details"]


def test_gc_removes_this_networks_stale_attachments(tmp_path: Path) -> None:
    for sandbox in ("aaaa", "bbbb"):
        env = environ("ADD", CNI_CONTAINERID=sandbox)
        assert run("ADD", config(tmp_path), env).status == 0
        other = environ("ADD", CNI_CONTAINERID=sandbox, CNI_IFNAME="net1")
        assert run("ADD", config(tmp_path, name="net2", prevResult=PREV2), other).status == 0
    valid = [{"containerID": "aaaa", "ifname": "eth0"}]
    conf = config(tmp_path, cniVersion="1.1.0", **{"cni.dev/valid-attachments": valid})
    conf.pop("prevResult")
    result = run("GC", conf, {"CNI_COMMAND": "GC", "CNI_PATH": "/usr/lib/cni"})
    assert (result.status, result.out) == (0, "")
    assert result.err == "dan-cni: GC removed device 'eth0' of sandbox 'bbbb'\n"
    store = DanStore(tmp_path / "dans")
    assert [d.name for d in store.read("aaaa").devices] == ["eth0", "net1"]
    assert [d.name for d in store.read("bbbb").devices] == ["net1"]
    conf.pop("cni.dev/valid-attachments")
    assert error_code(run("GC", conf, {"CNI_COMMAND": "GC"})) == 7


def test_status(tmp_path: Path) -> None:
    conf = config(tmp_path, cniVersion="1.1.0")
    env = {"CNI_COMMAND": "STATUS"}
    assert (run("STATUS", conf, env).status, run("STATUS", conf, env).out) == (0, "")
    (tmp_path / "dans").write_text("a file")
    result = run("STATUS", conf, env)
    assert error_code(result) == 50
    assert result.json["details"] == f"{tmp_path / 'dans'} is not a directory"


def test_the_console_script_runs_as_a_process(tmp_path: Path) -> None:
    process = subprocess.run(
        [sys.executable, "-m", "danmodel.cni.plugin"],
        input=json.dumps(config(tmp_path)).encode(),
        env={**environ("ADD"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=False,
    )
    assert process.returncode == 0, process.stdout
    assert json.loads(process.stdout) == PREV
    assert written(tmp_path).devices[0].name == "eth0"
    process = subprocess.run(
        [sys.executable, "-m", "danmodel.cni.plugin"],
        input=b"{",
        env={**environ("ADD"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        check=False,
    )
    assert process.returncode == 1
    assert json.loads(process.stdout)["code"] == 6
    assert process.stderr == b""


def test_the_documented_conflist_and_defaults() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "cni-plugin.md").read_text()
    conflist = json.loads(page.split("```json\n", 1)[1].split("```", 1)[0])
    (dan,) = [entry for entry in conflist["plugins"] if entry["type"] == "dan-cni"]
    assert plugin.plugin_config(dan) == plugin.plugin_config({})
    for key, default in plugin.DEFAULTS.items():
        assert f"| `{key}` | `{default}` |" in page


def test_log_drops_all_logs_expected_drops_and_ignored_keys(tmp_path: Path) -> None:
    prev = {**PREV, "x-vendor": 1}
    result = run("ADD", config(tmp_path, prevResult=prev, logDrops="all"))
    assert result.status == 0
    assert result.err.splitlines() == [
        """dan-cni: $.prevResult['x-vendor']: unknown key "x-vendor", ignored""",
        "dan-cni: $.prevResult.interfaces[0]: interface 'cni0' is not converted "
        "(the device is interfaces[2])",
        "dan-cni: $.prevResult.interfaces[1]: interface 'veth1' is not converted "
        "(the device is interfaces[2])",
        "dan-cni: $.prevResult.interfaces[2].sandbox: not kept: a DAN device has no sandbox "
        "(the config's netns is where runtime-rs finds host devices)",
        "dan-cni: $.prevResult.dns.nameservers: dropped: DAN has no DNS settings",
    ]
    quiet = run("ADD", config(tmp_path, prevResult=prev, logDrops="none"))
    assert (quiet.status, quiet.err) == (0, "")


@pytest.mark.parametrize(
    ("interfaces", "ips", "expected"),
    [
        # the name matches on the host side only: that one
        ([{"name": "x"}, {"name": "eth0"}], [{"address": "10.0.0.5/24", "interface": 1}], 1),
        # no name matches: the one in a sandbox
        (
            [{"name": "br"}, {"name": "pod0", "sandbox": NETNS}],
            [{"address": "10.0.0.5/24", "interface": 1}],
            1,
        ),
        # an IPAM-only result: no interface at all
        ([], [{"address": "10.0.0.5/24"}], None),
    ],
)
def test_which_interface_is_converted(
    tmp_path: Path, interfaces: list[Any], ips: list[Any], expected: int | None
) -> None:
    prev = {"cniVersion": "1.0.0", "interfaces": interfaces, "ips": ips}
    result = run("ADD", config(tmp_path, prevResult=prev, mac="derived"))
    assert result.status == 0, result.out
    (device,) = written(tmp_path).devices
    assert device.network_info.interface.ip_addresses == (IPv4Interface("10.0.0.5/24"),)
    assert device.guest_mac == derived_mac(CID, "eth0")


def test_a_result_the_converter_refuses(tmp_path: Path) -> None:
    prev = {
        "cniVersion": "1.0.0",
        "interfaces": [{"name": "eth0", "mac": "0a:58", "sandbox": NETNS}],
    }
    result = run("ADD", config(tmp_path, prevResult=prev))
    assert error_code(result) == 7
    assert result.json["msg"] == "cannot convert prevResult"
    assert result.json["details"].startswith("$.prevResult.interfaces[0].mac: ")


def test_check_sees_netns_and_ownership(tmp_path: Path) -> None:
    store = DanStore(tmp_path / "dans")
    assert run("ADD", config(tmp_path)).status == 0
    device = store.read(CID).devices[0]
    store.remove(CID)
    store.add_device(CID, device, netns=None)  # no attachment, another netns
    result = run("CHECK", config(tmp_path))
    assert error_code(result) == 102
    details = result.json["details"].split(": ", 1)[1].split("; ")
    assert details == [
        "$.devices[0]: recorded for no attachment, not for network 'net1' (ifname 'eth0')",
        f"$.netns: the file has null, ADD writes '{NETNS}'",
    ]


def test_the_main_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in environ("ADD").items():
        monkeypatch.setenv(key, value)
    data = json.dumps(config(tmp_path)).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert plugin.main() == 0
    assert json.loads(capsys.readouterr().out) == PREV


def test_odd_inputs_to_the_protocol() -> None:
    assert run("VERSION", b"[1]").json["cniVersion"] == "1.1.0"
    big = b" " * (16 * 1024 * 1024 + 1)
    assert error_code(run("ADD", big)) == 6
    conf = {"cniVersion": 1, "name": "n", "type": "t"}
    assert (
        run("ADD", conf).json["details"] == "$.cniVersion: cniVersion is not a non-empty string: 1"
    )
    gc = {"cniVersion": "1.1.0", "name": "n", "type": "t", "cni.dev/valid-attachments": {}}
    assert error_code(run("GC", gc, {"CNI_COMMAND": "GC"})) == 7
    skel.Request(command="ADD").log("nowhere")  # without stderr, logging does nothing
    odd: dict[str, Any] = {"cniVersion": "0.4.0", "ips": "x", "interfaces": ["x"]}
    conf = {"cniVersion": "1.0.0", "name": "n", "type": "t", "prevResult": odd}
    assert run("ADD", conf, add=lambda request: None).json == {**odd, "cniVersion": "1.0.0"}
    odd = {"cniVersion": "1.0.0", "ips": ["x", {"address": 5}], "interfaces": "x"}
    conf = {"cniVersion": "0.4.0", "name": "n", "type": "t", "prevResult": odd}
    assert run("ADD", conf, add=lambda request: None).json == {**odd, "cniVersion": "0.4.0"}


def test_concurrent_adds_as_processes_lose_nothing(tmp_path: Path) -> None:
    def add(index: int) -> subprocess.CompletedProcess[bytes]:
        prev = {
            "cniVersion": "1.0.0",
            "interfaces": [{"name": f"net{index}", "sandbox": NETNS}],
            "ips": [{"address": f"10.{index}.0.5/24", "interface": 0}],
        }
        return subprocess.run(
            [sys.executable, "-m", "danmodel.cni.plugin"],
            input=json.dumps(config(tmp_path, name=f"n{index}", prevResult=prev)).encode(),
            env={**environ("ADD", CNI_IFNAME=f"net{index}"), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            check=False,
        )

    with ThreadPoolExecutor(max_workers=6) as pool:
        done = list(pool.map(add, range(6)))
    assert [process.returncode for process in done] == [0] * 6, [p.stdout for p in done]
    assert sorted(device.name for device in written(tmp_path).devices) == [
        f"net{index}" for index in range(6)
    ]
    attachments = DanStore(tmp_path / "dans").attachments(CID)
    assert {name: owner.network for name, owner in attachments.items()} == {
        f"net{index}": f"n{index}" for index in range(6)
    }
