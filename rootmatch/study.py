"""The support-center design study: what the hub changes for Busan's small root firms.

The hub's value is **discovery**; this module makes it measurable, finds the policy gaps,
allocates program slots, lists whom to call, and writes a report a council member can read.

Scenarios
---------
A :class:`Scenario` says whether the hub exists, what share of firms enrols with it, and what
is added to or removed from the catalog (programs, institutes, rule thresholds). Every
scenario is evaluated for the **small firms** (fewer than 10 employees) of the same population.

*No hub* — a firm finds partners, institutes and programs only through its own network:

- its **candidate partners** are the firms within 2 hops of it in the graph without the hub
  (through a common partner, a shared cooperative or institute, or a program both took part
  in), except itself and its current partners; the engine ranks them (the firm is assumed to
  judge its neighbourhood as well as the engine would: only the *reach* differs);
- its **candidate institutes** are those within 2 hops (current links excluded);
- it **knows a program** when a firm or institute within 2 hops of it (itself included) took
  part in it or runs it.

*Hub* — the center's matchmaker (fitted on the network with the hub) searches **all enrolled
firms and every institute and program**. An **enrolled** small firm's candidates are the
enrolled firms together with its own 2-hop neighbourhood (it does not forget whom it knew);
it knows every program (the hub brokers them all). A **non-enrolled** firm gets exactly the
no-hub treatment — the center does not serve it — though its neighbours' scores come from the
hub's matchmaker.

Neighbourhoods are computed with sparse matrix products on the adjacency of
``net.without_hub()`` (``R₂ = A_F + A_F·A``), never by a per-firm search.

What-ifs (:meth:`Scenario.with_enrolment`, :meth:`Scenario.adding_program`,
:meth:`Scenario.removing_program`, :meth:`Scenario.adding_institute`,
:meth:`Scenario.removing_institute`, :meth:`Scenario.with_employee_cap`,
:meth:`Scenario.with_sme_cap`) are compared with a baseline scenario (by default the hub with
every firm enrolled). A removed program or institute leaves the network with all its edges
(participations, memberships, links, operator roles), as if it had never existed: the
comparison shows what it contributes. A rule change only changes eligibility, so the
partner recommendations of the baseline are reused.

Metrics (:data:`METRICS`), for small firms, overall and by district and by technology (a
firm counts in each of its technologies):

- ``true_partner`` — among small firms with at least one *true partner* to find (a held-out
  link of the planted truth, ``pop.truth.held_out``), the share that have one in their
  top-``k`` partners;
- ``oracle`` — mean true link probability (``pop.truth.oracle_scores``) over the ``k``
  slots, an empty slot counting 0: the expected share of slots that would become links;
- ``relevant_institute`` — share with an institute whose expertise covers one of their
  technologies among their recommended institutes;
- ``knows_eligible_program`` — share that know at least one program they are eligible for
  on the study date;
- ``cross_sector`` — share of recommended partner pairs with no technology in common (the
  seed wants links across sectors);
- ``reach`` — share of recommended partner pairs more than 2 hops apart without the hub:
  pairs the firm could not have found alone (0 without the hub by construction);
- ``covered`` — share with at least one recommended partner.

The two truth-based metrics are ``nan`` for a population without truth (real data).

Allocation and outreach
-----------------------
Applicants to a program are the firms that are eligible on the study date, know the program
and need one of its support axes; :func:`rootmatch.allocate.allocate_programs` gives the
slots (small firms with priority). :func:`program_call_list` ranks, per program, the eligible
small firms that fit it best (with reasons and whether they know the program);
:func:`institute_outreach` the small firms that would gain most from an institute.

Examples
--------
>>> import rootmatch as rm
>>> pop = rm.synth.generate_population(400, seed=1)
>>> study = rm.study.run_study(pop, what_ifs=(), seed=0)
>>> [r.scenario.name for r in study.results.values()]
['no_hub', 'hub']
>>> reach = {r["metric"]: r for r in study.key_table()}["reach"]
>>> reach["without_hub"], reach["with_hub"] > 0   # no hub: nothing beyond 2 hops
(0.0, True)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import scipy.sparse as sp
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from ._validation import SeedLike, check_date, check_k, check_rng
from .allocate import (
    Allocation,
    allocate_programs,
    axis_need,
    fit_reasons,
    interest_matrix,
    program_fit,
)
from .entities import Institute, Population, Program
from .exceptions import UnknownEntityError, ValidationError
from .rules import (
    SME,
    ActiveOn,
    InRegion,
    MaxEmployees,
    NotAlreadyParticipant,
    Reason,
    TargetTechnologies,
    eligibility_matrix,
)
from .table import SCALAR_COLUMNS, FirmTable
from .taxonomy import District, Funding, RootTechnology, SupportAxis, Topic

__all__ = [
    "METRICS",
    "CallEntry",
    "GapMatrix",
    "Neighbourhood",
    "OutreachEntry",
    "Scenario",
    "ScenarioResult",
    "Study",
    "default_what_ifs",
    "gap_matrix",
    "gap_program",
    "hop_counts",
    "institute_outreach",
    "neighbourhood",
    "program_call_list",
    "run_scenario",
    "run_study",
]

#: The study date: programs are checked for eligibility on it.
DEFAULT_ON = dt.date(2024, 6, 1)

#: Metric key -> (Korean label, English label), in report order.
METRICS: dict[str, tuple[str, str]] = {
    "true_partner": ("추천 안에 실제 협력 상대 포함", "true partner in the top-k"),
    "oracle": ("추천의 평균 실제 협력 확률", "mean true link probability of the top-k"),
    "relevant_institute": ("관련 전문기관 추천", "relevant institute recommended"),
    "knows_eligible_program": ("신청 가능한 사업 인지", "knows an eligible program"),
    "cross_sector": ("타 업종 파트너 비율", "partners in another technology"),
    "reach": ("혼자서는 못 찾을 연결 (3단계 이상)", "pairs > 2 hops apart without hub"),
    "covered": ("파트너 추천 1곳 이상", "at least one partner recommended"),
}


# --- scenarios ---------------------------------------------------------------------------
def _names(values: Iterable[str]) -> frozenset[str]:
    return frozenset(str(v) for v in values)


def _check_share(_: object, attribute: attrs.Attribute, value: float) -> None:  # type: ignore[type-arg]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValidationError(f"Scenario.{attribute.name} must be a share in [0, 1], got "
                              f"{value!r}", field=attribute.name, value=value)


@frozen(kw_only=True)
class Scenario:
    """A design-study scenario: the hub or not, enrolment, and catalog edits.

    Parameters
    ----------
    name : str
        A short key (``"hub"``, ``"no_hub"``, ...).
    label_ko, label_en : str
        What the scenario is, for the report.
    hub : bool, default=True
    enrolment : float in [0, 1], default=1.0
        Share of firms registered with the center (ignored without a hub).
    add_programs, add_institutes : tuple
        Entities added, or replacing the one with the same id (a rule change).
    remove_programs, remove_institutes : frozenset of str
        Ids removed with every edge they have.

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> base = rm.study.Scenario.baseline()
    >>> s = base.with_employee_cap(cat.programs["BS24-05"], 10)
    >>> s.name, s.hub, [r.name for r in s.add_programs[0].rules][-1]
    ('hub_cap10_BS24-05', True, 'max_employees<=10')
    >>> base.with_enrolment(0.5).label_en
    'hub, 50% of firms enrolled'
    """

    name: str
    label_ko: str = ""
    label_en: str = ""
    hub: bool = True
    enrolment: float = field(default=1.0, validator=_check_share)
    add_programs: tuple[Program, ...] = field(default=(), converter=tuple)
    remove_programs: frozenset[str] = field(factory=frozenset, converter=_names)
    add_institutes: tuple[Institute, ...] = field(default=(), converter=tuple)
    remove_institutes: frozenset[str] = field(factory=frozenset, converter=_names)

    @classmethod
    def no_hub(cls) -> Scenario:
        """Today: no support center."""
        return cls(name="no_hub", label_ko="지원센터 없음", label_en="no hub", hub=False)

    @classmethod
    def baseline(cls) -> Scenario:
        """The center as proposed, every firm enrolled."""
        return cls(name="hub", label_ko="지원센터 (전체 등록)", label_en="hub, every firm enrolled")

    def label(self, lang: str = "en") -> str:
        """The label in ``lang`` (falls back to the name)."""
        return (self.label_ko if lang == "ko" else self.label_en) or self.name

    def _derive(self, suffix: str, ko: str, en: str, **changes: Any) -> Scenario:
        return attrs.evolve(self, name=f"{self.name}_{suffix}", label_ko=ko, label_en=en,
                            **changes)

    def with_enrolment(self, rate: float) -> Scenario:
        """The same scenario with another enrolment rate."""
        pct = round(100 * float(rate))
        return self._derive(f"enrol{pct}", f"지원센터 (기업 {pct}% 등록)",
                            f"hub, {pct}% of firms enrolled", enrolment=float(rate))

    def adding_program(self, program: Program) -> Scenario:
        """Add ``program`` (or replace the program with its id)."""
        return self._derive(f"add_{program.id}", f"사업 추가: {program.name_ko}",
                            f"+ program: {program.name_en}",
                            add_programs=(*self.add_programs, program))

    def removing_program(self, program_id: str) -> Scenario:
        """Remove a program and its participations."""
        return self._derive(f"drop_{program_id}", f"사업 제외: {program_id}",
                            f"- program {program_id}",
                            remove_programs=self.remove_programs | {program_id})

    def adding_institute(self, institute: Institute) -> Scenario:
        """Add ``institute`` (or replace the institute with its id)."""
        return self._derive(f"add_{institute.id}", f"기관 추가: {institute.name_ko}",
                            f"+ institute: {institute.name_en}",
                            add_institutes=(*self.add_institutes, institute))

    def removing_institute(self, institute_id: str) -> Scenario:
        """Remove an institute with its memberships, links and operator roles."""
        return self._derive(f"drop_{institute_id}", f"기관 제외: {institute_id}",
                            f"- institute {institute_id}",
                            remove_institutes=self.remove_institutes | {institute_id})

    def with_employee_cap(self, program: Program, limit: int) -> Scenario:
        """Cap ``program`` at ``limit`` employees (replacing any cap it has)."""
        rules = tuple(r for r in program.rules if not isinstance(r, MaxEmployees))
        capped = attrs.evolve(program, rules=(*rules, MaxEmployees(limit=limit)))
        return self._derive(f"cap{limit}_{program.id}",
                            f"{program.id} 종업원 {limit}명 이하로 제한",
                            f"{program.id} capped at {limit} employees",
                            add_programs=(*self.add_programs, capped))

    def with_sme_cap(self, program: Program, max_employees: int) -> Scenario:
        """Change the SME head-count threshold of ``program``."""
        rules = tuple(SME(max_employees=max_employees) if isinstance(r, SME) else r
                      for r in program.rules)
        if not any(isinstance(r, SME) for r in program.rules):
            rules = (*rules, SME(max_employees=max_employees))
        changed = attrs.evolve(program, rules=rules)
        return self._derive(f"sme{max_employees}_{program.id}",
                            f"{program.id} 중소기업 기준 {max_employees}명",
                            f"{program.id} SME threshold {max_employees} employees",
                            add_programs=(*self.add_programs, changed))

    def apply(self, pop: Population) -> Population:
        """The population this scenario describes (the firms stay; the catalog changes).

        Raises
        ------
        UnknownEntityError
            When a removed program or institute is not in the population.
        """
        for what, ids, known in (("program", self.remove_programs, pop.programs),
                                 ("institute", self.remove_institutes, pop.institutes)):
            unknown = sorted(set(ids) - set(known))
            if unknown:
                raise UnknownEntityError(f"scenario {self.name!r} removes unknown {what} "
                                         f"{unknown[0]!r}")
        if not (self.add_programs or self.remove_programs or self.add_institutes
                or self.remove_institutes):
            return pop
        institutes = {k: v for k, v in pop.institutes.items() if k not in self.remove_institutes}
        institutes.update({i.id: i for i in self.add_institutes})
        programs = {k: v for k, v in pop.programs.items() if k not in self.remove_programs}
        programs.update({p.id: p for p in self.add_programs})
        if self.remove_institutes:
            programs = {k: attrs.evolve(p, operators=p.operators - self.remove_institutes)
                        if p.operators & self.remove_institutes else p
                        for k, p in programs.items()}
        firms = _drop_from_table(pop.firms, programs=self.remove_programs,
                                 institutes=self.remove_institutes)
        links = np.asarray(pop.institute_links)
        if self.remove_institutes and links.size:
            links = links[~np.isin(links[:, 1], sorted(self.remove_institutes))]
        return attrs.evolve(pop, firms=firms, institutes=institutes, programs=programs,
                            institute_links=links)


def _drop_ragged(indptr: NDArray[np.int64], codes: NDArray[np.int32], drop: NDArray[np.bool_],
                 *extra: np.ndarray) -> tuple[Any, ...]:
    n = indptr.shape[0] - 1
    if codes.size == 0 or not drop.any():
        return (indptr, codes, *extra)
    keep = ~drop[codes]
    rows = np.repeat(np.arange(n), np.diff(indptr))
    counts = np.bincount(rows[keep], minlength=n)
    new_indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return (new_indptr, codes[keep], *(e[keep] for e in extra))


def _drop_from_table(table: FirmTable, *, programs: frozenset[str],
                     institutes: frozenset[str]) -> FirmTable:
    """``table`` without the participations in ``programs`` and memberships in
    ``institutes`` (vectorised over the ragged columns)."""
    if not programs and not institutes:
        return table
    drop_p = np.array([p in programs for p in table.program_vocab] or [False])
    drop_m = np.array([m in institutes for m in table.membership_vocab] or [False])
    mem_indptr, mem_codes = _drop_ragged(table.mem_indptr, table.mem_codes, drop_m)
    part_indptr, part_program, part_on = _drop_ragged(
        table.part_indptr, table.part_program, drop_p, table.part_on)
    return FirmTable.from_columns(
        **{name: getattr(table, name) for name in SCALAR_COLUMNS},
        cluster_vocab=table.cluster_vocab,
        membership_vocab=table.membership_vocab, mem_indptr=mem_indptr, mem_codes=mem_codes,
        program_vocab=table.program_vocab, part_indptr=part_indptr, part_program=part_program,
        part_on=part_on, validate=False,
    )


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


# --- the policy gap matrix ---------------------------------------------------------------
#: Cell statuses of :class:`GapMatrix`.
GAP_STATUSES = ("targeted", "institutes", "unmet", "little need")


@frozen(kw_only=True, eq=False)
class GapMatrix:
    """Small firms' needs against sector-specific supply, technology × support axis.

    Attributes
    ----------
    need : ndarray of int64, shape (14, 4)
        Small firms doing technology ``t`` (rows, by ``RootTechnology.value``) that need
        axis ``a`` (columns, by ``SupportAxis.value``).
    firms : ndarray of int64, shape (14,)
        Small firms doing each technology.
    programs : ndarray of object, shape (14, 4)
        Tuples of ids of programs that **target** technology ``t`` and cover axis ``a``.
    general : tuple of tuple of str, length 4
        Per axis, the programs open to every technology that cover it.
    institutes : ndarray of object, shape (14, 4)
        Tuples of ids of institutes with expertise in ``t`` offering ``a``.
    status : ndarray of str, shape (14, 4)
        ``"targeted"`` (a targeted program), ``"institutes"`` (no targeted program, but an
        institute), ``"unmet"`` (``need >= min_need`` and neither: only general programs, if
        any, which are not differentiated by sector), ``"little need"`` (neither, and less
        need).
    min_need : int
    """

    need: NDArray[np.int64]
    firms: NDArray[np.int64]
    programs: NDArray[np.object_]
    general: tuple[tuple[str, ...], ...]
    institutes: NDArray[np.object_]
    status: NDArray[np.str_]
    min_need: int

    @property
    def share(self) -> NDArray[np.float64]:
        """``need / firms`` per row (0 where a technology has no small firm)."""
        f = self.firms[:, None].astype(float)
        return np.divide(self.need, f, out=np.zeros(self.need.shape), where=f > 0)

    def unmet(self) -> list[tuple[RootTechnology, SupportAxis, int]]:
        """Unmet cells ``(technology, axis, need)``, most need first (ties by codes)."""
        cells = [(RootTechnology(t), SupportAxis(a), int(self.need[t, a]))
                 for t, a in zip(*np.nonzero(self.status == "unmet"))]
        return sorted(cells, key=lambda c: (-c[2], c[0].value, c[1].value))

    def rows(self, lang: str = "en") -> list[dict[str, Any]]:
        """One row per cell with need, supply and status (for tables)."""
        share = self.share
        return [{
            "technology": t.label(lang), "axis": a.label(lang),
            "need": int(self.need[t.value, a.value]),
            "share": float(share[t.value, a.value]),
            "programs": ", ".join(self.programs[t.value, a.value]),
            "institutes": ", ".join(self.institutes[t.value, a.value]),
            "status": str(self.status[t.value, a.value]),
        } for t in RootTechnology for a in SupportAxis]


def gap_matrix(
    table: FirmTable,
    programs: Sequence[Program] | Mapping[str, Program],
    institutes: Sequence[Institute] | Mapping[str, Institute],
    *,
    min_need: int = 5,
    small_only: bool = True,
) -> GapMatrix:
    """The policy gap matrix: technology × support axis.

    Parameters
    ----------
    table : FirmTable
    programs, institutes : sequences or dicts by id
    min_need : int, default=5
        Fewest needing firms for a cell without supply to count as ``"unmet"``.
    small_only : bool, default=True
        Count the needs of small firms only.

    Returns
    -------
    GapMatrix

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> t = rm.FirmTable.from_firms([
    ...     rm.Firm(id=f"F{i}", name="x", technologies=["센서"], employees=4,
    ...             district="강서구", needs=["경영지원"]) for i in range(6)])
    >>> g = rm.study.gap_matrix(t, cat.programs, cat.institutes)
    >>> [(c[0].name, c[1].name, c[2]) for c in g.unmet()]
    [('SENSORS', 'MANAGEMENT', 6)]
    """
    progs = list(programs.values()) if isinstance(programs, Mapping) else list(programs)
    insts = list(institutes.values()) if isinstance(institutes, Mapping) else list(institutes)
    progs.sort(key=lambda p: p.id)
    insts.sort(key=lambda i: i.id)
    rows = table.is_small if small_only else np.ones(len(table), bool)
    T = table.tech_matrix()[rows].astype(np.int64)
    Nd = table.needs_matrix()[rows].astype(np.int64)
    need = T.T @ Nd
    nt, na = len(RootTechnology), len(SupportAxis)
    cell_progs = np.empty((nt, na), object)
    cell_insts = np.empty((nt, na), object)
    for t in RootTechnology:
        for a in SupportAxis:
            cell_progs[t.value, a.value] = tuple(
                p.id for p in progs if t in p.targets and a in p.all_axes)
            cell_insts[t.value, a.value] = tuple(
                i.id for i in insts if t in i.expertise and a in i.services)
    general = tuple(tuple(p.id for p in progs if not p.targets and a in p.all_axes)
                    for a in SupportAxis)
    has_p = np.vectorize(len, otypes=[int])(cell_progs) > 0
    has_i = np.vectorize(len, otypes=[int])(cell_insts) > 0
    status = np.where(has_p, "targeted", np.where(
        has_i, "institutes", np.where(need >= min_need, "unmet", "little need")))
    return GapMatrix(need=need, firms=T.sum(axis=0), programs=cell_progs, general=general,
                     institutes=cell_insts, status=status.astype(str), min_need=int(min_need))


def gap_program(gap: GapMatrix, table: FirmTable,
                institutes: Mapping[str, Institute], *, on: dt.date = DEFAULT_ON,
                capacity: int = 20, program_id: str = "NEW-01") -> Program | None:
    """A proposed program for the largest unmet cell of ``gap`` (``None`` if there is none).

    It targets the cell's technology on the cell's axis, for the study year and the next,
    with the two topics small firms of that cell ask for most, operated by the institutes
    with expertise in the technology, with an **assumed** capacity.

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> t = rm.FirmTable.from_firms([
    ...     rm.Firm(id=f"F{i}", name="x", technologies=["센서"], employees=4,
    ...             district="강서구", needs=["경영지원"], topics=["수출"]) for i in range(6)])
    >>> p = rm.study.gap_program(rm.study.gap_matrix(t, cat.programs, cat.institutes), t,
    ...                          cat.institutes)
    >>> p.name_en, sorted(p.operators), [x.name for x in p.topics]
    ('Sensors: management support (proposed program)', ['BUSAN-TP', 'PNU'], ['EXPORT'])
    """
    cells = gap.unmet()
    if not cells:
        return None
    tech, axis, _ = cells[0]
    rows = table.is_small & ((table.tech_mask.astype(np.int64) >> tech.value) & 1 == 1) & (
        (table.needs_mask.astype(np.int64) >> axis.value) & 1 == 1)
    counts = table.topics_matrix()[rows].sum(axis=0)
    top = [Topic(int(j)) for j in np.lexsort((np.arange(counts.size), -counts))[:2]
           if counts[j] > 0]
    ops = sorted(i.id for i in institutes.values() if tech in i.expertise)
    year = check_date(on).year
    return Program(
        id=program_id,
        name_ko=f"{tech.label_ko} 업종 {axis.label_ko} 사업 (신설안)",
        name_en=f"{tech.label_en}: {axis.label_en.lower()} (proposed program)",
        axis=axis, start=dt.date(year, 1, 1), end=dt.date(year + 1, 12, 31),
        funding=Funding.CITY, targets=[tech], topics=top, operators=ops,
        rules=[ActiveOn(), SME(), InRegion(), TargetTechnologies(technologies=[tech]),
               NotAlreadyParticipant()],
        capacity=capacity, capacity_assumed=True,
        notes="Proposed by the design study for the largest unmet cell of the gap matrix; "
              "capacity assumed.",
    )


# --- reverse matching --------------------------------------------------------------------
@frozen(kw_only=True)
class CallEntry:
    """One line of a program's call list."""

    firm_id: str
    name: str
    district: District
    employees: int
    fit: float
    knows: bool
    reasons: tuple[Reason, ...]


@frozen(kw_only=True)
class OutreachEntry:
    """One small firm an institute should reach out to."""

    firm_id: str
    name: str
    district: District
    gain: float
    isolated: bool
    reasons: tuple[Reason, ...]


def _topk_rows(score: NDArray[np.float64], allowed: NDArray[np.bool_], ids: NDArray[np.str_],
               k: int) -> NDArray[np.intp]:
    rows = np.flatnonzero(allowed)
    order = np.lexsort((ids[rows], -score[rows]))
    return rows[order[:k]]


def program_call_list(
    table: FirmTable,
    program: Program,
    *,
    on: dt.date | str = DEFAULT_ON,
    k: int = 20,
    knows: ArrayLike | None = None,
) -> list[CallEntry]:
    """The support center's call list for ``program``: eligible small firms, best fit first.

    Parameters
    ----------
    table : FirmTable
    program : Program
    on : date, default=2024-06-01
    k : int, default=20
    knows : array-like of bool, shape (len(table),), optional
        Whether each firm already knows the program (e.g. ``Neighbourhood.programs``); the
        firms that do not are the ones the call matters most for. Default: all ``False``.

    Returns
    -------
    list of CallEntry
        Ranked by fit (:func:`rootmatch.allocate.program_fit`); among equal fits the firms
        that do not know the program come first (the call matters most to them), then by
        id. Each entry has its reasons (why it fits, and that it passes every rule).

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> t = rm.FirmTable.from_firms([
    ...     rm.Firm(id="F1", name="A", technologies=["금형"], employees=5, district="사상구",
    ...             needs=["기술 개발"]),
    ...     rm.Firm(id="F2", name="B", technologies=["금형"], employees=5, district="사상구",
    ...             needs=["인력 양성"]),
    ...     rm.Firm(id="F3", name="C", technologies=["금형"], employees=50, district="사상구",
    ...             needs=["기술 개발"])])
    >>> [(e.firm_id, round(e.fit, 2)) for e in rm.study.program_call_list(
    ...     t, cat.programs["BS24-01"])]
    [('F1', 0.75), ('F2', 0.5)]
    """
    on = check_date(on)
    small = table.is_small
    eligible = eligibility_matrix([program], table, on=on)[:, 0]
    fit = program_fit(table, [program])[:, 0]
    known = np.zeros(len(table), bool) if knows is None else np.asarray(knows, bool)
    rows = np.flatnonzero(small & eligible & (fit > 0))
    top = rows[np.lexsort((table.ids[rows], known[rows], -fit[rows]))[:int(k)]]
    n_rules = max(len(program.rules), 1)
    passed = Reason(f"신청 자격 충족 (요건 {n_rules}개 모두 통과)",
                    f"eligible (passes all {n_rules} rules)")
    return [CallEntry(
        firm_id=str(table.ids[i]), name=str(table.names[i]),
        district=District(int(table.district[i])), employees=int(table.employees[i]),
        fit=float(fit[i]), knows=bool(known[i]),
        reasons=(*fit_reasons(table, int(i), program), passed),
    ) for i in top]


def _institute_gain(table: FirmTable, inst: Institute) -> NDArray[np.float64]:
    tech = table.tech_matrix()
    exp = np.zeros(len(RootTechnology), bool)
    exp[[t.value for t in inst.expertise]] = True
    tech_share = np.divide((tech & exp).sum(axis=1), tech.sum(axis=1),
                           out=np.zeros(len(table)), where=tech.sum(axis=1) > 0)
    needs = table.needs_matrix()
    srv = np.zeros(len(SupportAxis), bool)
    srv[[a.value for a in inst.services]] = True
    need_share = np.divide((needs & srv).sum(axis=1), needs.sum(axis=1),
                           out=np.zeros(len(table)), where=needs.sum(axis=1) > 0)
    tops = table.topics_matrix()
    top_mask = np.zeros(len(Topic), bool)
    top_mask[[t.value for t in inst.topics]] = True
    topic_share = (tops & top_mask).sum(axis=1) / max(len(inst.topics), 1)
    return 0.4 * tech_share + 0.4 * need_share + 0.2 * topic_share


def institute_outreach(
    net: Any,
    institute_id: str,
    *,
    k: int = 20,
    nb: Neighbourhood | None = None,
) -> list[OutreachEntry]:
    """The small firms that would gain most from an institute, with reasons.

    ``gain = 0.4·(share of the firm's technologies in the institute's expertise) + 0.4·(share
    of its needs among the institute's services) + 0.2·(share of the institute's topics it
    asks for)``, plus 0.25 for a firm with no institute within 2 hops today (the least served
    gain most). Firms already linked to the institute are left out.

    Parameters
    ----------
    net : SupportNetwork
    institute_id : str
    k : int, default=20
    nb : Neighbourhood, optional
        The neighbourhood of every firm (computed when not given).

    Returns
    -------
    list of OutreachEntry
        Ranked by gain, ties by id.

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> t = rm.FirmTable.from_firms([
    ...     rm.Firm(id="F1", name="A", technologies=["용접"], employees=5, district="사하구",
    ...             needs=["기술 개발"]),
    ...     rm.Firm(id="F2", name="B", technologies=["금형"], employees=5, district="사하구",
    ...             needs=["기술 개발"])])
    >>> pop = rm.Population(firms=t, institutes=cat.institutes, programs=cat.programs)
    >>> out = rm.study.institute_outreach(rm.SupportNetwork.from_population(pop), "DAU")
    >>> [(e.firm_id, round(e.gain, 2), e.isolated) for e in out]
    [('F1', 1.05, True), ('F2', 0.65, True)]
    """
    if institute_id not in net.institutes:
        raise UnknownEntityError(f"unknown institute id {institute_id!r}")
    inst = net.institutes[institute_id]
    table = net.firms
    nb = nb if nb is not None else neighbourhood(net)
    j = net.institute_ids().index(institute_id)
    linked = net.institute_links()[:, [j]].toarray().ravel() > 0
    isolated = ~nb.institutes.any(axis=1)
    gain = _institute_gain(table, inst) + 0.25 * isolated
    allowed = table.is_small & ~linked & (gain > 0.25 * isolated)
    out = []
    for i in _topk_rows(gain, allowed, table.ids, int(k)):
        techs = {t for t in RootTechnology if int(table.tech_mask[i]) >> t.value & 1}
        needs = {a for a in SupportAxis if int(table.needs_mask[i]) >> a.value & 1}
        topics = {t for t in Topic if int(table.topics_mask[i]) >> t.value & 1}
        reasons = []
        hit = sorted(techs & inst.expertise, key=lambda m: m.value)
        if hit:
            reasons.append(Reason("전문 분야 일치: " + "·".join(t.label_ko for t in hit),
                                  "expertise in " + ", ".join(t.label_en for t in hit)))
        srv = sorted(needs & inst.services, key=lambda m: m.value)
        if srv:
            reasons.append(Reason("필요한 지원 제공: " + "·".join(axis_need(a).ko for a in srv),
                                  "offers the " + ", ".join(axis_need(a).en for a in srv)
                                  + " it needs"))
        tp = sorted(topics & inst.topics, key=lambda m: m.value)
        if tp:
            reasons.append(Reason("관심 분야: " + "·".join(t.label_ko for t in tp),
                                  "shared interest: " + ", ".join(t.label_en for t in tp)))
        if isolated[i]:
            reasons.append(Reason("현재 2단계 안에 연결된 기관 없음",
                                  "no institute within 2 hops today"))
        out.append(OutreachEntry(firm_id=str(table.ids[i]), name=str(table.names[i]),
                                 district=District(int(table.district[i])),
                                 gain=float(gain[i]), isolated=bool(isolated[i]),
                                 reasons=tuple(reasons)))
    return out


# --- running a scenario ------------------------------------------------------------------
def _take_nb(nb: Neighbourhood, rows: NDArray[np.intp]) -> Neighbourhood:
    return Neighbourhood(firm_ids=nb.firm_ids[rows], firms=nb.firms[rows],
                         partners=nb.partners[rows], institutes=nb.institutes[rows],
                         programs=nb.programs[rows], institute_ids=nb.institute_ids,
                         program_ids=nb.program_ids)


def _id_rank(ids: NDArray[np.str_]) -> NDArray[np.int64]:
    return np.argsort(np.argsort(ids, kind="stable"), kind="stable").astype(np.int64)


def _topk_pairs(q: NDArray[np.intp], c: NDArray[np.intp], score: NDArray[np.float64],
                n_rows: int, k: int, rank: NDArray[np.int64]
                ) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Per query row, the ``k`` best candidates by score, ties by id rank; -1 pads."""
    idx = np.full((n_rows, k), -1, np.intp)
    val = np.full((n_rows, k), -np.inf)
    if q.size == 0 or k == 0:
        return idx, val
    order = np.lexsort((rank[c], -score, q))
    q, c, score = q[order], c[order], score[order]
    starts = np.searchsorted(q, np.arange(n_rows))
    pos = np.arange(q.size) - starts[q]
    keep = pos < k
    idx[q[keep], pos[keep]] = c[keep]
    val[q[keep], pos[keep]] = score[keep]
    return idx, val


def _score_pairs(mm: Any, a: NDArray[np.str_], b: NDArray[np.str_],
                 chunk: int = 50_000) -> NDArray[np.float64]:
    out = np.empty(a.size)
    for lo in range(0, a.size, chunk):
        out[lo:lo + chunk] = mm.score_pairs(a[lo:lo + chunk], b[lo:lo + chunk])
    return out


def _pair_oracle(truth: Any, a: NDArray[np.str_], b: NDArray[np.str_],
                 block: int = 32) -> NDArray[np.float64]:
    """``truth.oracle_scores`` of pairs ``(a[p], b[p])``, by small blocks of query firms (the
    oracle answers a query × candidate matrix; a block's candidates are few)."""
    out = np.zeros(a.size)
    if a.size == 0:
        return out
    order = np.argsort(a, kind="stable")
    uq, first = np.unique(a[order], return_index=True)
    bounds = np.append(first, a.size)
    for lo in range(0, uq.size, block):
        sel = order[bounds[lo]: bounds[min(lo + block, uq.size)]]
        qs, cs = np.unique(a[sel]), np.unique(b[sel])
        M = truth.oracle_scores(qs, cs)
        out[sel] = M[np.searchsorted(qs, a[sel]), np.searchsorted(cs, b[sel])]
    return out


@frozen(kw_only=True, eq=False)
class ScenarioResult:
    """What one scenario gives the small firms, and how the program slots go.

    Attributes
    ----------
    scenario : Scenario
    population : Population
        The population of the scenario (catalog edits applied).
    network : SupportNetwork
        Shared with the scenario it derives from when only rules or capacities differ
        (its program nodes then carry the old rules; ``population.programs`` has the new).
    neighbourhood : Neighbourhood
        Every firm's own 2-hop neighbourhood (without the hub), in row order.
    on : datetime.date
    k : int
    small_ids : ndarray of str, shape (s,)
        The small firms, in row order.
    enrolled : ndarray of bool, shape (s,)
        Which small firms are enrolled with the hub.
    partners : ndarray of str, shape (s, k)
        Recommended partner firms, best first; ``""`` pads.
    scores : ndarray of float64, shape (s, k)
    institutes : ndarray of str, shape (s, k_institutes)
        Recommended institutes; ``""`` pads.
    program_ids : tuple of str
    known, eligible : ndarray of bool, shape (n_firms, n_programs)
        For every firm of the population (row order): programs it knows / may apply to.
    hops : ndarray of int64, shape (s, k)
        Hops between the firm and each recommended partner without the hub (-1: more than
        4, unconnected, or a pad).
    true_link : ndarray of bool, shape (s, k) or None
        Whether each recommended pair is a held-out true link (``None`` without truth).
    propensity : ndarray of float64, shape (s, k) or None
        The oracle's link probability of each pair (0 for pads; ``None`` without truth).
    allocation : Allocation
        Program slots among the applicants (eligible, aware, in need of the program's axes).
    """

    scenario: Scenario
    population: Population
    network: Any
    neighbourhood: Neighbourhood
    on: dt.date
    k: int
    small_ids: NDArray[np.str_]
    enrolled: NDArray[np.bool_]
    partners: NDArray[np.str_]
    scores: NDArray[np.float64]
    institutes: NDArray[np.str_]
    program_ids: tuple[str, ...]
    known: NDArray[np.bool_]
    eligible: NDArray[np.bool_]
    hops: NDArray[np.int64]
    true_link: NDArray[np.bool_] | None
    propensity: NDArray[np.float64] | None
    allocation: Allocation

    @property
    def small_rows(self) -> NDArray[np.intp]:
        """Rows of the small firms in ``population.firms``."""
        return np.flatnonzero(self.population.firms.is_small)

    def firm_metrics(self) -> dict[str, NDArray[Any]]:
        """Per small firm: the ingredients of every metric (see the module docstring).

        Returns
        -------
        dict
            ``valid`` (s, k) filled slots; ``relevant_institute``, ``knows_eligible_program``,
            ``covered`` (s,) bool; ``true_partner`` (s,) 1.0/0.0, ``nan`` for a firm without
            a held-out link (or without truth); ``oracle`` (s,) mean propensity over the k
            slots (``nan`` without truth);
            ``cross`` and ``far`` (s, k) bool per slot.
        """
        table = self.population.firms
        rows = self.small_rows
        valid = self.partners != ""
        pos = np.full(self.partners.shape, -1, np.intp)
        if valid.any():
            pos[valid] = table.positions(self.partners[valid])
        tm = table.tech_mask.astype(np.int64)
        cross = valid & ((tm[rows][:, None] & tm[np.maximum(pos, 0)]) == 0)
        far = valid & (self.hops != 1) & (self.hops != 2)
        insts = self.population.institutes
        inst_ids = np.array(sorted(insts) or [""], dtype=np.str_)
        inst_tech = np.array([sum(1 << t.value for t in insts[i].expertise) if i else 0
                              for i in inst_ids], np.int64)
        ivalid = self.institutes != ""
        ipos = np.searchsorted(inst_ids, self.institutes)
        ipos = np.minimum(ipos, inst_ids.size - 1)
        relevant = (ivalid & ((inst_tech[ipos] & tm[rows][:, None]) != 0)).any(axis=1)
        knows = (self.known[rows] & self.eligible[rows]).any(axis=1)
        n = rows.size
        tp = np.full(n, np.nan)
        truth = self.population.truth
        if self.true_link is not None and truth is not None:
            held = np.asarray(truth.held_out, dtype=np.str_).reshape(-1, 2)
            has = np.zeros(len(table), bool)
            if held.size:
                has[table.positions(held.ravel())] = True
            has = has[rows]
            tp[has] = self.true_link[has].any(axis=1)
        orc = (np.full(n, np.nan) if self.propensity is None
               else self.propensity.sum(axis=1) / max(self.k, 1))
        return {"valid": valid, "true_partner": tp, "oracle": orc,
                "relevant_institute": relevant, "knows_eligible_program": knows,
                "cross": cross, "far": far, "covered": valid.any(axis=1)}

    def metrics(self, by: str | None = None, *, lang: str = "en") -> list[dict[str, Any]]:
        """The metrics for small firms, overall or per group.

        Parameters
        ----------
        by : {None, "district", "technology"}
            ``None`` gives one row (group ``"all"``); a firm counts in each of its
            technologies.
        lang : {"en", "ko"}
            Language of the group labels.

        Returns
        -------
        list of dict
            ``group``, ``n`` (small firms) and one value per key of :data:`METRICS`.
        """
        fm = self.firm_metrics()
        table = self.population.firms
        rows = self.small_rows
        if by is None:
            groups = [("all" if lang == "en" else "전체", np.ones(rows.size, bool))]
        elif by == "district":
            d = table.district[rows]
            groups = [(District(int(v)).label(lang), d == v) for v in np.unique(d)]
        elif by == "technology":
            tm = table.tech_mask[rows].astype(np.int64)
            groups = [(t.label(lang), (tm >> t.value) & 1 == 1) for t in RootTechnology
                      if ((tm >> t.value) & 1).any()]
        else:
            raise ValidationError(f"by must be None, 'district' or 'technology', got {by!r}",
                                  field="by", value=by)
        out = []
        for name, g in groups:
            n_pairs = int(fm["valid"][g].sum())
            def mean(x: NDArray[Any], g: NDArray[np.bool_] = g) -> float:
                x = np.asarray(x[g], dtype=float)
                x = x[~np.isnan(x)]
                return float(x.mean()) if x.size else float("nan")

            out.append({
                "group": name, "n": int(g.sum()),
                "true_partner": mean(fm["true_partner"]),
                "oracle": mean(fm["oracle"]),
                "relevant_institute": mean(fm["relevant_institute"]),
                "knows_eligible_program": mean(fm["knows_eligible_program"]),
                "cross_sector": (float(fm["cross"][g].sum()) / n_pairs) if n_pairs
                else float("nan"),
                "reach": (float(fm["far"][g].sum()) / n_pairs) if n_pairs else float("nan"),
                "covered": mean(fm["covered"]),
            })
        return out

    def summary(self) -> dict[str, float]:
        """The overall metrics as a dict (metric key -> value)."""
        row = self.metrics()[0]
        return {key: row[key] for key in METRICS}

    def hop_distribution(self) -> dict[str, float]:
        """Share of recommended pairs by hops apart without the hub: ``"1-2"``, ``"3"``,
        ``"4"``, ``">4"`` (farther or unconnected)."""
        valid = self.partners != ""
        h = self.hops[valid]
        total = max(h.size, 1)
        return {"1-2": float(np.isin(h, (1, 2)).sum() / total),
                "3": float((h == 3).sum() / total), "4": float((h == 4).sum() / total),
                ">4": float((h == -1).sum() / total)}


def _structure_key(scenario: Scenario, pop: Population) -> tuple[Any, ...]:
    """What the network and the partner recommendations depend on (not rules, capacity)."""
    return (
        scenario.hub, scenario.enrolment if scenario.hub else None,
        tuple((p.id, tuple(sorted(p.operators)), p.axis, p.axes, p.targets, p.topics)
              for p in sorted(pop.programs.values(), key=lambda p: p.id)),
        tuple(sorted(pop.institutes.items())),
    )


def _partner_recs(mm: Any, net: Any, nb_small: Neighbourhood, small_rows: NDArray[np.intp],
                  k: int, hub: bool) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    table = net.firms
    ids = table.ids
    enrolled = np.asarray(net.enrolled, bool)
    q, c = nb_small.candidate_pairs()
    enr_small = enrolled[small_rows]
    if hub and enr_small.any():
        local = np.flatnonzero(enr_small)
        ids_h, _ = mm.recommend_all(ids[small_rows[local]], k=k, candidates=enrolled)
        valid = ids_h != ""
        hq = np.repeat(local, valid.sum(axis=1))
        hc = table.positions(ids_h[valid]) if valid.any() else np.zeros(0, np.intp)
        own = ~enr_small[q] | ~enrolled[c]
        q = np.concatenate([hq, q[own]]).astype(np.intp)
        c = np.concatenate([hc, c[own]]).astype(np.intp)
    score = _score_pairs(mm, ids[small_rows[q]], ids[c])
    return _topk_pairs(q, c, score, small_rows.size, k, _id_rank(ids))


def _institute_recs(mm: Any, net: Any, nb_small: Neighbourhood, small_rows: NDArray[np.intp],
                    k: int, hub: bool) -> NDArray[np.str_]:
    inst_ids = np.asarray(nb_small.institute_ids, dtype=np.str_)
    s = small_rows.size
    if inst_ids.size == 0 or k == 0 or s == 0:
        return np.full((s, k), "", dtype="<U1")
    ids_i, _ = mm.recommend_all(net.firms.ids[small_rows], k=inst_ids.size,
                                kinds=("institute",))
    pos = np.minimum(np.searchsorted(inst_ids, ids_i), inst_ids.size - 1)
    allowed = np.take_along_axis(nb_small.institutes, pos, axis=1)
    if hub:
        allowed |= np.asarray(net.enrolled, bool)[small_rows][:, None]
    valid = (ids_i != "") & allowed
    order = np.argsort(~valid, axis=1, kind="stable")[:, :k]
    picked = np.take_along_axis(ids_i, order, axis=1)
    ok = np.take_along_axis(valid, order, axis=1)
    out = np.where(ok, picked, "")
    if out.shape[1] < k:
        out = np.hstack([out, np.full((s, k - out.shape[1]), "", dtype=out.dtype)])
    return out


def _recommend(pop_s: Population, scenario: Scenario, *, k: int, k_institutes: int,
               enrol_seed: int, mm_seed: int, matchmaker: Any) -> tuple[Any, ...]:
    """Everything of a scenario that rules and capacities do not change: the network, the
    neighbourhoods, the recommendations, their hops and their truth."""
    from sklearn.base import clone

    from .matchmaker import Matchmaker
    from .network import SupportNetwork

    table = pop_s.firms
    ids = table.ids
    small_rows = np.flatnonzero(table.is_small)
    net = SupportNetwork.from_population(pop_s, hub=scenario.hub,
                                         enrolment=scenario.enrolment, seed=enrol_seed)
    reach = _reach(net)
    nb = neighbourhood(net, _reach_=reach)
    model = (Matchmaker(random_state=mm_seed) if matchmaker is None
             else clone(matchmaker)).fit(net)
    nb_small = _take_nb(nb, small_rows)
    idx, val = _partner_recs(model, net, nb_small, small_rows, k, scenario.hub)
    inst = _institute_recs(model, net, nb_small, small_rows, k_institutes, scenario.hub)
    partners = np.where(idx >= 0, ids[np.maximum(idx, 0)], "")
    valid = idx >= 0
    q = np.repeat(small_rows, valid.sum(axis=1))
    c = idx[valid]
    hops = np.full(idx.shape, -1, np.int64)
    if c.size:
        hops[valid] = hop_counts(net, ids[q], ids[c], _reach_=reach)
    true_link = propensity = None
    truth = pop_s.truth
    if truth is not None:
        held = np.asarray(truth.held_out, dtype=np.str_).reshape(-1, 2)
        n = len(table)
        if held.size:
            ha, hb = table.positions(held[:, 0]), table.positions(held[:, 1])
            keys = np.concatenate([ha * n + hb, hb * n + ha]).astype(np.int64)
        else:
            keys = np.zeros(0, np.int64)
        true_link = np.zeros(idx.shape, bool)
        true_link[valid] = np.isin(q.astype(np.int64) * n + c, keys)
        propensity = np.zeros(idx.shape)
        propensity[valid] = _pair_oracle(truth, ids[q], ids[c])
    out = (partners, val, inst, hops, true_link, propensity)
    for arr in out:  # shared by every scenario that differs only in rules or capacities
        if arr is not None:
            arr.setflags(write=False)
    return (net, nb, *out)


def run_scenario(
    pop: Population,
    scenario: Scenario,
    *,
    k: int = 10,
    k_institutes: int = 3,
    on: dt.date | str = DEFAULT_ON,
    seed: SeedLike = 0,
    matchmaker: Any = None,
    small_priority: float = 2.0,
    _cache: dict[Any, Any] | None = None,
) -> ScenarioResult:
    """Evaluate one scenario for the small firms of ``pop``.

    Parameters
    ----------
    pop : Population
    scenario : Scenario
    k : int, default=10
        Partners per firm.
    k_institutes : int, default=3
        Institutes per firm.
    on : date, default=2024-06-01
        Eligibility date.
    seed : int or None, default=0
        Seeds the choice of enrolled firms and the matchmaker (when not given).
    matchmaker : estimator, optional
        An unfitted recommender with ``fit``, ``recommend_all`` and ``score_pairs``
        (default ``rootmatch.Matchmaker(random_state=...)``); cloned and fitted on the
        scenario's network.
    small_priority : float, default=2.0
        Priority weight of small firms in the allocation.

    Returns
    -------
    ScenarioResult
    """
    on = check_date(on)
    k = check_k(k)
    k_institutes = check_k(k_institutes, field="k_institutes")
    rng = check_rng(seed)
    enrol_seed, mm_seed = (int(x) for x in rng.integers(2**31 - 1, size=2))
    pop_s = scenario.apply(pop)
    table = pop_s.firms
    small_rows = np.flatnonzero(table.is_small)
    cache = _cache if _cache is not None else {}
    key = (_structure_key(scenario, pop_s), k, k_institutes, enrol_seed, mm_seed)
    if key not in cache:
        cache[key] = _recommend(pop_s, scenario, k=k, k_institutes=k_institutes,
                                enrol_seed=enrol_seed, mm_seed=mm_seed, matchmaker=matchmaker)
    net, nb, partners, val, inst, hops, true_link, propensity = cache[key]
    progs = [pop_s.programs[p] for p in net.program_ids()]
    known = nb.programs.copy()
    if scenario.hub:
        known[np.asarray(net.enrolled, bool)] = True
    eligible = eligibility_matrix(progs, table, on=on)
    applicants = eligible & known & interest_matrix(table, progs)
    allocation = allocate_programs(table, progs, on=on, applicants=applicants,
                                   small_priority=small_priority)
    return ScenarioResult(
        scenario=scenario, population=pop_s, network=net, neighbourhood=nb, on=on, k=k,
        small_ids=table.ids[small_rows], enrolled=np.asarray(net.enrolled, bool)[small_rows],
        partners=partners, scores=val, institutes=inst,
        program_ids=tuple(net.program_ids()), known=known, eligible=eligible, hops=hops,
        true_link=true_link, propensity=propensity, allocation=allocation,
    )


# --- the whole study ---------------------------------------------------------------------
def default_what_ifs(pop: Population, baseline: Scenario, *, gap: GapMatrix | None = None,
                     on: dt.date | str = DEFAULT_ON) -> tuple[Scenario, ...]:
    """The study's standard what-ifs against ``baseline``.

    1. half the firms enrolled;
    2. a new program for the largest unmet gap cell (:func:`gap_program`), if any;
    3. without the institute with the most firm links (ties by id);
    4. and 5. the largest program (most slots, ties by id) capped at 10, then 20 employees.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(300, seed=2)
    >>> [s.name for s in rm.study.default_what_ifs(pop, rm.study.Scenario.baseline())]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['hub_enrol50', 'hub_add_NEW-01', 'hub_drop_BGMC', 'hub_cap10_BS24-05',
     'hub_cap20_BS24-05']
    """
    on = check_date(on)
    gap = gap if gap is not None else gap_matrix(pop.firms, pop.programs, pop.institutes)
    out = [baseline.with_enrolment(0.5)]
    new = gap_program(gap, pop.firms, pop.institutes, on=on)
    if new is not None and new.id not in pop.programs:
        out.append(baseline.adding_program(new))
    if pop.institutes:
        inst_ids = sorted(pop.institutes)
        links = np.zeros(len(inst_ids))
        table = pop.firms
        codes = np.array([inst_ids.index(m) if m in pop.institutes else -1
                          for m in table.membership_vocab] or [-1])
        mem = codes[table.mem_codes] if table.mem_codes.size else np.zeros(0, int)
        links += np.bincount(mem[mem >= 0], minlength=len(inst_ids))
        il = np.asarray(pop.institute_links).reshape(-1, 2)
        if il.size:
            links += np.bincount(np.searchsorted(inst_ids, il[:, 1]), minlength=len(inst_ids))
        out.append(baseline.removing_institute(inst_ids[int(np.argmax(links))]))
    sized = [p for p in pop.programs.values() if p.capacity]
    if sized:
        big = min(sized, key=lambda p: (-int(p.capacity or 0), p.id))
        out += [baseline.with_employee_cap(big, 10), baseline.with_employee_cap(big, 20)]
    return tuple(out)


@frozen(kw_only=True, eq=False)
class Study:
    """The design study: every scenario's result, the gap matrix, call lists, sensitivity.

    Attributes
    ----------
    population : Population
    on : datetime.date
    k : int
    seed : int
    small_priority : float
        Priority weight of small firms in the allocation.
    results : dict of name -> ScenarioResult
        In run order: the reference (no hub), the baseline (hub), then the what-ifs.
    reference, baseline : str
        Names of the no-hub and the hub scenarios.
    gap : GapMatrix
        Of the baseline's catalog.
    call_lists : dict of program id -> list of CallEntry
    outreach : dict of institute id -> list of OutreachEntry
    sensitivity : list of dict
        :func:`rootmatch.allocate.capacity_sensitivity` rows of the baseline.
    """

    population: Population
    on: dt.date
    k: int
    seed: int
    small_priority: float
    results: dict[str, ScenarioResult]
    reference: str
    baseline: str
    gap: GapMatrix
    call_lists: dict[str, list[CallEntry]]
    outreach: dict[str, list[OutreachEntry]]
    sensitivity: list[dict[str, Any]]

    @property
    def what_ifs(self) -> list[str]:
        """Names of the what-if scenarios."""
        return [n for n in self.results if n not in (self.reference, self.baseline)]

    def key_table(self, *, lang: str = "en") -> list[dict[str, Any]]:
        """Small-firm metrics without and with the hub (the study's key table).

        Returns
        -------
        list of dict
            ``metric`` (key), ``label``, ``without_hub``, ``with_hub``, ``change``.
        """
        a = self.results[self.reference].summary()
        b = self.results[self.baseline].summary()
        i = 0 if lang == "ko" else 1
        return [{"metric": m, "label": METRICS[m][i], "without_hub": a[m], "with_hub": b[m],
                 "change": b[m] - a[m]} for m in METRICS]

    def what_if_table(self, *, lang: str = "en") -> list[dict[str, Any]]:
        """Every scenario's metrics and allocation, and the change against the baseline."""
        base = self.results[self.baseline].summary()
        out = []
        for name, r in self.results.items():
            s = r.summary()
            alloc = r.allocation
            applied = alloc.allowed.any(axis=1)
            row: dict[str, Any] = {"scenario": name, "label": r.scenario.label(lang), **s}
            row.update({f"delta_{m}": s[m] - base[m] for m in METRICS})
            row.update({
                "applicants": int(applied.sum()),
                "small_applicants": int((applied & alloc.small).sum()),
                "slots": int(alloc.capacity.sum()),
                "small_served": int((alloc.served() & alloc.small).sum()),
            })
            out.append(row)
        return out

    def by_group(self, by: str, *, lang: str = "en") -> list[dict[str, Any]]:
        """Metrics per district or technology, without and with the hub side by side."""
        a = {r["group"]: r for r in self.results[self.reference].metrics(by, lang=lang)}
        out = []
        for r in self.results[self.baseline].metrics(by, lang=lang):
            ref = a.get(r["group"], {})
            out.append({"group": r["group"], "n": r["n"],
                        **{f"{m}_without": ref.get(m, float("nan")) for m in METRICS},
                        **{f"{m}_with": r[m] for m in METRICS}})
        return out

    def write(self, out: str | Path, *, lang: str = "ko", figures: bool = True,
              progress: bool = False) -> dict[str, Path]:
        """Write ``report.md``, a self-contained ``index.html`` and the PNG figures.

        Parameters
        ----------
        out : path
            The folder (created if needed).
        lang : {"ko", "en"}, default="ko"
            Language of the report and its figures. Figures fall back to English labels,
            with a warning, when no Korean font is found.
        figures : bool, default=True
            Draw the figures (needs matplotlib, the ``plots`` extra).
        progress : bool, default=False
            Show a progress bar.

        Returns
        -------
        dict of str -> Path
            ``"markdown"``, ``"html"`` and one entry per figure.
        """
        from ._report import write_report

        return write_report(self, Path(out), lang=lang, figures=figures, progress=progress)


def run_study(
    pop: Population,
    *,
    what_ifs: Iterable[Scenario] | None = None,
    baseline: Scenario | None = None,
    k: int = 10,
    k_institutes: int = 3,
    on: dt.date | str = DEFAULT_ON,
    seed: int = 0,
    matchmaker: Any = None,
    small_priority: float = 2.0,
    call_list_size: int = 20,
    min_need: int = 5,
    progress: bool | Callable[[str], None] = False,
) -> Study:
    """Run the design study on a population.

    Parameters
    ----------
    pop : Population
        E.g. ``rm.synth.generate_population(4400, seed=7)`` (Busan's 2021 count).
    what_ifs : iterable of Scenario, optional
        Default :func:`default_what_ifs`; ``()`` for none.
    baseline : Scenario, optional
        Default :meth:`Scenario.baseline` (the hub, every firm enrolled).
    k, k_institutes, on, matchmaker, small_priority
        As for :func:`run_scenario`.
    seed : int, default=0
        The same seed (and population) gives the same study: every scenario uses the same
        enrolment draw and matchmaker seed.
    call_list_size : int, default=20
        Firms per program call list and per institute outreach list.
    min_need : int, default=5
        See :func:`gap_matrix`.
    progress : bool or callable, default=False
        ``True`` shows a tqdm bar; a callable is called with each step's name.

    Returns
    -------
    Study
    """
    from tqdm.auto import tqdm

    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValidationError(f"seed must be an integer >= 0, got {seed!r}", field="seed",
                              value=seed)
    on = check_date(on)
    k = check_k(k)
    k_institutes = check_k(k_institutes, field="k_institutes")
    baseline = baseline if baseline is not None else Scenario.baseline()
    reference = attrs.evolve(baseline, name="no_hub", label_ko="지원센터 없음",
                             label_en="no hub", hub=False)
    pop_b = baseline.apply(pop)
    gap = gap_matrix(pop_b.firms, pop_b.programs, pop_b.institutes, min_need=min_need)
    extra = tuple(what_ifs) if what_ifs is not None else default_what_ifs(
        pop_b, baseline, gap=gap, on=on)
    scenarios = [reference, baseline, *extra]
    names = [s.name for s in scenarios]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValidationError(f"two scenarios are named {dup[0]!r}", field="what_ifs",
                              value=dup[0])
    bar = tqdm(total=len(scenarios) + 1, desc="design study", unit="step",
               disable=progress is not True)
    cache: dict[Any, Any] = {}
    results: dict[str, ScenarioResult] = {}
    for s in scenarios:
        bar.set_postfix_str(s.name)
        if callable(progress):
            progress(s.name)
        results[s.name] = run_scenario(pop, s, k=k, k_institutes=k_institutes, on=on,
                                       seed=seed, matchmaker=matchmaker,
                                       small_priority=small_priority, _cache=cache)
        bar.update()
    bar.set_postfix_str("call lists")
    if callable(progress):
        progress("call lists")
    base = results[baseline.name]
    ref = results[reference.name]
    table = base.population.firms
    prog_ids = list(base.program_ids)
    call_lists = {
        pid: program_call_list(table, base.population.programs[pid], on=on, k=call_list_size,
                               knows=ref.known[:, list(ref.program_ids).index(pid)]
                               if pid in ref.program_ids else None)
        for pid in prog_ids
    }
    outreach = {iid: institute_outreach(base.network, iid, k=call_list_size,
                                        nb=base.neighbourhood)
                for iid in base.network.institute_ids()}
    applicants = base.allocation.allowed
    from .allocate import capacity_sensitivity

    sensitivity = capacity_sensitivity(
        table, [base.population.programs[p] for p in prog_ids], on=on,
        applicants=applicants, small_priority=small_priority)
    bar.update()
    bar.close()
    return Study(population=pop, on=on, k=k, seed=int(seed),
                 small_priority=float(small_priority), results=results,
                 reference=reference.name, baseline=baseline.name, gap=gap,
                 call_lists=call_lists, outreach=outreach, sensitivity=sensitivity)
