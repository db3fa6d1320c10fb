"""``danmodel validate FILE...``: check DAN config files, print every problem.

This module imports only the loader: no runtime rules, agent, CNI, store or
schema code (a test holds it to that).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

from ..codec import loads
from ..errors import IgnoredKeysWarning, ValidationError
from ._report import Entry, FileResult, Reporter, add_report_options, each_file
from ._shared import EXIT_INVALID, EXIT_OK, add_revision_option, label, read_input

if TYPE_CHECKING:
    import argparse

__all__ = ["plain_arguments", "register", "run", "validate_file"]


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


_QUIET = frozenset({"-q", "--quiet"})


def plain_arguments(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments of ``validate [-q] FILE...`` as argparse would parse them, without argparse.

    Only that plain form (``-q`` or ``--quiet`` first or last, no other option,
    no name starting with ``-``); anything else is None, for argparse to parse
    (and to word its errors). Importing argparse and building the parser
    (gettext, locale) would double what validating one file costs. A test
    holds the result to argparse's.
    """
    if len(argv) < 2 or argv[0] != "validate":
        return None
    operands = list(argv[1:])
    quiet = False
    if operands[0] in _QUIET:
        quiet = True
        del operands[0]
    elif operands[-1] in _QUIET:
        quiet = True
        del operands[-1]
    if not operands or any(name.startswith("-") for name in operands):
        return None
    from ..revisions import LATEST

    arguments = SimpleNamespace(
        command="validate",
        files=operands,
        revision=LATEST,
        lenient=False,
        format="text",
        quiet=quiet,
        glob="*.json",
        run=run,
    )
    return cast("argparse.Namespace", arguments)


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
    if not lenient:  # a strict read ignores nothing, so there is no warning to catch
        try:
            config = loads(data, revision=revision, strict=True, source=file)
        except ValidationError as error:
            return _invalid(file, data, error)
        return _valid(file, data, revision, len(config.devices), ())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IgnoredKeysWarning)
        try:
            config = loads(data, revision=revision, strict=False, source=file)
        except ValidationError as error:
            return _invalid(file, data, error)
    ignored = [
        Entry.of_problem(problem, severity="warning")
        for warning in caught
        if isinstance(warning.message, IgnoredKeysWarning)
        for problem in warning.message.ignored
    ]
    return _valid(file, data, revision, len(config.devices), tuple(ignored))


def _invalid(file: str, data: bytes, error: ValidationError) -> FileResult:
    problems = [Entry.of_problem(problem) for problem in error.errors]
    return FileResult(
        file=file,
        status=EXIT_INVALID,
        problems=tuple(problems),
        source=data,
        details={"devices": None},
    )


_NOTES: dict[tuple[int, int], tuple[str]] = {}
"""The note of a valid file, by revision and device count (the same text for most files)."""


def _valid(
    file: str, data: bytes, revision: int, count: int, ignored: tuple[Entry, ...]
) -> FileResult:
    notes = _NOTES.get((revision, count))
    if notes is None:
        note = f"valid (revision {revision}, {count} device{'s' * (count != 1)})"
        notes = _NOTES.setdefault((revision, count), (note,)) if count < 64 else (note,)
    return FileResult(
        file=file,
        status=EXIT_OK,
        problems=ignored,
        source=data if ignored else None,  # the reporter places problems in it, if any
        notes=notes,
        details={"devices": count},
    )
