"""The ``danmodel`` command line.

Each subcommand is a module of :mod:`danmodel._cli`, found at start-up; see
that package for the contract. Exit status: 0 on success, 1 when a file is
invalid, 2 on a usage error or an unreadable file. Nothing here is imported
by ``import danmodel``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from . import _cli
from ._cli._shared import EXIT_INVALID, EXIT_OK, EXIT_USAGE

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="danmodel", description="Validate, convert and manage Kata Containers DAN configs."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in sorted(pkgutil.iter_modules(_cli.__path__), key=lambda info: info.name):
        if not module.name.startswith("_"):
            importlib.import_module(f"{_cli.__name__}.{module.name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    # File names and keys may hold anything; never let printing them raise.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        arguments = _parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code not in (0, None) else EXIT_OK
    try:
        status: int = arguments.run(arguments)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): be quiet, as other Unix tools are.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130
    return status
