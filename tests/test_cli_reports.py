"""One report across commands: the JSON report and its schema, GitHub annotations, positions,
summaries, --quiet and directory arguments."""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, FIXTURES, ROOT
from danmodel.cli import main

REPORT_SCHEMA = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
Draft202012Validator: Any = importlib.import_module("jsonschema").Draft202012Validator
VALIDATOR = Draft202012Validator(REPORT_SCHEMA)
CNI = FIXTURES / "cni"

# A broken file: each problem on its own line, so positions are easy to state.
BROKEN = """{
  "devices": [
    {
      "name": "eth0",
      "guest_mac": "02:00:00:00:00",
      "device": {"type": "host-tap", "tap_name": "tap0"},
      "network_info": {
        "interface": {"ip_addresses": ["10.0.0.2/24"]},
        "Routes": []
      }
    },
    {
      "guest_mac": "02:00:00:00:00:02",
      "device": {"type": "host-tap", "tap_name": "tap1"},
      "network_info": {"interface": {"ip_addresses": ["10.0.1.2/24"]}}
    }
  ]
}
"""


@pytest.fixture(autouse=True)
def _outside_github(monkeypatch: pytest.MonkeyPatch) -> None:
    """File names as given, even when the suite itself runs in GitHub Actions."""
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _json(capsys: pytest.CaptureFixture[str], *argv: str, stream: str = "out") -> dict[str, Any]:
    main(list(argv))
    captured = capsys.readouterr()
    report: dict[str, Any] = json.loads(getattr(captured, stream))
    VALIDATOR.validate(report)
    return report


def _problems(report: dict[str, Any]) -> list[tuple[str, int | None, int | None]]:
    return [
        (problem["path"], problem["line"], problem["column"])
        for entry in report["files"]
        for problem in entry["problems"]
    ]


def test_the_report_schema_is_a_valid_schema() -> None:
    Draft202012Validator.check_schema(REPORT_SCHEMA)


def test_the_example_in_the_docs_follows_the_schema() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text[text.index("### The JSON report") :]
    start = section.index("```json\n") + len("```json\n")
    example = section[start : section.index("\n```", start)]
    report = json.loads(example)
    VALIDATOR.validate(report)
    assert report["summary"]["files"] == len(report["files"])


def test_validate_reports_every_problem_at_its_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _write(tmp_path / "broken.json", BROKEN)
    report = _json(capsys, "validate", "--format", "json", str(broken))
    assert report["status"] == 1
    assert sorted(_problems(report)) == [
        ("$.devices[0].guest_mac", 5, 7),  # the key of the bad value
        ("$.devices[0].network_info.Routes", 9, 9),  # the unknown key
        ("$.devices[1].name", 12, 5),  # missing: the object that lacks it
    ]


def test_every_command_writes_the_same_json_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = _write(tmp_path / "broken.json", BROKEN)
    good = EXAMPLES / "host-tap.json"
    compact = _write(tmp_path / "compact.json", json.dumps(json.loads(good.read_text())))
    missing = tmp_path / "missing.json"
    reports = {
        "validate": _json(capsys, "validate", "--format", "json", str(good), str(broken)),
        "validate --lenient": _json(
            capsys, "validate", "--lenient", "--format", "json", str(broken), str(missing)
        ),
        "check": _json(
            capsys, "check", "--runtime", "runtime-rs", "--format", "json", str(good), str(broken)
        ),
        "fmt --check": _json(
            capsys, "fmt", "--check", "--format", "json", str(compact), str(good), str(broken)
        ),
        "convert --to agent": _json(
            capsys, "convert", "--to", "agent", "--format", "json", str(good), stream="err"
        ),
        "convert --from cni": _json(
            capsys,
            "convert",
            "--from",
            "cni",
            "--name",
            "eth0",
            "--format",
            "json",
            str(CNI / "host-tap-0.4.0.json"),
            stream="err",
        ),
        "convert invalid": _json(
            capsys, "convert", "--to", "agent", "--format", "json", str(broken), stream="err"
        ),
    }
    dans = tmp_path / "dans"
    device = json.loads(good.read_text())["devices"][0]
    device_file = _write(tmp_path / "device.json", json.dumps(device))
    reports["store add"] = _json(
        capsys, "store", "add", "--dir", str(dans), "--format", "json", "s1", str(device_file)
    )
    reports["store add invalid"] = _json(
        capsys, "store", "add", "--dir", str(dans), "--format", "json", "s1", str(broken)
    )
    reports["store remove"] = _json(
        capsys, "store", "remove", "--dir", str(dans), "--format", "json", "s1"
    )
    reports["fmt"] = _json(capsys, "fmt", "--format", "json", str(compact))

    assert {name: report["command"] for name, report in reports.items()} == {
        "validate": "validate",
        "validate --lenient": "validate",
        "check": "check",
        "fmt --check": "fmt",
        "convert --to agent": "convert",
        "convert --from cni": "convert",
        "convert invalid": "convert",
        "store add": "store add",
        "store add invalid": "store add",
        "store remove": "store remove",
        "fmt": "fmt",
    }
    assert {name: report["status"] for name, report in reports.items()} == {
        "validate": 1,
        "validate --lenient": 2,
        "check": 1,
        "fmt --check": 1,
        "convert --to agent": 0,
        "convert --from cni": 0,
        "convert invalid": 1,
        "store add": 0,
        "store add invalid": 1,
        "store remove": 0,
        "fmt": 0,
    }
    fmt_check = reports["fmt --check"]["files"]
    assert [(entry["file"], entry["status"]) for entry in fmt_check] == [
        (str(compact), "invalid"),
        (str(good), "ok"),
        (str(broken), "invalid"),
    ]
    assert fmt_check[0]["problems"][0]["message"] == "not in canonical form"
    assert (fmt_check[0]["problems"][0]["line"], fmt_check[0]["problems"][0]["column"]) == (1, 2)
    assert reports["fmt"]["files"][0]["changed"] is True
    lenient = reports["validate --lenient"]["files"]
    assert [problem["severity"] for problem in lenient[0]["problems"]] == ["error", "error"]
    assert lenient[1]["error"] == "cannot read: No such file or directory"
    check = reports["check"]
    assert check["runtime"] == "runtime-rs"
    assert all(problem["rule"] for problem in check["files"][1]["problems"])
    assert check["summary"]["errors"] >= 2


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_convert_sends_its_report_to_stderr(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _write(tmp_path / "broken.json", BROKEN)
    assert main(["convert", "--to", "agent", "--format", fmt, str(broken)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "$.devices[0].guest_mac" in err


def test_github_annotations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = _write(tmp_path / "dir, with: odd%name" / "broken.json", BROKEN)
    missing = tmp_path / "missing.json"
    assert main(["validate", "--format", "github", str(broken), str(missing)]) == 2
    out, err = capsys.readouterr()
    assert err == ""
    file = str(broken).replace("%", "%25").replace(":", "%3A").replace(",", "%2C")
    title = "title=danmodel validate::"
    lines = out.splitlines()
    assert lines[0] == (
        f"::error file={file},line=5,col=7,{title}$.devices[0].guest_mac: expected a MAC "
        "address of 6 hex octets separated by colons (xx:xx:xx:xx:xx:xx), found "
        "'02:00:00:00:00'"
    )
    assert lines[-2] == f"::error file={missing},{title}cannot read: No such file or directory"
    assert lines[-1] == (
        "danmodel validate: 2 files, 1 invalid, 1 unreadable; 3 problems (3 errors, "
        "0 warnings, 0 info)"
    )


def test_github_annotations_of_check_carry_the_rule_and_severity(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = FIXTURES / "upstream" / "go-runtime-testdata-vfio.json"
    rows = path.read_text(encoding="utf-8").splitlines()
    assert main(["check", "--runtime", "go-runtime", "--format", "github", "-q", str(path)]) == 1
    annotations = capsys.readouterr().out.splitlines()
    found = []
    for annotation in annotations:
        head, message = annotation[2:].split("::", 1)
        level, properties = head.split(" ", 1)
        fields = dict(item.split("=", 1) for item in properties.split(","))
        assert fields["file"] == str(path)
        json_path = message.split(": ", 1)[0]
        last_key = json_path.rsplit(".", 1)[1].split("[")[0]
        # Each annotation points at the key its path ends with, or at the object that lacks it.
        line, column = int(fields["line"]), int(fields["col"])
        at = rows[line - 1][column - 1 :]
        if at.startswith("{"):
            offset = sum(len(row) + 1 for row in rows[: line - 1]) + column - 1
            lacking = json.JSONDecoder().raw_decode(path.read_text(encoding="utf-8"), offset)[0]
            assert last_key not in lacking, annotation
        else:
            assert at.startswith(f'"{last_key}"'), annotation
        found.append((level, fields["title"], ". Fix: " in message))
    for expected in [
        ("notice", "go-key-case", True),
        ("warning", "go-neighbor-not-sent", True),
        ("error", "kernel-gateway-unreachable", True),
    ]:
        assert expected in found


def test_github_file_names_are_relative_to_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _write(tmp_path / "deploy" / "dans" / "broken.json", BROKEN)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    assert main(["validate", "--format", "github", "-q", str(broken)]) == 1
    assert capsys.readouterr().out.startswith("::error file=deploy/dans/broken.json,line=5,")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--format", "github", "-q", "./deploy//dans/broken.json"]) == 1
    assert capsys.readouterr().out.startswith("::error file=deploy/dans/broken.json,line=5,")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "elsewhere"))
    assert main(["validate", "--format", "github", "-q", str(broken)]) == 1
    assert capsys.readouterr().out.startswith(f"::error file={broken},line=5,")


def test_github_escapes_newlines_and_percent_in_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "odd.json", '{"devices": [], "100%\\nsure": 1}')
    assert main(["validate", "--format", "github", str(path)]) == 1
    (annotation,) = capsys.readouterr().out.splitlines()
    assert annotation.startswith(f"::error file={path},line=1,col=17,title=danmodel validate::")
    assert "100%25" in annotation
    assert "\n" not in annotation


def test_stdin_annotations_have_no_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"devices": 1}')))
    assert main(["validate", "--format", "github", "-"]) == 1
    assert capsys.readouterr().out.startswith("::error line=1,col=2,title=danmodel validate::")


def test_quiet_prints_only_the_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = _write(tmp_path / "broken.json", BROKEN)
    good = str(EXAMPLES / "host-tap.json")
    assert main(["validate", good, str(broken)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{good}: valid (revision 2, 1 device)"
    assert lines[-1].startswith("danmodel validate: 2 files, 1 invalid, 0 unreadable; 3 problems")
    assert main(["validate", "--quiet", good, str(broken)]) == 1
    quiet = capsys.readouterr().out.splitlines()
    assert quiet == lines[1:-1]
    assert all(line.startswith(f"{broken}: $.devices[") for line in quiet)


def test_a_directory_is_read_recursively_with_a_glob(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    good = EXAMPLES.joinpath("host-tap.json").read_text()
    _write(root / "dan" / "b.json", good)
    _write(root / "dan" / "a.json", good)
    _write(root / "dan" / "nested" / "c.json", BROKEN)
    _write(root / "dan" / "notes.txt", "not json")
    _write(root / "dan" / "x.dan", good)
    os.mkfifo(root / "dan" / "pipe.json")  # never opened: reading it would block
    assert main(["validate", str(root / "dan")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{root / 'dan'}: 3 files matching *.json"
    assert [line.split(": ")[0] for line in out[1:-1]] == [
        str(root / "dan" / "a.json"),
        str(root / "dan" / "b.json"),
        *[str(root / "dan" / "nested" / "c.json")] * 3,
    ]
    assert out[-1].startswith("danmodel validate: 3 files, 1 invalid")

    report = _json(capsys, "validate", "--format", "json", "--glob", "*.dan", str(root))
    assert report["directories"] == [{"path": str(root), "glob": "*.dan", "files": 1}]
    assert [entry["file"] for entry in report["files"]] == [str(root / "dan" / "x.dan")]
    assert report["status"] == 0


def test_a_directory_without_matching_files_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    for command in (["validate"], ["check", "--runtime", "go-runtime"], ["fmt", "--check"]):
        assert main([*command, str(tmp_path / "empty")]) == 2
        assert (
            capsys.readouterr().err
            == f"{tmp_path / 'empty'}: cannot read: no file matches *.json in it\n"
        )
