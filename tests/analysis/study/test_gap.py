"""The policy gap matrix and the program proposed for its largest unmet cell."""

from __future__ import annotations

import datetime as dt

import rootmatch as rm

ON = dt.date(2024, 6, 1)


def test_gap_cells_are_known(world) -> None:
    g = rm.study.gap_matrix(world.firms, world.programs, world.institutes, min_need=2)
    T, A = rm.RootTechnology, rm.SupportAxis
    cell = {(t, a): (int(g.need[t.value, a.value]), str(g.status[t.value, a.value]))
            for t in T for a in A}
    assert cell[T.MOLD, A.TECHNOLOGY] == (3, "targeted")            # P1 targets mold
    assert cell[T.WELDING, A.WORKFORCE] == (1, "institutes")        # I_B; F3 is not small
    assert cell[T.SENSORS, A.MANAGEMENT] == (2, "unmet")            # only I_C, no expertise
    assert cell[T.MOLD, A.WORKFORCE] == (1, "little need")          # P2 is general
    assert g.general[A.WORKFORCE.value] == ("P2",)
    assert [(t.name, a.name, n) for t, a, n in g.unmet()] == [("SENSORS", "MANAGEMENT", 2)]
    assert g.firms[T.MOLD.value] == 3
    assert g.share[T.SENSORS.value, A.MANAGEMENT.value] == 1.0
    everyone = rm.study.gap_matrix(world.firms, world.programs, world.institutes,
                                   small_only=False)
    assert everyone.need[T.WELDING.value, A.WORKFORCE.value] == 2
    rows = g.rows()
    assert len(rows) == 14 * 4
    assert {r["status"] for r in rows} <= set(rm.study.GAP_STATUSES)


def test_gap_program_fills_the_largest_unmet_cell(world) -> None:
    g = rm.study.gap_matrix(world.firms, world.programs, world.institutes, min_need=2)
    p = rm.study.gap_program(g, world.firms, world.institutes, on=ON)
    assert p.targets == {rm.RootTechnology.SENSORS}
    assert p.axis is rm.SupportAxis.MANAGEMENT
    assert p.is_active(ON)
    assert p.capacity_assumed
    after = rm.study.gap_matrix(world.firms, {**world.programs, p.id: p}, world.institutes,
                                min_need=2)
    assert after.unmet() == []
    none = rm.study.gap_matrix(world.firms, world.programs, world.institutes, min_need=3)
    assert rm.study.gap_program(none, world.firms, world.institutes) is None
