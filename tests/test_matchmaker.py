"""The matchmaker: invariants of partners and programs, reasons that are true, determinism."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rootmatch as rm

sys.path.insert(0, str(Path(__file__).parent))  # the shared tests/strategies.py
from strategies import synthetic_populations

ON = dt.date(2024, 6, 1)


@pytest.fixture(scope="module")
def population() -> rm.Population:
    return rm.synth.generate_population(400, seed=11)


@pytest.fixture(scope="module")
def network(population: rm.Population) -> rm.SupportNetwork:
    return rm.SupportNetwork.from_population(population, hub=True, enrolment=0.8, seed=1)


@pytest.fixture(scope="module")
def fitted(network: rm.SupportNetwork) -> rm.Matchmaker:
    return rm.Matchmaker(random_state=0).fit(network)


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


@given(row=st.integers(0, 399), day=st.dates(dt.date(2019, 1, 1), dt.date(2026, 12, 31)),
       near=st.booleans())
@settings(max_examples=30)
def test_program_invariants(fitted: rm.Matchmaker, catalog: rm.Catalog, row: int,
                            day: dt.date, near: bool) -> None:
    firm = fitted.table_.row(row)
    recs = fitted.recommend_programs(firm.id, k=7, on=day, near_misses=near)
    eligible = [r for r in recs if r.eligible]
    misses = [r for r in recs if not r.eligible]
    assert near or not misses
    for r in eligible:
        assert r.kind == "program"
        assert rm.check_eligibility(catalog.programs[r.target], firm, on=day).eligible
        assert np.isfinite(r.score)
        # every rule's passed reason is given, then fit reasons that are true of the firm,
        # none twice
        res = rm.check_eligibility(catalog.programs[r.target], firm, on=day)
        assert {o.reason.en for o in res.reasons} <= {x.en for x in r.reasons}
        assert len({x.ko for x in r.reasons}) == len(r.reasons)
        program = catalog.programs[r.target]
        for x in r.reasons:
            if x.en.startswith("targets your technology"):
                assert firm.technologies & program.targets
            elif x.en.startswith("matches your need"):
                assert firm.needs & program.all_axes
            elif x.en.startswith("covers your interest"):
                assert firm.topics & program.topics
    for r in misses:
        res = rm.check_eligibility(catalog.programs[r.target], firm, on=day)
        assert len(res.failed) == 1
        assert r.failed_rule == res.failed[0].rule
        assert r.remedy == res.failed[0].remedy
    if near:  # every one-rule failure is listed (k=7 covers the catalog)
        one_off = {p for p in catalog.programs
                   if len(rm.check_eligibility(catalog.programs[p], firm, on=day).failed) == 1}
        assert {r.target for r in misses} == one_off
    for group in (eligible, misses):
        keys = [(-r.score, r.target) for r in group]
        assert keys == sorted(keys)
    # every eligible program is listed (k=7 covers the catalog)
    all_ok = {p for p in catalog.programs
              if rm.check_eligibility(catalog.programs[p], firm, on=day).eligible}
    assert {r.target for r in eligible} == all_ok


def test_on_is_required(fitted: rm.Matchmaker) -> None:
    with pytest.raises(TypeError):
        fitted.recommend_programs(fitted.firm_ids_[0], k=3)  # type: ignore[call-arg]


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


def test_near_miss_remedy_for_certificate(fitted: rm.Matchmaker) -> None:
    """A Busan small firm without certificate sees BS24-03/04 as near misses to fix."""
    table = fitted.table_
    rows = np.flatnonzero(table.is_small & ~table.certified & (table.district != 16))
    assert rows.size
    seen = 0
    for row in rows[:20]:
        firm = table.row(int(row))
        recs = fitted.recommend_programs(firm.id, k=7, on=ON, near_misses=True)
        misses = {r.target: r for r in recs if not r.eligible}
        for pid in ("BS24-03", "BS24-04"):
            if rm.check_eligibility(fitted.programs_[pid], firm, on=ON).failed == ():
                continue
            res = rm.check_eligibility(fitted.programs_[pid], firm, on=ON)
            if len(res.failed) == 1:
                seen += 1
                assert misses[pid].failed_rule == "certificate"
                assert "certificate" in misses[pid].remedy.en
    assert seen > 0


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

    band = np.searchsorted(rm._scoring.CAPACITY_BANDS, t.employees, side="right") - 1
    D = np.zeros((len(t), len(rm._scoring.CAPACITY_BANDS) + int(t.digital_level.max()) + 1))
    D[np.arange(len(t)), band] = 1
    D[np.arange(len(t)), len(rm._scoring.CAPACITY_BANDS) + t.digital_level] = 1
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
    G, H = rm._scoring.affinities(U, fitted.S_, fitted.A_)
    np.testing.assert_allclose(G, fitted.L_geo_)
    np.testing.assert_allclose(H, fitted.L_tech_)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        rm._scoring.affinities(U, fitted.S_, fitted.A_, max_iter=1)


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


def test_calibrated_probability_matches_held_out_rates(network: rm.SupportNetwork) -> None:
    """Pairs binned by predicted probability collaborate (held out of fit) about as often
    as predicted: within a factor of 1.5 on the top 0.1% of pairs of a 3,000-firm population
    (predicted 330 links there, observed 324 here)."""
    pop = rm.synth.generate_population(3000, seed=12)
    split = rm.evaluate.warm_split(pop, n_queries=300, seed=0)
    mm = rm.Matchmaker(random_state=0).fit(split.network)
    rng = np.random.default_rng(0)
    ids = mm.firm_ids_
    a = np.concatenate([split.held_out[:, 0], ids[rng.integers(len(ids), size=200_000)]])
    b = np.concatenate([split.held_out[:, 1], ids[rng.integers(len(ids), size=200_000)]])
    keep = a != b
    a, b = a[keep], b[keep]
    p = 1 / (1 + np.exp(-mm._log_odds("firm", mm.score_pairs(a, b))))
    held = {tuple(sorted(x)) for x in split.held_out.tolist()}
    y = np.array([tuple(sorted((x, z))) in held for x, z in zip(a, b)])
    # the random pairs stand for all pairs: weight them by their share of the pairs
    n = len(ids)
    n_rand = int((~y).sum())
    w = np.where(y, 1.0, (n * (n - 1) / 2) / n_rand)
    top = p >= np.quantile(p[~y], 0.999)
    predicted = float((p[top] * w[top]).sum())
    observed = float((y[top] * w[top]).sum()) / 0.2 * 0.8  # held-out share 0.2 of the links
    assert predicted / 1.5 < observed < predicted * 1.5, (predicted, observed)


def test_calibration_falls_back_to_the_base_rate() -> None:
    from rootmatch.matchmaker import _calibrate, _default_calibration

    rng = np.random.default_rng(0)
    # held-out links score lower than random pairs: no trust in the slope, the base rate
    a, b = _calibrate(rng.normal(4, 1, 50), rng.normal(5, 1, 2000), n_pairs=200_000,
                      n_links=250)
    p = 1 / (1 + np.exp(-(a * rng.normal(5, 1, 2000) + b)))
    assert 0 < a < 0.01
    assert np.allclose(p, 250 / 200_000, rtol=0.05)
    # more links than unlinked pairs: still a probability, above one half
    a, b = _default_calibration(2, 1)
    assert 0.5 < 1 / (1 + np.exp(-b)) < 1.0
    # a separating blend: the probability rises with the score
    a, b = _calibrate(rng.normal(3, 1, 200), rng.normal(0, 1, 5000), n_pairs=10**6,
                      n_links=1000)
    assert a > 0.5


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
    G, H = rm._scoring.affinities(U, S, A)
    Ud = U.toarray()
    off = 1.0 - np.eye(n)
    E = (S @ np.exp(H) @ S.T) * off
    np.testing.assert_allclose(G, np.log((Ud.T @ A @ Ud + 1) / (Ud.T @ E @ Ud + 1)), atol=1e-8)
    P = np.exp(Ud @ G @ Ud.T) * off
    np.testing.assert_allclose(H, np.log((S.T @ A @ S + 1) / (S.T @ P @ S + 1)), atol=1e-8)


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
