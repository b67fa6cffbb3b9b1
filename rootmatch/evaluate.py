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

**Metrics** (see :mod:`rootmatch._metrics` for the conventions; binary gains, log2
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

import attrs
import numpy as np
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from ._baselines import (
    AdamicAdarRecommender,
    ComplementarityRecommender,
    ContentRecommender,
    HybridProgramRanker,
    OracleRecommender,
    PopularityRecommender,
    PopularProgramRanker,
    RandomProgramRanker,
    RandomRecommender,
    ResourceAllocationRecommender,
)
from ._metrics import (
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
from ._validation import SeedLike, check_k, check_rng
from .entities import Population
from .exceptions import ValidationError
from .table import SCALAR_COLUMNS, FirmTable

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
_SPLIT_KINDS = ("warm", "cold", "program")


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


# ---------------------------------------------------------------------------- splits
def _frozensets(values: Any) -> tuple[frozenset[str], ...]:
    return tuple(frozenset(str(x) for x in v) for v in values)


def _array_eq(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return bool(np.array_equal(a, b))


_ARRAY_EQ = attrs.cmp_using(eq=_array_eq)


@frozen(kw_only=True)
class Split:
    """A leakage-free hold-out split.

    Attributes
    ----------
    kind : {"warm", "cold", "program"}
    network : SupportNetwork
        Built from the training population only (its ``population.truth`` is ``None``).
    queries : ndarray of str, shape (q,)
        The query firm ids (a seeded sample), sorted.
    relevant : tuple of frozenset of str
        The held-out partners (or programs) of each query.
    held_out : ndarray of str, shape (m, 2)
        Every held-out link: (firm, firm) pairs, or (firm, program) for the program split.
    on : ndarray of datetime64[D] or None
        Program split: the date each query's programs are ranked on.
    seed : int
        The seed the split was drawn with (for the record).
    """

    kind: str = field(validator=attrs.validators.in_(_SPLIT_KINDS))
    network: Any
    queries: NDArray[np.str_] = field(eq=_ARRAY_EQ)
    relevant: tuple[frozenset[str], ...] = field(converter=_frozensets)
    held_out: NDArray[np.str_] = field(eq=_ARRAY_EQ)
    on: NDArray[np.datetime64] | None = field(default=None, eq=_ARRAY_EQ)
    seed: int | None = None

    @relevant.validator
    def _check_relevant(self, attribute: attrs.Attribute, value: tuple) -> None:  # type: ignore[type-arg]
        if len(value) != len(self.queries):
            raise ValidationError(f"relevant has {len(value)} entries for {len(self.queries)} "
                                  "queries", field="relevant", value=len(value))

    def __repr__(self) -> str:
        return (f"<Split {self.kind}: {len(self.queries)} queries, {len(self.held_out)} held-out "
                f"links, {len(self.network.firms)} firms>")


def _check_population(pop: Any) -> Population:
    if not isinstance(pop, Population):
        raise ValidationError(f"pop must be a rootmatch.Population, got {type(pop).__name__}",
                              field="pop", value=type(pop).__name__)
    return pop


def _check_n_queries(n_queries: Any) -> int:
    if isinstance(n_queries, bool) or not isinstance(n_queries, (int, np.integer)) \
            or n_queries < 1:
        raise ValidationError(f"n_queries must be an integer >= 1, got {n_queries!r}",
                              field="n_queries", value=n_queries)
    return int(n_queries)


def _sample(ids: NDArray[np.str_], n: int, rng: np.random.Generator) -> NDArray[np.str_]:
    ids = np.unique(ids)
    if ids.size > n:
        ids = np.sort(rng.choice(ids, size=n, replace=False))
    return ids


def _partners_of(pairs: NDArray[np.str_], queries: NDArray[np.str_]) -> list[NDArray[np.str_]]:
    """The other end of every pair touching each query (pairs are undirected)."""
    a = np.concatenate([pairs[:, 0], pairs[:, 1]])
    b = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    lo = np.searchsorted(a, queries, side="left")
    hi = np.searchsorted(a, queries, side="right")
    return [b[i:j] for i, j in zip(lo, hi)]


def _network(pop: Population, hub: bool, enrolment: float, rng: np.random.Generator) -> Any:
    from .network import SupportNetwork

    return SupportNetwork.from_population(pop, hub=hub, enrolment=enrolment, seed=rng)


def _drop_participations(table: FirmTable, drop: NDArray[np.bool_]) -> FirmTable:
    """``table`` without the participation records flagged in ``drop`` (record order)."""
    if not drop.any():
        return table
    keep = ~drop
    rows = np.repeat(np.arange(len(table)), np.diff(table.part_indptr))
    counts = np.bincount(rows[keep], minlength=len(table))
    cols = {name: getattr(table, name) for name in SCALAR_COLUMNS}
    return FirmTable.from_columns(
        **cols,
        cluster_vocab=table.cluster_vocab,
        membership_vocab=table.membership_vocab,
        mem_indptr=table.mem_indptr,
        mem_codes=table.mem_codes,
        program_vocab=table.program_vocab,
        part_indptr=np.concatenate([[0], np.cumsum(counts)]),
        part_program=table.part_program[keep],
        part_on=table.part_on[keep],
        validate=False,
    )


def warm_split(
    pop: Population,
    *,
    test_size: float = 0.2,
    n_queries: int = 500,
    hub: bool = True,
    enrolment: float = 1.0,
    seed: SeedLike = None,
) -> Split:
    """Hold out a share of the firm–firm collaborations; rebuild the network without them.

    Parameters
    ----------
    pop : Population
    test_size : float in (0, 1), default=0.2
        Share of the observed collaborations held out (exactly ``round(test_size * m)``).
    n_queries : int, default=500
        Query firms: a seeded sample of the firms with at least one held-out link.
    hub, enrolment : passed to :meth:`rootmatch.SupportNetwork.from_population`.
    seed : None, int or Generator

    Returns
    -------
    Split
        ``relevant[i]`` are the held-out partners of ``queries[i]``.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(400, seed=2)
    >>> s = warm_split(pop, n_queries=20, seed=0)
    >>> s.kind, len(s.queries), s.network.population.truth is None
    ('warm', 20, True)
    """
    pop = _check_population(pop)
    if not 0.0 < float(test_size) < 1.0:
        raise ValidationError(f"test_size must be in (0, 1), got {test_size!r}",
                              field="test_size", value=test_size)
    n_queries = _check_n_queries(n_queries)
    rng = check_rng(seed)
    pairs = np.asarray(pop.collaborations, dtype=np.str_).reshape(-1, 2)
    m = pairs.shape[0]
    n_test = round(float(test_size) * m)
    if n_test == 0 or n_test == m:
        raise ValidationError(f"cannot hold out {test_size!r} of {m} collaborations",
                              field="test_size", value=test_size)
    hold = np.zeros(m, bool)
    hold[rng.choice(m, size=n_test, replace=False)] = True
    train, test = pairs[~hold], pairs[hold]
    train_pop = attrs.evolve(pop, collaborations=train, truth=None)
    net = _network(train_pop, hub, enrolment, rng)
    queries = _sample(test.ravel(), n_queries, rng)
    return Split(kind="warm", network=net, queries=queries,
                 relevant=_partners_of(test, queries), held_out=test, seed=_seed_of(seed))


def _seed_of(seed: Any) -> int | None:
    return int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) \
        else None


def cold_start_split(
    pop: Population,
    *,
    n_queries: int = 500,
    hub: bool = True,
    enrolment: float = 1.0,
    seed: SeedLike = None,
) -> Split:
    """Hold out whole firms: each new firm keeps only its profile and memberships.

    The query firms (a seeded sample of the firms with at least one collaboration) lose
    every collaboration (with any firm), every institute link and every program
    participation; they stay in the network with their profile and cooperative
    memberships, so the recommenders rank every firm for them.

    Returns
    -------
    Split
        ``relevant[i]`` are all the observed partners of ``queries[i]``.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(400, seed=2)
    >>> s = cold_start_split(pop, n_queries=20, seed=0)
    >>> net = s.network
    >>> int(net.collaboration_matrix()[net.firms.positions(s.queries)].sum())
    0
    """
    pop = _check_population(pop)
    n_queries = _check_n_queries(n_queries)
    rng = check_rng(seed)
    pairs = np.asarray(pop.collaborations, dtype=np.str_).reshape(-1, 2)
    if pairs.shape[0] == 0:
        raise ValidationError("the population has no collaborations to hold out",
                              field="collaborations", value=0)
    queries = _sample(pairs.ravel(), n_queries, rng)
    touches = np.isin(pairs, queries).any(axis=1)
    links = np.asarray(pop.institute_links, dtype=np.str_).reshape(-1, 2)
    keep_links = ~np.isin(links[:, 0], queries) if links.size else np.zeros(0, bool)
    table = pop.firms
    rows = np.repeat(np.arange(len(table)), np.diff(table.part_indptr))
    cold_rows = np.zeros(len(table), bool)
    cold_rows[table.positions(queries)] = True
    train_pop = attrs.evolve(
        pop, firms=_drop_participations(table, cold_rows[rows]),
        collaborations=pairs[~touches], institute_links=links[keep_links], truth=None)
    net = _network(train_pop, hub, enrolment, rng)
    held = pairs[touches]
    return Split(kind="cold", network=net, queries=queries,
                 relevant=_partners_of(held, queries), held_out=held, seed=_seed_of(seed))


def program_split(
    pop: Population,
    *,
    n_queries: int = 500,
    hub: bool = True,
    enrolment: float = 1.0,
    seed: SeedLike = None,
) -> Split:
    """Hold out each query firm's latest program participation; rank programs on its date.

    For a seeded sample of the firms with at least one participation, the programs it joined
    on its latest participation date are held out, with every record of those programs (so
    "not already a participant" does not rule them out); ``on`` is that date. Everything else
    stays, and the network is rebuilt.

    Returns
    -------
    Split
        ``relevant[i]`` are the held-out program ids of ``queries[i]``; ``on[i]`` its date.

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(400, seed=2)
    >>> s = program_split(pop, n_queries=20, seed=0)
    >>> s.kind, len(s.queries), s.on.dtype
    ('program', 20, dtype('<M8[D]'))
    """
    pop = _check_population(pop)
    n_queries = _check_n_queries(n_queries)
    rng = check_rng(seed)
    table = pop.firms
    n = len(table)
    counts = np.diff(table.part_indptr)
    if not counts.any():
        raise ValidationError("the population has no program participations to hold out",
                              field="participations", value=0)
    queries = _sample(table.ids[counts > 0], n_queries, rng)
    qrows = table.positions(queries)
    rows = np.repeat(np.arange(n), counts)
    # the latest date of each firm, then the programs of that date, then all their records
    latest = np.full(n, np.datetime64("NaT"), "datetime64[D]")
    order = np.lexsort((table.part_on, rows))
    last_of_row = order[np.searchsorted(rows[order], np.arange(n), side="right") - 1]
    has = counts > 0
    latest[has] = table.part_on[last_of_row[has]]
    is_query = np.zeros(n, bool)
    is_query[qrows] = True
    on_latest = is_query[rows] & (table.part_on == latest[rows])
    n_prog = max(len(table.program_vocab), 1)
    key = rows.astype(np.int64) * n_prog + table.part_program
    drop = np.isin(key, key[on_latest])
    vocab = np.asarray(table.program_vocab or ("",), dtype=np.str_)
    held_keys = np.unique(key[on_latest])
    held_rows, held_prog = held_keys // n_prog, held_keys % n_prog
    held = np.column_stack([table.ids[held_rows], vocab[held_prog]]).astype(np.str_)
    train_pop = attrs.evolve(pop, firms=_drop_participations(table, drop), truth=None)
    net = _network(train_pop, hub, enrolment, rng)
    return Split(kind="program", network=net, queries=queries,
                 relevant=_partners_of_directed(held, queries), held_out=held,
                 on=latest[qrows], seed=_seed_of(seed))


def _partners_of_directed(pairs: NDArray[np.str_], queries: NDArray[np.str_]
                          ) -> list[NDArray[np.str_]]:
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    a, b = pairs[order, 0], pairs[order, 1]
    lo = np.searchsorted(a, queries, side="left")
    hi = np.searchsorted(a, queries, side="right")
    return [b[i:j] for i, j in zip(lo, hi)]


def oracle_relevance(split: Split, truth: Any, *, top: int = 10) -> tuple[frozenset[str], ...]:
    """The oracle's top ``top`` partners of each query: relevance by the planted truth.

    Candidates are what every recommender ranks: every firm of the split's network except
    the query itself and its partners in the (training) network. Ties go by firm id.

    Parameters
    ----------
    split : Split
        A warm or cold split.
    truth : object with ``oracle_scores(firm_ids, candidate_ids)``
    top : int, default=10

    Returns
    -------
    tuple of frozenset of str, one per query

    Examples
    --------
    >>> import rootmatch as rm
    >>> pop = rm.synth.generate_population(400, seed=2)
    >>> s = warm_split(pop, n_queries=5, seed=0)
    >>> [len(r) for r in oracle_relevance(s, pop.truth, top=3)]
    [3, 3, 3, 3, 3]
    """
    if split.kind == "program":
        raise ValidationError("oracle relevance is defined for partner splits (warm, cold)",
                              field="split", value=split.kind)
    ids, _ = OracleRecommender(truth=truth).fit(split.network).recommend(split.queries, top)
    return tuple(frozenset(r[r != ""].tolist()) for r in ids)


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
