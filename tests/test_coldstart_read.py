"""``load(path)`` reads a seekable file by ``pread`` and anything else to its end."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from danmodel import MAX_DOCUMENT_BYTES
from danmodel._text import read_document
from danmodel.codec import _CHUNK, read_file


@pytest.mark.parametrize(
    "size", [0, 1, _CHUNK - 1, _CHUNK, _CHUNK + 1, 3 * _CHUNK, MAX_DOCUMENT_BYTES + 2]
)
def test_a_regular_file_of_any_size_is_read_as_open_reads_it(tmp_path: Path, size: int) -> None:
    path = tmp_path / "dan.json"
    data = bytes(index % 251 for index in range(min(size, 3 * _CHUNK + 7)))
    data = (data * (size // max(len(data), 1) + 1))[:size]
    path.write_bytes(data)
    got = read_file(str(path))
    assert got == read_document(str(path))[0]
    assert got == data[: MAX_DOCUMENT_BYTES + 1]


def test_a_pipe_written_in_pieces_is_read_to_its_end() -> None:
    reading, writing = os.pipe()
    pieces = [b"{", b' "netns": "/x",', b" " * 100_000, b'"devices": []}']

    def write() -> None:
        with os.fdopen(writing, "wb", buffering=0) as stream:
            for piece in pieces:
                stream.write(piece)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        got = read_file(f"/proc/self/fd/{reading}")
    finally:
        os.close(reading)  # a writer still writing (a failed read) gets EPIPE
        writer.join(timeout=10)
    assert got == b"".join(pieces)


def test_a_fifo_is_read_to_its_end(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    data = b'{"devices": []}' * 10_000

    def write() -> None:
        with open(fifo, "wb") as stream:
            for start in range(0, len(data), 7000):
                stream.write(data[start : start + 7000])
                stream.flush()

    writer = threading.Thread(target=write, daemon=True)  # blocks in open() if never read
    writer.start()
    try:
        got = read_file(str(fifo))
    finally:
        writer.join(timeout=10)
    assert got == data
