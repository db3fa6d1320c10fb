"""One CNI ADD of dan-cni as a process, against a bare ``python -c pass`` in the same run.

A container runtime runs every plugin of a conflist as a new process per pod
network: what ``dan-cni`` adds to a pod start is its process's wall time
beyond the interpreter's own start-up. Each round runs, in an order shuffled
by a seeded RNG:

- ``python``: ``python -c pass``, the floor;
- ``import``: ``import danmodel.cni.plugin`` alone;
- ``ADD``: the plugin's ``main()`` on an ADD of a 1.0.0 bridge result (as the
  ``dan-cni`` console script runs it), writing a new sandbox's file in a
  temporary ``danConf`` for runtime-rs;
- ``VERSION``: the plugin answering VERSION.

Child processes run with ``PYTHONDONTWRITEBYTECODE`` removed and
``PYTHONPYCACHEPREFIX`` set to a temporary directory (as an installed package
has its bytecode), after a warm-up of each. The median wall time of each is
printed, with its excess over ``python``; then the modules one ADD imports,
by package, and whether it loads what ADD does not need (the CLI, argparse,
cattrs, the agent, schema or netlink modules, hypothesis, jsonschema): exit 1
if it does.

    python benchmarks/cni_add.py [-n ROUNDS] [--seed N] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "cni_add.json"

PREV_RESULT = {
    "cniVersion": "1.0.0",
    "interfaces": [
        {"name": "cni0", "mac": "aa:bb:cc:00:00:01"},
        {"name": "veth0a1b2c3d", "mac": "aa:bb:cc:00:00:02"},
        {"name": "eth0", "mac": "0a:58:0a:42:00:05", "sandbox": "/var/run/netns/cni-1234"},
    ],
    "ips": [
        {"address": "10.66.0.5/24", "gateway": "10.66.0.1", "interface": 2},
        {"address": "fd66::5/64", "gateway": "fd66::1", "interface": 2},
    ],
    "routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}],
    "dns": {},
}

PLUGIN = "import sys\nfrom danmodel.cni.plugin import main\nsys.exit(main())\n"
ONESHOTS = {
    "python": "pass",
    "import": "import danmodel.cni.plugin",
    "ADD": PLUGIN,
    "VERSION": PLUGIN,
}
MODULES = (
    "import sys, os\n"
    "from danmodel.cni import plugin\n"
    "status = plugin.main()\n"
    "os.write(2, ('\\n'.join(sorted(sys.modules)) + '\\n').encode())\n"
)
NOT_NEEDED = (
    "argparse",
    "cattrs",
    "danmodel.cli",
    "danmodel._cli",
    "danmodel.agent",
    "danmodel.schema",
    "danmodel.netlink",
    "danmodel.strategies",
    "hypothesis",
    "jsonschema",
)


class Runner:
    """Runs the one-shots with a private bytecode cache and a fresh sandbox per ADD."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.count = 0
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("CNI_")}
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        self.config = json.dumps(
            {
                "cniVersion": "1.0.0",
                "name": "bench",
                "type": "dan-cni",
                "danConf": str(work / "dans"),
                "runtime": "runtime-rs",
                "prevResult": PREV_RESULT,
            }
        ).encode()

    def command_env(self, name: str) -> dict[str, str]:
        if name not in ("ADD", "VERSION"):
            return self.env
        self.count += 1
        return {
            **self.env,
            "CNI_COMMAND": name,
            "CNI_CONTAINERID": f"bench{self.count:08d}",
            "CNI_NETNS": "/var/run/netns/cni-1234",
            "CNI_IFNAME": "eth0",
            "CNI_PATH": "/opt/cni/bin",
        }

    def run(self, name: str, code: str) -> tuple[int, subprocess.CompletedProcess[bytes]]:
        env = self.command_env(name)
        start = time.perf_counter_ns()
        done = subprocess.run(
            [sys.executable, "-c", code],
            input=self.config,
            env=env,
            capture_output=True,
            check=False,
        )
        elapsed = time.perf_counter_ns() - start
        if done.returncode != 0:
            raise SystemExit(f"{name} failed: {done.stdout.decode()} {done.stderr.decode()}")
        return elapsed, done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", "--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    options = parser.parse_args(argv)
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory(prefix="dan-cni-bench-") as temporary:
        runner = Runner(Path(temporary))
        for name, code in ONESHOTS.items():  # warm-up: fills the bytecode cache
            runner.run(name, code)
        times: dict[str, list[float]] = {name: [] for name in ONESHOTS}
        for _ in range(options.rounds):
            order = list(ONESHOTS)
            rng.shuffle(order)
            for name in order:
                elapsed, _ = runner.run(name, ONESHOTS[name])
                times[name].append(elapsed / 1e6)
        _, done = runner.run("ADD", MODULES)
        modules = done.stderr.decode().split()
    floor = statistics.median(times["python"])
    print(f"{'one-shot':<10} {'median ms':>10} {'over python ms':>15}")
    summary: dict[str, Any] = {}
    for name, values in times.items():
        median = statistics.median(values)
        summary[name] = {"median_ms": round(median, 2), "over_python_ms": round(median - floor, 2)}
        print(f"{name:<10} {median:>10.1f} {median - floor:>15.1f}")
    packages: dict[str, int] = {}
    for module in modules:
        top = module.split(".")[0]
        key = module.rsplit(".", 1)[0] if top == "danmodel" and "." in module else top
        packages[key] = packages.get(key, 0) + 1
    danmodel_modules = sorted(m for m in modules if m.startswith("danmodel"))
    print(f"\nADD imports {len(modules)} modules; danmodel's: {', '.join(danmodel_modules)}")
    loaded = [
        module
        for module in modules
        if any(module == name or module.startswith(name + ".") for name in NOT_NEEDED)
    ]
    print("not needed by ADD but loaded:", ", ".join(loaded) if loaded else "none")
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(
        json.dumps(
            {
                "rounds": options.rounds,
                "python": sys.version.split()[0],
                "oneshots": summary,
                "add_modules": len(modules),
                "danmodel_modules": danmodel_modules,
                "not_needed_loaded": loaded,
            },
            indent=2,
        )
        + "\n"
    )
    return 1 if loaded else 0


if __name__ == "__main__":
    sys.exit(main())
