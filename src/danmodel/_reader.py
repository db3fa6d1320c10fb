"""The one reader: every reading of JSON-shaped data in danmodel goes through :func:`read`.

DAN configs (:mod:`danmodel.codec`), agent messages (:mod:`danmodel.agent`),
CNI results (:mod:`danmodel.cni`) and the runtime readings of
:mod:`danmodel.check` are read by the field descriptors of
:mod:`danmodel._fields`, started here in one of three modes:

- strict: unknown keys are problems;
- lenient: unknown keys are listed as ignored;
- facts: an :class:`~danmodel._fields.Observer` reads as a runtime does and
  notes what it sees; values danmodel cannot read give way to defaults.

A plainly valid document takes the fast path (:mod:`danmodel._fast_reader`)
first; at the first doubt the detailed reader reads it again, so what users
see is always the detailed reader's account.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from ._fast_reader import Invalid, fast_reader
from ._fields import FAILED, Object, Observer, Reader
from .errors import IgnoredKeysWarning, Problem, ValidationError

__all__ = ["Outcome", "read", "read_or_raise"]


@attrs.frozen
class Outcome:
    """What one detailed read found."""

    value: object
    """The value read, or :data:`~danmodel._fields.FAILED`."""
    problems: Sequence[Problem]
    ignored: Sequence[Problem]
    omitted: int
    """Problems found beyond those listed."""

    @property
    def failed(self) -> bool:
        """Whether the value could not be read."""
        return self.value is FAILED or bool(self.problems)


def read(
    value: object,
    root: Object,
    *,
    strict: bool,
    irregular: bool = True,
    observer: Observer | None = None,
) -> Outcome:
    """Read ``value`` as ``root`` with the detailed reader; never raises for bad data."""
    reader = Reader(strict=strict, irregular=irregular, observer=observer)
    result = root.read(value, "$", reader)
    return Outcome(result, reader.problems, reader.ignored, reader.omitted)


def read_or_raise(
    value: object,
    root: Object,
    *,
    strict: bool,
    source: str | None,
    irregular: bool = True,
    stacklevel: int = 2,
    notes: Callable[[object], Sequence[Problem]] | None = None,
    text: str | None = None,
) -> Any:
    """The value read as ``root``, or a :class:`ValidationError` listing every problem.

    ``irregular`` says the document may hold duplicate keys or NaN (what
    :func:`danmodel._text.parse` found); a regular document read strictly
    takes the fast path. ``notes`` adds problems about the whole document
    (a hint for a common mistake) when it fails. Ignored keys are reported in
    an :class:`IgnoredKeysWarning`, ``stacklevel`` frames up. With the JSON
    ``text`` the value was parsed from, problems and ignored keys carry their
    line and column, found only when there is something to report.
    """
    if strict and not irregular:
        try:
            return fast_reader(root)(value)
        except (Invalid, ValueError):
            pass  # not plainly valid: the detailed reader says what and where
    outcome = read(value, root, strict=strict, irregular=irregular)
    if outcome.failed:
        problems = list(outcome.problems)
        if notes is not None:
            problems.extend(notes(value))
        if text is not None:
            from ._positions import positioned  # only on the error path

            problems = list(positioned(problems, text))
        raise ValidationError(problems, source=source, omitted=outcome.omitted)
    if outcome.ignored:
        ignored = outcome.ignored
        if text is not None:
            from ._positions import positioned  # only when there is something to report

            ignored = positioned(ignored, text)
        warnings.warn(IgnoredKeysWarning(ignored, source=source), stacklevel=stacklevel + 1)
    return outcome.value
