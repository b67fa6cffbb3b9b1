"""The program model: fit, peers and popularity, eligibility filtering by the rules, and
near misses with what would fix them."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from rootmatch.domain.rules import outcomes_for_row, rule_masks
from rootmatch.engine._blend import learn_blend, weights_vector
from rootmatch.engine._reasons import firm_program_reasons
from rootmatch.engine.recommendation import Recommendation

__all__ = ["DEFAULT_PROGRAM_WEIGHTS", "PROGRAM_COMPONENTS", "ProgramModel"]

DEFAULT_PROGRAM_WEIGHTS: dict[str, float] = {"fit": 1.0, "peers": 1.0, "popularity": 0.2}
PROGRAM_COMPONENTS = ("fit", "peers", "popularity")


class ProgramModel:
    """The program part of :class:`rootmatch.Matchmaker` (its state lives on the estimator)."""

    P_: sp.csr_matrix
    program_weights: Any
    n_negatives: int

    def _derive_programs(self) -> None:
        P = self.P_
        self.prog_counts_ = np.asarray(P.sum(axis=0)).ravel()
        self.prog_sums_ = np.asarray(P.T @ self.X_, dtype=np.float64)  # (n_prog, d)
        # participants sharing at least one technology with each firm, by grouping firms on
        # their technology mask (few distinct masks)
        masks, inverse = np.unique(self.table_.tech_mask, return_inverse=True)
        share = (masks[:, None] & masks[None, :]) != 0  # (u, u)
        group_counts = sp.csr_matrix(
            (np.ones(len(inverse)), (inverse.ravel(), np.arange(len(inverse)))),
            shape=(len(masks), len(inverse))) @ P  # (u, n_prog)
        self.tech_peer_counts_ = (share.astype(float) @ np.asarray(group_counts.toarray()))[
            inverse.ravel()]
        top = float(self.prog_counts_.max()) if self.prog_counts_.size else 0.0
        self.pop_scale_ = math.log1p(top) if top > 0 else 1.0

    def _fit_programs(self, rng: np.random.Generator, seed: int) -> None:
        P = self.P_
        fallback = weights_vector(DEFAULT_PROGRAM_WEIGHTS, PROGRAM_COMPONENTS, "program_weights")
        if self.program_weights is not None:
            wp = weights_vector(self.program_weights, PROGRAM_COMPONENTS, "program_weights")
        elif P.nnz >= 10 and P.shape[1] > 1:
            coo = P.tocoo()
            n_neg = min(self.n_negatives * coo.nnz, 200_000)
            ni = rng.integers(P.shape[0], size=n_neg)
            nq = rng.integers(P.shape[1], size=n_neg)
            keep = np.asarray(P[ni, nq]).ravel() == 0
            rows = np.concatenate([coo.row, ni[keep]])
            progs = np.concatenate([coo.col, nq[keep]])
            member = np.concatenate([np.ones(coo.nnz, bool), np.zeros(int(keep.sum()), bool)])
            X = self._program_components(rows, progs, member)
            y = member.astype(int)
            wp = learn_blend(X, y, fallback, seed)
        else:
            wp = fallback
        self._wp = wp

    def _program_components(self, rows: NDArray[np.intp], progs: NDArray[np.intp],
                            member: NDArray[np.bool_]) -> NDArray[np.float64]:
        """fit, peers (leave-one-out centroid cosine) and popularity for (firm, program)."""
        x = self.X_[rows].astype(np.float64)
        fit = np.einsum("ij,ij->i", x, self.Xp_[progs].astype(np.float64))
        sums = self.prog_sums_[progs] - np.where(member[:, None], x, 0.0)
        norms = np.linalg.norm(sums, axis=1)
        peers = np.divide(np.einsum("ij,ij->i", x, sums), norms, out=np.zeros_like(norms),
                          where=norms > 0)
        counts = self.prog_counts_[progs] - member
        pop = np.log1p(np.maximum(counts, 0)) / self.pop_scale_
        return np.column_stack([fit, peers, pop])

    def _program_scores(self, i: int, on: dt.date, progs: Sequence[int]) -> list[tuple]:  # type: ignore[type-arg]
        """(score, program index, components, failed-rule count, one-row table) per program,
        from the rules' masks alone (cheap: no reasons yet)."""
        one = self.table_.take([i])
        progs = list(progs)
        row = self.P_.getrow(i)
        joined = set(row.indices[row.data > 0].tolist())
        member = np.array([p in joined for p in progs], dtype=bool)
        comps = self._program_components(np.full(len(progs), i), np.asarray(progs, np.intp), member)
        out = []
        for p, c, m in zip(progs, comps, member):
            program = self.programs_[self.prog_ids_[p]]
            n_failed = int((~rule_masks(program, one, on=on)[:, 0]).sum())
            out.append((float(c @ self._wp), p, c, n_failed, bool(m), one))
        return out

    def _program_recommendation(self, i: int, on: dt.date, item: tuple) -> Recommendation:  # type: ignore[type-arg]
        _, p, c, _, member, one = item
        program = self.programs_[self.prog_ids_[p]]
        outcomes = outcomes_for_row(program, one, 0, on=on)
        failed = [o for o in outcomes if not o.passed]
        contrib = {name: float(w * x) for name, w, x in zip(PROGRAM_COMPONENTS, self._wp, c)}
        # firms sharing a technology with this one that took part (itself excluded)
        peers = int(self.tech_peer_counts_[i, p]) - int(member)
        fit_reasons = firm_program_reasons(self.table_.view(i), program, peers=peers)
        reasons = [o.reason for o in failed] + [o.reason for o in outcomes if o.passed]
        seen = {r.ko for r in reasons}  # a passed targets rule already says what a fit
        reasons += [r for r in fit_reasons if r.ko not in seen]  # reason would repeat
        return Recommendation(
            target=program.id, kind="program", score=float(sum(contrib.values())),
            components=contrib, reasons=tuple(reasons),
            eligible=not failed,
            failed_rule=failed[0].rule if len(failed) == 1 else (
                None if not failed else ", ".join(o.rule for o in failed)),
            remedy=failed[0].remedy if len(failed) == 1 else None,
        )

    def _program_recommendations(self, i: int, on: dt.date, progs: Sequence[int], *,
                                 include_ineligible: bool) -> list[Recommendation]:
        return [self._program_recommendation(i, on, item)
                for item in self._program_scores(i, on, progs)
                if include_ineligible or item[3] == 0]

    def _recommend_programs(self, i: int, k: int, on: dt.date,
                            near_misses: bool) -> list[Recommendation]:
        """Eligible programs best first, then (with ``near_misses``) one-rule misses."""
        items = self._program_scores(i, on, range(len(self.prog_ids_)))
        items.sort(key=lambda t: (-t[0], self.prog_ids_[t[1]]))
        eligible = [self._program_recommendation(i, on, t)
                    for t in [t for t in items if t[3] == 0][:k]]
        if not near_misses:
            return eligible
        misses = [self._program_recommendation(i, on, t)
                  for t in [t for t in items if t[3] == 1][:k]]
        return eligible + misses
