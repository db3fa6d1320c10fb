"""File operations inside one open directory: bounded no-follow reads, atomic replacement.

Every name is relative to a directory file descriptor (``dir_fd``), so a
directory renamed or swapped for a symbolic link after it was opened cannot
redirect a read or a write. The functions raise plain ``OSError``; callers
turn them into the errors of their domain.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat

__all__ = [
    "TEMPORARY_TOKEN_CHARS",
    "DirectoryNotFlushed",
    "flush_directory",
    "open_directory",
    "read_regular",
    "replace",
]

TEMPORARY_TOKEN_CHARS = 16
"""Hex digits of the random part of a temporary file's name."""

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class DirectoryNotFlushed(OSError):
    """The file was replaced, but flushing the directory (making the rename durable) failed."""


def open_directory(path: str, *, create: bool) -> int:
    """Open ``path`` as a directory, refusing a symbolic link as its last component.

    With ``create``, a missing directory is created (parents too, mode 0755
    less the umask). Raises ``OSError``: ``ENOENT``, ``ELOOP`` for a link,
    ``ENOTDIR``, ...
    """
    try:
        return _open_directory(path)
    except FileNotFoundError:
        if not create:
            raise
    os.makedirs(path, mode=0o755, exist_ok=True)
    return _open_directory(path)


def _open_directory(path: str) -> int:
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | _CLOEXEC)
    except NotADirectoryError:
        if os.path.islink(path):  # O_DIRECTORY wins over O_NOFOLLOW: say what it really is
            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP)) from None
        raise


def read_regular(name: str, dir_fd: int, limit: int) -> bytes:
    """At most ``limit`` bytes of the regular file ``name``, without following a symbolic link.

    A symbolic link raises ``OSError(ELOOP)``; a FIFO, device or directory
    raises ``OSError(EINVAL)`` without blocking or reading it.
    """
    descriptor = os.open(
        name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | _CLOEXEC, dir_fd=dir_fd
    )
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        chunks = []
        remaining = limit
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def replace(name: str, data: bytes, dir_fd: int, *, mode: int, temporary_prefix: str) -> None:
    """Replace ``name`` with ``data`` atomically: a reader sees the old file or the new one.

    The data goes to a new temporary file ``{temporary_prefix}{16 hex digits}``
    in the same directory, which is given ``mode`` (whatever the umask),
    flushed to disk and renamed over ``name``; then the directory is flushed.
    On any failure before the rename, the temporary file is removed, ``name``
    is untouched and the ``OSError`` names the step that failed. A failure to
    flush the directory after the rename raises :class:`DirectoryNotFlushed`.
    """
    temporary = f"{temporary_prefix}{secrets.token_hex(TEMPORARY_TOKEN_CHARS // 2)}"
    step = "creating the temporary file"
    try:
        descriptor = os.open(
            temporary,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC,
            0o600,
            dir_fd=dir_fd,
        )
    except OSError as error:
        raise _at(step, error) from error
    try:
        try:
            step = "setting the mode of the temporary file"
            os.fchmod(descriptor, mode)
            step = "writing the temporary file"
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            step = "flushing the temporary file to disk"
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        step = "renaming the temporary file over the old one"
        os.rename(temporary, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=dir_fd)
        if isinstance(error, OSError):
            raise _at(step, error) from error
        raise
    flush_directory(dir_fd)


def flush_directory(dir_fd: int) -> None:
    """Flush the directory's entries (a rename or an unlink) to disk.

    Raises :class:`DirectoryNotFlushed`; a file system that cannot flush a
    directory (``EINVAL``) is not an error.
    """
    try:
        os.fsync(dir_fd)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise DirectoryNotFlushed(error.errno, error.strerror) from error


def _at(step: str, error: OSError) -> OSError:
    """``error`` with the step that failed added to its message."""
    return OSError(error.errno, f"{error.strerror or error} ({step})")
