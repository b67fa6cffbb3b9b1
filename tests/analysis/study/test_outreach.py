"""Reverse matching: program call lists and institute outreach."""

from __future__ import annotations

import datetime as dt

import pytest

import rootmatch as rm

ON = dt.date(2024, 6, 1)


def test_program_call_list(world) -> None:
    table = world.firms
    nb = rm.study.neighbourhood(rm.SupportNetwork.from_population(world, hub=False))
    entries = rm.study.program_call_list(table, world.programs["P1"], on=ON,
                                         knows=nb.programs[:, 0])
    # the eligible small mold firms with equal fit (technology is P1's axis): F4, who does
    # not know P1 without the hub, first; then by id
    assert [e.firm_id for e in entries] == ["F4", "F1", "F5"]
    assert [e.knows for e in entries] == [False, True, True]
    assert all(e.reasons[-1].en.startswith("eligible") for e in entries)
    assert entries[0].reasons[0].en.startswith("needs technology development support (")
    plain = rm.study.program_call_list(table, world.programs["P1"], on=ON, k=1)
    assert [e.firm_id for e in plain] == ["F1"]


def test_institute_outreach(world) -> None:
    net = rm.SupportNetwork.from_population(world, hub=True)
    out = rm.study.institute_outreach(net, "I_A")
    ids = [e.firm_id for e in out]
    assert not {"F1", "F5"} & set(ids)  # already members
    assert ids[0] == "F4"  # mold, needs technology, no institute within 2 hops
    assert out[0].isolated
    with pytest.raises(rm.UnknownEntityError):
        rm.study.institute_outreach(net, "NOPE")
