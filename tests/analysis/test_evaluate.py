"""Evaluation: metrics on hand-built cases and against scikit-learn, leakage-free splits,
baselines, compare()."""

from __future__ import annotations

import json
import math

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, ndcg_score

import rootmatch as rm
from rootmatch import evaluate as ev

NAN = float("nan")


# ---------------------------------------------------------------------------- metrics
@pytest.mark.parametrize(
    ("recommended", "relevant", "k", "expected"),
    [
        # metric: (precision, recall, ndcg, ap, hit)
        ([["a", "b", "c"]], [{"a"}], 3, (1 / 3, 1.0, 1.0, 1.0, 1.0)),
        ([["x", "a", "y"]], [{"a"}], 3, (1 / 3, 1.0, 1 / math.log2(3), 0.5, 1.0)),
        ([["x", "y", "z"]], [{"a"}], 3, (0.0, 0.0, 0.0, 0.0, 0.0)),
        # fewer relevant than k: the ideal DCG counts 2 items, AP divides by 2
        ([["a", "x", "b", "y"]], [{"a", "b"}], 4,
         (0.5, 1.0, (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)), (1 + 2 / 3) / 2, 1.0)),
        # more relevant than k: ideal DCG over k items, recall over all relevant
        ([["a", "b"]], [{"a", "b", "c", "d"}], 2, (1.0, 0.5, 1.0, 1.0, 1.0)),
        ([["x", "b"]], [{"a", "b", "c", "d"}], 2,
         (0.5, 0.25, (1 / math.log2(3)) / (1 + 1 / math.log2(3)), 0.25, 1.0)),
        # padding: "" is an empty slot; precision still divides by k
        ([["a", "", ""]], [{"a"}], 3, (1 / 3, 1.0, 1.0, 1.0, 1.0)),
        # k beyond the columns: the rest is padding
        ([["a"]], [{"a", "b"}], 4, (0.25, 0.5, 1 / (1 + 1 / math.log2(3)), 0.5, 1.0)),
        # k shorter than the list: only the head counts
        ([["x", "a"]], [{"a"}], 1, (0.0, 0.0, 0.0, 0.0, 0.0)),
    ],
)
def test_metrics_by_hand(recommended, relevant, k, expected) -> None:
    got = (
        ev.precision_at_k(recommended, relevant, k),
        ev.recall_at_k(recommended, relevant, k),
        ev.ndcg_at_k(recommended, relevant, k),
        ev.average_precision_at_k(recommended, relevant, k),
        ev.hit_rate_at_k(recommended, relevant, k),
    )
    assert got == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("metric", [ev.precision_at_k, ev.recall_at_k, ev.ndcg_at_k,
                                    ev.map_at_k, ev.hit_rate_at_k])
def test_empty_truth_is_skipped(metric) -> None:
    rec = [["a", "b"], ["c", "d"], ["e", "f"]]
    per_query = metric(rec, [{"a"}, set(), {"f"}], 2, average=False)
    assert np.isnan(per_query[1])
    assert not np.isnan(per_query[[0, 2]]).any()
    assert metric(rec, [{"a"}, set(), {"f"}], 2) == pytest.approx(np.nanmean(per_query))
    assert np.isnan(metric(rec, [set(), set(), {""}], 2))  # nothing to score: NaN


@pytest.mark.parametrize("metric", [ev.precision_at_k, ev.recall_at_k, ev.ndcg_at_k,
                                    ev.map_at_k, ev.hit_rate_at_k])
def test_tie_at_the_k_boundary(metric) -> None:
    """Two candidates tie for the k-th slot: the metric scores the list the recommender gave
    (ties broken by id), so the relevant one counts only when it is ranked inside k."""
    relevant = [{"c"}]
    inside = metric([["a", "c", "b"]], relevant, 2)  # tie (b, c) broken with c first
    outside = metric([["a", "b", "c"]], relevant, 2)  # the same tie broken with b first
    assert inside > 0
    assert outside == 0
    # and the tied item just past k never counts, whatever its score
    assert metric([["a", "b", "c"]], relevant, 2) == metric([["a", "b"]], relevant, 2)


def test_ties_are_broken_by_the_recommender_not_the_metric() -> None:
    # two tied candidates: the metric reads the order the recommender gives (ties by id)
    relevant = [{"b"}]
    assert ev.ndcg_at_k([["a", "b"]], relevant) == pytest.approx(1 / math.log2(3))
    assert ev.ndcg_at_k([["b", "a"]], relevant) == 1.0
    # it matches scikit-learn's NDCG of the same order with ignore_ties=True; with
    # ignore_ties=False scikit-learn averages the tied gains instead
    y_true = np.array([[0.0, 1.0]])
    tied = np.array([[0.5, 0.5]])
    assert ndcg_score(y_true, np.array([[2.0, 1.0]])) == pytest.approx(1 / math.log2(3))
    averaged = ndcg_score(y_true, tied, ignore_ties=False)
    assert averaged == pytest.approx((1 + 1 / math.log2(3)) / 2)
    assert ev.ndcg_at_k([["a", "b"]], relevant) < averaged < ev.ndcg_at_k([["b", "a"]], relevant)


def test_relevant_duplicates_and_pads_count_once() -> None:
    hits, n_rel = ev.hits_matrix([["a", "b", ""]], [["a", "a", "", "c"]])
    assert hits.tolist() == [[True, False, False]]
    assert n_rel.tolist() == [2]


@pytest.mark.parametrize(
    ("recommended", "relevant", "match"),
    [
        ([["a", "b", "a"]], [{"a"}], "lists 'a' twice"),
        ([["a"], ["b"]], [{"a"}], "relevant has 1 entries"),
        (["a", "b"], [{"a"}], "2-d array"),
    ],
)
def test_bad_input_raises(recommended, relevant, match) -> None:
    with pytest.raises(rm.ValidationError, match=match):
        ev.ndcg_at_k(recommended, relevant)


def test_bad_k_raises() -> None:
    with pytest.raises(rm.ValidationError, match="k must be"):
        ev.recall_at_k([["a"]], [{"a"}], 0)


@st.composite
def rankings(draw: st.DrawFn) -> tuple[list[list[str]], list[set[str]], list[str]]:
    """Whole rankings of a small catalog per query, and non-empty relevant sets."""
    n_items = draw(st.integers(2, 12))
    items = [f"i{j:02d}" for j in range(n_items)]
    n_q = draw(st.integers(1, 5))
    recommended, relevant = [], []
    for _ in range(n_q):
        recommended.append(draw(st.permutations(items)))
        relevant.append(set(draw(st.lists(st.sampled_from(items), min_size=1, max_size=n_items))))
    return recommended, relevant, items


def _sklearn_inputs(recommended, relevant, items):
    pos = {x: j for j, x in enumerate(items)}
    y_true = np.zeros((len(recommended), len(items)))
    y_score = np.zeros_like(y_true)
    for r, (row, rel) in enumerate(zip(recommended, relevant)):
        for rank, x in enumerate(row):
            y_score[r, pos[x]] = len(row) - rank  # distinct scores: the same order
        for x in rel:
            y_true[r, pos[x]] = 1.0
    return y_true, y_score


@given(data=rankings(), k=st.integers(1, 14))
def test_ndcg_equals_sklearn(data, k) -> None:
    recommended, relevant, items = data
    y_true, y_score = _sklearn_inputs(recommended, relevant, items)
    ours = ev.ndcg_at_k(recommended, relevant, k, average=False)
    theirs = [ndcg_score(y_true[[r]], y_score[[r]], k=k) for r in range(len(recommended))]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(ev.ndcg_at_k(recommended, relevant, k),
                               ndcg_score(y_true, y_score, k=k), rtol=1e-12)


@given(data=rankings())
def test_average_precision_over_the_whole_ranking_equals_sklearn(data) -> None:
    recommended, relevant, items = data
    y_true, y_score = _sklearn_inputs(recommended, relevant, items)
    ours = ev.average_precision_at_k(recommended, relevant, len(items), average=False)
    theirs = [average_precision_score(y_true[r], y_score[r]) for r in range(len(recommended))]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@given(data=rankings(), k=st.integers(1, 14))
def test_metric_bounds_and_identities(data, k) -> None:
    recommended, relevant, _ = data
    p = ev.precision_at_k(recommended, relevant, k, average=False)
    r = ev.recall_at_k(recommended, relevant, k, average=False)
    n = ev.ndcg_at_k(recommended, relevant, k, average=False)
    a = ev.map_at_k(recommended, relevant, k, average=False)
    h = ev.hit_rate_at_k(recommended, relevant, k, average=False)
    for v in (p, r, n, a, h):
        assert np.all((v >= 0) & (v <= 1 + 1e-12))
    assert np.all((h > 0) == (p > 0))
    assert np.all((n > 0) == (h > 0))
    # recall × |relevant| = precision × k = hits
    sizes = np.array([len(x) for x in relevant])
    np.testing.assert_allclose(r * sizes, p * k)


def test_catalog_coverage() -> None:
    rec = [["a", "b"], ["b", ""], ["z", "a"]]
    assert ev.catalog_coverage(rec, ["a", "b", "c", "d"]) == 0.5  # "z" is not in the catalog
    assert ev.catalog_coverage(rec, 6) == 0.5
    with pytest.raises(rm.ValidationError, match="empty"):
        ev.catalog_coverage(rec, [])


def test_small_firm_coverage() -> None:
    rec = [["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]]
    rel = [{"b"}, {"z"}, set(), {"g"}]
    # small: rows 0, 1, 2 -> row 2 has no truth and is skipped -> 1 of 2
    assert ev.small_firm_coverage(rec, rel, [True, True, True, False]) == 0.5
    assert np.isnan(ev.small_firm_coverage(rec, rel, [False, False, True, False]))
    with pytest.raises(rm.ValidationError, match="is_small"):
        ev.small_firm_coverage(rec, rel, [True])


@pytest.fixture(scope="module")
def tiny_table() -> rm.FirmTable:
    def firm(i, tech, district):
        return rm.Firm(id=i, name=i, technologies=tech, employees=3, district=district)

    return rm.FirmTable.from_firms([
        firm("A", ["금형", "용접"], "사상구"),
        firm("B", ["금형"], "사상구"),     # same technology, same district: not diverse
        firm("C", ["열처리"], "사상구"),   # other technology: diverse
        firm("D", ["용접"], "강서구"),     # other district: diverse
    ])


def test_diversity(tiny_table) -> None:
    assert ev.diversity([["B", "C", "D"]], ["A"], tiny_table) == pytest.approx(2 / 3)
    per = ev.diversity([["B", ""], ["", ""]], ["A", "B"], tiny_table, average=False)
    assert per[0] == 0.0
    assert np.isnan(per[1])
    with pytest.raises(rm.UnknownEntityError):
        ev.diversity([["Z"]], ["A"], tiny_table)


# ---------------------------------------------------------------------------- splits
@pytest.fixture(scope="module")
def population() -> rm.Population:
    return rm.synth.generate_population(800, seed=21)


def _pair_keys(pairs) -> set[tuple[str, str]]:
    return {tuple(sorted(map(str, p))) for p in np.asarray(pairs).reshape(-1, 2)}


def test_warm_split(population) -> None:
    s = ev.warm_split(population, test_size=0.25, n_queries=40, seed=3)
    observed = _pair_keys(population.collaborations)
    held, train = _pair_keys(s.held_out), _pair_keys(s.network.collaborations())
    assert len(held) == round(0.25 * len(observed))
    assert held | train == observed
    assert not held & train
    assert s.network.population.truth is None
    assert len(s.queries) == 40
    assert list(s.queries) == sorted(s.queries)
    for q, rel in zip(s.queries, s.relevant):
        assert rel == {b if a == q else a for a, b in held if q in (a, b)}
    again = ev.warm_split(population, test_size=0.25, n_queries=40, seed=3)
    assert again == attrs.evolve(s, network=again.network)
    other = ev.warm_split(population, test_size=0.25, n_queries=40, seed=4)
    assert not np.array_equal(other.queries, s.queries)


def test_cold_start_split_keeps_only_the_profile(population) -> None:
    s = ev.cold_start_split(population, n_queries=30, seed=5)
    net = s.network
    cold = set(s.queries)
    observed = _pair_keys(population.collaborations)
    assert _pair_keys(s.held_out) == {p for p in observed if cold & set(p)}
    for q, rel in zip(s.queries, s.relevant):
        assert rel == {b if a == q else a for a, b in observed if q in (a, b)}
        before, after = population.firms[q], net.firms[q]
        assert attrs.evolve(before, participations=()) == after  # the profile is untouched
        node = f"firm:{q}"
        assert set(net.graph[node]) <= {"hub"} | {f"inst:{m}" for m in before.memberships}
    assert not np.isin(net.institute_collaborations()[:, 0], s.queries).any()
    rows = net.firms.positions(s.queries)
    assert net.participation_matrix()[rows].sum() == 0
    assert net.collaboration_matrix()[rows].sum() == 0


def test_program_split(population, on) -> None:
    s = ev.program_split(population, n_queries=30, seed=6)
    table = s.network.firms
    P = s.network.participation_matrix()
    progs = s.network.program_ids()
    for q, rel, day in zip(s.queries, s.relevant, s.on):
        firm = population.firms[q]
        latest = max(p.on for p in firm.participations)
        assert day == np.datetime64(latest, "D")
        assert rel == {p.program_id for p in firm.participations if p.on == latest}
        kept = table[q]
        assert not {p.program_id for p in kept.participations} & rel
        assert {p for p in firm.participations if p.program_id not in rel} == \
            set(kept.participations)
        i = table.position(q)
        for pid in rel:
            assert P[i, progs.index(pid)] == 0
            # the held-out program can be recommended: the firm is eligible on that day
            assert rm.check_eligibility(s.network.programs[pid], kept, on=latest).eligible
    # the other firms keep all their participations
    others = [f for f in population.firms.ids if f not in set(s.queries)][:50]
    assert all(population.firms[f] == table[f] for f in others)


@pytest.mark.parametrize("maker", [ev.warm_split, ev.cold_start_split, ev.program_split])
def test_split_argument_errors(maker, population) -> None:
    with pytest.raises(rm.ValidationError, match="n_queries"):
        maker(population, n_queries=0)
    with pytest.raises(rm.ValidationError, match="pop"):
        maker("not a population")


def test_warm_split_test_size_errors(population) -> None:
    for bad in (0.0, 1.0, -0.5):
        with pytest.raises(rm.ValidationError, match="test_size"):
            ev.warm_split(population, test_size=bad)


_POPS: dict[tuple[int, int], rm.Population] = {}


def _small_population(n: int, seed: int) -> rm.Population:
    if (n, seed) not in _POPS:
        _POPS[(n, seed)] = rm.synth.generate_population(n, seed=seed)
    return _POPS[(n, seed)]


@settings(max_examples=12)
@given(n=st.sampled_from([120, 200]), pop_seed=st.integers(0, 3),
       kind=st.sampled_from(["warm", "cold", "program"]), seed=st.integers(0, 2**16),
       hub=st.booleans())
def test_no_held_out_link_reaches_what_fit_sees(n, pop_seed, kind, seed, hub) -> None:
    pop = _small_population(n, pop_seed)
    maker = {"warm": ev.warm_split, "cold": ev.cold_start_split, "program": ev.program_split}
    s = maker[kind](pop, n_queries=15, hub=hub, seed=seed)
    net = s.network
    G = net.graph
    A, nodes = net.adjacency()
    where = {v: i for i, v in enumerate(nodes)}
    assert net.population.truth is None
    held = np.asarray(s.held_out)
    assert held.shape[0] > 0
    if kind == "program":
        a_nodes = ["firm:" + a for a in held[:, 0]]
        b_nodes = ["prog:" + b for b in held[:, 1]]
        P = net.participation_matrix()
        rows = net.firms.positions(held[:, 0])
        cols = [net.program_ids().index(b) for b in held[:, 1]]
        assert np.all(np.asarray(P[rows, cols]).ravel() == 0)
        for f, p in held:
            assert p not in {x.program_id for x in net.firms[f].participations}
    else:
        a_nodes = ["firm:" + a for a in held[:, 0]]
        b_nodes = ["firm:" + b for b in held[:, 1]]
        C = net.collaboration_matrix()
        ia, ib = net.firms.positions(held[:, 0]), net.firms.positions(held[:, 1])
        assert np.all(np.asarray(C[ia, ib]).ravel() == 0)
        assert not _pair_keys(held) & _pair_keys(net.population.collaborations)
        assert not _pair_keys(held) & _pair_keys(net.collaborations())
        if kind == "cold":
            rows = net.firms.positions(s.queries)
            B, cols, _ = net.firm_incidence()
            allowed = {"hub"} | {"inst:" + m for q in s.queries for m in net.firms[q].memberships}
            touched = {cols[c] for c in B[rows].tocoo().col}
            assert touched <= allowed
            assert not np.isin(net.institute_collaborations()[:, 0], s.queries).any()
    for u, v in zip(a_nodes, b_nodes):
        assert not G.has_edge(u, v)
        assert A[where[u], where[v]] == 0
    # and the fitted engine's own matrices agree
    mm = rm.Matchmaker(random_state=0).fit(net)
    if kind == "program":
        assert np.all(np.asarray(mm.P_[rows, cols]).ravel() == 0)
    else:
        assert np.all(np.asarray(mm.A_[ia, ib]).ravel() == 0)


# ---------------------------------------------------------------------------- baselines
def test_oracle_relevance_is_the_oracles_top(population) -> None:
    s = ev.warm_split(population, n_queries=10, seed=1)
    rel = ev.oracle_relevance(s, population.truth, top=5)
    net = s.network
    ids = net.firm_ids()
    C = net.collaboration_matrix().tocsr()
    for q, r in zip(s.queries, rel):
        scores = population.truth.oracle_scores([q], ids)[0].astype(float)
        i = net.firms.position(q)
        scores[i] = -np.inf
        scores[C.indices[C.indptr[i]:C.indptr[i + 1]]] = -np.inf
        order = np.lexsort((ids, -scores))[:5]
        assert r == set(ids[order])
    with pytest.raises(rm.ValidationError, match="partner splits"):
        ev.oracle_relevance(ev.program_split(population, n_queries=5, seed=0), population.truth)


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
def test_compare_records_and_tables(population) -> None:
    splits = [ev.warm_split(population, n_queries=40, seed=0),
              ev.cold_start_split(population, n_queries=40, seed=0),
              ev.program_split(population, n_queries=40, seed=0)]
    recs = {"hybrid": rm.Matchmaker(random_state=0), **ev.baselines(population.truth)}
    progs = {"hybrid": ev.HybridProgramRanker(rm.Matchmaker(random_state=0)),
             "popularity": ev.PopularProgramRanker()}
    res = ev.compare(recs, splits, program_recommenders=progs, truth=population.truth)
    rows = res.to_dicts()
    json.dumps(rows)  # JSON-able
    assert set(rows[0]) == {"method", "split", "relevance", "metric", "k", "value"}
    assert {r["split"] for r in rows} == {"warm", "cold", "program"}
    assert {r["metric"] for r in rows} == set(ev.METRICS)
    assert {r["relevance"] for r in rows} == {"observed", "oracle"}
    assert {r["k"] for r in rows if r["split"] == "program"} == {5}
    # every partner method has every metric under "observed", relevance metrics under "oracle"
    for name in recs:
        for split in ("warm", "cold"):
            for metric in ev.METRICS:
                res.value(name, split, metric)
            for metric in ev.METRICS[:6]:
                res.value(name, split, metric, relevance="oracle")
    # the oracle's top list is the oracle relevance: it scores 1 there
    for split in ("warm", "cold"):
        assert res.value("oracle", split, "ndcg", relevance="oracle") == pytest.approx(1.0)
        assert res.value("random", split, "ndcg", relevance="oracle") < 0.2
    with pytest.raises(KeyError, match="nope"):
        res.value("nope", "warm", "ndcg")
    md = res.to_markdown()
    assert md.count("###") == 5  # warm ×2, cold ×2, program ×1
    for name in recs:
        assert f"| {name} |" in md
    assert "ndcg@10" in md
    assert "ndcg@5" in md
    assert set(res.seconds) >= {("hybrid", "warm"), ("hybrid", "program")}


def test_hybrid_beats_random_on_held_out_links(population) -> None:
    s = ev.warm_split(population, n_queries=80, seed=1)
    res = ev.compare({"hybrid": rm.Matchmaker(random_state=0),
                      "random": ev.RandomRecommender(random_state=0)}, [s])
    hybrid, random = res.value("hybrid", "warm", "ndcg"), res.value("random", "warm", "ndcg")
    assert hybrid > max(2 * random, random + 0.01)


def test_compare_values_are_the_metric_functions(population) -> None:
    s = ev.warm_split(population, n_queries=60, seed=4)
    rec = ev.ContentRecommender()
    res = ev.compare({"content": rec}, [s], truth=population.truth)
    ids, _ = rec.recommend(s.queries, 10)  # fitted on the split by compare
    small = s.network.firms.is_small[s.network.firms.positions(s.queries)]
    for metric, fn in (("ndcg", ev.ndcg_at_k), ("recall", ev.recall_at_k),
                       ("precision", ev.precision_at_k), ("map", ev.map_at_k),
                       ("hit_rate", ev.hit_rate_at_k)):
        r = res.record("content", "warm", metric)
        assert r.value == pytest.approx(fn(ids, s.relevant, 10))
        per = fn(ids, s.relevant, 10, average=False)
        assert r.stderr == pytest.approx(per.std(ddof=1) / np.sqrt(per.size))
    assert res.value("content", "warm", "small_firm_coverage") == pytest.approx(
        ev.small_firm_coverage(ids, s.relevant, small, 10))
    assert res.value("content", "warm", "diversity") == pytest.approx(
        ev.diversity(ids, s.queries, s.network.firms))
    assert res.value("content", "warm", "coverage") == pytest.approx(
        ev.catalog_coverage(ids, s.network.firm_ids()))
    oracle_rel = ev.oracle_relevance(s, population.truth)
    assert res.value("content", "warm", "ndcg", relevance="oracle") == pytest.approx(
        ev.ndcg_at_k(ids, oracle_rel, 10))
    assert "±" in res.to_markdown(stderr=True)
    assert "±" not in res.to_markdown()


def test_bootstrap_interval_is_paired_and_seeded() -> None:
    rng = np.random.default_rng(0)
    base = rng.random(400)
    a = ev.Record(method="a", split="warm", relevance="observed", metric="ndcg", k=10,
                  value=0.0, per_query=base + 0.01)
    b = ev.Record(method="b", split="warm", relevance="observed", metric="ndcg", k=10,
                  value=0.0, per_query=base)
    # paired: a is b plus 0.01 on every query, so the difference is exactly 0.01
    low, high = ev.bootstrap_interval(a, b)
    assert low == pytest.approx(0.01)
    assert high == pytest.approx(0.01)
    lo_r, hi_r = ev.bootstrap_interval(a, b, ratio=True)
    assert lo_r < (base.mean() + 0.01) / base.mean() < hi_r
    assert ev.bootstrap_interval(a, b, random_state=3) == ev.bootstrap_interval(
        a, b, random_state=3)
    # unscored queries (NaN on either side) are left out
    nan_a = attrs.evolve(a, per_query=np.where(np.arange(400) < 10, np.nan, a.per_query))
    assert np.isfinite(ev.bootstrap_interval(nan_a, b)).all()
    with pytest.raises(rm.ValidationError):
        ev.bootstrap_interval(a, attrs.evolve(b, metric="recall"))
