"""Shared fixtures and Hypothesis profiles.

Profiles: ``dev`` (default, random), ``ci`` (derandomised: the same examples every run, no
deadline, so a loaded CI machine never flakes). ``CI=true`` selects ``ci``; or pass
``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import HealthCheck, settings

import rootmatch as rm

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=40,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)
_default = "ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))

ON = dt.date(2024, 6, 1)


@pytest.fixture(scope="session")
def catalog() -> rm.Catalog:
    """The built-in Busan 2024 catalog."""
    return rm.catalog.busan_2024()


@pytest.fixture
def on() -> dt.date:
    """The reference date of the tests: 2024-06-01."""
    return ON
