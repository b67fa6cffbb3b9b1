"""A population: firms, institutes and programs, the observed links between them, and the
held-out truth of a synthetic one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import attrs
import numpy as np
from attrs import field, frozen

from rootmatch.base.exceptions import ValidationError
from rootmatch.domain._fields import _naming
from rootmatch.domain.entities import Institute, SupportCenter
from rootmatch.domain.program import Program
from rootmatch.domain.table import FirmTable

__all__ = ["HeldOutTruth", "Population", "entities_by_id"]


class HeldOutTruth(Protocol):
    """What a population needs of its held-out truth (:class:`rootmatch.synth.Truth` is one)."""

    def summary(self, population: Population) -> Any:
        """The calibration report of ``population``."""


def _to_dict_by_id(values: object) -> dict[str, Any]:
    if values is None:
        return {}
    if isinstance(values, Mapping):
        for key, v in values.items():
            if key != getattr(v, "id", None):
                raise ValidationError(f"key {key!r} differs from the entity's id "
                                      f"{getattr(v, 'id', None)!r}", value=key)
        return dict(values)
    return entities_by_id(values)  # type: ignore[arg-type]


def _to_table(values: object) -> FirmTable:
    if hasattr(values, "tech_mask") and hasattr(values, "ids"):  # a FirmTable already
        return values  # type: ignore[return-value]
    return FirmTable.from_firms(values)  # type: ignore[arg-type]


def _to_pairs(values: object) -> np.ndarray:
    arr = np.asarray(values if values is not None else np.empty((0, 2)), dtype=str)
    if arr.size == 0:
        arr = np.empty((0, 2), dtype="<U1")
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValidationError(f"links must have shape (m, 2), got {arr.shape}", value=arr.shape)
    arr.setflags(write=False)
    return arr


_ARRAY_EQ = attrs.cmp_using(eq=np.array_equal)


@frozen(kw_only=True)
class Population:
    """Firms, institutes and programs, the observed links between them, and (for synthetic
    populations) the held-out truth.

    Attributes
    ----------
    firms : FirmTable
    institutes, programs : dict of id -> entity
    collaborations : ndarray of str, shape (m, 2)
        Observed firm–firm collaborations as pairs of firm ids, each pair once.
    institute_links : ndarray of str, shape (m, 2)
        Observed firm–institute collaborations as (firm id, institute id).
    hub : SupportCenter
    truth : Truth or None
        Held-out links and the oracle of a synthetic population; ``None`` for real data.
        Nothing the network or the engine reads depends on it.

    Firms may be given as a :class:`~rootmatch.FirmTable` or as :class:`Firm` objects;
    institutes and programs as dicts by id or as iterables. Links must name known ids.

    Examples
    --------
    >>> import rootmatch as rm
    >>> cat = rm.catalog.busan_2024()
    >>> pop = rm.Population(
    ...     firms=[rm.Firm(id="F1", name="A", technologies=["금형"], employees=7,
    ...                    district="사상구", memberships=["BGMC"]),
    ...            rm.Firm(id="F2", name="B", technologies=["사출·프레스"], employees=4,
    ...                    district="강서구")],
    ...     institutes=cat.institutes, programs=cat.programs,
    ...     collaborations=[("F1", "F2")], institute_links=[("F2", "KIMM-BUSAN")])
    >>> len(pop), pop.firms.ids.tolist(), pop.truth is None
    (2, ['F1', 'F2'], True)
    """

    firms: FirmTable = field(converter=_naming("firms", _to_table))
    institutes: dict[str, Institute] = field(
        factory=dict, converter=_naming("institutes", _to_dict_by_id)
    )
    programs: dict[str, Program] = field(
        factory=dict, converter=_naming("programs", _to_dict_by_id)
    )
    collaborations: np.ndarray = field(
        factory=lambda: _to_pairs(None), converter=_naming("collaborations", _to_pairs),
        eq=_ARRAY_EQ,
    )
    institute_links: np.ndarray = field(
        factory=lambda: _to_pairs(None), converter=_naming("institute_links", _to_pairs),
        eq=_ARRAY_EQ,
    )
    hub: SupportCenter = field(factory=SupportCenter)
    truth: HeldOutTruth | None = field(default=None, eq=False)

    @collaborations.validator
    def _check_collaborations(self, attribute: attrs.Attribute, value: np.ndarray) -> None:  # type: ignore[type-arg]
        if value.shape[0] == 0:
            return
        unknown = ~np.isin(value, self.firms.ids)
        if unknown.any():
            bad = str(value[unknown][0])
            raise ValidationError(f"{attribute.name}: unknown firm id {bad!r}",
                                  field=attribute.name, value=bad)
        same = value[:, 0] == value[:, 1]
        if same.any():
            bad = str(value[same][0, 0])
            raise ValidationError(f"{attribute.name}: firm {bad!r} paired with itself",
                                  field=attribute.name, value=bad)

    @institute_links.validator
    def _check_institute_links(self, attribute: attrs.Attribute, value: np.ndarray) -> None:  # type: ignore[type-arg]
        if value.shape[0] == 0:
            return
        for col, known, what in ((0, self.firms.ids, "firm"),
                                 (1, np.asarray(sorted(self.institutes), dtype=str), "institute")):
            unknown = ~np.isin(value[:, col], known)
            if unknown.any():
                bad = str(value[unknown, col][0])
                raise ValidationError(f"{attribute.name}: unknown {what} id {bad!r}",
                                      field=attribute.name, value=bad)

    def __len__(self) -> int:
        return len(self.firms)

    def summary(self) -> Any:
        """The calibration report of a synthetic population (see :mod:`rootmatch.synth`).

        Given by the held-out truth (``self.truth.summary(self)``); for a population without
        one, :func:`rootmatch.synth.summarize` makes the same report.

        Raises
        ------
        ValidationError
            The population has no truth (``truth`` is ``None``).
        """
        if self.truth is None:
            raise ValidationError(
                "Population.summary() needs the held-out truth of a synthetic population, and "
                "this one has none (truth=None); rootmatch.synth.summarize(population) reports "
                "on any population", field="truth", value=None)
        return self.truth.summary(self)


def entities_by_id(values: Iterable[Any]) -> dict[str, Any]:
    """Index entities by their ``id``, refusing duplicates."""
    out: dict[str, Any] = {}
    for v in values:
        if v.id in out:
            raise ValidationError(f"duplicate id {v.id!r}", field="id", value=v.id)
        out[v.id] = v
    return out
