"""The store of DAN files: ids, reading, atomic writing, ADD/DEL semantics, faults, the CLI.

The fault tests (d) hostile input and (e) failing writes print their figures;
the concurrency tests (a)-(c) are in test_store_concurrency.py.
"""

from __future__ import annotations

import errno
import fcntl
import io
import json
import os
import pickle
import socket
import stat
import sys
import tempfile
import threading
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from danmodel import (
    MAX_DOCUMENT_BYTES,
    DanConfig,
    DanDevice,
    DanError,
    HostTap,
    Interface,
    MacAddress,
    Neighbor,
    NetworkInfo,
    NudState,
    ProfileError,
    ProfileRejectedError,
    ValidationError,
    Vfio,
    dumps,
    strategies,
    to_dict,
)
from danmodel.cli import main
from danmodel.store import (
    DEFAULT_DIRECTORY,
    ID_GRAMMARS,
    MAX_SANDBOX_ID_BYTES,
    Attachment,
    DanStore,
    IdGrammar,
    InvalidSandboxId,
    SandboxNotFound,
    StoreError,
    check_sandbox_id,
)

SANDBOX = "0f3a9c2e5b7d41e8a6c3f0b9d2e7a4c1"
NET_A = Attachment("net-a", "eth0")
NET_B = Attachment("net-b", "net1")


def device(name: str = "eth0", tap: str | None = None, address: str = "10.10.0.5/24") -> DanDevice:
    return DanDevice(
        name=name,
        guest_mac=MacAddress.parse("0a:58:0a:0a:00:05"),
        device=HostTap(tap_name=tap or f"tap-{name}"),
        network_info=NetworkInfo(interface=Interface(ip_addresses=[IPv4Interface(address)])),
    )


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """Print a test's figures on the terminal, past pytest's capture."""
    with capsys.disabled():
        print(f"\n[store] {line}", end="")


def entries(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


@pytest.fixture
def store(tmp_path: Path) -> DanStore:
    return DanStore(tmp_path / "dans")


# --- sandbox ids ---------------------------------------------------------------------------

HOSTILE_IDS: list[tuple[object, str]] = [
    ("", "empty"),
    (".", "'.' and '..'"),
    ("..", "'.' and '..'"),
    ("/", "contains '/'"),
    ("../etc/passwd", "contains '/'"),
    ("/etc/passwd", "contains '/'"),
    ("a/../../b", "contains '/'"),
    ("abc\0def", "NUL"),
    ("abc\n", "U+000A"),
    ("\x1b[31m", "U+001B"),
    ("abc\x7f", "U+007F"),
    ("abc\x85", "U+0085"),
    ("\udcff", "lone surrogate"),
    ("..\\..\\x", "it starts with '.'"),
    (".hidden", "it starts with '.'"),
    ("x" * (MAX_SANDBOX_ID_BYTES + 1), f"the longest is {MAX_SANDBOX_ID_BYTES}"),
    ("é" * (MAX_SANDBOX_ID_BYTES // 2 + 1), "bytes long"),
    (42, "expected a string, found int"),
    (None, "expected a string, found NoneType"),
]


CNI_IDS = [SANDBOX, "a", "x" * MAX_SANDBOX_ID_BYTES, "Pod_1.a-b", "0", "k8s_POD.default-1"]
FILE_NAME_IDS = ["pod 1", "é", "-rf", "_x", "a+b", "héllo wörld", "~x"]


@pytest.mark.parametrize("sandbox_id", CNI_IDS)
def test_good_ids(store: DanStore, sandbox_id: str) -> None:
    assert check_sandbox_id(sandbox_id) == sandbox_id
    assert check_sandbox_id(sandbox_id, grammar="file-name") == sandbox_id
    assert store.path(sandbox_id) == store.directory / f"{sandbox_id}.json"
    store.add_device(sandbox_id, device())
    assert store.sandboxes() == [sandbox_id]
    assert store.read(sandbox_id).devices == (device(),)
    assert store.remove(sandbox_id)


@pytest.mark.parametrize("sandbox_id", FILE_NAME_IDS)
def test_ids_outside_the_cni_grammar(tmp_path: Path, sandbox_id: str) -> None:
    """Refused by default with what the CNI grammar says; a file-name store takes them."""
    cni = DanStore(tmp_path)
    with pytest.raises(InvalidSandboxId, match="a CNI container id") as caught:
        cni.add_device(sandbox_id, device())
    assert "id_grammar='file-name'" in caught.value.reason
    with pytest.raises(InvalidSandboxId):
        check_sandbox_id(sandbox_id)
    assert entries(tmp_path) == []
    relaxed = DanStore(tmp_path, id_grammar="file-name")
    assert relaxed.add_device(sandbox_id, device())
    assert relaxed.sandboxes() == [sandbox_id]
    assert cni.sandboxes() == []  # a store lists only the ids it accepts
    assert relaxed.read(sandbox_id).devices == (device(),)
    assert relaxed.remove(sandbox_id)
    assert entries(tmp_path) == []


@pytest.mark.parametrize(
    ("sandbox_id", "reason"),
    [
        ("-rf", "it starts with '-', and a CNI container id starts with an ASCII letter or digit"),
        ("_a", "it starts with '_'"),
        ("pod 1", "it contains ' ', and a CNI container id holds only ASCII letters, digits"),
        ("abé", "it contains 'é'"),
        ("a:b", "it contains ':'"),
        ("a\\b", "it contains '\\\\'"),
    ],
)
def test_cni_grammar_reasons(sandbox_id: str, reason: str) -> None:
    with pytest.raises(InvalidSandboxId) as caught:
        check_sandbox_id(sandbox_id)
    assert caught.value.reason.startswith(reason)


@pytest.mark.parametrize(
    "sandbox_id", [".hidden", ".x.lock", ".x.tmp.0123456789abcdef", ".x.attachments", ".."]
)
def test_ids_that_could_be_the_stores_own_files(tmp_path: Path, sandbox_id: str) -> None:
    """Every grammar refuses a leading '.': the store's own files all begin with one."""
    assert ID_GRAMMARS == ("cni", "file-name")
    for grammar in ID_GRAMMARS:
        with pytest.raises(InvalidSandboxId, match=r"'\.'"):
            DanStore(tmp_path, id_grammar=grammar).add_device(sandbox_id, device())
    assert entries(tmp_path) == []


def test_bad_grammar(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="id_grammar must be one of cni, file-name"):
        DanStore(tmp_path, id_grammar="posix")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="grammar must be one of"):
        check_sandbox_id("a", grammar="posix")  # type: ignore[arg-type]


@pytest.mark.parametrize("grammar", ["cni", "file-name"])
def test_hostile_ids_refused_and_nothing_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], grammar: IdGrammar
) -> None:
    """(d) Every operation refuses every hostile id, whatever the grammar; nothing appears."""
    inside = tmp_path / "a" / "b" / "dans"
    store = DanStore(inside, id_grammar=grammar)
    operations: list[Callable[[object], object]] = [
        store.path,  # type: ignore[list-item]
        store.read,  # type: ignore[list-item]
        store.attachments,  # type: ignore[list-item]
        lambda sandbox_id: store.write(sandbox_id, DanConfig(devices=[device()])),  # type: ignore[arg-type]
        lambda sandbox_id: store.add_device(sandbox_id, device()),  # type: ignore[arg-type]
        lambda sandbox_id: store.remove_device(sandbox_id, "eth0"),  # type: ignore[arg-type]
        lambda sandbox_id: store.remove_attachment(sandbox_id, NET_A),  # type: ignore[arg-type]
        store.remove,  # type: ignore[list-item]
    ]
    refusals = 0
    for sandbox_id, reason in HOSTILE_IDS:
        for operation in operations:
            with pytest.raises(InvalidSandboxId, match="invalid sandbox id") as caught:
                operation(sandbox_id)
            assert reason in caught.value.reason
            assert caught.value.sandbox_id == sandbox_id
            assert isinstance(caught.value, DanError)
            assert isinstance(caught.value, ValueError)
            refusals += 1
    assert entries(tmp_path) == []
    report(
        capsys,
        f"(d) {grammar}: {len(HOSTILE_IDS)} hostile ids x {len(operations)} operations: "
        f"{refusals} refusals, 0 files created",
    )


def test_long_id_message_is_shortened() -> None:
    with pytest.raises(InvalidSandboxId) as caught:
        check_sandbox_id("x" * 1000)
    assert len(str(caught.value)) < 200
    assert "1002 characters" in str(caught.value)


def test_a_huge_id_is_refused_by_its_length() -> None:
    """A 10-million-character id is refused for its length before any per-character check."""
    huge = "\x1b" + "x" * 10_000_000
    with pytest.raises(InvalidSandboxId) as caught:
        check_sandbox_id(huge)
    assert caught.value.reason == "it is 10000001 bytes long; the longest is 200"
    assert len(str(caught.value)) < 200


def test_invalid_id_pickles() -> None:
    error = InvalidSandboxId("../x", "it contains '/'")
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.sandbox_id) == (InvalidSandboxId, str(error), "../x")


# --- reading -------------------------------------------------------------------------------


def test_default_directory() -> None:
    assert DanStore().directory == Path(DEFAULT_DIRECTORY) == Path("/run/kata-containers/dans")
    assert DanStore("/x").path("s") == Path("/x/s.json")


def test_missing_is_not_invalid(store: DanStore) -> None:
    with pytest.raises(SandboxNotFound, match="has no DAN file") as caught:
        store.read(SANDBOX)  # the directory is missing too
    assert isinstance(caught.value, FileNotFoundError)
    assert isinstance(caught.value, DanError)
    assert caught.value.filename == str(store.path(SANDBOX))
    store.directory.mkdir()
    with pytest.raises(SandboxNotFound):
        store.read(SANDBOX)
    store.path(SANDBOX).write_text('{"devices": [{"name": "eth0"}]}')
    with pytest.raises(ValidationError, match="missing required key") as invalid:
        store.read(SANDBOX)
    assert not isinstance(invalid.value, SandboxNotFound)
    assert invalid.value.source == str(store.path(SANDBOX))


def test_read_is_size_bounded(store: DanStore) -> None:
    store.directory.mkdir()
    with open(store.path(SANDBOX), "wb") as stream:
        stream.truncate(MAX_DOCUMENT_BYTES * 4)  # sparse: costs no disk
    with pytest.raises(ValidationError, match=f"larger than {MAX_DOCUMENT_BYTES} bytes"):
        store.read(SANDBOX)


def test_read_refuses_what_is_not_a_regular_file(store: DanStore) -> None:
    store.directory.mkdir()
    os.mkfifo(store.path("fifo"))  # opening it for reading would block
    store.path("dir").mkdir()
    for sandbox_id in ("fifo", "dir"):
        with pytest.raises(StoreError, match="cannot read: it is not a regular file"):
            store.read(sandbox_id)
        with pytest.raises(StoreError, match="not a regular file"):
            store.add_device(sandbox_id, device())
    assert store.sandboxes() == []


def test_a_file_larger_than_readers_accept_is_not_written(
    store: DanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store writes only what it (and loads) can read back: the bound, at its edge."""
    one = DanConfig(devices=[device()])
    two = DanConfig(devices=[device(), device("eth1")])
    size = len(dumps(two).encode())
    monkeypatch.setattr("danmodel.store.MAX_DOCUMENT_BYTES", size)  # the writer's bound only
    store.write(SANDBOX, one)
    assert store.add_device(SANDBOX, device("eth1"))  # exactly at the bound: written
    assert len(store.path(SANDBOX).read_bytes()) == size
    store.write(SANDBOX, one)
    monkeypatch.setattr("danmodel.store.MAX_DOCUMENT_BYTES", size - 1)
    with pytest.raises(ValidationError) as caught:
        store.add_device(SANDBOX, device("eth1"))  # one byte over: refused
    assert caught.value.source == str(store.path(SANDBOX))
    assert str(caught.value.errors[0]) == (
        f"$: the file would be {size} bytes, more than the {size - 1} a reader accepts "
        "(danmodel.MAX_DOCUMENT_BYTES); nothing was written"
    )
    with pytest.raises(ValidationError, match="nothing was written"):
        store.write(SANDBOX, two)
    assert store.read(SANDBOX) == one


def test_sandboxes_lists_only_dan_files(store: DanStore) -> None:
    assert store.sandboxes() == []  # the directory is missing
    for sandbox_id in ("b", "a", "c"):
        store.add_device(sandbox_id, device())
    (store.directory / "notes.txt").write_text("")
    (store.directory / "sub.json").mkdir()
    (store.directory / "link.json").symlink_to("a.json")
    (store.directory / ".json").write_text("")
    (store.directory / "bad\x1bid.json").write_text("")
    assert store.sandboxes() == ["a", "b", "c"]


def test_listing_failure_is_a_store_error(store: DanStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.directory.mkdir()

    def failing(fd: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "scandir", failing)
    with pytest.raises(StoreError, match="cannot list: Input/output error"):
        store.sandboxes()


# --- writing -------------------------------------------------------------------------------


def test_write_then_read(store: DanStore) -> None:
    config = DanConfig(netns="/var/run/netns/cni-1", devices=[device(), device("eth1")])
    store.write(SANDBOX, config)
    assert store.read(SANDBOX) == config
    assert store.path(SANDBOX).read_text() == dumps(config)
    assert entries(store.directory) == [f".{SANDBOX}.lock", f"{SANDBOX}.json"]
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o755 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("mode", [0o644, 0o600, 0o640, 0o666])
def test_mode_whatever_the_umask(tmp_path: Path, mode: int) -> None:
    store = DanStore(tmp_path, mode=mode)
    previous = os.umask(0o077)
    try:
        store.add_device(SANDBOX, device())
        store.add_device(SANDBOX, device("eth1"))  # a replacement gets the mode too
    finally:
        os.umask(previous)
    assert stat.S_IMODE(store.path(SANDBOX).stat().st_mode) == mode


def test_default_mode(store: DanStore) -> None:
    store.add_device(SANDBOX, device())
    assert stat.S_IMODE(store.path(SANDBOX).stat().st_mode) == 0o644


@pytest.mark.parametrize("mode", [-1, 0o1000, 0o4755, True, "644", 6.0])
def test_bad_mode(mode: object) -> None:
    with pytest.raises(ValueError, match="permission bits"):
        DanStore(mode=mode)  # type: ignore[arg-type]


def test_write_replaces_atomically(store: DanStore) -> None:
    store.write(SANDBOX, DanConfig(devices=[device()]))
    before = store.path(SANDBOX).stat().st_ino
    store.write(SANDBOX, DanConfig(devices=[device("eth1")]))
    assert store.path(SANDBOX).stat().st_ino != before  # a new file renamed over the old one
    assert store.read(SANDBOX).devices == (device("eth1"),)


def test_dir_fsync_unsupported_is_fine(store: DanStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.directory.mkdir()
    real = os.fsync
    directory_fds: list[int] = []

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            directory_fds.append(fd)
            raise OSError(errno.EINVAL, "Invalid argument")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    store.add_device(SANDBOX, device())
    assert store.remove(SANDBOX)
    assert len(directory_fds) == 2


# --- (e) failing writes --------------------------------------------------------------------

FAULTS = [
    (errno.ENOSPC, "No space left on device"),
    (errno.EROFS, "Read-only file system"),
]
STEPS = {
    "write": "writing the temporary file",
    "fsync": "flushing the temporary file to disk",
    "rename": "renaming the temporary file over the old one",
    "open": "creating the temporary file",
    "fchmod": "setting the mode of the temporary file",
}


def _fail_with(code: int, text: str) -> Callable[..., None]:
    def failing(*args: object, **kwargs: object) -> None:
        raise OSError(code, text)

    return failing


def _injected(step: str, code: int, text: str) -> Callable[..., object]:
    """A replacement for ``os.{step}`` that fails with ``code``; ``open`` fails on temporaries."""
    if step != "open":
        return _fail_with(code, text)
    real_open = os.open

    def open_(path: str, flags: int, *args: Any, **kwargs: Any) -> int:
        if ".tmp." in path:
            raise OSError(code, text)
        return real_open(path, flags, *args, **kwargs)

    return open_


def test_failing_writes_keep_the_old_file(
    store: DanStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """(e) An injected ENOSPC or EROFS at each step is a clear DanError; the old file stays."""
    old = DanConfig(devices=[device(), device("net1")])
    store.write(SANDBOX, old)
    old_text = store.path(SANDBOX).read_bytes()
    old_entries = entries(store.directory)
    changes: list[Callable[[], object]] = [
        lambda: store.write(SANDBOX, DanConfig(devices=[device("eth9")])),
        lambda: store.add_device(SANDBOX, device("eth1")),
        lambda: store.add_device(SANDBOX, device(tap="tap-new"), replace=True),
        lambda: store.remove_device(SANDBOX, "eth0"),
    ]
    failures = 0
    for code, text in FAULTS:
        for step, words in STEPS.items():
            for change in changes:
                with monkeypatch.context() as patch:
                    patch.setattr(os, step, _injected(step, code, text))
                    with pytest.raises(DanError) as caught:
                        change()
                error = caught.value
                assert isinstance(error, StoreError)
                assert isinstance(error, OSError)
                assert error.errno == code
                assert error.filename == str(store.path(SANDBOX))
                assert str(error) == (
                    f"{store.path(SANDBOX)}: cannot write: {text} ({words}); "
                    "the old file is unchanged"
                )
                assert store.path(SANDBOX).read_bytes() == old_text
                assert entries(store.directory) == old_entries
                failures += 1
    assert store.read(SANDBOX) == old
    assert failures == len(FAULTS) * len(STEPS) * len(changes)
    report(
        capsys,
        f"(e) {failures} injected failures ({len(FAULTS)} errors: ENOSPC, EROFS x "
        f"{len(STEPS)} steps: {', '.join(STEPS)} x {len(changes)} operations): "
        "each a StoreError (a DanError), the old file intact, no leftovers",
    )


def test_failing_first_write_leaves_nothing(
    store: DanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "fsync", _fail_with(errno.ENOSPC, "No space left on device"))
    with pytest.raises(StoreError, match="No space left on device"):
        store.add_device(SANDBOX, device())
    assert entries(store.directory) == []


def test_interrupted_write_leaves_no_temporary(
    store: DanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add_device(SANDBOX, device())

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.add_device(SANDBOX, device("eth1"))
    monkeypatch.undo()
    assert entries(store.directory) == [f".{SANDBOX}.lock", f"{SANDBOX}.json"]


def test_failing_directory_flush(store: DanStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.add_device(SANDBOX, device())
    real = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EIO, "Input/output error")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(StoreError, match="new file is in place but may not survive a crash"):
        store.add_device(SANDBOX, device("eth1"))
    assert len(store.read(SANDBOX).devices) == 2
    with pytest.raises(StoreError, match="the removal may not survive a crash"):
        store.remove(SANDBOX)
    assert not store.path(SANDBOX).exists()


def test_store_error_pickles(store: DanStore) -> None:
    with pytest.raises(SandboxNotFound) as caught:
        store.read(SANDBOX)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (type(copy), str(copy), copy.errno) == (SandboxNotFound, str(caught.value), errno.ENOENT)


# --- (d) symbolic links and other planted entries ------------------------------------------


def _changes_and_read(store: DanStore, sandbox_id: str) -> list[Callable[[], object]]:
    return [
        lambda: store.read(sandbox_id),
        lambda: store.write(sandbox_id, DanConfig(devices=[device("eth9")])),
        lambda: store.add_device(sandbox_id, device("eth1")),
        lambda: store.remove_device(sandbox_id, "eth0"),
    ]


def test_symlink_at_the_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """(d) A link at {id}.json (dangling or not) is never followed, read or written through."""
    store = DanStore(tmp_path / "dans")
    store.directory.mkdir()
    outside = tmp_path / "outside.json"
    outside.write_text(dumps(DanConfig(devices=[device()])))
    links = {"points-out": outside, "dangling": tmp_path / "created-outside.json"}
    refusals = 0
    for sandbox_id, target in links.items():
        store.path(sandbox_id).symlink_to(target)
        for attempt in _changes_and_read(store, sandbox_id):
            with pytest.raises(StoreError, match="symbolic link") as caught:
                attempt()
            assert caught.value.errno == errno.ELOOP
            refusals += 1
        assert store.path(sandbox_id).is_symlink()
    assert outside.read_text() == dumps(DanConfig(devices=[device()]))
    assert entries(tmp_path) == ["dans", "outside.json"]
    # DEL removes the link itself, never its target.
    assert store.remove("points-out")
    assert outside.exists()
    assert not store.path("points-out").is_symlink()
    report(
        capsys,
        f"(d) symbolic link at the file: {refusals} operations refused, "
        "the target untouched, nothing created outside",
    )


def test_symlink_as_the_directory_is_refused(tmp_path: Path) -> None:
    """(d) The store's directory itself may not be a symbolic link."""
    real = tmp_path / "elsewhere"
    real.mkdir()
    (tmp_path / "dans").symlink_to(real)
    store = DanStore(tmp_path / "dans")
    attempts: list[Callable[[], object]] = [
        lambda: store.read(SANDBOX),
        lambda: store.write(SANDBOX, DanConfig(devices=[device()])),
        lambda: store.add_device(SANDBOX, device()),
        lambda: store.remove_device(SANDBOX, "eth0"),
        lambda: store.remove(SANDBOX),
        store.sandboxes,
    ]
    for attempt in attempts:
        with pytest.raises(StoreError, match="cannot open the directory: it is a symbolic link"):
            attempt()
    assert entries(real) == []


def test_directory_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "dans").write_text("")
    store = DanStore(tmp_path / "dans")
    with pytest.raises(StoreError, match="cannot open the directory"):
        store.sandboxes()
    with pytest.raises(StoreError, match="cannot open the directory"):
        store.add_device(SANDBOX, device())


def _plant(kind: str, lock: Path, outside: Path) -> None:
    """Put ``kind`` at the lock file's name; ``outside`` is a file or directory beyond the store."""
    if kind == "symlink":
        lock.symlink_to(outside / "precious")
    elif kind == "dangling symlink":
        lock.symlink_to(outside / "created-if-followed")
    elif kind == "symlink to a directory":
        lock.symlink_to(outside)
    elif kind == "directory":
        lock.mkdir()
    elif kind == "directory with entries":
        lock.mkdir()
        (lock / "kept").write_text("mine")
        (lock / "link").symlink_to(outside / "precious")
    elif kind == "FIFO":
        os.mkfifo(lock)
    else:
        assert kind == "socket"
        listener = socket.socket(socket.AF_UNIX)
        try:
            listener.bind(os.fspath(lock))
        finally:
            listener.close()


PLANTED = {
    "symlink": "a symbolic link to ",
    "dangling symlink": "a dangling symbolic link to ",
    "symlink to a directory": "a symbolic link to ",
    "directory": "a directory, not a regular file",
    "directory with entries": "a directory, not a regular file",
    "FIFO": "a FIFO, not a regular file",
    "socket": "a socket, not a regular file",
}


@pytest.mark.parametrize("kind", list(PLANTED))
def test_planted_lock_file(tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    """(d) A lock file that is not a regular file: every locking operation says what it is and
    how to clear it, nothing is followed or changed, and ``remove`` clears it safely."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("untouched")
    store = DanStore(tmp_path / "dans")
    store.add_device(SANDBOX, device(), attachment=NET_A)
    before = store.path(SANDBOX).read_bytes()
    lock = store.directory / f".{SANDBOX}.lock"
    lock.unlink()
    _plant(kind, lock, outside)
    locking: list[Callable[[], object]] = [
        lambda: store.add_device(SANDBOX, device("eth1")),
        lambda: store.write(SANDBOX, DanConfig(devices=[device("eth9")])),
        lambda: store.remove_device(SANDBOX, "eth0"),
        lambda: store.remove_attachment(SANDBOX, NET_A),
        lambda: store.attachments(SANDBOX),
    ]
    for attempt in locking:
        with pytest.raises(StoreError) as caught:
            attempt()
        message = str(caught.value)
        assert message.startswith(f"{lock}: cannot open the lock file: it is {PLANTED[kind]}")
        assert f"'danmodel store remove {SANDBOX}' (DanStore.remove)" in message
        assert isinstance(caught.value, DanError)
    assert store.read(SANDBOX).devices == (device(),)  # readers take no lock
    assert store.path(SANDBOX).read_bytes() == before
    assert entries(outside) == ["precious"]
    assert (outside / "precious").read_text() == "untouched"
    if kind == "directory with entries":
        with pytest.raises(StoreError, match="a directory with entries, which the store does not"):
            store.remove(SANDBOX)
        assert sorted(os.listdir(lock)) == ["kept", "link"]
        assert (lock / "kept").read_text() == "mine"
        assert store.path(SANDBOX).read_bytes() == before
        return
    assert store.remove(SANDBOX)
    assert entries(store.directory) == []
    assert entries(outside) == ["precious"]
    assert (outside / "precious").read_text() == "untouched"
    assert store.add_device(SANDBOX, device())  # usable again
    assert stat.S_ISREG(lock.lstat().st_mode)
    report(capsys, f"(d) planted lock file ({kind}): {len(locking)} operations refused, cleared")


def test_lock_file_planted_after_the_look(store: DanStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lock file swapped for a FIFO between the look and the open is caught by fstat."""
    store.add_device(SANDBOX, device())
    lock = store.directory / f".{SANDBOX}.lock"
    real_open = os.open
    planted: list[bool] = []

    def racing_open(name: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if name == lock.name and not planted:
            planted.append(True)
            lock.unlink()
            os.mkfifo(lock)
        return real_open(name, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", racing_open)
    with pytest.raises(StoreError, match="it is a FIFO"):
        store.add_device(SANDBOX, device("eth1"))
    monkeypatch.undo()
    assert store.remove(SANDBOX)
    assert entries(store.directory) == []


def test_write_refuses_to_replace_other_entries(store: DanStore) -> None:
    store.directory.mkdir()
    store.path("dir").mkdir()
    with pytest.raises(StoreError, match="it is not a regular file; the store does not replace"):
        store.write("dir", DanConfig(devices=[device()]))
    with pytest.raises(StoreError, match="cannot remove: Is a directory"):
        store.remove("dir")
    assert store.path("dir").is_dir()


# --- ADD and DEL ---------------------------------------------------------------------------


def test_add_is_idempotent(store: DanStore) -> None:
    assert store.add_device(SANDBOX, device())
    before = store.path(SANDBOX).stat()
    assert not store.add_device(SANDBOX, device())
    assert not store.add_devices(SANDBOX, [device(), device()])
    assert not store.add_devices(SANDBOX, [])
    after = store.path(SANDBOX).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert store.read(SANDBOX).devices == (device(),)


def test_add_nothing_creates_no_file(store: DanStore) -> None:
    assert not store.add_devices(SANDBOX, [])
    assert entries(store.directory) == []


def test_add_keeps_order_and_netns(store: DanStore) -> None:
    netns = "/var/run/netns/cni-7f3a"
    store.add_device(SANDBOX, device("eth0"), netns=netns)
    store.add_devices(SANDBOX, [device("net1"), device("net2")], netns=netns)
    config = store.read(SANDBOX)
    assert config.netns == netns
    assert [d.name for d in config.devices] == ["eth0", "net1", "net2"]


def test_different_device_same_name(store: DanStore) -> None:
    store.add_device(SANDBOX, device())
    other = device(tap="tap-other")
    with pytest.raises(ValidationError) as caught:
        store.add_device(SANDBOX, other)
    assert [str(p) for p in caught.value.errors] == [
        "$.devices[0].name: guest name 'eth0' is already used by a different device; "
        "remove that device first, or replace it"
    ]
    assert caught.value.source == str(store.path(SANDBOX))
    assert store.read(SANDBOX).devices == (device(),)
    assert store.add_device(SANDBOX, other, replace=True)
    assert store.read(SANDBOX).devices == (other,)
    assert not store.add_device(SANDBOX, other, replace=True)


def test_all_or_nothing(store: DanStore) -> None:
    store.add_device(SANDBOX, device())
    with pytest.raises(ValidationError):
        store.add_devices(SANDBOX, [device("eth1"), device(tap="tap-other")])
    assert store.read(SANDBOX).devices == (device(),)


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        (device("eth1", tap="tap-eth0"), "$.devices[1].device.tap_name: tap name 'tap-eth0'"),
        (
            DanDevice(
                name="eth1",
                device=Vfio(pci_device_id="0000:85:02.5"),
                network_info=NetworkInfo(interface=Interface(ip_addresses=[])),
            ),
            "$.devices[2].device.pci_device_id: PCI address '0000:85:02.5'",
        ),
    ],
)
def test_other_uniqueness_rules(store: DanStore, new: DanDevice, problem: str) -> None:
    store.add_device(SANDBOX, device())
    store.add_device(
        SANDBOX,
        DanDevice(
            name="vf0",
            device=Vfio(pci_device_id="0000:85:02.5"),
            network_info=NetworkInfo(interface=Interface(ip_addresses=[])),
        ),
    )
    with pytest.raises(ValidationError, match="is already used by devices") as caught:
        store.add_device(SANDBOX, new)
    assert str(caught.value.errors[0]).startswith(problem.replace("[1]", "[2]"))
    assert caught.value.source == str(store.path(SANDBOX))
    assert len(store.read(SANDBOX).devices) == 2


def test_netns_must_match(store: DanStore) -> None:
    store.add_device(SANDBOX, device(), netns="/var/run/netns/a")
    with pytest.raises(ValidationError, match=r"\$\.netns: the file's devices are in netns"):
        store.add_device(SANDBOX, device("eth1"), netns="/var/run/netns/b")
    with pytest.raises(ValidationError, match="netns '/var/run/netns/a', the new ones in None"):
        store.add_device(SANDBOX, device())  # even an equal device: one file, one netns
    with pytest.raises(ValidationError, match=r"\$\.netns: expected a non-empty string"):
        store.add_device("other", device(), netns="")
    assert store.sandboxes() == [SANDBOX]


def test_remove_device(store: DanStore) -> None:
    assert not store.remove_device(SANDBOX, "eth0")  # no directory
    store.add_devices(SANDBOX, [device("eth0"), device("net1")], netns="/var/run/netns/x")
    assert not store.remove_device("other", "eth0")  # no file
    assert not store.remove_device(SANDBOX, "net9")  # no such device
    assert store.remove_device(SANDBOX, "eth0")
    assert store.read(SANDBOX) == DanConfig(netns="/var/run/netns/x", devices=[device("net1")])
    assert store.remove_device(SANDBOX, "net1")  # the last one: the file goes
    assert not store.remove_device(SANDBOX, "net1")
    assert entries(store.directory) == []  # and its lock file


def test_remove(store: DanStore) -> None:
    assert not store.remove(SANDBOX)  # no directory
    store.directory.mkdir()
    assert not store.remove(SANDBOX)  # no file
    store.path(SANDBOX).write_text("not JSON")  # even an invalid file goes
    assert store.remove(SANDBOX)
    assert entries(store.directory) == []


def test_leftovers_of_a_killed_writer_are_swept(store: DanStore) -> None:
    store.add_device(SANDBOX, device())
    directory = store.directory
    stale = [f".{SANDBOX}.tmp.0123456789abcdef", f".{SANDBOX}.tmp.fedcba9876543210"]
    for name in stale:
        (directory / name).write_text('{"devices": [')  # a torn write
    kept = [f".{SANDBOX}.tmp.not-ours", ".other.tmp.0123456789abcdef", "a.json.tmp"]
    for name in kept:
        (directory / name).write_text("")
    assert store.add_device(SANDBOX, device("eth1"))
    assert entries(directory) == sorted([f".{SANDBOX}.lock", f"{SANDBOX}.json", *kept])
    for name in stale:
        (directory / name).write_text("")
    assert store.remove(SANDBOX)
    assert entries(directory) == sorted(kept)


# --- the lock ------------------------------------------------------------------------------


def test_lock_excludes_threads(store: DanStore) -> None:
    """Threads of one process exclude each other too: each opens the lock file anew."""
    count = 8
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def add(index: int) -> None:
        try:
            barrier.wait()
            for round_ in range(3):
                store.add_device(
                    SANDBOX, device(f"t{index}r{round_}", address=f"10.0.{index}.1/24")
                )
        except BaseException as error:  # pragma: no cover - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=add, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    names = {d.name for d in store.read(SANDBOX).devices}
    assert names == {f"t{i}r{r}" for i in range(count) for r in range(3)}


@pytest.fixture
def lock_file(store: DanStore) -> Path:
    store.directory.mkdir()
    return store.directory / f".{SANDBOX}.lock"


@pytest.mark.parametrize("swap", ["removed", "replaced"])
def test_lock_file_swapped_while_waiting(
    store: DanStore, lock_file: Path, monkeypatch: pytest.MonkeyPatch, swap: str
) -> None:
    """A waiter whose lock file was removed (by a DEL) or replaced takes the current one."""
    real = fcntl.flock
    calls: list[int] = []

    def flock(fd: int, operation: int) -> None:
        calls.append(fd)
        if len(calls) == 1:  # another process removes the file while this one waits
            lock_file.unlink()
            if swap == "replaced":
                lock_file.write_text("")
        real(fd, operation)

    monkeypatch.setattr(fcntl, "flock", flock)
    assert store.add_device(SANDBOX, device())
    assert len(calls) == 2
    assert store.read(SANDBOX).devices == (device(),)


def test_lock_failure(store: DanStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fcntl, "flock", _fail_with(errno.ENOLCK, "No locks available"))
    with pytest.raises(StoreError, match=r"\.lock: cannot lock: No locks available"):
        store.add_device(SANDBOX, device())


def test_lock_is_held_during_a_change(store: DanStore, lock_file: Path) -> None:
    store.add_device(SANDBOX, device())
    descriptor = os.open(lock_file, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        done = threading.Event()

        def add() -> None:
            store.add_device(SANDBOX, device("eth1"))
            done.set()

        worker = threading.Thread(target=add)
        worker.start()
        worker.join(0.2)
        assert not done.is_set()  # waits for the lock (never wrongly done: an ordering check)
        assert store.read(SANDBOX).devices == (device(),)  # readers do not wait
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)
    worker.join()
    assert done.is_set()
    assert len(store.read(SANDBOX).devices) == 2


# --- ownership records (CNI GC) ------------------------------------------------------------


def _record(store: DanStore, sandbox_id: str = SANDBOX) -> Path:
    return store.directory / f".{sandbox_id}.attachments"


def test_attachment_is_recorded_beside_the_file(store: DanStore) -> None:
    assert store.add_device(SANDBOX, device("eth0"), attachment=NET_A)
    assert store.add_devices(SANDBOX, [device("net1"), device("net2")], attachment=NET_B)
    assert store.add_device(SANDBOX, device("lo9"))  # no attachment: no record
    assert store.attachments(SANDBOX) == {"eth0": NET_A, "net1": NET_B, "net2": NET_B}
    assert _record(store).read_text() == (
        "{\n"
        '  "version": 1,\n'
        '  "devices": {\n'
        '    "eth0": {\n      "network": "net-a",\n      "ifname": "eth0"\n    },\n'
        '    "net1": {\n      "network": "net-b",\n      "ifname": "net1"\n    },\n'
        '    "net2": {\n      "network": "net-b",\n      "ifname": "net1"\n    }\n'
        "  }\n"
        "}\n"
    )
    assert stat.S_IMODE(_record(store).stat().st_mode) == 0o644
    assert entries(store.directory) == [
        f".{SANDBOX}.attachments",
        f".{SANDBOX}.lock",
        f"{SANDBOX}.json",
    ]
    assert store.sandboxes() == [SANDBOX]
    # The DAN file is what it would be without records: runtimes never see them.
    assert store.read(SANDBOX) == DanConfig(
        devices=[device("eth0"), device("net1"), device("net2"), device("lo9")]
    )


def test_adding_again_is_idempotent_and_claims_unowned_devices(store: DanStore) -> None:
    assert store.add_device(SANDBOX, device(), attachment=NET_A)
    assert not store.add_device(SANDBOX, device(), attachment=NET_A)
    assert not store.add_device(SANDBOX, device())  # no attachment: the record stays
    assert store.attachments(SANDBOX) == {"eth0": NET_A}
    assert store.add_device(SANDBOX, device("eth1"))
    assert store.add_device(SANDBOX, device("eth1"), attachment=NET_B)  # only the record changed
    assert store.attachments(SANDBOX) == {"eth0": NET_A, "eth1": NET_B}


def test_a_device_of_another_attachment_is_refused(store: DanStore) -> None:
    store.add_device(SANDBOX, device(), attachment=NET_A)
    with pytest.raises(ValidationError) as caught:
        store.add_device(SANDBOX, device(), attachment=NET_B)
    assert str(caught.value.errors[0]) == (
        "$.devices[0]: device 'eth0' is already in the file for network 'net-a' (ifname "
        "'eth0'), not for network 'net-b' (ifname 'net1'); remove that attachment first, "
        "or replace it"
    )
    assert store.attachments(SANDBOX) == {"eth0": NET_A}
    assert store.add_device(SANDBOX, device(), attachment=NET_B, replace=True)
    assert store.attachments(SANDBOX) == {"eth0": NET_B}
    assert store.add_device(SANDBOX, device(tap="tap-new"), replace=True)  # an unowned device
    assert store.attachments(SANDBOX) == {}
    assert not _record(store).exists()


def test_remove_attachment(store: DanStore) -> None:
    assert store.remove_attachment(SANDBOX, NET_A) == []  # no directory
    store.add_devices(SANDBOX, [device("eth0"), device("eth2")], attachment=NET_A)
    store.add_device(SANDBOX, device("net1"), attachment=NET_B)
    store.add_device(SANDBOX, device("lo9"))
    assert store.remove_attachment(SANDBOX, NET_A) == ["eth0", "eth2"]
    assert store.remove_attachment(SANDBOX, NET_A) == []  # DEL twice
    assert [d.name for d in store.read(SANDBOX).devices] == ["net1", "lo9"]
    assert store.attachments(SANDBOX) == {"net1": NET_B}
    assert store.remove_attachment(SANDBOX, Attachment("net-b", "eth0")) == []  # other ifname
    assert store.remove_attachment(SANDBOX, NET_B) == ["net1"]
    assert not _record(store).exists()
    assert store.remove_device(SANDBOX, "lo9")
    assert entries(store.directory) == []
    assert store.remove_attachment(SANDBOX, NET_B) == []  # no file


def test_removing_the_last_device_removes_every_file(store: DanStore) -> None:
    store.add_device(SANDBOX, device(), attachment=NET_A)
    assert store.remove_attachment(SANDBOX, NET_A) == ["eth0"]
    assert entries(store.directory) == []
    store.add_device(SANDBOX, device(), attachment=NET_A)
    assert store.remove_device(SANDBOX, "eth0")
    assert entries(store.directory) == []
    store.add_device(SANDBOX, device(), attachment=NET_A)
    assert store.remove(SANDBOX)
    assert entries(store.directory) == []


def test_remove_device_and_write_drop_records(store: DanStore) -> None:
    store.add_devices(SANDBOX, [device("eth0"), device("eth1")], attachment=NET_A)
    assert store.remove_device(SANDBOX, "eth0")
    assert store.attachments(SANDBOX) == {"eth1": NET_A}
    store.write(SANDBOX, DanConfig(devices=[device("eth1"), device("eth2")]))
    assert store.attachments(SANDBOX) == {"eth1": NET_A}
    store.write(SANDBOX, DanConfig(devices=[device("eth2")]))
    assert store.attachments(SANDBOX) == {}
    assert not _record(store).exists()


def test_stale_records_are_ignored_and_pruned(store: DanStore) -> None:
    """A record of a device not in the file (a writer killed between the two files) is ignored."""
    store.add_device(SANDBOX, device("eth0"), attachment=NET_A)
    text = _record(store).read_text().replace('"eth0"', '"gone"', 1)
    _record(store).write_text(text)
    assert store.attachments(SANDBOX) == {}
    assert store.remove_attachment(SANDBOX, NET_A) == []
    assert store.add_device(SANDBOX, device("eth1"), attachment=NET_B)
    assert json.loads(_record(store).read_text())["devices"] == {
        "eth1": {"network": "net-b", "ifname": "net1"}
    }


def test_a_failed_write_keeps_the_old_record(
    store: DanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add_device(SANDBOX, device("eth0"), attachment=NET_A)
    record = _record(store).read_bytes()
    real_rename = os.rename

    def rename(source: str, target: str, **kwargs: Any) -> None:
        if target.endswith(".json"):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_rename(source, target, **kwargs)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(StoreError, match="No space left on device"):
        store.add_device(SANDBOX, device("eth0", tap="tap-x"), attachment=NET_B, replace=True)
    monkeypatch.undo()
    assert _record(store).read_bytes() == record
    assert store.attachments(SANDBOX) == {"eth0": NET_A}
    assert store.read(SANDBOX).devices == (device("eth0"),)


def test_a_rejected_change_writes_no_record(tmp_path: Path) -> None:
    store = DanStore(tmp_path, runtime="go-runtime")
    with pytest.raises(ProfileRejectedError):
        store.add_device(SANDBOX, device(), attachment=NET_A)
    assert entries(tmp_path) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not JSON", "$: not an ownership record (not JSON"),
        ("[]", '$: expected {"version": 1, "devices": {...}}'),
        ('{"version": 2, "devices": {}}', "$.version: expected 1, found 2"),
        ('{"version": 1, "devices": []}', "$.devices: expected an object"),
        ('{"version": 1, "devices": {"eth0": {"network": "n"}}}', '$.devices["eth0"]: expected'),
        (
            '{"version": 1, "devices": {"eth0": {"network": " ", "ifname": "eth0"}}}',
            "$.devices[\"eth0\"]: ' ' is not a CNI network name",
        ),
        (
            '{"version": 1, "devices": {"eth0": {"network": "n", "ifname": "a/b"}}}',
            "$.devices[\"eth0\"]: interface name 'a/b' contains '/'",
        ),
    ],
)
def test_an_invalid_record_is_reported_and_remove_clears_it(
    store: DanStore, text: str, problem: str
) -> None:
    store.add_device(SANDBOX, device(), attachment=NET_A)
    _record(store).write_text(text)
    with pytest.raises(ValidationError) as caught:
        store.attachments(SANDBOX)
    assert caught.value.source == str(_record(store))
    assert str(caught.value.errors[0]).startswith(problem)
    with pytest.raises(ValidationError):
        store.add_device(SANDBOX, device("eth1"))
    assert store.remove(SANDBOX)
    assert entries(store.directory) == []


@pytest.mark.parametrize("kind", ["symlink", "dangling symlink", "directory", "FIFO"])
def test_planted_ownership_record(tmp_path: Path, kind: str) -> None:
    """A record that is not a regular file: refused like a planted lock, cleared by remove."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("untouched")
    store = DanStore(tmp_path / "dans")
    store.add_device(SANDBOX, device(), attachment=NET_A)
    before = store.path(SANDBOX).read_bytes()
    _record(store).unlink()
    _plant(kind, _record(store), outside)
    attempts: list[Callable[[], object]] = [
        lambda: store.add_device(SANDBOX, device("eth1")),
        lambda: store.write(SANDBOX, DanConfig(devices=[device("eth9")])),
        lambda: store.remove_device(SANDBOX, "eth0"),
        lambda: store.attachments(SANDBOX),
    ]
    for attempt in attempts:
        with pytest.raises(StoreError) as caught:
            attempt()
        assert str(caught.value).startswith(
            f"{_record(store)}: cannot read the ownership record: it is {PLANTED[kind]}"
        )
        assert f"'danmodel store remove {SANDBOX}'" in str(caught.value)
    assert store.path(SANDBOX).read_bytes() == before
    assert store.remove(SANDBOX)
    assert entries(store.directory) == []
    assert entries(outside) == ["precious"]
    assert (outside / "precious").read_text() == "untouched"


@pytest.mark.parametrize(
    ("network", "ifname", "path"),
    [
        ("", "eth0", "Attachment.network"),
        ("-net", "eth0", "Attachment.network"),
        ("a net", "eth0", "Attachment.network"),
        (42, "eth0", "Attachment.network"),
        ("net", "", "Attachment.ifname"),
        ("net", "x" * 16, "Attachment.ifname"),
        ("net", "a:b", "Attachment.ifname"),
    ],
)
def test_invalid_attachment(network: object, ifname: object, path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Attachment(network, ifname)  # type: ignore[arg-type]
    assert caught.value.errors[0].path == path


def test_collect_garbage(tmp_path: Path) -> None:
    store = DanStore(tmp_path)
    other = Attachment("net-b", "eth0")
    for sandbox_id in ("pod-a", "pod-b", "pod-c"):
        store.add_device(sandbox_id, device("eth0", tap=f"{sandbox_id}-0"), attachment=NET_A)
        store.add_device(sandbox_id, device("net1", tap=f"{sandbox_id}-1"), attachment=NET_B)
        store.add_device(sandbox_id, device("lo9", tap=f"{sandbox_id}-9"))
    store.add_device("pod-d", device("eth0", tap="pod-d-0"), attachment=other)
    removed = store.collect_garbage("net-a", [("pod-b", "eth0"), ("pod-c", "net1")])
    assert removed == [("pod-a", "eth0"), ("pod-c", "eth0")]
    assert [d.name for d in store.read("pod-a").devices] == ["net1", "lo9"]
    assert [d.name for d in store.read("pod-b").devices] == ["eth0", "net1", "lo9"]
    assert store.collect_garbage("net-a", [["pod-b", "eth0"]]) == []  # type: ignore[list-item]  # lists, as JSON gives them
    assert store.collect_garbage("net-b", [("pod-d", "eth0")]) == [
        ("pod-a", "net1"),
        ("pod-b", "net1"),
        ("pod-c", "net1"),
    ]
    assert store.read("pod-d").devices == (device("eth0", tap="pod-d-0"),)
    assert store.collect_garbage("net-b", []) == [("pod-d", "eth0")]
    assert store.sandboxes() == ["pod-a", "pod-b", "pod-c"]  # pod-d went with its last device
    assert [store.attachments(s) for s in store.sandboxes()] == [{}, {"eth0": NET_A}, {}]
    assert DanStore(tmp_path / "missing").collect_garbage("net-a", []) == []


def test_collect_garbage_removes_orphan_records(tmp_path: Path) -> None:
    """A record left without its DAN file (a process killed between the two) goes at GC."""
    store = DanStore(tmp_path)
    store.add_device("pod-a", device(), attachment=NET_A)
    store.add_device("pod-b", device(), attachment=NET_B)
    store.path("pod-a").unlink()  # the DAN file went; the process died before the record
    (tmp_path / ".pod-a.lock").unlink()
    (tmp_path / ".Bad id.attachments").write_text("{}")  # not of the store's grammar: kept
    assert store.collect_garbage("net-c", []) == []
    assert entries(tmp_path) == [
        ".Bad id.attachments",
        ".pod-b.attachments",
        ".pod-b.lock",
        "pod-b.json",
    ]


def test_collect_garbage_goes_on_past_a_broken_sandbox(tmp_path: Path) -> None:
    store = DanStore(tmp_path)
    store.add_device("pod-a", device("eth0", tap="a0"), attachment=NET_A)
    store.add_device("pod-b", device("eth0", tap="b0"), attachment=NET_A)
    store.path("pod-a").write_text("{")
    with pytest.raises(ValidationError, match=r"pod-a\.json") as caught:
        store.collect_garbage("net-a", [])
    if sys.version_info >= (3, 11):
        assert caught.value.__notes__ == [
            "collect_garbage: 1 sandbox(es) failed; 1 device(s) were removed from the "
            "others: [('pod-b', 'eth0')]"
        ]
    assert store.sandboxes() == ["pod-a"]


@pytest.mark.parametrize(
    ("network", "valid", "path"),
    [
        ("a net", [], "network"),
        ("net", [("pod", "eth0"), {"pod", "eth1"}], "valid[1]"),
        ("net", [("pod",)], "valid[0]"),
        ("net", [("pod", 1)], "valid[0]"),
    ],
)
def test_collect_garbage_refuses_bad_arguments(
    store: DanStore, network: str, valid: Any, path: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        store.collect_garbage(network, valid)
    assert caught.value.errors[0].path == path


def test_many_devices_in_one_add(store: DanStore) -> None:
    """Adding thousands of devices at once (linear: a dict of names, not a scan per device)."""
    many = [
        device(f"d{index}", address=f"10.{index // 250}.{index % 250}.1/16")
        for index in range(3000)
    ]
    assert store.add_devices(SANDBOX, many, attachment=NET_A)
    assert not store.add_devices(SANDBOX, many, attachment=NET_A)
    assert store.read(SANDBOX).devices == tuple(many)
    assert len(store.attachments(SANDBOX)) == 3000
    with pytest.raises(ValidationError) as caught:
        store.add_devices(SANDBOX, [device("d2999", tap="other")])
    assert caught.value.errors[0].path == "$.devices[2999].name"


# --- properties ----------------------------------------------------------------------------


@settings(max_examples=40)
@given(strategies.dan_configs(), st.randoms(use_true_random=False))
def test_adding_each_device_builds_the_config(config: DanConfig, random: object) -> None:
    with tempfile.TemporaryDirectory() as directory:
        store = DanStore(directory)
        for new in config.devices:
            assert store.add_device(SANDBOX, new, netns=config.netns)
            assert not store.add_device(SANDBOX, new, netns=config.netns)
        if config.devices:
            assert store.read(SANDBOX) == config
        names = [d.name for d in config.devices]
        random.shuffle(names)  # type: ignore[attr-defined]
        for name in names:
            assert store.remove_device(SANDBOX, name)
        assert os.listdir(directory) == []


_POOL = ["d0", "d1", "d2"]
_OWNERS = [NET_A, NET_B, Attachment("net-a", "net1"), None]
_OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.sampled_from(_POOL), st.sampled_from(_OWNERS)),
        st.tuples(st.just("replace"), st.sampled_from(_POOL), st.sampled_from(_OWNERS)),
        st.tuples(st.just("remove_device"), st.sampled_from(_POOL), st.none()),
        st.tuples(st.just("remove_attachment"), st.none(), st.sampled_from(_OWNERS[:3])),
        st.tuples(st.just("gc"), st.sampled_from(["net-a", "net-b"]), st.sampled_from(_OWNERS)),
    ),
    max_size=12,
)


@settings(max_examples=40)
@given(_OPERATIONS)
def test_ownership_records_follow_a_simple_model(operations: list[tuple[Any, Any, Any]]) -> None:
    """Any sequence of ADD, replace, DEL and GC leaves the file and its record as a dict would."""
    model: dict[str, Attachment | None] = {}  # guest name -> owner, in file order
    with tempfile.TemporaryDirectory() as directory:
        store = DanStore(directory)
        for operation, name, owner in operations:
            if operation == "add":
                current = model.get(name)
                if name in model and None not in (owner, current) and owner != current:
                    with pytest.raises(ValidationError, match="already in the file for"):
                        store.add_device(SANDBOX, device(name), attachment=owner)
                    continue
                store.add_device(SANDBOX, device(name), attachment=owner)
                if name not in model or owner is not None:
                    model[name] = owner
            elif operation == "replace":
                store.add_device(SANDBOX, device(name), attachment=owner, replace=True)
                model[name] = owner
            elif operation == "remove_device":
                assert store.remove_device(SANDBOX, name) == (name in model)
                model.pop(name, None)
            elif operation == "remove_attachment":
                gone = [n for n, o in model.items() if o == owner]
                assert store.remove_attachment(SANDBOX, owner) == gone
                model = {n: o for n, o in model.items() if n not in gone}
            else:  # gc of network ``name``, the attachment ``owner`` (if any) valid
                valid = [] if owner is None else [(SANDBOX, owner.ifname)]
                gone = [
                    n
                    for n, o in model.items()
                    if o is not None and o.network == name and (SANDBOX, o.ifname) not in valid
                ]
                assert store.collect_garbage(name, valid) == [(SANDBOX, n) for n in gone]
                model = {n: o for n, o in model.items() if n not in gone}
            if model:
                assert [d.name for d in store.read(SANDBOX).devices] == list(model)
                owned = {n: o for n, o in model.items() if o is not None}
                assert store.attachments(SANDBOX) == owned
                record = Path(directory, f".{SANDBOX}.attachments")
                assert record.exists() == bool(owned)
            else:
                assert os.listdir(directory) == []


# --- the command line ----------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dans = str(tmp_path / "dans")
    device_file = tmp_path / "eth0.json"
    device_file.write_text(_device_json(device()))
    path = tmp_path / "dans" / f"{SANDBOX}.json"
    assert _run(capsys, "store", "add", "--dir", dans, SANDBOX, str(device_file)) == (
        0,
        f"{path}: added 1 device from {device_file}\n",
        "",
    )
    assert _run(capsys, "store", "add", "--dir", dans, SANDBOX, str(device_file)) == (
        0,
        f"{path}: unchanged, the devices of {device_file} are already there\n",
        "",
    )
    config_file = tmp_path / "config.json"
    config_file.write_text(dumps(DanConfig(devices=[device("net1"), device("net2")])))
    assert _run(capsys, "store", "add", "--dir", dans, SANDBOX, str(config_file))[:2] == (
        0,
        f"{path}: added 2 devices from {config_file}\n",
    )
    status, out, _ = _run(capsys, "store", "show", "--dir", dans, SANDBOX)
    assert (status, out) == (0, path.read_text())
    assert _run(capsys, "store", "list", "--dir", dans) == (0, f"{SANDBOX}\n", "")
    assert _run(capsys, "store", "remove", "--dir", dans, SANDBOX, "--device", "net1")[:2] == (
        0,
        f"{path}: removed device 'net1'\n",
    )
    assert _run(capsys, "store", "remove", "--dir", dans, SANDBOX, "--device", "net1")[:2] == (
        0,
        f"{path}: no device 'net1', nothing to remove\n",
    )
    assert _run(capsys, "store", "remove", "--dir", dans, SANDBOX) == (0, f"{path}: removed\n", "")
    assert _run(capsys, "store", "remove", "--dir", dans, SANDBOX) == (
        0,
        f"{path}: no such file, nothing to remove\n",
        "",
    )
    assert _run(capsys, "store", "list", "--dir", dans) == (0, "", "")


def _device_json(new: DanDevice) -> str:
    """One device object, as a CNI plugin would hand it to ``danmodel store add``."""
    return json.dumps(to_dict(new))


def test_cli_add_from_stdin_with_netns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dans = str(tmp_path)
    stdin = io.TextIOWrapper(io.BytesIO(_device_json(device()).encode()))
    monkeypatch.setattr("sys.stdin", stdin)
    status, out, _ = _run(capsys, "store", "add", "--dir", dans, "--netns", "/n/1", "s", "-")
    assert (status, out) == (0, f"{tmp_path / 's.json'}: added 1 device from <stdin>\n")
    assert DanStore(dans).read("s").netns == "/n/1"


@pytest.mark.parametrize("kind", ["dangling symlink", "directory", "FIFO"])
def test_cli_planted_lock_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """The wedge of issue 17: 'store add' says what is there (exit 2); 'store remove' clears it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious").write_text("untouched")
    dans = tmp_path / "dans"
    dans.mkdir()
    lock = dans / f".{SANDBOX}.lock"
    _plant(kind, lock, outside)
    good = tmp_path / "eth0.json"
    good.write_text(_device_json(device()))
    status, out, err = _run(capsys, "store", "add", "--dir", str(dans), SANDBOX, str(good))
    assert (status, out) == (2, "")
    assert err.startswith(f"{lock}: cannot open the lock file: it is {PLANTED[kind]}")
    assert f"'danmodel store remove {SANDBOX}'" in err
    status, out, err = _run(capsys, "store", "remove", "--dir", str(dans), SANDBOX)
    assert (status, err) == (0, "")
    assert entries(dans) == []
    assert entries(outside) == ["precious"]
    assert _run(capsys, "store", "add", "--dir", str(dans), SANDBOX, str(good))[0] == 0


def test_cli_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dans = str(tmp_path / "dans")
    good = tmp_path / "eth0.json"
    good.write_text(_device_json(device()))
    other = tmp_path / "other.json"
    other.write_text(_device_json(device(tap="tap-other")))
    config = tmp_path / "config.json"
    config.write_text(dumps(DanConfig(netns="/n/1", devices=[device("net1")])))
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "eth0", "name": "eth1"}')
    path = tmp_path / "dans" / "s.json"
    assert _run(capsys, "store", "add", "--dir", dans, "s", str(good))[0] == 0

    status, out, err = _run(capsys, "store", "add", "--dir", dans, "s", str(other))
    assert (status, err) == (1, "")
    assert out == (
        f"{path}: $.devices[0].name: guest name 'eth0' is already used by a different device; "
        "remove that device first, or replace it\n"
    )
    assert _run(capsys, "store", "add", "--dir", dans, "--replace", "s", str(other))[0] == 0

    status, out, err = _run(capsys, "store", "add", "--dir", dans, "s", str(bad))
    assert status == 1
    assert f'{bad}: $.name: key "name" appears 2 times in one object' in out

    status, out, err = _run(
        capsys, "store", "add", "--dir", dans, "--netns", "/n/2", "s", str(config)
    )
    assert (status, out) == (2, "")
    assert err == f"{config}: --netns is for a device file; a config names its netns\n"

    status, out, err = _run(capsys, "store", "add", "--dir", dans, "s", str(tmp_path / "none"))
    assert (status, out, err) == (
        2,
        "",
        f"{tmp_path / 'none'}: cannot read: No such file or directory\n",
    )

    status, out, err = _run(capsys, "store", "add", "--dir", dans, "../s", str(good))
    assert (status, out) == (2, "")
    assert err == (
        "danmodel store: invalid sandbox id '../s': it contains '/', which would leave the "
        "directory\n"
    )

    status, out, err = _run(capsys, "store", "show", "--dir", dans, "missing")
    assert (status, out) == (2, "")
    assert (
        err == f"{tmp_path / 'dans' / 'missing.json'}: cannot read: the sandbox has no DAN file\n"
    )

    path.write_text("[]")
    status, out, err = _run(capsys, "store", "show", "--dir", dans, "s")
    assert status == 1
    assert out.startswith(f"{path}: $: expected an object")

    assert _run(capsys, "store")[0] == 2
    assert _run(capsys, "store", "frob")[0] == 2
    assert _run(capsys, "store", "add", "--dir", dans, "s")[0] == 2


# --- a store bound to a runtime --------------------------------------------------------------


def test_runtime_store_spells_neighbors_for_its_runtime(tmp_path: Path) -> None:
    neighbor = DanDevice(
        name="eth0",
        guest_mac=MacAddress.parse("0a:58:0a:0a:00:05"),
        device=HostTap(tap_name="tap-eth0"),
        network_info=NetworkInfo(
            interface=Interface(ip_addresses=[IPv4Interface("10.10.0.5/24")]),
            neighbors=[
                Neighbor(
                    ip_address=IPv4Address("10.10.0.1"),
                    hardware_addr=MacAddress.parse("0a:58:0a:0a:00:01"),
                    state=NudState.PERMANENT,
                )
            ],
        ),
    )
    store = DanStore(tmp_path, runtime="runtime-rs")
    assert store.add_device(SANDBOX, neighbor)
    written = json.loads(store.path(SANDBOX).read_text())
    # runtime-rs parses neighbor addresses as ip/prefix only.
    assert written["devices"][0]["network_info"]["neighbors"][0]["ip_address"] == "10.10.0.1/32"


def test_runtime_store_refuses_what_the_runtime_rejects(tmp_path: Path) -> None:
    store = DanStore(tmp_path, runtime="go-runtime")
    with pytest.raises(ProfileRejectedError) as caught:
        store.add_device(SANDBOX, device())  # a host-tap device: the Go runtime attaches vfio only
    assert [finding.rule for finding in caught.value.findings] == ["go-device-type"]
    assert not store.path(SANDBOX).exists()
    assert store.sandboxes() == []


def test_runtime_store_bad_runtime(tmp_path: Path) -> None:
    with pytest.raises(ProfileError):
        DanStore(tmp_path, runtime="kata")


def test_cli_add_for_a_runtime(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "device.json"
    source.write_text(json.dumps(to_dict(device())))
    directory = str(tmp_path / "dans")
    command = ["store", "add", "--dir", directory, "--runtime", "go-runtime", SANDBOX]
    assert main([*command, str(source)]) == 1
    assert "[go-device-type]" in capsys.readouterr().out
    assert not (tmp_path / "dans" / f"{SANDBOX}.json").exists()
    command[command.index("go-runtime")] = "runtime-rs"
    assert main([*command, str(source)]) == 0
    assert (tmp_path / "dans" / f"{SANDBOX}.json").exists()
