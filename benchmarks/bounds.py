"""Time and peak memory of danmodel's entry points against input size, up to the 16 MiB bound.

Issue 17 asks every public entry point to stay linear in time and bounded in
memory on any input, irregular ones included; at the bound
(``MAX_DOCUMENT_BYTES``, 16 MiB) each case below should take under 2 s and
512 MiB on the reference machine. The cases:

- ``regular``: ``danmodel.loads`` of a valid document (``documents.document``);
- ``duplicate-key``: the same document with one duplicate key in its first
  device (``loads`` must refuse it);
- ``nan``: the same with ``NaN`` as the first device's ``mtu`` (refused);
- ``many-problems``: every device's ``guest_mac`` invalid (refused, one
  problem per device);
- ``check-findings``: ``danmodel.check(document, "go-runtime")`` on the regular
  document (about three findings per device);
- ``check-miscased``: the same, with the keys ``tap_name``, ``guest_mac`` and
  ``ip_addresses`` miscased (the Go runtime matches keys without case);
- ``add-devices``: ``DanStore.add_devices`` of all the document's devices to an
  empty sandbox (the size is the file written);
- ``add-to-full``: ``DanStore.add_device`` of one device to a sandbox whose file
  already holds the others (read, check, rewrite); each of the ``--repeat`` calls
  adds another one.

Each (case, size) runs in its own process, started with this interpreter, so
that a blow-up is measured and reported instead of ending the run: the
process has a wall-clock timeout (``--timeout``, 60 s) and an address-space
cap set with ``resource.setrlimit(RLIMIT_AS)`` (``--memory-cap``, 2048 MiB),
under which an allocation beyond the cap raises ``MemoryError``. The child
builds its input (the document text unchecked, so that no freed heap memory
is left for the call to reuse unseen), gives free heap memory back to the
system (``gc.collect``, glibc's ``malloc_trim``), then measures only the call:

- time: ``time.perf_counter`` around the call (the best of ``--repeat`` calls),
  judged against the bound; and ``time.process_time`` (CPU seconds), less
  sensitive to other load on a shared machine (the load averages before and
  after the run are recorded; ``--judge cpu`` judges the bound on it);
- memory: the process's resident-set high-water mark (``VmHWM``), reset just
  before the call by writing ``5`` to ``/proc/self/clear_refs`` (Linux 4.0+),
  minus the resident set before the call: the memory the call itself took,
  C allocations included, without slowing it down as ``tracemalloc`` would.
  Where the reset is not possible the whole process's ``ru_maxrss`` is given
  and marked. With ``--traced`` each case runs a second time, in its own
  process under ``tracemalloc`` (with ten times the timeout), and the larger
  of the two figures is judged.

The outcome is checked against what the case expects (a value, or a
``DanError``); any other exception is reported as an escape. The table
printed ends with a verdict per row (``ok`` or what failed: the outcome, the
2 s or the 512 MiB); ``benchmarks/results/bounds.json`` (``--output``) holds
every figure. The exit status is 0 unless ``--strict`` is given and a row
failed.

    python benchmarks/bounds.py                       # sizes 1, 4, 16 MiB
    python benchmarks/bounds.py --sizes 0.25,1,4,16 --cases regular,nan
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results" / "bounds.json"
MiB = 1 << 20
TIME_BOUND = 2.0
"""Seconds a case may take at the bound (issue 17)."""
MEMORY_BOUND = 512 * MiB
"""Bytes a case may take at the bound (issue 17)."""
TRACED_SLOWDOWN = 10
"""How much longer than ``--timeout`` a run under ``tracemalloc`` may take."""

CASES = (
    "regular",
    "duplicate-key",
    "nan",
    "many-problems",
    "check-findings",
    "check-miscased",
    "add-devices",
    "add-to-full",
)
_MARGIN = 256
"""Bytes left below the bound for what a case inserts into the document."""


# --- the child: build one input, measure one call ------------------------------------------


_SPARES = 8
"""Devices add-to-full keeps out of the file, one for each call (``--repeat`` at most 8)."""


def _devices_for(size: int) -> int:
    """The most devices whose ``documents.document`` text has at most ``size`` bytes."""
    import documents

    def length(count: int) -> int:  # the text documents.document(count) returns, unchecked
        return len(json.dumps(documents.build(count), indent=2, ensure_ascii=False)) + 1

    count = max(1, size * 64 // length(64))
    for _ in range(3):  # devices grow with their index: refine the estimate
        count = max(1, min(65535, count * size // length(count)))
    while count > 1 and (excess := length(count) - size) > 0:
        count = max(1, count - 1 - excess * count // size)
    return count


def _build(case: str, size: int) -> tuple[Callable[[], object], dict[str, Any]]:
    """The call to measure and what it is measured on; ``expect`` is "value" or "DanError"."""
    import documents

    import danmodel
    from danmodel.store import DanStore

    count = _devices_for(size - _MARGIN)
    # documents.document(count) checks the text with danmodel, leaving freed heap memory the
    # measured call would reuse unseen by the RSS figure: the same text, unchecked.
    text = json.dumps(documents.build(count), indent=2, ensure_ascii=False) + "\n"
    info: dict[str, Any] = {"devices": count, "bytes": len(text.encode()), "expect": "value"}
    if case == "regular":
        return lambda: danmodel.loads(text), info
    if case in ("duplicate-key", "nan", "many-problems"):
        if case == "duplicate-key":
            text = text.replace('"name": "eth0",', '"name": "eth0",\n      "name": "eth0",', 1)
        elif case == "nan":
            text = text.replace('"mtu": 9000', '"mtu": NaN', 1)
        else:
            text = text.replace('"guest_mac": "0a:', '"guest_mac": "zz:')
        info.update(bytes=len(text.encode()), expect="DanError")
        return lambda: danmodel.loads(text), info
    if case == "check-findings":
        return lambda: danmodel.check(text, "go-runtime"), info
    if case == "check-miscased":
        for key in ("tap_name", "guest_mac", "ip_addresses"):
            text = text.replace(f'"{key}"', f'"{key.title()}"')
        return lambda: danmodel.check(text, "go-runtime"), info
    devices = danmodel.loads(text).devices
    directory = tempfile.mkdtemp(prefix="dan-bounds-")
    store = DanStore(directory)
    if case == "add-devices":
        return lambda: store.add_devices("sandbox-1", devices), info
    if case == "add-to-full":
        # Each call adds a device not yet in the file (adding one again changes nothing and
        # writes nothing): the file holds all but the last _SPARES devices.
        store.add_devices("sandbox-1", devices[:-_SPARES])
        spares = list(devices[-_SPARES:])
        info["bytes"] = os.path.getsize(store.path("sandbox-1"))
        return lambda: store.add_device("sandbox-1", spares.pop(0)), info
    raise SystemExit(f"unknown case {case!r}")


def _status_kib(key: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


def _release_free_memory() -> None:
    """Give the heap's free memory back to the system, so the call's growth shows in RSS."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the RSS figure may then be low
        pass


def child(case: str, size: int, repeat: int, how: str) -> dict[str, Any]:
    """Measure ``case`` at ``size`` in this process; the result as a JSON-able dict.

    ``how`` is ``time`` (wall time and RSS growth) or ``memory`` (tracemalloc's peak).
    """
    sys.path.insert(0, str(HERE))
    import tracemalloc

    from danmodel import DanError

    call, info = _build(case, size)
    _release_free_memory()
    before_kib = _status_kib("VmRSS")
    reset = _reset_peak()
    if how == "memory":
        tracemalloc.start()
        repeat = 1
    best = best_cpu = float("inf")
    outcome = "value"
    detail = ""
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            value = call()
        except DanError as error:
            outcome, detail = "DanError", f"{type(error).__name__}: {str(error)[:200]}"
        except MemoryError:
            outcome, detail = "MemoryError", "the memory cap was reached"
        except Exception as error:
            outcome, detail = "escaped", f"{type(error).__name__}: {str(error)[:200]}"
        else:
            outcome = "value"
            detail = f"{len(value)} findings" if isinstance(value, list) else type(value).__name__
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
        value = None  # freed outside the timed call, not by the next call's assignment
        if outcome in ("MemoryError", "escaped"):
            break
    result: dict[str, Any] = {**info, "outcome": outcome, "detail": " ".join(detail.split())}
    if how == "memory":
        result["traced_bytes"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return result
    if reset and before_kib is not None:
        peak_kib = _status_kib("VmHWM") or 0
        result["rss_bytes"] = max(0, peak_kib - before_kib) * 1024
        result["rss_method"] = "VmHWM reset before the call, minus VmRSS before it"
    else:
        result["rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        result["rss_method"] = "ru_maxrss of the whole process (the peak could not be reset)"
    result["seconds"] = best
    result["cpu_seconds"] = best_cpu
    result["rss_before_bytes"] = (before_kib or 0) * 1024
    return result


# --- the parent: one process per (case, size), a table, a JSON file ------------------------


@dataclass
class Row:
    case: str
    size: int
    devices: int | None = None
    bytes: int | None = None
    seconds: float | None = None
    cpu_seconds: float | None = None
    rss_bytes: int | None = None
    traced_bytes: int | None = None
    outcome: str = ""
    detail: str = ""
    verdict: str = ""

    @property
    def memory_bytes(self) -> int | None:
        """The larger of the two memory figures (RSS growth, traced peak)."""
        known = [value for value in (self.rss_bytes, self.traced_bytes) if value is not None]
        return max(known) if known else None


def _limits(memory_cap: int, timeout: float) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_cap, memory_cap))
        cpu = int(timeout) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))

    return apply


def _run_child(
    case: str, size: int, how: str, *, timeout: float, memory_cap: int, repeat: int
) -> dict[str, Any]:
    """One capped child process; its result, or ``outcome``/``detail`` saying how it failed."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", case, str(size), how]
    command += ["--repeat", str(repeat)]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=_limits(memory_cap, timeout),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"outcome": "timeout", "detail": f"{how}: over {timeout:g} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode == 0 and lines:
        return dict(json.loads(lines[-1]))
    tail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    if done.returncode < 0:
        tail = f"killed by signal {-done.returncode}: {tail}"
    outcome = "MemoryError" if "MemoryError" in tail else "crashed"
    return {"outcome": outcome, "detail": f"{how}: {tail[:200]}"}


def measure(
    case: str,
    size: int,
    *,
    timeout: float,
    memory_cap: int,
    repeat: int,
    traced: bool,
    judge: str = "wall",
) -> Row:
    """Run one (case, size) in a capped child process (and again traced); judge it."""
    timed = _run_child(case, size, "time", timeout=timeout, memory_cap=memory_cap, repeat=repeat)
    row = Row(case, size, outcome=timed["outcome"], detail=timed["detail"])
    row.devices, row.bytes = timed.get("devices"), timed.get("bytes")
    row.seconds, row.rss_bytes = timed.get("seconds"), timed.get("rss_bytes")
    row.cpu_seconds = timed.get("cpu_seconds")
    failed = []
    if "expect" not in timed:
        failed.append(timed["outcome"])
    elif timed["outcome"] != timed["expect"]:
        failed.append(f"expected {timed['expect']}, got {timed['outcome']}")
    if traced and "expect" in timed:
        run = _run_child(
            case,
            size,
            "memory",
            timeout=timeout * TRACED_SLOWDOWN,
            memory_cap=memory_cap,
            repeat=1,
        )
        row.traced_bytes = run.get("traced_bytes")
        if run["outcome"] != timed["outcome"]:
            failed.append(f"traced run: {run['outcome']} ({run['detail'][:80]})")
    seconds = row.cpu_seconds if judge == "cpu" else row.seconds
    if seconds is not None and seconds > TIME_BOUND:
        failed.append(f"over {TIME_BOUND:g} s" + (" of CPU" if judge == "cpu" else ""))
    memory = row.memory_bytes
    if memory is not None and memory > MEMORY_BOUND:
        failed.append(f"over {MEMORY_BOUND // MiB} MiB")
    row.verdict = "ok" if not failed else "FAIL: " + "; ".join(failed)
    return row


def _mib(value: int | None) -> str:
    return "" if value is None else f"{value / MiB:.1f}"


def _table(rows: list[Row]) -> str:
    head = (
        "case",
        "size",
        "devices",
        "seconds",
        "CPU s",
        "s/MiB",
        "RSS MiB",
        "traced MiB",
        "outcome",
    )
    body = []
    for row in rows:
        per_mib = ""
        if row.seconds is not None and row.bytes:
            per_mib = f"{row.seconds / (row.bytes / MiB):.3f}"
        outcome = row.outcome if not row.detail else f"{row.outcome} ({row.detail[:48]})"
        body.append(
            (
                row.case,
                f"{row.size / MiB:.3g} MiB",
                "" if row.devices is None else str(row.devices),
                "" if row.seconds is None else f"{row.seconds:.3f}",
                "" if row.cpu_seconds is None else f"{row.cpu_seconds:.3f}",
                per_mib,
                _mib(row.rss_bytes),
                _mib(row.traced_bytes),
                outcome,
            )
        )
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in [head, *body]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    verdicts = [f"{row.case} @ {row.size / MiB:.3g} MiB: {row.verdict}" for row in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n\n" + "\n".join(verdicts)


def _commit() -> str | None:
    """The checkout's commit, to tie the figures to the code they measure."""
    try:
        done = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,4,16", help="input sizes in MiB (default 1,4,16)")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated cases")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per case (60)")
    parser.add_argument("--memory-cap", type=int, default=2048, help="MiB of address space (2048)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        choices=range(1, _SPARES + 1),
        metavar=f"1..{_SPARES}",
        help="calls per case; the best time",
    )
    parser.add_argument(
        "--traced",
        action="store_true",
        help="also run each case under tracemalloc (its peak of Python allocations)",
    )
    parser.add_argument(
        "--judge",
        choices=("wall", "cpu"),
        default="wall",
        help="judge the 2 s bound on wall time (default) or CPU time (a shared machine)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--strict", action="store_true", help="exit 1 if a row fails")
    parser.add_argument(
        "--child", nargs=3, metavar=("CASE", "BYTES", "HOW"), help=argparse.SUPPRESS
    )
    arguments = parser.parse_args(argv)
    if arguments.child:
        case, size, how = arguments.child
        print(json.dumps(child(case, int(size), arguments.repeat, how)))
        return 0

    from danmodel import MAX_DOCUMENT_BYTES

    cases = [case for case in arguments.cases.split(",") if case]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")
    sizes = [min(int(float(size) * MiB), MAX_DOCUMENT_BYTES) for size in arguments.sizes.split(",")]
    load_before = os.getloadavg()
    rows = []
    for case in cases:
        for size in sizes:
            row = measure(
                case,
                size,
                timeout=arguments.timeout,
                memory_cap=arguments.memory_cap * MiB,
                repeat=arguments.repeat,
                traced=arguments.traced,
                judge=arguments.judge,
            )
            rows.append(row)
            print(f"  {case} @ {size / MiB:g} MiB: {row.verdict}", file=sys.stderr, flush=True)
    print(_table(rows))
    record = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
        },
        "commit": _commit(),
        "repeat": arguments.repeat,
        "bounds": {"seconds": TIME_BOUND, "memory_bytes": MEMORY_BOUND, "judged": arguments.judge},
        "limits": {
            "timeout_seconds": arguments.timeout,
            "memory_cap_bytes": arguments.memory_cap * MiB,
        },
        "max_document_bytes": MAX_DOCUMENT_BYTES,
        "rows": [{**asdict(row), "memory_bytes": row.memory_bytes} for row in rows],
    }
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nwritten to {arguments.output}")
    failed = [row for row in rows if row.verdict != "ok"]
    return 1 if arguments.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
