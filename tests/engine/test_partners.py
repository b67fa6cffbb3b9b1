"""The firm–firm blend: given and learned weights, components against independent formulas,
the learned affinities."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import rootmatch as rm
from rootmatch.engine import _scoring

ON = dt.date(2024, 6, 1)


def test_given_weights_are_used(network: rm.SupportNetwork) -> None:
    mm = rm.Matchmaker(weights={"similarity": 1.0}).fit(network)
    assert mm.weights_ == {"similarity": 1.0, "geography": 0.0, "technology": 0.0,
                           "complementarity": 0.0, "affiliation": 0.0, "partners": 0.0,
                           "popularity": 0.0, "capacity": 0.0}
    firm = network.small_firms()[0]
    rec = mm.recommend_partners(firm, k=1, kinds=("firm",))[0]
    assert rec.components["similarity"] == pytest.approx(rec.score, abs=1e-5)
    with pytest.raises(rm.ValidationError, match="unknown component"):
        rm.Matchmaker(weights={"bogus": 1.0}).fit(network)


def test_learned_weights_are_nonnegative(fitted: rm.Matchmaker) -> None:
    assert set(fitted.weights_) == {"similarity", "geography", "technology", "complementarity",
                                    "affiliation", "partners", "popularity", "capacity"}
    assert all(w >= 0 for w in fitted.weights_.values())
    assert sum(fitted.weights_.values()) > 0
    assert fitted.score_width_ == fitted.Q_.shape[1] == fitted.K_.shape[1]


def test_components_equal_independent_formulas(fitted: rm.Matchmaker,
                                               network: rm.SupportNetwork) -> None:
    """similarity is the profile cosine; geography and technology are the fixed point of the
    joint Poisson model of links; affiliation + partners is networkx's resource allocation
    index on the whole network; complementarity is tᵀCt; popularity the log degrees;
    capacity a Poisson regression of the degrees on head-count bands and digital levels, one
    row per firm."""
    import networkx as nx

    rng = np.random.default_rng(0)
    ids = fitted.firm_ids_
    a = ids[rng.integers(len(ids), size=60)]
    b = ids[rng.integers(len(ids), size=60)]
    keep = a != b
    a, b = a[keep], b[keep]
    comps = fitted.score_pairs(a, b, components=True)
    name = {c: k for k, c in enumerate(fitted.weights_)}
    X = fitted.vectorizer_.transform(network.firms).astype(float)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    pa, pb = network.firms.positions(a), network.firms.positions(b)
    np.testing.assert_allclose(comps[:, name["similarity"]], (X[pa] * X[pb]).sum(axis=1),
                               atol=1e-6)
    # learned affinities: the fitted tables satisfy the joint Poisson model's fixed-point
    # equations, evaluated here naively over explicit firm pairs
    t = network.firms
    A = network.collaboration_matrix().toarray()
    loc = list(zip(t.district.tolist(), t.cluster.tolist()))
    cats = sorted(set(loc))
    U = np.array([[float(x == c) for c in cats] for x in loc])
    Sh = t.tech_matrix().astype(float)
    Sh /= Sh.sum(axis=1, keepdims=True)
    unit_of = [fitted.unit_[loc.index(c)] for c in cats]
    G = fitted.L_geo_[np.ix_(unit_of, unit_of)]
    H = fitted.L_tech_
    off_diag = 1.0 - np.eye(len(t))
    E = (Sh @ np.exp(H) @ Sh.T) * off_diag  # expected links per pair, up to exp(G)
    np.testing.assert_allclose(G, np.log((U.T @ A @ U + 1) / (U.T @ E @ U + 1)), atol=1e-8)
    P = np.exp(U @ G @ U.T) * off_diag  # expected links per pair, up to exp(H)
    np.testing.assert_allclose(H, np.log((Sh.T @ A @ Sh + 1) / (Sh.T @ P @ Sh + 1)), atol=1e-8)
    ua = [cats.index(loc[p]) for p in pa]
    ub = [cats.index(loc[p]) for p in pb]
    np.testing.assert_allclose(comps[:, name["geography"]], G[ua, ub], atol=1e-9)
    np.testing.assert_allclose(comps[:, name["technology"]],
                               np.einsum("ij,jk,ik->i", Sh[pa], H, Sh[pb]), atol=1e-9)
    ra = [p for _, _, p in nx.resource_allocation_index(
        network.graph, [(f"firm:{x}", f"firm:{y}") for x, y in zip(a, b)])]
    np.testing.assert_allclose(comps[:, name["affiliation"]] + comps[:, name["partners"]], ra,
                               atol=1e-12)
    # ... and rootmatch.proximity's on the network's sparse adjacency (the same index, which
    # the blend keeps in factored form so that the batch path stays one product)
    adj, nodes = network.adjacency()
    at = {node: r for r, node in enumerate(nodes)}
    ours = rm.proximity.resource_allocation(
        adj, np.array([(at[f"firm:{x}"], at[f"firm:{y}"]) for x, y in zip(a, b)]))
    np.testing.assert_allclose(comps[:, name["affiliation"]] + comps[:, name["partners"]],
                               ours, atol=1e-12)
    C = rm.taxonomy.complementarity_matrix()
    T = t.tech_matrix().astype(float)
    T /= np.sqrt(T.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(comps[:, name["complementarity"]],
                               np.einsum("ij,jk,ik->i", T[pa], C, T[pb]), atol=1e-9)
    deg = A.sum(axis=1)
    np.testing.assert_allclose(comps[:, name["popularity"]], np.log1p(deg[pa]) + np.log1p(deg[pb]))
    from sklearn.linear_model import PoissonRegressor

    band = np.searchsorted(_scoring.CAPACITY_BANDS, t.employees, side="right") - 1
    D = np.zeros((len(t), len(_scoring.CAPACITY_BANDS) + int(t.digital_level.max()) + 1))
    D[np.arange(len(t)), band] = 1
    D[np.arange(len(t)), len(_scoring.CAPACITY_BANDS) + t.digital_level] = 1
    eta = np.log(PoissonRegressor(alpha=1e-3, max_iter=5000, tol=1e-10).fit(D, deg).predict(D))
    cap = eta - eta.mean()
    np.testing.assert_allclose(comps[:, name["capacity"]], cap[pa] + cap[pb], atol=1e-4)
    scores = fitted.score_pairs(a, b)
    w = np.array(list(fitted.weights_.values()))
    np.testing.assert_allclose(scores, comps @ w)


@pytest.mark.parametrize("blend", ["listwise", "logistic"])
def test_both_blends_learn_nonnegative_weights(network: rm.SupportNetwork, blend: str) -> None:
    mm = rm.Matchmaker(blend=blend, random_state=3).fit(network)
    w = np.array(list(mm.weights_.values()))
    assert (w >= 0).all()
    assert w.sum() > 0
    assert mm.recommend_partners(network.small_firms()[0], k=3)


def test_unknown_blend_is_refused(network: rm.SupportNetwork) -> None:
    with pytest.raises(rm.ValidationError, match="blend"):
        rm.Matchmaker(blend="magic").fit(network)


def test_affinities_converge_and_warn_when_stopped_early(fitted: rm.Matchmaker) -> None:
    import scipy.sparse as sp

    n = len(fitted.firm_ids_)
    U = sp.csr_matrix((np.ones(n), (np.arange(n), fitted.unit_)))
    G, H = _scoring.affinities(U, fitted.S_, fitted.A_)
    np.testing.assert_allclose(G, fitted.L_geo_)
    np.testing.assert_allclose(H, fitted.L_tech_)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        _scoring.affinities(U, fitted.S_, fitted.A_, max_iter=1)


def test_affinities_with_firms_without_a_technology() -> None:
    """Rows of S that sum to zero (a table read without validation) still converge to the
    fixed point."""
    import scipy.sparse as sp

    rng = np.random.default_rng(1)
    n, n_loc, n_tech = 300, 5, 4
    U = sp.csr_matrix(np.eye(n_loc)[rng.integers(n_loc, size=n)])
    S = np.eye(n_tech)[rng.integers(n_tech, size=n)]
    S[:55] = 0.0
    pairs = rng.integers(n, size=(600, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    A = sp.coo_matrix((np.ones(2 * len(pairs)), (pairs.ravel(), pairs[:, ::-1].ravel())),
                      shape=(n, n)).tocsr()
    A.data[:] = 1.0
    G, H = _scoring.affinities(U, S, A)
    Ud = U.toarray()
    off = 1.0 - np.eye(n)
    E = (S @ np.exp(H) @ S.T) * off
    np.testing.assert_allclose(G, np.log((Ud.T @ A @ Ud + 1) / (Ud.T @ E @ Ud + 1)), atol=1e-8)
    P = np.exp(Ud @ G @ Ud.T) * off
    np.testing.assert_allclose(H, np.log((S.T @ A @ S + 1) / (S.T @ P @ S + 1)), atol=1e-8)
