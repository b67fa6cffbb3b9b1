"""Value objects: firms, their participations, institutes and the hub.

All are attrs ``@frozen(kw_only=True)`` classes: converters normalise input (labels to enums,
iterables to frozensets) and validators reject bad values with a
:class:`~rootmatch.exceptions.ValidationError` naming the field and the value. Change them
with :func:`attrs.evolve`. Programs are in :mod:`rootmatch.domain.program`, populations in
:mod:`rootmatch.domain.population`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs
from attrs import field, frozen

from rootmatch.domain._fields import (
    _MAX_EMPLOYEES,
    _check_encodable,
    _check_id,
    _check_ids,
    _check_text,
    _enum_set,
    _int_in,
    _is_date,
    _naming,
    _nonempty,
    _str_set,
    _to_bool,
    _to_date,
    _to_enum,
    _to_float,
    _to_int,
    _unit_interval,
)
from rootmatch.domain._periods import parse_period_end, parse_period_start
from rootmatch.domain.taxonomy import (
    District,
    InstituteKind,
    Material,
    RootTechnology,
    SupportAxis,
    Topic,
)

__all__ = [
    "SMALL_FIRM_LIMIT",
    "Firm",
    "Institute",
    "Participation",
    "SupportCenter",
    "parse_period_end",
    "parse_period_start",
]

SMALL_FIRM_LIMIT = 10


@frozen(kw_only=True)
class Participation:
    """A firm's participation in a program, dated by the day it began.

    Examples
    --------
    >>> Participation(program_id="BS24-05", on="2023-03-02").on
    datetime.date(2023, 3, 2)
    """

    program_id: str = field(validator=_check_id)
    on: dt.date = field(converter=_naming("on", _to_date), validator=_is_date)


def _to_participations(values: object) -> tuple[Participation, ...]:
    if values is None:
        return ()
    out = []
    for v in values:  # type: ignore[attr-defined]
        if isinstance(v, Participation):
            out.append(v)
        elif isinstance(v, Mapping):
            out.append(Participation(program_id=v["program_id"], on=v["on"]))
        else:
            program_id, on = v
            out.append(Participation(program_id=program_id, on=on))
    return tuple(sorted(out, key=lambda p: (p.on, p.program_id)))


@frozen(kw_only=True)
class Firm:
    """A root-industry firm.

    Parameters
    ----------
    id : str
        The firm's id, e.g. ``"F000123"``.
    name : str
    technologies : iterable of RootTechnology or labels
        At least one.
    employees : int
        Head count, ``>= 0``. A *small firm* has ``employees < 10``.
    district : District or label
    founded : int or None
        Founding year.
    workforce_40plus : float in [0, 1]
        Share of the workforce aged 40 or older.
    foreign_share : float in [0, 1]
        Share of foreign workers.
    digital_level : int in [0, 4]
        Smart-factory maturity: 0 none, 1 basic, 2 intermediate-1, 3 intermediate-2, 4 advanced.
    materials, needs, topics : iterables of Material, SupportAxis, Topic (or labels)
    certified : bool
        Holds a root-firm certificate (뿌리기업 확인서).
    memberships : iterable of str
        Institute ids the firm is a member of (cooperatives).
    participations : iterable of Participation
    cluster : str
        The industrial complex the firm sits in, if known (e.g. ``"녹산"``).

    Examples
    --------
    >>> f = Firm(id="F1", name="사상금형", technologies=["금형"], employees=7, district="사상구")
    >>> f.is_small, sorted(t.name for t in f.technologies), f.district.label_en
    (True, ['MOLD'], 'Sasang-gu')
    """

    id: str = field(validator=_check_id)
    name: str = field(validator=_check_text)
    technologies: frozenset[RootTechnology] = field(
        converter=_enum_set(RootTechnology, "technologies"), validator=_nonempty
    )
    employees: int = field(converter=_to_int, validator=_int_in(0, _MAX_EMPLOYEES))
    district: District = field(converter=_to_enum(District, "district"))
    founded: int | None = field(default=None, converter=attrs.converters.optional(_to_int))
    workforce_40plus: float = field(default=0.658, converter=_to_float, validator=_unit_interval)
    foreign_share: float = field(default=0.0, converter=_to_float, validator=_unit_interval)
    digital_level: int = field(default=0, converter=_to_int, validator=_int_in(0, 4))
    materials: frozenset[Material] = field(
        factory=frozenset, converter=_enum_set(Material, "materials")
    )
    needs: frozenset[SupportAxis] = field(
        factory=frozenset, converter=_enum_set(SupportAxis, "needs")
    )
    topics: frozenset[Topic] = field(factory=frozenset, converter=_enum_set(Topic, "topics"))
    certified: bool = field(default=False, converter=_naming("certified", _to_bool))
    memberships: frozenset[str] = field(
        factory=frozenset, converter=_naming("memberships", _str_set), validator=_check_ids
    )
    participations: tuple[Participation, ...] = field(
        factory=tuple, converter=_naming("participations", _to_participations)
    )
    cluster: str = field(default="", converter=lambda v: "" if v is None else str(v),
                         validator=_check_encodable)

    @founded.validator
    def _check_founded(self, attribute: attrs.Attribute, value: int | None) -> None:  # type: ignore[type-arg]
        if value is not None:
            _int_in(1900, 2100)(self, attribute, value)

    @property
    def is_small(self) -> bool:
        """Fewer than 10 employees."""
        return self.employees < SMALL_FIRM_LIMIT

    def participated(self, program_id: str, *, before: dt.date | None = None) -> bool:
        """Whether the firm took part in ``program_id`` (strictly before ``before`` if given)."""
        return any(
            p.program_id == program_id and (before is None or p.on < before)
            for p in self.participations
        )


@frozen(kw_only=True)
class Institute:
    """A university, research institute, cooperative, technopark or public agency.

    Examples
    --------
    >>> i = Institute(id="KIMM-BUSAN", name_ko="한국기계연구원 부산기계기술연구센터",
    ...               name_en="KIMM Busan Machinery Research Center", kind="research institute",
    ...               district="강서구", expertise=["용접"], services=["기술 개발"])
    >>> i.kind.name, i.district.name
    ('RESEARCH', 'GANGSEO')
    """

    id: str = field(validator=_check_id)
    name_ko: str = field(validator=_check_text)
    name_en: str = field(validator=_check_text)
    kind: InstituteKind = field(converter=_to_enum(InstituteKind, "kind"))
    district: District | None = field(
        default=None, converter=attrs.converters.optional(_to_enum(District, "district"))
    )
    expertise: frozenset[RootTechnology] = field(
        factory=frozenset, converter=_enum_set(RootTechnology, "expertise")
    )
    services: frozenset[SupportAxis] = field(
        factory=frozenset, converter=_enum_set(SupportAxis, "services")
    )
    topics: frozenset[Topic] = field(factory=frozenset, converter=_enum_set(Topic, "topics"))
    description: str = field(default="", validator=_check_encodable)
    source: str = field(default="", validator=_check_encodable)

    def name(self, lang: str = "en") -> str:
        """The name in ``lang`` (``"ko"`` or ``"en"``)."""
        return self.name_ko if lang == "ko" else self.name_en


@frozen(kw_only=True)
class SupportCenter:
    """The hub: the proposed Busan Root-Industry Comprehensive Support Center.

    Examples
    --------
    >>> SupportCenter().name("en")
    'Busan Root-Industry Comprehensive Support Center'
    """

    id: str = field(default="hub", validator=_check_id)
    name_ko: str = field(default="부산뿌리산업종합지원센터", validator=_check_text)
    name_en: str = field(default="Busan Root-Industry Comprehensive Support Center",
                         validator=_check_text)
    district: District | None = field(
        default=None, converter=attrs.converters.optional(_to_enum(District, "district"))
    )
    description: str = field(default="", validator=_check_encodable)

    def name(self, lang: str = "en") -> str:
        """The name in ``lang`` (``"ko"`` or ``"en"``)."""
        return self.name_ko if lang == "ko" else self.name_en
