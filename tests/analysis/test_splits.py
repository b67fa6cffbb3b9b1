"""Leakage-free splits: what each holds out, argument errors, and that no held-out link
reaches what ``fit`` sees; the oracle's relevance."""

from __future__ import annotations

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rootmatch as rm
from rootmatch import evaluate as ev


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
