"""Deprecated alias: :class:`Converted` now lives with the converters (moved in 0.2.0).

Import it from :mod:`danmodel` (or :mod:`danmodel.agent`, :mod:`danmodel.cni`).
"""

from __future__ import annotations

import warnings

from ._conversion import Converted

__all__ = ["Converted"]

warnings.warn(
    "danmodel.convert is deprecated: import Converted from danmodel",
    DeprecationWarning,
    stacklevel=2,
)
