"""The public upstream examples, and the ``danmodel validate`` command line."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

import danmodel
from danmodel import ValidationError, load
from danmodel.cli import main

UPSTREAM = Path(__file__).resolve().parent / "fixtures" / "upstream"
COMMIT_EXAMPLE = UPSTREAM / "runtime-rs-commit-example.json"
GO_VFIO = UPSTREAM / "go-runtime-testdata-vfio.json"
PROTOTYPE = UPSTREAM / "dantap-prototype-output.json"
LONE_DEVICE = UPSTREAM / "runtime-rs-unit-test-device.json"

VALID = (
    '{"devices": [{"name": "eth0", "guest_mac": "02:00:00:00:00:01",'
    ' "device": {"type": "host-tap", "tap_name": "tap0"},'
    ' "network_info": {"interface": {"ip_addresses": ["10.0.0.2/24"]}}}]}'
)


def _unpositioned(text: str) -> str:
    """CLI output without the ``(line L, column C)`` of each problem (tested elsewhere)."""
    return re.sub(r" \(line \d+, column \d+\)", "", text)


def _problems(path: Path, **kwargs: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as exc:
        load(path, **kwargs)  # type: ignore[call-overload]
    assert exc.value.source == str(path)
    return {problem.path: problem.message for problem in exc.value.errors}


# --- upstream examples ---------------------------------------------------------------------------


def test_runtime_rs_commit_example() -> None:
    problems = _problems(COMMIT_EXAMPLE)
    assert set(problems) == {
        "$.devices[0].guest_mac",
        "$.devices[0].network_info.neighbors[0].hardware_addr",
        "$.devices[0].network_info.neighbors[0].device",
    }
    assert "xx:xx:xx:xx:xx" in problems["$.devices[0].guest_mac"]
    assert "xx:xx:xx:xx:xx" in problems["$.devices[0].network_info.neighbors[0].hardware_addr"]
    assert "unknown key" in problems["$.devices[0].network_info.neighbors[0].device"]


def test_runtime_rs_commit_example_lenient_still_fails_on_the_macs() -> None:
    problems = _problems(COMMIT_EXAMPLE, strict=False)
    assert set(problems) == {
        "$.devices[0].guest_mac",
        "$.devices[0].network_info.neighbors[0].hardware_addr",
    }


def test_go_runtime_testdata_strict() -> None:
    problems = _problems(GO_VFIO)
    assert set(problems) == {"$.devices[0].network_info.Neighbors"}
    message = problems["$.devices[0].network_info.Neighbors"]
    assert "unknown key" in message
    assert 'did you mean "neighbors"' in message


def test_go_runtime_testdata_lenient_drops_the_neighbors_as_runtime_rs_does() -> None:
    with pytest.warns(danmodel.IgnoredKeysWarning) as record:
        config = load(GO_VFIO, strict=False)
    assert len(record) == 1
    warning = record[0].message
    assert isinstance(warning, danmodel.IgnoredKeysWarning)
    assert [p.path for p in warning.ignored] == ["$.devices[0].network_info.Neighbors"]
    assert str(GO_VFIO) in str(warning)
    (device,) = config.devices
    assert config.netns == "netns"
    assert device.name == "eth0"
    assert str(device.guest_mac) == "0a:58:0a:0a:00:05"
    assert device.device == danmodel.Vfio(pci_device_id="0000:85:02.5")
    assert device.network_info.neighbors == ()
    assert [str(r.gateway) for r in device.network_info.routes] == ["10.0.0.1", "10.0.0.1"]
    assert device.network_info.routes[0].dest is None
    assert str(device.network_info.routes[1].dest) == "10.10.0.0/16"
    assert device.network_info.interface.mtu == 1500


def test_go_runtime_testdata_is_not_revision_1() -> None:
    problems = _problems(GO_VFIO, revision=1, strict=False)
    assert set(problems) == {"$.devices[0].device.type"}
    assert "revision 2" in problems["$.devices[0].device.type"]


@pytest.mark.parametrize("strict", [True, False])
def test_dantap_prototype_output(strict: bool) -> None:
    problems = _problems(PROTOTYPE, strict=strict)
    assert set(problems) == {"$"}
    message = problems["$"]
    assert "devices" in message
    assert "object" in message
    assert "prototype" in message


def test_runtime_rs_unit_test_device() -> None:
    problems = _problems(LONE_DEVICE)
    assert "$" in problems
    assert "single device" in problems["$"]
    assert "$.devices" in problems
    problems = _problems(LONE_DEVICE, strict=False)
    assert set(problems) == {"$", "$.devices"}
    assert "single device" in problems["$"]


# --- the command line ----------------------------------------------------------------------------


@pytest.fixture
def valid_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.json"
    path.write_text(VALID, encoding="utf-8")
    return path


@pytest.fixture
def invalid_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.json"
    path.write_text('{"netns": "", "devices": [], "extra": 1}', encoding="utf-8")
    return path


def test_cli_valid(valid_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(valid_file)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [f"{valid_file}: valid (revision 2, 1 device)"]
    assert err == ""


def test_cli_invalid(invalid_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(invalid_file)]) == 1
    out, _ = capsys.readouterr()
    out = _unpositioned(out)
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{invalid_file}: $.netns: ")
    assert lines[1].startswith(f"{invalid_file}: $.extra: unknown key")


def test_cli_syntax_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "devices": [\n}\n', encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out, _ = capsys.readouterr()
    assert out.startswith(f"{path}: $ (line 3, column 1): invalid JSON")


def test_cli_upstream_fixtures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(COMMIT_EXAMPLE), str(GO_VFIO)]) == 1
    out, _ = capsys.readouterr()
    out = _unpositioned(out)
    *lines, summary = out.splitlines()
    assert summary.startswith("danmodel validate: 2 files, 2 invalid")
    prefixes = [
        f"{COMMIT_EXAMPLE}: $.devices[0].guest_mac: ",
        f"{COMMIT_EXAMPLE}: $.devices[0].network_info.neighbors[0].device: unknown key",
        f"{COMMIT_EXAMPLE}: $.devices[0].network_info.neighbors[0].hardware_addr: ",
        f"{GO_VFIO}: $.devices[0].network_info.Neighbors: unknown key",
    ]
    assert len(lines) == len(prefixes)
    for line, prefix in zip(lines, prefixes, strict=True):
        assert line.startswith(prefix), (line, prefix)
    assert "xx:xx:xx:xx:xx" in lines[0]
    assert 'did you mean "neighbors"' in lines[3]


def test_cli_lenient_reports_ignored_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--lenient", str(GO_VFIO)]) == 0
    out, _ = capsys.readouterr()
    out = _unpositioned(out)
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{GO_VFIO}: $.devices[0].network_info.Neighbors: unknown key")
    assert lines[1] == f"{GO_VFIO}: valid (revision 2, 1 device)"


def test_cli_revision_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--revision", "1", "--lenient", str(GO_VFIO)]) == 1
    out, _ = capsys.readouterr()
    out = _unpositioned(out)
    assert f"{GO_VFIO}: $.devices[0].device.type: " in out


def test_cli_valid_and_invalid(
    valid_file: Path, invalid_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(valid_file), str(invalid_file)]) == 1
    out, _ = capsys.readouterr()
    out = _unpositioned(out)
    assert f"{valid_file}: valid" in out
    assert f"{invalid_file}: $.netns: " in out


def test_cli_unreadable(
    tmp_path: Path, invalid_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.json"
    assert main(["validate", str(missing)]) == 2
    out, err = capsys.readouterr()
    out = _unpositioned(out)
    assert out == ""
    assert err.startswith(f"{missing}: cannot read")
    # unreadable wins over invalid; the other files are still checked
    assert main(["validate", str(missing), str(invalid_file)]) == 2
    out, _ = capsys.readouterr()
    out = _unpositioned(out)
    assert f"{invalid_file}: $.netns: " in out
    (tmp_path / "empty").mkdir()
    assert main(["validate", str(tmp_path / "empty")]) == 2  # a directory with no file to read


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["validate"],
        ["frobnicate", "x.json"],
        ["validate", "--revision", "3", "x.json"],
        ["validate", "--revision", "two", "x.json"],
        ["validate", "--no-such-option", "x.json"],
    ],
)
def test_cli_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    _, err = capsys.readouterr()
    assert "usage:" in err


def test_cli_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out, _ = capsys.readouterr()
    assert "validate" in out


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_cli_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _stdin(monkeypatch, VALID.encode())
    assert main(["validate", "-"]) == 0
    out, _ = capsys.readouterr()
    assert out == "<stdin>: valid (revision 2, 1 device)\n"


def test_cli_stdin_invalid(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, b'{"devices": [], "netns": "\xff"}')
    assert main(["validate", "-"]) == 1
    out, _ = capsys.readouterr()
    assert out.startswith("<stdin>: $ (line 1, column 27): invalid UTF-8")


def test_cli_survives_a_lone_surrogate_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "surrogate.json"
    path.write_text('{"devices": [], "\\ud800": 1}', encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out, _ = capsys.readouterr()
    assert "unknown key" in out


def test_cli_subprocess(valid_file: Path, invalid_file: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "danmodel", "validate", str(valid_file), str(invalid_file)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    lines = _unpositioned(result.stdout).splitlines()
    assert lines[0] == f"{valid_file}: valid (revision 2, 1 device)"
    assert lines[1].startswith(f"{invalid_file}: $.netns: ")
    assert lines[2].startswith(f"{invalid_file}: $.extra: unknown key")
    assert result.stderr == ""


def test_cli_subprocess_stdin() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "danmodel", "validate", "-"],
        input=VALID.encode(),
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout == b"<stdin>: valid (revision 2, 1 device)\n"
