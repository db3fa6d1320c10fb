"""``danmodel check --runtime NAME[@VERSION] FILE...``: what a runtime will do with each file."""

from __future__ import annotations

import argparse
import json
import sys

from ..check import Finding, Severity, check
from ..check.profiles import Profile
from ._runtime import add_runtime_option, runtime_profile
from ._shared import EXIT_INVALID, EXIT_OK, EXIT_USAGE, label, read_input

__all__ = ["register", "run"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` parser."""
    parser = commands.add_parser(
        "check",
        help="tell what a Kata runtime will do with DAN config files",
        description="Tell what a Kata runtime will do with DAN config files: "
        "errors (rejected file, failed sandbox), warnings (values dropped or changed), info.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="a file, or - for stdin")
    add_runtime_option(parser, required=True, help="the runtime that will read the files")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    parser.set_defaults(run=run)


def _summary(findings: list[Finding]) -> str:
    counts = dict.fromkeys(Severity, 0)
    for finding in findings:
        counts[finding.severity] += 1
    errors, warnings, infos = (counts[s] for s in Severity)
    return (
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}, "
        f"{infos} info"
    )


def run(arguments: argparse.Namespace) -> int:
    """Check every file; the exit status is the worst result."""
    chosen = runtime_profile(arguments)
    assert isinstance(chosen, Profile)  # the option is required
    threshold = Severity.WARNING.rank if arguments.strict else Severity.ERROR.rank
    status = EXIT_OK
    report = []
    for name in arguments.files:
        try:
            data = read_input(name)
        except OSError as error:
            print(f"{label(name)}: cannot read: {error.strerror or error}", file=sys.stderr)
            status = EXIT_USAGE
            continue
        findings = check(data, chosen, source=label(name))
        if any(finding.severity.rank >= threshold for finding in findings):
            status = max(status, EXIT_INVALID)
        if arguments.format == "json":
            report.append(
                {"file": label(name), "findings": [finding.to_dict() for finding in findings]}
            )
            continue
        for finding in findings:
            print(f"{label(name)}: {finding}")
        print(f"{label(name)}: {_summary(findings)} for {chosen}")
    if arguments.format == "json":
        json.dump({"runtime": str(chosen), "files": report}, sys.stdout, indent=2)
        print()
    return status
