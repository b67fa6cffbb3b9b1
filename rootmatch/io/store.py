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

import os
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from rootmatch.base.exceptions import DataError, UnknownEntityError, ValidationError
from rootmatch.domain.catalog import Catalog
from rootmatch.domain.entities import Firm, Institute
from rootmatch.domain.population import Population
from rootmatch.domain.program import Program
from rootmatch.domain.records import firm_record as _firm_record
from rootmatch.domain.table import FirmTable
from rootmatch.io._cells import (
    _COLLAB_COLUMNS,
    _FIRM_COLUMNS,
    _INSTITUTE_COLUMNS,
    _LINK_COLUMNS,
    _PROGRAM_COLUMNS,
)
from rootmatch.io._limits import MAX_EMPLOYEES, PathLike
from rootmatch.io._problems import Problem, _Collector
from rootmatch.io._registry_read import _RegistryReader
from rootmatch.io._registry_rows import (
    _FIRM_SQL,
    _INSTITUTE_SQL,
    _PROGRAM_SQL,
    _Batch,
    _firm_records,
    _firm_row,
    _hub_json,
    _institute_row,
    _pairs,
    _program_of,
    _program_row,
)
from rootmatch.io._rows import _load_entities
from rootmatch.io._schema import _TABLES, SCHEMA_VERSION
from rootmatch.io.loaders import _load_pairs

__all__ = ["SCHEMA_VERSION", "Registry", "open_registry"]


class Registry(_RegistryReader):
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
