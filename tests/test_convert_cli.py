"""``danmodel convert``: DAN config to agent messages, CNI result to DAN config.

Expected outputs are written by hand from the conversion rules.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import danmodel
from danmodel import agent
from danmodel.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CNI = Path(__file__).resolve().parent / "fixtures" / "cni"


def test_host_tap_example_to_agent(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", "--to", "agent", str(EXAMPLES / "host-tap.json")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert json.loads(captured.out) == {
        "interfaces": [
            {
                "device": "eth0",
                "name": "eth0",
                "IPAddresses": [{"family": 0, "address": "10.10.0.5", "mask": "24"}],
                "mtu": 1500,
                "hwAddr": "0a:58:0a:0a:00:05",
                "devicePath": "",
                "type": "",
                "raw_flags": 0,
            }
        ],
        "routes": [
            {
                "dest": "",
                "gateway": "10.10.0.1",
                "device": "eth0",
                "source": "",
                "scope": 0,
                "family": 0,
                "flags": 0,
                "mtu": 0,
            }
        ],
        "neighbors": [
            {
                "toIPAddress": {"family": 0, "address": "10.10.0.1", "mask": "32"},
                "device": "eth0",
                "lladdr": "0a:58:0a:0a:00:01",
                "state": 128,
                "flags": 0,
            }
        ],
    }


@pytest.mark.parametrize(
    ("example", "interfaces", "routes", "neighbors"),
    [
        ("host-tap.json", ["eth0"], 1, 1),
        ("vhost-user.json", ["eth0"], 1, 0),
        ("vfio.json", ["eth0"], 2, 1),
        ("dual-stack.json", ["eth0"], 2, 2),
        ("multi-device.json", ["eth0", "eth1", "eth2"], 2, 1),
    ],
)
def test_every_example_converts(
    example: str,
    interfaces: list[str],
    routes: int,
    neighbors: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["convert", "--to", "agent", str(EXAMPLES / example)]) == 0
    network = agent.loads(capsys.readouterr().out)
    assert [interface.name for interface in network.interfaces] == interfaces
    assert (len(network.routes), len(network.neighbors)) == (routes, neighbors)


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_dropped_data_is_reported_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A neighbor address without prefix: runtime-rs (which attaches host-tap) cannot read it.
    config = json.loads((EXAMPLES / "host-tap.json").read_text())
    config["devices"][0]["network_info"]["neighbors"] = [
        {"ip_address": "10.10.0.1", "hardware_addr": "0a:58:0a:0a:00:01", "state": 128}
    ]
    path = str(_write(tmp_path, "plain-neighbor.json", json.dumps(config)))
    assert main(["convert", "--to", "agent", "--runtime", "runtime-rs@3.17", path]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith(f"{path}: $.devices[0].network_info.neighbors[0].ip_address: ")
    assert captured.err.endswith(" (dropped)\n")
    assert json.loads(captured.out)["neighbors"][0]["toIPAddress"] is None
    assert main(["convert", "--to", "agent", "--runtime", "runtime-rs@3.17", "--strict", path]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "$.devices[0].network_info.neighbors[0].ip_address" in captured.err


def test_a_vfio_file_converts_as_the_go_runtime_converts_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # vfio.json is written for the Go runtime, which parses its plain neighbor address.
    path = str(EXAMPLES / "vfio.json")
    assert main(["convert", "--to", "agent", path]) == 0
    captured = capsys.readouterr()
    neighbor = json.loads(captured.out)["neighbors"][0]
    assert neighbor["toIPAddress"]["address"] == "10.20.0.1"
    assert main(["convert", "--to", "agent", "--agent-format", "proto3", path]) == 0
    proto3 = json.loads(capsys.readouterr().out)
    # Canonical proto3 JSON: json names, and default values (family v4, flags 0) left out.
    assert "family" not in proto3["neighbors"][0]["toIPAddress"]
    assert "raw_flags" not in proto3["interfaces"][0]
    assert "raw_flags" in json.loads(captured.out)["interfaces"][0]


def test_agent_messages_convert_back_to_a_dan_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = str(EXAMPLES / "host-tap.json")
    assert main(["convert", "--to", "agent", example]) == 0
    messages = _write(tmp_path, "agent.json", capsys.readouterr().out)
    original = danmodel.loads((EXAMPLES / "host-tap.json").read_text())
    device = original.devices[0]
    spec = f"{device.name}=host-tap:{device.device.tap_name}"  # type: ignore[union-attr]
    argv = ["convert", "--from", "agent", str(messages), "--device", spec]
    assert main([*argv, "--runtime", "runtime-rs"]) == 0
    back = danmodel.loads(capsys.readouterr().out)
    assert back.devices[0].network_info.interface == device.network_info.interface
    assert main(["convert", "--from", "agent", str(messages), "--device", "eth0=tap"]) == 2
    assert "host-tap:" in capsys.readouterr().err


def test_keep_loopback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = json.loads((EXAMPLES / "host-tap.json").read_text())
    config["devices"][0]["network_info"]["interface"]["ip_addresses"].append("127.0.0.2/8")
    path = tmp_path / "loopback.json"
    path.write_text(json.dumps(config))
    assert main(["convert", "--to", "agent", str(path)]) == 0
    captured = capsys.readouterr()
    assert len(json.loads(captured.out)["interfaces"][0]["IPAddresses"]) == 1
    assert "ip_addresses[1]: loopback address 127.0.0.2/8 dropped" in captured.err
    assert main(["convert", "--to", "agent", "--keep-loopback", str(path)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["interfaces"][0]["IPAddresses"][1] == {
        "family": 0,
        "address": "127.0.0.2",
        "mask": "8",
    }
    assert captured.err == ""


def test_cni_result_to_dan_config(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(CNI / "host-tap-0.4.0.json")
    assert main(["convert", "--from", "cni", path, "--name", "eth0"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {
        "netns": None,
        "devices": [
            {
                "name": "eth0",
                "guest_mac": "0a:58:0a:28:00:05",
                "device": {
                    "type": "host-tap",
                    "tap_name": "tap-dan0",
                    "queue_num": 0,
                    "queue_size": 0,
                },
                "network_info": {
                    "interface": {
                        "ip_addresses": ["10.40.0.5/24", "2001:db8:40::5/64"],
                        "mtu": 1500,
                        "ntype": "",
                        "flags": 0,
                    },
                    "routes": [
                        {
                            "dest": "10.0.0.0/8",
                            "gateway": "10.40.0.1",
                            "source": "",
                            "scope": 0,
                            "flags": 0,
                            "mtu": 0,
                        },
                        {
                            "dest": "::/0",
                            "gateway": "",
                            "source": "",
                            "scope": 0,
                            "flags": 0,
                            "mtu": 0,
                        },
                    ],
                    "neighbors": [],
                },
            }
        ],
    }
    # The route to 10.0.0.0/8 goes through the address's gateway: nothing is dropped.
    assert captured.err == ""
    # the output is a valid DAN config
    assert danmodel.loads(captured.out).devices[0].name == "eth0"


@pytest.mark.parametrize(
    ("fixture", "options", "kind"),
    [
        ("bridge-1.1.0.json", ["--tap", "tap0", "--interface", "1"], "host-tap"),
        ("ipam-0.3.1.json", ["--tap", "tap0"], "host-tap"),
        ("sandboxed-1.0.0.json", ["--tap", "tap0"], "host-tap"),
        ("vfio-1.1.0.json", [], "vfio"),
        ("vhost-user-1.1.0.json", [], "vhost-user"),
    ],
)
def test_every_cni_fixture_converts(
    fixture: str, options: list[str], kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["convert", "--from", "cni", str(CNI / fixture), "--name", "eth0", *options])
    assert status == 0
    config = danmodel.loads(capsys.readouterr().out)
    assert danmodel.to_dict(config)["devices"][0]["device"]["type"] == kind


def test_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = (CNI / "vfio-1.1.0.json").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["convert", "--from", "cni", "-", "--name", "eth0"]) == 0
    captured = capsys.readouterr()
    assert "<stdin>: $.interfaces[0].name: " in captured.err
    assert danmodel.loads(captured.out).devices[0].device == danmodel.Vfio(
        pci_device_id="0000:85:02.5"
    )


def test_standard_input_in_a_subprocess() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "danmodel", "convert", "--to", "agent", "-"],
        input=(EXAMPLES / "vhost-user.json").read_text(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert agent.loads(result.stdout).interfaces[0].hwAddr == "0a:58:c0:00:02:0a"


def test_invalid_inputs_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"cniVersion": "1.0.0", "ips": [{"address": "10.0.0.5"}]}')
    assert main(["convert", "--from", "cni", str(bad), "--name", "eth0", "--tap", "t0"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{bad}: $.ips[0].address: expected an address with prefix")
    assert main(["convert", "--to", "agent", str(bad)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    # Each problem of a DAN config says where it is (1-based line and column).
    assert f"{bad}: $.cniVersion (line 1, column 2): unknown key" in captured.err


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--to", "agent", "--name", "eth0"], "--name applies to --from cni only"),
        (["--to", "agent", "--interface", "0"], "--interface applies to --from cni only"),
        (["--from", "cni", "--keep-loopback", "--name", "e"], "--keep-loopback applies to"),
        (["--from", "cni", "--device", "e=vfio:0000:00:01.0"], "--device applies to --from agent"),
        (["--from", "cni"], "needs --name NAME"),
        (["--from", "cni", "--name", "a b"], "--name: interface name 'a b' contains ' '"),
        (["--from", "cni", "--name", "e", "--tap", "x" * 16], "--tap: interface name"),
        (["--from", "cni", "--name", "e", "--interface", "-1"], "--interface: expected an index"),
    ],
)
def test_usage_errors_exit_2(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["convert", *arguments, str(CNI / "vfio-1.1.0.json")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("danmodel convert: ")
    assert message in captured.err


def test_argparse_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", "x.json"]) == 2
    assert main(["convert", "--to", "agent", "--from", "cni", "x.json"]) == 2
    assert main(["convert", "--to", "yaml", "x.json"]) == 2
    capsys.readouterr()


@pytest.mark.parametrize("direction", [["--to", "agent"], ["--from", "cni", "--name", "eth0"]])
def test_unreadable_files_exit_2(
    direction: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.json"
    assert main(["convert", *direction, str(missing)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{missing}: cannot read: ")


def test_from_cni_for_a_runtime(capsys: pytest.CaptureFixture[str]) -> None:
    vfio = str(CNI / "vfio-1.1.0.json")
    # The Go runtime attaches vfio devices: written, as without --runtime.
    assert main(["convert", "--from", "cni", vfio, "--name", "eth0"]) == 0
    plain = capsys.readouterr().out
    assert (
        main(["convert", "--from", "cni", vfio, "--name", "eth0", "--runtime", "go-runtime"]) == 0
    )
    assert capsys.readouterr().out == plain
    # runtime-rs rejects a vfio device: nothing is written, the rule is named.
    assert (
        main(["convert", "--from", "cni", vfio, "--name", "eth0", "--runtime", "runtime-rs"]) == 1
    )
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "$.devices[0].device.type" in captured.err
    assert "[rs-device-type]" in captured.err


def test_runtime_chooses_the_conversion(capsys: pytest.CaptureFixture[str]) -> None:
    example = str(EXAMPLES / "vfio.json")
    assert main(["convert", "--to", "agent", example, "--runtime", "go-runtime@3.10"]) == 0
    capsys.readouterr()
    assert main(["convert", "--to", "agent", example, "--runtime", "runtime-rs"]) == 1
    assert "$.devices[0].device" in capsys.readouterr().err
    assert main(["convert", "--from", "cni", example, "--name", "e", "--runtime", "kata"]) == 2
