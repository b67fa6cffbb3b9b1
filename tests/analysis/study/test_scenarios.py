"""What-if scenarios: removing and adding programs and institutes, rule changes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import rootmatch as rm

ON = dt.date(2024, 6, 1)


def test_removing_an_institute_removes_its_edges(world) -> None:
    pop = rm.study.Scenario.baseline().removing_institute("I_A").apply(world)
    assert "I_A" not in pop.institutes
    assert pop.programs["P1"].operators == frozenset()
    assert pop.firms["F1"].memberships == frozenset()
    net = rm.SupportNetwork.from_population(pop, hub=False)
    assert not net.graph.has_node("inst:I_A")
    nb = rm.study.neighbourhood(net, ["F1", "F5"])
    assert nb.firms.nnz == 2  # F1 still reaches F2, F3; F5 is alone now
    assert world.firms["F1"].memberships == {"I_A"}  # the original is untouched


def test_removing_a_program_removes_participations(world) -> None:
    pop = rm.study.Scenario.baseline().removing_program("P2").apply(world)
    assert set(pop.programs) == {"P1"}
    assert pop.firms["F3"].participations == ()
    rm.SupportNetwork.from_population(pop)  # builds: no dangling participation


def test_unknown_removal_is_refused(world) -> None:
    with pytest.raises(rm.UnknownEntityError, match="NOPE"):
        rm.study.Scenario.baseline().removing_program("NOPE").apply(world)
    with pytest.raises(rm.ValidationError, match="enrolment"):
        rm.study.Scenario(name="x", enrolment=1.5)


def test_rule_what_if_changes_eligibility_not_partners(world) -> None:
    base = rm.study.Scenario.baseline()
    p1 = world.programs["P1"]
    cache: dict = {}
    r0 = rm.study.run_scenario(world, base, on=ON, _cache=cache)
    capped = base.with_employee_cap(p1, 4)
    r1 = rm.study.run_scenario(world, capped, on=ON, _cache=cache)
    assert len(cache) == 1  # the network and recommendations are reused
    assert np.array_equal(r0.partners, r1.partners)
    j = r0.program_ids.index("P1")
    assert r0.eligible[:, j].sum() == 3  # the three small mold firms
    assert r1.eligible[:, j].sum() == 0  # all have 5 employees > 4
    sme = base.with_sme_cap(p1, 3)
    assert [r.name for r in sme.add_programs[0].rules if r.kind == "sme"] == ["sme"]
    assert rm.study.run_scenario(world, sme, on=ON).eligible[:, j].sum() == 0


def test_adding_a_program_or_institute(world) -> None:
    new_inst = rm.Institute(id="I_D", name_ko="센서연구소", name_en="Sensor lab",
                            kind="research", expertise=["센서"], services=["경영지원"])
    s = rm.study.Scenario.baseline().adding_institute(new_inst)
    r = rm.study.run_scenario(world, s, on=ON, k_institutes=4)
    # F6 and F7 (sensors) now get a relevant institute
    assert r.firm_metrics()["relevant_institute"].tolist()[-2:] == [True, True]
    g = rm.study.gap_matrix(r.population.firms, r.population.programs,
                            r.population.institutes, min_need=2)
    assert g.unmet() == []
