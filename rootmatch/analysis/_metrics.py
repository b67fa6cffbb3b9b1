"""Ranking metrics over top-k lists of entity ids. Private: the public names live in
:mod:`rootmatch.evaluate`.

Every metric reads a ranked list per query as given (``recommended``, shape (n, k), ``""``
pads) and the set of relevant ids per query (``relevant``). Conventions:

- **binary relevance**: an item is relevant or not; a relevant id counts once;
- **the order is the recommender's**: ties in its scores were already broken (by id, in
  rootmatch); the metrics never re-sort;
- **empty truth**: a query with no relevant id cannot be scored: its per-query value is NaN
  for every relevance metric, and the averages skip it (the mean of no scored query is NaN);
- **padding**: ``""`` is an empty slot, never relevant; precision still divides by ``k``;
- **NDCG@k**: gain 1 for a relevant item, discount ``1 / log2(rank + 1)`` (rank from 1), ideal
  DCG of ``min(k, |relevant|)`` relevant items in the first ranks;
- **AP@k**: ``Σ_{r ≤ k} precision@r · rel_r / min(k, |relevant|)``; MAP@k is its mean;
- **recall@k**: hits / ``|relevant|`` (not capped at ``k``).

A row that lists the same id twice is an error (it could earn the same gain twice).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rootmatch.base._checks import check_k
from rootmatch.base.exceptions import ValidationError

__all__ = [
    "average_precision_at_k",
    "catalog_coverage",
    "diversity",
    "hit_rate_at_k",
    "hits_matrix",
    "map_at_k",
    "ndcg_at_k",
    "precision_at_k",
    "recall_at_k",
    "small_firm_coverage",
]

Relevant = Sequence[Collection[str]]


def _check_recommended(recommended: ArrayLike, k: int | None) -> tuple[NDArray[np.str_], int]:
    rec = np.asarray(recommended)
    if rec.ndim == 1 and rec.size == 0:
        rec = rec.reshape(0, 0)
    if rec.ndim != 2:
        raise ValidationError(
            f"recommended must be a 2-d array (queries, ranks), got shape {rec.shape}",
            field="recommended", value=rec.shape)
    rec = rec.astype(np.str_) if rec.size else np.zeros(rec.shape, "<U1")
    if k is None:
        k = rec.shape[1]
    k = check_k(k, minimum=1)
    rec = rec[:, :k]
    if rec.shape[1] < k:  # fewer columns than k: the rest is padding
        rec = np.concatenate([rec, np.full((rec.shape[0], k - rec.shape[1]), "", rec.dtype)],
                             axis=1)
    if rec.size:
        srt = np.sort(rec, axis=1)
        dup = (srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] != "")
        if dup.any():
            r, c = np.argwhere(dup)[0]
            dup_id = str(srt[r, c + 1])
            raise ValidationError(f"recommended row {int(r)} lists {dup_id!r} twice",
                                  field="recommended", value=dup_id)
    return rec, k


def hits_matrix(
    recommended: ArrayLike, relevant: Relevant, k: int | None = None
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Which recommended items are relevant, and how many relevant items each query has.

    Parameters
    ----------
    recommended : array-like of str, shape (n, m)
        Ranked ids per query, best first; ``""`` pads.
    relevant : sequence of n collections of str
        The relevant ids of each query (duplicates and ``""`` are ignored).
    k : int, optional
        Cut-off; default ``m``. Columns beyond ``m`` are padding.

    Returns
    -------
    hits : ndarray of bool, shape (n, k)
    n_relevant : ndarray of int64, shape (n,)

    Examples
    --------
    >>> hits, n_rel = hits_matrix([["a", "b", ""], ["c", "d", "e"]], [{"b", "z"}, set()])
    >>> hits.astype(int).tolist(), n_rel.tolist()
    ([[0, 1, 0], [0, 0, 0]], [2, 0])
    """
    rec, k = _check_recommended(recommended, k)
    n = rec.shape[0]
    if len(relevant) != n:
        raise ValidationError(
            f"relevant has {len(relevant)} entries, expected one per query ({n})",
            field="relevant", value=len(relevant))
    sizes = np.fromiter((len(r) for r in relevant), np.int64, count=n)
    flat = np.asarray([x for r in relevant for x in r], dtype=np.str_)
    rows = np.repeat(np.arange(n, dtype=np.int64), sizes)
    keep = flat != "" if flat.size else np.zeros(0, bool)
    flat, rows = flat[keep], rows[keep]
    vocab, codes = np.unique(np.concatenate([flat, rec.ravel()]), return_inverse=True)
    width = np.int64(len(vocab))
    rel_keys = np.unique(rows * width + codes[: flat.size])
    n_relevant = np.bincount(rel_keys // max(width, 1), minlength=n).astype(np.int64)
    rec_keys = np.repeat(np.arange(n, dtype=np.int64), k) * width + codes[flat.size:]
    hits = np.isin(rec_keys, rel_keys).reshape(n, k) & (rec != "")
    return hits, n_relevant


def _mean(values: NDArray[np.float64], average: bool) -> Any:
    if not average:
        return values
    ok = ~np.isnan(values)
    return float(values[ok].mean()) if ok.any() else float("nan")


def _undefined(n_relevant: NDArray[np.int64], values: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.where(n_relevant > 0, values, np.nan)


def precision_at_k(
    recommended: ArrayLike, relevant: Relevant, k: int | None = None, *, average: bool = True
) -> Any:
    """Share of the top ``k`` slots holding a relevant item (hits / k).

    Returns
    -------
    float or ndarray of shape (n,)
        The mean over queries with a non-empty truth, or (``average=False``) per query (NaN
        for an empty truth).

    Examples
    --------
    >>> precision_at_k([["a", "b", "c", "d"]], [{"a", "c"}], k=4)
    0.5
    """
    hits, n_rel = hits_matrix(recommended, relevant, k)
    k = hits.shape[1]
    return _mean(_undefined(n_rel, hits.sum(axis=1) / k), average)


def recall_at_k(
    recommended: ArrayLike, relevant: Relevant, k: int | None = None, *, average: bool = True
) -> Any:
    """Share of the relevant items found in the top ``k`` (hits / |relevant|).

    Examples
    --------
    >>> recall_at_k([["a", "b"]], [{"a", "c", "d", "e"}])
    0.25
    """
    hits, n_rel = hits_matrix(recommended, relevant, k)
    vals = np.divide(hits.sum(axis=1), n_rel, out=np.zeros(len(n_rel)), where=n_rel > 0)
    return _mean(_undefined(n_rel, vals), average)


def hit_rate_at_k(
    recommended: ArrayLike, relevant: Relevant, k: int | None = None, *, average: bool = True
) -> Any:
    """Share of queries with at least one relevant item in the top ``k``.

    Examples
    --------
    >>> hit_rate_at_k([["a", "b"], ["c", "d"]], [{"b"}, {"z"}])
    0.5
    """
    hits, n_rel = hits_matrix(recommended, relevant, k)
    return _mean(_undefined(n_rel, hits.any(axis=1).astype(float)), average)


def _discounts(k: int) -> NDArray[np.float64]:
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))


def ndcg_at_k(
    recommended: ArrayLike, relevant: Relevant, k: int | None = None, *, average: bool = True
) -> Any:
    """Normalised discounted cumulative gain at ``k``, binary gains.

    ``DCG = Σ_{r ≤ k} rel_r / log2(r + 1)``, divided by the DCG of ``min(k, |relevant|)``
    relevant items in the first ranks. Equals :func:`sklearn.metrics.ndcg_score` on the same
    ranking with binary ``y_true`` (scores without ties).

    Examples
    --------
    >>> round(ndcg_at_k([["x", "a", "y"]], [{"a"}]), 4)  # 1/log2(3)
    0.6309
    >>> ndcg_at_k([["a", "x", "y"]], [{"a", "b", "c", "d"}], k=1)
    1.0
    """
    hits, n_rel = hits_matrix(recommended, relevant, k)
    k = hits.shape[1]
    disc = _discounts(k)
    dcg = hits.astype(np.float64) @ disc
    ideal = np.concatenate([[1.0], np.cumsum(disc)])[np.minimum(n_rel, k)]
    vals = np.divide(dcg, ideal, out=np.zeros_like(dcg), where=n_rel > 0)
    return _mean(_undefined(n_rel, vals), average)


def average_precision_at_k(
    recommended: ArrayLike, relevant: Relevant, k: int | None = None, *, average: bool = True
) -> Any:
    """Average precision at ``k`` per query (``average=True``: MAP@k).

    ``AP@k = Σ_{r ≤ k} precision@r · rel_r / min(k, |relevant|)``. With ``k`` covering every
    candidate it equals :func:`sklearn.metrics.average_precision_score` of the ranking.

    Examples
    --------
    >>> average_precision_at_k([["a", "x", "b"]], [{"a", "b"}])  # (1/1 + 2/3) / 2
    0.8333333333333333
    """
    hits, n_rel = hits_matrix(recommended, relevant, k)
    k = hits.shape[1]
    h = hits.astype(np.float64)
    prec = np.cumsum(h, axis=1) / np.arange(1, k + 1)
    denom = np.minimum(n_rel, k)
    vals = np.divide((prec * h).sum(axis=1), denom, out=np.zeros(len(n_rel)), where=denom > 0)
    return _mean(_undefined(n_rel, vals), average)


map_at_k = average_precision_at_k


def catalog_coverage(recommended: ArrayLike, catalog: ArrayLike | int) -> float:
    """Share of the catalogue recommended to at least one query.

    Parameters
    ----------
    recommended : array-like of str, shape (n, k)
    catalog : array-like of str, or int
        The candidate ids (only those count), or the catalogue size.

    Examples
    --------
    >>> catalog_coverage([["a", "b"], ["b", ""]], ["a", "b", "c", "d"])
    0.5
    """
    rec = np.asarray(recommended, dtype=np.str_).ravel()
    shown = np.unique(rec[rec != ""])
    if isinstance(catalog, (int, np.integer)) and not isinstance(catalog, bool):
        size = int(catalog)
        found = shown.size
    else:
        cat = np.unique(np.asarray(catalog, dtype=np.str_))
        size = cat.size
        found = int(np.isin(shown, cat).sum())
    if size <= 0:
        raise ValidationError("the catalog is empty", field="catalog", value=size)
    return found / size


def small_firm_coverage(
    recommended: ArrayLike, relevant: Relevant, is_small: ArrayLike, k: int | None = None
) -> float:
    """Share of small query firms with at least one true partner in their top ``k``.

    Small firms with an empty truth are not counted (as everywhere here); NaN when no small
    firm with a truth is among the queries.

    Examples
    --------
    >>> small_firm_coverage([["a"], ["b"], ["c"]], [{"a"}, {"z"}, {"c"}], [True, True, False])
    0.5
    """
    small = np.asarray(is_small, dtype=bool)
    per_query = hit_rate_at_k(recommended, relevant, k, average=False)
    if small.shape != per_query.shape:
        raise ValidationError("is_small must have one entry per query", field="is_small",
                              value=small.shape)
    return _mean(per_query[small], True)


def diversity(
    recommended: ArrayLike,
    query_ids: ArrayLike,
    firms: Any,
    k: int | None = None,
    *,
    average: bool = True,
) -> Any:
    """Share of recommended partners outside the firm's own technology or district.

    A recommended firm counts as diverse when it shares none of the query firm's
    technologies **or** sits in another district. Pads are skipped; a query with no
    recommendation is NaN and skipped by the mean.

    Parameters
    ----------
    recommended : array-like of str, shape (n, m)
    query_ids : array-like of str, shape (n,)
    firms : FirmTable
        Where both the queries and the recommended firms are found.
    k : int, optional

    Examples
    --------
    >>> import rootmatch as rm
    >>> t = rm.FirmTable.from_firms([
    ...     rm.Firm(id="A", name="a", technologies=["금형"], employees=3, district="사상구"),
    ...     rm.Firm(id="B", name="b", technologies=["금형"], employees=3, district="사상구"),
    ...     rm.Firm(id="C", name="c", technologies=["용접"], employees=3, district="사상구")])
    >>> diversity([["B", "C"]], ["A"], t)
    0.5
    """
    rec, k = _check_recommended(recommended, k)
    q = np.asarray(query_ids, dtype=np.str_).reshape(-1)
    if q.shape[0] != rec.shape[0]:
        raise ValidationError("query_ids must have one entry per row of recommended",
                              field="query_ids", value=q.shape[0])
    filled = rec != ""
    vals = np.full(rec.shape[0], np.nan)
    if rec.size and filled.any():
        qi = firms.positions(q)
        r, c = np.nonzero(filled)
        cj = firms.positions(rec[r, c])
        tech = np.asarray(firms.tech_mask, dtype=np.int64)
        dist = np.asarray(firms.district)
        div = ((tech[qi[r]] & tech[cj]) == 0) | (dist[qi[r]] != dist[cj])
        count = np.bincount(r, minlength=rec.shape[0])
        good = np.bincount(r, weights=div.astype(float), minlength=rec.shape[0])
        vals = np.divide(good, count, out=np.full(rec.shape[0], np.nan), where=count > 0)
    return _mean(vals, average)
