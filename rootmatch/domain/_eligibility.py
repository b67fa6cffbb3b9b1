"""Eligibility of firms for programs: masks over a table, and every rule's outcome for one
firm."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from rootmatch.base._checks import check_date
from rootmatch.base.exceptions import EligibilityError
from rootmatch.domain._atomic_rules import ActiveOn
from rootmatch.domain._outcomes import EligibilityResult, RuleOutcome
from rootmatch.domain._rule_base import Mask, ProgramLike, Rule
from rootmatch.domain.entities import Firm
from rootmatch.domain.table import FirmTable

__all__ = [
    "check_eligibility",
    "effective_rules",
    "eligibility_mask",
    "eligibility_matrix",
    "outcomes_for_row",
    "rule_masks",
]


def effective_rules(program: ProgramLike) -> tuple[Rule, ...]:
    """The rules both paths evaluate: ``program.rules``, or the period alone when it has none.

    Examples
    --------
    >>> import rootmatch as rm
    >>> p = rm.Program(id="P1", name_ko="시범", name_en="Pilot", axis="기술 개발",
    ...                start="2024-01-01", end="2024-12-31", funding="city")
    >>> effective_rules(p)
    (ActiveOn(),)
    """
    return program.rules if program.rules else (ActiveOn(),)


def eligibility_mask(program: ProgramLike, table: FirmTable, *, on: dt.date | str) -> Mask:
    """Which firms of ``table`` are eligible for ``program`` on ``on`` (every rule passes).

    Examples
    --------
    >>> import datetime as dt, rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> t = rm.FirmTable.from_firms([
    ...     rm.Firm(id="F1", name="A", technologies=["금형"], employees=7, district="사상구"),
    ...     rm.Firm(id="F2", name="B", technologies=["용접"], employees=25,
    ...             district="outside busan")])
    >>> eligibility_mask(cat.programs["BS24-01"], t, on=dt.date(2024, 6, 1)).tolist()
    [True, False]
    """
    return rule_masks(program, table, on=on).all(axis=0)


def rule_masks(program: ProgramLike, table: FirmTable, *, on: dt.date | str) -> NDArray[np.bool_]:
    """Per-rule pass masks, shape ``(len(effective_rules(program)), len(table))``.

    Row ``r`` is rule ``effective_rules(program)[r]`` (``program.rules`` when it has any).

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> t = rm.FirmTable.from_firms([
    ...     rm.Firm(id="F2", name="B", technologies=["용접"], employees=25, district="부산 외")])
    >>> p = cat.programs["BS24-01"]
    >>> masks = rule_masks(p, t, on="2024-06-01")
    >>> masks.shape, [r.kind for r, ok in zip(p.rules, masks[:, 0]) if not ok]
    ((5, 1), ['in_region', 'target_technologies'])
    """
    on = check_date(on)
    masks = []
    for r in effective_rules(program):
        m = np.asarray(r.mask(table, program=program, on=on))
        if m.shape != (len(table),) or m.dtype != bool:
            raise EligibilityError(f"rule {r.name!r} gave a mask of dtype {m.dtype} and shape "
                                   f"{m.shape}, expected bool ({len(table)},)")
        masks.append(m)
    return np.stack(masks)


def eligibility_matrix(
    programs: Sequence[ProgramLike], table: FirmTable, *, on: dt.date | str
) -> NDArray[np.bool_]:
    """Eligibility of every firm for every program, shape ``(len(table), len(programs))``.

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> t = rm.FirmTable.from_firms([
    ...     rm.Firm(id="F1", name="A", technologies=["금형"], employees=7, district="사상구")])
    >>> progs = sorted(cat.programs.values(), key=lambda p: p.id)
    >>> eligibility_matrix(progs, t, on="2024-06-01").astype(int).tolist()
    [[1, 0, 0, 0, 1, 1, 0]]
    """
    on = check_date(on)
    if not programs:
        return np.zeros((len(table), 0), bool)
    return np.stack([eligibility_mask(p, table, on=on) for p in programs], axis=1)


def outcomes_for_row(
    program: ProgramLike, table: FirmTable, row: int, *, on: dt.date | str
) -> tuple[RuleOutcome, ...]:
    """Every rule's outcome for row ``row`` of ``table``, with reasons and remedies.

    The rules are evaluated on that row alone, by the same :meth:`Rule.mask` the batch path
    uses; a program without rules reports its period (:func:`effective_rules`).

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> t = rm.FirmTable.from_firms([
    ...     rm.Firm(id="F1", name="A", technologies=["금형"], employees=7, district="사상구")])
    >>> [o.passed for o in outcomes_for_row(cat.programs["BS24-03"], t, 0, on="2024-06-01")]
    [True, True, True, False, True]
    """
    on = check_date(on)
    one = table if len(table) == 1 and int(row) == 0 else table.take([row])
    out = []
    for r in effective_rules(program):
        passed = bool(r.mask(one, program=program, on=on)[0])
        out.append(RuleOutcome(
            rule=r.name,
            passed=passed,
            reason=r.describe(one, 0, passed, program=program, on=on),
            remedy=None if passed else r.remedy(one, 0, program=program, on=on),
        ))
    return tuple(out)


def check_eligibility(program: ProgramLike, firm: Firm, *, on: dt.date) -> EligibilityResult:
    """Evaluate every rule of ``program`` for ``firm`` on ``on``.

    Parameters
    ----------
    program : Program
    firm : Firm
    on : datetime.date
        The day of the application; required.

    Returns
    -------
    EligibilityResult
        ``.eligible`` and ``.reasons``: the outcome of every rule, passed or failed. A program
        without rules still reports that its period covers ``on`` (or not).

    Examples
    --------
    >>> import datetime as dt, rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> firm = rm.Firm(id="F1", name="사상정밀금형", technologies=["금형"], employees=7,
    ...                district="사상구", certified=True)
    >>> res = rm.check_eligibility(cat.programs["BS24-01"], firm, on=dt.date(2024, 6, 1))
    >>> res.eligible, all(r.passed for r in res.reasons)
    (True, True)
    """
    on = check_date(on)
    table = FirmTable.from_firms([firm])
    reasons = outcomes_for_row(program, table, 0, on=on)
    return EligibilityResult(
        program_id=program.id,
        firm_id=firm.id,
        on=on,
        eligible=all(r.passed for r in reasons),
        reasons=reasons,
    )
