"""Deterministic DAN documents for the benchmarks.

``document(n)`` is the JSON text of a revision-2 config with ``n`` devices, in
danmodel's canonical form (2-space indent, every key explicit, final newline).
Device ``i`` is, in turn, a ``host-tap``, a ``vhost-user`` and a ``vfio``
device, and has one IPv4 and one IPv6 address, 4 routes (two default routes,
one IPv4 and one IPv6 network route) and 2 neighbors (one written ``ip/prefix``,
the other a plain IP, so both neighbor spellings are read). Every guest name,
tap name, socket path and PCI address is unique, as ``DanConfig`` requires.

Each generated document is checked with ``danmodel.loads`` and
``danmodel.dumps`` (the generator fails loudly if the model ever stops
accepting it or writes it differently), so every encoder in the benchmarks
writes the text it read.

Run as a script to write the documents to a directory::

    python benchmarks/documents.py --out /tmp/dan-docs
"""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path
from typing import Any

__all__ = ["SIZES", "build", "document"]

SIZES: tuple[int, ...] = (1, 16, 256, 4096)
"""The document sizes (number of devices) the benchmarks use by default."""

_KINDS = ("host-tap", "vhost-user", "vfio")
# PCI addresses are unique up to 256 buses x 32 devices x 8 functions; IPv6 groups need index + 1
# to fit 16 bits.
_MAX_DEVICES = 65535


def _host_device(index: int) -> dict[str, Any]:
    kind = _KINDS[index % len(_KINDS)]
    if kind == "host-tap":
        return {
            "type": kind,
            "tap_name": f"tap-dan{index}",
            "queue_num": 1 + index % 4,
            "queue_size": 256 if index % 2 else 0,
        }
    if kind == "vhost-user":
        return {
            "type": kind,
            "path": f"/run/kata-containers/vhost-user/dan-{index}.sock",
            "queue_num": 0,
            "queue_size": 1024,
        }
    bus, device, function = (index >> 8) & 0xFF, (index >> 3) & 0x1F, index & 0x7
    return {"type": kind, "pci_device_id": f"0000:{bus:02x}:{device:02x}.{function:x}"}


def _device(index: int) -> dict[str, Any]:
    high, low = (index >> 8) & 0xFF, index & 0xFF
    v4_net = f"10.{high}.{low}"
    v6_net = f"2001:db8:{index + 1:x}"  # never a zero group: canonical text
    gateway_mac = f"0a:58:0a:{high:02x}:{low:02x}:01"
    return {
        "name": f"eth{index}",
        "guest_mac": f"0a:58:0a:{high:02x}:{low:02x}:05",
        "device": _host_device(index),
        "network_info": {
            "interface": {
                "ip_addresses": [f"{v4_net}.5/24", f"{v6_net}::5/64"],
                "mtu": 9000 if index % 5 == 0 else 1500,
                "ntype": "",
                "flags": 0x80 if index % 2 else 0,
            },
            "routes": [
                {
                    "dest": "",
                    "gateway": f"{v4_net}.1",
                    "source": "",
                    "scope": 0,
                    "flags": 0,
                    "mtu": 0,
                },
                {
                    "dest": "",
                    "gateway": f"{v6_net}::1",
                    "source": "",
                    "scope": 0,
                    "flags": 0,
                    "mtu": 0,
                },
                {
                    "dest": f"192.168.{low}.0/24",
                    "gateway": f"{v4_net}.254",
                    "source": f"{v4_net}.5",
                    "scope": 0,
                    "flags": 0,
                    "mtu": 1400,
                },
                {
                    "dest": f"fd00:{index + 1:x}::/48",
                    "gateway": "",
                    "source": "",
                    "scope": 253,
                    "flags": 0,
                    "mtu": 0,
                },
            ],
            "neighbors": [
                {
                    "ip_address": f"{v4_net}.1/32",
                    "hardware_addr": gateway_mac,
                    "state": 0x80,
                    "flags": 0,
                },
                {
                    "ip_address": f"{v6_net}::1",
                    "hardware_addr": gateway_mac,
                    "state": 0x80,
                    "flags": 0x80,
                },
            ],
        },
    }


def build(devices: int) -> dict[str, Any]:
    """The document with ``devices`` devices as JSON-shaped data (a fresh copy each call)."""
    if not 1 <= devices <= _MAX_DEVICES:
        raise ValueError(f"devices must be from 1 to {_MAX_DEVICES}, got {devices}")
    return {
        "netns": "/var/run/netns/cni-bench",
        "devices": [_device(index) for index in range(devices)],
    }


@functools.cache
def document(devices: int) -> str:
    """The document with ``devices`` devices as canonical JSON text, checked with danmodel."""
    text = json.dumps(build(devices), indent=2, ensure_ascii=False) + "\n"
    import danmodel  # here, so that importing this module stays cheap for the cold-start script

    config = danmodel.loads(text)  # raises danmodel.ValidationError if the model refuses it
    assert len(config.devices) == devices
    assert danmodel.dumps(config) == text, (
        "the generated text is no longer danmodel's canonical form"
    )
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SIZES)),
        help="comma-separated device counts (default: %(default)s)",
    )
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    for size in (int(item) for item in options.sizes.split(",")):
        path = options.out / f"dan-{size}.json"
        path.write_text(document(size), encoding="utf-8")
        print(f"{path}: {size} devices, {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
