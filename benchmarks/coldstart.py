"""Cold start: a one-shot process that imports, loads a 1-device file and writes it.

This is what a CNI plugin pays per pod network ADD. Each one-shot runs as
``python -c CODE FILE`` with the interpreter running this script:

- ``python``: ``pass`` (interpreter start-up alone, the floor of every row);
- ``json``: read the file, ``json.loads``, ``json.dumps(indent=2)`` to stdout;
- ``danmodel``: ``danmodel.load(path)``, ``danmodel.dumps`` to stdout;
- ``pydantic``, ``msgspec``: the same with the peer's module only
  (``peer_pydantic`` or ``peer_msgspec``, not ``peers``, which imports both);
- ``import danmodel``, ``import peer_pydantic``, ``import peer_msgspec``: the import alone;
- ``import attrs, json, ipaddress``: what any danmodel process imports before danmodel's own
  code runs (attrs brings typing, re, enum, inspect): the part of every danmodel ratio
  danmodel cannot remove while its classes are attrs classes.

Bytecode: an installed package has its ``.pyc`` files written at install
time, while a checkout run with ``PYTHONDONTWRITEBYTECODE=1`` (set on some
machines) compiles danmodel's sources in every process. So that every
participant starts like an installed package, the child processes run with
``PYTHONDONTWRITEBYTECODE`` removed and ``PYTHONPYCACHEPREFIX`` set to a
temporary directory (nothing is written into the repository), after one
warm-up run of each that fills it. ``--as-is`` runs them with the environment
unchanged instead.

The one-shots run ``-n`` rounds, each round in an order shuffled by a seeded
RNG, with stdout discarded; wall time (``time.perf_counter_ns`` around
``subprocess.run``) is summarised by its median, and danmodel's per-round
ratio to each peer by its median.

Then ``python -X importtime -c 'import danmodel'`` is summarised (the modules
with the largest own import time), and the modules ``import danmodel`` adds
to ``sys.modules`` are grouped by top-level package. Allowed outside the
standard library: attrs (``attr``, ``attrs``), cattrs, and what those import
themselves (e.g. ``typing_extensions``, reported as such). The script exits 1
if ``import danmodel`` loads jsonschema, hypothesis, the CLI
(``danmodel.cli``, ``danmodel._cli``), ``danmodel.strategies``, any other
non-stdlib package imported by danmodel itself, or ``argparse`` imported by a
danmodel module (``argparse`` imported by some stdlib module is reported, not
failed: it is not the CLI's parser being set up).
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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import documents

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "coldstart.json"

_PEER_ONESHOT = """\
import sys
sys.path.insert(0, {here!r})
import {module} as peer
with open(sys.argv[1], "rb") as stream:
    config = peer.decode(stream.read())
written = peer.encode(config)
sys.stdout.buffer.write(written if isinstance(written, bytes) else written.encode())
"""

ONESHOTS: dict[str, str] = {
    "python": "pass",
    "json": (
        "import json, sys\n"
        "with open(sys.argv[1], 'rb') as stream:\n"
        "    data = json.loads(stream.read())\n"
        "sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + '\\n')\n"
    ),
    "danmodel": (
        "import sys, danmodel\n"
        "config = danmodel.load(sys.argv[1])\n"
        "sys.stdout.write(danmodel.dumps(config))\n"
    ),
    "pydantic": _PEER_ONESHOT.format(here=str(HERE), module="peer_pydantic"),
    "msgspec": _PEER_ONESHOT.format(here=str(HERE), module="peer_msgspec"),
    "danmodel validate": (
        "import sys\nfrom danmodel.cli import main\nsys.exit(main(['validate', sys.argv[1]]))\n"
    ),
    "import danmodel": "import danmodel",
    "import peer_pydantic": f"import sys; sys.path.insert(0, {str(HERE)!r}); import peer_pydantic",
    "import peer_msgspec": f"import sys; sys.path.insert(0, {str(HERE)!r}); import peer_msgspec",
    "import attrs, json, ipaddress": "import attrs, json, ipaddress",
}
FLOOR = "python"
CNI_ADD = "cni ADD"
"""The CNI plugin's ADD, run by ``cni_add.py``'s runner within the same rounds."""
TARGETS = {"danmodel": 5.5, "danmodel validate": 6.5}
"""Issue 16: one-shot wall time over bare ``python``, median of the per-round ratios."""
PER_FILE_TARGET_MS = 0.15
"""Issue 16: validating many small files in one process, per file."""
SUBJECTS = {
    "danmodel": ("pydantic", "msgspec", "json"),
    "import danmodel": (
        "import peer_pydantic",
        "import peer_msgspec",
        "import attrs, json, ipaddress",
    ),
}

ALLOWED_THIRD_PARTY = frozenset({"danmodel", "attr", "attrs", "cattrs"})
FORBIDDEN = ("jsonschema", "hypothesis", "danmodel.cli", "danmodel._cli", "danmodel.strategies")


_ENV: dict[str, str] | None = None
"""The environment of the child processes; None: this process's own."""


def child_environment(pycache: Path) -> dict[str, str]:
    """This environment, with bytecode cached under ``pycache`` (see the module doc)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def _run(code: str, path: Path, *, capture: bool = False) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", code, str(path)],
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
        env=_ENV,
    )


def _cni_runner(work: Path) -> Any:
    """``cni_add.py``'s runner of the plugin's ADD (its own bytecode cache), or None."""
    try:
        import cni_add
    except ImportError:
        return None
    return cni_add.Runner(work)


def time_oneshots(path: Path, rounds: int, seed: int) -> dict[str, Any]:
    """Run every one-shot ``rounds`` times; medians and per-round ratios."""
    expected = path.read_bytes()
    for name, code in ONESHOTS.items():  # once each, checked (also warms the OS caches)
        done = _run(code, path, capture=True)
        if done.returncode != 0:
            raise SystemExit(f"one-shot {name!r} failed:\n{done.stderr.decode()}")
        if name in ("json", "danmodel", "pydantic", "msgspec") and done.stdout != expected:
            raise SystemExit(f"one-shot {name!r} did not write the document it read")
    names = list(ONESHOTS)
    (path.parent / "cni").mkdir(exist_ok=True)
    runner = _cni_runner(path.parent / "cni")
    if runner is not None:
        import cni_add

        runner.run("ADD", cni_add.PLUGIN)  # warm-up: fills its bytecode cache
        names.append(CNI_ADD)
    rng = random.Random(seed)
    walls: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        order = names[:]
        rng.shuffle(order)
        for name in order:
            if name == CNI_ADD:
                elapsed, _ = runner.run("ADD", cni_add.PLUGIN)
                walls[name].append(elapsed / 1e6)
                continue
            start = time.perf_counter_ns()
            done = _run(ONESHOTS[name], path)
            walls[name].append((time.perf_counter_ns() - start) / 1e6)
            if done.returncode != 0:
                raise SystemExit(f"one-shot {name!r} failed:\n{done.stderr.decode()}")
    result: dict[str, Any] = {
        name: {"median_ms": statistics.median(values), "per_round_ms": values}
        for name, values in walls.items()
    }
    for name in result:
        if name == FLOOR:
            continue
        per_round = [a / b for a, b in zip(walls[name], walls[FLOOR], strict=True)]
        result[name][f"ratio_to {FLOOR}"] = {
            "median": statistics.median(per_round),
            "min": min(per_round),
            "max": max(per_round),
        }
    for subject, others in SUBJECTS.items():
        for other in others:
            per_round = [a / b for a, b in zip(walls[subject], walls[other], strict=True)]
            result[subject][f"ratio_to {other}"] = {
                "median": statistics.median(per_round),
                "min": min(per_round),
                "max": max(per_round),
            }
    return result


def oneshot_targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The one-shot targets of issue 16: the ratio to bare python, the bound, and the verdict."""
    found = []
    for name, bound in TARGETS.items():
        ratio = result[name][f"ratio_to {FLOOR}"]
        found.append(
            {
                "one-shot": name,
                "bound": bound,
                **{key: ratio[key] for key in ("median", "min", "max")},
                "holds": ratio["median"] <= bound,
            }
        )
    return found


# One process validating many small files: in process (``danmodel.load`` in a loop, timed
# inside the child after a first file) and through the command line (``danmodel validate
# DIR`` less ``danmodel validate FILE``, over the files beyond the first).
_LOAD_LOOP = """\
import sys, time, glob, danmodel
paths = sorted(glob.glob(sys.argv[1] + "/*.json"))
danmodel.load(paths[0])
start = time.perf_counter_ns()
for path in paths:
    danmodel.load(path)
print((time.perf_counter_ns() - start) / len(paths) / 1e6)
"""
_VALIDATE = (
    "import sys\nfrom danmodel.cli import main\nsys.exit(main(['validate', '-q', sys.argv[1]]))\n"
)


def time_many_files(directory: Path, path: Path, count: int, rounds: int) -> dict[str, Any]:
    """Per-file time of validating ``count`` copies of ``path`` in one process."""
    directory.mkdir()
    data = path.read_bytes()
    for index in range(count):
        (directory / f"dan-{index:05d}.json").write_bytes(data)
    in_process: list[float] = []
    command_line: list[float] = []
    _run(_VALIDATE, directory)  # warm-up
    for _ in range(rounds):
        done = _run(_LOAD_LOOP, directory, capture=True)
        if done.returncode != 0:
            raise SystemExit(f"the load loop failed:\n{done.stderr.decode()}")
        in_process.append(float(done.stdout))
        start = time.perf_counter_ns()
        many = _run(_VALIDATE, directory)
        middle = time.perf_counter_ns()
        one = _run(_VALIDATE, path)
        end = time.perf_counter_ns()
        if many.returncode != 0 or one.returncode != 0:
            raise SystemExit(f"danmodel validate failed:\n{many.stderr.decode()}")
        command_line.append(((middle - start) - (end - middle)) / (count - 1) / 1e6)
    return {
        "files": count,
        "rounds": rounds,
        "load_ms_per_file": statistics.median(in_process),
        "load_per_round_ms": in_process,
        "validate_ms_per_file": statistics.median(command_line),
        "validate_per_round_ms": command_line,
        "target_ms": PER_FILE_TARGET_MS,
    }


def print_many_files(result: dict[str, Any]) -> None:
    print(
        f"\n== validating {result['files']} small files in one process, per file "
        f"(median of {result['rounds']} rounds; target <= {result['target_ms']} ms)"
    )
    for key, label in (
        ("load_ms_per_file", "danmodel.load in a loop"),
        ("validate_ms_per_file", "danmodel validate DIR"),
    ):
        value = result[key]
        verdict = "holds" if value <= result["target_ms"] else "MISSED"
        print(f"    {label:26} {value:.3f} ms  {verdict}")


def print_oneshots(result: dict[str, Any], rounds: int) -> None:
    floor = result[FLOOR]["median_ms"]
    print(f"== one-shot processes, wall time, median of {rounds} rounds")
    print(f"    {'':30} {'median':>10} {'above python':>13}  ratios (median [range])")
    for name, item in result.items():
        ratios = "  ".join(
            f"{key.removeprefix('ratio_to ')}: {value['median']:.2f} "
            f"[{value['min']:.2f}-{value['max']:.2f}]"
            for key, value in item.items()
            if key.startswith("ratio_to ")
        )
        above = "" if name == FLOOR else f"{item['median_ms'] - floor:+.1f} ms"
        print(f"    {name:30} {item['median_ms']:7.1f} ms {above:>13}  {ratios}")
    print("  targets (median of the per-round ratios to bare python):")
    for target in oneshot_targets(result):
        verdict = "holds" if target["holds"] else "MISSED"
        print(
            f"    {target['one-shot']:30} {target['median']:5.2f}x "
            f"[{target['min']:.2f}-{target['max']:.2f}]  target <= {target['bound']:g}x: {verdict}"
        )


# --- what `import danmodel` loads ----------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    name: str
    self_us: int
    cumulative_us: int
    parent: str | None


def import_tree(module: str = "danmodel") -> list[Imported]:
    """``python -X importtime -c 'import MODULE'``, with each module's importer."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        env=_ENV,
    )
    rows: list[tuple[str, int, int, int]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, field = line.removeprefix("import time:").split("|", 2)
        name_field = field[1:] if field.startswith(" ") else field
        level = (len(name_field) - len(name_field.lstrip(" "))) // 2
        rows.append((name_field.strip(), int(self_us), int(cumulative_us), level))
    # importtime prints a module after the modules it imported, one level deeper.
    parents: dict[str, str] = {}
    pending: dict[int, list[str]] = {}
    for name, _, _, level in rows:
        for child in pending.pop(level + 1, []):
            parents[child] = name
        pending.setdefault(level, []).append(name)
    return [Imported(name, s, c, parents.get(name)) for name, s, c, _ in rows]


def new_modules(module: str = "danmodel") -> list[str]:
    """The modules ``import MODULE`` adds to ``sys.modules`` (start-up modules excluded)."""
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        f"import {module}\n"
        "print('\\n'.join(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_ENV
    )
    return done.stdout.split()


def _top(name: str) -> str:
    return name.split(".")[0]


def _chain(name: str, parents: dict[str, str | None]) -> list[str]:
    chain = [name]
    while (parent := parents.get(chain[-1])) is not None and len(chain) < 50:
        chain.append(parent)
    return chain


def check_imports(top_n: int) -> tuple[dict[str, Any], list[str]]:
    """Summarise what ``import danmodel`` loads; the second item lists the failures."""
    tree = import_tree()
    parents = {item.name: item.parent for item in tree}
    loaded = new_modules()
    stdlib = sys.stdlib_module_names
    failures: list[str] = []
    third_party: dict[str, list[str]] = {}
    for name in loaded:
        if _top(name) not in stdlib:
            third_party.setdefault(_top(name), []).append(name)
    notes: dict[str, str] = {}
    for top, names in sorted(third_party.items()):
        if top in ALLOWED_THIRD_PARTY:
            notes[top] = "allowed"
            continue
        importers = {_top(parents.get(name) or "?") for name in names}
        importers.discard(top)
        if importers and importers <= ALLOWED_THIRD_PARTY - {"danmodel"}:
            notes[top] = f"imported by {', '.join(sorted(importers))} (a dependency's own import)"
        else:
            notes[top] = f"imported by {', '.join(sorted(importers)) or '?'}: NOT ALLOWED"
            failures.append(f"{top} is loaded by `import danmodel` (via {sorted(importers)})")
    for name in loaded:
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN):
            failures.append(f"{name} is loaded by `import danmodel`")
    argparse_note = "not loaded"
    if "argparse" in loaded:
        chain = _chain("argparse", parents)
        argparse_note = "loaded via " + " <- ".join(chain)
        if len(chain) > 1 and _top(chain[1]) == "danmodel":
            failures.append(f"argparse is imported by {chain[1]}")
    lazy = {name: name in loaded for name in ("difflib", "tempfile", "jsonschema", "hypothesis")}
    total = next((item.cumulative_us for item in tree if item.name == "danmodel"), None)
    by_self = sorted(tree, key=lambda item: item.self_us, reverse=True)[:top_n]
    summary = {
        "danmodel_cumulative_us": total,
        "modules_loaded": len(loaded),
        "top_self_us": [
            {"module": item.name, "self_us": item.self_us, "cumulative_us": item.cumulative_us}
            for item in by_self
        ],
        "top_level_cumulative_us": {
            item.name: item.cumulative_us for item in tree if item.parent == "danmodel"
        },
        "third_party": {top: sorted(names) for top, names in sorted(third_party.items())},
        "third_party_notes": notes,
        "stdlib_packages": sorted({_top(n) for n in loaded if _top(n) in stdlib}),
        "argparse": argparse_note,
        "lazy_modules_loaded": lazy,
    }
    return summary, failures


def print_imports(summary: dict[str, Any], failures: list[str]) -> None:
    total = summary["danmodel_cumulative_us"]
    print(
        f"\n== python -X importtime -c 'import danmodel': {total / 1000:.1f} ms cumulative, "
        f"{summary['modules_loaded']} modules added"
    )
    print("  own import time, largest first:")
    for item in summary["top_self_us"]:
        print(
            f"    {item['module']:32} self {item['self_us'] / 1000:6.2f} ms"
            f"   cumulative {item['cumulative_us'] / 1000:6.2f} ms"
        )
    print("  imported directly by danmodel (cumulative):")
    for name, cumulative in sorted(
        summary["top_level_cumulative_us"].items(), key=lambda kv: kv[1], reverse=True
    ):
        print(f"    {name:32} {cumulative / 1000:6.2f} ms")
    print("  non-stdlib top-level packages loaded:")
    for top, names in summary["third_party"].items():
        print(f"    {top:18} {len(names):3} modules  {summary['third_party_notes'][top]}")
    print(f"  stdlib packages loaded: {', '.join(summary['stdlib_packages'])}")
    print(f"  argparse: {summary['argparse']}")
    lazy = ", ".join(
        f"{name} {'LOADED' if on else 'no'}" for name, on in summary["lazy_modules_loaded"].items()
    )
    print(f"  lazily imported by danmodel, loaded now?: {lazy}")
    if failures:
        print("  FAIL: " + "; ".join(failures))
    else:
        print("  ok: nothing beyond attrs, cattrs (and their own imports) and the standard library")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rounds", type=int, default=20, help="rounds (default: 20)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the order (default: 7)")
    parser.add_argument("--top", type=int, default=12, help="modules listed (default: 12)")
    parser.add_argument(
        "--files", type=int, default=1000, help="small files validated in one process (1000)"
    )
    parser.add_argument(
        "--imports-only", action="store_true", help="only the import checks, no timing"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="where to write the results as JSON (default: benchmarks/results/coldstart.json)",
    )
    parser.add_argument(
        "--as-is",
        action="store_true",
        help="run the children in this environment as it is (bytecode cache settings included)",
    )
    options = parser.parse_args(argv)
    global _ENV
    report: dict[str, Any] = {
        "python": sys.version,
        "rounds": options.rounds,
        "bytecode": "as is" if options.as_is else "cached in a temporary PYTHONPYCACHEPREFIX",
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE"),
    }
    with tempfile.TemporaryDirectory() as directory:
        if not options.as_is:
            _ENV = child_environment(Path(directory) / "pycache")
        print(f"bytecode: {report['bytecode']}")
        if not options.imports_only:
            path = Path(directory) / "dan-1.json"
            path.write_text(documents.document(1), encoding="utf-8")
            report["oneshots"] = time_oneshots(path, options.rounds, options.seed)
            print_oneshots(report["oneshots"], options.rounds)
            report["targets"] = oneshot_targets(report["oneshots"])
            report["many_files"] = time_many_files(
                Path(directory) / "many", path, options.files, max(3, options.rounds // 4)
            )
            print_many_files(report["many_files"])
        else:
            new_modules()  # a warm-up that fills the bytecode cache
        summary, failures = check_imports(options.top)
    report["imports"] = summary
    report["import_failures"] = failures
    print_imports(summary, failures)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {options.output}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
