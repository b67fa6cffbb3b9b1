"""Exact batch top-k over tiles: score a (query block × candidate shard) tile, fold it into
each row's running top-k list, merge partial lists. All pure functions of arrays, so the same
tile and merge run in a loop here or as tasks over sharded candidates elsewhere.

Selection never sorts or partitions every score. Each row starts from a threshold taken from
a fixed sample of its *allowed* candidates (:func:`sample_thresholds`): the sample's k-th best
score bounds the row's true k-th best from below, so only scores at or above it can enter the
result, and the bound rises to the running k-th best as tiles are folded in. The compiled
kernel (numba, when installed; single-threaded and GIL-free, so callers parallelise over
query blocks) skips every 64-column chunk whose maximum is below the bound
and walks the rest with a k-slot insertion list; the numpy fallback selects the few scores
above the bound with ``nonzero`` and a lexsort and merges. Both give identical results: the k
best by score, ties broken by ``id_rank`` (smaller first); rows with fewer than k allowed
candidates are padded with index -1 and score -inf.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "HAVE_NUMBA",
    "fold_tile",
    "merge_partial",
    "new_topk",
    "row_scores",
    "sample_thresholds",
    "select_topk",
    "warm_up",
]

try:  # numba is optional; the numpy path gives identical results
    if os.environ.get("ROOTMATCH_DISABLE_NUMBA"):
        raise ImportError("disabled by ROOTMATCH_DISABLE_NUMBA")
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - depends on the environment
    numba = None
    HAVE_NUMBA = False

_CHUNK = 64


def new_topk(b: int, k: int, dtype: type = np.float32) -> tuple[NDArray[np.int64], NDArray]:
    """Empty running top-k lists for ``b`` rows: index -1 and score -inf."""
    return np.full((b, k), -1, np.int64), np.full((b, k), -np.inf, dtype)


def sample_thresholds(sample_scores: NDArray[np.floating], k: int) -> NDArray[np.floating]:
    """Per-row lower bounds of the k-th best score from a sample of allowed candidates.

    ``sample_scores`` (b, m) holds the sampled candidates' scores with disallowed ones set to
    ``-inf``; any sampled score may be *lower* than the candidate's full score (a dropped
    non-negative term), never higher. A small relative margin absorbs float rounding
    differences between separately computed products. Rows with fewer than k allowed samples
    get ``-inf``.
    """
    b, m = sample_scores.shape
    if m < k or k == 0:
        return np.full(b, -np.inf, sample_scores.dtype)
    kth = np.partition(sample_scores, m - k, axis=1)[:, m - k]
    margin = 1e-5 * np.maximum(1.0, np.abs(kth))
    return np.where(np.isfinite(kth), kth - margin, -np.inf).astype(sample_scores.dtype)


def merge_partial(
    idx_a: NDArray[np.int64],
    val_a: NDArray[np.floating],
    idx_b: NDArray[np.int64],
    val_b: NDArray[np.floating],
    k: int,
    id_rank: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.floating]]:
    """Merge two partial top-k lists of the same rows (an associative reduction).

    Indices are global column indices (-1 pads); ``id_rank`` breaks ties.
    """
    idx = np.concatenate([idx_a, idx_b], axis=1)
    val = np.concatenate([val_a, val_b], axis=1)
    rank = np.where(idx >= 0, id_rank[np.maximum(idx, 0)], np.iinfo(np.int64).max)
    order = np.lexsort((rank, -val), axis=1)[:, :k]
    rows = np.arange(idx.shape[0])[:, None]
    return idx[rows, order], val[rows, order]


def _fold_numpy(S, c_off, k, cand, id_rank, thr, out_idx, out_val):  # type: ignore[no-untyped-def]
    b, _s = S.shape
    full = out_idx[:, k - 1] >= 0 if k else np.zeros(b, bool)
    bound = np.where(full, np.maximum(thr, out_val[:, k - 1] if k else thr), thr)
    mask = bound[:, None] <= S
    mask &= -np.inf < S
    if cand is not None:
        mask &= cand[None, :]
    r, c = np.nonzero(mask)
    v = S[r, c]
    g = c + c_off
    order = np.lexsort((id_rank[g], -v, r))
    r, g, v = r[order], g[order], v[order]
    starts = np.searchsorted(r, np.arange(b))
    pos = np.arange(r.size) - starts[r]
    keep = pos < k
    t_idx, t_val = new_topk(b, k, S.dtype)
    t_idx[r[keep], pos[keep]] = g[keep]
    t_val[r[keep], pos[keep]] = v[keep]
    m_idx, m_val = merge_partial(out_idx, out_val, t_idx, t_val, k, id_rank)
    out_idx[:] = m_idx
    out_val[:] = m_val


if HAVE_NUMBA:

    # fast-math without the no-infinity/no-NaN assumptions: scores hold -inf
    _FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}

    @numba.njit(cache=True, nogil=True, fastmath=_FAST)
    def _chunk_max(row, lo, hi):  # pragma: no cover - compiled
        m = row[lo]
        for j in range(lo + 1, hi):
            m = max(m, row[j])
        return m

    @numba.njit(cache=True, nogil=True)
    def _fold_kernel(  # pragma: no cover - compiled
        S, c_off, k, cand, has_cand, id_rank, thr0, out_idx, out_val, ordered
    ):
        b, s = S.shape
        for r in range(b):
            row = S[r]
            hv = out_val[r]
            hi = out_idx[r]
            cnt = 0
            while cnt < k and hi[cnt] >= 0:
                cnt += 1
            thr = thr0[r]
            if cnt == k and hv[k - 1] > thr:
                thr = hv[k - 1]
            for c0 in range(0, s, _CHUNK):
                c1 = min(c0 + _CHUNK, s)
                # a chunk whose best score cannot enter the list is skipped whole
                cm = _chunk_max(row, c0, c1)
                if cm < thr or cm == -np.inf or (ordered and cnt == k and cm <= thr):
                    continue
                for j in range(c0, c1):
                    v = row[j]
                    # with ids in column order a tie never displaces an earlier column
                    if v < thr or v == -np.inf or (ordered and cnt == k and v <= thr):
                        continue
                    if has_cand and not cand[j]:
                        continue
                    g = c_off + j
                    rj = id_rank[g]
                    if cnt == k:
                        lv = hv[k - 1]
                        if v < lv or (v == lv and rj > id_rank[hi[k - 1]]):
                            continue
                        p = k - 1
                    else:
                        p = cnt
                        cnt += 1
                    while p > 0:
                        pv = hv[p - 1]
                        if v > pv or (v == pv and rj < id_rank[hi[p - 1]]):
                            hv[p] = pv
                            hi[p] = hi[p - 1]
                            p -= 1
                        else:
                            break
                    hv[p] = v
                    hi[p] = g
                    if cnt == k and hv[k - 1] > thr:
                        thr = hv[k - 1]


if HAVE_NUMBA:

    @numba.njit(cache=True, nogil=True, fastmath=_FAST)
    def _row_kernel(K, q, indptr, indices, data, qb, cat, cat_vals, out):  # pragma: no cover
        n, d = K.shape
        for i in range(n):
            acc = np.float32(0.0)
            for j in range(d):
                acc += K[i, j] * q[j]
            for p in range(indptr[i], indptr[i + 1]):
                acc += data[p] * qb[indices[p]]
            out[i] = acc + cat_vals[cat[i]]


def row_scores(K: NDArray[np.float32], q: NDArray[np.float32], B: Any, qb: NDArray[np.float32],
               cat: NDArray[np.int32], cat_vals: NDArray[np.float32], *,
               use_numba: bool | None = None) -> NDArray[np.float32]:
    """``K @ q + B @ qb + cat_vals[cat]`` for one query, in one pass over the candidates.

    ``K`` is dense (n, d) float32, ``B`` a CSR (n, m) float32 matrix and ``cat`` each
    candidate's category. Compiled, it runs on one thread: a single query row has too little
    work for a threaded BLAS, whose thread hand-offs dominate (and stall when the cores are
    busy).
    """
    use = HAVE_NUMBA if use_numba is None else (use_numba and HAVE_NUMBA)
    if not use:
        return np.asarray(K @ q + B @ qb + cat_vals[cat], dtype=np.float32)
    out = np.empty(K.shape[0], np.float32)
    _row_kernel(K, np.ascontiguousarray(q, np.float32), B.indptr, B.indices, B.data,
                np.ascontiguousarray(qb, np.float32), cat, cat_vals, out)
    return out


def fold_tile(
    S: NDArray[np.floating],
    c_off: int,
    out_idx: NDArray[np.int64],
    out_val: NDArray[np.floating],
    *,
    id_rank: NDArray[np.int64],
    thresholds: NDArray[np.floating],
    cand: NDArray[np.bool_] | None = None,
    use_numba: bool | None = None,
) -> None:
    """Fold a score tile into running top-k lists, in place.

    Parameters
    ----------
    S : ndarray of shape (b, s)
        Full scores of the tile's columns ``c_off .. c_off + s``; excluded cells ``-inf``.
    c_off : int
        Global index of the tile's first column.
    out_idx, out_val : ndarray of shape (b, k)
        Running lists (see :func:`new_topk`), updated in place; tiles must arrive in
        increasing column order when ``id_rank`` is increasing (any order otherwise).
    id_rank : ndarray of shape (n,)
        Global tie-break key per column (smaller wins).
    thresholds : ndarray of shape (b,)
        Lower bounds of each row's k-th best (:func:`sample_thresholds`), or ``-inf``.
    cand : ndarray of bool, shape (s,), optional
        Allowed columns of the tile.
    use_numba : bool, optional
        Use the compiled kernel (default: when numba is installed).
    """
    k = out_idx.shape[1]
    if k == 0 or S.shape[0] == 0 or S.shape[1] == 0:
        return
    use = HAVE_NUMBA if use_numba is None else (use_numba and HAVE_NUMBA)
    if not use:
        _fold_numpy(S, c_off, k, cand, id_rank, thresholds, out_idx, out_val)
        return
    n = id_rank.shape[0]
    ordered = bool(n < 2 or np.all(id_rank[1:] > id_rank[:-1]))
    has_cand = cand is not None
    cand_arr = np.ascontiguousarray(cand, np.bool_) if has_cand else np.ones(1, np.bool_)
    _fold_kernel(np.ascontiguousarray(S), int(c_off), k, cand_arr, has_cand, id_rank,
                 np.asarray(thresholds, S.dtype), out_idx, out_val, ordered)


def select_topk(
    S: NDArray[np.floating],
    k: int,
    *,
    id_rank: NDArray[np.int64],
    cand: NDArray[np.bool_] | None = None,
    sample_cols: NDArray[np.int64] | None = None,
    use_numba: bool | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.floating]]:
    """Exact top-k per row of one score matrix (a single tile).

    Parameters
    ----------
    S : ndarray of shape (b, n)
        Full scores; excluded cells already set to ``-inf``.
    k : int
    id_rank : ndarray of shape (n,)
        Tie-break key per column; smaller wins.
    cand : ndarray of bool, shape (n,), optional
        Allowed columns.
    sample_cols : ndarray of int, optional
        Columns whose allowed scores set each row's starting threshold.
    use_numba : bool, optional

    Returns
    -------
    idx : ndarray of shape (b, k), int64 (-1 pads)
    val : ndarray of shape (b, k) (-inf pads)

    Examples
    --------
    >>> S = np.array([[0.1, 0.9, 0.5, 0.9]], dtype=np.float32)
    >>> idx, val = select_topk(S, 2, id_rank=np.array([0, 3, 1, 2]))
    >>> idx.tolist(), val.round(2).tolist()
    ([[3, 1]], [[0.9, 0.9]])
    """
    id_rank = np.asarray(id_rank, np.int64)
    b, n = S.shape
    if sample_cols is None:
        sample_cols = np.arange(0, n, max(1, n // 256), dtype=np.int64)
    sample = S[:, np.asarray(sample_cols, np.int64)]
    if cand is not None:
        sample = np.where(cand[sample_cols][None, :], sample, -np.inf)
    thr = sample_thresholds(sample, k)
    out_idx, out_val = new_topk(b, k, S.dtype)
    fold_tile(S, 0, out_idx, out_val, id_rank=id_rank, thresholds=thr, cand=cand,
              use_numba=use_numba)
    return out_idx, out_val


def warm_up() -> None:
    """Compile the kernel now (cached on disk) so the first real call is fast."""
    if HAVE_NUMBA:
        S = np.zeros((2, 8), np.float32)
        select_topk(S, 2, id_rank=np.arange(8), cand=np.ones(8, bool), use_numba=True)
        select_topk(S, 2, id_rank=np.arange(8), use_numba=True)
        import scipy.sparse as sp

        B = sp.csr_matrix(np.eye(2, 3, dtype=np.float32))
        row_scores(S, np.zeros(8, np.float32), B, np.zeros(3, np.float32),
                   np.zeros(2, np.int32), np.zeros(1, np.float32), use_numba=True)
