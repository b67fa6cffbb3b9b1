"""A scenario's result: who is covered, the metrics' known values, by group, without truth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import rootmatch as rm

ON = dt.date(2024, 6, 1)
SMALL = ["F1", "F2", "F4", "F5", "F6", "F7"]


def test_who_is_covered(results) -> None:
    no_hub, hub = results["no_hub"], results["hub"]
    assert no_hub.small_ids.tolist() == SMALL
    fm = no_hub.firm_metrics()
    assert fm["covered"].tolist() == [True, False, False, True, False, False]
    assert {(f, p) for f, row in zip(SMALL, no_hub.partners) for p in row if p} == {
        ("F1", "F3"), ("F1", "F5"), ("F5", "F1")}
    # with the hub every small firm is offered every firm but itself and its partners
    assert hub.firm_metrics()["covered"].all()
    for f, row in zip(SMALL, hub.partners):
        partners = {"F1": {"F2"}, "F2": {"F1", "F3"}, "F6": {"F7"}, "F7": {"F6"}}.get(f, set())
        assert set(row) - {""} == {f"F{i}" for i in range(1, 8)} - {f} - partners


def test_metrics_have_known_values(results) -> None:
    a = results["no_hub"].summary()
    b = results["hub"].summary()
    assert a["covered"] == pytest.approx(2 / 6)
    assert b["covered"] == 1.0
    # true partners F1–F5 and F4–F6: without the hub only F1 and F5 find theirs
    assert a["true_partner"] == pytest.approx(2 / 4)
    assert b["true_partner"] == 1.0
    # oracle: 1 for a true pair, 0.1 else, empty slots 0, k = 10
    assert a["oracle"] == pytest.approx(((0.1 + 1.0) + 1.0) / 10 / 6)
    assert b["oracle"] == pytest.approx((1.0 + 4 * 0.1 + 0.1 * 4 + 1.0 + 5 * 0.1 + 1.0
                                         + 5 * 0.1 + 1.0 + 4 * 0.1 + 5 * 0.1) / 10 / 6)
    # knows an eligible program: F1, F2, F5 without the hub; everybody with it (P2 is open)
    assert a["knows_eligible_program"] == pytest.approx(3 / 6)
    assert b["knows_eligible_program"] == 1.0
    # relevant institute: without the hub only I_A is reachable (by F2, a welder);
    # with it F2 gets I_B (welding) and F4 gets I_A (mold); F1 and F5 are members of I_A
    assert a["relevant_institute"] == 0.0
    assert b["relevant_institute"] == pytest.approx(2 / 6)
    # cross-sector pairs: 1 of 3 without the hub, 25 of 31 with it
    assert a["cross_sector"] == pytest.approx(1 / 3)
    assert b["cross_sector"] == pytest.approx(25 / 31)
    # reach: 28 of the hub's 31 pairs are more than 2 hops apart without it
    assert a["reach"] == 0.0
    assert b["reach"] == pytest.approx(28 / 31)


def test_metrics_by_group(results) -> None:
    rows = {r["group"]: r for r in results["hub"].metrics("technology")}
    assert {g: r["n"] for g, r in rows.items()} == {"Mold & die": 3, "Welding & joining": 1,
                                                     "Sensors": 2}
    assert rows["Mold & die"]["relevant_institute"] == pytest.approx(1 / 3)  # F4 only
    assert rows["Welding & joining"]["relevant_institute"] == 1.0
    by_d = {r["group"]: r["n"] for r in results["no_hub"].metrics("district", lang="ko")}
    assert by_d == {"강서구": 3, "사상구": 3}
    with pytest.raises(rm.ValidationError, match="by"):
        results["hub"].metrics("colour")


def test_truth_metrics_are_nan_without_truth(world_without_truth) -> None:
    r = rm.study.run_scenario(world_without_truth, rm.study.Scenario.baseline(), on=ON)
    s = r.summary()
    assert np.isnan(s["true_partner"])
    assert np.isnan(s["oracle"])
    assert s["covered"] == 1.0


def test_non_enrolled_firms_get_their_own_network_only() -> None:
    pop = rm.synth.generate_population(300, seed=5)
    s = rm.study.Scenario.baseline().with_enrolment(0.5)
    r = rm.study.run_scenario(pop, s, seed=1)
    nb = rm.study.neighbourhood(r.network, r.small_ids)
    ids = r.network.firms.ids
    enrolled = set(ids[r.network.enrolled].tolist())
    assert 0 < r.enrolled.sum() < r.enrolled.size
    for i, (f, row) in enumerate(zip(r.small_ids, r.partners)):
        own = set(ids[nb.firms[[i]].indices].tolist())
        got = set(row) - {""}
        allowed = own | enrolled if r.enrolled[i] else own
        assert got <= allowed - {f}, f
    knows = r.known[np.flatnonzero(pop.firms.is_small)]
    assert knows[r.enrolled].all()
    assert np.array_equal(knows[~r.enrolled], nb.programs[~r.enrolled])
