"""The pre-commit hooks (``.pre-commit-hooks.yaml``), run through pre-commit itself.

``pre-commit try-repo`` installs a ``language: python`` hook by building
danmodel in a fresh virtualenv, which needs the package index. So that the
suite runs offline, the hooks run from a copy of the manifest that differs in
one thing: ``language: unsupported`` (``system`` before pre-commit 4.4), with
the entry's ``danmodel`` replaced by the one of the interpreter running the
tests. Ids, ``files``, ``types``, ``args`` and the rest of each entry are the
manifest's own.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from conftest import EXAMPLES, FIXTURES, ROOT

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
CORPUS = FIXTURES / "corpus"
DEFAULT_FILES = r"(^|/)dans?/.*\.json$|\.dan\.json$"


def _unpositioned(text: str) -> str:
    """Output without the ``(line L, column C)`` of each problem (tested elsewhere)."""
    return re.sub(r" \(line \d+, column \d+\)", "", text)


def _hooks() -> dict[str, dict[str, Any]]:
    hooks = YAML(typ="safe").load(MANIFEST.read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def _danmodel() -> str:
    executable = shutil.which("danmodel", path=str(Path(sys.executable).parent))
    assert executable is not None
    return executable


def _pre_commit() -> str:
    found = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which(
        "pre-commit"
    )
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("pre-commit is not installed")
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    return found


def _language_without_environment() -> str:
    """``unsupported`` (pre-commit 4.4 and later), called ``system`` before."""
    version = subprocess.run(
        [_pre_commit(), "--version"], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()[-1]
    major, minor = (int(part) for part in version.split(".")[:2])
    return "unsupported" if (major, minor) >= (4, 4) else "system"


def require(tool: str) -> str:
    """The path of *tool*; skips the test without it, fails it in CI (where .ci/run installs it)."""
    found = shutil.which(tool)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is not installed")
        pytest.skip(f"needs {tool}")
    return found


def _git(cwd: Path, *arguments: str) -> None:
    require("git")
    subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *arguments],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=60,
    )


def test_manifest_declares_the_hooks() -> None:
    hooks = _hooks()
    assert list(hooks) == ["danmodel-validate", "danmodel-check", "danmodel-fmt"]
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types"] == ["json"]
        assert hook["files"] == DEFAULT_FILES
        assert hook["name"]
        assert hook["description"]
    assert hooks["danmodel-validate"]["entry"] == "danmodel validate --quiet"
    assert hooks["danmodel-check"]["entry"] == "danmodel check --quiet"
    assert hooks["danmodel-check"]["args"] == ["--runtime", "runtime-rs"]
    assert hooks["danmodel-fmt"]["entry"] == "danmodel fmt"


def make_hook_repository(repository: Path) -> Path:
    """A git repository holding the manifest, with hooks that run this interpreter's danmodel."""
    repository.mkdir()
    hooks = YAML(typ="safe").load(MANIFEST.read_text(encoding="utf-8"))
    for hook in hooks:
        program, *rest = shlex.split(hook["entry"])
        assert program == "danmodel"
        hook["entry"] = shlex.join([_danmodel(), *rest])
        hook["language"] = _language_without_environment()
    stream = io.StringIO()
    YAML(typ="safe").dump(hooks, stream)
    (repository / ".pre-commit-hooks.yaml").write_text(stream.getvalue(), encoding="utf-8")
    _git(repository, "init", "-q")
    _git(repository, "add", ".pre-commit-hooks.yaml")
    _git(repository, "commit", "-q", "-m", "hooks")
    return repository


@pytest.fixture
def hook_repository(tmp_path: Path) -> Path:
    """The hooks of the manifest, in a repository of their own (see the module's docstring)."""
    return make_hook_repository(tmp_path / "hooks")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A repository with ordinary JSON files and two valid DAN files under deploy/dans/."""
    root = tmp_path / "project"
    (root / "deploy" / "dans").mkdir(parents=True)
    (root / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (root / "tsconfig.json").write_text('{"compilerOptions": {"strict": true}}\n')
    (root / "config").mkdir()
    (root / "config" / "settings.json").write_text('{"devices": "not a DAN file"}\n')
    for name in ("host-tap.json", "dual-stack.json"):
        shutil.copy(EXAMPLES / name, root / "deploy" / "dans" / name)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    return root


def _try(
    project: Path, repository: Path, hook: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    return subprocess.run(
        [_pre_commit(), "try-repo", str(repository), hook, "--all-files"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.mark.parametrize("hook", ["danmodel-validate", "danmodel-check", "danmodel-fmt"])
def test_hooks_pass_on_a_repository_with_other_json_files(
    hook: str, project: Path, hook_repository: Path, tmp_path: Path
) -> None:
    result = _try(project, hook_repository, hook, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_validate_hook_fails_on_a_broken_dan_file_at_its_line(
    project: Path, hook_repository: Path, tmp_path: Path
) -> None:
    broken = project / "deploy" / "dans" / "broken.json"
    shutil.copy(CORPUS / "bad" / "netns-empty.json", broken)
    _git(project, "add", ".")
    result = _try(project, hook_repository, "danmodel-validate", tmp_path)
    assert result.returncode == 1
    assert "Failed" in result.stdout
    assert "deploy/dans/broken.json: $.netns: " in _unpositioned(result.stdout)
    assert "valid (revision" not in result.stdout  # --quiet: only the problems
    assert "package.json" not in result.stdout
    assert "settings.json" not in result.stdout


def test_check_hook_takes_the_runtime_from_args(
    project: Path, hook_repository: Path, tmp_path: Path
) -> None:
    # A host-tap device: runtime-rs attaches it, the Go runtime fails the sandbox.
    config = project / ".pre-commit-config.yaml"
    config.write_text(
        "repos:\n"
        f"  - repo: {hook_repository}\n"
        "    rev: HEAD\n"
        "    hooks:\n"
        "      - id: danmodel-check\n"
        "        args: [--runtime, go-runtime]\n"
    )
    _git(project, "add", ".")
    result = _try(project, hook_repository, "danmodel-check", tmp_path)
    assert result.returncode == 0  # try-repo uses the manifest's args: runtime-rs
    ran = subprocess.run(
        [_pre_commit(), "run", "danmodel-check", "--all-files"],
        cwd=project,
        env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "deploy/dans/host-tap.json: $.devices[0].device.type: error [go-device-type]" in (
        _unpositioned(ran.stdout)
    )


def test_fmt_hook_rewrites_then_passes(
    project: Path, hook_repository: Path, tmp_path: Path
) -> None:
    compact = project / "deploy" / "dans" / "dual-stack.json"
    canonical = compact.read_text()
    compact.write_text(canonical.replace("\n", "").replace("  ", ""))
    _git(project, "add", ".")
    first = _try(project, hook_repository, "danmodel-fmt", tmp_path)
    assert first.returncode == 1
    assert "files were modified by this hook" in first.stdout
    assert compact.read_text() == canonical
    _git(project, "add", ".")
    assert _try(project, hook_repository, "danmodel-fmt", tmp_path).returncode == 0


def test_files_can_be_overridden(project: Path, hook_repository: Path, tmp_path: Path) -> None:
    # A DAN file outside the default directories is read once `files:` names it.
    shutil.copy(CORPUS / "bad" / "netns-empty.json", project / "config" / "sandbox.json")
    _git(project, "add", ".")
    assert _try(project, hook_repository, "danmodel-validate", tmp_path).returncode == 0
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {hook_repository}\n"
        "    rev: HEAD\n"
        "    hooks:\n"
        "      - id: danmodel-validate\n"
        "        files: ^config/sandbox\\.json$\n"
    )
    _git(project, "add", ".")
    ran = subprocess.run(
        [_pre_commit(), "run", "danmodel-validate", "--all-files"],
        cwd=project,
        env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert ran.returncode == 1
    assert "config/sandbox.json: $.netns: " in _unpositioned(ran.stdout)
