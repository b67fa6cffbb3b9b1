"""The documented limits of the readers and the types of their arguments."""

from __future__ import annotations

import os
import re
from typing import Literal, Union

from rootmatch.base._csv import MAX_CELL

__all__ = [
    "MAX_CELL",
    "MAX_EMPLOYEES",
    "MAX_FILE_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_LINE",
    "SEPARATOR",
    "_EXTENSIONS",
    "_FALSE",
    "_HANGUL",
    "_MAX_LISTED",
    "_SURROGATE",
    "_TRUE",
    "Errors",
    "Labels",
    "PathLike",
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
