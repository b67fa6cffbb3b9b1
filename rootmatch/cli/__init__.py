"""The ``rootmatch`` command line (also ``python -m rootmatch``).

For a case worker at a terminal and a job that runs every night::

    rootmatch generate --firms 4400 --seed 7 --db center.db     # a synthetic registry
    rootmatch import new_firms.csv --db center.db                 # real firms, checked row by row
    rootmatch recommend F000123 --db center.db --lang ko          # partners, programs, near misses
    rootmatch fit --db center.db --out model.npz                  # nightly: fit and save a model
    rootmatch recommend F000123 --model model.npz --format json   # answer from the saved model
    rootmatch recommend-all --model model.npz --out partners.csv  # every small firm's top-k
    rootmatch study --out report/ --db center.db                  # the design-study report
    rootmatch export --db center.db --format graphml --out net.graphml

Results go to standard output; progress bars (on a terminal only), warnings and errors to
standard error. ``--quiet`` hides progress bars and informational messages.

Exit codes
----------
0
    Success.
1
    Unexpected error: a bug in rootmatch; the traceback is printed.
2
    Usage error: a bad command line or option value (argparse's own code).
3
    Bad input data: a row of an input file (or the registry) is refused; the message names
    the file, the row, the field and the value.
4
    Unknown id: a firm (or other entity) the registry or model does not hold.
5
    Missing file: an input file, registry or model does not exist or cannot be read or
    written.
6
    Bad saved model: the file is truncated, altered, of another format version, or not a
    rootmatch model.
7
    Registry busy: another process held the registry's lock for longer than ``--timeout``
    seconds (default 30); nothing was changed, try again later.
130
    Interrupted (Ctrl-C).

Commands that only read a registry (``recommend``, ``recommend-all``, ``fit``, ``study``,
``export``) open it read-only and never write to it: a missing, empty or non-SQLite file is
an error and is left as it was.

Expected errors (codes 2-7) print one line, ``rootmatch: error: ...``, and no traceback.
"""


from __future__ import annotations

import contextlib
import os
import sys
import traceback
import warnings
from collections.abc import Sequence

from rootmatch.base._checks import MAX_K as MAX_K
from rootmatch.base.exceptions import (
    DataError,
    ModelFormatError,
    RegistryLockedError,
    UnknownEntityError,
    ValidationError,
)
from rootmatch.cli._codes import (
    EXIT_BAD_DATA,
    EXIT_BAD_MODEL,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_MISSING_FILE,
    EXIT_OK,
    EXIT_UNKNOWN_ID,
    EXIT_USAGE,
)
from rootmatch.cli._console import _Console, _file_error, _one_line
from rootmatch.cli._parser import build_parser

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
    "build_parser",
    "main",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``rootmatch`` command; returns the exit code (see the module docstring).

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Examples
    --------
    >>> main(["--version"])
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    err = sys.stderr
    console = _Console(quiet=args.quiet, out=sys.stdout, err=err)

    def fail(code: int, message: str) -> int:
        print(f"rootmatch: error: {message}", file=err)
        return code

    def show_warning(message: Warning | str, *_: object, **__: object) -> None:
        print(f"rootmatch: warning: {_one_line(str(message))}", file=err)

    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    try:
        with warnings.catch_warnings():
            warnings.showwarning = show_warning
            return int(args.run(args, console))
    except ModelFormatError as e:
        return fail(EXIT_BAD_MODEL, _one_line(str(e)))
    except DataError as e:
        text = str(e)
        if args.command == "import" and len(getattr(e, "problems", ())) > 1:
            print(f"rootmatch: error: {text}", file=err)  # --all-errors: one problem a line
            return EXIT_BAD_DATA
        return fail(EXIT_BAD_DATA, _one_line(text))
    except UnknownEntityError as e:
        return fail(EXIT_UNKNOWN_ID, _one_line(str(e)))
    except RegistryLockedError as e:
        return fail(EXIT_LOCKED, _one_line(str(e)))
    except ValidationError as e:
        return fail(EXIT_USAGE, _one_line(str(e)))
    except FileNotFoundError as e:
        return fail(EXIT_MISSING_FILE, _file_error(e))
    except (IsADirectoryError, NotADirectoryError, PermissionError) as e:
        return fail(EXIT_MISSING_FILE, _file_error(e))
    except KeyboardInterrupt:
        print("rootmatch: interrupted", file=err)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `rootmatch recommend ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except OSError as e:  # a file in the way, a full disk, an I/O error: named, not a bug
        return fail(EXIT_MISSING_FILE, _file_error(e))
    except Exception:
        traceback.print_exc(file=err)
        print("rootmatch: unexpected error (a bug in rootmatch; please report it with the "
              "traceback above)", file=err)
        return EXIT_ERROR
