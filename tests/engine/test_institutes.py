"""The institute blend: the reasons of an institute partner follow its score's components."""

from __future__ import annotations

import rootmatch as rm

HUB_REASON = "reachable through the support center you are registered with"


def _institute_recs(mm: rm.Matchmaker, network: rm.SupportNetwork) -> list[rm.Recommendation]:
    enrolled = [f for f in network.small_firms() if mm.enrolled_[mm.table_.position(f)]]
    return [r for f in enrolled[:40]
            for r in mm.recommend_partners(f, k=5, kinds=("institute",))]


def test_the_hub_reason_needs_a_proximity_contribution(network: rm.SupportNetwork) -> None:
    """Without weight on proximity, reaching an institute through the hub adds nothing to the
    score, so it is not given as a reason."""
    mm = rm.Matchmaker(institute_weights={"similarity": 1.0, "proximity": 0.0},
                       random_state=0).fit(network)
    recs = _institute_recs(mm, network)
    assert recs
    assert all(r.components["proximity"] == 0.0 for r in recs)
    assert not [r for r in recs if HUB_REASON in {x.en for x in r.reasons}]


def test_the_hub_reason_with_a_proximity_contribution(fitted: rm.Matchmaker,
                                                      network: rm.SupportNetwork) -> None:
    recs = _institute_recs(fitted, network)
    hub = [r for r in recs if HUB_REASON in {x.en for x in r.reasons}]
    assert hub
    assert all(r.components["proximity"] > 0 for r in hub)
