"""The built-in catalog: Busan's 2024 root-industry programs, institutes and the hub.

The data lives in ``rootmatch/domain/data/busan_2024.json`` (package data): the seven programs the
city's Industrial Innovation Division presented to the council's root-industry research group
on 2024-02-23, with their periods and funding as announced, the institutions named at that
meeting (the city's division, KIMM's Busan center, the mold cooperative, Dong-Eui Institute of
Technology) and the other real Busan institutions of the domain brief, and the proposed hub.

Every rule of every program carries its reasoning in the data (``"why"``), read into
:attr:`Catalog.rule_notes`; target technologies, operators and capacities are explained in each
program's ``notes``. Capacities (slots per year) are **assumptions**
(``Program.capacity_assumed`` is ``True``), as the calls' texts were not available; so are the
operators, and the districts marked "assumed" in the institutes' descriptions.

Rules every program has, with the reasoning:

- *active on the date* (``ActiveOn``): periods are inclusive; a month that ends a period means
  its last day, a year alone Jan 1 – Dec 31;
- *SME* (``SME``): Korean law defines SMEs by sales and assets since 2015; rootmatch has
  neither, so fewer than 300 employees is the documented proxy;
- *a Busan district* (``InRegion``) for every program but #6, the national training line;
- *not already a participant* (``NotAlreadyParticipant``): the calls fund a firm once.

Rules of some programs: #1, #2 and #7 target technologies (#1 mold and the technologies that
feed or use molds; #2 surface and heat treatment, precision machining and the machine-part
processes; #7 casting, forming, welding, heat treatment, surface treatment, precision
machining); #3 and #4 require the root-firm certificate; #5 and #6 are open to every root
technology.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from attrs import field, frozen

from rootmatch.domain.entities import (
    Institute,
    SupportCenter,
    parse_period_end,
    parse_period_start,
)
from rootmatch.domain.population import entities_by_id
from rootmatch.domain.program import Program
from rootmatch.domain.rules import rule_from_dict

__all__ = ["Catalog", "busan_2024", "catalog_from_dict"]


@frozen(kw_only=True)
class Catalog:
    """Programs and institutes (dicts by id) and the hub.

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> len(cat.programs), len(cat.institutes) >= 8, cat.hub.id
    (7, True, 'hub')
    >>> cat.programs["BS24-05"].name_en
    'Busan smart-factory deployment'
    >>> cat.rule_notes["BS24-03"][3].split(":")[0]
    'Root-firm certificate (뿌리기업 확인서) required'
    """

    name: str = ""
    programs: dict[str, Program] = field(factory=dict)
    institutes: dict[str, Institute] = field(factory=dict)
    hub: SupportCenter = field(factory=SupportCenter)
    source: str = ""
    #: Program id -> the reasoning of each of its rules, in the order of ``Program.rules``.
    rule_notes: dict[str, tuple[str, ...]] = field(factory=dict)


def program_from_dict(data: Mapping[str, Any]) -> Program:
    """Build a :class:`~rootmatch.Program` from the catalog's JSON shape.

    ``"period": [start, end]`` is read by :func:`~rootmatch.entities.parse_period_start` and
    :func:`~rootmatch.entities.parse_period_end` (``"2022-08"`` starts on the 1st, ``"2025-12"``
    ends on the 31st, a year alone spans Jan 1 - Dec 31); a rule's ``"why"`` is dropped here
    (:func:`catalog_from_dict` keeps it).

    Examples
    --------
    >>> p = program_from_dict({"id": "P1", "name_ko": "시범", "name_en": "Pilot",
    ...     "axis": "WORKFORCE", "funding": "CITY", "period": ["2024", "2025-02"],
    ...     "rules": [{"rule": "active", "why": "period"}, {"rule": "sme"}]})
    >>> p.start, p.end, [r.kind for r in p.rules]
    (datetime.date(2024, 1, 1), datetime.date(2025, 2, 28), ['active', 'sme'])
    """
    data = dict(data)
    if "period" in data:
        start, end = data.pop("period")
        data["start"], data["end"] = parse_period_start(start), parse_period_end(end)
    data["rules"] = tuple(
        rule_from_dict({k: v for k, v in r.items() if k != "why"}) for r in data.get("rules", ())
    )
    data.setdefault("capacity_assumed", True)
    return Program(**data)


def catalog_from_dict(data: Mapping[str, Any]) -> Catalog:
    """Build a :class:`Catalog` from its JSON shape (see ``rootmatch/domain/data/busan_2024.json``).

    Ids must be unique among programs and among institutes.
    """
    programs = entities_by_id(program_from_dict(p) for p in data.get("programs", ()))
    institutes = entities_by_id(Institute(**i) for i in data.get("institutes", ()))
    return Catalog(
        name=data.get("name", ""),
        programs=programs,
        institutes=institutes,
        hub=SupportCenter(**data["hub"]) if "hub" in data else SupportCenter(),
        source=data.get("source", ""),
        rule_notes={
            p["id"]: tuple(str(r.get("why", "")) for r in p.get("rules", ()))
            for p in data.get("programs", ())
        },
    )


def busan_2024() -> Catalog:
    """The built-in Busan 2024 catalog: 7 programs, 16 institutes and the hub.

    Returns
    -------
    Catalog
        A fresh object on each call (entities are immutable).

    Examples
    --------
    >>> cat = busan_2024()
    >>> sorted(cat.programs)[:2], cat.institutes["KIMM-BUSAN"].district.label_ko
    (['BS24-01', 'BS24-02'], '강서구')
    """
    text = resources.files("rootmatch.domain").joinpath("data/busan_2024.json").read_text("utf-8")
    return catalog_from_dict(json.loads(text))
