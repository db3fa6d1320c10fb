"""``danmodel validate [-q] FILE...`` is parsed without argparse, exactly as argparse parses it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from danmodel import cli
from danmodel._cli.validate import plain_arguments

PLAIN = [
    ["validate", "a.json"],
    ["validate", "a.json", "b.json", "dir"],
    ["validate", "-q", "a.json"],
    ["validate", "--quiet", "a.json", "b.json"],
    ["validate", "a.json", "b.json", "-q"],
    ["validate", "a.json", "--quiet"],
    ["validate", ""],
    ["validate", "check"],
]
NOT_PLAIN = [
    [],
    ["validate"],
    ["validate", "-q"],
    ["validate", "-"],
    ["validate", "a.json", "-q", "b.json"],
    ["validate", "-q", "-q", "a.json"],
    ["validate", "--lenient", "a.json"],
    ["validate", "--revision", "1", "a.json"],
    ["validate", "--format=json", "a.json"],
    ["validate", "--glob", "*.dan", "dir"],
    ["validate", "--qui", "a.json"],
    ["validate", "--", "a.json"],
    ["validate", "-h"],
    ["check", "a.json"],
    ["--help"],
]


@pytest.mark.parametrize("argv", PLAIN, ids=" ".join)
def test_the_plain_form_gives_what_argparse_gives(argv: list[str]) -> None:
    plain = plain_arguments(argv)
    assert plain is not None
    expected = cli._parser("validate").parse_args(argv)
    assert vars(plain) == vars(expected)


@pytest.mark.parametrize("argv", NOT_PLAIN, ids=" ".join)
def test_anything_else_is_left_to_argparse(argv: list[str]) -> None:
    assert plain_arguments(argv) is None


def test_validate_file_does_not_import_argparse() -> None:
    code = (
        "import sys\n"
        "from danmodel.cli import main\n"
        "status = main(['validate', '-q', sys.argv[1]])\n"
        "print(status, 'argparse' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "no-such-file.json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.splitlines() == ["2 False"]
    assert "no-such-file.json: cannot read: No such file or directory" in done.stdout + done.stderr
