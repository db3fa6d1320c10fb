"""``danmodel convert``: a DAN config to agent messages, or agent messages or a CNI result to one.

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
    direction.add_argument(
        "--from", dest="source", choices=("cni", "agent"), help="convert from this form"
    )
    parser.add_argument(
        "--agent-format",
        choices=("go", "proto3"),
        default="go",
        help="the JSON form of agent messages: the Go structs' (default) or canonical proto3",
    )
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
    from_agent = parser.add_argument_group("--from agent")
    from_agent.add_argument(
        "--device",
        action="append",
        default=[],
        metavar="NAME=TYPE:VALUE",
        help="the host device of interface NAME: host-tap:TAP, vhost-user:PATH or vfio:PCI "
        "(once per interface)",
    )
    from_agent.add_argument("--netns", help="the network namespace of the devices")
    from_cni = parser.add_argument_group("--from cni")
    from_cni.add_argument("--name", help="the interface name in the guest (required)")
    from_cni.add_argument("--tap", help="the host tap name, for a host-tap device")
    from_cni.add_argument(
        "--interface", type=int, metavar="INDEX", help="the index of the interface to convert"
    )
    add_runtime_option(
        parser,
        help="--to agent: what this Kata runtime sends (default: the runtime that attaches "
        "the devices, newest release); --from: write the config as it parses it",
    )
    add_report_options(parser, files=False)
    parser.set_defaults(run=run)


def _usage(message: str) -> int:
    print(f"danmodel convert: {message}", file=sys.stderr)
    return EXIT_USAGE


def run(arguments: argparse.Namespace) -> int:
    """Convert one file; 0 when converted, 1 when invalid, 2 on usage or read errors."""
    runtime = runtime_profile(arguments)
    settings: dict[str, object] = {"runtime": None if runtime is None else str(runtime)}
    only = {
        "cni": ("name", "tap", "interface"),
        "agent": ("device", "netns"),
        "to agent": ("keep_loopback", "strict"),
    }
    chosen = "to agent" if arguments.to == "agent" else arguments.source
    for direction, options in only.items():
        if direction == chosen:
            continue
        for option in options:
            value = getattr(arguments, option)
            if value is not None and value is not False and value != []:
                flag = "--" + option.replace("_", "-")
                where = "--to agent" if direction == "to agent" else f"--from {direction}"
                return _usage(f"{flag} applies to {where} only")
    if chosen == "to agent":
        result = _to_agent(arguments, runtime)
        return _finish(arguments, result, **settings)
    if chosen == "agent":
        return _finish(arguments, _from_agent(arguments, runtime), **settings)
    if arguments.name is None:
        return _usage("--from cni needs --name NAME (the interface name in the guest)")
    for option, value in (("--name", arguments.name), ("--tap", arguments.tap)):
        found = None if value is None else IFNAME.check(value)
        if found is not None:
            return _usage(f"{option}: {found[1]}")
    if arguments.interface is not None and arguments.interface < 0:
        return _usage("--interface: expected an index, 0 or more")
    result = _from_cni(arguments.file, arguments.name, arguments.tap, arguments.interface, runtime)
    return _finish(arguments, result, **settings)


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


def _problems(problems: tuple[Problem, ...]) -> tuple[Entry, ...]:
    return tuple(Entry.of_problem(problem) for problem in problems)


def _dropped(problems: tuple[Problem, ...]) -> tuple[Entry, ...]:
    return tuple(
        Entry.of_problem(problem, severity="warning", suffix=" (dropped)") for problem in problems
    )


def _to_agent(arguments: argparse.Namespace, runtime: Profile | None) -> FileResult:
    file = label(arguments.file)
    try:
        data = read_input(arguments.file)
    except OSError as error:
        return FileResult.unreadable(file, error)
    try:
        config = loads(data, source=file)
        converted = agent.from_dan_config(
            config,
            runtime=runtime or agent.runtime_for(config),
            drop_loopback=not arguments.keep_loopback,
            drop_routes_without_family=not arguments.strict,
            drop_neighbor_ips_without_prefix=not arguments.strict,
        )
    except ValidationError as error:
        return FileResult(
            file=file, status=EXIT_INVALID, problems=_problems(error.errors), source=data
        )
    sys.stdout.write(agent.dumps(converted.value, format=arguments.agent_format))
    return FileResult(file=file, status=EXIT_OK, problems=_dropped(converted.dropped), source=data)


def _from_agent(arguments: argparse.Namespace, runtime: Profile | None) -> FileResult:
    file = label(arguments.file)
    devices: dict[str, v2.Device] = {}
    problems: list[Problem] = []
    for given in arguments.device:
        name, equals, spec = given.partition("=")
        try:
            if not equals or not name:
                raise ValidationError(
                    [Problem(path="$", message=f"expected NAME=TYPE:VALUE, found {given!r}")]
                )
            devices[name] = agent.host_device(spec)
        except ValidationError as error:
            problems += [
                Problem(path=f"--device {given}", message=problem.message)
                for problem in error.errors
            ]
    if problems:
        return FileResult(file=file, status=EXIT_USAGE, problems=_problems(tuple(problems)))
    try:
        data = read_input(arguments.file)
    except OSError as error:
        return FileResult.unreadable(file, error)
    try:
        network = agent.loads(data, source=file, format=arguments.agent_format)
        converted = agent.to_dan_config(network, devices=devices, netns=arguments.netns)
        text = dumps(converted.value, profile=runtime)
    except ValidationError as error:
        return FileResult(
            file=file, status=EXIT_INVALID, problems=_problems(error.errors), source=data
        )
    sys.stdout.write(text)
    return FileResult(file=file, status=EXIT_OK, problems=_dropped(converted.dropped), source=data)


def _from_cni(
    name: str, guest_name: str, tap: str | None, interface: int | None, runtime: Profile | None
) -> FileResult:
    file = label(name)
    try:
        data = read_input(name)
    except OSError as error:
        return FileResult.unreadable(file, error)
    try:
        read = cni.read_result(data, source=file)
        converted = cni.to_dan_device(
            read.result, name=guest_name, tap_name=tap, interface=interface, source=file
        )
    except ValidationError as error:
        return FileResult(
            file=file, status=EXIT_INVALID, problems=_problems(error.errors), source=data
        )
    dropped = tuple(
        Entry.of_problem(problem, severity="warning", suffix=" (ignored)")
        for problem in read.ignored
    ) + _dropped(converted.dropped)
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
