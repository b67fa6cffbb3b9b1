"""The hand-built world of the study tests, whose answers are known, and the shared results.

The hand-built world (no hub), firms' technologies in brackets, ``*`` = not small::

    I_A (mold expert; operates P1) ── F1 [mold] ── F2 [welding] ── F3* [welding] ── P2
     │                                                           (F3 took part in P2)
     └── F5 [mold]            F4 [mold] alone         F6 [sensors] ── F7 [sensors]

F1 and F5 are members of I_A; I_B (welding, workforce) operates P2; I_C (no expertise,
management) is linked to nobody.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import rootmatch as rm
from rootmatch.domain.rules import SME, ActiveOn, NotAlreadyParticipant, TargetTechnologies

ON = dt.date(2024, 6, 1)


class PlantedTruth:
    """A test double of ``pop.truth``: held-out links and an oracle (1 for them, 0.1 else)."""

    def __init__(self, held_out: list[tuple[str, str]]) -> None:
        self.held_out = np.array(held_out, dtype=str)
        self._pairs = {frozenset(p) for p in held_out}

    def oracle_scores(self, firm_ids, candidate_ids) -> np.ndarray:
        q = np.atleast_1d(np.asarray(firm_ids, dtype=str))
        c = np.atleast_1d(np.asarray(candidate_ids, dtype=str))
        return np.array([[1.0 if frozenset((a, b)) in self._pairs else 0.1 for b in c]
                         for a in q])


def _world(truth: bool = True) -> rm.Population:
    institutes = [
        rm.Institute(id="I_A", name_ko="금형센터", name_en="Mold center", kind="research",
                     district="강서구", expertise=["금형"], services=["기술 개발"]),
        rm.Institute(id="I_B", name_ko="용접대학", name_en="Welding college", kind="university",
                     district="사하구", expertise=["용접"], services=["인력 양성"]),
        rm.Institute(id="I_C", name_ko="경영원", name_en="Management agency",
                     kind="public agency", services=["경영지원"]),
    ]
    programs = [
        rm.Program(id="P1", name_ko="금형 기술", name_en="Mold technology", axis="기술 개발",
                   start="2024-01-01", end="2024-12-31", funding="city", targets=["금형"],
                   operators=["I_A"], capacity=1,
                   rules=[ActiveOn(), SME(), TargetTechnologies(technologies=["금형"]),
                          NotAlreadyParticipant()]),
        rm.Program(id="P2", name_ko="인력 양성", name_en="Training", axis="인력 양성",
                   start="2023-01-01", end="2025-12-31", funding="city", operators=["I_B"],
                   capacity=2, rules=[ActiveOn()]),
    ]

    def firm(i: int, tech: str, employees: int = 5, **kw) -> rm.Firm:
        return rm.Firm(id=f"F{i}", name=f"firm {i}", technologies=[tech],
                       employees=employees, district="사상구" if i < 5 else "강서구", **kw)

    firms = rm.FirmTable.from_firms([
        firm(1, "금형", needs=["기술 개발"], memberships=["I_A"]),
        firm(2, "용접", needs=["인력 양성"]),
        firm(3, "용접", employees=20, needs=["인력 양성"],
             participations=[("P2", "2023-05-01")]),
        firm(4, "금형", needs=["기술 개발"]),
        firm(5, "금형", needs=["기술 개발", "인력 양성"], memberships=["I_A"]),
        firm(6, "센서", needs=["경영지원"]),
        firm(7, "센서", needs=["경영지원"]),
    ])
    return rm.Population(
        firms=firms, institutes=institutes, programs=programs,
        collaborations=[("F1", "F2"), ("F2", "F3"), ("F6", "F7")],
        truth=PlantedTruth([("F1", "F5"), ("F4", "F6")]) if truth else None,
    )


@pytest.fixture(scope="module")
def world() -> rm.Population:
    return _world()


@pytest.fixture(scope="module")
def world_without_truth() -> rm.Population:
    return _world(truth=False)


@pytest.fixture(scope="module")
def results(world) -> dict[str, rm.study.ScenarioResult]:
    return {s.name: rm.study.run_scenario(world, s, on=ON, seed=0)
            for s in (rm.study.Scenario.no_hub(), rm.study.Scenario.baseline())}


@pytest.fixture(scope="module")
def small_study() -> rm.study.Study:
    pop = rm.synth.generate_population(250, seed=11)
    return rm.study.run_study(pop, seed=3, call_list_size=5)
