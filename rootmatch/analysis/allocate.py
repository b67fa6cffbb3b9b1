"""Capacity-constrained allocation of program slots.

Each program has a number of slots a year (:attr:`Program.capacity`; in the built-in catalog
these are **assumptions**, ``capacity_assumed=True``). Firms apply to the programs they are
eligible for and interested in; :func:`allocate` gives the slots so that the total
*priority-weighted fit* is maximal:

.. math::

    \\max \\sum_{i,j} W_{ij} x_{ij} \\quad\\text{s.t.}\\quad
    \\sum_j x_{ij} \\le m, \\quad \\sum_i x_{ij} \\le c_j, \\quad
    x_{ij} \\in \\{0, 1\\}, \\quad x_{ij} = 0 \\text{ unless } (i, j) \\text{ may be assigned}

with ``W_ij = priority_i · fit_ij``, ``m`` the programs a firm may join in the round
(``max_per_firm``, default 1) and ``c_j`` the program's capacity.

**Exact in integers.** The weights are scaled and rounded to integers first
(``round(W · scale)``); both solvers maximise the same integer objective, so they reach the
same optimum value (which equally good assignment they return may differ). Pairs whose
rounded weight is 0 are never assigned: they add nothing.

- ``method="network_simplex"``: min-cost flow on source → firm (capacity ``m``) → program
  (capacity 1, cost ``-W_ij``) → sink (capacity ``c_j``), plus a zero-cost source → sink
  bypass so that leaving a slot empty is allowed; solved by
  :func:`networkx.network_simplex`, which needs integer costs.
- ``method="milp"`` (default, faster): the same problem as a mixed-integer program solved by
  HiGHS through :func:`scipy.optimize.milp`. Its constraint matrix is that of a bipartite
  b-matching (totally unimodular), so the LP relaxation is already integral.

**Fit** (:func:`program_fit`) is a transparent rule a council member can check: half for the
support axis (1 when the firm needs the program's primary axis, ½ for a secondary one), a
quarter for the technology (1 for a targeted technology, ½ for a program open to every
technology) and a quarter for the share of the program's topics the firm asks for. A firm is
*interested* when it needs one of the program's axes (:func:`interest_matrix`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from rootmatch.analysis._fit import FIT_WEIGHTS as FIT_WEIGHTS
from rootmatch.analysis._fit import (
    _programs_list,
    axis_need,
    fit_reasons,
    interest_matrix,
    program_fit,
)
from rootmatch.analysis._solvers import _candidate_edges, _solve_flow, _solve_milp
from rootmatch.base.exceptions import ValidationError
from rootmatch.domain.program import Program
from rootmatch.domain.rules import eligibility_matrix
from rootmatch.domain.table import FirmTable

__all__ = [
    "METHODS",
    "Allocation",
    "ProgramDemand",
    "allocate",
    "allocate_programs",
    "axis_need",
    "capacity_sensitivity",
    "fit_reasons",
    "interest_matrix",
    "program_fit",
]


#: The solvers :func:`allocate` accepts.
METHODS = ("milp", "network_simplex")


# --- the result --------------------------------------------------------------------------
@frozen(kw_only=True)
class ProgramDemand:
    """Demand against capacity for one program.

    Attributes
    ----------
    program_id : str
    capacity : int
        Slots (an assumption when ``capacity_assumed``).
    capacity_assumed : bool
    applicants, small_applicants : int
        Firms that may be assigned (applied and eligible); of them, small firms.
    assigned, small_assigned : int
        Slots given; of them, to small firms.
    left_out : tuple of str
        Applicants to this program who got no slot in it, best fit first.
    """

    program_id: str
    capacity: int
    capacity_assumed: bool
    applicants: int
    small_applicants: int
    assigned: int
    small_assigned: int
    left_out: tuple[str, ...]

    @property
    def ratio(self) -> float:
        """Applicants per slot (``inf`` for a program without slots but with applicants)."""
        if self.capacity == 0:
            return float("inf") if self.applicants else 0.0
        return self.applicants / self.capacity

    @property
    def oversubscribed(self) -> bool:
        """More applicants than slots."""
        return self.applicants > self.capacity


def _ro(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


_ARRAY_EQ = {"eq": False}


@frozen(kw_only=True)
class Allocation:
    """The optimal assignment of program slots, and what it leaves out.

    Attributes
    ----------
    firm_ids : ndarray of str, shape (n,)
    program_ids : tuple of str, length p
    assigned : ndarray of bool, shape (n, p)
        ``assigned[i, j]``: firm ``i`` gets a slot in program ``j``.
    allowed : ndarray of bool, shape (n, p)
        The pairs that could be assigned (applicants).
    weights : ndarray of float64, shape (n, p)
        Priority-weighted fit ``W``.
    int_weights : ndarray of int64, shape (n, p)
        ``round(W · scale)``: what the solver maximised.
    capacity : ndarray of int64, shape (p,)
    small : ndarray of bool, shape (n,)
    objective : int
        ``int_weights[assigned].sum()``: the optimum.
    method : str
    capacity_assumed : tuple of bool
    """

    firm_ids: np.ndarray = field(converter=_ro, **_ARRAY_EQ)
    program_ids: tuple[str, ...] = field(converter=tuple)
    assigned: np.ndarray = field(converter=_ro, **_ARRAY_EQ)
    allowed: np.ndarray = field(converter=_ro, **_ARRAY_EQ)
    weights: np.ndarray = field(converter=_ro, **_ARRAY_EQ)
    int_weights: np.ndarray = field(converter=_ro, **_ARRAY_EQ)
    capacity: np.ndarray = field(converter=_ro, **_ARRAY_EQ)
    small: np.ndarray = field(converter=_ro, **_ARRAY_EQ)
    objective: int
    method: str
    capacity_assumed: tuple[bool, ...] = ()

    @property
    def total_weight(self) -> float:
        """Sum of the (unrounded) priority-weighted fit of the assigned pairs."""
        return float(self.weights[self.assigned].sum())

    def pairs(self) -> NDArray[np.str_]:
        """Assigned ``(firm id, program id)`` pairs, shape (m, 2), in row then program order."""
        r, c = np.nonzero(self.assigned)
        if r.size == 0:
            return np.empty((0, 2), dtype=np.str_)
        return np.column_stack([self.firm_ids[r], np.asarray(self.program_ids)[c]])

    def served(self) -> NDArray[np.bool_]:
        """Which firms got at least one slot."""
        return self.assigned.any(axis=1)

    def left_out(self) -> NDArray[np.str_]:
        """Ids of firms that applied somewhere and got no slot at all, in row order."""
        return self.firm_ids[self.allowed.any(axis=1) & ~self.served()]

    def demand(self) -> list[ProgramDemand]:
        """Demand against capacity per program (see :class:`ProgramDemand`)."""
        out = []
        assumed = self.capacity_assumed or (False,) * len(self.program_ids)
        for j, pid in enumerate(self.program_ids):
            apply = self.allowed[:, j]
            got = self.assigned[:, j]
            out_rows = np.flatnonzero(apply & ~got)
            order = np.lexsort((self.firm_ids[out_rows], -self.weights[out_rows, j]))
            out.append(ProgramDemand(
                program_id=pid,
                capacity=int(self.capacity[j]),
                capacity_assumed=bool(assumed[j]),
                applicants=int(apply.sum()),
                small_applicants=int((apply & self.small).sum()),
                assigned=int(got.sum()),
                small_assigned=int((got & self.small).sum()),
                left_out=tuple(str(x) for x in self.firm_ids[out_rows[order]]),
            ))
        return out


def _check_int(value: object, name: str, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise ValidationError(f"{name} must be an integer >= {lo}, got {value!r}", field=name,
                              value=value)
    return int(value)


def allocate(
    weights: ArrayLike,
    capacity: ArrayLike,
    *,
    allowed: ArrayLike | None = None,
    max_per_firm: int = 1,
    scale: float = 10_000,
    method: str = "milp",
    firm_ids: ArrayLike | None = None,
    program_ids: Sequence[str] | None = None,
    small: ArrayLike | None = None,
    capacity_assumed: Sequence[bool] = (),
) -> Allocation:
    """Give program slots to firms so that the total weight is maximal.

    Parameters
    ----------
    weights : array-like of float, shape (n, p)
        ``W_ij >= 0``: the priority-weighted fit of firm ``i`` for program ``j``.
    capacity : array-like of int, shape (p,)
        Slots per program.
    allowed : array-like of bool, shape (n, p), optional
        The pairs that may be assigned (eligible applicants); default every pair.
    max_per_firm : int, default=1
        Programs one firm may join in the round.
    scale : float, default=10000
        Weights are rounded to integers ``round(W · scale)`` before solving.
    method : {"milp", "network_simplex"}, default="milp"
    firm_ids, program_ids : optional
        Labels of the rows and columns (default ``"0"``, ``"1"``, ...).
    small : array-like of bool, shape (n,), optional
        Which firms are small (for the demand summary).
    capacity_assumed : sequence of bool, optional
        Whether each capacity is an assumption (for the report).

    Returns
    -------
    Allocation

    Raises
    ------
    ValidationError
        On a negative or non-finite weight or capacity, mismatched shapes or an unknown
        method.

    Examples
    --------
    >>> import numpy as np, rootmatch as rm
    >>> W = np.array([[0.9, 0.6], [0.8, 0.0], [0.3, 0.4]])
    >>> a = rm.allocate.allocate(W, [1, 1])   # not greedy: firm 0 yields program 0 to firm 1
    >>> a.pairs().tolist(), a.objective
    ([['0', '1'], ['1', '0']], 14000)
    >>> rm.allocate.allocate(W, [1, 1], method="network_simplex").objective
    14000
    """
    W = np.asarray(weights, dtype=np.float64)
    if W.ndim != 2:
        raise ValidationError(f"weights must be 2-D (firms × programs), got shape {W.shape}",
                              field="weights", value=W.shape)
    n, p = W.shape
    if not np.all(np.isfinite(W)) or np.any(W < 0):
        raise ValidationError("weights must be finite and >= 0", field="weights")
    cap = np.asarray(capacity)
    if cap.shape != (p,) or (cap.size and (not np.issubdtype(cap.dtype, np.number)
                                           or np.any(cap < 0) or np.any(cap != np.round(cap)))):
        raise ValidationError(f"capacity must hold {p} integers >= 0, got {cap.tolist()!r}",
                              field="capacity", value=cap.tolist())
    cap = cap.astype(np.int64)
    ok = np.ones((n, p), bool) if allowed is None else np.asarray(allowed, dtype=bool)
    if ok.shape != (n, p):
        raise ValidationError(f"allowed must have shape {(n, p)}, got {ok.shape}",
                              field="allowed", value=ok.shape)
    max_per_firm = _check_int(max_per_firm, "max_per_firm", 1)
    if method not in METHODS:
        raise ValidationError(f"method must be one of {METHODS}, got {method!r}",
                              field="method", value=method)
    if not (isinstance(scale, (int, float, np.number)) and np.isfinite(scale) and scale > 0):
        raise ValidationError(f"scale must be a positive number, got {scale!r}", field="scale",
                              value=scale)
    Wi = np.rint(W * scale).astype(np.int64)
    ids = (np.arange(n).astype(str) if firm_ids is None
           else np.asarray(firm_ids, dtype=np.str_).reshape(-1))
    pids = tuple(str(j) for j in range(p)) if program_ids is None else tuple(program_ids)
    if ids.shape != (n,) or len(pids) != p:
        raise ValidationError("firm_ids / program_ids do not match the weights' shape",
                              field="firm_ids")
    small_arr = np.zeros(n, bool) if small is None else np.asarray(small, dtype=bool)
    rows, cols = _candidate_edges(Wi, ok, cap)
    assigned = np.zeros((n, p), bool)
    if rows.size:
        solve = _solve_milp if method == "milp" else _solve_flow
        chosen = solve(Wi, rows, cols, cap, max_per_firm, n, p)
        assigned[rows[chosen], cols[chosen]] = True
    return Allocation(
        firm_ids=ids, program_ids=pids, assigned=assigned, allowed=ok, weights=W,
        int_weights=Wi, capacity=cap, small=small_arr,
        objective=int(Wi[assigned].sum()), method=method,
        capacity_assumed=tuple(bool(x) for x in capacity_assumed),
    )


def allocate_programs(
    table: FirmTable,
    programs: Sequence[Program] | Mapping[str, Program],
    *,
    on: dt.date | str,
    applicants: ArrayLike | None = None,
    capacities: Mapping[str, int] | None = None,
    small_priority: float = 2.0,
    max_per_firm: int = 1,
    method: str = "milp",
    scale: float = 10_000,
) -> Allocation:
    """Allocate the slots of real programs to the firms of a table.

    A pair may be assigned when the firm is **eligible** on ``on`` (every rule passes) and
    **applies** (``applicants``; default: it needs one of the program's axes,
    :func:`interest_matrix`). The weight is ``fit × priority`` with :func:`program_fit` and
    ``priority = small_priority`` for small firms, 1 otherwise.

    Parameters
    ----------
    table : FirmTable
    programs : sequence of Program, or dict by id (then in id order)
    on : datetime.date or str
        The date eligibility is checked on.
    applicants : array-like of bool, shape (len(table), len(programs)), optional
    capacities : dict of program id -> int, optional
        Override the programs' capacities (a what-if); a program without capacity and
        without an override has 0 slots.
    small_priority : float, default=2.0
    max_per_firm, method, scale
        As for :func:`allocate`.

    Returns
    -------
    Allocation

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> t = rm.FirmTable.from_firms([
    ...     rm.Firm(id=f"F{i}", name="x", technologies=["금형"], employees=e,
    ...             district="사상구", needs=["기술 개발"]) for i, e in enumerate([3, 40, 8])])
    >>> a = rm.allocate.allocate_programs(t, [cat.programs["BS24-01"]], on="2024-06-01",
    ...                                   capacities={"BS24-01": 2})
    >>> a.pairs()[:, 0].tolist(), a.demand()[0].left_out  # the small firms go first
    (['F0', 'F2'], ('F1',))
    """
    progs = _programs_list(programs)
    if small_priority < 0 or not np.isfinite(small_priority):
        raise ValidationError(f"small_priority must be >= 0, got {small_priority!r}",
                              field="small_priority", value=small_priority)
    eligible = eligibility_matrix(progs, table, on=on)
    apply = (interest_matrix(table, progs) if applicants is None
             else np.asarray(applicants, dtype=bool))
    if apply.shape != eligible.shape:
        raise ValidationError(f"applicants must have shape {eligible.shape}, got {apply.shape}",
                              field="applicants", value=apply.shape)
    caps = dict(capacities or {})
    unknown = sorted(set(caps) - {p.id for p in progs})
    if unknown:
        raise ValidationError(f"capacities: unknown program id {unknown[0]!r}",
                              field="capacities", value=unknown[0])
    cap = np.array([caps.get(p.id, p.capacity if p.capacity is not None else 0)
                    for p in progs], dtype=np.int64)
    priority = np.where(table.is_small, float(small_priority), 1.0)
    W = program_fit(table, progs) * priority[:, None]
    return allocate(
        W, cap, allowed=eligible & apply, max_per_firm=max_per_firm, scale=scale,
        method=method, firm_ids=table.ids, program_ids=[p.id for p in progs],
        small=table.is_small,
        capacity_assumed=[p.capacity_assumed and p.id not in caps for p in progs],
    )


def capacity_sensitivity(
    table: FirmTable,
    programs: Sequence[Program] | Mapping[str, Program],
    *,
    on: dt.date | str,
    factors: Sequence[float] = (0.5, 0.75, 1.0, 1.5, 2.0),
    applicants: ArrayLike | None = None,
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """How the allocation changes when every capacity is scaled by each factor.

    Capacities are ``round(factor × capacity)``. Each row reports the factor, total slots,
    slots filled, applicants and small applicants served, the total priority-weighted fit, and
    the :class:`Allocation` itself.

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> t = rm.FirmTable.from_firms([
    ...     rm.Firm(id=f"F{i}", name="x", technologies=["금형"], employees=5,
    ...             district="사상구", needs=["기술 개발"]) for i in range(30)])
    >>> rows = rm.allocate.capacity_sensitivity(t, [cat.programs["BS24-01"]], on="2024-06-01",
    ...                                         factors=(0.5, 1.0, 2.0))
    >>> [(r["slots"], r["filled"], r["served"]) for r in rows]
    [(10, 10, 10), (20, 20, 20), (40, 30, 30)]
    """
    progs = _programs_list(programs)
    out = []
    for f in factors:
        if not (np.isfinite(f) and f >= 0):
            raise ValidationError(f"factors must be >= 0, got {f!r}", field="factors", value=f)
        caps = {p.id: round(f * (p.capacity or 0)) for p in progs}
        a = allocate_programs(table, progs, on=on, applicants=applicants, capacities=caps,
                              **kwargs)
        applied = a.allowed.any(axis=1)
        served = a.served()
        out.append({
            "factor": float(f),
            "slots": int(a.capacity.sum()),
            "filled": int(a.assigned.sum()),
            "applicants": int(applied.sum()),
            "served": int(served.sum()),
            "small_applicants": int((applied & a.small).sum()),
            "small_served": int((served & a.small).sum()),
            "total_weight": a.total_weight,
            "allocation": a,
        })
    return out
