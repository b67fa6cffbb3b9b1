"""Baseline recommenders: what a user would do without the hybrid, and the ceiling.

Private module; the public names are re-exported by :mod:`rootmatch.evaluate`.

Every recommender here follows the :class:`rootmatch.evaluate.Recommender` protocol:
``fit(network) -> self`` and ``recommend(firm_ids, k) -> (ids, scores)``, with the same
contract as :meth:`rootmatch.Matchmaker.recommend`: never the firm itself nor one of its
partners in the fitted network, scores descending, ties broken by firm id, ``""`` / ``-inf``
padding when a firm has fewer than ``k`` candidates, and an unknown id raises
:class:`rootmatch.UnknownEntityError` (a ``KeyError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from rootmatch.base._checks import check_rng
from rootmatch.base.exceptions import UnknownEntityError, ValidationError
from rootmatch.domain.taxonomy import complementarity_matrix
from rootmatch.engine import tech_vectors, topk_rows

__all__ = [
    "AdamicAdarRecommender",
    "ComplementarityRecommender",
    "ContentRecommender",
    "OracleRecommender",
    "PopularityRecommender",
    "RandomRecommender",
    "ResourceAllocationRecommender",
]


_BLOCK_BYTES = 32 << 20  # a score tile of at most ~32 MB


def _check_k(k: object) -> int:
    from rootmatch.base._checks import check_k

    return check_k(k)


def _positions(table: Any, firm_ids: ArrayLike) -> NDArray[np.intp]:
    ids = np.asarray(firm_ids, dtype=object).reshape(-1)
    bad = [x for x in ids if not isinstance(x, (str, np.str_))]
    if bad:
        raise UnknownEntityError(f"unknown firm id {bad[0]!r}")
    return table.positions(ids.astype(np.str_) if ids.size else np.zeros(0, "<U1"))


def _splitmix64(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """A 64-bit mixing function (splitmix64's finaliser): a well-spread hash of integers."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _hash_uniform(key: int, a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.float64]:
    """Uniform [0, 1) numbers that depend only on ``(key, a, b)``, not on batch composition."""
    with np.errstate(over="ignore"):
        x = (a.astype(np.uint64) << np.uint64(32)) ^ b.astype(np.uint64)
        h = _splitmix64(_splitmix64(x ^ np.uint64(key)))
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


class _FirmRecommender(BaseEstimator):
    """Shared fit/recommend: score query blocks against every firm, mask, exact top-k."""

    def fit(self, network: Any, y: None = None) -> Any:
        """Learn what the baseline needs from a :class:`rootmatch.SupportNetwork`.

        Returns
        -------
        self
        """
        table = network.firms
        self.table_ = table
        self.firm_ids_ = np.asarray(table.ids).astype(np.str_)
        self.id_rank_ = np.argsort(np.argsort(self.firm_ids_, kind="stable"), kind="stable")
        self.partners_ = sp.csr_matrix(network.collaboration_matrix(), dtype=np.float64)
        self._fit(network)
        return self

    def _fit(self, network: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _scores(self, rows: NDArray[np.intp]) -> NDArray[np.float64]:  # pragma: no cover
        raise NotImplementedError

    def recommend(
        self, firm_ids: ArrayLike, k: int = 10
    ) -> tuple[NDArray[np.str_], NDArray[np.float64]]:
        """Top-``k`` partner firms of each firm.

        Parameters
        ----------
        firm_ids : array-like of str
        k : int, default=10

        Returns
        -------
        ids : ndarray of str, shape (n, k)
            ``""`` pads rows with fewer than ``k`` candidates.
        scores : ndarray of float64, shape (n, k)
            Descending per row, ties by firm id; ``-inf`` pads.
        """
        check_is_fitted(self, "firm_ids_")
        k = _check_k(k)
        rows = _positions(self.table_, firm_ids)
        n = len(self.firm_ids_)
        out_ids = np.full((rows.size, k), "", dtype=self.firm_ids_.dtype)
        out_val = np.full((rows.size, k), -np.inf)
        if k == 0 or rows.size == 0:
            return out_ids, out_val
        block = max(1, min(rows.size, _BLOCK_BYTES // (8 * max(n, 1))))
        for start in range(0, rows.size, block):
            blk = rows[start:start + block]
            S = np.array(self._scores(blk), dtype=np.float64)
            S[np.arange(blk.size), blk] = -np.inf
            ex = self.partners_[blk].tocoo()
            S[ex.row, ex.col] = -np.inf
            idx, val = topk_rows(S, k, ids_order=self.id_rank_)
            out_ids[start:start + blk.size] = np.where(idx >= 0,
                                                       self.firm_ids_[np.maximum(idx, 0)], "")
            out_val[start:start + blk.size] = val
        return out_ids, out_val


class RandomRecommender(_FirmRecommender):
    """Uniformly random partners: the floor.

    The score of a pair is a hash of ``(random_state, firm id, candidate id)``, so the same
    ``random_state`` gives the same ranking whatever the batch or the row order.

    Parameters
    ----------
    random_state : int, Generator or None
        Turned into the hash key in ``fit``.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(200, seed=1)
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> ids, scores = rm.evaluate.RandomRecommender(random_state=0).fit(net).recommend(
    ...     net.firm_ids()[:2], k=3)
    >>> ids.shape, bool((scores[:, :-1] >= scores[:, 1:]).all())
    ((2, 3), True)
    """

    def __init__(self, *, random_state: Any = None) -> None:
        self.random_state = random_state

    def _fit(self, network: Any) -> None:
        self.key_ = int(check_rng(self.random_state).integers(2**63 - 1))

    def _scores(self, rows: NDArray[np.intp]) -> NDArray[np.float64]:
        a = self.id_rank_[rows][:, None]
        b = self.id_rank_[None, :]
        return _hash_uniform(self.key_, np.broadcast_to(a, (a.size, b.size)),
                             np.broadcast_to(b, (a.size, b.size)))


class PopularityRecommender(_FirmRecommender):
    """The most collaborative firms (degree in the firm–firm collaboration graph) for everyone.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(200, seed=1)
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> rec = rm.evaluate.PopularityRecommender().fit(net)
    >>> ids, scores = rec.recommend(net.firm_ids()[:1], k=3)
    >>> bool((scores[0, :-1] >= scores[0, 1:]).all()), bool(scores[0, 0] <= rec.degree_.max())
    (True, True)
    """

    def _fit(self, network: Any) -> None:
        self.degree_ = np.diff(self.partners_.indptr).astype(np.float64)

    def _scores(self, rows: NDArray[np.intp]) -> NDArray[np.float64]:
        return np.broadcast_to(self.degree_, (rows.size, self.degree_.size))


def _normalize_rows(M: NDArray[Any]) -> NDArray[np.float32]:
    M = np.asarray(M, dtype=np.float32)
    norms = np.linalg.norm(M, axis=1, keepdims=True)
    return np.divide(M, norms, out=np.zeros_like(M), where=norms > 0)


class ContentRecommender(_FirmRecommender):
    """Content only: cosine of the firms' profile vectors (:class:`rootmatch.FirmVectorizer`).

    Parameters
    ----------
    feature_weights : dict, optional
        Block weights of the vectorizer (the matchmaker's defaults when ``None``).

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(200, seed=1)
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> ids, scores = rm.evaluate.ContentRecommender().fit(net).recommend(
    ...     net.firm_ids()[:1], k=2)
    >>> ids.shape, bool(scores[0, 0] <= 1.0 + 1e-6)
    ((1, 2), True)
    """

    def __init__(self, *, feature_weights: Mapping[str, float] | None = None) -> None:
        self.feature_weights = feature_weights

    def _fit(self, network: Any) -> None:
        from rootmatch.engine.features import FirmVectorizer

        self.vectorizer_ = FirmVectorizer(weights=self.feature_weights).fit(self.table_)
        self.X_ = _normalize_rows(self.vectorizer_.transform(self.table_))

    def _scores(self, rows: NDArray[np.intp]) -> NDArray[np.float64]:
        return (self.X_[rows] @ self.X_.T).astype(np.float64)


class ComplementarityRecommender(_FirmRecommender):
    """Complementarity only: value-chain strength ``t_iᵀ C t_j`` of the technologies.

    ``t`` is the multi-hot technology vector scaled by ``1/sqrt(#technologies)`` and ``C``
    :func:`rootmatch.taxonomy.complementarity_matrix` (as in the matchmaker). Firms with the
    same technologies tie; ties go by id.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(200, seed=1)
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> ids, scores = rm.evaluate.ComplementarityRecommender().fit(net).recommend(
    ...     net.firm_ids()[:3], k=4)
    >>> ids.shape
    (3, 4)
    """

    def _fit(self, network: Any) -> None:
        self.T_ = tech_vectors(self.table_.tech_matrix(), dtype=np.float64)
        self.TC_ = self.T_ @ complementarity_matrix()

    def _scores(self, rows: NDArray[np.intp]) -> NDArray[np.float64]:
        return self.TC_[rows] @ self.T_.T


class OracleRecommender(_FirmRecommender):
    """The ceiling: ranks candidates by the planted true propensity ``truth.oracle_scores``.

    Parameters
    ----------
    truth : object with ``oracle_scores(firm_ids, candidate_ids)``
        Typically ``population.truth`` of a synthetic population. Nothing else in rootmatch
        reads it.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(200, seed=1)
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> ids, scores = rm.evaluate.OracleRecommender(truth=pop.truth).fit(net).recommend(
    ...     net.firm_ids()[:2], k=3)
    >>> ids.shape
    (2, 3)
    """

    def __init__(self, *, truth: Any = None) -> None:
        self.truth = truth

    def _fit(self, network: Any) -> None:
        if self.truth is None or not hasattr(self.truth, "oracle_scores"):
            raise ValidationError("OracleRecommender needs truth with oracle_scores (e.g. "
                                  "population.truth of a synthetic population)",
                                  field="truth", value=type(self.truth).__name__)

    def _scores(self, rows: NDArray[np.intp]) -> NDArray[np.float64]:
        S = np.asarray(self.truth.oracle_scores(self.firm_ids_[rows], self.firm_ids_),
                       dtype=np.float64)
        return np.where(np.isfinite(S), S, -np.inf)


class _NetworkxLinkPredictor(_FirmRecommender):
    """Graph only: a networkx link-prediction index on the training graph without the hub.

    A firm's candidates are the firms within two hops of it in the graph without the hub
    (through a shared partner, cooperative, institute or program) — with the hub every firm
    is two hops from every other. Pairs are scored by networkx itself, one firm at a time.
    """

    _index: Any = None

    def _fit(self, network: Any) -> None:
        G = network.graph
        if "hub" in G:
            G = G.copy()
            G.remove_node("hub")
        self.graph_ = G

    def recommend(
        self, firm_ids: ArrayLike, k: int = 10
    ) -> tuple[NDArray[np.str_], NDArray[np.float64]]:
        check_is_fitted(self, "graph_")
        k = _check_k(k)
        rows = _positions(self.table_, firm_ids)
        out_ids = np.full((rows.size, k), "", dtype=self.firm_ids_.dtype)
        out_val = np.full((rows.size, k), -np.inf)
        if k == 0:
            return out_ids, out_val
        G = self.graph_
        index = type(self)._index
        for r, i in enumerate(rows):
            node = "firm:" + str(self.firm_ids_[i])
            near = set(G[node])
            reach: set[str] = set()
            for w in near:
                reach.update(G[w])
            cands = sorted(v for v in reach - near if v.startswith("firm:") and v != node)
            if not cands:
                continue
            scores = np.fromiter((p for _, _, p in index(G, [(node, v) for v in cands])),
                                 np.float64, count=len(cands))
            ids = np.asarray([v[5:] for v in cands], dtype=self.firm_ids_.dtype)
            order = np.lexsort((ids, -scores))[:k]  # candidates are few: sort by (score, id)
            out_ids[r, :order.size] = ids[order]
            out_val[r, :order.size] = scores[order]
        return out_ids, out_val


class AdamicAdarRecommender(_NetworkxLinkPredictor):
    """Graph only: :func:`networkx.adamic_adar_index` on the training graph without the hub.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(200, seed=1)
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> ids, scores = rm.evaluate.AdamicAdarRecommender().fit(net).recommend(
    ...     net.firm_ids()[:2], k=3)
    >>> ids.shape
    (2, 3)
    """

    _index = staticmethod(nx.adamic_adar_index)


class ResourceAllocationRecommender(_NetworkxLinkPredictor):
    """Graph only: :func:`networkx.resource_allocation_index` on the training graph without
    the hub.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(200, seed=1)
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> ids, scores = rm.evaluate.ResourceAllocationRecommender().fit(net).recommend(
    ...     net.firm_ids()[:2], k=3)
    >>> ids.shape
    (2, 3)
    """

    _index = staticmethod(nx.resource_allocation_index)
