"""Generated code that a traceback can show: compile it under a unique name in ``linecache``.

attrs and cattrs do the same for the ``__init__`` and hooks they generate; the
fast readers (:mod:`danmodel._fast_reader`) and canonical writers
(:mod:`danmodel._canonical`) are generated per class.
"""

from __future__ import annotations

import itertools
import linecache
from typing import Any

__all__ = ["define"]

_serial = itertools.count(1)


def define(source: str, what: str, names: dict[str, Any], function: str) -> Any:
    """Run ``source`` in ``names`` and return its ``function``.

    The source is registered in :mod:`linecache` as ``<danmodel WHAT #N>``, so
    tracebacks through the generated code show its lines.
    """
    filename = f"<danmodel {what} #{next(_serial)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    exec(compile(source, filename, "exec"), names)
    return names[function]
