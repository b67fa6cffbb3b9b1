"""Support programs: period, funding, axis, targets and eligibility rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs
from attrs import field, frozen

from rootmatch.base._checks import check_date
from rootmatch.base.exceptions import ValidationError
from rootmatch.domain._fields import (
    _check_encodable,
    _check_id,
    _check_ids,
    _check_text,
    _enum_set,
    _int_in,
    _is_date,
    _naming,
    _str_set,
    _to_bool,
    _to_date,
    _to_enum,
    _to_int,
)
from rootmatch.domain.rules import Rule, rule_from_dict
from rootmatch.domain.taxonomy import Funding, RootTechnology, SupportAxis, Topic

__all__ = ["Program"]

def _to_rules(values: object) -> tuple[Rule, ...]:
    """Rules as given, or read from their :meth:`~rootmatch.rules.Rule.to_dict` form."""
    out = []
    for v in values if values is not None else ():  # type: ignore[attr-defined]
        if isinstance(v, Mapping):
            v = rule_from_dict(v)
        # the rule interface, checked by shape (a rule of any class with these methods)
        if not all(callable(getattr(v, m, None)) for m in ("mask", "describe", "remedy")):
            raise ValidationError(f"not a Rule: {v!r}", value=v)
        out.append(v)
    return tuple(out)


@frozen(kw_only=True)
class Program:
    """A support program with its period, funding, axis, targets and eligibility rules.

    ``start`` and ``end`` are both inclusive.

    Examples
    --------
    >>> import datetime as dt
    >>> p = Program(id="P1", name_ko="시범사업", name_en="Pilot", axis="기술 개발",
    ...             start="2024-01-01", end="2024-12-31", funding="city")
    >>> p.is_active(dt.date(2024, 12, 31)), p.is_active(dt.date(2025, 1, 1))
    (True, False)
    """

    id: str = field(validator=_check_id)
    name_ko: str = field(validator=_check_text)
    name_en: str = field(validator=_check_text)
    axis: SupportAxis = field(converter=_to_enum(SupportAxis, "axis"))
    start: dt.date = field(converter=_naming("start", _to_date), validator=_is_date)
    end: dt.date = field(converter=_naming("end", _to_date), validator=_is_date)
    funding: Funding = field(converter=_to_enum(Funding, "funding"))
    targets: frozenset[RootTechnology] = field(
        factory=frozenset, converter=_enum_set(RootTechnology, "targets")
    )
    axes: frozenset[SupportAxis] = field(
        factory=frozenset, converter=_enum_set(SupportAxis, "axes")
    )
    topics: frozenset[Topic] = field(factory=frozenset, converter=_enum_set(Topic, "topics"))
    rules: tuple[Rule, ...] = field(factory=tuple, converter=_naming("rules", _to_rules))
    capacity: int | None = field(default=None, converter=attrs.converters.optional(_to_int))
    capacity_assumed: bool = field(default=True, converter=_naming("capacity_assumed", _to_bool))
    operators: frozenset[str] = field(
        factory=frozenset, converter=_naming("operators", _str_set), validator=_check_ids
    )
    description: str = field(default="", validator=_check_encodable)
    notes: str = field(default="", validator=_check_encodable)

    @end.validator
    def _check_end(self, attribute: attrs.Attribute, value: dt.date) -> None:  # type: ignore[type-arg]
        if value < self.start:
            raise ValidationError(
                f"Program.{attribute.name} {value} is before Program.start {self.start}",
                field=attribute.name,
                value=value,
            )

    @capacity.validator
    def _check_capacity(self, attribute: attrs.Attribute, value: int | None) -> None:  # type: ignore[type-arg]
        if value is not None:
            _int_in(0, None)(self, attribute, value)

    @property
    def all_axes(self) -> frozenset[SupportAxis]:
        """The primary axis together with any secondary ones."""
        return self.axes | {self.axis}

    def is_active(self, on: dt.date) -> bool:
        """Whether ``on`` falls within the program's period, both ends inclusive."""
        on = check_date(on)
        return self.start <= on <= self.end

    def name(self, lang: str = "en") -> str:
        """The name in ``lang`` (``"ko"`` or ``"en"``)."""
        return self.name_ko if lang == "ko" else self.name_en
