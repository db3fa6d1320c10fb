"""``danmodel migrate --to N FILE``: print a DAN config in another format revision."""

from __future__ import annotations

import argparse
import sys

from ..codec import dumps, loads
from ..errors import ValidationError
from ..revisions import REVISIONS, downgrade
from ._runtime_option import add_runtime_option, runtime_profile
from ._shared import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    cannot,
    label,
    missing_guest_macs,
    print_problems,
    read_input,
)

__all__ = ["register", "run"]


def register(parser: argparse.ArgumentParser) -> None:
    """Add the ``migrate`` options."""
    parser.add_argument("file", metavar="FILE", help="a file, or - for stdin")
    parser.add_argument(
        "--to",
        type=int,
        choices=tuple(REVISIONS),
        required=True,
        metavar="N",
        help=f"target revision ({', '.join(map(str, REVISIONS))})",
    )
    add_runtime_option(parser)
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Migrate the file and print it."""
    name = arguments.file
    try:
        data = read_input(name)
    except OSError as error:
        cannot("read", name, error)
        return EXIT_USAGE
    try:
        # Revision 2 reads every revision-1 document as well; downgrade() goes from 2 to 1.
        config = loads(data, revision=2, source=label(name))
        missing = missing_guest_macs(data)
        if missing:
            print_problems(name, missing)
            return EXIT_INVALID
        migrated = config if arguments.to == 2 else downgrade(config)
        text = dumps(migrated, profile=runtime_profile(arguments))
    except ValidationError as error:
        print_problems(name, error.errors)
        return EXIT_INVALID
    sys.stdout.write(text)
    return EXIT_OK
