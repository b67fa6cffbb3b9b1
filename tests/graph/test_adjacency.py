"""Graphs as adjacency matrices: to_adjacency equals networkx, a ProximityGraph is a
snapshot, and a matrix given is never modified."""

from __future__ import annotations

import networkx as nx
import pytest
import scipy.sparse as sp

import rootmatch as rm

prox = rm.proximity


def test_prepared_graph_is_a_snapshot():
    G = nx.path_graph(4)
    P = prox.ProximityGraph(G)
    before = prox.resource_allocation(P, [(0, 2)])
    G.add_edge(0, 3)
    assert prox.resource_allocation(P, [(0, 2)]).tolist() == before.tolist()
    with pytest.raises(rm.ValidationError, match="nodelist"):
        prox.resource_allocation(P, [(0, 2)], nodelist=[0, 1, 2, 3])
    with pytest.raises(rm.ValidationError, match="nodelist"):
        prox.resource_allocation(G, [(0, 2)], nodelist=[0, 1])


def test_matrix_input_is_not_modified():
    A = nx.to_scipy_sparse_array(nx.karate_club_graph())  # weighted, with no diagonal
    A = sp.csr_array(A)
    A.setdiag(1.0)
    before = A.copy()
    prox.resource_allocation(A, [(0, 1)])
    prox.resource_allocation(A, sources=[0, 1])
    prox.personalized_pagerank(A, [(0, 1)])
    assert (before != A).nnz == 0


def test_to_adjacency_equals_networkx():
    G = nx.karate_club_graph()
    G.add_edge(3, 3, weight=2.5)
    for weight in (None, "weight"):
        A, nodes = prox.to_adjacency(G, weight=weight)
        ref = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=weight)
        assert (ref != A).nnz == 0
