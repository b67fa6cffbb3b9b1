"""Benchmark of the support network and graph proximity.

    python benchmarks/bench_network.py --firms 50000 [--pairs 10000] [--json PATH]

Prints:

- the build time and peak memory of ``SupportNetwork.from_population`` and of its sparse views;
- common neighbours, Adamic–Adar and resource allocation on random firm pairs, networkx's
  link-prediction functions on the graph against ours (a) on a ``ProximityGraph`` of the
  network's adjacency, prepared once, (b) on the adjacency matrix (checked on every call) and
  (c) on the graph (converted on every call), as ratios (networkx time / ours), with the
  largest difference of the scores;
- resource allocation through the network's low-rank views (the engine's formula);
- personalised PageRank against ``nx.pagerank`` with the same personalisation and tolerance
  (``--tol``, networkx's convergence test): one source, and a block of sources (ours iterates
  the block at once, on the transition matrix of the prepared ``ProximityGraph``).

The population comes from ``rootmatch.synth.generate_population`` when it exists, otherwise
from a quick random population built here with numpy (sizes, memberships, participations and
collaborations of a plausible order; no calibration).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # rootmatch from a checkout
sys.path.insert(0, str(Path(__file__).resolve().parent))  # _common

from _common import Results, base_parser, best_of, measure

import rootmatch as rm


def quick_population(n: int, seed: int) -> rm.Population:
    """A random population of ``n`` firms on the built-in catalog, vectorised (no truth)."""
    rng = np.random.default_rng(seed)
    cat = rm.catalog.busan_2024()
    n_tech = len(rm.RootTechnology)
    tech = (1 << rng.integers(0, n_tech, n)) | np.where(
        rng.random(n) < 0.3, 1 << rng.integers(0, n_tech, n), 0)
    employees = np.where(rng.random(n) < 0.68, rng.integers(1, 10, n),
                         rng.integers(10, 300, n))
    coops = sorted(i.id for i in cat.institutes.values()
                   if i.kind is rm.InstituteKind.COOPERATIVE)
    member = rng.random(n) < 0.35
    mem_codes = rng.integers(0, len(coops), int(member.sum()))
    programs = sorted(cat.programs)
    parts = rng.random(n) < 0.25
    part_program = rng.integers(0, len(programs), int(parts.sum()))
    part_on = np.datetime64("2020-01-01") + rng.integers(0, 4 * 365, int(parts.sum()))
    ids = np.char.add("F", np.char.zfill(np.arange(n).astype(str), 6))
    firms = rm.FirmTable.from_columns(
        ids=ids,
        tech_mask=tech.astype(np.uint16),
        employees=employees,
        district=rng.integers(0, len(rm.District), n),
        digital_level=rng.integers(0, 5, n),
        membership_vocab=coops,
        mem_indptr=np.concatenate([[0], np.cumsum(member)]),
        mem_codes=mem_codes,
        program_vocab=programs,
        part_indptr=np.concatenate([[0], np.cumsum(parts)]),
        part_program=part_program,
        part_on=part_on,
    )
    # collaborations: ~2 per firm, mostly between nearby rows (local clusters), some at random
    m = 2 * n
    a = rng.integers(0, n, m)
    b = np.where(rng.random(m) < 0.7, (a + rng.integers(1, 50, m)) % n, rng.integers(0, n, m))
    keep = a != b
    collab = np.stack([ids[a[keep]], ids[b[keep]]], axis=1)
    inst = sorted(cat.institutes)
    k = n // 5
    links = np.stack([ids[rng.integers(0, n, k)],
                      np.asarray(inst)[rng.integers(0, len(inst), k)]], axis=1)
    return rm.Population(firms=firms, institutes=cat.institutes, programs=cat.programs,
                         collaborations=collab, institute_links=links, hub=cat.hub)


def make_population(n: int, seed: int) -> tuple[rm.Population, str]:
    try:
        from rootmatch.synth import generate_population
    except ImportError:
        return quick_population(n, seed), "quick random population (numpy)"
    return generate_population(n, seed=seed), "rootmatch.synth.generate_population"


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000, help="firm pairs to score")
    parser.add_argument("--ppr-sources", type=int, default=8,
                        help="sources of the personalised PageRank block")
    parser.add_argument("--tol", type=float, default=1e-8,
                        help="PageRank tolerance (networkx's test: L1 change < n * tol)")
    args = parser.parse_args()
    res = Results("bench_network", args)

    t0 = time.perf_counter()
    pop, source = make_population(args.firms, args.seed)
    res.add("population", source=source, firms=len(pop.firms),
            collaborations=len(pop.collaborations), seconds=time.perf_counter() - t0)

    def build() -> rm.SupportNetwork:
        return rm.SupportNetwork.from_population(pop, hub=True, enrolment=0.8, seed=args.seed)

    with measure(memory=False) as m:
        net = build()
    with measure() as mm:  # tracemalloc slows Python code: memory from a second build
        build()
    G = net.graph
    res.add("build SupportNetwork (graph)", seconds=m.seconds, peak_mb=mm.peak_mb,
            nodes=G.number_of_nodes(), edges=G.number_of_edges())
    with measure(memory=False) as m:
        A, nodes = net.adjacency()
        B, _, w = net.firm_incidence()
        C = net.collaboration_matrix()
        dF = net.firm_degree_weights()
    res.add("build sparse views (adjacency, incidence, C)", seconds=m.seconds, nnz=A.nnz)
    with measure(memory=False) as m:
        P = rm.proximity.ProximityGraph(A)
        P.degree()
        P.transition()
    res.add("ProximityGraph of the adjacency (once)", seconds=m.seconds)

    rng = np.random.default_rng(args.seed + 1)
    n_f = len(net.firms)
    m_h = int(net.has_hub) + len(net.institutes) + len(net.programs)
    u = rng.integers(0, n_f, args.pairs)
    v = (u + rng.integers(1, n_f, args.pairs)) % n_f
    idx_pairs = np.stack([u + m_h, v + m_h], axis=1)  # rows of the adjacency
    fu, fv = np.asarray(nodes, dtype=object)[idx_pairs[:, 0]], \
        np.asarray(nodes, dtype=object)[idx_pairs[:, 1]]
    node_pairs = list(zip(fu.tolist(), fv.tolist()))

    measures = [
        ("common neighbours", rm.proximity.common_neighbors,
         lambda P: [len(nx.common_neighbors(G, a, b)) for a, b in P]),
        ("Adamic-Adar", rm.proximity.adamic_adar,
         lambda P: [s for *_, s in nx.adamic_adar_index(G, P)]),
        ("resource allocation", rm.proximity.resource_allocation,
         lambda P: [s for *_, s in nx.resource_allocation_index(G, P)]),
    ]
    for name, ours, theirs in measures:
        t_ours, s_ours = best_of(lambda f=ours: f(A, idx_pairs))
        t_prep, s_prep = best_of(lambda f=ours: f(P, idx_pairs))
        t_graph, _ = best_of(lambda f=ours: f(G, node_pairs), repeat=1)
        t_nx, s_nx = best_of(lambda f=theirs: f(node_pairs), repeat=1)
        s_nx = np.asarray(s_nx, float)
        diff = max(float(np.max(np.abs(np.asarray(x, float) - s_nx))) for x in (s_ours, s_prep))
        res.add(f"{name}, {args.pairs} pairs", networkx_s=t_nx, ours_prepared_s=t_prep,
                ours_matrix_s=t_ours, ours_graph_s=t_graph,
                ratio_prepared=t_nx / t_prep, ratio_matrix=t_nx / t_ours,
                ratio_graph=t_nx / t_graph, max_abs_diff=diff)

    def low_rank_ra() -> np.ndarray:
        return (np.asarray(B[u].multiply(B[v]) @ w).reshape(-1)
                + np.asarray(C[u].multiply(C[v]) @ dF).reshape(-1))

    t_lr, s_lr = best_of(low_rank_ra)
    s_ra = rm.proximity.resource_allocation(A, idx_pairs)
    res.add(f"RA via firm_incidence + collaborations, {args.pairs} pairs", seconds=t_lr,
            max_abs_diff_vs_adjacency=float(np.max(np.abs(s_lr - s_ra))))

    # personalised PageRank: one source, then a block of sources
    src_rows = rng.choice(np.arange(m_h, m_h + n_f), size=args.ppr_sources, replace=False)
    src_nodes = [nodes[i] for i in src_rows]
    kw = {"tol": args.tol, "max_iter": 10_000}
    t_ours1, x1 = best_of(lambda: rm.proximity.personalized_pagerank(
        P, sources=src_rows[:1], **kw))
    t_nx1, ref1 = best_of(
        lambda: nx.pagerank(G, personalization={src_nodes[0]: 1}, **kw), repeat=1)
    ref1_arr = np.asarray([ref1[x] for x in nodes])
    res.add("personalised PageRank, 1 source", networkx_s=t_nx1, ours_prepared_s=t_ours1,
            ratio=t_nx1 / t_ours1, max_abs_diff=float(np.max(np.abs(x1[0] - ref1_arr))))
    t_oursk, xk = best_of(lambda: rm.proximity.personalized_pagerank(
        P, sources=src_rows, **kw), repeat=1)
    t0 = time.perf_counter()
    refk = [nx.pagerank(G, personalization={s: 1}, **kw) for s in src_nodes]
    t_nxk = time.perf_counter() - t0
    diffk = max(float(np.max(np.abs(xk[i] - np.asarray([r[x] for x in nodes]))))
                for i, r in enumerate(refk))
    res.add(f"personalised PageRank, {len(src_nodes)} sources (one block)", networkx_s=t_nxk,
            ours_prepared_s=t_oursk, ratio=t_nxk / t_oursk, max_abs_diff=diffk)
    res.finish()


if __name__ == "__main__":
    main()
