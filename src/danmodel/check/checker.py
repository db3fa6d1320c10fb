"""What a Kata runtime will do with a DAN file, told before deployment.

:func:`check` looks at a config, or at the JSON document itself, through a
runtime profile (:mod:`danmodel.runtimes`) and returns :class:`Finding` s:
an error when the runtime rejects the file or the sandbox fails, a warning
when it silently drops or changes a value, info otherwise. Every finding
names its rule (:data:`RULES`), its ``$.path``, the runtime's behaviour and a
fix when there is one.

>>> findings = check('{"devices": []}', "go-runtime")
>>> findings
[]
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .. import _text, v1, v2
from ..codec import from_dict
from ..errors import IgnoredKeysWarning, Problem, ValidationError
from . import facts as _facts
from .facts import Fact
from .findings import Finding
from .profiles import Profile, profile
from .rules import RULES, Context, Rule, Severity

__all__ = ["check", "check_file"]


_NUMBER = re.compile(r"(\d+)")


def _path_order(finding: Finding) -> list[object]:
    return [int(part) if part.isdigit() else part for part in _NUMBER.split(finding.path)]


def _run(
    context: Context,
    rules: Iterable[Rule],
    mapped: Callable[[str], str] | None = None,
    unset: Sequence[str] = (),
) -> list[Finding]:
    """The findings of ``rules``; config paths ``mapped`` to the document, none under ``unset``."""
    findings = []
    for rule in rules:
        for hit in rule.find(context):
            path = hit.path
            if rule.reads == "config" and mapped is not None:
                path = mapped(path)
                if any(_within(path, outer) for outer in unset):
                    continue  # a default put in place of a value danmodel cannot read
            findings.append(
                Finding(
                    rule=rule.id,
                    severity=rule.severity,
                    path=path,
                    message=f"{hit.found}: {rule.behaviour}",
                    fix=hit.fix or rule.fix,
                    line=hit.line,
                    column=hit.column,
                )
            )
    return findings


_OPTIONAL = frozenset(
    {
        *("netns", "guest_mac", "mtu", "ntype", "flags", "queue_num", "queue_size", "dest"),
        *("gateway", "source", "scope", "ip_address", "hardware_addr", "state"),
    }
)
"""Keys with a default: a value danmodel cannot read is left out to load the rest."""
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def _unset(view: object, path: str) -> bool:
    """Remove the optional key at ``path`` from ``view``; False when it is not one."""
    steps = [(match[1], match[2]) for match in _STEP.finditer(path, 1)]
    if not path.startswith("$") or "".join(m[0] for m in _STEP.finditer(path, 1)) != path[1:]:
        return False
    if not steps or steps[-1][0] not in _OPTIONAL:
        return False
    node: Any = view
    for key, index in steps[:-1]:
        if key is not None and isinstance(node, dict) and key in node:
            node = node[key]
        elif index is not None and isinstance(node, list) and int(index) < len(node):
            node = node[int(index)]
        else:
            return False
    if not isinstance(node, dict) or steps[-1][0] not in node:
        return False
    del node[steps[-1][0]]
    return True


def _load(view: object) -> tuple[v2.DanConfig | None, tuple[Problem, ...], list[str]]:
    """Load the runtime's view; leave out unreadable optional values to load the rest.

    Returns the config (None if it still cannot load), the loader's problems,
    and the paths left out.
    """
    problems: tuple[Problem, ...] = ()
    unset: list[str] = []
    for _attempt in range(3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IgnoredKeysWarning)  # each one is a finding already
            try:
                return from_dict(view, strict=False), problems, unset
            except ValidationError as error:
                found = error.errors
        problems = problems or found
        removed = [problem.path for problem in found if _unset(view, problem.path)]
        if len(removed) != len(found):
            break
        unset += removed
    return None, problems, unset


def _within(path: str, outer: str) -> bool:
    return path == outer or (path.startswith(outer) and path[len(outer)] in ".[")


def check(
    document: v1.DanConfig | v2.DanConfig | str | bytes | bytearray,
    runtime: str | Profile,
    *,
    source: str | None = None,
) -> list[Finding]:
    """The findings of ``runtime`` (a :class:`Profile` or ``NAME[@VERSION]``) on a document.

    ``document`` is a config, or JSON text or UTF-8 bytes. A document is also
    inspected as text (unknown, duplicate and missing keys...), then loaded
    as the runtime reads it; what danmodel cannot load is reported as errors
    (rules ``json-invalid`` and ``value-invalid``). A config is checked as
    :func:`danmodel.dumps` writes it. Findings come in document order.
    """
    chosen = profile(runtime)
    rules = [rule for rule in RULES if rule.applies_to(chosen)]
    if isinstance(document, (v1.DanConfig, v2.DanConfig)):
        config_rules = [rule for rule in rules if rule.reads == "config"]
        return sorted(_run(Context(profile=chosen, config=document), config_rules), key=_path_order)
    if not isinstance(document, (str, bytes, bytearray)):
        raise TypeError(
            f"expected a DanConfig, JSON text or bytes, found {type(document).__name__}"
        )
    try:
        raw = _facts.read(document, source, go=chosen.runtime == "go-runtime")
    except ValidationError as error:
        facts = tuple(
            Fact(kind="not-json", path=p.path, text=p.message, line=p.line, column=p.column)
            for p in error.errors
        )
        return _run(Context(profile=chosen, facts=facts), rules)
    mapped = _facts.view_path_mapper(raw.renames)
    config, problems, unset = _load(raw.view)
    context = Context(profile=chosen, facts=raw.facts, config=config)
    findings = _run(context, rules, mapped, [mapped(path) for path in unset])
    refused = {finding.path for finding in findings if finding.severity is Severity.ERROR}
    load_facts = tuple(
        Fact(kind="load-problem", path=mapped(problem.path), text=problem.message)
        for problem in problems
        if mapped(problem.path) not in refused
    )
    if load_facts:
        value_rules = [rule for rule in rules if rule.id == "value-invalid"]
        findings += _run(Context(profile=chosen, facts=load_facts), value_rules)
    findings.sort(key=_path_order)
    return findings


def check_file(path: str | os.PathLike[str], runtime: str | Profile) -> list[Finding]:
    """The findings of ``runtime`` on the file at ``path``; see :func:`check`.

    An unreadable path raises ``OSError`` as usual.
    """
    data, source = _text.read_document(path)
    return check(data, runtime, source=source)
