"""Row views of a :class:`~rootmatch.FirmTable`, read lazily."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any, NamedTuple

from rootmatch.domain.entities import SMALL_FIRM_LIMIT, Firm
from rootmatch.domain.taxonomy import (
    District,
    Material,
    RootTechnology,
    SupportAxis,
    Topic,
    members_of,
)

__all__ = ["FirmView", "ParticipationView"]

class ParticipationView(NamedTuple):
    """A participation as :class:`FirmView` gives it."""

    program_id: str
    on: dt.date


class FirmView:
    """Row ``i`` of a :class:`FirmTable`, read lazily with :class:`~rootmatch.Firm`'s names."""

    __slots__ = ("_i", "_t")

    def __init__(self, table: Any, i: int) -> None:  # a FirmTable
        self._t = table
        self._i = i

    @property
    def id(self) -> str:
        return str(self._t.ids[self._i])

    @property
    def name(self) -> str:
        return str(self._t.names[self._i])

    @property
    def employees(self) -> int:
        return int(self._t.employees[self._i])

    @property
    def is_small(self) -> bool:
        return self.employees < SMALL_FIRM_LIMIT

    @property
    def district(self) -> District:
        return District(int(self._t.district[self._i]))

    @property
    def technologies(self) -> frozenset[RootTechnology]:
        return members_of(RootTechnology, int(self._t.tech_mask[self._i]))

    @property
    def needs(self) -> frozenset[SupportAxis]:
        return members_of(SupportAxis, int(self._t.needs_mask[self._i]))

    @property
    def topics(self) -> frozenset[Topic]:
        return members_of(Topic, int(self._t.topics_mask[self._i]))

    @property
    def materials(self) -> frozenset[Material]:
        return members_of(Material, int(self._t.materials_mask[self._i]))

    @property
    def certified(self) -> bool:
        return bool(self._t.certified[self._i])

    @property
    def cluster(self) -> str:
        return self._t.cluster_vocab[int(self._t.cluster[self._i])]

    @property
    def memberships(self) -> frozenset[str]:
        t, i = self._t, self._i
        codes = t.mem_codes[t.mem_indptr[i]:t.mem_indptr[i + 1]]
        return frozenset(t.membership_vocab[c] for c in codes)

    @property
    def participations(self) -> tuple[ParticipationView, ...]:
        t, i = self._t, self._i
        lo, hi = t.part_indptr[i], t.part_indptr[i + 1]
        return tuple(ParticipationView(t.program_vocab[c], d.item())
                     for c, d in zip(t.part_program[lo:hi], t.part_on[lo:hi]))

    def firm(self) -> Firm:
        """The full, validated :class:`~rootmatch.Firm`."""
        return self._t.row(self._i)

    def snapshot(self) -> SimpleNamespace:
        """Every field read once, for code that reads them many times."""
        names = ("id", "name", "employees", "is_small", "district", "technologies", "needs",
                 "topics", "materials", "certified", "cluster", "memberships", "participations")
        return SimpleNamespace(**{n: getattr(self, n) for n in names})
