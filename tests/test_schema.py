"""danmodel.schema: the generated schemas, the checked-in files, and validate()."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import ROOT
from danmodel import ValidationError, v2
from danmodel._fields import Array, Field, Leaf, Object, Tagged
from danmodel.revisions import REVISIONS as REGISTRY
from danmodel.schema import (
    DRAFT,
    DRAFT_07,
    EDITIONS,
    INEXPRESSIBLE,
    REVISIONS,
    SCHEMA_FILE,
    SCHEMA_FILES,
    json_schema,
    schema_files,
    schema_id,
    schema_text,
    validate,
)

SCHEMA_DIR = ROOT / "schema"
_jsonschema = importlib.import_module("jsonschema")
Draft202012Validator: Any = _jsonschema.Draft202012Validator
Draft7Validator: Any = _jsonschema.Draft7Validator


def _subschemas(node: object, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object inside a schema, with a JSON-pointer-ish location."""
    if isinstance(node, dict):
        yield where, node
        for key in ("properties", "$defs", "definitions"):
            for name, child in node.get(key, {}).items():
                yield from _subschemas(child, f"{where}/{key}/{name}")
        for key in ("items", "if", "then", "not"):
            if key in node:
                yield from _subschemas(node[key], f"{where}/{key}")
        for key in ("anyOf", "allOf"):
            for index, child in enumerate(node.get(key, ())):
                yield from _subschemas(child, f"{where}/{key}/{index}")


# --- the checked-in files ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(schema_files()))
def test_checked_in_schema_is_what_the_code_generates(name: str) -> None:
    path = SCHEMA_DIR / name
    assert path.read_text(encoding="utf-8") == schema_files()[name], (
        f"{path} is out of date: run `danmodel schema --write schema` and commit the result"
    )


def test_schema_folder_holds_exactly_the_generated_files() -> None:
    files = {str(path.relative_to(SCHEMA_DIR)) for path in SCHEMA_DIR.rglob("*.json")}
    # The schema of the CLI's --format json report is written by hand, next to the CLI.
    files -= {"report.schema.json"}
    assert files == {
        "v1/dan-config.schema.json",
        "v1/dan-config.draft-07.schema.json",
        "v2/dan-config.schema.json",
        "v2/dan-config.draft-07.schema.json",
    }
    assert files == set(schema_files())


def test_schema_files_are_the_editions_of_each_revision() -> None:
    assert EDITIONS == ("2020-12", "draft-07")
    assert SCHEMA_FILES["2020-12"] == SCHEMA_FILE
    assert schema_files([2]) == {
        "v2/dan-config.schema.json": schema_text(2),
        "v2/dan-config.draft-07.schema.json": schema_text(2, edition="draft-07"),
    }


def test_revisions_titles_and_ids_come_from_the_registry() -> None:
    assert tuple(REGISTRY) == REVISIONS
    for number, record in REGISTRY.items():
        assert record.schema_file == SCHEMA_FILE.format(revision=number)
        for edition in EDITIONS:
            schema = json_schema(number, edition=edition)
            assert schema["title"] == record.title
        assert json_schema(number)["$id"] == record.schema_id == schema_id(number)


@pytest.mark.parametrize("page", ["schema/README.md", "docs/schema-editors.md"])
def test_pages_give_each_revisions_kata_releases(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    for number, record in REGISTRY.items():
        rows = [
            line
            for line in text.splitlines()
            if line.startswith("|") and f"v{number}/dan-config." in line
        ]
        assert rows, (page, number)
        for row in rows:
            assert record.kata in row, (page, row)


def test_schema_readme_lists_the_files_and_the_inexpressible_rules() -> None:
    readme = (SCHEMA_DIR / "README.md").read_text(encoding="utf-8")
    for name in schema_files():
        assert f"`{name}`" in readme
    for rule in INEXPRESSIBLE:
        assert f"`{rule}`" in readme
    assert "danmodel schema --write schema" in readme


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("revision", REVISIONS)
def test_output_is_deterministic_and_stable(revision: int, edition: str) -> None:
    text = schema_text(revision, edition=edition)
    assert text == schema_text(revision, edition=edition)
    assert text.endswith("}\n")
    assert text.isascii()
    assert json.loads(text) == json_schema(revision, edition=edition)
    assert text == json.dumps(json.loads(text), indent=2) + "\n"  # 2-space indent


# --- the schema's shape -----------------------------------------------------------------


@pytest.mark.parametrize("revision", REVISIONS)
def test_schema_is_valid_under_the_2020_12_metaschema(revision: int) -> None:
    Draft202012Validator.check_schema(json_schema(revision))


@pytest.mark.parametrize("revision", REVISIONS)
def test_draft_07_edition_is_valid_under_the_draft_07_metaschema(revision: int) -> None:
    Draft7Validator.check_schema(json_schema(revision, edition="draft-07"))


@pytest.mark.parametrize("revision", REVISIONS)
def test_draft_07_edition_is_the_same_schema_spelled_for_draft_7(revision: int) -> None:
    main = json_schema(revision)
    seven = json_schema(revision, edition="draft-07")
    assert seven["$schema"] == DRAFT_07 == "http://json-schema.org/draft-07/schema#"
    assert seven["$id"] == schema_id(revision, edition="draft-07")
    assert seven["$id"] == (
        f"https://danmodel.invalid/schema/v{revision}/dan-config.draft-07.schema.json"
    )
    assert "$defs" not in seven
    assert sorted(seven["definitions"]) == sorted(main["$defs"])
    text = schema_text(revision, edition="draft-07")
    assert "#/$defs/" not in text
    # No keyword beside a $ref, which draft 7 would ignore: a described $ref is an allOf.
    refs = [node for _, node in _subschemas(seven) if "$ref" in node]
    assert refs
    assert all(set(node) == {"$ref"} for node in refs)
    name = seven["definitions"]["dan_device"]["properties"]["name"]
    assert name == {
        "description": main["$defs"]["dan_device"]["properties"]["name"]["description"],
        "allOf": [{"$ref": "#/definitions/interface_name"}],
    }
    mtu = seven["definitions"]["interface"]["properties"]["mtu"]
    assert (mtu["default"], mtu["allOf"]) == (1500, [{"$ref": "#/definitions/uint64"}])
    # Everything else, definitions included, is the 2020-12 schema word for word.
    assert seven["definitions"]["mac"] == main["$defs"]["mac"]
    assert seven["$comment"] == main["$comment"]


def test_unknown_edition() -> None:
    with pytest.raises(ValueError, match="unknown schema edition 'draft-04'; known: 2020-12, "):
        json_schema(2, edition="draft-04")


@pytest.mark.parametrize("revision", REVISIONS)
def test_header(revision: int) -> None:
    schema = json_schema(revision)
    assert schema["$schema"] == DRAFT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == schema_id(revision)
    assert schema["$id"] == f"https://danmodel.invalid/schema/v{revision}/dan-config.schema.json"
    assert f"revision {revision}" in schema["title"]
    for rule in INEXPRESSIBLE:
        assert f"[{rule}]" in schema["$comment"]
    assert schema["type"] == "object"
    assert schema["required"] == ["devices"]
    assert list(schema["properties"]) == ["netns", "devices"]


def test_defs_of_revision_2() -> None:
    assert sorted(json_schema(2)["$defs"]) == [
        "cidr",
        "dan_device",
        "device",
        "host_tap",
        "interface",
        "interface_name",
        "ip",
        "ip_or_empty",
        "mac",
        "mac_or_empty",
        "neighbor",
        "neighbor_ip",
        "network",
        "network_info",
        "network_or_empty",
        "nonempty_text",
        "pci_address",
        "route",
        "socket_path",
        "text",
        "uint32",
        "uint64",
        "vfio",
        "vhost_user",
    ]


def test_revision_1_has_no_vfio_and_no_route_flags_or_mtu() -> None:
    schema = json_schema(1)
    assert "vfio" not in schema["$defs"]
    assert "pci_address" not in schema["$defs"]
    assert list(schema["$defs"]["route"]["properties"]) == ["dest", "gateway", "source", "scope"]
    assert schema["$defs"]["device"]["properties"]["type"]["enum"] == ["host-tap", "vhost-user"]


@pytest.mark.parametrize("revision", REVISIONS)
def test_every_property_has_a_description(revision: int) -> None:
    for where, node in _subschemas(json_schema(revision)):
        for name, prop in node.get("properties", {}).items():
            if where.endswith("/if"):
                continue
            assert isinstance(prop.get("description"), str), f"{where}/properties/{name}"
            assert prop["description"], f"{where}/properties/{name}"


@pytest.mark.parametrize("revision", REVISIONS)
def test_every_object_refuses_other_keys(revision: int) -> None:
    objects = [
        where
        for where, node in _subschemas(json_schema(revision))
        if node.get("type") == "object" and where != "#/$defs/device"
    ]
    assert len(objects) == (9 if revision == 2 else 8)
    for where, node in _subschemas(json_schema(revision)):
        if where in objects:
            assert node["additionalProperties"] is False, where


def test_descriptions_come_from_the_model() -> None:
    route = json_schema(2)["$defs"]["route"]
    assert route["description"] == "A route through the guest interface."
    assert (
        route["properties"]["mtu"]["description"]
        == "Route MTU, 0 for unset; revision 2 (Kata 3.17)."
    )
    config = json_schema(2)
    assert config["description"] == (
        "A DAN config file, {dan_conf}/{sandbox_id}.json: the devices of one sandbox."
    )


def test_defaults_are_the_written_defaults() -> None:
    defs = json_schema(2)["$defs"]
    assert defs["interface"]["properties"]["mtu"]["default"] == 1500
    assert defs["route"]["properties"]["dest"]["default"] == ""
    assert defs["network_info"]["properties"]["routes"]["default"] == []
    assert defs["neighbor"]["properties"]["ip_address"]["default"] is None
    assert "default" not in defs["dan_device"]["properties"]["guest_mac"]  # random, not fixed
    assert json_schema(2)["properties"]["netns"]["default"] is None


def test_device_union_is_discriminated_by_type() -> None:
    device = json_schema(2)["$defs"]["device"]
    assert device["required"] == ["type"]
    assert device["allOf"] == [
        {
            "if": {"properties": {"type": {"const": "host-tap"}}},
            "then": {"$ref": "#/$defs/host_tap"},
        },
        {
            "if": {"properties": {"type": {"const": "vhost-user"}}},
            "then": {"$ref": "#/$defs/vhost_user"},
        },
        {"if": {"properties": {"type": {"const": "vfio"}}}, "then": {"$ref": "#/$defs/vfio"}},
    ]
    vfio = json_schema(2)["$defs"]["vfio"]
    assert vfio["required"] == ["type", "pci_device_id"]
    assert vfio["properties"]["type"]["const"] == "vfio"


def test_integer_limits() -> None:
    defs = json_schema(2)["$defs"]
    assert (defs["uint32"]["minimum"], defs["uint32"]["maximum"]) == (0, 4294967295)
    assert (defs["uint64"]["minimum"], defs["uint64"]["maximum"]) == (0, 18446744073709551615)


@pytest.mark.parametrize("revision", [0, 3, "2", None])
def test_unknown_revision(revision: Any) -> None:
    with pytest.raises(ValueError, match="unknown format revision"):
        json_schema(revision)
    with pytest.raises(ValueError, match="unknown format revision"):
        validate({"devices": []}, revision=revision)


def test_builder_refers_to_each_definition_once() -> None:
    from danmodel.schema import _Builder

    builder = _Builder()
    route = Array(Object(v2.Route))
    assert (
        builder.kind(route)
        == builder.kind(route)
        == {
            "type": "array",
            "items": {"$ref": "#/$defs/route"},
        }
    )
    tagged = Tagged({"vfio": v2.Vfio}, newer={})
    assert builder.kind(tagged) == builder.kind(tagged) == {"$ref": "#/$defs/device"}
    assert sorted(builder.finish()) == [
        "device",
        "ip",
        "ip_or_empty",
        "network",
        "network_or_empty",
        "pci_address",
        "route",
        "uint32",
        "vfio",
    ]


def test_builder_refuses_kinds_without_a_schema() -> None:
    from danmodel.schema import _Builder

    nameless = Leaf("a thing", str, lambda value: True)
    with pytest.raises(ValueError, match="the kind 'a thing' names no schema definition"):
        _Builder().kind(nameless)
    with pytest.raises(TypeError, match="no JSON Schema for Field"):
        _Builder().kind(Field())


# --- the patterns, one value at a time ---------------------------------------------------


def _valid(definition: str, value: object) -> bool:
    defs = json_schema(2)["$defs"]
    validator = Draft202012Validator({"$defs": defs, "$ref": f"#/$defs/{definition}"})
    return bool(validator.is_valid(value))


@pytest.mark.parametrize(
    ("definition", "good", "bad"),
    [
        (
            "mac",
            ["0a:58:0A:0a:00:05", "ff:ff:ff:ff:ff:ff"],
            ["0a:58:0a:0a:00:05\n", "0a-58-0a-0a-00-05", "a:58:0a:0a:00:05", ""],
        ),
        (
            "ip",
            ["10.0.0.1", "0.0.0.0", "::", "::ffff:10.0.0.1", "1:2:3:4:5:6:7::", "2001:DB8::1"],
            [
                "10.0.0.01",
                "10.0.0.256",
                "10.0.0.1\n",
                "::1%lo",
                ":::",
                "1:2:3:4:5:6:7:8:9",
                "10.0.0.1/32",
                "",
                "\u0661.0.0.1",
            ],
        ),
        (
            "cidr",
            ["10.0.0.5/24", "::/0", "::1.2.3.4/128"],
            ["10.0.0.5", "10.0.0.5/33", "10.0.0.5/024", "::/129", "10.0.0.5/24\n", "10.0.0.5/ 24"],
        ),
        (
            "neighbor_ip",
            ["10.0.0.1", "10.0.0.1/24", "fe80::1", "fe80::1/64"],
            ["", "fe80::1/", "10.0.0.1/24/1"],
        ),
        (
            "pci_address",
            ["0000:85:02.5", "ffff:ff:1f.7"],
            ["0000:85:02.5\n", "0000:85:20.5", "0000:85:02.8", "0000:85:0A.5", "000:85:02.5"],
        ),
        (
            "interface_name",
            ["eth0", "...", "a.b", "\u00e9" * 7, "x" * 15],
            ["", ".", "..", "x" * 16, "eth 0", "eth0\n", "a/b", "a:b", "a\u00a0b", ".\n", "\t"],
        ),
        (
            "socket_path",
            ["/run/a.sock", "s" * 107, "\n", "a\n", "\x01"],
            ["", "s" * 108, "a\u0000b", "\u0000", "a\n\u0000"],
        ),
        ("nonempty_text", ["x", "\n"], ["", 5]),
        ("text", ["", "anything \U0001f600", "a\n"], [5, None]),
        ("uint32", [0, 4294967295], [-1, 4294967296, 1.5, True, "1"]),
        ("mac_or_empty", ["", "0a:58:0a:0a:00:05"], [None, " "]),
        ("network_or_empty", ["", "10.0.0.0/8"], [None, "10.0.0.0"]),
        ("ip_or_empty", ["", "10.0.0.1"], [None, "10.0.0.1/8"]),
    ],
)
def test_definition_patterns(definition: str, good: list[object], bad: list[object]) -> None:
    for value in good:
        assert _valid(definition, value), (definition, value)
    for value in bad:
        assert not _valid(definition, value), (definition, value)


def test_lone_surrogates_are_left_to_the_loader() -> None:
    # No portable pattern names a lone surrogate: the schema accepts what the loader refuses.
    assert "lone-surrogates" in INEXPRESSIBLE
    for definition, value in [
        ("text", "\udc00"),
        ("nonempty_text", "\ud800"),
        ("interface_name", "a\ud800"),
        ("socket_path", "a\udfff"),
    ]:
        assert _valid(definition, value), (definition, value)


# --- validate() --------------------------------------------------------------------------


def test_validate_accepts_a_valid_document() -> None:
    validate({"devices": []})
    validate({"devices": []}, revision=1)


def test_validate_reports_every_problem_at_the_loaders_paths() -> None:
    document = {
        "netns": "",
        "Devices": [],
        "devices": [
            {
                "name": "eth0\n",
                "device": {"type": "vfio"},
                "network_info": {"interface": {"ip_addresses": ["10.0.0.1"], "mtu": -1}},
            },
            {"name": "eth1", "device": {"type": "tap"}, "network_info": {}},
        ],
    }
    with pytest.raises(ValidationError) as caught:
        validate(document)
    problems = {(problem.path, problem.message) for problem in caught.value.errors}
    assert problems == {
        ("$.netns", "expected a non-empty string, found the string ''"),
        ("$.Devices", 'unknown key "Devices"'),
        ("$.devices[0].name", "expected a Linux interface name, found the string 'eth0\\n'"),
        ("$.devices[0].device.pci_device_id", 'missing required key "pci_device_id"'),
        (
            "$.devices[0].network_info.interface.ip_addresses[0]",
            "expected an address with prefix, ip/prefix, found the string '10.0.0.1'",
        ),
        (
            "$.devices[0].network_info.interface.mtu",
            "expected an unsigned 64-bit integer, found the integer -1",
        ),
        ("$.devices[1].device.type", "'tap' is not one of ['host-tap', 'vhost-user', 'vfio']"),
        ("$.devices[1].network_info.interface", 'missing required key "interface"'),
    }
    assert caught.value.source == "the revision 2 schema"


def test_validate_escapes_keys_as_the_loader_does() -> None:
    with pytest.raises(ValidationError) as caught:
        validate({"devices": [], "a\x07b": 1, "it's": 2})
    assert [problem.path for problem in caught.value.errors] == ["$['a\\u0007b']", "$['it\\'s']"]


def test_validate_of_revision_1_refuses_revision_2_content() -> None:
    document = {
        "devices": [
            {
                "name": "eth0",
                "device": {"type": "vfio", "pci_device_id": "0000:85:02.5"},
                "network_info": {"interface": {"ip_addresses": []}, "routes": [{"mtu": 0}]},
            }
        ]
    }
    validate(document)
    with pytest.raises(ValidationError) as caught:
        validate(document, revision=1)
    assert [problem.path for problem in caught.value.errors] == [
        "$.devices[0].device.type",
        "$.devices[0].network_info.routes[0].mtu",
    ]


# --- the extra --------------------------------------------------------------------------


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )


def test_import_danmodel_imports_neither_jsonschema_nor_the_schema_module() -> None:
    result = _python(
        "import sys, danmodel, danmodel.codec, danmodel.errors\n"
        "assert 'jsonschema' not in sys.modules, 'jsonschema'\n"
        "assert 'danmodel.schema' not in sys.modules, 'danmodel.schema'\n"
        "import danmodel.schema\n"
        "danmodel.schema.schema_text(2)\n"
        "assert 'jsonschema' not in sys.modules, 'generating needs no jsonschema'\n"
    )
    assert result.returncode == 0, result.stderr


def test_validate_without_jsonschema_names_the_extra() -> None:
    result = _python(
        "import sys\n"
        "sys.modules['jsonschema'] = None  # as if not installed\n"
        "from danmodel.schema import validate\n"
        "try:\n"
        "    validate({'devices': []})\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "danmodel.schema.validate needs jsonschema: pip install 'danmodel[schema]'\n"
    )
