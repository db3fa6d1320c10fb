"""``danmodel validate DIR`` lists the files ``os.walk`` and ``os.path.isfile`` would give."""

from __future__ import annotations

import os
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from danmodel._cli._report import Reporter, each_file


def _by_os_walk(top: str, glob: str) -> list[str]:
    found: list[str] = []
    for directory, directories, files in os.walk(top):
        directories.sort()
        found += [
            path
            for path in (os.path.join(directory, file) for file in sorted(files))
            if fnmatchcase(os.path.basename(path), glob) and os.path.isfile(path)
        ]
    return found


def _tree(root: Path) -> None:
    for name in ("b.json", "a.json", "Z.json", "notes.txt", "x.dan"):
        (root / name).write_text("{}")
    for sub in ("m", "c", "m/deep", "c/inner", "empty", "a.json.d"):
        (root / sub).mkdir(parents=True)
        (root / sub / "f.json").write_text("{}")
    (root / "empty" / "f.json").unlink()
    os.mkfifo(root / "pipe.json")
    os.mkfifo(root / "c" / "pipe.json")
    (root / "link.json").symlink_to("a.json")
    (root / "dangling.json").symlink_to("nowhere.json")
    (root / "loop.json").symlink_to("loop.json")
    (root / "dirlink.json").symlink_to("c")
    (root / "linked").symlink_to("m")
    (root / "m" / "up").symlink_to("..")


@pytest.mark.parametrize("slash", ["", "/", "//"])
@pytest.mark.parametrize("glob", ["*.json", "*", "*.dan", "f*", "[a-c]*", "?.json", "[!a]*"])
def test_the_walk_lists_what_os_walk_and_isfile_list(tmp_path: Path, glob: str, slash: str) -> None:
    _tree(tmp_path)
    top = str(tmp_path) + slash
    expected = _by_os_walk(top, glob)
    reporter = Reporter("validate", quiet=True)
    assert list(each_file([top], glob, reporter)) == expected
    assert reporter.directories == [{"path": top, "glob": glob, "files": len(expected)}]


def test_an_unreadable_subdirectory_is_skipped_as_os_walk_skips_it(tmp_path: Path) -> None:
    _tree(tmp_path)
    locked = tmp_path / "c"
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as a user that reads any directory")
        expected = _by_os_walk(str(tmp_path), "*.json")
        got = list(each_file([str(tmp_path)], "*.json", Reporter("validate")))
    finally:
        locked.chmod(0o755)
    assert got == expected
