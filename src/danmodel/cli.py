"""The ``danmodel`` command line: ``danmodel validate FILE...``.

Exit status: 0 when every file is valid, 1 when any is invalid, 2 on a usage
error or an unreadable file. Problems print one a line as
``FILE: $.path: message``. Nothing here is imported by ``import danmodel``.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence

from .codec import load
from .errors import IgnoredKeysWarning, ValidationError

__all__ = ["main"]

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="danmodel", description="Validate Kata Containers DAN config files."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = commands.add_parser(
        "validate", help="check DAN config files", description="Check DAN config files."
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="a file, or - for stdin")
    validate.add_argument(
        "--revision", type=int, choices=(1, 2), default=2, help="format revision (default 2)"
    )
    validate.add_argument(
        "--lenient",
        action="store_true",
        help="ignore (and report) keys the format does not define, as the runtimes do",
    )
    return parser


def _validate(files: Sequence[str], revision: int, lenient: bool) -> int:
    status = EXIT_VALID
    for name in files:
        label = "<stdin>" if name == "-" else name
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", IgnoredKeysWarning)
            try:
                config = load(
                    sys.stdin.buffer if name == "-" else name,
                    revision=revision,
                    strict=not lenient,
                )
            except OSError as error:
                print(f"{label}: cannot read: {error.strerror or error}", file=sys.stderr)
                status = EXIT_USAGE
                continue
            except ValidationError as error:
                for problem in error.errors:
                    print(f"{label}: {problem}")
                status = max(status, EXIT_INVALID)
                continue
        for warning in caught:
            if isinstance(warning.message, IgnoredKeysWarning):
                for problem in warning.message.ignored:
                    print(f"{label}: {problem}")
        count = len(config.devices)
        print(f"{label}: valid (revision {revision}, {count} device{'s' * (count != 1)})")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    # File names and keys may hold anything; never let printing them raise.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        arguments = _parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code not in (0, None) else EXIT_VALID
    try:
        return _validate(arguments.files, arguments.revision, arguments.lenient)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): be quiet, as other Unix tools are.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130
