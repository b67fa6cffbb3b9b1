"""Fixtures shared by the analysis tests."""

from __future__ import annotations

import pytest

import rootmatch as rm


@pytest.fixture(scope="session")
def population() -> rm.Population:
    """A synthetic population of 800 firms with its planted truth (seed 21)."""
    return rm.synth.generate_population(800, seed=21)
