"""Reverse matching: the firms to call for a program, and whom an institute should reach."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from attrs import frozen
from numpy.typing import ArrayLike, NDArray

from rootmatch.analysis.allocate import axis_need, fit_reasons, program_fit
from rootmatch.analysis.study.reach import Neighbourhood, neighbourhood
from rootmatch.analysis.study.scenarios import DEFAULT_ON
from rootmatch.base._checks import check_date
from rootmatch.base.exceptions import UnknownEntityError
from rootmatch.domain.entities import Institute
from rootmatch.domain.program import Program
from rootmatch.domain.rules import Reason, eligibility_matrix
from rootmatch.domain.table import FirmTable
from rootmatch.domain.taxonomy import District, RootTechnology, SupportAxis, Topic

__all__ = ["CallEntry", "OutreachEntry", "institute_outreach", "program_call_list"]


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
