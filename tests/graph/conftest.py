"""Checks shared by the graph tests: the sparse views of a network against its graph."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp


def assert_views_match_graph(net):
    """Every sparse view equals what the graph says (the graph is walked here, not in the
    library)."""
    G = net.graph
    firm_nodes = [f"firm:{x}" for x in net.firm_ids().tolist()]
    n = len(firm_nodes)
    A, nodes = net.adjacency()
    assert sorted(nodes) == sorted(G)
    assert nodes[len(nodes) - n:] == firm_nodes
    ref = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=None) if nodes else \
        sp.csr_array((0, 0))
    assert A.shape == ref.shape
    assert (ref != A).nnz == 0
    B, nonfirm, w = net.firm_incidence()
    assert list(nonfirm) == nodes[: len(nodes) - n]
    assert nonfirm == net.nonfirm_nodes()
    assert B.shape == (n, len(nonfirm))
    B_ref = np.array([[G.has_edge(f, z) for z in nonfirm] for f in firm_nodes], float) \
        .reshape(n, len(nonfirm))
    np.testing.assert_array_equal(B.toarray(), B_ref)
    np.testing.assert_allclose(w, [1 / G.degree(z) if G.degree(z) else 0 for z in nonfirm])
    np.testing.assert_allclose(
        net.firm_degree_weights(), [1 / G.degree(f) if G.degree(f) else 0 for f in firm_nodes])
    C_ref = np.array([[G.has_edge(a, b) for b in firm_nodes] for a in firm_nodes], float) \
        .reshape(n, n)
    C = net.collaboration_matrix()
    np.testing.assert_array_equal(C.toarray(), C_ref)
    assert (C != C.T).nnz == 0
    inst = [f"inst:{x}" for x in net.institute_ids()]
    progs = [f"prog:{x}" for x in net.program_ids()]
    np.testing.assert_array_equal(
        net.institute_links().toarray(),
        np.array([[G.has_edge(f, z) for z in inst] for f in firm_nodes], float)
        .reshape(n, len(inst)))
    np.testing.assert_array_equal(
        net.participation_matrix().toarray(),
        np.array([[G.has_edge(f, z) for z in progs] for f in firm_nodes], float)
        .reshape(n, len(progs)))
    assert net.enrolled.shape == (n,)
    hub_firms = set(G["hub"]) if "hub" in G else set()
    assert [f in hub_firms for f in firm_nodes] == net.enrolled.tolist()
    for M in (A, B, C, net.institute_links(), net.participation_matrix()):
        assert isinstance(M, sp.csr_array)
        assert M.dtype == np.float64
        assert M.has_sorted_indices


def assert_resource_allocation_identity(net):
    """RA through any node = low-rank part through non-firm nodes + sparse part through
    firms, for every firm pair: the identity the engine computes with."""
    firm_nodes = [f"firm:{x}" for x in net.firm_ids().tolist()]
    B, _, w = net.firm_incidence()
    C = net.collaboration_matrix()
    dF = net.firm_degree_weights()
    S = (B @ sp.diags_array(w) @ B.T + C @ sp.diags_array(dF) @ C).toarray()
    pairs = [(i, j) for i, j in itertools.product(range(len(firm_nodes)), repeat=2) if i != j]
    ref = nx.resource_allocation_index(net.graph, [(firm_nodes[i], firm_nodes[j])
                                                   for i, j in pairs])
    for (i, j), (_, _, score) in zip(pairs, ref, strict=True):
        assert S[i, j] == pytest.approx(score, abs=1e-12)


@pytest.fixture(scope="session")
def views_match_graph():
    """``views_match_graph(net)`` asserts that every sparse view of ``net`` is its graph's."""
    return assert_views_match_graph


@pytest.fixture(scope="session")
def resource_allocation_identity():
    """``resource_allocation_identity(net)`` asserts the low-rank resource allocation identity."""
    return assert_resource_allocation_identity
