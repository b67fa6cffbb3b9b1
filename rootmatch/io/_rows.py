"""Reading the records of a CSV or JSON-lines file, cell by cell, into entities."""

from __future__ import annotations

import csv
import difflib
import io as _stdio
import json
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from rootmatch.base._csv import unescape_cell
from rootmatch.base._files import read_regular
from rootmatch.base.exceptions import ValidationError
from rootmatch.io._cells import _bad_value, _Col
from rootmatch.io._decode import _decode, _format_of
from rootmatch.io._limits import MAX_FILE_BYTES, MAX_LINE, PathLike
from rootmatch.io._problems import DataWarning, Problem, _CellError, _Collector, _RefusedFileError

__all__ = [
    "_build",
    "_check_columns",
    "_csv_records",
    "_jsonl_records",
    "_load_entities",
    "_read_rows",
]


def _next_record(reader: Any, *default: Any) -> Any:
    """The reader's next record, read taking any field a file within MAX_FILE_BYTES holds
    (a cell over MAX_CELL is then a problem of its row, and reading goes on). The limit is
    process-wide: it is raised for this read only, and restored after it."""
    before = csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    try:
        return next(reader, *default)
    finally:
        csv.field_size_limit(before)


def _csv_records(text: str, file: str, out: _Collector
                 ) -> tuple[list[str], Iterator[tuple[int, int, dict[str, str]]]]:
    reader = csv.reader(_stdio.StringIO(text, newline=""), strict=False)
    try:
        header_cells = _next_record(reader, None)
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
                cells = _next_record(reader)
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
