"""Exact, sub-quadratic sampling of the hidden model's links, and the pilots that set its
rate, its fit cap and its institute intercept (see :mod:`rootmatch.synth._law`).

Randomness comes in as a :class:`numpy.random.Generator`.
"""

from __future__ import annotations

import itertools

import numpy as np

from rootmatch.synth._law import (
    _FIT_METRIC,
    _HIDDEN,
    N_TECH,
    Array,
    K,
    LatentModel,
    _cdf_rows,
    _sigmoid,
    draw_rows,
    fit_score,
    institute_logits,
)

__all__ = [
    "Proposer",
    "calibrate_fit_cap",
    "calibrate_institute_intercept",
    "calibrate_rate",
    "sample_firm_links",
    "sample_institute_links",
]


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
