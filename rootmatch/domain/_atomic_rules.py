"""The atomic eligibility rules: size, region, technologies, certificate, period, past
participation, and a user's own vectorised predicate."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, ClassVar

import attrs
import numpy as np
from attrs import field
from numpy.typing import NDArray

from rootmatch.base.exceptions import EligibilityError, ValidationError
from rootmatch.domain._outcomes import Reason
from rootmatch.domain._rule_base import Mask, ProgramLike, Rule, _frozen_rule
from rootmatch.domain.table import FirmTable
from rootmatch.domain.taxonomy import District, RootTechnology, mask_of, members_of

__all__ = [
    "SME",
    "ActiveOn",
    "CertificateRequired",
    "InRegion",
    "MaxEmployees",
    "NotAlreadyParticipant",
    "Predicate",
    "TargetTechnologies",
]


def _whole(value: object) -> int:
    """A rule's count: an integer, an integral float or ASCII digits; anything else (``inf``,
    ``1e400``, ``"²"``, ``True``) is a :class:`ValidationError`, never an ``OverflowError``."""
    if isinstance(value, (bool, np.bool_)):
        raise ValidationError(f"a rule's count must be a whole number, got {value!r}",
                              value=value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,18}", value.strip()):
        return int(value.strip())
    raise ValidationError(f"a rule's count must be a whole number, got {value!r}", value=value)


def _non_negative(instance: object, attribute: attrs.Attribute, value: int) -> None:  # type: ignore[type-arg]
    if value < 0:
        raise ValidationError(f"{type(instance).__name__}.{attribute.name} must be >= 0, "
                              f"got {value!r}", field=attribute.name, value=value)


@_frozen_rule
class MaxEmployees(Rule):
    """At most ``limit`` employees."""

    kind: ClassVar[str] = "max_employees"
    limit: int = field(converter=_whole)

    @limit.validator
    def _check_limit(self, attribute: attrs.Attribute, value: int) -> None:  # type: ignore[type-arg]
        _non_negative(self, attribute, value)

    def mask(self, table: FirmTable, *, program: ProgramLike, on: dt.date) -> Mask:
        return table.employees <= self.limit

    def describe(self, table, row, passed, *, program, on):  # type: ignore[no-untyped-def]
        n = int(table.employees[row])
        op = "≤" if passed else ">"
        return Reason(f"종업원 {n}명 {op} {self.limit}명", f"{n} employees {op} {self.limit}")

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind, "limit": self.limit}

    @property
    def name(self) -> str:
        return f"{self.kind}<={self.limit}"


@_frozen_rule
class SME(Rule):
    """A small or medium-sized enterprise.

    Korean law has defined SMEs by sales and assets since 2015; rootmatch has neither, so
    "fewer than 300 employees" (``max_employees=299``) is the documented proxy.
    """

    kind: ClassVar[str] = "sme"
    max_employees: int = field(default=299, converter=_whole)

    @max_employees.validator
    def _check_max(self, attribute: attrs.Attribute, value: int) -> None:  # type: ignore[type-arg]
        _non_negative(self, attribute, value)

    def mask(self, table: FirmTable, *, program: ProgramLike, on: dt.date) -> Mask:
        return table.employees <= self.max_employees

    def describe(self, table, row, passed, *, program, on):  # type: ignore[no-untyped-def]
        n, cap = int(table.employees[row]), self.max_employees + 1
        if passed:
            return Reason(f"중소기업 (종업원 {n}명 < {cap}명 기준)",
                          f"SME ({n} employees < {cap}, the head-count proxy)")
        return Reason(f"중소기업 아님 (종업원 {n}명 ≥ {cap}명)",
                      f"not an SME ({n} employees ≥ {cap})")

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind, "max_employees": self.max_employees}


def _districts(values: object) -> frozenset[District] | None:
    return None if values is None else District.parse_many(values)


@_frozen_rule
class InRegion(Rule):
    """Located in one of ``districts``; ``None`` means any of Busan's 16 gu/gun."""

    kind: ClassVar[str] = "in_region"
    districts: frozenset[District] | None = field(default=None, converter=_districts)

    def _allowed(self) -> NDArray[np.bool_]:
        allowed = np.zeros(len(District), bool)
        for d in self.districts if self.districts is not None else District:
            allowed[d.value] = d.in_busan or self.districts is not None
        return allowed

    def mask(self, table: FirmTable, *, program: ProgramLike, on: dt.date) -> Mask:
        return self._allowed()[table.district.astype(np.intp)]

    def describe(self, table, row, passed, *, program, on):  # type: ignore[no-untyped-def]
        d = District(int(table.district[row]))
        where_ko = "부산" if self.districts is None else "·".join(
            x.label_ko for x in sorted(self.districts, key=lambda x: x.value))
        where_en = "Busan" if self.districts is None else ", ".join(
            x.label_en for x in sorted(self.districts, key=lambda x: x.value))
        if passed:
            return Reason(f"소재지 {d.label_ko}: {where_ko} 대상 지역",
                          f"located in {d.label_en} ({where_en})")
        return Reason(f"소재지 {d.label_ko}: {where_ko} 소재 기업만 신청 가능",
                      f"located in {d.label_en}; only firms in {where_en} may apply")

    def remedy(self, table, row, *, program, on):  # type: ignore[no-untyped-def]
        return Reason("부산 소재 본사·공장 등록", "register a head office or factory in Busan") \
            if self.districts is None else None

    def to_dict(self) -> dict[str, Any]:
        ds = None if self.districts is None else sorted(d.name for d in self.districts)
        return {"rule": self.kind, "districts": ds}


@_frozen_rule
class TargetTechnologies(Rule):
    """Works in at least one of the targeted root technologies."""

    kind: ClassVar[str] = "target_technologies"
    technologies: frozenset[RootTechnology] = field(converter=RootTechnology.parse_many)

    @technologies.validator
    def _check_technologies(self, attribute: attrs.Attribute, value: frozenset) -> None:  # type: ignore[type-arg]
        if not value:
            raise ValidationError("TargetTechnologies.technologies must not be empty",
                                  field=attribute.name, value=value)

    def mask(self, table: FirmTable, *, program: ProgramLike, on: dt.date) -> Mask:
        return (table.tech_mask & np.uint16(mask_of(self.technologies))) != 0

    def describe(self, table, row, passed, *, program, on):  # type: ignore[no-untyped-def]
        have = members_of(RootTechnology, int(table.tech_mask[row]))
        hit = sorted(have & self.technologies, key=lambda t: t.value)
        if passed:
            return Reason(f"대상 업종: {'·'.join(t.label_ko for t in hit)}",
                          f"targeted technology: {', '.join(t.label_en for t in hit)}")
        want = sorted(self.technologies, key=lambda t: t.value)
        return Reason(f"대상 업종({'·'.join(t.label_ko for t in want)}) 아님",
                      f"none of the targeted technologies ({', '.join(t.label_en for t in want)})")

    def remedy(self, table, row, *, program, on):  # type: ignore[no-untyped-def]
        return Reason("대상 업종 기업과 컨소시엄 구성",
                      "apply in a consortium with a firm in a targeted technology")

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind, "technologies": sorted(t.name for t in self.technologies)}


@_frozen_rule
class CertificateRequired(Rule):
    """Holds a root-firm certificate (뿌리기업 확인서, issued by KPIC, valid 3 years)."""

    kind: ClassVar[str] = "certificate"

    def mask(self, table: FirmTable, *, program: ProgramLike, on: dt.date) -> Mask:
        return table.certified.copy()

    def describe(self, table, row, passed, *, program, on):  # type: ignore[no-untyped-def]
        if passed:
            return Reason("뿌리기업 확인서 보유", "holds a root-firm certificate")
        return Reason("뿌리기업 확인서 없음", "no root-firm certificate")

    def remedy(self, table, row, *, program, on):  # type: ignore[no-untyped-def]
        return Reason("뿌리기업 확인서 취득 (국가뿌리산업진흥센터 온라인 신청, 약 15일)",
                      "obtain the root-firm certificate (apply online at KPIC; about 15 days)")

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind}


@_frozen_rule
class ActiveOn(Rule):
    """The program is running on the date (both ends inclusive)."""

    kind: ClassVar[str] = "active"

    def mask(self, table: FirmTable, *, program: ProgramLike, on: dt.date) -> Mask:
        return np.full(len(table), program.start <= on <= program.end)

    def describe(self, table, row, passed, *, program, on):  # type: ignore[no-untyped-def]
        span = f"{program.start}–{program.end}"
        if passed:
            return Reason(f"사업기간 중 ({span})", f"program running ({span})")
        if on < program.start:
            return Reason(f"사업 시작 전 ({span})", f"program not started yet ({span})")
        return Reason(f"사업 종료 ({span})", f"program has ended ({span})")

    def remedy(self, table, row, *, program, on):  # type: ignore[no-untyped-def]
        if on < program.start:
            return Reason(f"{program.start} 공고 이후 신청",
                          f"apply once the call opens on {program.start}")
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind}


@_frozen_rule
class NotAlreadyParticipant(Rule):
    """Has not taken part in this program before ``on``."""

    kind: ClassVar[str] = "not_participant"

    def mask(self, table: FirmTable, *, program: ProgramLike, on: dt.date) -> Mask:
        out = np.ones(len(table), bool)
        if program.id not in table.program_vocab:
            return out
        code = table.program_vocab.index(program.id)
        hit = (table.part_program == code) & (table.part_on < np.datetime64(on, "D"))
        rows = np.repeat(np.arange(len(table)), np.diff(table.part_indptr))
        out[rows[hit]] = False
        return out

    def describe(self, table, row, passed, *, program, on):  # type: ignore[no-untyped-def]
        if passed:
            return Reason("기존 참여 이력 없음", "has not taken part before")
        lo, hi = table.part_indptr[row], table.part_indptr[row + 1]
        code = table.program_vocab.index(program.id)
        on_days = table.part_on[lo:hi][table.part_program[lo:hi] == code]
        first = on_days[on_days < np.datetime64(on, "D")].min()
        return Reason(f"이미 참여한 사업 ({first} 참여)",
                      f"already took part in this program (from {first})")

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind}


@_frozen_rule
class Predicate(Rule):
    """Any vectorised condition a user writes.

    Parameters
    ----------
    func : callable ``(table: FirmTable, on: datetime.date) -> bool array``
    label_ko, label_en : str
        What the condition asks, e.g. ``"디지털 수준 2 이상"``, ``"digital level ≥ 2"``.
    rule_id : str
        A stable name.

    Examples
    --------
    >>> r = Predicate(func=lambda t, on: t.digital_level >= 2, rule_id="digital2",
    ...               label_ko="디지털 수준 2 이상", label_en="digital level ≥ 2")
    """

    kind: ClassVar[str] = "predicate"
    func: Callable[[FirmTable, dt.date], Any] = field(eq=False)
    label_ko: str
    label_en: str
    rule_id: str = "predicate"

    def mask(self, table: FirmTable, *, program: ProgramLike, on: dt.date) -> Mask:
        out = np.asarray(self.func(table, on))
        if out.shape != (len(table),) or out.dtype != bool:
            raise EligibilityError(
                f"predicate {self.rule_id!r} must return a bool array of shape ({len(table)},), "
                f"got dtype {out.dtype} shape {out.shape}"
            )
        return out

    def describe(self, table, row, passed, *, program, on):  # type: ignore[no-untyped-def]
        if passed:
            return Reason(self.label_ko, self.label_en)
        return Reason(f"조건 미충족: {self.label_ko}", f"fails: {self.label_en}")

    def to_dict(self) -> dict[str, Any]:
        raise ValidationError(
            f"predicate rule {self.rule_id!r} wraps Python code and cannot be serialised",
            field="rules", value=self.rule_id,
        )

    @property
    def name(self) -> str:
        return self.rule_id
