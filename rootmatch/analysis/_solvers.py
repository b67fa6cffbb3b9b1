"""The two exact solvers of the slot assignment (HiGHS MILP, network simplex), and its candidate
pairs. Private; see :mod:`rootmatch.allocate`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rootmatch.base.exceptions import ValidationError

__all__: list[str] = []


# --- solvers -----------------------------------------------------------------------------
def _solve_milp(W: NDArray[np.int64], rows: NDArray[np.intp], cols: NDArray[np.intp],
                capacity: NDArray[np.int64], max_per_firm: int, n: int, p: int
                ) -> NDArray[np.bool_]:
    import scipy.sparse as sp
    from scipy.optimize import Bounds, LinearConstraint, milp

    m = rows.size
    e = np.arange(m)
    A = sp.vstack([
        sp.csr_array((np.ones(m), (rows, e)), shape=(n, m)),
        sp.csr_array((np.ones(m), (cols, e)), shape=(p, m)),
    ]).tocsr()
    upper = np.concatenate([np.full(n, float(max_per_firm)), capacity.astype(float)])
    res = milp(
        c=-W[rows, cols].astype(np.float64),
        constraints=LinearConstraint(A, -np.inf, upper),
        integrality=np.ones(m),
        bounds=Bounds(0, 1),
    )
    if res.x is None:  # pragma: no cover - the problem is always feasible (x = 0)
        raise ValidationError(f"allocation solver failed: {res.message}", field="method")
    return np.asarray(res.x) > 0.5


def _solve_flow(W: NDArray[np.int64], rows: NDArray[np.intp], cols: NDArray[np.intp],
                capacity: NDArray[np.int64], max_per_firm: int, n: int, p: int
                ) -> NDArray[np.bool_]:
    import networkx as nx

    firm_deg = np.bincount(rows, minlength=n)
    prog_deg = np.bincount(cols, minlength=p)
    supply_f = np.minimum(firm_deg, max_per_firm)
    supply_p = np.minimum(prog_deg, capacity)
    flow = int(min(supply_f.sum(), supply_p.sum()))
    G = nx.DiGraph()
    G.add_node("s", demand=-flow)
    G.add_node("t", demand=flow)
    G.add_edge("s", "t", capacity=flow, weight=0)
    firms = np.flatnonzero(firm_deg)
    G.add_edges_from(("s", ("f", int(i)), {"capacity": int(supply_f[i]), "weight": 0})
                     for i in firms)
    G.add_edges_from(
        (("f", int(i)), ("p", int(j)), {"capacity": 1, "weight": -int(W[i, j])})
        for i, j in zip(rows.tolist(), cols.tolist())
    )
    G.add_edges_from((("p", int(j)), "t", {"capacity": int(capacity[j]), "weight": 0})
                     for j in np.flatnonzero(prog_deg))
    _, flows = nx.network_simplex(G)
    return np.array([flows[("f", i)][("p", j)] > 0
                     for i, j in zip(rows.tolist(), cols.tolist())], dtype=bool)


def _candidate_edges(Wi: NDArray[np.int64], ok: NDArray[np.bool_], cap: NDArray[np.int64]
                     ) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The pairs worth giving to a solver: per program, its ``T = Σ capacity`` best firms.

    Dropping the others keeps the optimum: if an optimal assignment gave program ``j`` to a
    firm outside ``j``'s top ``T``, then at most ``c_j - 1`` other top firms hold ``j`` and at
    most ``(T - c_j) / max_per_firm`` are full elsewhere, so some top firm is free to take the
    slot instead, at no lower weight. The problem shrinks from every applicant to at most
    ``p · T`` pairs, whatever the number of firms.
    """
    usable = ok & (Wi > 0) & (cap[None, :] > 0)
    total = int(cap.sum())
    keep_rows, keep_cols = [], []
    for j in np.flatnonzero(usable.any(axis=0)):
        r = np.flatnonzero(usable[:, j])
        if r.size > total:
            r = r[np.lexsort((r, -Wi[r, j]))[:total]]
        keep_rows.append(np.sort(r))
        keep_cols.append(np.full(r.size, j, np.intp))
    if not keep_rows:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    rows = np.concatenate(keep_rows).astype(np.intp)
    cols = np.concatenate(keep_cols)
    order = np.lexsort((cols, rows))
    return rows[order], cols[order]
