"""Deprecated alias of :mod:`danmodel.check.profiles` (moved in 0.2.0)."""

from __future__ import annotations

import warnings

from .check.profiles import (
    GO_RUNTIME,
    RUNTIME_RS,
    RUNTIMES,
    Profile,
    ProfileError,
    Runtime,
    Version,
    profile,
)
from .check.spelling import spelled_for

__all__ = [
    "GO_RUNTIME",
    "RUNTIMES",
    "RUNTIME_RS",
    "Profile",
    "ProfileError",
    "Runtime",
    "Version",
    "profile",
    "spelled_for",
]

warnings.warn(
    "danmodel.runtimes is deprecated: import from danmodel.check",
    DeprecationWarning,
    stacklevel=2,
)
