"""Every CI snippet of docs/ci.md, run on a fixture repository: GitHub Actions, GitLab CI,
pre-commit, check-jsonschema and ajv.

A snippet is the code block after a ``<!-- tested: NAME -->`` line. Install steps are
not run (danmodel is the one under test); everything else runs as the CI system would run
it, with ``bash -e``.
"""

from __future__ import annotations

import importlib
import json
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
from test_cli_precommit import _git, _pre_commit, make_hook_repository, require

CI_DOC = ROOT / "docs" / "ci.md"
BIN = str(Path(sys.executable).parent)
Draft202012Validator: Any = importlib.import_module("jsonschema").Draft202012Validator
REPORT_SCHEMA = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
_GOOD = EXAMPLES.joinpath("host-tap.json").read_text(encoding="utf-8")
_MAC = re.search(r'"guest_mac": "([0-9a-f:]+)"', _GOOD)
assert _MAC is not None
BROKEN = _GOOD.replace(_MAC.group(0), '"guest_mac": "02:00:00:00:00"', 1)
# Where the bad guest_mac is, counted here from the text.
BROKEN_LINE = next(n for n, row in enumerate(BROKEN.splitlines(), 1) if '"guest_mac"' in row)
BROKEN_COLUMN = BROKEN.splitlines()[BROKEN_LINE - 1].index('"guest_mac"') + 1


def _unpositioned(text: str) -> str:
    """Output without the ``(line L, column C)`` of each problem (tested elsewhere)."""
    return re.sub(r" \(line \d+, column \d+\)", "", text)


def _snippets() -> dict[str, str]:
    found = re.findall(
        r"<!-- tested: ([\w-]+) -->\n```\w*\n(.*?)```", CI_DOC.read_text(encoding="utf-8"), re.S
    )
    return dict(found)


def _snippet(name: str) -> str:
    return _snippets()[name]


def _bash(script: str, cwd: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require("bash"), "-e", "-c", script],
        cwd=cwd,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **environment},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A project with DAN files in deploy/dans/, a DAN fixture, and other JSON files."""
    root = tmp_path / "project"
    (root / "deploy" / "dans").mkdir(parents=True)
    for name in ("host-tap.json", "dual-stack.json"):
        shutil.copy(EXAMPLES / name, root / "deploy" / "dans" / name)
    (root / "tests" / "fixtures" / "good").mkdir(parents=True)
    shutil.copy(
        FIXTURES / "corpus" / "good" / "two-devices.json",
        root / "tests" / "fixtures" / "good" / "two-devices.json",
    )
    (root / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (root / "tsconfig.json").write_text('{"compilerOptions": {"strict": true}}\n')
    shutil.copytree(ROOT / "schema", root / "schema")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    return root


@pytest.fixture
def hook_repository(tmp_path: Path) -> Path:
    """danmodel's hooks in a repository of their own, as in test_cli_precommit."""
    return make_hook_repository(tmp_path / "hooks")


def _break(repository: Path) -> Path:
    broken = repository / "deploy" / "dans" / "broken.json"
    broken.write_text(BROKEN, encoding="utf-8")
    _git(repository, "add", ".")
    return broken


def test_every_marked_snippet_is_tested() -> None:
    assert sorted(_snippets()) == [
        "ajv",
        "check-jsonschema",
        "github-actions",
        "gitlab-ci",
        "pre-commit",
    ]


# --- GitHub Actions ---------------------------------------------------------------------------


def _github_steps() -> list[dict[str, Any]]:
    workflow = YAML(typ="safe").load(_snippet("github-actions"))
    (job,) = workflow["jobs"].values()
    steps: list[dict[str, Any]] = job["steps"]
    return steps


def test_github_actions_workflow_passes_a_good_repository(repository: Path) -> None:
    steps = _github_steps()
    install = [step for step in steps if step.get("name") == "Install danmodel"]
    assert install[0]["run"].startswith("pip install ")
    runs = [step for step in steps if "run" in step and step not in install]
    assert len(runs) == 3
    for step in runs:
        result = _bash(step["run"], repository, GITHUB_ACTIONS="true")
        assert result.returncode == 0, (step, result.stdout, result.stderr)
        assert "::" not in result.stdout  # no annotation
        assert result.stdout.startswith("deploy/dans: 2 files matching *.json\n")


def test_github_actions_workflow_annotates_a_broken_file(repository: Path) -> None:
    _break(repository)
    validate = next(step for step in _github_steps() if step.get("name") == "Validate")
    result = _bash(validate["run"], repository, GITHUB_ACTIONS="true")
    assert result.returncode == 1
    assert (
        f"::error file=deploy/dans/broken.json,line={BROKEN_LINE},col={BROKEN_COLUMN},"
        "title=danmodel validate::$.devices[0].guest_mac: expected a MAC address"
    ) in result.stdout


# --- GitLab CI --------------------------------------------------------------------------------


def _gitlab_job() -> dict[str, Any]:
    pipeline = YAML(typ="safe").load(_snippet("gitlab-ci"))
    (job,) = pipeline.values()
    assert isinstance(job, dict)
    return job


def _gitlab(repository: Path) -> subprocess.CompletedProcess[str]:
    job = _gitlab_job()
    assert all(line.startswith("pip install ") for line in job["before_script"])
    # GitLab runs the lines in one shell and stops at the first that fails.
    return _bash("\n".join(job["script"]), repository)


def test_gitlab_ci_job_passes_a_good_repository(repository: Path) -> None:
    result = _gitlab(repository)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((repository / "dan-report.json").read_text(encoding="utf-8"))
    Draft202012Validator(REPORT_SCHEMA).validate(report)
    assert report["valid"] is True
    assert _gitlab_job()["artifacts"]["paths"] == ["dan-report.json"]


def test_gitlab_ci_job_fails_on_a_broken_file_and_keeps_the_report(repository: Path) -> None:
    broken = _break(repository)
    result = _gitlab(repository)
    assert result.returncode == 1
    assert f"deploy/dans/{broken.name}: $.devices[0].guest_mac: " in _unpositioned(result.stdout)
    report = json.loads((repository / "dan-report.json").read_text(encoding="utf-8"))
    Draft202012Validator(REPORT_SCHEMA).validate(report)
    (entry,) = [entry for entry in report["files"] if entry["file"].endswith("broken.json")]
    assert [(p["line"], p["column"]) for p in entry["problems"]] == [(BROKEN_LINE, BROKEN_COLUMN)]


# --- pre-commit -------------------------------------------------------------------------------


def _pre_commit_run(
    repository: Path, hook_repository: Path, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=hook_repository,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    config = _snippet("pre-commit")
    assert "https://github.com/OWNER/danmodel" in config
    config = config.replace("https://github.com/OWNER/danmodel", str(hook_repository))
    config = config.replace("rev: COMMIT", f"rev: {commit}")
    (repository / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    _git(repository, "add", ".")
    return subprocess.run(
        [_pre_commit(), "run", "--all-files"],
        cwd=repository,
        env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_pre_commit_config_passes_a_good_repository(
    repository: Path, hook_repository: Path, tmp_path: Path
) -> None:
    result = _pre_commit_run(repository, hook_repository, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Passed") == 4


def test_pre_commit_config_fails_on_a_broken_file(
    repository: Path, hook_repository: Path, tmp_path: Path
) -> None:
    _break(repository)
    bad_fixture = repository / "tests" / "fixtures" / "good" / "bad.json"
    bad_fixture.write_text('{"devices": [], "netns": ""}\n')
    result = _pre_commit_run(repository, hook_repository, tmp_path)
    assert result.returncode == 1
    assert "deploy/dans/broken.json: $.devices[0].guest_mac: " in _unpositioned(result.stdout)
    assert "tests/fixtures/good/bad.json: $.netns: " in _unpositioned(
        result.stdout
    )  # the alias hook
    assert "package.json" not in result.stdout


# --- check-jsonschema and ajv -----------------------------------------------------------------


def _console(name: str) -> str:
    (line,) = [line for line in _snippet(name).splitlines() if line.startswith("$ ")]
    return line[2:]


def test_check_jsonschema(repository: Path) -> None:
    if shutil.which("check-jsonschema", path=BIN) is None:
        if os.environ.get("CI"):
            pytest.fail("check-jsonschema is not installed")
        pytest.skip("check-jsonschema is not installed")
    command = _console("check-jsonschema")
    result = _bash(command, repository)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout
    _break(repository)
    assert _bash(command, repository).returncode == 1


def _node() -> str:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "ajv").is_dir():
        if os.environ.get("CI"):
            pytest.fail("node and node_modules (npm ci) are needed")
        pytest.skip("needs node and node_modules (npm ci)")
    return node


def _ajv_command() -> list[str]:
    text = CI_DOC.read_text(encoding="utf-8")
    after = text[text.index("<!-- tested: ajv -->") :]
    (line,) = re.findall(r"^\$ (node tools/validate-dan\.cjs .*)$", after, re.M)[:1]
    return shlex.split(line)


def test_ajv_script_in_the_project(repository: Path) -> None:
    node = _node()
    (repository / "tools").mkdir()
    (repository / "tools" / "validate-dan.cjs").write_text(_snippet("ajv"), encoding="utf-8")
    (repository / "node_modules").symlink_to(ROOT / "node_modules")
    command = _ajv_command()
    assert command[:2] == ["node", "tools/validate-dan.cjs"]
    result = _bash(shlex.join(command[:-1]) + " deploy/dans/*.json", repository)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    # From another working directory, with paths to the files: the same.
    elsewhere = repository.parent / "elsewhere"
    elsewhere.mkdir()
    absolute = [
        node,
        str(repository / "tools" / "validate-dan.cjs"),
        str(repository / "schema" / "v2" / "dan-config.schema.json"),
    ]
    broken = _break(repository)
    result = _bash(shlex.join([*absolute, str(broken)]), elsewhere)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(f"{broken}: $.devices[0].guest_mac: must match pattern")


def test_ajv_script_outside_the_tree_with_node_path(tmp_path: Path) -> None:
    node = _node()
    script = tmp_path / "scripts" / "validate-dan.cjs"
    script.parent.mkdir()
    script.write_text(_snippet("ajv"), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('{"devices": [], "netns": "", "odd key": 1}')
    schema = str(ROOT / "schema" / "v2" / "dan-config.schema.json")
    command = shlex.join([node, str(script), schema, str(EXAMPLES / "vfio.json"), str(bad)])
    without = _bash(command, tmp_path)
    assert without.returncode != 0
    assert "Cannot find module 'ajv/dist/2020'" in without.stderr
    result = _bash(command, tmp_path, NODE_PATH=str(ROOT / "node_modules"))
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert f"{bad}: $: must NOT have additional properties" in lines
    assert f"{bad}: $.netns: must NOT have fewer than 1 characters" in lines
    assert all(line.startswith(f"{bad}: $") for line in lines)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{")
    result = _bash(
        f"{command} {shlex.quote(str(garbage))}", tmp_path, NODE_PATH=str(ROOT / "node_modules")
    )
    assert result.returncode == 2
    assert result.stdout.splitlines()[-1].startswith(f"{garbage}: ")
