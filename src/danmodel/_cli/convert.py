"""``danmodel convert``: a DAN config to agent messages, or a CNI result to a DAN config.

The converted document goes to standard output; what the conversion dropped
and any problem go to standard error as ``FILE: $.path: message`` lines.
"""

from __future__ import annotations

import argparse
import sys

from .. import agent, cni, v2
from .._fields import IFNAME
from ..check.findings import ProfileRejectedError
from ..check.profiles import Profile
from ..codec import dumps, load
from ..errors import Problem, ValidationError
from ._runtime import add_runtime_option, runtime_profile
from ._shared import EXIT_INVALID, EXIT_OK, EXIT_USAGE, cannot, input_source, label, read_input

__all__ = ["register", "run"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``convert`` parser."""
    parser = commands.add_parser(
        "convert",
        help="convert a DAN config to agent messages, or a CNI result to a DAN config",
        description="Convert a DAN config to the agent's JSON form (--to agent), or a CNI "
        "ADD result to a DAN config (--from cni). Dropped data is reported on stderr.",
    )
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
    parser.set_defaults(run=run)


def _usage(message: str) -> int:
    print(f"danmodel convert: {message}", file=sys.stderr)
    return EXIT_USAGE


def _report(name: str, problems: tuple[Problem, ...], suffix: str = "") -> None:
    for problem in problems:
        print(f"{label(name)}: {problem}{suffix}", file=sys.stderr)


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
        return _to_agent(arguments.file, arguments.keep_loopback, arguments.strict)
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
    return _from_cni(
        arguments.file,
        arguments.name,
        arguments.tap,
        arguments.interface,
        runtime_profile(arguments),
    )


def _to_agent(name: str, keep_loopback: bool, strict: bool) -> int:
    try:
        config = load(input_source(name))
        converted = agent.from_dan_config(
            config,
            drop_loopback=not keep_loopback,
            drop_routes_without_family=not strict,
            drop_neighbor_ips_without_prefix=not strict,
        )
    except OSError as error:
        cannot("read", name, error)
        return EXIT_USAGE
    except ValidationError as error:
        _report(name, error.errors)
        return EXIT_INVALID
    _report(name, converted.dropped, " (dropped)")
    sys.stdout.write(agent.dumps(converted.value))
    return EXIT_OK


def _from_cni(
    name: str, guest_name: str, tap: str | None, interface: int | None, runtime: Profile | None
) -> int:
    try:
        converted = cni.to_dan_device(
            read_input(name), name=guest_name, tap_name=tap, interface=interface, source=label(name)
        )
    except OSError as error:
        cannot("read", name, error)
        return EXIT_USAGE
    except ValidationError as error:
        _report(name, error.errors)
        return EXIT_INVALID
    _report(name, converted.dropped, " (dropped)")
    try:
        text = dumps(v2.DanConfig(devices=[converted.value]), profile=runtime)
    except ProfileRejectedError as error:
        _report(name, error.errors)
        return EXIT_INVALID
    sys.stdout.write(text)
    return EXIT_OK
