"""The format of a file and its encoding, decided from evidence."""

from __future__ import annotations

import codecs
import csv
import io as _stdio
from pathlib import Path

from rootmatch.base.exceptions import ValidationError
from rootmatch.io._limits import _EXTENSIONS, _HANGUL
from rootmatch.io._problems import Problem, _Collector

__all__ = ["_decode", "_format_of", "_locate_csv"]


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
