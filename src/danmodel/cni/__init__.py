"""CNI support: reading CNI results, DAN devices from them, and a toolkit for CNI plugins.

- :mod:`danmodel.cni.result`: :func:`read_result` and :func:`to_dan_device`
  (re-exported here);
- :mod:`danmodel.cni.skel`: the entry point of a CNI plugin (environment,
  stdin, dispatch, results and error JSON);
- :mod:`danmodel.cni.plugin`: the reference chained plugin, ``dan-cni``.

Importing this package loads the result reader only; the toolkit and the
plugin are imported when used.
"""

from __future__ import annotations

from .result import (
    DNS,
    VERSIONS,
    Drop,
    Interface,
    IPConfig,
    ReadResult,
    Result,
    Route,
    read_result,
    to_dan_device,
)

__all__ = [
    "DNS",
    "VERSIONS",
    "Drop",
    "IPConfig",
    "Interface",
    "ReadResult",
    "Result",
    "Route",
    "read_result",
    "to_dan_device",
]
