"""A directory of DAN files, one per sandbox: ``{directory}/{sandbox_id}.json``.

:class:`DanStore` is what a CNI plugin needs on ADD and DEL: it adds or
removes one sandbox's devices under an exclusive per-sandbox lock, replaces
the file atomically (a runtime reading it sees the old file or the new one,
never a part), refuses sandbox ids that would leave the directory, and never
follows a symbolic link at a file it reads or writes.

Besides ``{sandbox_id}.json``, the store keeps in the directory a lock file
``.{sandbox_id}.lock`` while the sandbox has a file (or an operation on it
runs) and, during a write, a temporary file ``.{sandbox_id}.tmp.{16 hex
digits}``; neither ends in ``.json``. A temporary file left by a killed writer
is removed by the next change to that sandbox.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import cast

import attrs

from . import _files
from .check.profiles import Profile, profile
from .codec import MAX_DOCUMENT_BYTES, dumps, loads
from .errors import DanError, Problem, ValidationError
from .v2 import DanConfig, DanDevice

__all__ = [
    "DEFAULT_DIRECTORY",
    "DEFAULT_MODE",
    "MAX_SANDBOX_ID_BYTES",
    "DanStore",
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

_SUFFIX = ".json"
_LOCK = ".{}.lock"
_TEMPORARY = ".{}.tmp."


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


def check_sandbox_id(sandbox_id: str) -> str:
    """Return ``sandbox_id`` if it can name a file of the store; raise :class:`InvalidSandboxId`.

    Refused: anything but a non-empty string; ``.`` and ``..``; a ``/``, NUL or
    any other control character; text that is not valid Unicode (a lone
    surrogate); more than :data:`MAX_SANDBOX_ID_BYTES` bytes of UTF-8.
    """
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
    for character in sandbox_id:
        if unicodedata.category(character) == "Cc":
            raise InvalidSandboxId(
                sandbox_id, f"it contains the control character U+{ord(character):04X}"
            )
    try:
        size = len(sandbox_id.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidSandboxId(sandbox_id, "it is not valid Unicode (a lone surrogate)") from None
    if size > MAX_SANDBOX_ID_BYTES:
        raise InvalidSandboxId(
            sandbox_id, f"it is {size} bytes long; the longest is {MAX_SANDBOX_ID_BYTES}"
        )
    return sandbox_id


def _is_sandbox_id(name: str) -> bool:
    try:
        check_sandbox_id(name)
    except InvalidSandboxId:
        return False
    return True


def _check_mode(instance: object, attribute: object, mode: int) -> None:
    if type(mode) is not int or not 0 <= mode <= 0o777:
        raise ValueError(f"mode must be permission bits from 0o000 to 0o777, found {mode!r}")


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
    """

    directory: Path = attrs.field(default=Path(DEFAULT_DIRECTORY), converter=Path)
    mode: int = attrs.field(default=DEFAULT_MODE, kw_only=True, validator=_check_mode)
    runtime: Profile | None = attrs.field(
        default=None, kw_only=True, converter=attrs.converters.optional(profile)
    )

    def path(self, sandbox_id: str) -> Path:
        """The path of the sandbox's file; raises :class:`InvalidSandboxId`."""
        return self.directory / f"{check_sandbox_id(sandbox_id)}{_SUFFIX}"

    # --- reading ---------------------------------------------------------------------------

    def sandboxes(self) -> list[str]:
        """The ids of the sandboxes that have a file, sorted; none if the directory is missing."""
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
        return sorted(name for name in names if _is_sandbox_id(name))

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

    # --- changing --------------------------------------------------------------------------

    def write(self, sandbox_id: str, config: DanConfig) -> None:
        """Replace the sandbox's file with ``config``, atomically, under the sandbox's lock.

        Raises :class:`StoreError` when it cannot be written; the old file is
        then intact.
        """
        path = self.path(sandbox_id)
        with self._changing() as dir_fd, self._locked(dir_fd, path):
            self._save(dir_fd, path, config)

    def add_device(
        self,
        sandbox_id: str,
        device: DanDevice,
        *,
        netns: str | None = None,
        replace: bool = False,
    ) -> bool:
        """Add ``device`` to the sandbox's file, creating it; True if the file changed.

        See :meth:`add_devices`.
        """
        return self.add_devices(sandbox_id, [device], netns=netns, replace=replace)

    def add_devices(
        self,
        sandbox_id: str,
        devices: Iterable[DanDevice],
        *,
        netns: str | None = None,
        replace: bool = False,
    ) -> bool:
        """Add ``devices`` to the sandbox's file, all or none; True if the file changed.

        The file is read, changed and replaced under the sandbox's lock, so
        concurrent additions are all kept. A device equal to one in the file
        is already there: adding it again changes nothing. A different device
        under a guest name in the file is refused, or takes its place with
        ``replace=True``. A new file gets ``netns``; an existing one must have
        the same. Refusals raise :class:`~danmodel.errors.ValidationError`
        with paths into the file, like the model's other rules (no tap name,
        socket path or PCI address used twice).
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
            result = list(before)
            problems = []
            for device in added:
                index = next((i for i, old in enumerate(result) if old.name == device.name), None)
                if index is None:
                    result.append(device)
                elif replace:
                    result[index] = device
                elif result[index] != device:
                    message = (
                        f"guest name {device.name!r} is already used by a different device; "
                        "remove that device first, or replace it"
                    )
                    problems.append(Problem(path=f"$.devices[{index}].name", message=message))
            if problems:
                raise ValidationError(problems, source=str(path))
            if tuple(result) == before:
                return False
            self._save(dir_fd, path, _config(netns, result, path))
        return True

    def remove_device(self, sandbox_id: str, name: str) -> bool:
        """Remove the device with guest name ``name``; True if there was one.

        The file goes with its last device. A missing file or device is fine
        (teardown is idempotent).
        """
        path = self.path(sandbox_id)
        with self._directory(create=False) as dir_fd:
            if dir_fd is None:
                return False
            with self._locked(dir_fd, path):
                current = self._load(dir_fd, path)
                if current is None:
                    return False
                remaining = [device for device in current.devices if device.name != name]
                if len(remaining) == len(current.devices):
                    return False
                if remaining:
                    self._save(dir_fd, path, _config(current.netns, remaining, path))
                else:
                    self._unlink(dir_fd, path)
        return True

    def remove(self, sandbox_id: str) -> bool:
        """Remove the sandbox's file; True if there was one (a missing file is fine).

        The file is unlinked even if it is invalid, or a symbolic link (the
        link is removed, never what it points to).
        """
        path = self.path(sandbox_id)
        with self._directory(create=False) as dir_fd:
            if dir_fd is None:
                return False
            with self._locked(dir_fd, path):
                return self._unlink(dir_fd, path)

    # --- inside the directory --------------------------------------------------------------

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
    def _locked(self, dir_fd: int, path: Path) -> Iterator[None]:
        """Hold the sandbox's lock; remove the lock file afterwards if the sandbox has no file.

        A lock file removed or replaced while this process waited for it is no
        longer the lock: the wait starts again on the current one.
        """
        sandbox_id = path.name[: -len(_SUFFIX)]
        lock = _LOCK.format(sandbox_id)
        while True:
            try:
                lock_fd = os.open(
                    lock,
                    os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                    0o600,
                    dir_fd=dir_fd,
                )
            except OSError as error:
                raise _error(path.with_name(lock), "open the lock file", error) from error
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX)
                held = os.fstat(lock_fd)
                current = os.stat(lock, dir_fd=dir_fd, follow_symlinks=False)
            except OSError as error:
                os.close(lock_fd)
                if error.errno == errno.ENOENT:
                    continue
                raise _error(path.with_name(lock), "lock", error) from error
            if (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
                break
            os.close(lock_fd)
        try:
            _sweep(dir_fd, sandbox_id)
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

    def _save(self, dir_fd: int, path: Path, config: DanConfig) -> None:
        try:
            existing = os.stat(path.name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            pass
        except OSError as error:  # pragma: no cover - the name is valid and the directory open
            raise _error(path, "write", error) from error
        else:
            if not stat.S_ISREG(existing.st_mode):
                link = stat.S_ISLNK(existing.st_mode)
                kind = "a symbolic link" if link else "not a regular file"
                raise StoreError(
                    errno.ELOOP if link else errno.EEXIST,
                    f"cannot write: it is {kind}; the store does not replace it",
                    str(path),
                )
        data = dumps(config, profile=self.runtime).encode("utf-8")
        try:
            _files.replace(
                path.name,
                data,
                dir_fd,
                mode=self.mode,
                temporary_prefix=_TEMPORARY.format(path.name[: -len(_SUFFIX)]),
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
