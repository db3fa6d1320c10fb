"""Modules renamed in 0.2.0 stay importable for one release, with a DeprecationWarning."""

from __future__ import annotations

import importlib
import sys

import pytest

import danmodel
from danmodel import check as check_package


@pytest.mark.parametrize(
    ("old", "names", "new_home"),
    [
        ("danmodel.findings", ["Finding", "RULES", "check", "check_file", "rules_markdown"], None),
        (
            "danmodel.runtimes",
            ["Profile", "ProfileError", "RUNTIMES", "profile", "spelled_for"],
            None,
        ),
        ("danmodel.convert", ["Converted"], danmodel),
    ],
)
def test_an_old_module_warns_and_gives_the_same_objects(
    old: str, names: list[str], new_home: object
) -> None:
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=old.replace(".", r"\.")):
        module = importlib.import_module(old)
    home = new_home or sys.modules["danmodel.check"]
    for name in names:
        assert getattr(module, name) is getattr(home, name), name


def test_check_is_the_subpackage_and_callable_as_its_function() -> None:
    assert sys.modules["danmodel.check"] is check_package  # type: ignore[comparison-overlap]
    assert danmodel.check('{"devices": []}', "go-runtime") == []
    findings = danmodel.check('{"devices": [], "Devices": []}', "runtime-rs")
    assert [finding.rule for finding in findings] == ["rs-unknown-key"]
    assert findings == check_package('{"devices": [], "Devices": []}', "runtime-rs")
