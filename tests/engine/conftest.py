"""Fixtures shared by the engine tests: a generated population, its network, a fitted model."""

from __future__ import annotations

import pytest

import rootmatch as rm


@pytest.fixture(scope="module")
def population() -> rm.Population:
    return rm.synth.generate_population(400, seed=11)


@pytest.fixture(scope="module")
def network(population: rm.Population) -> rm.SupportNetwork:
    return rm.SupportNetwork.from_population(population, hub=True, enrolment=0.8, seed=1)


@pytest.fixture(scope="module")
def fitted(network: rm.SupportNetwork) -> rm.Matchmaker:
    return rm.Matchmaker(random_state=0).fit(network)
