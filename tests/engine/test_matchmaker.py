"""The matchmaker facade: invariants of partners, reasons that are true, determinism."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import synthetic_populations

import rootmatch as rm

ON = dt.date(2024, 6, 1)


def _check_ranking(recs: list[rm.Recommendation]) -> None:
    scores = [r.score for r in recs]
    assert all(np.isfinite(scores))
    order = {"firm": 0, "institute": 1, "program": 2}
    if len({r.kind for r in recs}) > 1:  # firms and institutes: by the calibrated odds
        probs = [r.probability for r in recs]
        assert all(0.0 < p < 1.0 for p in probs)
        assert probs == sorted(probs, reverse=True)
        for kind in ("firm", "institute"):
            _check_ranking([r for r in recs if r.kind == kind])
        return
    keys = [(-r.score, order[r.kind], r.target) for r in recs]
    assert keys == sorted(keys)


def _claims_hold(mm: rm.Matchmaker, a: rm.Firm, rec: rm.Recommendation) -> None:
    """Every English reason states something true of the pair."""
    names = {v.name_en: k for k, v in mm.institutes_.items()}
    names.update({v.name_en: k for k, v in mm.programs_.items()})
    C = rm.taxonomy.complementarity_matrix()
    b = mm.table_[rec.target] if rec.kind == "firm" else None
    for reason in rec.reasons:
        text = reason.en
        assert reason.ko
        assert text
        if rec.kind == "firm":
            if text.startswith("value chain:"):
                up, down = (rm.RootTechnology.parse(t) for t in
                            text.removeprefix("value chain: ").split(" → "))
                assert {up, down} <= (a.technologies | b.technologies)
                assert (up in a.technologies and down in b.technologies) or (
                    up in b.technologies and down in a.technologies)
                assert C[up.value, down.value] > 0
            elif text.startswith("both need"):
                assert a.needs & b.needs
            elif text.startswith("both interested in"):
                assert a.topics & b.topics
            elif text.startswith("same technology"):
                assert a.technologies & b.technologies
            elif text.startswith("both members of"):
                inst = names[text.removeprefix("both members of ")]
                assert inst in a.memberships
                assert inst in b.memberships
            elif text.startswith("both took part in"):
                prog = names[text.removeprefix("both took part in ")]
                assert prog in {p.program_id for p in a.participations}
                assert prog in {p.program_id for p in b.participations}
            elif "common partner" in text:
                listed = re.search(r"\(([^()]*)\)$", text).group(1).split(", ")
                pa = set(mm.firm_ids_[mm.A_[mm.table_.position(a.id)].indices])
                pb = set(mm.firm_ids_[mm.A_[mm.table_.position(b.id)].indices])
                assert set(listed) <= (pa & pb)
            elif text.startswith("same district"):
                assert a.district is b.district
            elif text.startswith("both registered"):
                assert mm.enrolled_[mm.table_.position(a.id)]
                assert mm.enrolled_[mm.table_.position(b.id)]
            elif text.startswith("complementary scale"):
                small, large = (int(x) for x in re.findall(r"\d+", text))
                assert (small, large) == (a.employees, b.employees)
                assert large >= 50
                assert large >= 2 * small
                # the partner's own expected partners raise the score
                assert mm.weights_["capacity"] * mm.capacity_[mm.table_.position(b.id)] > 0
            elif text.startswith("firms in "):  # the learned affinity of the two locations
                assert a.district is not b.district
                assert rec.components["geography"] > 0
            elif text.startswith("an active collaborator"):
                n = int(re.search(r"(\d+) partner", text).group(1))
                assert n == mm.A_[mm.table_.position(b.id)].nnz > 0
                assert rec.components["popularity"] > 0
            elif text.startswith("a ") and " firm in " in text:  # nothing shared: the partner
                assert len(rec.reasons) == 1
                assert text.endswith(b.district.label_en)
            else:
                pytest.fail(f"unchecked reason {text!r}")
        elif rec.kind == "institute":
            inst = mm.institutes_[rec.target]
            if text.startswith("expertise in"):
                assert a.technologies & inst.expertise
            elif text.startswith("offers what the firm needs"):
                assert a.needs & inst.services
            elif text.startswith("works on"):
                assert a.topics & inst.topics
            elif text.startswith("member of"):
                assert inst.id in a.memberships
            elif text.startswith("runs "):
                assert any(inst.id in mm.programs_[p.program_id].operators
                           for p in a.participations)
            elif text.startswith("same district"):
                assert inst.district is a.district
            elif text.startswith("works with your partner(s) "):
                i, u = mm.table_.position(a.id), mm.inst_ids_.index(inst.id)
                for g in text.removeprefix("works with your partner(s) ").split(", "):
                    j = mm.table_.position(g)
                    assert mm.A_[i, j] > 0
                    assert mm.inst_links_[j, u] > 0 or inst.id in mm.table_[g].memberships
            elif text.startswith("reachable through the support center"):
                assert mm.has_hub_
                assert mm.enrolled_[mm.table_.position(a.id)]
                assert rec.components["proximity"] > 0
            elif text.startswith("offers "):  # nothing shared: what the institute offers
                assert len(rec.reasons) == 1
                assert inst.services
            elif text == f"a {inst.kind.label_en.lower()}":
                assert len(rec.reasons) == 1
                assert not inst.services
            else:
                pytest.fail(f"unchecked reason {text!r}")


@given(row=st.integers(0, 399), k=st.sampled_from([1, 5, 10, 50]),
       kinds=st.sampled_from([("firm",), ("institute",), ("firm", "institute")]),
       exclude=st.booleans())
@settings(max_examples=30)
def test_partner_invariants(fitted: rm.Matchmaker, row: int, k: int, kinds: tuple[str, ...],
                            exclude: bool) -> None:
    firm = fitted.table_.row(row)
    recs = fitted.recommend_partners(firm.id, k=k, kinds=kinds, exclude_existing=exclude)
    assert len(recs) <= k
    assert all(r.target != firm.id for r in recs)
    assert all(r.kind in kinds for r in recs)
    _check_ranking(recs)
    if exclude:
        partners = set(fitted.firm_ids_[fitted.A_[row].indices])
        assert not partners & {r.target for r in recs if r.kind == "firm"}
    for r in recs:
        assert r.score == pytest.approx(sum(r.components.values()), rel=1e-4, abs=1e-5)
        _claims_hold(fitted, firm, r)


def test_k_larger_than_candidates(fitted: rm.Matchmaker) -> None:
    firm = fitted.firm_ids_[0]
    n_inst = len(fitted.inst_ids_)
    recs = fitted.recommend_partners(firm, k=10_000, kinds=("institute",), exclude_existing=False)
    assert len(recs) == n_inst
    recs = fitted.recommend_partners(firm, k=10_000, kinds=("firm",), exclude_existing=False)
    assert len(recs) == len(fitted.firm_ids_) - 1
    assert fitted.recommend_partners(firm, k=0) == []


def test_unknown_ids_raise_keyerror(fitted: rm.Matchmaker) -> None:
    for call in (lambda: fitted.recommend_partners("NOPE"),
                 lambda: fitted.recommend_programs("NOPE", on=ON),
                 lambda: fitted.recommend_all(["NOPE"]),
                 lambda: fitted.explain(fitted.firm_ids_[0], "NOPE"),
                 lambda: fitted.explain(fitted.firm_ids_[0], ["NOPE"])):
        with pytest.raises(KeyError, match="NOPE"):
            call()
    assert issubclass(rm.UnknownEntityError, rm.RootmatchError)


def test_not_fitted() -> None:
    with pytest.raises(rm.NotFittedError):
        rm.Matchmaker().recommend_partners("F000001")


def test_same_random_state_same_output(network: rm.SupportNetwork) -> None:
    a = rm.Matchmaker(random_state=5).fit(network)
    b = rm.Matchmaker(random_state=5).fit(network)
    assert a.weights_ == b.weights_
    assert a.program_weights_ == b.program_weights_
    firm = network.small_firms()[0]
    assert a.recommend_partners(firm) == b.recommend_partners(firm)
    assert (a.recommend_programs(firm, on=ON, near_misses=True)
            == b.recommend_programs(firm, on=ON, near_misses=True))
    ids_a, s_a = a.recommend_all(k=5)
    ids_b, s_b = b.recommend_all(k=5)
    np.testing.assert_array_equal(ids_a, ids_b)
    np.testing.assert_array_equal(s_a, s_b)


def test_explain_matches_recommendation(fitted: rm.Matchmaker) -> None:
    firm = fitted.firm_ids_[3]
    for rec in fitted.recommend_partners(firm, k=5):
        ex = fitted.explain(firm, rec.target)
        assert ex.kind == rec.kind
        assert ex.score == pytest.approx(rec.score, rel=1e-4, abs=1e-5)
        assert ex.reasons == rec.reasons
    prog = fitted.explain(firm, "BS24-05", on=ON)
    assert prog.kind == "program"
    with pytest.raises(rm.ValidationError):
        fitted.explain(firm, "BS24-05")


def test_default_partners_mix_firms_and_institutes(fitted: rm.Matchmaker) -> None:
    """Both kinds are ranked on one calibrated scale: a small firm's default list holds
    firms as well as institutes, and the probabilities are those of the pair's blend."""
    kinds = []
    for firm in fitted.firm_ids_[fitted.table_.is_small][:40]:
        recs = fitted.recommend_partners(firm, k=10)
        kinds += [r.kind for r in recs]
        for r in recs:
            a, b = fitted.calibration_[:2] if r.kind == "firm" else fitted.calibration_[2:]
            assert r.probability == pytest.approx(1 / (1 + np.exp(-(a * r.score + b))))
    share_firms = kinds.count("firm") / len(kinds)
    assert 0.2 < share_firms < 0.98, share_firms
    assert fitted.calibration_[0] > 0
    assert fitted.calibration_[2] > 0


def test_both_kinds_on_the_log_odds_scale(fitted: rm.Matchmaker) -> None:
    """With both kinds, recommend_all scores are the calibrated log-odds, the firms among
    them in the order (and at the log-odds) of their raw scores."""
    rows = fitted.firm_ids_[:30]
    ids, scores = fitted.recommend_all(rows, k=40, kinds=("firm", "institute"))
    raw_ids, raw = fitted.recommend_all(rows, k=40)
    for r in range(len(rows)):
        firms = np.isin(ids[r], fitted.firm_ids_)
        got = ids[r][firms]
        np.testing.assert_array_equal(got, raw_ids[r][:got.size])
        np.testing.assert_allclose(scores[r][firms],
                                   fitted._log_odds("firm", raw[r][:got.size]), rtol=1e-5)
        recs = fitted.recommend_partners(rows[r], k=40)
        assert [x.target for x in recs] == [x for x in ids[r] if x]


@given(pop=synthetic_populations(min_firms=1, max_firms=80), hub=st.booleans(),
       k=st.sampled_from([1, 7, 500]), data=st.data())
@settings(max_examples=12, deadline=None)
def test_invariants_on_generated_populations(pop: rm.Population, hub: bool, k: int,
                                             data: st.DataObject) -> None:
    """On any small generated population (a single firm, no links, no hub...): never the
    firm itself, finite sorted scores, k beyond the candidates, reasons true, eligible
    programs only, the same answer from the same seed."""
    net = rm.SupportNetwork.from_population(pop, hub=hub, seed=0)
    mm = rm.Matchmaker(random_state=0).fit(net)
    row = data.draw(st.integers(0, len(pop.firms) - 1))
    firm = mm.table_.row(row)
    recs = mm.recommend_partners(firm.id, k=k)
    assert len(recs) <= k
    assert all(r.target != firm.id for r in recs)
    _check_ranking(recs)
    for r in recs:
        _claims_hold(mm, firm, r)
    for p in mm.recommend_programs(firm.id, k=k, on=ON):
        assert rm.check_eligibility(mm.programs_[p.target], firm, on=ON).eligible
    again = rm.Matchmaker(random_state=0).fit(net)
    assert again.recommend_partners(firm.id, k=k) == recs
