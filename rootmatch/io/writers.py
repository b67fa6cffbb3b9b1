"""Writing firms, institutes, programs, pairs and participations as CSV or JSON lines."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rootmatch.base._atomic import atomic_write
from rootmatch.base._csv import csv_text
from rootmatch.base.exceptions import DataError, ValidationError
from rootmatch.domain.entities import Firm, Institute
from rootmatch.domain.program import Program
from rootmatch.domain.records import firm_record as _firm_record
from rootmatch.domain.records import institute_record as _institute_record
from rootmatch.domain.records import program_record as _program_record
from rootmatch.domain.records import table_records as _table_records
from rootmatch.domain.table import FirmTable
from rootmatch.io._cells import _FIRM_COLUMNS, _INSTITUTE_COLUMNS, _PROGRAM_COLUMNS, _bad_value
from rootmatch.io._decode import _decode, _format_of
from rootmatch.io._limits import MAX_FILE_BYTES, MAX_LINE, SEPARATOR, Labels, PathLike
from rootmatch.io._problems import _Collector

__all__ = [
    "write_collaborations",
    "write_firms",
    "write_institute_links",
    "write_institutes",
    "write_participations",
    "write_programs",
]


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


#: The encodings the loaders tell apart, by format: JSON lines are read as UTF-8 only.
_ENCODINGS = {"csv": ("utf-8", "utf-8-sig", "cp949"), "jsonl": ("utf-8", "utf-8-sig")}


def _check_encoding(enc: str, fmt: str) -> str:
    try:
        name = codecs.lookup(enc).name
    except (LookupError, TypeError):
        raise ValidationError(f"unknown encoding {enc!r}", field="encoding",
                              value=enc) from None
    if name not in _ENCODINGS[fmt]:
        raise ValidationError(
            f"encoding must be one of {', '.join(_ENCODINGS[fmt])} for {fmt} (what the "
            f"loaders read back), got {enc!r}", field="encoding", value=enc)
    return name


def _check_readable(path: Path, fmt: str, columns: Sequence[str],
                    records: Sequence[Mapping[str, Any]]) -> None:
    """Refuse a value the loaders would refuse: nested too deep, a non-finite number, ..."""
    for row, rec in enumerate(records, start=1):
        for column in columns if fmt == "csv" else rec:
            why = _bad_value(rec[column])
            if why is not None:
                raise ValidationError(f"{path}: row {row}, {column}: the loaders take {why}",
                                      field=column, value=row)


def _write_records(path: PathLike, columns: Sequence[str], records: Iterable[dict[str, Any]],
                   *, format: str | None, encoding: str | None) -> Path:
    path = Path(path)
    fmt = _format_of(path, format)
    enc = _check_encoding(encoding or ("utf-8-sig" if fmt == "csv" else "utf-8"), fmt)
    records = list(records)
    _check_readable(path, fmt, columns, records)
    if fmt == "csv":
        text = csv_text(columns, ([_csv_cell(rec[c]) for c in columns] for rec in records))
    else:
        lines = [json.dumps(rec, ensure_ascii=False) for rec in records]
        for row, line in enumerate(lines, start=1):
            if len(line) > MAX_LINE:
                raise ValidationError(f"{path}: row {row} is a JSON record of {len(line):,} "
                                      f"characters; the loaders take at most {MAX_LINE:,}",
                                      field="records", value=row)
        text = "".join(line + "\n" for line in lines)
    try:
        data = text.encode(enc)
    except UnicodeEncodeError as err:
        row = text[: err.start].count("\n") + (1 if fmt == "jsonl" else 0)
        raise ValidationError(
            f"{path}: the text of row {row} holds {text[err.start:err.end]!r}, which {enc} "
            "cannot encode; write UTF-8 instead", field="encoding", value=enc,
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(f"{path}: {len(data):,} bytes; the loaders read files of at most "
                              f"{MAX_FILE_BYTES:,}", field="records", value=len(data))
    if enc == "cp949":  # read back only on evidence: Hangul, and no line that reads as UTF-8
        try:
            back = _decode(data, str(path), fmt, None, _Collector("raise"))
        except DataError as err:
            back, why = None, str(err)
        else:
            why = "it decodes to other text"
        if back != text:
            raise ValidationError(
                f"{path}: written as CP949, the loaders would not read it back ({why}); "
                "write UTF-8 instead", field="encoding", value=enc)
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
    encoding : {"utf-8-sig", "utf-8", "cp949"} or None, default=None
        CSV: UTF-8 with a byte-order mark unless given (``"cp949"`` for old spreadsheets,
        when the text holds Hangul: the loaders read CP949 only on that evidence); JSON
        lines: UTF-8. Other encodings are refused: the loaders would not read them back.

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
