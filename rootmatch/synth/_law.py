"""The hidden model behind synthetic populations: latent firms and the law of their links.

Private to :mod:`rootmatch.synth`, whose generator's docstring documents the model. Everything
is a pure function of numpy arrays. The sampling of the links is in
:mod:`rootmatch.synth._sampling`.

Notation: ``n`` firms, ``K`` latent factors, ``U`` location units (an industrial complex, or
the rest of a district), ``D`` districts (``len(District)``), ``G`` latent communities.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from attrs import frozen
from numpy.typing import NDArray

from rootmatch.domain.taxonomy import (
    District,
    RootTechnology,
    SupportAxis,
    Topic,
    complementarity_matrix,
)

__all__ = [
    "FACTORS",
    "N_DISTRICT",
    "N_TECH",
    "OBSERVED_BITS",
    "_FIT_METRIC",
    "_HIDDEN",
    "Array",
    "K",
    "LatentModel",
    "_cdf_rows",
    "_fit",
    "_sigmoid",
    "capability_means",
    "complementarity_transition",
    "draw_rows",
    "firm_rates",
    "fit_score",
    "geo_affinity",
    "institute_logits",
    "need_means",
    "observation_loadings",
    "profile_vector",
    "tech_affinity",
]


Array = NDArray[Any]

#: The latent factors of needs and capabilities. The last one, ``hidden``, loads on no
#: observed need or topic: it shows only through the links it causes.
FACTORS: tuple[str, ...] = (
    "digital", "materials", "environment", "workforce", "market", "quality", "logistics",
    "hidden",
)
K = len(FACTORS)
_F = {name: k for k, name in enumerate(FACTORS)}
N_TECH = len(RootTechnology)
N_DISTRICT = len(District)
#: The observed bits of a firm's profile, in column order: the 4 axes, then the topics.
OBSERVED_BITS: tuple[Any, ...] = (*SupportAxis, *Topic)

_LOADINGS: dict[Any, dict[str, float]] = {
    SupportAxis.INFRASTRUCTURE: {"logistics": 0.6, "environment": 0.5, "digital": 0.3},
    SupportAxis.WORKFORCE: {"workforce": 0.9, "digital": 0.3},
    SupportAxis.TECHNOLOGY: {"materials": 0.6, "quality": 0.5, "digital": 0.3},
    SupportAxis.MANAGEMENT: {"market": 0.8, "workforce": 0.3},
    Topic.LASER: {"materials": 0.6, "quality": 0.4},
    Topic.CORROSION: {"environment": 0.6, "quality": 0.5},
    Topic.SMART_FACTORY: {"digital": 0.9},
    Topic.DIGITAL_SKILLS: {"digital": 0.6, "workforce": 0.5},
    Topic.NEW_MATERIALS: {"materials": 0.9},
    Topic.ENVIRONMENT: {"environment": 0.9},
    Topic.LOGISTICS: {"logistics": 0.9},
    Topic.EXPORT: {"market": 0.9},
    Topic.ENERGY: {"environment": 0.6, "logistics": 0.3},
    Topic.AUTOMATION: {"digital": 0.6, "quality": 0.4},
    Topic.QUALITY: {"quality": 0.9},
}

T = RootTechnology
#: Mean latent *needs* by primary technology (what firms of the technology look for).
_NEED_MEANS: dict[RootTechnology, dict[str, float]] = {
    T.CASTING: {"environment": 0.9, "materials": 0.3, "workforce": 0.3},
    T.MOLD: {"digital": 0.8, "materials": 0.8, "market": 0.3, "workforce": 0.3},
    T.FORMING: {"quality": 0.3, "logistics": 0.3, "workforce": 0.2},
    T.WELDING: {"workforce": 0.4, "quality": 0.3, "materials": 0.2},
    T.SURFACE_TREATMENT: {"environment": 1.3, "quality": 0.4},
    T.HEAT_TREATMENT: {"environment": 1.0, "quality": 0.4},
    T.INJECTION_PRESS: {"digital": 0.3, "quality": 0.3, "logistics": 0.2},
    T.PRECISION_MACHINING: {"quality": 0.6, "digital": 0.2},
    T.ADDITIVE_MANUFACTURING: {"materials": 0.8, "digital": 0.5},
    T.FILM_PAPER: {"materials": 0.3, "logistics": 0.4},
    T.ROBOTICS: {"digital": 0.9, "market": 0.3},
    T.SENSORS: {"digital": 0.8, "quality": 0.3},
    T.INDUSTRIAL_SOFTWARE: {"digital": 1.0, "market": 0.3},
    T.ENGINEERING_DESIGN: {"digital": 0.6, "materials": 0.3},
}
#: Mean latent *capabilities* by primary technology (what firms of the technology can offer).
_CAPABILITY_MEANS: dict[RootTechnology, dict[str, float]] = {
    T.CASTING: {"materials": 0.5, "quality": 0.3},
    T.MOLD: {"quality": 0.5, "digital": 0.3, "materials": 0.3},
    T.FORMING: {"quality": 0.4},
    T.WELDING: {"quality": 0.3, "workforce": 0.3},
    T.SURFACE_TREATMENT: {"environment": 0.8, "quality": 0.5},
    T.HEAT_TREATMENT: {"quality": 0.6, "environment": 0.3},
    T.INJECTION_PRESS: {"quality": 0.3, "logistics": 0.3},
    T.PRECISION_MACHINING: {"quality": 0.9, "digital": 0.3},
    T.ADDITIVE_MANUFACTURING: {"materials": 0.8, "digital": 0.6},
    T.FILM_PAPER: {"materials": 0.4, "logistics": 0.4},
    T.ROBOTICS: {"digital": 1.2, "quality": 0.3},
    T.SENSORS: {"digital": 1.0, "quality": 0.5},
    T.INDUSTRIAL_SOFTWARE: {"digital": 1.4, "market": 0.2},
    T.ENGINEERING_DESIGN: {"digital": 0.7, "materials": 0.4, "quality": 0.3},
}


def _matrix(rows: list[Any], table: dict[Any, dict[str, float]]) -> Array:
    out = np.zeros((len(rows), K))
    for r, key in enumerate(rows):
        for name, value in table.get(key, {}).items():
            out[r, _F[name]] = value
    return out


def observation_loadings() -> Array:
    """Loadings of the observed bits (4 axes, then the topics) on the factors, (15, K)."""
    return _matrix(list(OBSERVED_BITS), _LOADINGS)


def need_means() -> Array:
    """Mean latent needs by technology, (14, K)."""
    return _matrix(list(RootTechnology), _NEED_MEANS)


def capability_means() -> Array:
    """Mean latent capabilities by technology, (14, K)."""
    return _matrix(list(RootTechnology), _CAPABILITY_MEANS)


def profile_vector(axes: frozenset[Any], topics: frozenset[Any]) -> Array:
    """An institute's or program's position in factor space: the mean loading of its
    observed axes and topics, scaled to unit length (zero if it has none)."""
    L = observation_loadings()
    rows = [i for i, bit in enumerate(OBSERVED_BITS) if bit in axes or bit in topics]
    if not rows:
        return np.zeros(K)
    v = L[rows].sum(axis=0)
    return v / np.linalg.norm(v)


def _sigmoid(x: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _cdf_rows(P: Array) -> Array:
    """Row-wise cumulative distribution, last column exactly 1 (rows of zeros stay 0)."""
    C = np.cumsum(P, axis=1)
    tot = C[:, -1:]
    return np.divide(C, tot, out=np.zeros_like(C), where=tot > 0)


def draw_rows(cdf: Array, rows: Array, u: Array) -> Array:
    """Draw a column from each ``cdf[rows[k]]`` with uniforms ``u`` (vectorised).

    The rows are laid end to end, row ``r`` shifted by ``r``; one ``searchsorted`` then
    finds every draw.
    """
    n_rows, width = cdf.shape
    flat = (cdf + np.arange(n_rows)[:, None]).ravel()
    pos = np.searchsorted(flat, rows + u * (1 - 1e-12), side="right")
    return np.minimum(pos - rows * width, width - 1)


@frozen(kw_only=True, eq=False)
class LatentModel:
    """Everything the link sampler and the oracle need, as arrays (see
    :mod:`rootmatch.synth.generator`).

    Per firm (row order of the population): ``tech`` true technology masks, ``unit``,
    ``community``, ``activity``, ``need`` and ``capability`` (n, K). The pair law
    ``Λ = R a_i a_j Φ_tech Φ_geo f (1 + boost·[same community])``: ``tech_affinity`` (Q,
    14 × 14), ``geo_affinity`` (Φ_geo between units, U × U, at most 1), ``community_boost``,
    ``accept`` (f's coefficients) and ``rate`` (R). Institutes: ``inst_*`` arrays, one row per
    institute of ``inst_ids``.
    """

    tech: Array
    unit: Array
    community: Array
    activity: Array
    need: Array
    capability: Array
    tech_affinity: Array
    tech_power: float  # a firm's weight on each of its k technologies is k ** -tech_power
    geo_affinity: Array
    community_boost: float
    rate: float
    accept: tuple[float, float, float]  # need fit, hidden fit, capability
    fit_cap: float  # x above which f = 1
    inst_ids: tuple[str, ...]
    inst_open: Array  # False for cooperatives (joined, not collaborated with)
    inst_profile: Array  # (m, K)
    inst_expertise: Array  # (m, 14) float
    inst_distance: Array  # (U, m) km from each unit
    inst_offset: Array  # (m,) by institute kind
    inst_community: Array  # (G, m) community affinity
    inst_params: tuple[float, float, float, float, float]  # intercept, expertise, fit, near, scale

    @property
    def n(self) -> int:
        return int(self.tech.shape[0])

    def tech_share(self, rows: Array, dtype: Any = np.float64) -> Array:
        """True technologies of ``rows``, each weighted ``|T_i| ** -tech_power``,
        (len(rows), 14)."""
        Ti = ((self.tech[rows, None] >> np.arange(N_TECH, dtype=np.uint16)) & 1).astype(dtype)
        k = Ti.sum(axis=1, keepdims=True)
        return Ti * (np.maximum(k, 1) ** -self.tech_power).astype(dtype)


_L = observation_loadings()
#: Metric of the need fit: ``u_i·M·u_j = (L u_i)·(L u_j) / Σ L²`` on the latent scores behind
#: the observed bits; the hidden factor (no loading) enters through ``hidden`` alone.
_FIT_METRIC = (_L.T @ _L) / float((_L**2).sum()) * len(OBSERVED_BITS) / K
_HIDDEN = FACTORS.index("hidden")


def fit_score(m: LatentModel, ni: Array, nj: Array, ci: Array, cj: Array, *,
              pairwise: bool) -> Array:
    """``x = b_need·(B/K)·y_i·y_j/ΣL² + b_hidden·h_i h_j + b_cap·(κ_i·u_j + κ_j·u_i)/2K``
    (``B`` = 15 observed bits, ``K`` = 8 factors; ``y = L u``)."""
    b_need, b_hidden, b_cap = m.accept
    if pairwise:
        fit = np.einsum("ij,ij->i", ni @ _FIT_METRIC, nj)
        hid = ni[:, _HIDDEN] * nj[:, _HIDDEN]
        cap = (np.einsum("ij,ij->i", ci, nj) + np.einsum("ij,ij->i", cj, ni)) / (2 * K)
    else:
        fit = (ni @ _FIT_METRIC) @ nj.T
        hid = ni[:, _HIDDEN][:, None] * nj[:, _HIDDEN][None, :]
        cap = (ci @ nj.T + ni @ cj.T) / (2 * K)
    return b_need * fit + b_hidden * hid + b_cap * cap


def _fit(m: LatentModel, ni: Array, nj: Array, ci: Array, cj: Array, *, pairwise: bool) -> Array:
    """The need fit ``f = min(1, exp(x - fit_cap))``: log-linear in the latent fit, capped."""
    x = fit_score(m, ni, nj, ci, cj, pairwise=pairwise)
    return np.exp(np.minimum(x - m.fit_cap, 0.0))


def firm_rates(model: LatentModel, rows: Array, cols: Array) -> Array:
    """Poisson intensity ``Λ(i, j)`` of a link for every ``i`` in ``rows``, ``j`` in ``cols``.

    ``Λ = R a_i a_j Φ_tech(i, j) Φ_geo(u_i, u_j) f(i, j) (1 + boost·[g_i = g_j])`` with
    ``Φ_tech = T̃_i Q T̃_jᵀ`` (``T̃`` true technologies, each weighted ``|T| ** -tech_power``);
    ``Λ(i, i) = 0``.
    Shape (len(rows), len(cols)), float64.
    """
    m = model
    tech = (m.tech_share(rows) @ m.tech_affinity) @ m.tech_share(cols).T
    geo = m.geo_affinity[m.unit[rows][:, None], m.unit[cols][None, :]]
    f = _fit(m, m.need[rows], m.need[cols], m.capability[rows], m.capability[cols],
             pairwise=False)
    same = m.community[rows][:, None] == m.community[cols][None, :]
    out = (m.rate * m.activity[rows][:, None] * m.activity[cols][None, :] * tech * geo * f
           * np.where(same, 1.0 + m.community_boost, 1.0))
    out[rows[:, None] == cols[None, :]] = 0.0
    return out


def institute_logits(model: LatentModel, rows: Array, inst: Array,
                     dtype: Any = np.float64) -> Array:
    """Logit of a firm–institute link for ``rows`` × institute indices ``inst``.

    ``q = c + c_kind + β_e·E + β_f·(need_i · v_k) + β_d·exp(-dist/ℓ) + log a_i + h_{g,k}``
    where ``E`` is the firm's true technologies (weighted as in ``Φ_tech``) in the institute's
    expertise; ``-inf`` for cooperatives.
    """
    m = model
    c0, b_exp, b_fit, b_near, scale = m.inst_params
    q = (m.tech_share(rows, dtype) @ (b_exp * m.inst_expertise[inst].T).astype(dtype))
    q += m.need[rows].astype(dtype) @ (b_fit * m.inst_profile[inst].T).astype(dtype)
    near = (b_near * np.exp(-m.inst_distance[:, inst] / scale)).astype(dtype)
    q += near[m.unit[rows]]
    q += m.inst_community[:, inst].astype(dtype)[m.community[rows]]
    q += (c0 + np.log(m.activity[rows])).astype(dtype)[:, None]
    q += m.inst_offset[inst].astype(dtype)[None, :]
    q[:, ~m.inst_open[inst]] = -np.inf
    return q


def complementarity_transition() -> Array:
    """``P[t, t']``: the value-chain partner technology a firm of ``t`` looks for, the rows of
    the symmetric complementarity matrix normalised (uniform for a row without partners)."""
    C = np.asarray(complementarity_matrix(), dtype=float)
    C = np.where(C.sum(axis=1, keepdims=True) > 0, C, 1.0 - np.eye(C.shape[0]))
    return C / C.sum(axis=1, keepdims=True)


def tech_affinity(peer: float, chain: float) -> Array:
    """``Q[t, t'] = exp(peer·[t = t'] + chain·C[t, t'])`` scaled to a maximum of 1: symmetric,
    log-linear in the value-chain complementarity ``C`` of the taxonomy (in [0, 1])."""
    C = np.asarray(complementarity_matrix(), dtype=float)
    Q = peer * np.eye(N_TECH) + chain * C
    return np.exp(Q - Q.max())


def geo_affinity(km: Array, same_cluster: Array, same_district: Array, *, cluster: float,
                 district: float, scale: float) -> Array:
    """``Φ[u, u'] = exp(cluster·[same complex] + district·[same district] - km / scale)``
    scaled to a maximum of 1, between location units."""
    G = cluster * same_cluster + district * same_district - km / scale
    return np.exp(G - G.max())
