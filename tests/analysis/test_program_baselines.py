"""Program rankers rank only the programs a firm is eligible for."""

from __future__ import annotations

import pytest

import rootmatch as rm
from rootmatch import evaluate as ev


def test_program_rankers_rank_only_eligible_programs(population) -> None:
    s = ev.program_split(population, n_queries=20, seed=2)
    net = s.network
    for ranker in (ev.PopularProgramRanker(), ev.RandomProgramRanker(random_state=1),
                   ev.HybridProgramRanker(rm.Matchmaker(random_state=0))):
        assert isinstance(ranker, ev.ProgramRecommender)
        ids, _ = ranker.fit(net).rank_programs(s.queries, 7, on=s.on)
        assert ids.shape == (20, 7)
        for q, row, day in zip(s.queries, ids, s.on):
            firm = net.firms[q]
            eligible = {p for p, prog in net.programs.items()
                        if rm.check_eligibility(prog, firm, on=day.item()).eligible}
            assert set(row[row != ""]) == eligible
        with pytest.raises(rm.UnknownEntityError, match="NOPE"):
            ranker.rank_programs(["NOPE"], 3, on="2024-06-01")
        with pytest.raises(rm.ValidationError, match="on must"):
            ranker.rank_programs(s.queries[:2], 3, on=s.on[:1])


# ---------------------------------------------------------------------------- compare
