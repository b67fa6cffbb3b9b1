"""The observed attributes of synthetic firms, their communities and memberships, drawn
column by column (the order the :mod:`rootmatch.synth.generator` docstring documents)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.special
from numpy.typing import NDArray

from rootmatch.domain.catalog import Catalog
from rootmatch.domain.taxonomy import (
    InstituteKind,
    Material,
    RootTechnology,
    SupportAxis,
    TechGroup,
    Topic,
)
from rootmatch.synth._law import (
    FACTORS,
    K,
    capability_means,
    draw_rows,
    need_means,
    observation_loadings,
)
from rootmatch.synth._tables import (
    _CLUSTER_DISTRICT,
    _FAMILY,
    _MATERIALS,
    _MEMBERSHIP_RULES,
    _MULTI_TRUE,
    _THIRD,
    N_TECH,
    T,
    _band_pmfs,
    _bits,
    _categorical,
    _location_table,
    _mask_of_bits,
    _membership_group,
    _primary_probabilities,
    _rank_uniform,
    _size_table,
    _units,
)
from rootmatch.synth._targets import _targets

__all__ = ["_FirmDraws"]


class _FirmDraws:
    """One population's observed firms, drawn in order (see
    :mod:`rootmatch.synth.generator`)."""

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
        s1 = draw_rows(S_cdf, primary, rng.random(n))
        s2 = draw_rows(S_cdf, primary, rng.random(n))
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
        band = draw_rows(np.cumsum(table, axis=1) / table.sum(axis=1, keepdims=True),
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
        self.unit = draw_rows(cdf, self.primary, rng.random(n))
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
        need_m, cap_m = need_means(), capability_means()
        sec = self.secondary
        has_sec = sec >= 0
        self.capability = cap_m[self.primary] + 0.7 * rng.standard_normal((n, K), np.float32)
        need = need_m[self.primary] + rng.standard_normal((n, K), np.float32)
        need[has_sec] += 0.5 * need_m[sec[has_sec]]
        self.need = need
        # digital level: copula on size and digital capability, exact marginal by ranks
        dig = FACTORS.index("digital")
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
        L = observation_loadings()
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
        mat_f = self.need[:, FACTORS.index("materials")]
        env_f = self.need[:, FACTORS.index("environment")]
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
