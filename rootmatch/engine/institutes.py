"""The firm–institute blend: profiles' cosine and network proximity, its weights and its
calibration, and the reasons of an institute partner."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from rootmatch.engine._blend import learn_blend, weights_vector
from rootmatch.engine._reasons import firm_institute_reasons
from rootmatch.engine._scoring import ranges
from rootmatch.engine.calibration import calibrate, default_calibration
from rootmatch.engine.recommendation import Recommendation

__all__ = ["DEFAULT_INSTITUTE_WEIGHTS", "INSTITUTE_COMPONENTS", "InstituteModel"]

DEFAULT_INSTITUTE_WEIGHTS: dict[str, float] = {"similarity": 1.0, "proximity": 5.0}
INSTITUTE_COMPONENTS = ("similarity", "proximity")


class InstituteModel:
    """The institute part of :class:`rootmatch.Matchmaker` (its state lives on the estimator)."""

    institute_weights: Any
    holdout: float
    n_negatives: int

    def _fit_institutes(self, network: Any, rng: np.random.Generator) -> tuple[float, float]:
        """Institute profiles, proximity and blend weights; returns the blend's calibration."""
        n_inst = len(self.inst_ids_)
        self.inst_links_ = sp.csr_matrix(network.institute_links(), dtype=np.float64)
        adj, nodes = network.adjacency()
        adj = sp.csr_matrix(adj, dtype=np.float64)
        where = {node: i for i, node in enumerate(nodes)}
        firm_nodes = np.array([where[f"firm:{f}"] for f in self.firm_ids_], dtype=np.intp)
        inst_nodes = np.array([where[f"inst:{i}"] for i in self.inst_ids_], dtype=np.intp)
        self.inst_prox_ = self._firm_inst_ra(adj, firm_nodes, inst_nodes)
        data = self._institute_holdout(adj, firm_nodes, inst_nodes, rng)
        fallback = weights_vector(DEFAULT_INSTITUTE_WEIGHTS, INSTITUTE_COMPONENTS, "w")
        if self.institute_weights is not None:
            wi = weights_vector(self.institute_weights, INSTITUTE_COMPONENTS, "institute_weights")
        elif data is None:
            wi = fallback
        else:
            wi = learn_blend(data[0], data[1], fallback, int(rng.integers(2**31 - 1)))
        self._wi = wi
        n_pairs = len(self.firm_ids_) * max(n_inst, 1) - self.inst_links_.nnz
        if n_inst == 0:
            self.inst_prox_ = np.zeros((len(self.firm_ids_), 0), np.float32)
        if data is None:
            return default_calibration(self.inst_links_.nnz, n_pairs)
        X, y = data
        return calibrate(X[y == 1] @ wi, X[y == 0] @ wi, n_pairs, self.inst_links_.nnz)

    @staticmethod
    def _firm_inst_ra(adj: sp.csr_matrix, firm_nodes: NDArray[np.intp],
                      inst_nodes: NDArray[np.intp]) -> NDArray[np.float32]:
        deg = np.asarray(adj.sum(axis=1)).ravel()
        inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
        left = adj[firm_nodes].multiply(inv[None, :]).tocsr()
        return np.asarray((left @ adj[:, inst_nodes]).toarray(), dtype=np.float32)

    def _institute_holdout(self, adj, firm_nodes, inst_nodes, rng):  # type: ignore[no-untyped-def]
        """Components (X) and labels (y) of held-out firm–institute links and random
        non-links, scored on the network without the held-out links; None if too few."""
        links = self.inst_links_.tocoo()
        m = links.nnz
        if m < 20 or len(self.inst_ids_) == 0:
            return None
        hold = rng.random(m) < self.holdout
        if not hold.any():
            hold[rng.integers(m)] = True
        fi, ui = links.row[hold], links.col[hold]
        E = sp.csr_matrix((np.ones(fi.size), (firm_nodes[fi], inst_nodes[ui])), shape=adj.shape)
        adj_train = (adj - E - E.T).tocsr()
        adj_train.eliminate_zeros()
        prox = self._firm_inst_ra(adj_train, firm_nodes, inst_nodes)
        n = len(self.firm_ids_)
        n_neg = min(self.n_negatives * fi.size, 200_000)
        nf = rng.integers(n, size=n_neg)
        nu = rng.integers(len(self.inst_ids_), size=n_neg)
        keep = np.asarray(self.inst_links_[nf, nu]).ravel() == 0
        nf, nu = nf[keep], nu[keep]
        f_all = np.concatenate([fi, nf])
        u_all = np.concatenate([ui, nu])
        X = np.column_stack([
            np.einsum("ij,ij->i", self.X_[f_all].astype(float), self.Xi_[u_all].astype(float)),
            prox[f_all, u_all].astype(float),
        ])
        y = np.concatenate([np.ones(fi.size, int), np.zeros(nf.size, int)])
        return X, y

    def _inst_scores(
        self, rows: NDArray[np.intp], *, exclude_existing: bool
    ) -> NDArray[np.float32]:
        s = (np.float32(self._wi[0]) * (self.X_[rows] @ self.Xi_.T)
             + np.float32(self._wi[1]) * self.inst_prox_[rows]).astype(np.float32)
        if exclude_existing and s.size:
            L = self.inst_links_
            counts = L.indptr[rows + 1] - L.indptr[rows]
            cols = L.indices[np.repeat(L.indptr[rows], counts) + ranges(counts)]
            s[np.repeat(np.arange(rows.size), counts), cols] = -np.inf
        return s

    def _institute_recommendation(
        self, i: int, u: int, score: float | None = None, *, firm: Any = None
    ) -> Recommendation:
        sim = float(self.X_[i].astype(float) @ self.Xi_[u].astype(float))
        prox = float(self.inst_prox_[i, u])
        contrib = {"similarity": self._wi[0] * sim, "proximity": self._wi[1] * prox}
        firm = self.table_.view(i) if firm is None else firm
        inst = self.institutes_[self.inst_ids_[u]]
        linked = [p for p in (q.program_id for q in firm.participations)
                  if p in self.programs_ and inst.id in self.programs_[p].operators]
        via: list[str] = []
        if prox > 0:  # the network paths firm - x - institute that make the proximity
            for g in self.A_.indices[self.A_.indptr[i]:self.A_.indptr[i + 1]]:
                links = self.inst_links_.indices[
                    self.inst_links_.indptr[g]:self.inst_links_.indptr[g + 1]]
                if u in links or inst.id in self.table_.view(int(g)).memberships:
                    via.append(str(self.firm_ids_[g]))
        reasons = firm_institute_reasons(
            firm, inst, linked_programs=sorted(set(linked)), names=self.names_,
            via_hub=contrib["proximity"] > 0 and self.has_hub_ and bool(self.enrolled_[i]),
            via_partners=via)
        score = float(sum(contrib.values())) if score is None else float(score)
        return Recommendation(
            target=inst.id, kind="institute", score=score,
            probability=self._probability("institute", score),
            components={k: float(v) for k, v in contrib.items()}, reasons=reasons,
        )
