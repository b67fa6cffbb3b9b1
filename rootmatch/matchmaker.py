"""The matchmaking engine: partners and eligible programs for small firms, with reasons.

:class:`Matchmaker` blends three signals into one linear score, as eight raw components:

- **similarity** — cosine of the firms' profile vectors (:class:`rootmatch.FirmVectorizer`)
  (``similarity``), and how much firms of the two locations (``geography``) and of the two
  technologies (``technology``) link, learned jointly from observed links;
- **complementarity** — value-chain adjacency of their technologies (``t_iᵀ C t_j``);
- **proximity** — resource allocation through shared cooperatives, institutes, programs and
  the hub (``affiliation``) and through common partner firms (``partners``);

and two terms of each side's own reach, which rank a firm's candidates by how many partners
they take on: the partners each already has (``popularity``) and the partners a firm of its
size and digital maturity usually has (``capacity``, which also ranks firms without any link
yet). Firm and institute blends are each mapped to a calibrated probability of collaborating,
which ranks lists that mix the two kinds.

The blend's weights are learned from the observed collaborations (held-out links ranked
against seeded random candidates of the same firm, on the raw components) or given. Because the
ranking is a linear blend of raw components, the batch path is exact with one matrix product
over augmented vectors plus a sparse correction (see :mod:`rootmatch._scoring`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.special
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from . import _topk
from ._persist import Member
from ._reasons import firm_firm_reasons, firm_institute_reasons, firm_program_reasons
from ._scoring import (
    COMPONENTS,
    PARTNERS,
    affinities,
    augmented_factors,
    capacity,
    pair_components,
    pair_factors,
    partner_term_rows,
    row_plan,
    row_scores,
    tech_shares,
    tech_vectors,
)
from ._validation import check_date, check_k, check_rng
from .exceptions import UnknownEntityError, ValidationError
from .rules import Reason, outcomes_for_row, rule_masks
from .table import SCALAR_COLUMNS
from .taxonomy import RootTechnology, complementarity_matrix

__all__ = ["COMPONENTS", "DEFAULT_WEIGHTS", "Matchmaker", "Recommendation"]

#: Weights used when the network has too few observed links to learn from.
DEFAULT_WEIGHTS: dict[str, float] = {
    "similarity": 1.0, "geography": 0.2, "technology": 0.2, "complementarity": 0.5,
    "affiliation": 5.0, "partners": 2.0, "popularity": 0.05, "capacity": 0.1,
}
DEFAULT_INSTITUTE_WEIGHTS: dict[str, float] = {"similarity": 1.0, "proximity": 5.0}
DEFAULT_PROGRAM_WEIGHTS: dict[str, float] = {"fit": 1.0, "peers": 1.0, "popularity": 0.2}
INSTITUTE_COMPONENTS = ("similarity", "proximity")
PROGRAM_COMPONENTS = ("fit", "peers", "popularity")
_KIND_ORDER = {"firm": 0, "institute": 1, "program": 2}
_CAPACITY = COMPONENTS.index("capacity")


@frozen(kw_only=True)
class Recommendation:
    """One recommended partner or program.

    Attributes
    ----------
    target : str
        The recommended entity's id.
    kind : {"firm", "institute", "program"}
    score : float
        The blended score (higher is better): the ranking within one kind.
    probability : float or None
        Partners: the calibrated probability that the pair would collaborate (Platt scaling
        of the kind's blend on held-out links), comparable between firms and institutes;
        lists that mix both kinds are ranked by it. ``None`` for programs.
    components : dict of str -> float
        Each signal's contribution (weight × raw component); they add up to ``score``.
    reasons : tuple of Reason
        Short reasons in Korean and English; for programs, the passed rules come first.
    eligible : bool
        ``False`` only for a program's near miss.
    failed_rule : str or None
        The single rule a near miss fails.
    remedy : Reason or None
        What would make a near miss eligible, when the firm can act on it.
    """

    target: str
    kind: str
    score: float
    probability: float | None = None
    components: dict[str, float] = field(factory=dict)
    reasons: tuple[Reason, ...] = ()
    eligible: bool = True
    failed_rule: str | None = None
    remedy: Reason | None = None

    def explain(self, lang: str = "en") -> str:
        """A one-paragraph explanation in ``lang`` (``"ko"`` or ``"en"``)."""
        head = f"{self.kind} {self.target}: {self.score:.4f}"
        if not self.eligible:
            head += " (근접 탈락)" if lang == "ko" else " (near miss)"
        lines = [head] + [f"  - {r.text(lang)}" for r in self.reasons]
        if self.remedy is not None:
            label = "  → 보완: " if lang == "ko" else "  → remedy: "
            lines.append(label + self.remedy.text(lang))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "target": self.target,
            "kind": self.kind,
            "score": float(self.score),
            "probability": None if self.probability is None else float(self.probability),
            "components": {k: float(v) for k, v in self.components.items()},
            "reasons": [{"ko": r.ko, "en": r.en} for r in self.reasons],
            "eligible": self.eligible,
            "failed_rule": self.failed_rule,
            "remedy": None if self.remedy is None else {"ko": self.remedy.ko, "en": self.remedy.en},
        }


def _normalize_rows(M: NDArray[np.floating]) -> NDArray[np.float32]:
    M = np.asarray(M, dtype=np.float32)
    norms = np.linalg.norm(M, axis=1, keepdims=True)
    return np.divide(M, norms, out=np.zeros_like(M), where=norms > 0)


def _weights_vector(given: Mapping[str, float] | Sequence[float], names: Sequence[str],
                    field_name: str) -> NDArray[np.float64]:
    if isinstance(given, Mapping):
        unknown = set(given) - set(names)
        if unknown:
            raise ValidationError(
                f"{field_name}: unknown component(s) {sorted(unknown)}; allowed: {list(names)}",
                field=field_name, value=dict(given))
        vec = np.array([float(given.get(n, 0.0)) for n in names])
    else:
        vec = np.asarray(given, dtype=float)
        if vec.shape != (len(names),):
            raise ValidationError(f"{field_name} must have {len(names)} entries ({list(names)})",
                                  field=field_name, value=given)
    if not np.all(np.isfinite(vec)) or np.any(vec < 0):
        raise ValidationError(f"{field_name} must be finite and >= 0, got {vec.tolist()}",
                              field=field_name, value=given)
    return vec


def _column_scales(X: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Each column's standard deviation, and which columns are constant (to rounding): a
    constant component cannot rank anything and gets no weight."""
    scale = X.std(axis=0)
    size = np.abs(X).max(axis=0) if X.size else np.zeros(X.shape[1])
    const = ~(scale > 1e-9 * np.maximum(1.0, size))
    scale[const] = 1.0
    return scale, const


def _learn_blend(X: NDArray[np.float64], y: NDArray[np.int_], fallback: NDArray[np.float64],
                 seed: int) -> NDArray[np.float64]:
    """Non-negative linear weights on raw components from a logistic regression."""
    if y.sum() < 5 or (y == 0).sum() < 5:
        return fallback
    scale, const = _column_scales(X)
    Z = X / scale
    Z[:, const] = 0.0
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000, random_state=seed)
    model.fit(Z, y)
    coef = np.clip(model.coef_.ravel(), 0.0, None)
    coef[const] = 0.0
    if not np.any(coef > 0):
        return fallback
    return coef / scale / coef.sum()


#: Smallest calibration slope, per standard deviation of the blend: keeps the calibrated
#: odds strictly increasing in the score, so a kind's own order survives a merge.
_MIN_SLOPE = 1e-3


def _calibrate(s_pos: NDArray[np.float64], s_neg: NDArray[np.float64], n_pairs: int,
               n_links: int) -> tuple[float, float]:
    """Platt scaling of a blend: ``(a, b)`` with ``sigmoid(a·score + b)`` the probability
    that a not-yet-linked pair of that score collaborates.

    Fitted on held-out links (``s_pos``, out of ``n_links`` links in all) against uniformly
    sampled non-links (``s_neg``, standing for ``n_pairs`` pairs), then corrected for both
    samplings. A slope that comes out too small (or negative) gives way to the base rate of
    links with a minimal slope.
    """
    if s_pos.size < 5 or s_neg.size < 5:
        return _default_calibration(n_links, n_pairs, s_neg)
    x = np.concatenate([s_pos, s_neg])
    y = np.concatenate([np.ones(s_pos.size), np.zeros(s_neg.size)])
    sd = float(x.std())
    if not sd > 1e-12 * max(1.0, float(np.abs(x).max())):
        return _default_calibration(n_links, n_pairs, s_neg)
    model = LogisticRegression(C=1e4, max_iter=1000).fit((x / sd)[:, None], y)
    a = float(model.coef_[0, 0]) / sd
    if a < _MIN_SLOPE / sd:
        return _default_calibration(n_links, n_pairs, s_neg)
    b = (float(model.intercept_[0]) + math.log(s_neg.size / max(n_pairs, 1))
         + math.log(max(n_links, 1) / s_pos.size))
    return a, b


def _default_calibration(n_links: int, n_pairs: int,
                         scores: NDArray[np.float64] | None = None) -> tuple[float, float]:
    """The base rate of links at the typical score, with a minimal slope (too few links, or
    a blend that does not separate them)."""
    odds = (n_links + 0.5) / (max(n_pairs, 0) + 0.5)
    if scores is None or scores.size < 2:
        return _MIN_SLOPE, math.log(odds)
    sd = float(scores.std()) or 1.0
    a = _MIN_SLOPE / sd
    return a, math.log(odds) - a * float(scores.mean())


class Matchmaker(BaseEstimator):
    """Recommend partners (firms, institutes) and eligible programs to firms.

    Parameters
    ----------
    weights : dict or sequence of 8 floats, optional
        Blend weights of the components ``similarity``, ``geography``, ``technology``,
        ``complementarity``, ``affiliation``, ``partners``, ``popularity`` and ``capacity`` (see
        :mod:`rootmatch._scoring`; a dict may leave some out: they get 0). ``None`` learns
        them from the network's observed collaborations.
    institute_weights : dict, optional
        Weights of ``similarity`` and ``proximity`` for institutes; ``None`` learns them from
        firm–institute links when there are enough, else uses defaults.
    program_weights : dict, optional
        Weights of ``fit``, ``peers`` and ``popularity`` for programs; ``None`` learns them
        from past participations.
    feature_weights : dict, optional
        Block weights passed to :class:`rootmatch.FirmVectorizer`.
    holdout : float, default=0.2
        Share of observed links held out (inside ``fit``) to learn the blend and calibrate
        it.
    n_negatives : int, default=5
        Random non-links sampled per held-out link (for the calibration, and for the
        ``"logistic"`` blend).
    block_size : int, optional
        Query rows per tile of the batch path; default keeps a tile near 64 MB.
    use_numba : bool, optional
        Use the compiled selection kernel (default: when numba is installed). Results are
        identical either way.
    blend : {"listwise", "logistic"}, default="listwise"
        How the blend is learned from held-out links: ``"listwise"`` maximises each held-out
        partner's softmax probability among its firm's random candidates (a conditional
        logit: it learns to rank one firm's candidates); ``"logistic"`` separates held-out
        links from random pairs. Both give non-negative weights on the raw components.
    n_jobs : int, optional
        Threads of the batch path, each scoring its own query blocks (BLAS then runs one
        thread per worker). ``None`` uses every available core; results never depend on it.
    random_state : int, Generator or None
        Seeds the holdout and the negatives.

    Attributes
    ----------
    weights_ : dict of str -> float
        The firm–firm blend weights used for ranking.
    institute_weights_, program_weights_ : dict of str -> float
    score_width_ : int
        Width of the augmented vectors the batch product uses.
    firm_ids_ : ndarray of str
        Firm ids in row order.
    capacity_ : ndarray of shape (n_firms,)
        Each firm's log expected number of partners from its size and digital level (the
        ``capacity`` component's per-firm term).
    calibration_ : ndarray of shape (4,)
        ``(a, b)`` of the firm blend then of the institute blend: ``sigmoid(a·score + b)`` is
        the probability that the pair collaborates (``Recommendation.probability``).

    Examples
    --------
    >>> import datetime as dt, rootmatch as rm
    >>> pop = rm.synth.generate_population(300, seed=1)
    >>> net = rm.SupportNetwork.from_population(pop, hub=True)
    >>> mm = rm.Matchmaker(random_state=0).fit(net)
    >>> firm = net.small_firms()[0]
    >>> recs = mm.recommend_partners(firm, k=3)
    >>> len(recs), all(r.target != firm for r in recs)
    (3, True)
    >>> progs = mm.recommend_programs(firm, k=2, on=dt.date(2024, 6, 1))
    >>> all(p.eligible for p in progs)
    True
    """

    def __init__(
        self,
        *,
        weights: Mapping[str, float] | Sequence[float] | None = None,
        institute_weights: Mapping[str, float] | None = None,
        program_weights: Mapping[str, float] | None = None,
        feature_weights: Mapping[str, float] | None = None,
        holdout: float = 0.2,
        n_negatives: int = 5,
        block_size: int | None = None,
        use_numba: bool | None = None,
        n_jobs: int | None = None,
        blend: str = "listwise",
        random_state: Any = None,
    ) -> None:
        self.weights = weights
        self.institute_weights = institute_weights
        self.program_weights = program_weights
        self.feature_weights = feature_weights
        self.holdout = holdout
        self.n_negatives = n_negatives
        self.block_size = block_size
        self.use_numba = use_numba
        self.n_jobs = n_jobs
        self.blend = blend
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, network: Any, y: None = None) -> Matchmaker:
        """Learn profiles, factors and blend weights from a :class:`rootmatch.SupportNetwork`.

        Returns
        -------
        self : Matchmaker
        """
        from .features import FirmVectorizer

        if self.blend not in ("listwise", "logistic"):
            raise ValidationError(f"blend must be 'listwise' or 'logistic', got {self.blend!r}",
                                  field="blend", value=self.blend)
        if not 0.0 < float(self.holdout) < 1.0:
            raise ValidationError(f"holdout must be in (0, 1), got {self.holdout!r}",
                                  field="holdout", value=self.holdout)
        rng = check_rng(self.random_state)
        seed = int(rng.integers(2**31 - 1))
        table = network.firms
        n = len(table)
        if n == 0:
            raise ValidationError("the network has no firms", field="firms", value=0)
        self.table_ = table
        self.institutes_ = dict(network.institutes)
        self.programs_ = dict(network.programs)
        self.has_hub_ = bool(network.has_hub)
        self.enrolled_ = np.asarray(network.enrolled, bool)
        self._derive_base()

        # profiles
        self.vectorizer_ = FirmVectorizer(weights=self.feature_weights).fit(table)
        self.X_ = _normalize_rows(self.vectorizer_.transform(table))
        inst_list = [self.institutes_[i] for i in self.inst_ids_]
        prog_list = [self.programs_[p] for p in self.prog_ids_]
        d = self.X_.shape[1]
        self.Xi_ = (_normalize_rows(self.vectorizer_.transform_institutes(inst_list))
                    if inst_list else np.zeros((0, d), np.float32))
        self.Xp_ = (_normalize_rows(self.vectorizer_.transform_programs(prog_list))
                    if prog_list else np.zeros((0, d), np.float32))

        # graph views
        B, cols, bw = network.firm_incidence()
        self.B_ = sp.csr_matrix(B, dtype=np.float64)
        self.B_cols_ = tuple(cols)
        self.bw_ = np.asarray(bw, dtype=np.float64)
        self.A_ = sp.csr_matrix(network.collaboration_matrix(), dtype=np.float64)
        self.dF_ = np.asarray(network.firm_degree_weights(), dtype=np.float64)
        calib_inst = self._fit_institutes(network, rng)
        self.P_ = sp.csr_matrix(network.participation_matrix(), dtype=np.float64)
        self._derive_views()
        self.L_geo_, self.L_tech_ = self._affinities(self.A_)
        self._derive_programs()

        # blend weights, then the map from blend to collaboration odds
        data = self._firm_holdout(rng)
        if self.weights is not None:
            w = _weights_vector(self.weights, COMPONENTS, "weights")
        else:
            w = self._learn_firm_weights(data, rng, seed)
        self._w = w
        n_links = self.A_.nnz // 2
        n_pairs = n * (n - 1) // 2 - n_links
        if data is None:
            calib_firm = _default_calibration(n_links, n_pairs)
        else:
            factors, hi, hj, ni, nj = data
            calib_firm = _calibrate(pair_components(factors, hi, hj) @ w,
                                    pair_components(factors, ni, nj) @ w, n_pairs, n_links)
        self.calibration_ = np.array([*calib_firm, *calib_inst])
        self._fit_programs(rng, seed)
        self.sample_cols_ = np.sort(rng.choice(n, size=min(n, 256), replace=False)).astype(np.int64)
        self._derive_factors()
        if self.use_numba is not False:
            _topk.warm_up()
        return self

    # State derived from what fit learns; recomputed identically after load().
    def _derive_base(self) -> None:
        table = self.table_
        self.firm_ids_ = np.asarray(table.ids)
        self.id_rank_ = np.argsort(np.argsort(self.firm_ids_, kind="stable"), kind="stable")
        self.inst_ids_ = sorted(self.institutes_)
        self.prog_ids_ = sorted(self.programs_)
        names = {i: (v.name_ko, v.name_en) for i, v in self.institutes_.items()}
        names.update({p: (v.name_ko, v.name_en) for p, v in self.programs_.items()})
        self.names_ = names
        self.tech_bool_ = table.tech_matrix()
        self.T_ = tech_vectors(self.tech_bool_)
        self.C_ = complementarity_matrix().astype(np.float32)

    def _derive_views(self) -> None:
        self._pf = None  # pair factors, built on first use
        table = self.table_
        key = table.district.astype(np.int64) * (len(table.cluster_vocab) + 1) + table.cluster
        self.unit_vocab_, self.unit_ = np.unique(key, return_inverse=True)
        self.unit_ = self.unit_.ravel()
        self.S_ = tech_shares(self.tech_bool_)
        self.logdeg_ = np.log1p(np.asarray(self.A_.sum(axis=1)).ravel())
        self.capacity_ = self._capacity(self.A_)

    def _capacity(self, A: sp.csr_matrix) -> NDArray[np.float64]:
        return capacity(self.table_.employees, self.table_.digital_level,
                        np.asarray(A.sum(axis=1)).ravel())

    def _affinities(self, A: sp.csr_matrix) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Learned location × location and technology × technology affinities from ``A``."""
        n = len(self.firm_ids_)
        U = sp.csr_matrix((np.ones(n), (np.arange(n), self.unit_)),
                          shape=(n, len(self.unit_vocab_)))
        return affinities(U, self.S_, A)

    def _factors(self, *, A: sp.csr_matrix | None = None, dF: NDArray[np.float64] | None = None,
                 logdeg: NDArray[np.float64] | None = None,
                 cap: NDArray[np.float64] | None = None,
                 L_geo: NDArray[np.float64] | None = None,
                 L_tech: NDArray[np.float64] | None = None) -> Any:
        return pair_factors(
            X=self.X_, unit=self.unit_, L_geo=self.L_geo_ if L_geo is None else L_geo,
            S=self.S_, L_tech=self.L_tech_ if L_tech is None else L_tech, T=self.T_, C=self.C_,
            B=self.B_, bw=self.bw_, A=self.A_ if A is None else A,
            dF=self.dF_ if dF is None else dF, logdeg=self.logdeg_ if logdeg is None else logdeg,
            capacity=self.capacity_ if cap is None else cap)

    def _pair_components(self, i: NDArray[np.intp], j: NDArray[np.intp], *,
                         partners: NDArray[np.floating] | None = None) -> NDArray[np.float64]:
        if getattr(self, "_pf", None) is None:
            self._pf = self._factors()
        return pair_components(self._pf, i, j, partners=partners)

    def _partners_row(self, i: int) -> NDArray[np.float64]:
        """``Σ_f A_if A_fj / deg(f)`` for every j: the partners' partners, from the CSR arrays."""
        A = self.A_
        nb = A.indices[A.indptr[i]:A.indptr[i + 1]]
        n = A.shape[0]
        if not nb.size:
            return np.zeros(n)
        starts, ends = A.indptr[nb], A.indptr[nb + 1]
        counts = ends - starts
        cols = A.indices[np.repeat(starts, counts) + _ranges(counts)]
        return np.bincount(cols, weights=np.repeat(self.dF_[nb], counts), minlength=n)

    def _derive_factors(self) -> None:
        self.weights_ = dict(zip(COMPONENTS, (float(x) for x in self._w)))
        self.institute_weights_ = dict(zip(INSTITUTE_COMPONENTS, (float(x) for x in self._wi)))
        self.program_weights_ = dict(zip(PROGRAM_COMPONENTS, (float(x) for x in self._wp)))
        self._pf = self._factors()
        self.Q_, self.K_ = augmented_factors(self._pf, self._w)
        self._row = row_plan(self._pf, self._w)  # the single-query path
        self.score_width_ = int(self.Q_.shape[1])

    def _fit_institutes(self, network: Any, rng: np.random.Generator) -> tuple[float, float]:
        """Institute profiles, proximity and blend weights; returns the blend's calibration."""
        n_inst = len(self.inst_ids_)
        self.inst_links_ = sp.csr_matrix(network.institute_links(), dtype=np.float64)
        adj, nodes = network.adjacency()
        adj = sp.csr_matrix(adj, dtype=np.float64)
        where = {node: i for i, node in enumerate(nodes)}
        firm_nodes = np.array([where[f"firm:{f}"] for f in self.firm_ids_], dtype=np.intp)
        inst_nodes = np.array([where[f"inst:{i}"] for i in self.inst_ids_], dtype=np.intp)
        self.inst_prox_ = self._firm_inst_ra(adj, firm_nodes, inst_nodes)
        data = self._institute_holdout(adj, firm_nodes, inst_nodes, rng)
        fallback = _weights_vector(DEFAULT_INSTITUTE_WEIGHTS, INSTITUTE_COMPONENTS, "w")
        if self.institute_weights is not None:
            wi = _weights_vector(self.institute_weights, INSTITUTE_COMPONENTS, "institute_weights")
        elif data is None:
            wi = fallback
        else:
            wi = _learn_blend(data[0], data[1], fallback, int(rng.integers(2**31 - 1)))
        self._wi = wi
        n_pairs = len(self.firm_ids_) * max(n_inst, 1) - self.inst_links_.nnz
        if n_inst == 0:
            self.inst_prox_ = np.zeros((len(self.firm_ids_), 0), np.float32)
        if data is None:
            return _default_calibration(self.inst_links_.nnz, n_pairs)
        X, y = data
        return _calibrate(X[y == 1] @ wi, X[y == 0] @ wi, n_pairs, self.inst_links_.nnz)

    @staticmethod
    def _firm_inst_ra(adj: sp.csr_matrix, firm_nodes: NDArray[np.intp],
                      inst_nodes: NDArray[np.intp]) -> NDArray[np.float32]:
        deg = np.asarray(adj.sum(axis=1)).ravel()
        inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0)
        left = adj[firm_nodes].multiply(inv[None, :]).tocsr()
        return np.asarray((left @ adj[:, inst_nodes]).toarray(), dtype=np.float32)

    def _institute_holdout(self, adj, firm_nodes, inst_nodes, rng):  # type: ignore[no-untyped-def]
        """Components (X) and labels (y) of held-out firm–institute links and random
        non-links, scored on the network without the held-out links; None if too few."""
        links = self.inst_links_.tocoo()
        m = links.nnz
        if m < 20 or len(self.inst_ids_) == 0:
            return None
        hold = rng.random(m) < self.holdout
        if not hold.any():
            hold[rng.integers(m)] = True
        fi, ui = links.row[hold], links.col[hold]
        E = sp.csr_matrix((np.ones(fi.size), (firm_nodes[fi], inst_nodes[ui])), shape=adj.shape)
        adj_train = (adj - E - E.T).tocsr()
        adj_train.eliminate_zeros()
        prox = self._firm_inst_ra(adj_train, firm_nodes, inst_nodes)
        n = len(self.firm_ids_)
        n_neg = min(self.n_negatives * fi.size, 200_000)
        nf = rng.integers(n, size=n_neg)
        nu = rng.integers(len(self.inst_ids_), size=n_neg)
        keep = np.asarray(self.inst_links_[nf, nu]).ravel() == 0
        nf, nu = nf[keep], nu[keep]
        f_all = np.concatenate([fi, nf])
        u_all = np.concatenate([ui, nu])
        X = np.column_stack([
            np.einsum("ij,ij->i", self.X_[f_all].astype(float), self.Xi_[u_all].astype(float)),
            prox[f_all, u_all].astype(float),
        ])
        y = np.concatenate([np.ones(fi.size, int), np.zeros(nf.size, int)])
        return X, y

    def _firm_holdout(self, rng: np.random.Generator) -> Any:
        """Training factors without a held-out share of the links, the held-out pairs and
        random non-linked pairs; None if there are too few links."""
        upper = sp.triu(self.A_, k=1).tocoo()
        m = upper.nnz
        if m < 10:
            return None
        hold = rng.random(m) < self.holdout
        if not hold.any():
            hold[rng.integers(m)] = True
        hi, hj = upper.row[hold], upper.col[hold]
        n = self.A_.shape[0]
        E = sp.csr_matrix((np.ones(hi.size), (hi, hj)), shape=(n, n))
        A_train = (self.A_ - E - E.T).tocsr()
        A_train.eliminate_zeros()
        deg = np.divide(1.0, self.dF_, out=np.zeros_like(self.dF_), where=self.dF_ > 0)
        removed = np.bincount(np.concatenate([hi, hj]), minlength=n)
        deg_train = deg - removed
        dF_train = np.divide(1.0, deg_train, out=np.zeros_like(deg), where=deg_train > 0)
        n_neg = min(self.n_negatives * hi.size, 500_000)
        ni = rng.integers(n, size=n_neg)
        nj = rng.integers(n, size=n_neg)
        keep = (ni != nj) & (np.asarray(self.A_[ni, nj]).ravel() == 0)
        ni, nj = ni[keep], nj[keep]
        logdeg_train = np.log1p(np.asarray(A_train.sum(axis=1)).ravel())
        L_geo, L_tech = self._affinities(A_train)
        factors = self._factors(A=A_train, dF=dF_train, logdeg=logdeg_train,
                                cap=self._capacity(A_train), L_geo=L_geo,
                                L_tech=L_tech)
        return factors, hi, hj, ni, nj

    def _learn_firm_weights(self, data: Any, rng: np.random.Generator,
                            seed: int) -> NDArray[np.float64]:
        fallback = _weights_vector(DEFAULT_WEIGHTS, COMPONENTS, "weights")
        if data is None:
            return fallback
        factors, hi, hj, ni, nj = data
        if self.blend == "listwise":
            return self._learn_listwise(factors, hi, hj, rng, fallback)
        X = pair_components(factors, np.concatenate([hi, ni]), np.concatenate([hj, nj]))
        y = np.concatenate([np.ones(hi.size, int), np.zeros(ni.size, int)])
        return _learn_blend(X, y, fallback, seed)

    def _learn_listwise(self, factors: Any, hi: NDArray[np.intp], hj: NDArray[np.intp],
                        rng: np.random.Generator,
                        fallback: NDArray[np.float64]) -> NDArray[np.float64]:
        """Non-negative weights maximising each held-out partner's softmax probability among
        the query firm's random candidates (a conditional logit: it learns to rank one
        firm's candidates, as recommending does)."""
        from scipy.optimize import minimize

        q = np.concatenate([hi, hj])
        pos = np.concatenate([hj, hi])
        if q.size > 6000:
            pick = rng.choice(q.size, size=6000, replace=False)
            q, pos = q[pick], pos[pick]
        m = 30
        n = self.A_.shape[0]
        neg = rng.integers(n, size=(q.size, m))
        F_pos = pair_components(factors, q, pos)
        F_neg = pair_components(factors, np.repeat(q, m), neg.ravel()).reshape(q.size, m, -1)
        scale, const = _column_scales(np.concatenate([F_pos, F_neg.reshape(-1, F_pos.shape[1])]))
        Fp, Fn = F_pos / scale, F_neg / scale
        Fp[:, const] = 0.0
        Fn[:, :, const] = 0.0
        lam = 1e-3

        def loss(w: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
            sp_ = Fp @ w
            sn = Fn @ w
            top = np.maximum(sp_, sn.max(axis=1))
            ep = np.exp(sp_ - top)
            en = np.exp(sn - top[:, None])
            z = ep + en.sum(axis=1)
            value = float(np.mean(np.log(z) + top - sp_)) + lam * float(w @ w)
            grad_scores = (ep[:, None] * Fp + (en[:, :, None] * Fn).sum(axis=1)) / z[:, None]
            grad = (grad_scores - Fp).mean(axis=0) + 2 * lam * w
            return value, grad

        res = minimize(loss, np.ones(Fp.shape[1]), jac=True, method="L-BFGS-B",
                       bounds=[(0.0, None)] * Fp.shape[1])
        w = np.clip(res.x, 0.0, None)
        w[const] = 0.0
        if not np.any(w > 0):
            return fallback
        return w / scale / w.sum()

    def _derive_programs(self) -> None:
        P = self.P_
        self.prog_counts_ = np.asarray(P.sum(axis=0)).ravel()
        self.prog_sums_ = np.asarray(P.T @ self.X_, dtype=np.float64)  # (n_prog, d)
        # participants sharing at least one technology with each firm, by grouping firms on
        # their technology mask (few distinct masks)
        masks, inverse = np.unique(self.table_.tech_mask, return_inverse=True)
        share = (masks[:, None] & masks[None, :]) != 0  # (u, u)
        group_counts = sp.csr_matrix(
            (np.ones(len(inverse)), (inverse.ravel(), np.arange(len(inverse)))),
            shape=(len(masks), len(inverse))) @ P  # (u, n_prog)
        self.tech_peer_counts_ = (share.astype(float) @ np.asarray(group_counts.toarray()))[
            inverse.ravel()]
        top = float(self.prog_counts_.max()) if self.prog_counts_.size else 0.0
        self.pop_scale_ = math.log1p(top) if top > 0 else 1.0

    def _fit_programs(self, rng: np.random.Generator, seed: int) -> None:
        P = self.P_
        fallback = _weights_vector(DEFAULT_PROGRAM_WEIGHTS, PROGRAM_COMPONENTS, "program_weights")
        if self.program_weights is not None:
            wp = _weights_vector(self.program_weights, PROGRAM_COMPONENTS, "program_weights")
        elif P.nnz >= 10 and P.shape[1] > 1:
            coo = P.tocoo()
            n_neg = min(self.n_negatives * coo.nnz, 200_000)
            ni = rng.integers(P.shape[0], size=n_neg)
            nq = rng.integers(P.shape[1], size=n_neg)
            keep = np.asarray(P[ni, nq]).ravel() == 0
            rows = np.concatenate([coo.row, ni[keep]])
            progs = np.concatenate([coo.col, nq[keep]])
            member = np.concatenate([np.ones(coo.nnz, bool), np.zeros(int(keep.sum()), bool)])
            X = self._program_components(rows, progs, member)
            y = member.astype(int)
            wp = _learn_blend(X, y, fallback, seed)
        else:
            wp = fallback
        self._wp = wp

    def _program_components(self, rows: NDArray[np.intp], progs: NDArray[np.intp],
                            member: NDArray[np.bool_]) -> NDArray[np.float64]:
        """fit, peers (leave-one-out centroid cosine) and popularity for (firm, program)."""
        x = self.X_[rows].astype(np.float64)
        fit = np.einsum("ij,ij->i", x, self.Xp_[progs].astype(np.float64))
        sums = self.prog_sums_[progs] - np.where(member[:, None], x, 0.0)
        norms = np.linalg.norm(sums, axis=1)
        peers = np.divide(np.einsum("ij,ij->i", x, sums), norms, out=np.zeros_like(norms),
                          where=norms > 0)
        counts = self.prog_counts_[progs] - member
        pop = np.log1p(np.maximum(counts, 0)) / self.pop_scale_
        return np.column_stack([fit, peers, pop])

    # ------------------------------------------------------------------ helpers
    def _pos(self, firm_id: str) -> int:
        check_is_fitted(self, "weights_")
        try:
            return int(self.table_.position(firm_id))
        except UnknownEntityError:
            raise
        except Exception as err:  # e.g. a non-string id
            raise UnknownEntityError(f"unknown firm id {firm_id!r}") from err

    def _firm_row_scores(self, i: int, *, exclude_existing: bool,
                         candidates: NDArray[np.bool_] | None,
                         partners: NDArray[np.float64] | None = None) -> NDArray[np.float32]:
        plan = self._row
        q, qb, cat_vals = plan.query(i)
        row = row_scores(plan.K, q, plan.B, qb, plan.cat, cat_vals, use_numba=self.use_numba)
        w_p = self._w[PARTNERS]
        if w_p > 0:
            corr = self._partners_row(i) if partners is None else partners
            row += (np.float32(w_p) * corr).astype(np.float32)
        row[i] = -np.inf
        if exclude_existing:
            row[self.A_.indices[self.A_.indptr[i]:self.A_.indptr[i + 1]]] = -np.inf
        if candidates is not None:
            row[~candidates] = -np.inf
        return row

    def _inst_scores(
        self, rows: NDArray[np.intp], *, exclude_existing: bool
    ) -> NDArray[np.float32]:
        s = (np.float32(self._wi[0]) * (self.X_[rows] @ self.Xi_.T)
             + np.float32(self._wi[1]) * self.inst_prox_[rows]).astype(np.float32)
        if exclude_existing and s.size:
            L = self.inst_links_
            counts = L.indptr[rows + 1] - L.indptr[rows]
            cols = L.indices[np.repeat(L.indptr[rows], counts) + _ranges(counts)]
            s[np.repeat(np.arange(rows.size), counts), cols] = -np.inf
        return s

    def _log_odds(self, kind: str, score: Any) -> Any:
        """The calibrated log-odds of collaborating, from a firm or institute blend score."""
        a, b = self.calibration_[:2] if kind == "firm" else self.calibration_[2:]
        return a * score + b

    def _probability(self, kind: str, score: float) -> float:
        return float(scipy.special.expit(self._log_odds(kind, float(score))))

    def _check_kinds(self, kinds: Iterable[str]) -> tuple[str, ...]:
        kinds = tuple(kinds)
        bad = [k for k in kinds if k not in ("firm", "institute")]
        if bad or not kinds:
            raise ValidationError(f"kinds must be a non-empty subset of ('firm', 'institute'), "
                                  f"got {kinds!r}", field="kinds", value=kinds)
        return kinds

    @staticmethod
    def _check_k(k: int) -> int:
        return check_k(k)

    def _candidate_mask(self, candidates: ArrayLike | None) -> NDArray[np.bool_] | None:
        if candidates is None:
            return None
        arr = np.asarray(candidates)
        if arr.dtype == bool:
            if arr.shape != (len(self.firm_ids_),):
                raise ValidationError("a boolean candidates mask must have one entry per firm",
                                      field="candidates", value=arr.shape)
            return arr
        mask = np.zeros(len(self.firm_ids_), bool)
        mask[self.table_.positions(arr)] = True
        return mask

    # ------------------------------------------------------------------ explain
    def _firm_recommendation(self, i: int, j: int, score: float | None = None, *,
                             comps: NDArray[np.float64] | None = None,
                             a: Any = None) -> Recommendation:
        if comps is None:
            comps = self._pair_components(np.array([i]), np.array([j]))[0]
        contrib = {name: float(w * c) for name, w, c in zip(COMPONENTS, self._w, comps)}
        a = self.table_.view(i) if a is None else a
        b = self.table_.view(j)
        common: list[str] = []
        if comps[PARTNERS] > 0:  # there are common partners to name
            ai = self.A_.indices[self.A_.indptr[i]:self.A_.indptr[i + 1]]
            bj = self.A_.indices[self.A_.indptr[j]:self.A_.indptr[j + 1]]
            common = [str(self.firm_ids_[c]) for c in np.intersect1d(ai, bj)]
        degree = int(self.A_.indptr[j + 1] - self.A_.indptr[j])
        reasons = firm_firm_reasons(
            a, b, common_partners=common, names=self.names_,
            both_enrolled=self.has_hub_ and bool(self.enrolled_[i] and self.enrolled_[j]),
            capacity=bool(self._w[_CAPACITY] * self.capacity_[j] > 0),
            partner_partners=degree if contrib["popularity"] > 0 else 0,
            location_affinity=contrib["geography"] > 0,
        )
        score = float(sum(contrib.values())) if score is None else float(score)
        return Recommendation(
            target=str(self.firm_ids_[j]), kind="firm", score=score,
            probability=self._probability("firm", score), components=contrib, reasons=reasons,
        )

    def _institute_recommendation(
        self, i: int, u: int, score: float | None = None, *, firm: Any = None
    ) -> Recommendation:
        sim = float(self.X_[i].astype(float) @ self.Xi_[u].astype(float))
        prox = float(self.inst_prox_[i, u])
        contrib = {"similarity": self._wi[0] * sim, "proximity": self._wi[1] * prox}
        firm = self.table_.view(i) if firm is None else firm
        inst = self.institutes_[self.inst_ids_[u]]
        linked = [p for p in (q.program_id for q in firm.participations)
                  if p in self.programs_ and inst.id in self.programs_[p].operators]
        via: list[str] = []
        if prox > 0:  # the network paths firm - x - institute that make the proximity
            for g in self.A_.indices[self.A_.indptr[i]:self.A_.indptr[i + 1]]:
                links = self.inst_links_.indices[
                    self.inst_links_.indptr[g]:self.inst_links_.indptr[g + 1]]
                if u in links or inst.id in self.table_.view(int(g)).memberships:
                    via.append(str(self.firm_ids_[g]))
        reasons = firm_institute_reasons(
            firm, inst, linked_programs=sorted(set(linked)), names=self.names_,
            via_hub=prox > 0 and self.has_hub_ and bool(self.enrolled_[i]), via_partners=via)
        score = float(sum(contrib.values())) if score is None else float(score)
        return Recommendation(
            target=inst.id, kind="institute", score=score,
            probability=self._probability("institute", score),
            components={k: float(v) for k, v in contrib.items()}, reasons=reasons,
        )

    def explain(self, firm_id: str, target_id: str, *, on: dt.date | None = None) -> Recommendation:
        """Components and reasons for any (firm, target) pair, ranked or not.

        ``target_id`` is a firm, institute or program id; a program needs ``on`` and the
        result then also says whether the firm is eligible.
        """
        i = self._pos(firm_id)
        if not isinstance(target_id, str):  # unhashable or not an id: no such entity
            raise UnknownEntityError(f"unknown target id {target_id!r}")
        if target_id in self.institutes_:
            return self._institute_recommendation(i, self.inst_ids_.index(target_id))
        if target_id in self.programs_:
            if on is None:
                raise ValidationError("explaining a program needs the date `on`", field="on")
            p = self.prog_ids_.index(target_id)
            return self._program_recommendations(i, check_date(on), [p],
                                                 include_ineligible=True)[0]
        j = self._pos(target_id)
        return self._firm_recommendation(i, j)

    def score_pairs(
        self, firm_ids: ArrayLike, target_ids: ArrayLike, *, components: bool = False
    ) -> NDArray[np.float64]:
        """Blended scores of firm pairs ``(firm_ids[p], target_ids[p])``, float64.

        Parameters
        ----------
        firm_ids, target_ids : array-like of str, same length
            Firm ids on both sides.
        components : bool, default=False
            Return the raw components, shape (m, len(COMPONENTS)) in the order of
            ``weights_``, instead.

        Returns
        -------
        ndarray of shape (m,) or (m, len(COMPONENTS))
        """
        check_is_fitted(self, "weights_")
        i = self.table_.positions(firm_ids)
        j = self.table_.positions(target_ids)
        if i.shape != j.shape:
            raise ValidationError("firm_ids and target_ids differ in length", field="target_ids")
        comps = self._pair_components(i, j)
        return comps if components else comps @ self._w

    # ------------------------------------------------------------------ partners
    def recommend_partners(
        self,
        firm_id: str,
        k: int = 10,
        *,
        kinds: Sequence[str] = ("firm", "institute"),
        exclude_existing: bool = True,
        candidates: ArrayLike | None = None,
    ) -> list[Recommendation]:
        """The ``k`` best partners of a firm, with components and reasons.

        Parameters
        ----------
        firm_id : str
        k : int, default=10
            More than the number of candidates is fine: all of them are returned.
        kinds : sequence of {"firm", "institute"}
        exclude_existing : bool, default=True
            Leave out current partners (collaborations, memberships).
        candidates : boolean mask over firms or firm ids, optional
            Restrict the firm candidates (e.g. to enrolled firms).

        Returns
        -------
        list of Recommendation
            Sorted by score descending, ties by (kind, id), when one kind is asked for; with
            both, by ``probability`` (the calibrated odds of collaborating, comparable across
            kinds and, within a kind, in the order of score). Never the firm itself.
        """
        i = self._pos(firm_id)
        k = self._check_k(k)
        kinds = self._check_kinds(kinds)
        cand = self._candidate_mask(candidates)
        pool: list[tuple[float, int, str, int]] = []
        partners = self._partners_row(i)
        if "firm" in kinds:
            row = self._firm_row_scores(i, exclude_existing=exclude_existing, candidates=cand,
                                        partners=partners)
            idx, val = _topk.topk_rows(row[None, :], k, ids_order=self.id_rank_,
                                       use_numba=self.use_numba)
            pool += [(float(v), 0, str(self.firm_ids_[j]), int(j))
                     for j, v in zip(idx[0], val[0]) if j >= 0]
        if "institute" in kinds and self.inst_ids_:
            s = self._inst_scores(np.array([i]), exclude_existing=exclude_existing)[0]
            pool += [(float(v), 1, self.inst_ids_[u], u) for u, v in enumerate(s) if v > -np.inf]
        # one kind: by score; both: by the calibrated odds of collaborating (within a kind
        # the same order, a monotone map of the score)
        kind_name = ("firm", "institute")
        if len(kinds) == 1:
            pool.sort(key=lambda t: (-t[0], t[1], t[2]))
        else:
            pool.sort(key=lambda t: (-self._log_odds(kind_name[t[1]], t[0]), -t[0], t[1], t[2]))
        pool = pool[:k]
        firm_js = np.array([j for _, kind, _, j in pool if kind == 0], dtype=np.intp)
        comps = iter(self._pair_components(np.full(firm_js.size, i), firm_js,
                                           partners=partners[firm_js])) \
            if firm_js.size else iter(())
        a = self.table_.view(i).snapshot()
        out = []
        for score, kind, _, j in pool:
            if kind == 0:
                out.append(self._firm_recommendation(i, j, score, comps=next(comps), a=a))
            else:
                out.append(self._institute_recommendation(i, j, score, firm=a))
        return out

    # ------------------------------------------------------------------ programs
    def _program_scores(self, i: int, on: dt.date, progs: Sequence[int]) -> list[tuple]:  # type: ignore[type-arg]
        """(score, program index, components, failed-rule count, one-row table) per program,
        from the rules' masks alone (cheap: no reasons yet)."""
        one = self.table_.take([i])
        progs = list(progs)
        row = self.P_.getrow(i)
        joined = set(row.indices[row.data > 0].tolist())
        member = np.array([p in joined for p in progs], dtype=bool)
        comps = self._program_components(np.full(len(progs), i), np.asarray(progs, np.intp), member)
        out = []
        for p, c, m in zip(progs, comps, member):
            program = self.programs_[self.prog_ids_[p]]
            n_failed = int((~rule_masks(program, one, on=on)[:, 0]).sum())
            out.append((float(c @ self._wp), p, c, n_failed, bool(m), one))
        return out

    def _program_recommendation(self, i: int, on: dt.date, item: tuple) -> Recommendation:  # type: ignore[type-arg]
        _, p, c, _, member, one = item
        program = self.programs_[self.prog_ids_[p]]
        outcomes = outcomes_for_row(program, one, 0, on=on)
        failed = [o for o in outcomes if not o.passed]
        contrib = {name: float(w * x) for name, w, x in zip(PROGRAM_COMPONENTS, self._wp, c)}
        # firms sharing a technology with this one that took part (itself excluded)
        peers = int(self.tech_peer_counts_[i, p]) - int(member)
        fit_reasons = firm_program_reasons(self.table_.view(i), program, peers=peers)
        reasons = [o.reason for o in failed] + [o.reason for o in outcomes if o.passed]
        seen = {r.ko for r in reasons}  # a passed targets rule already says what a fit
        reasons += [r for r in fit_reasons if r.ko not in seen]  # reason would repeat
        return Recommendation(
            target=program.id, kind="program", score=float(sum(contrib.values())),
            components=contrib, reasons=tuple(reasons),
            eligible=not failed,
            failed_rule=failed[0].rule if len(failed) == 1 else (
                None if not failed else ", ".join(o.rule for o in failed)),
            remedy=failed[0].remedy if len(failed) == 1 else None,
        )

    def _program_recommendations(self, i: int, on: dt.date, progs: Sequence[int], *,
                                 include_ineligible: bool) -> list[Recommendation]:
        return [self._program_recommendation(i, on, item)
                for item in self._program_scores(i, on, progs)
                if include_ineligible or item[3] == 0]

    def recommend_programs(
        self, firm_id: str, k: int = 5, *, on: dt.date, near_misses: bool = False
    ) -> list[Recommendation]:
        """Programs the firm is eligible for on ``on``, best fit first.

        Parameters
        ----------
        firm_id : str
        k : int, default=5
        on : datetime.date
            Required: eligibility depends on the date.
        near_misses : bool, default=False
            Also return up to ``k`` well-fitting programs the firm fails by exactly one rule,
            after the eligible ones, with ``eligible=False``, ``failed_rule`` and ``remedy``
            (``None`` when nothing within the firm's reach fixes it, e.g. a call that ended).

        Returns
        -------
        list of Recommendation
            Eligible programs sorted by score (ties by id); near misses follow, sorted the
            same way. An ineligible program is never among the eligible ones.
        """
        i = self._pos(firm_id)
        k = self._check_k(k)
        on = check_date(on)
        items = self._program_scores(i, on, range(len(self.prog_ids_)))
        items.sort(key=lambda t: (-t[0], self.prog_ids_[t[1]]))
        eligible = [self._program_recommendation(i, on, t)
                    for t in [t for t in items if t[3] == 0][:k]]
        if not near_misses:
            return eligible
        misses = [self._program_recommendation(i, on, t)
                  for t in [t for t in items if t[3] == 1][:k]]
        return eligible + misses

    # ------------------------------------------------------------------ batch
    def recommend_all(
        self,
        firm_ids: ArrayLike | None = None,
        k: int = 10,
        *,
        kinds: Sequence[str] = ("firm",),
        exclude_existing: bool = True,
        candidates: ArrayLike | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[NDArray[np.str_], NDArray[np.float32]]:
        """Top-``k`` partners of many firms at once, exact, in the full hybrid score.

        Parameters
        ----------
        firm_ids : array-like of str, optional
            Default: every small firm (fewer than 10 employees), in row order.
        k : int, default=10
        kinds : sequence of {"firm", "institute"}, default=("firm",)
        exclude_existing : bool, default=True
        candidates : boolean mask over firms or firm ids, optional
        progress : callable ``(done, total)``, optional
            Called after each block of query firms.

        Returns
        -------
        ids : ndarray of str, shape (n, k)
            Recommended entity ids; ``""`` pads rows with fewer than ``k`` candidates.
        scores : ndarray of float32, shape (n, k)
            Their scores, descending per row (ties by (kind, id)); ``-inf`` pads. With both
            kinds, the calibrated log-odds of collaborating (``Recommendation.probability``
            on the logit scale), which compare firms with institutes.

        Notes
        -----
        Each block of query rows is scored against every firm by one float32 matrix product
        of the augmented factors (``score_width_`` wide), plus the sparse common-partner
        term; a per-row threshold from a sample of allowed candidates lets the selection
        touch each score once (see :mod:`rootmatch._topk`). :meth:`explain` gives any row's
        components and reasons.
        """
        check_is_fitted(self, "weights_")
        k = self._check_k(k)
        kinds = self._check_kinds(kinds)
        if firm_ids is None:
            rows = np.flatnonzero(self.table_.is_small)
        else:
            rows = self.table_.positions(firm_ids)
        cand = self._candidate_mask(candidates)
        n = len(self.firm_ids_)
        n_inst = len(self.inst_ids_)
        all_ids = np.concatenate(
            [self.firm_ids_.astype(str), np.asarray(self.inst_ids_, dtype=str)])
        all_rank = np.concatenate([self.id_rank_, n + np.arange(n_inst)]).astype(np.int64)
        out_idx = np.full((rows.size, k), -1, np.int64)
        out_val = np.full((rows.size, k), -np.inf, np.float32)
        block = self.block_size or _BLOCK_ROWS
        shard = _SHARD_COLS
        w_p = np.float32(self._w[PARTNERS])
        sample = self.sample_cols_
        K_sample_T = self.K_[sample].T
        local = threading.local()
        both = "firm" in kinds and "institute" in kinds  # scores on the log-odds scale

        def run(start: int) -> tuple[int, NDArray[np.int64], NDArray[np.float32]]:
            blk = rows[start:start + block]
            b = blk.size
            idx, val = _topk.empty_topk(b, k)
            if "firm" in kinds:
                if getattr(local, "buf", None) is None:
                    local.buf = np.empty(block * min(shard, max(n, 1)), np.float32)
                idx, val = self._firm_block_topk(blk, idx, val, local.buf, shard, K_sample_T,
                                                 w_p, exclude_existing=exclude_existing,
                                                 cand=cand)
                if both:
                    val = np.where(idx >= 0, self._log_odds("firm", val), -np.inf
                                   ).astype(np.float32)
            if "institute" in kinds and n_inst:
                s = self._inst_scores(blk, exclude_existing=exclude_existing)
                if both:
                    s = np.where(np.isfinite(s), self._log_odds("institute", s), -np.inf
                                 ).astype(np.float32)
                ii, iv = _topk.topk_rows(s, min(k, n_inst), use_numba=False)
                ii = np.where(ii >= 0, ii + n, -1)
                idx, val = _topk.merge_topk(idx, val, ii, iv, k, ids_order=all_rank)
            return start, idx, val

        starts = range(0, rows.size, block)
        workers = min(self._n_workers(), max(1, len(starts)))
        with contextlib.ExitStack() as stack:
            if workers > 1:
                stack.enter_context(threadpool_limits(limits=1, user_api="blas"))
                results = stack.enter_context(ThreadPoolExecutor(workers)).map(run, starts)
            else:
                results = map(run, starts)
            for start, idx, val in results:
                out_idx[start:start + idx.shape[0]] = idx
                out_val[start:start + idx.shape[0]] = val
                if progress is not None:
                    progress(min(start + idx.shape[0], rows.size), rows.size)
        ids = np.where(out_idx >= 0, all_ids[np.maximum(out_idx, 0)], "")
        return ids, out_val

    def _n_workers(self) -> int:
        if self.n_jobs is not None:
            if int(self.n_jobs) < 1:
                raise ValidationError(f"n_jobs must be >= 1 or None, got {self.n_jobs!r}",
                                      field="n_jobs", value=self.n_jobs)
            return int(self.n_jobs)
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - not on Linux
            return max(1, os.cpu_count() or 1)

    def _firm_block_topk(self, blk, idx, val, buf, shard, K_sample_T, w_p, *,  # type: ignore[no-untyped-def]
                         exclude_existing: bool, cand: NDArray[np.bool_] | None
                         ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """The block's top-k lists with every candidate shard's full hybrid scores folded in."""
        n = len(self.firm_ids_)
        b, k = idx.shape
        sample = self.sample_cols_
        # the starting thresholds: allowed sampled candidates' scores (partner term left out,
        # which only lowers them: still a lower bound)
        Ss = self.Q_[blk] @ K_sample_T
        Ss[blk[:, None] == sample[None, :]] = -np.inf
        if exclude_existing:
            Ss[np.asarray(self.A_[blk][:, sample].toarray()) > 0] = -np.inf
        if cand is not None:
            Ss[:, ~cand[sample]] = -np.inf
        thr = _topk.sample_thresholds(Ss, k)
        # sparse terms, sorted by column so each shard takes its slice
        extra_r, extra_c, extra_v = [], [], []
        if w_p > 0:
            corr = partner_term_rows(self.A_, self.dF_, blk).tocoo()
            extra_r.append(corr.row)
            extra_c.append(corr.col)
            extra_v.append(w_p * corr.data.astype(np.float32))
        er = [np.arange(b)]
        ec = [blk]
        if exclude_existing:
            ex = self.A_[blk].tocoo()
            er.append(ex.row)
            ec.append(ex.col)
        add = _by_column(extra_r, extra_c, extra_v)
        neg = _by_column(er, ec, None)
        for c0 in range(0, n, shard):
            c1 = min(n, c0 + shard)
            S = buf[: b * (c1 - c0)].reshape(b, c1 - c0)
            np.matmul(self.Q_[blk], self.K_[c0:c1].T, out=S)
            r, c, v = _slice_by_column(add, c0, c1)
            S[r, c - c0] += v
            r, c, _ = _slice_by_column(neg, c0, c1)
            S[r, c - c0] = -np.inf
            idx, val = _topk.topk_update(idx, val, S, offset=c0, ids_order=self.id_rank_,
                                         thresholds=thr,
                                         cand=None if cand is None else cand[c0:c1],
                                         use_numba=self.use_numba)
        return idx, val

    def recommend(
        self, firm_ids: ArrayLike, k: int = 10
    ) -> tuple[NDArray[np.str_], NDArray[np.float32]]:
        """The :class:`rootmatch.evaluate.Recommender` interface: firm partners in batch."""
        return self.recommend_all(firm_ids, k)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Any, *, key: str | bytes | None = None) -> Any:
        """Save the fitted model to one ``.npz`` file (arrays plus a JSON header).

        Nothing is pickled: arrays are plain numeric or text, entities are JSON. The header
        carries a format version and a SHA-256 checksum; the file is written atomically.

        The checksum guards against accidental damage only: anyone can recompute it. To let
        :meth:`load` tell a model you wrote from a crafted one, sign it with ``key`` (or the
        environment variable ``ROOTMATCH_MODEL_KEY``): the file is then sealed with an
        HMAC-SHA256 under the key, and loads only with the same key.

        Parameters
        ----------
        path : str or path-like
        key : str or bytes, optional
            Signing key; default: ``ROOTMATCH_MODEL_KEY`` when set, else unsigned.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        from ._persist import save_archive
        from .records import institute_record, program_record

        check_is_fitted(self, "weights_")
        arrays: dict[str, np.ndarray] = {}
        for name in _TABLE_ARRAYS:
            arrays[f"table.{name}"] = np.asarray(getattr(self.table_, name))
        for name in _MODEL_ARRAYS:
            arrays[name] = np.asarray(getattr(self, name))
        for name in _SPARSE_ARRAYS:
            m = sp.csr_matrix(getattr(self, name))
            arrays[f"{name}.data"], arrays[f"{name}.indices"] = m.data, m.indices
            arrays[f"{name}.indptr"] = m.indptr
            arrays[f"{name}.shape"] = np.asarray(m.shape, np.int64)
        vec_state, vec_arrays = _estimator_state(self.vectorizer_)
        arrays.update({f"vectorizer.{k}": v for k, v in vec_arrays.items()})
        params = {k: v for k, v in self.get_params().items() if k != "random_state"}
        rs = self.random_state
        meta = {
            "params": _jsonable(params),
            "random_state": int(rs) if isinstance(rs, (int, np.integer)) else None,
            "table_vocab": {name: list(getattr(self.table_, name)) for name in _TABLE_VOCABS},
            "institutes": [institute_record(self.institutes_[i], "name") for i in self.inst_ids_],
            "programs": [program_record(self.programs_[p], "name") for p in self.prog_ids_],
            "B_cols": list(self.B_cols_),
            "has_hub": self.has_hub_,
            "vectorizer": vec_state,
        }
        return save_archive(path, arrays, meta, format_name=_FORMAT, version=_VERSION, key=key)

    @classmethod
    def load(cls, path: str | Any, *, key: str | bytes | None = None,
             max_bytes: int | None = None) -> Matchmaker:
        """Load a model written by :meth:`save`; it recommends exactly as the saved one.

        The file is not trusted: only a regular file is read, up to ``max_bytes``; every
        array is checked (dtype, shape against the header, index ranges, finite values) and
        every parameter, before any is used, and a member that does not fit is refused.

        Parameters
        ----------
        path : str or path-like
        key : str or bytes, optional
            The key the model was signed with; default: ``ROOTMATCH_MODEL_KEY`` when set.
            With a key, an unsigned model or one signed with another key is refused; without
            one, a signed model is refused.
        max_bytes : int, optional
            Largest file, and largest total of its decompressed arrays, to read (default
            1 GiB, or ``ROOTMATCH_MAX_MODEL_BYTES`` when set).

        Raises
        ------
        rootmatch.ModelFormatError
            When the file is not a regular file, is over the size limit, truncated, altered,
            signed otherwise, of another format version, or not a valid model; the message
            names the offending member.
        FileNotFoundError
            When there is no file at ``path``.
        """
        from ._persist import load_archive
        from .catalog import program_from_dict
        from .entities import Institute
        from .exceptions import ModelFormatError
        from .table import FirmTable

        arrays, meta = load_archive(path, format_name=_FORMAT, version=_VERSION,
                                    schema=_model_schema, key=key, max_bytes=max_bytes)
        try:
            params = dict(meta["params"])
            mm = cls(**params, random_state=meta["random_state"])
            try:
                mm.table_ = FirmTable.from_columns(
                    **{name: arrays[f"table.{name}"] for name in _TABLE_ARRAYS},
                    **{name: tuple(meta["table_vocab"][name]) for name in _TABLE_VOCABS},
                )
            except ValidationError as err:
                member = err.field if err.field in _TABLE_VOCABS else f"table.{err.field}"
                raise ModelFormatError(f"{path}: member {member!r}: {err}") from None
            def entity(where: str, build: Callable[..., Any], record: dict[str, Any]) -> Any:
                try:
                    return build(record)
                except (KeyError, TypeError, ValueError, OverflowError) as err:
                    raise ModelFormatError(f"{path}: header {where}: {err!r}") from None

            mm.institutes_ = {d["id"]: entity(f"institutes[{i}]", lambda r: Institute(**r), d)
                              for i, d in enumerate(meta["institutes"])}
            mm.programs_ = {d["id"]: entity(f"programs[{i}]", program_from_dict, d)
                            for i, d in enumerate(meta["programs"])}
            mm.has_hub_ = bool(meta["has_hub"])
            mm.B_cols_ = tuple(meta["B_cols"])
            for name in _MODEL_ARRAYS:
                setattr(mm, name, arrays[name])
            for name in _SPARSE_ARRAYS:
                setattr(mm, name, sp.csr_matrix(
                    (arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"]),
                    shape=tuple(int(x) for x in arrays[f"{name}.shape"])))
            mm.vectorizer_ = _estimator_from_state(
                meta["vectorizer"],
                {k.removeprefix("vectorizer."): v for k, v in arrays.items()
                 if k.startswith("vectorizer.")})
            mm._derive_base()
            mm._derive_views()
            if mm.L_geo_.shape[0] != len(mm.unit_vocab_):
                raise ModelFormatError(
                    f"{path}: member 'L_geo_': {mm.L_geo_.shape[0]} locations, the firms have "
                    f"{len(mm.unit_vocab_)}")
            mm._derive_programs()
            mm._derive_factors()
        except ModelFormatError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as err:
            raise ModelFormatError(f"{path}: not a valid rootmatch model ({err!r})") from err
        return mm


_BLOCK_ROWS = 256  # query rows per tile
_SHARD_COLS = 4096  # candidate columns per tile: a 256 × 4096 float32 tile stays in cache


def _ranges(counts: NDArray[np.intp]) -> NDArray[np.intp]:
    """``concatenate([arange(c) for c in counts])`` without a Python loop."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total) - starts


def _by_column(rows: list, cols: list, vals: list | None) -> tuple:  # type: ignore[type-arg]
    """Concatenate sparse entries and sort them by column."""
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    v = np.concatenate(vals) if vals else np.zeros(r.size, np.float32)
    order = np.argsort(c, kind="stable")
    return r[order], c[order], v[order]


def _slice_by_column(entries: tuple, c0: int, c1: int) -> tuple:  # type: ignore[type-arg]
    r, c, v = entries
    lo, hi = np.searchsorted(c, [c0, c1])
    return r[lo:hi], c[lo:hi], v[lo:hi]


_MODEL_ARRAYS = ("X_", "Xi_", "Xp_", "bw_", "dF_", "inst_prox_", "enrolled_", "sample_cols_",
                 "L_geo_", "L_tech_", "_w", "_wi", "_wp", "calibration_")
_FORMAT = "rootmatch.Matchmaker"
_VERSION = 2
_TABLE_ARRAYS = (
    "ids", "names", "tech_mask", "employees", "district", "founded", "workforce_40plus",
    "foreign_share", "digital_level", "materials_mask", "needs_mask", "topics_mask", "certified",
    "cluster", "mem_indptr", "mem_codes", "part_indptr", "part_program", "part_on",
)
_TABLE_VOCABS = ("cluster_vocab", "membership_vocab", "program_vocab")


# ---------------------------------------------------------------------------- the saved form
_PARAM_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "weights": (lambda v: v is None or _is_weight_map(v) or (
        isinstance(v, list) and len(v) == len(COMPONENTS) and all(map(_is_number, v))),
        f"null, a map of component to number, or a list of {len(COMPONENTS)} numbers"),
    "institute_weights": (lambda v: v is None or _is_weight_map(v), "null or a map"),
    "program_weights": (lambda v: v is None or _is_weight_map(v), "null or a map"),
    "feature_weights": (lambda v: v is None or _is_weight_map(v), "null or a map"),
    "holdout": (lambda v: _is_number(v) and 0 < v < 1, "a number in (0, 1)"),
    "n_negatives": (lambda v: _is_int(v) and v >= 1, "an int >= 1"),
    "block_size": (lambda v: v is None or (_is_int(v) and 1 <= v <= 1 << 24),
                   "null or an int in [1, 2**24]"),
    "use_numba": (lambda v: v is None or isinstance(v, bool), "null or a bool"),
    "n_jobs": (lambda v: v is None or (_is_int(v) and 1 <= v <= 4096),
               "null or an int in [1, 4096]"),
    "blend": (lambda v: v in ("listwise", "logistic"), "'listwise' or 'logistic'"),
}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_weight_map(v: Any) -> bool:
    return isinstance(v, dict) and all(_is_number(x) for x in v.values())


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _check_model_meta(meta: Mapping[str, Any]) -> None:
    """Refuse a saved model's JSON metadata that is not what :meth:`Matchmaker.save` writes."""
    from .exceptions import ModelFormatError

    def fail(where: str, what: str) -> None:
        raise ModelFormatError(f"header {where}: {what}")

    want = {"params", "random_state", "table_vocab", "institutes", "programs", "B_cols",
            "has_hub", "vectorizer"}
    if set(meta) != want:
        fail("meta", f"keys {sorted(meta)}, expected {sorted(want)}")
    params = meta["params"]
    if not isinstance(params, dict) or not set(params) <= set(_PARAM_CHECKS):
        fail("params", f"must be a map with keys among {sorted(_PARAM_CHECKS)}")
    for name, value in params.items():
        ok, what = _PARAM_CHECKS[name]
        if not ok(value):
            fail(f"params.{name}", f"{value!r} is not {what}")
    rs = meta["random_state"]
    if not (rs is None or (_is_int(rs) and 0 <= rs < 2**32)):
        fail("random_state", f"{rs!r} is not null or an int in [0, 2**32)")
    vocab = meta["table_vocab"]
    if not isinstance(vocab, dict) or set(vocab) != set(_TABLE_VOCABS) or not all(
            _is_str_list(v) for v in vocab.values()):
        fail("table_vocab", f"must map {list(_TABLE_VOCABS)} to lists of text")
    for name in ("institutes", "programs"):
        entries = meta[name]
        if not isinstance(entries, list) or not all(
                isinstance(d, dict) and isinstance(d.get("id"), str) for d in entries):
            fail(name, "must be a list of records with an id")
        ids = [d["id"] for d in entries]
        if ids != sorted(set(ids)):
            fail(name, "ids must be unique and sorted")
    if not _is_str_list(meta["B_cols"]):
        fail("B_cols", "must be a list of text")
    if not isinstance(meta["has_hub"], bool):
        fail("has_hub", f"{meta['has_hub']!r} is not a bool")
    _check_vectorizer_meta(meta["vectorizer"], fail)


def _check_vectorizer_meta(vec: Any, fail: Callable[[str, str], None]) -> None:
    if not isinstance(vec, dict) or set(vec) != {"class", "params", "fitted"}:
        fail("vectorizer", "must hold class, params and fitted")
    if vec["class"] != "FirmVectorizer":
        fail("vectorizer.class", f"{vec['class']!r} is not 'FirmVectorizer'")
    params = vec["params"]
    if not isinstance(params, dict) or set(params) != {"dtype", "weights"}:
        fail("vectorizer.params", "must hold dtype and weights")
    if params["dtype"] not in ({"__dtype__": "<f4"}, {"__dtype__": "<f8"}):
        fail("vectorizer.params.dtype", f"{params['dtype']!r} is not float32 or float64")
    if not (params["weights"] is None or _is_weight_map(params["weights"])):
        fail("vectorizer.params.weights", "must be null or a map of block to number")
    fitted = vec["fitted"]
    want = {"founded_median_", "cluster_vocab_", "weights_", "block_slices_",
            "n_features_out_", "__object_arrays__"}
    if not isinstance(fitted, dict) or not set(fitted) <= want or not set(fitted) >= (
            want - {"__object_arrays__"}):
        fail("vectorizer.fitted", f"keys must be {sorted(want)}")
    d = fitted["n_features_out_"]
    if not (_is_int(d) and 1 <= d <= 1 << 16):
        fail("vectorizer.fitted.n_features_out_", f"{d!r} is not an int in [1, 65536]")
    if not _is_number(fitted["founded_median_"]):
        fail("vectorizer.fitted.founded_median_", "is not a finite number")
    if not _is_str_list(fitted["cluster_vocab_"]):
        fail("vectorizer.fitted.cluster_vocab_", "is not a list of text")
    if not _is_weight_map(fitted["weights_"]):
        fail("vectorizer.fitted.weights_", "is not a map of block to number")
    slices = fitted["block_slices_"]
    if not isinstance(slices, dict) or not all(
            isinstance(s, dict) and set(s) == {"__slice__"} and isinstance(s["__slice__"], list)
            and len(s["__slice__"]) == 3 and _is_int(s["__slice__"][0])
            and _is_int(s["__slice__"][1]) and s["__slice__"][2] is None
            and 0 <= s["__slice__"][0] <= s["__slice__"][1] <= d for s in slices.values()):
        fail("vectorizer.fitted.block_slices_", f"must map blocks to slices within [0, {d}]")
    if fitted.get("__object_arrays__", []) not in ([], ["feature_names_out_"]):
        fail("vectorizer.fitted.__object_arrays__", "may only name feature_names_out_")


def _model_schema(meta: Mapping[str, Any]) -> tuple[dict[str, Member], dict[str, int]]:
    """Every array of a saved model: dtype, shape in the header's dimensions, value range.

    Dimensions the header gives: ``n_inst`` institutes, ``n_prog`` programs, ``n_bcols``
    affiliation columns, ``d`` profile features and the vocabularies' sizes; the others
    (``n`` firms, each matrix's entry count, ...) are bound by the first member that has them.
    """
    _check_model_meta(meta)
    vocab = meta["table_vocab"]
    dims = {"n_inst": len(meta["institutes"]), "n_prog": len(meta["programs"]),
            "n_bcols": len(meta["B_cols"]), "d": meta["vectorizer"]["fitted"]["n_features_out_"],
            "n_tech": len(RootTechnology), "n_cluster": len(vocab["cluster_vocab"]) or 1,
            "n_mem_vocab": len(vocab["membership_vocab"]),
            "n_prog_vocab": len(vocab["program_vocab"])}
    real, index = ("f4", "f8"), ("i4", "i8")
    table = {name: Member(("U",) if dtype is np.str_ else (np.dtype(dtype).str[1:],), ("n",))
             for name, dtype in SCALAR_COLUMNS.items()}
    table["ids"] = Member(("U",), ("n",), nonempty=True)
    table["workforce_40plus"] = Member(("f8",), ("n",), finite=True)
    table["foreign_share"] = Member(("f8",), ("n",), finite=True)
    table["cluster"] = Member(("i2",), ("n",), low=0, high="n_cluster")
    table.update(
        mem_indptr=Member(("i8",), ("n+1",), indptr="n_mem"),
        mem_codes=Member(("i4",), ("n_mem",), low=0, high="n_mem_vocab"),
        part_indptr=Member(("i8",), ("n+1",), indptr="n_part"),
        part_program=Member(("i4",), ("n_part",), low=0, high="n_prog_vocab"),
        part_on=Member(("M8[D]",), ("n_part",), finite=True),
    )
    members = {f"table.{name}": table[name] for name in _TABLE_ARRAYS}
    members.update({
        "X_": Member(real, ("n", "d"), finite=True),
        "Xi_": Member(real, ("n_inst", "d"), finite=True),
        "Xp_": Member(real, ("n_prog", "d"), finite=True),
        "bw_": Member(real, ("n_bcols",), finite=True, low=0),
        "dF_": Member(real, ("n",), finite=True, low=0),
        "inst_prox_": Member(real, ("n", "n_inst"), finite=True),
        "enrolled_": Member(("b1",), ("n",)),
        "sample_cols_": Member(index, ("n_sample",), low=0, high="n", increasing=True),
        "L_geo_": Member(real, ("n_units", "n_units"), finite=True),
        "L_tech_": Member(real, ("n_tech", "n_tech"), finite=True),
        "_w": Member(real, (len(COMPONENTS),), finite=True, low=0),
        "_wi": Member(real, (len(INSTITUTE_COMPONENTS),), finite=True, low=0),
        "_wp": Member(real, (len(PROGRAM_COMPONENTS),), finite=True, low=0),
        "calibration_": Member(real, (4,), finite=True),
    })
    for name, cols in _SPARSE_ARRAYS.items():
        members.update({
            f"{name}.data": Member(real, (f"nnz_{name}",), finite=True, low=0),
            f"{name}.indices": Member(index, (f"nnz_{name}",), low=0, high=cols),
            f"{name}.indptr": Member(index, ("n+1",), indptr=f"nnz_{name}"),
            f"{name}.shape": Member(("i8",), (2,), equals=("n", cols)),
        })
    members.update({
        "vectorizer.numeric_mean_": Member(("f8",), (4,), finite=True),
        "vectorizer.numeric_scale_": Member(("f8",), (4,), finite=True, low=1e-12),
        "vectorizer.feature_names_out_": Member(("U",), ("d",)),
    })
    return members, dims


# each saved sparse matrix and the dimension of its columns (its rows are the firms)
_SPARSE_ARRAYS = {"B_": "n_bcols", "A_": "n", "inst_links_": "n_inst", "P_": "n_prog"}

def _jsonable(value: Any) -> Any:
    """JSON-able copy of estimator params/state: slices, tuples, numpy scalars, dicts."""
    if isinstance(value, slice):
        return {"__slice__": [value.start, value.stop, value.step]}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, type) and issubclass(value, np.generic):
        return {"__dtype__": np.dtype(value).str}
    raise TypeError(f"cannot store {type(value).__name__} in a model header")


def _from_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__slice__"}:
            return slice(*value["__slice__"])
        if set(value) == {"__dtype__"}:
            return np.dtype(value["__dtype__"]).type
        return {k: _from_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_jsonable(v) for v in value]
    return value


def _estimator_state(est: BaseEstimator) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """An estimator's params and fitted attributes as (JSON, arrays)."""
    arrays: dict[str, np.ndarray] = {}
    fitted: dict[str, Any] = {}
    for name, value in vars(est).items():
        if not name.endswith("_") or name.startswith("_"):
            continue
        if isinstance(value, np.ndarray):
            arrays[name] = value.astype(str) if value.dtype.hasobject else value
            if value.dtype.hasobject:
                fitted.setdefault("__object_arrays__", []).append(name)
        else:
            fitted[name] = _jsonable(value)
    state = {"class": type(est).__name__, "params": _jsonable(est.get_params()), "fitted": fitted}
    return state, arrays


def _estimator_from_state(state: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Any:
    from . import features

    cls = getattr(features, state["class"])
    est = cls(**_from_jsonable(state["params"]))
    object_arrays = set(state["fitted"].get("__object_arrays__", ()))
    for name, value in state["fitted"].items():
        if name != "__object_arrays__":
            setattr(est, name, _from_jsonable(value))
    for name, value in arrays.items():
        setattr(est, name, value.astype(object) if name in object_arrays else value)
    return est
