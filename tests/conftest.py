"""Shared test setup: hypothesis profiles and paths.

Profiles: ``quick`` for local runs (the default), ``thorough`` for CI (chosen
when the CI environment variable is set, as in .ci/run); HYPOTHESIS_PROFILE
overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

settings.register_profile("quick", max_examples=60, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("thorough" if os.environ.get("CI") else "quick")
)

_BUDGETS = {
    "quick": {"agreement": 60, "kernel": 60, "fuzz": 60},
    "thorough": {"agreement": 400, "kernel": 2000, "fuzz": 300},
}
"""Examples per generator for the tests that set their own count in CI: the schema agreement
with the loader and five validators (400 per generator and revision), the kernel judge
(2,000 generated configs, each applied in a namespace) and the fuzz targets (300 each).
Part of each profile, so that no test asks for more than the active profile gives it, and
sized so that .ci/run stays within its time; another profile name gets the quick budgets."""


def budget(kind: str) -> int:
    """The number of examples the active profile gives tests of ``kind``."""
    name = settings.get_current_profile_name()
    return _BUDGETS.get(name, _BUDGETS["quick"])[kind]


ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = ROOT / "examples"
