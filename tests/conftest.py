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
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("thorough" if os.environ.get("CI") else "quick")
)

_BUDGETS = {
    "quick": {"agreement": 60, "kernel": 60},
    "thorough": {"agreement": 1000, "kernel": 2000},
}
"""Examples per generator for the tests whose issue sets its own count in CI: the schema
agreement with the loader (1,000 per generator and revision) and the kernel judge (2,000
generated configs). Part of each profile, so that no test asks for more than the active
profile gives it; another profile name gets the quick budgets."""


def budget(kind: str) -> int:
    """The number of examples the active profile gives tests of ``kind``."""
    name = settings.get_current_profile_name()
    return _BUDGETS.get(name, _BUDGETS["quick"])[kind]

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = ROOT / "examples"
