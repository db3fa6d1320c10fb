"""The ``--runtime NAME[@VERSION]`` option, for every subcommand that checks or writes files."""

from __future__ import annotations

import argparse

from ..check.profiles import RUNTIMES, Profile, ProfileError, profile

__all__ = ["add_runtime_option", "runtime_profile"]


def _profile(text: str) -> Profile:
    try:
        return profile(text)
    except ProfileError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_runtime_option(
    parser: argparse._ActionsContainer,
    *,
    required: bool = False,
    help: str = "write what this Kata runtime parses and refuse what it rejects",
) -> None:
    """Add ``--runtime NAME[@VERSION]``; :func:`runtime_profile` reads it back."""
    names = ", ".join(RUNTIMES)
    parser.add_argument(
        "--runtime",
        type=_profile,
        required=required,
        metavar="NAME[@VERSION]",
        help=f"{help} ({names}; a Kata release such as 3.15 after @, the latest without)",
    )


def runtime_profile(arguments: argparse.Namespace) -> Profile | None:
    """The profile given with ``--runtime``, or None when the option was not given."""
    chosen: Profile | None = getattr(arguments, "runtime", None)
    return chosen
