"""Time decode+validate and encode of DAN documents: danmodel, its peers and plain json.

For each document size (``documents.py``), in the same process:

- ``decode``: JSON text (``str``) to validated objects. danmodel: ``danmodel.loads``;
  peers: ``decode`` of ``peers.py``; the floor: ``json.loads`` (no validation).
- ``encode``: those objects back to JSON text in danmodel's layout (2-space
  indent, final newline). danmodel: ``danmodel.dumps``; pydantic:
  ``model_dump_json(indent=2)``; msgspec: ``Encoder.encode`` + ``json.format``;
  the floor: ``json.dumps(indent=2)`` of the dicts ``json.loads`` returned;
  and ``json-compact``, a compact C ``json.dumps`` of ``danmodel.to_dict(config)``
  (the dicts built beforehand), the floor of the target ``dumps`` <= 1.6x.

The targets of issue 16 are reported at the end: ``loads`` at most 8x
``json.loads`` and ``dumps`` at most 1.6x ``json-compact``, on 256 and 4096
devices, each the median of its per-round ratios.

Method. Each (size, participant, operation) is a *task*. A task is calibrated
once (this is also its warm-up): it is repeated ``reps`` times per measurement
so a measurement lasts at least ``--target-ms`` (small documents run many
times, the largest once). Then come ``--rounds`` rounds; each round runs every
task of every size once, in an order shuffled per round by a seeded RNG, and
records the time per call (``time.perf_counter_ns``). Reported: the median per
call, and per-round ratios (participant / json, danmodel / each peer, and the
largest size / the next one for the scaling) summarised by their median and
range; a per-round ratio compares tasks run within one round, so it is
steadier than a ratio of medians on a busy machine.

Garbage collection is *disabled* during a measurement, after a
``gc.collect()``, by default: decoding allocates many objects, and when the
cyclic collector runs would otherwise depend on what earlier tasks left on the
heap, not on the task measured. ``--gc`` keeps it enabled (closer to an
application that has not tuned gc; noisier).

Before timing, ``check_peers.py`` shows the peers validate like danmodel
(``--no-check`` skips it). Results are printed and written as JSON
(``--output``, default ``benchmarks/results/latest.json``).
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import documents

import danmodel

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "latest.json"
PARTICIPANTS = ("json", "danmodel", "pydantic", "msgspec")
OPERATIONS = ("decode", "encode")
FLOOR = "json"
SUBJECT = "danmodel"
COMPACT = "json-compact"
"""An encode-only floor: C ``json.dumps`` of ``to_dict(config)``, compact (the C encoder)."""
TARGET_SIZES = (256, 4096)
TARGETS = {
    "decode": ("danmodel/json", 8.0, "loads / json.loads"),
    "encode": (f"danmodel/{COMPACT}", 1.6, "dumps / compact C json.dumps(to_dict(config))"),
}
"""Issue 16: per operation, the per-round ratio whose median must be at most the bound."""


@dataclass(frozen=True)
class Participant:
    name: str
    decode: Callable[[str], object]
    encode: Callable[[Any], str | bytes]


def _json_encode(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _json_compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def participants(names: Sequence[str]) -> list[Participant]:
    """The participants named, in the order of ``PARTICIPANTS``."""
    found = [
        Participant("json", json.loads, _json_encode),
        Participant("danmodel", danmodel.loads, danmodel.dumps),
    ]
    if {"pydantic", "msgspec"} & set(names):
        from peers import PEERS  # only when wanted: they import pydantic and msgspec

        found += [Participant(peer.name, peer.decode, peer.encode) for peer in PEERS]
    return [item for item in found if item.name in names]


@dataclass
class Task:
    size: int
    participant: str
    operation: str
    function: Callable[[Any], object]
    argument: object
    reps: int = 1

    @property
    def key(self) -> tuple[int, str, str]:
        return self.size, self.participant, self.operation


def _measure(task: Task, reps: int, *, gc_off: bool) -> float:
    """Nanoseconds per call of ``task``, over ``reps`` calls."""
    function, argument = task.function, task.argument
    if gc_off:
        gc.collect()
        gc.disable()
    try:
        start = time.perf_counter_ns()
        for _ in range(reps):
            function(argument)
        elapsed = time.perf_counter_ns() - start
    finally:
        if gc_off:
            gc.enable()
    return elapsed / reps


def _calibrate(task: Task, target_ns: float, *, gc_off: bool) -> None:
    single = _measure(task, 1, gc_off=gc_off)  # first call: warm-up (lazy setup, caches)
    single = min(single, _measure(task, 1, gc_off=gc_off))
    task.reps = max(1, math.ceil(target_ns / max(single, 1.0)))


def _summary(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def bench(
    sizes: Sequence[int],
    chosen: Sequence[Participant],
    *,
    rounds: int,
    target_ns: float,
    rng: random.Random,
    gc_off: bool,
) -> dict[str, dict[str, Any]]:
    """Run every task of every size in each round; the results per size, JSON-ready."""
    texts = {size: documents.document(size) for size in sizes}
    tasks: list[Task] = []
    for size, text in texts.items():
        for participant in chosen:
            decoded = participant.decode(text)
            tasks.append(Task(size, participant.name, "decode", participant.decode, text))
            tasks.append(Task(size, participant.name, "encode", participant.encode, decoded))
            if participant.name == SUBJECT:
                data = danmodel.to_dict(decoded)  # type: ignore[arg-type]
                tasks.append(Task(size, COMPACT, "encode", _json_compact, data))
    for task in tasks:
        _calibrate(task, target_ns, gc_off=gc_off)
    per_call: dict[tuple[int, str, str], list[float]] = {task.key: [] for task in tasks}
    reps = {task.key: task.reps for task in tasks}
    for number in range(1, rounds + 1):
        order = tasks[:]
        rng.shuffle(order)
        for task in order:
            per_call[task.key].append(_measure(task, task.reps, gc_off=gc_off))
        print(f"round {number}/{rounds} done", file=sys.stderr, flush=True)

    names = [participant.name for participant in chosen]
    results: dict[str, dict[str, Any]] = {}
    for size, text in texts.items():
        result: dict[str, Any] = {"devices": size, "bytes": len(text.encode("utf-8"))}
        for operation in OPERATIONS:
            present = [*names, COMPACT] if (size, COMPACT, operation) in per_call else names
            series = {name: per_call[size, name, operation] for name in present}
            timings = {
                name: {
                    "reps": reps[size, name, operation],
                    "median_ns": statistics.median(values),
                    "per_round_ns": values,
                }
                for name, values in series.items()
            }
            ratios: dict[str, Any] = {}
            pairs = [(name, FLOOR) for name in names if name != FLOOR and FLOOR in names]
            pairs += [(SUBJECT, name) for name in present if SUBJECT in names and name != SUBJECT]
            for top, bottom in pairs:
                per_round = [a / b for a, b in zip(series[top], series[bottom], strict=True)]
                ratios[f"{top}/{bottom}"] = {**_summary(per_round), "per_round": per_round}
            result[operation] = {"timings": timings, "ratios": ratios}
        results[str(size)] = result
    return results


# --- report --------------------------------------------------------------------------------


def _duration(ns: float) -> str:
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e3:.1f} us"


def _ratio(summary: dict[str, float] | None) -> str:
    if summary is None:
        return "-"
    return f"{summary['median']:.2f} [{summary['min']:.2f}-{summary['max']:.2f}]"


def print_size(result: dict[str, Any], rounds: int) -> None:
    print(f"\n== {result['devices']} devices ({result['bytes']:,} bytes), {rounds} rounds")
    for operation in OPERATIONS:
        timings, ratios = result[operation]["timings"], result[operation]["ratios"]
        label = "decode + validate" if operation == "decode" else "encode"
        print(f"  {label}")
        header = f"    {'':12} {'median/call':>10} {'reps':>6}  {'x json [range]':>22}"
        print(header + f"  {'danmodel / this [range]':>24}")
        for name, timing in timings.items():
            to_floor = ratios.get(f"{name}/{FLOOR}") if name != FLOOR else None
            to_subject = ratios.get(f"{SUBJECT}/{name}")
            floor = "1" if name == FLOOR else "-" if name == COMPACT else _ratio(to_floor)
            print(
                f"    {name:12} {_duration(timing['median_ns']):>10} {timing['reps']:>6}  "
                f"{floor:>22}  "
                f"{_ratio(to_subject) if name != SUBJECT else '1':>24}"
            )


def scaling(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Time of the largest document over the next size's, per round (both ran in each round)."""
    sizes = sorted(int(size) for size in results)
    if len(sizes) < 2:
        return {}
    small, large = sizes[-2], sizes[-1]
    found: dict[str, Any] = {"small": small, "large": large, "linear": large / small, "ratios": {}}
    for operation in OPERATIONS:
        for name, timing in results[str(large)][operation]["timings"].items():
            before = results[str(small)][operation]["timings"][name]["per_round_ns"]
            per_round = [a / b for a, b in zip(timing["per_round_ns"], before, strict=True)]
            found["ratios"][f"{name} {operation}"] = {**_summary(per_round), "per_round": per_round}
    return found


def print_scaling(found: dict[str, Any]) -> None:
    if not found:
        return
    small, large, linear = found["small"], found["large"], found["linear"]
    print(
        f"\n== scaling: time({large}) / time({small}) per round, median [range]; "
        f"linear = {linear:g}, within 20% = {linear * 0.8:g} to {linear * 1.2:g}"
    )
    for key, ratio in found["ratios"].items():
        median = ratio["median"]
        verdict = "ok" if abs(median / linear - 1) <= 0.20 else "NOT within 20%"
        print(
            f"    {key:18} {median:6.1f}x [{ratio['min']:.1f}-{ratio['max']:.1f}]  "
            f"({median / linear:.2f} of linear, {verdict})"
        )


def targets(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The targets of issue 16 on the sizes measured: ratio, bound, and whether it holds."""
    found = []
    for size in TARGET_SIZES:
        result = results.get(str(size))
        if result is None:
            continue
        for operation, (key, bound, label) in TARGETS.items():
            ratio = result[operation]["ratios"].get(key)
            if ratio is None:
                continue
            found.append(
                {
                    "devices": size,
                    "target": label,
                    "bound": bound,
                    "median": ratio["median"],
                    "min": ratio["min"],
                    "max": ratio["max"],
                    "holds": ratio["median"] <= bound,
                }
            )
    return found


def print_targets(found: list[dict[str, Any]]) -> None:
    if not found:
        return
    print("\n== targets (median of the per-round ratios)")
    for item in found:
        verdict = "holds" if item["holds"] else "MISSED"
        print(
            f"    {item['devices']:>5} devices  {item['target']:46} {item['median']:5.2f}x "
            f"[{item['min']:.2f}-{item['max']:.2f}]  target <= {item['bound']:g}x: {verdict}"
        )


# --- metadata ------------------------------------------------------------------------------


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=HERE.parent, capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def metadata(options: argparse.Namespace) -> dict[str, Any]:
    status = _git("status", "--porcelain", "--", "src")
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": sys.version,
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": list(os.getloadavg()),
        "versions": {
            name: _version(name) for name in ("danmodel", "attrs", "cattrs", "pydantic", "msgspec")
        },
        "git_commit": _git("rev-parse", "HEAD"),
        "src_modified": None if status is None else bool(status),
        "options": {
            "sizes": options.sizes,
            "rounds": options.rounds,
            "target_ms": options.target_ms,
            "seed": options.seed,
            "gc_disabled_while_timing": not options.gc,
            "participants": options.participants,
        },
    }


# --- command line --------------------------------------------------------------------------


def _int_list(text: str) -> list[int]:
    return [int(item) for item in text.split(",") if item]


def _name_list(text: str) -> list[str]:
    names = [item for item in text.split(",") if item]
    unknown = set(names) - set(PARTICIPANTS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown participants: {', '.join(sorted(unknown))}")
    return names


def parse_options(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time decode+validate and encode: danmodel vs pydantic, msgspec and json.",
        epilog="Quick run: python benchmarks/run.py --rounds 3 --sizes 1,16,256",
    )
    parser.add_argument(
        "--sizes",
        type=_int_list,
        default=list(documents.SIZES),
        help="comma-separated device counts (default: 1,16,256,4096)",
    )
    parser.add_argument("--rounds", type=int, default=10, help="rounds per size (default: 10)")
    parser.add_argument(
        "--target-ms",
        type=float,
        default=50.0,
        help="least duration of one measurement; small documents are repeated (default: 50)",
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the task order (default: 7)")
    parser.add_argument(
        "--participants",
        type=_name_list,
        default=list(PARTICIPANTS),
        help="comma-separated subset of " + ",".join(PARTICIPANTS),
    )
    parser.add_argument(
        "--gc", action="store_true", help="keep the garbage collector enabled while timing"
    )
    parser.add_argument(
        "--no-check", action="store_true", help="skip check_peers (equal validation)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="where to write the results as JSON (default: benchmarks/results/latest.json)",
    )
    options = parser.parse_args(argv)
    if options.rounds < 1:
        parser.error("--rounds must be at least 1")
    return options


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    peers_wanted = {"pydantic", "msgspec"} & set(options.participants)
    if peers_wanted and not options.no_check:
        import check_peers

        if not check_peers.check():
            print("the peers do not validate like danmodel: not timing them", file=sys.stderr)
            return 1
    chosen = participants(options.participants)
    meta = metadata(options)
    print(
        f"python {platform.python_version()} on {meta['platform']}, {meta['cpu_count']} CPUs, "
        f"load average {' '.join(f'{x:.2f}' for x in meta['load_average_at_start'])}; "
        f"gc {'enabled' if options.gc else 'disabled'} while timing"
    )
    rng = random.Random(options.seed)
    results = bench(
        options.sizes,
        chosen,
        rounds=options.rounds,
        target_ns=options.target_ms * 1e6,
        rng=rng,
        gc_off=not options.gc,
    )
    for result in results.values():
        print_size(result, options.rounds)
    found = scaling(results)
    print_scaling(found)
    checked = targets(results)
    print_targets(checked)
    meta["load_average_at_end"] = list(os.getloadavg())
    options.output.parent.mkdir(parents=True, exist_ok=True)
    report = {"meta": meta, "sizes": results, "scaling": found, "targets": checked}
    options.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
