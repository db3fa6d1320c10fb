"""Shared setup of the tests that ask the kernel (test_netlink.py, test_kernel_agreement.py).

:func:`require_kernel` skips a test without root, network namespaces or pyroute2, with
the reason, and fails it instead when the environment variable CI is set.
:func:`asking_kernel` also fails a test that leaves a namespace behind.
This module holds no tests of its own.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from danmodel import netlink

NETNS_DIR = Path("/run/netns")


def _reason() -> str | None:
    try:
        importlib.import_module("pyroute2")
    except ImportError:
        return "pyroute2 is not installed (pip install 'danmodel[netlink]')"
    if os.geteuid() != 0:
        return "needs root with CAP_SYS_ADMIN and CAP_NET_ADMIN to make network namespaces"
    try:
        with netlink.guest([]):
            pass
    except netlink.KernelUnavailableError as error:
        return str(error)
    return None


def require_kernel() -> None:
    """Skip (locally) or fail (with CI set) when the kernel cannot be asked here."""
    reason = _reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must be able to ask the kernel: {reason}")
    pytest.skip(reason)


def ours() -> set[str]:
    """The namespaces this process made (netlink.guest names them danmodel-<pid>-...)."""
    if not NETNS_DIR.is_dir():
        return set()
    prefix = f"danmodel-{os.getpid()}-"
    return {name for name in os.listdir(NETNS_DIR) if name.startswith(prefix)}


@contextlib.contextmanager
def asking_kernel() -> Iterator[None]:
    """Around a test that asks the kernel: needs the privilege, and leaves no namespace behind."""
    require_kernel()
    before = ours()
    yield
    left = ours() - before
    assert not left, f"namespaces left behind: {sorted(left)}"
