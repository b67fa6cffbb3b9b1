"""Loading firms, institutes, programs, pairs and participations from CSV or JSON lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from rootmatch.domain.entities import Firm, Institute, Participation
from rootmatch.domain.program import Program
from rootmatch.domain.table import FirmTable
from rootmatch.io._cells import (
    _COLLAB_COLUMNS,
    _FIRM_COLUMNS,
    _INSTITUTE_COLUMNS,
    _LINK_COLUMNS,
    _PARTICIPATION_COLUMNS,
    _PROGRAM_COLUMNS,
    _Col,
)
from rootmatch.io._limits import Errors, PathLike
from rootmatch.io._problems import Problem, _Collector
from rootmatch.io._rows import _load_entities, _read_rows

__all__ = [
    "load_collaborations",
    "load_firms",
    "load_institute_links",
    "load_institutes",
    "load_participations",
    "load_programs",
]


# --- public loaders ------------------------------------------------------------------------
def load_firms(
    path: PathLike,
    *,
    errors: Errors = "raise",
    format: str | None = None,
    encoding: str | None = None,
    unknown_columns: Literal["warn", "error", "ignore"] = "warn",
) -> FirmTable:
    """Read firms from a CSV or JSON-lines file.

    A firm file needs at least the columns ``id, name, technologies, employees, district``;
    every other :class:`~rootmatch.Firm` field is an optional column (see the module
    documentation for the cell formats).

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` or ``.jsonl`` file.
    errors : {"raise", "collect"}, default="raise"
        Raise at the first problem, or check everything and raise one error listing all.
    format : {"csv", "jsonl"} or None, default=None
        Overrides the format the extension implies.
    encoding : str or None, default=None
        Overrides the detection of UTF-8 / CP949.
    unknown_columns : {"warn", "error", "ignore"}, default="warn"
        What to do with columns that name no field.

    Returns
    -------
    FirmTable
        The firms in file order.

    Raises
    ------
    DataError
        Naming the file, the row, the column, the value and what was expected; its
        ``.problems`` lists :class:`Problem` records.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "firms.csv"
    >>> _ = path.write_text("id,name,technologies,employees,district\\n"
    ...                     "F1,사상금형,금형; 용접,7,사상구\\n"
    ...                     "F2,Noksan Plating,Surface treatment,25,Gangseo-gu\\n",
    ...                     encoding="cp949")
    >>> firms = rm.io.load_firms(path)
    >>> firms.ids.tolist(), sorted(t.name for t in firms["F1"].technologies)
    (['F1', 'F2'], ['MOLD', 'WELDING'])
    >>> _ = path.write_text("id,name,technologies,employees,district\\n"
    ...                     "F1,A,금형,-3,사상구\\n")
    >>> try:
    ...     rm.io.load_firms(path)
    ... except rm.DataError as err:
    ...     print(str(err).split("firms.csv, ")[1])
    data row 1 (line 2), column 'employees': expected an integer in [0, 2147483647]; got '-3'
    """
    out = _Collector(errors)
    firms = _load_entities(path, _FIRM_COLUMNS, Firm, out, format=format, encoding=encoding,
                           unknown_columns=unknown_columns)
    out.check()
    return FirmTable.from_firms([f for _, f in firms])


def load_institutes(
    path: PathLike,
    *,
    errors: Errors = "raise",
    format: str | None = None,
    encoding: str | None = None,
    unknown_columns: Literal["warn", "error", "ignore"] = "warn",
) -> dict[str, Institute]:
    """Read institutes (columns ``id, name_ko, name_en, kind`` and optional ``district,
    expertise, services, topics, description, source``).

    Parameters and errors as :func:`load_firms`.

    Returns
    -------
    dict of str to Institute
        By id, in file order.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "institutes.csv"
    >>> _ = path.write_text("id,name_ko,name_en,kind,expertise\\n"
    ...                     "BGMC,부산금형공업협동조합,Busan mold cooperative,협동조합,금형\\n")
    >>> rm.io.load_institutes(path)["BGMC"].kind.name
    'COOPERATIVE'
    """
    out = _Collector(errors)
    items = _load_entities(path, _INSTITUTE_COLUMNS, Institute, out, format=format,
                           encoding=encoding, unknown_columns=unknown_columns)
    out.check()
    return {i.id: i for _, i in items}


def load_programs(
    path: PathLike,
    *,
    errors: Errors = "raise",
    format: str | None = None,
    encoding: str | None = None,
    unknown_columns: Literal["warn", "error", "ignore"] = "warn",
) -> dict[str, Program]:
    """Read support programs (columns ``id, name_ko, name_en, axis, start, end, funding`` and
    optional ``targets, axes, topics, rules, capacity, capacity_assumed, operators,
    description, notes``).

    Parameters and errors as :func:`load_firms`.

    Returns
    -------
    dict of str to Program
        By id, in file order.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "programs.jsonl"
    >>> _ = path.write_text('{"id": "P1", "name_ko": "시범", "name_en": "Pilot", '
    ...     '"axis": "기술 개발", "start": "2024", "end": "2025-06", "funding": "city", '
    ...     '"rules": [{"rule": "max_employees", "limit": 9}]}\\n', encoding="utf-8")
    >>> p = rm.io.load_programs(path)["P1"]
    >>> p.start, p.end, p.rules
    (datetime.date(2024, 1, 1), datetime.date(2025, 6, 30), (MaxEmployees(limit=9),))
    """
    out = _Collector(errors)
    items = _load_entities(path, _PROGRAM_COLUMNS, Program, out, format=format,
                           encoding=encoding, unknown_columns=unknown_columns)
    out.check()
    return {p.id: p for _, p in items}


def _load_pairs(path: PathLike, spec: Sequence[_Col], out: _Collector, *, symmetric: bool,
                format: str | None, encoding: str | None,
                unknown_columns: str) -> tuple[np.ndarray, list[int]]:
    file = str(path)
    a, b = spec[0].name, spec[1].name
    seen: dict[tuple[str, str], int] = {}
    pairs, rows = [], []
    for row, line, parsed in _read_rows(path, spec, out, format=format, encoding=encoding,
                                        unknown_columns=unknown_columns):
        x, y = parsed[a], parsed[b]
        if symmetric and x == y:
            out.add(Problem(file=file, row=row, field=b, value=y, line=line,
                            message=f"a firm cannot collaborate with itself ({a} == {b})"))
            continue
        key = (min(x, y), max(x, y)) if symmetric else (x, y)
        if key in seen:
            out.add(Problem(file=file, row=row, field=b, value=y, line=line,
                            message=f"duplicate pair ({x}, {y}): first seen at row {seen[key]}"))
            continue
        seen[key] = row
        pairs.append((x, y))
        rows.append(row)
    arr = np.array(pairs, dtype=np.str_) if pairs else np.empty((0, 2), dtype="<U1")
    return arr, rows


def load_collaborations(
    path: PathLike,
    *,
    errors: Errors = "raise",
    format: str | None = None,
    encoding: str | None = None,
    unknown_columns: Literal["warn", "error", "ignore"] = "warn",
) -> np.ndarray:
    """Read observed firm–firm collaborations (columns ``firm_a, firm_b``).

    A pair may appear once (in either order); a firm may not collaborate with itself.
    Parameters and errors as :func:`load_firms`.

    Returns
    -------
    ndarray of str, shape (m, 2)
        The pairs in file order, as written.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "collaborations.csv"
    >>> _ = path.write_text("firm_a,firm_b\\nF1,F2\\nF3,F1\\n")
    >>> rm.io.load_collaborations(path).tolist()
    [['F1', 'F2'], ['F3', 'F1']]
    """
    out = _Collector(errors)
    arr, _ = _load_pairs(path, _COLLAB_COLUMNS, out, symmetric=True, format=format,
                         encoding=encoding, unknown_columns=unknown_columns)
    out.check()
    return arr


def load_institute_links(
    path: PathLike,
    *,
    errors: Errors = "raise",
    format: str | None = None,
    encoding: str | None = None,
    unknown_columns: Literal["warn", "error", "ignore"] = "warn",
) -> np.ndarray:
    """Read observed firm–institute collaborations (columns ``firm, institute``).

    Parameters and errors as :func:`load_firms`.

    Returns
    -------
    ndarray of str, shape (m, 2)
        (firm id, institute id) pairs in file order.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "institute_links.csv"
    >>> _ = path.write_text("firm,institute\\nF1,KIMM-BUSAN\\n")
    >>> rm.io.load_institute_links(path).tolist()
    [['F1', 'KIMM-BUSAN']]
    """
    out = _Collector(errors)
    arr, _ = _load_pairs(path, _LINK_COLUMNS, out, symmetric=False, format=format,
                         encoding=encoding, unknown_columns=unknown_columns)
    out.check()
    return arr


def load_participations(
    path: PathLike,
    *,
    errors: Errors = "raise",
    format: str | None = None,
    encoding: str | None = None,
    unknown_columns: Literal["warn", "error", "ignore"] = "warn",
) -> list[tuple[str, Participation]]:
    """Read program participations kept apart from the firms (columns ``firm, program, on``).

    Parameters and errors as :func:`load_firms`.

    Returns
    -------
    list of (firm id, Participation)
        In file order.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "participations.csv"
    >>> _ = path.write_text("firm,program,on\\nF1,BS24-05,2023-03-02\\n")
    >>> rm.io.load_participations(path)
    [('F1', Participation(program_id='BS24-05', on=datetime.date(2023, 3, 2)))]
    """
    out = _Collector(errors)
    result = [
        (parsed["firm"], Participation(program_id=parsed["program"], on=parsed["on"]))
        for _, _, parsed in _read_rows(path, _PARTICIPATION_COLUMNS, out, format=format,
                                       encoding=encoding, unknown_columns=unknown_columns)
    ]
    out.check()
    return result
