"""Problems in input data, the warning of ignored data and the collector that raises them."""

from __future__ import annotations

from collections.abc import Sequence

from attrs import frozen

from rootmatch.base.exceptions import DataError, ValidationError
from rootmatch.io._limits import _MAX_LISTED

__all__ = [
    "DataWarning",
    "Problem",
    "_CellError",
    "_Collector",
    "_RefusedFileError",
    "_data_error",
]


class DataWarning(UserWarning):
    """Something in the data was ignored (for instance an unknown column)."""


@frozen(kw_only=True)
class Problem:
    """One problem in input data.

    Attributes
    ----------
    file : str
        The file (as given) or a description of the source, e.g. ``"<population>"``.
    row : int or None
        Data row from 1, the header not counted (``0`` is the header); the line number in
        JSON lines. ``None`` only for problems of a whole file.
    field : str or None
        The column (field) at fault; ``None`` when the whole record is (e.g. bad JSON).
    value : object
        The offending value as read.
    message : str
        What was expected.
    line : int or None
        The physical line where the record starts (the header is line 1).

    Examples
    --------
    >>> print(Problem(file="firms.csv", row=3, field="employees", value="-5", line=4,
    ...               message="expected an integer >= 0"))
    firms.csv, data row 3 (line 4), column 'employees': expected an integer >= 0; got '-5'
    """

    file: str
    row: int | None
    field: str | None
    value: object
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            at = "the header" if self.row == 0 else f"data row {self.row}"
            if self.line is not None and self.line != self.row:
                at += f" (line {self.line})"
            where.append(at)
        if self.field is not None:
            where.append(f"column {self.field!r}")
        value = self.value
        if isinstance(value, str) and len(value) > 80:
            value = value[:77] + "..."
        elif isinstance(value, bytes) and len(value) > 80:
            value = value[:77] + b"..."
        got = "" if value is None else f"; got {value!r}"
        return f"{', '.join(where)}: {self.message}{got}"


def _data_error(problems: Sequence[Problem]) -> DataError:
    if len(problems) == 1:
        return DataError(str(problems[0]), problems=list(problems))
    files = sorted({p.file for p in problems})
    lines = [f"{len(problems)} problems in {', '.join(files)}:"]
    lines += [f"  - {p}" for p in problems[:_MAX_LISTED]]
    if len(problems) > _MAX_LISTED:
        lines.append(f"  ... and {len(problems) - _MAX_LISTED} more (see .problems)")
    return DataError("\n".join(lines), problems=list(problems))


class _Collector:
    """Gathers problems; raises at once in ``raise`` mode."""

    def __init__(self, errors: str) -> None:
        if errors not in ("raise", "collect"):
            raise ValidationError(
                f"errors must be 'raise' or 'collect', got {errors!r}", field="errors",
                value=errors,
            )
        self.collect = errors == "collect"
        self.problems: list[Problem] = []

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)
        if not self.collect:
            raise _data_error(self.problems) from None

    def check(self) -> None:
        if self.problems:
            raise _data_error(self.problems)


class _RefusedFileError(Exception):
    """A file refused before reading: not a regular file, or over its size limit."""


class _CellError(Exception):
    """A cell does not parse; the argument says what was expected."""
