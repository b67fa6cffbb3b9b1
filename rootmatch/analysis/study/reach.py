"""What a firm reaches on its own: 2-hop neighbourhoods and hop counts without the hub."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from attrs import frozen
from numpy.typing import ArrayLike, NDArray

from rootmatch.base.exceptions import ValidationError

__all__ = ["Neighbourhood", "hop_counts", "neighbourhood"]


# --- neighbourhoods and hops -------------------------------------------------------------
def _binary(M: Any) -> sp.csr_array:
    out = sp.csr_array(M, dtype=np.float64)
    out.sum_duplicates()
    out.eliminate_zeros()
    out.data[:] = 1.0
    return out


@frozen(kw_only=True, eq=False)
class Neighbourhood:
    """What each query firm can reach on its own: the graph without the hub, 2 hops.

    Attributes
    ----------
    firm_ids : ndarray of str, shape (q,)
        The query firms.
    firms : scipy.sparse.csr_array, shape (q, n_firms)
        1 where a firm is within 2 hops (the query firm itself excluded). Columns are the
        rows of ``net.firms``.
    partners : scipy.sparse.csr_array, shape (q, n_firms)
        1 for current partners (1 hop, firm–firm collaborations).
    institutes : ndarray of bool, shape (q, n_institutes)
        Institutes within 2 hops (columns in ``institute_ids`` order).
    programs : ndarray of bool, shape (q, n_programs)
        Known programs: a firm or institute within 2 hops (or the firm itself) took part in
        it or runs it (columns in ``program_ids`` order).
    institute_ids, program_ids : tuple of str
    """

    firm_ids: NDArray[np.str_]
    firms: sp.csr_array
    partners: sp.csr_array
    institutes: NDArray[np.bool_]
    programs: NDArray[np.bool_]
    institute_ids: tuple[str, ...]
    program_ids: tuple[str, ...]

    def candidate_pairs(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """``(query row, firm row)`` of the 2-hop firms that are not current partners."""
        M = (self.firms - self.firms.multiply(self.partners)).tocoo()
        keep = M.data > 0
        return M.row[keep].astype(np.intp), M.col[keep].astype(np.intp)


@frozen(kw_only=True, eq=False)
class _Reach:
    """The graph without the hub as sparse matrices, and every firm's within-2-hop set."""

    A: sp.csr_array  # adjacency without the hub, 0/1
    firm_nodes: NDArray[np.intp]  # node index of each firm row
    inst_nodes: NDArray[np.intp]
    prog_nodes: NDArray[np.intp]
    R2: sp.csr_array  # (n_firms, N): nodes within 2 hops of each firm, itself included


def _reach(net: Any) -> _Reach:
    """Build :class:`_Reach` from ``net.adjacency()``, dropping the hub's row and column (the
    same matrix ``net.without_hub().adjacency()`` gives, without copying the graph)."""
    A, nodes = net.adjacency()
    if "hub" in nodes:
        keep = np.array([v != "hub" for v in nodes])
        A = sp.csr_array(A)[keep][:, keep]
        nodes = [v for v in nodes if v != "hub"]
    A = _binary(A)
    where = {v: i for i, v in enumerate(nodes)}
    firm_nodes = np.array([where[v] for v in net.firm_nodes()], np.intp)
    inst_nodes = np.array([where[f"inst:{i}"] for i in net.institute_ids()], np.intp)
    prog_nodes = np.array([where[f"prog:{p}"] for p in net.program_ids()], np.intp)
    n = firm_nodes.size
    A_f = A[firm_nodes]
    own = sp.csr_array((np.ones(n), (np.arange(n), firm_nodes)), shape=A_f.shape)
    R2 = _binary(A_f + A_f @ A + own)  # "it took part" counts for the firm itself
    return _Reach(A=A, firm_nodes=firm_nodes, inst_nodes=inst_nodes, prog_nodes=prog_nodes,
                  R2=R2)


def neighbourhood(net: Any, firm_ids: ArrayLike | None = None, *,
                  _reach_: _Reach | None = None) -> Neighbourhood:
    """The 2-hop neighbourhood of firms in ``net`` **without the hub**.

    Computed with sparse products on the adjacency without the hub,
    ``R₂ = A_F + A_F·A`` (``A_F`` the firms' rows), never by a per-firm search.

    Parameters
    ----------
    net : SupportNetwork
        With or without a hub: the hub is always left out.
    firm_ids : array-like of str, optional
        Default: every firm, in row order.

    Returns
    -------
    Neighbourhood

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> firms = rm.FirmTable.from_firms([
    ...     rm.Firm(id=f"F{i}", name=f"f{i}", technologies=["금형"], employees=5,
    ...             district="사상구") for i in range(4)])
    >>> pop = rm.Population(firms=firms, institutes=cat.institutes, programs=cat.programs,
    ...                     collaborations=[("F0", "F1"), ("F1", "F2")])
    >>> nb = rm.study.neighbourhood(rm.SupportNetwork.from_population(pop))
    >>> nb.firms.toarray().astype(int).tolist()   # F3 is alone; F0 reaches F2 through F1
    [[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]]
    """
    r = _reach_ if _reach_ is not None else _reach(net)
    n = len(net.firms)
    rows = (np.arange(n) if firm_ids is None
            else net.firms.positions(np.asarray(firm_ids, dtype=np.str_)))
    q = rows.size
    R2 = r.R2[rows]
    firms = _binary(R2[:, r.firm_nodes] - sp.csr_array(
        (np.ones(q), (np.arange(q), rows)), shape=(q, n)))
    partners = _binary(r.A[r.firm_nodes[rows]][:, r.firm_nodes])
    institutes = R2[:, r.inst_nodes].toarray() > 0
    # holders of each program: participants (firm nodes) and operators (institute nodes)
    keep = np.zeros(r.A.shape[0])
    keep[r.firm_nodes] = 1.0
    keep[r.inst_nodes] = 1.0
    holders = _binary(sp.diags_array(keep) @ r.A[:, r.prog_nodes])
    programs = (R2 @ holders).toarray() > 0
    return Neighbourhood(
        firm_ids=net.firms.ids[rows], firms=firms, partners=partners,
        institutes=institutes, programs=programs,
        institute_ids=tuple(net.institute_ids()), program_ids=tuple(net.program_ids()),
    )


def _rowwise_overlap(L: sp.csr_array, R: sp.csr_array, i: NDArray[np.intp],
                     j: NDArray[np.intp]) -> NDArray[np.bool_]:
    if i.size == 0:
        return np.zeros(0, bool)
    return np.asarray(L[i].multiply(R[j]).sum(axis=1)).ravel() > 0


def hop_counts(net: Any, firm_ids: ArrayLike, target_ids: ArrayLike, *,
               max_hops: int = 4, _reach_: _Reach | None = None) -> NDArray[np.int64]:
    """Shortest-path length between firm pairs in the graph **without the hub**.

    Parameters
    ----------
    net : SupportNetwork
    firm_ids, target_ids : array-like of str, same length
        Firm ids.
    max_hops : int in [0, 4], default=4

    Returns
    -------
    ndarray of int64, shape (m,)
        The number of hops, or -1 when the pair is farther apart than ``max_hops`` (or not
        connected at all).

    Notes
    -----
    With ``N_h`` the nodes within ``h`` hops, ``d(i, j) <= a + b`` iff ``N_a(i)`` and
    ``N_b(j)`` meet: every test is a lookup in, or a row-wise product of, the sparse
    adjacency and within-2-hops matrices, vectorised over all pairs.

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> firms = rm.FirmTable.from_firms([
    ...     rm.Firm(id=f"F{i}", name=f"f{i}", technologies=["금형"], employees=5,
    ...             district="사상구") for i in range(6)])
    >>> pop = rm.Population(firms=firms, institutes=cat.institutes, programs=cat.programs,
    ...     collaborations=[("F0", "F1"), ("F1", "F2"), ("F2", "F3"), ("F3", "F4")])
    >>> net = rm.SupportNetwork.from_population(pop)
    >>> rm.study.hop_counts(net, ["F0"] * 6, [f"F{i}" for i in range(6)]).tolist()
    [0, 1, 2, 3, 4, -1]
    """
    if isinstance(max_hops, bool) or not isinstance(max_hops, (int, np.integer)) \
            or not 0 <= max_hops <= 4:
        raise ValidationError(f"max_hops must be an integer in [0, 4], got {max_hops!r}",
                              field="max_hops", value=max_hops)
    a = net.firms.positions(np.asarray(firm_ids, dtype=np.str_))
    b = net.firms.positions(np.asarray(target_ids, dtype=np.str_))
    if a.shape != b.shape:
        raise ValidationError("firm_ids and target_ids differ in length", field="target_ids")
    r = _reach_ if _reach_ is not None else _reach(net)
    ib = r.firm_nodes[b]
    out = np.full(a.size, -1, np.int64)
    out[a == b] = 0
    todo = a != b
    tests = (
        lambda i: np.asarray(r.A[r.firm_nodes[a[i]], ib[i]]).ravel() > 0,   # 1 hop
        lambda i: np.asarray(r.R2[a[i], ib[i]]).ravel() > 0,                # within 2
        lambda i: _rowwise_overlap(r.R2, r.A, a[i], ib[i]),                 # N₂(a) ∩ N₁(b)
        lambda i: _rowwise_overlap(r.R2, r.R2, a[i], b[i]),                 # N₂(a) ∩ N₂(b)
    )
    for h, test in enumerate(tests[:int(max_hops)], start=1):
        idx = np.flatnonzero(todo)
        if idx.size == 0:
            break
        hit = test(idx)
        out[idx[hit]] = h
        todo[idx[hit]] = False
    return out
