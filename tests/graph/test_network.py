"""SupportNetwork: the graph model, the hub and enrolment, checks, accessors and node
attributes."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import attrs
import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rootmatch as rm

sys.path.insert(0, str(Path(__file__).parent.parent))  # the shared tests/strategies.py
from strategies import BUSAN_2024, hub_populations

KINDS = {"hub", "firm", "institute", "program"}
# relation -> the kinds it may join
RELATION_KINDS = {
    "coordinates": {frozenset({"hub", "institute"})},
    "brokers": {frozenset({"hub", "program"})},
    "enrolled": {frozenset({"hub", "firm"})},
    "operates": {frozenset({"institute", "program"})},
    "member_of": {frozenset({"firm", "institute"})},
    "collaborates": {frozenset({"firm"}), frozenset({"firm", "institute"})},
    "participated": {frozenset({"firm", "program"})},
}
enrolments = st.sampled_from([0.0, 0.3, 0.5, 1.0]) | st.floats(0, 1)


def firm(fid, **kw):
    base = {"id": fid, "name": f"firm {fid}", "technologies": ["금형"], "employees": 5,
            "district": "사상구"}
    return rm.Firm(**{**base, **kw})


def population(firms, **kw):
    return rm.Population(firms=rm.FirmTable.from_firms(firms),
                         institutes=BUSAN_2024.institutes, programs=BUSAN_2024.programs,
                         hub=BUSAN_2024.hub, **kw)


def edges_of(G, relation):
    return {frozenset((u, v)) for u, v, r in G.edges(data="relation") if r == relation}


def expected_edges(pop, enrolled_ids, *, hub):
    """The edges the graph model prescribes, computed from the population by hand."""
    out = {r: set() for r in RELATION_KINDS}
    f, i, p = "firm:{}".format, "inst:{}".format, "prog:{}".format
    if hub:
        out["coordinates"] = {frozenset(("hub", i(x))) for x in pop.institutes}
        out["brokers"] = {frozenset(("hub", p(x))) for x in pop.programs}
        out["enrolled"] = {frozenset(("hub", f(x))) for x in enrolled_ids}
    out["operates"] = {frozenset((i(o), p(x))) for x, prog in pop.programs.items()
                       for o in prog.operators}
    members = set()
    for firm_ in pop.firms:
        for m in firm_.memberships:
            out["member_of"].add(frozenset((f(firm_.id), i(m))))
            members.add((firm_.id, m))
        for part in firm_.participations:
            out["participated"].add(frozenset((f(firm_.id), p(part.program_id))))
    out["collaborates"] = {frozenset((f(a), f(b))) for a, b in pop.collaborations.tolist()}
    out["collaborates"] |= {frozenset((f(a), i(b))) for a, b in pop.institute_links.tolist()
                            if (a, b) not in members}
    return out


# --- the graph model (hypothesis) ----------------------------------------------------------
@given(pop=hub_populations(), enrolment=enrolments, seed=st.integers(0, 2**32 - 1))
def test_graph_follows_the_model(pop, enrolment, seed):
    net = rm.SupportNetwork.from_population(pop, hub=True, enrolment=enrolment, seed=seed)
    G = net.graph
    n = len(pop.firms)
    # the hub links every institute and program, and exactly the enrolled firms
    assert int(net.enrolled.sum()) == round(enrolment * n)
    enrolled_ids = set(net.firm_ids()[net.enrolled].tolist())
    hub_firms = {v[5:] for v in G["hub"] if G.nodes[v]["kind"] == "firm"}
    assert hub_firms == enrolled_ids
    assert {v for v in G["hub"] if G.nodes[v]["kind"] != "firm"} == {
        f"inst:{x}" for x in pop.institutes} | {f"prog:{x}" for x in pop.programs}
    # every edge is the one the model prescribes, with its relation
    expected = expected_edges(pop, enrolled_ids, hub=True)
    for relation, edges in expected.items():
        assert edges_of(G, relation) == edges, relation
    assert G.number_of_edges() == sum(map(len, expected.values()))
    assert G.number_of_nodes() == 1 + len(pop.institutes) + len(pop.programs) + n
    # same seed, same enrolment
    again = rm.SupportNetwork.from_population(pop, hub=True, enrolment=enrolment, seed=seed)
    assert np.array_equal(again.enrolled, net.enrolled)


@given(pop=hub_populations(), enrolment=enrolments)
def test_kinds_and_relations_come_from_the_documented_sets(pop, enrolment):
    net = rm.SupportNetwork.from_population(pop, enrolment=enrolment, seed=1)
    for G in (net.graph, net.without_hub().graph):
        kinds = nx.get_node_attributes(G, "kind")
        assert set(kinds) == set(G)
        assert set(kinds.values()) <= KINDS
        for node, kind in kinds.items():
            assert rm.network.entity_of(node)[0] == kind
        for u, v, relation in G.edges(data="relation"):
            assert relation in rm.network.RELATIONS
            assert frozenset((kinds[u], kinds[v])) in RELATION_KINDS[relation]
    assert set(RELATION_KINDS) == rm.network.RELATIONS
    assert rm.network.NODE_KINDS == KINDS


@given(pop=hub_populations(), enrolment=enrolments)
def test_no_hub_and_without_hub(pop, enrolment, views_match_graph):
    with_hub = rm.SupportNetwork.from_population(pop, enrolment=enrolment, seed=3)
    for net in (rm.SupportNetwork.from_population(pop, hub=False, enrolment=enrolment, seed=3),
                with_hub.without_hub()):
        G = net.graph
        assert "hub" not in G
        assert not net.has_hub
        assert net.hub is None
        assert not net.enrolled.any()
        assert all(G.nodes[v]["kind"] != "hub" for v in G)
        assert not edges_of(G, "enrolled") | edges_of(G, "coordinates") | edges_of(G, "brokers")
        expected = expected_edges(pop, (), hub=False)
        for relation, edges in expected.items():
            assert edges_of(G, relation) == edges
        B, nodes, _ = net.firm_incidence()
        assert "hub" not in nodes
        assert B.shape == (len(pop.firms), len(pop.institutes) + len(pop.programs))
        views_match_graph(net)
    # without_hub leaves the original alone
    assert "hub" in with_hub.graph
    assert with_hub.has_hub


# --- construction details -----------------------------------------------------------------
def test_enrolment_is_exact_and_seeded():
    pop = population([firm(f"F{i}") for i in range(10)])
    nets = [rm.SupportNetwork.from_population(pop, enrolment=0.35, seed=s) for s in range(6)]
    assert {int(n.enrolled.sum()) for n in nets} == {round(0.35 * 10)}
    assert len({n.enrolled.tobytes() for n in nets}) > 1  # the seed matters
    half = rm.SupportNetwork.from_population(pop, enrolment=0.25, seed=0)
    assert int(half.enrolled.sum()) == round(2.5)  # Python's rounding: 2
    none = rm.SupportNetwork.from_population(pop, enrolment=0.0, seed=0)
    assert not none.enrolled.any()
    assert all(none.graph.nodes[v]["kind"] != "firm" for v in none.graph["hub"])


@pytest.mark.parametrize("seed", [7, np.int64(7), np.random.SeedSequence(7), "generator",
                                  "random_state"])
def test_every_seed_type(seed):
    pop = population([firm(f"F{i}") for i in range(20)])
    if seed == "generator":
        a = rm.SupportNetwork.from_population(pop, enrolment=0.5,
                                              seed=np.random.default_rng(7))
        b = rm.SupportNetwork.from_population(pop, enrolment=0.5,
                                              seed=np.random.default_rng(7))
    elif seed == "random_state":
        a = rm.SupportNetwork.from_population(pop, enrolment=0.5,
                                              seed=np.random.RandomState(7))
        b = rm.SupportNetwork.from_population(pop, enrolment=0.5,
                                              seed=np.random.RandomState(7))
    else:
        a = rm.SupportNetwork.from_population(pop, enrolment=0.5, seed=seed)
        b = rm.SupportNetwork.from_population(pop, enrolment=0.5, seed=seed)
    assert int(a.enrolled.sum()) == 10
    assert np.array_equal(a.enrolled, b.enrolled)


@pytest.mark.parametrize("enrolment", [-0.1, 1.5, "half", True, float("nan")])
def test_bad_enrolment(enrolment):
    pop = population([firm("F1")])
    with pytest.raises(rm.ValidationError, match="enrolment"):
        rm.SupportNetwork.from_population(pop, enrolment=enrolment)


@pytest.mark.parametrize(
    ("firms", "match"),
    [
        ([firm("F1", memberships=["NOPE"])], r"firm 'F1'.*'NOPE'"),
        ([firm("F1"), firm("F2", participations=[("P-404", "2023-01-01")])],
         r"firm 'F2'.*'P-404'"),
    ],
    ids=["membership", "participation"],
)
def test_unknown_memberships_and_participations_are_named(firms, match):
    with pytest.raises(rm.UnknownEntityError, match=match) as info:
        rm.SupportNetwork.from_population(population(firms))
    assert isinstance(info.value, KeyError)


def raw_network(pop, **links):
    """The constructor, given links the Population did not check."""
    return rm.SupportNetwork(population=pop, firms=pop.firms, institutes=pop.institutes,
                             programs=pop.programs, hub=pop.hub,
                             enrolled=np.ones(len(pop.firms), bool), **links)


@pytest.mark.parametrize(
    ("links", "match"),
    [
        ({"collaborations": [("F1", "F9")]}, r"\('F1', 'F9'\).*'F9'"),
        ({"institute_links": [("F1", "NOPE")]}, r"firm 'F1'.*'NOPE'"),
        ({"institute_links": [("F7", "BMC")]}, r"'F7'"),
    ],
    ids=["collaboration", "institute-link", "link-firm"],
)
def test_unknown_link_ids_are_named(links, match):
    pop = population([firm("F1")])
    with pytest.raises(rm.UnknownEntityError, match=match):
        raw_network(pop, **links)
    with pytest.raises(rm.ValidationError):  # a Population refuses them first
        population([firm("F1")], **links)


def test_unknown_operator_is_named():
    prog = next(iter(BUSAN_2024.programs.values()))
    bad = attrs.evolve(prog, operators=["GHOST"])
    pop = rm.Population(firms=rm.FirmTable.from_firms([]), institutes=BUSAN_2024.institutes,
                        programs={bad.id: bad})
    with pytest.raises(rm.UnknownEntityError, match=f"'{bad.id}'.*'GHOST'"):
        rm.SupportNetwork.from_population(pop)


def test_self_collaboration_is_refused():
    with pytest.raises(rm.ValidationError, match="'F1' collaborates with itself"):
        raw_network(population([firm("F1")]), collaborations=[("F1", "F1")])


def test_duplicate_and_reversed_links_make_one_edge(views_match_graph):
    pop = population([firm("F1", memberships=["BMC"]), firm("F2")],
                     collaborations=[("F1", "F2"), ("F2", "F1"), ("F1", "F2")],
                     institute_links=[("F1", "BMC"), ("F2", "BMC"), ("F2", "BMC")])
    net = rm.SupportNetwork.from_population(pop)
    assert net.collaborations().tolist() == [["F1", "F2"]]
    assert net.graph.edges["firm:F1", "inst:BMC"]["relation"] == "member_of"
    assert net.graph.edges["firm:F2", "inst:BMC"]["relation"] == "collaborates"
    assert net.collaboration_matrix().nnz == 2
    views_match_graph(net)


def test_catalog_only_and_empty_networks(views_match_graph):
    net = rm.SupportNetwork.from_population(population([]))
    assert len(net) == 0
    assert net.firm_ids().tolist() == []
    assert net.small_firms().tolist() == []
    assert net.graph.number_of_nodes() == 1 + len(BUSAN_2024.institutes) + len(
        BUSAN_2024.programs)
    assert net.collaboration_matrix().shape == (0, 0)
    views_match_graph(net)
    bare = rm.SupportNetwork.from_population(rm.Population(firms=rm.FirmTable.from_firms([])),
                                             hub=False)
    assert bare.graph.number_of_nodes() == 0
    A, nodes = bare.adjacency()
    assert A.shape == (0, 0)
    assert nodes == []


def test_accessors():
    pop = population([firm("F2", employees=12), firm("F1", employees=9),
                      firm("F3", employees=0)])
    net = rm.SupportNetwork.from_population(pop)
    assert net.firm_ids().tolist() == ["F2", "F1", "F3"]  # row order, not sorted
    assert net.small_firms().tolist() == ["F1", "F3"]
    assert net.institute_ids() == sorted(BUSAN_2024.institutes)
    assert net.program_ids() == sorted(BUSAN_2024.programs)
    assert net.population is pop
    assert net.firms is pop.firms
    assert net.hub == BUSAN_2024.hub
    assert "3 firms" in repr(net)
    assert rm.network.node_id("program", "BS24-01") == "prog:BS24-01"
    assert rm.network.entity_of("inst:BMC") == ("institute", "BMC")
    with pytest.raises(rm.ValidationError):
        rm.network.entity_of("F1")
    with pytest.raises(rm.ValidationError):
        rm.network.node_id("cooperative", "BMC")


def test_node_attributes_for_exporters():
    pop = population([firm("F1", name="사상금형", technologies=["금형", "용접"], employees=7,
                           district="사하구", cluster="장림")])
    G = rm.SupportNetwork.from_population(pop).graph
    f = G.nodes["firm:F1"]
    assert f["kind"] == "firm"
    assert f["id"] == "F1"
    assert f["label_ko"] == f["label_en"] == "사상금형"
    assert f["employees"] == 7
    assert f["small"] is True
    assert (f["district"], f["district_ko"]) == ("Saha-gu", "사하구")
    assert rm.RootTechnology.parse_many(f["technologies"]) == {rm.RootTechnology.MOLD,
                                                               rm.RootTechnology.WELDING}
    assert f["cluster"] == "장림"
    inst = G.nodes["inst:BMC"]
    assert inst["label_ko"] == BUSAN_2024.institutes["BMC"].name_ko
    prog = G.nodes["prog:BS24-05"]
    assert prog["label_en"] == BUSAN_2024.programs["BS24-05"].name_en
    assert G.nodes["hub"]["label_ko"] == BUSAN_2024.hub.name_ko
    buf = io.BytesIO()
    nx.write_graphml(G, buf)  # scalars only: every exporter can write them
    back = nx.read_graphml(io.BytesIO(buf.getvalue()))
    assert back.nodes["firm:F1"]["technologies"] == f["technologies"]


def test_from_population_needs_a_population():
    with pytest.raises(rm.ValidationError, match="Population"):
        rm.SupportNetwork.from_population(object())
