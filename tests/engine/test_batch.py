"""The batch path equals a brute-force float64 reference, and the per-firm path."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rootmatch as rm
from rootmatch.engine._scoring import COMPONENTS
from rootmatch.engine._topk import (
    HAVE_NUMBA,
    empty_topk,
    merge_topk,
    sample_thresholds,
    topk_rows,
    topk_update,
)

ATOL = 1e-5


@pytest.fixture(scope="module", params=[True, False], ids=["hub", "nohub"])
def fitted(request: pytest.FixtureRequest) -> rm.Matchmaker:
    pop = rm.synth.generate_population(300, seed=21)
    net = rm.SupportNetwork.from_population(pop, hub=request.param, enrolment=0.7, seed=2)
    return rm.Matchmaker(random_state=1).fit(net)


def _reference(mm: rm.Matchmaker, rows: np.ndarray, exclude: bool) -> np.ndarray:
    """Score every (row, firm) pair in float64 straight from the components."""
    n = len(mm.firm_ids_)
    i = np.repeat(rows, n)
    j = np.tile(np.arange(n), rows.size)
    comps = mm.score_pairs(mm.firm_ids_[i], mm.firm_ids_[j], components=True)
    w = np.array([mm.weights_[c] for c in COMPONENTS])
    S = (comps @ w).reshape(rows.size, n)
    S[np.arange(rows.size), rows] = -np.inf
    if exclude:
        coo = mm.A_[rows].tocoo()
        S[coo.row, coo.col] = -np.inf
    return S


def _assert_same_ranking(mm, ids, scores, S, k):  # type: ignore[no-untyped-def]
    for r in range(S.shape[0]):
        finite = np.isfinite(S[r])
        order = sorted(np.flatnonzero(finite), key=lambda j: (-S[r, j], mm.firm_ids_[j]))[:k]
        ref_scores = S[r, order]
        got = [x for x in ids[r] if x]
        assert len(got) == len(order)
        np.testing.assert_allclose(scores[r, :len(order)], ref_scores, atol=ATOL)
        for pos, (g, j) in enumerate(zip(got, order)):
            if g != mm.firm_ids_[j]:  # only a near-tie may reorder
                gj = mm.table_.position(g)
                assert abs(S[r, gj] - S[r, j]) < ATOL, (r, pos)


@given(data=st.data())
@settings(max_examples=15)
def test_recommend_all_equals_reference(fitted: rm.Matchmaker, data: st.DataObject) -> None:
    n = len(fitted.firm_ids_)
    rows = np.array(sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=12))))
    k = data.draw(st.sampled_from([1, 3, 10, 40]))
    exclude = data.draw(st.booleans())
    ids, scores = fitted.recommend_all(fitted.firm_ids_[rows], k=k, exclude_existing=exclude)
    assert ids.shape == scores.shape == (rows.size, k)
    _assert_same_ranking(fitted, ids, scores, _reference(fitted, rows, exclude), k)


def test_default_is_small_firms_and_agrees_with_per_firm(fitted: rm.Matchmaker) -> None:
    ids, scores = fitted.recommend_all(k=10)
    small = fitted.table_.small().ids
    assert ids.shape == (small.size, 10)
    for r in range(0, small.size, max(1, small.size // 15)):
        recs = fitted.recommend_partners(small[r], k=10, kinds=("firm",))
        assert [x.target for x in recs] == [x for x in ids[r] if x]
        np.testing.assert_allclose([x.score for x in recs], scores[r, :len(recs)], atol=ATOL)


def test_k_larger_than_candidates(fitted: rm.Matchmaker) -> None:
    n = len(fitted.firm_ids_)
    ids, scores = fitted.recommend_all(fitted.firm_ids_[:2], k=n + 5, exclude_existing=False)
    assert ids.shape == (2, n + 5)
    assert (ids[:, : n - 1] != "").all()
    assert (ids[:, n - 1:] == "").all()
    assert np.isneginf(scores[:, n - 1:]).all()
    assert np.isfinite(scores[:, : n - 1]).all()


def test_institutes_merge_in_kind_order(fitted: rm.Matchmaker) -> None:
    firm = fitted.firm_ids_[:5]
    ids, _scores = fitted.recommend_all(firm, k=8, kinds=("firm", "institute"))
    for r, f in enumerate(firm):
        recs = fitted.recommend_partners(f, k=8)
        assert [x.target for x in recs] == list(ids[r])


def test_candidates_mask_and_progress(fitted: rm.Matchmaker) -> None:
    mask = fitted.enrolled_.copy()
    seen: list[tuple[int, int]] = []
    ids, _ = fitted.recommend_all(k=5, candidates=mask, progress=lambda d, t: seen.append((d, t)))
    allowed = set(fitted.firm_ids_[mask])
    assert all(x in allowed for x in ids.ravel() if x)
    assert seen
    assert seen[-1][0] == seen[-1][1] == ids.shape[0]


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed")
@given(data=st.data())
@settings(max_examples=40)
def test_compiled_and_numpy_selection_identical(data: st.DataObject) -> None:
    b = data.draw(st.integers(1, 6))
    n = data.draw(st.integers(1, 200))
    k = data.draw(st.integers(0, 12))
    vals = data.draw(st.lists(st.sampled_from([-np.inf, np.nan, 0.0, 0.25, 0.5, 1.0, np.inf]),
                              min_size=b * n, max_size=b * n))
    S = np.array(vals, data.draw(st.sampled_from([np.float32, np.float64]))).reshape(b, n)
    rank = np.array(data.draw(st.permutations(range(n)))) if data.draw(st.booleans()) else None
    cand = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n))) \
        if data.draw(st.booleans()) else None
    sample = np.array(sorted(data.draw(st.sets(st.integers(0, n - 1), max_size=n))), np.int64)
    sampled = S[:, sample] if cand is None else np.where(cand[sample], S[:, sample], -np.inf)
    thr = sample_thresholds(np.where(np.isnan(sampled), -np.inf, sampled), k)
    a = topk_rows(S, k, ids_order=rank, cand=cand, thresholds=thr, use_numba=True)
    c = topk_rows(S, k, ids_order=rank, cand=cand, thresholds=thr, use_numba=False)
    # tile by tile, in any order of the tiles: the same again, on both paths
    cuts = sorted(data.draw(st.sets(st.integers(1, max(n - 1, 1)), max_size=4)) | {0, n})
    tiles = list(itertools.pairwise(cuts))
    tiles = data.draw(st.permutations(tiles))
    runs = []
    for use in (True, False):
        idx, val = empty_topk(b, k, S.dtype)
        for lo, hi in tiles:
            idx, val = topk_update(idx, val, S[:, lo:hi], offset=lo, ids_order=rank,
                                   cand=None if cand is None else cand[lo:hi], thresholds=thr,
                                   use_numba=use)
        runs.append((idx, val))
    for got in (c, *runs):
        np.testing.assert_array_equal(got[0], a[0])
        np.testing.assert_array_equal(got[1], a[1])
    # and all equal a full sort
    tie = np.arange(n) if rank is None else rank
    for r in range(b):
        allowed = [j for j in range(n) if S[r, j] > -np.inf and (cand is None or cand[j])]
        order = sorted(allowed, key=lambda j: (-S[r, j], tie[j]))[:k]
        assert a[0][r, :len(order)].tolist() == order
        assert (a[0][r, len(order):] == -1).all()
        assert np.isneginf(a[1][r, len(order):]).all()


def test_merge_is_associative() -> None:
    rng = np.random.default_rng(0)
    rank = rng.permutation(30)
    S = rng.integers(0, 4, size=(3, 30)).astype(np.float32)
    full = topk_rows(S, 5, ids_order=rank, use_numba=False)
    parts = []
    for lo, hi in ((0, 10), (10, 20), (20, 30)):
        idx, val = topk_rows(S[:, lo:hi], 5, ids_order=rank[lo:hi], use_numba=False)
        parts.append((np.where(idx >= 0, idx + lo, -1), val))
    left = merge_topk(*merge_topk(*parts[0], *parts[1], 5, ids_order=rank), *parts[2], 5,
                      ids_order=rank)
    right = merge_topk(*parts[0], *merge_topk(*parts[1], *parts[2], 5, ids_order=rank), 5,
                       ids_order=rank)
    for got in (left, right):
        np.testing.assert_array_equal(got[0], full[0])
        np.testing.assert_array_equal(got[1], full[1])


def test_many_tiles_blocks_and_threads_agree(fitted: rm.Matchmaker,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Small shards, small blocks and two threads fold to exactly the default result."""
    ids, scores = fitted.recommend_all(k=10)
    monkeypatch.setattr("rootmatch.engine._batch._SHARD_COLS", 37)
    for use_numba in (None, False):
        fitted.set_params(block_size=7, n_jobs=2, use_numba=use_numba)
        try:
            ids2, scores2 = fitted.recommend_all(k=10)
        finally:
            fitted.set_params(block_size=None, n_jobs=None, use_numba=None)
        np.testing.assert_array_equal(ids2, ids)
        np.testing.assert_allclose(scores2, scores, atol=1e-6)


@pytest.mark.parametrize("use_numba", [True, False], ids=["numba", "numpy"])
@given(row=st.integers(0, 299))
@settings(max_examples=20)
def test_single_query_scores_equal_the_reference(fitted: rm.Matchmaker, use_numba: bool,
                                                 row: int) -> None:
    """The single-query path (profiles + sparse affiliations + category gather) scores every
    firm as the float64 blend of its components does."""
    if use_numba and not HAVE_NUMBA:
        pytest.skip("numba not installed")
    mm = fitted
    old = mm.use_numba
    mm.use_numba = use_numba
    try:
        got = mm._firm_row_scores(row, exclude_existing=True, candidates=None)
    finally:
        mm.use_numba = old
    S = _reference(mm, np.array([row]), exclude=True)[0]
    assert np.array_equal(np.isfinite(got), np.isfinite(S))
    np.testing.assert_allclose(got[np.isfinite(S)], S[np.isfinite(S)], atol=ATOL)


@pytest.mark.parametrize("use_numba", [None, False], ids=["default", "numpy"])
def test_nan_is_never_a_candidate(use_numba: bool | None) -> None:
    """NaN marks "not a candidate" on both paths, also where it starts a 64-column chunk."""
    S = np.full((2, 130), np.nan, np.float32)
    S[0, 1], S[0, 2] = 1.0, 0.5
    S[1, 64:66] = np.nan
    S[1, 129] = 0.25
    want = [[1, 2, -1], [129, -1, -1]]
    idx, val = topk_rows(S, 3, ids_order=np.arange(130), use_numba=use_numba)
    assert idx.tolist() == want
    assert val.tolist() == [[1.0, 0.5, -np.inf], [0.25, -np.inf, -np.inf]]
    idx, val = topk_update(*empty_topk(2, 3), S, thresholds=np.zeros(2, np.float32),
                           use_numba=use_numba)
    assert idx.tolist() == [[1, 2, -1], [129, -1, -1]]
