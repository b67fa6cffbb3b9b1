"""Exact top-k selection: one kernel for every search in rootmatch, as pure functions of arrays.

A search is tiled: a *tile* of scores (query block × candidate block) becomes a partial top-k
per row with :func:`topk_rows`, a running top-k absorbs the next tile with
:func:`topk_update`, and partial lists computed on disjoint candidate shards combine with
:func:`merge_topk`, an associative and commutative reduction. :class:`rootmatch.SimilarityIndex`,
``Matchmaker.recommend_all`` and the single-firm path all select with these.

Conventions shared by every function here:

- rows are sorted by score **descending**, then by tie rank **ascending**; the tie rank of a
  candidate is its index, or ``ids_order[index]`` when ``ids_order`` is given (for instance the
  position of the candidate's entity id in sorted id order), so ties never depend on the order
  in which candidates arrive;
- a score of ``-inf`` or NaN marks "not a candidate" (a masked pair, the query itself), and so
  does ``False`` in an optional ``cand`` mask over the tile's columns;
- a row with fewer than ``k`` candidates is **padded** at its end with index ``-1`` and score
  ``-inf``; ``+inf`` is an ordinary (best possible) score;
- indices are ``int64``; scores keep the floating dtype of the input (integers become
  ``float64``).

Selection never sorts every score. Optional per-row ``thresholds`` (lower bounds of each row's
k-th best score, e.g. :func:`sample_thresholds` of a sample of allowed candidates) and the
running k-th best bound which scores can still enter. The compiled kernel
(:mod:`rootmatch.engine._kernels`, when numba is available) skips every 64-column chunk whose
maximum is below the bound and walks the rest with a k-slot insertion list. The numpy path compares
each score once with the bound and sorts only the few that pass (a row-wise
:func:`numpy.lexsort` of about ``k`` entries per row, laid out densely), or, when too many pass
(the first tile, adversarial orders), finds each row's k-th best with :func:`numpy.partition`
first. Both are exact, ties at the k-th boundary included, and give identical results.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from rootmatch.base._checks import check_k
from rootmatch.base.exceptions import ValidationError
from rootmatch.engine._scoring import row_scores

__all__ = ["empty_topk", "merge_topk", "sample_thresholds", "topk_rows", "topk_update",
           "warm_up"]  # and HAVE_NUMBA, looked up on first use

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.floating]


_KERNELS: Any = None  # rootmatch.engine._kernels once loaded: numba loads on first use, not with
_NO_CAND = np.ones(1, np.bool_)  # the modules that import this one
_NO_RANK = np.zeros(1, np.int64)


def _kernels() -> Any:
    global _KERNELS
    if _KERNELS is None:
        from rootmatch.engine import _kernels as kernels

        _KERNELS = kernels
    return _KERNELS


def __getattr__(name: str) -> object:
    if name == "HAVE_NUMBA":
        return _kernels().HAVE_NUMBA
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _check_k(k: object) -> int:
    return check_k(k)


def _float_scores(scores: ArrayLike, name: str = "scores") -> FloatArray:
    arr = np.asarray(scores)
    if arr.ndim != 2:
        raise ValidationError(
            f"{name} must be a 2-d array (rows, candidates), got shape {arr.shape}",
            field=name,
            value=arr.shape,
        )
    if arr.dtype.kind != "f":
        arr = arr.astype(np.float64)
    return arr


def _check_ids_order(ids_order: ArrayLike | None, n: int) -> IntArray | None:
    if ids_order is None:
        return None
    order = np.asarray(ids_order)
    if order.ndim != 1 or order.shape[0] < n or order.dtype.kind not in "iu":
        raise ValidationError(
            f"ids_order must be a 1-d integer array covering the {n} columns, got "
            f"shape {order.shape} and dtype {order.dtype}",
            field="ids_order",
            value=order.shape,
        )
    return order.astype(np.int64, copy=False)


def _check_cand(cand: ArrayLike | None, n: int) -> NDArray[np.bool_] | None:
    if cand is None:
        return None
    mask = np.asarray(cand)
    if mask.shape != (n,) or mask.dtype != np.bool_:
        raise ValidationError(
            f"cand must be a boolean mask over the {n} columns, got shape {mask.shape} and "
            f"dtype {mask.dtype}",
            field="cand",
            value=mask.shape,
        )
    return mask


def _use_numba(use_numba: bool | None) -> bool:
    return bool(use_numba is None or use_numba) and bool(_kernels().HAVE_NUMBA)


def _lowest(dtype: np.dtype) -> np.floating:
    """The smallest finite value of ``dtype``: ``scores >= _lowest`` drops -inf and NaN."""
    return np.finfo(dtype).min


def _nonzero(mask: NDArray[np.bool_], n: int) -> tuple[NDArray[np.intp], IntArray]:
    """Row and column of every True entry (row-major), faster than 2-d ``np.nonzero``."""
    flat = np.flatnonzero(mask)
    rows, cols = np.divmod(flat, n)
    return rows, cols.astype(np.int64, copy=False)


def empty_topk(b: int, k: int, dtype: type | np.dtype = np.float32) -> tuple[IntArray, FloatArray]:
    """Running top-k lists of ``b`` rows with no candidate yet: index -1, score -inf.

    Examples
    --------
    >>> idx, vals = empty_topk(1, 2)
    >>> idx.tolist(), vals.tolist(), vals.dtype.name
    ([[-1, -1]], [[-inf, -inf]], 'float32')
    """
    return np.full((b, k), -1, np.int64), np.full((b, k), -np.inf, dtype)


def sample_thresholds(sample_scores: NDArray[np.floating], k: int) -> NDArray[np.floating]:
    """Per-row lower bounds of the k-th best score from a sample of allowed candidates.

    ``sample_scores`` (b, m) holds the sampled candidates' scores with disallowed ones set to
    ``-inf``; a sampled score may be *lower* than the candidate's full score (a dropped
    non-negative term), never higher. A small relative margin absorbs float rounding
    differences between separately computed products. Rows with fewer than k allowed samples
    get ``-inf``.

    Examples
    --------
    >>> sample_thresholds(np.array([[3.0, 1.0, 2.0], [1.0, -np.inf, -np.inf]]), 2).tolist()
    [1.99998, -inf]
    """
    b, m = sample_scores.shape
    if m < k or k == 0:
        return np.full(b, -np.inf, sample_scores.dtype)
    kth = np.partition(sample_scores, m - k, axis=1)[:, m - k]
    finite = np.isfinite(kth)
    kth = np.where(finite, kth, 0.0)
    margin = 1e-5 * np.maximum(1.0, np.abs(kth))
    return np.where(finite, kth - margin, -np.inf).astype(sample_scores.dtype)


def _select(
    rows: NDArray[np.intp],
    cols: IntArray,
    vals: FloatArray,
    tie: IntArray,
    n_rows: int,
    k: int,
    dtype: np.dtype,
) -> tuple[IntArray, FloatArray]:
    """Exact top-k per row of a flat list of candidate entries.

    ``rows`` must be sorted ascending (row-major order, as ``flatnonzero`` gives) and no
    entry may be -inf or NaN. Rows with a few entries (the usual case: about ``k``) are laid
    out densely and sorted row-wise, which is many times faster than one flat sort of all
    entries; the rare rows with many (ties straddling the k-th score) take a flat sort of
    their own entries.
    """
    idx, val = empty_topk(n_rows, k, dtype)
    m = rows.size
    if m == 0 or k == 0:
        return idx, val
    counts = np.bincount(rows, minlength=n_rows)
    starts = np.cumsum(counts) - counts
    heavy_rows = counts > 4 * k + 32
    light = ~heavy_rows[rows] if heavy_rows.any() else slice(None)
    r = rows[light]
    if r.size:
        pos = np.arange(m)[light] - starts[r]
        width = int(counts[~heavy_rows].max())
        d_val = np.full((n_rows, width), -np.inf, dtype)
        d_tie = np.full((n_rows, width), np.iinfo(np.int64).max, np.int64)
        d_col = np.full((n_rows, width), -1, np.int64)
        d_val[r, pos] = vals[light]
        d_tie[r, pos] = tie[light]
        d_col[r, pos] = cols[light]
        perm = np.lexsort((d_tie, -d_val), axis=1)[:, :k]
        kk = perm.shape[1]
        idx[:, :kk] = np.take_along_axis(d_col, perm, axis=1)
        val[:, :kk] = np.take_along_axis(d_val, perm, axis=1)
    if heavy_rows.any():
        heavy = np.flatnonzero(heavy_rows[rows])
        order = heavy[np.lexsort((tie[heavy], -vals[heavy], rows[heavy]))]
        rows_s = rows[order]
        rank = np.arange(order.size) - np.searchsorted(rows_s, rows_s, side="left")
        keep = rank < k
        idx[rows_s[keep], rank[keep]] = cols[order[keep]]
        val[rows_s[keep], rank[keep]] = vals[order[keep]]
    return idx, val


def _partition_topk(arr: FloatArray, k: int, order: IntArray | None) -> tuple[IntArray, FloatArray]:
    """numpy top-k of every row: the k-th best by a partition, then a sort of what passes."""
    b, n = arr.shape
    if b == 0 or n == 0 or k == 0:
        return empty_topk(b, k, arr.dtype)
    kk = min(k, n)
    lowest = _lowest(arr.dtype)
    if kk < n:
        # the kk-th best score of each row; NaN sorts last in ``-arr`` so it is never chosen
        # unless the row has fewer than kk non-NaN entries, and then every entry is kept.
        kth = -np.partition(-arr, kk - 1, axis=1)[:, kk - 1]
        kth = np.where(kth >= lowest, kth, lowest)  # -inf and NaN -> keep every candidate
        mask = arr >= kth[:, None]
    else:
        mask = arr >= lowest
    rows, cols = _nonzero(mask, n)
    tie = cols if order is None else order[cols]
    return _select(rows, cols, arr[rows, cols], tie, b, k, arr.dtype)


def _entry_bounds(idx: IntArray, vals: FloatArray, offset: int, ordered: bool) -> FloatArray:
    """The score a new candidate needs (``>=``) to enter each row's running top-k: the k-th
    best, nudged one step up when ties cannot enter (``ordered``: every index kept is below
    ``offset`` and tie ranks increase with the index); the lowest finite score while a row is
    not full."""
    lowest = _lowest(vals.dtype)
    if vals.shape[1] == 0:
        return np.full(vals.shape[0], np.inf, vals.dtype)
    kth = vals[:, -1]
    full = kth >= lowest
    lo = np.where(full, kth, lowest)
    if ordered:
        lo = np.where(full & (idx.max(axis=1) < offset), np.nextafter(lo, np.inf), lo)
    return lo


def _merge_hits(idx: IntArray, vals: FloatArray, rows: NDArray[np.intp], cols: IntArray,
                hit_vals: FloatArray, order: IntArray | None) -> tuple[IntArray, FloatArray]:
    """Merge new candidates (flat: ``rows`` sorted ascending, ``cols`` not kept yet, scores
    neither -inf nor NaN) into a running top-k: the top-k of each row's hits, then a merge."""
    k = idx.shape[1]
    if rows.size == 0 or k == 0:
        return idx, vals
    dtype = vals.dtype
    first = np.empty(rows.size, bool)
    first[0] = True
    np.not_equal(rows[1:], rows[:-1], out=first[1:])
    hit = rows[first]
    new_rows = np.searchsorted(hit, rows)
    tie = cols if order is None else order[cols]
    new_idx, new_val = _select(new_rows, cols, hit_vals.astype(dtype, copy=False), tie,
                               hit.size, k, dtype)
    merged_idx, merged_val = merge_topk(idx[hit], vals[hit], new_idx, new_val, k,
                                        ids_order=order)
    out_idx, out_val = idx.copy(), vals.copy()
    out_idx[hit] = merged_idx
    out_val[hit] = merged_val
    return out_idx, out_val


def _fold(idx: IntArray, run: FloatArray, arr: FloatArray, offset: int, order: IntArray | None,
          thresholds: ArrayLike | None, cand: NDArray[np.bool_] | None,
          use: bool) -> tuple[IntArray, FloatArray]:
    """The running top-k ``idx``/``run`` (sorted, padded) with the tile ``arr`` folded in."""
    b, k = idx.shape
    n = arr.shape[1]
    if k == 0 or n == 0 or b == 0:
        return idx, run
    # no tie can displace a kept candidate: every new one ranks after them all, in order
    if order is None:
        ordered = int(idx.max()) < offset
    else:
        tile = order[offset: offset + n]
        kept = idx[idx >= 0]
        ordered = (bool(np.all(tile[1:] > tile[:-1]))
                   and (kept.size == 0 or int(tile[0]) > int(order[kept].max())))
    thr = None if thresholds is None else np.asarray(thresholds, arr.dtype).reshape(b)
    if use:
        out_idx, out_val = np.array(idx, np.int64, order="C"), np.array(run, order="C")
        thr0 = np.full(b, -np.inf, arr.dtype) if thr is None else np.ascontiguousarray(thr)
        has_cand = cand is not None
        _kernels().fold_kernel(np.ascontiguousarray(arr), int(offset),
                               np.ascontiguousarray(cand) if has_cand else _NO_CAND, has_cand,
                               _NO_RANK if order is None else order, order is not None,
                               thr0, out_idx, out_val, ordered)
        return out_idx, out_val
    lo = _entry_bounds(idx, run, offset, ordered)
    if thr is not None:
        lo = np.maximum(lo, thr.astype(lo.dtype))
    mask = arr >= lo[:, None]
    if cand is not None:
        mask &= cand[None, :]
    rows, cols = _nonzero(mask, n)
    if rows.size > 8 * k * b + 1024:
        # the first tile, or an adversarial order (each block better than the last): bound
        # the cost by a partition of the tile and a merge of two k-lists
        sub = arr if cand is None else np.where(cand[None, :], arr, -np.inf)
        new_idx, new_val = _partition_topk(
            sub, k, None if order is None else order[offset: offset + n])
        new_idx = np.where(new_idx >= 0, new_idx + offset, -1)
        return merge_topk(idx, run, new_idx, new_val.astype(run.dtype, copy=False), k,
                          ids_order=order)
    return _merge_hits(idx, run, rows, cols + offset, arr[rows, cols], order)


def topk_rows(scores: ArrayLike, k: int, *, ids_order: ArrayLike | None = None,
              cand: ArrayLike | None = None, thresholds: ArrayLike | None = None,
              use_numba: bool | None = None) -> tuple[IntArray, FloatArray]:
    """Exact top-``k`` of every row of a score matrix.

    Parameters
    ----------
    scores : array-like of shape (b, n)
        Scores, higher is better; ``-inf`` (or NaN) marks a column that is not a candidate
        for that row.
    k : int
        How many to keep per row (``k`` may exceed ``n``: the rest is padding).
    ids_order : array-like of int, shape (n,), optional
        Tie rank of each column (smaller wins). Default: the column index.
    cand : array-like of bool, shape (n,), optional
        Allowed columns (default: all).
    thresholds : array-like of shape (b,), optional
        Lower bounds of each row's k-th best score (:func:`sample_thresholds`); a speed hint.
    use_numba : bool, optional
        Use the compiled kernel (default: when numba is available); same results.

    Returns
    -------
    idx : ndarray of int64, shape (b, k)
        Column indices, best first; ``-1`` pads rows with fewer than ``k`` candidates.
    vals : ndarray, shape (b, k)
        The matching scores (dtype of ``scores``); ``-inf`` where ``idx`` is ``-1``.

    Examples
    --------
    >>> import numpy as np
    >>> idx, vals = topk_rows(np.array([[0.5, 0.9, 0.5, -np.inf],
    ...                                 [-np.inf, 0.1, -np.inf, -np.inf]]), 3)
    >>> idx.tolist()
    [[1, 0, 2], [1, -1, -1]]
    >>> vals.tolist()
    [[0.9, 0.5, 0.5], [0.1, -inf, -inf]]
    """
    k = _check_k(k)
    arr = _float_scores(scores)
    b, n = arr.shape
    order = _check_ids_order(ids_order, n)
    mask = _check_cand(cand, n)
    use = _use_numba(use_numba)
    if not use:
        return _partition_topk(arr if mask is None else np.where(mask[None, :], arr, -np.inf),
                               k, order)
    idx, vals = empty_topk(b, k, arr.dtype)
    return _fold(idx, vals, arr, 0, order, thresholds, mask, use)


def topk_update(idx: ArrayLike, vals: ArrayLike, scores: ArrayLike, *, offset: int = 0,
                ids_order: ArrayLike | None = None, cand: ArrayLike | None = None,
                thresholds: ArrayLike | None = None,
                use_numba: bool | None = None) -> tuple[IntArray, FloatArray]:
    """Absorb a new tile of scores into a running top-k (one step of a blocked search).

    Only the scores at least as good as the row's bound (the current k-th best, or
    ``thresholds`` if higher) are looked at again, so after the first tiles the cost is about
    one comparison per score. The inputs are not modified.

    Parameters
    ----------
    idx, vals : array-like of shape (b, k)
        The running top-k, as returned by :func:`topk_rows` or :func:`empty_topk`.
    scores : array-like of shape (b, n)
        Scores of the new tile; column ``j`` is candidate ``offset + j``.
    offset : int, default=0
        Index of the tile's first column.
    ids_order : array-like of int, optional
        Tie rank by candidate index (covering every index), as in :func:`topk_rows`.
    cand, thresholds, use_numba
        As in :func:`topk_rows` (``cand`` over the tile's columns).

    Returns
    -------
    idx, vals : ndarray of shape (b, k)
        The exact top-k over the old candidates and the tile's.

    Examples
    --------
    >>> import numpy as np
    >>> idx, vals = topk_rows(np.array([[0.2, 0.7]]), 2)
    >>> idx, vals = topk_update(idx, vals, np.array([[0.7, 0.1]]), offset=2)
    >>> idx.tolist(), vals.tolist()
    ([[1, 2]], [[0.7, 0.7]])
    """
    idx = np.asarray(idx, dtype=np.int64)
    run = _float_scores(vals, "vals")
    arr = _float_scores(scores)
    if idx.shape != run.shape or arr.shape[0] != idx.shape[0]:
        raise ValidationError(
            f"idx {idx.shape}, vals {run.shape} and scores {arr.shape} do not line up",
            field="scores",
            value=arr.shape,
        )
    n = arr.shape[1]
    order = _check_ids_order(ids_order, offset + n) if idx.shape[1] and n else None
    return _fold(idx, run, arr, int(offset), order, thresholds, _check_cand(cand, n),
                 _use_numba(use_numba))


def merge_topk(idx_a: ArrayLike, val_a: ArrayLike, idx_b: ArrayLike, val_b: ArrayLike, k: int,
               *, ids_order: ArrayLike | None = None) -> tuple[IntArray, FloatArray]:
    """Merge two partial top-k lists of the same rows (an associative reduction).

    The two lists must come from **disjoint** candidate sets (for instance two shards of the
    candidates); the result is then the exact top-``k`` of their union, whatever the order
    and grouping of the merges.

    Parameters
    ----------
    idx_a, val_a : array-like of shape (b, ka)
        First partial list (padding: index ``-1``, score ``-inf``; need not be sorted).
    idx_b, val_b : array-like of shape (b, kb)
        Second partial list.
    k : int
        Length of the result.
    ids_order : array-like of int, optional
        Tie rank by candidate index, as in :func:`topk_rows`.

    Returns
    -------
    idx : ndarray of int64, shape (b, k)
    vals : ndarray, shape (b, k)

    Examples
    --------
    >>> import numpy as np
    >>> idx, vals = merge_topk([[4, 1]], [[0.9, 0.5]], [[0, -1]], [[0.5, -np.inf]], 3)
    >>> idx.tolist(), vals.tolist()
    ([[4, 0, 1]], [[0.9, 0.5, 0.5]])
    """
    k = _check_k(k)
    ia, ib = np.asarray(idx_a, dtype=np.int64), np.asarray(idx_b, dtype=np.int64)
    va, vb = _float_scores(val_a, "val_a"), _float_scores(val_b, "val_b")
    if ia.shape != va.shape or ib.shape != vb.shape or ia.shape[0] != ib.shape[0]:
        raise ValidationError(
            f"partial lists do not line up: idx_a {ia.shape}, val_a {va.shape}, "
            f"idx_b {ib.shape}, val_b {vb.shape}",
            field="idx_b",
            value=ib.shape,
        )
    dtype = np.result_type(va.dtype, vb.dtype)
    idx = np.concatenate([ia, ib], axis=1)
    val = np.concatenate([va.astype(dtype, copy=False), vb.astype(dtype, copy=False)], axis=1)
    b, m = idx.shape
    if k == 0 or b == 0 or m == 0:
        return empty_topk(b, k, dtype)
    pad = (idx < 0) | ~(val >= _lowest(dtype))
    order = _check_ids_order(ids_order, int(idx.max()) + 1 if idx.size else 0)
    tie = idx if order is None else order[np.where(pad, 0, idx)]
    tie = np.where(pad, np.iinfo(np.int64).max, tie)
    val = np.where(pad, -np.inf, val).astype(dtype, copy=False)
    perm = np.lexsort((tie, -val), axis=1)[:, :k]
    out_idx = np.take_along_axis(np.where(pad, -1, idx), perm, axis=1)
    out_val = np.take_along_axis(val, perm, axis=1)
    if out_idx.shape[1] < k:
        pad_idx, pad_val = empty_topk(b, k - out_idx.shape[1], dtype)
        out_idx = np.concatenate([out_idx, pad_idx], axis=1)
        out_val = np.concatenate([out_val, pad_val], axis=1)
    return out_idx, out_val


def warm_up() -> None:
    """Compile the float32 kernels now (cached on disk when a cache location is writable, see
    :mod:`rootmatch.engine._kernels`) so that the first real call is fast."""
    if _use_numba(None):
        S = np.zeros((2, 8), np.float32)
        topk_rows(S, 2, ids_order=np.arange(8), cand=np.ones(8, bool), use_numba=True)
        B = sp.csr_matrix(np.eye(2, 3, dtype=np.float32))
        row_scores(S, np.zeros(8, np.float32), B, np.zeros(3, np.float32),
                   np.zeros(2, np.int32), np.zeros(1, np.float32), use_numba=True)
