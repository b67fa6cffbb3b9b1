"""The policy gap matrix: technology × support-axis need against the catalog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from attrs import frozen
from numpy.typing import NDArray

from rootmatch.analysis.study.scenarios import DEFAULT_ON
from rootmatch.base._checks import check_date
from rootmatch.domain.entities import Institute
from rootmatch.domain.program import Program
from rootmatch.domain.rules import (
    SME,
    ActiveOn,
    InRegion,
    NotAlreadyParticipant,
    TargetTechnologies,
)
from rootmatch.domain.table import FirmTable
from rootmatch.domain.taxonomy import Funding, RootTechnology, SupportAxis, Topic

__all__ = ["GAP_STATUSES", "GapMatrix", "gap_matrix", "gap_program"]


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
