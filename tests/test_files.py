"""danmodel._files: bounded no-follow reads, atomic replacement, rewrite() for `danmodel fmt`."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from danmodel import DanError
from danmodel._files import (
    DirectoryNotFlushed,
    RewriteError,
    open_directory,
    read_regular,
    replace,
    rewrite,
)

CI = bool(os.environ.get("CI"))
OLD = b'{"devices": []}'
NEW = b'{\n  "netns": null,\n  "devices": []\n}\n'


def entries(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


@pytest.fixture
def old(tmp_path: Path) -> Path:
    path = tmp_path / "dan.json"
    path.write_bytes(OLD)
    return path


def _needs_root() -> None:
    if os.geteuid() != 0:
        if CI:
            pytest.fail("CI runs as root; this test needs root to give files another owner")
        pytest.skip("needs root to give files another owner")


# --- rewrite: what is kept ----------------------------------------------------------------


def test_rewrite_replaces_the_contents_atomically(old: Path) -> None:
    before = old.stat()
    rewrite(old, NEW)
    assert old.read_bytes() == NEW
    assert old.stat().st_ino != before.st_ino  # a new file renamed over the old one
    assert entries(old.parent) == ["dan.json"]  # no temporary left


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o400, 0o755, 0o666, 0o2750, 0o1777])
def test_rewrite_keeps_the_mode(old: Path, mode: int) -> None:
    os.chmod(old, mode)
    umask = os.umask(0o077)
    try:
        rewrite(old, NEW)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(old.stat().st_mode) == mode
    assert old.read_bytes() == NEW


def test_rewrite_keeps_the_owner(old: Path) -> None:
    _needs_root()
    os.chown(old, 1234, 5678)
    os.chmod(old, 0o4750)  # set-uid: must survive the chown of the new file
    rewrite(old, NEW)
    status = old.stat()
    assert (status.st_uid, status.st_gid) == (1234, 5678)
    assert stat.S_IMODE(status.st_mode) == 0o4750


def test_rewrite_refuses_when_the_owner_cannot_be_kept(
    old: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.chown(old, os.geteuid(), os.getegid())
    status = old.stat()
    monkeypatch.setattr(
        os, "stat", _stat_with_owner(os.stat, old.name, status.st_uid + 1, status.st_gid)
    )

    def fchown(fd: int, uid: int, gid: int) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", fchown)
    with pytest.raises(RewriteError) as caught:
        rewrite(old, NEW)
    assert str(caught.value) == (
        f"{old}: cannot rewrite: Operation not permitted (giving the temporary file the owner "
        "of the old one); the file is unchanged"
    )
    monkeypatch.undo()
    assert old.read_bytes() == OLD
    assert entries(old.parent) == ["dan.json"]


def _stat_with_owner(real: Any, name: str, uid: int, gid: int) -> Any:
    """``os.stat`` reporting another owner for ``name`` (as an unprivileged user would see it)."""

    def fake(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        result = real(path, *args, **kwargs)
        if os.fspath(path) == name:
            fields = list(result)
            fields[stat.ST_UID], fields[stat.ST_GID] = uid, gid
            return os.stat_result(fields)
        return result  # type: ignore[no-any-return]

    return fake


# --- rewrite: symbolic links --------------------------------------------------------------


def test_rewrite_follows_a_link_and_keeps_it(tmp_path: Path, old: Path) -> None:
    os.chmod(old, 0o600)
    (tmp_path / "sub").mkdir()
    link = tmp_path / "sub" / "link.json"
    link.symlink_to("../dan.json")  # relative, as links usually are
    chain = tmp_path / "chain.json"
    chain.symlink_to(link)
    rewrite(chain, NEW)
    assert old.read_bytes() == NEW
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert chain.is_symlink()
    assert os.readlink(chain) == str(link)
    assert link.is_symlink()
    assert os.readlink(link) == "../dan.json"
    assert entries(tmp_path) == ["chain.json", "dan.json", "sub"]
    assert entries(tmp_path / "sub") == ["link.json"]


def test_rewrite_refuses_a_dangling_link(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to("missing.json")
    with pytest.raises(RewriteError) as caught:
        rewrite(link, NEW)
    assert str(caught.value) == (
        f"{link}: cannot rewrite: it is a symbolic link to 'missing.json', which does not "
        "exist; the file is unchanged"
    )
    assert caught.value.errno == errno.ENOENT
    assert entries(tmp_path) == ["link.json"]


def test_rewrite_refuses_a_loop(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(RewriteError, match="it is a loop of symbolic links"):
        rewrite(tmp_path / "a", NEW)
    assert entries(tmp_path) == ["a", "b"]


def test_rewrite_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RewriteError, match="cannot rewrite: it does not exist"):
        rewrite(tmp_path / "missing.json", NEW)
    assert entries(tmp_path) == []


# --- rewrite: hard links and other kinds --------------------------------------------------


def test_rewrite_refuses_hard_links(tmp_path: Path, old: Path) -> None:
    other = tmp_path / "other-name.json"
    os.link(old, other)
    with pytest.raises(RewriteError) as caught:
        rewrite(old, NEW)
    assert caught.value.errno == errno.EMLINK
    assert "it has 2 hard links: replacing it would split them" in str(caught.value)
    assert old.read_bytes() == other.read_bytes() == OLD
    assert old.stat().st_ino == other.stat().st_ino
    assert entries(tmp_path) == ["dan.json", "other-name.json"]


def test_rewrite_through_a_link_names_the_target(tmp_path: Path, old: Path) -> None:
    os.link(old, tmp_path / "second.json")
    link = tmp_path / "link.json"
    link.symlink_to(old)
    with pytest.raises(RewriteError, match=f"its target '{old}' has 2 hard links"):
        rewrite(link, NEW)


@pytest.mark.parametrize("kind", ["directory", "FIFO"])
def test_rewrite_refuses_what_is_not_a_regular_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "thing"
    if kind == "directory":
        path.mkdir()
    else:
        os.mkfifo(path)  # opening it would block: it must not be opened
    with pytest.raises(RewriteError, match="cannot rewrite: it is not a regular file"):
        rewrite(path, NEW)
    assert entries(tmp_path) == ["thing"]


# --- rewrite: failures leave the old file -------------------------------------------------


@pytest.mark.parametrize(
    ("step", "text"),
    [
        ("write", "writing the temporary file"),
        ("fsync", "flushing the temporary file to disk"),
        ("rename", "renaming the temporary file over the old one"),
        ("fchmod", "setting the mode of the temporary file"),
    ],
)
def test_rewrite_failure_leaves_the_old_file(
    old: Path, monkeypatch: pytest.MonkeyPatch, step: str, text: str
) -> None:
    os.chmod(old, 0o600)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, step, fail)
    with pytest.raises(RewriteError) as caught:
        rewrite(old, NEW)
    monkeypatch.undo()
    assert isinstance(caught.value, DanError)
    assert caught.value.errno == errno.ENOSPC
    assert str(caught.value) == (
        f"{old}: cannot rewrite: No space left on device ({text}); the file is unchanged"
    )
    assert old.read_bytes() == OLD
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert entries(old.parent) == ["dan.json"]


def test_rewrite_in_a_directory_it_cannot_write(old: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def read_only(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & os.O_CREAT:
            raise OSError(errno.EACCES, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(RewriteError, match=r"Permission denied \(creating the temporary file\)"):
        rewrite(old, NEW)
    monkeypatch.undo()
    assert old.read_bytes() == OLD


def test_rewrite_directory_flush_failure(old: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(RewriteError, match="rewritten, but flushing the directory failed"):
        rewrite(old, NEW)
    assert old.read_bytes() == NEW  # in place, as the message says


def test_rewrite_long_name(tmp_path: Path) -> None:
    """A name too long for '.{name}.tmp.{16 hex}' still gets a temporary file."""
    path = tmp_path / ("x" * 250)
    path.write_bytes(OLD)
    rewrite(path, NEW)
    assert path.read_bytes() == NEW
    assert entries(tmp_path) == ["x" * 250]


# --- the directory-relative helpers ---------------------------------------------------------


def test_read_regular_is_bounded_and_does_not_follow(tmp_path: Path) -> None:
    (tmp_path / "data").write_bytes(b"x" * 100)
    (tmp_path / "link").symlink_to("data")
    os.mkfifo(tmp_path / "fifo")
    dir_fd = open_directory(str(tmp_path), create=False)
    try:
        assert read_regular("data", dir_fd, 10) == b"x" * 10
        assert read_regular("data", dir_fd, 1000) == b"x" * 100
        with pytest.raises(OSError, match="symbolic link") as link:
            read_regular("link", dir_fd, 10)
        assert link.value.errno == errno.ELOOP
        with pytest.raises(OSError, match="not a regular file") as fifo:
            read_regular("fifo", dir_fd, 10)
        assert fifo.value.errno == errno.EINVAL
    finally:
        os.close(dir_fd)


def test_open_directory_refuses_a_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    with pytest.raises(OSError, match="symbolic links") as caught:
        open_directory(str(tmp_path / "link"), create=True)
    assert caught.value.errno == errno.ELOOP
    created = open_directory(str(tmp_path / "a" / "b"), create=True)
    os.close(created)
    assert (tmp_path / "a" / "b").is_dir()


def test_replace_with_an_owner_it_already_has(tmp_path: Path) -> None:
    """No chown when the new file already has the owner (an unprivileged user's own file)."""
    dir_fd = open_directory(str(tmp_path), create=False)
    try:
        replace("f", b"1", dir_fd, mode=0o640, temporary_prefix=".f.tmp.", owner=None)
        mine = os.stat("f", dir_fd=dir_fd)
        replace(
            "f",
            b"2",
            dir_fd,
            mode=0o640,
            temporary_prefix=".f.tmp.",
            owner=(mine.st_uid, mine.st_gid),
        )
    finally:
        os.close(dir_fd)
    assert (tmp_path / "f").read_bytes() == b"2"
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == 0o640
    assert issubclass(DirectoryNotFlushed, OSError)
