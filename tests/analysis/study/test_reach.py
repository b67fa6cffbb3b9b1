"""Neighbourhoods and hop counts without the hub, on the hand-built world and against networkx."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

import rootmatch as rm

SMALL = ["F1", "F2", "F4", "F5", "F6", "F7"]


def test_two_hop_neighbourhood_is_known(world) -> None:
    net = rm.SupportNetwork.from_population(world, hub=True)
    nb = rm.study.neighbourhood(net, SMALL)
    ids = net.firms.ids.tolist()
    within = {f: {ids[j] for j in nb.firms[[i]].indices} for i, f in enumerate(SMALL)}
    assert within == {"F1": {"F2", "F3", "F5"}, "F2": {"F1", "F3"}, "F4": set(),
                      "F5": {"F1"}, "F6": {"F7"}, "F7": {"F6"}}
    assert nb.institute_ids == ("I_A", "I_B", "I_C")
    assert nb.institutes.astype(int).tolist() == [
        [1, 0, 0], [1, 0, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0]]
    # F1 knows P1 (its institute runs it) and P2 (its partner's partner took part in it)
    assert nb.programs.astype(int).tolist() == [[1, 1], [1, 1], [0, 0], [1, 0], [0, 0], [0, 0]]
    q, c = nb.candidate_pairs()  # 2-hop firms that are not partners yet
    assert sorted((SMALL[a], ids[b]) for a, b in zip(q, c)) == [
        ("F1", "F3"), ("F1", "F5"), ("F5", "F1")]


def test_neighbourhood_ignores_the_hub(world) -> None:
    with_hub = rm.study.neighbourhood(rm.SupportNetwork.from_population(world, hub=True))
    without = rm.study.neighbourhood(rm.SupportNetwork.from_population(world, hub=False))
    assert (with_hub.firms != without.firms).nnz == 0
    assert np.array_equal(with_hub.programs, without.programs)


def test_hop_counts_are_known(world) -> None:
    net = rm.SupportNetwork.from_population(world, hub=True)
    pairs = [("F1", "F1"), ("F1", "F2"), ("F1", "F3"), ("F1", "F5"), ("F2", "F5"),
             ("F5", "F3"), ("F1", "F4"), ("F6", "F7"), ("F6", "F1")]
    got = rm.study.hop_counts(net, *zip(*pairs))
    assert got.tolist() == [0, 1, 2, 2, 3, 4, -1, 1, -1]
    assert rm.study.hop_counts(net, ["F5"], ["F3"], max_hops=3).tolist() == [-1]


@pytest.mark.parametrize("seed", range(4))
def test_hops_and_neighbourhoods_match_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cat = rm.catalog.busan_2024()
    coops = ["BGMC", "BMC", "BAPIC"]
    firms = [rm.Firm(id=f"F{i:02d}", name="x", technologies=["금형"], employees=5,
                     district="사상구",
                     memberships=[coops[int(rng.integers(3))]] if rng.random() < 0.15 else [],
                     participations=[("BS24-05", "2023-03-01")] if rng.random() < 0.1 else [])
             for i in range(30)]
    ids = [f.id for f in firms]
    links = {tuple(sorted(rng.choice(30, 2, replace=False))) for _ in range(25)}
    pop = rm.Population(firms=firms, institutes=cat.institutes, programs=cat.programs,
                        collaborations=[(ids[a], ids[b]) for a, b in links])
    net = rm.SupportNetwork.from_population(pop, hub=True)
    G = net.without_hub().graph
    a, b = zip(*itertools.product(ids, ids))
    got = rm.study.hop_counts(net, a, b)
    for x, y, h in zip(a, b, got):
        try:
            d = nx.shortest_path_length(G, f"firm:{x}", f"firm:{y}")
        except nx.NetworkXNoPath:
            d = -1
        assert h == (d if d <= 4 else -1), (x, y)
    nb = rm.study.neighbourhood(net)
    progs = net.program_ids()
    for i, x in enumerate(ids):
        near = nx.single_source_shortest_path_length(G, f"firm:{x}", cutoff=2)
        firms2 = {n[5:] for n in near if n.startswith("firm:") and n != f"firm:{x}"}
        assert {ids[j] for j in nb.firms[[i]].indices} == firms2
        holders = [n for n in near if not n.startswith("prog:")]
        known = {m[5:] for n in holders for m in G[n] if m.startswith("prog:")}
        assert {progs[j] for j in np.flatnonzero(nb.programs[i])} == known
