"""Entities: validation with the field named, conversions, periods; institutes and the hub."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rootmatch as rm
from rootmatch.domain.entities import parse_period_end, parse_period_start

sys.path.insert(0, str(Path(__file__).parent.parent))  # the shared tests/strategies.py
from strategies import firms

BASE = {"id": "F1", "name": "사상정밀금형", "technologies": ["금형"], "employees": 7,
        "district": "사상구"}

# (field, bad value): each must be refused with ValidationError.field == field.
BAD_FIRM_VALUES = [
    ("id", ""), ("id", "has space"), ("id", "_lead"), ("id", 7), ("id", "x" * 65),
    ("name", ""), ("name", "   "), ("name", None),
    ("technologies", []), ("technologies", ["나노"]), ("technologies", "금형;우주"),
    ("employees", -1), ("employees", "many"), ("employees", 2.5), ("employees", True),
    ("employees", 2**40),
    ("district", "Mars"), ("district", 17), ("district", None),
    ("founded", 1800), ("founded", 2200), ("founded", "recent"),
    ("workforce_40plus", 1.5), ("workforce_40plus", -0.1), ("workforce_40plus", float("nan")),
    ("workforce_40plus", "old"), ("foreign_share", 2),
    ("digital_level", 5), ("digital_level", -1), ("digital_level", 1.5),
    ("materials", ["uranium"]), ("needs", ["everything"]), ("topics", ["magic"]),
    ("certified", "perhaps"), ("certified", 2), ("certified", None),
    ("memberships", ["bad id!"]),
    ("participations", [("BS24-01", "not a date")]),
    ("participations", [("bad id!", "2024-01-01")]),
    ("participations", ["BS24-01"]),
]


@pytest.mark.parametrize(("field", "bad"), BAD_FIRM_VALUES, ids=lambda v: repr(v)[:20])
def test_bad_firm_values_are_refused_naming_the_field(field, bad):
    with pytest.raises(rm.ValidationError) as info:
        rm.Firm(**{**BASE, field: bad})
    assert info.value.field == field
    assert isinstance(info.value, ValueError)
    assert field in str(info.value)


@given(firm=firms(), case=st.sampled_from(BAD_FIRM_VALUES))
def test_any_valid_firm_with_one_bad_value_is_refused(firm, case):
    field, bad = case
    with pytest.raises(rm.ValidationError) as info:
        attrs.evolve(firm, **{field: bad})
    assert info.value.field == field


@given(firms())
def test_valid_firms_survive_evolve_unchanged(firm):
    assert attrs.evolve(firm) == firm
    assert firm.is_small == (firm.employees < 10)
    assert list(firm.participations) == sorted(firm.participations, key=lambda p: (p.on,
                                                                                    p.program_id))


def test_firm_converts_labels_and_csv_strings():
    f = rm.Firm(id="F9", name="용접", technologies="welding | 열처리", employees="25",
                district="outside busan", founded="1998", workforce_40plus="0.7",
                digital_level=2.0, needs="인력 양성;technology development",
                topics=["laser processing"], materials=["탄소소재"], certified="yes",
                memberships="BGMC; BMC", participations=[{"program_id": "BS24-05",
                                                         "on": "2021-04-01"}])
    assert f.technologies == {rm.RootTechnology.WELDING, rm.RootTechnology.HEAT_TREATMENT}
    assert (f.employees, f.founded, f.digital_level) == (25, 1998, 2)
    assert f.district is rm.District.OUTSIDE_BUSAN
    assert f.workforce_40plus == 0.7
    assert f.needs == {rm.SupportAxis.WORKFORCE, rm.SupportAxis.TECHNOLOGY}
    assert f.certified is True
    assert f.memberships == {"BGMC", "BMC"}
    assert f.participations == (rm.Participation(program_id="BS24-05", on=dt.date(2021, 4, 1)),)
    assert not f.is_small


@pytest.mark.parametrize(("text", "expected"), [
    (True, True), (False, False), (1, True), (0, False), (np.bool_(True), True),
    ("true", True), ("False", False), (" YES ", True), ("no", False), ("1", True), ("0", False),
    ("예", True), ("아니오", False), ("", False),
])
def test_certified_reads_booleans_strictly(text, expected):
    assert rm.Firm(**BASE, certified=text).certified is expected


def test_firms_are_frozen():
    f = rm.Firm(**BASE)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        f.employees = 3  # type: ignore[misc]


def test_participated_counts_only_earlier_dates():
    f = rm.Firm(**BASE, participations=[("BS24-01", "2024-06-01")])
    assert f.participated("BS24-01")
    assert f.participated("BS24-01", before=dt.date(2024, 6, 2))
    assert not f.participated("BS24-01", before=dt.date(2024, 6, 1))
    assert not f.participated("BS24-02")


# ---- periods and programs ---------------------------------------------------------------
@pytest.mark.parametrize(("text", "start", "end"), [
    ("2023-01", dt.date(2023, 1, 1), dt.date(2023, 1, 31)),
    ("2025-12", dt.date(2025, 12, 1), dt.date(2025, 12, 31)),
    ("2022-08", dt.date(2022, 8, 1), dt.date(2022, 8, 31)),
    ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),  # leap year
    ("2023-02", dt.date(2023, 2, 1), dt.date(2023, 2, 28)),
    ("2019", dt.date(2019, 1, 1), dt.date(2019, 12, 31)),
    ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ("2024-04-15", dt.date(2024, 4, 15), dt.date(2024, 4, 15)),
])
def test_period_parsing(text, start, end):
    assert parse_period_start(text) == start
    assert parse_period_end(text) == end


@pytest.mark.parametrize(("field", "bad"), [
    ("kind", "club"), ("district", "Atlantis"), ("expertise", ["alchemy"]),
    ("services", ["parties"]), ("name_ko", ""),
])
def test_bad_institute_values_are_refused_naming_the_field(field, bad):
    good = {"id": "I1", "name_ko": "기관", "name_en": "Institute", "kind": "대학"}
    assert rm.Institute(**good).district is None
    with pytest.raises(rm.ValidationError) as info:
        rm.Institute(**{**good, field: bad})
    assert info.value.field == field


def test_support_center_defaults_to_the_proposed_hub():
    hub = rm.SupportCenter()
    assert hub.id == "hub"
    assert "부산뿌리산업종합지원센터" in hub.name("ko")
    with pytest.raises(rm.ValidationError) as info:
        rm.SupportCenter(district="nowhere")
    assert info.value.field == "district"
