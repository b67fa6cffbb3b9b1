"""The hidden model behind synthetic populations: latent firms, link sampling and the oracle.

Private to :mod:`rootmatch.synth`, whose module docstring documents the model. Everything is
a pure function of numpy arrays; randomness comes in as a :class:`numpy.random.Generator`.

Notation: ``n`` firms, ``K`` latent factors, ``U`` location units (an industrial complex, or
the rest of a district), ``D`` districts (``len(District)``), ``G`` latent communities.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from attrs import frozen
from numpy.typing import NDArray

from rootmatch.taxonomy import District, RootTechnology, SupportAxis, Topic, complementarity_matrix

__all__ = [
    "FACTORS",
    "LatentModel",
    "Proposer",
    "calibrate_fit_cap",
    "calibrate_institute_intercept",
    "calibrate_rate",
    "firm_rates",
    "geo_affinity",
    "institute_logits",
    "observation_loadings",
    "sample_firm_links",
    "sample_institute_links",
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


def _blocks(keys: Array, n_keys: int) -> Array:
    """Start offsets of the blocks of sorted integer ``keys`` in ``[0, n_keys)``."""
    return np.concatenate([[0], np.cumsum(np.bincount(keys, minlength=n_keys))]).astype(np.int64)


def _draw_in_blocks(cum: Array, start: Array, stop: Array, u: Array) -> Array:
    """Positions in ``[start, stop)`` drawn with probability proportional to the weights whose
    running sum is ``cum`` (``cum[0] == 0``); blocks must be non-empty."""
    x = cum[start] + u * (cum[stop] - cum[start])
    if x.size > 65_536:  # sorted keys let the binary search start where the last one ended
        order = np.argsort(x)
        pos = np.empty(x.size, np.int64)
        pos[order] = np.searchsorted(cum, x[order], side="right") - 1
    else:
        pos = np.searchsorted(cum, x, side="right") - 1
    return np.clip(pos, start, stop - 1)


@frozen(kw_only=True, eq=False)
class LatentModel:
    """Everything the link sampler and the oracle need, as arrays (see the synth docstring).

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


# --- sampling ------------------------------------------------------------------------------
def _cum(weights: Array) -> Array:
    return np.concatenate([[0.0], np.cumsum(weights)])


def _choose(weights: Array, u: Array) -> Array:
    """A column of each row of ``weights`` (rows not all zero), proportional to the weights."""
    cdf = np.cumsum(weights, axis=1)
    return np.minimum((cdf < (u * cdf[:, -1])[:, None]).sum(axis=1), weights.shape[1] - 1)


class Proposer:
    """Exact proposals from the two streams of the pair law.

    *Base*: firm ``i`` proposes to ``j`` with intensity ``(R/2) a_i a_j Φ_tech Φ_geo``:
    a technology ``t'`` in proportion to ``(T̃_i Q)[t'] G[t', u_i]`` with
    ``G = B Φ_geoᵀ`` and ``B[t', u]`` the weight of ``t'`` in unit ``u`` (``a_j T̃_j[t']``
    summed), then a unit ``u ∝ B[t', u] Φ_geo[u_i, u]``, then a firm of ``(t', u)`` in
    proportion to its weight. *Community*: intensity ``(R/2) boost a_i a_j Φ_tech Φ_geo``
    within ``g_i``: a technology ``t' ∝ (T̃_i Q)[t'] B_g[t']``, a firm of ``(g_i, t')`` by
    weight, thinned by ``Φ_geo[u_i, u_j] / max_u Φ_geo[u_i, u]``. Both are then accepted with
    probability ``f``.
    """

    def __init__(self, m: LatentModel) -> None:
        self.m = m
        a = m.activity
        n_units = m.geo_affinity.shape[0]
        share = m.tech_share(np.arange(m.n), np.float32)
        self.reach = share @ m.tech_affinity.astype(np.float32)  # T̃_i Q, (n, 14)
        firm_e, tech_e = np.nonzero(share)
        weight_e = a[firm_e] * share[firm_e, tech_e].astype(np.float64)
        del share
        key = tech_e * n_units + m.unit[firm_e].astype(np.int64)
        order = np.argsort(key * max(m.n, 1) + firm_e)
        self.firm_e = firm_e[order]
        self.start_e = _blocks(key[order], N_TECH * n_units)
        self.cum_e = _cum(weight_e[order])
        self.B = np.bincount(key, weights=weight_e, minlength=N_TECH * n_units).reshape(
            N_TECH, n_units)
        self.G = self.B @ m.geo_affinity.T  # (14, U): G[t', u] = Σ_u' B[t', u'] Φ[u, u']
        # unit given (t', source unit): rows of B[t', u] Φ[u_src, u], as one flat CDF table
        self.unit_cdf = _cdf_rows((self.B[:, None, :] * m.geo_affinity[None, :, :]).reshape(
            N_TECH * n_units, n_units))
        # community blocks: (community, technology) entries
        n_g = int(m.community.max()) + 1 if m.n else 0
        gkey = m.community[firm_e] * N_TECH + tech_e
        gorder = np.argsort(gkey * max(m.n, 1) + firm_e)
        self.gfirm = firm_e[gorder]
        self.gstart = _blocks(gkey[gorder], n_g * N_TECH)
        self.gcum = _cum(weight_e[gorder])
        self.Bg = np.bincount(gkey, weights=weight_e, minlength=n_g * N_TECH).reshape(
            n_g, N_TECH)
        self.geo_max = m.geo_affinity.max(axis=1)
        self.m = None  # type: ignore[assignment]
        self.set_model(m)
        # per-firm masses of the two streams (self included: self-proposals vanish), and each
        # firm's CDF over the partner technology t' of a base proposal
        u = m.unit
        w = self.reach * self.G.T.astype(np.float32)[u]
        self.tech_cdf = np.cumsum(w, axis=1, dtype=np.float32)
        self.base = self.tech_cdf[:, -1].astype(np.float64)
        self.tech_cdf /= np.where(self.base > 0, self.base, 1.0).astype(np.float32)[:, None]
        del w
        comm = (self.reach * self.Bg.astype(np.float32)[m.community]).sum(axis=1)
        self.comm = m.community_boost * self.geo_max[u] * comm.astype(np.float64)

    def set_model(self, m: LatentModel) -> None:
        """Use ``m`` (same firms and need model; a new cap or rate) from now on."""
        same = getattr(self, "m", None) is not None and self.m.accept == m.accept
        self.m = m
        if same:
            return
        b_need, b_hidden, b_cap = m.accept
        c = b_cap / (2 * K)
        # x(i, j) = left_i · need_j + right_j · need_i + b_hidden h_i h_j  (f = min(1, e^(x-c)))
        self.left = (b_need * (m.need @ _FIT_METRIC) + c * m.capability).astype(np.float32)
        self.right = (c * m.capability).astype(np.float32)
        self.need32 = m.need.astype(np.float32)
        self.hidden = (np.sqrt(abs(b_hidden)) * m.need[:, _HIDDEN]).astype(np.float32)
        self.hidden_sign = 1.0 if b_hidden >= 0 else -1.0

    def acceptance(self, src: Array, dst: Array) -> Array:
        """``f(i, j)`` for proposal pairs, from per-firm vectors in float32 (the oracle computes
        the same ``f`` in float64; they agree to float32 precision)."""
        ns, nd = self.need32[src], self.need32[dst]
        x = (self.left[src] * nd).sum(axis=1)
        x += (self.right[dst] * ns).sum(axis=1)
        x += self.hidden_sign * self.hidden[src] * self.hidden[dst]
        return np.exp(np.minimum(x - np.float32(self.m.fit_cap), np.float32(0.0)))

    def base_proposals(self, src: Array, rng: np.random.Generator) -> Array:
        m = self.m
        if src.size == 0:
            return np.zeros(0, np.int64)
        u_src = m.unit[src]
        t2 = np.minimum((self.tech_cdf[src] < rng.random(src.size, dtype=np.float32)[:, None])
                        .sum(axis=1), N_TECH - 1)
        n_units = self.B.shape[1]
        unit = draw_rows(self.unit_cdf, t2 * n_units + u_src, rng.random(src.size))
        key = t2 * n_units + unit
        pos = _draw_in_blocks(self.cum_e, self.start_e[key], self.start_e[key + 1],
                              rng.random(src.size))
        return self.firm_e[pos]

    def community_proposals(self, src: Array, rng: np.random.Generator) -> tuple[Array, Array]:
        """Partners in the community and the thinning ``Φ_geo[u_i, u_j] / max Φ_geo[u_i]``."""
        m = self.m
        if src.size == 0:
            return np.zeros(0, np.int64), np.zeros(0)
        g = m.community[src]
        t2 = _choose(self.reach[src] * self.Bg[g], rng.random(src.size))
        key = g * N_TECH + t2
        pos = _draw_in_blocks(self.gcum, self.gstart[key], self.gstart[key + 1],
                              rng.random(src.size))
        dst = self.gfirm[pos]
        u_src = m.unit[src]
        return dst, m.geo_affinity[u_src, m.unit[dst]] / self.geo_max[u_src]


def calibrate_fit_cap(m: LatentModel, rng: np.random.Generator, quantile: float,
                      pilot: int = 20_000, *, prop: Proposer | None = None) -> float:
    """The cap ``c`` of the need fit: the ``quantile`` of ``x`` over base proposals."""
    if m.n < 2:
        return 0.0
    prop = Proposer(m) if prop is None else prop
    weight = m.activity * prop.base
    if weight.sum() <= 0:
        return 0.0
    src = _draw_in_blocks(_cum(weight), np.zeros(pilot, np.int64), np.full(pilot, m.n, np.int64),
                          rng.random(pilot))
    dst = prop.base_proposals(src, rng)
    x = fit_score(m, m.need[src], m.need[dst], m.capability[src], m.capability[dst],
                  pairwise=True)
    return float(np.quantile(x, quantile))


def calibrate_rate(m: LatentModel, links_per_firm: float, rng: np.random.Generator,
                   pilot: int = 20_000, *, prop: Proposer | None = None) -> float:
    """The rate ``R`` that gives about ``links_per_firm`` accepted proposals per firm.

    Accepted proposals are ``(R/2) Σ_i a_i (M_i E_base + C_i E_comm)`` with ``M``, ``C`` the
    streams' masses and ``E`` their mean acceptance, estimated by a pilot of proposals whose
    sources are drawn in proportion to ``a_i M_i`` (and ``a_i C_i``).
    """
    if m.n < 2:
        return 0.0
    prop = Proposer(m) if prop is None else prop
    total = 0.0
    for stream in ("base", "comm"):
        weight = m.activity * getattr(prop, stream)
        if weight.sum() <= 0:
            continue
        src = _draw_in_blocks(_cum(weight), np.zeros(pilot, np.int64),
                              np.full(pilot, m.n, np.int64), rng.random(pilot))
        if stream == "base":
            dst, keep = prop.base_proposals(src, rng), np.ones(pilot)
        else:
            dst, keep = prop.community_proposals(src, rng)
        ok = dst != src
        acc = np.zeros(pilot)
        acc[ok] = keep[ok] * prop.acceptance(src[ok], dst[ok])
        total += float(weight.sum()) * float(acc.mean())
    return 0.0 if total <= 0 else 2.0 * links_per_firm * m.n / total


def sample_firm_links(m: LatentModel, rng: np.random.Generator, *,
                      chunk: int = 500_000, prop: Proposer | None = None) -> Array:
    """Undirected firm–firm links ``(i, j)``, ``i < j``, sorted, as an (m, 2) int64 array.

    Every firm proposes in both streams (:class:`Proposer`) with Poisson counts; accepted
    proposals from ``i`` to ``j`` are then ``Poisson(Λ(i, j) / 2)``, and a pair is linked when
    a proposal either way is accepted: ``P(link) = 1 - exp(-Λ(i, j))`` exactly, ``Λ`` as in
    :func:`firm_rates`.
    """
    if m.n < 2 or m.rate <= 0:
        return np.zeros((0, 2), np.int64)
    prop = Proposer(m) if prop is None else prop
    keys = [np.zeros(0, np.int64)]
    for stream in ("base", "comm"):
        counts = rng.poisson(0.5 * m.rate * m.activity * getattr(prop, stream))
        offsets = np.concatenate([[0], np.cumsum(counts)])
        # chunk over source firms so the proposal arrays stay bounded
        bounds = np.searchsorted(offsets, np.arange(0, offsets[-1] + chunk, chunk))
        bounds = np.unique(np.clip(bounds, 0, m.n))
        for lo, hi in itertools.pairwise(bounds):
            src = np.repeat(np.arange(lo, hi, dtype=np.int64), counts[lo:hi])
            if stream == "base":
                dst, keep = prop.base_proposals(src, rng), None
            else:
                dst, keep = prop.community_proposals(src, rng)
            ok = np.flatnonzero(dst != src)
            src, dst = src[ok], dst[ok]
            p = prop.acceptance(src, dst) if keep is None else keep[ok] * prop.acceptance(src, dst)
            hit = rng.random(src.size) < p
            src, dst = src[hit], dst[hit]
            keys.append(np.minimum(src, dst) * m.n + np.maximum(src, dst))
    key = np.concatenate(keys)
    key.sort()
    key = key[np.concatenate([[True], key[1:] != key[:-1]])] if key.size else key
    return np.stack([key // m.n, key % m.n], axis=1)


def sample_institute_links(m: LatentModel, rng: np.random.Generator, *,
                           block: int = 200_000) -> Array:
    """Firm–institute links ``(firm row, institute index)``: one Bernoulli draw per pair with
    probability ``sigmoid(q)`` (:func:`institute_logits`), blocked over firms."""
    inst = np.arange(len(m.inst_ids))
    out = [np.zeros((0, 2), np.int64)]
    for lo in range(0, m.n, block):
        rows = np.arange(lo, min(lo + block, m.n))
        p = _sigmoid(institute_logits(m, rows, inst, np.float32))
        hit = rng.random(p.shape, dtype=np.float32) < p
        r, c = np.nonzero(hit)
        out.append(np.stack([rows[r], c], axis=1))
    return np.concatenate(out)


def calibrate_institute_intercept(m: LatentModel, links_per_firm: float,
                                  rng: np.random.Generator, pilot: int = 20_000) -> float:
    """The intercept shift that gives about ``links_per_firm`` institute links per firm."""
    if not m.inst_open.any() or m.n == 0:
        return 0.0
    rows = rng.integers(0, m.n, min(pilot, max(m.n, 1) * 20))
    q = institute_logits(m, rows, np.arange(len(m.inst_ids)))
    lo, hi = -30.0, 30.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _sigmoid(q + mid).sum(axis=1).mean() > links_per_firm:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


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
