"""``danmodel check --runtime NAME[@VERSION] FILE...``: what a runtime will do with each file."""

from __future__ import annotations

import argparse
import sys

from ..check import Profile, Severity, check
from ..errors import DanError
from ._report import Entry, FileResult, Reporter, add_report_options, each_file
from ._runtime_option import add_runtime_option, runtime_profile
from ._shared import EXIT_INVALID, EXIT_OK, EXIT_USAGE, label, read_input

__all__ = ["check_file", "register", "run"]


def register(parser: argparse.ArgumentParser) -> None:
    """Add the ``check`` options."""
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="a file, a directory, or - for stdin"
    )
    add_runtime_option(parser, required=True, help="the runtime that will read the files")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    parser.add_argument(
        "--kernel",
        action="store_true",
        help="also apply the guest configuration to the Linux kernel in a throwaway network "
        "namespace, as the agent would (root and the netlink extra)",
    )
    add_report_options(parser)
    parser.set_defaults(run=run)


def _counts(entries: tuple[Entry, ...]) -> str:
    counts = {severity.value: 0 for severity in Severity}
    for entry in entries:
        counts[entry.severity] += 1
    errors, warnings, infos = counts.values()
    return (
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}, "
        f"{infos} info"
    )


def run(arguments: argparse.Namespace) -> int:
    """Check every file; the exit status is the worst result."""
    chosen = runtime_profile(arguments)
    assert isinstance(chosen, Profile)  # the option is required
    reporter = Reporter(
        "check",
        format=arguments.format,
        quiet=arguments.quiet,
        settings={"runtime": str(chosen), "strict": arguments.strict},
        notes=[f"{chosen}: {note}" for note in chosen.notes()],
    )
    try:
        for name in each_file(arguments.files, arguments.glob, reporter):
            reporter.add(check_file(name, chosen, strict=arguments.strict, kernel=arguments.kernel))
    except DanError as error:  # no kernel to ask: no root, no namespaces, no pyroute2
        if type(error).__name__ != "KernelUnavailableError":
            raise
        print(f"danmodel check: --kernel: {error}", file=sys.stderr)
        return EXIT_USAGE
    return reporter.finish()


def check_file(name: str, runtime: Profile, *, strict: bool, kernel: bool = False) -> FileResult:
    """The findings of *runtime* on the file *name* (``-``: standard input)."""
    file = label(name)
    try:
        data = read_input(name)
    except OSError as error:
        return FileResult.unreadable(file, error)
    entries = tuple(
        Entry.of_finding(finding) for finding in check(data, runtime, source=file, kernel=kernel)
    )
    threshold = {Severity.ERROR.value} | ({Severity.WARNING.value} if strict else set())
    failed = any(entry.severity in threshold for entry in entries)
    return FileResult(
        file=file,
        status=EXIT_INVALID if failed else EXIT_OK,
        problems=entries,
        source=data,
        notes=(f"{_counts(entries)} for {runtime}",),
    )
