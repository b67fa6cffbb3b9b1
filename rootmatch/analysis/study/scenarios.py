"""Scenarios of the design study: the hub or not, enrolment, catalog and rule edits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs
import numpy as np
from attrs import field, frozen
from numpy.typing import NDArray

from rootmatch.base.exceptions import UnknownEntityError, ValidationError
from rootmatch.domain.entities import Institute
from rootmatch.domain.population import Population
from rootmatch.domain.program import Program
from rootmatch.domain.rules import SME, MaxEmployees
from rootmatch.domain.table import SCALAR_COLUMNS, FirmTable

__all__ = ["DEFAULT_ON", "Scenario"]


#: The study date: programs are checked for eligibility on it.
DEFAULT_ON = dt.date(2024, 6, 1)


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
