"""Five validators agree with ``danmodel.loads`` on both editions of each schema.

jsonschema and jsonschema-rs (both editions), fastjsonschema (the draft-07
edition, the newest draft it knows), ajv in strict mode (both editions) and
check-jsonschema (both editions). This module holds the five as functions and
judges the fixture corpus with them; the generators of
``test_schema_agreement`` hand them every generated document
(:func:`judge_generated`, :func:`judge_batch`). The loader's verdict, minus the
rules of ``danmodel.schema.INEXPRESSIBLE``, is what each must answer, apart
from what ``schema/README.md`` documents for one validator:

- ajv reads numbers as doubles, so documents holding an integer beyond 2^53
  are left out of its comparison;
- jsonschema-rs cannot be handed a Python string with a lone surrogate, so
  those documents are left out of its comparison;
- check-jsonschema's default regex engine fails on a lone surrogate, so those
  documents go through ``--regex-variant python``.
"""

from __future__ import annotations

import functools
import importlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from danmodel.schema import EDITIONS, REVISIONS, SCHEMA_FILES
from test_schema_corpus import CORPUS_CASES, _ajv_path, _inexpressible, _require_node
from test_schema_engines import require_module

SCHEMA_DIR = ROOT / "schema"
AJV_SCRIPT = ROOT / "tests" / "js" / "ajv-validate.mjs"
_jsonschema: Any = importlib.import_module("jsonschema")

Verdict = Callable[[object], "bool | None"]
"""A validator of one schema: True valid, False invalid, None cannot take the document."""


def _schema_file(revision: int, edition: str) -> Path:
    return SCHEMA_DIR / SCHEMA_FILES[edition].format(revision=revision)


def _load(revision: int, edition: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(_schema_file(revision, edition).read_text("utf-8"))
    return schema


def _lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(char) <= 0xDFFF for char in value)
    if isinstance(value, list):
        return any(_lone_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(_lone_surrogate(k) or _lone_surrogate(v) for k, v in value.items())
    return False


def _past_doubles(value: object) -> bool:
    """An integer a JavaScript double cannot tell from its neighbours."""
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) > 2**53
    if isinstance(value, list):
        return any(_past_doubles(item) for item in value)
    if isinstance(value, dict):
        return any(_past_doubles(item) for item in value.values())
    return False


# --- the in-process validators --------------------------------------------------------------


@functools.cache
def jsonschema_validator(revision: int, edition: str) -> Verdict:
    schema = _load(revision, edition)
    validator = _jsonschema.validators.validator_for(schema)(schema)
    return lambda document: bool(validator.is_valid(document))


@functools.cache
def rs_validator(revision: int, edition: str) -> Verdict:
    rs: Any = require_module("jsonschema_rs", "pip install jsonschema-rs")
    # The plain regex engine: what Rust validators without lookaround support read.
    validator = rs.validator_for(_load(revision, edition), pattern_options=rs.RegexOptions())

    def verdict(document: object) -> bool | None:
        if _lone_surrogate(document):
            return None  # a Rust string cannot hold one (rule lone-surrogates)
        return bool(validator.is_valid(document))

    return verdict


@functools.cache
def fast_validator(revision: int, edition: str) -> Verdict:
    assert edition == "draft-07"
    fast: Any = require_module("fastjsonschema", "pip install fastjsonschema")
    # use_default=False: by default it writes the defaults into the document it checks.
    check = fast.compile(_load(revision, edition), use_default=False)

    def verdict(document: object) -> bool:
        try:
            check(document)
        except fast.JsonSchemaValueException:
            return False
        return True

    return verdict


IN_PROCESS: dict[str, tuple[Callable[[int, str], Verdict], tuple[str, ...]]] = {
    "jsonschema": (jsonschema_validator, EDITIONS),
    "jsonschema-rs": (rs_validator, EDITIONS),
    "fastjsonschema": (fast_validator, ("draft-07",)),
}


def _in_process(revision: int) -> Iterator[tuple[str, Verdict]]:
    for name, (make, editions) in IN_PROCESS.items():
        for edition in editions:
            yield f"{name} ({edition})", make(revision, edition)


# --- the command-line validators, on a batch of files --------------------------------------


def ajv_verdicts(revision: int, edition: str, files: list[Path]) -> dict[Path, list[str] | None]:
    """ajv's verdict per file: None when valid, else the paths of its errors."""
    node = _require_node()
    result = subprocess.run(
        [node, str(AJV_SCRIPT), str(_schema_file(revision, edition)), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return {
        Path(entry["file"]): None if entry["valid"] else [_ajv_path(e) for e in entry["errors"]]
        for entry in json.loads(result.stdout)
    }


def check_jsonschema_verdicts(
    revision: int, edition: str, files: list[Path], *options: str
) -> dict[Path, bool]:
    """check-jsonschema's verdict per file (True: valid)."""
    command = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(command), "-o", "json", "--schemafile", str(_schema_file(revision, edition))]
        + list(options)
        + [str(file) for file in files],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert "Traceback" not in result.stderr, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    assert report.get("parse_errors", []) == [], report
    refused = {Path(error["filename"]) for error in report.get("errors", [])}
    return {file: file not in refused for file in files}


# --- the fixture corpus ---------------------------------------------------------------------


def _corpus_expectation(expected: str | None, case: dict[str, Any], revision: int) -> bool:
    """Whether a schema validator must accept a corpus file."""
    return expected is None or _inexpressible(case, revision)


@pytest.mark.parametrize("revision", REVISIONS)
def test_in_process_validators_agree_on_the_corpus(revision: int) -> None:
    cases = [case for case in CORPUS_CASES if case[1] == revision]
    assert cases
    for file, _, expected, case in cases:
        document = json.loads(file.read_text(encoding="utf-8"))
        for name, verdict in _in_process(revision):
            answer = verdict(document)
            if answer is None:  # jsonschema-rs and a lone surrogate
                assert _lone_surrogate(document), (name, file)
                continue
            assert answer == _corpus_expectation(expected, case, revision), (name, file)


@pytest.mark.parametrize("revision", REVISIONS)
def test_jsonschema_rs_refuses_each_bad_fixture_where_it_must_fail(revision: int) -> None:
    rs: Any = require_module("jsonschema_rs", "pip install jsonschema-rs")
    for edition in EDITIONS:
        validator = rs.validator_for(_load(revision, edition), pattern_options=rs.RegexOptions())
        for file, case_revision, expected, case in CORPUS_CASES:
            if case_revision != revision or _corpus_expectation(expected, case, revision):
                continue
            assert expected is not None
            paths = ["$"]
            for error in validator.iter_errors(json.loads(file.read_text(encoding="utf-8"))):
                path = "$"
                for step in error.instance_path:
                    path = f"{path}[{step}]" if isinstance(step, int) else f"{path}.{step}"
                paths.append(path)
            # Like jsonschema, it reports a missing or unknown key at the object holding it.
            assert any(
                expected == path or expected.startswith((path + ".", path + "["))
                for path in paths[1:] or paths
            ), (edition, file, paths)


@pytest.mark.parametrize("revision", REVISIONS)
def test_ajv_agrees_on_the_corpus_with_the_draft_07_edition(revision: int) -> None:
    cases = [case for case in CORPUS_CASES if case[1] == revision]
    verdicts = ajv_verdicts(revision, "draft-07", [file for file, _, _, _ in cases])
    for file, _, expected, case in cases:
        if _corpus_expectation(expected, case, revision) or "ajv" in case:
            assert verdicts[file] is None, file
        else:
            paths = verdicts[file]
            assert paths is not None, file
            assert expected in paths, (file, paths)


@pytest.mark.parametrize("revision", REVISIONS)
def test_check_jsonschema_agrees_on_the_corpus_with_the_draft_07_edition(revision: int) -> None:
    cases = [case for case in CORPUS_CASES if case[1] == revision]
    plain = [file for file, _, _, _ in cases if not _lone_surrogate(json.loads(file.read_text()))]
    surrogates = [file for file, _, _, _ in cases if file not in plain]
    verdicts = check_jsonschema_verdicts(revision, "draft-07", plain)
    verdicts |= check_jsonschema_verdicts(
        revision, "draft-07", surrogates, "--regex-variant", "python"
    )
    for file, _, expected, case in cases:
        assert verdicts[file] == _corpus_expectation(expected, case, revision), file


# --- generated documents (called by test_schema_agreement) ---------------------------------

Allows = Callable[[bool], bool]
"""Whether a verdict is one the rules allow for a document (``Expectation.allows``)."""

CHECK_JSONSCHEMA_SAMPLE = 150
"""Documents per batch that check-jsonschema (about 50 ms a file) judges; ajv judges all."""


def judge_generated(document: object, revision: int, allows: Allows) -> None:
    """jsonschema-rs (both editions) and fastjsonschema on one generated document.

    jsonschema itself has judged it already (``assert_agree``).
    """
    for name, (make, editions) in IN_PROCESS.items():
        if name == "jsonschema":
            continue
        for edition in editions:
            answer = make(revision, edition)(document)
            assert answer is None or allows(answer), (name, edition, document)


def judge_batch(revision: int, batch: list[tuple[object, Allows]], folder: Path) -> None:
    """ajv and check-jsonschema, both editions, on generated documents written to ``folder``."""
    files: dict[Path, tuple[object, Allows]] = {}
    for index, (document, allows) in enumerate(batch):
        file = folder / f"{index}.json"
        file.write_text(json.dumps(document), encoding="utf-8")
        files[file] = (document, allows)
    step = max(1, len(files) // CHECK_JSONSCHEMA_SAMPLE)
    sample = list(files)[::step]
    plain = [file for file in sample if not _lone_surrogate(files[file][0])]
    surrogates = [file for file in sample if file not in plain]
    doubles = [file for file in files if not _past_doubles(files[file][0])]
    for edition in EDITIONS:
        checked = check_jsonschema_verdicts(revision, edition, plain)
        if surrogates:
            checked |= check_jsonschema_verdicts(
                revision, edition, surrogates, "--regex-variant", "python"
            )
        ajv = {
            file: paths is None for file, paths in ajv_verdicts(revision, edition, doubles).items()
        }
        for validator, verdicts in (("check-jsonschema", checked), ("ajv", ajv)):
            for file, verdict in verdicts.items():
                document, allows = files[file]
                assert allows(verdict), (validator, edition, document)
