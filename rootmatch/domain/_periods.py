"""Periods written ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``: their first and their last day."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from rootmatch.base.exceptions import ValidationError

__all__ = ["parse_period_end", "parse_period_start"]

_PERIOD = re.compile(r"[0-9]{4}(-[0-9]{2}){0,2}")


def _period_parts(text: str) -> list[int]:
    """The numbers of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (ASCII digits only)."""
    if not isinstance(text, str) or not _PERIOD.fullmatch(text.strip()):
        raise ValidationError(f"expected YYYY, YYYY-MM or YYYY-MM-DD, got {text!r}",
                              field="period", value=text)
    return [int(p) for p in text.strip().split("-")]


def parse_period_start(text: str) -> dt.date:
    """The first day of a period given as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    Examples
    --------
    >>> parse_period_start("2022-08"), parse_period_start("2019")
    (datetime.date(2022, 8, 1), datetime.date(2019, 1, 1))
    """
    parts = _period_parts(text)
    year, month, day = [*parts, 1, 1][:3]
    return dt.date(year, month, day)


def parse_period_end(text: str) -> dt.date:
    """The last day of a period given as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    Examples
    --------
    >>> parse_period_end("2025-12"), parse_period_end("2026"), parse_period_end("2024-02")
    (datetime.date(2025, 12, 31), datetime.date(2026, 12, 31), datetime.date(2024, 2, 29))
    """
    parts = _period_parts(text)
    if len(parts) == 1:
        return dt.date(parts[0], 12, 31)
    if len(parts) == 2:
        return dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return dt.date(*parts[:3])
