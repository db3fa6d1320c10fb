"""What a Kata runtime will do with a DAN file, told before deployment.

``danmodel.check`` is both this package and its main function:
``danmodel.check(document, "runtime-rs@3.17")`` returns the
:class:`Finding` s of that runtime on the document (see :func:`check`).

- :mod:`~danmodel.check.profiles`: runtimes and releases (:func:`profile`);
- :mod:`~danmodel.check.facts`: what the one reader notes in the raw document
  as a runtime reads it;
- :mod:`~danmodel.check.rules`: one :class:`Rule` per runtime or kernel behaviour;
- :mod:`~danmodel.check.findings`: what a check reports;
- :mod:`~danmodel.check.checker`: :func:`check` and :func:`check_file`;
- :mod:`~danmodel.check.spelling`: a config spelled for a runtime, as
  ``danmodel.dumps(config, profile=...)`` writes it.

The dependency runs from here to the codec, never back.

>>> import danmodel
>>> danmodel.check('{"devices": []}', "go-runtime")
[]
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .. import v1, v2
    from .checker import check, check_file
    from .findings import Finding, ProfileRejectedError
    from .profiles import RUNTIMES, Profile, ProfileError, Runtime, Version, profile
    from .rules import RULES, Rule, Severity, rules_markdown
    from .spelling import prepare, spelled_for

# Each name is imported from its module on first use: importing a submodule
# (the store needs only ``profiles``) does not load the rules.
_HOME = {
    "check": "checker",
    "check_file": "checker",
    "Finding": "findings",
    "ProfileRejectedError": "findings",
    "RUNTIMES": "profiles",
    "Profile": "profiles",
    "ProfileError": "profiles",
    "Runtime": "profiles",
    "Version": "profiles",
    "profile": "profiles",
    "RULES": "rules",
    "Rule": "rules",
    "Severity": "rules",
    "rules_markdown": "rules",
    "prepare": "spelling",
    "spelled_for": "spelling",
}

__all__ = [
    "RULES",
    "RUNTIMES",
    "Finding",
    "Profile",
    "ProfileError",
    "ProfileRejectedError",
    "Rule",
    "Runtime",
    "Severity",
    "Version",
    "check",
    "check_file",
    "prepare",
    "profile",
    "rules_markdown",
    "spelled_for",
]


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


class _CallableModule(types.ModuleType):
    """This package, callable as :func:`check` (``danmodel.check(document, runtime)``)."""

    def __call__(
        self,
        document: v1.DanConfig | v2.DanConfig | str | bytes | bytearray,
        runtime: str | Profile,
        *,
        source: str | None = None,
        kernel: bool = False,
    ) -> list[Finding]:
        from .checker import check as run

        return run(document, runtime, source=source, kernel=kernel)


sys.modules[__name__].__class__ = _CallableModule
