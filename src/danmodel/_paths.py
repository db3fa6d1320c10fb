"""Paths, quoted keys and hints: the small helpers every message of danmodel uses.

Paths use the JSONPath syntax of jsonschema's ``json_path``:
``$.devices[0].network_info.routes[1].gateway``. Nothing here imports
anything else of danmodel.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "duplicate_message",
    "hint",
    "join",
    "key_text",
    "non_finite_message",
    "number_text",
    "shorten",
    "shown",
]

PATH_KEY_LIMIT = 256
"""Longest key written whole in a path; a longer one is shortened (see :func:`shorten`)."""
MESSAGE_TEXT_LIMIT = 64
"""Longest text shown whole in a message."""


def shorten(text: str, limit: int = MESSAGE_TEXT_LIMIT) -> str:
    """``text``, or its start and its length when it is longer than ``limit`` characters.

    Messages and paths stay small whatever the document holds.

    >>> shorten("x" * 100, 8)
    'xxxxxxxx... (100 characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def number_text(value: int) -> str:
    """An integer for a message: its digits, or how many there are when it is huge.

    Python refuses to write an integer of more than 4300 digits as text.
    """
    if value.bit_length() <= 256:
        return str(value)
    return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"


def shown(value: object, limit: int = MESSAGE_TEXT_LIMIT) -> str:
    """``repr(value)`` for a message, shortened like :func:`shorten` when it is long."""
    if type(value) is str:
        return (
            repr(value)
            if len(value) <= limit
            else repr(value[:limit]) + f"... ({len(value)} characters)"
        )
    if isinstance(value, (tuple, list, dict)) and len(value) > 8:
        return f"a {type(value).__name__} of {len(value)} items"
    if type(value) is int:
        return number_text(value)
    text = repr(value)
    return text if len(text) <= 2 * limit else text[: 2 * limit] + "..."


_PATH_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_]*")


def join(path: str, key: object) -> str:
    """``path`` extended by an object key, in the JSONPath syntax jsonschema uses.

    Unprintable characters of a key (controls, lone surrogates) are written as
    ``\\uXXXX`` escapes, so a path is always safe to print.
    """
    key = shorten(key, PATH_KEY_LIMIT) if type(key) is str else repr(key)
    if _PATH_NAME.fullmatch(key):
        return f"{path}.{key}"
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    if not escaped.isprintable():
        escaped = "".join(c if c.isprintable() else _escape(c) for c in escaped)
    return f"{path}['{escaped}']"


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def hint(key: object, known: Mapping[str, object]) -> str:
    """`` (did you mean "x"?)`` for an unknown key close to a known one, else ``""``."""
    key = key if type(key) is str else repr(key)
    if len(key) > MESSAGE_TEXT_LIMIT:
        return ""  # no key that long is close to a field name
    folded = key.casefold()
    for name in known:
        if name.casefold() == folded:
            return f' (did you mean "{name}"?)'
    import difflib  # only on this error path, to keep `import danmodel` light

    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.7)
    return f' (did you mean "{close[0]}"?)' if close else ""


def key_text(key: object) -> str:
    """A key quoted for a message, with anything unprintable escaped, shortened when long."""
    key = shorten(key) if type(key) is str else repr(key)
    return (
        '"'
        + key.encode("unicode_escape", "backslashreplace").decode("ascii").replace('"', '\\"')
        + '"'
    )


def duplicate_message(key: object, count: int) -> str:
    """The message for a key that appears ``count`` times in one object."""
    return (
        f"key {key_text(key)} appears {count} times in one object "
        "(runtime-rs rejects duplicate keys, the Go runtime keeps the last)"
    )


def non_finite_message(token: str) -> str:
    """The message for NaN or Infinity, which JSON does not have."""
    return f"{token} is not valid JSON (JSON has no NaN or Infinity)"
