"""Firm baselines: the graph link predictors against networkx, content and complementarity
against the engine's components."""

from __future__ import annotations

import numpy as np
import pytest

import rootmatch as rm
from rootmatch import evaluate as ev


def test_graph_baselines_score_with_networkx_within_two_hops(population) -> None:
    import networkx as nx

    net = rm.SupportNetwork.from_population(population, hub=True)
    G = net.without_hub().graph
    for cls, fn in ((ev.AdamicAdarRecommender, nx.adamic_adar_index),
                    (ev.ResourceAllocationRecommender, nx.resource_allocation_index)):
        rec = cls().fit(net)
        firm = net.firm_ids()[3]
        ids, scores = rec.recommend([firm], 1000)
        node = "firm:" + firm
        two_hop = {v for w in G[node] for v in G[w]} - set(G[node]) - {node}
        expected = {v[5:] for v in two_hop if v.startswith("firm:")}
        assert set(ids[0][ids[0] != ""]) == expected
        got = dict(zip(ids[0], scores[0]))
        for _, v, p in fn(G, [(node, "firm:" + x) for x in sorted(expected)[:20]]):
            assert got[v[5:]] == pytest.approx(p)


def test_content_and_complementarity_match_the_engine_components(population) -> None:
    net = rm.SupportNetwork.from_population(population)
    mm = rm.Matchmaker(random_state=0).fit(net)
    names = list(mm.weights_)  # the order of score_pairs' components
    firm = str(net.firm_ids()[0])
    for cls, parts in ((ev.ContentRecommender, ("similarity",)),
                       (ev.ComplementarityRecommender, ("complementarity",))):
        ids, scores = cls().fit(net).recommend([firm], 5)
        comps = mm.score_pairs([firm] * 5, ids[0], components=True)
        expected = comps[:, [names.index(p) for p in parts]].sum(axis=1)
        np.testing.assert_allclose(scores[0], expected, rtol=1e-5, atol=1e-6)
