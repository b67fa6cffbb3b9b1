"""Exact top-k selection kernels: pure functions of arrays.

These are the tile and merge steps of every exact search in rootmatch (see "Beyond one
machine" in the design notes): a *tile* of scores (query block × candidate block) becomes a
partial top-k per row with :func:`topk_rows`, a running top-k absorbs the next tile with
:func:`topk_update`, and partial lists computed on disjoint candidate shards combine with
:func:`merge_topk`, an associative and commutative reduction. No Python loop runs over rows.

Conventions shared by every function here:

- rows are sorted by score **descending**, then by tie rank **ascending**; the tie rank of a
  column is its index, or ``ids_order[index]`` when ``ids_order`` is given (for instance the
  position of the column's entity id in sorted id order), so ties never depend on the order in
  which candidates arrive;
- a score of ``-inf`` or NaN marks "not a candidate" (a masked pair, the query itself);
- a row with fewer than ``k`` candidates is **padded** at its end with index ``-1`` and score
  ``-inf``; ``+inf`` is an ordinary (best possible) score;
- indices are ``int64``; scores keep the floating dtype of the input (integers become
  ``float64``).

Selection is exact even with ties at the k-th boundary: :func:`numpy.partition` finds the
k-th best score of each row, every entry at least that good is kept, and a row-wise
:func:`numpy.lexsort` over that small subset (about ``k`` entries per row, laid out densely;
rows with many ties straddling the boundary get a flat sort of their own) orders it by (score,
tie rank) and cuts it to ``k``. :func:`entry_bounds` and :func:`merge_hits` are the two halves
of :func:`topk_update`, for callers that screen their scores themselves.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .exceptions import ValidationError

__all__ = ["entry_bounds", "merge_hits", "merge_topk", "topk_rows", "topk_update"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.floating]


def _check_k(k: object) -> int:
    from ._validation import check_k

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


def _lowest(dtype: np.dtype) -> np.floating:
    """The smallest finite value of ``dtype``: ``scores >= _lowest`` drops -inf and NaN."""
    return np.finfo(dtype).min


def _nonzero(mask: NDArray[np.bool_], n: int) -> tuple[NDArray[np.intp], IntArray]:
    """Row and column of every True entry (row-major), faster than 2-d ``np.nonzero``."""
    flat = np.flatnonzero(mask)
    rows, cols = np.divmod(flat, n)
    return rows, cols.astype(np.int64, copy=False)


def _padded(n_rows: int, k: int, dtype: np.dtype) -> tuple[IntArray, FloatArray]:
    return np.full((n_rows, k), -1, np.int64), np.full((n_rows, k), -np.inf, dtype)


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
    idx, val = _padded(n_rows, k, dtype)
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


def topk_rows(
    scores: ArrayLike, k: int, *, ids_order: ArrayLike | None = None
) -> tuple[IntArray, FloatArray]:
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
    if b == 0 or n == 0 or k == 0:
        return _padded(b, k, arr.dtype)
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
    vals = arr[rows, cols]
    tie = cols if order is None else order[cols]
    return _select(rows, cols, vals, tie, b, k, arr.dtype)


def topk_update(
    idx: ArrayLike,
    vals: ArrayLike,
    scores: ArrayLike,
    *,
    offset: int = 0,
    ids_order: ArrayLike | None = None,
) -> tuple[IntArray, FloatArray]:
    """Absorb a new block of scores into a running top-k (one step of a blocked search).

    Only the entries of ``scores`` at least as good as the current k-th best of their row are
    looked at again (strictly better when every column of the block comes after every index
    already kept and ties go by index), so the cost after the first blocks is one comparison
    per score.

    Parameters
    ----------
    idx, vals : array-like of shape (b, k)
        The running top-k, as returned by :func:`topk_rows` (sorted, padded).
    scores : array-like of shape (b, n)
        Scores of the new block; column ``j`` is candidate ``offset + j``.
    offset : int, default=0
        Index of the block's first column.
    ids_order : array-like of int, optional
        Tie rank by candidate index (covering every index), as in :func:`topk_rows`.

    Returns
    -------
    idx, vals : ndarray of shape (b, k)
        The exact top-k over the old candidates and the block's.

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
    b, k = idx.shape
    n = arr.shape[1]
    if k == 0 or n == 0 or b == 0:
        return idx, run
    order = _check_ids_order(ids_order, offset + n)
    lo = entry_bounds(idx, run, offset=offset, ids_order=order)
    rows, cols = _nonzero(arr >= lo[:, None], n)
    if rows.size > 8 * k * b + 1024:
        # adversarial order (each block better than the last): bound the cost by a partition
        # of the block and a merge of two k-lists instead of sorting every hit
        new_idx, new_val = topk_rows(arr, k, ids_order=None if order is None else
                                     order[offset: offset + n])
        new_idx = np.where(new_idx >= 0, new_idx + offset, -1)
        return merge_topk(idx, run, new_idx, new_val.astype(run.dtype, copy=False), k,
                          ids_order=order)
    return merge_hits(idx, run, rows, cols + offset, arr[rows, cols], ids_order=order)


def entry_bounds(
    idx: IntArray, vals: FloatArray, *, offset: int = 0, ids_order: ArrayLike | None = None
) -> FloatArray:
    """The score a new candidate needs to enter each row's running top-k.

    A candidate enters when its score is ``>=`` the bound: the k-th best score, nudged one
    step up when ties cannot enter (every index kept is below ``offset``, the first new
    candidate, and ties go by index); the lowest finite score while a row is not full.

    Examples
    --------
    >>> import numpy as np
    >>> entry_bounds(np.array([[0, 1], [2, -1]]), np.array([[0.9, 0.5], [0.7, -np.inf]]),
    ...              offset=5).tolist() == [np.nextafter(0.5, 1), np.finfo(float).min]
    True
    """
    lowest = _lowest(vals.dtype)
    if vals.shape[1] == 0:
        return np.full(vals.shape[0], np.inf, vals.dtype)
    kth = vals[:, -1]
    full = kth >= lowest
    lo = np.where(full, kth, lowest)
    if ids_order is None:
        strict = full & (idx.max(axis=1) < offset)
        lo = np.where(strict, np.nextafter(lo, np.inf), lo)
    return lo


def merge_hits(
    idx: IntArray,
    vals: FloatArray,
    rows: NDArray[np.intp],
    cols: IntArray,
    hit_vals: FloatArray,
    *,
    ids_order: ArrayLike | None = None,
) -> tuple[IntArray, FloatArray]:
    """Merge a flat list of new candidates into a running top-k.

    Parameters
    ----------
    idx, vals : ndarray of shape (b, k)
        The running top-k (sorted, padded).
    rows : ndarray of int, sorted ascending
        Row of each new candidate.
    cols : ndarray of int
        Candidate index of each (disjoint from those already kept).
    hit_vals : ndarray of float
        Score of each (none -inf or NaN).
    ids_order : array-like of int, optional
        Tie rank by candidate index.

    Returns
    -------
    idx, vals : ndarray of shape (b, k)

    Examples
    --------
    >>> import numpy as np
    >>> idx, vals = merge_hits(np.array([[4, -1]]), np.array([[0.5, -np.inf]]),
    ...                        np.array([0, 0]), np.array([7, 2]), np.array([0.5, 0.6]))
    >>> idx.tolist()
    [[2, 4]]
    """
    k = idx.shape[1]
    if rows.size == 0 or k == 0:
        return idx, vals
    order = None if ids_order is None else np.asarray(ids_order, np.int64)
    dtype = vals.dtype
    # the rows with hits, the top-k of each one's hits, then a merge of two k-lists
    first = np.empty(rows.size, bool)
    first[0] = True
    np.not_equal(rows[1:], rows[:-1], out=first[1:])
    hit = rows[first]
    new_rows = np.searchsorted(hit, rows)
    cols = np.asarray(cols, np.int64)
    tie = cols if order is None else order[cols]
    new_idx, new_val = _select(new_rows, cols, np.asarray(hit_vals).astype(dtype, copy=False),
                               tie, hit.size, k, dtype)
    merged_idx, merged_val = merge_topk(idx[hit], vals[hit], new_idx, new_val, k,
                                        ids_order=order)
    out_idx, out_val = idx.copy(), vals.copy()
    out_idx[hit] = merged_idx
    out_val[hit] = merged_val
    return out_idx, out_val


def merge_topk(
    idx_a: ArrayLike,
    val_a: ArrayLike,
    idx_b: ArrayLike,
    val_b: ArrayLike,
    k: int,
    *,
    ids_order: ArrayLike | None = None,
) -> tuple[IntArray, FloatArray]:
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
        return _padded(b, k, dtype)
    pad = (idx < 0) | ~(val >= _lowest(dtype))
    order = _check_ids_order(ids_order, int(idx.max()) + 1 if idx.size else 0)
    tie = idx if order is None else order[np.where(pad, 0, idx)]
    tie = np.where(pad, np.iinfo(np.int64).max, tie)
    val = np.where(pad, -np.inf, val).astype(dtype, copy=False)
    perm = np.lexsort((tie, -val), axis=1)[:, :k]
    out_idx = np.take_along_axis(np.where(pad, -1, idx), perm, axis=1)
    out_val = np.take_along_axis(val, perm, axis=1)
    if out_idx.shape[1] < k:
        pad_idx, pad_val = _padded(b, k - out_idx.shape[1], dtype)
        out_idx = np.concatenate([out_idx, pad_idx], axis=1)
        out_val = np.concatenate([out_val, pad_val], axis=1)
    return out_idx, out_val
