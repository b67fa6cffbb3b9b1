"""The one CSV writer of the package, and the escape its readers undo.

Formula cells
-------------
A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and
some treat a leading tab or carriage return alike (OWASP, "CSV injection"). Every **text**
cell the library writes that starts with one of those characters gets a leading ``'``, which
spreadsheets show as "this is text"; a text cell that itself starts with ``'`` gets one
more, so the escape is unambiguous. The library's readers remove exactly one leading ``'``
where it precedes ``=``, ``+``, ``-``, ``@``, tab, carriage return or ``'``; any other
cell is read as written. A written text is therefore always read back exactly.

**Numbers** the library writes (``int`` and ``float`` cells, such as a ``-0.5`` score) are
written as numbers and never escaped: a spreadsheet reads a plain number as a number, not a
formula, so only text cells are neutralised.

Text cells are limited to :data:`MAX_CELL` characters (not counting the escape) on both
sides: the writer refuses a longer text, a reader reports one as a problem of its row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from rootmatch.base.exceptions import ValidationError

__all__ = ["FORMULA_TRIGGERS", "MAX_CELL", "csv_text", "escape_cell", "unescape_cell"]

#: Characters that make a spreadsheet treat a cell as a formula.
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
_ESCAPED = FORMULA_TRIGGERS | {"'"}
#: Longest cell (in characters) the library writes or reads.
MAX_CELL = 100_000

Cell = str | int | float | bool | None


def escape_cell(text: str) -> str:
    """``text`` as a cell no spreadsheet runs (see the module notes).

    Examples
    --------
    >>> escape_cell("=HYPERLINK(\\"x\\")"), escape_cell("'quoted"), escape_cell("plain")
    ('\\'=HYPERLINK("x")', "''quoted", 'plain')
    """
    return "'" + text if text[:1] in _ESCAPED else text


def unescape_cell(text: str) -> str:
    """Undo :func:`escape_cell`: drop one ``'`` before a formula trigger or ``'``.

    Examples
    --------
    >>> unescape_cell("'=1+1"), unescape_cell("''quoted"), unescape_cell("'plain")
    ('=1+1', "'quoted", "'plain")
    >>> all(unescape_cell(escape_cell(t)) == t for t in ["", "'", "''", "-2+3", "\\tx"])
    True
    """
    return text[1:] if text[:1] == "'" and text[1:2] in _ESCAPED else text


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return escape_cell(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """The CSV text (``\\r\\n`` line ends) of ``header`` and ``rows``, formula cells escaped.

    Raises
    ------
    ValidationError
        For a text longer than :data:`MAX_CELL` characters (no reader would take it).

    Examples
    --------
    >>> print(csv_text(["name", "score"], [["=1+1", -0.5], ["Busan", 2]]), end="")
    name,score
    '=1+1,-0.5
    Busan,2
    """
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in header])
    for n, row in enumerate(rows, start=1):
        for name, value in zip(header, row):
            if isinstance(value, str) and len(value) > MAX_CELL:
                raise ValidationError(
                    f"row {n}, column {name!r}: a text of {len(value):,} characters; at most "
                    f"{MAX_CELL:,} are written (and read)", field=name, value=len(value))
        writer.writerow([_cell(v) for v in row])
    return buf.getvalue()
