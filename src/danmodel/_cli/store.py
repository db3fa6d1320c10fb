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
from ._runtime import add_runtime_option, runtime_profile
from ._shared import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    cannot,
    label,
    print_problems,
    read_input,
)

__all__ = ["register", "run"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``store`` parser and its actions."""
    parser = commands.add_parser(
        "store",
        help="add, remove, show and list the DAN files of a directory",
        description="Add, remove, show and list the DAN files of a directory, "
        "{DIR}/{SANDBOX_ID}.json, with atomic writes under a per-sandbox lock.",
    )
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

    remove = actions.add_parser(
        "remove",
        parents=[directory, sandbox],
        help="remove a sandbox's file, or one of its devices",
        description="Remove a sandbox's file, or with --device one of its devices (the file "
        "goes with its last device). Nothing to remove is not an error.",
    )
    remove.add_argument("--device", metavar="NAME", help="the guest name of the device to remove")
    add_runtime_option(remove)

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
    store = DanStore(arguments.dir, runtime=runtime_profile(arguments))
    try:
        return _ACTIONS[arguments.action](store, arguments)
    except InvalidSandboxId as error:
        print(f"danmodel store: {error}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    except ValidationError as error:
        print_problems(error.source or arguments.sandbox_id, error.errors)
        return EXIT_INVALID


def _add(store: DanStore, arguments: argparse.Namespace) -> int:
    name = arguments.file
    try:
        data = read_input(name)
    except OSError as error:
        cannot("read", name, error)
        return EXIT_USAGE
    try:
        value = _text.parse(_text.decode_text(data, label(name)), label(name)).value
        if isinstance(value, dict) and "devices" in value:
            config: DanConfig = from_dict(value)
            devices = config.devices
            if arguments.netns is not None:
                print(
                    f"{label(name)}: --netns is for a device file; a config names its netns",
                    file=sys.stderr,
                )
                return EXIT_USAGE
            netns = config.netns
        else:
            devices = (from_dict(value, DanDevice),)
            netns = arguments.netns
    except ValidationError as error:
        print_problems(name, error.errors)
        return EXIT_INVALID
    path = store.path(arguments.sandbox_id)
    if store.add_devices(arguments.sandbox_id, devices, netns=netns, replace=arguments.replace):
        count = len(devices)
        print(f"{path}: added {count} device{'s' * (count != 1)} from {label(name)}")
    else:
        print(f"{path}: unchanged, the devices of {label(name)} are already there")
    return EXIT_OK


def _remove(store: DanStore, arguments: argparse.Namespace) -> int:
    path = store.path(arguments.sandbox_id)
    device = arguments.device
    if device is None:
        removed = store.remove(arguments.sandbox_id)
        print(f"{path}: removed" if removed else f"{path}: no such file, nothing to remove")
    elif store.remove_device(arguments.sandbox_id, device):
        print(f"{path}: removed device {device!r}")
    else:
        print(f"{path}: no device {device!r}, nothing to remove")
    return EXIT_OK


def _show(store: DanStore, arguments: argparse.Namespace) -> int:
    print(dumps(store.read(arguments.sandbox_id)), end="")
    return EXIT_OK


def _list(store: DanStore, arguments: argparse.Namespace) -> int:
    for sandbox_id in store.sandboxes():
        print(sandbox_id)
    return EXIT_OK


_ACTIONS: dict[str, Callable[[DanStore, argparse.Namespace], int]] = {
    "add": _add,
    "remove": _remove,
    "show": _show,
    "list": _list,
}
