"""``danmodel validate FILE...``: check DAN config files, print every problem."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence

import attrs

from ..codec import load
from ..errors import IgnoredKeysWarning, Problem, ValidationError
from ._shared import EXIT_INVALID, EXIT_OK, EXIT_USAGE, input_source, label, print_problems

__all__ = ["FileResult", "check", "register", "run"]


@attrs.frozen(kw_only=True)
class FileResult:
    """What validating one file found, whatever the output format."""

    name: str
    status: int
    devices: int | None = None
    problems: tuple[Problem, ...] = ()
    ignored: tuple[Problem, ...] = ()
    error: str | None = None
    """Why the file could not be read (status 2)."""


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
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: one line per problem (default); json: one report on standard output",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Validate every file; the exit status is the worst result."""
    results = []
    for name in arguments.files:
        result = check(name, revision=arguments.revision, lenient=arguments.lenient)
        if arguments.format == "text":
            _print_text(result, arguments.revision)
        results.append(result)
    if arguments.format == "json":
        _print_json(results, arguments.revision, arguments.lenient)
    return max((result.status for result in results), default=EXIT_OK)


def check(name: str, *, revision: int, lenient: bool) -> FileResult:
    """Validate the file *name* (``-``: standard input)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IgnoredKeysWarning)
        try:
            config = load(input_source(name), revision=revision, strict=not lenient)
        except OSError as error:
            return FileResult(name=name, status=EXIT_USAGE, error=str(error.strerror or error))
        except ValidationError as error:
            return FileResult(name=name, status=EXIT_INVALID, problems=error.errors)
    ignored = tuple(
        problem
        for warning in caught
        if isinstance(warning.message, IgnoredKeysWarning)
        for problem in warning.message.ignored
    )
    return FileResult(name=name, status=EXIT_OK, devices=len(config.devices), ignored=ignored)


def _print_text(result: FileResult, revision: int) -> None:
    if result.error is not None:
        print(f"{label(result.name)}: cannot read: {result.error}", file=sys.stderr)
        return
    print_problems(result.name, result.problems)
    print_problems(result.name, result.ignored)
    if result.devices is not None:
        count = result.devices
        print(
            f"{label(result.name)}: valid (revision {revision}, {count} device{'s' * (count != 1)})"
        )


def _problem(problem: Problem) -> dict[str, object]:
    return {
        "path": problem.path,
        "message": problem.message,
        "line": problem.line,
        "column": problem.column,
    }


def _print_json(results: Sequence[FileResult], revision: int, lenient: bool) -> None:
    report = {
        "valid": all(result.status == EXIT_OK for result in results),
        "revision": revision,
        "lenient": lenient,
        "files": [
            {
                "file": label(result.name),
                "valid": result.status == EXIT_OK,
                "devices": result.devices,
                "problems": [_problem(problem) for problem in result.problems],
                "ignored": [_problem(problem) for problem in result.ignored],
                "error": result.error,
            }
            for result in results
        ],
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
