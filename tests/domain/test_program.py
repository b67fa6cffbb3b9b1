"""Programs: the period (both ends inclusive), validation with the field named, rules."""

from __future__ import annotations

import datetime as dt

import pytest

import rootmatch as rm

PROGRAM = {"id": "P1", "name_ko": "시범사업", "name_en": "Pilot", "axis": "기술 개발",
           "start": "2024-01-01", "end": "2024-12-31", "funding": "city"}


@pytest.mark.parametrize(("day", "active"), [
    (dt.date(2023, 12, 31), False), (dt.date(2024, 1, 1), True), (dt.date(2024, 1, 2), True),
    (dt.date(2024, 12, 30), True), (dt.date(2024, 12, 31), True), (dt.date(2025, 1, 1), False),
    ("2024-06-01", True), (dt.datetime(2024, 12, 31, 23, 59), True),
])
def test_program_is_active_both_ends_inclusive(day, active):
    assert rm.Program(**PROGRAM).is_active(day) is active


@pytest.mark.parametrize(("field", "bad"), [
    ("id", "a b"), ("name_ko", ""), ("name_en", " "), ("axis", "leisure"), ("start", "soon"),
    ("end", "2023-12-31"), ("end", "2024-13-01"), ("funding", "crowd"), ("targets", ["x"]),
    ("capacity", -5), ("capacity", "lots"), ("rules", ["not a rule"]), ("operators", ["a b"]),
])
def test_bad_program_values_are_refused_naming_the_field(field, bad):
    with pytest.raises(rm.ValidationError) as info:
        rm.Program(**{**PROGRAM, field: bad})
    assert info.value.field == field


def test_program_reads_rules_from_dicts():
    p = rm.Program(**PROGRAM, rules=[{"rule": "sme"}, rm.rules.CertificateRequired()])
    assert p.rules == (rm.rules.SME(), rm.rules.CertificateRequired())
    assert p.all_axes == {rm.SupportAxis.TECHNOLOGY}
    assert p.name("ko") == "시범사업"
    assert p.name() == "Pilot"
