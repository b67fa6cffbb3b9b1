"""Exact batch top-k over tiles: score a (query block × candidate shard) tile, select its
partial top-k, merge partial lists. All pure functions of arrays, so the same tile and merge
run in a loop here or as tasks over sharded candidates elsewhere.

Selection never sorts or partitions every score. Each row first takes a threshold from a
fixed sample of its *allowed* candidates: the sample's k-th best full score bounds the row's
true k-th best from below, so only scores at or above it can enter the result. The compiled
kernel (numba, when installed) scans each row once, keeping a k-slot insertion list; the
numpy fallback selects the few scores above the threshold with ``nonzero`` and a lexsort.
Both give identical results: the k best by score, ties broken by ``id_rank`` (smaller first);
rows with fewer than k allowed candidates are padded with index -1 and score -inf.
"""

from __future__ import annotations

import os

import numpy as np
from numpy.typing import NDArray

__all__ = ["HAVE_NUMBA", "merge_partial", "select_topk", "warm_up"]

try:  # numba is optional; the numpy path gives identical results
    if os.environ.get("ROOTMATCH_DISABLE_NUMBA"):
        raise ImportError("disabled by ROOTMATCH_DISABLE_NUMBA")
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - depends on the environment
    numba = None
    HAVE_NUMBA = False


def _select_numpy(
    S: NDArray[np.float32],
    k: int,
    cand: NDArray[np.bool_] | None,
    id_rank: NDArray[np.int64],
    sample_cols: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    b, n = S.shape
    out_idx = np.full((b, k), -1, np.int64)
    out_val = np.full((b, k), -np.inf, S.dtype)
    if b == 0 or n == 0 or k == 0:
        return out_idx, out_val
    sv = S[:, sample_cols]
    if cand is not None:
        sv = np.where(cand[sample_cols][None, :], sv, -np.inf)
    s = sv.shape[1]
    thr = (np.partition(sv, s - k, axis=1)[:, s - k] if s >= k
           else np.full(b, -np.inf, S.dtype))
    mask = thr[:, None] <= S
    mask &= -np.inf < S
    if cand is not None:
        mask &= cand[None, :]
    r, c = np.nonzero(mask)
    v = S[r, c]
    order = np.lexsort((id_rank[c], -v, r))
    r, c, v = r[order], c[order], v[order]
    starts = np.searchsorted(r, np.arange(b))
    pos = np.arange(r.size) - starts[r]
    keep = pos < k
    out_idx[r[keep], pos[keep]] = c[keep]
    out_val[r[keep], pos[keep]] = v[keep]
    return out_idx, out_val


if HAVE_NUMBA:

    @numba.njit(parallel=True, cache=True, nogil=True)
    def _select_kernel(  # pragma: no cover - compiled
        S, k, cand, has_cand, id_rank, sample_cols, out_idx, out_val
    ):
        b, n = S.shape
        ns = sample_cols.shape[0]
        for r in numba.prange(b):
            hv = out_val[r]
            hi = out_idx[r]
            tmp = np.empty(ns, S.dtype)
            m = 0
            for t in range(ns):
                col = sample_cols[t]
                if has_cand and not cand[col]:
                    continue
                val = S[r, col]
                if val > -np.inf:
                    tmp[m] = val
                    m += 1
            thr = -np.inf
            if m >= k:
                thr = np.sort(tmp[:m])[m - k]
            cnt = 0
            for j in range(n):
                v = S[r, j]
                if v < thr or v == -np.inf:
                    continue
                if has_cand and not cand[j]:
                    continue
                rj = id_rank[j]
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
                hi[p] = j
                if cnt == k and hv[k - 1] > thr:
                    thr = hv[k - 1]


def select_topk(
    S: NDArray[np.float32],
    k: int,
    *,
    id_rank: NDArray[np.int64],
    cand: NDArray[np.bool_] | None = None,
    sample_cols: NDArray[np.int64] | None = None,
    use_numba: bool | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Exact top-k per row of a score tile.

    Parameters
    ----------
    S : ndarray of shape (b, n)
        Full scores; excluded cells already set to ``-inf``.
    k : int
    id_rank : ndarray of shape (n,)
        Tie-break key per column (rank of the entity id); smaller wins.
    cand : ndarray of bool, shape (n,), optional
        Allowed columns.
    sample_cols : ndarray of int, optional
        Columns whose allowed scores set each row's starting threshold.
    use_numba : bool, optional
        Use the compiled kernel (default: when numba is installed).

    Returns
    -------
    idx : ndarray of shape (b, k), int64 (-1 pads)
    val : ndarray of shape (b, k), S.dtype (-inf pads)

    Examples
    --------
    >>> S = np.array([[0.1, 0.9, 0.5, 0.9]], dtype=np.float32)
    >>> idx, val = select_topk(S, 2, id_rank=np.array([0, 3, 1, 2]))
    >>> idx.tolist(), val.tolist()
    ([[3, 1]], [[0.8999999761581421, 0.8999999761581421]])
    """
    n = S.shape[1]
    if sample_cols is None:
        sample_cols = np.arange(0, n, max(1, n // 256), dtype=np.int64)
    sample_cols = np.asarray(sample_cols, np.int64)
    id_rank = np.asarray(id_rank, np.int64)
    use = HAVE_NUMBA if use_numba is None else (use_numba and HAVE_NUMBA)
    if not use or k == 0 or S.shape[0] == 0 or n == 0:
        return _select_numpy(S, k, cand, id_rank, sample_cols)
    S = np.ascontiguousarray(S)
    out_idx = np.full((S.shape[0], k), -1, np.int64)
    out_val = np.full((S.shape[0], k), -np.inf, S.dtype)
    has_cand = cand is not None
    cand_arr = np.asarray(cand, np.bool_) if has_cand else np.ones(1, np.bool_)
    _select_kernel(S, k, cand_arr, has_cand, id_rank, sample_cols, out_idx, out_val)
    return out_idx, out_val


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


def warm_up() -> None:
    """Compile the kernel now (cached on disk) so the first real call is fast."""
    if HAVE_NUMBA:
        S = np.zeros((2, 8), np.float32)
        select_topk(S, 2, id_rank=np.arange(8), cand=np.ones(8, bool), use_numba=True)
        select_topk(S, 2, id_rank=np.arange(8), use_numba=True)
