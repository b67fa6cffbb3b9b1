"""Cell parsers and the columns of each kind of record."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from attrs import frozen

from rootmatch.base._checks import parse_date
from rootmatch.base._csv import MAX_CELL
from rootmatch.base.exceptions import ValidationError
from rootmatch.domain._fields import _ID
from rootmatch.domain.entities import Participation, parse_period_end, parse_period_start
from rootmatch.domain.rules import rule_from_dict
from rootmatch.domain.taxonomy import (
    District,
    Funding,
    InstituteKind,
    LabelledEnum,
    Material,
    RootTechnology,
    SupportAxis,
    Topic,
)
from rootmatch.io._limits import _FALSE, _SURROGATE, _TRUE, MAX_EMPLOYEES, MAX_JSON_DEPTH, SEPARATOR
from rootmatch.io._problems import _CellError

__all__ = [
    "_COLLAB_COLUMNS",
    "_FIRM_COLUMNS",
    "_ID_EXPECTED",
    "_INSTITUTE_COLUMNS",
    "_LINK_COLUMNS",
    "_PARTICIPATION_COLUMNS",
    "_PROGRAM_COLUMNS",
    "_Col",
    "_bad_value",
    "_items",
    "_p_bool",
    "_p_date",
    "_p_enum",
    "_p_enum_set",
    "_p_id",
    "_p_id_set",
    "_p_int",
    "_p_nonempty_text",
    "_p_participations",
    "_p_period",
    "_p_rules",
    "_p_text",
    "_p_unit",
]


# --- cells ---------------------------------------------------------------------------------
def _bad_value(value: object) -> str | None:
    """What is wrong with a raw cell or JSON value as a whole, or ``None``: a text longer
    than ``MAX_CELL``, a lone surrogate, a NUL, a non-finite number, nesting deeper than
    ``MAX_JSON_DEPTH``."""
    stack = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, str):
            if len(v) > MAX_CELL:
                return f"at most {MAX_CELL:,} characters; the cell has {len(v):,}"
            if _SURROGATE.search(v):
                return "text without lone surrogates (U+D800-U+DFFF)"
            if "\x00" in v:
                return "text without NUL characters (a table cannot hold them)"
        elif isinstance(v, float):
            if not math.isfinite(v):
                return "a finite number"
        elif isinstance(v, (list, dict)):
            if depth >= MAX_JSON_DEPTH:
                return f"lists and objects nested at most {MAX_JSON_DEPTH} deep"
            items = [*v.keys(), *v.values()] if isinstance(v, dict) else v
            stack.extend((x, depth + 1) for x in items)
    return None


def _items(value: object, what: str) -> list[object]:
    if isinstance(value, str):
        return [p.strip() for p in value.split(SEPARATOR) if p.strip()]
    if isinstance(value, list):
        return value
    raise _CellError(f"{what} separated by {SEPARATOR!r}")


def _p_text(value: object) -> str:
    if not isinstance(value, str):
        raise _CellError("text")
    return value


def _p_nonempty_text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _CellError("non-empty text")
    return value


_ID_EXPECTED = "an id: 1-64 letters, digits, '_', '-' or '.', starting with a letter or digit"


def _p_id(value: object) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value.strip()):
        raise _CellError(_ID_EXPECTED)
    return value.strip()


def _p_int(lo: int | None, hi: int | None) -> Callable[[object], int]:
    expected = f"an integer in [{lo}, {hi}]" if hi is not None else f"an integer >= {lo}"

    def parse(value: object) -> int:
        if isinstance(value, str):
            text = value.strip()
            if not re.fullmatch(r"[+-]?[0-9]{1,19}", text):
                raise _CellError(expected)
            out = int(text)
        elif isinstance(value, int) and not isinstance(value, bool):
            out = value
        elif isinstance(value, float) and value.is_integer():
            out = int(value)
        else:
            raise _CellError(expected)
        if (lo is not None and out < lo) or (hi is not None and out > hi):
            raise _CellError(expected)
        return out

    return parse


def _p_unit(value: object) -> float:
    expected = "a number in [0, 1]"
    if isinstance(value, str):
        try:
            out = float(value.strip())
        except ValueError:
            raise _CellError(expected) from None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out = float(value)
    else:
        raise _CellError(expected)
    if not (0.0 <= out <= 1.0):  # also rejects NaN
        raise _CellError(expected)
    return out


def _p_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _CellError("a boolean: true/false, 1/0, yes/no, y/n, 예/아니오 or o/x")


def _p_enum(enum_cls: type[LabelledEnum]) -> Callable[[object], Any]:
    expected = (f"a {enum_cls.__name__} (Korean or English label or name: "
                f"{', '.join(m.label_en for m in enum_cls)})")

    def parse(value: object) -> Any:
        if isinstance(value, str):
            try:
                return enum_cls.parse(value)
            except ValidationError:
                pass
        raise _CellError(expected)

    return parse


def _p_enum_set(enum_cls: type[LabelledEnum], *, nonempty: bool = False) -> Callable[[object], Any]:
    one = _p_enum(enum_cls)
    what = f"{enum_cls.__name__} labels"

    def parse(value: object) -> frozenset[Any]:
        out = set()
        for item in _items(value, what):
            try:
                out.add(one(item))
            except _CellError as err:  # noqa: PERF203 - stops at the first bad item
                raise _CellError(f"{SEPARATOR!r}-separated {what}; {item!r} is not {err}"
                                 ) from None
        if nonempty and not out:
            raise _CellError(f"at least one {enum_cls.__name__}")
        return frozenset(out)

    return parse


def _p_id_set(value: object) -> frozenset[str]:
    items = _items(value, "ids")
    bad = [v for v in items if not isinstance(v, str) or not _ID.fullmatch(v.strip())]
    if bad:
        raise _CellError(f"{SEPARATOR!r}-separated ids; {bad[0]!r} is not {_ID_EXPECTED}")
    return frozenset(str(v).strip() for v in items)


def _p_date(value: object) -> Any:
    if isinstance(value, str):
        try:
            return parse_date(value)
        except ValidationError:
            pass
    raise _CellError("a date YYYY-MM-DD")


def _p_period(end: bool) -> Callable[[object], Any]:
    def parse(value: object) -> Any:
        if isinstance(value, str) and re.fullmatch(r"[0-9]{4}(-[0-9]{2}){0,2}", value.strip()):
            try:
                return (parse_period_end if end else parse_period_start)(value.strip())
            except ValueError:
                pass
        raise _CellError("a date YYYY-MM-DD, a month YYYY-MM or a year YYYY")

    return parse


def _p_participations(value: object) -> tuple[Participation, ...]:
    expected = f"{SEPARATOR!r}-separated PROGRAM@YYYY-MM-DD items"
    out = []
    for item in _items(value, "PROGRAM@YYYY-MM-DD items"):
        if isinstance(item, Mapping):
            program_id, on = item.get("program_id"), item.get("on")
        elif isinstance(item, str) and item.count("@") == 1:
            program_id, on = (p.strip() for p in item.split("@"))
        else:
            raise _CellError(f"{expected}; {item!r} is not one")
        try:
            out.append(Participation(program_id=_p_id(program_id), on=_p_date(on)))
        except (_CellError, ValidationError):
            raise _CellError(f"{expected}; {item!r} is not one") from None
    return tuple(out)


def _p_rules(value: object) -> tuple[Any, ...]:
    expected = "a JSON list of rule objects (see rootmatch.rules.rule_from_dict)"
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise _CellError(expected) from None
        why = _bad_value(value)
        if why is not None:
            raise _CellError(f"{expected}, with {why}")
    if not isinstance(value, list):
        raise _CellError(expected)
    try:
        return tuple(rule_from_dict(r) for r in value)
    except (ValidationError, ValueError, TypeError, KeyError, AttributeError,
            ArithmeticError, RecursionError) as err:
        raise _CellError(f"{expected}: {err}") from None


@frozen
class _Col:
    name: str
    parse: Callable[[object], Any]
    required: bool = False
    text: bool = False  # free text: only "" counts as missing, the value is kept verbatim


_FIRM_COLUMNS = (
    _Col("id", _p_id, required=True),
    _Col("name", _p_nonempty_text, required=True, text=True),
    _Col("technologies", _p_enum_set(RootTechnology, nonempty=True), required=True),
    _Col("employees", _p_int(0, MAX_EMPLOYEES), required=True),
    _Col("district", _p_enum(District), required=True),
    _Col("founded", _p_int(1900, 2100)),
    _Col("workforce_40plus", _p_unit),
    _Col("foreign_share", _p_unit),
    _Col("digital_level", _p_int(0, 4)),
    _Col("materials", _p_enum_set(Material)),
    _Col("needs", _p_enum_set(SupportAxis)),
    _Col("topics", _p_enum_set(Topic)),
    _Col("certified", _p_bool),
    _Col("memberships", _p_id_set),
    _Col("participations", _p_participations),
    _Col("cluster", _p_text, text=True),
)
_INSTITUTE_COLUMNS = (
    _Col("id", _p_id, required=True),
    _Col("name_ko", _p_nonempty_text, required=True, text=True),
    _Col("name_en", _p_nonempty_text, required=True, text=True),
    _Col("kind", _p_enum(InstituteKind), required=True),
    _Col("district", _p_enum(District)),
    _Col("expertise", _p_enum_set(RootTechnology)),
    _Col("services", _p_enum_set(SupportAxis)),
    _Col("topics", _p_enum_set(Topic)),
    _Col("description", _p_text, text=True),
    _Col("source", _p_text, text=True),
)
_PROGRAM_COLUMNS = (
    _Col("id", _p_id, required=True),
    _Col("name_ko", _p_nonempty_text, required=True, text=True),
    _Col("name_en", _p_nonempty_text, required=True, text=True),
    _Col("axis", _p_enum(SupportAxis), required=True),
    _Col("start", _p_period(end=False), required=True),
    _Col("end", _p_period(end=True), required=True),
    _Col("funding", _p_enum(Funding), required=True),
    _Col("targets", _p_enum_set(RootTechnology)),
    _Col("axes", _p_enum_set(SupportAxis)),
    _Col("topics", _p_enum_set(Topic)),
    _Col("rules", _p_rules),
    _Col("capacity", _p_int(0, MAX_EMPLOYEES)),
    _Col("capacity_assumed", _p_bool),
    _Col("operators", _p_id_set),
    _Col("description", _p_text, text=True),
    _Col("notes", _p_text, text=True),
)
_COLLAB_COLUMNS = (_Col("firm_a", _p_id, required=True), _Col("firm_b", _p_id, required=True))
_LINK_COLUMNS = (_Col("firm", _p_id, required=True), _Col("institute", _p_id, required=True))
_PARTICIPATION_COLUMNS = (
    _Col("firm", _p_id, required=True),
    _Col("program", _p_id, required=True),
    _Col("on", _p_date, required=True),
)
