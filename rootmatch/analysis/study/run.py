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
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from rootmatch.analysis.allocate import allocate_programs, interest_matrix
from rootmatch.analysis.study.design import Study
from rootmatch.analysis.study.gap import GapMatrix, gap_matrix, gap_program
from rootmatch.analysis.study.outreach import institute_outreach, program_call_list
from rootmatch.analysis.study.reach import Neighbourhood, _reach, hop_counts, neighbourhood
from rootmatch.analysis.study.result import ScenarioResult
from rootmatch.analysis.study.scenarios import DEFAULT_ON, Scenario
from rootmatch.base._checks import SeedLike, check_date, check_k, check_rng
from rootmatch.base.exceptions import ValidationError
from rootmatch.domain.population import Population
from rootmatch.domain.rules import eligibility_matrix

__all__ = ["default_what_ifs", "run_scenario", "run_study"]


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

    from rootmatch.engine.matchmaker import Matchmaker
    from rootmatch.graph.network import SupportNetwork

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
    from rootmatch.analysis.allocate import capacity_sensitivity

    sensitivity = capacity_sensitivity(
        table, [base.population.programs[p] for p in prog_ids], on=on,
        applicants=applicants, small_priority=small_priority)
    bar.update()
    bar.close()
    return Study(population=pop, on=on, k=k, seed=int(seed),
                 small_priority=float(small_priority), results=results,
                 reference=reference.name, baseline=baseline.name, gap=gap,
                 call_lists=call_lists, outreach=outreach, sensitivity=sensitivity)
