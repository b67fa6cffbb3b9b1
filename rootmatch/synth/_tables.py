"""The generator's tables: where the complexes and districts are, where technologies sit,
sizes, materials and memberships, and the marginal tables fitted to the calibration targets
(iterative proportional fitting and the small samplers the generator draws with)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from attrs import frozen
from numpy.typing import NDArray

from rootmatch.domain.taxonomy import District, InstituteKind, Material, RootTechnology
from rootmatch.synth._law import complementarity_transition
from rootmatch.synth._targets import _targets

__all__ = [
    "N_TECH",
    "_CLUSTER_DISTRICT",
    "_DISTRICT_XY",
    "_FAMILY",
    "_INSTITUTE_KIND_OFFSET",
    "_MATERIALS",
    "_MEMBERSHIP_RULES",
    "_MULTI_TRUE",
    "_THIRD",
    "D",
    "T",
    "_band_pmfs",
    "_bits",
    "_categorical",
    "_location_table",
    "_mask_of_bits",
    "_membership_group",
    "_primary_probabilities",
    "_rank_uniform",
    "_size_table",
    "_to_km",
    "_units",
]


T = RootTechnology
D = District
N_TECH = len(RootTechnology)


_CLUSTER_DISTRICT: dict[str, District] = {
    "녹산": D.GANGSEO, "미음": D.GANGSEO, "명지": D.GANGSEO, "지사": D.GANGSEO,
    "신평·장림": D.SAHA, "사상": D.SASANG, "정관": D.GIJANG, "장안": D.GIJANG,
}
#: Approximate coordinates (latitude, longitude) of the complexes and of the district offices,
#: for distances only. Outside Busan: 김해.
_CLUSTER_XY: dict[str, tuple[float, float]] = {
    "녹산": (35.085, 128.855), "미음": (35.155, 128.885), "명지": (35.095, 128.915),
    "지사": (35.145, 128.825), "신평·장림": (35.080, 128.965), "사상": (35.160, 128.985),
    "정관": (35.325, 129.180), "장안": (35.310, 129.245),
}
_DISTRICT_XY: dict[District, tuple[float, float]] = {
    D.JUNG: (35.106, 129.032), D.SEO: (35.098, 129.024), D.DONG: (35.129, 129.045),
    D.YEONGDO: (35.091, 129.068), D.BUSANJIN: (35.163, 129.053), D.DONGNAE: (35.205, 129.084),
    D.NAM: (35.136, 129.084), D.BUK: (35.197, 128.990), D.HAEUNDAE: (35.163, 129.164),
    D.SAHA: (35.104, 128.975), D.GEUMJEONG: (35.243, 129.092), D.GANGSEO: (35.212, 128.981),
    D.YEONJE: (35.176, 129.080), D.SUYEONG: (35.146, 129.113), D.SASANG: (35.153, 128.991),
    D.GIJANG: (35.245, 129.222), D.OUTSIDE_BUSAN: (35.230, 128.850),
}
#: Where technologies sit more than elsewhere (multipliers of the seed table of the
#: technology × unit fit; 1 elsewhere). Units are named by cluster, or by district name for
#: the rest of a district.
_LOCAL_AFFINITY: dict[RootTechnology, dict[str, float]] = {
    T.SURFACE_TREATMENT: {"신평·장림": 4.0, "녹산": 3.0, "미음": 1.5},
    T.HEAT_TREATMENT: {"신평·장림": 1.6, "녹산": 1.6, "사상": 1.4},
    T.MOLD: {"녹산": 1.6, "미음": 1.6, "명지": 1.6, "지사": 2.2, "GANGSEO": 1.6},
    T.FORMING: {"지사": 1.8, "장안": 2.5, "정관": 1.5, "녹산": 1.3},
    T.WELDING: {"지사": 1.6, "장안": 2.0, "정관": 1.4, "녹산": 1.3},
    T.INJECTION_PRESS: {"지사": 1.5, "장안": 2.0, "정관": 1.5},
    T.CASTING: {"사상": 1.8, "녹산": 1.3},
    T.PRECISION_MACHINING: {"사상": 1.6, "녹산": 1.3, "명지": 1.2},
    T.ADDITIVE_MANUFACTURING: {"미음": 2.5, "지사": 1.5},
    T.FILM_PAPER: {"신평·장림": 1.5},
    T.ROBOTICS: {"미음": 2.5, "지사": 1.5, "HAEUNDAE": 2.0, "BUSANJIN": 1.5},
    T.SENSORS: {"미음": 2.5, "지사": 1.5, "HAEUNDAE": 2.0, "GEUMJEONG": 1.5},
    T.INDUSTRIAL_SOFTWARE: {"미음": 2.0, "HAEUNDAE": 2.5, "BUSANJIN": 2.0, "GEUMJEONG": 1.5},
    T.ENGINEERING_DESIGN: {"미음": 2.0, "지사": 1.5, "BUSANJIN": 1.5, "HAEUNDAE": 1.5},
}
#: Relative mean firm size by technology (assumed; from the ratio of the 2022 employee shares
#: to the firm shares where both exist, clipped to [0.6, 1.8]).
_RELATIVE_SIZE: dict[RootTechnology, float] = {
    T.MOLD: 0.64, T.WELDING: 1.58, T.FORMING: 1.28, T.SURFACE_TREATMENT: 1.05,
    T.CASTING: 1.8, T.HEAT_TREATMENT: 1.3, T.PRECISION_MACHINING: 1.35,
    T.INJECTION_PRESS: 0.69, T.ADDITIVE_MANUFACTURING: 0.8, T.FILM_PAPER: 0.9,
    T.ROBOTICS: 0.8, T.SENSORS: 0.8, T.INDUSTRIAL_SOFTWARE: 0.8, T.ENGINEERING_DESIGN: 0.8,
}
#: Value-chain family of each technology (communities form mostly inside one).
_FAMILY: dict[RootTechnology, int] = {
    T.CASTING: 0, T.FORMING: 0, T.WELDING: 0, T.HEAT_TREATMENT: 0, T.SURFACE_TREATMENT: 0,
    T.PRECISION_MACHINING: 0, T.MOLD: 1, T.INJECTION_PRESS: 1, T.FILM_PAPER: 1,
    T.ADDITIVE_MANUFACTURING: 1, T.ENGINEERING_DESIGN: 1, T.ROBOTICS: 2, T.SENSORS: 2,
    T.INDUSTRIAL_SOFTWARE: 2,
}
#: Materials a firm works with, by primary technology (probabilities; assumed).
_MATERIALS: dict[RootTechnology, dict[Material, float]] = {
    T.CASTING: {Material.STEEL: 0.7, Material.NONFERROUS: 0.5},
    T.MOLD: {Material.STEEL: 0.8, Material.PLASTIC: 0.4},
    T.FORMING: {Material.STEEL: 0.85, Material.NONFERROUS: 0.3},
    T.WELDING: {Material.STEEL: 0.9, Material.NONFERROUS: 0.2},
    T.SURFACE_TREATMENT: {Material.STEEL: 0.6, Material.NONFERROUS: 0.4, Material.PLASTIC: 0.1},
    T.HEAT_TREATMENT: {Material.STEEL: 0.9, Material.NONFERROUS: 0.2},
    T.INJECTION_PRESS: {Material.PLASTIC: 0.75, Material.STEEL: 0.35},
    T.PRECISION_MACHINING: {Material.STEEL: 0.8, Material.NONFERROUS: 0.4},
    T.ADDITIVE_MANUFACTURING: {Material.PLASTIC: 0.5, Material.NONFERROUS: 0.3,
                               Material.CERAMIC: 0.1},
    T.FILM_PAPER: {Material.PLASTIC: 0.7},
    T.ROBOTICS: {Material.STEEL: 0.3},
    T.SENSORS: {Material.CERAMIC: 0.1},
}
#: Cooperative membership groups (by observed technologies and place) and their rates; the
#: rates of the calibration table (``member.*``) override these where they exist.
_MEMBERSHIP_RULES: dict[str, list[dict[str, Any]]] = {
    "BGMC": [
        {"key": "member.BGMC", "any": [T.MOLD], "rate": 0.6},
        {"key": "member.BGMC_injection", "any": [T.INJECTION_PRESS], "none": [T.MOLD],
         "rate": 0.12},
    ],
    "BMC": [
        {"key": "member.BMC", "any": [T.CASTING, T.FORMING, T.WELDING, T.HEAT_TREATMENT,
                                      T.PRECISION_MACHINING], "rate": 0.15},
        {"any": list(RootTechnology), "rate": 0.01},
    ],
    "BAPIC": [
        {"key": "member.BAPIC", "any": [T.FORMING, T.WELDING, T.INJECTION_PRESS],
         "district": D.GANGSEO, "rate": 0.3},
        {"any": [T.FORMING, T.WELDING, T.INJECTION_PRESS], "cluster": "장안", "rate": 0.15},
        {"any": [T.FORMING, T.WELDING, T.INJECTION_PRESS], "rate": 0.03},
    ],
}
_INSTITUTE_KIND_OFFSET: dict[InstituteKind, float] = {
    InstituteKind.RESEARCH: 0.0, InstituteKind.TECHNOPARK: 0.0,
    InstituteKind.UNIVERSITY: -0.3, InstituteKind.PUBLIC_AGENCY: -1.5,
    InstituteKind.COOPERATIVE: 0.0,
}


def _ipf(seed: NDArray[np.float64], rows: NDArray[np.float64], cols: NDArray[np.float64],
         iters: int = 300) -> NDArray[np.float64]:
    """Iterative proportional fitting of ``seed`` to row and column margins (both sum to 1)."""
    table = seed * rows[:, None] / np.maximum(seed.sum(axis=1, keepdims=True), 1e-300)
    for _ in range(iters):
        table *= (cols / np.maximum(table.sum(axis=0), 1e-300))[None, :]
        table *= (rows / np.maximum(table.sum(axis=1), 1e-300))[:, None]
    return table


def _rank_uniform(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Ranks of ``x`` mapped to (0, 1): exact uniform marginals for copulas."""
    order = np.argsort(x, kind="stable")
    out = np.empty(x.size)
    out[order] = (np.arange(x.size) + 0.5) / max(x.size, 1)
    return out


def _categorical(cum: NDArray[np.float64], u: NDArray[np.float64]) -> NDArray[np.int64]:
    """Index of ``u`` in the cumulative probabilities ``cum`` (last value 1)."""
    return np.minimum(np.searchsorted(cum, u, side="right"), cum.size - 1).astype(np.int64)


def _bits(mask: NDArray[np.integer], width: int) -> NDArray[np.bool_]:
    return ((mask[:, None].astype(np.int64) >> np.arange(width)) & 1).astype(bool)


def _mask_of_bits(bits: NDArray[np.bool_]) -> NDArray[np.int64]:
    return bits.astype(np.uint16) @ (np.uint16(1) << np.arange(bits.shape[1], dtype=np.uint16))


def _power_pmf(lo: int, hi: int, exponent: float) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    k = np.arange(lo, hi + 1)
    p = k.astype(float) ** -exponent
    return k, p / p.sum()


# --- technologies ----------------------------------------------------------------------------
_MULTI_TRUE = 0.24  # firms with 2+ true technologies
_THIRD = 0.2  # of those, with a third


def _secondary_table(target: NDArray[np.float64]) -> NDArray[np.float64]:
    """``S[t, t']``: a firm of ``t`` also does ``t'`` with probability ∝ C[t, t'] × share."""
    S = complementarity_transition() * target[None, :]
    return S / S.sum(axis=1, keepdims=True)


def _fractional_map(S: NDArray[np.float64], drop: float) -> NDArray[np.float64]:
    """``M[t, :]``: expected fractional technology shares of a firm whose primary is ``t``."""
    m, q, d = _MULTI_TRUE, _THIRD, drop
    eye = np.eye(N_TECH)
    single = eye
    double = (1 - d) * 0.5 * (eye + S) + d * eye
    same = (S**2).sum(axis=1, keepdims=True)  # the third draw repeats the second
    c_t = (1 - d) ** 2 / 3 + d * (1 - d) + d**2
    c_s = (1 - d) ** 2 / 3 + d * (1 - d) / 2
    triple = (1 - same) * c_t * eye + c_s * 2 * S * (1 - S)
    triple += same * ((1 - d) * 0.5 + d) * eye + (1 - d) * 0.5 * S**2
    return (1 - m) * single + m * (1 - q) * double + m * q * triple


@lru_cache(maxsize=4)
def _primary_probabilities(drop: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Primary-technology probabilities whose fractional shares meet the targets, and ``S``."""
    tg = _targets()
    target = np.array([tg[f"tech.{t.name}"] for t in RootTechnology])
    target /= target.sum()
    S = _secondary_table(target)
    M = _fractional_map(S, drop)
    p = np.linalg.solve(M.T, target)
    p = np.clip(p, 1e-4, None)
    return p / p.sum(), S


# --- places --------------------------------------------------------------------------------
@frozen
class _Units:
    names: tuple[str, ...]  # cluster name, or the district's name for the rest of it
    district: NDArray[np.int64]
    cluster: tuple[str, ...]  # "" for the rest of a district
    weight: NDArray[np.float64]
    xy: NDArray[np.float64]  # km, (U, 2)


def _to_km(lat_lon: NDArray[np.float64]) -> NDArray[np.float64]:
    lat0 = 35.15
    return np.stack([(lat_lon[:, 1] - 129.0) * 111.32 * math.cos(math.radians(lat0)),
                     (lat_lon[:, 0] - lat0) * 110.95], axis=1)


@lru_cache(maxsize=1)
def _units() -> _Units:
    tg = _targets()
    names, dists, clusters, weights, coords = [], [], [], [], []
    for d in District:
        share = tg.get(f"district.{d.name}", 0.0)
        if share <= 0:
            continue
        rest = share
        for cl, cd in _CLUSTER_DISTRICT.items():
            if cd is d and tg.get(f"cluster.{cl}", 0.0) > 0:
                w = tg[f"cluster.{cl}"]
                names.append(cl)
                dists.append(d.value)
                clusters.append(cl)
                weights.append(w)
                coords.append(_CLUSTER_XY[cl])
                rest -= w
        if rest > 1e-9:
            names.append(d.name)
            dists.append(d.value)
            clusters.append("")
            weights.append(rest)
            coords.append(_DISTRICT_XY[d])
    w = np.array(weights)
    return _Units(tuple(names), np.array(dists), tuple(clusters), w / w.sum(),
                  _to_km(np.array(coords)))


@lru_cache(maxsize=4)
def _location_table(drop: float) -> NDArray[np.float64]:
    """``P(unit | primary technology)``, (14, U), by IPF to the technology and unit margins."""
    units = _units()
    p, _ = _primary_probabilities(drop)
    seed = np.ones((N_TECH, len(units.names)))
    for t, aff in _LOCAL_AFFINITY.items():
        for u, name in enumerate(units.names):
            seed[t.value, u] *= aff.get(name, 1.0)
    joint = _ipf(seed, p, units.weight)
    return joint / joint.sum(axis=1, keepdims=True)


# --- sizes ---------------------------------------------------------------------------------
_BANDS = ((1, 9, 0.5), (10, 49, 1.5), (50, 299, None), (300, 3000, 2.0))


@lru_cache(maxsize=1)
def _band_pmfs() -> list[tuple[NDArray[np.int64], NDArray[np.float64]]]:
    """Head-count distributions within the bands; the 50–299 exponent is solved so the band
    holds its target share of employees."""
    tg = _targets()
    shares = np.array([tg["size.lt10"], tg["size.10_49"], tg["size.50_299"], tg["size.300plus"]])
    shares /= shares.sum()
    pmfs: list[Any] = [None] * 4
    means = np.zeros(4)
    for b, (lo, hi, ex) in enumerate(_BANDS):
        if ex is not None:
            pmfs[b] = _power_pmf(lo, hi, ex)
            means[b] = (pmfs[b][0] * pmfs[b][1]).sum()
    want = tg["size.employees_50_299"]
    rest = sum(shares[b] * means[b] for b in (0, 1, 3))
    mean2 = want * rest / (shares[2] * (1 - want))
    lo_e, hi_e = -3.0, 6.0
    for _ in range(80):
        mid = 0.5 * (lo_e + hi_e)
        k, p = _power_pmf(50, 299, mid)
        if (k * p).sum() > mean2:
            lo_e = mid
        else:
            hi_e = mid
    pmfs[2] = _power_pmf(50, 299, 0.5 * (lo_e + hi_e))
    return pmfs


@lru_cache(maxsize=4)
def _size_table(drop: float) -> NDArray[np.float64]:
    """``P(band | primary technology)``, (14, 4)."""
    tg = _targets()
    bands = np.array([tg["size.lt10"], tg["size.10_49"], tg["size.50_299"], tg["size.300plus"]])
    bands /= bands.sum()
    p, _ = _primary_probabilities(drop)
    rel = np.array([_RELATIVE_SIZE.get(t, 1.0) for t in RootTechnology])
    seed = bands[None, :] * rel[:, None] ** (np.arange(4)[None, :] - 1.0)
    joint = _ipf(seed, p, bands)
    return joint / joint.sum(axis=1, keepdims=True)


def _membership_group(rule: Mapping[str, Any], bits: NDArray[np.bool_], district: NDArray[Any],
                      cluster: NDArray[Any], cluster_vocab: Sequence[str]) -> NDArray[np.bool_]:
    """The firms a membership rule (or its calibration measure) is about."""
    cols = [t.value for t in rule.get("any", [])]
    group = bits[:, cols].any(axis=1) if cols else np.ones(bits.shape[0], bool)
    none = [t.value for t in rule.get("none", [])]
    if none:
        group &= ~bits[:, none].any(axis=1)
    if "district" in rule:
        group &= district == rule["district"].value
    if "cluster" in rule:
        code = cluster_vocab.index(rule["cluster"]) if rule["cluster"] in cluster_vocab else -1
        group &= cluster == code
    return group
