"""The rule interface and its algebra: ``&`` (:class:`AllOf`), ``|`` (:class:`AnyOf`) and
``~`` (:class:`Not`)."""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterable
from typing import Any, ClassVar, Protocol

import attrs
import numpy as np
from attrs import field, frozen
from numpy.typing import NDArray

from rootmatch.base.exceptions import ValidationError
from rootmatch.domain._outcomes import Reason
from rootmatch.domain.table import FirmTable

__all__ = ["AllOf", "AnyOf", "Not", "ProgramLike", "Rule"]

Mask = NDArray[np.bool_]


class ProgramLike(Protocol):
    """What a rule reads of the program it is checked for (:class:`~rootmatch.Program` is one)."""

    @property
    def id(self) -> str:
        """The program's id."""

    @property
    def start(self) -> dt.date:
        """The first day of the program's period."""

    @property
    def end(self) -> dt.date:
        """The last day of the program's period."""

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The program's eligibility rules (empty: the period alone)."""


class Rule(abc.ABC):
    """An eligibility rule: a vectorised mask plus a reason for one row."""

    kind: ClassVar[str] = "rule"

    @abc.abstractmethod
    def mask(self, table: FirmTable, *, program: ProgramLike, on: dt.date) -> Mask:
        """Boolean mask, shape ``(len(table),)``: which firms pass on ``on``."""

    @abc.abstractmethod
    def describe(
        self, table: FirmTable, row: int, passed: bool, *, program: ProgramLike, on: dt.date
    ) -> Reason:
        """Why row ``row`` of ``table`` passed or failed."""

    def remedy(
        self, table: FirmTable, row: int, *, program: ProgramLike, on: dt.date
    ) -> Reason | None:
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

    def mask(self, table: FirmTable, *, program: ProgramLike, on: dt.date) -> Mask:
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

    def mask(self, table: FirmTable, *, program: ProgramLike, on: dt.date) -> Mask:
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

    def mask(self, table: FirmTable, *, program: ProgramLike, on: dt.date) -> Mask:
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
