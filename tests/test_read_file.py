"""``load(path)`` and the CLI read files with plain system calls and fail as ``open`` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from danmodel import MAX_DOCUMENT_BYTES, ValidationError, load
from danmodel._cli._shared import read_input
from danmodel._text import read_document
from danmodel.codec import read_file


def _outcome(read: object, path: str) -> tuple[str, object]:
    try:
        data = read(path)  # type: ignore[operator]
    except (OSError, ValueError) as error:
        return type(error).__name__, (str(error), getattr(error, "filename", None))
    return "bytes", data


@pytest.mark.parametrize("kind", ["file", "directory", "missing", "nul", "empty", "two chunks"])
def test_read_file_gives_what_read_document_gives(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "dan.json"
    name = str(path)
    if kind == "file":
        path.write_bytes(b'{"devices": []}')
    elif kind == "directory":
        path.mkdir()
    elif kind == "nul":
        name = name + "\0"
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "two chunks":
        path.write_bytes(b" " * 100_000 + b"{}")
    expected = _outcome(lambda p: read_document(p)[0], name)
    assert _outcome(read_file, name) == expected
    assert _outcome(read_input, name) == expected
    assert (expected[0] == "bytes") == (kind in ("file", "empty", "two chunks"))


def test_a_file_past_the_limit_is_read_one_byte_past_it(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (MAX_DOCUMENT_BYTES + 10))
    assert len(read_file(str(path))) == MAX_DOCUMENT_BYTES + 1
    with pytest.raises(ValidationError, match="larger than"):
        load(str(path))
