"""What the subcommands share: exit statuses, input names, problem output."""

from __future__ import annotations

import errno
import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, BinaryIO

from .._text import read_document
from ..codec import read_file
from ..errors import Problem
from ..revisions import LATEST, REVISIONS

if TYPE_CHECKING:
    import argparse

__all__ = [
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "STDIN",
    "add_revision_option",
    "cannot",
    "input_source",
    "label",
    "missing_guest_macs",
    "print_problems",
    "read_input",
]

EXIT_OK = 0
"""Success: every file is valid (or the command did its job)."""
EXIT_INVALID = 1
"""At least one file is invalid (or not canonical, for ``fmt --check``)."""
EXIT_USAGE = 2
"""A usage error, or a file that could not be read or written; wins over 1."""

STDIN = "-"
"""The file name that stands for standard input."""


def add_revision_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--revision N``, one of :data:`danmodel.revisions.REVISIONS` (default the latest)."""
    parser.add_argument(
        "--revision",
        type=int,
        choices=tuple(REVISIONS),
        default=LATEST,
        help=f"format revision (default {LATEST})",
    )


def label(name: str) -> str:
    """The name a file is reported under: ``<stdin>`` for ``-``."""
    return "<stdin>" if name == STDIN else name


def input_source(name: str) -> str | BinaryIO:
    """What :func:`danmodel.load` should read for the command-line name *name*.

    Raises ``OSError`` (``EBADF``) for ``-`` when standard input is closed.
    """
    if name != STDIN:
        return name
    if sys.stdin is None:  # started with `<&-`
        raise OSError(errno.EBADF, "standard input is closed")
    return sys.stdin.buffer


def print_problems(name: str, problems: Iterable[Problem], suffix: str = "") -> None:
    """Print one ``FILE: $.path: message`` line per problem on standard output."""
    for problem in problems:
        print(f"{label(name)}: {problem}{suffix}")


def read_input(name: str) -> bytes:
    """The bytes of the file named *name* (``-``: standard input), at most one past the limit.

    Raises ``OSError`` when it cannot be read; the loader reports a document
    past :data:`~danmodel.MAX_DOCUMENT_BYTES`.
    """
    if name != STDIN:
        return read_file(name)
    data, _ = read_document(input_source(name))
    return data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")


def cannot(what: str, name: str, error: OSError) -> None:
    """Report on standard error that *name* could not be read or written."""
    print(f"{label(name)}: cannot {what}: {error.strerror or error}", file=sys.stderr)


def missing_guest_macs(data: bytes) -> list[Problem]:
    """Devices of a valid document without ``guest_mac``, for commands that rewrite it.

    Writing such a document would fix the random MAC the loader drew (runtime-rs
    draws a new one at each start, and the Go runtime refuses the device).
    """
    document = json.loads(data)
    return [
        Problem(
            path=f"$.devices[{index}].guest_mac",
            message="missing; rewriting the file would fix a random MAC in it, "
            "so set guest_mac first",
        )
        for index, device in enumerate(document["devices"])
        if "guest_mac" not in device
    ]
