"""Shared setup of the tests that run the real CNI plugins in network namespaces.

:func:`require_plugins` skips a test module without root, iproute2, the plugins (or,
for dan-tap, /dev/net/tun and pyroute2), saying why, and fails it with CI set.
This module holds no tests of its own.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest

PLUGINS = Path("/usr/lib/cni")
"""Where Debian's containernetworking-plugins installs the plugins."""


def unavailable(plugins: Sequence[str], *, taps: bool = False) -> str | None:
    """Why the tests cannot run here, or None."""
    if sys.platform != "linux":
        return "needs Linux network namespaces"
    if os.geteuid() != 0:
        return "needs root (CAP_NET_ADMIN) to make network namespaces" + " and taps" * taps
    if shutil.which("ip") is None:
        return "needs the ip command (iproute2)"
    if taps and not Path("/dev/net/tun").exists():
        return "needs /dev/net/tun to make taps"
    if taps and importlib.util.find_spec("pyroute2") is None:
        return "needs pyroute2: pip install 'danmodel[netlink]'"
    missing = [name for name in plugins if not (PLUGINS / name).is_file()]
    if missing:
        return (
            f"needs the CNI plugins {', '.join(missing)} in {PLUGINS}: "
            "apt-get install containernetworking-plugins"
        )
    name = f"danprobe{uuid.uuid4().hex[:8]}"
    probe = subprocess.run(["ip", "netns", "add", name], capture_output=True, check=False)
    if probe.returncode != 0:
        return f"cannot make a network namespace: {probe.stderr.decode().strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
    return None


def require_plugins(what: str, plugins: Sequence[str], *, taps: bool = False) -> None:
    """Skip (locally) or fail (with CI set) when *what* cannot run here."""
    reason = unavailable(plugins, taps=taps)
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run {what}: {reason}")
        pytest.skip(reason)


def namespaces() -> set[str]:
    """The machine's named network namespaces."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    return {line.split()[0] for line in listed.stdout.splitlines() if line.strip()}


def console_script(bin_dir: Path, name: str, module: str) -> Path:
    """An executable *name* in *bin_dir* that does what the console script does: run
    ``module:main`` with this Python (so the tests need no installed scripts)."""
    script = bin_dir / name
    script.write_text(
        f"#!/bin/sh\nexec {sys.executable} -c "
        f"'import sys; from {module} import main; sys.exit(main())'\n"
    )
    script.chmod(0o755)
    return script
