"""The value-chain complementarity between the 14 root technologies, with its reasons."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from rootmatch.domain._vocabulary import RootTechnology

__all__ = ["COMPLEMENTARITY", "complementarity_matrix", "complementarity_reason"]

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
