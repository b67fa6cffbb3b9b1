"""The program model: eligible programs, near misses and their remedies."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rootmatch as rm

ON = dt.date(2024, 6, 1)


@given(row=st.integers(0, 399), day=st.dates(dt.date(2019, 1, 1), dt.date(2026, 12, 31)),
       near=st.booleans())
@settings(max_examples=30)
def test_program_invariants(fitted: rm.Matchmaker, catalog: rm.Catalog, row: int,
                            day: dt.date, near: bool) -> None:
    firm = fitted.table_.row(row)
    recs = fitted.recommend_programs(firm.id, k=7, on=day, near_misses=near)
    eligible = [r for r in recs if r.eligible]
    misses = [r for r in recs if not r.eligible]
    assert near or not misses
    for r in eligible:
        assert r.kind == "program"
        assert rm.check_eligibility(catalog.programs[r.target], firm, on=day).eligible
        assert np.isfinite(r.score)
        # every rule's passed reason is given, then fit reasons that are true of the firm,
        # none twice
        res = rm.check_eligibility(catalog.programs[r.target], firm, on=day)
        assert {o.reason.en for o in res.reasons} <= {x.en for x in r.reasons}
        assert len({x.ko for x in r.reasons}) == len(r.reasons)
        program = catalog.programs[r.target]
        for x in r.reasons:
            if x.en.startswith("targets your technology"):
                assert firm.technologies & program.targets
            elif x.en.startswith("matches your need"):
                assert firm.needs & program.all_axes
            elif x.en.startswith("covers your interest"):
                assert firm.topics & program.topics
    for r in misses:
        res = rm.check_eligibility(catalog.programs[r.target], firm, on=day)
        assert len(res.failed) == 1
        assert r.failed_rule == res.failed[0].rule
        assert r.remedy == res.failed[0].remedy
    if near:  # every one-rule failure is listed (k=7 covers the catalog)
        one_off = {p for p in catalog.programs
                   if len(rm.check_eligibility(catalog.programs[p], firm, on=day).failed) == 1}
        assert {r.target for r in misses} == one_off
    for group in (eligible, misses):
        keys = [(-r.score, r.target) for r in group]
        assert keys == sorted(keys)
    # every eligible program is listed (k=7 covers the catalog)
    all_ok = {p for p in catalog.programs
              if rm.check_eligibility(catalog.programs[p], firm, on=day).eligible}
    assert {r.target for r in eligible} == all_ok


def test_on_is_required(fitted: rm.Matchmaker) -> None:
    with pytest.raises(TypeError):
        fitted.recommend_programs(fitted.firm_ids_[0], k=3)  # type: ignore[call-arg]


def test_near_miss_remedy_for_certificate(fitted: rm.Matchmaker) -> None:
    """A Busan small firm without certificate sees BS24-03/04 as near misses to fix."""
    table = fitted.table_
    rows = np.flatnonzero(table.is_small & ~table.certified & (table.district != 16))
    assert rows.size
    seen = 0
    for row in rows[:20]:
        firm = table.row(int(row))
        recs = fitted.recommend_programs(firm.id, k=7, on=ON, near_misses=True)
        misses = {r.target: r for r in recs if not r.eligible}
        for pid in ("BS24-03", "BS24-04"):
            if rm.check_eligibility(fitted.programs_[pid], firm, on=ON).failed == ():
                continue
            res = rm.check_eligibility(fitted.programs_[pid], firm, on=ON)
            if len(res.failed) == 1:
                seen += 1
                assert misses[pid].failed_rule == "certificate"
                assert "certificate" in misses[pid].remedy.en
    assert seen > 0
