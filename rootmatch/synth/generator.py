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

from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from rootmatch.base._checks import SeedLike, check_rng
from rootmatch.base.exceptions import ValidationError
from rootmatch.domain.catalog import Catalog, busan_2024
from rootmatch.domain.population import Population
from rootmatch.domain.table import FirmTable
from rootmatch.domain.taxonomy import InstituteKind
from rootmatch.synth._firms import _FirmDraws
from rootmatch.synth._law import K, LatentModel, geo_affinity, profile_vector, tech_affinity
from rootmatch.synth._names import _firm_ids, _names
from rootmatch.synth._participations import (
    _BUSAN_ROOT_FIRMS,
    CERTIFICATE_SINCE,
    _check_dated,
    _requires_certificate,
    _split_rules,
)
from rootmatch.synth._sampling import (
    Proposer,
    calibrate_fit_cap,
    calibrate_institute_intercept,
    calibrate_rate,
    sample_firm_links,
    sample_institute_links,
)
from rootmatch.synth._tables import _DISTRICT_XY, _INSTITUTE_KIND_OFFSET, N_TECH, D, _to_km, _units
from rootmatch.synth._tuning import DEFAULT_TUNING, _check_tuning
from rootmatch.synth.truth import Truth

__all__ = ["DEFAULT_TUNING", "generate_population"]


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


class _Generator(_FirmDraws):
    """One population's draws, in order (see the module docstring): the observed firms
    (:class:`~rootmatch.synth._firms._FirmDraws`), their table and participations, the
    hidden model, its links and the hold-out."""

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
            v = profile_vector(prog.all_axes, prog.topics)
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
        geo = geo_affinity(dist, same_cluster, same_district,
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
            tech_affinity=tech_affinity(*self.p["tech_affinity"]),
            tech_power=float(self.p["tech_power"]),
            geo_affinity=geo,
            community_boost=float(self.p["community_boost"]),
            rate=0.0,
            accept=self.p["accept"],
            fit_cap=0.0,
            inst_ids=tuple(i.id for i in insts),
            inst_open=np.array([i.kind is not InstituteKind.COOPERATIVE for i in insts], bool),
            inst_profile=np.array([profile_vector(i.services, i.topics) for i in insts]
                                  ).reshape(m, K),
            inst_expertise=expertise,
            inst_distance=np.linalg.norm(units.xy[:, None, :] - inst_xy[None, :, :], axis=2),
            inst_offset=np.array([_INSTITUTE_KIND_OFFSET[i.kind] for i in insts]),
            inst_community=1.0 * rng.standard_normal((max(self.n_communities, 1), m)),
            inst_params=(0.0, 2.0, 0.8, 1.5, 8.0),
        )
        # the proposals do not depend on fit_cap or rate: one proposer serves every step
        self.proposer = Proposer(model)
        model = attrs.evolve(model, fit_cap=calibrate_fit_cap(
            model, rng, float(self.p["fit_cap"]), prop=self.proposer))
        self.proposer.set_model(model)
        rate = calibrate_rate(model, float(self.p["links_per_firm"]), rng,
                                      prop=self.proposer)
        shift = calibrate_institute_intercept(
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
        links = sample_firm_links(model, self.rng_links, prop=self.proposer)
        del self.proposer
        inst_links = sample_institute_links(model, self.rng_inst)
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
