"""``danmodel fmt [--check] FILE...``: rewrite DAN config files in canonical form."""

from __future__ import annotations

import argparse
import sys

from ..check.profiles import Profile
from ..codec import dump, dumps, loads
from ..errors import ValidationError
from ._runtime import add_runtime_option, runtime_profile
from ._shared import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    STDIN,
    cannot,
    label,
    missing_guest_macs,
    print_problems,
    read_input,
)

__all__ = ["register", "run"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``fmt`` parser."""
    parser = commands.add_parser(
        "fmt",
        help="rewrite DAN config files in canonical form",
        description="Rewrite valid DAN config files in canonical form (as danmodel.dump() "
        "writes them), each replaced atomically; - reads stdin and writes stdout.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="a file, or - for stdin")
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 when a file is not in canonical form",
    )
    parser.add_argument(
        "--revision", type=int, choices=(1, 2), default=2, help="format revision (default 2)"
    )
    add_runtime_option(parser)
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Format (or check) every file; the exit status is the worst result."""
    runtime = runtime_profile(arguments)
    return max(
        _format(name, arguments.revision, arguments.check, runtime) for name in arguments.files
    )


def _format(name: str, revision: int, check: bool, runtime: Profile | None) -> int:
    try:
        data = read_input(name)
    except OSError as error:
        cannot("read", name, error)
        return EXIT_USAGE
    try:
        config = loads(data, revision=revision, source=label(name))
    except ValidationError as error:
        print_problems(name, error.errors)
        return EXIT_INVALID
    missing = missing_guest_macs(data)
    if missing:
        print_problems(name, missing)
        return EXIT_INVALID
    try:
        text = dumps(config, profile=runtime)
    except ValidationError as error:  # the runtime would reject the file
        print_problems(name, error.errors)
        return EXIT_INVALID
    canonical = data == text.encode("utf-8")
    if check:
        if not canonical:
            print(f"{label(name)}: not in canonical form")
            return EXIT_INVALID
        return EXIT_OK
    if name == STDIN:
        sys.stdout.write(text)
        return EXIT_OK
    if canonical:
        return EXIT_OK
    try:
        dump(config, name, profile=runtime)
    except OSError as error:
        cannot("write", name, error)
        return EXIT_USAGE
    print(f"{label(name)}: reformatted")
    return EXIT_OK
