"""docs/architecture.md is true: imports run down its layers, and nothing imports in a cycle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import ROOT

SRC = ROOT / "src"
DOC = ROOT / "docs" / "architecture.md"
ALIASES = {"danmodel.findings", "danmodel.runtimes", "danmodel.convert"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / "danmodel").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()
FACADES = {name for name, path in MODULES.items() if path.name == "__init__.py"}
"""Package __init__ modules: they re-export their package and may import any layer."""


def _imports(name: str) -> set[str]:
    """The danmodel modules ``name`` imports anywhere in its source (functions and
    TYPE_CHECKING blocks included)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                submodule = f"{module}.{alias.name}"
                targets.add(submodule if submodule in MODULES else module)
    return {target for target in targets if target in MODULES and target != name}


IMPORTS = {name: _imports(name) for name in MODULES}


def _through_facades(name: str) -> set[str]:
    """What importing ``name`` really imports: a facade stands for what it imports."""
    result: set[str] = set()
    stack, seen = [name], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        if current in FACADES or current in ALIASES:
            stack.extend(IMPORTS[current])
        else:
            result.add(current)
    return result


def _layers() -> dict[str, int]:
    layers = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| (\d+) [a-z ]+ \| (.+?) \|", line)
        if match:
            for module in re.findall(r"`([\w.]+)`", match[2]):
                layers[f"danmodel.{module}"] = int(match[1])
    return layers


LAYERS = _layers()


def test_the_doc_places_every_module_once() -> None:
    placed = set(LAYERS)
    modules = set(MODULES) - FACADES - ALIASES
    assert modules - placed == set(), "modules the layer table of docs/architecture.md lacks"
    assert placed - modules == set(), "the layer table names modules that do not exist"


@pytest.mark.parametrize("name", sorted(set(MODULES) - FACADES - ALIASES))
def test_imports_run_down_the_layers(name: str) -> None:
    upward = {
        target
        for imported in IMPORTS[name]
        for target in _through_facades(imported)
        if LAYERS[target] > LAYERS[name]
    }
    assert upward == set(), f"{name} (layer {LAYERS[name]}) imports from a higher layer"


def test_nothing_imports_in_a_cycle() -> None:
    graph = {
        name: {t for imported in IMPORTS[name] for t in _through_facades(imported)} - {name}
        for name in set(MODULES) - FACADES - ALIASES
    }
    state: dict[str, int] = {}  # 1: on the stack, 2: done

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycle = [*trail[trail.index(target) :], target] if target in trail else [target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, [*trail, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


def test_the_codec_does_not_import_the_checks() -> None:
    reached, stack = set(), ["danmodel.codec"]
    while stack:
        for target in IMPORTS[stack.pop()]:
            if target not in reached:
                reached.add(target)
                stack.append(target)
    assert not {name for name in reached if name.startswith("danmodel.check")}
