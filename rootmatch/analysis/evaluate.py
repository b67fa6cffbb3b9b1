"""Evaluation: ranking metrics, leakage-free splits, baselines and the oracle, ``compare``.

How good are the recommendations? Hold some links out, rebuild the network from what is
left, fit, and see whether the held-out links come back in each firm's top ``k`` — against
the simple things a user would otherwise do (the baselines) and against the best possible
ranking (the oracle of a synthetic population).

**Splits** (all seeded; the network and everything ``fit`` reads are built from the training
part only, and the training population carries no ``truth``):

- :func:`warm_split` — hold out a share of the firm–firm collaborations;
- :func:`cold_start_split` — hold out whole firms: every collaboration, institute link and
  program participation of theirs goes; their **profile** stays (technologies, needs,
  topics, materials, size, age, workforce, digital level, certificate, district, cluster)
  and so do their **cooperative memberships** — a membership is a declared attribute of the
  firm (the brief lists it with the profile), known when a firm registers, and not a
  relation to any other firm; participations are a history of dealings with the center's
  programs, which a newcomer does not have;
- :func:`program_split` — hold out each query firm's latest program participation (every
  record of those programs) and rank programs for it on that date.

**Relevance**, two ways (:func:`compare` reports both):

- ``observed``: the held-out links (the primary measure);
- ``oracle``: the oracle's own top ``oracle_top`` candidates (default ``k``) among the same
  candidates every method ranks (not the firm, not its training partners), from
  ``population.truth.oracle_scores``; the oracle scores 1 by construction, everyone else
  shows how much of the best possible top list they recover.

**Metrics** (see :mod:`rootmatch.analysis._metrics` for the conventions; binary gains, log2
discount, ideal DCG over ``min(k, |relevant|)``, a query with an empty truth is skipped):
precision, recall, NDCG, MAP, hit rate, catalogue coverage, small-firm coverage, diversity.

Examples
--------
>>> import rootmatch as rm
>>> pop = rm.synth.generate_population(600, seed=3)
>>> split = rm.evaluate.warm_split(pop, n_queries=50, seed=0)
>>> res = rm.evaluate.compare({"popularity": rm.evaluate.PopularityRecommender(),
...                            "content": rm.evaluate.ContentRecommender()},
...                           [split], truth=pop.truth)
>>> sorted({r.metric for r in res.records})[:3]
['coverage', 'diversity', 'hit_rate']
>>> print(res.to_markdown().splitlines()[0])
### warm split, observed relevance (50 queries)
"""


from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from rootmatch.analysis._baselines import (
    AdamicAdarRecommender,
    ComplementarityRecommender,
    ContentRecommender,
    OracleRecommender,
    PopularityRecommender,
    RandomRecommender,
    ResourceAllocationRecommender,
)
from rootmatch.analysis._metrics import (
    average_precision_at_k,
    catalog_coverage,
    diversity,
    hit_rate_at_k,
    hits_matrix,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    small_firm_coverage,
)
from rootmatch.analysis._program_baselines import (
    HybridProgramRanker,
    PopularProgramRanker,
    RandomProgramRanker,
)
from rootmatch.analysis._splits import (
    Split,
    cold_start_split,
    oracle_relevance,
    program_split,
    warm_split,
)
from rootmatch.base._checks import SeedLike, check_k, check_rng
from rootmatch.base.exceptions import ValidationError

__all__ = [
    "METRICS",
    "AdamicAdarRecommender",
    "Comparison",
    "ComplementarityRecommender",
    "ContentRecommender",
    "HybridProgramRanker",
    "OracleRecommender",
    "PopularProgramRanker",
    "PopularityRecommender",
    "ProgramRecommender",
    "RandomProgramRanker",
    "RandomRecommender",
    "Recommender",
    "Record",
    "ResourceAllocationRecommender",
    "Split",
    "average_precision_at_k",
    "baselines",
    "bootstrap_interval",
    "catalog_coverage",
    "cold_start_split",
    "compare",
    "diversity",
    "hit_rate_at_k",
    "hits_matrix",
    "map_at_k",
    "ndcg_at_k",
    "oracle_relevance",
    "precision_at_k",
    "program_split",
    "recall_at_k",
    "small_firm_coverage",
    "warm_split",
]


#: The metric names of :class:`Record`, in table order.
METRICS: tuple[str, ...] = ("ndcg", "recall", "precision", "map", "hit_rate",
                            "small_firm_coverage", "coverage", "diversity")


# ---------------------------------------------------------------------------- protocols
@runtime_checkable
class Recommender(Protocol):
    """What every partner recommender offers: the matchmaker, each baseline, a user's own.

    ``fit(network)`` learns from a :class:`rootmatch.SupportNetwork` and returns the
    recommender; ``recommend(firm_ids, k)`` returns ``(ids, scores)``, two arrays of shape
    ``(len(firm_ids), k)``: firm ids best first (``""`` pads) and their scores, descending,
    ties broken by id (``-inf`` pads). It never returns the firm itself nor a partner it
    already has in the fitted network, and an unknown id raises a ``KeyError``
    (:class:`rootmatch.UnknownEntityError`). :func:`rootmatch.testing.check_matcher` checks
    all of this.
    """

    def fit(self, network: Any) -> Any:
        """Learn from a support network; return self."""
        ...

    def recommend(self, firm_ids: ArrayLike, k: int) -> tuple[NDArray[np.str_], NDArray[Any]]:
        """Top-``k`` partner firms of each firm as ``(ids, scores)``."""
        ...


@runtime_checkable
class ProgramRecommender(Protocol):
    """What a program ranker offers: ``fit(network)`` and
    ``rank_programs(firm_ids, k, *, on) -> (ids, scores)``, only programs each firm is eligible
    for on its date ``on`` (one date, or one per firm)."""

    def fit(self, network: Any) -> Any:
        """Learn from a support network; return self."""
        ...

    def rank_programs(
        self, firm_ids: ArrayLike, k: int, *, on: Any
    ) -> tuple[NDArray[np.str_], NDArray[Any]]:
        """Top-``k`` eligible programs of each firm as ``(ids, scores)``."""
        ...


def baselines(truth: Any = None, *, random_state: SeedLike = 0) -> dict[str, Recommender]:
    """The standard baselines, by the names the benchmark reports.

    Parameters
    ----------
    truth : object with ``oracle_scores``, optional
        ``population.truth``; adds the ``"oracle"``.
    random_state : int, default=0
        Seed of the random baseline.

    Returns
    -------
    dict of str -> Recommender
        ``random``, ``popularity``, ``content``, ``complementarity``, ``adamic_adar``,
        ``resource_allocation`` (and ``oracle``).

    Examples
    --------
    >>> list(baselines())
    ['random', 'popularity', 'content', 'complementarity', 'adamic_adar', 'resource_allocation']
    """
    out: dict[str, Recommender] = {
        "random": RandomRecommender(random_state=random_state),
        "popularity": PopularityRecommender(),
        "content": ContentRecommender(),
        "complementarity": ComplementarityRecommender(),
        "adamic_adar": AdamicAdarRecommender(),
        "resource_allocation": ResourceAllocationRecommender(),
    }
    if truth is not None:
        out["oracle"] = OracleRecommender(truth=truth)
    return out


# ---------------------------------------------------------------------------- comparison
@frozen(kw_only=True)
class Record:
    """One measured figure: ``{"method", "split", "relevance", "metric", "k", "value"}``.

    ``stderr`` is the standard error of the mean over the scored queries (NaN for coverage
    and diversity) and ``per_query`` the value of each query in the split's query order
    (NaN where a query is not scored; ``None`` for coverage and diversity); neither is part
    of :meth:`to_dict`.
    """

    method: str
    split: str
    relevance: str
    metric: str
    k: int
    value: float
    stderr: float = float("nan")
    per_query: NDArray[np.float64] | None = field(default=None, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (NaN becomes ``None``)."""
        v = float(self.value)
        return {"method": self.method, "split": self.split, "relevance": self.relevance,
                "metric": self.metric, "k": int(self.k), "value": None if np.isnan(v) else v}


@frozen(kw_only=True)
class Comparison:
    """The records of :func:`compare`, with timings and the number of queries per split.

    Attributes
    ----------
    records : tuple of Record
    seconds : dict of (method, split) -> (fit seconds, recommend seconds)
    queries : dict of split kind -> number of query firms
    """

    records: tuple[Record, ...]
    seconds: dict[tuple[str, str], tuple[float, float]] = field(factory=dict)
    queries: dict[str, int] = field(factory=dict)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def record(self, method: str, split: str, metric: str, *, relevance: str = "observed",
               k: int | None = None) -> Record:
        """One record.

        Raises
        ------
        KeyError
            If there is no such record.
        """
        for r in self.records:
            if (r.method, r.split, r.metric, r.relevance) == (method, split, metric, relevance) \
                    and (k is None or r.k == k):
                return r
        raise KeyError(f"no record for method={method!r} split={split!r} metric={metric!r} "
                       f"relevance={relevance!r} k={k!r}")

    def value(self, method: str, split: str, metric: str, *, relevance: str = "observed",
              k: int | None = None) -> float:
        """The value of one figure (see :meth:`record`)."""
        return self.record(method, split, metric, relevance=relevance, k=k).value

    def to_dicts(self) -> list[dict[str, Any]]:
        """Every record as a JSON-able dict."""
        return [r.to_dict() for r in self.records]

    def to_markdown(self, *, digits: int = 4, stderr: bool = False) -> str:
        """One markdown table per (split, relevance): methods × metrics@k (with ``stderr``,
        each mean is followed by ``± its standard error`` where there is one)."""
        out: list[str] = []
        groups: dict[tuple[str, str], list[Record]] = {}
        for r in self.records:
            groups.setdefault((r.split, r.relevance), []).append(r)
        for (split, relevance), recs in groups.items():
            methods = list(dict.fromkeys(r.method for r in recs))
            cols = list(dict.fromkeys((r.metric, r.k) for r in recs))
            cols.sort(key=lambda c: (METRICS.index(c[0]) if c[0] in METRICS else 99, c[1]))
            cell = {(r.method, r.metric, r.k): r for r in recs}
            nq = self.queries.get(split)
            head = f"### {split} split, {relevance} relevance"
            out.append(head + (f" ({nq} queries)" if nq is not None else ""))
            out.append("")
            out.append("| method | " + " | ".join(f"{m}@{k}" for m, k in cols) + " |")
            out.append("|---|" + "---:|" * len(cols))
            for meth in methods:
                txt = [_cell(cell.get((meth, m, k)), digits, stderr) for m, k in cols]
                out.append(f"| {meth} | " + " | ".join(txt) + " |")
            out.append("")
        return "\n".join(out).rstrip() + "\n"


def bootstrap_interval(
    a: Record, b: Record, *, ratio: bool = False, level: float = 0.9, n_boot: int = 2000,
    random_state: SeedLike = 0,
) -> tuple[float, float]:
    """Paired bootstrap interval of ``mean(a) - mean(b)``, or of ``mean(a) / mean(b)``.

    ``a`` and ``b`` are records of two methods on the same split, relevance, metric and
    ``k``: the same queries, so queries are resampled in pairs (which keeps the two methods'
    shared luck, e.g. a query whose held-out partner is easy for everyone). Queries that
    either record does not score are left out.

    Returns
    -------
    (low, high) : the ``level`` percentile interval (NaN when it cannot be computed).

    Examples
    --------
    >>> a = Record(method="a", split="warm", relevance="observed", metric="ndcg", k=10,
    ...            value=0.5, per_query=np.array([1.0, 0.0, 1.0, 0.0] * 5))
    >>> b = Record(method="b", split="warm", relevance="observed", metric="ndcg", k=10,
    ...            value=0.25, per_query=np.array([1.0, 0.0, 0.0, 0.0] * 5))
    >>> low, high = bootstrap_interval(a, b)          # a - b = 0.25
    >>> bool(0.0 < low < 0.25 < high), round(high, 2)
    (True, 0.4)
    """
    if not 0.0 < float(level) < 1.0:
        raise ValidationError(f"level must be in (0, 1), got {level!r}", field="level",
                              value=level)
    key_a = (a.split, a.relevance, a.metric, a.k)
    if key_a != (b.split, b.relevance, b.metric, b.k):
        raise ValidationError(f"records differ in split, relevance, metric or k: {key_a} vs "
                              f"{(b.split, b.relevance, b.metric, b.k)}", field="b")
    if a.per_query is None or b.per_query is None or a.per_query.shape != b.per_query.shape:
        raise ValidationError("both records need per-query values of the same queries",
                              field="per_query")
    keep = ~(np.isnan(a.per_query) | np.isnan(b.per_query))
    va, vb = a.per_query[keep], b.per_query[keep]
    if va.size == 0:
        return float("nan"), float("nan")
    rng = check_rng(random_state)
    idx = rng.integers(va.size, size=(n_boot, va.size))
    ma, mb = va[idx].mean(axis=1), vb[idx].mean(axis=1)
    if ratio:
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = np.where(mb > 0, ma / np.where(mb > 0, mb, 1.0), np.nan)
        stat = stat[~np.isnan(stat)]
        if stat.size == 0:
            return float("nan"), float("nan")
    else:
        stat = ma - mb
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(stat, [tail, 100 - tail])
    return float(low), float(high)


def _cell(r: Record | None, digits: int, stderr: bool) -> str:
    if r is None:
        return ""
    if np.isnan(r.value):
        return "nan"
    out = f"{r.value:.{digits}f}"
    if stderr and not np.isnan(r.stderr):
        out += f" ± {r.stderr:.{digits}f}"
    return out


def _mean_se(values: NDArray[np.float64]) -> tuple[float, float]:
    v = values[~np.isnan(values)]
    if v.size == 0:
        return float("nan"), float("nan")
    se = float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else float("nan")
    return float(v.mean()), se


def _relevance_records(method: str, split: Split, relevance: str, ids: NDArray[np.str_],
                       relevant: Sequence[frozenset[str]], k: int, is_small: NDArray[np.bool_]
                       ) -> list[Record]:
    hits = hit_rate_at_k(ids, relevant, k, average=False)
    per_query = {
        "ndcg": ndcg_at_k(ids, relevant, k, average=False),
        "recall": recall_at_k(ids, relevant, k, average=False),
        "precision": precision_at_k(ids, relevant, k, average=False),
        "map": map_at_k(ids, relevant, k, average=False),
        "hit_rate": hits,
        "small_firm_coverage": hits[is_small],  # as small_firm_coverage() computes it
    }
    out = []
    for m, v in per_query.items():
        mean, se = _mean_se(v)
        out.append(Record(method=method, split=split.kind, relevance=relevance, metric=m, k=k,
                          value=mean, stderr=se, per_query=np.asarray(v, np.float64)))
    return out


def compare(
    recommenders: Mapping[str, Recommender],
    splits: Sequence[Split],
    *,
    program_recommenders: Mapping[str, ProgramRecommender] | None = None,
    k: int = 10,
    program_k: int = 5,
    truth: Any = None,
    oracle_top: int | None = None,
) -> Comparison:
    """Fit every method on every split and measure it on the same query firms.

    Parameters
    ----------
    recommenders : mapping of name -> Recommender
        Partner recommenders, fitted (in place, replacing any earlier fit) on each warm and
        cold split's network.
    splits : sequence of Split
    program_recommenders : mapping of name -> ProgramRecommender, optional
        Program rankers for program splits (program splits are skipped without them).
    k : int, default=10
        Cut-off of partner lists.
    program_k : int, default=5
        Cut-off of program lists.
    truth : object with ``oracle_scores``, optional
        ``population.truth``: adds the ``oracle`` relevance to partner splits.
    oracle_top : int, optional
        Size of the oracle's relevant set; default ``k``.

    Returns
    -------
    Comparison
        Relevance metrics (``ndcg``, ``recall``, ``precision``, ``map``, ``hit_rate``,
        ``small_firm_coverage``) under each relevance; ``coverage`` (share of the network's
        firms, or programs, recommended to some query) and ``diversity`` (partners only)
        do not depend on relevance and are recorded once, under ``observed``.
    """
    k = check_k(k, minimum=1)
    program_k = check_k(program_k, minimum=1, field="program_k")
    records: list[Record] = []
    seconds: dict[tuple[str, str], tuple[float, float]] = {}
    queries: dict[str, int] = {}
    for split in splits:
        if not isinstance(split, Split):
            raise ValidationError(f"splits must hold Split objects, got {type(split).__name__}",
                                  field="splits", value=type(split).__name__)
        net = split.network
        table = net.firms
        is_small = np.asarray(table.is_small)[table.positions(split.queries)] \
            if len(split.queries) else np.zeros(0, bool)
        queries[split.kind] = len(split.queries)
        if split.kind == "program":
            for name, ranker in (program_recommenders or {}).items():
                t0 = time.perf_counter()
                ranker.fit(net)
                t1 = time.perf_counter()
                ids, _ = ranker.rank_programs(split.queries, program_k, on=split.on)
                t2 = time.perf_counter()
                seconds[(name, split.kind)] = (t1 - t0, t2 - t1)
                records += _relevance_records(name, split, "observed", ids, split.relevant,
                                              program_k, is_small)
                records.append(Record(method=name, split=split.kind, relevance="observed",
                                      metric="coverage", k=program_k,
                                      value=catalog_coverage(ids, net.program_ids())))
            continue
        oracle_rel = None
        if truth is not None:
            oracle_rel = oracle_relevance(split, truth, top=oracle_top or k)
        for name, rec in recommenders.items():
            t0 = time.perf_counter()
            rec.fit(net)
            t1 = time.perf_counter()
            ids, _ = rec.recommend(split.queries, k)
            t2 = time.perf_counter()
            seconds[(name, split.kind)] = (t1 - t0, t2 - t1)
            ids = np.asarray(ids, dtype=np.str_)
            records += _relevance_records(name, split, "observed", ids, split.relevant, k,
                                          is_small)
            records.append(Record(method=name, split=split.kind, relevance="observed",
                                  metric="coverage", k=k,
                                  value=catalog_coverage(ids, table.ids)))
            records.append(Record(method=name, split=split.kind, relevance="observed",
                                  metric="diversity", k=k,
                                  value=float(diversity(ids, split.queries, table, k))))
            if oracle_rel is not None:
                records += _relevance_records(name, split, "oracle", ids, oracle_rel, k,
                                              is_small)
    return Comparison(records=tuple(records), seconds=seconds, queries=queries)
