"""SimilarityIndex (exact blocked cosine top-k) and its selection kernels."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from hypothesis import given
from hypothesis import strategies as st
from sklearn.neighbors import KNeighborsTransformer, NearestNeighbors
from strategies import feature_matrices, score_matrices

import rootmatch as rm
from rootmatch.engine import merge_topk, topk_rows, topk_update


# ---- a slow, obviously right reference -----------------------------------------------------
def full_sort_topk(scores, k, ids_order=None):
    """Top-k of every row by a full sort of the row (score desc, tie rank asc), padded."""
    scores = np.asarray(scores, dtype=np.float64)
    b, n = scores.shape
    tie = np.arange(n) if ids_order is None else np.asarray(ids_order)[:n]
    idx = np.full((b, k), -1, np.int64)
    val = np.full((b, k), -np.inf)
    for r in range(b):
        ok = np.flatnonzero(scores[r] > -np.inf)  # drops -inf and NaN
        order = ok[np.lexsort((tie[ok], -scores[r, ok]))][:k]
        idx[r, : order.size] = order
        val[r, : order.size] = scores[r, order]
    return idx, val


def assert_topk_equal(got, expected):
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1].astype(np.float64), expected[1])


# ---- kernels ---------------------------------------------------------------------------------
PATHS = pytest.mark.parametrize("use_numba", [None, False], ids=["default", "numpy"])


@PATHS
@given(scores=score_matrices(), k=st.integers(0, 30), permute=st.booleans(), data=st.data())
def test_topk_rows_matches_full_sort(scores, k, permute, data, use_numba):
    ids_order = None
    if permute:
        ids_order = np.array(data.draw(st.permutations(range(scores.shape[1]))), np.int64)
    idx, val = topk_rows(scores, k, ids_order=ids_order, use_numba=use_numba)
    assert idx.dtype == np.int64
    assert val.dtype == scores.dtype
    assert idx.shape == val.shape == (scores.shape[0], k)
    assert_topk_equal((idx, val), full_sort_topk(scores, k, ids_order))


@PATHS
@given(scores=score_matrices(max_cols=40), k=st.integers(1, 12), data=st.data())
def test_topk_update_blockwise_equals_full_sort(scores, k, data, use_numba):
    n = scores.shape[1]
    cuts = sorted(set(data.draw(st.lists(st.integers(0, n), max_size=5))) | {0, n})
    idx, val = topk_rows(scores[:, : cuts[1]], k) if n else topk_rows(scores, k)
    for lo, hi in itertools.pairwise(cuts[1:]):
        idx, val = topk_update(idx, val, scores[:, lo:hi], offset=lo, use_numba=use_numba)
    assert_topk_equal((idx, val), full_sort_topk(scores, k))


@given(scores=score_matrices(max_cols=40), k=st.integers(0, 12), data=st.data())
def test_merge_topk_of_shards_is_exact_and_associative(scores, k, data):
    n = scores.shape[1]
    shard = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), np.int64)
    parts = []
    for s in range(3):
        cols = np.flatnonzero(shard == s)
        local_idx, local_val = topk_rows(scores[:, cols], k)
        global_idx = np.append(cols, -1)[local_idx]  # -1 (padding) picks the appended -1
        parts.append((global_idx, local_val))
    (a, b, c) = parts
    left = merge_topk(*merge_topk(*a, *b, k), *c, k)
    right = merge_topk(*a, *merge_topk(*b, *c, k), k)
    swapped = merge_topk(*merge_topk(*c, *a, k), *b, k)
    expected = full_sort_topk(scores, k)
    for got in (left, right, swapped):
        assert_topk_equal(got, expected)


def test_ties_at_the_boundary_go_to_the_smaller_index():
    scores = np.array([[0.5, 0.9, 0.5, 0.5, 0.1, 0.5]])
    assert topk_rows(scores, 3)[0].tolist() == [[1, 0, 2]]
    # the same with a tie rank: column 5 ranks first among the 0.5s
    order = np.array([5, 4, 3, 2, 1, 0])
    assert topk_rows(scores, 3, ids_order=order)[0].tolist() == [[1, 5, 3]]
    idx, _val = merge_topk([[3, 1]], [[0.5, 0.9]], [[0, -1]], [[0.5, -np.inf]], 2)
    assert idx.tolist() == [[1, 0]]
    idx, val = merge_topk([[3]], [[0.5]], [[1]], [[0.5]], 4)  # shorter than k: padded
    assert idx.tolist() == [[1, 3, -1, -1]]
    assert val.tolist() == [[0.5, 0.5, -np.inf, -np.inf]]


@PATHS
def test_adversarial_ascending_blocks_stay_exact(use_numba):
    # every block better than the last: the update falls back to partition + merge
    scores = np.tile(np.arange(6000, dtype=np.float64), (3, 1))
    idx, val = topk_rows(scores[:, :1500], 5)
    for lo in range(1500, 6000, 1500):
        idx, val = topk_update(idx, val, scores[:, lo: lo + 1500], offset=lo,
                               use_numba=use_numba)
    assert idx.tolist() == [[5999, 5998, 5997, 5996, 5995]] * 3


@PATHS
@given(scores=score_matrices(max_rows=4, max_cols=400, ties=True), k=st.integers(1, 4))
def test_many_ties_in_a_row_stay_exact(scores, k, use_numba):
    # hundreds of equal scores at the k-th place: the per-row flat sort path
    assert_topk_equal(topk_rows(scores, k, use_numba=use_numba), full_sort_topk(scores, k))
    half = scores.shape[1] // 2
    idx, val = topk_rows(scores[:, :half], k, use_numba=use_numba)
    assert_topk_equal(topk_update(idx, val, scores[:, half:], offset=half, use_numba=use_numba),
                      full_sort_topk(scores, k))


def test_padding_and_degenerate_shapes():
    idx, val = topk_rows(np.array([[-np.inf, np.nan, 2.0]]), 3)
    assert idx.tolist() == [[2, -1, -1]]
    assert val.tolist() == [[2.0, -np.inf, -np.inf]]
    assert topk_rows(np.zeros((2, 0)), 3)[0].tolist() == [[-1] * 3] * 2
    assert topk_rows(np.zeros((0, 5)), 2)[0].shape == (0, 2)
    assert topk_rows(np.ones((2, 5)), 0)[0].shape == (2, 0)
    assert topk_rows(np.array([[3, 1, 2]]), 2)[1].dtype == np.float64  # integers -> float64


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: topk_rows(np.ones(3), 1), "scores"),
        (lambda: topk_rows(np.ones((1, 3)), -1), "k"),
        (lambda: topk_rows(np.ones((1, 3)), 1.5), "k"),
        (lambda: topk_rows(np.ones((1, 3)), 1, ids_order=[0, 1]), "ids_order"),
        (lambda: merge_topk([[0]], [[1.0]], [[1, 2]], [[1.0]], 1), "idx_b"),
        (lambda: topk_update([[0]], [[1.0]], np.ones((2, 2))), "scores"),
    ],
)
def test_kernel_errors_name_the_field(call, field):
    with pytest.raises(rm.ValidationError) as err:
        call()
    assert err.value.field == field


# ---- SimilarityIndex against scikit-learn -----------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("n", "d", "k", "block_size"), [(400, 12, 7, 64), (150, 5, 20, 2048)])
def test_kneighbors_matches_sklearn_brute_cosine(dtype, n, d, k, block_size):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((n, d)).astype(dtype)
    Q = rng.standard_normal((37, d)).astype(dtype)
    index = rm.SimilarityIndex(n_neighbors=k, block_size=block_size).fit(X)
    ref = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute").fit(X)
    for query in (None, Q):
        dist, ind = index.kneighbors(query)
        ref_dist, ref_ind = ref.kneighbors(query)
        assert dist.dtype == dtype
        assert ind.dtype == np.int64
        np.testing.assert_array_equal(ind, ref_ind)  # continuous data: no ties
        np.testing.assert_allclose(dist, ref_dist, atol=1e-5)
        assert np.all(np.diff(dist, axis=1) >= 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transform_matches_kneighbors_transformer(dtype):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((120, 6)).astype(dtype)
    ours = rm.SimilarityIndex(n_neighbors=4, block_size=32)
    ref = KNeighborsTransformer(n_neighbors=4, mode="distance", metric="cosine",
                                algorithm="brute")
    G, R = ours.fit_transform(X), ref.fit_transform(X)
    assert sp.issparse(G)
    assert G.format == "csr"
    assert G.dtype == dtype
    assert G.shape == (120, 120)
    assert G.nnz == R.nnz == 120 * 5
    np.testing.assert_array_equal(G.indices, R.indices)
    np.testing.assert_allclose(G.toarray(), R.toarray(), atol=1e-5)
    Q = rng.standard_normal((9, 6)).astype(dtype)
    np.testing.assert_allclose(ours.transform(Q).toarray(), ref.transform(Q).toarray(),
                               atol=1e-5)


def test_masks_match_sklearn_on_the_allowed_rows():
    rng = np.random.default_rng(11)
    X = rng.standard_normal((300, 8))
    Q = rng.standard_normal((25, 8))
    index = rm.SimilarityIndex(n_neighbors=6, block_size=50).fit(X)
    mask = rng.random(300) < 0.2
    allowed = np.flatnonzero(mask)
    dist, ind = index.kneighbors(Q, candidate_mask=mask)
    ref_dist, ref_ind = NearestNeighbors(n_neighbors=6, metric="cosine",
                                         algorithm="brute").fit(X[allowed]).kneighbors(Q)
    np.testing.assert_array_equal(ind, allowed[ref_ind])
    np.testing.assert_allclose(dist, ref_dist, atol=1e-9)
    # one mask per query: query i may only meet rows with the parity of i
    per_query = (np.arange(300)[None, :] % 2) == (np.arange(25)[:, None] % 2)
    dist2, ind2 = index.kneighbors(Q, candidate_mask=per_query)
    assert np.all(ind2 % 2 == np.arange(25)[:, None] % 2)
    for parity in (0, 1):
        rows = np.flatnonzero(np.arange(25) % 2 == parity)
        cols = np.flatnonzero(np.arange(300) % 2 == parity)
        r_dist, r_ind = NearestNeighbors(n_neighbors=6, metric="cosine",
                                         algorithm="brute").fit(X[cols]).kneighbors(Q[rows])
        np.testing.assert_array_equal(ind2[rows], cols[r_ind])
        np.testing.assert_allclose(dist2[rows], r_dist, atol=1e-9)


def test_k_larger_than_the_candidates_pads_or_narrows():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((6, 3))
    index = rm.SimilarityIndex(n_neighbors=50).fit(X)
    assert index.kneighbors()[1].shape == (6, 5)  # itself excluded
    assert index.kneighbors(X[:2])[1].shape == (2, 6)
    mask = np.array([True, False, True, False, False, False])
    dist, ind = index.kneighbors(candidate_mask=mask)
    # row 0 and row 2 each have one other candidate; the rest have two
    assert (ind >= 0).sum(axis=1).tolist() == [1, 2, 1, 2, 2, 2]
    assert np.all(ind[:, 2:] == -1)
    assert np.all(np.isinf(dist[ind < 0]))
    assert np.all(np.isfinite(dist[ind >= 0]))
    np.testing.assert_array_equal(index.kneighbors(candidate_mask=np.ones(6, bool))[1],
                                  index.kneighbors()[1])
    dist, ind = index.kneighbors(X[:2], candidate_mask=np.zeros(6, bool))
    assert ind.shape == (2, 6)
    assert np.all(ind == -1)
    assert np.all(dist == np.inf)
    single = rm.SimilarityIndex(n_neighbors=3).fit(X[:1])
    assert single.kneighbors()[1].shape == (1, 0)
    assert single.transform(X[:2]).nnz == 2


def test_candidates_in_ascending_order_stay_exact():
    # each block of fitted rows is closer to the query than the last: the partition path
    angles = np.linspace(1.5, 0.0, 3000)
    X = np.column_stack([np.cos(angles), np.sin(angles)])
    index = rm.SimilarityIndex(n_neighbors=3, block_size=1400).fit(X)
    ref = NearestNeighbors(n_neighbors=3, metric="cosine", algorithm="brute").fit(X)
    for query in ([[1.0, 0.0]], X[:5]):
        np.testing.assert_array_equal(index.kneighbors(query)[1], ref.kneighbors(query)[1])


# ---- exactness, ties, invariants ------------------------------------------------------------
def test_exact_ties_are_broken_by_index():
    X = np.array([[2, 0], [0, 3], [1, 0], [0, 1], [5, 0]], dtype=np.float32)
    index = rm.SimilarityIndex(n_neighbors=4, block_size=2).fit(X)
    dist, ind = index.kneighbors([[1, 0]])
    assert ind.tolist() == [[0, 2, 4, 1]]
    assert dist.tolist() == [[0, 0, 0, 1]]
    assert index.kneighbors()[1][4].tolist() == [0, 2, 1, 3]


@given(X=feature_matrices(), k=st.integers(1, 8), block_size=st.integers(1, 9),
       masked=st.booleans(), data=st.data())
def test_kneighbors_invariants(X, k, block_size, masked, data):
    n = X.shape[0]
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool) \
        if masked else None
    index = rm.SimilarityIndex(n_neighbors=k, block_size=block_size).fit(X)
    dist, ind = index.kneighbors(candidate_mask=mask)
    assert dist.dtype == X.dtype
    width = min(k, n - 1)
    assert ind.shape == (n, width)
    U = index.normalized_X_.astype(np.float64)
    true = 1.0 - np.clip(U @ U.T, -1, 1)  # reference distances, float64
    tol = 1e-5 if X.dtype == np.float32 else 1e-9
    allowed = np.ones((n, n), bool) if mask is None else np.broadcast_to(mask, (n, n)).copy()
    np.fill_diagonal(allowed, False)  # never itself
    for r in range(n):
        got = ind[r][ind[r] >= 0]
        assert got.size == min(width, allowed[r].sum())  # padding only when short of rows
        assert np.all(allowed[r, got])
        assert len(set(got.tolist())) == got.size
        d = dist[r, : got.size].astype(np.float64)
        np.testing.assert_allclose(d, true[r, got], atol=tol)
        # sorted by distance, then by index (exact ties in the computed distances)
        assert all((d[i], got[i]) < (d[i + 1], got[i + 1]) for i in range(got.size - 1))
        rest = np.flatnonzero(allowed[r])
        rest = rest[~np.isin(rest, got)]
        if got.size and rest.size:  # nothing left out is better than what came back
            assert true[r, rest].min() >= d.max() - 2 * tol


def test_blocking_and_threads_do_not_change_the_answer():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((700, 10)).astype(np.float32)
    full = rm.SimilarityIndex(n_neighbors=8, block_size=4096).fit(X).kneighbors()
    for params in ({"block_size": 33}, {"block_size": 100, "n_jobs": 2},
                   {"block_size": 64, "n_jobs": -1}):
        got = rm.SimilarityIndex(n_neighbors=8, **params).fit(X).kneighbors()
        np.testing.assert_array_equal(got[1], full[1])
        np.testing.assert_allclose(got[0], full[0], atol=1e-6)


def test_zero_rows_have_cosine_zero():
    X = np.array([[0, 0], [1, 0], [0, 2], [0, 0]], dtype=np.float64)
    index = rm.SimilarityIndex(n_neighbors=3).fit(X)
    dist, ind = index.kneighbors()
    assert ind[0].tolist() == [1, 2, 3]
    assert dist[0].tolist() == [1, 1, 1]
    assert ind[1].tolist() == [0, 2, 3]  # 0 and 3 at distance 1 as 2 is; ties by index
    assert index.norms_.tolist() == [0, 1, 2, 0]
    assert np.all(np.isfinite(index.normalized_X_))


@pytest.mark.parametrize(
    ("fit_dtype", "query_dtype", "out_dtype"),
    [
        (np.float32, np.float32, np.float32),
        (np.float64, np.float64, np.float64),
        (np.float32, np.float64, np.float64),
        (np.int64, np.int32, np.float64),
    ],
)
def test_dtypes(fit_dtype, query_dtype, out_dtype):
    X = np.arange(24).reshape(8, 3).astype(fit_dtype)
    index = rm.SimilarityIndex(n_neighbors=2).fit(X)
    assert index.normalized_X_.dtype == (np.float32 if fit_dtype == np.float32 else np.float64)
    assert index.kneighbors(X.astype(query_dtype))[0].dtype == out_dtype
    assert index.transform(X.astype(query_dtype)).dtype == out_dtype


def test_graph_modes_and_sparse_interface():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((30, 4))
    index = rm.SimilarityIndex(n_neighbors=3).fit(X)
    conn = index.kneighbors_graph(mode="connectivity")
    assert conn.shape == (30, 30)
    assert conn.nnz == 90
    assert set(conn.data.tolist()) == {1.0}
    assert conn.diagonal().sum() == 0  # X=None: never itself
    with sklearn.config_context(sparse_interface="sparray"):
        assert isinstance(index.transform(X), sp.csr_array)
    assert isinstance(index.transform(X), sp.csr_matrix)
    assert index.get_feature_names_out()[[0, -1]].tolist() == ["similarityindex0",
                                                               "similarityindex29"]
    with pytest.raises(rm.ValidationError, match="mode"):
        index.kneighbors_graph(mode="weights")


def test_pickle_round_trip():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((50, 5)).astype(np.float32)
    index = rm.SimilarityIndex(n_neighbors=4, block_size=16).fit(X)
    again = pickle.loads(pickle.dumps(index))
    for a, b in zip(index.kneighbors(), again.kneighbors()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("params", "call", "field"),
    [
        ({"n_neighbors": 0}, "fit", "n_neighbors"),
        ({"block_size": 0}, "fit", "block_size"),
        ({"n_jobs": 0}, "fit", "n_jobs"),
        ({"n_jobs": "all"}, "fit", "n_jobs"),
        ({}, "k0", "n_neighbors"),
        ({}, "mask_shape", "candidate_mask"),
        ({}, "mask_dtype", "candidate_mask"),
    ],
)
def test_errors_name_the_field(params, call, field):
    X = np.eye(4)
    index = rm.SimilarityIndex(**params)
    calls = {
        "fit": lambda: index.fit(X),
        "k0": lambda: index.fit(X).kneighbors(n_neighbors=0),
        "mask_shape": lambda: index.fit(X).kneighbors(candidate_mask=np.ones(3, bool)),
        "mask_dtype": lambda: index.fit(X).kneighbors(candidate_mask=np.ones(4, np.int64)),
    }
    with pytest.raises(rm.ValidationError) as err:
        calls[call]()
    assert err.value.field == field
    assert isinstance(err.value, ValueError)


def test_unfitted_and_wrong_width():
    with pytest.raises(rm.NotFittedError):
        rm.SimilarityIndex().kneighbors()
    index = rm.SimilarityIndex().fit(np.eye(3))
    with pytest.raises(ValueError, match="features"):
        index.kneighbors(np.ones((2, 4)))
