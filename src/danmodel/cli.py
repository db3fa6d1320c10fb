"""The ``danmodel`` command line.

:data:`COMMANDS` is the table of subcommands: name, module, help. Only the
module of the command that runs is imported (``danmodel validate`` loads no
runtime rules, agent, CNI or store code), so adding a command is one row here
and one module in :mod:`danmodel._cli`. Exit status: 0 on success, 1 when a
file is invalid, 2 on a usage error, an unreadable file or an output that
cannot be written. Nothing here is imported by ``import danmodel``.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple, TextIO

from ._cli._shared import EXIT_INVALID, EXIT_OK, EXIT_USAGE
from .errors import DanError, ValidationError

if TYPE_CHECKING:
    import argparse

__all__ = ["COMMANDS", "Command", "main"]


class Command(NamedTuple):
    """One subcommand: its module defines ``register(parser)``, which sets ``run``."""

    name: str
    module: str
    help: str
    description: str


COMMANDS = (
    Command(
        "validate",
        "danmodel._cli.validate",
        "check DAN config files",
        "Check DAN config files (or the *.json files under a directory) and print every problem.",
    ),
    Command(
        "check",
        "danmodel._cli.check",
        "tell what a Kata runtime will do with DAN config files",
        "Tell what a Kata runtime will do with DAN config files: "
        "errors (rejected file, failed sandbox), warnings (values dropped or changed), info.",
    ),
    Command(
        "fmt",
        "danmodel._cli.fmt",
        "rewrite DAN config files in canonical form",
        "Rewrite valid DAN config files in canonical form (as danmodel.dump() writes them), "
        "each in place; - reads stdin and writes stdout.",
    ),
    Command(
        "migrate",
        "danmodel._cli.migrate",
        "print a DAN config in another format revision",
        "Print FILE in canonical form for format revision N. A downgrade that would lose "
        "anything (a vfio device, route flags or mtu) is refused.",
    ),
    Command(
        "convert",
        "danmodel._cli.convert",
        "convert a DAN config to agent messages, or a CNI result to a DAN config",
        "Convert a DAN config to the agent's JSON form (--to agent), or a CNI ADD result to "
        "a DAN config (--from cni). Dropped data and problems are reported on stderr.",
    ),
    Command(
        "schema",
        "danmodel._cli.schema",
        "print the JSON Schema of a format revision",
        "Print the JSON Schema (draft 2020-12) of a format revision.",
    ),
    Command(
        "store",
        "danmodel._cli.store",
        "add, remove, show and list the DAN files of a directory",
        "Add, remove, show and list the DAN files of a directory, "
        "{DIR}/{SANDBOX_ID}.json, with atomic writes under a per-sandbox lock.",
    ),
)
"""Every subcommand, in the order ``danmodel --help`` lists them."""


def _formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's formatter, told the terminal width (else it imports shutil to ask)."""
    import argparse

    try:
        width = os.get_terminal_size().columns
    except OSError:
        width = 80
    return argparse.HelpFormatter(prog, width=max(width - 2, 40))


def _parser(chosen: str | None) -> argparse.ArgumentParser:
    """The parser; only the *chosen* command's module is imported to fill in its options."""
    import argparse  # not for `validate FILE` (see _cli.validate.plain_arguments)

    parser = argparse.ArgumentParser(
        prog="danmodel",
        description="Validate, convert and manage Kata Containers DAN configs.",
        formatter_class=_formatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        sub = commands.add_parser(
            command.name,
            help=command.help,
            description=command.description,
            formatter_class=_formatter,
        )
        if command.name == chosen:
            importlib.import_module(command.module).register(sub)
    return parser


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named in *argv*, if any (the top-level parser has no other operands)."""
    for argument in argv:
        if not argument.startswith("-"):
            return argument
        if argument == "--":
            break
    return None


def _plain(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments of a plain ``validate [-q] FILE...``, parsed without argparse; else None."""
    if not argv or argv[0] != "validate":
        return None
    from ._cli.validate import plain_arguments

    return plain_arguments(argv)


class _ClosedOutput:
    """Stands for a standard stream the process was started without (``>&-``)."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "the stream is closed")

    def flush(self) -> None:
        pass


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _say(message: str) -> None:
    # When standard error is gone too, the exit status tells.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    for name in ("stdout", "stderr"):
        stream: TextIO | None = getattr(sys, name)
        if stream is None:
            setattr(sys, name, _ClosedOutput())
        elif hasattr(stream, "reconfigure"):
            # File names and keys may hold anything; never let printing them raise.
            stream.reconfigure(errors="backslashreplace")
    try:
        try:
            arguments = _plain(argv) or _parser(_chosen(argv)).parse_args(argv)
        except SystemExit as exit_:
            status = EXIT_USAGE if exit_.code not in (0, None) else EXIT_OK
        else:
            status = arguments.run(arguments)
        sys.stdout.flush()
    except OSError as error:
        # Mostly output failures (each command reports its own files): a closed
        # pipe (`| head`), a full device (`>/dev/full`), a closed stdout.
        _quiet_stdout()
        reason = error.strerror or str(error)
        if error.filename is not None:
            _say(f"danmodel: {error.filename}: {reason}")
        elif error.errno == errno.EPIPE:
            _say(f"danmodel: cannot write the output: {reason} (the reader went away)")
        else:
            _say(f"danmodel: cannot write the output: {reason}")
        return EXIT_USAGE
    except ValidationError as error:  # a command left it unreported: still no traceback
        _say(f"danmodel: {error}")
        return EXIT_INVALID
    except DanError as error:
        _say(f"danmodel: {error}")
        return EXIT_USAGE
    except MemoryError:
        _say("danmodel: out of memory")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return int(status)
