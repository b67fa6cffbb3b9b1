"""Reading a registry back: firms, institutes, programs, the hub, the population."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rootmatch.base.exceptions import UnknownEntityError, ValidationError
from rootmatch.domain.catalog import Catalog
from rootmatch.domain.entities import Firm, Institute, Participation, SupportCenter
from rootmatch.domain.population import Population
from rootmatch.domain.program import Program
from rootmatch.domain.table import FirmTable
from rootmatch.domain.taxonomy import (
    District,
    Funding,
    InstituteKind,
    LabelledEnum,
    Material,
    RootTechnology,
    SupportAxis,
    Topic,
)
from rootmatch.io._registry_base import _reading, _RegistryConnection
from rootmatch.io._registry_rows import _member, _members, _rules_of

if TYPE_CHECKING:
    from rootmatch.base._checks import SeedLike
    from rootmatch.graph.network import SupportNetwork


__all__ = ["_CELL_ERRORS", "_RegistryReader"]


#: Errors a hand-edited cell raises when read back.
_CELL_ERRORS = (KeyError, ValueError, TypeError, AttributeError, RecursionError)


class _RegistryReader(_RegistryConnection):
    """The reading half of a :class:`~rootmatch.store.Registry`: entities, the catalog, the
    population and the network back from the file."""

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

    @_reading
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
        from rootmatch.graph.network import SupportNetwork

        return SupportNetwork.from_population(self.load_population(), hub=hub,
                                              enrolment=enrolment, seed=seed)
