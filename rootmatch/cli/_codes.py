"""The exit codes of the ``rootmatch`` command."""

from __future__ import annotations

__all__ = [
    "EXIT_BAD_DATA",
    "EXIT_BAD_MODEL",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_MISSING_FILE",
    "EXIT_OK",
    "EXIT_UNKNOWN_ID",
    "EXIT_USAGE",
    "_EPILOG",
]


EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BAD_DATA = 3
EXIT_UNKNOWN_ID = 4
EXIT_MISSING_FILE = 5
EXIT_BAD_MODEL = 6
EXIT_LOCKED = 7
EXIT_INTERRUPTED = 130

_EPILOG = """\
exit codes:
  0  success
  1  unexpected error (a bug: the traceback is printed)
  2  usage error: bad command line or option value
  3  bad input data (the file, row, field and value are named)
  4  unknown id (a firm the registry or model does not hold)
  5  missing file (or one that cannot be read or written)
  6  bad saved model (truncated, altered, another version, or not a model)
  7  registry busy: another process held its lock longer than --timeout
  130 interrupted
"""
