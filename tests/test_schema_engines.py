"""Every schema pattern compiles, and matches alike, in the regex engines validators use.

Python's ``re`` (jsonschema, fastjsonschema), ECMA-262 with the ``u`` flag (node:
ajv, check-jsonschema), Go's ``regexp`` (RE2, what Go validators use; a small
standard-library program, ``tests/go/regexp_check.go``) and Rust's ``regex``
(through jsonschema-rs with its plain regex engine). A tool that is missing
skips its test locally and fails it when ``CI`` is set.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from danmodel.schema import schema_files

SCHEMA_DIR = ROOT / "schema"
GO_PROGRAM = ROOT / "tests" / "go" / "regexp_check.go"
NODE_SCRIPT = ROOT / "tests" / "js" / "regexp-check.mjs"
NEWLINE = "\\n"
"""The pattern of the definitions' ``not``: Python's ``$`` lets a final newline through."""


def require(what: str, found: object) -> None:
    """Skip (locally) or fail (with ``CI`` set) when a tool is missing."""
    if found:
        return
    message = f"{what} is needed for this test"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def require_module(name: str, install: str) -> ModuleType:
    """An importable module, or skip/fail naming how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        require(f"{name} ({install})", False)
        raise  # pragma: no cover - require() has raised


# --- the patterns of the shipped files ------------------------------------------------------


def _walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _refuses_newline(definition: dict[str, Any]) -> bool:
    """Whether a definition also says "no newline" with ``not`` (the portable end anchor)."""
    refused = definition.get("not", {})
    return refused.get("pattern") == NEWLINE or {"pattern": NEWLINE} in refused.get("anyOf", ())


def shipped_patterns() -> dict[str, bool]:
    """Every pattern of every shipped file -> whether its definition refuses newlines."""
    patterns: dict[str, bool] = {}
    for name in schema_files():
        schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
        for node in _walk(schema):
            if isinstance(node.get("pattern"), str):
                pattern = node["pattern"]
                patterns[pattern] = patterns.get(pattern, False) or _refuses_newline(node)
    return patterns


PATTERNS = shipped_patterns()
ANCHORED = sorted(pattern for pattern in PATTERNS if pattern != NEWLINE)
EVERY_PATTERN = sorted(
    {
        node["pattern"]
        for path in SCHEMA_DIR.rglob("*.json")
        for node in _walk(json.loads(path.read_text(encoding="utf-8")))
        if isinstance(node.get("pattern"), str)
    }
)
"""The patterns of every schema in schema/, the CLI report's (report.schema.json) too."""

# The part of regex syntax the four engines read alike (and JSON Schema's advice keeps to).
_ESCAPE = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|[.n$])")
_SPECIAL = re.compile(r"\(\?|\\")


def test_the_shipped_files_hold_the_patterns_this_test_expects() -> None:
    assert NEWLINE in PATTERNS
    assert len(ANCHORED) == 7  # mac, pci, interface name, socket path, ip, cidr, neighbor ip
    assert all(pattern.startswith("^(") and pattern.endswith(")$") for pattern in ANCHORED)
    # Every pattern whose characters exclude a newline comes with the "not" that refuses
    # one; the socket path's class allows newlines, where "$" means the same everywhere.
    assert [p for p in ANCHORED if not PATTERNS[p]] == ["^([^\\x00]*)$"]


@pytest.mark.parametrize("pattern", EVERY_PATTERN, ids=lambda p: p[:40])
def test_patterns_stay_in_the_portable_subset(pattern: str) -> None:
    assert "(?" not in pattern, "no lookaround, no (?:...), no inline flags"
    rest = _ESCAPE.sub("", pattern)
    assert not _SPECIAL.search(rest), f"only \\xHH, \\. and \\n escapes: {rest!r}"
    assert pattern.isascii()


# --- engines -------------------------------------------------------------------------------


def _run(command: list[str], request: dict[str, list[str]], **env: str) -> dict[str, Any]:
    result = subprocess.run(
        command,
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


def go_regexp(patterns: list[str], strings: list[str], workdir: Path) -> dict[str, Any]:
    """Go's regexp on each pattern and string: {"errors": [...], "matches": [[...]]}."""
    go = shutil.which("go")
    require("Go (Debian golang-go)", go)
    assert go is not None
    # Standard library only, nothing to download; caches in a throwaway folder.
    return _run(
        [go, "run", str(GO_PROGRAM)],
        {"patterns": patterns, "strings": strings},
        GOCACHE=str(workdir / "cache"),
        GOPATH=str(workdir / "path"),
        GOPROXY="off",
        GOFLAGS="",
        GO111MODULE="on",
        GOTOOLCHAIN="local",  # never fetch another Go
        GOTELEMETRY="off",
    )


def node_regexp(patterns: list[str], strings: list[str]) -> dict[str, Any]:
    """ECMA-262 (u flag) on each pattern and string, as :func:`go_regexp`."""
    node = shutil.which("node")
    require("node", node)
    assert node is not None
    return _run([node, str(NODE_SCRIPT)], {"patterns": patterns, "strings": strings})


def rust_regexp(patterns: list[str], strings: list[str]) -> dict[str, Any]:
    """Rust's regex crate (jsonschema-rs's plain engine) on each pattern and string."""
    rs: Any = require_module("jsonschema_rs", "pip install jsonschema-rs")
    errors: list[str] = []
    matches: list[list[bool]] = []
    for pattern in patterns:
        try:
            validator = rs.validator_for(
                {"type": "string", "pattern": pattern}, pattern_options=rs.RegexOptions()
            )
        except Exception as error:  # jsonschema-rs raises ValidationError for bad regexes
            errors.append(str(error))
            matches.append([])
            continue
        errors.append("")
        matches.append([bool(validator.is_valid(text)) for text in strings])
    return {"errors": errors, "matches": matches}


def python_regexp(patterns: list[str], strings: list[str]) -> dict[str, Any]:
    """Python's re, searching as jsonschema does."""
    compiled = [re.compile(pattern) for pattern in patterns]
    return {
        "errors": [""] * len(patterns),
        "matches": [[bool(c.search(text)) for text in strings] for c in compiled],
    }


@pytest.fixture(scope="module")
def go_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("go")


ENGINES = ["python", "node", "go", "rust"]


def engine(name: str, patterns: list[str], strings: list[str], workdir: Path) -> dict[str, Any]:
    if name == "go":
        return go_regexp(patterns, strings, workdir)
    if name == "node":
        return node_regexp(patterns, strings)
    if name == "rust":
        return rust_regexp(patterns, strings)
    return python_regexp(patterns, strings)


@pytest.mark.parametrize("name", ENGINES)
def test_every_pattern_compiles(name: str, go_workdir: Path) -> None:
    patterns = EVERY_PATTERN
    assert set(PATTERNS) < set(patterns)
    answer = engine(name, patterns, [], go_workdir)
    assert dict(zip(patterns, answer["errors"], strict=True)) == dict.fromkeys(patterns, "")


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("go", ["^a$(?!\\n)", "^[^\\uD800-\\uDFFF]*$"]),  # what the old schemas held
        ("rust", ["^a$(?!\\n)", "^[^\\uD800-\\uDFFF]*$"]),
        ("node", ["^\\-$", "^(?<!a)$x(?<x)"]),  # escapes and groups the u flag refuses
    ],
)
def test_the_checks_can_fail(name: str, refused: list[str], go_workdir: Path) -> None:
    errors = engine(name, [*refused, "^a$"], ["a"], go_workdir)["errors"]
    assert all(errors[:-1]), errors
    assert errors[-1] == ""


# --- the engines' matches ------------------------------------------------------------------

SAMPLES = [
    "",
    "\n",
    "a\n",
    "eth0",
    "eth0\n",
    "eth0\n\n",
    "\neth0",
    ".",
    "..",
    "...",
    "a/b",
    "a:b",
    "a b",
    "a\tb",
    "a\x0bb",
    "a\x0cb",
    "a\rb",
    "a\x01b",
    "a\u00a0b",
    "\u00e0",
    "\u00e9" * 8,
    "\U0001f600",
    "x" * 16,
    "a\x00b",
    "/run/vhost.sock",
    "0a:58:0A:0a:00:05",
    "0a:58:0a:0a:00:05\n",
    "0a-58-0a-0a-00-05",
    "0000:85:02.5",
    "0000:85:02.5\n",
    "0000:85:20.5",
    "0000:85:0A.5",
    "ffff:ff:1f.7",
    "10.0.0.1",
    "10.0.0.01",
    "10.0.0.256",
    "10.0.0.1\n",
    "\u0661.0.0.1",
    "10.0.0.1/24",
    "10.0.0.1/33",
    "10.0.0.1/024",
    "10.0.0.1/24\n",
    "::",
    "::/0",
    ":::",
    "::1%lo",
    "::ffff:10.0.0.1",
    "1:2:3:4:5:6:7::",
    "::1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8:9",
    "1::2::3",
    "1:2:3:4:5:6:1.2.3.4",
    "1:2:3:4:5:6:7:1.2.3.4",
    "1:2:3:4:5::1.2.3.4",
    "12345::",
    "2001:DB8::1/64",
    "2001:db8::/129",
    "fe80::1/",
]


def _verdicts(answer: dict[str, Any], strings: list[str]) -> dict[tuple[str, str], bool]:
    """What each definition's pattern (with its "not" newline, where it has one) says."""
    patterns = sorted(PATTERNS)
    matches = dict(zip(patterns, answer["matches"], strict=True))
    verdicts = {}
    for pattern in ANCHORED:
        for index, text in enumerate(strings):
            verdict = matches[pattern][index]
            if PATTERNS[pattern]:
                verdict = verdict and not matches[NEWLINE][index]
            verdicts[pattern, text] = verdict
    return verdicts


def _assert_same_verdicts(strings: list[str], workdir: Path) -> None:
    patterns = sorted(PATTERNS)
    python = _verdicts(python_regexp(patterns, strings), strings)
    for name in ENGINES[1:]:
        other = _verdicts(engine(name, patterns, strings, workdir), strings)
        differ = [key for key in python if python[key] != other[key]]
        assert not differ, (name, differ[:5])


def test_the_engines_agree_on_the_samples(go_workdir: Path) -> None:
    _assert_same_verdicts(SAMPLES, go_workdir)


def test_python_dollar_lets_a_final_newline_through_and_not_refuses_it() -> None:
    # Why every definition carries "not": {"pattern": "\\n"}: without it, re would differ.
    mac = next(p for p in ANCHORED if p.startswith("^([0-9A-Fa-f]{2}"))
    assert re.search(mac, "0a:58:0a:0a:00:05\n")
    assert re.search(NEWLINE, "0a:58:0a:0a:00:05\n")


_TEXT = st.text(
    st.characters(codec="utf-8") | st.sampled_from("\n\x00/:. "),
    max_size=20,
)


def _near(pattern: str) -> st.SearchStrategy[str]:
    """Strings that match ``pattern``, and the same with a character changed or added."""
    matching = st.from_regex(pattern, fullmatch=True)
    return st.one_of(
        matching,
        st.tuples(matching, st.integers(0, 60), _TEXT).map(
            lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]
        ),
        st.tuples(matching, _TEXT).map(lambda t: t[0] + t[1]),
    )


_STRINGS = st.lists(st.one_of([_near(p) for p in ANCHORED] + [_TEXT]), min_size=1, max_size=40)


def test_the_engines_agree_on_generated_strings(go_workdir: Path) -> None:
    # One batch per engine: the strings are drawn first, then judged by every engine.
    batch: list[str] = []

    @settings(
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        database=None,
    )
    @given(_STRINGS)
    def collect(strings: list[str]) -> None:
        batch.extend(text for text in strings if _unicode(text))

    collect()
    assert batch
    _assert_same_verdicts(sorted(set(batch)), go_workdir)


def _unicode(text: str) -> bool:
    """No lone surrogate (rule lone-surrogates: Go and Rust strings cannot hold one)."""
    return not any(0xD800 <= ord(char) <= 0xDFFF for char in text)
