"""Real data in and out: CSV and JSON lines, with row-level errors.

Formats
-------
The format follows the file's extension: ``.csv`` or ``.jsonl`` (``.ndjson`` too); pass
``format="csv"`` or ``format="jsonl"`` to override it.

- **CSV**: comma-separated, a header row naming the columns (case and surrounding spaces are
  ignored). Reading decides the encoding of the whole file from evidence: UTF-8 (with or
  without a byte-order mark) when every byte is valid UTF-8; else CP949 (what Korean
  spreadsheets often save) when every byte is valid CP949, the text holds Hangul and no line
  of non-ASCII text is valid UTF-8. A file that is neither (say a UTF-8 file with one row
  saved as CP949) is refused, naming the first bad row, its line and the byte offset and
  bytes; ``encoding=`` overrides the detection. Writers save UTF-8 with a byte-order mark,
  which spreadsheets open correctly.
- **Formula cells**: every CSV the library writes goes through one writer that prefixes
  ``'`` to a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or
  ``'``, so no spreadsheet runs it as a formula; readers remove one leading ``'`` before those
  characters, so written text reads back exactly. Numbers (``-0.5``) are written as numbers,
  unescaped (see :mod:`rootmatch._csv`).
- **JSON lines**: one JSON object per line, UTF-8 only, keys as the CSV columns. Values may
  be JSON types (numbers, booleans, lists for multi-valued fields, ``null`` for empty) or the
  CSV cell text.

Cells
-----
- **Multi-valued cells** (technologies, materials, needs, topics, memberships,
  participations, targets, axes, operators, expertise, services) use ``;`` as the one
  separator: ``금형; 용접``. Spaces around items are ignored.
- **Enums** accept the member's Korean label, English label or name (``금형``,
  ``Mold & die``, ``MOLD``), case and spaces ignored.
- **Participations** are ``PROGRAM@YYYY-MM-DD`` items: ``BS24-05@2023-03-02; BS24-01@2024-03-01``.
- **Booleans** (``certified``, ``capacity_assumed``): ``true/false``, ``1/0``, ``yes/no``,
  ``y/n``, ``예/아니오``, ``o/x``.
- **Empty cells** of optional columns take the field's default (see :class:`~rootmatch.Firm`).
- **Program periods** (``start``, ``end``) accept ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; a
  year or month that ends a period means its last day.
- **Program rules** are a JSON list of :meth:`rootmatch.rules.Rule.to_dict` objects (in a CSV
  cell, the JSON text).

Errors
------
Every problem in the data is a :class:`Problem` ``(file, row, field, value, message)``:

- ``row`` counts **data rows from 1; the header is not counted** (``row=0`` is the header
  itself). Blank rows are skipped but counted, so row *r* is spreadsheet row *r + 1*. In JSON
  lines, ``row`` is the line number (from 1).
- ``line`` is the physical line where the record starts (the header is line 1).

With ``errors="raise"`` (the default) the first problem raises :class:`~rootmatch.DataError`;
with ``errors="collect"`` the whole file (or population) is checked and one ``DataError``
lists every problem; nothing is returned in either case when there is a problem. Duplicate
ids, cells that do not parse, values out of range, missing required columns, short or long
rows, bytes that are neither UTF-8 nor CP949, cells over the limits below and malformed JSON
are all problems.

Limits
------
A cell (or a JSON text value) holds at most :data:`MAX_CELL` (100,000) characters, a JSON-lines
record at most :data:`MAX_LINE` characters, a JSON value nests lists and objects at most
:data:`MAX_JSON_DEPTH` deep, and a file has at most :data:`MAX_FILE_BYTES` bytes (it is read
whole). A longer cell or record, a deeper value, a non-finite number (``Infinity``,
``NaN``, ``1e400``), a NUL or a lone surrogate (``"\\ud800"``) is a problem of its row,
naming the field, and reading goes on with the next rows; writers refuse a cell over the
limit, so what they write is always read back.

**Unknown columns** (or JSON keys) are not errors: they are ignored with a
:class:`DataWarning` that names them (and suggests a close known name), so a spreadsheet may
carry notes columns (``비고``). Pass ``unknown_columns="error"`` to make them problems, or
``"ignore"`` to silence the warning.

Populations and graphs
----------------------
:func:`write_population` / :func:`load_population` keep a whole population in one folder
(``firms.csv``, ``institutes.jsonl``, ``programs.jsonl``, ``collaborations.csv``,
``institute_links.csv``, ``hub.json``); written and read back it is identical.
:func:`write_graph` exports a :class:`~rootmatch.SupportNetwork` (or any networkx graph) to
GraphML, GEXF or node-link JSON, :func:`read_node_link` reads the JSON back and
:func:`read_graphml` reads GraphML refusing DOCTYPEs (see :func:`flatten_graph` for how
attributes are flattened). The SQLite registry is :mod:`rootmatch.store`.

Only :class:`~rootmatch.DataError` comes out of a loader for bad *content*; a bad argument
(an unknown ``errors`` mode or format) raises :class:`~rootmatch.ValidationError`; a missing
file raises the usual :class:`FileNotFoundError`.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io as _stdio
import json
import math
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Union

import attrs
import numpy as np
from attrs import frozen

from ._atomic import atomic_write
from ._csv import MAX_CELL, csv_text, unescape_cell
from ._export import flatten_graph, read_graphml, read_node_link, write_graph
from ._files import read_regular
from .entities import (
    _ID,
    Firm,
    Institute,
    Participation,
    Population,
    Program,
    SupportCenter,
    parse_period_end,
    parse_period_start,
)
from .exceptions import DataError, ValidationError
from .records import firm_record as _firm_record
from .records import institute_record as _institute_record
from .records import program_record as _program_record
from .records import table_records as _table_records
from .rules import rule_from_dict
from .table import FirmTable
from .taxonomy import (
    District,
    Funding,
    InstituteKind,
    LabelledEnum,
    Material,
    RootTechnology,
    SupportAxis,
    Topic,
)

__all__ = [
    "MAX_CELL",
    "MAX_FILE_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_LINE",
    "SEPARATOR",
    "DataWarning",
    "Problem",
    "flatten_graph",
    "load_collaborations",
    "load_firms",
    "load_institute_links",
    "load_institutes",
    "load_participations",
    "load_population",
    "load_programs",
    "read_graphml",
    "read_node_link",
    "write_collaborations",
    "write_firms",
    "write_graph",
    "write_institute_links",
    "write_institutes",
    "write_participations",
    "write_population",
    "write_programs",
]

PathLike = Union[str, "os.PathLike[str]"]
Errors = Literal["raise", "collect"]
Labels = Literal["en", "ko", "name"]

#: The one separator of multi-valued cells.
SEPARATOR = ";"
#: Largest head count a firm may declare (the table stores it as int32).
MAX_EMPLOYEES = 2**31 - 1
_MAX_LISTED = 50  # problems spelled out in a DataError's message
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
#: Largest file a loader reads (bytes): the whole file is held in memory.
MAX_FILE_BYTES = 256 * 2**20
#: Longest JSON-lines record (characters); a longer line is a problem of its row, unparsed.
MAX_LINE = 2_000_000
#: Deepest nesting of lists and objects a JSON value may have.
MAX_JSON_DEPTH = 32
_HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_TRUE = frozenset({"true", "t", "1", "yes", "y", "예", "o", "참"})
_FALSE = frozenset({"false", "f", "0", "no", "n", "아니오", "아니요", "x", "거짓"})


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


class _RefusedFileError(Exception):
    """A file refused before reading: not a regular file, or over its size limit."""


class _CellError(Exception):
    """A cell does not parse; the argument says what was expected."""


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
    from ._validation import parse_date

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


# --- reading records -----------------------------------------------------------------------
def _format_of(path: Path, format: str | None) -> str:
    if format is not None:
        if format not in ("csv", "jsonl"):
            raise ValidationError(f"format must be 'csv' or 'jsonl', got {format!r}",
                                  field="format", value=format)
        return format
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise ValidationError(
            f"cannot tell the format of {str(path)!r} from its extension {path.suffix!r}: "
            "use .csv or .jsonl, or pass format='csv' or 'jsonl'",
            field="format", value=path.suffix,
        )
    return fmt


def _locate_csv(prefix: str) -> tuple[int, str, int]:
    """(row, column name, line) where ``prefix`` (a CSV text cut mid-record) ends."""
    try:
        records = list(csv.reader(_stdio.StringIO(prefix, newline="")))
    except csv.Error:
        records = []
    line = prefix.count("\n") + 1
    at_new_record = prefix.endswith(("\n", "\r"))
    if not records or (len(records) == 1 and not at_new_record):
        return 0, f"<header cell {max(len(records[0]) if records else 1, 1)}>", line
    header = [h.strip().lstrip("\ufeff").strip().casefold() for h in records[0]]
    current = [] if at_new_record else records[-1]
    k = max(len(current) - 1, 0)
    field = header[k] if k < len(header) else f"<extra cell {k + 1}>"
    row = len(records) if at_new_record else len(records) - 1
    return row, field, line


def _decode(data: bytes, file: str, fmt: str, encoding: str | None,
            out: _Collector) -> str | None:
    """Decode ``data``: UTF-8 (BOM or not) or CP949, or the given encoding."""

    def fail(offset: int, name: str, why: str) -> None:
        prefix = data[:offset].decode(name, errors="replace")
        if fmt == "csv":
            row, field, line = _locate_csv(prefix)
        else:
            row, field, line = prefix.count("\n") + 1, None, prefix.count("\n") + 1
        out.add(Problem(file=file, row=row, field=field, value=data[offset: offset + 4],
                        line=line, message=f"{why} (at byte offset {offset})"))

    if encoding is not None:
        try:
            return data.decode(encoding)
        except LookupError:
            raise ValidationError(f"unknown encoding {encoding!r}", field="encoding",
                                  value=encoding) from None
        except UnicodeDecodeError as err:
            fail(err.start, encoding, f"bytes that are not {encoding}")
            return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        out.add(Problem(file=file, row=0 if fmt == "csv" else 1,
                        field="<header cell 1>" if fmt == "csv" else None, value=data[:2],
                        line=1, message="UTF-16 text is not supported: save as CSV UTF-8 "
                        "or CP949"))
        return None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8")
        except UnicodeDecodeError as err:
            fail(err.start + len(codecs.BOM_UTF8), "utf-8",
                 "bytes that are not UTF-8 (the file starts with a UTF-8 byte-order mark)")
            return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        utf8_error = err
    if fmt != "csv":
        fail(utf8_error.start, "utf-8", "bytes that are not UTF-8")
        return None
    # Not UTF-8: CP949 only on evidence, every line CP949, Hangul in it, and no line of
    # non-ASCII text that is UTF-8 (that would be a file mixing the two encodings).
    try:
        text = data.decode("cp949")
    except UnicodeDecodeError as err:
        if err.start > utf8_error.start and data[:utf8_error.start].isascii():
            fail(err.start, "cp949", "bytes that are neither UTF-8 nor CP949 (read as "
                 "CP949, as the text before them is)")
        else:
            fail(utf8_error.start, "utf-8", "bytes that are neither UTF-8 nor CP949")
        return None
    for n, raw in enumerate(data.split(b"\n"), start=1):
        if raw.isascii():
            continue
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        fail(utf8_error.start, "utf-8", f"bytes that are not UTF-8, though line {n} is "
             "UTF-8 text: the file mixes UTF-8 and CP949 (save it again as CSV UTF-8)")
        return None
    if not _HANGUL.search(text):
        fail(utf8_error.start, "utf-8", "bytes that are neither UTF-8 nor CP949 Korean text")
        return None
    return text


def _csv_records(text: str, file: str, out: _Collector
                 ) -> tuple[list[str], Iterator[tuple[int, int, dict[str, str]]]]:
    # a reader takes any field a file within MAX_FILE_BYTES holds (only raised, never
    # lowered); a cell over MAX_CELL is then a problem of its row, and reading goes on
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    reader = csv.reader(_stdio.StringIO(text, newline=""), strict=False)
    try:
        header_cells = next(reader, None)
    except csv.Error as err:
        out.add(Problem(file=file, row=0, field=None, value=None, line=1,
                        message=f"the header is not valid CSV: {err}"))
        return [], iter(())
    if header_cells is None:
        return [], iter(())
    header = [h.strip().lstrip("\ufeff").strip().casefold() for h in header_cells]

    def records() -> Iterator[tuple[int, int, dict[str, str]]]:
        row, last_line = 0, reader.line_num
        while True:
            row += 1
            line = last_line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                out.add(Problem(file=file, row=row, field=None, value=None, line=line,
                                message=f"not valid CSV: {err}"))
                return
            last_line = reader.line_num
            if not any(c.strip() for c in cells):
                continue  # a blank row
            if len(cells) != len(header):
                k = min(len(cells), len(header))
                field = header[k] if len(cells) < len(header) else f"<extra cell {k + 1}>"
                out.add(Problem(
                    file=file, row=row, field=field,
                    value=cells[k] if len(cells) > k else None, line=line,
                    message=f"the row has {len(cells)} cells, the header {len(header)} "
                            "(a truncated row, or a separator inside an unquoted cell?)"))
                continue
            yield row, line, dict(zip(header, (unescape_cell(c) for c in cells)))

    return header, records()


def _jsonl_records(text: str, file: str, out: _Collector
                   ) -> Iterator[tuple[int, int, dict[str, Any]]]:
    for n, raw in enumerate(text.split("\n"), start=1):  # JSON text may hold U+2028
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE:
            out.add(Problem(file=file, row=n, field=None, value=raw[:80], line=n,
                            message=f"a record of at most {MAX_LINE:,} characters; the line "
                                    f"has {len(raw):,}"))
            continue
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError) as err:
            out.add(Problem(file=file, row=n, field=None, value=raw, line=n,
                            message=f"not a JSON object: {err}"))
            continue
        if not isinstance(obj, dict):
            out.add(Problem(file=file, row=n, field=None, value=raw, line=n,
                            message="not a JSON object"))
            continue
        yield n, n, {str(k).strip().casefold(): v for k, v in obj.items()}


def _check_columns(columns: Sequence[str], spec: Sequence[_Col], file: str, row: int,
                   line: int, out: _Collector, unknown_columns: str, *,
                   header: bool, known: Sequence[str] | None = None) -> None:
    known = [c.name for c in spec] if known is None else list(known)
    seen: set[str] = set()
    for number, name in enumerate(columns, 1):
        if not name and header:
            out.add(Problem(file=file, row=row, field=f"column {number}", value=name, line=line,
                            message="a header names every column; this one is empty"))
        elif name in seen and header:
            out.add(Problem(file=file, row=row, field=name, value=name, line=line,
                            message="the column appears twice in the header"))
        seen.add(name)
    for col in spec:
        if col.required and col.name not in seen:
            out.add(Problem(file=file, row=row, field=col.name, value=None, line=line,
                            message=f"missing required column {col.name!r} (required: "
                                    f"{', '.join(c.name for c in spec if c.required)})"))
    unknown = [c for c in columns if c not in known]
    if not unknown or unknown_columns == "ignore":
        return
    for name in unknown:
        near = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        if unknown_columns == "error":
            out.add(Problem(file=file, row=row, field=name, value=name, line=line,
                            message=f"unknown column{hint}; known: {', '.join(known)}"))
        else:
            warnings.warn(f"{file}: ignoring unknown column {name!r}{hint}", DataWarning,
                          stacklevel=4)


def _read_rows(
    path: PathLike, spec: Sequence[_Col], out: _Collector, *, format: str | None,
    encoding: str | None, unknown_columns: str,
) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """Yield (row, line, parsed cells) of the records without problems."""
    if unknown_columns not in ("warn", "error", "ignore"):
        raise ValidationError(
            f"unknown_columns must be 'warn', 'error' or 'ignore', got {unknown_columns!r}",
            field="unknown_columns", value=unknown_columns,
        )
    path = Path(path)
    fmt = _format_of(path, format)
    file = str(path)
    try:
        data = read_regular(path, MAX_FILE_BYTES, error=_RefusedFileError, what="file to load")
    except _RefusedFileError as err:
        out.add(Problem(file=file, row=None, field=None, value=None,
                        message=f"{err.args[0].removeprefix(file + ': ')} (split it)"))
        return
    if fmt == "jsonl" and encoding is None:
        encoding = "utf-8-sig"
    text = _decode(data, file, fmt, encoding, out)
    if text is None:
        return
    if fmt == "csv":
        header, records = _csv_records(text, file, out)
        _check_columns(header, spec, file, 0, 1, out, unknown_columns, header=True)
        if out.problems and any(p.row == 0 for p in out.problems):
            # a broken header makes every row wrong: report the header alone
            return
    else:
        records = _jsonl_records(text, file, out)
        warned: set[str] = set()
    by_name = {c.name: c for c in spec}
    # cells repeat (labels, districts): parse each distinct text once per file
    cache: dict[tuple[str, str], Any] = {}
    for row, line, cells in records:
        if fmt == "jsonl":
            missing = [c.name for c in spec if c.required and c.name not in cells]
            for name in missing:
                out.add(Problem(file=file, row=row, field=name, value=None, line=line,
                                message=f"missing required field {name!r}"))
            new = [k for k in cells if k not in by_name and k not in warned]
            if new:
                warned.update(new)
                _check_columns(new, (), file, row, line, out, unknown_columns, header=False,
                               known=list(by_name))
            if missing:
                continue
        parsed: dict[str, Any] = {}
        ok = True
        for name, raw in cells.items():
            col = by_name.get(name)
            if col is None:
                continue
            why = _bad_value(raw)
            if why is not None:
                out.add(Problem(file=file, row=row, field=name, value=raw, line=line,
                                message=f"expected {why}"))
                ok = False
                continue
            if raw is None or (isinstance(raw, str) and (raw == "" if col.text
                                                         else not raw.strip())):
                if col.required:
                    out.add(Problem(file=file, row=row, field=name, value=raw, line=line,
                                    message="a value is required"))
                    ok = False
                continue
            key = (name, raw) if isinstance(raw, str) and not col.text else None
            value = cache.get(key) if key is not None else None
            if value is None:
                try:
                    value = col.parse(raw)
                except _CellError as err:
                    value = err
                if key is not None:
                    cache[key] = value
            if isinstance(value, _CellError):
                out.add(Problem(file=file, row=row, field=name, value=raw, line=line,
                                message=f"expected {value}"))
                ok = False
            else:
                parsed[name] = value
        if ok:
            yield row, line, parsed


def _build(cls: type, kwargs: dict[str, Any], file: str, row: int, line: int,
           raw: Mapping[str, Any], out: _Collector) -> Any:
    try:
        return cls(**kwargs)
    except ValidationError as err:
        field = err.field if err.field in raw else None
        out.add(Problem(file=file, row=row, field=field,
                        value=raw.get(field) if field else None, line=line,
                        message=str(err)))
        return None


def _load_entities(path: PathLike, spec: Sequence[_Col], cls: type, out: _Collector, *,
                   format: str | None, encoding: str | None,
                   unknown_columns: str) -> list[tuple[int, Any]]:
    """(row, entity) pairs; duplicate ids are problems."""
    file = str(path)
    seen: dict[str, int] = {}
    entities = []
    for row, line, parsed in _read_rows(path, spec, out, format=format, encoding=encoding,
                                        unknown_columns=unknown_columns):
        entity = _build(cls, parsed, file, row, line, parsed, out)
        if entity is None:
            continue
        if entity.id in seen:
            out.add(Problem(file=file, row=row, field="id", value=entity.id, line=line,
                            message=f"duplicate id: first seen at row {seen[entity.id]}"))
            continue
        seen[entity.id] = row
        entities.append((row, entity))
    return entities


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


# --- writing -------------------------------------------------------------------------------
def _check_labels(labels: str) -> None:
    if labels not in ("en", "ko", "name"):
        raise ValidationError(f"labels must be 'en', 'ko' or 'name', got {labels!r}",
                              field="labels", value=labels)


def _csv_cell(value: object) -> Any:
    if isinstance(value, list):
        if value and not isinstance(value[0], str):  # rules: JSON in the cell
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        return f"{SEPARATOR} ".join(value) if value else ""
    return value


def _write_records(path: PathLike, columns: Sequence[str], records: Iterable[dict[str, Any]],
                   *, format: str | None, encoding: str | None) -> Path:
    path = Path(path)
    fmt = _format_of(path, format)
    if fmt == "csv":
        text = csv_text(columns, ([_csv_cell(rec[c]) for c in columns] for rec in records))
        enc = encoding or "utf-8-sig"
    else:
        lines = [json.dumps(rec, ensure_ascii=False) for rec in records]
        text, enc = "".join(line + "\n" for line in lines), encoding or "utf-8"
    try:
        data = text.encode(enc)
    except LookupError:
        raise ValidationError(f"unknown encoding {enc!r}", field="encoding",
                              value=enc) from None
    except UnicodeEncodeError as err:
        row = text[: err.start].count("\n") + (1 if fmt == "jsonl" else 0)
        raise ValidationError(
            f"{path}: the text of row {row} holds {text[err.start:err.end]!r}, which {enc} "
            "cannot encode; write UTF-8 instead", field="encoding", value=enc,
        ) from None
    return atomic_write(path, data)


def _firms_of(firms: FirmTable | Iterable[Firm]) -> list[Firm]:
    return firms.to_firms() if isinstance(firms, FirmTable) else list(firms)


def write_firms(
    firms: FirmTable | Iterable[Firm],
    path: PathLike,
    *,
    labels: Labels = "en",
    format: str | None = None,
    encoding: str | None = None,
) -> Path:
    """Write firms to CSV or JSON lines; :func:`load_firms` reads them back identical.

    Parameters
    ----------
    firms : FirmTable or iterable of Firm
    path : str or path-like
        A ``.csv`` or ``.jsonl`` file, replaced atomically.
    labels : {"en", "ko", "name"}, default="en"
        Enum cells as English labels, Korean labels or member names.
    format : {"csv", "jsonl"} or None, default=None
        Overrides the extension.
    encoding : str or None, default=None
        CSV: UTF-8 with a byte-order mark unless given (``"cp949"`` for old spreadsheets);
        JSON lines: UTF-8.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "firms.csv"
    >>> firm = rm.Firm(id="F1", name="사상금형", technologies=["금형"], employees=7,
    ...                district="사상구", participations=[("BS24-05", "2023-03-02")])
    >>> _ = rm.io.write_firms([firm], path, labels="ko")
    >>> path.read_text(encoding="utf-8-sig").splitlines()[1]
    'F1,사상금형,금형,7,사상구,,0.658,0.0,0,,,,false,,BS24-05@2023-03-02,'
    >>> rm.io.load_firms(path)["F1"] == firm
    True
    """
    _check_labels(labels)
    if isinstance(firms, FirmTable):
        records = _table_records(firms, labels)
    else:
        records = [_firm_record(f, labels) for f in firms]
    return _write_records(path, [c.name for c in _FIRM_COLUMNS], records, format=format,
                          encoding=encoding)


def write_institutes(
    institutes: Mapping[str, Institute] | Iterable[Institute],
    path: PathLike,
    *,
    labels: Labels = "en",
    format: str | None = None,
    encoding: str | None = None,
) -> Path:
    """Write institutes; :func:`load_institutes` reads them back identical.

    Parameters as :func:`write_firms`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "institutes.jsonl"
    >>> _ = rm.io.write_institutes(cat.institutes, path)
    >>> rm.io.load_institutes(path) == cat.institutes
    True
    """
    _check_labels(labels)
    values = institutes.values() if isinstance(institutes, Mapping) else institutes
    records = [_institute_record(i, labels) for i in values]
    return _write_records(path, [c.name for c in _INSTITUTE_COLUMNS], records,
                          format=format, encoding=encoding)


def write_programs(
    programs: Mapping[str, Program] | Iterable[Program],
    path: PathLike,
    *,
    labels: Labels = "en",
    format: str | None = None,
    encoding: str | None = None,
) -> Path:
    """Write programs, rules included (a program with a ``Predicate`` rule cannot be written:
    it wraps Python code, and :class:`~rootmatch.ValidationError` says so).

    Parameters as :func:`write_firms`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "programs.csv"
    >>> _ = rm.io.write_programs(cat.programs, path, labels="ko")
    >>> rm.io.load_programs(path) == cat.programs
    True
    """
    _check_labels(labels)
    values = programs.values() if isinstance(programs, Mapping) else programs
    records = [_program_record(p, labels) for p in values]
    return _write_records(path, [c.name for c in _PROGRAM_COLUMNS], records, format=format,
                          encoding=encoding)


def _write_pairs(pairs: Any, path: PathLike, columns: tuple[str, str], *,
                 format: str | None, encoding: str | None) -> Path:
    arr = np.asarray(pairs if pairs is not None else np.empty((0, 2)), dtype=np.str_)
    if arr.size == 0:
        arr = arr.reshape(0, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValidationError(f"pairs must have shape (m, 2), got {arr.shape}",
                              field="pairs", value=arr.shape)
    records = [{columns[0]: str(a), columns[1]: str(b)} for a, b in arr]
    return _write_records(path, columns, records, format=format, encoding=encoding)


def write_collaborations(
    pairs: Any,
    path: PathLike,
    *,
    format: str | None = None,
    encoding: str | None = None,
) -> Path:
    """Write firm–firm pairs (shape (m, 2)) with columns ``firm_a, firm_b``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "collaborations.csv"
    >>> _ = rm.io.write_collaborations([["F1", "F2"]], path)
    >>> rm.io.load_collaborations(path).tolist()
    [['F1', 'F2']]
    """
    return _write_pairs(pairs, path, ("firm_a", "firm_b"), format=format, encoding=encoding)


def write_institute_links(
    pairs: Any,
    path: PathLike,
    *,
    format: str | None = None,
    encoding: str | None = None,
) -> Path:
    """Write (firm, institute) pairs with columns ``firm, institute``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "links.jsonl"
    >>> _ = rm.io.write_institute_links([["F1", "PNU"]], path)
    >>> path.read_text(encoding="utf-8")
    '{"firm": "F1", "institute": "PNU"}\\n'
    """
    return _write_pairs(pairs, path, ("firm", "institute"), format=format, encoding=encoding)


def write_participations(
    firms: FirmTable | Iterable[Firm],
    path: PathLike,
    *,
    format: str | None = None,
    encoding: str | None = None,
) -> Path:
    """Write every firm's participations as rows ``firm, program, on``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> firm = rm.Firm(id="F1", name="A", technologies=["금형"], employees=7,
    ...                district="사상구", participations=[("BS24-05", "2023-03-02")])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "participations.csv"
    >>> _ = rm.io.write_participations([firm], path)
    >>> rm.io.load_participations(path)[0][1].program_id
    'BS24-05'
    """
    records = [
        {"firm": f.id, "program": p.program_id, "on": p.on.isoformat()}
        for f in _firms_of(firms) for p in f.participations
    ]
    return _write_records(path, ("firm", "program", "on"), records, format=format,
                          encoding=encoding)


# --- populations ---------------------------------------------------------------------------
_POPULATION_FILES = {
    "firms": ("firms.csv", "firms.jsonl"),
    "institutes": ("institutes.jsonl", "institutes.csv"),
    "programs": ("programs.jsonl", "programs.csv"),
    "collaborations": ("collaborations.csv", "collaborations.jsonl"),
    "institute_links": ("institute_links.csv", "institute_links.jsonl"),
}


def write_population(pop: Population, directory: PathLike, *, labels: Labels = "en") -> Path:
    """Write a population as files in ``directory`` (created if needed).

    ``firms.csv``, ``institutes.jsonl``, ``programs.jsonl``, ``collaborations.csv``,
    ``institute_links.csv`` and ``hub.json``. A synthetic population's ``truth`` is not
    written (it is the generator's, not data).

    Returns
    -------
    pathlib.Path
        The directory.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> firms = rm.FirmTable.from_firms([
    ...     rm.Firm(id="F1", name="A", technologies=["금형"], employees=7, district="사상구",
    ...             memberships=["BGMC"]),
    ...     rm.Firm(id="F2", name="B", technologies=["사출·프레스"], employees=30,
    ...             district="강서구")])
    >>> pop = rm.Population(firms=firms, institutes=cat.institutes, programs=cat.programs,
    ...                     collaborations=[["F1", "F2"]], institute_links=[["F2", "PNU"]],
    ...                     hub=cat.hub)
    >>> d = rm.io.write_population(pop, pathlib.Path(tempfile.mkdtemp()) / "pop")
    >>> sorted(p.name for p in d.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['collaborations.csv', 'firms.csv', 'hub.json', 'institute_links.csv',
     'institutes.jsonl', 'programs.jsonl']
    >>> rm.io.load_population(d) == pop
    True
    """
    _check_labels(labels)
    for program in pop.programs.values():  # fail before writing anything
        _program_record(program, labels)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    write_firms(pop.firms, directory / "firms.csv", labels=labels)
    write_institutes(pop.institutes, directory / "institutes.jsonl", labels=labels)
    write_programs(pop.programs, directory / "programs.jsonl", labels=labels)
    write_collaborations(pop.collaborations, directory / "collaborations.csv")
    write_institute_links(pop.institute_links, directory / "institute_links.csv")
    hub = attrs.asdict(pop.hub)
    hub["district"] = None if pop.hub.district is None else pop.hub.district.name
    atomic_write(directory / "hub.json",
                  (json.dumps(hub, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return directory


def _find(directory: Path, kind: str) -> Path | None:
    found = [directory / n for n in _POPULATION_FILES[kind] if (directory / n).exists()]
    if len(found) > 1:
        raise ValidationError(
            f"{directory}: both {found[0].name} and {found[1].name} exist; keep one",
            field=kind, value=[p.name for p in found],
        )
    return found[0] if found else None


def _load_hub(path: Path, out: _Collector) -> SupportCenter:
    file = str(path)
    try:
        data = json.loads(read_regular(path, MAX_LINE, error=_RefusedFileError, what="hub file")
                          .decode("utf-8-sig"))
        bad = _bad_value(data)
        if bad is not None:
            raise ValueError(f"expected {bad}")
    except (_RefusedFileError, ValueError, RecursionError) as err:  # incl. UnicodeDecodeError
        out.add(Problem(file=file, row=None, field=None, value=None,
                        message=f"not a JSON object: {err}"))
        return SupportCenter()
    if not isinstance(data, dict):
        out.add(Problem(file=file, row=None, field=None, value=None,
                        message="not a JSON object"))
        return SupportCenter()
    known = {f.name for f in attrs.fields(SupportCenter)}
    for key in sorted(set(data) - known):
        out.add(Problem(file=file, row=None, field=key, value=data[key],
                        message=f"unknown field; known: {', '.join(sorted(known))}"))
    kwargs = {k: v for k, v in data.items() if k in known}
    for key in ("id", "name_ko", "name_en", "description"):
        if key in kwargs and not isinstance(kwargs[key], str):
            out.add(Problem(file=file, row=None, field=key, value=kwargs.pop(key),
                            message="expected text"))
    try:
        return SupportCenter(**kwargs)
    except ValidationError as err:
        out.add(Problem(file=file, row=None, field=err.field, value=err.value,
                        message=str(err)))
        return SupportCenter()


def load_population(
    directory: PathLike,
    *,
    errors: Errors = "raise",
    check_references: bool = True,
) -> Population:
    """Read a population written by :func:`write_population` (or assembled by hand).

    ``firms.csv`` (or ``firms.jsonl``) is required; institutes, programs, collaborations,
    institute links and ``hub.json`` are optional. The ends of every collaboration and
    institute link must exist; with ``check_references`` so must every other id a file
    names: memberships and program operators (institutes) and participations (programs). A
    dangling id is a :class:`Problem` of the row that names it.

    Parameters
    ----------
    directory : str or path-like
    errors : {"raise", "collect"}, default="raise"
        With ``"collect"`` every file is checked and one DataError lists all problems.
    check_references : bool, default=True
        Whether memberships, participations and operators must name known ids.

    Returns
    -------
    Population
        ``truth`` is ``None``.

    Examples
    --------
    See :func:`write_population`.
    """
    out = _Collector(errors)
    directory = Path(directory)
    firms_path = _find(directory, "firms")
    if firms_path is None:
        raise FileNotFoundError(f"{directory}: no firms.csv or firms.jsonl")

    def entities(path: Path, spec: Sequence[_Col], cls: type) -> list[tuple[int, Any]]:
        return _load_entities(path, spec, cls, out, format=None, encoding=None,
                              unknown_columns="warn")

    def pairs(path: Path | None, spec: Sequence[_Col], symmetric: bool
              ) -> tuple[np.ndarray, list[int]]:
        if path is None:
            return np.empty((0, 2), dtype="<U1"), []
        return _load_pairs(path, spec, out, symmetric=symmetric, format=None, encoding=None,
                           unknown_columns="warn")

    firm_rows = entities(firms_path, _FIRM_COLUMNS, Firm)
    institutes_path = _find(directory, "institutes")
    programs_path = _find(directory, "programs")
    institutes: dict[str, Institute] = {}
    program_rows: list[tuple[int, Program]] = []
    if institutes_path is not None:
        institutes = {i.id: i for _, i in
                      entities(institutes_path, _INSTITUTE_COLUMNS, Institute)}
    if programs_path is not None:
        program_rows = entities(programs_path, _PROGRAM_COLUMNS, Program)
    programs = {q.id: q for _, q in program_rows}
    collab_path = _find(directory, "collaborations")
    link_path = _find(directory, "institute_links")
    collab, collab_rows = pairs(collab_path, _COLLAB_COLUMNS, True)
    links, link_rows = pairs(link_path, _LINK_COLUMNS, False)
    hub = _load_hub(directory / "hub.json", out) if (directory / "hub.json").exists() \
        else SupportCenter()
    firm_ids = {f.id for _, f in firm_rows}
    for (a, b), row in zip(collab.tolist(), collab_rows):
        for name, value in (("firm_a", a), ("firm_b", b)):
            if value not in firm_ids:
                out.add(Problem(file=str(collab_path), row=row, field=name, value=value,
                                message="names a firm that is not in the population"))
    for (a, b), row in zip(links.tolist(), link_rows):
        if a not in firm_ids:
            out.add(Problem(file=str(link_path), row=row, field="firm", value=a,
                            message="names a firm that is not in the population"))
        if b not in institutes:
            out.add(Problem(file=str(link_path), row=row, field="institute", value=b,
                            message="names an institute that is not in the population"))
    if check_references:
        for row, f in firm_rows:
            for m in sorted(f.memberships - institutes.keys()):
                out.add(Problem(file=str(firms_path), row=row, field="memberships", value=m,
                                message="names an institute that is not in the population"))
            for prog in sorted({q.program_id for q in f.participations} - programs.keys()):
                out.add(Problem(file=str(firms_path), row=row, field="participations",
                                value=prog,
                                message="names a program that is not in the population"))
        for row, q in program_rows:
            for m in sorted(q.operators - institutes.keys()):
                out.add(Problem(file=str(programs_path), row=row,
                                field="operators", value=m,
                                message="names an institute that is not in the population"))
    out.check()
    return Population(
        firms=FirmTable.from_firms([f for _, f in firm_rows]),
        institutes=institutes,
        programs=programs,
        collaborations=collab,
        institute_links=links,
        hub=hub,
    )
