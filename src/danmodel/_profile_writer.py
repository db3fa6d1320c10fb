"""The runtime-aware side of ``danmodel.dumps(config, profile=...)``."""

from __future__ import annotations

from typing import TypeVar

from . import v1, v2
from .findings import ProfileRejectedError, Severity, check
from .runtimes import Profile, profile, spelled_for

__all__ = ["prepare"]

_C = TypeVar("_C", bound=v1.DanConfig | v2.DanConfig)


def prepare(config: _C, runtime: str | Profile) -> _C:
    """The config spelled for ``runtime``; raises ProfileRejectedError if the runtime rejects it."""
    chosen = profile(runtime)
    if not isinstance(config, (v1.DanConfig, v2.DanConfig)):
        raise TypeError(f"expected a DanConfig, found {type(config).__name__}")
    spelled = spelled_for(config, chosen)
    errors = [f for f in check(spelled, chosen) if f.severity is Severity.ERROR]
    if errors:
        raise ProfileRejectedError(errors, str(chosen))
    return spelled
