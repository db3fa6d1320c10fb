"""``danmodel check``: output, formats and exit statuses."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from danmodel.cli import main

GOOD_GO = (
    '{"devices": [{"name": "eth0", "guest_mac": "0a:58:0a:0a:00:05",'
    ' "device": {"type": "vfio", "pci_device_id": "0000:85:02.5"},'
    ' "network_info": {"interface": {"ip_addresses": ["10.10.0.5/24"], "mtu": 1500}}}]}'
)


def _unpositioned(text: str) -> str:
    """Output without the ``(line L, column C)`` of each finding (tested in test_check.py)."""
    return re.sub(r" \(line \d+, column \d+\)", "", text)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    paths = {
        "good": GOOD_GO,
        # A neighbor without state: the Go runtime does not send it (a warning).
        "warn": GOOD_GO.replace(
            '"mtu": 1500}',
            '"mtu": 1500}, "neighbors": [{"ip_address": "10.10.0.1", '
            '"hardware_addr": "0a:58:0a:0a:0a:0a"}]',
        ),
        "error": GOOD_GO.replace(
            '"vfio", "pci_device_id": "0000:85:02.5"', '"host-tap", "tap_name": "t"'
        ),
    }
    result = {}
    for name, text in paths.items():
        path = tmp_path / f"{name}.json"
        path.write_text(text)
        result[name] = str(path)
    return result


def test_text_output(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--runtime", "go-runtime", files["good"], files["warn"]]) == 0
    warn = files["warn"]
    finding = (
        f"{warn}: $.devices[0].network_info.neighbors[0].state: warning [go-neighbor-not-sent]: "
        "neighbor state 0x0: the Go runtime does not send it to the agent, so the guest never "
        "has it. Fix: set state 0x80 (NudState.PERMANENT), or 0x02 (REACHABLE) for the gateway "
        "of a default route\n"
    )
    out = _unpositioned(capsys.readouterr().out)
    notes = [line for line in out.splitlines(keepends=True) if line.startswith("note: ")]
    # What the runtime does with any file comes once, after the files, before the summary.
    assert any("devices are attached in the order of their names" in note for note in notes)
    assert all(note.startswith("note: go-runtime: ") for note in notes)
    assert out == (
        f"{files['good']}: 0 errors, 0 warnings, 0 info for go-runtime\n"
        + finding
        + f"{warn}: 0 errors, 1 warning, 0 info for go-runtime\n"
        + "".join(notes)
        + "danmodel check: 2 files, 0 invalid, 0 unreadable; "
        "1 problem (0 errors, 1 warning, 0 info)\n"
    )
    assert main(["check", "--runtime", "go-runtime", "-q", files["good"], files["warn"]]) == 0
    assert _unpositioned(capsys.readouterr().out) == finding


def test_strict_fails_on_warnings(files: dict[str, str]) -> None:
    assert main(["check", "--runtime", "go-runtime", "--strict", files["warn"]]) == 1
    assert main(["check", "--runtime", "go-runtime", "--strict", files["good"]]) == 0


def test_errors_fail(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--runtime", "go-runtime@3.10", files["error"]]) == 1
    assert "error [go-device-type]" in capsys.readouterr().out


def test_json_output(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            ["check", "--runtime", "go-runtime", "--format", "json", files["good"], files["error"]]
        )
        == 1
    )
    report = json.loads(capsys.readouterr().out)
    assert report["runtime"] == "go-runtime"
    assert [entry["file"] for entry in report["files"]] == [files["good"], files["error"]]
    assert report["command"] == "check"
    assert report["files"][0]["problems"] == []
    assert report["files"][1]["problems"][0] == {
        "rule": "go-device-type",
        "severity": "error",
        "path": "$.devices[0].device.type",
        "message": 'a "host-tap" device: the Go runtime attaches only vfio devices, '
        "so the sandbox fails",
        "fix": "attach host-tap and vhost-user devices with runtime-rs",
        "line": 1,
        "column": 76,  # the key "type" of the device, on the one line of the file
    }
    text = Path(files["error"]).read_text(encoding="utf-8")
    assert text[75:].startswith('"type": "host-tap"')


def test_unreadable_file_wins(
    files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "missing.json")
    assert main(["check", "--runtime", "runtime-rs", files["error"], missing]) == 2
    assert capsys.readouterr().err == f"{missing}: cannot read: No such file or directory\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--runtime", "runc"],
            "argument --runtime: unknown runtime 'runc'; known: runtime-rs, go-runtime",
        ),
        (["--runtime", "go-runtime@3.6"], "go-runtime reads DAN files since Kata 3.7.0"),
        ([], "the following arguments are required: --runtime"),
    ],
)
def test_usage_errors(
    arguments: list[str], message: str, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", *arguments, files["good"]]) == 2
    assert message in capsys.readouterr().err


def test_stdin() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "danmodel", "check", "--runtime", "runtime-rs", "-"],
        input="{}",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert _unpositioned(result.stdout).startswith(
        '<stdin>: $.devices: error [rs-devices-missing]: "devices" is missing: runtime-rs rejects'
    )


def test_runtime_option_helper() -> None:
    import argparse

    from danmodel._cli._runtime_option import add_runtime_option, runtime_profile

    parser = argparse.ArgumentParser()
    add_runtime_option(parser)
    assert runtime_profile(parser.parse_args([])) is None
    assert (
        str(runtime_profile(parser.parse_args(["--runtime", "runtime-rs@3.15"])))
        == "runtime-rs@3.15.0"
    )
