"""The command line under hostile conditions: closed and full streams, broken pipes, odd
arguments, and files fmt must keep as they are (mode, owner, links); and what each command
imports."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES
from danmodel.cli import main
from danmodel.errors import DanError, Problem, ValidationError

GOOD = EXAMPLES / "host-tap.json"
COMPACT = json.dumps(json.loads(GOOD.read_text(encoding="utf-8")))
DEVICE = json.dumps(json.loads(GOOD.read_text(encoding="utf-8"))["devices"][0])


def _shell(command: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        shell=True,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=cwd,
    )


def _danmodel() -> str:
    return f"'{sys.executable}' -m danmodel"


# --- standard streams -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        "validate -",
        "check --runtime runtime-rs -",
        "fmt -",
        "fmt --check -",
        "convert --to agent -",
        "convert --from cni --name eth0 -",
        "migrate --to 2 -",
        "store add --dir DIR s1 -",
    ],
)
def test_closed_stdin_is_an_error_not_a_traceback(command: str, tmp_path: Path) -> None:
    command = command.replace("DIR", str(tmp_path / "dans"))
    result = _shell(f"{_danmodel()} {command} <&-")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "<stdin>: cannot read: standard input is closed" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        "schema",
        "validate GOOD",
        "validate --format json GOOD",
        "check --runtime runtime-rs --format github GOOD",
        "fmt - < COMPACT",
        "convert --to agent GOOD",
        "migrate --to 1 GOOD",
        "store list --dir EXAMPLES",
    ],
)
def test_a_full_output_device_is_an_error(command: str, tmp_path: Path) -> None:
    if not os.path.exists("/dev/full"):
        if os.environ.get("CI"):
            pytest.fail("/dev/full is missing")
        pytest.skip("no /dev/full here")
    compact = tmp_path / "compact.json"
    compact.write_text(COMPACT, encoding="utf-8")
    command = (
        command.replace("COMPACT", str(compact))
        .replace("GOOD", str(GOOD))
        .replace("EXAMPLES", str(EXAMPLES))
    )
    result = _shell(f"{_danmodel()} {command} >/dev/full")
    assert result.returncode == 2
    assert result.stderr == "danmodel: cannot write the output: No space left on device\n"


def test_a_closed_stdout_is_an_error() -> None:
    result = _shell(f"{_danmodel()} validate '{GOOD}' >&-")
    assert result.returncode == 2
    assert result.stderr == "danmodel: cannot write the output: the stream is closed\n"


def test_a_broken_pipe_is_an_error_with_a_message() -> None:
    read, write = os.pipe()
    os.close(read)  # the reader went away before the first write: EPIPE, deterministically
    try:
        result = subprocess.run(
            [sys.executable, "-m", "danmodel", "schema"],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=60,
        )
    finally:
        os.close(write)
    assert result.returncode == 2
    assert result.stderr == (
        "danmodel: cannot write the output: Broken pipe (the reader went away)\n"
    )


def test_head_gets_its_lines_and_no_traceback_follows() -> None:
    # `danmodel schema | head -c 1`: whether the write fails depends on the pipe's buffer.
    with subprocess.Popen(
        [sys.executable, "-m", "danmodel", "schema"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert process.stdout.read(1) == b"{"
        process.stdout.close()
        err = process.stderr.read().decode()
        status = process.wait(timeout=60)
    assert (status, err) in (
        (0, ""),
        (2, "danmodel: cannot write the output: Broken pipe (the reader went away)\n"),
    )


@pytest.mark.parametrize(
    ("raised", "status", "message"),
    [
        (ValidationError([Problem(path="$.x", message="bad")]), 1, "danmodel: 1 problem in "),
        (DanError("the store is wedged"), 2, "danmodel: the store is wedged\n"),
        (MemoryError(), 2, "danmodel: out of memory\n"),
    ],
)
def test_an_error_a_command_leaves_unreported_is_a_message(
    raised: BaseException,
    status: int,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from danmodel._cli import validate

    def fail(*arguments: object, **options: object) -> None:
        raise raised

    monkeypatch.setattr(validate, "validate_file", fail)
    assert main(["validate", str(GOOD)]) == status
    assert capsys.readouterr().err.startswith(message)


# --- arguments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["store", "add", "--dir", "", "s1", "DEVICE"],
        ["store", "remove", "--dir", "", "s1"],
        ["store", "show", "--dir", "", "s1"],
        ["store", "list", "--dir", ""],
        ["schema", "--write", ""],
    ],
)
def test_an_empty_directory_name_is_an_error(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    device = tmp_path / "device.json"
    device.write_text(DEVICE, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main([str(device) if a == "DEVICE" else a for a in argv]) == 2
    assert "needs a directory name, not ''" in capsys.readouterr().err
    assert list(work.iterdir()) == []  # nothing written in the current directory


# --- fmt keeps what a file is -----------------------------------------------------------------


def test_fmt_keeps_the_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "sandbox.json"
    path.write_text(COMPACT, encoding="utf-8")
    path.chmod(0o600)
    assert main(["fmt", str(path)]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8") == GOOD.read_text(encoding="utf-8")
    capsys.readouterr()


def test_fmt_keeps_the_owner(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("CI runs as root")
        pytest.skip("giving a file to another user needs root")
    path = tmp_path / "sandbox.json"
    path.write_text(COMPACT, encoding="utf-8")
    os.chown(path, 4321, 4322)
    assert main(["fmt", str(path)]) == 0
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 4322)
    capsys.readouterr()


def test_fmt_rewrites_a_link_s_target_and_keeps_the_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "real.json"
    target.write_text(COMPACT, encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to("real.json")
    assert main(["fmt", str(link)]) == 0
    assert capsys.readouterr().out == f"{link}: reformatted\n"
    assert link.is_symlink()
    assert os.readlink(link) == "real.json"
    assert target.read_text(encoding="utf-8") == GOOD.read_text(encoding="utf-8")


def test_fmt_refuses_to_split_hard_links(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "a.json"
    first.write_text(COMPACT, encoding="utf-8")
    second = tmp_path / "b.json"
    os.link(first, second)
    assert main(["fmt", str(first)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{first}: cannot rewrite: it has 2 hard links")
    assert err.endswith("the file is unchanged\n")
    assert first.read_text(encoding="utf-8") == COMPACT
    assert os.path.samefile(first, second)
    # --check reads only: a hard-linked file can be checked.
    assert main(["fmt", "--check", str(second)]) == 1


# --- what each command imports ----------------------------------------------------------------

_HEAVY = (
    "danmodel.agent",
    "danmodel.cni",
    "danmodel.store",
    "danmodel.check",
    "danmodel.findings",
    "danmodel.runtimes",
    "danmodel.schema",
    "danmodel._check_rules",
    "danmodel._cli.check",
    "danmodel._cli.store",
    "danmodel._cli.convert",
    "jsonschema",
    "cattrs",
)


def _modules_after(argv: list[str]) -> set[str]:
    code = (
        "import json, sys\n"
        "from danmodel.cli import main\n"
        f"status = main({argv!r})\n"
        "sys.stdout.flush()\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    return set(json.loads(result.stderr.splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(
        name
        for name in modules
        if any(name == heavy or name.startswith(heavy + ".") for heavy in _HEAVY)
    )


def test_validate_imports_no_runtime_rules_agent_cni_store_or_schema(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"devices": [{"name": 1}]}', encoding="utf-8")
    valid = _modules_after(["validate", str(GOOD)])
    assert _heavy(valid) == []
    assert "danmodel._positions" not in valid  # positions only when there is a problem
    invalid = _modules_after(["validate", "--format", "github", str(broken)])
    assert _heavy(invalid) == []
    assert "danmodel._positions" in invalid


def test_help_imports_no_command_module() -> None:
    modules = _modules_after(["--help"])
    assert sorted(name for name in modules if name.startswith("danmodel._cli.")) == [
        "danmodel._cli._shared"
    ]
    assert _heavy(modules) == []


def test_each_command_imports_only_its_own_module(tmp_path: Path) -> None:
    modules = _modules_after(["check", "--runtime", "runtime-rs", str(GOOD)])
    commands = {name for name in modules if name.startswith("danmodel._cli.")}
    assert "danmodel._cli.check" in commands
    assert not commands & {
        "danmodel._cli.validate",
        "danmodel._cli.store",
        "danmodel._cli.convert",
        "danmodel._cli.fmt",
        "danmodel._cli.schema",
        "danmodel._cli.migrate",
    }
    assert "danmodel.agent" not in modules
    assert "danmodel.store" not in modules
