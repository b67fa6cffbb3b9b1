"""check_matcher: every recommender we ship passes it, and each broken contract is caught."""

from __future__ import annotations

import itertools

import attrs
import numpy as np
import pytest
from sklearn.base import BaseEstimator

import rootmatch as rm
from rootmatch import evaluate as ev
from rootmatch.analysis.testing import MatcherCheckError, check_matcher, matcher_checks


@pytest.fixture(scope="module")
def population() -> rm.Population:
    return rm.synth.generate_population(300, seed=5)


@pytest.fixture(scope="module", params=[True, False], ids=["hub", "no_hub"])
def network(request, population) -> rm.SupportNetwork:
    return rm.SupportNetwork.from_population(population, hub=request.param, enrolment=0.7,
                                             seed=2)


RECOMMENDERS = {
    "hybrid": lambda pop: rm.Matchmaker(random_state=0),
    "hybrid_seed_none": lambda pop: rm.Matchmaker(),
    "random": lambda pop: ev.RandomRecommender(random_state=3),
    "popularity": lambda pop: ev.PopularityRecommender(),
    "content": lambda pop: ev.ContentRecommender(),
    "complementarity": lambda pop: ev.ComplementarityRecommender(),
    "adamic_adar": lambda pop: ev.AdamicAdarRecommender(),
    "resource_allocation": lambda pop: ev.ResourceAllocationRecommender(),
    "oracle": lambda pop: ev.OracleRecommender(truth=pop.truth),
}


@pytest.mark.parametrize("name", list(RECOMMENDERS))
def test_every_recommender_passes(name, population, network) -> None:
    rec = RECOMMENDERS[name](population)
    check_matcher(rec, network, k=7, n_queries=15, seed=1)
    assert isinstance(rec, ev.Recommender)


def test_baselines_factory_passes(population, network) -> None:
    recs = ev.baselines(population.truth, random_state=1)
    assert set(recs) == {"random", "popularity", "content", "complementarity", "adamic_adar",
                         "resource_allocation", "oracle"}
    for rec in recs.values():
        check_matcher(rec, network, k=3, n_queries=5)


def test_check_names_are_stable(population, network) -> None:
    names = [n for n, _ in matcher_checks(ev.PopularityRecommender(), network)]
    assert names == ["fit_returns_self", "k_honoured", "never_self", "never_existing_partner",
                     "known_unique_ids", "finite_sorted_scores", "deterministic",
                     "refit_deterministic", "k_prefix", "unknown_ids_raise"]


# ------------------------------------------------------------------ broken recommenders
_fits = itertools.count()


class Broken(BaseEstimator):
    """The popularity baseline with one defect injected."""

    def __init__(self, defect: str = "none", random_state=None) -> None:
        self.defect = defect
        self.random_state = random_state

    def fit(self, network):
        self.inner_ = ev.PopularityRecommender().fit(network)
        self.net_ = network
        self.calls_ = 0
        self.fit_no_ = next(_fits)
        return None if self.defect == "fit_returns_none" else self

    def recommend(self, firm_ids, k):
        d = self.defect
        if d == "unknown_ignored":
            firm_ids = [f for f in firm_ids if f in self.net_.firms]
        if d == "unknown_value_error" and any(f not in self.net_.firms for f in firm_ids):
            raise ValueError("bad id")
        if d == "unknown_silent_key_error" and any(f not in self.net_.firms for f in firm_ids):
            raise KeyError("bad id")
        ids, scores = self.inner_.recommend(firm_ids, k)
        ids, scores = ids.copy(), scores.copy()
        self.calls_ += 1
        if d == "unknown_ignored":
            return ids, scores
        if k == 0 or len(ids) == 0:
            return ids, scores
        q = np.asarray(firm_ids, dtype=str)
        if d == "self":
            ids[:, 0] = q
        elif d == "partner":
            A = self.net_.collaboration_matrix().tocsr()
            rows = self.net_.firms.positions(q)
            for r, i in enumerate(rows):
                nb = A.indices[A.indptr[i]:A.indptr[i + 1]]
                if nb.size:
                    ids[r, 0] = self.net_.firm_ids()[nb[0]]
        elif d == "shape":
            return ids[:, :-1], scores[:, :-1]
        elif d == "unsorted":
            scores[:, 0] = scores[:, -1] - 1.0
        elif d == "nan":
            scores[:, 0] = np.nan
        elif d == "duplicate" and k > 1:
            ids[:, 1] = ids[:, 0]
        elif d == "gap" and k > 1:
            ids[:, 0], scores[:, 0] = "", -np.inf
        elif d == "ties_not_by_id" and k > 1:
            ids = np.sort(ids, axis=1)[:, ::-1]  # descending ids, pads ("") last
            scores = np.where(ids != "", 1.0, -np.inf)
        elif d == "nondeterministic":
            scores = scores + self.calls_  # the same order, other scores on every call
        elif d == "batch_dependent":
            scores = scores + len(ids)
        elif d == "refit_differs":
            scores = scores + self.fit_no_
        elif d == "unknown_id_out":
            ids[:, 0] = "NOT-A-FIRM"
        elif d == "int_ids":
            return np.zeros(ids.shape, int), scores
        elif d == "empty":
            return np.full(ids.shape, ""), np.full(scores.shape, -np.inf)
        elif d == "k_dependent" and k < 5:  # short lists skip the best candidate
            more_ids, more_scores = self.inner_.recommend(firm_ids, k + 1)
            return more_ids[:, 1:].copy(), more_scores[:, 1:].copy()
        return ids, scores


@pytest.mark.parametrize(
    ("defect", "check"),
    [
        ("fit_returns_none", "fit_returns_self"),
        ("self", "never_self"),
        ("partner", "never_existing_partner"),
        ("shape", "k_honoured"),
        ("unsorted", "sorted_scores"),
        ("nan", "finite_scores"),
        ("duplicate", "no_duplicates"),
        ("gap", "padding_at_end"),
        ("ties_not_by_id", "ties_by_id"),
        ("nondeterministic", "deterministic"),
        ("batch_dependent", "batch_independent"),
        ("refit_differs", "refit_deterministic"),
        ("unknown_id_out", "known_ids"),
        ("int_ids", "output"),
        ("empty", "k_honoured"),
        ("k_dependent", "k_prefix"),
        ("unknown_ignored", "unknown_ids"),
        ("unknown_value_error", "unknown_ids"),
        ("unknown_silent_key_error", "unknown_ids"),
    ],
)
def test_each_defect_is_caught(defect, check, network) -> None:
    with pytest.raises(MatcherCheckError, match=rf"\[{check}\]"):
        check_matcher(Broken(defect), network, k=5, n_queries=10)


def test_the_unbroken_wrapper_passes(network) -> None:
    check_matcher(Broken("none"), network, k=5, n_queries=10)


def test_failure_is_an_assertion_error() -> None:
    assert issubclass(MatcherCheckError, AssertionError)


def test_k_zero_and_a_fully_linked_network_pass() -> None:
    """k = 0 is honoured without error; when every firm already works with every other,
    an empty answer is the right one."""
    pop = rm.synth.generate_population(2, seed=0)
    pop = attrs.evolve(pop, collaborations=np.array([sorted(pop.firms.ids.tolist())]),
                       truth=None)
    net = rm.SupportNetwork.from_population(pop, hub=False, seed=0)
    for rec in (rm.Matchmaker(random_state=0), ev.PopularityRecommender()):
        check_matcher(rec, net, k=3)
    check_matcher(ev.PopularityRecommender(), net, k=0)
