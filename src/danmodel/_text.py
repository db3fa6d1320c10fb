"""Strict JSON text parsing: size bound, UTF-8, no NaN/Infinity, duplicate keys noticed."""

from __future__ import annotations

import json
import os
from typing import IO, Any, Final

from ._collector import collector_paused
from .errors import Problem, ValidationError

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "DuplicateKeys",
    "NonFinite",
    "Parsed",
    "decode_text",
    "parse",
    "read_document",
]


class NonFinite:
    """What the JSON parser returns for ``NaN``/``Infinity``, which are not JSON."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token


class DuplicateKeys(dict[str, Any]):
    """A JSON object in which some keys appear more than once (the last value is kept).

    ``pairs`` keeps every key and value in document order, for readers that
    model what a runtime does with the repeated keys.
    """

    __slots__ = ("duplicates", "pairs")

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs
        counts: dict[str, int] = {}
        for key, _ in pairs:
            counts[key] = counts.get(key, 0) + 1
        self.duplicates = {key: n for key, n in counts.items() if n > 1}


MAX_DOCUMENT_BYTES: Final = 16 * 1024 * 1024
"""Largest document ``loads`` reads: 16 MiB (a 4096-device config is about 5 MiB)."""


class Parsed:
    """A parsed document and whether it holds duplicate keys or NaN/Infinity anywhere."""

    __slots__ = ("irregular", "value")

    def __init__(self, value: object, irregular: bool) -> None:
        self.value = value
        self.irregular = irregular


def _fail(
    message: str, source: str | None, line: int | None = None, column: int | None = None
) -> ValidationError:
    return ValidationError(
        [Problem(path="$", message=message, line=line, column=column)], source=source
    )


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def read_document(
    file: str | os.PathLike[str] | IO[str] | IO[bytes],
) -> tuple[str | bytes, str | None]:
    """A document from a path or an open file, and the name errors give it.

    At most one byte past :data:`MAX_DOCUMENT_BYTES` is read, so that
    :func:`decode_text` can tell a document that is too large. An unreadable
    path raises ``OSError``.
    """
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as stream:
            return _read_bounded(stream), os.fspath(file)
    name = getattr(file, "name", None)
    return _read_bounded(file), name if isinstance(name, str) else None


_CHUNK = 64 * 1024


def _read_bounded(stream: IO[str] | IO[bytes]) -> str | bytes:
    """At most ``MAX_DOCUMENT_BYTES + 1`` bytes (or characters) of ``stream``, to its end.

    Read in chunks: ``read(n)`` allocates ``n`` bytes up front, and 16 MiB for a
    file of a few kilobytes costs more than reading it.
    """
    chunks: list[Any] = []
    total = 0
    while total <= MAX_DOCUMENT_BYTES:
        chunk = stream.read(min(_CHUNK, MAX_DOCUMENT_BYTES + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if len(chunks) == 1:
        return chunks[0]  # type: ignore[no-any-return]
    if not chunks:
        return stream.read(0)
    return chunks[0][:0].join(chunks)  # type: ignore[no-any-return]


def decode_text(data: object, source: str | None) -> str:
    """The document as text: bytes must be UTF-8 without BOM; anything else is refused."""
    if isinstance(data, str):
        # A character is 1 to 4 bytes of UTF-8: encode only when the length is in doubt (an
        # ASCII string, which CPython knows without looking, is one byte per character).
        if len(data) > MAX_DOCUMENT_BYTES or (
            len(data) > MAX_DOCUMENT_BYTES // 4
            and not data.isascii()
            and len(data.encode("utf-8", "surrogatepass")) > MAX_DOCUMENT_BYTES
        ):
            raise _fail(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes", source)
        text = data
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise _fail(f"the document is larger than {MAX_DOCUMENT_BYTES} bytes", source)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line, column = _position(raw[: error.start].decode("utf-8"), error.start)
            raise _fail(
                f"invalid UTF-8 at byte {error.start}: a DAN config is UTF-8 text",
                source,
                line,
                column,
            ) from None
    else:
        raise _fail(f"expected JSON text (str or bytes), found {type(data).__name__}", source)
    if text.startswith("\ufeff"):
        raise _fail("the document starts with a byte order mark; JSON text has none", source, 1, 1)
    return text


class _Decoder:
    """A JSON decoder whose hooks mark duplicate keys and NaN, and whether it met any.

    Decoders are kept in a pool and reused: making one (the decoder and its C
    scanner) costs as much as parsing a small document. Each parse takes one
    from the pool, so concurrent parses never share the flag.
    """

    __slots__ = ("decode", "irregular")

    def __init__(self) -> None:
        self.irregular = False

        def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            result = dict(pairs)
            if len(result) != len(pairs):
                self.irregular = True
                return DuplicateKeys(pairs)
            return result

        def constant_hook(token: str) -> NonFinite:
            self.irregular = True
            return NonFinite(token)

        decoder = json.JSONDecoder(object_pairs_hook=pairs_hook, parse_constant=constant_hook)
        self.decode = decoder.decode


_DECODERS: list[_Decoder] = []
PAUSE_ABOVE: Final = 64 * 1024
"""Characters of text above which the collector is paused while it is parsed (see
:mod:`danmodel._collector`): a smaller document allocates too little to set it off more
than once."""


def parse(text: str, source: str | None) -> Parsed:
    """Parse JSON text; raise :class:`ValidationError` on anything that is not JSON."""
    try:
        decoder = _DECODERS.pop()  # atomic: each thread gets its own
    except IndexError:
        decoder = _Decoder()
    decoder.irregular = False
    try:
        if len(text) <= PAUSE_ABOVE:
            value = decoder.decode(text)
        else:
            with collector_paused():
                value = decoder.decode(text)
    except json.JSONDecodeError as error:
        raise _fail(f"invalid JSON: {error.msg}", source, error.lineno, error.colno) from None
    except RecursionError:
        raise _fail("the document nests arrays or objects too deeply to be read", source) from None
    except ValueError:  # Python refuses integers of more than 4300 digits
        raise _fail(
            "the document holds an integer too long to read (over 4300 digits)", source
        ) from None
    finally:
        irregular = decoder.irregular
        _DECODERS.append(decoder)
    return Parsed(value, irregular)
