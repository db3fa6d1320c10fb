"""A directory of DAN files, one per sandbox: ``{directory}/{sandbox_id}.json``.

:class:`DanStore` is what a CNI plugin needs on ADD, DEL and GC: it adds or
removes one sandbox's devices under an exclusive per-sandbox lock, replaces
the file atomically (a runtime reading it sees the old file or the new one,
never a part), checks sandbox ids (the CNI container-id grammar by default),
never follows a symbolic link at a file it reads or writes, and records which
network attachment added each device, for CNI GC.

Besides ``{sandbox_id}.json``, the store keeps in the directory a lock file
``.{sandbox_id}.lock`` while the sandbox has a file (or an operation on it
runs), the ownership record ``.{sandbox_id}.attachments`` while one of its
devices was added for an :class:`Attachment` and, during a write, a temporary
file ``.{sandbox_id}.tmp.{16 hex digits}``; none of them ends in ``.json``. A
temporary file left by a killed writer is removed by the next change to that
sandbox.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Literal, cast

import attrs

from . import _files
from ._collector import collector_paused
from ._fields import IFNAME
from .check.profiles import Profile, profile
from .codec import MAX_DOCUMENT_BYTES, dumps, loads
from .errors import DanError, Problem, ValidationError
from .v2 import DanConfig, DanDevice

__all__ = [
    "DEFAULT_DIRECTORY",
    "DEFAULT_MODE",
    "ID_GRAMMARS",
    "MAX_SANDBOX_ID_BYTES",
    "Attachment",
    "DanStore",
    "IdGrammar",
    "InvalidSandboxId",
    "SandboxNotFound",
    "StoreError",
    "check_sandbox_id",
]

DEFAULT_DIRECTORY = "/run/kata-containers/dans"
"""Where both Kata runtimes look for DAN files by default (``[runtime] dan_conf``)."""

DEFAULT_MODE = 0o644
"""Permissions of the files the store writes: readable by all, writable by the owner."""

MAX_SANDBOX_ID_BYTES = 200
"""Longest sandbox id, in bytes of UTF-8 (container managers use 64 hex digits).

The store's longest file name, the temporary one, adds 22 bytes to the id and
must fit the 255 bytes a Linux file name may have.
"""

IdGrammar = Literal["cni", "file-name"]
"""Which sandbox ids a store accepts: see :func:`check_sandbox_id`."""

ID_GRAMMARS: tuple[IdGrammar, ...] = ("cni", "file-name")
"""The values of :data:`IdGrammar`, the default first."""

_SUFFIX = ".json"
_LOCK = ".{}.lock"
_TEMPORARY = ".{}.tmp."
_RECORD = ".{}.attachments"
_RECORD_VERSION = 1
_CNI_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
"""The CNI specification's grammar of container ids and network names (ASCII only)."""
_CLEAR_ATTEMPTS = 8
"""How often :meth:`DanStore.remove` clears a planted lock file before giving up."""


class InvalidSandboxId(DanError, ValueError):
    """A sandbox id that cannot name a file of the store; :attr:`reason` says why."""

    sandbox_id: object
    reason: str

    def __init__(self, sandbox_id: object, reason: str) -> None:
        self.sandbox_id = sandbox_id
        self.reason = reason
        shown = repr(sandbox_id)
        if len(shown) > 72:
            shown = f"{shown[:64]}... ({len(shown)} characters)"
        super().__init__(f"invalid sandbox id {shown}: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.sandbox_id, self.reason))


class StoreError(DanError, OSError):
    """A file of the store could not be read, written or removed.

    :attr:`filename` is the path, :attr:`errno` the OS error number and
    :attr:`strerror` what went wrong, including whether the old file is intact.
    """

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


class SandboxNotFound(StoreError, FileNotFoundError):
    """The sandbox has no DAN file in the store."""


def check_sandbox_id(sandbox_id: str, *, grammar: IdGrammar = "cni") -> str:
    """Return ``sandbox_id`` if it can name a file of the store; raise :class:`InvalidSandboxId`.

    Refused whatever the grammar: anything but a non-empty string; ``.`` and
    ``..``; a ``/``, NUL or any other control character; text that is not
    valid Unicode (a lone surrogate); more than :data:`MAX_SANDBOX_ID_BYTES`
    bytes of UTF-8; a leading ``.`` (the names of the store's own files, its
    locks, ownership records and temporary files, begin with a dot).

    ``grammar="cni"`` (the default) also requires the CNI specification's
    container id: an ASCII letter or digit, then ASCII letters, digits, ``_``,
    ``.`` and ``-``. ``grammar="file-name"`` accepts any other id, spaces and
    non-ASCII letters included.
    """
    if grammar not in ID_GRAMMARS:
        raise ValueError(f"grammar must be one of {', '.join(ID_GRAMMARS)}; found {grammar!r}")
    if not isinstance(sandbox_id, str):
        raise InvalidSandboxId(sandbox_id, f"expected a string, found {type(sandbox_id).__name__}")
    if not sandbox_id:
        raise InvalidSandboxId(sandbox_id, "it is empty")
    if sandbox_id in (".", ".."):
        raise InvalidSandboxId(sandbox_id, "'.' and '..' name directories, not sandboxes")
    if "/" in sandbox_id:
        raise InvalidSandboxId(sandbox_id, "it contains '/', which would leave the directory")
    if "\0" in sandbox_id:
        raise InvalidSandboxId(sandbox_id, "it contains a NUL character")
    size = len(sandbox_id.encode("utf-8", "surrogatepass"))  # before any per-character work
    if size > MAX_SANDBOX_ID_BYTES:
        raise InvalidSandboxId(
            sandbox_id, f"it is {size} bytes long; the longest is {MAX_SANDBOX_ID_BYTES}"
        )
    for character in sandbox_id:
        if unicodedata.category(character) == "Cc":
            raise InvalidSandboxId(
                sandbox_id, f"it contains the control character U+{ord(character):04X}"
            )
    try:
        sandbox_id.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidSandboxId(sandbox_id, "it is not valid Unicode (a lone surrogate)") from None
    if sandbox_id.startswith("."):
        raise InvalidSandboxId(
            sandbox_id, "it starts with '.', which begins the names of the store's own files"
        )
    if grammar == "cni":
        _check_cni_grammar(sandbox_id)
    return sandbox_id


def _check_cni_grammar(sandbox_id: str) -> None:
    if _CNI_NAME.fullmatch(sandbox_id):
        return
    relax = "; DanStore(..., id_grammar='file-name') accepts other ids"
    first = sandbox_id[0]
    if not _CNI_NAME.fullmatch(first):
        raise InvalidSandboxId(
            sandbox_id,
            f"it starts with {first!r}, and a CNI container id starts with an ASCII letter "
            f"or digit{relax}",
        )
    other = next(c for c in sandbox_id if not _CNI_NAME.fullmatch(f"a{c}"))
    raise InvalidSandboxId(
        sandbox_id,
        f"it contains {other!r}, and a CNI container id holds only ASCII letters, digits, "
        f"'_', '.' and '-'{relax}",
    )


def _is_sandbox_id(name: str, grammar: IdGrammar) -> bool:
    try:
        check_sandbox_id(name, grammar=grammar)
    except InvalidSandboxId:
        return False
    return True


def _check_mode(instance: object, attribute: object, mode: int) -> None:
    if type(mode) is not int or not 0 <= mode <= 0o777:
        raise ValueError(f"mode must be permission bits from 0o000 to 0o777, found {mode!r}")


def _check_grammar(instance: object, attribute: object, grammar: str) -> None:
    if grammar not in ID_GRAMMARS:
        raise ValueError(f"id_grammar must be one of {', '.join(ID_GRAMMARS)}; found {grammar!r}")


def _check_network(instance: object, attribute: object, network: str) -> None:
    message = _network_problem(network)
    if message is not None:
        path = f"{type(instance).__name__}.{cast('attrs.Attribute[str]', attribute).name}"
        raise ValidationError([Problem(path=path, message=message)])


def _network_problem(network: object) -> str | None:
    if type(network) is not str:
        return f"expected a CNI network name, found {type(network).__name__}"
    if _CNI_NAME.fullmatch(network):
        return None
    shown = repr(network) if len(network) <= 64 else f"{network[:48]!r}... ({len(network)} chars)"
    return (
        f"{shown} is not a CNI network name: an ASCII letter or digit, then ASCII "
        "letters, digits, '_', '.' and '-'"
    )


@attrs.frozen
class Attachment:
    """A CNI network attachment: the network's ``name`` and the ``CNI_IFNAME`` of the ADD.

    The container id, the attachment's third part, is the sandbox id. The
    store records the attachment that added each device (see
    :meth:`DanStore.attachments`) so that CNI GC can remove the devices of one
    network whose attachments are gone. Invalid values raise
    :class:`~danmodel.errors.ValidationError`.
    """

    network: str = attrs.field(validator=_check_network)
    """The network configuration's ``name``."""
    ifname: str = attrs.field(validator=IFNAME)
    """``CNI_IFNAME``, a Linux interface name."""

    def __str__(self) -> str:
        return f"network {self.network!r} (ifname {self.ifname!r})"


def _error(path: Path, doing: str, error: OSError, consequence: str = "") -> StoreError:
    """A :class:`StoreError` for ``error``, which happened while ``doing`` something to ``path``."""
    if error.errno == errno.ELOOP:
        why = "it is a symbolic link, which the store does not follow"
    elif error.errno == errno.EINVAL and doing == "read":
        why = "it is not a regular file"
    else:
        why = error.strerror or str(error)
    return StoreError(error.errno, f"cannot {doing}: {why}{consequence}", os.fspath(path))


@attrs.frozen
class DanStore:
    """The DAN files of a directory, ``{directory}/{sandbox_id}.json``, one per sandbox.

    ``directory`` defaults to the runtimes' default; it is created (mode 0755)
    on the first write and must not be a symbolic link. Files are written with
    ``mode`` (0644 by default) whatever the umask. With ``runtime``
    (``"runtime-rs"``, ``"go-runtime@3.10"``, a :class:`~danmodel.check.Profile`)
    files are written as :func:`danmodel.dumps` writes them for that runtime,
    and a change that runtime would reject raises
    :class:`~danmodel.check.ProfileRejectedError`, leaving the file as it was.
    ``id_grammar`` says which sandbox ids are accepted (see
    :func:`check_sandbox_id`): ``"cni"``, CNI container ids, by default, or
    ``"file-name"``.
    """

    directory: Path = attrs.field(default=Path(DEFAULT_DIRECTORY), converter=Path)
    mode: int = attrs.field(default=DEFAULT_MODE, kw_only=True, validator=_check_mode)
    runtime: Profile | None = attrs.field(
        default=None, kw_only=True, converter=attrs.converters.optional(profile)
    )
    id_grammar: IdGrammar = attrs.field(default="cni", kw_only=True, validator=_check_grammar)

    def path(self, sandbox_id: str) -> Path:
        """The path of the sandbox's file; raises :class:`InvalidSandboxId`."""
        checked = check_sandbox_id(sandbox_id, grammar=self.id_grammar)
        return self.directory / f"{checked}{_SUFFIX}"

    # --- reading ---------------------------------------------------------------------------

    def sandboxes(self) -> list[str]:
        """The ids of the sandboxes that have a file, sorted; none if the directory is missing.

        Only ids of the store's grammar are listed.
        """
        with self._directory(create=False) as dir_fd:
            if dir_fd is None:
                return []
            try:
                with os.scandir(dir_fd) as entries:
                    names = [
                        entry.name[: -len(_SUFFIX)]
                        for entry in entries
                        if entry.name.endswith(_SUFFIX) and entry.is_file(follow_symlinks=False)
                    ]
            except OSError as error:
                raise _error(self.directory, "list", error) from error
        return sorted(name for name in names if _is_sandbox_id(name, self.id_grammar))

    def read(self, sandbox_id: str) -> DanConfig:
        """The sandbox's config.

        Raises :class:`SandboxNotFound` when it has no file,
        :class:`~danmodel.errors.ValidationError` when the file is not a valid
        config (or is larger than :data:`~danmodel.MAX_DOCUMENT_BYTES`), and
        :class:`StoreError` when it cannot be read (a symbolic link or
        anything but a regular file is refused).
        """
        path = self.path(sandbox_id)
        with self._directory(create=False) as dir_fd:
            config = None if dir_fd is None else self._load(dir_fd, path)
        if config is None:
            raise SandboxNotFound(
                errno.ENOENT, "cannot read: the sandbox has no DAN file", str(path)
            )
        return config

    def attachments(self, sandbox_id: str) -> dict[str, Attachment]:
        """Which attachment added each device of the sandbox: guest name -> :class:`Attachment`.

        Devices added without an attachment are not in it; a sandbox without a
        file has none. Read under the sandbox's lock, so it agrees with the
        DAN file. Raises like :meth:`read` (the record too must be a valid,
        regular file).
        """
        path = self.path(sandbox_id)
        with self._directory(create=False) as dir_fd:
            if dir_fd is None:
                return {}
            with self._locked(dir_fd, path):
                current = self._load(dir_fd, path)
                if current is None:
                    return {}
                records, _ = self._load_records(dir_fd, path, current.devices)
        return records

    # --- changing --------------------------------------------------------------------------

    def write(self, sandbox_id: str, config: DanConfig) -> None:
        """Replace the sandbox's file with ``config``, atomically, under the sandbox's lock.

        The ownership records of devices no longer in the file, or replaced by
        different ones under their names, are dropped.
        Raises :class:`StoreError` when it cannot be written; the old file is
        then intact.
        """
        path = self.path(sandbox_id)
        data = self._encode(config, path)
        with self._changing() as dir_fd, self._locked(dir_fd, path):
            self._check_replaceable(dir_fd, path)
            records, on_disk = self._load_records(dir_fd, path, config.devices)
            if records:  # a device replaced by another under its name loses its record
                current = self._load(dir_fd, path)
                old = {} if current is None else {d.name: d for d in current.devices}
                new = {d.name: d for d in config.devices}
                records = {n: a for n, a in records.items() if old.get(n) == new[n]}
            # Records only go: dropping them first never shows a device owned wrongly.
            self._save_records(dir_fd, path, records, on_disk)
            self._save(dir_fd, path, data)

    def add_device(
        self,
        sandbox_id: str,
        device: DanDevice,
        *,
        netns: str | None = None,
        replace: bool = False,
        attachment: Attachment | None = None,
    ) -> bool:
        """Add ``device`` to the sandbox's file, creating it; True if the file changed.

        See :meth:`add_devices`.
        """
        return self.add_devices(
            sandbox_id, [device], netns=netns, replace=replace, attachment=attachment
        )

    def add_devices(
        self,
        sandbox_id: str,
        devices: Iterable[DanDevice],
        *,
        netns: str | None = None,
        replace: bool = False,
        attachment: Attachment | None = None,
    ) -> bool:
        """Add ``devices`` to the sandbox's file, all or none; True if a file changed.

        The file is read, changed and replaced under the sandbox's lock, so
        concurrent additions are all kept. A device equal to one in the file
        is already there: adding it again changes nothing. A different device
        under a guest name in the file is refused, or takes its place with
        ``replace=True``. A new file gets ``netns``; an existing one must have
        the same. Refusals raise :class:`~danmodel.errors.ValidationError`
        with paths into the file, like the model's other rules (no tap name,
        socket path or PCI address used twice).

        With ``attachment``, the ownership record notes it as the attachment
        that added each of the devices; a device already in the file for
        another attachment is refused unless ``replace=True``. Without it, a
        replaced device loses its record. Time is linear in the number of
        devices.
        """
        added = tuple(devices)
        path = self.path(sandbox_id)
        with self._changing() as dir_fd, self._locked(dir_fd, path):
            current = self._load(dir_fd, path)
            if current is not None and current.netns != netns:
                message = (
                    f"the file's devices are in netns {current.netns!r}, the new ones in "
                    f"{netns!r}; the devices of one sandbox share one netns"
                )
                raise ValidationError([Problem(path="$.netns", message=message)], source=str(path))
            before = () if current is None else current.devices
            records, on_disk = self._load_records(dir_fd, path, before)
            # ``early`` is written before the DAN file, ``records`` after it: a device replaced
            # by another one loses its record first, so that no moment, even one a killed
            # writer leaves behind, shows the old device owned by the new attachment.
            early = dict(records)
            result = list(before)
            index = {old.name: position for position, old in enumerate(result)}
            problems = []
            for device in added:
                position = index.get(device.name)
                owner = records.get(device.name)
                if position is None:
                    index[device.name] = len(result)
                    result.append(device)
                elif replace:
                    result[position] = device
                elif result[position] != device:
                    message = (
                        f"guest name {device.name!r} is already used by a different device; "
                        "remove that device first, or replace it"
                    )
                    problems.append(Problem(path=f"$.devices[{position}].name", message=message))
                    continue
                elif attachment is not None and owner is not None and owner != attachment:
                    message = (
                        f"device {device.name!r} is already in the file for {owner}, not for "
                        f"{attachment}; remove that attachment first, or replace it"
                    )
                    problems.append(Problem(path=f"$.devices[{position}]", message=message))
                    continue
                elif attachment is None:
                    continue  # already there: its record, if any, stays
                _set_owner(records, device.name, attachment)
                old = before[index[device.name]] if index[device.name] < len(before) else None
                if old is None or old == device:
                    _set_owner(early, device.name, attachment)
                else:
                    early.pop(device.name, None)
            if problems:
                raise ValidationError(problems, source=str(path))
            devices_changed = tuple(result) != before
            if not devices_changed and records == on_disk:
                return False
            data = self._encode(_config(netns, result, path), path) if devices_changed else None
            # A record of a device not (yet) in the DAN file is ignored.
            self._save_records(dir_fd, path, early, on_disk)
            if data is not None:
                try:
                    self._save(dir_fd, path, data)
                except BaseException:
                    with suppress(DanError):
                        self._save_records(dir_fd, path, on_disk, early)
                    raise
            self._save_records(dir_fd, path, records, early)
        return True

    def remove_device(self, sandbox_id: str, name: str) -> bool:
        """Remove the device with guest name ``name``, and its record; True if there was one.

        The file goes with its last device. A missing file or device is fine
        (teardown is idempotent).
        """
        removed = self._remove_where(sandbox_id, lambda device, owner: device.name == name)
        return bool(removed)

    def remove_attachment(self, sandbox_id: str, attachment: Attachment) -> list[str]:
        """Remove the devices ``attachment`` added (CNI DEL); their guest names, in file order.

        The file goes with its last device. A missing file, or an attachment
        with no device, is fine: nothing is removed (teardown is idempotent).
        """
        return self._remove_where(sandbox_id, lambda device, owner: owner == attachment)

    def collect_garbage(
        self, network: str, valid: Collection[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        """Remove the devices of ``network`` whose attachment is not ``valid`` (CNI GC).

        ``valid`` holds the attachments that still exist, as ``(container id,
        ifname)`` pairs (``cni.dev/valid-attachments``). Every sandbox is
        looked at; a device whose record names ``network`` and whose
        ``(sandbox id, ifname)`` is not in ``valid`` is removed. Devices of
        other networks, and devices without a record, stay. Returns the
        ``(sandbox id, guest name)`` of each device removed.

        A sandbox that fails (an invalid file, say) does not stop the others:
        the first failure is raised after all were tried, with a note saying
        what was removed. Ownership records left without their DAN file (by a
        process killed between removing the two) are removed too.
        """
        problem = _network_problem(network)
        if problem is not None:
            raise ValidationError([Problem(path="network", message=problem)])
        keep = _valid_pairs(valid)
        removed: list[tuple[str, str]] = []
        failures: list[DanError] = []
        for sandbox_id in self.sandboxes():
            if not self._has_records(sandbox_id):
                continue

            def stale(
                device: DanDevice, owner: Attachment | None, sandbox: str = sandbox_id
            ) -> bool:
                return (
                    owner is not None
                    and owner.network == network
                    and (sandbox, owner.ifname) not in keep
                )

            try:
                names = self._remove_where(sandbox_id, stale)
            except DanError as error:
                failures.append(error)
                continue
            removed.extend((sandbox_id, name) for name in names)
        for sandbox_id in self._orphan_records():
            try:
                self._drop_orphan_record(sandbox_id)
            except DanError as error:
                failures.append(error)
        if failures:
            first = failures[0]
            if sys.version_info >= (3, 11):
                first.add_note(
                    f"collect_garbage: {len(failures)} sandbox(es) failed; "
                    f"{len(removed)} device(s) were removed from the others: {removed!r}"
                )
            raise first
        return removed

    def remove(self, sandbox_id: str) -> bool:
        """Remove the sandbox's file and record; True if there was a file (a missing one is fine).

        The file is unlinked even if it is invalid, or a symbolic link (the
        link is removed, never what it points to). A lock file that is not a
        regular file (planted: a symbolic link, a directory, a FIFO, ...) is
        cleared first: a link or special file is unlinked, never followed; a
        directory is removed only when empty (a directory with entries raises
        :class:`StoreError` and stays).
        """
        path = self.path(sandbox_id)
        with self._directory(create=False) as dir_fd:
            if dir_fd is None:
                return False
            with self._locked(dir_fd, path, clear=True):
                removed = self._unlink(dir_fd, path)
                record = path.with_name(_RECORD.format(sandbox_id))
                planted = _planted(record.name, dir_fd)
                if planted is None:
                    self._unlink(dir_fd, record)
                else:
                    _clear_planted(record.name, dir_fd, record, planted)
                return removed

    # --- inside the directory --------------------------------------------------------------

    def _remove_where(self, sandbox_id: str, doomed: _Predicate) -> list[str]:
        """Remove the devices for which ``doomed(device, its attachment or None)``; their names."""
        path = self.path(sandbox_id)
        with self._directory(create=False) as dir_fd:
            if dir_fd is None:
                return []
            with self._locked(dir_fd, path):
                current = self._load(dir_fd, path)
                if current is None:
                    return []
                records, on_disk = self._load_records(dir_fd, path, current.devices)
                remaining = []
                removed = []
                for device in current.devices:
                    if doomed(device, records.get(device.name)):
                        removed.append(device.name)
                        records.pop(device.name, None)
                    else:
                        remaining.append(device)
                if not removed:
                    return []
                # The DAN file first: a record of a device no longer in the file is ignored.
                if remaining:
                    self._save(
                        dir_fd, path, self._encode(_config(current.netns, remaining, path), path)
                    )
                else:
                    self._unlink(dir_fd, path)
                self._save_records(dir_fd, path, records, on_disk)
        return removed

    @contextmanager
    def _directory(self, *, create: bool) -> Iterator[int | None]:
        """The store's directory, open; None if it is missing and not ``create``."""
        dir_fd: int | None = None
        try:
            dir_fd = _files.open_directory(os.fspath(self.directory), create=create)
        except OSError as error:
            if create or error.errno != errno.ENOENT:
                raise _error(self.directory, "open the directory", error) from error
        try:
            yield dir_fd
        finally:
            if dir_fd is not None:
                os.close(dir_fd)

    @contextmanager
    def _changing(self) -> Iterator[int]:
        """The store's directory, open, created first if missing."""
        with self._directory(create=True) as dir_fd:
            yield cast(int, dir_fd)  # never None when created

    @contextmanager
    def _locked(self, dir_fd: int, path: Path, *, clear: bool = False) -> Iterator[None]:
        """Hold the sandbox's lock; remove the lock file afterwards if the sandbox has no file.

        A lock file removed or replaced while this process waited for it is no
        longer the lock: the wait starts again on the current one. A lock file
        that is not a regular file raises :class:`StoreError`, or is removed
        with ``clear`` (see :meth:`remove`).
        """
        sandbox_id = path.name[: -len(_SUFFIX)]
        lock = _LOCK.format(sandbox_id)
        lock_path = path.with_name(lock)
        clears = 0
        while True:
            planted = _planted(lock, dir_fd)
            if planted is not None:
                if not clear or clears >= _CLEAR_ATTEMPTS:
                    raise _planted_error(lock_path, planted, sandbox_id)
                _clear_planted(lock, dir_fd, lock_path, planted)
                clears += 1
                continue
            try:
                lock_fd = os.open(
                    lock,
                    os.O_RDWR
                    | os.O_CREAT
                    | os.O_NOFOLLOW
                    | os.O_NONBLOCK
                    | os.O_NOCTTY
                    | os.O_CLOEXEC,
                    0o600,
                    dir_fd=dir_fd,
                )
            except OSError as error:
                if _planted(lock, dir_fd) is not None:
                    continue  # planted since it was looked at: say what it is, or clear it
                raise _error(lock_path, "open the lock file", error) from error
            try:
                if not stat.S_ISREG(os.fstat(lock_fd).st_mode):
                    os.close(lock_fd)
                    continue  # planted since it was looked at
                fcntl.flock(lock_fd, fcntl.LOCK_EX)
                held = os.fstat(lock_fd)
                current = os.stat(lock, dir_fd=dir_fd, follow_symlinks=False)
            except OSError as error:
                os.close(lock_fd)
                if error.errno == errno.ENOENT:
                    continue
                raise _error(lock_path, "lock", error) from error
            if (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
                break
            os.close(lock_fd)
        try:
            _sweep(dir_fd, sandbox_id)
            # What is done under the lock reads, builds and writes a whole file: a large one
            # is millions of objects and no cycles, which a collection would walk again.
            with collector_paused():
                yield
        finally:
            try:
                os.stat(path.name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                _quietly_unlink(lock, dir_fd)
            except OSError:  # pragma: no cover - only ENOENT is expected from a stat here
                pass
            os.close(lock_fd)

    def _load(self, dir_fd: int, path: Path) -> DanConfig | None:
        try:
            data = _files.read_regular(path.name, dir_fd, MAX_DOCUMENT_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise _error(path, "read", error) from error
        return loads(data, source=str(path))

    def _encode(self, config: DanConfig, path: Path) -> bytes:
        """The file's text; a file larger than readers accept is refused, not written."""
        data = dumps(config, profile=self.runtime).encode("utf-8")
        if len(data) > MAX_DOCUMENT_BYTES:
            message = (
                f"the file would be {len(data)} bytes, more than the {MAX_DOCUMENT_BYTES} a "
                "reader accepts (danmodel.MAX_DOCUMENT_BYTES); nothing was written"
            )
            raise ValidationError([Problem(path="$", message=message)], source=str(path))
        return data

    def _check_replaceable(self, dir_fd: int, path: Path) -> None:
        """Refuse to replace anything at ``path`` but a regular file."""
        try:
            existing = os.stat(path.name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return
        except OSError as error:  # pragma: no cover - the name is valid and the directory open
            raise _error(path, "write", error) from error
        if not stat.S_ISREG(existing.st_mode):
            link = stat.S_ISLNK(existing.st_mode)
            kind = "a symbolic link" if link else "not a regular file"
            raise StoreError(
                errno.ELOOP if link else errno.EEXIST,
                f"cannot write: it is {kind}; the store does not replace it",
                str(path),
            )

    def _save(self, dir_fd: int, path: Path, data: bytes) -> None:
        """Replace the file at ``path`` (a sandbox's DAN file or record) with ``data``."""
        sandbox_id = _sandbox_of(path.name)
        try:
            _files.replace(
                path.name,
                data,
                dir_fd,
                mode=self.mode,
                temporary_prefix=_TEMPORARY.format(sandbox_id),
            )
        except _files.DirectoryNotFlushed as error:
            raise _error(
                path,
                "flush the directory after replacing the file",
                error,
                "; the new file is in place but may not survive a crash",
            ) from error
        except OSError as error:
            raise _error(path, "write", error, "; the old file is unchanged") from error

    def _orphan_records(self) -> list[str]:
        """The ids of the sandboxes that have an ownership record but no DAN file."""
        with self._directory(create=False) as dir_fd:
            if dir_fd is None:
                return []
            try:
                with os.scandir(dir_fd) as entries:
                    names = {entry.name for entry in entries}
            except OSError as error:
                raise _error(self.directory, "list", error) from error
        suffix = _RECORD.format("")[1:]
        return sorted(
            sandbox_id
            for name in names
            if name.startswith(".") and name.endswith(suffix)
            for sandbox_id in [name[1 : -len(suffix)]]
            if f"{sandbox_id}{_SUFFIX}" not in names and _is_sandbox_id(sandbox_id, self.id_grammar)
        )

    def _drop_orphan_record(self, sandbox_id: str) -> None:
        """Remove the sandbox's ownership record if it has no DAN file (under its lock)."""
        path = self.path(sandbox_id)
        with self._directory(create=False) as dir_fd:
            if dir_fd is None:
                return
            with self._locked(dir_fd, path):
                if self._load(dir_fd, path) is None:
                    record = path.with_name(_RECORD.format(sandbox_id))
                    if _planted(record.name, dir_fd) is None:
                        self._unlink(dir_fd, record)

    def _has_records(self, sandbox_id: str) -> bool:
        with self._directory(create=False) as dir_fd:
            if dir_fd is None:
                return False
            try:
                os.stat(_RECORD.format(sandbox_id), dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                return False
            except OSError:  # pragma: no cover - anything else: let the locked read say what
                return True
        return True

    def _load_records(
        self, dir_fd: int, path: Path, devices: Iterable[DanDevice]
    ) -> tuple[dict[str, Attachment], dict[str, Attachment]]:
        """The records of ``devices`` (the others are stale), and all records in the file."""
        record_path = path.with_name(_RECORD.format(_sandbox_of(path.name)))
        try:
            data = _files.read_regular(record_path.name, dir_fd, MAX_DOCUMENT_BYTES + 1)
        except FileNotFoundError:
            return {}, {}
        except OSError as error:
            planted = _planted(record_path.name, dir_fd)
            if planted is not None:
                sandbox_id = _sandbox_of(path.name)
                raise _planted_error(
                    record_path, planted, sandbox_id, "read the ownership record"
                ) from error
            raise _error(record_path, "read", error) from error
        on_disk = _parse_records(data, str(record_path))
        names = {device.name for device in devices}
        return {name: a for name, a in on_disk.items() if name in names}, on_disk

    def _save_records(
        self,
        dir_fd: int,
        path: Path,
        records: Mapping[str, Attachment],
        on_disk: Mapping[str, Attachment],
    ) -> None:
        """Write ``records`` as the sandbox's record if they differ from ``on_disk``."""
        if dict(records) == dict(on_disk):
            return
        record_path = path.with_name(_RECORD.format(_sandbox_of(path.name)))
        if not records:
            self._unlink(dir_fd, record_path)
            return
        self._check_replaceable(dir_fd, record_path)
        self._save(dir_fd, record_path, _format_records(records))

    def _unlink(self, dir_fd: int, path: Path) -> bool:
        try:
            os.unlink(path.name, dir_fd=dir_fd)
        except FileNotFoundError:
            return False
        except OSError as error:
            raise _error(path, "remove", error) from error
        try:
            _files.flush_directory(dir_fd)
        except _files.DirectoryNotFlushed as error:
            raise _error(
                path,
                "flush the directory after removing the file",
                error,
                "; the removal may not survive a crash",
            ) from error
        return True


_Predicate = Callable[[DanDevice, "Attachment | None"], bool]


def _set_owner(records: dict[str, Attachment], name: str, owner: Attachment | None) -> None:
    if owner is None:
        records.pop(name, None)
    else:
        records[name] = owner


def _sandbox_of(name: str) -> str:
    """The sandbox id in the name of one of its files (``{id}.json`` or ``.{id}.attachments``)."""
    if name.endswith(_SUFFIX):
        return name[: -len(_SUFFIX)]
    return name[1 : -len(".attachments")]


def _valid_pairs(valid: Collection[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """``valid`` as a set of pairs; a pair may be a tuple or a list (as JSON gives it)."""
    pairs = []
    for index, pair in enumerate(valid):
        if not (
            type(pair) in (tuple, list)
            and len(pair) == 2
            and all(type(part) is str for part in pair)
        ):
            message = f"expected a (container id, ifname) pair of strings, found {pair!r:.80}"
            raise ValidationError([Problem(path=f"valid[{index}]", message=message)])
        pairs.append((pair[0], pair[1]))
    return frozenset(pairs)


def _format_records(records: Mapping[str, Attachment]) -> bytes:
    document = {
        "version": _RECORD_VERSION,
        "devices": {
            name: {"network": attachment.network, "ifname": attachment.ifname}
            for name, attachment in sorted(records.items())
        },
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _parse_records(data: bytes, source: str) -> dict[str, Attachment]:
    """The records of an ownership record file; :class:`ValidationError` if it is not one."""

    def refuse(where: str, message: str) -> ValidationError:
        return ValidationError([Problem(path=where, message=message)], source=source)

    if len(data) > MAX_DOCUMENT_BYTES:
        raise refuse("$", f"the file is larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise refuse("$", f"not an ownership record (not JSON: {error})") from None
    if type(document) is not dict or set(document) != {"version", "devices"}:
        raise refuse("$", 'expected {"version": 1, "devices": {...}}')
    if document["version"] != _RECORD_VERSION:
        raise refuse("$.version", f"expected {_RECORD_VERSION}, found {document['version']!r:.40}")
    devices = document["devices"]
    if type(devices) is not dict:
        raise refuse("$.devices", "expected an object")
    records = {}
    for name, record in devices.items():
        where = f"$.devices[{json.dumps(name)[:80]}]"
        if type(record) is not dict or set(record) != {"network", "ifname"}:
            raise refuse(where, 'expected {"network": ..., "ifname": ...}')
        try:
            records[name] = Attachment(record["network"], record["ifname"])
        except ValidationError as error:
            raise refuse(where, error.errors[0].message) from None
    return records


def _config(netns: str | None, devices: list[DanDevice], path: Path) -> DanConfig:
    """The config of ``devices``; the model's refusals get paths into the file at ``path``."""
    try:
        return DanConfig(netns=netns, devices=devices)
    except ValidationError as error:
        problems = [
            attrs.evolve(problem, path="$" + problem.path.removeprefix(DanConfig.__name__))
            for problem in error.errors
        ]
        raise ValidationError(problems, source=str(path)) from None


# --- planted lock files --------------------------------------------------------------------


def _planted(name: str, dir_fd: int) -> str | None:
    """What the entry ``name`` is if it exists and is not a regular file; else None."""
    try:
        found = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError:  # pragma: no cover - the name is valid and the directory open
        return None
    mode = found.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(name, dir_fd=dir_fd)
        except OSError:  # pragma: no cover - removed since; say what it was
            return "a symbolic link"
        shown = repr(target) if len(target) <= 80 else f"{target[:64]!r}... ({len(target)} chars)"
        try:
            os.stat(name, dir_fd=dir_fd)
        except OSError:
            return f"a dangling symbolic link to {shown}"
        return f"a symbolic link to {shown}"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"  # pragma: no cover - no other kind on Linux


def _planted_error(
    path: Path, planted: str, sandbox_id: str, what: str = "open the lock file"
) -> StoreError:
    """The error for a store file (``what`` says which, and the step) that is not regular."""
    if planted.startswith(("a symbolic", "a dangling")):
        code, delete = errno.ELOOP, "'rm' removes the link, not its target"
    elif planted == "a directory":
        code, delete = errno.EISDIR, "'rmdir' if it is empty"
    else:
        code, delete = errno.EINVAL, "'rm'"
    return StoreError(
        code,
        f"cannot {what}: it is {planted}, not a regular file; delete it "
        f"({delete}), or let 'danmodel store remove {sandbox_id}' (DanStore.remove) "
        "clear it with the sandbox's files",
        os.fspath(path),
    )


def _clear_planted(name: str, dir_fd: int, path: Path, planted: str) -> None:
    """Remove a planted store file: unlink it (never following it), or rmdir an empty directory."""
    try:
        if planted == "a directory":
            os.rmdir(name, dir_fd=dir_fd)
        else:
            os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        return  # cleared by someone else
    except OSError as error:
        if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
            raise StoreError(
                error.errno,
                "cannot clear it: it is a directory with entries, which the store does not "
                "delete; look at what is in it and remove it by hand",
                os.fspath(path),
            ) from error
        if error.errno in (errno.ENOTDIR, errno.EISDIR):
            return  # swapped for another kind since it was looked at: look again
        raise _error(path, "clear it", error) from error


def _sweep(dir_fd: int, sandbox_id: str) -> None:
    """Remove the temporary files a killed writer left for the sandbox (its lock is held)."""
    prefix = _TEMPORARY.format(sandbox_id)
    width = _files.TEMPORARY_TOKEN_CHARS
    try:
        with os.scandir(dir_fd) as entries:
            stale = [
                entry.name
                for entry in entries
                if entry.name.startswith(prefix)
                and len(entry.name) == len(prefix) + width
                and all(c in "0123456789abcdef" for c in entry.name[len(prefix) :])
            ]
    except OSError:  # pragma: no cover - the directory is open; listing it does not fail
        return
    for name in stale:
        _quietly_unlink(name, dir_fd)


def _quietly_unlink(name: str, dir_fd: int) -> None:
    with suppress(OSError):
        os.unlink(name, dir_fd=dir_fd)
