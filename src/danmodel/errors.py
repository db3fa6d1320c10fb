"""The errors and warnings danmodel raises.

One root, :class:`DanError`; invalid input of any kind is a
:class:`ValidationError` whose :attr:`~ValidationError.errors` list every
problem found, each at a path in the syntax ``$.devices[0].network_info.mtu``.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = ["DanError", "IgnoredKeysWarning", "Problem", "ValidationError"]


@attrs.frozen(kw_only=True, eq=False, repr=False)  # written below, as attrs would: imports faster
class Problem:
    """One thing wrong (or ignored) at one place of a document."""

    path: str
    """Where, as a JSONPath: ``$`` is the document, ``$.devices[0].name`` a key in it."""
    message: str
    """What was found and what was expected."""
    line: int | None = None
    """1-based line in the JSON text, for syntax errors."""
    column: int | None = None
    """1-based column in the JSON text, for syntax errors."""

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        mine = (self.path, self.message, self.line, self.column)
        return mine == (other.path, other.message, other.line, other.column)

    def __hash__(self) -> int:
        return hash((Problem, self.path, self.message, self.line, self.column))

    def __repr__(self) -> str:
        return (
            f"{type(self).__qualname__}(path={self.path!r}, message={self.message!r}, "
            f"line={self.line!r}, column={self.column!r})"
        )

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where = f"{where} (line {self.line}, column {self.column})"
        return f"{where}: {self.message}"


class DanError(Exception):
    """Root of every exception danmodel raises on purpose."""


class ValidationError(DanError, ValueError):
    """A document or value is not a valid DAN config; :attr:`errors` says where and why."""

    errors: tuple[Problem, ...]
    source: str | None
    omitted: int
    """Problems found beyond those listed (a read lists at most 1000)."""

    def __init__(
        self, errors: Iterable[Problem], *, source: str | None = None, omitted: int = 0
    ) -> None:
        self.errors = tuple(errors)
        self.source = source
        self.omitted = omitted
        super().__init__(self._summary())

    def _summary(self) -> str:
        count = len(self.errors) + self.omitted
        noun = "problem" if count == 1 else "problems"
        head = f"{count} {noun} in {self.source or 'DAN config'}"
        if count == 1:
            return f"{head}: {self.errors[0]}"
        lines = [f"  {problem}" for problem in self.errors]
        if self.omitted:
            lines.append(f"  and {self.omitted} more")
        return head + ":\n" + "\n".join(lines)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_validation_error, (self.errors, self.source, self.omitted))


def _rebuild_validation_error(
    errors: tuple[Problem, ...], source: str | None, omitted: int = 0
) -> ValidationError:
    return ValidationError(errors, source=source, omitted=omitted)


class IgnoredKeysWarning(UserWarning):
    """Lenient loading ignored keys the format does not define (the runtimes ignore them too).

    :attr:`ignored` lists each one with its path, so nothing is dropped silently.
    """

    ignored: tuple[Problem, ...]

    def __init__(self, ignored: Iterable[Problem], *, source: str | None = None) -> None:
        self.ignored = tuple(ignored)
        lines = "\n".join(f"  {problem}" for problem in self.ignored)
        super().__init__(f"{source or 'DAN config'}: ignored {len(self.ignored)} key(s):\n{lines}")
