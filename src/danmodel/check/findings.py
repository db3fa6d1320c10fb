"""What a check reports: :class:`Finding`, and the error a rejected config raises."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from ..errors import Problem, ValidationError
from .rules import Severity

__all__ = ["Finding", "ProfileRejectedError"]


@attrs.frozen(kw_only=True)
class Finding:
    """One thing a runtime will do with a file, at one place of it."""

    rule: str
    """The :attr:`Rule.id`, stable across releases of danmodel."""
    severity: Severity
    path: str
    """Where, as a JSONPath: ``$.devices[0].network_info.neighbors[1].ip_address``."""
    message: str
    """What is there, and what the runtime does with it."""
    fix: str | None = None
    line: int | None = None
    """1-based line, for JSON syntax errors."""
    column: int | None = None

    def __str__(self) -> str:
        where = (
            self.path
            if self.line is None
            else f"{self.path} (line {self.line}, column {self.column})"
        )
        text = f"{where}: {self.severity} [{self.rule}]: {self.message}"
        return text if self.fix is None else f"{text}. Fix: {self.fix}"

    def to_dict(self) -> dict[str, Any]:
        """The finding as JSON-ready data."""
        data = attrs.asdict(self)
        data["severity"] = self.severity.value
        return data


_SET = tuple(Finding.__dict__[field.name].__set__ for field in attrs.fields(Finding))
"""The slots of :class:`Finding` in field order, set directly: what its frozen ``__init__``
does, at half the cost, for the tens of thousands of findings of a large check (a test
holds the two equal, field for field)."""


def new_finding(
    rule: str,
    severity: Severity,
    path: str,
    message: str,
    fix: str | None,
    line: int | None,
    column: int | None,
) -> Finding:
    """``Finding(rule=rule, severity=severity, ...)``, made faster (see :data:`_SET`)."""
    finding: Finding = object.__new__(Finding)
    set_rule, set_severity, set_path, set_message, set_fix, set_line, set_column = _SET
    set_rule(finding, rule)
    set_severity(finding, severity)
    set_path(finding, path)
    set_message(finding, message)
    set_fix(finding, fix)
    set_line(finding, line)
    set_column(finding, column)
    return finding


class ProfileRejectedError(ValidationError):
    """The runtime of a profile would reject a config: :attr:`findings` are the errors."""

    findings: tuple[Finding, ...]
    profile: str

    def __init__(
        self, findings: Iterable[Finding], profile: str, *, source: str | None = None
    ) -> None:
        self.findings = tuple(findings)
        self.profile = profile
        problems = [
            Problem(path=finding.path, message=f"{finding.message} [{finding.rule}]")
            for finding in self.findings
        ]
        super().__init__(problems, source=source or f"DAN config for {profile}")

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.findings, self.profile))


def _rebuild(findings: tuple[Finding, ...], profile: str) -> ProfileRejectedError:
    return ProfileRejectedError(findings, profile)
