"""Tests of rootmatch.synth.truth: the oracle is the sampling law, and the truth gives the
population's calibration report."""

from __future__ import annotations

import numpy as np
import pytest

import rootmatch as rm


def test_oracle_agrees_with_sampled_links() -> None:
    """Expected link counts under the oracle match the sampled links, overall and by
    stratum (strong pairs, same district, the rest): the oracle is the sampling law."""
    pop = rm.synth.generate_population(2500, seed=11)
    f = pop.firms
    n = len(f)
    P = pop.truth.oracle_scores(f.ids, f.ids)
    assert np.allclose(P, P.T)
    links = np.concatenate([pop.collaborations, pop.truth.held_out])
    r = f.positions(links.ravel()).reshape(-1, 2)
    A = np.zeros((n, n), bool)
    A[r[:, 0], r[:, 1]] = True
    iu = np.triu_indices(n, 1)
    p, a = P[iu], A[iu]
    same = (f.district[iu[0]] == f.district[iu[1]])
    strata = {"all": np.ones(p.size, bool), "strong": p > np.quantile(p, 0.999),
              "same_district": same, "other": ~same}
    for name, s in strata.items():
        expected, observed = p[s].sum(), a[s].sum()
        assert abs(observed - expected) < 4 * np.sqrt(expected) + 5, (name, observed, expected)
    Pi = pop.truth.oracle_scores(f.ids, sorted(pop.institutes))
    n_inst = len(pop.institute_links) + len(pop.truth.held_out_institute)
    assert abs(n_inst - Pi.sum()) < 4 * np.sqrt(Pi.sum()) + 5


def _ndcg(ranked: np.ndarray, relevant: list[set[str]], k: int = 10) -> float:
    disc = 1 / np.log2(np.arange(2, k + 2))
    vals = [np.isin(ids[:k], list(rel)).astype(float) @ disc[: len(ids[:k])]
            / disc[: min(len(rel), k)].sum() for ids, rel in zip(ranked, relevant, strict=True)]
    return float(np.mean(vals))


def test_oracle_ranks_held_out_links_far_above_content_and_random() -> None:
    """The truth is not the profile's cosine: the oracle finds the held-out partners much
    better than cosine similarity of the observed profile, which beats random."""
    pop = rm.synth.generate_population(4000, seed=5)
    f = pop.firms
    held: dict[str, set[str]] = {}
    for a, b in pop.truth.held_out.tolist():
        held.setdefault(a, set()).add(b)
        held.setdefault(b, set()).add(a)
    seen: dict[str, set[str]] = {}
    for a, b in pop.collaborations.tolist():
        seen.setdefault(a, set()).add(b)
        seen.setdefault(b, set()).add(a)
    rng = np.random.default_rng(0)
    q = rng.choice(sorted(held), 600, replace=False)
    rows = f.positions(q)
    X = np.hstack([f.tech_matrix(), f.needs_matrix(), f.topics_matrix(),
                   np.eye(len(rm.District))[f.district]]).astype(float)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    exclude = np.zeros((q.size, len(f)), bool)
    exclude[np.arange(q.size), rows] = True
    for r, x in enumerate(q):
        if x in seen:
            exclude[r, f.positions(sorted(seen[x]))] = True

    def top(S: np.ndarray) -> np.ndarray:
        S = np.where(exclude, -np.inf, S)
        return f.ids[np.argsort(-S, axis=1, kind="stable")[:, :10]]

    relevant = [held[x] for x in q]
    oracle = _ndcg(top(pop.truth.oracle_scores(q, f.ids)), relevant)
    content = _ndcg(top(X[rows] @ X.T), relevant)
    random = _ndcg(top(rng.random((q.size, len(f)))), relevant)
    assert oracle > 2 * content > 2 * random, (oracle, content, random)


def test_oracle_scores_contract() -> None:
    pop = rm.synth.generate_population(400, seed=3)
    ids = pop.firms.ids
    cands = [ids[5], "KIMM-BUSAN", ids[0], "BGMC", ids[7]]
    s = pop.truth.oracle_scores([ids[0], ids[1]], cands)
    assert s.shape == (2, 5)
    assert s.dtype == np.float64
    assert np.all((s >= 0) & (s <= 1))
    assert s[0, 2] == 0.0  # itself
    assert np.all(s[:, 3] == 0.0)  # a cooperative is joined, not collaborated with
    assert s[0, 1] > 0
    one = pop.truth.oracle_scores(ids[1], ids[5])
    assert one.shape == (1, 1)
    assert one[0, 0] == s[1, 0]
    both = pop.truth.oracle_scores(ids[:50], ids[:50])
    assert np.allclose(both, both.T)
    blocked = pop.truth.oracle_scores(ids[:50], ids, block_cells=1000)
    assert np.array_equal(blocked, pop.truth.oracle_scores(ids[:50], ids))
    with pytest.raises(rm.UnknownEntityError, match="F999999"):
        pop.truth.oracle_scores(["F999999"], ids[:3])
    with pytest.raises(KeyError, match="NOPE"):
        pop.truth.oracle_scores(ids[:1], ["NOPE"])
    assert pop.truth.oracle_scores([], ids).shape == (0, len(ids))


def test_truth_gives_the_population_summary() -> None:
    """The report is reachable from the truth alone, and it is the population's own."""
    pop = rm.synth.generate_population(800, seed=4)
    via_truth = pop.truth.summary(pop)
    assert isinstance(via_truth, rm.synth.CalibrationReport)
    assert via_truth.to_records() == pop.summary().to_records()
    assert via_truth.to_records() == rm.synth.summarize(pop).to_records()
    other = rm.synth.generate_population(300, seed=5)
    assert pop.truth.summary(other).n_firms == 300  # it reports on the population it is given
