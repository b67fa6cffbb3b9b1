"""Graph proximity: equal to networkx's own on random graphs and on a real network."""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

import rootmatch as rm

sys.path.insert(0, str(Path(__file__).parent.parent))  # the shared tests/strategies.py
from strategies import nx_graphs

prox = rm.proximity


LOCAL = [
    (prox.common_neighbors, lambda G, P: [(u, v, len(nx.common_neighbors(G, u, v)))
                                          for u, v in P]),
    (prox.adamic_adar, nx.adamic_adar_index),
    (prox.resource_allocation, nx.resource_allocation_index),
]


LOCAL_IDS = ["common_neighbors", "adamic_adar", "resource_allocation"]


def reference(ref, G, pairs):
    """networkx's scores of ``pairs``, or the exception it raises."""
    try:
        return np.array([s for *_, s in ref(G, pairs)], dtype=float), None
    except ZeroDivisionError as err:
        return None, err


def all_pairs(G):
    return list(itertools.product(G, repeat=2))


def inputs(G):
    """The same graph as a graph, a matrix (with its node order) and a ProximityGraph."""
    nodes = list(G)
    A = nx.to_scipy_sparse_array(G, nodelist=nodes) if nodes else sp.csr_array((0, 0))
    return [
        ("graph", G, nodes, lambda P: P),
        ("matrix", A, nodes, lambda P: [(nodes.index(u), nodes.index(v)) for u, v in P]),
        ("prepared", prox.ProximityGraph(G), nodes, lambda P: P),
    ]


# --- equality with networkx on random graphs ---------------------------------------------
@pytest.mark.parametrize(("ours", "ref"), LOCAL, ids=LOCAL_IDS)
@given(G=nx_graphs(max_nodes=10, labels=False) | nx_graphs(max_nodes=8, labels=True))
def test_pairs_equal_networkx(ours, ref, G):
    pairs = all_pairs(G)  # every ordered pair, self-pairs included
    expected, err = reference(ref, G, pairs)
    for _, g, _, to_input in inputs(G):
        if err is not None:  # networkx divides by log(1) = 0: so do we
            with pytest.raises(ZeroDivisionError):
                ours(g, to_input(pairs))
            continue
        got = ours(g, to_input(pairs))
        assert got.shape == (len(pairs),)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize(("ours", "ref"), LOCAL, ids=LOCAL_IDS)
@given(G=nx_graphs(min_nodes=1, max_nodes=10, self_loops=True))
def test_sources_block_equals_pairs(ours, ref, G):
    nodes = list(G)
    pairs = all_pairs(G)
    expected, err = reference(ref, G, pairs)
    if err is not None:
        return
    block = ours(G, sources=nodes)
    assert sp.issparse(block)
    assert block.shape == (len(nodes), len(nodes))
    np.testing.assert_allclose(block.toarray().reshape(-1), expected, rtol=0, atol=1e-9)
    sub = ours(G, sources=nodes[::2])
    np.testing.assert_allclose(sub.toarray(), block.toarray()[::2], rtol=0, atol=1e-12)


@given(G=nx_graphs(max_nodes=10, labels=True), data=st.data())
def test_nodelist_orders_the_columns(G, data):
    order = data.draw(st.permutations(list(G)))
    if not order:
        return
    block = prox.resource_allocation(G, sources=order[:3], nodelist=order)
    natural = prox.resource_allocation(G, sources=order[:3])
    perm = [list(G).index(x) for x in order]
    np.testing.assert_allclose(block.toarray(), natural.toarray()[:, perm], atol=1e-12)


def test_common_neighbors_are_integer_counts():
    G = nx.complete_graph(5)
    assert prox.common_neighbors(G, [(0, 1)]).dtype == np.int64
    assert prox.common_neighbors(G, sources=[0]).dtype == np.int64


def pagerank_ref(G, source, **kw):
    ref = nx.pagerank(G, personalization={source: 1}, tol=1e-13, max_iter=100_000, **kw)
    return np.array([ref[v] for v in G])


@given(
    G=nx_graphs(min_nodes=1, max_nodes=10, weighted=True)
    | nx_graphs(min_nodes=1, max_nodes=10, directed=True, weighted=True),
    alpha=st.sampled_from([0.5, 0.85, 0.95]),
)
def test_personalized_pagerank_equals_networkx(G, alpha):
    nodes = list(G)
    got = prox.personalized_pagerank(G, sources=nodes, alpha=alpha, tol=1e-13,
                                     max_iter=100_000)
    assert got.shape == (len(nodes), len(nodes))
    for r, s in enumerate(nodes):
        np.testing.assert_allclose(got[r], pagerank_ref(G, s, alpha=alpha), rtol=0, atol=1e-6)
    # pairs: the entry of v in u's vector, computed in blocks of sources
    pairs = all_pairs(G)
    by_pairs = prox.personalized_pagerank(G, pairs, alpha=alpha, tol=1e-13,
                                          max_iter=100_000, block_size=3)
    np.testing.assert_allclose(by_pairs, got.reshape(-1), rtol=0, atol=1e-9)


@given(G=nx_graphs(min_nodes=1, max_nodes=10, weighted=True))
def test_personalized_pagerank_on_matrix_and_unweighted(G):
    nodes = list(G)
    A = nx.to_scipy_sparse_array(G, nodelist=nodes)  # weights kept
    P = prox.ProximityGraph(A)
    np.testing.assert_allclose(
        prox.personalized_pagerank(P, sources=np.arange(len(nodes)), tol=1e-13,
                                   max_iter=100_000),
        prox.personalized_pagerank(G, sources=nodes, tol=1e-13, max_iter=100_000),
        atol=1e-9,
    )
    got = prox.personalized_pagerank(G, sources=nodes[:1], weight=None, tol=1e-13,
                                     max_iter=100_000)
    np.testing.assert_allclose(got[0], pagerank_ref(G, nodes[0], weight=None), atol=1e-6)


def test_pagerank_multigraph_counts_parallel_edges_as_networkx():
    G = nx.MultiGraph([(0, 1), (0, 1), (1, 2), (2, 3), (3, 3)])
    got = prox.personalized_pagerank(G, sources=[0], tol=1e-13, max_iter=10_000)
    np.testing.assert_allclose(got[0], pagerank_ref(G, 0), atol=1e-6)


def test_pagerank_convergence_failure_is_networkx_error():
    with pytest.raises(nx.PowerIterationFailedConvergence):
        prox.personalized_pagerank(nx.path_graph(30), sources=[0], tol=1e-15, max_iter=2)


# --- guards and errors ------------------------------------------------------------------
@pytest.mark.parametrize("ours", [f for f, _ in LOCAL], ids=LOCAL_IDS)
@pytest.mark.parametrize("graph_class", [nx.DiGraph, nx.MultiGraph, nx.MultiDiGraph])
def test_local_scores_refuse_directed_and_multigraphs(ours, graph_class):
    G = graph_class([(0, 1), (1, 2)])
    with pytest.raises(nx.NetworkXNotImplemented):
        ours(G, [(0, 2)])
    with pytest.raises(nx.NetworkXNotImplemented):
        ours(prox.ProximityGraph(G), [(0, 2)])


@pytest.mark.parametrize("ours", [f for f, _ in LOCAL], ids=LOCAL_IDS)
def test_local_scores_refuse_a_non_symmetric_matrix(ours):
    A = sp.csr_array(np.array([[0, 1, 0], [0, 0, 1], [0, 1, 0]], dtype=float))
    with pytest.raises(rm.ValidationError, match="symmetric"):
        ours(A, [(0, 2)])


@pytest.mark.parametrize("ours", [f for f, _ in LOCAL] + [prox.personalized_pagerank],
                         ids=[*LOCAL_IDS, "personalized_pagerank"])
def test_errors(ours):
    G = nx.path_graph(["a", "b", "c"])
    with pytest.raises(prox.UnknownNodeError, match="'z'") as info:
        ours(G, [("a", "z")])
    assert isinstance(info.value, nx.NodeNotFound)
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, rm.UnknownEntityError)
    with pytest.raises(prox.UnknownNodeError, match="out of range"):
        ours(nx.to_scipy_sparse_array(G), [(0, 3)])
    with pytest.raises(rm.ValidationError, match="exactly one"):
        ours(G)
    with pytest.raises(rm.ValidationError, match="exactly one"):
        ours(G, [("a", "b")], sources=["a"])
    with pytest.raises(rm.ValidationError, match="square"):
        ours(sp.csr_array(np.ones((2, 3))), [(0, 1)])
    with pytest.raises(rm.ValidationError, match="two nodes"):
        ours(G, [("a", "b", "c")])
    with pytest.raises(rm.ValidationError, match="networkx graph or a scipy"):
        ours(np.eye(3), [(0, 1)])
    with pytest.raises(rm.ValidationError, match="integer row indices"):
        ours(nx.to_scipy_sparse_array(G), np.array([[0.5, 1.0]]))
    assert ours(G, []).shape == (0,)


def test_pagerank_argument_checks():
    G = nx.path_graph(3)
    for kw in ({"alpha": 1.0}, {"alpha": -0.1}, {"tol": 0}, {"max_iter": 0},
               {"block_size": 0}):
        with pytest.raises(rm.ValidationError):
            prox.personalized_pagerank(G, sources=[0], **kw)
    P = prox.ProximityGraph(G, weight=None)
    with pytest.raises(rm.ValidationError, match="weight"):
        prox.personalized_pagerank(P, sources=[0])
    assert prox.personalized_pagerank(P, sources=[0], weight=None).shape == (1, 3)


def test_zero_weight_edges_are_edges_for_local_scores():
    G = nx.Graph()
    G.add_edge("a", "b", weight=0.0)
    G.add_edge("b", "c", weight=2.0)
    P = prox.ProximityGraph(G)
    expected = next(nx.resource_allocation_index(G, [("a", "c")]))[2]
    assert prox.resource_allocation(P, [("a", "c")])[0] == pytest.approx(expected)


# --- a real network: USAir97 -------------------------------------------------------------
USAIR = Path(__file__).resolve().parent.parent / "data" / "usair97_edges.txt"


def usair97() -> nx.Graph:
    edges = np.loadtxt(USAIR, usecols=(0, 1), dtype=np.int64)
    G = nx.Graph()
    G.add_nodes_from(range(1, int(edges.max()) + 1))
    G.add_edges_from(edges.tolist())
    return G


def auc(test_scores: np.ndarray, non_scores: np.ndarray) -> float:
    """P(a missing link outscores a non-link), ties counting one half (exact, by ranks)."""
    test_scores = np.round(test_scores, 10)  # summation order must not break ties
    non_sorted = np.sort(np.round(non_scores, 10))
    below = np.searchsorted(non_sorted, test_scores, side="left")
    ties = np.searchsorted(non_sorted, test_scores, side="right") - below
    return float((below + 0.5 * ties).sum() / (test_scores.size * non_sorted.size))


def test_usair97_auc_equals_networkx():
    G = usair97()
    assert (G.number_of_nodes(), G.number_of_edges()) == (332, 2126)
    edges = np.array(list(G.edges()))
    non_edges = list(nx.non_edges(G))
    measures = {
        "RA": (prox.resource_allocation, nx.resource_allocation_index),
        "AA": (prox.adamic_adar, nx.adamic_adar_index),
        "CN": (prox.common_neighbors,
               lambda H, P: ((u, v, len(nx.common_neighbors(H, u, v))) for u, v in P)),
    }
    ours = {k: [] for k in measures}
    theirs = {k: [] for k in measures}
    for seed in range(10):
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(edges))
        n_test = len(edges) // 10
        test = [tuple(e) for e in edges[order[:n_test]].tolist()]
        train = nx.Graph()
        train.add_nodes_from(G)
        train.add_edges_from(edges[order[n_test:]].tolist())
        P = prox.ProximityGraph(train)
        for name, (f, ref) in measures.items():
            ours[name].append(auc(f(P, test), f(P, non_edges)))
            theirs[name].append(auc(
                np.array([s for *_, s in ref(train, test)], float),
                np.array([s for *_, s in ref(train, non_edges)], float),
            ))
    for name in measures:
        assert ours[name] == pytest.approx(theirs[name], abs=1e-12)
    # The published figures (0.954, 0.949, 0.937) are means over other random splits: one
    # split's AUC varies by about 0.009, so a mean of 10 has a standard error near 0.003.
    mean = {k: float(np.mean(v)) for k, v in ours.items()}
    assert mean["RA"] == pytest.approx(0.954, abs=0.01)
    assert mean["AA"] == pytest.approx(0.949, abs=0.01)
    assert mean["CN"] == pytest.approx(0.937, abs=0.01)
    assert mean["RA"] > mean["AA"] > mean["CN"]  # Zhou, Lü & Zhang (2009) on USAir


def test_adamic_adar_weight_is_one_over_log_degree():
    G = nx.star_graph(3)  # centre 0 of degree 3
    assert prox.adamic_adar(G, [(1, 2)])[0] == pytest.approx(1 / math.log(3))
