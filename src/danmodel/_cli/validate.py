"""``danmodel validate FILE...``: check DAN config files, print every problem."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from ..codec import load
from ..errors import IgnoredKeysWarning, ValidationError
from ._shared import EXIT_INVALID, EXIT_OK, EXIT_USAGE, input_source, label, print_problems

__all__ = ["register", "run"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``validate`` parser."""
    parser = commands.add_parser(
        "validate", help="check DAN config files", description="Check DAN config files."
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="a file, or - for stdin")
    parser.add_argument(
        "--revision", type=int, choices=(1, 2), default=2, help="format revision (default 2)"
    )
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="ignore (and report) keys the format does not define, as the runtimes do",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Validate every file; the exit status is the worst result."""
    return _validate(arguments.files, arguments.revision, arguments.lenient)


def _validate(files: Sequence[str], revision: int, lenient: bool) -> int:
    status = EXIT_OK
    for name in files:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", IgnoredKeysWarning)
            try:
                config = load(input_source(name), revision=revision, strict=not lenient)
            except OSError as error:
                print(f"{label(name)}: cannot read: {error.strerror or error}", file=sys.stderr)
                status = EXIT_USAGE
                continue
            except ValidationError as error:
                print_problems(name, error.errors)
                status = max(status, EXIT_INVALID)
                continue
        for warning in caught:
            if isinstance(warning.message, IgnoredKeysWarning):
                print_problems(name, warning.message.ignored)
        count = len(config.devices)
        print(f"{label(name)}: valid (revision {revision}, {count} device{'s' * (count != 1)})")
    return status
