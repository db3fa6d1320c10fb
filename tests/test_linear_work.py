"""The work of every entry point grows linearly with its input, irregular inputs included.

Time is measured by ``benchmarks/bounds.py``, never asserted here (the
machines are shared and noisy). What is asserted is deterministic: the number
of Python and C function calls (counted with ``sys.setprofile``) for an input
of 4n items against one of n items. Linear work gives about 4 times the
calls; the quadratic defects issue 17 found (a path walk per element, a
lookup through every address per route, a name scan per device) gave 16 and
more at these sizes.
"""

from __future__ import annotations

import contextlib
import copy
import json
import sys
import tempfile
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

import danmodel
import danmodel.agent
import danmodel.cni
from builders import config_data, device_data
from danmodel.store import DanStore

SMALL = 40
LARGE = 4 * SMALL
LINEAR = 6.0
"""Most calls the large input may take per call of the small one (linear: about 4)."""


def _device(index: int) -> dict[str, Any]:
    third, fourth = divmod(index, 250)
    return device_data(
        name=f"eth{index}",
        guest_mac=f"0a:58:0a:{third:02x}:{fourth:02x}:05",
        device={"type": "host-tap", "tap_name": f"tap{index}", "queue_num": 1},
        network_info={
            "interface": {
                "ip_addresses": [f"10.{third}.{fourth}.5/24", f"2001:db8:{index:x}::5/64"],
                "mtu": 1500,
            },
            "routes": [
                {"gateway": f"10.{third}.{fourth}.1"},
                {
                    "dest": f"192.168.{fourth}.0/24",
                    "gateway": f"10.{third}.{fourth}.254",
                    "mtu": 1400,
                },
                {"gateway": f"2001:db8:{index:x}::1"},
            ],
            "neighbors": [
                {"ip_address": f"10.{third}.{fourth}.1/32", "hardware_addr": "0a:58:0a:00:00:01"},
            ],
        },
    )


def _document(count: int) -> dict[str, Any]:
    return config_data(*[_device(index) for index in range(count)])


def _text(count: int, edit: Callable[[str], str] = lambda text: text) -> str:
    return edit(json.dumps(_document(count), indent=2))


def _many_addresses(count: int) -> str:
    """One device with ``count`` addresses and a route through each (the runtime-rs repro)."""
    device = _device(0)
    interface = device["network_info"]["interface"]
    interface["ip_addresses"] = [f"10.{i // 250}.{i % 250}.5/24" for i in range(count)]
    device["network_info"]["routes"] = [
        {"dest": f"172.{i // 250}.{i % 250}.0/24", "gateway": f"10.{i // 250}.{i % 250}.1"}
        for i in range(count)
    ]
    return json.dumps(config_data(device))


class CallCounter:
    """Counts the Python and C function calls made inside its ``with`` block (this thread)."""

    def __init__(self) -> None:
        self.calls = 0

    def _profile(self, frame: FrameType, event: str, arg: object) -> None:
        if event == "call" or event == "c_call":
            self.calls += 1

    def __enter__(self) -> CallCounter:
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc_info: object) -> None:
        sys.setprofile(None)


def _calls(run: Callable[[], object]) -> int:
    with CallCounter() as counter, contextlib.suppress(danmodel.DanError):
        run()
    return counter.calls


def _loads(text: str) -> Callable[[], object]:
    return lambda: danmodel.loads(text)


def _check(text: str, runtime: str) -> Callable[[], object]:
    return lambda: danmodel.check(text, runtime)


def _add_devices(count: int) -> Callable[[], object]:
    devices = danmodel.from_dict(_document(count)).devices
    directory = tempfile.mkdtemp(prefix="dan-linear-")
    return lambda: DanStore(directory).add_devices(f"sandbox-{len(devices)}", devices)


def _agent_text(count: int) -> str:
    network = danmodel.agent.from_dan_config(danmodel.from_dict(_document(count))).value
    text = danmodel.agent.dumps(network)
    return text.replace('"name": "eth0",', '"name": "eth0", "name": "eth0",', 1)


def _cni_text(count: int) -> str:
    """A CNI result of ``count`` addresses, one key twice in the first."""
    ips = [{"address": f"10.{i // 250}.{i % 250}.5/24", "interface": 0} for i in range(count)]
    result = {
        "cniVersion": "1.1.0",
        "interfaces": [{"name": "eth0", "mac": "0a:58:0a:00:00:05", "sandbox": "/var/run/netns/x"}],
        "ips": ips,
    }
    return json.dumps(result).replace('"interface": 0', '"interface": 0, "interface": 0', 1)


def _miscased(text: str) -> str:
    for key in ("tap_name", "guest_mac", "ip_addresses"):
        text = text.replace(f'"{key}"', f'"{key.title()}"')
    return text


CASES: dict[str, Callable[[int], Callable[[], object]]] = {
    "loads": lambda n: _loads(_text(n)),
    "loads, a duplicate key": lambda n: _loads(
        _text(n, lambda t: t.replace('"name": "eth0",', '"name": "eth0", "name": "eth0",', 1))
    ),
    "loads, NaN": lambda n: _loads(_text(n, lambda t: t.replace('"mtu": 1500', '"mtu": NaN', 1))),
    "loads, a problem per device": lambda n: _loads(
        _text(n, lambda t: t.replace('"guest_mac": "0a:', '"guest_mac": "zz:'))
    ),
    "from_dict": lambda n: (lambda data: lambda: danmodel.from_dict(copy.deepcopy(data)))(
        _document(n)
    ),
    "check go-runtime": lambda n: _check(_text(n), "go-runtime"),
    "check go-runtime, miscased keys": lambda n: _check(_text(n, _miscased), "go-runtime"),
    "check runtime-rs": lambda n: _check(_text(n), "runtime-rs"),
    "check runtime-rs, one device of many addresses": lambda n: _check(
        _many_addresses(n), "runtime-rs"
    ),
    "add_devices": _add_devices,
    "agent.loads, a duplicate key": lambda n: (lambda text: lambda: danmodel.agent.loads(text))(
        _agent_text(n)
    ),
    "cni.read_result, a duplicate key": lambda n: (
        lambda text: lambda: danmodel.cni.read_result(text)
    )(_cni_text(n)),
    "dumps": lambda n: (lambda config: lambda: danmodel.dumps(config))(
        danmodel.from_dict(_document(n))
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_work_grows_linearly(case: str) -> None:
    make = CASES[case]
    _calls(make(2))  # first calls: generated readers, caches
    small = _calls(make(SMALL))
    large = _calls(make(LARGE))
    assert large <= LINEAR * small, f"{case}: {large} calls for {LARGE} items, {small} for {SMALL}"
