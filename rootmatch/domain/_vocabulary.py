"""The label enums: every member carries a Korean and an English label and parses from
either, its name or an alias; sets of members are bit masks (bit ``m.value`` for ``m``)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np

from rootmatch.base.exceptions import UnknownLabelError

__all__ = [
    "District",
    "Funding",
    "InstituteKind",
    "LabelledEnum",
    "Material",
    "RootTechnology",
    "SupportAxis",
    "TechGroup",
    "Topic",
    "mask_of",
    "members_of",
]

E = TypeVar("E", bound="LabelledEnum")


def _norm(text: str) -> str:
    return "".join(str(text).split()).replace("_", "").replace("-", "").casefold()


class LabelledEnum(enum.Enum):
    """An enum whose members have a Korean and an English label.

    Subclasses declare ``NAME = (code, label_ko, label_en, *extra)``; ``code`` is the value.
    """

    label_ko: str
    label_en: str

    def __new__(cls, code: int, label_ko: str, label_en: str, *extra: Any) -> LabelledEnum:
        obj = object.__new__(cls)
        obj._value_ = code
        obj.label_ko = label_ko
        obj.label_en = label_en
        obj._extra = extra  # type: ignore[attr-defined]
        return obj

    def __str__(self) -> str:
        return self.label_en

    def label(self, lang: str = "en") -> str:
        """The label in ``lang`` (``"ko"`` or ``"en"``)."""
        return self.label_ko if lang == "ko" else self.label_en

    @classmethod
    def _lookup(cls: type[E]) -> dict[str, E]:
        table = _LOOKUPS.get(cls)
        return table if table is not None else _build_lookup(cls)  # type: ignore[return-value]

    def _aliases(self) -> tuple[str, ...]:
        return ()

    @classmethod
    def parse(cls: type[E], value: object) -> E:
        """Return the member named by ``value``.

        Parameters
        ----------
        value : member, str or int
            The member itself, its name, its Korean or English label (case and white space
            are ignored), or its integer code.

        Raises
        ------
        UnknownLabelError
            Naming the value and listing the allowed labels.

        Examples
        --------
        >>> RootTechnology.parse("금형") is RootTechnology.parse(" mold & DIE ")
        True
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            try:
                return cls(int(value))
            except ValueError:
                pass
        elif isinstance(value, str):
            found = cls._lookup().get(_norm(value))
            if found is not None:
                return found
        allowed = ", ".join(f"{m.name} ({m.label_ko} / {m.label_en})" for m in cls)
        raise UnknownLabelError(
            f"unknown {cls.__name__} {value!r}; allowed: {allowed}", field=cls.__name__,
            value=value,
        )

    @classmethod
    def parse_many(cls: type[E], values: object) -> frozenset[E]:
        """Parse an iterable of labels, or one string separated by ``;`` or ``|``.

        Examples
        --------
        >>> sorted(a.name for a in SupportAxis.parse_many("인력 양성; technology development"))
        ['TECHNOLOGY', 'WORKFORCE']
        """
        if values is None:
            return frozenset()
        if isinstance(values, (str, cls)):
            values = [values] if isinstance(values, cls) else _split(values)
        return frozenset(cls.parse(v) for v in values)  # type: ignore[attr-defined]


def _build_lookup(cls: type[E]) -> dict[str, E]:
    """Normalised name, labels and aliases -> member; refuses a key naming two members."""
    table: dict[str, E] = {}
    for member in cls:
        for key in (member.name, member.label_ko, member.label_en, *member._aliases()):
            other = table.setdefault(_norm(key), member)
            if other is not member:
                raise ValueError(
                    f"{cls.__name__}: {key!r} would name {other.name} and {member.name}"
                )
    return table


#: Filled once at import for the enums of this module (read-only afterwards).
_LOOKUPS: dict[type, dict[str, Any]] = {}


def _split(text: str) -> list[str]:
    for sep in ("|", ";"):
        text = text.replace(sep, "\x00")
    return [part for part in (p.strip() for p in text.split("\x00")) if part]


class TechGroup(LabelledEnum):
    """The three groups of the 2021 decree."""

    BASE = (0, "기반공정", "base process")
    MATERIAL = (1, "소재다원화 공정", "material diversification")
    INTELLIGENT = (2, "지능화 공정", "intelligent process")


class RootTechnology(LabelledEnum):
    """The 14 root technologies of the Root Industry Promotion Act (as amended 2021).

    Examples
    --------
    >>> RootTechnology.MOLD.label_ko, RootTechnology.MOLD.label_en
    ('금형', 'Mold & die')
    >>> RootTechnology.MOLD.group.label_en
    'base process'
    >>> len(RootTechnology)
    14
    """

    CASTING = (0, "주조", "Casting", TechGroup.BASE, ("foundry",))
    MOLD = (1, "금형", "Mold & die", TechGroup.BASE, ("mold", "die", "mould"))
    FORMING = (2, "소성가공", "Forming", TechGroup.BASE, ("plastic working", "forging"))
    WELDING = (3, "용접", "Welding & joining", TechGroup.BASE, ("welding", "joining", "용접·접합"))
    SURFACE_TREATMENT = (4, "표면처리", "Surface treatment", TechGroup.BASE, ("plating", "coating"))
    HEAT_TREATMENT = (5, "열처리", "Heat treatment", TechGroup.BASE, ())
    INJECTION_PRESS = (
        6, "사출·프레스", "Injection & press", TechGroup.MATERIAL,
        ("injection molding & press", "사출프레스", "사출/프레스", "injection/press"),
    )
    PRECISION_MACHINING = (7, "정밀가공", "Precision machining", TechGroup.MATERIAL, ())
    ADDITIVE_MANUFACTURING = (
        8, "적층제조", "Additive manufacturing", TechGroup.MATERIAL, ("3d printing",),
    )
    FILM_PAPER = (
        9, "산업용 필름 및 지류 공정", "Industrial film & paper", TechGroup.MATERIAL,
        ("industrial film & paper processing", "film & paper"),
    )
    ROBOTICS = (10, "로봇", "Robotics", TechGroup.INTELLIGENT, ())
    SENSORS = (11, "센서", "Sensors", TechGroup.INTELLIGENT, ())
    INDUSTRIAL_SOFTWARE = (
        12, "산업지능형 SW", "Industrial intelligent software", TechGroup.INTELLIGENT,
        ("industrial software", "산업지능형 소프트웨어"),
    )
    ENGINEERING_DESIGN = (13, "엔지니어링 설계", "Engineering design", TechGroup.INTELLIGENT, ())

    @property
    def group(self) -> TechGroup:
        """The decree group: base process, material diversification or intelligent."""
        return self._extra[0]  # type: ignore[attr-defined,no-any-return]

    def _aliases(self) -> tuple[str, ...]:
        return self._extra[1]  # type: ignore[attr-defined,no-any-return]


class SupportAxis(LabelledEnum):
    """The four support axes the 2024-02-23 council meeting named.

    Examples
    --------
    >>> [a.label_ko for a in SupportAxis]
    ['인프라 구축', '인력 양성', '기술 개발', '경영지원']
    """

    INFRASTRUCTURE = (0, "인프라 구축", "Infrastructure", ("인프라",))
    WORKFORCE = (1, "인력 양성", "Workforce", ("training", "인력"))
    TECHNOLOGY = (2, "기술 개발", "Technology development", ("technology", "R&D", "기술"))
    MANAGEMENT = (3, "경영지원", "Management support", ("management", "경영"))

    def _aliases(self) -> tuple[str, ...]:
        return self._extra[0]  # type: ignore[attr-defined,no-any-return]


class Topic(LabelledEnum):
    """Concrete subjects of need and supply (finer than the four axes)."""

    LASER = (0, "레이저", "laser processing")
    CORROSION = (1, "부식제어", "corrosion control")
    SMART_FACTORY = (2, "스마트공장", "smart factory")
    DIGITAL_SKILLS = (3, "디지털 역량", "digital skills")
    NEW_MATERIALS = (4, "신소재", "new materials")
    ENVIRONMENT = (5, "환경", "environment")
    LOGISTICS = (6, "물류", "logistics")
    EXPORT = (7, "수출", "export")
    ENERGY = (8, "에너지 절감", "energy saving")
    AUTOMATION = (9, "자동화", "automation")
    QUALITY = (10, "품질·신뢰성", "quality & reliability")


class Material(LabelledEnum):
    """Materials a firm works with; carbon and eco-friendly are the seed's new materials."""

    STEEL = (0, "철강", "steel")
    NONFERROUS = (1, "비철금속", "non-ferrous metals")
    PLASTIC = (2, "플라스틱", "plastics")
    CARBON = (3, "탄소소재", "carbon materials")
    ECO = (4, "친환경 소재", "eco-friendly materials")
    CERAMIC = (5, "세라믹", "ceramics")


class District(LabelledEnum):
    """Busan's 16 gu/gun, and ``OUTSIDE_BUSAN`` for firms elsewhere.

    Examples
    --------
    >>> District.parse("사상구") is District.SASANG
    True
    >>> District.OUTSIDE_BUSAN.label_en
    'Outside Busan'
    """

    JUNG = (0, "중구", "Jung-gu")
    SEO = (1, "서구", "Seo-gu")
    DONG = (2, "동구", "Dong-gu")
    YEONGDO = (3, "영도구", "Yeongdo-gu")
    BUSANJIN = (4, "부산진구", "Busanjin-gu")
    DONGNAE = (5, "동래구", "Dongnae-gu")
    NAM = (6, "남구", "Nam-gu")
    BUK = (7, "북구", "Buk-gu")
    HAEUNDAE = (8, "해운대구", "Haeundae-gu")
    SAHA = (9, "사하구", "Saha-gu")
    GEUMJEONG = (10, "금정구", "Geumjeong-gu")
    GANGSEO = (11, "강서구", "Gangseo-gu")
    YEONJE = (12, "연제구", "Yeonje-gu")
    SUYEONG = (13, "수영구", "Suyeong-gu")
    SASANG = (14, "사상구", "Sasang-gu")
    GIJANG = (15, "기장군", "Gijang-gun")
    OUTSIDE_BUSAN = (16, "부산 외", "Outside Busan")

    @property
    def in_busan(self) -> bool:
        """Whether the district is one of Busan's 16 gu/gun."""
        return self is not District.OUTSIDE_BUSAN


class InstituteKind(LabelledEnum):
    """Kinds of institute in the support network."""

    UNIVERSITY = (0, "대학", "university")
    RESEARCH = (1, "연구기관", "research institute")
    COOPERATIVE = (2, "협동조합", "industry cooperative")
    PUBLIC_AGENCY = (3, "공공기관", "public agency")
    TECHNOPARK = (4, "테크노파크", "technopark")


class Funding(LabelledEnum):
    """Who funds a program."""

    CITY = (0, "시비", "city")
    NATIONAL_DIRECT = (1, "국가직접지원", "national (direct)")
    MATCHED = (2, "국비·시비 매칭", "national and city")


_LOOKUPS.update(
    {cls: _build_lookup(cls) for cls in (TechGroup, RootTechnology, SupportAxis, Topic, Material,
                                         District, InstituteKind, Funding)}
)


def members_of(enum_cls: type[E], mask: int) -> frozenset[E]:
    """The members whose bits are set in ``mask``.

    Examples
    --------
    >>> sorted(t.name for t in members_of(RootTechnology, 0b110))
    ['FORMING', 'MOLD']
    """
    return _members_of(enum_cls, int(mask))


@lru_cache(maxsize=65_536)
def _members_of(enum_cls: type[E], mask: int) -> frozenset[E]:
    return frozenset(m for m in enum_cls if (mask >> m.value) & 1)


def mask_of(members: Iterable[LabelledEnum]) -> int:
    """The bit mask of ``members`` (bit ``m.value`` set for each member ``m``).

    Examples
    --------
    >>> mask_of([RootTechnology.MOLD, RootTechnology.FORMING])
    6
    >>> members_of(RootTechnology, mask_of(RootTechnology)) == frozenset(RootTechnology)
    True
    """
    out = 0
    for m in members:
        out |= 1 << m.value
    return out
