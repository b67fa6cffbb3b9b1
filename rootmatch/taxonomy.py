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
    "Funding",
    "InstituteKind",
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


# --- value-chain complementarity -------------------------------------------------------------
T = RootTechnology
#: Directed value-chain links ``(upstream, downstream, strength, reason_ko, reason_en)``: the
#: upstream process supplies, tools or equips the downstream one. Every non-zero entry of
#: :func:`complementarity_matrix` comes from exactly one line here, with its reason beside it.
#: Strength in [0, 1]: 0.9-1.0 a hand-off nearly every part goes through; 0.6-0.8 a frequent
#: supplier-customer link; 0.3-0.5 an enabling or occasional one (automation, monitoring,
#: niche uses). The strengths are judgements from the process chains named in the brief
#: (mold -> injection/press; casting -> heat treatment -> surface treatment -> machining;
#: robotics, sensors and industrial software -> smart factories for all), not measurements.
COMPLEMENTARITY: tuple[tuple[RootTechnology, RootTechnology, float, str, str], ...] = (
    # molds are the tools of the shaping processes
    (T.MOLD, T.INJECTION_PRESS, 1.0,
     "사출·프레스는 금형 없이 생산 불가: 금형사의 직접 고객",
     "injection moulding and pressing cannot run without molds: the mold shop's direct customer"),
    (T.MOLD, T.CASTING, 0.8,
     "다이캐스팅·중력주조는 금형을 소모품으로 사용",
     "die casting and permanent-mold casting consume metal molds"),
    (T.MOLD, T.FORMING, 0.8,
     "단조·프레스 성형은 금형(다이)으로 형상을 만듦",
     "forging and stamping shape parts with dies made by mold shops"),
    (T.MOLD, T.FILM_PAPER, 0.4,
     "필름 성형·타발 공정에 금형·칼금형 필요",
     "film forming and die-cutting need forming tools and cutting dies"),
    # the metal-part chain: shape -> heat treat -> surface -> finish
    (T.CASTING, T.HEAT_TREATMENT, 0.9,
     "주조품은 잔류응력 제거·조직 개선 위해 열처리",
     "castings are annealed or normalised to relieve stress and refine the structure"),
    (T.FORMING, T.HEAT_TREATMENT, 0.9,
     "단조품은 강도 확보 위해 담금질·뜨임",
     "forgings are quenched and tempered to reach their strength"),
    (T.WELDING, T.HEAT_TREATMENT, 0.5,
     "두꺼운 용접부는 응력제거 열처리(PWHT)",
     "thick welds need post-weld stress-relief heat treatment"),
    (T.HEAT_TREATMENT, T.SURFACE_TREATMENT, 0.9,
     "열처리 후 도금·코팅으로 내식성 부여",
     "heat-treated parts are plated or coated next for corrosion resistance"),
    (T.HEAT_TREATMENT, T.PRECISION_MACHINING, 0.7,
     "열처리 변형을 정밀가공(연삭)으로 보정",
     "distortion from heat treatment is ground or machined to final tolerance"),
    (T.CASTING, T.PRECISION_MACHINING, 0.8,
     "주조 소재는 기능면을 정밀가공해야 완성",
     "cast blanks need their functional faces machined"),
    (T.FORMING, T.PRECISION_MACHINING, 0.7,
     "단조 소재의 최종 치수는 정밀가공으로",
     "forged blanks reach final dimensions by machining"),
    (T.CASTING, T.SURFACE_TREATMENT, 0.6,
     "주조품 도장·도금으로 부식 방지",
     "castings are painted or plated against corrosion"),
    (T.SURFACE_TREATMENT, T.PRECISION_MACHINING, 0.6,
     "도금 두께를 고려한 사전·사후 정밀 마무리",
     "precision finishing before or after plating to hold coated tolerances"),
    (T.PRECISION_MACHINING, T.MOLD, 0.8,
     "금형 코어·캐비티·부품은 정밀가공으로 제작",
     "mold cores, cavities and components are precision-machined"),
    (T.PRECISION_MACHINING, T.WELDING, 0.5,
     "가공 부품을 용접해 구조물로 조립",
     "machined parts are welded into assemblies"),
    (T.FORMING, T.WELDING, 0.7,
     "프레스·단조 부품을 용접으로 조립(차체·프레임)",
     "stamped and forged parts are joined by welding (bodies, frames)"),
    (T.WELDING, T.SURFACE_TREATMENT, 0.7,
     "용접 구조물은 도장·도금으로 방청",
     "welded structures are coated or plated against rust"),
    (T.INJECTION_PRESS, T.SURFACE_TREATMENT, 0.5,
     "사출·프레스품의 도금·도장(장식·방청)",
     "moulded and pressed parts are plated or painted (decorative, anti-rust)"),
    (T.SURFACE_TREATMENT, T.FILM_PAPER, 0.3,
     "기능성 필름은 코팅·증착 기술을 공유",
     "functional films rely on the same coating and deposition know-how"),
    (T.FILM_PAPER, T.INJECTION_PRESS, 0.4,
     "인몰드 장식 필름·포장재를 사출품에 공급",
     "in-mold decoration films and packaging go into moulded products"),
    # design and additive manufacturing feed tooling
    (T.ENGINEERING_DESIGN, T.MOLD, 0.9,
     "금형 설계·해석이 금형 제작의 첫 단계",
     "mold design and flow simulation are the first step of every mold"),
    (T.ENGINEERING_DESIGN, T.CASTING, 0.5,
     "주조 방안(탕구·압탕) 설계와 응고 해석",
     "gating and riser design and solidification simulation for foundries"),
    (T.ENGINEERING_DESIGN, T.ADDITIVE_MANUFACTURING, 0.6,
     "적층제조는 3D 설계 데이터로 출력",
     "additive manufacturing prints from 3-D design data"),
    (T.ADDITIVE_MANUFACTURING, T.MOLD, 0.6,
     "시제품 출력과 형상냉각 금형 인서트 제작",
     "printed prototypes and conformal-cooling mold inserts"),
    (T.ADDITIVE_MANUFACTURING, T.CASTING, 0.5,
     "3D 프린팅 사형·목형으로 주조 리드타임 단축",
     "printed sand moulds and patterns shorten foundry lead times"),
    # intelligent processes: automation, monitoring and software for the base processes
    (T.ROBOTICS, T.WELDING, 0.8,
     "용접 로봇이 가장 보편적인 제조 로봇 응용",
     "welding robots are the most common use of industrial robots"),
    (T.ROBOTICS, T.INJECTION_PRESS, 0.6,
     "사출 취출·프레스 이송 로봇",
     "take-out robots for moulding machines, transfer robots for presses"),
    (T.ROBOTICS, T.PRECISION_MACHINING, 0.5,
     "가공 셀 소재 로딩·언로딩 자동화",
     "machine-tending robots load and unload machining cells"),
    (T.ROBOTICS, T.CASTING, 0.4,
     "주조 주입·후처리(사상) 자동화",
     "robots for pouring and fettling in foundries"),
    (T.ROBOTICS, T.FORMING, 0.4,
     "단조·프레스 소재 이송 자동화",
     "robots transfer hot and sheet blanks in forging and stamping"),
    (T.SENSORS, T.HEAT_TREATMENT, 0.6,
     "로 온도·분위기 센서가 열처리 품질 좌우",
     "furnace temperature and atmosphere sensing decides heat-treatment quality"),
    (T.SENSORS, T.SURFACE_TREATMENT, 0.5,
     "도금액 농도·온도 모니터링",
     "bath concentration and temperature monitoring in plating lines"),
    (T.SENSORS, T.CASTING, 0.4,
     "용탕 온도·응고 모니터링",
     "melt temperature and solidification monitoring in foundries"),
    (T.SENSORS, T.ROBOTICS, 0.6,
     "로봇의 위치·힘·비전 센서",
     "robots need position, force and vision sensors"),
    (T.SENSORS, T.INDUSTRIAL_SOFTWARE, 0.6,
     "센서 데이터가 산업 SW(MES·분석)의 입력",
     "sensor data feeds industrial software (MES, analytics)"),
    (T.INDUSTRIAL_SOFTWARE, T.MOLD, 0.5,
     "금형 공정관리·이력관리 SW",
     "production and tool-history software for mold shops"),
    (T.INDUSTRIAL_SOFTWARE, T.INJECTION_PRESS, 0.5,
     "사출 조건 최적화·설비 모니터링 SW",
     "process-parameter optimisation and machine monitoring for moulding"),
    (T.INDUSTRIAL_SOFTWARE, T.PRECISION_MACHINING, 0.5,
     "CAM·가공 데이터 관리 SW",
     "CAM and machining-data management software"),
    (T.INDUSTRIAL_SOFTWARE, T.WELDING, 0.4,
     "용접 품질 데이터 수집·분석",
     "welding-quality data collection and analysis"),
    (T.INDUSTRIAL_SOFTWARE, T.HEAT_TREATMENT, 0.4,
     "열처리 이력·로 제어 SW",
     "heat-treatment records and furnace-control software"),
    (T.INDUSTRIAL_SOFTWARE, T.SURFACE_TREATMENT, 0.4,
     "도금 라인 공정관리 SW",
     "process control software for plating lines"),
    (T.INDUSTRIAL_SOFTWARE, T.ROBOTICS, 0.5,
     "로봇 제어·시뮬레이션 SW",
     "robot control and offline-programming software"),
)


def _build_matrices() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    n = len(RootTechnology)
    directed = np.zeros((n, n))
    for up, down, strength, _, _ in COMPLEMENTARITY:
        if up is down or directed[up.value, down.value] or not 0.0 < strength <= 1.0:
            raise ValueError(f"bad complementarity entry {up.name} -> {down.name}")
        directed[up.value, down.value] = strength
    symmetric = np.maximum(directed, directed.T)
    directed.setflags(write=False)
    symmetric.setflags(write=False)
    return directed, symmetric


_DIRECTED, _SYMMETRIC = _build_matrices()


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
    return _DIRECTED if directed else _SYMMETRIC


def complementarity_reason(a: RootTechnology, b: RootTechnology, lang: str = "en") -> str | None:
    """The documented reason of the value-chain link between ``a`` and ``b``, either way.

    Parameters
    ----------
    a, b : RootTechnology
    lang : {"en", "ko"}, default="en"

    Returns
    -------
    str or None
        The reason of the stronger direction (the one :func:`complementarity_matrix` keeps),
        or ``None`` when the two are not linked.

    Examples
    --------
    >>> complementarity_reason(RootTechnology.INJECTION_PRESS, RootTechnology.MOLD)
    "injection moulding and pressing cannot run without molds: the mold shop's direct customer"
    >>> complementarity_reason(RootTechnology.MOLD, RootTechnology.MOLD) is None
    True
    """
    best: tuple[float, str] | None = None
    for up, down, strength, ko, en in COMPLEMENTARITY:
        if {up, down} == {a, b} and (best is None or strength > best[0]):
            best = (strength, ko if lang == "ko" else en)
    return None if best is None else best[1]
