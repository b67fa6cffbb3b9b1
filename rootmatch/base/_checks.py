"""Shared checks: random generators, ids, dates, list lengths. Private."""

from __future__ import annotations

import datetime as dt
import numbers
import re

import numpy as np

from rootmatch.base.exceptions import ValidationError

__all__ = ["MAX_K", "SeedLike", "check_date", "check_k", "check_rng", "parse_date"]

SeedLike = int | np.integer | np.random.Generator | np.random.SeedSequence | None

#: The longest recommendation list (``k``) rootmatch computes: results are padded to ``k``
#: columns, so ``k`` sizes memory; a list this long is already far more than anyone reads.
MAX_K = 10_000

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def check_rng(seed: SeedLike | np.random.RandomState = None) -> np.random.Generator:
    """Turn ``seed`` into a :class:`numpy.random.Generator`.

    Parameters
    ----------
    seed : None, int, numpy.random.Generator, numpy.random.SeedSequence or RandomState
        ``None`` gives fresh entropy; an int or a SeedSequence a reproducible generator; a
        Generator is returned as is; a legacy ``RandomState`` seeds a new Generator from it.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> int(check_rng(7).integers(100)) == int(check_rng(7).integers(100))
    True
    >>> g = np.random.default_rng(3)
    >>> check_rng(g) is g, isinstance(check_rng(None), np.random.Generator)
    (True, True)
    >>> a = check_rng(np.random.SeedSequence(5)).random()
    >>> a == check_rng(np.random.SeedSequence(5)).random() == check_rng(np.int64(5)).random()
    True
    >>> r1, r2 = np.random.RandomState(1), np.random.RandomState(1)
    >>> check_rng(r1).random() == check_rng(r2).random()
    True
    >>> check_rng(-1)
    Traceback (most recent call last):
    ...
    rootmatch.exceptions.ValidationError: seed must be >= 0, got -1
    >>> check_rng("7")
    Traceback (most recent call last):
    ...
    rootmatch.exceptions.ValidationError: seed must be None, an int or ... got '7'
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.RandomState):
        return np.random.default_rng(seed.randint(0, 2**31 - 1, size=4))
    if seed is None or isinstance(seed, (numbers.Integral, np.random.SeedSequence)):
        if isinstance(seed, numbers.Integral) and int(seed) < 0:
            raise ValidationError(f"seed must be >= 0, got {seed!r}", field="seed", value=seed)
        return np.random.default_rng(seed)  # type: ignore[arg-type]
    raise ValidationError(
        f"seed must be None, an int or a numpy.random.Generator, got {seed!r}",
        field="seed",
        value=seed,
    )


def check_date(value: object, *, field: str = "on") -> dt.date:
    """Accept a ``datetime.date``, a ``datetime`` (its date) or an ISO ``YYYY-MM-DD`` string.

    Examples
    --------
    >>> check_date("2024-06-01"), check_date(dt.datetime(2024, 6, 1, 9, 30))
    (datetime.date(2024, 6, 1), datetime.date(2024, 6, 1))
    >>> check_date("June", field="start")
    Traceback (most recent call last):
    ...
    rootmatch.exceptions.ValidationError: start must be a date YYYY-MM-DD, got 'June'
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return parse_date(value, field=field)
    raise ValidationError(
        f"{field} must be a datetime.date, got {value!r}", field=field, value=value
    )


def parse_date(text: str, *, field: str = "date") -> dt.date:
    """A date written exactly ``YYYY-MM-DD`` (ASCII digits; surrounding blanks ignored).

    The one date parser of the package: unlike :meth:`datetime.date.fromisoformat` on
    Python 3.11, it refuses the other ISO 8601 forms (``2024-W10-6``, ``20240601``,
    ``2024-153``), which the documentation does not promise and a typo can produce.

    Raises
    ------
    ValidationError
        Naming ``field`` and the text.

    Examples
    --------
    >>> parse_date(" 2024-06-01 ")
    datetime.date(2024, 6, 1)
    >>> parse_date("2024-W10-6", field="on")
    Traceback (most recent call last):
    ...
    rootmatch.exceptions.ValidationError: on must be a date YYYY-MM-DD, got '2024-W10-6'
    """
    m = _ISO_DATE.fullmatch(text.strip()) if isinstance(text, str) else None
    if m is not None:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise ValidationError(f"{field} must be a date YYYY-MM-DD, got {text!r}", field=field,
                          value=text)


def check_k(k: object, *, minimum: int = 0, field: str = "k") -> int:
    """A list length: an integer in ``[minimum, MAX_K]``.

    Examples
    --------
    >>> check_k(5), check_k(0)
    (5, 0)
    >>> check_k(2**40)
    Traceback (most recent call last):
    ...
    rootmatch.exceptions.ValidationError: k must be an integer in [0, 10000], got 1099511627776
    """
    if (isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral)
            or not minimum <= int(k) <= MAX_K):
        raise ValidationError(f"{field} must be an integer in [{minimum}, {MAX_K}], got {k!r}",
                              field=field, value=k)
    return int(k)
