"""SupportNetwork's mutators: firms and collaborations added and removed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import rootmatch as rm

sys.path.insert(0, str(Path(__file__).parent.parent))  # the shared tests/strategies.py
from strategies import BUSAN_2024


def firm(fid, **kw):
    base = {"id": fid, "name": f"firm {fid}", "technologies": ["금형"], "employees": 5,
            "district": "사상구"}
    return rm.Firm(**{**base, **kw})


def population(firms, **kw):
    return rm.Population(firms=rm.FirmTable.from_firms(firms),
                         institutes=BUSAN_2024.institutes, programs=BUSAN_2024.programs,
                         hub=BUSAN_2024.hub, **kw)


# --- mutation -------------------------------------------------------------------------------
def test_add_and_remove_firm(views_match_graph):
    net = rm.SupportNetwork.from_population(population([firm("F1"), firm("F2")]))
    net.add_firm(firm("F3", memberships=["BMC"], participations=[("BS24-05", "2024-01-01")]))
    assert net.firm_ids().tolist() == ["F1", "F2", "F3"]
    assert net.graph.edges["firm:F3", "inst:BMC"]["relation"] == "member_of"
    assert net.graph.has_edge("hub", "firm:F3")
    net.add_firm(firm("F4"), enrolled=False)
    assert not net.graph.has_edge("hub", "firm:F4")
    assert net.enrolled.tolist() == [True, True, True, False]
    net.add_collaboration("F1", "F4")
    net.add_collaboration("F4", "KIMM-BUSAN")
    views_match_graph(net)
    net.remove_firm("F1")
    assert "firm:F1" not in net.graph
    assert net.collaborations().shape == (0, 2)
    assert net.firm_ids().tolist() == ["F2", "F3", "F4"]
    assert net.firms["F3"].memberships == {"BMC"}
    views_match_graph(net)
    with pytest.raises(rm.ValidationError, match="'F2'"):
        net.add_firm(firm("F2"))
    with pytest.raises(rm.UnknownEntityError, match="'NOPE'"):
        net.add_firm(firm("F9", memberships=["NOPE"]))
    assert "firm:F9" not in net.graph  # a refused firm leaves no trace
    with pytest.raises(rm.UnknownEntityError, match="'F1'"):
        net.remove_firm("F1")


def test_add_firm_without_hub_is_never_enrolled():
    net = rm.SupportNetwork.from_population(population([firm("F1")]), hub=False)
    net.add_firm(firm("F2"), enrolled=True)
    assert not net.enrolled.any()
    assert "hub" not in net.graph


def test_collaboration_mutators(views_match_graph):
    net = rm.SupportNetwork.from_population(
        population([firm("F1", memberships=["BMC"]), firm("F2"), firm("BGMC")]))
    net.add_collaboration("F1", "F2")
    net.add_collaboration("F2", "F1")  # idempotent
    assert net.collaborations().tolist() == [["F1", "F2"]]
    net.add_collaboration("F1", "BMC")  # a member: the edge stays member_of
    assert net.graph.edges["firm:F1", "inst:BMC"]["relation"] == "member_of"
    net.remove_collaboration("F1", "BMC")
    assert net.graph.has_edge("firm:F1", "inst:BMC")  # membership is not a collaboration
    with pytest.raises(rm.ValidationError, match="kind"):
        net.add_collaboration("F1", "BGMC")  # both a firm and an institute id
    net.add_collaboration("F1", "BGMC", kind="institute")
    assert net.graph.edges["firm:F1", "inst:BGMC"]["relation"] == "collaborates"
    net.add_collaboration("F1", "BGMC", kind="firm")
    assert net.graph.edges["firm:F1", "firm:BGMC"]["relation"] == "collaborates"
    views_match_graph(net)
    net.remove_collaboration("F2", "F1")
    assert not net.graph.has_edge("firm:F1", "firm:F2")
    with pytest.raises(rm.UnknownEntityError, match="no collaboration"):
        net.remove_collaboration("F1", "F2")
    with pytest.raises(rm.UnknownEntityError, match="'F9'"):
        net.add_collaboration("F9", "F1")
    with pytest.raises(rm.UnknownEntityError, match="'ZZZ'"):
        net.add_collaboration("F1", "ZZZ")
    with pytest.raises(rm.ValidationError, match="itself"):
        net.add_collaboration("F1", "F1")
    views_match_graph(net)
