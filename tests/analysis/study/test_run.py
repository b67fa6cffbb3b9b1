"""The whole study: reproducible, and its structure."""

from __future__ import annotations

import numpy as np

import rootmatch as rm


def test_study_is_reproducible(small_study) -> None:
    again = rm.study.run_study(small_study.population, seed=3, call_list_size=5, what_ifs=())
    assert again.key_table() == small_study.key_table()
    for name, r in again.results.items():
        assert np.array_equal(r.partners, small_study.results[name].partners)
        assert np.array_equal(r.allocation.assigned,
                              small_study.results[name].allocation.assigned)
    half = rm.study.Scenario.baseline().with_enrolment(0.5)
    a, b = (rm.study.run_scenario(small_study.population, half, seed=s) for s in (3, 4))
    assert not np.array_equal(a.enrolled, b.enrolled)  # another seed, another draw


def test_study_structure(small_study) -> None:
    st = small_study
    assert list(st.results)[:2] == ["no_hub", "hub"]
    assert len(st.what_ifs) >= 4
    key = {r["metric"]: r for r in st.key_table()}
    assert set(key) == set(rm.study.METRICS)
    assert key["reach"]["without_hub"] == 0.0
    assert key["covered"]["with_hub"] == 1.0
    assert key["knows_eligible_program"]["with_hub"] >= key["knows_eligible_program"][
        "without_hub"]
    for r in st.results.values():
        a = r.allocation
        assert np.all(a.assigned.sum(axis=0) <= a.capacity)
        assert not np.any(a.assigned & ~(r.eligible & r.known))
    assert set(st.call_lists) == set(st.results["hub"].program_ids)
    assert all(len(v) <= 5 for v in st.call_lists.values())
    assert st.sensitivity[0]["factor"] == 0.5


def test_study_has_the_shape_the_report_reads(small_study) -> None:
    assert isinstance(small_study, rm.study.StudyLike)
    assert small_study.what_ifs == [n for n in small_study.results
                                    if n not in ("no_hub", "hub")]
