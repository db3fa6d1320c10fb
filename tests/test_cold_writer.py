"""The first small configs a process writes are written without generating code, to the byte."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis.strategies import SearchStrategy

import danmodel
from danmodel import _canonical, v1, v2
from danmodel import strategies as ds

CONFIGS: dict[int, SearchStrategy[v1.DanConfig | v2.DanConfig]] = {
    revision: ds.dan_configs(revision) for revision in (1, 2)
}


@pytest.mark.parametrize("revision", [1, 2])
def test_the_cold_writer_writes_what_the_generated_writer_writes(revision: int) -> None:
    @given(CONFIGS[revision])
    def check(config: Any) -> None:
        cold = _canonical._cold_object(config, "\n", None)
        assert cold == _canonical._writer(type(config), "\n")(config)
        assert cold == json.dumps(danmodel.to_dict(config), indent=2, ensure_ascii=False)

    check()


def test_a_process_writing_one_config_generates_no_writer() -> None:
    code = (
        "import danmodel, json\n"
        "from danmodel import _canonical\n"
        "config = danmodel.from_dict(json.loads(__import__('sys').argv[1]))\n"
        "first = danmodel.dumps(config)\n"
        "print(len(_canonical._WRITERS))\n"
        "for _ in range(_canonical.COLD_WRITES):\n"
        "    assert danmodel.dumps(config) == first\n"
        "print(len(_canonical._WRITERS) > 0)\n"
    )
    document = {
        "devices": [
            {
                "name": "eth0",
                "guest_mac": "0a:58:0a:00:00:05",
                "device": {"type": "vfio", "pci_device_id": "0000:85:02.5"},
                "network_info": {"interface": {"ip_addresses": ["fe80::1/64"]}},
            }
        ]
    }
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(document)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.splitlines() == ["0", "True"]
