"""What the subcommands share: exit statuses, input names, problem output."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import BinaryIO

from ..errors import Problem

__all__ = [
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "STDIN",
    "input_source",
    "label",
    "print_problems",
]

EXIT_OK = 0
"""Success: every file is valid (or the command did its job)."""
EXIT_INVALID = 1
"""At least one file is invalid (or not canonical, for ``fmt --check``)."""
EXIT_USAGE = 2
"""A usage error, or a file that could not be read or written; wins over 1."""

STDIN = "-"
"""The file name that stands for standard input."""


def label(name: str) -> str:
    """The name a file is reported under: ``<stdin>`` for ``-``."""
    return "<stdin>" if name == STDIN else name


def input_source(name: str) -> str | BinaryIO:
    """What :func:`danmodel.load` should read for the command-line name *name*."""
    return sys.stdin.buffer if name == STDIN else name


def print_problems(name: str, problems: Iterable[Problem], suffix: str = "") -> None:
    """Print one ``FILE: $.path: message`` line per problem on standard output."""
    for problem in problems:
        print(f"{label(name)}: {problem}{suffix}")
