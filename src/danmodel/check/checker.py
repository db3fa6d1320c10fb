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
from collections.abc import Callable, Collection, Iterable

from .. import _text, v1, v2
from ..errors import ValidationError
from . import facts as _facts
from .facts import Fact, prefixes
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
    unset: Collection[str] = frozenset(),
) -> list[Finding]:
    """The findings of ``rules``; config paths ``mapped`` to the document, none under ``unset``."""
    findings = []
    for rule in rules:
        for hit in rule.find(context):
            path = hit.path
            if rule.reads == "config" and mapped is not None:
                path = mapped(path)
                if unset and any(prefix in unset for prefix in prefixes(path)):
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
    context = Context(profile=chosen, facts=raw.facts, config=raw.config)
    findings = _run(context, rules, raw.to_document, frozenset(raw.unset))
    refused = {finding.path for finding in findings if finding.severity is Severity.ERROR}
    load_facts = tuple(
        Fact(kind="load-problem", path=problem.path, text=problem.message)
        for problem in raw.problems
        if problem.path not in refused
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
