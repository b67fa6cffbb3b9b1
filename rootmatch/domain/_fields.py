"""Converters and validators of entity fields: each names the field and the value it refuses."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from rootmatch.base._checks import parse_date
from rootmatch.base._csv import MAX_CELL
from rootmatch.base.exceptions import ValidationError
from rootmatch.domain.taxonomy import LabelledEnum

__all__: list[str] = []

#: An id, matched whole (``fullmatch``: ``$`` would let a trailing newline through).
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}\Z")
#: Head counts are stored as int32 in :class:`~rootmatch.FirmTable`.
_MAX_EMPLOYEES = 2**31 - 1


def _naming(field_name: str, convert: Callable[[object], Any]) -> Callable[[object], Any]:
    """Wrap a converter so that its errors name ``field_name`` (converters do not know it)."""

    def wrapped(value: object) -> Any:
        try:
            return convert(value)
        except ValidationError as err:
            raise type(err)(f"{field_name}: {err}", field=field_name, value=value) from err
        except (TypeError, ValueError, KeyError) as err:
            raise ValidationError(
                f"{field_name}: cannot read {value!r} ({err})", field=field_name, value=value
            ) from err

    wrapped.__name__ = f"to_{field_name}"
    return wrapped


def _enum_set(enum_cls: type[LabelledEnum], field_name: str) -> Callable[[object], Any]:
    return _naming(field_name, enum_cls.parse_many)


def _str_set(values: object) -> frozenset[str]:
    if values is None:
        return frozenset()
    if isinstance(values, str):
        values = [v.strip() for v in values.replace("|", ";").split(";") if v.strip()]
    return frozenset(str(v).strip() for v in values)  # type: ignore[attr-defined]


_TRUE = frozenset({"true", "t", "yes", "y", "1", "예", "o"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "아니오", "x", ""})


def _to_bool(value: object) -> bool:
    """Booleans, 0/1 and the usual yes/no words (CSV input); anything else is an error."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and int(value) in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().casefold() in _TRUE | _FALSE:
        return value.strip().casefold() in _TRUE
    raise ValidationError(f"must be a boolean (true/false, yes/no, 1/0), got {value!r}",
                          value=value)


def _check_ids(instance: object, attribute: attrs.Attribute, value: frozenset[str]) -> None:  # type: ignore[type-arg]
    bad = sorted(v for v in value if not _ID.fullmatch(v))
    if bad:
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} must hold ids (letters, digits, '_', '-'"
            f" or '.'), got {bad[0]!r}",
            field=attribute.name,
            value=bad[0],
        )


def _check_id(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} must be 1-64 letters, digits, '_', '-'"
            f" or '.', starting with a letter or digit; got {value!r}",
            field=attribute.name,
            value=value,
        )


def _check_text(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} must be a non-empty string, got {value!r}",
            field=attribute.name,
            value=value,
        )
    _check_encodable(instance, attribute, value)


_SURROGATE = re.compile("[\ud800-\udfff]")
#: The longest text an entity holds: what one cell of a file may hold, so all that is
#: accepted can be written and read back.
MAX_TEXT = MAX_CELL


def _check_encodable(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    """Text must be encodable (no lone surrogates) and hold no NUL, or no file, table or
    registry could hold it."""
    if isinstance(value, str) and _SURROGATE.search(value):
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} holds a lone surrogate "
            f"(U+D800-U+DFFF), which no file can hold; got {value!r}",
            field=attribute.name,
            value=value,
        )
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} holds a NUL character, which no "
            f"table can hold; got {value!r}",
            field=attribute.name,
            value=value,
        )
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} has {len(value):,} characters; a "
            f"text has at most {MAX_TEXT:,} (what a file cell holds)",
            field=attribute.name,
            value=f"{value[:40]}…",
        )


def _int_in(lo: int | None, hi: int | None) -> Callable[..., None]:
    def check(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        ok = ok and (lo is None or value >= lo) and (hi is None or value <= hi)  # type: ignore[operator]
        if not ok:
            bounds = f"in [{lo}, {hi}]" if hi is not None else f">= {lo}"
            raise ValidationError(
                f"{type(instance).__name__}.{attribute.name} must be an integer {bounds}, "
                f"got {value!r}",
                field=attribute.name,
                value=value,
            )

    return check


def _unit_interval(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    if not ok or not (0.0 <= float(value) <= 1.0):  # type: ignore[arg-type]
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} must be a number in [0, 1], got {value!r}",
            field=attribute.name,
            value=value,
        )


_INT_TEXT = re.compile(r"[+-]?[0-9]+")


def _to_int(value: object) -> object:
    """Accept integral floats and ASCII digit strings (from CSV), leave anything else
    (``"²"``, ``"--5"``, ``"1_000"``) to validation, which names the field."""
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _to_float(value: object) -> object:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if isinstance(value, (np.floating, np.integer)):
        return float(value)
    return value


def _to_enum(enum_cls: type[LabelledEnum], field_name: str) -> Callable[[object], Any]:
    return _naming(field_name, enum_cls.parse)


def _to_date(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return parse_date(value)
        except ValidationError as err:
            raise ValidationError(f"not a date YYYY-MM-DD: {value!r}", value=value) from err
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]").item()
    return value


def _is_date(instance: object, attribute: attrs.Attribute, value: object) -> None:  # type: ignore[type-arg]
    if not isinstance(value, dt.date):
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} must be a date, got {value!r}",
            field=attribute.name,
            value=value,
        )


def _nonempty(instance: object, attribute: attrs.Attribute, value: frozenset[Any]) -> None:  # type: ignore[type-arg]
    if not value:
        raise ValidationError(
            f"{type(instance).__name__}.{attribute.name} must not be empty, got {value!r}",
            field=attribute.name,
            value=value,
        )
