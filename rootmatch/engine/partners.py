"""The firm–firm blend: pair factors, its learned weights (listwise or logistic) and the firm
calibration, single-row scores and the reasons of a firm partner."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from sklearn.utils.validation import check_is_fitted

from rootmatch.base.exceptions import ValidationError
from rootmatch.engine._blend import column_scales, learn_blend, weights_vector
from rootmatch.engine._reasons import firm_firm_reasons
from rootmatch.engine._scoring import (
    COMPONENTS,
    PARTNERS,
    affinities,
    capacity,
    pair_components,
    pair_factors,
    ranges,
    row_scores,
    tech_shares,
)
from rootmatch.engine.calibration import calibrate, default_calibration
from rootmatch.engine.recommendation import Recommendation

__all__ = ["DEFAULT_WEIGHTS", "PartnerModel"]

#: Weights used when the network has too few observed links to learn from.
DEFAULT_WEIGHTS: dict[str, float] = {
    "similarity": 1.0, "geography": 0.2, "technology": 0.2, "complementarity": 0.5,
    "affiliation": 5.0, "partners": 2.0, "popularity": 0.05, "capacity": 0.1,
}
_CAPACITY = COMPONENTS.index("capacity")


class PartnerModel:
    """The firm–firm part of :class:`rootmatch.Matchmaker` (its state lives on the estimator)."""

    A_: sp.csr_matrix
    weights: Any
    blend: str
    holdout: float
    n_negatives: int
    use_numba: bool | None

    def _derive_views(self) -> None:
        self._pf = None  # pair factors, built on first use
        table = self.table_
        key = table.district.astype(np.int64) * (len(table.cluster_vocab) + 1) + table.cluster
        self.unit_vocab_, self.unit_ = np.unique(key, return_inverse=True)
        self.unit_ = self.unit_.ravel()
        self.S_ = tech_shares(self.tech_bool_)
        self.logdeg_ = np.log1p(np.asarray(self.A_.sum(axis=1)).ravel())
        self.capacity_ = self._capacity(self.A_)

    def _capacity(self, A: sp.csr_matrix) -> NDArray[np.float64]:
        return capacity(self.table_.employees, self.table_.digital_level,
                        np.asarray(A.sum(axis=1)).ravel())

    def _affinities(self, A: sp.csr_matrix) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Learned location × location and technology × technology affinities from ``A``."""
        n = len(self.firm_ids_)
        U = sp.csr_matrix((np.ones(n), (np.arange(n), self.unit_)),
                          shape=(n, len(self.unit_vocab_)))
        return affinities(U, self.S_, A)

    def _factors(self, *, A: sp.csr_matrix | None = None, dF: NDArray[np.float64] | None = None,
                 logdeg: NDArray[np.float64] | None = None,
                 cap: NDArray[np.float64] | None = None,
                 L_geo: NDArray[np.float64] | None = None,
                 L_tech: NDArray[np.float64] | None = None) -> Any:
        return pair_factors(
            X=self.X_, unit=self.unit_, L_geo=self.L_geo_ if L_geo is None else L_geo,
            S=self.S_, L_tech=self.L_tech_ if L_tech is None else L_tech, T=self.T_, C=self.C_,
            B=self.B_, bw=self.bw_, A=self.A_ if A is None else A,
            dF=self.dF_ if dF is None else dF, logdeg=self.logdeg_ if logdeg is None else logdeg,
            capacity=self.capacity_ if cap is None else cap)

    def _pair_components(self, i: NDArray[np.intp], j: NDArray[np.intp], *,
                         partners: NDArray[np.floating] | None = None) -> NDArray[np.float64]:
        if getattr(self, "_pf", None) is None:
            self._pf = self._factors()
        return pair_components(self._pf, i, j, partners=partners)

    def _partners_row(self, i: int) -> NDArray[np.float64]:
        """``Σ_f A_if A_fj / deg(f)`` for every j: the partners' partners, from the CSR arrays."""
        A = self.A_
        nb = A.indices[A.indptr[i]:A.indptr[i + 1]]
        n = A.shape[0]
        if not nb.size:
            return np.zeros(n)
        starts, ends = A.indptr[nb], A.indptr[nb + 1]
        counts = ends - starts
        cols = A.indices[np.repeat(starts, counts) + ranges(counts)]
        return np.bincount(cols, weights=np.repeat(self.dF_[nb], counts), minlength=n)

    def _fit_partners(self, rng: np.random.Generator, seed: int) -> tuple[float, float]:
        """The blend weights, then the map from blend to collaboration odds (``_w`` and the
        returned firm calibration ``(a, b)``)."""
        n = len(self.firm_ids_)
        data = self._firm_holdout(rng)
        if self.weights is not None:
            w = weights_vector(self.weights, COMPONENTS, "weights")
        else:
            w = self._learn_firm_weights(data, rng, seed)
        self._w = w
        n_links = self.A_.nnz // 2
        n_pairs = n * (n - 1) // 2 - n_links
        if data is None:
            calib_firm = default_calibration(n_links, n_pairs)
        else:
            factors, hi, hj, ni, nj = data
            calib_firm = calibrate(pair_components(factors, hi, hj) @ w,
                                   pair_components(factors, ni, nj) @ w, n_pairs, n_links)

        return calib_firm

    def _firm_holdout(self, rng: np.random.Generator) -> Any:
        """Training factors without a held-out share of the links, the held-out pairs and
        random non-linked pairs; None if there are too few links."""
        upper = sp.triu(self.A_, k=1).tocoo()
        m = upper.nnz
        if m < 10:
            return None
        hold = rng.random(m) < self.holdout
        if not hold.any():
            hold[rng.integers(m)] = True
        hi, hj = upper.row[hold], upper.col[hold]
        n = self.A_.shape[0]
        E = sp.csr_matrix((np.ones(hi.size), (hi, hj)), shape=(n, n))
        A_train = (self.A_ - E - E.T).tocsr()
        A_train.eliminate_zeros()
        deg = np.divide(1.0, self.dF_, out=np.zeros_like(self.dF_), where=self.dF_ > 0)
        removed = np.bincount(np.concatenate([hi, hj]), minlength=n)
        deg_train = deg - removed
        dF_train = np.divide(1.0, deg_train, out=np.zeros_like(deg), where=deg_train > 0)
        n_neg = min(self.n_negatives * hi.size, 500_000)
        ni = rng.integers(n, size=n_neg)
        nj = rng.integers(n, size=n_neg)
        keep = (ni != nj) & (np.asarray(self.A_[ni, nj]).ravel() == 0)
        ni, nj = ni[keep], nj[keep]
        logdeg_train = np.log1p(np.asarray(A_train.sum(axis=1)).ravel())
        L_geo, L_tech = self._affinities(A_train)
        factors = self._factors(A=A_train, dF=dF_train, logdeg=logdeg_train,
                                cap=self._capacity(A_train), L_geo=L_geo,
                                L_tech=L_tech)
        return factors, hi, hj, ni, nj

    def _learn_firm_weights(self, data: Any, rng: np.random.Generator,
                            seed: int) -> NDArray[np.float64]:
        fallback = weights_vector(DEFAULT_WEIGHTS, COMPONENTS, "weights")
        if data is None:
            return fallback
        factors, hi, hj, ni, nj = data
        if self.blend == "listwise":
            return self._learn_listwise(factors, hi, hj, rng, fallback)
        X = pair_components(factors, np.concatenate([hi, ni]), np.concatenate([hj, nj]))
        y = np.concatenate([np.ones(hi.size, int), np.zeros(ni.size, int)])
        return learn_blend(X, y, fallback, seed)

    def _learn_listwise(self, factors: Any, hi: NDArray[np.intp], hj: NDArray[np.intp],
                        rng: np.random.Generator,
                        fallback: NDArray[np.float64]) -> NDArray[np.float64]:
        """Non-negative weights maximising each held-out partner's softmax probability among
        the query firm's random candidates (a conditional logit: it learns to rank one
        firm's candidates, as recommending does)."""
        q = np.concatenate([hi, hj])
        pos = np.concatenate([hj, hi])
        if q.size > 6000:
            pick = rng.choice(q.size, size=6000, replace=False)
            q, pos = q[pick], pos[pick]
        m = 30
        n = self.A_.shape[0]
        neg = rng.integers(n, size=(q.size, m))
        F_pos = pair_components(factors, q, pos)
        F_neg = pair_components(factors, np.repeat(q, m), neg.ravel()).reshape(q.size, m, -1)
        scale, const = column_scales(np.concatenate([F_pos, F_neg.reshape(-1, F_pos.shape[1])]))
        Fp, Fn = F_pos / scale, F_neg / scale
        Fp[:, const] = 0.0
        Fn[:, :, const] = 0.0
        lam = 1e-3

        def loss(w: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
            sp_ = Fp @ w
            sn = Fn @ w
            top = np.maximum(sp_, sn.max(axis=1))
            ep = np.exp(sp_ - top)
            en = np.exp(sn - top[:, None])
            z = ep + en.sum(axis=1)
            value = float(np.mean(np.log(z) + top - sp_)) + lam * float(w @ w)
            grad_scores = (ep[:, None] * Fp + (en[:, :, None] * Fn).sum(axis=1)) / z[:, None]
            grad = (grad_scores - Fp).mean(axis=0) + 2 * lam * w
            return value, grad

        res = minimize(loss, np.ones(Fp.shape[1]), jac=True, method="L-BFGS-B",
                       bounds=[(0.0, None)] * Fp.shape[1])
        w = np.clip(res.x, 0.0, None)
        w[const] = 0.0
        if not np.any(w > 0):
            return fallback
        return w / scale / w.sum()

    def _firm_row_scores(self, i: int, *, exclude_existing: bool,
                         candidates: NDArray[np.bool_] | None,
                         partners: NDArray[np.float64] | None = None) -> NDArray[np.float32]:
        plan = self._row
        q, qb, cat_vals = plan.query(i)
        row = row_scores(plan.K, q, plan.B, qb, plan.cat, cat_vals, use_numba=self.use_numba)
        w_p = self._w[PARTNERS]
        if w_p > 0:
            corr = self._partners_row(i) if partners is None else partners
            row += (np.float32(w_p) * corr).astype(np.float32)
        row[i] = -np.inf
        if exclude_existing:
            row[self.A_.indices[self.A_.indptr[i]:self.A_.indptr[i + 1]]] = -np.inf
        if candidates is not None:
            row[~candidates] = -np.inf
        return row

    def _firm_recommendation(self, i: int, j: int, score: float | None = None, *,
                             comps: NDArray[np.float64] | None = None,
                             a: Any = None) -> Recommendation:
        if comps is None:
            comps = self._pair_components(np.array([i]), np.array([j]))[0]
        contrib = {name: float(w * c) for name, w, c in zip(COMPONENTS, self._w, comps)}
        a = self.table_.view(i) if a is None else a
        b = self.table_.view(j)
        common: list[str] = []
        if comps[PARTNERS] > 0:  # there are common partners to name
            ai = self.A_.indices[self.A_.indptr[i]:self.A_.indptr[i + 1]]
            bj = self.A_.indices[self.A_.indptr[j]:self.A_.indptr[j + 1]]
            common = [str(self.firm_ids_[c]) for c in np.intersect1d(ai, bj)]
        degree = int(self.A_.indptr[j + 1] - self.A_.indptr[j])
        reasons = firm_firm_reasons(
            a, b, common_partners=common, names=self.names_,
            both_enrolled=self.has_hub_ and bool(self.enrolled_[i] and self.enrolled_[j]),
            capacity=bool(self._w[_CAPACITY] * self.capacity_[j] > 0),
            partner_partners=degree if contrib["popularity"] > 0 else 0,
            location_affinity=contrib["geography"] > 0,
        )
        score = float(sum(contrib.values())) if score is None else float(score)
        return Recommendation(
            target=str(self.firm_ids_[j]), kind="firm", score=score,
            probability=self._probability("firm", score), components=contrib, reasons=reasons,
        )

    def score_pairs(
        self, firm_ids: ArrayLike, target_ids: ArrayLike, *, components: bool = False
    ) -> NDArray[np.float64]:
        """Blended scores of firm pairs ``(firm_ids[p], target_ids[p])``, float64.

        Parameters
        ----------
        firm_ids, target_ids : array-like of str, same length
            Firm ids on both sides.
        components : bool, default=False
            Return the raw components, shape (m, len(COMPONENTS)) in the order of
            ``weights_``, instead.

        Returns
        -------
        ndarray of shape (m,) or (m, len(COMPONENTS))
        """
        check_is_fitted(self, "weights_")
        i = self.table_.positions(firm_ids)
        j = self.table_.positions(target_ids)
        if i.shape != j.shape:
            raise ValidationError("firm_ids and target_ids differ in length", field="target_ids")
        comps = self._pair_components(i, j)
        return comps if components else comps @ self._w
