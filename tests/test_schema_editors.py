"""docs/schema-editors.md: its settings and catalog entry point at real files and paths."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings

from conftest import ROOT
from danmodel import strategies, to_dict
from danmodel.schema import schema_files, validate
from test_schema_agreement import loader_problems

PAGE = ROOT / "docs" / "schema-editors.md"
TEXT = PAGE.read_text(encoding="utf-8")
BLOCKS: list[Any] = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", TEXT, re.S)]

DAN_FILES = [
    "/run/kata-containers/dans/4f1c2a9e.json",
    "/home/dev/src/deploy/kata-containers/dans/sandbox-1.json",
]
OTHER_FILES = [
    "/run/kata-containers/4f1c2a9e.json",
    "/run/kata-containers/dans/sub/x.json",
    "/home/dev/dans/x.json",
    "/run/kata-containers/dans/x.toml",
]


def _glob(pattern: str) -> re.Pattern[str]:
    """A fileMatch glob as editors read it: ``**/`` any folders, ``*`` within one name."""
    out = ""
    for part in re.split(r"(\*\*/|\*)", pattern):
        if part == "**/":
            out += "(?:.*/)?"
        elif part == "*":
            out += "[^/]*"
        else:
            out += re.escape(part)
    return re.compile(out)


def _check_file_match(patterns: list[str]) -> None:
    globs = [_glob(pattern) for pattern in patterns]
    for path in DAN_FILES:
        assert any(glob.fullmatch(path) for glob in globs), path
    for path in OTHER_FILES:
        assert not any(glob.fullmatch(path) for glob in globs), path


def test_the_page_holds_three_json_blocks() -> None:
    assert len(BLOCKS) == 3


def test_vs_code_settings_point_at_a_shipped_schema() -> None:
    (entry,) = BLOCKS[0]["json.schemas"]
    assert entry["url"].startswith("./")
    assert entry["url"][2:].removeprefix("schema/") in schema_files()
    _check_file_match(entry["fileMatch"])


def test_language_server_settings_point_at_a_shipped_schema() -> None:
    (entry,) = BLOCKS[1]["json"]["schemas"]
    assert entry["url"].startswith("file:///")
    assert entry["url"].split("/schema/", 1)[1] in schema_files()
    _check_file_match(entry["fileMatch"])


def test_schemastore_catalog_entry() -> None:
    entry = BLOCKS[2]
    assert set(entry) == {"name", "description", "fileMatch", "url", "versions"}
    assert entry["url"] in entry["versions"].values()
    assert len(entry["versions"]) == 2
    assert all(
        url.startswith("https://json.schemastore.org/") for url in entry["versions"].values()
    )
    _check_file_match(entry["fileMatch"])


def test_the_page_names_every_schema_file() -> None:
    for name in schema_files():
        assert f"`schema/{name}`" in TEXT, name


@pytest.mark.parametrize("pattern", ["**/kata-containers/dans/*.json"])
def test_the_glob_reader(pattern: str) -> None:
    glob = _glob(pattern)
    assert glob.fullmatch("/run/kata-containers/dans/a.json")
    assert glob.fullmatch("kata-containers/dans/a.json")
    assert not glob.fullmatch("/run/kata-containers/dans/a/b.json")


@settings(max_examples=min(settings().max_examples, 100))  # a claim of the page, not a fuzz
@given(strategies.dan_configs(1))
def test_revision_2_accepts_every_revision_1_document(config: Any) -> None:
    # What the page says to justify one revision-2 mapping for both revisions.
    document = to_dict(config)
    assert loader_problems(document, 2) == []
    validate(document, revision=2)
