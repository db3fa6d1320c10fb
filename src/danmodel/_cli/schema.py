"""``danmodel schema [--revision N] [--edition E] [--write DIR]``: print or write schemas."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..revisions import LATEST
from ..schema import EDITIONS, REVISIONS, schema_files, schema_text
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
        "--edition",
        choices=EDITIONS,
        default=EDITIONS[0],
        help=f"the dialect of the printed schema (default {EDITIONS[0]})",
    )
    parser.add_argument(
        "--write",
        metavar="DIR",
        help="write both editions of each revision (or only --revision) under DIR",
    )
    parser.set_defaults(run=run)


def run(arguments: argparse.Namespace) -> int:
    """Print the schema, or write the schema files."""
    if arguments.write is None:
        sys.stdout.write(schema_text(arguments.revision or LATEST, edition=arguments.edition))
        return EXIT_OK
    if not arguments.write:
        print("danmodel schema: --write needs a directory name, not ''", file=sys.stderr)
        return EXIT_USAGE
    revisions = REVISIONS if arguments.revision is None else (arguments.revision,)
    for name, text in schema_files(revisions).items():
        path = Path(arguments.write, name)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            cannot("write", str(path), error)
            return EXIT_USAGE
        print(f"wrote {path}")
    return EXIT_OK
