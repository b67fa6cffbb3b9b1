"""Fixtures shared by the synth tests: one large population, generated once."""

from __future__ import annotations

import pytest

import rootmatch as rm

N_BIG = 50_000


@pytest.fixture(scope="session")
def big() -> rm.Population:
    """One 50,000-firm population for every calibration test."""
    return rm.synth.generate_population(N_BIG, seed=2024)


@pytest.fixture(scope="session")
def report(big: rm.Population) -> rm.synth.CalibrationReport:
    return big.summary()
