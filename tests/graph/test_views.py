"""SupportNetwork's sparse views: equal to the graph's, and cached until a mutation."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

import rootmatch as rm

sys.path.insert(0, str(Path(__file__).parent.parent))  # the shared tests/strategies.py
from strategies import BUSAN_2024, hub_populations

enrolments = st.sampled_from([0.0, 0.3, 0.5, 1.0]) | st.floats(0, 1)


def firm(fid, **kw):
    base = {"id": fid, "name": f"firm {fid}", "technologies": ["금형"], "employees": 5,
            "district": "사상구"}
    return rm.Firm(**{**base, **kw})


def population(firms, **kw):
    return rm.Population(firms=rm.FirmTable.from_firms(firms),
                         institutes=BUSAN_2024.institutes, programs=BUSAN_2024.programs,
                         hub=BUSAN_2024.hub, **kw)


# --- the sparse views against the graph -----------------------------------------------------


@given(pop=hub_populations(max_firms=8), hub=st.booleans(), enrolment=enrolments)
def test_views_match_the_graph(pop, hub, enrolment, views_match_graph,
                               resource_allocation_identity):
    net = rm.SupportNetwork.from_population(pop, hub=hub, enrolment=enrolment, seed=0)
    views_match_graph(net)
    resource_allocation_identity(net)
    # the same identity through rootmatch.proximity on the adjacency
    A, nodes = net.adjacency()
    rows = np.arange(len(nodes) - len(net.firms), len(nodes))
    if rows.size >= 2:
        pairs = np.array(list(itertools.permutations(rows, 2)))
        B, _, w = net.firm_incidence()
        C, dF = net.collaboration_matrix(), net.firm_degree_weights()
        k = len(nodes) - len(net.firms)
        low_rank = (B @ sp.diags_array(w) @ B.T + C @ sp.diags_array(dF) @ C).toarray()
        np.testing.assert_allclose(rm.proximity.resource_allocation(A, pairs),
                                   low_rank[pairs[:, 0] - k, pairs[:, 1] - k], atol=1e-12)


def test_views_are_cached_until_a_mutation(views_match_graph):
    pop = population([firm("F1", memberships=["BGMC"]), firm("F2"), firm("F3")],
                     collaborations=[("F1", "F2")])
    net = rm.SupportNetwork.from_population(pop)
    views = [net.adjacency()[0], net.firm_incidence()[0], net.collaboration_matrix(),
             net.firm_degree_weights(), net.institute_links(), net.participation_matrix()]
    again = [net.adjacency()[0], net.firm_incidence()[0], net.collaboration_matrix(),
             net.firm_degree_weights(), net.institute_links(), net.participation_matrix()]
    assert all(a is b for a, b in zip(views, again, strict=True))
    net.add_collaboration("F2", "F3")
    assert net.collaboration_matrix() is not views[2]
    assert net.collaboration_matrix()[1, 2] == 1.0
    views_match_graph(net)
