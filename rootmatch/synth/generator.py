"""Synthetic root-industry firm populations, calibrated to published statistics, with a
planted ground truth and an oracle.

:func:`generate_population` draws ``n`` firms whose marginals follow the documented targets in
``rootmatch/synth/data/calibration.json`` (figure, source and year of each, or ``assumed`` with the
reasoning), places them in Busan's districts and industrial complexes, gives them cooperative
memberships and dated, eligible program participations, and samples who collaborates with
whom from a **hidden latent model**. A share of the sampled links is held out in
``pop.truth``; :meth:`Truth.oracle_scores` gives the true link probability of any pair, the
ceiling a recommender can reach. :func:`summarize` (and ``pop.summary()``) compares every
marginal with its target.

The observed firms
------------------
Columns are drawn in this order, all vectorised:

1. **Primary technology**, with probabilities solved so that the *fractional* technology
   shares (each firm counts 1, split over the technologies it lists) meet the targets. 24% of
   firms also do one or two value-chain neighbours of it (drawn from the complementarity
   matrix weighted by prevalence); each secondary technology is missing from the observed
   profile with probability ``secondary_drop``.
2. **Size band given technology**: a tilt (mold shops smaller; casting, welding, forming
   larger), balanced by iterative proportional fitting so the overall bands stay on target;
   head counts within a band from power laws, the 50–299 exponent solved so that band holds
   its target share of employees.
3. **Location given technology**: a unit (an industrial complex, or the rest of a district)
   from a technology × unit table fitted by iterative proportional fitting to both margins,
   seeded with local affinities (plating in 신평·장림 and 녹산, mold in 강서구, auto parts in
   지사 and 장안, machinery in 사상, intelligent technologies in 미음): *districts change where
   firms sit and the local mix, never the overall shares*.
4. **Firm age** and **digital level** by Gaussian copulas on size (exact marginals by ranks);
   the **share aged 40+** and the **foreign-worker share** per firm, their employee-weighted
   means (and the base-process share of foreign workers) solved to the targets.
5. **Needs and topics** (the observed bits): ``Y = L u_i + covariates + noise``, thresholded
   at the quantile that meets each target; 9% of firms answer nothing (15% show no need and
   no topic at all, the target). Covariates give the
   conditional gaps (small firms need workforce and management help, an older workforce needs
   training); technology means of ``u`` give mold its digital and new-material topics,
   surface treatment its environment and corrosion topics, casting and heat treatment their
   energy topic.
6. **Certificate**, **materials**, **cooperative memberships** (the catalog's cooperatives,
   per technology group and district, with a community effect) and **participations** (each
   program draws about ``capacity × years × n / 4,362`` firms among those its rules admit,
   at most half of them, favouring fit, activity and the firm's community, each on a date
   drawn between the day it could first join — the program's start, the firm's founding
   year, and for certificate-only programs the certificate's enactment (2021) — and the end
   of the program or the reference date; at most once per program).

The hidden model
----------------
Every firm has latent quantities the engine never sees:

- ``u_i ∈ R^8``, **needs** over the factors digital, materials, environment, workforce,
  market, quality, logistics and *hidden*; ``κ_i ∈ R^8``, **capabilities**. Both have
  technology means plus noise. The observed needs and topics are thresholded, noisy, partly
  missing views of ``y_i = L u_i``; the hidden factor loads on no observed bit;
- its **true technologies** (the observed ones can miss a secondary one);
- ``a_i``, **activity**: ``log a_i = 0.7 log(max(employees, 100) / 100) + 0.1·d_i +
  noise`` with ``d_i`` the standardised latent digital maturity (the observed digital level
  is its banded view): firms of 100+ employees are the hubs (heavy-tailed degrees), the rest
  differ little;
- its **unit** (with coordinates) and its **community** ``g_i``: informal supplier groups cut
  from firms sorted by unit and value-chain family, about 1% of the firms each (so that, like
  every other ingredient, they dilute alike as the population grows). Communities show only
  through links, shared cooperatives, institutes and programs.

Collaboration is a Poisson process over pairs with intensity

``Λ(i, j) = R · a_i a_j · Φ_tech(i, j) · Φ_geo(u_i, u_j) · f(i, j) · (1 + β·[g_i = g_j])``

- ``Φ_tech = Σ_{t ∈ T_i, t' ∈ T_j} Q[t, t'] / √(|T_i| |T_j|)`` over the *true*
  technologies, ``Q = exp(peer·[t = t'] + chain·C[t, t'])`` (``C`` the value-chain matrix of
  :mod:`rootmatch.taxonomy`);
- ``Φ_geo = exp(cluster·[same complex] + district·[same district] - km / ℓ)`` between units,
  divided by ``√(A_u A_u')`` (the units' activity: a firm's partners are bounded by its
  capacity, not by how many firms sit around it);
- ``f = min(1, exp(x - c))`` with ``x = b_need·(15/8)·y_i·y_j / ΣL² + b_hidden·h_i h_j +
  b_cap·(κ_i·u_j + κ_j·u_i) / 16`` (15 observed bits over 8 factors keeps the need term on
  the scale of one factor): need fit, shared hidden concerns and one firm's
  capability meeting the other's need, capped at the ``fit_cap`` quantile ``c``;
- ``β`` the community boost.

A pair is linked with probability ``1 - exp(-Λ)``; :meth:`Truth.oracle_scores` returns
exactly that. Every factor is log-linear in a latent quantity that the observed profile shows
only partly (true versus observed technologies, exact distances versus district and complex,
latent needs versus thresholded bits, activity versus degree, communities versus the graph),
and the factors *multiply*: the truth is learnable from the profile and the graph, yet it is
not the engine's linear blend of observed components.

**Sampling** is exact and sub-quadratic. Each firm makes ``Poisson(R/2 · a_i M_i)``
proposals, ``M_i`` its total affinity mass: a partner technology ``t'`` by mass, a unit
``u ∝ B[t', u] Φ_geo[u_i, u]`` (``B`` the activity of ``t'`` per unit), then a firm of
``(t', u)`` by its weight; a second stream proposes inside the community in proportion to
``β a_j Φ_tech`` and is thinned by geography. Proposals are accepted with probability ``f``.
Accepted proposals from ``i`` to ``j`` are Poisson with mean ``Λ(i, j) / 2``; a link is a
proposal accepted either way. ``R`` is set by a pilot so that there are about
``links_per_firm`` links per firm. Firm–institute links are Bernoulli with
``sigmoid(c + c_kind + β_e·expertise share + β_f·u_i·v_k + β_d·exp(-km/ℓ) + log a_i +
h_{g,k})`` (``v_k`` the institute's topics and services in factor space, ``h`` a community
effect); cooperatives are joined, not collaborated with, so their propensity is 0.

The hold-out
------------
After everything observed is drawn, an independent random stream moves a ``holdout`` share of
the firm–firm links and of the firm–institute links into ``pop.truth``. Nothing else depends
on the split: the same seed with another ``holdout`` gives the same firms and the same union
of observed and held-out links.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import attrs
import numpy as np
import scipy.special
import scipy.stats
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from rootmatch._validation import SeedLike, check_date, check_rng
from rootmatch.catalog import Catalog, busan_2024
from rootmatch.entities import Population, Program
from rootmatch.exceptions import UnknownEntityError, ValidationError
from rootmatch.rules import (
    SME,
    ActiveOn,
    AllOf,
    AnyOf,
    CertificateRequired,
    InRegion,
    MaxEmployees,
    Not,
    NotAlreadyParticipant,
    Rule,
    TargetTechnologies,
)
from rootmatch.synth import _latent
from rootmatch.synth._latent import LatentModel
from rootmatch.table import FirmTable
from rootmatch.taxonomy import (
    District,
    InstituteKind,
    Material,
    RootTechnology,
    SupportAxis,
    TechGroup,
    Topic,
)

__all__ = [
    "DEFAULT_TUNING",
    "CalibrationReport",
    "CalibrationRow",
    "Truth",
    "calibration_targets",
    "generate_population",
    "summarize",
]

T = RootTechnology
D = District
N_TECH = len(RootTechnology)

#: Parameters of the hidden model and the generator; override any of them through
#: ``generate_population(..., **tuning)``.
DEFAULT_TUNING: dict[str, Any] = {
    # firm–firm links (before the hold-out) per firm: the mean degree is about twice this
    "links_per_firm": 3.0,
    "institute_links_per_firm": 0.35,
    # latent communities: mean size as a share of the firms (at least 4 firms; they grow with
    # the population so that every ingredient of the truth dilutes alike as n grows), and the
    # boost β: a pair inside one is 1 + β times as likely to collaborate
    "community_share": 0.01,
    "community_boost": 0.3,
    # technologies: Q = exp(peer·[same technology] + chain·C), C the value-chain matrix; a
    # firm doing k technologies brings k ** -tech_power of a one-technology firm to each
    "tech_affinity": (1.0, 3.0),
    "tech_power": 0.5,
    # geography: Φ = exp(cluster·[same complex] + district·[same district] - km / distance_km)
    #                / (A_u A_u') ** (geo_capacity / 2), A the units' activity: with 0 a firm
    #                among twice the firms has twice the partners, with 1 about as many
    "geo_affinity": (1.5, 1.5),
    "distance_km": 10.0,
    "geo_capacity": 1.0,
    # log activity = activity_size · log(max(employees, hub_size) / hub_size)
    #                + 0.1 · latent digital maturity (standardised) + activity_sigma · noise:
    # firms of hub_size+ employees are the hubs, smaller firms differ little
    "activity_size": 0.7,
    "hub_size": 100,
    "activity_sigma": 0.05,
    # need fit f = min(1, exp(x - c)), x = b_need · (15/8) y_i·y_j / Σ L² + b_hidden · h_i h_j
    #          + b_cap · (κ_i·u_j + κ_j·u_i) / 16 (y = L u the latent scores behind the
    #          observed needs and topics, h the hidden factor), c the fit_cap quantile of x;
    #          accept = (b_need, b_hidden, b_cap)
    "accept": (0.2, 0.15, 0.05),
    "fit_cap": 0.9,
    # probability that a secondary technology is missing from the observed profile
    "secondary_drop": 0.2,
    # noise of the observed needs and topics around their latent scores
    "observation_noise": 0.3,
    # the day the population describes
    "reference_date": "2024-06-01",
}

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
_BUSAN_ROOT_FIRMS = 4362
_DATE_FREE_RULES = (SME, MaxEmployees, InRegion, TargetTechnologies, CertificateRequired)
#: The root-firm certificate (뿌리기업 확인서) exists since 2021 (DOMAIN_FACTS §4; the first
#: day of 2021 is assumed): no participation that needs it is dated earlier.
CERTIFICATE_SINCE = np.datetime64("2021-01-01", "D")


def _requires_certificate(prog: Program) -> bool:
    """Whether every way into the program needs the certificate (top level or inside AllOf)."""
    def needs(rule: Rule) -> bool:
        if isinstance(rule, CertificateRequired):
            return True
        return isinstance(rule, AllOf) and any(needs(r) for r in rule.rules)
    return any(needs(r) for r in prog.rules)


# --- the calibration table -----------------------------------------------------------------
@lru_cache(maxsize=1)
def _calibration_text() -> str:
    return resources.files("rootmatch.synth").joinpath("data/calibration.json").read_text("utf-8")


def calibration_targets() -> dict[str, Any]:
    """The calibration table (``rootmatch/synth/data/calibration.json``) as a dict.

    Returns
    -------
    dict
        ``"targets"``: a list of rows (``key``, ``marginal``, ``kind``, ``target``,
        ``tolerance``, ``status``, ``source``, ``year``, ``measure``, ``note``), and the
        reference date, the Busan firm count and the figures deliberately not targeted.

    Examples
    --------
    >>> cal = calibration_targets()
    >>> row = next(r for r in cal["targets"] if r["key"] == "size.lt10")
    >>> row["target"], row["year"], row["status"]
    (0.684, 2013, 'sourced')
    >>> all(r["source"] or r["status"] == "assumed" for r in cal["targets"])
    True
    """
    return json.loads(_calibration_text())


def _targets() -> dict[str, float]:
    return {r["key"]: float(r["target"]) for r in calibration_targets()["targets"]}


# --- small numeric helpers -----------------------------------------------------------------
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
    S = _latent.complementarity_transition() * target[None, :]
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


# --- the generator --------------------------------------------------------------------------
def _check_tuning(tuning: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(tuning) - set(DEFAULT_TUNING))
    if unknown:
        raise ValidationError(
            f"unknown tuning parameter {unknown[0]!r}; known: {', '.join(sorted(DEFAULT_TUNING))}",
            field=unknown[0], value=tuning[unknown[0]],
        )
    out = {**DEFAULT_TUNING, **tuning}
    for name in ("links_per_firm", "institute_links_per_firm", "community_share",
                 "community_boost", "distance_km", "geo_capacity",
                 "activity_size", "hub_size", "activity_sigma", "secondary_drop", "tech_power",
                 "fit_cap",
                 "observation_noise"):
        value = out[name]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not (
                math.isfinite(value) and value >= 0):
            raise ValidationError(f"{name} must be a finite number >= 0, got {value!r}",
                                  field=name, value=value)
    for name in ("secondary_drop", "fit_cap"):
        if out[name] > 1:
            raise ValidationError(f"{name} must be in [0, 1], got {out[name]!r}", field=name,
                                  value=out[name])
    for name in ("distance_km", "hub_size"):
        if out[name] <= 0:
            raise ValidationError(f"{name} must be > 0, got {out[name]!r}", field=name,
                                  value=out[name])
    for name, size in (("tech_affinity", 2), ("geo_affinity", 2), ("accept", 3)):
        try:
            arr = np.asarray(out[name], dtype=float)
        except (TypeError, ValueError):
            arr = np.zeros(0)
        if arr.shape != (size,) or not np.all(np.isfinite(arr)):
            raise ValidationError(f"{name} must be {size} finite numbers, got {out[name]!r}",
                                  field=name, value=out[name])
        out[name] = tuple(float(x) for x in arr)
    out["reference_date"] = check_date(out["reference_date"], field="reference_date")
    return out


def _firm_ids(n: int) -> NDArray[np.str_]:
    """``F`` + zero-padded numbers (at least 6 digits), built as bytes (fast at any size)."""
    width = max(6, len(str(max(n - 1, 0))))
    digits = (np.arange(n, dtype=np.int64)[:, None] // 10 ** np.arange(width - 1, -1, -1)) % 10
    raw = np.empty((n, width + 1), np.uint8)
    raw[:, 0] = ord("F")
    raw[:, 1:] = digits + ord("0")
    return raw.view(f"S{width + 1}").ravel().astype(f"U{width + 1}")


_NAME_PREFIX = (
    "대성", "동양", "한일", "삼원", "부산", "신라", "태광", "세진", "영진", "금강", "대한",
    "동아", "성우", "화신", "우진", "대원", "서진", "일진", "삼보", "제일", "청우", "해동",
    "광명", "신흥", "동일", "경남", "남선", "태양", "보광", "대양", "한성", "삼화", "진영",
    "성진", "유성", "명성", "신성", "대림", "한국", "동원", "고려", "미래", "새한", "오성",
)
_NAME_WORD: dict[RootTechnology, tuple[str, str, str]] = {
    T.CASTING: ("주조", "주물", "캐스팅"),
    T.MOLD: ("금형", "몰드", "정밀금형"),
    T.FORMING: ("단조", "프레스", "포밍"),
    T.WELDING: ("용접", "웰딩", "특수용접"),
    T.SURFACE_TREATMENT: ("도금", "표면처리", "코팅"),
    T.HEAT_TREATMENT: ("열처리", "열처리", "써멀"),
    T.INJECTION_PRESS: ("사출", "플라스틱", "프레스"),
    T.PRECISION_MACHINING: ("정밀", "정공", "기공"),
    T.ADDITIVE_MANUFACTURING: ("3D프린팅", "쾌속조형", "적층"),
    T.FILM_PAPER: ("필름", "지류", "포장"),
    T.ROBOTICS: ("로보틱스", "로봇", "오토메이션"),
    T.SENSORS: ("센서", "센싱", "계측"),
    T.INDUSTRIAL_SOFTWARE: ("소프트", "정보기술", "솔루션"),
    T.ENGINEERING_DESIGN: ("엔지니어링", "설계", "디자인"),
}
_NAME_SUFFIX = ("", "", "산업", "공업", "테크", "이엔지", "(주)", "㈜", "기계", "산업(주)")


def _names(primary: NDArray[np.int64], rng: np.random.Generator) -> NDArray[np.str_]:
    """Plausible Korean firm names: prefix + technology word + suffix, or "㈜" + prefix + word
    (one table of every combination, fancy-indexed)."""
    pre = np.asarray(_NAME_PREFIX)
    words = np.asarray([_NAME_WORD[t] for t in RootTechnology])  # (14, 3)
    suf = np.asarray(_NAME_SUFFIX)
    base = np.char.add(pre[:, None, None], words[None, :, :])  # (P, 14, 3)
    table = np.char.add(base[..., None], suf[None, None, None, :])  # (P, 14, 3, S)
    lead = _NAME_SUFFIX.index("㈜")
    table[..., lead] = np.char.add("㈜", base)
    n = primary.size
    a = rng.integers(0, pre.size, n)
    b = rng.integers(0, words.shape[1], n)
    c = rng.integers(0, suf.size, n)
    return table[a, primary, b, c]


def _spawn(rng: np.random.Generator, k: int) -> list[np.random.Generator]:
    entropy = rng.integers(0, 2**32, size=8, dtype=np.uint64)
    seq = np.random.SeedSequence([int(x) for x in entropy])
    return [np.random.default_rng(s) for s in seq.spawn(k)]


def generate_population(
    n_firms: int,
    *,
    seed: SeedLike,
    catalog: Catalog | None = None,
    region: str = "busan",
    holdout: float = 0.2,
    **tuning: Any,
) -> Population:
    """A synthetic population of root firms with a planted ground truth.

    Parameters
    ----------
    n_firms : int
        Number of firms, ``>= 1``.
    seed : int, numpy.random.Generator or numpy.random.SeedSequence
        The same seed gives a bit-identical population; a Generator is consumed.
    catalog : Catalog, default=None
        Programs, institutes and hub (default: :func:`rootmatch.catalog.busan_2024`). The
        catalog's cooperatives are the memberships; its programs the participations.
    region : {"busan"}
        The calibration region; only Busan's targets exist.
    holdout : float in [0, 1), default=0.2
        Share of the sampled firm–firm and firm–institute links moved into ``pop.truth``.
    **tuning
        Overrides of :data:`DEFAULT_TUNING` (the hidden model's parameters).

    Returns
    -------
    Population
        ``firms`` (a :class:`~rootmatch.FirmTable` with ids ``F000000``…), the catalog's
        institutes, programs and hub, the observed ``collaborations`` and
        ``institute_links``, and ``truth`` (:class:`Truth`).

    Raises
    ------
    ValidationError
        For a bad ``n_firms``, ``region``, ``holdout``, seed or tuning parameter.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(2000, seed=7)
    >>> len(pop), str(pop.firms.ids[0]), pop.collaborations.shape[1]
    (2000, 'F000000', 2)
    >>> scores = pop.truth.oracle_scores(["F000001"], ["F000002", "F000003", "KIMM-BUSAN"])
    >>> scores.shape, bool(((scores >= 0) & (scores <= 1)).all())
    ((1, 3), True)
    >>> (rm.synth.generate_population(300, seed=1).firms
    ...  == rm.synth.generate_population(300, seed=1).firms)
    True
    """
    if not isinstance(n_firms, (int, np.integer)) or isinstance(n_firms, bool) or n_firms < 1:
        raise ValidationError(f"n_firms must be an integer >= 1, got {n_firms!r}",
                              field="n_firms", value=n_firms)
    if region != "busan":
        raise ValidationError(f"region must be 'busan' (the only calibrated region), got "
                              f"{region!r}", field="region", value=region)
    if not isinstance(holdout, (int, float)) or isinstance(holdout, bool) or not (
            0 <= holdout < 1):
        raise ValidationError(f"holdout must be a number in [0, 1), got {holdout!r}",
                              field="holdout", value=holdout)
    params = _check_tuning(tuning)
    catalog = busan_2024() if catalog is None else catalog
    if not isinstance(catalog, Catalog):
        raise ValidationError(f"catalog must be a rootmatch.Catalog, got "
                              f"{type(catalog).__name__}", field="catalog", value=catalog)
    rng = check_rng(seed)
    streams = _spawn(rng, 8)
    return _Generator(int(n_firms), params, catalog, streams).run(float(holdout))


class _Generator:
    """One population's draws, in order (see the module docstring)."""

    def __init__(self, n: int, params: dict[str, Any], catalog: Catalog,
                 streams: list[np.random.Generator]) -> None:
        self.n = n
        self.p = params
        self.catalog = catalog
        (self.rng_attr, self.rng_comm, self.rng_part, self.rng_latent, self.rng_links,
         self.rng_inst, self.rng_split, self.rng_names) = streams
        self.tg = _targets()
        self.ref = params["reference_date"]

    # ---- observed attributes ------------------------------------------------------------
    def technologies(self) -> None:
        n, rng, drop = self.n, self.rng_attr, float(self.p["secondary_drop"])
        p, S = _primary_probabilities(drop)
        primary = _categorical(np.cumsum(p) / p.sum(), rng.random(n))
        S_cdf = np.cumsum(S, axis=1)
        S_cdf /= S_cdf[:, -1:]
        multi = rng.random(n) < _MULTI_TRUE
        third = multi & (rng.random(n) < _THIRD)
        s1 = _latent.draw_rows(S_cdf, primary, rng.random(n))
        s2 = _latent.draw_rows(S_cdf, primary, rng.random(n))
        third &= s2 != s1
        keep1 = rng.random(n) >= drop
        keep2 = rng.random(n) >= drop
        one = np.int64(1)
        true = (one << primary) | np.where(multi, one << s1, 0) | np.where(third, one << s2, 0)
        obs = (one << primary) | np.where(multi & keep1, one << s1, 0) | np.where(
            third & keep2, one << s2, 0)
        self.primary, self.true_tech, self.tech = primary, true, obs
        self.secondary = np.where(multi, s1, -1)

    def sizes(self) -> None:
        n, rng = self.n, self.rng_attr
        table = _size_table(float(self.p["secondary_drop"]))
        band = _latent.draw_rows(np.cumsum(table, axis=1) / table.sum(axis=1, keepdims=True),
                                 self.primary, rng.random(n))
        employees = np.zeros(n, np.int64)
        for b, (k, pmf) in enumerate(_band_pmfs()):
            rows = np.flatnonzero(band == b)
            employees[rows] = k[_categorical(np.cumsum(pmf), rng.random(rows.size))]
        self.employees = employees
        log_e = np.log(employees.astype(float))
        sd = log_e.std()
        self.z_size = (log_e - log_e.mean()) / (sd if sd > 0 else 1.0)

    def places(self) -> None:
        n, rng = self.n, self.rng_attr
        units = _units()
        table = _location_table(float(self.p["secondary_drop"]))
        cdf = np.cumsum(table, axis=1)
        cdf /= cdf[:, -1:]
        self.unit = _latent.draw_rows(cdf, self.primary, rng.random(n))
        self.district = units.district[self.unit]
        vocab = ("", *sorted(set(_CLUSTER_DISTRICT)))
        code = np.array([vocab.index(c) for c in units.cluster])
        self.cluster_vocab = vocab
        self.cluster = code[self.unit]

    def ages_and_workforce(self) -> None:
        n, rng, tg = self.n, self.rng_attr, self.tg
        # firm age: Gaussian copula on size (rho 0.35), exact marginal by ranks
        z_age = 0.35 * self.z_size + math.sqrt(1 - 0.35**2) * rng.standard_normal(n)
        probs = np.array([tg["age.lt5"], tg["age.5_9"], tg["age.10_19"], tg["age.20_29"],
                          tg["age.30plus"]])
        b = _categorical(np.cumsum(probs) / probs.sum(), _rank_uniform(z_age))
        lo = np.array([0, 5, 10, 20, 30])[b]
        width = np.array([5, 5, 10, 10, 1])[b]
        age = lo + np.floor(rng.random(n) * width).astype(np.int64)
        old = b == 4
        age[old] += np.minimum(rng.geometric(1 / 7.0, int(old.sum())) - 1, 40)
        self.age = age
        self.founded = self.ref.year - age
        founded_year = (np.asarray(self.founded, np.int64) - 1970).astype("datetime64[Y]")
        self._founded_day = founded_year.astype("datetime64[D]")  # 1 January
        z_age_std = (age - age.mean()) / max(age.std(), 1e-9)
        # workforce aged 40+: logit-normal, older firms and mold older, intelligent younger
        eff = np.zeros(N_TECH)
        eff[T.MOLD.value] = 0.3
        for t in (T.ROBOTICS, T.SENSORS, T.INDUSTRIAL_SOFTWARE, T.ENGINEERING_DESIGN):
            eff[t.value] = -0.6
        eff[T.ADDITIVE_MANUFACTURING.value] = -0.4
        x = 0.5 * z_age_std + eff[self.primary] + 0.8 * rng.standard_normal(n)
        e = self.employees.astype(float)
        self.w40 = _sigmoid(x + _solve_shift(x, e, tg["workforce.aged_40plus"]))
        # foreign workers: more in larger firms; base-process firms hold most of them
        has = rng.random(n) < _sigmoid(-0.8 + 0.9 * self.z_size)
        raw = has * np.exp(0.5 * rng.standard_normal(n))
        bits = _bits(self.tech, N_TECH)
        base = np.array([t.group is TechGroup.BASE for t in RootTechnology])
        self.base_frac = (bits & base).sum(axis=1) / bits.sum(axis=1)
        self.foreign = _solve_foreign(raw, e, self.base_frac, tg["workforce.foreign"],
                                      tg["workforce.foreign_in_base"])

    def latents(self) -> None:
        n, rng = self.n, self.rng_attr
        K = _latent.K
        need_m, cap_m = _latent.need_means(), _latent.capability_means()
        sec = self.secondary
        has_sec = sec >= 0
        self.capability = cap_m[self.primary] + 0.7 * rng.standard_normal((n, K), np.float32)
        need = need_m[self.primary] + rng.standard_normal((n, K), np.float32)
        need[has_sec] += 0.5 * need_m[sec[has_sec]]
        self.need = need
        # digital level: copula on size and digital capability, exact marginal by ranks
        dig = _latent.FACTORS.index("digital")
        d_star = (0.55 * self.z_size + 0.45 * self.capability[:, dig]
                  + 0.5 * rng.standard_normal(n))
        probs = np.array([self.tg[f"digital.{k}"] for k in range(5)])
        self.digital = _categorical(np.cumsum(probs) / probs.sum(), _rank_uniform(d_star))
        # activity: larger and more digital firms are the hubs, plus an idiosyncratic part
        d_std = (d_star - d_star.mean()) / max(d_star.std(), 1e-9)
        hub = float(self.p["hub_size"])
        la = (float(self.p["activity_size"]) * np.log(np.maximum(self.employees, hub) / hub)
              + 0.1 * d_std + float(self.p["activity_sigma"]) * rng.standard_normal(n))
        a = np.exp(la - la.max())
        self.activity = a / a.mean()

    def needs_and_topics(self) -> None:
        n, rng, tg = self.n, self.rng_attr, self.tg
        L = _latent.observation_loadings()
        Y = (self.need @ L.T).astype(np.float32)
        Y += np.float32(self.p["observation_noise"]) * rng.standard_normal(
            (n, L.shape[0]), dtype=np.float32)
        small = (self.employees < 10).astype(float)
        big = (self.employees >= 50).astype(float)
        ax = {a: a.value for a in SupportAxis}
        Y[:, ax[SupportAxis.WORKFORCE]] += 0.7 * small - 0.5 * big + 1.5 * (self.w40 - 0.66)
        Y[:, ax[SupportAxis.MANAGEMENT]] += 0.7 * small - 0.5 * big
        Y[:, ax[SupportAxis.INFRASTRUCTURE]] += 0.3 * big
        Y[:, len(SupportAxis) + Topic.EXPORT.value] += 0.3 * self.z_size
        # 9% give no answer; with the firms whose scores cross no threshold, 15% show nothing
        reporting = rng.random(n) >= 0.09
        keys = [f"needs.{a.name}" for a in SupportAxis] + [f"topic.{t.name}" for t in Topic]
        share = max(reporting.mean(), 1e-9)
        rows = np.flatnonzero(reporting)
        bits = np.zeros(Y.shape, bool)
        if rows.size:
            sample = rows if rows.size <= 200_000 else rng.choice(rows, 200_000, replace=False)
            q = np.clip(1 - np.array([tg[k] for k in keys]) / share, 0.0, 1.0)
            cut = np.array([np.quantile(Y[sample, c], q[c]) for c in range(Y.shape[1])])
            bits[rows] = Y[rows] > cut
        n_ax = len(SupportAxis)
        self.needs_mask = _mask_of_bits(bits[:, :n_ax])
        self.topics_mask = _mask_of_bits(bits[:, n_ax:])

    def materials_and_certificate(self) -> None:
        n, rng = self.n, self.rng_attr
        P = np.zeros((N_TECH, len(Material)))
        for t, row in _MATERIALS.items():
            for mat, pr in row.items():
                P[t.value, mat.value] = pr
        bits = rng.random((n, len(Material))) < P[self.primary]
        mat_f = self.need[:, _latent.FACTORS.index("materials")]
        env_f = self.need[:, _latent.FACTORS.index("environment")]
        bits[:, Material.CARBON.value] |= mat_f > 2.2
        bits[:, Material.ECO.value] |= (mat_f + env_f) > 3.0
        self.materials_mask = _mask_of_bits(bits)
        score = 0.6 * self.z_size + 0.4 * np.log(self.activity) + rng.standard_normal(n)
        cut = np.quantile(score, 1 - self.tg["certified"]) if n > 1 else np.inf
        self.certified = score > cut if n > 1 else rng.random(n) < self.tg["certified"]

    # ---- communities and memberships ------------------------------------------------------
    def communities(self) -> None:
        n, rng = self.n, self.rng_comm
        fam = np.array([_FAMILY[t] for t in RootTechnology])[self.primary]
        fam = np.where(rng.random(n) < 0.8, fam, rng.integers(0, 3, n))
        order = np.lexsort((rng.random(n), fam, self.unit))
        mean = max(4.0, float(self.p["community_share"]) * n)
        sizes = rng.geometric(1 / mean, n)
        ends = np.cumsum(sizes)
        last = int(np.searchsorted(ends, n))
        position_group = np.searchsorted(ends[: last + 1], np.arange(n), side="right")
        community = np.empty(n, np.int64)
        community[order] = position_group
        self.community = community
        self.n_communities = int(position_group.max()) + 1 if n else 0

    def memberships(self) -> None:
        n, rng = self.n, self.rng_comm
        coops = sorted(i.id for i in self.catalog.institutes.values()
                       if i.kind is InstituteKind.COOPERATIVE)
        bits = _bits(self.tech, N_TECH)
        pairs_f, pairs_c = [], []
        vocab = list(coops)
        for code, cid in enumerate(vocab):
            inst = self.catalog.institutes[cid]
            rules = _MEMBERSHIP_RULES.get(cid) or [
                {"any": sorted(inst.expertise, key=lambda t: t.value) or list(RootTechnology),
                 "rate": 0.15}]
            effect = 1.5 * rng.standard_normal(self.n_communities)
            score = effect[self.community] + 0.4 * self.z_size + rng.standard_normal(n)
            taken = np.zeros(n, bool)
            for rule in rules:
                group = _membership_group(rule, bits, self.district, self.cluster,
                                          self.cluster_vocab) & ~taken
                taken |= group
                rate = self.tg.get(rule.get("key", ""), rule["rate"])
                rows = np.flatnonzero(group)
                if rows.size == 0:
                    continue
                k = round(rate * rows.size) if rows.size > 20 else int(
                    (rng.random(rows.size) < rate).sum())
                if k == 0:
                    continue
                top = rows[np.argpartition(-score[rows], k - 1)[:k]]
                pairs_f.append(top)
                pairs_c.append(np.full(top.size, code))
        firms = np.concatenate(pairs_f) if pairs_f else np.zeros(0, np.int64)
        codes = np.concatenate(pairs_c) if pairs_c else np.zeros(0, np.int64)
        order = np.lexsort((codes, firms))
        self.mem_vocab = tuple(vocab)
        self.mem_codes = codes[order]
        self.mem_indptr = np.concatenate([[0], np.cumsum(np.bincount(firms, minlength=n))])

    # ---- the table and the participations ---------------------------------------------------
    def table(self, *, participations: tuple[Any, ...] | None = None,
              validate: bool = False) -> FirmTable:
        part = participations or ((), None, None, None)
        return FirmTable.from_columns(
            ids=self.ids, names=self.names, tech_mask=self.tech, employees=self.employees,
            district=self.district, founded=self.founded, workforce_40plus=self.w40,
            foreign_share=self.foreign, digital_level=self.digital,
            materials_mask=self.materials_mask, needs_mask=self.needs_mask,
            topics_mask=self.topics_mask, certified=self.certified, cluster=self.cluster,
            cluster_vocab=self.cluster_vocab, membership_vocab=self.mem_vocab,
            mem_indptr=self.mem_indptr, mem_codes=self.mem_codes,
            program_vocab=part[0], part_indptr=part[1], part_program=part[2],
            part_on=part[3], validate=validate,
        )

    def participations(self, table: FirmTable) -> tuple[Any, ...]:
        n, rng = self.n, self.rng_part
        programs = sorted(self.catalog.programs.values(), key=lambda p: p.id)
        firms, codes, days = [], [], []
        ref = np.datetime64(self.ref, "D")
        for code, prog in enumerate(programs):
            start = np.datetime64(prog.start, "D")
            stop = min(np.datetime64(prog.end, "D"), ref)
            if stop < start:
                continue
            span = int((stop - start).astype(int)) + 1
            years = span / 365.25
            cap = prog.capacity if prog.capacity is not None else 20
            expected = cap * years * n / _BUSAN_ROOT_FIRMS
            count = int(rng.poisson(expected)) if expected < 50 else round(expected)
            free, dated = _split_rules(prog)
            ok = np.ones(n, bool)
            for r in free:
                ok &= np.asarray(r.mask(table, program=prog, on=prog.start), bool)
            # the first day each firm could have joined: the program's start, the year the
            # firm was founded and, for certificate-only programs, the certificate's enactment
            first = np.maximum(start, self._founded_day)
            if _requires_certificate(prog):
                first = np.maximum(first, CERTIFICATE_SINCE)
            ok &= first <= stop
            eligible = np.flatnonzero(ok)
            # fit of the latent needs to the program's axes and topics, activity, community
            v = _latent.profile_vector(prog.all_axes, prog.topics)
            effect = rng.standard_normal(self.n_communities)
            score = (0.8 * (self.need[eligible] @ v) + 0.5 * np.log(self.activity[eligible])
                     + 1.0 * effect[self.community[eligible]])
            score = score + rng.gumbel(size=eligible.size)
            count = min(count, eligible.size // 2 if eligible.size > 1 else eligible.size)
            if count <= 0:
                continue
            chosen = np.sort(eligible[np.argpartition(-score, count - 1)[:count]])
            lo = first[chosen]
            days_open = (stop - lo).astype(np.int64) + 1
            on = lo + np.floor(rng.random(chosen.size) * days_open).astype(np.int64)
            if dated:
                keep = _check_dated(dated, prog, table, chosen, on)
                chosen, on = chosen[keep], on[keep]
            firms.append(chosen)
            codes.append(np.full(chosen.size, code))
            days.append(on)
        vocab = tuple(p.id for p in programs)
        if not firms:
            return (vocab, np.zeros(n + 1, np.int64), np.zeros(0, np.int32),
                    np.zeros(0, "datetime64[D]"))
        f, c, d = np.concatenate(firms), np.concatenate(codes), np.concatenate(days)
        order = np.lexsort((c, d, f))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(f, minlength=n))])
        return (vocab, indptr, c[order], d[order])

    # ---- the hidden model --------------------------------------------------------------------
    def latent_model(self) -> LatentModel:
        rng = self.rng_latent
        units = _units()
        dist = np.linalg.norm(units.xy[:, None, :] - units.xy[None, :, :], axis=2)
        named = np.array([c != "" for c in units.cluster])
        same_cluster = np.eye(len(units.names)) * named[:, None]
        same_district = (units.district[:, None] == units.district[None, :]).astype(float)
        geo = _latent.geo_affinity(dist, same_cluster, same_district,
                                   cluster=self.p["geo_affinity"][0],
                                   district=self.p["geo_affinity"][1],
                                   scale=float(self.p["distance_km"]))
        # a firm's partners are bounded by its capacity, not by how many firms sit around it:
        # divide by the units' activity (so a dense complex does not multiply everyone's links)
        mass = np.bincount(self.unit, weights=self.activity, minlength=len(units.names))
        mass = np.where(mass > 0, mass, 1.0) ** float(self.p["geo_capacity"])
        geo = geo / np.sqrt(mass[:, None] * mass[None, :])
        geo /= geo.max()
        insts = sorted(self.catalog.institutes.values(), key=lambda i: i.id)
        m = len(insts)
        inst_xy = _to_km(np.array([
            _DISTRICT_XY[i.district] if i.district is not None else _DISTRICT_XY[D.BUSANJIN]
            for i in insts]).reshape(-1, 2))
        expertise = np.zeros((m, N_TECH))
        for k, inst in enumerate(insts):
            for t in inst.expertise:
                expertise[k, t.value] = 1.0
        model = LatentModel(
            tech=self.true_tech.astype(np.uint16),
            unit=self.unit.astype(np.int64),
            community=self.community,
            activity=self.activity,
            need=self.need,
            capability=self.capability,
            tech_affinity=_latent.tech_affinity(*self.p["tech_affinity"]),
            tech_power=float(self.p["tech_power"]),
            geo_affinity=geo,
            community_boost=float(self.p["community_boost"]),
            rate=0.0,
            accept=self.p["accept"],
            fit_cap=0.0,
            inst_ids=tuple(i.id for i in insts),
            inst_open=np.array([i.kind is not InstituteKind.COOPERATIVE for i in insts], bool),
            inst_profile=np.array([_latent.profile_vector(i.services, i.topics) for i in insts]
                                  ).reshape(m, _latent.K),
            inst_expertise=expertise,
            inst_distance=np.linalg.norm(units.xy[:, None, :] - inst_xy[None, :, :], axis=2),
            inst_offset=np.array([_INSTITUTE_KIND_OFFSET[i.kind] for i in insts]),
            inst_community=1.0 * rng.standard_normal((max(self.n_communities, 1), m)),
            inst_params=(0.0, 2.0, 0.8, 1.5, 8.0),
        )
        # the proposals do not depend on fit_cap or rate: one proposer serves every step
        self.proposer = _latent.Proposer(model)
        model = attrs.evolve(model, fit_cap=_latent.calibrate_fit_cap(
            model, rng, float(self.p["fit_cap"]), prop=self.proposer))
        self.proposer.set_model(model)
        rate = _latent.calibrate_rate(model, float(self.p["links_per_firm"]), rng,
                                      prop=self.proposer)
        shift = _latent.calibrate_institute_intercept(
            model, float(self.p["institute_links_per_firm"]), rng)
        model = attrs.evolve(model, rate=rate, inst_params=(shift, *model.inst_params[1:]))
        self.proposer.set_model(model)
        return model

    # ---- everything --------------------------------------------------------------------------
    def run(self, holdout: float) -> Population:
        self.technologies()
        self.sizes()
        self.places()
        self.ages_and_workforce()
        self.latents()
        self.needs_and_topics()
        self.materials_and_certificate()
        self.communities()
        self.memberships()
        self.ids = _firm_ids(self.n)
        self.names = _names(self.primary, self.rng_names)
        parts = self.participations(self.table())
        firms = self.table(participations=parts, validate=True)
        model = self.latent_model()
        links = _latent.sample_firm_links(model, self.rng_links, prop=self.proposer)
        del self.proposer
        inst_links = _latent.sample_institute_links(model, self.rng_inst)
        # the hold-out: an independent stream, after everything observed is drawn
        rng = self.rng_split
        held = rng.random(links.shape[0]) < holdout
        held_i = rng.random(inst_links.shape[0]) < holdout
        ids = self.ids
        inst_ids = np.asarray(model.inst_ids, dtype=str) if model.inst_ids else np.zeros(0, str)
        truth = Truth(
            held_out=ids[links[held]],
            held_out_institute=_inst_pairs(ids, inst_ids, inst_links[held_i]),
            model=model,
            firm_ids=ids,
        )
        pop = Population(firms=firms, institutes=dict(self.catalog.institutes),
                         programs=dict(self.catalog.programs), hub=self.catalog.hub, truth=truth)
        # The links come from row indices of this very table (every id known, never a firm
        # with itself; the tests rebuild populations through the validators to prove it), so
        # they are set directly: Population's id checks compare strings (np.isin), several
        # seconds at a million firms.
        for name, pairs in (("collaborations", ids[links[~held]]),
                            ("institute_links", _inst_pairs(ids, inst_ids, inst_links[~held_i]))):
            pairs.setflags(write=False)
            object.__setattr__(pop, name, pairs)
        return pop


def _inst_pairs(ids: NDArray[np.str_], inst_ids: NDArray[np.str_],
                pairs: NDArray[np.int64]) -> NDArray[np.str_]:
    if pairs.shape[0] == 0:
        return np.zeros((0, 2), dtype=str)
    return np.stack([ids[pairs[:, 0]], inst_ids[pairs[:, 1]]], axis=1)


def _sigmoid(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return scipy.special.expit(x)


def _solve_shift(x: NDArray[np.float64], weight: NDArray[np.float64], target: float) -> float:
    """The shift ``c`` with ``Σ w sigmoid(x + c) / Σ w = target`` (Newton, then bisection)."""
    if x.size == 0 or weight.sum() <= 0:
        return 0.0
    lo, hi = -40.0, 40.0
    c = 0.0
    tot = weight.sum()
    for _ in range(60):
        s = _sigmoid(x + c)
        val = (weight * s).sum() / tot - target
        if abs(val) < 1e-10:
            break
        if val > 0:
            hi = c
        else:
            lo = c
        grad = (weight * s * (1 - s)).sum() / tot
        step = c - val / grad if grad > 1e-12 else 0.5 * (lo + hi)
        c = step if lo < step < hi else 0.5 * (lo + hi)
    return c


def _solve_foreign(raw: NDArray[np.float64], e: NDArray[np.float64], bf: NDArray[np.float64],
                   total: float, base_share: float, cap: float = 0.85) -> NDArray[np.float64]:
    """Per-firm foreign shares ``min(cap, raw·(c_b·bf + c_o·(1 - bf)))`` with the two
    constants solved so the employee-weighted share is ``total`` and base-process firms
    (fractionally, ``bf``) employ ``base_share`` of the foreign workers."""
    E = e.sum()
    if E <= 0 or not np.any(raw > 0):
        return np.zeros_like(raw)
    want = np.array([total * E, base_share * total * E])
    c = np.array([1.0, 1.0])
    capped = np.zeros(raw.size, bool)
    for _ in range(8):
        free = ~capped
        rx = e * raw * free
        A = np.array([[np.sum(rx * bf), np.sum(rx * (1 - bf))],
                      [np.sum(rx * bf * bf), np.sum(rx * bf * (1 - bf))]])
        fixed = np.array([np.sum(e * cap * capped), np.sum(e * cap * capped * bf)])
        try:
            c = np.linalg.solve(A, want - fixed)
        except np.linalg.LinAlgError:
            c = np.full(2, (want[0] - fixed[0]) / max(A[0].sum(), 1e-12))
        c = np.clip(c, 0.0, None)
        share = raw * (c[0] * bf + c[1] * (1 - bf))
        new_capped = share > cap
        if np.array_equal(new_capped, capped):
            break
        capped = new_capped | capped
    return np.clip(raw * (c[0] * bf + c[1] * (1 - bf)), 0.0, cap)


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


def _date_free(rule: Rule) -> bool:
    if isinstance(rule, _DATE_FREE_RULES):
        return True
    if isinstance(rule, (AllOf, AnyOf)):
        return all(_date_free(r) for r in rule.rules)
    if isinstance(rule, Not):
        return _date_free(rule.rule)
    return False


def _split_rules(prog: Program) -> tuple[list[Rule], list[Rule]]:
    """The program's rules that do not depend on the date, and those that do.

    The period (a top-level ``ActiveOn``) holds by construction: dates are drawn inside it;
    "not already a participant" is the documented exception (a firm joins a program once).
    """
    free, dated = [], []
    for r in prog.rules:
        if isinstance(r, (ActiveOn, NotAlreadyParticipant)):
            continue
        (free if _date_free(r) else dated).append(r)
    return free, dated


def _check_dated(rules: list[Rule], prog: Program, table: FirmTable, rows: NDArray[np.int64],
                 on: NDArray[np.datetime64]) -> NDArray[np.bool_]:
    """Evaluate date-dependent rules on each firm's own date (one pass per distinct date)."""
    keep = np.ones(rows.size, bool)
    for day in np.unique(on):
        sel = np.flatnonzero(on == day)
        sub = table.take(rows[sel])
        day_d = day.astype("datetime64[D]").item()
        ok = np.ones(sel.size, bool)
        for r in rules:
            ok &= np.asarray(r.mask(sub, program=prog, on=day_d), bool)
        keep[sel] = ok
    return keep


# --- the truth -----------------------------------------------------------------------------
_ARRAY_EQ = attrs.cmp_using(eq=np.array_equal)


@frozen(kw_only=True, eq=False)
class Truth:
    """The planted ground truth of a synthetic population.

    Attributes
    ----------
    held_out : ndarray of str, shape (m, 2)
        Firm–firm links sampled from the hidden model and held out of
        ``pop.collaborations`` (pairs of firm ids, first < second).
    held_out_institute : ndarray of str, shape (m, 2)
        ``(firm id, institute id)`` links held out of ``pop.institute_links``.

    Notes
    -----
    The oracle and the latent state it reads are private; nothing observed depends on them.
    """

    held_out: NDArray[np.str_] = field(eq=_ARRAY_EQ)
    held_out_institute: NDArray[np.str_] = field(eq=_ARRAY_EQ)
    _model: LatentModel = field(repr=False, alias="model")
    _firm_ids: NDArray[np.str_] = field(repr=False, alias="firm_ids")

    def _firm_rows(self, ids: NDArray[np.str_], *, what: str) -> NDArray[np.int64]:
        pos = np.searchsorted(self._firm_ids, ids)
        pos = np.minimum(pos, max(self._firm_ids.size - 1, 0))
        found = self._firm_ids[pos] == ids if self._firm_ids.size else np.zeros(ids.size, bool)
        if not found.all():
            bad = str(ids[np.flatnonzero(~found)[0]])
            raise UnknownEntityError(f"unknown {what} id {bad!r}")
        return pos.astype(np.int64)

    def oracle_scores(
        self, firm_ids: ArrayLike, candidate_ids: ArrayLike, *, block_cells: int = 1 << 20
    ) -> NDArray[np.float64]:
        """The true link probability of every (firm, candidate) pair.

        Parameters
        ----------
        firm_ids : str or sequence of str
            Query firms.
        candidate_ids : str or sequence of str
            Firm ids and institute ids, in any mix.
        block_cells : int, default=2**20
            Pairs computed at once (bounds the temporary memory).

        Returns
        -------
        ndarray of float64, shape (len(firm_ids), len(candidate_ids))
            ``P(link)`` in [0, 1] under the hidden model: for firms ``1 - exp(-Λ)``, for
            institutes the Bernoulli probability; 0 for a firm with itself and for
            cooperatives (joined, not collaborated with).

        Raises
        ------
        UnknownEntityError
            For an id that is neither a firm of the population nor one of its institutes.

        Examples
        --------
        >>> import rootmatch as rm
        >>> pop = rm.synth.generate_population(500, seed=3)
        >>> s = pop.truth.oracle_scores(["F000010", "F000011"], pop.firms.ids)
        >>> s.shape, float(s[0, 10]), bool((s >= 0).all() and (s <= 1).all())
        ((2, 500), 0.0, True)
        """
        q = np.atleast_1d(np.asarray(firm_ids, dtype=str))
        c = np.atleast_1d(np.asarray(candidate_ids, dtype=str))
        rows = self._firm_rows(q, what="firm")
        inst_ids = np.asarray(self._model.inst_ids, dtype=str)  # sorted
        is_inst = np.isin(c, inst_ids)
        firm_cols = np.flatnonzero(~is_inst)
        inst_cols = np.flatnonzero(is_inst)
        crow = self._firm_rows(c[firm_cols], what="firm or institute")
        cinst = np.searchsorted(inst_ids, c[inst_cols]).astype(np.int64)
        out = np.zeros((q.size, c.size))
        step = max(1, int(block_cells) // max(c.size, 1))
        for lo in range(0, q.size, step):
            r = rows[lo: lo + step]
            if firm_cols.size:
                out[lo: lo + step, firm_cols] = -np.expm1(-_latent.firm_rates(self._model, r,
                                                                               crow))
            if inst_cols.size:
                out[lo: lo + step, inst_cols] = _sigmoid(
                    _latent.institute_logits(self._model, r, cinst))
        return out


# --- the calibration report ----------------------------------------------------------------
@frozen(kw_only=True)
class CalibrationRow:
    """One marginal of a population beside its target.

    ``ok`` is ``None`` when the row has no target (informational rows) or the observed value
    is undefined (an empty group).
    """

    key: str
    group: str
    marginal: str
    observed: float
    target: float | None
    kind: str
    tolerance: float
    status: str
    source: str
    year: int | None
    unit: str = "share"
    note: str = ""

    @property
    def ok(self) -> bool | None:
        """Whether the observed value meets the target."""
        if self.target is None or not math.isfinite(self.observed):
            return None
        if self.kind == "at_least":
            return self.observed >= self.target
        return abs(self.observed - self.target) <= self.tolerance + 1e-12

    def format(self, value: float | None) -> str:
        """``value`` in the row's unit (percent, points, years, a coefficient or a count)."""
        if value is None or not math.isfinite(value):
            return "—"
        if self.unit == "share":
            return f"{100 * value:.1f}%"
        if self.unit == "pp":
            return f"{100 * value:+.1f} pp"
        if self.unit in ("years", "mean"):
            return f"{value:.2f}"
        if self.unit == "coef":
            return f"{value:.2f}"
        return f"{value:.4g}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


@frozen(kw_only=True, repr=False)
class CalibrationReport:
    """Every marginal of a population beside its target and source.

    ``str(report)`` is an aligned table; :meth:`to_markdown` a Markdown one; ``report[key]`` a
    row; :attr:`failures` the rows off target.
    """

    rows: tuple[CalibrationRow, ...]
    n_firms: int

    def __getitem__(self, key: str) -> CalibrationRow:
        for r in self.rows:
            if r.key == key:
                return r
        raise UnknownEntityError(f"no calibration row {key!r}")

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def failures(self) -> tuple[CalibrationRow, ...]:
        """The rows whose observed value misses the target."""
        return tuple(r for r in self.rows if r.ok is False)

    def _cells(self) -> list[list[str]]:
        out = []
        for r in self.rows:
            target = "—" if r.target is None else (
                ("≥ " if r.kind == "at_least" else "") + r.format(r.target))
            mark = {True: "ok", False: "OFF", None: ""}[r.ok]
            out.append([r.group, r.marginal, r.format(r.observed), target, mark, r.status,
                        "" if r.year is None else str(r.year), r.source])
        return out

    _HEAD = ("group", "marginal", "observed", "target", "", "status", "year", "source")

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        cells = self._cells()
        widths = [max(_width(h), *(_width(c[k]) for c in cells)) if cells else _width(h)
                  for k, h in enumerate(self._HEAD)]
        widths[-1] = 0
        lines = [(f"Calibration of {self.n_firms:,} firms: {len(self.rows)} marginals, "
                 f"{len(self.failures)} off target")]
        lines.append("  ".join(_pad(h, w) for h, w in zip(self._HEAD, widths, strict=True))
                     .rstrip())
        lines.append("  ".join("-" * max(w, 6) for w in widths).rstrip())
        lines.extend("  ".join(_pad(x, w) for x, w in zip(c, widths, strict=True)).rstrip()
                     for c in cells)
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The report as a Markdown table."""
        head = "| " + " | ".join(h or "ok" for h in self._HEAD) + " |"
        sep = "|" + "|".join("---" for _ in self._HEAD) + "|"
        body = ["| " + " | ".join(x.replace("|", "\\|") for x in c) + " |"
                for c in self._cells()]
        return "\n".join([head, sep, *body])

    def to_records(self) -> list[dict[str, Any]]:
        """The rows as JSON-able dicts (with ``ok``)."""
        return [{**attrs.asdict(r), "ok": r.ok} for r in self.rows]


def _unit_of(key: str, kind: str) -> str:  # noqa: ARG001 - one signature for every row
    if key.startswith(("gap.", "mix.")):
        return "pp"
    if key == "age.mean":
        return "years"
    if key == "digital.size_corr":
        return "coef"
    return "share"


def _share(mask: NDArray[np.bool_], within: NDArray[np.bool_] | None = None) -> float:
    if within is not None:
        mask = mask[within]
    return float(mask.mean()) if mask.size else float("nan")


def _observe(pop: Population, ref_year: int) -> dict[str, float]:
    """Every measure of the calibration table, from the observable columns only."""
    f = pop.firms
    n = len(f)
    out: dict[str, float] = {}
    e = f.employees.astype(float)
    tech = f.tech_matrix()
    count = np.maximum(tech.sum(axis=1), 1)
    frac = tech / count[:, None]
    small, big = f.employees < 10, f.employees >= 50
    out["size.lt10"] = _share(small)
    out["size.10_49"] = _share((f.employees >= 10) & (f.employees <= 49))
    out["size.50_299"] = _share((f.employees >= 50) & (f.employees <= 299))
    out["size.300plus"] = _share(f.employees >= 300)
    band = (f.employees >= 50) & (f.employees <= 299)
    out["size.employees_50_299"] = float(e[band].sum() / e.sum()) if e.sum() > 0 else math.nan
    mold = tech[:, T.MOLD.value]
    out["size.mold_lt10"] = _share(small, mold)
    shares = frac.mean(axis=0) if n else np.full(N_TECH, math.nan)
    for t in RootTechnology:
        out[f"tech.{t.name}"] = float(shares[t.value])
    out["tech.multi"] = _share(tech.sum(axis=1) >= 2)
    E = e.sum()
    out["workforce.aged_40plus"] = float((e * f.workforce_40plus).sum() / E) if E else math.nan
    fw = e * f.foreign_share
    out["workforce.foreign"] = float(fw.sum() / E) if E else math.nan
    base = np.array([t.group is TechGroup.BASE for t in RootTechnology])
    fb = (frac[:, base].sum(axis=1) * fw).sum()
    out["workforce.foreign_in_base"] = float(fb / fw.sum()) if fw.sum() > 0 else math.nan
    known = f.founded > 0
    age = ref_year - f.founded.astype(np.int64)
    for key, lo, hi in (("lt5", 0, 5), ("5_9", 5, 10), ("10_19", 10, 20), ("20_29", 20, 30),
                        ("30plus", 30, 10**6)):
        out[f"age.{key}"] = _share((age >= lo) & (age < hi), known)
    out["age.mean"] = float(age[known].mean()) if known.any() else math.nan
    for k in range(5):
        out[f"digital.{k}"] = _share(f.digital_level == k)
    if n > 2 and np.ptp(f.digital_level) > 0 and np.ptp(f.employees) > 0:
        out["digital.size_corr"] = float(scipy.stats.spearmanr(f.digital_level,
                                                               f.employees).statistic)
    else:
        out["digital.size_corr"] = math.nan
    out["certified"] = _share(f.certified)
    mem = f.membership_matrix()
    vocab = f.membership_vocab
    for cid, rules in _MEMBERSHIP_RULES.items():
        col = (np.asarray(mem[:, vocab.index(cid)].todense()).ravel() > 0) if cid in vocab \
            else np.zeros(n, bool)
        for rule in rules:
            if "key" in rule:
                group = _membership_group(rule, tech, f.district, f.cluster, f.cluster_vocab)
                out[rule["key"]] = _share(col, group)
    for d in District:
        out[f"district.{d.name}"] = _share(f.district == d.value)
    cl = np.asarray(f.cluster_vocab, dtype=object)[f.cluster] if n else np.zeros(0, object)
    for name in _CLUSTER_DISTRICT:
        out[f"cluster.{name}"] = _share(cl == name)
    plating = np.isin(cl, ["신평·장림", "녹산"])
    surf = frac[:, T.SURFACE_TREATMENT.value]
    out["mix.surface_in_plating_complexes"] = (
        float(surf[plating].mean() - surf[~plating].mean())
        if plating.any() and (~plating).any() else math.nan)
    gs = f.district == D.GANGSEO.value
    mold_f = frac[:, T.MOLD.value]
    out["mix.mold_in_gangseo"] = (float(mold_f[gs].mean() - mold_f[~gs].mean())
                                  if gs.any() and (~gs).any() else math.nan)
    needs = f.needs_matrix()
    topics = f.topics_matrix()
    for a in SupportAxis:
        out[f"needs.{a.name}"] = _share(needs[:, a.value])
    out["needs.unreported"] = _share((f.needs_mask == 0) & (f.topics_mask == 0))
    for t in Topic:
        out[f"topic.{t.name}"] = _share(topics[:, t.value])

    def gap(bit: NDArray[np.bool_], a: NDArray[np.bool_], b: NDArray[np.bool_]) -> float:
        return _share(bit, a) - _share(bit, b) if a.any() and b.any() else math.nan

    wf, mg = needs[:, SupportAxis.WORKFORCE.value], needs[:, SupportAxis.MANAGEMENT.value]
    out["gap.workforce_small"] = gap(wf, small, big)
    out["gap.management_small"] = gap(mg, small, big)
    aged = f.workforce_40plus > 0.5
    out["gap.workforce_aged"] = gap(wf, aged, ~aged)
    out["gap.digital_skills_mold"] = gap(topics[:, Topic.DIGITAL_SKILLS.value], mold, ~mold)
    out["gap.new_materials_mold"] = gap(topics[:, Topic.NEW_MATERIALS.value], mold, ~mold)
    surf_b = tech[:, T.SURFACE_TREATMENT.value]
    out["gap.environment_surface"] = gap(topics[:, Topic.ENVIRONMENT.value], surf_b, ~surf_b)
    out["gap.corrosion_surface"] = gap(topics[:, Topic.CORROSION.value], surf_b, ~surf_b)
    thermal = tech[:, T.HEAT_TREATMENT.value] | tech[:, T.CASTING.value]
    out["gap.energy_thermal"] = gap(topics[:, Topic.ENERGY.value], thermal, ~thermal)
    return out


def summarize(pop: Population) -> CalibrationReport:
    """Every calibrated marginal of ``pop`` beside its target, source and year.

    Works on any population (real data too): it reads only the observable columns, never
    ``pop.truth``. Network rows (links per firm, degrees) follow, without targets.

    Parameters
    ----------
    pop : Population

    Returns
    -------
    CalibrationReport

    Examples
    --------
    >>> import rootmatch as rm
    >>> rep = rm.synth.generate_population(3000, seed=5).summary()
    >>> row = rep["size.lt10"]
    >>> row.target, abs(row.observed - row.target) < 0.05, row.ok
    (0.684, True, True)
    >>> print(str(rep).splitlines()[0])
    Calibration of 3,000 firms: ... marginals, 0 off target
    """
    cal = calibration_targets()
    ref_year = check_date(cal["reference_date"]).year
    seen = _observe(pop, ref_year)
    rows = []
    for r in cal["targets"]:
        rows.append(CalibrationRow(  # noqa: PERF401 - one readable constructor per target
            key=r["key"], group=r["group"], marginal=r["marginal"],
            observed=float(seen.get(r["key"], math.nan)), target=float(r["target"]),
            kind=r["kind"], tolerance=float(r.get("tolerance", 0.0)), status=r["status"],
            source=r.get("source", ""), year=r.get("year"), unit=_unit_of(r["key"], r["kind"]),
            note=r.get("note", ""),
        ))
    n = len(pop.firms)
    links = pop.collaborations
    deg = np.zeros(n)
    if links.shape[0]:
        pos = pop.firms.positions(links.ravel())
        deg = np.bincount(pos, minlength=n).astype(float)
    extra = [
        ("links.per_firm", "observed firm–firm collaborations per firm",
         links.shape[0] / n if n else math.nan, "mean"),
        ("links.isolated", "firms without an observed partner",
         float((deg == 0).mean()) if n else math.nan, "share"),
        ("links.max_degree", "most partners of one firm", float(deg.max()) if n else math.nan,
         "count"),
        ("links.top1pct", "share of link ends held by the top 1% of firms",
         float(np.sort(deg)[::-1][: max(1, n // 100)].sum() / max(deg.sum(), 1)) if n
         else math.nan, "share"),
        ("links.institute_per_firm", "observed firm–institute collaborations per firm",
         pop.institute_links.shape[0] / n if n else math.nan, "mean"),
        ("participations.per_firm", "program participations per firm",
         pop.firms.part_program.size / n if n else math.nan, "mean"),
        ("memberships.per_firm", "cooperative memberships per firm",
         pop.firms.mem_codes.size / n if n else math.nan, "mean"),
    ]
    for key, label, value, unit in extra:
        rows.append(CalibrationRow(key=key, group="network", marginal=label, observed=value,
                                   target=None, kind="info", tolerance=0.0, status="generated",
                                   source="", year=None, unit=unit))
    return CalibrationReport(rows=tuple(rows), n_firms=n)
