"""The built-in catalog: Busan's 2024 root-industry programs, institutes and the hub.

The data lives in ``rootmatch/data/busan_2024.json`` (package data): the seven programs the
city's Industrial Innovation Division presented to the council's root-industry research group
on 2024-02-23, with their periods and funding as announced, and the Busan institutions of
the domain brief. Each program's eligibility rules, target technologies, operators and
capacity are documented in its ``notes``; capacities (slots per year) are **assumptions**
(``Program.capacity_assumed`` is ``True``), as the calls' texts were not available.

Rules every program has, with the reasoning:

- *active on the date* (``ActiveOn``): periods are inclusive; a month that ends a period means
  its last day, a year alone Jan 1 – Dec 31;
- *SME* (``SME``): Korean law defines SMEs by sales and assets since 2015; rootmatch has
  neither, so fewer than 300 employees is the documented proxy;
- *a Busan district* (``InRegion``) for every program but #6, the national training line;
- *not already a participant* (``NotAlreadyParticipant``): the calls fund a firm once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from attrs import field, frozen

from .entities import Institute, Program, SupportCenter, parse_period_end, parse_period_start
from .rules import rule_from_dict

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
    """

    name: str = ""
    programs: dict[str, Program] = field(factory=dict)
    institutes: dict[str, Institute] = field(factory=dict)
    hub: SupportCenter = field(factory=SupportCenter)
    source: str = ""


def program_from_dict(data: Mapping[str, Any]) -> Program:
    """Build a :class:`~rootmatch.Program` from the catalog's JSON shape."""
    data = dict(data)
    if "period" in data:
        start, end = data.pop("period")
        data["start"], data["end"] = parse_period_start(start), parse_period_end(end)
    data["rules"] = tuple(rule_from_dict(r) for r in data.get("rules", ()))
    data.setdefault("capacity_assumed", True)
    return Program(**data)


def catalog_from_dict(data: Mapping[str, Any]) -> Catalog:
    """Build a :class:`Catalog` from its JSON shape (see ``rootmatch/data/busan_2024.json``)."""
    programs = [program_from_dict(p) for p in data.get("programs", ())]
    institutes = [Institute(**i) for i in data.get("institutes", ())]
    return Catalog(
        name=data.get("name", ""),
        programs={p.id: p for p in programs},
        institutes={i.id: i for i in institutes},
        hub=SupportCenter(**data["hub"]) if "hub" in data else SupportCenter(),
        source=data.get("source", ""),
    )


def busan_2024() -> Catalog:
    """The built-in Busan 2024 catalog: 7 programs, 15 institutes and the hub.

    Returns
    -------
    Catalog
        A fresh object on each call (entities are immutable).
    """
    text = resources.files("rootmatch").joinpath("data/busan_2024.json").read_text("utf-8")
    return catalog_from_dict(json.loads(text))
