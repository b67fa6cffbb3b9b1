"""Entities as plain records: the dicts that files, the registry and saved models hold.

One record per entity, with labels written as member names (``labels="name"``), Korean
(``"ko"``) or English (``"en"``) labels; :mod:`rootmatch.io` reads them back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from rootmatch.domain.entities import Firm, Institute
from rootmatch.domain.program import Program
from rootmatch.domain.table import FirmTable
from rootmatch.domain.taxonomy import (
    District,
    LabelledEnum,
    Material,
    RootTechnology,
    SupportAxis,
    Topic,
)

__all__ = ["firm_record", "institute_record", "program_record", "table_records"]


def _label(member: LabelledEnum, labels: str) -> str:
    return member.name if labels == "name" else member.label(labels)


def _enum_list(members: Iterable[LabelledEnum], labels: str) -> list[str]:
    return [_label(m, labels) for m in sorted(members, key=lambda m: m.value)]


def firm_record(f: Firm, labels: str) -> dict[str, Any]:
    return {
        "id": f.id,
        "name": f.name,
        "technologies": _enum_list(f.technologies, labels),
        "employees": f.employees,
        "district": _label(f.district, labels),
        "founded": f.founded,
        "workforce_40plus": f.workforce_40plus,
        "foreign_share": f.foreign_share,
        "digital_level": f.digital_level,
        "materials": _enum_list(f.materials, labels),
        "needs": _enum_list(f.needs, labels),
        "topics": _enum_list(f.topics, labels),
        "certified": f.certified,
        "memberships": sorted(f.memberships),
        "participations": [f"{p.program_id}@{p.on.isoformat()}" for p in f.participations],
        "cluster": f.cluster,
    }


def _mask_labels(masks: np.ndarray, enum_cls: type[LabelledEnum], labels: str) -> list[list[str]]:
    """Per row, the labels of the members set in the row's bit mask (one decode per mask)."""
    uniq, inverse = np.unique(np.asarray(masks, dtype=np.int64), return_inverse=True)
    decoded = [[_label(m, labels) for m in enum_cls if (int(u) >> m.value) & 1] for u in uniq]
    return [decoded[k] for k in inverse.reshape(-1).tolist()]


def table_records(t: FirmTable, labels: str) -> list[dict[str, Any]]:
    """The records of :func:`firm_record`, read from the table's columns."""
    n = len(t)
    if n == 0:
        return []
    districts = [_label(d, labels) for d in District]
    mem_vocab = np.asarray(t.membership_vocab, dtype=object)
    prog_vocab = np.asarray(t.program_vocab, dtype=object)
    mem = np.split(mem_vocab[t.mem_codes] if t.mem_codes.size else np.zeros(0, object),
                   t.mem_indptr[1:-1])
    on_text = np.datetime_as_string(t.part_on, unit="D").astype(object)
    part_text = (prog_vocab[t.part_program] + "@" + on_text) if t.part_program.size \
        else np.zeros(0, object)
    parts = np.split(part_text, t.part_indptr[1:-1])
    cluster = np.asarray(t.cluster_vocab, dtype=object)[t.cluster].tolist()
    columns = {
        "id": t.ids.tolist(),
        "name": t.names.tolist(),
        "technologies": _mask_labels(t.tech_mask, RootTechnology, labels),
        "employees": t.employees.tolist(),
        "district": [districts[d] for d in t.district.tolist()],
        "founded": [y or None for y in t.founded.tolist()],
        "workforce_40plus": t.workforce_40plus.tolist(),
        "foreign_share": t.foreign_share.tolist(),
        "digital_level": t.digital_level.tolist(),
        "materials": _mask_labels(t.materials_mask, Material, labels),
        "needs": _mask_labels(t.needs_mask, SupportAxis, labels),
        "topics": _mask_labels(t.topics_mask, Topic, labels),
        "certified": t.certified.tolist(),
        # as Firm orders them: memberships by id, participations by (date, program)
        "memberships": [sorted(m.tolist()) for m in mem],
        "participations": [sorted(p.tolist(), key=lambda x: (x[-10:], x[:-11])) for p in parts],
        "cluster": cluster,
    }
    names = list(columns)
    return [dict(zip(names, values)) for values in zip(*columns.values())]


def institute_record(i: Institute, labels: str) -> dict[str, Any]:
    return {
        "id": i.id,
        "name_ko": i.name_ko,
        "name_en": i.name_en,
        "kind": _label(i.kind, labels),
        "district": None if i.district is None else _label(i.district, labels),
        "expertise": _enum_list(i.expertise, labels),
        "services": _enum_list(i.services, labels),
        "topics": _enum_list(i.topics, labels),
        "description": i.description,
        "source": i.source,
    }


def program_record(p: Program, labels: str) -> dict[str, Any]:
    return {
        "id": p.id,
        "name_ko": p.name_ko,
        "name_en": p.name_en,
        "axis": _label(p.axis, labels),
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "funding": _label(p.funding, labels),
        "targets": _enum_list(p.targets, labels),
        "axes": _enum_list(p.axes, labels),
        "topics": _enum_list(p.topics, labels),
        "rules": [r.to_dict() for r in p.rules],
        "capacity": p.capacity,
        "capacity_assumed": p.capacity_assumed,
        "operators": sorted(p.operators),
        "description": p.description,
        "notes": p.notes,
    }
