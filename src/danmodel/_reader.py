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

from ._collector import collector_paused
from ._fast_reader import Invalid, fast_reader, top_level_items
from ._fields import FAILED, FAST_ITEMS, Field, Object, Observer, Reader
from .errors import IgnoredKeysWarning, Problem, ValidationError

__all__ = ["Outcome", "read", "read_or_raise"]


class Outcome:
    """What one detailed read found (a plain class: cheaper to define than an attrs one)."""

    __slots__ = ("ignored", "omitted", "problems", "value")

    def __init__(
        self, value: object, problems: Sequence[Problem], ignored: Sequence[Problem], omitted: int
    ) -> None:
        self.value = value
        """The value read, or :data:`~danmodel._fields.FAILED`."""
        self.problems = problems
        self.ignored = ignored
        self.omitted = omitted
        """Problems found beyond those listed."""

    def __repr__(self) -> str:
        return (
            f"Outcome(value={self.value!r}, problems={self.problems!r}, "
            f"ignored={self.ignored!r}, omitted={self.omitted!r})"
        )

    @property
    def failed(self) -> bool:
        """Whether the value could not be read."""
        return self.value is FAILED or bool(self.problems)


_ITEM_READERS: dict[Field, Callable[[object], object]] = {}


def _item_reader(kind: Field) -> Callable[[object], object]:
    """The fast reader of ``kind`` that returns FAILED instead of raising (see ``Reader.fast``)."""
    found = _ITEM_READERS.get(kind)
    if found is None:
        fast = fast_reader(kind)

        def found(value: object) -> object:
            try:
                return fast(value)
            except (Invalid, ValueError):
                return FAILED

        found = _ITEM_READERS.setdefault(kind, found)
    return found


def _never(value: object) -> object:
    return FAILED


def _plain_reader(observer: Observer) -> Callable[[Field], Callable[[object], object]]:
    """``Reader.fast`` for an observed read: the fast reader for the kinds the observer
    reads plainly, none for the others."""

    def fast(kind: Field) -> Callable[[object], object]:
        return _item_reader(kind) if observer.reads_plainly(kind) else _never

    return fast


def read(
    value: object,
    root: Object,
    *,
    strict: bool,
    irregular: bool = True,
    observer: Observer | None = None,
) -> Outcome:
    """Read ``value`` as ``root`` with the detailed reader; never raises for bad data."""
    # A large document is worth generating the fast readers for; a small one is read in detail.
    large = top_level_items(value) >= FAST_ITEMS
    fast: Callable[[Field], Callable[[object], object]] | None = None
    if large:
        fast = _item_reader if observer is None else _plain_reader(observer)
    reader = Reader(strict=strict, irregular=irregular, observer=observer, fast=fast)
    with collector_paused():
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
            with collector_paused():
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

            problems = list(positioned(problems, text, unique_keys=not irregular))
        raise ValidationError(problems, source=source, omitted=outcome.omitted)
    if outcome.ignored:
        ignored = outcome.ignored
        if text is not None:
            from ._positions import positioned  # only when there is something to report

            ignored = positioned(ignored, text, unique_keys=not irregular)
        warnings.warn(IgnoredKeysWarning(ignored, source=source), stacklevel=stacklevel + 1)
    return outcome.value
