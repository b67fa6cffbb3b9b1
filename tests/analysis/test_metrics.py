"""Ranking metrics on hand-built cases and against scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
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
