"""The pre-commit hooks, run as the manifest (``.pre-commit-hooks.yaml``) declares them."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from conftest import FIXTURES, ROOT

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
CORPUS = FIXTURES / "corpus"


def _hooks() -> dict[str, dict[str, Any]]:
    hooks = YAML(typ="safe").load(MANIFEST.read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def _run(hook: dict[str, Any], files: list[Path]) -> subprocess.CompletedProcess[str]:
    """Run a hook's entry on files as pre-commit does: entry, args, then the file names."""
    program, *arguments = shlex.split(hook["entry"])
    # pre-commit installs the package into the hook's environment; here that is ours.
    executable = shutil.which(program, path=str(Path(sys.executable).parent))
    assert executable is not None, program
    return subprocess.run(
        [executable, *arguments, *hook.get("args", []), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_manifest_declares_the_hooks() -> None:
    hooks = _hooks()
    assert list(hooks) == ["danmodel-validate", "danmodel-fmt"]
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types"] == ["json"]
        assert hook["name"]
        assert hook["description"]
    assert hooks["danmodel-validate"]["entry"] == "danmodel validate"


def test_validate_hook_passes_the_good_fixtures() -> None:
    result = _run(_hooks()["danmodel-validate"], sorted(CORPUS.glob("good/*.json")))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "name",
    ["guest-mac-five-groups.json", "misspelled-neighbors.json", "duplicate-guest-names.json"],
)
def test_validate_hook_fails_a_bad_fixture(name: str) -> None:
    good = CORPUS / "good" / "no-devices.json"
    result = _run(_hooks()["danmodel-validate"], [good, CORPUS / "bad" / name])
    assert result.returncode == 1
    assert f"{CORPUS / 'bad' / name}: $." in result.stdout


def test_fmt_hook_rewrites_and_fails_then_passes(tmp_path: Path) -> None:
    hook = _hooks()["danmodel-fmt"]
    copy = tmp_path / "vfio.json"
    shutil.copy(CORPUS / "good" / "vfio.json", copy)
    first = _run(hook, [copy])
    # pre-commit fails a hook that changed files; the exit status is 0 and the file changed.
    assert first.returncode == 0
    assert first.stdout == f"{copy}: reformatted\n"
    assert _run(hook, [copy]).stdout == ""
    bad = tmp_path / "bad.json"
    shutil.copy(CORPUS / "bad" / "netns-empty.json", bad)
    assert _run(hook, [bad]).returncode == 1
    assert bad.read_bytes() == (CORPUS / "bad" / "netns-empty.json").read_bytes()
