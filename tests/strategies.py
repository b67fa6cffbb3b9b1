"""Hypothesis strategies shared by the tests (compose small ones; add yours at the end)."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

import rootmatch as rm

technologies = st.sampled_from(list(rm.RootTechnology))
districts = st.sampled_from(list(rm.District))
axes = st.sampled_from(list(rm.SupportAxis))
topics = st.sampled_from(list(rm.Topic))
materials = st.sampled_from(list(rm.Material))
dates = st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2027, 12, 31))
catalog_program_ids = st.sampled_from([f"BS24-0{i}" for i in range(1, 8)])
firm_ids = st.from_regex(r"F[0-9]{1,6}", fullmatch=True)


@st.composite
def participations(draw: st.DrawFn, program_ids: st.SearchStrategy[str] = catalog_program_ids):
    """A Participation in one of ``program_ids``."""
    return rm.Participation(program_id=draw(program_ids), on=draw(dates))


@st.composite
def firms(
    draw: st.DrawFn,
    firm_id: st.SearchStrategy[str] = firm_ids,
    max_employees: int = 400,
    memberships: st.SearchStrategy[frozenset[str]] | None = None,
) -> rm.Firm:
    """A valid Firm with every field drawn."""
    mem = memberships if memberships is not None else st.frozensets(
        st.sampled_from(["BGMC", "BMC", "BAPIC"]), max_size=2
    )
    return rm.Firm(
        id=draw(firm_id),
        name=draw(st.text(alphabet="가나다라마바사아자 ABCdef0123", min_size=1, max_size=12)
                  .filter(lambda s: s.strip() != "")),
        technologies=draw(st.frozensets(technologies, min_size=1, max_size=4)),
        employees=draw(st.integers(0, max_employees)),
        district=draw(districts),
        founded=draw(st.none() | st.integers(1950, 2024)),
        workforce_40plus=draw(st.floats(0, 1)),
        foreign_share=draw(st.floats(0, 1)),
        digital_level=draw(st.integers(0, 4)),
        materials=draw(st.frozensets(materials, max_size=3)),
        needs=draw(st.frozensets(axes, max_size=4)),
        topics=draw(st.frozensets(topics, max_size=4)),
        certified=draw(st.booleans()),
        memberships=draw(mem),
        participations=draw(st.lists(participations(), max_size=3)),
        cluster=draw(st.sampled_from(["", "녹산", "장림", "사상"])),
    )


@st.composite
def firm_lists(draw: st.DrawFn, min_size: int = 0, max_size: int = 20) -> list[rm.Firm]:
    """Firms with unique ids."""
    n = draw(st.integers(min_size, max_size))
    return [draw(firms(firm_id=st.just(f"F{i:04d}"))) for i in range(n)]


# ---- score and feature matrices (top-k kernels, SimilarityIndex) ----------------------------
@st.composite
def score_matrices(
    draw: st.DrawFn, max_rows: int = 6, max_cols: int = 24, ties: bool | None = None
):
    """A float (rows, cols) score matrix; with ``ties`` (drawn when None) values come from a
    handful of levels, so ties straddle the k-th boundary; ``-inf`` marks non-candidates.

    >>> score_matrices().example().ndim  # doctest: +SKIP
    2
    """
    import numpy as np
    from hypothesis.extra import numpy as hnp

    shape = (draw(st.integers(0, max_rows)), draw(st.integers(0, max_cols)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    if ties if ties is not None else draw(st.booleans()):
        elements = st.sampled_from([-np.inf, -1.0, 0.0, 0.25, 0.5, 1.0, np.inf])
    else:
        elements = st.floats(-1, 1, width=32) | st.just(-np.inf)
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def feature_matrices(draw: st.DrawFn, min_rows: int = 1, max_rows: int = 40, max_cols: int = 6):
    """Dense float32/float64 (n, d) vectors with small integer entries: duplicate rows,
    zero rows and exact cosine ties are common."""
    import numpy as np
    from hypothesis.extra import numpy as hnp

    shape = (draw(st.integers(min_rows, max_rows)), draw(st.integers(1, max_cols)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return draw(hnp.arrays(dtype, shape, elements=st.integers(-2, 2).map(float)))


# --- eligibility rules (tests/domain/test_rules.py) -------------------------------------------
#: Vectorised user predicates: (rule_id, label_ko, label_en, func(table, on) -> bool array).
PREDICATES = (
    ("digital2", "디지털 수준 2 이상", "digital level >= 2",
     lambda t, on: t.digital_level >= 2),
    ("young", "40세 이상 비중 50% 미만", "under half aged 40+",
     lambda t, on: t.workforce_40plus < 0.5),
    ("founded_known", "설립연도 기재", "founding year known", lambda t, on: t.founded > 0),
    ("gangseo", "강서구 소재", "in Gangseo-gu",
     lambda t, on: t.district == rm.District.GANGSEO.value),
    ("h2", "하반기 신청", "applies in the second half",
     lambda t, on: (t.employees >= 0) & (on.month > 6)),
)


def _predicate(spec: tuple) -> rm.rules.Rule:
    rule_id, ko, en, func = spec
    return rm.rules.Predicate(func=func, label_ko=ko, label_en=en, rule_id=rule_id)


def leaf_rules(*, predicates: bool = True) -> st.SearchStrategy[rm.rules.Rule]:
    """One rule of every kind (``predicates=False`` leaves out the non-serialisable one)."""
    r = rm.rules
    kinds = [
        st.integers(0, 400).map(lambda n: r.MaxEmployees(limit=n)),
        st.integers(0, 400).map(lambda n: r.SME(max_employees=n)),
        (st.none() | st.frozensets(districts, min_size=1, max_size=5)).map(
            lambda ds: r.InRegion(districts=ds)),
        st.frozensets(technologies, min_size=1, max_size=5).map(
            lambda ts: r.TargetTechnologies(technologies=ts)),
        st.just(r.CertificateRequired()),
        st.just(r.ActiveOn()),
        st.just(r.NotAlreadyParticipant()),
    ]
    if predicates:
        kinds.append(st.sampled_from(PREDICATES).map(_predicate))
    return st.one_of(kinds)


def rule_trees(*, predicates: bool = True, max_leaves: int = 8) -> st.SearchStrategy:
    """Random compositions of every rule kind with AllOf, AnyOf and Not."""
    r = rm.rules
    return st.recursive(
        leaf_rules(predicates=predicates),
        lambda children: st.one_of(
            st.lists(children, min_size=1, max_size=3).map(lambda rs: r.AllOf(rules=rs)),
            st.lists(children, min_size=1, max_size=3).map(lambda rs: r.AnyOf(rules=rs)),
            children.map(lambda c: r.Not(rule=c)),
        ),
        max_leaves=max_leaves,
    )


@st.composite
def programs(draw: st.DrawFn, rules: st.SearchStrategy | None = None) -> rm.Program:
    """A Program with a random period and 0-3 random rule trees (ids of the catalog)."""
    start = draw(dates)
    end = start + dt.timedelta(days=draw(st.integers(0, 1500)))
    return rm.Program(
        id=draw(catalog_program_ids), name_ko="시험 사업", name_en="test program",
        axis=draw(axes), start=start, end=end,
        funding=draw(st.sampled_from(list(rm.Funding))),
        rules=draw(st.lists(rules if rules is not None else rule_trees(), max_size=3)),
    )


# --- graphs and hub networks (tests/graph/) ---------------------------------------------------
@st.composite
def nx_graphs(
    draw: st.DrawFn,
    min_nodes: int = 0,
    max_nodes: int = 12,
    *,
    self_loops: bool = True,
    directed: bool = False,
    weighted: bool = False,
    labels: bool = False,
):
    """A random networkx graph: nodes added in a random order (ints, or str labels with
    ``labels``), edges drawn as pairs; with ``weighted`` some edges carry a ``weight``.

    >>> nx_graphs(max_nodes=5).example()  # doctest: +SKIP
    <networkx.classes.graph.Graph object at ...>
    """
    import networkx as nx

    n = draw(st.integers(min_nodes, max_nodes))
    G = nx.DiGraph() if directed else nx.Graph()
    order = draw(st.permutations(range(n)))
    name = (lambda i: f"n{i}") if labels else (lambda i: i)
    G.add_nodes_from(name(i) for i in order)
    if n:
        pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
        if not self_loops:
            pair = pair.filter(lambda p: p[0] != p[1])
        for u, v in draw(st.lists(pair, max_size=3 * n)):
            attrs = {}
            if weighted and draw(st.booleans()):
                attrs["weight"] = draw(st.floats(0.1, 5.0))
            G.add_edge(name(u), name(v), **attrs)
    return G


BUSAN_2024 = rm.catalog.busan_2024()


@st.composite
def hub_populations(draw: st.DrawFn, min_firms: int = 0, max_firms: int = 10) -> rm.Population:
    """A small Population on the built-in catalog: drawn firms (memberships and
    participations in catalog ids), firm–firm collaborations and firm–institute links."""
    firm_list = draw(firm_lists(min_size=min_firms, max_size=max_firms))
    ids = [f.id for f in firm_list]
    collab: list[tuple[str, str]] = []
    links: list[tuple[str, str]] = []
    if len(ids) >= 2:
        pair = st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(
            lambda p: p[0] != p[1])
        collab = draw(st.lists(pair, max_size=2 * len(ids)))
    if ids:
        links = draw(st.lists(
            st.tuples(st.sampled_from(ids), st.sampled_from(sorted(BUSAN_2024.institutes))),
            max_size=len(ids)))
    return rm.Population(
        firms=rm.FirmTable.from_firms(firm_list),
        institutes=BUSAN_2024.institutes,
        programs=BUSAN_2024.programs,
        collaborations=collab,
        institute_links=links,
        hub=BUSAN_2024.hub,
    )


# --- populations with each link once (tests/io/) --------------------------------------------
@st.composite
def linked_populations(draw: st.DrawFn, min_firms: int = 0, max_firms: int = 12) -> rm.Population:
    """A Population on the built-in catalog whose collaborations hold each unordered pair
    once (in a drawn orientation) and whose institute links are unique: the shape files and
    the registry keep."""
    cat = rm.catalog.busan_2024()
    firm_list = draw(firm_lists(min_size=min_firms, max_size=max_firms))
    ids = [f.id for f in firm_list]
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]
    collab = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=15)) if pairs else []
    collab = [(b, a) if draw(st.booleans()) else (a, b) for a, b in collab]
    links: list[tuple[str, str]] = []
    if ids:
        links = draw(st.lists(st.tuples(st.sampled_from(ids),
                                        st.sampled_from(sorted(cat.institutes))),
                              unique=True, max_size=len(ids)))
    return rm.Population(firms=rm.FirmTable.from_firms(firm_list), institutes=cat.institutes,
                         programs=cat.programs, collaborations=collab, institute_links=links,
                         hub=cat.hub)


# --- synthetic populations with planted truth (tests/synth/) -----------------------------
@st.composite
def synthetic_populations(draw: st.DrawFn, min_firms: int = 1, max_firms: int = 60,
                          **tuning: object) -> rm.Population:
    """A small population from ``rm.synth.generate_population`` with a drawn size and seed
    (its ``truth`` holds the held-out links and the oracle)."""
    n = draw(st.integers(min_firms, max_firms))
    seed = draw(st.integers(0, 2**32 - 1))
    return rm.synth.generate_population(n, seed=seed, **tuning)
