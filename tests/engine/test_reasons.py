"""Every recommendation says why, in Korean and English, and what it says is true."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import synthetic_populations

import rootmatch as rm

ON = dt.date(2024, 6, 1)


def _has_reasons(rec: rm.Recommendation) -> None:
    assert rec.reasons, rec
    for reason in rec.reasons:
        assert reason.ko.strip()
        assert reason.en.strip()


def _network_claims_hold(mm: rm.Matchmaker, firm_id: str, rec: rm.Recommendation) -> None:
    """The reasons that name the network around a pair state what the model holds."""
    i = mm.table_.position(firm_id)
    for reason in rec.reasons:
        if reason.en.startswith("reachable through the support center"):
            assert mm.has_hub_
            assert mm.enrolled_[i]
        elif reason.en.startswith("works with your partner(s)"):
            u = mm.inst_ids_.index(rec.target)
            partners = set(mm.firm_ids_[mm.A_[i].indices].tolist())
            for g in reason.en.removeprefix("works with your partner(s) ").split(", "):
                assert g in partners
                row = mm.table_.position(g)
                assert (mm.inst_links_[row, u] > 0
                        or rec.target in mm.table_.view(row).memberships)
        elif reason.en.startswith("an active collaborator"):
            j = mm.table_.position(rec.target)
            n = int(re.search(r"(\d+) partner", reason.en).group(1))
            assert n == mm.A_[j].nnz > 0
        elif reason.en.startswith("firms in "):
            assert rec.components["geography"] > 0


@given(pop=synthetic_populations(min_firms=1, max_firms=70),
       network=st.sampled_from([(True, 1.0), (False, 1.0), (True, 0.5), (True, 0.0)]),
       k=st.sampled_from([1, 10, 200]), data=st.data())
@settings(max_examples=15, deadline=None)
def test_every_recommendation_has_a_reason(pop: rm.Population, network: tuple[bool, float],
                                           k: int, data: st.DataObject) -> None:
    """Partners (firms and institutes), programs (eligible or near misses), explained pairs
    and explained rows of the batch path: at least one reason each, with and without the
    hub and with partial enrolment, even when a candidate is listed only because there are
    fewer candidates than ``k``."""
    hub, enrolment = network
    net = rm.SupportNetwork.from_population(pop, hub=hub, enrolment=enrolment, seed=0)
    mm = rm.Matchmaker(random_state=0).fit(net)
    rows = data.draw(st.lists(st.integers(0, len(pop.firms) - 1), min_size=1, max_size=3,
                              unique=True))
    for row in rows:
        firm_id = str(mm.firm_ids_[row])
        for rec in mm.recommend_partners(firm_id, k):
            _has_reasons(rec)
            _network_claims_hold(mm, firm_id, rec)
        for rec in mm.recommend_programs(firm_id, k, on=ON, near_misses=True):
            _has_reasons(rec)
        for target in data.draw(st.lists(st.sampled_from(
                [*mm.firm_ids_.tolist(), *mm.inst_ids_]), max_size=3)):
            if target != firm_id:
                rec = mm.explain(firm_id, target)
                _has_reasons(rec)
                _network_claims_hold(mm, firm_id, rec)
    ids, _ = mm.recommend_all([str(mm.firm_ids_[r]) for r in rows], k,
                              kinds=("firm", "institute"))
    for row, targets in zip(rows, ids):
        for target in targets[targets != ""][:5]:
            _has_reasons(mm.explain(str(mm.firm_ids_[row]), str(target)))


def test_an_institute_reached_only_through_the_hub_says_so() -> None:
    """A firm that shares nothing with an institute, registered with the hub: the
    institute's proximity comes through the hub alone, and the reason names it."""
    cat = rm.catalog.busan_2024()
    firm = rm.Firm(id="F1", name="외딴기업", technologies=["금형"], employees=3,
                   district="기장군")
    other = rm.Firm(id="F2", name="이웃기업", technologies=["용접"], employees=4,
                    district="사하구")
    pop = rm.Population(firms=rm.FirmTable.from_firms([firm, other]),
                        institutes=cat.institutes, programs=cat.programs, hub=cat.hub)
    mm = rm.Matchmaker(random_state=0).fit(rm.SupportNetwork.from_population(pop, hub=True))
    found = False
    for inst in cat.institutes.values():
        rec = mm.explain("F1", inst.id)
        _has_reasons(rec)
        shared = (firm.technologies & inst.expertise or firm.needs & inst.services
                  or firm.topics & inst.topics or inst.district is firm.district)
        if not shared and rec.components["proximity"] > 0:
            found = True
            assert any("support center" in r.en for r in rec.reasons), rec.reasons
            assert any("지원센터" in r.ko for r in rec.reasons), rec.reasons
    assert found
    without = rm.Matchmaker(random_state=0).fit(
        rm.SupportNetwork.from_population(pop, hub=False))
    for rec in without.recommend_partners("F1", 50):
        _has_reasons(rec)
        assert not any("support center" in r.en for r in rec.reasons)
    assert np.isfinite([r.score for r in without.recommend_partners("F1", 50)]).all()
