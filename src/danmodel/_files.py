"""Files danmodel reads and writes: bounded no-follow reads, atomic replacement, rewrites.

Every name given with a directory file descriptor (``dir_fd``) is relative to
it, so a directory renamed or swapped for a symbolic link after it was opened
cannot redirect a read or a write. Those functions raise plain ``OSError``;
callers turn them into the errors of their domain. :func:`rewrite`, which
takes a path, raises :class:`RewriteError`, a :class:`~danmodel.DanError`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat

from .errors import DanError

__all__ = [
    "TEMPORARY_TOKEN_CHARS",
    "DirectoryNotFlushed",
    "RewriteError",
    "flush_directory",
    "open_directory",
    "read_regular",
    "replace",
    "rewrite",
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


def replace(
    name: str,
    data: bytes,
    dir_fd: int,
    *,
    mode: int,
    temporary_prefix: str,
    owner: tuple[int, int] | None = None,
) -> None:
    """Replace ``name`` with ``data`` atomically: a reader sees the old file or the new one.

    The data goes to a new temporary file ``{temporary_prefix}{16 hex digits}``
    in the same directory, which is given ``owner`` (``(uid, gid)``, if it
    does not have it already) and ``mode`` (whatever the umask), flushed to
    disk and renamed over ``name``; then the directory is flushed.
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
            if owner is not None and owner != _owner(os.fstat(descriptor)):
                step = "giving the temporary file the owner of the old one"
                os.fchown(descriptor, *owner)  # before fchmod: a chown clears set-id bits
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


def _owner(status: os.stat_result) -> tuple[int, int]:
    return status.st_uid, status.st_gid


# --- rewriting a file in place of itself ---------------------------------------------------


class RewriteError(DanError, OSError):
    """A file could not be rewritten; :attr:`strerror` says why and whether it is unchanged.

    :attr:`filename` is the path given, :attr:`errno` the OS error number.
    """

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


_NAME_MAX = 255
"""Bytes in a Linux file name."""


def rewrite(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace the contents of the existing file ``path`` with ``data``, keeping what it is.

    - A symbolic link is followed (a chain of them too) and its target
      rewritten; the link stays a link. A dangling link or a loop is refused.
    - The new file gets the old one's permission bits (set-id and sticky bits
      included) and owner; when the owner cannot be given (an unprivileged
      process rewriting another user's file) the rewrite is refused.
    - The replacement is atomic: a temporary file in the same directory,
      flushed to disk and renamed over the old one, then the directory
      flushed. A reader sees the old text or the new, and a failure leaves
      the old file.
    - A file with several hard links is refused: replacing it would split the
      links (the other names would keep the old text), and writing through
      the inode in place could leave a torn file.
    - Anything but a regular file (a directory, FIFO, device) is refused
      without being opened.

    Access control lists, extended attributes and security labels of the old
    file are not copied. Raises :class:`RewriteError`.
    """
    given = os.fspath(path)

    def refuse(code: int, why: str) -> RewriteError:
        return RewriteError(code, f"cannot rewrite: {why}; the file is unchanged", given)

    try:
        target = os.path.realpath(given, strict=True)
    except OSError as error:
        raise refuse(_code(error), _unresolved(given, error)) from error
    directory, name = os.path.split(target)
    try:
        dir_fd = os.open(directory or ".", os.O_RDONLY | os.O_DIRECTORY | _CLOEXEC)
    except OSError as error:
        raise refuse(_code(error), f"cannot open its directory: {error.strerror}") from error
    try:
        try:
            old = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except OSError as error:
            raise refuse(_code(error), error.strerror or str(error)) from error
        subject = f"its target {target!r}" if os.path.islink(given) else "it"
        if stat.S_ISLNK(old.st_mode):
            raise refuse(errno.EAGAIN, f"{subject} became a symbolic link while it was read")
        if not stat.S_ISREG(old.st_mode):
            raise refuse(errno.EINVAL, f"{subject} is not a regular file")
        if old.st_nlink > 1:
            raise refuse(
                errno.EMLINK,
                f"{subject} has {old.st_nlink} hard links: replacing it would split them (the "
                "other names would keep the old text) and writing it in place is not atomic; "
                "rewrite a copy, or remove the other links",
            )
        prefix = f".{name}.tmp."
        if len(prefix.encode("utf-8", "surrogateescape")) + TEMPORARY_TOKEN_CHARS > _NAME_MAX:
            prefix = ".danmodel-rewrite.tmp."
        try:
            replace(
                name,
                data,
                dir_fd,
                mode=stat.S_IMODE(old.st_mode),
                temporary_prefix=prefix,
                owner=_owner(old),
            )
        except DirectoryNotFlushed as error:
            raise RewriteError(
                error.errno,
                f"rewritten, but flushing the directory failed ({error.strerror}): "
                "the new text may not survive a crash",
                given,
            ) from error
        except OSError as error:
            raise refuse(_code(error), error.strerror or str(error)) from error
    finally:
        os.close(dir_fd)


def _code(error: OSError) -> int:
    return error.errno if error.errno is not None else errno.EIO


def _unresolved(given: str, error: OSError) -> str:
    """Why ``given`` could not be resolved to an existing file."""
    if error.errno == errno.ELOOP:
        return "it is a loop of symbolic links"
    if error.errno == errno.ENOENT and os.path.islink(given):
        return f"it is a symbolic link to {os.readlink(given)!r}, which does not exist"
    if error.errno == errno.ENOENT:
        return "it does not exist"
    return error.strerror or str(error)
