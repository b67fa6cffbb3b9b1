"""The registry: a support center's firms, institutes, programs and links in one SQLite file.

SQLite through the standard library (:mod:`sqlite3`), foreign keys on, the schema version in
``PRAGMA user_version`` (and in the ``meta`` table).

Tables
------
``firms`` (one row per firm; multi-valued enum fields as ``;``-joined member names, ``seq``
keeps the order firms were added), ``memberships`` (firm → institute), ``participations``
(firm → program, dated), ``institutes``, ``programs`` (rules as JSON), ``program_operators``
(program → institute), ``collaborations`` (firm – firm, each pair once), ``institute_links``
(firm → institute) and ``meta`` (the hub, the catalog's name and source, the schema version).
Every id a row names must exist: a membership's institute, a participation's program, a
collaboration's firms. Removing a firm removes its memberships, participations and links.

Transactions
------------
Every import is **one transaction**, and a failed one leaves the database file unchanged, byte
for byte:

1. a file is read and checked before the transaction starts; then, under the write lock
   (``BEGIN IMMEDIATE``), everything is validated against the registry's content (ids it
   names, duplicates) before anything is written, and every problem is reported at once as
   a :class:`~rootmatch.DataError`;
2. the writes follow in the same transaction up to ``COMMIT``; any error (a constraint, a
   full disk, an exception) rolls back;
3. the registry uses a rollback journal (``journal_mode=DELETE``) with ``cache_spill=OFF``,
   so SQLite does not touch the main file before ``COMMIT``; if the process dies mid-way (a
   crash, ``SIGKILL``, power loss), the next open finds the hot journal and restores the file.
"""

from __future__ import annotations

import errno
import functools
import json
import math
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, Union

import attrs
import numpy as np

from .catalog import Catalog
from .entities import Firm, Institute, Participation, Population, Program, SupportCenter
from .exceptions import (
    DataError,
    RegistryFileError,
    RegistryLockedError,
    UnknownEntityError,
    ValidationError,
)
from .io import (
    _COLLAB_COLUMNS,
    _FIRM_COLUMNS,
    _INSTITUTE_COLUMNS,
    _LINK_COLUMNS,
    _PROGRAM_COLUMNS,
    MAX_EMPLOYEES,
    Problem,
    _Collector,
    _data_error,
    _load_entities,
    _load_pairs,
)
from .records import firm_record as _firm_record
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

if TYPE_CHECKING:
    from ._validation import SeedLike
    from .network import SupportNetwork

__all__ = ["SCHEMA_VERSION", "Registry", "open_registry"]

PathLike = Union[str, "os.PathLike[str]"]

#: The schema this version of rootmatch reads and writes.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE institutes (
    id TEXT PRIMARY KEY,
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    district TEXT,
    expertise TEXT NOT NULL,
    services TEXT NOT NULL,
    topics TEXT NOT NULL,
    description TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE TABLE programs (
    id TEXT PRIMARY KEY,
    name_ko TEXT NOT NULL,
    name_en TEXT NOT NULL,
    axis TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL CHECK (end_date >= start_date),
    funding TEXT NOT NULL,
    targets TEXT NOT NULL,
    axes TEXT NOT NULL,
    topics TEXT NOT NULL,
    rules TEXT NOT NULL,
    capacity INTEGER CHECK (capacity IS NULL OR capacity >= 0),
    capacity_assumed INTEGER NOT NULL,
    description TEXT NOT NULL,
    notes TEXT NOT NULL
);
CREATE TABLE program_operators (
    program_id TEXT NOT NULL REFERENCES programs(id) ON DELETE CASCADE,
    institute_id TEXT NOT NULL REFERENCES institutes(id),
    PRIMARY KEY (program_id, institute_id)
);
CREATE INDEX program_operators_institute ON program_operators(institute_id);
CREATE TABLE firms (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL,
    technologies TEXT NOT NULL CHECK (technologies <> ''),
    employees INTEGER NOT NULL CHECK (employees >= 0),
    district TEXT NOT NULL,
    founded INTEGER CHECK (founded IS NULL OR founded BETWEEN 1900 AND 2100),
    workforce_40plus REAL NOT NULL CHECK (workforce_40plus BETWEEN 0 AND 1),
    foreign_share REAL NOT NULL CHECK (foreign_share BETWEEN 0 AND 1),
    digital_level INTEGER NOT NULL CHECK (digital_level BETWEEN 0 AND 4),
    materials TEXT NOT NULL,
    needs TEXT NOT NULL,
    topics TEXT NOT NULL,
    certified INTEGER NOT NULL,
    cluster TEXT NOT NULL
);
CREATE TABLE memberships (
    firm_id TEXT NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    institute_id TEXT NOT NULL REFERENCES institutes(id),
    PRIMARY KEY (firm_id, institute_id)
);
CREATE INDEX memberships_institute ON memberships(institute_id);
CREATE TABLE participations (
    firm_id TEXT NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    program_id TEXT NOT NULL REFERENCES programs(id),
    on_date TEXT NOT NULL,
    PRIMARY KEY (firm_id, pos)
);
CREATE INDEX participations_program ON participations(program_id);
CREATE TABLE collaborations (
    seq INTEGER NOT NULL UNIQUE,
    firm_a TEXT NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    firm_b TEXT NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    PRIMARY KEY (firm_a, firm_b),
    CHECK (firm_a <> firm_b)
);
CREATE INDEX collaborations_b ON collaborations(firm_b);
CREATE TABLE institute_links (
    seq INTEGER NOT NULL UNIQUE,
    firm_id TEXT NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    institute_id TEXT NOT NULL REFERENCES institutes(id),
    PRIMARY KEY (firm_id, institute_id)
);
CREATE INDEX institute_links_institute ON institute_links(institute_id);
"""
_TABLES = ("meta", "institutes", "programs", "program_operators", "firms", "memberships",
           "participations", "collaborations", "institute_links")


# --- encoding entities as rows -------------------------------------------------------------
def _names(members: Iterable[LabelledEnum]) -> str:
    return ";".join(m.name for m in sorted(members, key=lambda m: m.value))


def _members(enum_cls: type[LabelledEnum], text: str, cache: dict[Any, frozenset[Any]]
             ) -> frozenset[Any]:
    key = (enum_cls, text)
    out = cache.get(key)
    if out is None:
        if not isinstance(text, str):
            raise ValueError(f"expected {enum_cls.__name__} names joined by ';'")
        bad = [n for n in text.split(";") if n and n not in enum_cls.__members__]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a {enum_cls.__name__} name")
        out = frozenset(enum_cls[n] for n in text.split(";") if n)
        cache[key] = out
    return out


def _member(enum_cls: type[LabelledEnum], name: object) -> Any:
    if not isinstance(name, str) or name not in enum_cls.__members__:
        raise ValueError(f"not a {enum_cls.__name__} name")
    return enum_cls[name]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


_F = TypeVar("_F", bound=Callable[..., Any])


def _reading(method: _F) -> _F:
    """Turn the SQLite errors of a read (a lock held too long, a damaged file) into
    rootmatch's."""

    @functools.wraps(method)
    def wrapped(self: Registry, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as err:
            raise self._sqlite_error(err, "read") from err

    return wrapped  # type: ignore[return-value]


#: Errors a hand-edited cell raises when read back.
_CELL_ERRORS = (KeyError, ValueError, TypeError, AttributeError, RecursionError)


def _firm_records(firms: FirmTable | Iterable[Firm]) -> list[dict[str, Any]]:
    """Firms as plain records (enum member names; read from the columns of a table)."""
    if isinstance(firms, FirmTable):
        return _table_records(firms, "name")
    return [_firm_record(f, "name") for f in firms]


def _firm_row(r: Mapping[str, Any]) -> tuple[Any, ...]:
    return (r["id"], r["name"], ";".join(r["technologies"]), r["employees"], r["district"],
            r["founded"], r["workforce_40plus"], r["foreign_share"], r["digital_level"],
            ";".join(r["materials"]), ";".join(r["needs"]), ";".join(r["topics"]),
            int(bool(r["certified"])), r["cluster"])


def _program_of(participation: str) -> str:
    return participation.rsplit("@", 1)[0]


def _institute_row(i: Institute) -> tuple[Any, ...]:
    return (i.id, i.name_ko, i.name_en, i.kind.name,
            None if i.district is None else i.district.name, _names(i.expertise),
            _names(i.services), _names(i.topics), i.description, i.source)


def _program_row(p: Program) -> tuple[Any, ...]:
    rules = json.dumps([r.to_dict() for r in p.rules], sort_keys=True, ensure_ascii=False)
    return (p.id, p.name_ko, p.name_en, p.axis.name, p.start.isoformat(), p.end.isoformat(),
            p.funding.name, _names(p.targets), _names(p.axes), _names(p.topics), rules,
            p.capacity, int(bool(p.capacity_assumed)), p.description, p.notes)


def _hub_json(hub: SupportCenter) -> str:
    data = attrs.asdict(hub)
    data["district"] = None if hub.district is None else hub.district.name
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


_FIRM_SQL = """
INSERT INTO firms (id, name, technologies, employees, district, founded, workforce_40plus,
                   foreign_share, digital_level, materials, needs, topics, certified, cluster,
                   seq)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    name = excluded.name, technologies = excluded.technologies,
    employees = excluded.employees, district = excluded.district, founded = excluded.founded,
    workforce_40plus = excluded.workforce_40plus, foreign_share = excluded.foreign_share,
    digital_level = excluded.digital_level, materials = excluded.materials,
    needs = excluded.needs, topics = excluded.topics, certified = excluded.certified,
    cluster = excluded.cluster
"""
_INSTITUTE_SQL = """
INSERT INTO institutes (id, name_ko, name_en, kind, district, expertise, services, topics,
                        description, source)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    name_ko = excluded.name_ko, name_en = excluded.name_en, kind = excluded.kind,
    district = excluded.district, expertise = excluded.expertise,
    services = excluded.services, topics = excluded.topics,
    description = excluded.description, source = excluded.source
"""
_PROGRAM_SQL = """
INSERT INTO programs (id, name_ko, name_en, axis, start_date, end_date, funding, targets, axes,
                      topics, rules, capacity, capacity_assumed, description, notes)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    name_ko = excluded.name_ko, name_en = excluded.name_en, axis = excluded.axis,
    start_date = excluded.start_date, end_date = excluded.end_date,
    funding = excluded.funding, targets = excluded.targets, axes = excluded.axes,
    topics = excluded.topics, rules = excluded.rules, capacity = excluded.capacity,
    capacity_assumed = excluded.capacity_assumed, description = excluded.description,
    notes = excluded.notes
"""


def _pairs(values: Any) -> np.ndarray:
    arr = np.asarray(values if values is not None else np.empty((0, 2)), dtype=np.str_)
    if arr.size == 0:
        return np.empty((0, 2), dtype="<U1")
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValidationError(f"pairs must have shape (m, 2), got {arr.shape}", field="pairs",
                              value=arr.shape)
    return arr


@attrs.define
class _Batch:
    """What one import writes, each item with the row that brought it (for problems)."""

    source: str
    firms: list[tuple[int | None, dict[str, Any]]] = attrs.field(factory=list)  # records
    institutes: list[tuple[int | None, Institute]] = attrs.field(factory=list)
    programs: list[tuple[int | None, Program]] = attrs.field(factory=list)
    collaborations: list[tuple[int | None, str, str]] = attrs.field(factory=list)
    institute_links: list[tuple[int | None, str, str]] = attrs.field(factory=list)
    hub: SupportCenter | None = None
    meta: dict[str, str] = attrs.field(factory=dict)
    replace: bool = False
    sources: dict[str, str] = attrs.field(factory=dict)  # kind -> file that brought it

    def file(self, kind: str) -> str:
        return self.sources.get(kind, self.source)


class Registry:
    """A support center's registry in one SQLite file.

    Parameters
    ----------
    path : str or path-like
        The database file; created (with the schema) when it does not exist, unless
        ``read_only``.
    timeout : float, default=30.0
        Seconds to wait for another process's lock before raising
        :class:`~rootmatch.RegistryLockedError`.
    read_only : bool, default=False
        Open the file read-only (SQLite ``mode=ro``): nothing is ever written, not even the
        schema of an empty file; a missing, empty or non-SQLite file is an error.

    Raises
    ------
    DataError
        If the file is empty (when ``read_only``), not a SQLite database, not a rootmatch
        registry, or of a newer schema; or, when read, if a row edited by hand holds a value
        rootmatch cannot read (the error names the table, the row and the column).
    RegistryFileError
        If the path is a folder, its folder does not exist, the file does not exist (when
        ``read_only``), or the file or its folder cannot be read or written; ``filename`` is
        the registry's path.
    RegistryLockedError
        If another process holds the lock for longer than ``timeout``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import rootmatch as rm
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "center.db"
    >>> with rm.store.Registry(db) as reg:
    ...     _ = reg.import_catalog(rm.catalog.busan_2024())
    ...     reg.upsert_firm(rm.Firm(id="F1", name="사상금형", technologies=["금형"],
    ...                             employees=7, district="사상구", memberships=["BGMC"]))
    ...     reg.counts()["firms"], reg.schema_version
    (1, 1)
    >>> rm.store.Registry(db).load_population().firms["F1"].memberships
    frozenset({'BGMC'})
    """

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

    def __enter__(self) -> Registry:
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

    def _ids(self, table: str) -> set[str]:
        return {r[0] for r in self._db.execute(f"SELECT id FROM {table}")}

    # ---- validation and writing ---------------------------------------------------------
    def _validate(self, batch: _Batch, out: _Collector) -> None:
        """Every problem of the batch against the registry's content, before any write."""
        firm_ids = set() if batch.replace else self._ids("firms")
        institute_ids = set() if batch.replace else self._ids("institutes")
        program_ids = set() if batch.replace else self._ids("programs")
        for kind, items, known in (("firms", batch.firms, firm_ids),
                                   ("institutes", batch.institutes, institute_ids),
                                   ("programs", batch.programs, program_ids)):
            seen: dict[str, int | None] = {}
            for row, entity in items:
                eid = entity["id"] if isinstance(entity, dict) else entity.id
                if eid in seen:
                    out.add(Problem(file=batch.file(kind), row=row, field="id",
                                    value=eid, message="duplicate id in the import"))
                seen[eid] = row
            known.update(seen)
        for row, p in batch.programs:
            try:
                [r.to_dict() for r in p.rules]
            except ValidationError as err:
                out.add(Problem(file=batch.file("programs"), row=row, field="rules",
                                value=p.id, message=str(err)))
            for m in sorted(p.operators - institute_ids):
                out.add(Problem(file=batch.file("programs"), row=row, field="operators",
                                value=m, message="names an institute the registry does not "
                                                 "hold (import the institutes first)"))
        for row, f in batch.firms:
            if f["employees"] > MAX_EMPLOYEES:
                out.add(Problem(file=batch.file("firms"), row=row, field="employees",
                                value=f["employees"], message=f"at most {MAX_EMPLOYEES}"))
            for m in sorted(set(f["memberships"]) - institute_ids):
                out.add(Problem(file=batch.file("firms"), row=row, field="memberships",
                                value=m, message="names an institute the registry does not "
                                                 "hold (import the catalog first)"))
            for prog in sorted({_program_of(q) for q in f["participations"]} - program_ids):
                out.add(Problem(file=batch.file("firms"), row=row, field="participations",
                                value=prog, message="names a program the registry does not "
                                                    "hold (import the catalog first)"))
        seen_pairs: dict[tuple[str, str], int | None] = {}
        for row, a, b in batch.collaborations:
            file = batch.file("collaborations")
            for name, value in (("firm_a", a), ("firm_b", b)):
                if value not in firm_ids:
                    out.add(Problem(file=file, row=row, field=name, value=value,
                                    message="names a firm the registry does not hold"))
            if a == b:
                out.add(Problem(file=file, row=row, field="firm_b", value=b,
                                message="a firm cannot collaborate with itself"))
            key = (min(a, b), max(a, b))
            if key in seen_pairs:
                out.add(Problem(file=file, row=row, field="firm_b", value=b,
                                message=f"duplicate pair ({a}, {b}) in the import"))
            seen_pairs[key] = row
        seen_links: set[tuple[str, str]] = set()
        for row, a, b in batch.institute_links:
            file = batch.file("institute_links")
            if a not in firm_ids:
                out.add(Problem(file=file, row=row, field="firm", value=a,
                                message="names a firm the registry does not hold"))
            if b not in institute_ids:
                out.add(Problem(file=file, row=row, field="institute", value=b,
                                message="names an institute the registry does not hold"))
            if (a, b) in seen_links:
                out.add(Problem(file=file, row=row, field="institute", value=b,
                                message=f"duplicate link ({a}, {b}) in the import"))
            seen_links.add((a, b))

    def _import(self, batch: _Batch, out: _Collector) -> dict[str, int]:
        """Validate ``batch`` (adding to the problems ``out`` already holds), then write it in
        one transaction, or raise with every problem and write nothing."""
        with self._transaction() as conn:  # validated under the write lock: no race
            self._validate(batch, out)
            out.check()  # a problem rolls back a transaction that has written nothing
            if batch.replace:
                for table in reversed(_TABLES):
                    conn.execute(f"DELETE FROM {table}" + (
                        " WHERE key <> 'schema_version'" if table == "meta" else ""))
            _write(conn, batch)
        return {"firms": len(batch.firms), "institutes": len(batch.institutes),
                "programs": len(batch.programs),
                "collaborations": len(batch.collaborations),
                "institute_links": len(batch.institute_links)}

    # ---- imports ------------------------------------------------------------------------
    def import_population(self, pop: Population, *, replace: bool = False) -> dict[str, int]:
        """Add a population (firms, institutes, programs, links, hub) in one transaction.

        Parameters
        ----------
        pop : Population
        replace : bool, default=False
            Empty the registry first (in the same transaction). Otherwise entities are
            inserted or updated by id, and links already present are kept once.

        Returns
        -------
        dict of str to int
            Items imported per kind.

        Raises
        ------
        DataError
            Listing every problem (``file`` is ``"<population>"``, ``row`` the 1-based
            position in its collection); the file is unchanged.
        """
        if not isinstance(pop, Population):
            raise ValidationError(f"expected a rootmatch.Population, got {type(pop).__name__}",
                                  field="pop", value=type(pop).__name__)
        batch = _Batch(
            source="<population>",
            firms=list(enumerate(_firm_records(pop.firms), start=1)),
            institutes=list(enumerate(pop.institutes.values(), start=1)),
            programs=list(enumerate(pop.programs.values(), start=1)),
            collaborations=[(i, a, b) for i, (a, b) in
                            enumerate(_pairs(pop.collaborations).tolist(), start=1)],
            institute_links=[(i, a, b) for i, (a, b) in
                             enumerate(_pairs(pop.institute_links).tolist(), start=1)],
            hub=pop.hub, replace=replace,
        )
        return self._import(batch, _Collector("collect"))

    def import_catalog(self, catalog: Catalog) -> dict[str, int]:
        """Add (or update) a catalog's institutes, programs and hub in one transaction.

        Examples
        --------
        >>> import rootmatch as rm
        >>> reg = rm.store.Registry(":memory:")
        >>> reg.import_catalog(rm.catalog.busan_2024())["programs"]
        7
        """
        batch = _Batch(
            source="<catalog>",
            institutes=list(enumerate(catalog.institutes.values(), start=1)),
            programs=list(enumerate(catalog.programs.values(), start=1)),
            hub=catalog.hub, meta={"catalog_name": catalog.name, "catalog_source": catalog.source},
        )
        return self._import(batch, _Collector("collect"))

    def import_firms(self, source: PathLike | FirmTable | Iterable[Firm], *,
                     errors: str = "raise", unknown_columns: str = "warn") -> int:
        """Add or update firms from a file (see :func:`rootmatch.io.load_firms`) or objects.

        The file is read and every row checked (cells, duplicate ids, memberships and
        participations naming institutes and programs the registry holds) before one
        transaction writes them all. A firm whose id the registry holds is updated in place.

        Parameters
        ----------
        source : str, path-like, FirmTable or iterable of Firm
            A ``.csv`` or ``.jsonl`` file, or firms.
        errors : {"raise", "collect"}, default="raise"
            Stop at the first problem, or list them all (nothing is written either way).
        unknown_columns : {"warn", "error", "ignore"}, default="warn"
            As for :func:`rootmatch.io.load_firms`.

        Returns
        -------
        int
            The number of firms imported.

        Raises
        ------
        DataError
            Naming the file, row, column and value; the database is unchanged.
        """
        out = _Collector(errors)
        if isinstance(source, (str, os.PathLike)):
            rows = _load_entities(source, _FIRM_COLUMNS, Firm, out, format=None,
                                  encoding=None, unknown_columns=unknown_columns)
            batch = _Batch(source=str(source),
                           firms=[(row, _firm_record(f, "name")) for row, f in rows])
        else:
            batch = _Batch(source="<firms>",
                           firms=list(enumerate(_firm_records(source), start=1)))
        return self._import(batch, out)["firms"]

    def import_institutes(self, source: PathLike | Mapping[str, Institute] | Iterable[Institute],
                          *, errors: str = "raise", unknown_columns: str = "warn") -> int:
        """Add or update institutes from a file or objects (one transaction); parameters as
        :meth:`import_firms`."""
        out = _Collector(errors)
        if isinstance(source, (str, os.PathLike)):
            rows = _load_entities(source, _INSTITUTE_COLUMNS, Institute, out, format=None,
                                  encoding=None, unknown_columns=unknown_columns)
            batch = _Batch(source=str(source), institutes=list(rows))  # type: ignore[arg-type]
        else:
            values = source.values() if isinstance(source, Mapping) else source
            batch = _Batch(source="<institutes>", institutes=list(enumerate(values, start=1)))
        return self._import(batch, out)["institutes"]

    def import_programs(self, source: PathLike | Mapping[str, Program] | Iterable[Program], *,
                        errors: str = "raise", unknown_columns: str = "warn") -> int:
        """Add or update programs from a file or objects (one transaction); their operators
        must be institutes the registry holds. Parameters as :meth:`import_firms`."""
        out = _Collector(errors)
        if isinstance(source, (str, os.PathLike)):
            rows = _load_entities(source, _PROGRAM_COLUMNS, Program, out, format=None,
                                  encoding=None, unknown_columns=unknown_columns)
            batch = _Batch(source=str(source), programs=list(rows))  # type: ignore[arg-type]
        else:
            values = source.values() if isinstance(source, Mapping) else source
            batch = _Batch(source="<programs>", programs=list(enumerate(values, start=1)))
        return self._import(batch, out)["programs"]

    def _import_pairs(self, kind: str, source: Any, errors: str) -> int:
        out = _Collector(errors)
        if isinstance(source, (str, os.PathLike)):
            spec = _COLLAB_COLUMNS if kind == "collaborations" else _LINK_COLUMNS
            arr, rows = _load_pairs(source, spec, out, symmetric=kind == "collaborations",
                                    format=None, encoding=None, unknown_columns="warn")
            name = str(source)
        else:
            arr = _pairs(source)
            rows, name = list(range(1, len(arr) + 1)), f"<{kind}>"
        items = [(row, a, b) for row, (a, b) in zip(rows, arr.tolist())]
        batch = _Batch(source=name, **{kind: items})  # type: ignore[arg-type]
        return self._import(batch, out)[kind]

    def import_collaborations(self, source: PathLike | Any, *, errors: str = "raise") -> int:
        """Add firm–firm collaborations (a file with ``firm_a, firm_b`` or an (m, 2) array);
        pairs already held are kept once. One transaction."""
        return self._import_pairs("collaborations", source, errors)

    def import_institute_links(self, source: PathLike | Any, *, errors: str = "raise") -> int:
        """Add firm–institute links (a file with ``firm, institute`` or an (m, 2) array)."""
        return self._import_pairs("institute_links", source, errors)

    # ---- incremental updates --------------------------------------------------------------
    def upsert_firm(self, firm: Firm) -> None:
        """Add a firm, or replace the one with its id (keeping its position and links).

        Raises
        ------
        UnknownEntityError
            If a membership or participation names an institute or program the registry does
            not hold; nothing is written.

        Examples
        --------
        >>> import attrs, rootmatch as rm
        >>> reg = rm.store.Registry(":memory:")
        >>> f = rm.Firm(id="F1", name="A", technologies=["금형"], employees=7, district="사상구")
        >>> reg.upsert_firm(f)
        >>> reg.upsert_firm(attrs.evolve(f, employees=12))
        >>> reg.get_firm("F1").employees, reg.counts()["firms"]
        (12, 1)
        """
        if not isinstance(firm, Firm):
            raise ValidationError(f"expected a rootmatch.Firm, got {type(firm).__name__}",
                                  field="firm", value=type(firm).__name__)
        batch = _Batch(source=f"<firm {firm.id}>", firms=[(None, _firm_record(firm, "name"))])
        try:
            self._import(batch, _Collector("collect"))
        except DataError as err:
            for p in err.problems:
                if p.field in ("memberships", "participations"):
                    raise UnknownEntityError(
                        f"firm {firm.id!r}: {p.field} {p.value!r} {p.message}") from err
            raise

    def remove_firm(self, firm_id: str) -> None:
        """Remove a firm with its memberships, participations and links.

        Raises
        ------
        UnknownEntityError
            If no firm has this id.
        """
        with self._transaction() as conn:
            if conn.execute("DELETE FROM firms WHERE id = ?", (firm_id,)).rowcount == 0:
                raise UnknownEntityError(f"unknown firm id {firm_id!r}")

    # ---- reading ------------------------------------------------------------------------
    @_reading
    def get_firm(self, firm_id: str) -> Firm:
        """One firm by id; raises :class:`~rootmatch.UnknownEntityError`."""
        firms = self._read_firms("WHERE id = ?", (firm_id,))
        if not firms:
            raise UnknownEntityError(f"unknown firm id {firm_id!r}")
        return firms[0]

    @_reading
    def firm_ids(self) -> list[str]:
        """Every firm id, in the order the firms were added."""
        return [r[0] for r in self._db.execute("SELECT id FROM firms ORDER BY seq")]

    def _read_firms(self, where: str = "", args: Sequence[Any] = ()) -> list[Firm]:
        conn = self._db
        rows = conn.execute(
            "SELECT id, name, technologies, employees, district, founded, workforce_40plus, "
            "foreign_share, digital_level, materials, needs, topics, certified, cluster "
            f"FROM firms {where} ORDER BY seq", args).fetchall()
        if not rows:
            return []
        ids = [r[0] for r in rows]
        one = len(ids) == 1
        sel = "WHERE firm_id = ?" if one else ""
        arg = (ids[0],) if one else ()
        members: dict[str, list[str]] = {}
        for fid, iid in conn.execute(f"SELECT firm_id, institute_id FROM memberships {sel}", arg):
            members.setdefault(fid, []).append(iid)
        parts: dict[str, list[tuple[str, str]]] = {}
        for fid, pid, on in conn.execute(
                f"SELECT firm_id, program_id, on_date FROM participations {sel} "
                "ORDER BY firm_id, pos", arg):
            parts.setdefault(fid, []).append((pid, on))
        cache: dict[Any, frozenset[Any]] = {}
        out = []
        for (fid, name, tech, emp, district, founded, w40, foreign, digital, materials, needs,
             topics, certified, cluster) in rows:
            row = f"id {fid!r}"

            def cell(column: str, value: Any, decode: Callable[[Any], Any]) -> Any:
                try:
                    return decode(value)
                except _CELL_ERRORS as err:
                    raise self._cell_error("firms", row, column, value, err) from err  # noqa: B023

            participations = [self._participation(fid, pos, pid, on)
                              for pos, (pid, on) in enumerate(parts.get(fid, ()))]
            fields = {
                "technologies": cell("technologies", tech,
                                     lambda v: _members(RootTechnology, v, cache)),
                "district": cell("district", district, lambda v: _member(District, v)),
                "materials": cell("materials", materials, lambda v: _members(Material, v, cache)),
                "needs": cell("needs", needs, lambda v: _members(SupportAxis, v, cache)),
                "topics": cell("topics", topics, lambda v: _members(Topic, v, cache)),
            }
            raw = {"id": fid, "name": name, "employees": emp, "founded": founded,
                   "workforce_40plus": w40, "foreign_share": foreign, "digital_level": digital,
                   "certified": certified, "cluster": cluster}
            try:
                out.append(Firm(
                    id=fid, name=name, employees=emp, founded=founded,
                    workforce_40plus=w40, foreign_share=foreign, digital_level=digital,
                    certified=bool(certified), memberships=frozenset(members.get(fid, ())),
                    participations=participations, cluster=cluster, **fields,
                ))
            except ValidationError as err:
                column = err.field or "?"
                value = raw.get(column, err.value)
                table = "memberships" if column == "memberships" else "firms"
                raise self._cell_error(table, row, column if table == "firms" else
                                       "institute_id", value, err) from err
            except (TypeError, ValueError) as err:
                raise self._cell_error("firms", row, "?", None, err) from err
        return out

    @_reading
    def _participation(self, fid: str, pos: int, pid: str, on: str) -> Participation:
        try:
            return Participation(program_id=pid, on=on)
        except ValidationError as err:
            column, value = ("on_date", on) if err.field == "on" else ("program_id", pid)
            raise self._cell_error("participations", f"firm_id {fid!r} pos {pos}", column,
                                   value, err) from err

    def load_firms(self) -> FirmTable:
        """Every firm, in the order they were added (built column by column).

        Raises
        ------
        DataError
            If a row (edited by hand) holds a value rootmatch cannot read; the message names
            the table, the row and the column.
        """
        try:
            return self._load_firm_columns()
        except (*_CELL_ERRORS, ValidationError) as err:
            self._read_firms()  # raises, naming the table, the row and the column
            raise self._cell_error("firms", "?", "?", None, err) from err

    def _load_firm_columns(self) -> FirmTable:
        conn = self._db
        rows = conn.execute(
            "SELECT id, name, technologies, employees, district, founded, workforce_40plus, "
            "foreign_share, digital_level, materials, needs, topics, certified, cluster "
            "FROM firms ORDER BY seq").fetchall()
        if not rows:
            return FirmTable.from_firms([])
        (ids, names, tech, employees, district, founded, w40, foreign, digital, materials,
         needs, topics, certified, cluster) = (list(c) for c in zip(*rows))
        where = {fid: i for i, fid in enumerate(ids)}

        def masks(texts: list[str], enum_cls: type[LabelledEnum]) -> np.ndarray:
            uniq, inverse = np.unique(np.asarray(texts, dtype=object).astype(str),
                                      return_inverse=True)
            codes = [sum(1 << enum_cls[n].value for n in t.split(";") if n) for t in uniq]
            return np.asarray(codes, dtype=np.int64)[inverse.reshape(-1)]

        def ragged(pairs: list[tuple[str, str]]) -> tuple[Any, ...]:
            """CSR (indptr, codes, vocab) of (firm id, value) pairs, row order kept."""
            vocab = sorted({v for _, v in pairs})
            code = {v: k for k, v in enumerate(vocab)}
            rows_ = np.fromiter((where[f] for f, _ in pairs), np.int64, len(pairs))
            codes = np.fromiter((code[v] for _, v in pairs), np.int64, len(pairs))
            order = np.argsort(rows_, kind="stable")
            indptr = np.concatenate([[0], np.cumsum(np.bincount(rows_, minlength=len(ids)))])
            return indptr, codes[order], vocab, order

        clusters = sorted(set(cluster) | {""})
        cluster_code = {c: k for k, c in enumerate(clusters)}
        mem = conn.execute("SELECT firm_id, institute_id FROM memberships "
                           "ORDER BY institute_id").fetchall()
        mem_indptr, mem_codes, mem_vocab, _ = ragged(mem)
        part = conn.execute("SELECT firm_id, program_id, on_date FROM participations "
                            "ORDER BY on_date, program_id, pos").fetchall()
        part_indptr, part_codes, part_vocab, order = ragged([(f, p) for f, p, _ in part])
        part_on = np.asarray([d for _, _, d in part], dtype="datetime64[D]")[order]
        return FirmTable.from_columns(
            ids=np.asarray(ids, dtype=np.str_), names=np.asarray(names, dtype=np.str_),
            tech_mask=masks(tech, RootTechnology), employees=np.asarray(employees),
            district=np.asarray([District[d].value for d in district]),
            founded=np.asarray([y or 0 for y in founded]),
            workforce_40plus=np.asarray(w40, dtype=np.float64),
            foreign_share=np.asarray(foreign, dtype=np.float64),
            digital_level=np.asarray(digital), materials_mask=masks(materials, Material),
            needs_mask=masks(needs, SupportAxis), topics_mask=masks(topics, Topic),
            certified=np.asarray(certified, dtype=bool),
            cluster=np.asarray([cluster_code[c] for c in cluster]), cluster_vocab=clusters,
            membership_vocab=mem_vocab, mem_indptr=mem_indptr, mem_codes=mem_codes,
            program_vocab=part_vocab, part_indptr=part_indptr, part_program=part_codes,
            part_on=part_on,
        )

    @_reading
    def load_institutes(self) -> dict[str, Institute]:
        """Every institute by id."""
        cache: dict[Any, frozenset[Any]] = {}
        columns = ("id", "name_ko", "name_en", "kind", "district", "expertise", "services",
                   "topics", "description", "source")
        decoders: dict[str, Callable[[Any], Any]] = {
            "kind": lambda v: _member(InstituteKind, v),
            "district": lambda v: None if v is None else _member(District, v),
            "expertise": lambda v: _members(RootTechnology, v, cache),
            "services": lambda v: _members(SupportAxis, v, cache),
            "topics": lambda v: _members(Topic, v, cache),
        }
        out = {}
        for r in self._db.execute(f"SELECT {', '.join(columns)} FROM institutes ORDER BY id"):
            out[r[0]] = self._entity(Institute, "institutes", dict(zip(columns, r)), decoders)
        return out

    def _entity(self, cls: Any, table: str, row: dict[str, Any],
                decoders: Mapping[str, Callable[[Any], Any]],
                columns: Mapping[str, str] | None = None) -> Any:
        """``cls(**row)`` with ``decoders`` applied; a value it cannot read is a DataError
        naming the table, the row and the column (``columns`` maps fields to columns)."""
        columns = columns or {}
        fields = {columns.get(k, k): k for k in row}  # field -> column
        where = f"id {row.get('id')!r}"
        kwargs = {}
        for column, value in row.items():
            decode = decoders.get(column)
            try:
                kwargs[column] = value if decode is None else decode(value)
            except _CELL_ERRORS as err:
                raise self._cell_error(table, where, column, value, err) from err
        try:
            return cls(**{f: kwargs[c] for f, c in fields.items()})
        except ValidationError as err:
            column = fields.get(err.field or "", err.field or "?")
            raise self._cell_error(table, where, column, row.get(column, err.value),
                                   err) from err

    @_reading
    def load_programs(self) -> dict[str, Program]:
        """Every program by id, rules included."""
        conn = self._db
        operators: dict[str, set[str]] = {}
        for pid, iid in conn.execute("SELECT program_id, institute_id FROM program_operators"):
            operators.setdefault(pid, set()).add(iid)
        cache: dict[Any, frozenset[Any]] = {}
        columns = ("id", "name_ko", "name_en", "axis", "start_date", "end_date", "funding",
                   "targets", "axes", "topics", "rules", "capacity", "capacity_assumed",
                   "description", "notes")
        decoders: dict[str, Callable[[Any], Any]] = {
            "axis": lambda v: _member(SupportAxis, v),
            "funding": lambda v: _member(Funding, v),
            "targets": lambda v: _members(RootTechnology, v, cache),
            "axes": lambda v: _members(SupportAxis, v, cache),
            "topics": lambda v: _members(Topic, v, cache),
            "rules": _rules_of,
            "capacity_assumed": bool,
        }
        names = {"start_date": "start", "end_date": "end"}
        out = {}
        for r in conn.execute(f"SELECT {', '.join(columns)} FROM programs ORDER BY id"):
            row = dict(zip(columns, r))
            row["operators"] = frozenset(operators.get(r[0], ()))
            out[r[0]] = self._entity(Program, "programs", row, decoders, names)
        return out

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @_reading
    def load_hub(self) -> SupportCenter:
        """The hub (the default :class:`~rootmatch.SupportCenter` if none was imported)."""
        text = self._meta("hub")
        if text is None:
            return SupportCenter()
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
            return SupportCenter(**data)
        except (*_CELL_ERRORS, ValidationError) as err:
            raise self._cell_error("meta", "key 'hub'", "value", text, err) from err

    @_reading
    def load_catalog(self) -> Catalog:
        """The programs, institutes and hub, as a :class:`~rootmatch.Catalog`."""
        return Catalog(name=self._meta("catalog_name") or "", programs=self.load_programs(),
                       institutes=self.load_institutes(), hub=self.load_hub(),
                       source=self._meta("catalog_source") or "")

    def _load_pairs(self, table: str, a: str, b: str) -> np.ndarray:
        rows = self._db.execute(f"SELECT {a}, {b} FROM {table} ORDER BY seq").fetchall()
        return np.array(rows, dtype=np.str_) if rows else np.empty((0, 2), dtype="<U1")

    @_reading
    def load_population(self) -> Population:
        """Everything the registry holds, as a :class:`~rootmatch.Population` (no truth)."""
        return Population(
            firms=self.load_firms(),
            institutes=self.load_institutes(),
            programs=self.load_programs(),
            collaborations=self._load_pairs("collaborations", "firm_a", "firm_b"),
            institute_links=self._load_pairs("institute_links", "firm_id", "institute_id"),
            hub=self.load_hub(),
        )

    def load_network(self, *, hub: bool = True, enrolment: float = 1.0,
                     seed: SeedLike = None) -> SupportNetwork:
        """The registry's :class:`~rootmatch.SupportNetwork`
        (see :meth:`SupportNetwork.from_population`)."""
        from .network import SupportNetwork

        return SupportNetwork.from_population(self.load_population(), hub=hub,
                                              enrolment=enrolment, seed=seed)


def _rules_of(text: str) -> tuple[Any, ...]:
    """A program's rules from their JSON column."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("expected a JSON list of rules")
    return tuple(rule_from_dict(d) for d in data)


def _write(conn: sqlite3.Connection, batch: _Batch) -> None:
    """The writes of a validated batch (inside the caller's transaction)."""
    if batch.institutes:
        conn.executemany(_INSTITUTE_SQL, (_institute_row(i) for _, i in batch.institutes))
    if batch.programs:
        conn.executemany(_PROGRAM_SQL, (_program_row(p) for _, p in batch.programs))
        conn.executemany("DELETE FROM program_operators WHERE program_id = ?",
                         ((p.id,) for _, p in batch.programs))
        conn.executemany("INSERT INTO program_operators (program_id, institute_id) VALUES (?, ?)",
                         ((p.id, i) for _, p in batch.programs for i in sorted(p.operators)))
    if batch.firms:
        base = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM firms").fetchone()[0] + 1
        conn.executemany(_FIRM_SQL, ((*_firm_row(r), base + k)
                                     for k, (_, r) in enumerate(batch.firms)))
        ids = [(r["id"],) for _, r in batch.firms]
        conn.executemany("DELETE FROM memberships WHERE firm_id = ?", ids)
        conn.executemany("DELETE FROM participations WHERE firm_id = ?", ids)
        conn.executemany("INSERT INTO memberships (firm_id, institute_id) VALUES (?, ?)",
                         ((r["id"], m) for _, r in batch.firms for m in r["memberships"]))
        conn.executemany(
            "INSERT INTO participations (firm_id, pos, program_id, on_date) VALUES (?, ?, ?, ?)",
            ((r["id"], k, *p.rsplit("@", 1))
             for _, r in batch.firms for k, p in enumerate(r["participations"])))
    if batch.collaborations:
        base = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM collaborations").fetchone()[0]
        conn.executemany(
            "INSERT INTO collaborations (seq, firm_a, firm_b) SELECT ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM collaborations WHERE (firm_a = ? AND firm_b = ?) "
            "OR (firm_a = ? AND firm_b = ?))",
            ((base + k, a, b, a, b, b, a)
             for k, (_, a, b) in enumerate(batch.collaborations, start=1)))
    if batch.institute_links:
        base = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM institute_links").fetchone()[0]
        conn.executemany(
            "INSERT OR IGNORE INTO institute_links (seq, firm_id, institute_id) VALUES (?, ?, ?)",
            ((base + k, a, b) for k, (_, a, b) in enumerate(batch.institute_links, start=1)))
    if batch.hub is not None:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('hub', ?)",
                     (_hub_json(batch.hub),))
    for key, value in batch.meta.items():
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def open_registry(path: PathLike, *, timeout: float = 30.0, read_only: bool = False
                  ) -> Registry:
    """Open (or create) the registry at ``path``; the same as :class:`Registry`.

    Examples
    --------
    >>> import rootmatch as rm
    >>> with rm.store.open_registry(":memory:") as reg:
    ...     reg.schema_version
    1
    """
    return Registry(path, timeout=timeout, read_only=read_only)
