"""Tests of rootmatch.allocate: optimality against brute force, constraints, the program API."""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from pathlib import Path

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rootmatch as rm
from rootmatch.domain.rules import ActiveOn, MaxEmployees

sys.path.insert(0, str(Path(__file__).parent))  # the shared tests/strategies.py
from strategies import firm_lists

ON = dt.date(2024, 6, 1)
METHODS = ["milp", "network_simplex"]


def brute_force(Wi: np.ndarray, allowed: np.ndarray, cap: np.ndarray, max_per_firm: int) -> int:
    """The best integer objective over every feasible assignment (tiny cases only)."""
    n, p = Wi.shape
    options = []
    for i in range(n):
        progs = [j for j in range(p) if allowed[i, j]]
        options.append([s for size in range(max_per_firm + 1)
                        for s in itertools.combinations(progs, size)])
    best = 0
    for choice in itertools.product(*options):
        used = np.zeros(p, int)
        for s in choice:
            used[list(s)] += 1
        if np.all(used <= cap):
            best = max(best, sum(int(Wi[i, j]) for i, s in enumerate(choice) for j in s))
    return best


@st.composite
def problems(draw: st.DrawFn, max_firms: int = 7, max_programs: int = 3, max_m: int = 1):
    n = draw(st.integers(0, max_firms))
    p = draw(st.integers(1, max_programs))
    W = np.array(draw(st.lists(st.lists(st.floats(0, 1), min_size=p, max_size=p),
                               min_size=n, max_size=n)) or np.zeros((0, p))).reshape(n, p)
    allowed = np.array(draw(st.lists(st.lists(st.booleans(), min_size=p, max_size=p),
                                     min_size=n, max_size=n)) or np.zeros((0, p), bool),
                       dtype=bool).reshape(n, p)
    cap = np.array(draw(st.lists(st.integers(0, 3), min_size=p, max_size=p)))
    m = draw(st.integers(1, max_m))
    return W, allowed, cap, m


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", range(12))
def test_optimum_equals_brute_force(method: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, p = int(rng.integers(1, 8)), int(rng.integers(1, 4))
    m = 1 if n > 5 else int(rng.integers(1, 3))
    W = rng.random((n, p)).round(2)  # coarse weights: many ties, the hard case
    allowed = rng.random((n, p)) < 0.7
    cap = rng.integers(0, 3, size=p)
    a = rm.allocate.allocate(W, cap, allowed=allowed, max_per_firm=m, method=method,
                             scale=100)
    assert a.objective == brute_force(a.int_weights, allowed, cap, m)
    assert a.objective == int(a.int_weights[a.assigned].sum())


@pytest.mark.parametrize("method", METHODS)
def test_pruning_keeps_the_optimum_with_many_firms(method: str) -> None:
    # 8 firms competing for 2 slots: only each program's top-2 firms reach the solver
    rng = np.random.default_rng(3)
    W = rng.integers(1, 5, size=(8, 2)) / 4
    allowed = np.ones((8, 2), bool)
    cap = np.array([1, 1])
    a = rm.allocate.allocate(W, cap, allowed=allowed, method=method, scale=4)
    assert a.objective == brute_force(a.int_weights, allowed, cap, 1)


@given(problems(max_m=2))
def test_constraints_always_hold(problem) -> None:
    W, allowed, cap, m = problem
    for method in METHODS:
        a = rm.allocate.allocate(W, cap, allowed=allowed, max_per_firm=m, method=method)
        assert np.all(a.assigned.sum(axis=0) <= cap)
        assert np.all(a.assigned.sum(axis=1) <= m)
        assert not np.any(a.assigned & ~allowed)
        assert not np.any(a.assigned & (a.int_weights == 0))


@given(problems(max_firms=5, max_programs=2))
def test_both_methods_reach_the_same_optimum(problem) -> None:
    W, allowed, cap, m = problem
    a = rm.allocate.allocate(W, cap, allowed=allowed, method="milp")
    b = rm.allocate.allocate(W, cap, allowed=allowed, method="network_simplex")
    assert a.objective == b.objective == brute_force(a.int_weights, allowed, cap, m)


@given(firm_lists(max_size=12),
       st.dictionaries(st.sampled_from([f"BS24-0{i}" for i in range(1, 8)]),
                       st.integers(0, 4)))
def test_no_ineligible_firm_is_ever_assigned(firms, caps) -> None:
    cat = rm.catalog.busan_2024()
    table = rm.FirmTable.from_firms(firms)
    progs = sorted(cat.programs.values(), key=lambda p: p.id)
    a = rm.allocate.allocate_programs(table, progs, on=ON, capacities=caps)
    eligible = rm.rules.eligibility_matrix(progs, table, on=ON)
    assert not np.any(a.assigned & ~eligible)
    caps_arr = np.array([caps.get(p.id, p.capacity) for p in progs])
    assert np.all(a.assigned.sum(axis=0) <= caps_arr)
    for fid, pid in a.pairs():
        assert rm.check_eligibility(cat.programs[pid], table[fid], on=ON).eligible


def _firm(i: int, employees: int, **kw) -> rm.Firm:
    base = {"technologies": ["금형"], "district": "사상구", "needs": ["기술 개발"]}
    base.update(kw)
    return rm.Firm(id=f"F{i}", name=f"firm {i}", employees=employees, **base)


def test_small_firms_have_priority_and_left_out_is_reported() -> None:
    cat = rm.catalog.busan_2024()
    table = rm.FirmTable.from_firms([_firm(0, 30), _firm(1, 4), _firm(2, 50), _firm(3, 7)])
    a = rm.allocate.allocate_programs(table, [cat.programs["BS24-01"]], on=ON,
                                      capacities={"BS24-01": 2})
    assert sorted(a.pairs()[:, 0].tolist()) == ["F1", "F3"]
    (d,) = a.demand()
    assert (d.applicants, d.small_applicants, d.assigned, d.small_assigned) == (4, 2, 2, 2)
    assert (d.oversubscribed, d.ratio, d.capacity_assumed) == (True, 2.0, False)
    assert set(d.left_out) == {"F0", "F2"}
    assert a.left_out().tolist() == ["F0", "F2"]
    # without priority the fit alone decides: equal fits, so any two; with the catalog's
    # capacity (20, an assumption) everybody gets in
    b = rm.allocate.allocate_programs(table, [cat.programs["BS24-01"]], on=ON)
    assert (b.assigned.sum(), b.demand()[0].capacity_assumed) == (4, True)


def test_uninterested_or_ineligible_firms_do_not_apply() -> None:
    cat = rm.catalog.busan_2024()
    table = rm.FirmTable.from_firms([
        _firm(0, 5, needs=["경영지원"]),              # not interested in a technology program
        _firm(1, 5, technologies=["로봇"]),            # not a targeted technology
        _firm(2, 5, district="부산 외"),               # outside Busan
        _firm(3, 5),
    ])
    a = rm.allocate.allocate_programs(table, [cat.programs["BS24-01"]], on=ON)
    assert a.allowed[:, 0].tolist() == [False, False, False, True]
    assert a.pairs().tolist() == [["F3", "BS24-01"]]


def test_employee_cap_what_if_changes_demand() -> None:
    cat = rm.catalog.busan_2024()
    p = cat.programs["BS24-01"]
    table = rm.FirmTable.from_firms([_firm(i, e) for i, e in enumerate([3, 9, 10, 15, 20, 21])])
    demand = {}
    for cap in (10, 20):
        capped = attrs.evolve(p, rules=(*p.rules, MaxEmployees(limit=cap)))
        demand[cap] = rm.allocate.allocate_programs(table, [capped], on=ON).demand()[0]
    assert (demand[10].applicants, demand[20].applicants) == (3, 5)
    assert demand[10].small_applicants == demand[20].small_applicants == 2


def test_capacity_sensitivity_is_monotone() -> None:
    cat = rm.catalog.busan_2024()
    rng = np.random.default_rng(0)
    firms = [_firm(i, int(e), needs=["기술 개발"] if rng.random() < 0.7 else ["인력 양성"])
             for i, e in enumerate(rng.integers(1, 60, size=60))]
    table = rm.FirmTable.from_firms(firms)
    progs = [cat.programs["BS24-01"], cat.programs["BS24-06"]]
    rows = rm.allocate.capacity_sensitivity(table, progs, on=ON, factors=(0.25, 0.5, 1, 2, 4))
    for a, b in itertools.pairwise(rows):
        assert b["slots"] >= a["slots"]
        assert b["filled"] >= a["filled"]
        assert b["total_weight"] >= a["total_weight"] - 1e-9
    assert rows[-1]["served"] == rows[-1]["applicants"]  # enough slots for everybody


def test_program_fit_parts() -> None:
    cat = rm.catalog.busan_2024()
    table = rm.FirmTable.from_firms([
        _firm(0, 5, needs=["인력 양성"], topics=["디지털 역량", "신소재"]),
        _firm(1, 5, needs=[], technologies=["로봇"]),
    ])
    p1, p6 = cat.programs["BS24-01"], cat.programs["BS24-06"]
    fit = rm.allocate.program_fit(table, [p1, p6])
    # firm 0, BS24-01: secondary axis ½·0.5 + targeted 0.25 + 2 of 4 topics ·0.25
    assert fit[0, 0] == pytest.approx(0.25 + 0.25 + 0.125)
    # firm 0, BS24-06: primary axis 0.5 + open program ½·0.25 + 1 of 3 topics ·0.25
    assert fit[0, 1] == pytest.approx(0.5 + 0.125 + 0.25 / 3)
    # firm 1, BS24-01: no need, not targeted, no topics
    assert fit[1, 0] == 0.0
    assert rm.allocate.program_fit(table, {"BS24-06": p6, "BS24-01": p1}).tolist() == \
        fit.tolist()  # a dict is taken in id order
    reasons = rm.allocate.fit_reasons(table, 0, p1)
    assert reasons[0].ko.startswith("인력 양성")


def test_program_without_capacity_gets_no_slots() -> None:
    p = rm.Program(id="P1", name_ko="시범", name_en="Pilot", axis="기술 개발",
                   start="2024-01-01", end="2024-12-31", funding="city", rules=[ActiveOn()])
    a = rm.allocate.allocate_programs(rm.FirmTable.from_firms([_firm(0, 3)]), [p], on=ON)
    assert (a.assigned.sum(), a.demand()[0].applicants) == (0, 1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"weights": [[-1.0]], "capacity": [1]}, "weights"),
        ({"weights": [[np.nan]], "capacity": [1]}, "weights"),
        ({"weights": [1.0], "capacity": [1]}, "weights"),
        ({"weights": [[1.0]], "capacity": [-1]}, "capacity"),
        ({"weights": [[1.0]], "capacity": [1.5]}, "capacity"),
        ({"weights": [[1.0]], "capacity": [1, 2]}, "capacity"),
        ({"weights": [[1.0]], "capacity": [1], "allowed": [[True, False]]}, "allowed"),
        ({"weights": [[1.0]], "capacity": [1], "method": "greedy"}, "method"),
        ({"weights": [[1.0]], "capacity": [1], "max_per_firm": 0}, "max_per_firm"),
        ({"weights": [[1.0]], "capacity": [1], "scale": 0}, "scale"),
    ],
)
def test_bad_input_is_refused(kwargs, field) -> None:
    with pytest.raises(rm.ValidationError) as info:
        rm.allocate.allocate(**kwargs)
    assert info.value.field == field


def test_unknown_capacity_override_is_refused() -> None:
    cat = rm.catalog.busan_2024()
    with pytest.raises(rm.ValidationError, match="BS99"):
        rm.allocate.allocate_programs(rm.FirmTable.from_firms([_firm(0, 3)]),
                                      cat.programs, on=ON, capacities={"BS99": 3})


def test_empty_problem() -> None:
    a = rm.allocate.allocate(np.zeros((0, 2)), [1, 1])
    assert (a.objective, a.pairs().shape, a.left_out().size) == (0, (0, 2), 0)
