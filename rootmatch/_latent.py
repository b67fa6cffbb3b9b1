"""The hidden model behind synthetic populations: latent firms, link sampling and the oracle.

Private to :mod:`rootmatch.synth`, whose module docstring documents the model. Everything is
a pure function of numpy arrays; randomness comes in as a :class:`numpy.random.Generator`.

Notation: ``n`` firms, ``K`` latent factors, ``U`` location units (an industrial complex, or
the rest of a district), ``D`` districts (``len(District)``), ``G`` latent communities.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import attrs
from attrs import frozen
from numpy.typing import NDArray

from .taxonomy import District, RootTechnology, SupportAxis, Topic, complementarity_matrix

__all__ = [
    "FACTORS",
    "LatentModel",
    "firm_rates",
    "institute_logits",
    "observation_loadings",
    "sample_firm_links",
    "sample_institute_links",
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
    pos = np.searchsorted(cum, x, side="right") - 1
    return np.clip(pos, start, stop - 1)


@frozen(kw_only=True, eq=False)
class LatentModel:
    """Everything the link sampler and the oracle need, as arrays (see the synth docstring).

    Per firm (row order of the population): ``tech`` true technology masks, ``district``,
    ``unit``, ``community``, ``activity``, ``need`` and ``capability`` (n, K). The pair law:
    ``unit_weight`` (W, U × U), ``transitions`` (P: identity for peers, the value chain),
    ``far`` (the technology kernels' factor between districts), ``pair_weights`` (w, one per
    kernel: community, geography, peers, value chain, global), ``rate`` (R) and ``accept``.
    Institutes: ``inst_*`` arrays, one row per institute of ``inst_ids``.
    """

    tech: Array
    district: Array
    unit: Array
    community: Array
    activity: Array
    need: Array
    capability: Array
    unit_weight: Array
    transitions: Array  # (2, 14, 14): peers (identity), value-chain partners
    far: float
    pair_weights: Array  # community, geography, peers, value chain, global
    rate: float
    accept: tuple[float, float, float]  # intercept, need fit, capability fit
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

    def tech_matrix(self, rows: Array) -> Array:
        """True multi-hot technologies of ``rows`` as float, (len(rows), 14)."""
        return ((self.tech[rows, None].astype(np.int64) >> np.arange(N_TECH)) & 1).astype(float)

    def tech_share(self, rows: Array) -> Array:
        """True technologies of ``rows`` divided by their number, (len(rows), 14)."""
        Ti = self.tech_matrix(rows)
        return Ti / np.maximum(Ti.sum(axis=1, keepdims=True), 1)


def kernels(model: LatentModel, rows: Array, cols: Array) -> Array:
    """``Σ_b w_b (k_b(i, j) + k_b(j, i))`` for ``rows`` × ``cols``: the symmetrised affinity.

    - community: ``k = [g_i = g_j]``;
    - geography: ``k = W[u_i, u_j]``;
    - peers / value chain: ``k = Σ_{t ∈ T_i} Σ_{t' ∈ T_j} P[t, t'] / |T_i|``, times 1 in the
      same district and ``far`` elsewhere;
    - global: ``k = 1``.
    """
    m = model
    w_com, w_geo, w_peer, w_vc, w_glob = m.pair_weights
    gi, gj = m.community[rows], m.community[cols]
    S = np.where(gi[:, None] == gj[None, :], 2.0 * w_com, 0.0)
    ui, uj = m.unit[rows], m.unit[cols]
    S += w_geo * (m.unit_weight[ui[:, None], uj[None, :]] + m.unit_weight[uj[None, :], ui[:, None]])
    Ti, Tj = m.tech_matrix(rows), m.tech_matrix(cols)
    Si, Sj = m.tech_share(rows), m.tech_share(cols)
    tk = np.zeros_like(S)
    for which, weight in ((0, w_peer), (1, w_vc)):
        if weight:
            P = m.transitions[which]
            tk += weight * ((Si @ P) @ Tj.T + Ti @ (Sj @ P).T)
    same_d = m.district[rows][:, None] == m.district[cols][None, :]
    S += tk * np.where(same_d, 1.0, m.far)
    S += 2.0 * w_glob
    return S


def firm_rates(model: LatentModel, rows: Array, cols: Array) -> Array:
    """Poisson intensity ``Λ(i, j)`` of a link for every ``i`` in ``rows``, ``j`` in ``cols``.

    ``Λ = R a_i a_j f(i, j) S(i, j)`` with ``S`` from :func:`kernels`; ``Λ(i, i) = 0``.
    Shape (len(rows), len(cols)), float64.
    """
    m = model
    fit = (m.need[rows] @ m.need[cols].T) / K
    cap = (m.capability[rows] @ m.need[cols].T + m.need[rows] @ m.capability[cols].T) / (2 * K)
    b0, b_need, b_cap = m.accept
    f = _sigmoid(b0 + b_need * fit + b_cap * cap)
    out = m.rate * m.activity[rows][:, None] * m.activity[cols][None, :] * f * kernels(m, rows,
                                                                                     cols)
    out[rows[:, None] == cols[None, :]] = 0.0
    return out


def institute_logits(model: LatentModel, rows: Array, inst: Array) -> Array:
    """Logit of a firm–institute link for ``rows`` × institute indices ``inst``.

    ``q = c + c_kind + β_e·E + β_f·(need_i · v_k) + β_d·exp(-dist/ℓ) + log a_i + h_{g,k}``
    where ``E`` is the share of the firm's true technologies in the institute's expertise.
    """
    m = model
    c0, b_exp, b_fit, b_near, scale = m.inst_params
    Ti = m.tech_matrix(rows)
    E = (Ti @ m.inst_expertise[inst].T) / np.maximum(Ti.sum(axis=1, keepdims=True), 1)
    fit = m.need[rows] @ m.inst_profile[inst].T
    near = np.exp(-m.inst_distance[m.unit[rows]][:, inst] / scale)
    q = (c0 + m.inst_offset[inst][None, :] + b_exp * E + b_fit * fit + b_near * near
         + np.log(m.activity[rows])[:, None] + m.inst_community[m.community[rows]][:, inst])
    return np.where(m.inst_open[inst][None, :], q, -np.inf)


# --- sampling ------------------------------------------------------------------------------
def _cum(weights: Array) -> Array:
    return np.concatenate([[0.0], np.cumsum(weights)])


def _draw_around(cum: Array, start: Array, stop: Array, hole_lo: Array, hole_hi: Array,
                 u: Array) -> Array:
    """Positions in ``[start, stop)`` but outside ``[hole_lo, hole_hi)``, proportional to the
    weights whose running sum is ``cum``."""
    before = cum[hole_lo] - cum[start]
    after = cum[stop] - cum[hole_hi]
    x = u * (before + after)
    target = np.where(x < before, cum[start] + x, cum[hole_hi] + (x - before))
    pos = np.searchsorted(cum, target, side="right") - 1
    pos = np.where(x < before, np.clip(pos, start, hole_lo - 1), np.clip(pos, hole_hi, stop - 1))
    return pos


class _Proposer:
    """Vectorised draws from the kernels: per-firm kernel masses, then a partner in
    proportion to ``k_b(i, j) a_j`` (blocks sorted once)."""

    def __init__(self, m: LatentModel) -> None:
        self.m = m
        a = m.activity
        n_units = m.unit_weight.shape[0]
        self.cum_all = _cum(a)
        self.order_g = np.argsort(m.community, kind="stable")
        n_g = int(m.community.max()) + 1 if m.n else 0
        self.start_g = _blocks(m.community, n_g)
        self.cum_g = _cum(a[self.order_g])
        mass_g = np.bincount(m.community, weights=a, minlength=n_g)
        self.order_u = np.argsort(m.unit, kind="stable")
        self.start_u = _blocks(m.unit, n_units)
        self.cum_u = _cum(a[self.order_u])
        mass_u = np.bincount(m.unit, weights=a, minlength=n_units)
        geo = m.unit_weight * mass_u[None, :]
        self.geo_cdf = _cdf_rows(geo)
        # technology blocks: (firm, technology) entries sorted by (technology, district)
        bits = (m.tech[:, None].astype(np.int64) >> np.arange(N_TECH)) & 1
        firm_e, tech_e = np.nonzero(bits)
        key = tech_e * N_DISTRICT + m.district[firm_e].astype(np.int64)
        order = np.lexsort((firm_e, key))
        self.firm_e = firm_e[order]
        self.start_e = _blocks(key[order], N_TECH * N_DISTRICT)
        self.cum_e = _cum(a[self.firm_e])
        A_td = np.bincount(key, weights=a[firm_e], minlength=N_TECH * N_DISTRICT).reshape(
            N_TECH, N_DISTRICT)
        A_t = A_td.sum(axis=1, keepdims=True)
        self.local = A_td
        self.reach = A_td + m.far * (A_t - A_td)  # L[t', d]: mass of t' seen from district d
        # per-firm kernel masses Σ_j k_b(i, j) a_j (self included; self-proposals vanish)
        share = m.tech_share(np.arange(m.n))
        self.tech_mass = []
        for which in (0, 1):
            Mt = m.transitions[which] @ self.reach  # (14, D): mass reached from t in d
            self.tech_mass.append(Mt)
        masses = np.zeros((m.n, 5))
        masses[:, 0] = mass_g[m.community]
        masses[:, 1] = (geo.sum(axis=1))[m.unit]
        for which in (0, 1):
            masses[:, 2 + which] = (share * self.tech_mass[which][:, m.district].T).sum(axis=1)
        masses[:, 4] = a.sum()
        self.masses = masses * m.pair_weights[None, :]
        self.total = self.masses.sum(axis=1)

    def propose(self, src: Array, rng: np.random.Generator) -> Array:
        """One proposed partner per entry of ``src`` (-1 when there is none)."""
        m = self.m
        size = src.size
        cdf = np.cumsum(self.masses[src], axis=1)
        pick = (cdf < (rng.random(size) * cdf[:, -1])[:, None]).sum(axis=1)
        bucket = np.minimum(pick, 4)
        u = rng.random(size)
        dst = np.full(size, -1, np.int64)
        sel = np.flatnonzero(bucket == 0)
        g = m.community[src[sel]]
        pos = _draw_in_blocks(self.cum_g, self.start_g[g], self.start_g[g + 1], u[sel])
        dst[sel] = self.order_g[pos]
        sel = np.flatnonzero(bucket == 1)
        tu = draw_rows(self.geo_cdf, m.unit[src[sel]].astype(np.int64), rng.random(sel.size))
        pos = _draw_in_blocks(self.cum_u, self.start_u[tu], self.start_u[tu + 1], u[sel])
        dst[sel] = self.order_u[pos]
        for which in (0, 1):
            sel = np.flatnonzero(bucket == 2 + which)
            dst[sel] = self._technology(src[sel], u[sel], rng, which)
        sel = np.flatnonzero(bucket == 4)
        dst[sel] = _draw_in_blocks(self.cum_all, np.zeros(sel.size, np.int64),
                                   np.full(sel.size, m.n, np.int64), u[sel])
        return dst

    def _technology(self, src: Array, u: Array, rng: np.random.Generator, which: int) -> Array:
        m = self.m
        if src.size == 0:
            return np.zeros(0, np.int64)
        d = m.district[src].astype(np.int64)
        # a technology of the proposer, by the mass it reaches; then a partner technology
        w_t = m.tech_share(src) * self.tech_mass[which][:, d].T
        cdf = np.cumsum(w_t, axis=1)
        t = np.minimum((cdf < (rng.random(src.size) * cdf[:, -1])[:, None]).sum(axis=1),
                       N_TECH - 1)
        w_t2 = m.transitions[which][t] * self.reach[:, d].T
        cdf = np.cumsum(w_t2, axis=1)
        t2 = np.minimum((cdf < (rng.random(src.size) * cdf[:, -1])[:, None]).sum(axis=1),
                        N_TECH - 1)
        local_mass = self.local[t2, d]
        local = rng.random(src.size) * self.reach[t2, d] < local_mass
        key = t2 * N_DISTRICT + d
        lo, hi = self.start_e[key], self.start_e[key + 1]
        glo, ghi = self.start_e[t2 * N_DISTRICT], self.start_e[(t2 + 1) * N_DISTRICT]
        out = np.full(src.size, -1, np.int64)
        ok = local & (hi > lo)
        out[ok] = self.firm_e[_draw_in_blocks(self.cum_e, lo[ok], hi[ok], u[ok])]
        ok = ~local & ((lo - glo) + (ghi - hi) > 0)
        pos = _draw_around(self.cum_e, glo[ok], ghi[ok], lo[ok], hi[ok], u[ok])
        out[ok] = self.firm_e[pos]
        return out


def acceptance(m: LatentModel, src: Array, dst: Array) -> Array:
    """``f(i, j)`` for proposal pairs (dst >= 0)."""
    ni, nj = m.need[src], m.need[dst]
    fit = np.einsum("ij,ij->i", ni, nj) / K
    cap = (np.einsum("ij,ij->i", m.capability[src], nj)
           + np.einsum("ij,ij->i", m.capability[dst], ni)) / (2 * K)
    b0, b_need, b_cap = m.accept
    return _sigmoid(b0 + b_need * fit + b_cap * cap)


def pair_weights_for(m: LatentModel, shares: Array) -> Array:
    """Per-pair kernel weights ``w_b`` that give kernel ``b`` the share ``shares[b]`` of all
    proposals: ``w_b ∝ shares[b] / Σ_i a_i M_b(i)`` (``M_b`` the kernel's mass at weight 1)."""
    prop = _Proposer(attrs.evolve(m, pair_weights=np.ones(5)))
    mass = (prop.masses * m.activity[:, None]).sum(axis=0)
    w = np.divide(shares, mass, out=np.zeros(5), where=mass > 0)
    return w / w.max() if w.max() > 0 else w


def far_for_local_share(m: LatentModel, local_share: float) -> float:
    """The between-district factor ``far`` of the technology kernels for which a share
    ``local_share`` of their (activity-weighted) mass stays in the proposer's district."""
    a = m.activity
    bits = (m.tech[:, None].astype(np.int64) >> np.arange(N_TECH)) & 1
    firm_e, tech_e = np.nonzero(bits)
    A_td = np.bincount(tech_e * N_DISTRICT + m.district[firm_e], weights=a[firm_e],
                       minlength=N_TECH * N_DISTRICT).reshape(N_TECH, N_DISTRICT)
    A_t = A_td.sum(axis=1, keepdims=True)
    P = m.transitions.sum(axis=0)
    local = (P @ A_td) * A_td  # (t, d): reached locally, weighted by who proposes
    other = (P @ (A_t - A_td)) * A_td
    if local_share >= 1 or other.sum() <= 0:
        return 0.0
    if local_share <= 0:
        return 1.0
    return float(local.sum() * (1 - local_share) / (local_share * other.sum()))


def calibrate_rate(m: LatentModel, links_per_firm: float, rng: np.random.Generator,
                   pilot: int = 20_000) -> float:
    """The rate ``R`` that gives about ``links_per_firm`` accepted proposals per firm.

    Firm ``i`` makes ``Poisson(R a_i M_i)`` proposals (``M_i`` its total kernel mass); a
    pilot of proposals, sources drawn in proportion to ``a_i M_i``, estimates the mean
    acceptance ``E[f]``; then ``R = links_per_firm · n / (E[f] Σ a_i M_i)``.
    """
    if m.n < 2:
        return 0.0
    prop = _Proposer(m)
    weight = m.activity * prop.total
    if weight.sum() <= 0:
        return 0.0
    cum = _cum(weight)
    src = _draw_in_blocks(cum, np.zeros(pilot, np.int64), np.full(pilot, m.n, np.int64),
                          rng.random(pilot))
    dst = prop.propose(src, rng)
    ok = (dst >= 0) & (dst != src)
    f = np.zeros(pilot)
    f[ok] = acceptance(m, src[ok], dst[ok])
    mean_f = float(f.mean())
    return 0.0 if mean_f <= 0 else links_per_firm * m.n / (mean_f * float(weight.sum()))


def sample_firm_links(m: LatentModel, rng: np.random.Generator, *,
                      chunk: int = 500_000) -> Array:
    """Undirected firm–firm links ``(i, j)``, ``i < j``, sorted, as an (m, 2) int64 array.

    Each firm ``i`` makes ``Poisson(R a_i M_i)`` proposals; each picks a kernel in proportion
    to its mass ``w_b M_b(i)`` and a partner ``j`` in proportion to ``k_b(i, j) a_j``, and is
    accepted with probability ``f``. So accepted proposals from ``i`` to ``j`` are
    ``Poisson(R a_i a_j f Σ_b w_b k_b(i, j))``; a pair is linked when a proposal either way is
    accepted: ``P(link) = 1 - exp(-Λ(i, j))`` exactly, ``Λ`` as in :func:`firm_rates`.
    """
    if m.n < 2 or m.rate <= 0:
        return np.zeros((0, 2), np.int64)
    prop = _Proposer(m)
    counts = rng.poisson(m.rate * m.activity * prop.total)
    keys = []
    offsets = np.concatenate([[0], np.cumsum(counts)])
    # chunk over source firms so the proposal arrays stay bounded
    bounds = np.searchsorted(offsets, np.arange(0, offsets[-1] + chunk, chunk))
    bounds = np.unique(np.clip(bounds, 0, m.n))
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        src = np.repeat(np.arange(lo, hi, dtype=np.int64), counts[lo:hi])
        dst = prop.propose(src, rng)
        ok = np.flatnonzero((dst >= 0) & (dst != src))
        src, dst = src[ok], dst[ok]
        keep = rng.random(src.size) < acceptance(m, src, dst)
        src, dst = src[keep], dst[keep]
        keys.append(np.minimum(src, dst) * m.n + np.maximum(src, dst))
    key = np.unique(np.concatenate(keys)) if keys else np.zeros(0, np.int64)
    return np.stack([key // m.n, key % m.n], axis=1)


def sample_institute_links(m: LatentModel, rng: np.random.Generator, *,
                           block: int = 200_000) -> Array:
    """Firm–institute links ``(firm row, institute index)``: one Bernoulli draw per pair with
    probability ``sigmoid(q)`` (:func:`institute_logits`), blocked over firms."""
    inst = np.arange(len(m.inst_ids))
    out = [np.zeros((0, 2), np.int64)]
    for lo in range(0, m.n, block):
        rows = np.arange(lo, min(lo + block, m.n))
        p = _sigmoid(institute_logits(m, rows, inst))
        hit = rng.random(p.shape) < p
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


def transitions() -> Array:
    """The technology kernels' transition matrices: peers (identity), value chain."""
    return np.stack([np.eye(N_TECH), complementarity_transition()])
