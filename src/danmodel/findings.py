"""Deprecated alias of :mod:`danmodel.check` (moved in 0.2.0)."""

from __future__ import annotations

import warnings

from .check import (
    RULES,
    Finding,
    ProfileRejectedError,
    Rule,
    Severity,
    check,
    check_file,
    rules_markdown,
)

__all__ = [
    "RULES",
    "Finding",
    "ProfileRejectedError",
    "Rule",
    "Severity",
    "check",
    "check_file",
    "rules_markdown",
]

warnings.warn(
    "danmodel.findings is deprecated: import from danmodel.check",
    DeprecationWarning,
    stacklevel=2,
)
