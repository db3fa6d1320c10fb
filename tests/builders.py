"""Sample DAN configs for the tests: one place to build them, as JSON data or as objects.

``device_data()`` is a valid host-tap device in its JSON form; keyword arguments
replace or add keys. ``device()`` and ``config()`` give the model objects.
"""

from __future__ import annotations

import json
from typing import Any

import danmodel

MAC = "0a:58:0a:0a:00:05"
ADDRESS = "10.10.0.5/24"


def network_info_data(**changes: Any) -> dict[str, Any]:
    """A device's ``network_info`` with one address; ``changes`` replace or add keys."""
    base: dict[str, Any] = {"interface": {"ip_addresses": [ADDRESS]}}
    base.update(changes)
    return base


def device_data(**changes: Any) -> dict[str, Any]:
    """A valid host-tap device (``eth0`` on ``tap0``); ``changes`` replace or add keys."""
    base: dict[str, Any] = {
        "name": "eth0",
        "guest_mac": MAC,
        "device": {"type": "host-tap", "tap_name": "tap0"},
        "network_info": network_info_data(),
    }
    base.update(changes)
    return base


def config_data(*devices: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A config holding ``devices`` (JSON form); ``top`` adds top-level keys."""
    return {"devices": list(devices), **top}


def document(*devices: dict[str, Any], **top: Any) -> str:
    """:func:`config_data` as JSON text."""
    return json.dumps(config_data(*devices, **top))


def device(**changes: Any) -> danmodel.DanDevice:
    """:func:`device_data` as a model object."""
    return danmodel.from_dict(config_data(device_data(**changes))).devices[0]


def config(*devices: danmodel.DanDevice, netns: str | None = None) -> danmodel.DanConfig:
    """A config of ``devices`` (one default device when none is given)."""
    return danmodel.DanConfig(netns=netns, devices=devices or (device(),))
