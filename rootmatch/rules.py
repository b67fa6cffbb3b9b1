"""Eligibility rules as code.

Each rule has **one** implementation, :meth:`Rule.mask`, a vectorised boolean mask over a
:class:`~rootmatch.FirmTable`. The per-firm path (:func:`check_eligibility`) evaluates the same
mask on a one-row table and adds a human reason in Korean and English, so the batch and the
single-firm answers can never disagree.

Rules compose: ``rule_a & rule_b``, ``rule_a | rule_b``, ``~rule``, or :class:`AllOf`,
:class:`AnyOf`, :class:`Not`; :class:`Predicate` wraps any vectorised function a user writes.

A program without rules is checked for its period only (:func:`effective_rules`), on both
paths alike.
"""

from __future__ import annotations

import abc
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

import attrs
import numpy as np
from attrs import field, frozen
from numpy.typing import NDArray

from ._validation import check_date
from .entities import Firm, Program
from .exceptions import EligibilityError, ValidationError
from .table import FirmTable
from .taxonomy import District, RootTechnology, mask_of, members_of

__all__ = [
    "SME",
    "ActiveOn",
    "AllOf",
    "AnyOf",
    "CertificateRequired",
    "EligibilityResult",
    "InRegion",
    "MaxEmployees",
    "Not",
    "NotAlreadyParticipant",
    "Predicate",
    "Reason",
    "Rule",
    "RuleOutcome",
    "TargetTechnologies",
    "check_eligibility",
    "effective_rules",
    "eligibility_mask",
    "eligibility_matrix",
    "outcomes_for_row",
    "rule_from_dict",
    "rule_masks",
]

Mask = NDArray[np.bool_]


@frozen
class Reason:
    """A short explanation in Korean and English."""

    ko: str
    en: str

    def text(self, lang: str = "en") -> str:
        """The text in ``lang`` (``"ko"`` or ``"en"``)."""
        return self.ko if lang == "ko" else self.en

    def __str__(self) -> str:
        return self.en


@frozen(kw_only=True)
class RuleOutcome:
    """One rule's outcome for one firm: whether it passed, why, and (if failed) a remedy."""

    rule: str
    passed: bool
    reason: Reason
    remedy: Reason | None = None

    def __str__(self) -> str:
        return f"[{'pass' if self.passed else 'FAIL'}] {self.reason.en}"


@frozen(kw_only=True)
class EligibilityResult:
    """Every rule's outcome for a firm and a program on a date.

    Attributes
    ----------
    eligible : bool
        All rules passed.
    reasons : tuple of RuleOutcome
        The outcome of every rule, passed or failed, in the program's order; never empty.
    """

    program_id: str
    firm_id: str
    on: dt.date
    eligible: bool
    reasons: tuple[RuleOutcome, ...]

    @property
    def failed(self) -> tuple[RuleOutcome, ...]:
        """The failed rules' outcomes."""
        return tuple(r for r in self.reasons if not r.passed)

    def explain(self, lang: str = "en") -> str:
        """A multi-line explanation in ``lang``."""
        head = {
            ("en", True): f"{self.firm_id} is eligible for {self.program_id} on {self.on}",
            ("en", False): f"{self.firm_id} is NOT eligible for {self.program_id} on {self.on}",
            ("ko", True): f"{self.firm_id}: {self.on} 기준 {self.program_id} 신청 가능",
            ("ko", False): f"{self.firm_id}: {self.on} 기준 {self.program_id} 신청 불가",
        }[("ko" if lang == "ko" else "en", self.eligible)]
        mark = {True: "✓", False: "✗"}
        lines = [head] + [f"  {mark[r.passed]} {r.reason.text(lang)}" for r in self.reasons]
        return "\n".join(lines)


class Rule(abc.ABC):
    """An eligibility rule: a vectorised mask plus a reason for one row."""

    kind: ClassVar[str] = "rule"

    @abc.abstractmethod
    def mask(self, table: FirmTable, *, program: Program, on: dt.date) -> Mask:
        """Boolean mask, shape ``(len(table),)``: which firms pass on ``on``."""

    @abc.abstractmethod
    def describe(
        self, table: FirmTable, row: int, passed: bool, *, program: Program, on: dt.date
    ) -> Reason:
        """Why row ``row`` of ``table`` passed or failed."""

    def remedy(self, table: FirmTable, row: int, *, program: Program, on: dt.date) -> Reason | None:
        """What the firm could do to pass (``None`` when nothing within its reach)."""
        return None

    @abc.abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description; :func:`rule_from_dict` reads it back."""

    @property
    def name(self) -> str:
        """A stable identifier of the rule and its parameters."""
        return self.kind

    def __and__(self, other: Rule) -> Rule:
        return AllOf(rules=(self, other))

    def __or__(self, other: Rule) -> Rule:
        return AnyOf(rules=(self, other))

    def __invert__(self) -> Rule:
        return Not(rule=self)


def _frozen_rule(cls: type) -> type:
    return frozen(kw_only=True)(cls)


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


# --- concrete rules ----------------------------------------------------------------------
@_frozen_rule
class MaxEmployees(Rule):
    """At most ``limit`` employees."""

    kind: ClassVar[str] = "max_employees"
    limit: int = field(converter=_whole)

    @limit.validator
    def _check_limit(self, attribute: attrs.Attribute, value: int) -> None:  # type: ignore[type-arg]
        _non_negative(self, attribute, value)

    def mask(self, table: FirmTable, *, program: Program, on: dt.date) -> Mask:
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

    def mask(self, table: FirmTable, *, program: Program, on: dt.date) -> Mask:
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

    def mask(self, table: FirmTable, *, program: Program, on: dt.date) -> Mask:
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

    def mask(self, table: FirmTable, *, program: Program, on: dt.date) -> Mask:
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

    def mask(self, table: FirmTable, *, program: Program, on: dt.date) -> Mask:
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

    def mask(self, table: FirmTable, *, program: Program, on: dt.date) -> Mask:
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

    def mask(self, table: FirmTable, *, program: Program, on: dt.date) -> Mask:
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

    def mask(self, table: FirmTable, *, program: Program, on: dt.date) -> Mask:
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


def _rule_tuple(values: Iterable[Rule]) -> tuple[Rule, ...]:
    out = tuple(values)
    if not out:
        raise ValidationError("a composite rule needs at least one rule", field="rules")
    for r in out:
        if not isinstance(r, Rule):
            raise ValidationError(f"not a Rule: {r!r}", field="rules", value=r)
    return out


def _is_rule(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if not isinstance(value, Rule):
        raise ValidationError(f"{type(instance).__name__}.{attribute.name}: not a Rule: {value!r}",
                              field=attribute.name, value=value)


@_frozen_rule
class AllOf(Rule):
    """Every one of ``rules`` passes."""

    kind: ClassVar[str] = "all_of"
    rules: tuple[Rule, ...] = field(converter=_rule_tuple)

    def mask(self, table: FirmTable, *, program: Program, on: dt.date) -> Mask:
        out = np.ones(len(table), bool)
        for r in self.rules:
            out &= r.mask(table, program=program, on=on)
        return out

    def describe(self, table, row, passed, *, program, on):  # type: ignore[no-untyped-def]
        parts = [(r, bool(r.mask(table, program=program, on=on)[row])) for r in self.rules]
        shown = parts if passed else [p for p in parts if not p[1]]
        rs = [r.describe(table, row, ok, program=program, on=on) for r, ok in shown]
        return Reason(" 그리고 ".join(x.ko for x in rs), " and ".join(x.en for x in rs))

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind, "rules": [r.to_dict() for r in self.rules]}

    @property
    def name(self) -> str:
        return "(" + " & ".join(r.name for r in self.rules) + ")"


@_frozen_rule
class AnyOf(Rule):
    """At least one of ``rules`` passes."""

    kind: ClassVar[str] = "any_of"
    rules: tuple[Rule, ...] = field(converter=_rule_tuple)

    def mask(self, table: FirmTable, *, program: Program, on: dt.date) -> Mask:
        out = np.zeros(len(table), bool)
        for r in self.rules:
            out |= r.mask(table, program=program, on=on)
        return out

    def describe(self, table, row, passed, *, program, on):  # type: ignore[no-untyped-def]
        parts = [(r, bool(r.mask(table, program=program, on=on)[row])) for r in self.rules]
        shown = [p for p in parts if p[1]][:1] if passed else parts
        rs = [r.describe(table, row, ok, program=program, on=on) for r, ok in shown]
        return Reason(" 또는 ".join(x.ko for x in rs), " or ".join(x.en for x in rs))

    def remedy(self, table, row, *, program, on):  # type: ignore[no-untyped-def]
        for r in self.rules:
            fix = r.remedy(table, row, program=program, on=on)
            if fix is not None:
                return fix
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind, "rules": [r.to_dict() for r in self.rules]}

    @property
    def name(self) -> str:
        return "(" + " | ".join(r.name for r in self.rules) + ")"


@_frozen_rule
class Not(Rule):
    """``rule`` fails."""

    kind: ClassVar[str] = "not"
    rule: Rule = field(validator=_is_rule)

    def mask(self, table: FirmTable, *, program: Program, on: dt.date) -> Mask:
        return ~self.rule.mask(table, program=program, on=on)

    def describe(self, table, row, passed, *, program, on):  # type: ignore[no-untyped-def]
        inner = self.rule.describe(table, row, not passed, program=program, on=on)
        if passed:
            return inner
        return Reason(f"해당하면 안 됨: {inner.ko}", f"must not hold: {inner.en}")

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.kind, "of": self.rule.to_dict()}

    @property
    def name(self) -> str:
        return f"~{self.rule.name}"


_KINDS: dict[str, type[Rule]] = {
    c.kind: c for c in (MaxEmployees, SME, InRegion, TargetTechnologies, CertificateRequired,
                        ActiveOn, NotAlreadyParticipant)
}


def rule_from_dict(data: Mapping[str, Any]) -> Rule:
    """Read a rule written by :meth:`Rule.to_dict`.

    Examples
    --------
    >>> rule_from_dict({"rule": "max_employees", "limit": 9})
    MaxEmployees(limit=9)
    >>> r = rule_from_dict({"rule": "any_of", "rules": [{"rule": "certificate"},
    ...                     {"rule": "sme"}]})
    >>> rule_from_dict(r.to_dict()) == r
    True
    """
    try:
        kind = data["rule"]
        args = {k: v for k, v in data.items() if k != "rule"}
        if kind in ("all_of", "any_of"):
            cls = AllOf if kind == "all_of" else AnyOf
            return cls(rules=tuple(rule_from_dict(r) for r in args["rules"]))
        if kind == "not":
            return Not(rule=rule_from_dict(args["of"]))
        return _KINDS[kind](**args)
    except (KeyError, TypeError) as err:
        raise ValidationError(f"not a valid rule description: {dict(data)!r}", field="rules",
                              value=dict(data)) from err


# --- evaluation --------------------------------------------------------------------------
def effective_rules(program: Program) -> tuple[Rule, ...]:
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


def eligibility_mask(program: Program, table: FirmTable, *, on: dt.date | str) -> Mask:
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


def rule_masks(program: Program, table: FirmTable, *, on: dt.date | str) -> NDArray[np.bool_]:
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
    programs: Sequence[Program], table: FirmTable, *, on: dt.date | str
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
    program: Program, table: FirmTable, row: int, *, on: dt.date | str
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


def check_eligibility(program: Program, firm: Firm, *, on: dt.date) -> EligibilityResult:
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
