"""dan-tap without privileges: its configuration, its errors, and how it delegates to IPAM.

The IPAM plugin here is a shell script that records the environment and the
standard input it was given, so the tests see exactly what a delegated plugin
gets. Nothing here makes a link or a namespace.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from danmodel.cni import skel, standalone

FAKE_IPAM = """#!/bin/sh
env > "{record}/env.$CNI_COMMAND"
cat > "{record}/stdin.$CNI_COMMAND"
case "$CNI_COMMAND" in
ADD) echo '{add}' ;;
VERSION) echo '{version}' ;;
STATUS) echo '{{"cniVersion": "1.1.0", "code": 50, "msg": "no addresses left"}}'; exit 1 ;;
GC) ;;
DEL) echo 'not JSON' >&2; exit 3 ;;
esac
"""
ADD_RESULT = {
    "cniVersion": "1.0.0",
    "ips": [{"address": "10.5.0.9/24", "gateway": "10.5.0.1"}],
    "routes": [{"dst": "0.0.0.0/0"}],
}


def fake_ipam(tmp_path: Path, *, add: object = ADD_RESULT, versions: Any = None) -> Path:
    """A fake IPAM plugin ``fake-ipam`` in ``tmp_path/bin``; it records into ``tmp_path/rec``."""
    record = tmp_path / "rec"
    record.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "fake-ipam"
    version = {"cniVersion": "1.1.0", "supportedVersions": versions or ["1.0.0", "1.1.0"]}
    script.write_text(
        FAKE_IPAM.format(
            record=record,
            add=add if isinstance(add, str) else json.dumps(add),
            version=json.dumps(version),
        )
    )
    script.chmod(0o755)
    return bin_dir


def config(tmp_path: Path, **keys: Any) -> dict[str, Any]:
    return {
        "cniVersion": "1.0.0",
        "name": "kata-dan",
        "type": "dan-tap",
        "danConf": str(tmp_path / "dans"),
        "ipam": {"type": "fake-ipam", "subnet": "10.5.0.0/24"},
        **keys,
    }


def request(tmp_path: Path, bin_dir: Path, command: str = "ADD", **keys: Any) -> skel.Request:
    configuration = config(tmp_path, **keys)
    return skel.Request(
        command=command,
        container_id="pod-1",
        netns="/var/run/netns/pod-1",
        ifname="eth0",
        args=(("K8S_POD_NAME", "web"),),
        path=(str(tmp_path / "nowhere"), str(bin_dir)),
        config=configuration,
        cni_version=configuration["cniVersion"],
        name=configuration["name"],
        type=configuration["type"],
        stderr=io.StringIO(),
    )


def run(
    command: str, configuration: dict[str, Any], path: str = "/nowhere"
) -> tuple[int, Any, str]:
    environment = {
        "CNI_COMMAND": command,
        "CNI_CONTAINERID": "pod-1",
        "CNI_NETNS": "/var/run/netns/pod-1",
        "CNI_IFNAME": "eth0",
        "CNI_PATH": path,
    }
    out, err = io.StringIO(), io.StringIO()
    status = skel.main(
        add=standalone.add,
        delete=standalone.delete,
        check=standalone.check,
        status=standalone.status,
        gc=standalone.gc,
        environ=environment,
        stdin=io.BytesIO(json.dumps(configuration).encode()),
        stdout=out,
        stderr=err,
    )
    text = out.getvalue()
    return status, json.loads(text) if text.strip() else None, err.getvalue()


# --- the configuration ---------------------------------------------------------------------


def test_defaults(tmp_path: Path) -> None:
    read = standalone.tap_config(config(tmp_path))
    assert (read.runtime, read.netns, read.bridge, read.tap_name, read.mac) == (
        "runtime-rs",
        None,
        "dan0",
        "dan{hash}",
        "derived",
    )
    assert (read.mtu, read.bridge_mtu, read.queue_num, read.queue_size) == (1500, 1500, 0, 0)
    assert (read.is_gateway, read.gateway_neighbor, read.multi_queue) == (False, False, False)
    assert read.ipam_type == "fake-ipam"


@pytest.mark.parametrize(
    ("netns", "path"),
    [
        ("host", None),
        ("taps", "/run/netns/taps"),
        ("a-namespace-name-longer-than-15", "/run/netns/a-namespace-name-longer-than-15"),
        ("/var/run/netns/x", "/var/run/netns/x"),
    ],
)
def test_netns_values(tmp_path: Path, netns: str, path: str | None) -> None:
    assert standalone.tap_config(config(tmp_path, netns=netns)).netns == path


@pytest.mark.parametrize(
    ("keys", "details"),
    [
        ({"mtu": 67}, "$.mtu: expected an integer from 68 to 65535, found 67"),
        ({"mtu": 1500.0}, "$.mtu: expected an integer from 68 to 65535, found 1500.0"),
        ({"mtu": True}, "$.mtu: expected an integer from 68 to 65535, found True"),
        ({"bridgeMtu": 70000}, "$.bridgeMtu: expected an integer from 68 to 65535, found 70000"),
        ({"queueNum": -1}, "$.queueNum: expected an integer from 0 to 4294967295, found -1"),
        ({"isGateway": "yes"}, "$.isGateway: expected true or false, found 'yes'"),
        ({"mac": "result"}, "$.mac: expected one of derived, ipv4, found 'result'"),
        ({"bridge": ""}, "$.bridge: expected a non-empty string, found ''"),
        ({"bridge": "a-bridge-name-too-long"}, "$.bridge: "),
        ({"danConf": "dans"}, "$.danConf: expected an absolute path, found 'dans'"),
        ({"netns": "../x"}, '$.netns: expected "host", a namespace name'),
        ({"netns": ".."}, '$.netns: expected "host", a namespace name'),
        ({"ipam": None}, "$.ipam: expected an object with the IPAM plugin's type, found None"),
        ({"ipam": {"type": "../bin/sh"}}, "$.ipam.type: expected the name of an IPAM plugin"),
        ({"ipam": {}}, "$.ipam.type: expected the name of an IPAM plugin, found None"),
        ({"gatewayNeighbor": True}, "$.gatewayNeighbor: needs isGateway"),
        ({"tapName": "{hash"}, "$.tapName: unbalanced braces in '{hash'"),
        ({"tapName": "t{pod}"}, "$.tapName: unknown template field {pod}; known: {container_id}"),
        ({"runtime": "kata-2"}, "$.runtime: "),
    ],
)
def test_a_bad_key_is_a_cni_error_with_code_7(
    tmp_path: Path, keys: dict[str, Any], details: str
) -> None:
    status, out, err = run("ADD", config(tmp_path, **keys))
    assert status == 1
    assert out["code"] == 7, out
    assert out["details"].startswith(details), out
    assert "Traceback" not in err
    assert not (tmp_path / "dans").exists()


def test_a_long_tap_template_is_refused(tmp_path: Path) -> None:
    status, out, _ = run("ADD", config(tmp_path, tapName="tap-{network}-{hash}"))
    assert (status, out["code"]) == (1, 7)
    assert out["details"].startswith("$.tapName: 'tap-{network}-{hash}' gives 'tap-kata-dan-")


def test_version() -> None:
    out = io.StringIO()
    status = skel.main(
        add=standalone.add,
        delete=standalone.delete,
        environ={"CNI_COMMAND": "VERSION"},
        stdin=io.BytesIO(b'{"cniVersion": "1.0.0"}'),
        stdout=out,
    )
    assert status == 0
    assert json.loads(out.getvalue())["supportedVersions"] == [
        "0.3.0",
        "0.3.1",
        "0.4.0",
        "1.0.0",
        "1.1.0",
    ]


def test_without_pyroute2_add_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyroute2", None)  # import pyroute2 raises ImportError
    status, out, _ = run("ADD", config(tmp_path))
    assert (status, out["code"]) == (1, 50)
    assert out["details"] == "pip install 'danmodel[netlink]'"


# --- delegation ----------------------------------------------------------------------------


def test_delegate_runs_the_ipam_plugin_from_cni_path_with_the_same_environment_and_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = fake_ipam(tmp_path)
    monkeypatch.setenv("DAN_TAP_TEST_MARK", "kept")
    asked = request(tmp_path, bin_dir)
    result = standalone.delegate(asked, "fake-ipam", "ADD")
    assert result == ADD_RESULT
    environment = dict(
        line.split("=", 1)
        for line in (tmp_path / "rec/env.ADD").read_text().splitlines()
        if "=" in line
    )
    assert environment["CNI_COMMAND"] == "ADD"
    assert environment["CNI_CONTAINERID"] == "pod-1"
    assert environment["CNI_NETNS"] == "/var/run/netns/pod-1"
    assert environment["CNI_IFNAME"] == "eth0"
    assert environment["CNI_ARGS"] == "K8S_POD_NAME=web"
    assert environment["CNI_PATH"] == f"{tmp_path / 'nowhere'}:{bin_dir}"
    assert environment["DAN_TAP_TEST_MARK"] == "kept"
    assert json.loads((tmp_path / "rec/stdin.ADD").read_text()) == asked.config


def test_delegate_passes_the_ipam_error_on_with_its_code(tmp_path: Path) -> None:
    bin_dir = fake_ipam(tmp_path)
    with pytest.raises(skel.CniError) as raised:
        standalone.delegate(request(tmp_path, bin_dir), "fake-ipam", "STATUS")
    assert raised.value.code == 50
    assert raised.value.msg == "IPAM plugin 'fake-ipam' (STATUS): no addresses left"


def test_delegate_reports_a_plugin_that_fails_without_error_json(tmp_path: Path) -> None:
    bin_dir = fake_ipam(tmp_path)
    with pytest.raises(skel.CniError) as raised:
        standalone.delegate(request(tmp_path, bin_dir), "fake-ipam", "DEL")
    assert raised.value.code == 999
    assert raised.value.msg == "IPAM plugin 'fake-ipam' (DEL) failed with exit status 3"
    assert raised.value.details == "not JSON"


def test_delegate_refuses_an_add_without_a_result(tmp_path: Path) -> None:
    bin_dir = fake_ipam(tmp_path, add="no result")
    with pytest.raises(skel.CniError) as raised:
        standalone.delegate(request(tmp_path, bin_dir), "fake-ipam", "ADD")
    assert raised.value.code == 6
    assert "found 'no result\\n'" in raised.value.details


def test_delegate_needs_the_plugin_in_cni_path(tmp_path: Path) -> None:
    bin_dir = fake_ipam(tmp_path)
    with pytest.raises(skel.CniError) as raised:
        standalone.delegate(request(tmp_path, bin_dir), "host-local-missing", "ADD")
    assert raised.value.code == 7
    assert raised.value.details.startswith(
        "$.ipam.type: no plugin 'host-local-missing' in CNI_PATH"
    )


# --- STATUS and GC -------------------------------------------------------------------------


def test_status_is_the_ipam_plugins_status_when_it_speaks_1_1_0(tmp_path: Path) -> None:
    bin_dir = fake_ipam(tmp_path)
    status, out, _ = run("STATUS", config(tmp_path, cniVersion="1.1.0"), str(bin_dir))
    assert (status, out["code"]) == (1, 50)
    assert out["msg"] == "IPAM plugin 'fake-ipam' (STATUS): no addresses left"


def test_status_skips_an_ipam_plugin_older_than_1_1_0(tmp_path: Path) -> None:
    bin_dir = fake_ipam(tmp_path, versions=["0.4.0", "1.0.0"])
    status, out, err = run("STATUS", config(tmp_path, cniVersion="1.1.0"), str(bin_dir))
    assert (status, out) == (0, None)
    assert err == "dan-tap: IPAM plugin 'fake-ipam' predates CNI 1.1.0: no STATUS for it\n"
    assert not (tmp_path / "rec/env.STATUS").exists()


def test_status_fails_when_dan_conf_is_not_a_directory(tmp_path: Path) -> None:
    (tmp_path / "dans").write_text("")
    status, out, _ = run("STATUS", config(tmp_path, cniVersion="1.1.0"))
    assert (status, out["code"]) == (1, 50)
    assert out["details"] == f"{tmp_path / 'dans'} is not a directory"


def test_gc_needs_the_valid_attachments(tmp_path: Path) -> None:
    status, out, _ = run("GC", config(tmp_path, cniVersion="1.1.0"))
    assert (status, out["code"]) == (1, 7)
    assert out["details"].startswith("$['cni.dev/valid-attachments']")


def test_check_without_a_dan_file_fails_with_102(tmp_path: Path) -> None:
    status, out, _ = run("CHECK", config(tmp_path))
    assert (status, out["code"]) == (1, 102)
    assert "no device of network 'kata-dan' (ifname 'eth0')" in out["details"]


def test_an_ipam_plugin_with_an_unreadable_version_is_not_asked_for_status(
    tmp_path: Path,
) -> None:
    bin_dir = fake_ipam(tmp_path)
    script = bin_dir / "fake-ipam"
    script.write_text(script.read_text().replace("VERSION) echo", "VERSION) echo garbage; echo"))
    status, out, err = run("STATUS", config(tmp_path, cniVersion="1.1.0"), str(bin_dir))
    assert (status, out) == (0, None)
    assert "predates CNI 1.1.0: no STATUS for it" in err
