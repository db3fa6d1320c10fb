"""The store under concurrent processes and SIGKILL: (a) parallel ADDs, (b) a reader during
rewrites, (c) writers killed at random moments. Each test prints its figures.

Writers are separate Python processes, as CNI plugins are, started with the
worker script below; every loop is bounded by a count, never by a clock.
"""

from __future__ import annotations

import inspect
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import attrs
import pytest

from danmodel import DanConfig, DanDevice, dumps, from_dict
from danmodel.store import Attachment, DanStore

CI = bool(os.environ.get("CI"))
SANDBOX = "7d1e0c9b8a6f4e3d2c1b0a9f8e7d6c5b"
TIMEOUT = 120
"""Seconds a worker may take before the test fails instead of hanging."""


def device(tag: str, index: int) -> DanDevice:
    """Device ``index`` of writer ``tag``: guest name and tap name unique to both."""
    return from_dict(
        {
            "name": f"{tag}d{index}",
            "guest_mac": "0a:58:0a:0a:00:05",
            "device": {"type": "host-tap", "tap_name": f"tap{tag}-{index}"},
            "network_info": {"interface": {"ip_addresses": ["10.10.0.5/24"]}},
        },
        DanDevice,
    )


def config(tag: str, version: int, sizes: Sequence[int]) -> DanConfig:
    """Version ``version`` of writer ``tag``'s config: its netns names both."""
    count = sizes[version % len(sizes)]
    return DanConfig(
        netns=f"/var/run/netns/{tag}-{version}",
        devices=[device(tag, index) for index in range(count)],
    )


WORKER = (
    "import os, sys\n"
    "from collections.abc import Sequence\n"
    "from danmodel import DanConfig, DanDevice, dumps, from_dict, loads\n"
    "from danmodel.store import Attachment, DanStore\n"
    + inspect.getsource(device)
    + inspect.getsource(config)
    + """
mode, directory, sandbox, tag, count = sys.argv[1:6]
sizes = [int(size) for size in sys.argv[6].split(",")]
store = DanStore(directory)
loads(dumps(config(tag, 0, sizes)))  # warm up: the first write is then like the others
print("ready", flush=True)
done = 0
if mode == "add":
    sys.stdin.readline()
    for index in range(int(count)):
        store.add_device(sandbox, device(tag, index))
        done += 1
elif mode == "attach":  # add one by one for the writer's attachment; odd writers then DEL
    sys.stdin.readline()
    attachment = Attachment(f"net-{tag}", f"if{tag}")
    for index in range(int(count)):
        store.add_device(sandbox, device(tag, index), attachment=attachment)
        done += 1
    if int(tag[1:]) % 2:
        done += len(store.remove_attachment(sandbox, attachment))
elif mode == "rewrite":
    stop = sys.argv[7]
    sys.stdin.readline()
    while True:
        store.write(sandbox, config(tag, done, sizes))
        done += 1
        if done >= int(count) or os.path.exists(stop):
            break
else:  # churn: rewrite and add, until killed
    for version in range(int(count)):
        if version % 2 == 0:
            store.write(sandbox, config(tag, version, sizes))
        else:
            netns = config(tag, version - 1, sizes).netns
            store.add_device(sandbox, device(tag, 1000 + version), netns=netns)
        done += 1
print(done, flush=True)
"""
)


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """Print a test's figures on the terminal, past pytest's capture."""
    with capsys.disabled():
        print(f"\n[store] {line}", end="")


@contextmanager
def workers(arguments: list[list[str]]) -> Iterator[list[subprocess.Popen[str]]]:
    """Start one worker per argument list; each has printed "ready" when this yields."""
    with ExitStack() as stack:
        started = []
        for argv in arguments:
            process = stack.enter_context(
                subprocess.Popen(
                    [sys.executable, "-c", WORKER, *argv],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
            stack.callback(_reap, process)
            started.append(process)
        for process in started:
            assert process.stdout is not None
            assert process.stdout.readline() == "ready\n"
        yield started


def _reap(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()


def go(processes: list[subprocess.Popen[str]]) -> None:
    """Release the workers waiting on their standard input, all at once."""
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()


def finish(process: subprocess.Popen[str]) -> int:
    """Wait for a worker; its count of operations done."""
    out, _ = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0
    return int(out)


def check_temporaries(store: DanStore) -> list[str]:
    return [name for name in os.listdir(store.directory) if ".tmp." in name]


def test_concurrent_adds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """(a) 8 processes add 25 distinct devices each to one sandbox at once: none is lost."""
    processes, adds = 8, 25
    store = DanStore(tmp_path / "dans")
    arguments = [
        ["add", str(store.directory), SANDBOX, f"p{number}", str(adds), "1"]
        for number in range(processes)
    ]
    with workers(arguments) as started:
        go(started)
        done = [finish(process) for process in started]
    assert done == [adds] * processes
    stored = store.read(SANDBOX)
    expected = {device(f"p{number}", index) for number in range(processes) for index in range(adds)}
    assert set(stored.devices) == expected
    assert len(stored.devices) == processes * adds
    for number in range(processes):  # each writer's devices in its order
        mine = [d.name for d in stored.devices if d.name.startswith(f"p{number}d")]
        assert mine == [f"p{number}d{index}" for index in range(adds)]
    assert store.path(SANDBOX).read_text() == dumps(stored)
    assert check_temporaries(store) == []
    report(
        capsys,
        f"(a) {processes} processes x {adds} adds to one sandbox: "
        f"{len(stored.devices)} of {processes * adds} devices present, file valid",
    )


def test_concurrent_attachments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """(a) 6 processes add 15 devices each for their own attachment, the odd ones then remove
    theirs, all at once: the file and the ownership record agree and nothing is lost."""
    processes, adds = 6, 15
    store = DanStore(tmp_path / "dans")
    arguments = [
        ["attach", str(store.directory), SANDBOX, f"p{number}", str(adds), "1"]
        for number in range(processes)
    ]
    with workers(arguments) as started:
        go(started)
        done = [finish(process) for process in started]
    assert done == [adds * (1 + number % 2) for number in range(processes)]
    kept = [number for number in range(processes) if number % 2 == 0]
    stored = store.read(SANDBOX)
    assert {d.name for d in stored.devices} == {f"p{n}d{i}" for n in kept for i in range(adds)}
    expected = {f"p{n}d{i}": Attachment(f"net-p{n}", f"ifp{n}") for n in kept for i in range(adds)}
    assert store.attachments(SANDBOX) == expected
    record = json.loads((store.directory / f".{SANDBOX}.attachments").read_text())
    assert set(record["devices"]) == set(expected)  # no stale record left behind
    assert check_temporaries(store) == []
    report(
        capsys,
        f"(a) {processes} processes x {adds} adds with attachments, "
        f"{processes - len(kept)} then removed theirs: file and record agree",
    )


def test_reader_during_rewrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """(b) A reader polls while 2 processes rewrite the file: every read is one whole version."""
    writers, sizes, reads = 2, (1, 3, 8), 3000 if CI else 2000
    store = DanStore(tmp_path / "dans")
    initial = DanConfig(netns="/var/run/netns/initial", devices=[device("init", 0)])
    store.write(SANDBOX, initial)
    stop = tmp_path / "stop"
    arguments = [
        [
            "rewrite",
            str(store.directory),
            SANDBOX,
            f"w{n}",
            "100000",
            ",".join(map(str, sizes)),
            str(stop),
        ]
        for n in range(writers)
    ]
    seen: set[str | None] = set()

    def check() -> None:
        read = store.read(SANDBOX)  # raises on a partial or invalid file
        assert read.netns is not None
        seen.add(read.netns)
        if read != initial:
            tag, version = read.netns.rsplit("/", 1)[1].split("-")
            assert read == config(tag, int(version), sizes)

    with workers(arguments) as started:
        check()  # the initial version, before any rewrite
        go(started)
        for _ in range(reads):
            check()
        stop.touch()
        written = [finish(process) for process in started]
    check()  # the last version written
    assert len(seen) >= 2
    assert check_temporaries(store) == []
    report(
        capsys,
        f"(b) {reads + 2} reads while {writers} processes rewrote the file {sum(written)} times: "
        f"none partial or invalid, {len(seen)} distinct versions seen",
    )


def test_writers_killed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """(c) Writers SIGKILLed at random moments: the file is always whole and valid, and
    what they leave behind does not stop the next writer."""
    kills, sizes = 20 if CI else 12, "1,40,120"
    store = DanStore(tmp_path / "dans")
    store.write(SANDBOX, DanConfig(devices=[device("init", 0)]))
    chance = random.Random(20240605)
    reads = torn = versions = 0
    for kill in range(kills):
        argv = ["churn", str(store.directory), SANDBOX, f"c{kill}", "100000", sizes]
        with workers([argv]) as (writer,):
            writer.stdin.close()  # type: ignore[union-attr]
            # Read until a random moment, then kill: the loop ends by the clock, no check does.
            deadline = time.monotonic() + chance.uniform(0.0, 0.25)
            while True:
                store.read(SANDBOX)
                reads += 1
                if time.monotonic() >= deadline:
                    break
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=TIMEOUT)
            assert writer.returncode == -signal.SIGKILL
        text = store.path(SANDBOX).read_text()
        stored = store.read(SANDBOX)
        assert text == dumps(stored)
        reads += 1
        versions += stored.netns is not None and stored.netns.startswith(f"/var/run/netns/c{kill}-")
        torn += bool(check_temporaries(store))
    # The next writer runs over whatever was left: temporaries are swept, the lock is free.
    assert store.add_device(SANDBOX, device("last", 0), netns=stored.netns)
    assert device("last", 0) in store.read(SANDBOX).devices
    assert check_temporaries(store) == []
    assert sorted(os.listdir(store.directory)) == [f".{SANDBOX}.lock", f"{SANDBOX}.json"]
    report(
        capsys,
        f"(c) {kills} writers killed with SIGKILL: {reads} reads, all whole and valid; "
        f"{versions} kills after the writer's own first write, {torn} left a temporary "
        "file; the next writer swept them and succeeded",
    )


KILLED_BETWEEN_FILES = """
import os, sys
from danmodel import from_dict, DanDevice
from danmodel.store import Attachment, DanStore

directory, sandbox, tap, replace = sys.argv[1:5]
real_rename = os.rename

def rename(source, target, **kwargs):
    if str(target).endswith(".json"):
        os._exit(9)  # killed after the ownership record was written, before the DAN file
    real_rename(source, target, **kwargs)

os.rename = rename
device = from_dict(
    {
        "name": "eth0",
        "guest_mac": "0a:58:0a:0a:00:05",
        "device": {"type": "host-tap", "tap_name": tap},
        "network_info": {"interface": {"ip_addresses": ["10.10.0.5/24"]}},
    },
    DanDevice,
)
DanStore(directory).add_device(
    sandbox, device, attachment=Attachment("net-b", "eth0"), replace=replace == "replace"
)
"""


def _killed_between_files(store: DanStore, tap: str, replace: bool) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            KILLED_BETWEEN_FILES,
            str(store.directory),
            SANDBOX,
            tap,
            "replace" if replace else "add",
        ],
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 9


def test_a_writer_killed_between_the_record_and_the_dan_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """(c) No moment a killed writer leaves shows a device owned by an attachment that did
    not add it: a new device's claim waits for its DAN file; a replaced device's record goes
    before the DAN file changes."""
    store = DanStore(tmp_path / "dans")
    net_a, net_b = Attachment("net-a", "eth0"), Attachment("net-b", "eth0")
    # A new device: its record is written, the DAN file is not.
    _killed_between_files(store, "tap-b", replace=False)
    assert not store.path(SANDBOX).exists()
    assert store.attachments(SANDBOX) == {}
    # A device of net-a replaced by net-b's: killed before the DAN file changed.
    a_device = attrs.evolve(device("a", 0), name="eth0")
    store.add_device(SANDBOX, a_device, attachment=net_a)
    _killed_between_files(store, "tap-b", replace=True)
    assert store.read(SANDBOX).devices == (a_device,)  # still net-a's device...
    assert store.attachments(SANDBOX).get("eth0") != net_b  # ...never shown as net-b's
    # The next writer finds a consistent store.
    assert store.remove_attachment(SANDBOX, net_b) == []
    assert store.add_device(SANDBOX, a_device, attachment=net_a)
    assert store.attachments(SANDBOX) == {"eth0": net_a}
    report(capsys, "(c) writers killed between the record and the DAN file: no device misowned")
