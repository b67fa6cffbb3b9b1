"""The connection of a registry: opening, schema checks, errors and transactions."""

from __future__ import annotations

import errno
import functools
import math
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from rootmatch.base.exceptions import (
    DataError,
    RegistryFileError,
    RegistryLockedError,
    ValidationError,
)
from rootmatch.io._limits import PathLike
from rootmatch.io._problems import Problem, _data_error
from rootmatch.io._schema import _SCHEMA, _TABLES, SCHEMA_VERSION

__all__ = ["_RegistryConnection", "_one_line", "_reading"]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


_F = TypeVar("_F", bound=Callable[..., Any])
_Self = TypeVar("_Self", bound="_RegistryConnection")


def _reading(method: _F) -> _F:
    """Turn the SQLite errors of a read (a lock held too long, a damaged file) into
    rootmatch's."""

    @functools.wraps(method)
    def wrapped(self: _RegistryConnection, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as err:
            raise self._sqlite_error(err, "read") from err

    return wrapped  # type: ignore[return-value]


class _RegistryConnection:
    """The connection of a :class:`~rootmatch.store.Registry`: opening the file, checking its
    schema, rootmatch's errors for SQLite's, and transactions."""

    def __init__(self, path: PathLike, *, timeout: float = 30.0,
                 read_only: bool = False) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None
        if (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                or not math.isfinite(timeout) or timeout < 0):
            raise ValidationError(f"timeout must be a number of seconds >= 0, got {timeout!r}",
                                  field="timeout", value=timeout)
        self.timeout = float(timeout)
        self.read_only = bool(read_only)
        memory = str(path) in ("", ":memory:")
        if not memory:
            self._check_path()
        target: str | Path = self.path
        if self.read_only and not memory:
            target = self.path.resolve().as_uri() + "?mode=ro"
        try:
            conn = sqlite3.connect(target, timeout=self.timeout, isolation_level=None,
                                   uri=target is not self.path)
        except sqlite3.Error as err:
            raise self._sqlite_error(err, "open") from err
        self._conn = conn
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA cache_spill = OFF")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if version == 0 and not tables and not self.read_only:
                self._create()
            elif version == 0 or not set(_TABLES) <= tables:
                raise self._error("not a rootmatch registry (no rootmatch schema in the file)")
            elif version > SCHEMA_VERSION:
                raise self._error(f"the registry has schema version {version}; this "
                                  f"rootmatch reads version {SCHEMA_VERSION}: upgrade rootmatch")
        except BaseException as err:
            conn.close()
            self._conn = None
            if isinstance(err, sqlite3.Error):
                raise self._sqlite_error(err, "open") from err
            raise

    def _check_path(self) -> None:
        """Refuse, before SQLite sees it, a path that cannot be a registry file."""
        path = self.path
        if path.is_dir():
            raise RegistryFileError(errno.EISDIR, "a folder, not a registry file", str(path))
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            mode = None
        except OSError as err:
            raise RegistryFileError(err.errno or errno.EACCES, f"cannot reach the registry "
                                    f"({err.strerror})", str(path)) from None
        if mode is not None and not stat.S_ISREG(mode):
            # a FIFO would block SQLite's open forever, a device would be read or written
            raise RegistryFileError(errno.EINVAL, "not a regular file (a FIFO, a device or a "
                                    "socket), not a registry file", str(path))
        if self.read_only:
            if not path.exists():
                raise RegistryFileError(errno.ENOENT, "no registry at this path", str(path))
            if path.is_file() and path.stat().st_size == 0:
                raise self._error("an empty file, not a rootmatch registry (left untouched)")
        elif not path.exists():
            parent = path.parent
            if not parent.is_dir():
                what = "does not exist" if not parent.exists() else "is not a folder"
                raise RegistryFileError(errno.ENOENT, f"the folder {str(parent)!r} {what}",
                                        str(path))

    def _sqlite_error(self, err: sqlite3.Error, doing: str) -> Exception:
        """The rootmatch error for a SQLite error met while ``doing`` something."""
        name = getattr(err, "sqlite_errorname", "") or ""
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(err):
            return RegistryLockedError(
                f"{self.path}: the registry is locked by another process (waited "
                f"{self.timeout:g} s; try again later or pass a longer --timeout)")
        if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")):
            return RegistryFileError(errno.EACCES, "cannot write the registry (no permission "
                                     "on the file or its folder, or a read-only file system)",
                                     str(self.path))
        if name.startswith("SQLITE_CANTOPEN"):
            if self.path.exists() and not os.access(self.path, os.R_OK):
                return RegistryFileError(errno.EACCES, "cannot read the registry (no "
                                         "permission)", str(self.path))
            return RegistryFileError(errno.EACCES, f"cannot {doing} the registry (no "
                                     "permission on the file or its folder)", str(self.path))
        if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
            return self._error(f"not a SQLite database, or a damaged one: {err}")
        if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")):
            return RegistryFileError(errno.EIO, f"cannot {doing} the registry: {err}",
                                     str(self.path))
        return self._error(f"cannot {doing} the registry: {err}")

    def _cell_error(self, table: str, row: str, column: str, value: object,
                    err: BaseException) -> DataError:
        """A value of the file that rootmatch cannot read (e.g. a row edited by hand)."""
        message = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
        return _data_error([Problem(
            file=f"{self.path}: table {table!r}, row {row}", row=None, field=column,
            value=value, message=f"cannot read the value ({_one_line(message)})")])

    def _error(self, message: str, field: str | None = None, value: object = None) -> DataError:
        return _data_error([Problem(file=str(self.path), row=None, field=field, value=value,
                                    message=message)])

    def _create(self) -> None:
        conn = self._db
        conn.execute("PRAGMA journal_mode = DELETE")
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)",
                         (str(SCHEMA_VERSION),))
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # ---- plumbing -----------------------------------------------------------------------
    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValidationError(f"the registry {str(self.path)!r} is closed", field="registry")
        return self._conn

    @property
    @_reading
    def schema_version(self) -> int:
        """The schema version of the file (``PRAGMA user_version``)."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else f"{self.counts()['firms']} firms"
        return f"<Registry {str(self.path)!r}: {state}>"

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._db
        if self.read_only:
            raise RegistryFileError(errno.EACCES, "the registry was opened read-only",
                                    str(self.path))
        try:
            conn.execute("BEGIN IMMEDIATE")  # the write lock: waits up to `timeout`
        except sqlite3.Error as err:
            raise self._sqlite_error(err, "write") from err
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as err:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(err, sqlite3.Error):
                converted = self._sqlite_error(err, "write")
                if isinstance(converted, DataError):
                    converted = self._error(f"the import was rolled back: {err}")
                raise converted from err
            raise

    @_reading
    def counts(self) -> dict[str, int]:
        """Rows in each table.

        Examples
        --------
        >>> import rootmatch as rm
        >>> rm.store.Registry(":memory:").counts()["firms"]
        0
        """
        return {t: int(self._db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
                for t in _TABLES if t != "meta"}
