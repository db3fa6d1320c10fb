"""What ``import danmodel`` loads is what docs/performance.md lists.

The page lists every danmodel module the import loads and every package
outside the standard library; a module added to the import (or a heavy
standard-library module such as ``argparse`` or ``socket``) fails here, with
the page to update if it is meant.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

from conftest import ROOT

_PAGE = ROOT / "docs" / "performance.md"
_HEADING = "## What `import danmodel` loads"


def _listed() -> dict[str, set[str]]:
    """The ``label: names`` lines of the text block under the page's heading."""
    text = _PAGE.read_text(encoding="utf-8")
    section = text.split(_HEADING, 1)[1]
    block = re.search(r"```text\n(.*?)```", section, re.DOTALL)
    assert block is not None, f"no text block under {_HEADING!r} in {_PAGE}"
    listed: dict[str, set[str]] = {}
    label = None
    for line in block.group(1).splitlines():
        head, colon, rest = line.partition(":")
        if colon and not line.startswith(" "):
            label = head.strip()
            listed[label] = set(rest.split())
        elif label is not None:
            listed[label] |= set(line.split())
    return listed


def _loaded() -> list[str]:
    code = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "import danmodel\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def test_import_danmodel_loads_what_the_page_lists() -> None:
    listed = _listed()
    loaded = _loaded()
    ours = {name for name in loaded if name.split(".")[0] == "danmodel"}
    others = {
        name.split(".")[0]
        for name in loaded
        if name.split(".")[0] not in sys.stdlib_module_names and name.split(".")[0] != "danmodel"
    }
    hint = f"update the list in {_PAGE.relative_to(ROOT)} if this is meant"
    assert ours == listed["danmodel modules"], (
        f"{sorted(ours ^ listed['danmodel modules'])}; {hint}"
    )
    assert others == listed["other packages"], f"{sorted(others)}; {hint}"
    heavy = {name for name in loaded if name.split(".")[0] in listed["never"]}
    assert not heavy, f"import danmodel loads {sorted(heavy)}"


def test_the_page_lists_what_must_never_be_loaded() -> None:
    never = _listed()["never"]
    assert {"argparse", "cattrs", "hypothesis", "jsonschema", "socket"} <= never
