"""Reading without Python's cyclic garbage collector running meanwhile."""

from __future__ import annotations

import gc

__all__ = ["collector_paused"]


class _CollectorPaused:
    """Pauses Python's cyclic garbage collector while a document is read (also for the whole
    of a ``check``, and while the store holds a sandbox's lock).

    Reading builds a tree of new objects without cycles; with the collector
    on, the collections its allocations set off walk every young object again
    and again (a third of the time of a 16 MiB document). Reference counting
    frees everything as usual. The collector is switched on again afterwards,
    and left alone when it was off; it is process-wide, so another thread
    allocating meanwhile is not collected until then either.
    """

    __slots__ = ("paused",)

    def __enter__(self) -> None:
        self.paused = gc.isenabled()
        if self.paused:
            gc.disable()

    def __exit__(self, *exc_info: object) -> None:
        if self.paused:
            gc.enable()


def collector_paused() -> _CollectorPaused:
    """A context in which the cyclic garbage collector does not run (see above)."""
    return _CollectorPaused()
