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
  unescaped (see :mod:`rootmatch.base._csv`).
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

from rootmatch.io._cells import _COLLAB_COLUMNS as _COLLAB_COLUMNS
from rootmatch.io._cells import _FIRM_COLUMNS as _FIRM_COLUMNS
from rootmatch.io._cells import _INSTITUTE_COLUMNS as _INSTITUTE_COLUMNS
from rootmatch.io._cells import _LINK_COLUMNS as _LINK_COLUMNS
from rootmatch.io._cells import _PARTICIPATION_COLUMNS as _PARTICIPATION_COLUMNS
from rootmatch.io._cells import _PROGRAM_COLUMNS as _PROGRAM_COLUMNS
from rootmatch.io._limits import MAX_CELL, MAX_FILE_BYTES, MAX_JSON_DEPTH, MAX_LINE, SEPARATOR
from rootmatch.io._limits import MAX_EMPLOYEES as MAX_EMPLOYEES
from rootmatch.io._limits import Errors as Errors
from rootmatch.io._limits import Labels as Labels
from rootmatch.io._limits import PathLike as PathLike
from rootmatch.io._problems import DataWarning, Problem
from rootmatch.io._problems import _Collector as _Collector
from rootmatch.io._problems import _data_error as _data_error
from rootmatch.io._rows import _load_entities as _load_entities
from rootmatch.io._rows import _read_rows as _read_rows
from rootmatch.io.graphs import flatten_graph, read_graphml, read_node_link, write_graph
from rootmatch.io.loaders import _load_pairs as _load_pairs
from rootmatch.io.loaders import (
    load_collaborations,
    load_firms,
    load_institute_links,
    load_institutes,
    load_participations,
    load_programs,
)
from rootmatch.io.population import load_population, write_population
from rootmatch.io.writers import (
    write_collaborations,
    write_firms,
    write_institute_links,
    write_institutes,
    write_participations,
    write_programs,
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
