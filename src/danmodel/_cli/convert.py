"""``danmodel convert``: a DAN config to agent messages, or a CNI result to a DAN config.

The converted document goes to standard output; what the conversion dropped
and any problem go to standard error as ``FILE: $.path: message`` lines.
"""

from __future__ import annotations

import argparse
import sys

from .. import agent, cni, v2
from .._fields import IFNAME
from ..check import Profile, ProfileRejectedError
from ..codec import dumps, loads
from ..errors import Problem, ValidationError
from ._report import Entry, FileResult, Reporter, add_report_options, positioned
from ._runtime_option import add_runtime_option, runtime_profile
from ._shared import EXIT_INVALID, EXIT_OK, EXIT_USAGE, label, read_input

__all__ = ["register", "run"]


def register(parser: argparse.ArgumentParser) -> None:
    """Add the ``convert`` options."""
    parser.add_argument("file", metavar="FILE", help="the input file, or - for stdin")
    direction = parser.add_mutually_exclusive_group(required=True)
    direction.add_argument("--to", choices=("agent",), help="convert a DAN config to this form")
    direction.add_argument("--from", dest="source", choices=("cni",), help="convert from this form")
    to_agent = parser.add_argument_group("--to agent")
    to_agent.add_argument(
        "--keep-loopback",
        action="store_true",
        help="keep loopback addresses (runtime-rs drops them)",
    )
    to_agent.add_argument(
        "--strict",
        action="store_true",
        help="fail on a route without family or a neighbor IP without prefix "
        "(runtime-rs drops them)",
    )
    from_cni = parser.add_argument_group("--from cni")
    from_cni.add_argument("--name", help="the interface name in the guest (required)")
    from_cni.add_argument("--tap", help="the host tap name, for a host-tap device")
    from_cni.add_argument(
        "--interface", type=int, metavar="INDEX", help="the index of the interface to convert"
    )
    add_runtime_option(
        from_cni, help="write the config as this Kata runtime parses it, refusing what it rejects"
    )
    add_report_options(parser, files=False)
    parser.set_defaults(run=run)


def _usage(message: str) -> int:
    print(f"danmodel convert: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(arguments: argparse.Namespace) -> int:
    """Convert one file; 0 when converted, 1 when invalid, 2 on usage or read errors."""
    if arguments.to == "agent":
        given = [
            option
            for option in ("name", "tap", "interface", "runtime")
            if getattr(arguments, option) is not None
        ]
        if given:
            return _usage(f"--{given[0]} applies to --from cni only")
        result = _to_agent(arguments.file, arguments.keep_loopback, arguments.strict)
        return _finish(arguments, result)
    if arguments.keep_loopback or arguments.strict:
        return _usage("--keep-loopback and --strict apply to --to agent only")
    if arguments.name is None:
        return _usage("--from cni needs --name NAME (the interface name in the guest)")
    for option, value in (("--name", arguments.name), ("--tap", arguments.tap)):
        found = None if value is None else IFNAME.check(value)
        if found is not None:
            return _usage(f"{option}: {found[1]}")
    if arguments.interface is not None and arguments.interface < 0:
        return _usage("--interface: expected an index, 0 or more")
    runtime = runtime_profile(arguments)
    result = _from_cni(arguments.file, arguments.name, arguments.tap, arguments.interface, runtime)
    return _finish(arguments, result, runtime=None if runtime is None else str(runtime))


def _finish(arguments: argparse.Namespace, result: FileResult, **settings: object) -> int:
    """Report on standard error: standard output carries the converted document."""
    direction = {"to": arguments.to} if arguments.to else {"from": arguments.source}
    reporter = Reporter(
        "convert",
        format=arguments.format,
        quiet=arguments.quiet,
        settings={**direction, **settings},
        stream=sys.stderr,
    )
    reporter.add(result)
    return reporter.finish()


def _cannot_read(file: str, error: OSError) -> FileResult:
    return FileResult(file=file, status=EXIT_USAGE, error=f"cannot read: {error.strerror or error}")


def _problems(problems: tuple[Problem, ...]) -> tuple[Entry, ...]:
    return tuple(Entry.of_problem(problem) for problem in problems)


def _dropped(problems: tuple[Problem, ...]) -> tuple[Entry, ...]:
    return tuple(
        Entry.of_problem(problem, severity="warning", suffix=" (dropped)") for problem in problems
    )


def _to_agent(name: str, keep_loopback: bool, strict: bool) -> FileResult:
    file = label(name)
    try:
        data = read_input(name)
    except OSError as error:
        return _cannot_read(file, error)
    try:
        config = loads(data, source=file)
        converted = agent.from_dan_config(
            config,
            drop_loopback=not keep_loopback,
            drop_routes_without_family=not strict,
            drop_neighbor_ips_without_prefix=not strict,
        )
    except ValidationError as error:
        return FileResult(
            file=file, status=EXIT_INVALID, problems=_problems(error.errors), source=data
        )
    sys.stdout.write(agent.dumps(converted.value))
    return FileResult(file=file, status=EXIT_OK, problems=_dropped(converted.dropped), source=data)


def _from_cni(
    name: str, guest_name: str, tap: str | None, interface: int | None, runtime: Profile | None
) -> FileResult:
    file = label(name)
    try:
        data = read_input(name)
    except OSError as error:
        return _cannot_read(file, error)
    try:
        converted = cni.to_dan_device(
            data, name=guest_name, tap_name=tap, interface=interface, source=file
        )
    except ValidationError as error:
        return FileResult(
            file=file, status=EXIT_INVALID, problems=_problems(error.errors), source=data
        )
    dropped = _dropped(converted.dropped)
    try:
        text = dumps(v2.DanConfig(devices=[converted.value]), profile=runtime)
    except ProfileRejectedError as error:
        # Paths in the config that would be written, not in the input: no positions for them.
        return FileResult(
            file=file,
            status=EXIT_INVALID,
            problems=(positioned(dropped, data) if dropped else ()) + _problems(error.errors),
        )
    sys.stdout.write(text)
    return FileResult(file=file, status=EXIT_OK, problems=dropped, source=data)
