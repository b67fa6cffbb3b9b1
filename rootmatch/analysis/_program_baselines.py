"""Baseline program rankers: the popular and the random ranking, and the hybrid's own.

Private module; the public names are re-exported by :mod:`rootmatch.evaluate`.

Program rankers follow :class:`rootmatch.evaluate.ProgramRecommender`:
``fit(network) -> self`` and ``rank_programs(firm_ids, k, *, on) -> (ids, scores)``, ranking
only the programs each firm is eligible for on its date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from rootmatch.analysis._baselines import _check_k, _hash_uniform, _positions
from rootmatch.base._checks import check_rng
from rootmatch.base.exceptions import ValidationError
from rootmatch.domain.rules import eligibility_matrix
from rootmatch.engine import topk_rows

__all__ = ["HybridProgramRanker", "PopularProgramRanker", "RandomProgramRanker"]


def _check_on(on: Any, n: int) -> NDArray[np.datetime64]:
    if isinstance(on, (dt.date, str)):
        from rootmatch.base._checks import check_date

        return np.full(n, np.datetime64(check_date(on), "D"))
    arr = np.asarray(on)
    if arr.shape != (n,):
        raise ValidationError(f"on must be one date or one per firm ({n}), got shape "
                              f"{arr.shape}", field="on", value=arr.shape)
    try:
        return arr.astype("datetime64[D]")
    except (TypeError, ValueError) as err:
        raise ValidationError(f"on must hold dates, got {arr.dtype}", field="on",
                              value=str(arr.dtype)) from err


class _ProgramRanker(BaseEstimator):
    """Shared fit/rank_programs for rankers that score every program and keep the eligible."""

    def fit(self, network: Any, y: None = None) -> Any:
        """Learn from a :class:`rootmatch.SupportNetwork`; returns self."""
        self.table_ = network.firms
        self.program_ids_ = np.asarray(network.program_ids(), dtype=np.str_)
        self.programs_ = [network.programs[p] for p in self.program_ids_]
        self.prog_rank_ = np.arange(len(self.program_ids_))
        self._fit(network)
        return self

    def _fit(self, network: Any) -> None:
        pass

    def _eligible(self, rows: NDArray[np.intp], on: NDArray[np.datetime64]) -> NDArray[np.bool_]:
        out = np.zeros((rows.size, len(self.programs_)), bool)
        if not self.programs_:
            return out
        for day in np.unique(on):
            sel = np.flatnonzero(on == day)
            out[sel] = eligibility_matrix(self.programs_, self.table_.take(rows[sel]),
                                          on=day.item())
        return out

    def _scores(self, rows: NDArray[np.intp]) -> NDArray[np.float64]:  # pragma: no cover
        raise NotImplementedError

    def rank_programs(
        self, firm_ids: ArrayLike, k: int = 5, *, on: Any
    ) -> tuple[NDArray[np.str_], NDArray[np.float64]]:
        """The ``k`` best programs each firm is eligible for on its date.

        Parameters
        ----------
        firm_ids : array-like of str
        k : int, default=5
        on : date, ISO string, or array of dates (one per firm)

        Returns
        -------
        ids : ndarray of str, shape (n, k) (``""`` pads)
        scores : ndarray of float64, shape (n, k) (``-inf`` pads), descending, ties by id
        """
        check_is_fitted(self, "program_ids_")
        k = _check_k(k)
        rows = _positions(self.table_, firm_ids)
        days = _check_on(on, rows.size)
        S = np.array(self._scores(rows), dtype=np.float64).reshape(rows.size, -1)
        S[~self._eligible(rows, days)] = -np.inf
        idx, val = topk_rows(S, k, ids_order=self.prog_rank_)
        ids = np.where(idx >= 0, self.program_ids_[np.maximum(idx, 0)], "")
        return ids, val


class PopularProgramRanker(_ProgramRanker):
    """Eligible programs by their number of participants in the fitted network.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(200, seed=1)
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> ids, _ = rm.evaluate.PopularProgramRanker().fit(net).rank_programs(
    ...     net.firm_ids()[:2], k=3, on="2024-06-01")
    >>> ids.shape
    (2, 3)
    """

    def _fit(self, network: Any) -> None:
        P = network.participation_matrix()
        self.counts_ = np.asarray(P.sum(axis=0), dtype=np.float64).reshape(-1)

    def _scores(self, rows: NDArray[np.intp]) -> NDArray[np.float64]:
        return np.broadcast_to(self.counts_, (rows.size, self.counts_.size))


class RandomProgramRanker(_ProgramRanker):
    """Eligible programs in a seeded random order (a hash of firm and program ids).

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(200, seed=1)
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> ids, _ = rm.evaluate.RandomProgramRanker(random_state=0).fit(net).rank_programs(
    ...     net.firm_ids()[:2], k=3, on="2024-06-01")
    >>> ids.shape
    (2, 3)
    """

    def __init__(self, *, random_state: Any = None) -> None:
        self.random_state = random_state

    def _fit(self, network: Any) -> None:
        self.key_ = int(check_rng(self.random_state).integers(2**63 - 1))
        ids = np.asarray(self.table_.ids).astype(np.str_)
        self.id_rank_ = np.argsort(np.argsort(ids, kind="stable"), kind="stable")

    def _scores(self, rows: NDArray[np.intp]) -> NDArray[np.float64]:
        p = len(self.program_ids_)
        a = np.repeat(self.id_rank_[rows], p).reshape(rows.size, p)
        b = np.broadcast_to(np.arange(p), (rows.size, p))
        return _hash_uniform(self.key_, a, b)


class HybridProgramRanker(BaseEstimator):
    """The matchmaker's program ranking (:meth:`rootmatch.Matchmaker.recommend_programs`)
    behind the :class:`rootmatch.evaluate.ProgramRecommender` interface.

    Parameters
    ----------
    matchmaker : Matchmaker, optional
        The (unfitted) template; cloned and fitted in ``fit``. Default ``Matchmaker()``.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(200, seed=1)
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> ranker = rm.evaluate.HybridProgramRanker(rm.Matchmaker(random_state=0)).fit(net)
    >>> ids, scores = ranker.rank_programs(net.firm_ids()[:2], k=3, on="2024-06-01")
    >>> ids.shape
    (2, 3)
    """

    def __init__(self, matchmaker: Any = None) -> None:
        self.matchmaker = matchmaker

    def fit(self, network: Any, y: None = None) -> HybridProgramRanker:
        """Fit a clone of the matchmaker on ``network``; returns self."""
        from rootmatch.engine.matchmaker import Matchmaker

        template = self.matchmaker if self.matchmaker is not None else Matchmaker()
        self.matchmaker_ = clone(template).fit(network)
        return self

    def rank_programs(
        self, firm_ids: ArrayLike, k: int = 5, *, on: Any
    ) -> tuple[NDArray[np.str_], NDArray[np.float64]]:
        """See :meth:`PopularProgramRanker.rank_programs`; one matchmaker call per firm."""
        check_is_fitted(self, "matchmaker_")
        k = _check_k(k)
        mm = self.matchmaker_
        rows = _positions(mm.table_, firm_ids)
        days = _check_on(on, rows.size)
        ids = np.asarray(firm_ids, dtype=np.str_).reshape(-1)
        width = max([len(p) for p in mm.prog_ids_] or [1])
        out_ids = np.full((rows.size, k), "", dtype=f"<U{width}")
        out_val = np.full((rows.size, k), -np.inf)
        for r in range(rows.size):
            recs = mm.recommend_programs(str(ids[r]), k, on=days[r].item())
            out_ids[r, :len(recs)] = [x.target for x in recs]
            out_val[r, :len(recs)] = [x.score for x in recs]
        return out_ids, out_val
