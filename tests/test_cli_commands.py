"""The ``danmodel`` subcommands: validate --format json, schema, fmt and migrate."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, FIXTURES, ROOT
from danmodel.cli import main
from danmodel.schema import schema_text

CORPUS = FIXTURES / "corpus"
UPSTREAM = FIXTURES / "upstream"

CANONICAL = """{
  "netns": null,
  "devices": [
    {
      "name": "eth0",
      "guest_mac": "02:00:00:00:00:01",
      "device": {
        "type": "host-tap",
        "tap_name": "tap0",
        "queue_num": 0,
        "queue_size": 0
      },
      "network_info": {
        "interface": {
          "ip_addresses": [
            "10.0.0.2/24"
          ],
          "mtu": 1500,
          "ntype": "",
          "flags": 0
        },
        "routes": [
          {
            "dest": "",
            "gateway": "10.0.0.1",
            "source": "",
            "scope": 0,
            "flags": 0,
            "mtu": 0
          }
        ],
        "neighbors": []
      }
    }
  ]
}
"""
COMPACT = (
    '{"devices": [{"name": "eth0", "guest_mac": "02:00:00:00:00:01",'
    ' "device": {"type": "host-tap", "tap_name": "tap0"},'
    ' "network_info": {"interface": {"ip_addresses": ["10.0.0.2/24"]},'
    ' "routes": [{"gateway": "10.0.0.1"}]}}]}'
)


def _unpositioned(text: str) -> str:
    """CLI output without the ``(line L, column C)`` of each problem (tested elsewhere)."""
    return re.sub(r" \(line \d+, column \d+\)", "", text)


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- validate --format json ----------------------------------------------------------------


def test_validate_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(tmp_path, "good.json", COMPACT)
    bad = _write(tmp_path, "bad.json", '{\n  "devices": [\n}\n')
    missing = tmp_path / "missing.json"
    assert main(["validate", "--format", "json", str(good), str(bad), str(missing)]) == 2
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out) == {
        "version": 1,
        "command": "validate",
        "valid": False,
        "status": 2,
        "revision": 2,
        "lenient": False,
        "summary": {
            "files": 3,
            "valid": 1,
            "invalid": 1,
            "unreadable": 1,
            "problems": 1,
            "errors": 1,
            "warnings": 0,
            "info": 0,
        },
        "directories": [],
        "files": [
            {
                "file": str(good),
                "status": "ok",
                "valid": True,
                "devices": 1,
                "problems": [],
                "error": None,
            },
            {
                "file": str(bad),
                "status": "invalid",
                "valid": False,
                "devices": None,
                "problems": [
                    {
                        "path": "$",
                        "message": "invalid JSON: Expecting value",
                        "severity": "error",
                        "rule": None,
                        "line": 3,
                        "column": 1,
                        "fix": None,
                    }
                ],
                "error": None,
            },
            {
                "file": str(missing),
                "status": "error",
                "valid": False,
                "devices": None,
                "problems": [],
                "error": "cannot read: No such file or directory",
            },
        ],
    }


def test_validate_json_lenient_lists_ignored_keys_as_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    go = UPSTREAM / "go-runtime-testdata-vfio.json"
    assert main(["validate", "--lenient", "--format", "json", str(go)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is True
    assert report["lenient"] is True
    (entry,) = report["files"]
    assert entry["devices"] == 1
    assert [problem["path"] for problem in entry["problems"]] == [
        "$.devices[0].network_info.Neighbors"
    ]
    (ignored,) = entry["problems"]
    assert ignored["message"].endswith(", ignored")
    assert ignored["severity"] == "warning"
    lines = go.read_text(encoding="utf-8").splitlines()
    assert lines[ignored["line"] - 1][ignored["column"] - 1 :].startswith('"Neighbors"')
    assert report["summary"]["warnings"] == 1


def test_validate_json_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, b'{"devices": [], "netns": ""}')
    assert main(["validate", "--format", "json", "-"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["files"][0]["file"] == "<stdin>"
    assert [problem["path"] for problem in report["files"][0]["problems"]] == ["$.netns"]


def test_validate_prints_every_problem_of_the_upstream_examples(
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = sorted(UPSTREAM.glob("*.json"))
    assert main(["validate", *map(str, files)]) == 1
    *lines, summary = _unpositioned(capsys.readouterr().out).splitlines()
    assert summary == (
        "danmodel validate: 4 files, 4 invalid, 0 unreadable; "
        "11 problems (11 errors, 0 warnings, 0 info)"
    )
    where = [line.split(": ", 2)[:2] for line in lines]
    assert where == [
        [str(UPSTREAM / "dantap-prototype-output.json"), "$"],
        [str(UPSTREAM / "go-runtime-testdata-vfio.json"), "$.devices[0].network_info.Neighbors"],
        [str(UPSTREAM / "runtime-rs-commit-example.json"), "$.devices[0].guest_mac"],
        [
            str(UPSTREAM / "runtime-rs-commit-example.json"),
            "$.devices[0].network_info.neighbors[0].device",
        ],
        [
            str(UPSTREAM / "runtime-rs-commit-example.json"),
            "$.devices[0].network_info.neighbors[0].hardware_addr",
        ],
        [str(UPSTREAM / "runtime-rs-unit-test-device.json"), "$.name"],
        [str(UPSTREAM / "runtime-rs-unit-test-device.json"), "$.guest_mac"],
        [str(UPSTREAM / "runtime-rs-unit-test-device.json"), "$.device"],
        [str(UPSTREAM / "runtime-rs-unit-test-device.json"), "$.network_info"],
        [str(UPSTREAM / "runtime-rs-unit-test-device.json"), "$.devices"],
        [str(UPSTREAM / "runtime-rs-unit-test-device.json"), "$"],
    ]


# --- schema ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "revision"), [([], 2), (["--revision", "1"], 1), (["--revision", "2"], 2)]
)
def test_schema_prints_the_schema(
    argv: list[str], revision: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", *argv]) == 0
    out = capsys.readouterr().out
    assert out == (ROOT / "schema" / f"v{revision}" / "dan-config.schema.json").read_text()


def test_schema_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--write", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"wrote {tmp_path / 'out' / 'v1' / 'dan-config.schema.json'}",
        f"wrote {tmp_path / 'out' / 'v1' / 'dan-config.draft-07.schema.json'}",
        f"wrote {tmp_path / 'out' / 'v2' / 'dan-config.schema.json'}",
        f"wrote {tmp_path / 'out' / 'v2' / 'dan-config.draft-07.schema.json'}",
    ]
    for revision in (1, 2):
        written = (tmp_path / "out" / f"v{revision}" / "dan-config.schema.json").read_text()
        assert written == schema_text(revision)
        draft_07 = tmp_path / "out" / f"v{revision}" / "dan-config.draft-07.schema.json"
        assert draft_07.read_text() == schema_text(revision, edition="draft-07")
    assert main(["schema", "--revision", "1", "--write", str(tmp_path / "one")]) == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["v1"]


def test_schema_prints_either_edition(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--edition", "draft-07", "--revision", "1"]) == 0
    assert capsys.readouterr().out == schema_text(1, edition="draft-07")
    assert main(["schema", "--edition", "draft-2019"]) == 2


def test_schema_write_into_a_file_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = _write(tmp_path, "file", "")
    assert main(["schema", "--write", str(blocker)]) == 2
    _, err = capsys.readouterr()
    assert err.startswith(f"{blocker / 'v1' / 'dan-config.schema.json'}: cannot write: ")


# --- fmt -----------------------------------------------------------------------------------


def test_fmt_rewrites_in_canonical_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "sandbox.json", COMPACT)
    assert main(["fmt", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: reformatted\n"
    assert path.read_text(encoding="utf-8") == CANONICAL
    assert main(["fmt", str(path)]) == 0  # already canonical: untouched, quiet
    assert capsys.readouterr().out == ""
    assert [p.name for p in tmp_path.iterdir()] == ["sandbox.json"]  # no temporary left


def test_fmt_check_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    compact = _write(tmp_path, "compact.json", COMPACT)
    canonical = _write(tmp_path, "canonical.json", CANONICAL)
    before = compact.stat().st_mtime_ns
    assert main(["fmt", "--check", str(compact), str(canonical)]) == 1
    assert capsys.readouterr().out == (
        f"{compact}: not in canonical form\n"
        "danmodel fmt: 2 files, 1 invalid, 0 unreadable; 1 problem (1 error, 0 warnings, 0 info)\n"
    )
    assert main(["fmt", "--check", "--quiet", str(compact), str(canonical)]) == 1
    assert capsys.readouterr().out == f"{compact}: not in canonical form\n"
    assert compact.read_text(encoding="utf-8") == COMPACT
    assert compact.stat().st_mtime_ns == before
    assert main(["fmt", "--check", str(canonical)]) == 0


def test_fmt_leaves_invalid_files_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "bad.json", '{"devices": [], "netns": ""}')
    assert main(["fmt", str(path)]) == 1
    assert _unpositioned(capsys.readouterr().out).startswith(f"{path}: $.netns: ")
    assert path.read_text(encoding="utf-8") == '{"devices": [], "netns": ""}'


def test_fmt_refuses_to_invent_a_guest_mac(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = COMPACT.replace('"guest_mac": "02:00:00:00:00:01",', "")
    path = _write(tmp_path, "no-mac.json", source)
    assert main(["fmt", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: $.devices[0].guest_mac: missing; ")
    assert path.read_text(encoding="utf-8") == source


def test_fmt_revision_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "v1.json", COMPACT)
    assert main(["fmt", "--revision", "1", str(path)]) == 0
    capsys.readouterr()
    assert path.read_text(encoding="utf-8") == CANONICAL.replace(
        ',\n            "flags": 0,\n            "mtu": 0', ""
    )


def test_fmt_stdin_writes_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, COMPACT.encode())
    assert main(["fmt", "-"]) == 0
    assert capsys.readouterr().out == CANONICAL
    _stdin(monkeypatch, COMPACT.encode())
    assert main(["fmt", "--check", "-"]) == 1
    assert capsys.readouterr().out == "<stdin>: not in canonical form\n"


def test_fmt_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.json"
    assert main(["fmt", str(missing)]) == 2
    assert capsys.readouterr().err.startswith(f"{missing}: cannot read: ")
    assert main(["fmt", str(tmp_path)]) == 2  # a directory


def test_fmt_write_error_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from danmodel._cli import fmt

    def refuse(path: object, data: bytes) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fmt, "rewrite", refuse)
    path = _write(tmp_path, "a.json", COMPACT)
    assert main(["fmt", str(path)]) == 2
    assert capsys.readouterr().err == f"{path}: cannot write: Permission denied\n"
    assert path.read_text(encoding="utf-8") == COMPACT


def test_fmt_check_on_the_shipped_examples() -> None:
    assert main(["fmt", "--check", *map(str, sorted(EXAMPLES.glob("*.json")))]) == 0


# --- migrate -------------------------------------------------------------------------------


def test_migrate_down_and_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "a.json", COMPACT)
    assert main(["migrate", "--to", "1", str(path)]) == 0
    revision_1 = capsys.readouterr().out
    assert revision_1 == CANONICAL.replace(',\n            "flags": 0,\n            "mtu": 0', "")
    one = _write(tmp_path, "one.json", revision_1)
    assert main(["migrate", "--to", "2", str(one)]) == 0
    assert capsys.readouterr().out == CANONICAL


def test_migrate_refuses_a_lossy_downgrade(capsys: pytest.CaptureFixture[str]) -> None:
    every_key = CORPUS / "good" / "every-key.json"
    assert main(["migrate", "--to", "1", str(every_key)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{every_key}: $.devices[0].network_info.routes[0].flags: revision 1 has no route "
        "flags; the value 4 would be lost",
        f"{every_key}: $.devices[0].network_info.routes[0].mtu: revision 1 has no route "
        "mtu; the value 1400 would be lost",
    ]


def test_migrate_invalid_missing_mac_and_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate", "--to", "2", str(UPSTREAM / "runtime-rs-commit-example.json")]) == 1
    assert "$.devices[0].guest_mac: expected a MAC" in _unpositioned(capsys.readouterr().out)
    required_only = CORPUS / "good" / "required-keys-only.json"
    assert main(["migrate", "--to", "2", str(required_only)]) == 1
    assert _unpositioned(capsys.readouterr().out).startswith(
        f"{required_only}: $.devices[0].guest_mac: missing"
    )
    assert main(["migrate", "--to", "2", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    _stdin(monkeypatch, b'{"devices": []}')
    assert main(["migrate", "--to", "1", "-"]) == 0
    assert _unpositioned(capsys.readouterr().out) == '{\n  "netns": null,\n  "devices": []\n}\n'


@pytest.mark.parametrize(
    "argv",
    [
        ["migrate", "x.json"],
        ["migrate", "--to", "3", "x.json"],
        ["migrate", "--to", "1"],
        ["fmt"],
        ["schema", "--revision", "0"],
        ["validate", "--format", "xml", "x.json"],
    ],
)
def test_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("validate", "schema", "fmt", "migrate"):
        assert command in out


# --- no traceback for any input (streams: test_cli_reliability) ---------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xfe",
        b"\xef\xbb\xbf{}",
        b"[" * 100_000,
        b'{"devices": [], "\\ud800": NaN}',
        b"1" * 5000,
        b'{"devices": {"a": 1}}',
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["validate", "--format", "github"],
        ["check", "--runtime", "runtime-rs", "--format", "json"],
        ["check", "--runtime", "go-runtime"],
        ["fmt", "--check"],
        ["migrate", "--to", "1"],
        ["convert", "--to", "agent"],
        ["convert", "--from", "cni", "--name", "eth0", "--format", "github"],
        ["store", "add", "--dir", "DIR", "s1"],
    ],
)
def test_no_traceback_for_any_input(command: list[str], data: bytes, tmp_path: Path) -> None:
    command = [str(tmp_path / "dans") if part == "DIR" else part for part in command]
    result = subprocess.run(
        [sys.executable, "-m", "danmodel", *command, "-"],
        input=data,
        capture_output=True,
        check=False,
        timeout=60,
    )
    # check judges as a runtime does: an unknown key it ignores may be only a warning.
    assert result.returncode in ((0, 1) if command[0] == "check" else (1,))
    assert b"Traceback" not in result.stderr + result.stdout


# --- --runtime on the commands that write files ----------------------------------------------

WITH_NEIGHBOR = COMPACT.replace(
    ' "routes": [{"gateway": "10.0.0.1"}]}',
    ' "routes": [{"gateway": "10.0.0.1"}],'
    ' "neighbors": [{"ip_address": "10.0.0.1", "hardware_addr": "02:00:00:00:00:fe",'
    ' "state": 128}]}',
)


def test_fmt_for_a_runtime_spells_neighbors_its_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "sandbox.json", WITH_NEIGHBOR)
    assert main(["fmt", "--runtime", "runtime-rs", str(path)]) == 0
    written = json.loads(path.read_text(encoding="utf-8"))
    neighbor = written["devices"][0]["network_info"]["neighbors"][0]
    assert neighbor["ip_address"] == "10.0.0.1/32"  # runtime-rs parses only ip/prefix
    assert main(["fmt", "--check", "--runtime", "runtime-rs", str(path)]) == 0
    # The model keeps a neighbor's spelling, so the file stays canonical without a runtime.
    assert main(["fmt", "--check", str(path)]) == 0
    capsys.readouterr()


def test_fmt_for_a_runtime_refuses_what_it_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "sandbox.json", COMPACT)
    assert main(["fmt", "--runtime", "go-runtime", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}: $.devices[0].device.type:" in out
    assert "[go-device-type]" in out
    assert path.read_text(encoding="utf-8") == COMPACT  # untouched


def test_migrate_for_a_runtime(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "sandbox.json", WITH_NEIGHBOR)
    assert main(["migrate", "--to", "1", "--runtime", "runtime-rs@3.14", str(path)]) == 0
    written = json.loads(capsys.readouterr().out)
    assert written["devices"][0]["network_info"]["neighbors"][0]["ip_address"] == "10.0.0.1/32"
    assert "flags" not in written["devices"][0]["network_info"]["routes"][0]
    assert main(["migrate", "--to", "2", "--runtime", "go-runtime", str(path)]) == 1
    assert "[go-device-type]" in capsys.readouterr().out
    assert main(["migrate", "--to", "2", "--runtime", "kata", str(path)]) == 2
