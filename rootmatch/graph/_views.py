"""The sparse views of a support network: firm incidence, collaborations, institute links,
participations and the full adjacency, built from the edge arrays and cached until the next
mutation."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from rootmatch.graph._state import _NetworkState

__all__ = ["_SparseViews"]


def _canonical_csr(M: Any, shape: tuple[int, int]) -> sp.csr_array:
    out = sp.csr_array(M, shape=shape, dtype=np.float64)
    out.sum_duplicates()
    out.data[:] = 1.0  # incidence stays 0/1 however often a link is listed
    out.sort_indices()
    return out


def _incidence(rows: NDArray[np.intp], cols: NDArray[np.intp], shape: tuple[int, int]
               ) -> sp.csr_array:
    data = np.ones(rows.size, np.float64)
    return _canonical_csr(sp.coo_array((data, (rows, cols)), shape=shape), shape)


def _inverse(values: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.zeros(values.shape, np.float64)
    nz = values != 0
    out[nz] = 1.0 / values[nz]
    return out


class _SparseViews(_NetworkState):
    """The cached sparse views of a support network (a part of
    :class:`~rootmatch.graph.network.SupportNetwork`)."""

    def firm_incidence(self) -> tuple[sp.csr_array, tuple[str, ...], NDArray[np.float64]]:
        """The firm × non-firm incidence and the non-firm degree weights.

        Returns
        -------
        B : scipy.sparse.csr_array, shape (n_firms, m)
            0/1; column order as ``nodes``: the hub (if any), then the institutes, then the
            programs, each sorted by id.
        nodes : tuple of str
            Node ids of the m non-firm nodes.
        w : ndarray of float64, shape (m,)
            ``1 / degree`` of each non-firm node in the full graph (0 if isolated).

        Examples
        --------
        >>> import rootmatch as rm
        >>> cat = rm.catalog.busan_2024()
        >>> pop = rm.Population(firms=rm.FirmTable.from_firms([rm.Firm(
        ...     id="F1", name="A", technologies=["금형"], employees=3, district="사하구")]),
        ...     institutes=cat.institutes, programs=cat.programs)
        >>> B, nodes, w = rm.SupportNetwork.from_population(pop).firm_incidence()
        >>> B.toarray()[0, :2].tolist(), nodes[:2]
        ([1.0, 0.0], ('hub', 'inst:BAPIC'))
        >>> float(w[0]) == 1 / (len(cat.institutes) + len(cat.programs) + 1)  # the hub's
        True
        """
        if "incidence" not in self._cache:
            e = self._edges()
            n, n_inst, n_prog = e["n"], len(e["institutes"]), len(e["programs"])
            h = int(self.has_hub)
            m = h + n_inst + n_prog
            rows = [e["enrolled"], e["member_of"][0], e["collaborates_inst"][0],
                    e["participated"][0]]
            cols = [np.zeros(e["enrolled"].size, np.intp), h + e["member_of"][1],
                    h + e["collaborates_inst"][1], h + n_inst + e["participated"][1]]
            B = _incidence(np.concatenate(rows), np.concatenate(cols), (n, m))
            oi, op = e["operates"]
            z_deg = np.asarray(B.sum(axis=0), dtype=np.float64).reshape(-1)
            z_deg[h: h + n_inst] += np.bincount(oi, minlength=n_inst) + h
            z_deg[h + n_inst:] += np.bincount(op, minlength=n_prog) + h
            if h:
                z_deg[0] += n_inst + n_prog
            self._cache["incidence"] = (B, self.nonfirm_nodes(), _inverse(z_deg))
        return self._cache["incidence"]

    def collaboration_matrix(self) -> sp.csr_array:
        """Firm × firm observed collaborations: symmetric, 0/1, shape (n_firms, n_firms)."""
        if "collaboration" not in self._cache:
            e = self._edges()
            a, b = e["collaborates"]
            n = e["n"]
            self._cache["collaboration"] = _incidence(
                np.concatenate([a, b]), np.concatenate([b, a]), (n, n)
            )
        return self._cache["collaboration"]

    def firm_degree_weights(self) -> NDArray[np.float64]:
        """``1 / degree`` of every firm node in the full graph (0 if isolated), row order."""
        if "firm_weights" not in self._cache:
            B, _, _ = self.firm_incidence()
            C = self.collaboration_matrix()
            deg = np.diff(B.indptr).astype(np.float64) + np.diff(C.indptr)
            self._cache["firm_weights"] = _inverse(deg)
        return self._cache["firm_weights"]

    def institute_links(self) -> sp.csr_array:
        """Firm × institute edges of any relation (0/1), columns in :meth:`institute_ids`
        order."""
        if "institute_links" not in self._cache:
            B, _, _ = self.firm_incidence()
            h = int(self.has_hub)
            self._cache["institute_links"] = sp.csr_array(B[:, h: h + len(self.institutes)])
        return self._cache["institute_links"]

    def participation_matrix(self) -> sp.csr_array:
        """Firm × program participations (0/1), columns in :meth:`program_ids` order."""
        if "participation" not in self._cache:
            B, _, _ = self.firm_incidence()
            lo = int(self.has_hub) + len(self.institutes)
            self._cache["participation"] = sp.csr_array(B[:, lo:])
        return self._cache["participation"]

    def adjacency(self) -> tuple[sp.csr_array, list[str]]:
        """The adjacency of the whole graph and its node order.

        Returns
        -------
        A : scipy.sparse.csr_array, shape (N, N)
            Symmetric, 0/1, float64.
        nodes : list of str
            :meth:`nonfirm_nodes` then :meth:`firm_nodes` (firms in row order).
        """
        if "adjacency" not in self._cache:
            e = self._edges()
            B, nonfirm, _ = self.firm_incidence()
            C = self.collaboration_matrix()
            h, n_inst = int(self.has_hub), len(e["institutes"])
            m = len(nonfirm)
            oi, op = e["operates"]
            zr = [oi + h]
            zc = [op + h + n_inst]
            if h:
                zr.append(np.zeros(m - 1, np.intp))
                zc.append(np.arange(1, m))
            zr_all, zc_all = np.concatenate(zr), np.concatenate(zc)
            Z = _incidence(np.concatenate([zr_all, zc_all]), np.concatenate([zc_all, zr_all]),
                           (m, m))
            A = sp.block_array([[Z, B.T], [B, C]], format="csr", dtype=np.float64)
            A = _canonical_csr(A, A.shape)
            self._cache["adjacency"] = (A, list(nonfirm) + self.firm_nodes())
        A, nodes = self._cache["adjacency"]
        return A, list(nodes)
