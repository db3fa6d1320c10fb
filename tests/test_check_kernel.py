"""``check(..., kernel=True)`` and ``danmodel check --kernel``: the kernel's answers as findings.

Privileged tests skip locally without root, namespaces or pyroute2, and fail with CI set.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import danmodel
from danmodel import netlink
from danmodel.check import RULES
from danmodel.cli import main
from test_netlink_support import asking_kernel

_DOCUMENT = {
    "devices": [
        {
            "name": "eth0",
            "guest_mac": "02:00:00:00:00:01",
            "device": {"type": "host-tap", "tap_name": "tap0"},
            "network_info": {
                "interface": {"ip_addresses": ["10.0.0.5/24", "fd00::5/64"], "mtu": 1000},
                "routes": [
                    {"dest": "10.9.0.0/16", "gateway": "10.1.0.1"},
                    {"dest": "10.8.0.0/16", "gateway": "10.0.0.1"},
                ],
            },
        }
    ]
}
_ROUTES = "$.devices[0].network_info.routes"
_IPV6 = "$.devices[0].network_info.interface.ip_addresses[1]"


@pytest.fixture
def kernel() -> Iterator[None]:
    with asking_kernel():
        yield


def _kernel_findings(findings: list[danmodel.Finding]) -> list[tuple[str, str]]:
    kinds = {rule.id for rule in RULES if rule.reads == "kernel"}
    return [(finding.rule, finding.path) for finding in findings if finding.rule in kinds]


@pytest.mark.usefixtures("kernel")
def test_the_kernel_refuses_an_unreachable_gateway_and_drops_ipv6_below_1280() -> None:
    findings = danmodel.check(json.dumps(_DOCUMENT), "runtime-rs", kernel=True)
    assert _kernel_findings(findings) == [
        ("kernel-dropped", _IPV6),
        ("kernel-refused", f"{_ROUTES}[0].gateway"),
    ]
    refused = next(finding for finding in findings if finding.rule == "kernel-refused")
    assert refused.severity is danmodel.Severity.ERROR
    assert "10.1.0.1" in refused.message
    assert "invalid gateway" in refused.message
    # The static rules said the same before the kernel was asked.
    static = danmodel.check(json.dumps(_DOCUMENT), "runtime-rs")
    assert {(f.rule, f.path) for f in static} >= {
        ("kernel-gateway-unreachable", f"{_ROUTES}[0].gateway"),
        ("kernel-ipv6-mtu", _IPV6),
    }


@pytest.mark.usefixtures("kernel")
def test_paths_point_into_the_document_as_written() -> None:
    # The Go runtime reads "Routes" as routes: the kernel's finding names the key as written.
    document: Any = json.loads(json.dumps(_DOCUMENT))
    device = document["devices"][0]
    device["device"] = {"type": "vfio", "pci_device_id": "0000:00:01.0"}
    device["network_info"]["Routes"] = device["network_info"].pop("routes")
    findings = danmodel.check(json.dumps(document), "go-runtime", kernel=True)
    refused = [path for rule, path in _kernel_findings(findings) if rule == "kernel-refused"]
    assert "$.devices[0].network_info.Routes[0].gateway" in refused


@pytest.mark.usefixtures("kernel")
def test_a_config_the_kernel_accepts_gets_no_kernel_finding() -> None:
    document: Any = json.loads(json.dumps(_DOCUMENT))
    info = document["devices"][0]["network_info"]
    info["interface"]["mtu"] = 1500
    info["routes"] = info["routes"][1:]
    config = danmodel.loads(json.dumps(document))
    assert _kernel_findings(danmodel.check(config, "runtime-rs", kernel=True)) == []


@pytest.mark.usefixtures("kernel")
def test_the_command_reports_the_kernel_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sandbox.json"
    path.write_text(json.dumps(_DOCUMENT), encoding="utf-8")
    argv = ["check", "--runtime", "runtime-rs", "--kernel", "--format", "json", str(path)]
    assert main(argv) == 1
    report = json.loads(capsys.readouterr().out)
    rules = [problem["rule"] for problem in report["files"][0]["problems"]]
    assert "kernel-refused" in rules
    assert "kernel-dropped" in rules


def test_without_the_kernel_the_command_says_so_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(*args: object, **kwargs: object) -> object:
        raise netlink.KernelUnavailableError("needs root to make network namespaces")

    monkeypatch.setattr(netlink, "guest_for", unavailable)
    path = tmp_path / "sandbox.json"
    path.write_text(json.dumps(_DOCUMENT), encoding="utf-8")
    assert main(["check", "--runtime", "runtime-rs", "--kernel", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "danmodel check: --kernel: needs root to make network namespaces\n"
