"""What every converter of danmodel returns: the converted value and what it left out.

The converters (:mod:`danmodel.agent`, :mod:`danmodel.cni`) never drop data
silently: whatever of their input has no place in their output is listed in
:attr:`Converted.dropped`, each entry a :class:`~danmodel.errors.Problem` whose
path points into the input.
"""

from __future__ import annotations

from typing import Generic, TypeVar

import attrs

from .errors import Problem

__all__ = ["Converted"]

_T = TypeVar("_T")


@attrs.frozen(kw_only=True)
class Converted(Generic[_T]):
    """A converter's result: ``value``, and ``dropped``, what of the input it does not hold."""

    value: _T
    """The converted value."""
    dropped: tuple[Problem, ...] = ()
    """What was left out: for each, the path into the input and why."""
