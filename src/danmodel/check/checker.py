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

import bisect
import os
import re
from collections.abc import Callable, Collection, Iterable
from typing import Any

import attrs

from .. import _text, v1, v2
from .._collector import collector_paused
from .._fields import MAX_PROBLEMS
from .._positions import locate
from ..errors import ValidationError
from . import facts as _facts
from .facts import Fact, prefixes, same_path
from .findings import Finding, new_finding
from .profiles import Profile, profile
from .rules import RULES, Context, Rule, Severity

__all__ = ["check", "check_file", "kernel_findings"]


_NUMBER = re.compile(r"(\d+)")
_DEVICE = "$.devices["
_DEVICE_PATH = re.compile(re.escape(_DEVICE) + r"(\d+)(\].*)", re.DOTALL)
"""A path under ``$.devices[N]``: N, and the tail from the closing bracket on."""


def _parts(path: str) -> list[object]:
    """``path`` as text and numbers, alternately: indexes compare as numbers."""
    parts: list[object] = _NUMBER.split(path)
    parts[1::2] = map(int, parts[1::2])  # type: ignore[arg-type]
    return parts


def _in_path_order(findings: list[Finding]) -> None:
    """Sort ``findings`` by the :func:`_parts` of their paths, in place (stable).

    Most paths are ``$.devices[N]`` followed by one of a few tails, the same
    for every device: each tail is split once and the tails ranked by their
    parts, so that such a path sorts by one integer, from N and the rank. The
    other paths sort by their parts and go in between; they differ from
    every device path before its tail (``$.devices[``, N, ``]``), so each
    place is found by comparing with those three.
    """
    ranks: dict[str, int] = {}
    numbers: list[int] = []
    tails: list[str] = []
    in_devices: list[Finding] = []
    others: list[Finding] = []
    device_path = _DEVICE_PATH.match
    for finding in findings:
        found = device_path(finding.path)
        if found is None:
            others.append(finding)
            continue
        number, tail = found.groups()
        ranks[tail] = 0
        numbers.append(int(number))
        tails.append(tail)
        in_devices.append(finding)
    rank = 0
    previous: list[object] | None = None
    for tail, parts in sorted(((tail, _parts(tail)) for tail in ranks), key=lambda pair: pair[1]):
        if parts != previous:  # tails whose parts are equal ("01" and "1") rank alike
            rank += 1
            previous = parts
        ranks[tail] = rank
    width = rank + 1
    keys = [number * width + ranks[tail] for number, tail in zip(numbers, tails, strict=True)]
    order = sorted(range(len(in_devices)), key=keys.__getitem__)
    result = [in_devices[index] for index in order]
    if others:
        others.sort(key=lambda finding: _parts(finding.path))
        device_numbers = [numbers[index] for index in order]

        def before_tail(index: int) -> Any:
            return (_DEVICE, device_numbers[index], "]")

        merged: list[Finding] = []
        start = 0
        for finding in others:
            place = tuple(_parts(finding.path))
            end = bisect.bisect_left(range(len(result)), place, lo=start, key=before_tail)
            merged += result[start:end]
            merged.append(finding)
            start = end
        result = merged + result[start:]
    findings[:] = result


def _run(
    context: Context,
    rules: Iterable[Rule],
    mapped: Callable[[str], str] | None = None,
    unset: Collection[str] = frozenset(),
) -> list[Finding]:
    """The findings of ``rules``; config paths ``mapped`` to the document, none under ``unset``."""
    with collector_paused():  # many small objects, no cycles: see danmodel._collector
        return _findings(context, rules, mapped, unset)


def _findings(
    context: Context,
    rules: Iterable[Rule],
    mapped: Callable[[str], str] | None,
    unset: Collection[str],
) -> list[Finding]:
    findings: list[Finding] = []
    add = findings.append
    for rule in rules:
        mapping = mapped if rule.reads == "config" and mapped is not same_path else None
        rule_id, severity, behaviour, rule_fix = rule.id, rule.severity, rule.behaviour, rule.fix
        for path, found, fix, line, column in rule.find(context):  # each a Hit
            if mapping is not None:
                path = mapping(path)
                if unset and any(prefix in unset for prefix in prefixes(path)):
                    continue  # a default put in place of a value danmodel cannot read
            add(
                new_finding(
                    rule_id, severity, path, f"{found}: {behaviour}", fix or rule_fix, line, column
                )
            )
    return findings


def check(
    document: v1.DanConfig | v2.DanConfig | str | bytes | bytearray,
    runtime: str | Profile,
    *,
    source: str | None = None,
    kernel: bool = False,
) -> list[Finding]:
    """The findings of ``runtime`` (a :class:`Profile` or ``NAME[@VERSION]``) on a document.

    ``document`` is a config, or JSON text or UTF-8 bytes. A document is also
    inspected as text (unknown, duplicate and missing keys...), then loaded
    as the runtime reads it; what danmodel cannot load is reported as errors
    (rules ``json-invalid`` and ``value-invalid``). A config is checked as
    :func:`danmodel.dumps` writes it. Findings come in document order.

    Findings from text carry the line and column of their path, the first
    :data:`MAX_POSITIONED` (1000) of them in document order; the rest have
    none, which keeps a document of thousands of findings quick to check.

    ``kernel=True`` also applies the guest configuration the runtime sends to
    the Linux kernel, in a throwaway network namespace (root only): see
    :func:`kernel_findings`.
    """
    chosen = profile(runtime)
    # Checking a large document makes millions of objects that live until it returns, and no
    # cycles: a collection would walk them all again (see danmodel._collector).
    with collector_paused():
        return _check(document, chosen, source, kernel)


def _check(
    document: v1.DanConfig | v2.DanConfig | str | bytes | bytearray,
    chosen: Profile,
    source: str | None,
    kernel: bool,
) -> list[Finding]:
    rules = [rule for rule in RULES if rule.applies_to(chosen)]
    if isinstance(document, (v1.DanConfig, v2.DanConfig)):
        config_rules = [rule for rule in rules if rule.reads == "config"]
        findings = _run(Context(profile=chosen, config=document), config_rules)
        if kernel:
            findings += kernel_findings(document, chosen)
        _in_path_order(findings)
        return findings
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
    if kernel and raw.config is not None:
        findings += [
            attrs.evolve(finding, path=raw.to_document(finding.path))
            for finding in kernel_findings(raw.config, chosen)
        ]
    _in_path_order(findings)
    return _positioned(findings, raw.text, raw.unique_keys)


MAX_POSITIONED = MAX_PROBLEMS
"""Findings of one document given a line and column: the first ones, in document order."""


def _positioned(findings: list[Finding], text: str, unique_keys: bool = False) -> list[Finding]:
    """The findings with the line and column of their paths in ``text``, where they had none
    (the first :data:`MAX_POSITIONED`: locating costs about what reading the document does)."""
    first = findings[:MAX_POSITIONED]
    found = locate(
        text, [finding.path for finding in first if finding.line is None], unique_keys=unique_keys
    )
    return [
        finding
        if finding.line is not None or finding.path not in found
        else attrs.evolve(finding, line=found[finding.path][0], column=found[finding.path][1])
        for finding in first
    ] + findings[MAX_POSITIONED:]


def kernel_findings(config: v1.DanConfig | v2.DanConfig, runtime: Profile) -> list[Finding]:
    """What the Linux kernel does with the messages ``runtime`` sends for ``config``.

    The messages are applied as the agent applies them to guest-like links of
    a throwaway network namespace (:mod:`danmodel.netlink`): each request the
    kernel refuses is an error (``kernel-refused``), a request the agent
    itself would fail an error (``agent-failed``), and a setting the kernel
    accepted but dropped a warning (``kernel-dropped``). Needs root and the
    ``netlink`` extra; raises :class:`~danmodel.netlink.KernelUnavailableError`
    without them.
    """
    from .. import netlink

    try:
        messages = netlink.messages_for(config, runtime=str(runtime))
    except ValidationError:
        return []  # a config the runtime cannot convert: the static rules say why
    with netlink.guest_for(messages) as guest:
        applied = netlink.apply(messages, guest.netns)
    rules = {rule.id: rule for rule in RULES if rule.reads == "kernel"}
    found = [
        (
            rules["kernel-refused" if outcome.refused else "agent-failed"],
            outcome.path,
            f"`{outcome.request}`: {outcome.error}",
        )
        for outcome in applied.failures
    ] + [(rules["kernel-dropped"], problem.path, problem.message) for problem in applied.dropped]
    return [
        Finding(
            rule=rule.id,
            severity=rule.severity,
            path=path,
            message=f"{text}: {rule.behaviour}",
            fix=rule.fix,
        )
        for rule, path, text in found
    ]


def check_file(
    path: str | os.PathLike[str], runtime: str | Profile, *, kernel: bool = False
) -> list[Finding]:
    """The findings of ``runtime`` on the file at ``path``; see :func:`check`.

    An unreadable path raises ``OSError`` as usual.
    """
    data, source = _text.read_document(path)
    return check(data, runtime, source=source, kernel=kernel)
