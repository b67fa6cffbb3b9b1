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
over augmented vectors plus a sparse correction (see :mod:`rootmatch.engine._scoring`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator

from rootmatch.base._checks import check_date, check_rng
from rootmatch.base.exceptions import UnknownEntityError, ValidationError
from rootmatch.domain.taxonomy import complementarity_matrix
from rootmatch.engine import _topk
from rootmatch.engine._batch import BatchRecommender, check_block_size
from rootmatch.engine._model_io import load_model, save_model
from rootmatch.engine._model_schema import check_scalar_params
from rootmatch.engine._queries import QueryChecks
from rootmatch.engine._scoring import COMPONENTS, augmented_factors, row_plan, tech_vectors
from rootmatch.engine.calibration import Calibrated
from rootmatch.engine.features import FirmVectorizer
from rootmatch.engine.institutes import DEFAULT_INSTITUTE_WEIGHTS as DEFAULT_INSTITUTE_WEIGHTS
from rootmatch.engine.institutes import INSTITUTE_COMPONENTS, InstituteModel
from rootmatch.engine.partners import DEFAULT_WEIGHTS, PartnerModel
from rootmatch.engine.programs import DEFAULT_PROGRAM_WEIGHTS as DEFAULT_PROGRAM_WEIGHTS
from rootmatch.engine.programs import PROGRAM_COMPONENTS, ProgramModel
from rootmatch.engine.recommendation import Recommendation

__all__ = ["COMPONENTS", "DEFAULT_WEIGHTS", "Matchmaker", "Recommendation"]

def _normalize_rows(M: NDArray[np.floating]) -> NDArray[np.float32]:
    M = np.asarray(M, dtype=np.float32)
    norms = np.linalg.norm(M, axis=1, keepdims=True)
    return np.divide(M, norms, out=np.zeros_like(M), where=norms > 0)



def _check_params(mm: Matchmaker) -> None:
    """Refuse, before fitting, parameters that cannot be fitted with (or saved and loaded)."""
    check_block_size(mm.block_size)
    check_scalar_params(mm.get_params())  # what the loader takes: a fitted model saves, loads


class Matchmaker(PartnerModel, InstituteModel, ProgramModel, BatchRecommender, Calibrated,
                 QueryChecks, BaseEstimator):
    """Recommend partners (firms, institutes) and eligible programs to firms.

    Parameters
    ----------
    weights : dict or sequence of 8 floats, optional
        Blend weights of the components ``similarity``, ``geography``, ``technology``,
        ``complementarity``, ``affiliation``, ``partners``, ``popularity`` and ``capacity`` (see
        :mod:`rootmatch.engine._scoring`; a dict may leave some out: they get 0). ``None`` learns
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
        Share of observed links held out (inside ``fit``) to learn and calibrate the blend.
    n_negatives : int, default=5
        Random non-links sampled per held-out link (for the calibration, and for the
        ``"logistic"`` blend).
    block_size : int, optional
        Query rows per tile of the batch path (at most 16384; default 256, which keeps a
        tile near 4 MB).
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
        Width of the augmented vectors of the batch product.
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
    >>> all(p.eligible for p in mm.recommend_programs(firm, k=2, on=dt.date(2024, 6, 1)))
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
        _check_params(self)
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

        calib_firm = self._fit_partners(rng, seed)
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


    def _derive_factors(self) -> None:
        self.weights_ = dict(zip(COMPONENTS, (float(x) for x in self._w)))
        self.institute_weights_ = dict(zip(INSTITUTE_COMPONENTS, (float(x) for x in self._wi)))
        self.program_weights_ = dict(zip(PROGRAM_COMPONENTS, (float(x) for x in self._wp)))
        self._pf = self._factors()
        self.Q_, self.K_ = augmented_factors(self._pf, self._w)
        self._row = row_plan(self._pf, self._w)  # the single-query path
        self.score_width_ = int(self.Q_.shape[1])

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
        return self._recommend_programs(i, k, on, near_misses)

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
        touch each score once (see :mod:`rootmatch.engine._topk`). :meth:`explain` gives any row's
        components and reasons.
        """
        return self._recommend_all(firm_ids, k, kinds, exclude_existing, candidates, progress)

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
        return save_model(self, path, key=key)

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
        return load_model(cls, path, key=key, max_bytes=max_bytes)
