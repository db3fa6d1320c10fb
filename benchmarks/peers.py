"""The peers danmodel is measured against, each with ``decode(text)`` and ``encode(obj)``.

- ``pydantic``: pydantic v2 models (:mod:`peer_pydantic`);
- ``msgspec``: msgspec structs, addresses and names checked after decoding
  (:mod:`peer_msgspec`);

both with the validation danmodel performs (shared value rules in
:mod:`peer_rules`; ``check_peers.py`` shows they accept and refuse the same
documents as danmodel). Each peer lives in its own module so that the
cold-start script can import one without the other; this module gathers them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
import peer_msgspec
import peer_pydantic
import pydantic

__all__ = ["PEERS", "Peer"]


@dataclass(frozen=True)
class Peer:
    """A way to read and write DAN documents."""

    name: str
    decode: Callable[[str], object]
    """Parse and validate JSON text into the peer's objects."""
    encode: Callable[[Any], str | bytes]
    """Write the peer's objects as JSON text (danmodel's layout)."""
    refusals: tuple[type[BaseException], ...]
    """The exceptions by which ``decode`` refuses an invalid document."""
    module: str
    """The module defining the peer, for the cold-start script."""


PEERS: tuple[Peer, ...] = (
    Peer(
        "pydantic",
        peer_pydantic.decode,
        peer_pydantic.encode,
        (pydantic.ValidationError, ValueError),
        "peer_pydantic",
    ),
    Peer(
        "msgspec",
        peer_msgspec.decode,
        peer_msgspec.encode,
        (msgspec.ValidationError, msgspec.DecodeError, ValueError),
        "peer_msgspec",
    ),
)
