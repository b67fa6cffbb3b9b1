"""SupportNetwork under random add/remove sequences, against a plain dict-of-sets model.

After every step the graph must equal the model (nodes, kinds, edges, relations) and every
sparse view must equal what the graph says: no silent staleness after a mutation.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import rootmatch as rm

sys.path.insert(0, str(Path(__file__).parent.parent))  # the shared tests/strategies.py
from strategies import BUSAN_2024, firms, hub_populations

INSTITUTES = sorted(BUSAN_2024.institutes)
PROGRAMS = sorted(BUSAN_2024.programs)


class NetworkMachine(RuleBasedStateMachine):
    """Applies each operation to the network and to the model, then compares them."""

    # ---- the model ------------------------------------------------------------------------
    def model_edges(self) -> dict[frozenset[str], str]:
        """Edge -> relation, from the model alone."""
        out: dict[frozenset[str], str] = {}
        if self.has_hub:
            out.update({frozenset(("hub", f"inst:{i}")): "coordinates" for i in INSTITUTES})
            out.update({frozenset(("hub", f"prog:{p}")): "brokers" for p in PROGRAMS})
            out.update({frozenset(("hub", f"firm:{f}")): "enrolled" for f in self.enrolled})
        for pid, prog in BUSAN_2024.programs.items():
            out.update({frozenset((f"inst:{i}", f"prog:{pid}")): "operates"
                        for i in prog.operators})
        for fid, (members, programs) in self.firms.items():
            out.update({frozenset((f"firm:{fid}", f"prog:{p}")): "participated"
                        for p in programs})
            out.update({frozenset((f"firm:{fid}", f"inst:{i}")): "member_of" for i in members})
        for fid, iid in self.links:
            out.setdefault(frozenset((f"firm:{fid}", f"inst:{iid}")), "collaborates")
        out.update({frozenset(f"firm:{x}" for x in pair): "collaborates"
                    for pair in self.collab})
        return out

    @initialize(pop=hub_populations(max_firms=6), hub=st.booleans(),
                enrolment=st.sampled_from([0.0, 0.5, 1.0]))
    def build(self, pop, hub, enrolment):
        self.net = rm.SupportNetwork.from_population(pop, hub=hub, enrolment=enrolment, seed=0)
        self.has_hub = hub
        # firm id -> (memberships, program ids); dicts keep insertion = row order
        self.firms = {f.id: (set(f.memberships), {p.program_id for p in f.participations})
                      for f in pop.firms}
        self.enrolled = set(self.net.firm_ids()[self.net.enrolled].tolist())
        self.collab = {frozenset(p) for p in pop.collaborations.tolist()}
        self.links = {tuple(p) for p in pop.institute_links.tolist()}
        self.next_id = 0

    # ---- firms ----------------------------------------------------------------------------
    @rule(data=st.data(), enrolled=st.booleans())
    def add_firm(self, data, enrolled):
        self.next_id += 1
        firm = data.draw(firms(firm_id=st.just(f"N{self.next_id:03d}"), memberships=st.frozensets(
            st.sampled_from(INSTITUTES), max_size=2)))
        self.net.add_firm(firm, enrolled=enrolled)
        self.firms[firm.id] = (set(firm.memberships),
                               {p.program_id for p in firm.participations})
        if enrolled and self.has_hub:
            self.enrolled.add(firm.id)

    @precondition(lambda self: self.firms)
    @rule(data=st.data())
    def add_existing_firm_is_refused(self, data):
        fid = data.draw(st.sampled_from(sorted(self.firms)))
        before = self.net.graph.number_of_edges()
        with pytest.raises(rm.ValidationError):
            self.net.add_firm(data.draw(firms(firm_id=st.just(fid))))
        assert self.net.graph.number_of_edges() == before

    @precondition(lambda self: self.firms)
    @rule(data=st.data())
    def remove_firm(self, data):
        fid = data.draw(st.sampled_from(sorted(self.firms)))
        self.net.remove_firm(fid)
        del self.firms[fid]
        self.enrolled.discard(fid)
        self.collab = {p for p in self.collab if fid not in p}
        self.links = {p for p in self.links if p[0] != fid}

    # ---- collaborations -------------------------------------------------------------------
    @precondition(lambda self: len(self.firms) >= 2)
    @rule(data=st.data())
    def add_firm_collaboration(self, data):
        a, b = data.draw(st.permutations(sorted(self.firms)))[:2]
        self.net.add_collaboration(a, b)
        self.collab.add(frozenset((a, b)))

    @precondition(lambda self: self.firms)
    @rule(data=st.data())
    def add_institute_collaboration(self, data):
        a = data.draw(st.sampled_from(sorted(self.firms)))
        b = data.draw(st.sampled_from(INSTITUTES))
        self.net.add_collaboration(a, b, kind="institute")
        self.links.add((a, b))

    @precondition(lambda self: self.collab or self.links)
    @rule(data=st.data())
    def remove_collaboration(self, data):
        options = sorted(tuple(sorted(p)) for p in self.collab) + sorted(self.links)
        a, b = data.draw(st.sampled_from(options))
        is_link = (a, b) in self.links and frozenset((a, b)) not in self.collab
        self.net.remove_collaboration(a, b, kind="institute" if is_link else "firm")
        if is_link:
            self.links.discard((a, b))
        else:
            self.collab.discard(frozenset((a, b)))

    @precondition(lambda self: len(self.firms) >= 2)
    @rule(data=st.data())
    def remove_missing_collaboration_is_refused(self, data):
        a, b = data.draw(st.permutations(sorted(self.firms)))[:2]
        if frozenset((a, b)) in self.collab:
            return
        with pytest.raises(rm.UnknownEntityError):
            self.net.remove_collaboration(a, b, kind="firm")

    # ---- invariants -----------------------------------------------------------------------
    @invariant()
    def graph_equals_model(self):
        G = self.net.graph
        nodes = ({"hub"} if self.has_hub else set()) | {f"inst:{i}" for i in INSTITUTES} \
            | {f"prog:{p}" for p in PROGRAMS} | {f"firm:{f}" for f in self.firms}
        assert set(G) == nodes
        edges = {frozenset((u, v)): r for u, v, r in G.edges(data="relation")}
        assert edges == self.model_edges()
        assert self.net.firm_ids().tolist() == list(self.firms)
        assert set(self.net.firm_ids()[self.net.enrolled].tolist()) == self.enrolled
        assert {frozenset(p) for p in self.net.collaborations().tolist()} == self.collab
        assert {tuple(p) for p in self.net.institute_collaborations().tolist()} == self.links

    @invariant()
    def views_equal_graph(self):
        net, G = self.net, self.net.graph
        firm_nodes = [f"firm:{f}" for f in net.firm_ids().tolist()]
        n = len(firm_nodes)

        def dense(rows, cols):
            return np.array([[G.has_edge(r, c) for c in cols] for r in rows],
                            float).reshape(len(rows), len(cols))

        A, order = net.adjacency()
        assert order[len(order) - n:] == firm_nodes
        assert (nx.to_scipy_sparse_array(G, nodelist=order, weight=None) != A).nnz == 0
        B, nonfirm, w = net.firm_incidence()
        np.testing.assert_array_equal(B.toarray(), dense(firm_nodes, nonfirm))
        np.testing.assert_allclose(w, [1 / G.degree(z) if G.degree(z) else 0 for z in nonfirm])
        C = net.collaboration_matrix()
        np.testing.assert_array_equal(C.toarray(), dense(firm_nodes, firm_nodes))
        dF = net.firm_degree_weights()
        np.testing.assert_allclose(dF, [1 / G.degree(f) if G.degree(f) else 0
                                        for f in firm_nodes])
        np.testing.assert_array_equal(net.institute_links().toarray(),
                                      dense(firm_nodes, [f"inst:{i}" for i in INSTITUTES]))
        np.testing.assert_array_equal(net.participation_matrix().toarray(),
                                      dense(firm_nodes, [f"prog:{p}" for p in PROGRAMS]))
        # the engine's identity: RA = low-rank part + partner part, for every firm pair
        S = (B @ sp.diags_array(w) @ B.T + C @ sp.diags_array(dF) @ C).toarray()
        pairs = [(i, j) for i, j in itertools.combinations(range(n), 2)]
        ref = nx.resource_allocation_index(G, [(firm_nodes[i], firm_nodes[j])
                                               for i, j in pairs])
        for (i, j), (_, _, score) in zip(pairs, ref, strict=True):
            assert S[i, j] == pytest.approx(score, abs=1e-12)


NetworkMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=15)
TestNetworkStateful = NetworkMachine.TestCase
