"""``danmodel schema [--revision N] [--write DIR]``: print or write the JSON Schemas."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..revisions import LATEST
from ..schema import REVISIONS, SCHEMA_FILE, schema_text
from ._shared import EXIT_OK, EXIT_USAGE, cannot

__all__ = ["register", "run"]


def register(parser: argparse.ArgumentParser) -> None:
    """Add the ``schema`` options."""
    parser.add_argument(
        "--revision",
        type=int,
        choices=REVISIONS,
        default=None,
        help=f"format revision (default {LATEST})",
    )
    parser.add_argument(
        "--write",
        metavar="DIR",
        help=f"write each revision (or only --revision) to DIR/{SCHEMA_FILE.format(revision='N')}",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Print the schema, or write the schema files."""
    if arguments.write is None:
        sys.stdout.write(schema_text(arguments.revision or LATEST))
        return EXIT_OK
    if not arguments.write:
        print("danmodel schema: --write needs a directory name, not ''", file=sys.stderr)
        return EXIT_USAGE
    revisions = REVISIONS if arguments.revision is None else (arguments.revision,)
    for revision in revisions:
        path = Path(arguments.write, SCHEMA_FILE.format(revision=revision))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(schema_text(revision), encoding="utf-8")
        except OSError as error:
            cannot("write", str(path), error)
            return EXIT_USAGE
        print(f"wrote {path}")
    return EXIT_OK
