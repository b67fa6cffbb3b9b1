"""The domain vocabulary: root technologies, support axes, topics, materials, districts.

Every member carries a Korean and an English label, and every enum parses the member, its
name, or either label, ignoring case and white space. Each member's ``value`` is its bit
position in the masks of :class:`rootmatch.FirmTable`.

The value-chain **complementarity** matrix between the 14 technologies lives here too; see
:func:`complementarity_matrix`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from .exceptions import UnknownLabelError

__all__ = [
    "COMPLEMENTARITY",
    "District",
    "InstituteKind",
    "Funding",
    "LabelledEnum",
    "Material",
    "RootTechnology",
    "SupportAxis",
    "TechGroup",
    "Topic",
    "complementarity_matrix",
    "complementarity_reason",
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
        if table is None:
            table = {}
            for member in cls:
                for key in (member.name, member.label_ko, member.label_en, *member._aliases()):
                    table[_norm(key)] = member
            _LOOKUPS[cls] = table
        return table  # type: ignore[return-value]

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
        """Parse an iterable of labels, or one string separated by ``;`` or ``|``."""
        if values is None:
            return frozenset()
        if isinstance(values, (str, cls)):
            values = [values] if isinstance(values, cls) else _split(values)
        return frozenset(cls.parse(v) for v in values)  # type: ignore[attr-defined]


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


def members_of(enum_cls: type[E], mask: int) -> frozenset[E]:
    """The members whose bits are set in ``mask``."""
    return frozenset(m for m in enum_cls if (int(mask) >> m.value) & 1)


def mask_of(members: Iterable[LabelledEnum]) -> int:
    """The bit mask of ``members``."""
    out = 0
    for m in members:
        out |= 1 << m.value
    return out


# --- value-chain complementarity -------------------------------------------------------------
T = RootTechnology
#: Directed value-chain links ``(upstream, downstream, strength, reason_ko, reason_en)``.
#: Strength in [0, 1]: 1.0 for a direct supplier–customer hand-off every part goes through,
#: 0.6–0.8 for a frequent one, 0.3–0.5 for an enabling or occasional one.
COMPLEMENTARITY: tuple[tuple[RootTechnology, RootTechnology, float, str, str], ...] = (
    (T.MOLD, T.INJECTION_PRESS, 1.0, "금형 → 사출·프레스 공급", "mold → injection/press supplier"),
    (T.MOLD, T.CASTING, 0.8, "금형 → 주조(다이캐스팅 금형)", "mold → casting (die-casting dies)"),
    (T.MOLD, T.FORMING, 0.8, "금형 → 소성가공(단조·프레스 금형)", "mold → forming (forging/stamping dies)"),
    (T.CASTING, T.HEAT_TREATMENT, 0.9, "주조품 → 열처리", "casting → heat treatment"),
    (T.FORMING, T.HEAT_TREATMENT, 0.9, "단조품 → 열처리", "forging → heat treatment"),
    (T.WELDING, T.HEAT_TREATMENT, 0.5, "용접부 → 응력제거 열처리", "welding → stress-relief heat treatment"),
    (T.HEAT_TREATMENT, T.SURFACE_TREATMENT, 0.9, "열처리 → 표면처리", "heat treatment → surface treatment"),
    (T.SURFACE_TREATMENT, T.PRECISION_MACHINING, 0.6, "표면처리 ↔ 정밀가공 마무리", "surface treatment ↔ precision finishing"),
    (T.HEAT_TREATMENT, T.PRECISION_MACHINING, 0.7, "열처리 → 정밀가공", "heat treatment → precision machining"),
    (T.CASTING, T.PRECISION_MACHINING, 0.8, "주조 소재 → 정밀가공", "casting → precision machining"),
    (T.FORMING, T.PRECISION_MACHINING, 0.7, "단조 소재 → 정밀가공", "forging → precision machining"),
    (T.PRECISION_MACHINING, T.MOLD, 0.8, "정밀가공 → 금형 부품", "precision machining → mold components"),
    (T.PRECISION_MACHINING, T.WELDING, 0.5, "가공 부품 → 용접 조립", "machined parts → welded assembly"),
    (T.FORMING, T.WELDING, 0.7, "프레스 부품 → 용접 조립", "stamped parts → welded assembly"),
    (T.WELDING, T.SURFACE_TREATMENT, 0.7, "용접 구조물 → 도장·도금", "welded structures → coating/plating"),
    (T.INJECTION_PRESS, T.SURFACE_TREATMENT, 0.5, "사출·프레스품 → 도금·도장", "injection/press parts → plating/painting"),
    (T.CASTING, T.SURFACE_TREATMENT, 0.6, "주조품 → 표면처리", "casting → surface treatment"),
    (T.ENGINEERING_DESIGN, T.MOLD, 0.9, "엔지니어링 설계 → 금형 설계", "engineering design → mold design"),
    (T.ENGINEERING_DESIGN, T.CASTING, 0.5, "설계 → 주조 방안", "engineering design → casting layout"),
    (T.ENGINEERING_DESIGN, T.ADDITIVE_MANUFACTURING, 0.6, "설계 → 적층제조", "engineering design → additive manufacturing"),
    (T.ADDITIVE_MANUFACTURING, T.MOLD, 0.6, "적층제조 → 시제품·형상냉각 금형", "additive manufacturing → prototypes, conformal-cooling molds"),
    (T.ADDITIVE_MANUFACTURING, T.CASTING, 0.5, "적층제조 → 주조 사형·모형", "additive manufacturing → casting patterns"),
    (T.ROBOTICS, T.WELDING, 0.8, "로봇 → 용접 자동화", "robotics → welding automation"),
    (T.ROBOTICS, T.INJECTION_PRESS, 0.6, "로봇 → 사출·프레스 자동화", "robotics → injection/press automation"),
    (T.ROBOTICS, T.PRECISION_MACHINING, 0.5, "로봇 → 가공 셀 자동화", "robotics → machining-cell automation"),
    (T.ROBOTICS, T.CASTING, 0.4, "로봇 → 주조 자동화", "robotics → foundry automation"),
    (T.ROBOTICS, T.FORMING, 0.4, "로봇 → 단조·프레스 자동화", "robotics → forging/press automation"),
    (T.SENSORS, T.HEAT_TREATMENT, 0.6, "센서 → 열처리 공정 모니터링", "sensors → heat-treatment process monitoring"),
    (T.SENSORS, T.SURFACE_TREATMENT, 0.5, "센서 → 도금 공정 모니터링", "sensors → plating process monitoring"),
    (T.SENSORS, T.CASTING, 0.4, "센서 → 주조 공정 모니터링", "sensors → casting process monitoring"),
    (T.SENSORS, T.ROBOTICS, 0.6, "센서 → 로봇", "sensors → robotics"),
    (T.INDUSTRIAL_SOFTWARE, T.MOLD, 0.5, "산업 SW → 금형 스마트화", "industrial software → smart mold shop"),
    (T.INDUSTRIAL_SOFTWARE, T.INJECTION_PRESS, 0.5, "산업 SW → 사출 스마트공장", "industrial software → smart injection plant"),
    (T.INDUSTRIAL_SOFTWARE, T.PRECISION_MACHINING, 0.5, "산업 SW → 가공 스마트공장", "industrial software → smart machining"),
    (T.INDUSTRIAL_SOFTWARE, T.WELDING, 0.4, "산업 SW → 용접 품질 데이터", "industrial software → welding quality data"),
    (T.INDUSTRIAL_SOFTWARE, T.HEAT_TREATMENT, 0.4, "산업 SW → 열처리 이력 관리", "industrial software → heat-treatment records"),
    (T.INDUSTRIAL_SOFTWARE, T.SURFACE_TREATMENT, 0.4, "산업 SW → 표면처리 공정 관리", "industrial software → surface-process control"),
    (T.INDUSTRIAL_SOFTWARE, T.ROBOTICS, 0.5, "산업 SW → 로봇 제어", "industrial software → robot control"),
    (T.SENSORS, T.INDUSTRIAL_SOFTWARE, 0.6, "센서 데이터 → 산업 SW", "sensor data → industrial software"),
    (T.FILM_PAPER, T.INJECTION_PRESS, 0.4, "필름·지류 → 인몰드 사출·포장", "film & paper → in-mold decoration, packaging"),
    (T.MOLD, T.FILM_PAPER, 0.4, "금형 → 필름 성형·타발 금형", "mold → film forming and die-cutting tools"),
    (T.SURFACE_TREATMENT, T.FILM_PAPER, 0.3, "표면처리 ↔ 기능성 필름 코팅", "surface treatment ↔ functional film coating"),
)


@lru_cache(maxsize=2)
def _matrices() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    n = len(RootTechnology)
    directed = np.zeros((n, n))
    for up, down, strength, _, _ in COMPLEMENTARITY:
        directed[up.value, down.value] = strength
    symmetric = np.maximum(directed, directed.T)
    directed.setflags(write=False)
    symmetric.setflags(write=False)
    return directed, symmetric


def complementarity_matrix(*, directed: bool = False) -> NDArray[np.float64]:
    """The 14 × 14 value-chain complementarity matrix, values in [0, 1].

    Parameters
    ----------
    directed : bool, default=False
        ``True`` gives ``C[up, down]``, the strength of "``up`` supplies ``down``"; ``False``
        the symmetric ``max(C, Cᵀ)`` used to score a pair of firms (collaboration is mutual).

    Returns
    -------
    ndarray of shape (14, 14), read-only
        Rows and columns are ordered by ``RootTechnology.value``. The diagonal is zero: a
        shared technology is similarity, not complementarity.

    Examples
    --------
    >>> C = complementarity_matrix()
    >>> float(C[RootTechnology.MOLD.value, RootTechnology.INJECTION_PRESS.value])
    1.0
    >>> bool((C == C.T).all()), float(C.min()), float(C.max())
    (True, 0.0, 1.0)
    """
    return _matrices()[0 if directed else 1]


def complementarity_reason(a: RootTechnology, b: RootTechnology, lang: str = "en") -> str | None:
    """The documented reason of the value-chain link between ``a`` and ``b``, either way."""
    best: tuple[float, str] | None = None
    for up, down, strength, ko, en in COMPLEMENTARITY:
        if {up, down} == {a, b} and (best is None or strength > best[0]):
            best = (strength, ko if lang == "ko" else en)
    return None if best is None else best[1]
