"""Entities as registry rows and back: enum member names, SQL statements, batches."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np

from rootmatch.base.exceptions import ValidationError
from rootmatch.domain.entities import Firm, Institute, SupportCenter
from rootmatch.domain.program import Program
from rootmatch.domain.records import firm_record as _firm_record
from rootmatch.domain.records import table_records as _table_records
from rootmatch.domain.rules import rule_from_dict
from rootmatch.domain.table import FirmTable
from rootmatch.domain.taxonomy import LabelledEnum

__all__ = [
    "_FIRM_SQL",
    "_INSTITUTE_SQL",
    "_PROGRAM_SQL",
    "_Batch",
    "_firm_records",
    "_firm_row",
    "_hub_json",
    "_institute_row",
    "_member",
    "_members",
    "_names",
    "_pairs",
    "_program_of",
    "_program_row",
    "_rules_of",
]


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


def _rules_of(text: str) -> tuple[Any, ...]:
    """A program's rules from their JSON column."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("expected a JSON list of rules")
    return tuple(rule_from_dict(d) for d in data)
