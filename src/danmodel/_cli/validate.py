"""``danmodel validate FILE...``: check DAN config files, print every problem.

This module imports only the loader: no runtime rules, agent, CNI, store or
schema code (a test holds it to that).
"""

from __future__ import annotations

import argparse
import warnings

from ..codec import loads
from ..errors import IgnoredKeysWarning, ValidationError
from ._report import Entry, FileResult, Reporter, add_report_options, each_file
from ._shared import EXIT_INVALID, EXIT_OK, add_revision_option, label, read_input

__all__ = ["register", "run", "validate_file"]


def register(parser: argparse.ArgumentParser) -> None:
    """Add the ``validate`` options."""
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="a file, a directory, or - for stdin"
    )
    add_revision_option(parser)
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="ignore (and report) keys the format does not define, as the runtimes do",
    )
    add_report_options(parser)
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Validate every file; the exit status is the worst result."""
    reporter = Reporter(
        "validate",
        format=arguments.format,
        quiet=arguments.quiet,
        settings={"revision": arguments.revision, "lenient": arguments.lenient},
    )
    for name in each_file(arguments.files, arguments.glob, reporter):
        reporter.add(validate_file(name, revision=arguments.revision, lenient=arguments.lenient))
    return reporter.finish()


def validate_file(name: str, *, revision: int, lenient: bool) -> FileResult:
    """Validate the file *name* (``-``: standard input)."""
    file = label(name)
    try:
        data = read_input(name)
    except OSError as error:
        return FileResult.unreadable(file, error, devices=None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IgnoredKeysWarning)
        try:
            config = loads(data, revision=revision, strict=not lenient, source=file)
        except ValidationError as error:
            problems = [Entry.of_problem(problem) for problem in error.errors]
            return FileResult(
                file=file,
                status=EXIT_INVALID,
                problems=tuple(problems),
                source=data,
                details={"devices": None},
            )
    ignored = [
        Entry.of_problem(problem, severity="warning")
        for warning in caught
        if isinstance(warning.message, IgnoredKeysWarning)
        for problem in warning.message.ignored
    ]
    count = len(config.devices)
    return FileResult(
        file=file,
        status=EXIT_OK,
        problems=tuple(ignored),
        source=data,
        notes=(f"valid (revision {revision}, {count} device{'s' * (count != 1)})",),
        details={"devices": count},
    )
