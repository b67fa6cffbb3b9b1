"""Leakage-free hold-out splits (warm, cold-start, program) and the oracle's relevance. Private."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
from attrs import field, frozen
from numpy.typing import NDArray

from rootmatch.analysis._baselines import OracleRecommender
from rootmatch.base._checks import SeedLike, check_rng
from rootmatch.base.exceptions import ValidationError
from rootmatch.domain.population import Population
from rootmatch.domain.table import SCALAR_COLUMNS, FirmTable

__all__ = ["Split", "cold_start_split", "oracle_relevance", "program_split", "warm_split"]


_SPLIT_KINDS = ("warm", "cold", "program")


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
    from rootmatch.graph.network import SupportNetwork

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
