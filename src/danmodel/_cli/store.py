"""``danmodel store add|remove|show|list``: keep the DAN files of a directory, as CNI does."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .. import _text
from ..codec import dumps, from_dict
from ..errors import ValidationError
from ..store import DEFAULT_DIRECTORY, DanStore, InvalidSandboxId, StoreError
from ..v2 import DanConfig, DanDevice
from ._report import Entry, FileResult, Reporter, add_report_options
from ._runtime_option import add_runtime_option, runtime_profile
from ._shared import EXIT_INVALID, EXIT_OK, EXIT_USAGE, label, read_input

__all__ = ["register", "run"]


def register(parser: argparse.ArgumentParser) -> None:
    """Add the ``store`` actions and their options."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    directory = argparse.ArgumentParser(add_help=False)
    directory.add_argument(
        "--dir",
        default=DEFAULT_DIRECTORY,
        metavar="DIR",
        help=f"the directory of DAN files (default {DEFAULT_DIRECTORY})",
    )
    sandbox = argparse.ArgumentParser(add_help=False)
    sandbox.add_argument("sandbox_id", metavar="SANDBOX_ID", help="the sandbox's id")

    add = actions.add_parser(
        "add",
        parents=[directory, sandbox],
        help="add devices to a sandbox's file",
        description="Add a device, or every device of a config, to a sandbox's file "
        "(created if missing). A device already there is not added twice.",
    )
    add.add_argument(
        "file",
        metavar="DEVICE_FILE",
        help="a file holding one device object, or a DAN config whose devices are added; "
        "- for stdin",
    )
    add.add_argument(
        "--replace",
        action="store_true",
        help="replace a different device that has the same guest name",
    )
    add.add_argument(
        "--netns",
        help="the network namespace of a device file's device (a config names its own)",
    )
    add_runtime_option(add)
    add_report_options(add, files=False)

    remove = actions.add_parser(
        "remove",
        parents=[directory, sandbox],
        help="remove a sandbox's file, or one of its devices",
        description="Remove a sandbox's file, or with --device one of its devices (the file "
        "goes with its last device). Nothing to remove is not an error.",
    )
    remove.add_argument("--device", metavar="NAME", help="the guest name of the device to remove")
    add_runtime_option(remove)
    add_report_options(remove, files=False)

    actions.add_parser(
        "show",
        parents=[directory, sandbox],
        help="print a sandbox's file",
        description="Print a sandbox's file in canonical form.",
    )
    actions.add_parser(
        "list",
        parents=[directory],
        help="list the sandboxes that have a file",
        description="Print the id of every sandbox that has a file, one a line.",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Run the action; 0 done, 1 refused or invalid, 2 usage error or file not readable."""
    if not arguments.dir:
        print("danmodel store: --dir needs a directory name, not ''", file=sys.stderr)
        return EXIT_USAGE
    if arguments.action in ("show", "list"):
        store = DanStore(arguments.dir)
        try:
            return _LISTINGS[arguments.action](store, arguments)
        except InvalidSandboxId as error:
            print(f"danmodel store: {error}", file=sys.stderr)
            return EXIT_USAGE
        except StoreError as error:
            print(error, file=sys.stderr)
            return EXIT_USAGE
        except ValidationError as error:
            for problem in error.errors:
                print(f"{error.source or arguments.sandbox_id}: {problem}")
            return EXIT_INVALID
    runtime = runtime_profile(arguments)
    store = DanStore(arguments.dir, runtime=runtime)
    reporter = Reporter(
        f"store {arguments.action}",
        format=arguments.format,
        quiet=arguments.quiet,
        settings={"runtime": None if runtime is None else str(runtime)},
    )
    try:
        result = _CHANGES[arguments.action](store, arguments)
    except InvalidSandboxId as error:
        print(f"danmodel store: {error}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as error:
        result = FileResult(
            file=str(error.filename), status=EXIT_USAGE, error=error.strerror or str(error)
        )
    except ValidationError as error:
        result = FileResult(
            file=error.source or arguments.sandbox_id,
            status=EXIT_INVALID,
            problems=tuple(Entry.of_problem(problem) for problem in error.errors),
        )
    reporter.add(result)
    return reporter.finish()


def _add(store: DanStore, arguments: argparse.Namespace) -> FileResult:
    name = arguments.file
    file = label(name)
    try:
        data = read_input(name)
    except OSError as error:
        return FileResult.unreadable(file, error)
    try:
        value = _text.parse(_text.decode_text(data, file), file).value
        if isinstance(value, dict) and "devices" in value:
            config: DanConfig = from_dict(value)
            devices = config.devices
            if arguments.netns is not None:
                return FileResult(
                    file=file,
                    status=EXIT_USAGE,
                    error="--netns is for a device file; a config names its netns",
                )
            netns = config.netns
        else:
            devices = (from_dict(value, DanDevice),)
            netns = arguments.netns
    except ValidationError as error:
        entries = [Entry.of_problem(problem) for problem in error.errors]
        return FileResult(file=file, status=EXIT_INVALID, problems=tuple(entries), source=data)
    path = str(store.path(arguments.sandbox_id))
    details = {"sandbox": arguments.sandbox_id, "input": file}
    if store.add_devices(arguments.sandbox_id, devices, netns=netns, replace=arguments.replace):
        count = len(devices)
        return FileResult(
            file=path,
            status=EXIT_OK,
            notes=(f"added {count} device{'s' * (count != 1)} from {file}",),
            details={**details, "changed": True},
        )
    return FileResult(
        file=path,
        status=EXIT_OK,
        notes=(f"unchanged, the devices of {file} are already there",),
        details={**details, "changed": False},
    )


def _remove(store: DanStore, arguments: argparse.Namespace) -> FileResult:
    path = str(store.path(arguments.sandbox_id))
    device = arguments.device
    details = {"sandbox": arguments.sandbox_id}
    if device is None:
        removed = store.remove(arguments.sandbox_id)
        note = "removed" if removed else "no such file, nothing to remove"
    else:
        removed = store.remove_device(arguments.sandbox_id, device)
        note = (
            f"removed device {device!r}" if removed else f"no device {device!r}, nothing to remove"
        )
    return FileResult(
        file=path, status=EXIT_OK, notes=(note,), details={**details, "changed": removed}
    )


def _show(store: DanStore, arguments: argparse.Namespace) -> int:
    print(dumps(store.read(arguments.sandbox_id)), end="")
    return EXIT_OK


def _list(store: DanStore, arguments: argparse.Namespace) -> int:
    for sandbox_id in store.sandboxes():
        print(sandbox_id)
    return EXIT_OK


_CHANGES: dict[str, Callable[[DanStore, argparse.Namespace], FileResult]] = {
    "add": _add,
    "remove": _remove,
}
_LISTINGS: dict[str, Callable[[DanStore, argparse.Namespace], int]] = {
    "show": _show,
    "list": _list,
}
