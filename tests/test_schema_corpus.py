"""The good/bad fixture corpus, judged by danmodel, jsonschema, ajv and check-jsonschema.

``tests/fixtures/corpus/cases.json`` records, for each fixture and revision,
``null`` (valid) or the path where it must fail. A fixture marked
``inexpressible`` breaks a rule of ``danmodel.schema.INEXPRESSIBLE``: the loader
refuses it at that path and every schema validator accepts it, which is
checked too, so a schema that learns the rule shows up here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, FIXTURES, ROOT
from danmodel import ValidationError, load
from danmodel.schema import INEXPRESSIBLE, validate

CORPUS = FIXTURES / "corpus"
CASES: dict[str, dict[str, Any]] = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))
SCHEMAS = {
    revision: ROOT / "schema" / f"v{revision}" / "dan-config.schema.json" for revision in (1, 2)
}
NODE_MODULES = ROOT / "node_modules"
AJV_SCRIPT = ROOT / "tests" / "js" / "ajv-validate.mjs"

UPSTREAM = {
    "upstream/dantap-prototype-output.json": "$",
    "upstream/go-runtime-testdata-vfio.json": "$.devices[0].network_info.Neighbors",
    "upstream/runtime-rs-commit-example.json": "$.devices[0].guest_mac",
    "upstream/runtime-rs-unit-test-device.json": "$.devices",
}
"""The public upstream examples, bad under both revisions, and a path where each fails."""


def _cases() -> list[tuple[Path, int, str | None, dict[str, Any]]]:
    """(file, revision, expected failure path or None, case) for the whole corpus."""
    cases = []
    for name, case in CASES.items():
        for revision in (1, 2):
            cases.append((CORPUS / name, revision, case[str(revision)], case))
    for name, path in UPSTREAM.items():
        for revision in (1, 2):
            cases.append((FIXTURES / name, revision, path, {}))
    for example in sorted(EXAMPLES.glob("*.json")):
        vfio = "vfio" in example.read_text(encoding="utf-8")
        expected = (
            "$.devices[0].device.type" if vfio else "$.devices[0].network_info.routes[0].flags"
        )
        cases.append((example, 2, None, {}))
        cases.append((example, 1, expected, {}))
    return cases


CORPUS_CASES = _cases()


def _inexpressible(case: dict[str, Any], revision: int) -> bool:
    """Whether the fixture fails under ``revision`` only by an inexpressible rule.

    The rule is recorded for revision 2; under revision 1 it holds unless the
    fixture fails somewhere else first (a vfio device, say).
    """
    return "inexpressible" in case and case[str(revision)] == case["2"]


def _case_id(file: Path, revision: int) -> str:
    return f"{file.relative_to(ROOT)}@{revision}"


def _loader_paths(file: Path, revision: int) -> list[str]:
    try:
        load(file, revision=revision)
    except ValidationError as error:
        return [problem.path for problem in error.errors]
    return []


def _schema_paths(file: Path, revision: int) -> list[str]:
    try:
        validate(json.loads(file.read_text(encoding="utf-8")), revision=revision)
    except ValidationError as error:
        return [problem.path for problem in error.errors]
    return []


def test_the_manifest_lists_every_fixture() -> None:
    files = {str(path.relative_to(CORPUS)) for path in CORPUS.glob("*/*.json")}
    assert files == set(CASES)
    for name, case in CASES.items():
        assert set(case) <= {"why", "1", "2", "inexpressible", "ajv"}, name
        assert case["why"], name
        assert (case["2"] is None) == name.startswith("good/"), name
        if name.startswith("bad/"):
            assert case["1"] is not None, name  # revision 1 accepts less than revision 2
        assert case.get("inexpressible", "unique-devices") in INEXPRESSIBLE, name
    assert {case.get("inexpressible") for case in CASES.values()} - {None} == set(INEXPRESSIBLE)


@pytest.mark.parametrize(
    ("file", "revision", "expected", "case"),
    CORPUS_CASES,
    ids=[_case_id(file, revision) for file, revision, _, _ in CORPUS_CASES],
)
def test_loader_and_jsonschema_verdicts(
    file: Path, revision: int, expected: str | None, case: dict[str, Any]
) -> None:
    loader = _loader_paths(file, revision)
    schema = _schema_paths(file, revision)
    if expected is None:
        assert loader == []
        assert schema == []
        return
    assert expected in loader, loader
    if _inexpressible(case, revision):
        assert schema == [], f"the schema now checks {case['inexpressible']}: update the docs"
    elif "inexpressible" not in case:
        assert expected in schema, schema


# --- ajv ---------------------------------------------------------------------------------


def _require_node() -> str:
    """The node executable with ajv installed; CI fails without them, local runs skip."""
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "ajv").is_dir():
        message = "node and ajv are needed: run `npm ci` in the repository root"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return node


_POINTER_STEP = re.compile(r"/([^/]*)")


def _ajv_path(error: dict[str, Any]) -> str:
    """An ajv error's place in the loader's path syntax (missing/unknown keys: the key)."""
    path = "$"
    for raw in _POINTER_STEP.findall(error["instancePath"]):
        step = raw.replace("~1", "/").replace("~0", "~")
        path = f"{path}[{step}]" if step.isdigit() else f"{path}.{step}"
    params = error["params"]
    key = params.get("missingProperty") or params.get("additionalProperty")
    return path if key is None else f"{path}.{key}"


def _ajv(revision: int, files: list[Path]) -> dict[Path, list[str] | None]:
    """ajv's verdict per file: None when valid, else the paths of its errors."""
    node = _require_node()
    result = subprocess.run(
        [node, str(AJV_SCRIPT), str(SCHEMAS[revision]), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return {
        Path(entry["file"]): None if entry["valid"] else [_ajv_path(e) for e in entry["errors"]]
        for entry in json.loads(result.stdout)
    }


@pytest.mark.parametrize("revision", [1, 2])
def test_ajv_strict_mode_agrees_on_the_corpus(revision: int) -> None:
    cases = [case for case in CORPUS_CASES if case[1] == revision]
    verdicts = _ajv(revision, [file for file, _, _, _ in cases])
    for file, _, expected, case in cases:
        paths = verdicts[file]
        if expected is None:
            assert paths is None, (file, paths)
        elif "ajv" in case or _inexpressible(case, revision):
            # Recorded exceptions: a rule no schema states, or a number past what
            # JavaScript's doubles hold exactly (the reason is in cases.json).
            assert paths is None, (file, "ajv now refuses it: update cases.json")
        else:
            assert paths is not None, file
            assert expected in paths, (file, paths)


def test_ajv_compiles_with_formats_and_strict_mode() -> None:
    # Both schemas compile in strict mode (exit 2 and a message otherwise).
    for revision in (1, 2):
        assert _ajv(revision, []) == {}


# --- check-jsonschema --------------------------------------------------------------------


def _check_jsonschema(revision: int, files: list[Path], *options: str) -> dict[str, Any]:
    """check-jsonschema's JSON report on ``files``."""
    command = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(command), "-o", "json", "--schemafile", str(SCHEMAS[revision]), *options]
        + [str(file) for file in files],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    assert result.returncode == (0 if report["status"] == "ok" else 1), report
    assert report.get("parse_errors", []) == [], report
    return report


def _has_lone_surrogate(file: Path) -> bool:
    text = json.dumps(json.loads(file.read_text(encoding="utf-8")), ensure_ascii=False)
    return any(0xD800 <= ord(char) <= 0xDFFF for char in text)


def test_check_jsonschema_accepts_the_shipped_examples() -> None:
    examples = sorted(EXAMPLES.glob("*.json"))
    assert examples
    assert _check_jsonschema(2, examples)["status"] == "ok"


def test_check_jsonschema_accepts_the_good_fixtures_and_the_inexpressible_bad_ones() -> None:
    accepted = [CORPUS / name for name, case in CASES.items() if case["2"] is None]
    accepted += [CORPUS / name for name, case in CASES.items() if "inexpressible" in case]
    # Its default ECMAScript engine (regress) cannot take a lone surrogate (it fails
    # with a traceback); its Python engine can.
    surrogates = {file for file in accepted if _has_lone_surrogate(file)}
    assert surrogates == {CORPUS / "bad" / "name-lone-surrogate.json"}
    assert _check_jsonschema(2, sorted(set(accepted) - surrogates))["status"] == "ok"
    report = _check_jsonschema(2, sorted(surrogates), "--regex-variant", "python")
    assert report["status"] == "ok"


def test_check_jsonschema_rejects_each_bad_fixture_where_it_must_fail() -> None:
    refused = {
        CORPUS / name: case["2"]
        for name, case in CASES.items()
        if case["2"] is not None and "inexpressible" not in case
    }
    assert not any(_has_lone_surrogate(file) for file in refused)
    errors = _check_jsonschema(2, sorted(refused))["errors"]
    for file, expected in refused.items():
        # jsonschema reports a missing or unknown key at the object holding it.
        paths = [error["path"] for error in errors if Path(error["filename"]) == file]
        assert any(expected == path or expected.startswith(path + ".") for path in paths), (
            file,
            paths,
        )


def test_check_jsonschema_checks_the_schemas_against_the_metaschema() -> None:
    command = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(command), "--check-metaschema", *map(str, SCHEMAS.values())],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
