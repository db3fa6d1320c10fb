"""``danmodel fmt [--check] FILE...``: rewrite DAN config files in canonical form.

A file is rewritten with :func:`danmodel._files.rewrite`: atomically, keeping
its mode and owner, through a symbolic link (the link stays a link); a file
with several hard links is refused (exit 2), as replacing it would split them.
"""

from __future__ import annotations

import argparse
import sys

from .._files import RewriteError, rewrite
from ..check import Profile
from ..codec import dumps, loads
from ..errors import Problem, ValidationError
from ._report import Entry, FileResult, Reporter, add_report_options, each_file
from ._runtime_option import add_runtime_option, runtime_profile
from ._shared import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    STDIN,
    add_revision_option,
    label,
    missing_guest_macs,
    read_input,
)

__all__ = ["register", "run"]

NOT_CANONICAL = "not in canonical form"


def register(parser: argparse.ArgumentParser) -> None:
    """Add the ``fmt`` options."""
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="a file, a directory, or - for stdin"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 when a file is not in canonical form",
    )
    add_revision_option(parser)
    add_runtime_option(parser)
    add_report_options(parser)
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Format (or check) every file; the exit status is the worst result."""
    if STDIN in arguments.files and not arguments.check and arguments.format != "text":
        print(
            "danmodel fmt: - writes the formatted document to stdout; "
            f"--format {arguments.format} needs --check",
            file=sys.stderr,
        )
        return EXIT_USAGE
    runtime = runtime_profile(arguments)
    reporter = Reporter(
        "fmt",
        format=arguments.format,
        quiet=arguments.quiet,
        settings={
            "revision": arguments.revision,
            "runtime": None if runtime is None else str(runtime),
            "check": arguments.check,
        },
    )
    for name in each_file(arguments.files, arguments.glob, reporter):
        reporter.add(_format(name, arguments.revision, arguments.check, runtime))
    return reporter.finish()


def _invalid(file: str, problems: tuple[Problem, ...] | list[Problem], data: bytes) -> FileResult:
    entries = [Entry.of_problem(problem) for problem in problems]
    return FileResult(
        file=file,
        status=EXIT_INVALID,
        problems=tuple(entries),
        source=data,
        details={"changed": False},
    )


def _format(name: str, revision: int, check: bool, runtime: Profile | None) -> FileResult:
    file = label(name)
    try:
        data = read_input(name)
    except OSError as error:
        return FileResult.unreadable(file, error, changed=False)
    try:
        config = loads(data, revision=revision, source=file)
    except ValidationError as error:
        return _invalid(file, error.errors, data)
    missing = missing_guest_macs(data)
    if missing:
        return _invalid(file, missing, data)
    try:
        text = dumps(config, profile=runtime)
    except ValidationError as error:  # the runtime would reject the file
        return _invalid(file, error.errors, data)
    canonical = data == text.encode("utf-8")
    if check:
        if canonical:
            return FileResult(file=file, status=EXIT_OK, details={"changed": False})
        line, column = _first_difference(data.decode("utf-8"), text)
        entry = Entry(path="$", message=NOT_CANONICAL, line=line, column=column, text=NOT_CANONICAL)
        return FileResult(
            file=file, status=EXIT_INVALID, problems=(entry,), details={"changed": False}
        )
    if name == STDIN:
        sys.stdout.write(text)
        return FileResult(file=file, status=EXIT_OK, details={"changed": not canonical})
    if canonical:
        return FileResult(file=file, status=EXIT_OK, details={"changed": False})
    try:
        rewrite(name, text.encode("utf-8"))
    except RewriteError as error:  # says why, and that the file is unchanged
        return FileResult(
            file=file, status=EXIT_USAGE, error=error.strerror, details={"changed": False}
        )
    except OSError as error:
        return FileResult(
            file=file,
            status=EXIT_USAGE,
            error=f"cannot write: {error.strerror or error}",
            details={"changed": False},
        )
    return FileResult(file=file, status=EXIT_OK, notes=("reformatted",), details={"changed": True})


def _first_difference(text: str, canonical: str) -> tuple[int, int]:
    """The 1-based line and column where *text* first differs from *canonical*."""
    low, high = 0, min(len(text), len(canonical))
    while low < high:  # the longest common prefix, by halving: C-speed comparisons
        middle = (low + high + 1) // 2
        if text[:middle] == canonical[:middle]:
            low = middle
        else:
            high = middle - 1
    line = text.count("\n", 0, low) + 1
    return line, low - (text.rfind("\n", 0, low) + 1) + 1
