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


class _Failing:
    """``os.scandir`` of a directory that fails after its first entry."""

    def __init__(self, path: str) -> None:
        self._entries = _SCANDIR(path)
        self._given = 0

    def __enter__(self) -> _Failing:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._entries.close()

    def __iter__(self) -> _Failing:
        return self

    def __next__(self) -> os.DirEntry[str]:
        if self._given:
            raise PermissionError(13, "Permission denied")
        self._given += 1
        return next(self._entries)


_SCANDIR = os.scandir


@pytest.mark.parametrize("how", ["at opening", "while listing"])
def test_an_unreadable_subdirectory_is_skipped_as_os_walk_skips_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    _tree(tmp_path)
    locked = {str(tmp_path / "c"), str(tmp_path / "m" / "deep")}

    def scandir(path: str) -> object:
        if os.fspath(path).rstrip("/") in locked:
            if how == "at opening":
                raise PermissionError(13, "Permission denied", path)
            return _Failing(path)
        return _SCANDIR(path)

    monkeypatch.setattr(os, "scandir", scandir)
    expected = _by_os_walk(str(tmp_path), "*.json")
    assert str(tmp_path / "a.json") in expected
    assert not any(path.startswith(tuple(locked)) for path in expected)
    assert list(each_file([str(tmp_path)], "*.json", Reporter("validate"))) == expected
