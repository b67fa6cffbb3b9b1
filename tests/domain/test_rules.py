"""Eligibility rules: one implementation for the batch mask and the per-firm outcome; their
composition and their dict form."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rootmatch as rm
from rootmatch import rules

sys.path.insert(0, str(Path(__file__).parent.parent))  # the shared tests/strategies.py
from strategies import dates, firm_lists, programs, rule_trees

ON = dt.date(2024, 6, 1)
HANGUL = re.compile("[가-힣]")

# Python twins of the vectorised predicates in tests/strategies.py, on Firm objects.
PREDICATE_TWINS = {
    "digital2": lambda f, on: f.digital_level >= 2,
    "young": lambda f, on: f.workforce_40plus < 0.5,
    "founded_known": lambda f, on: f.founded is not None,
    "gangseo": lambda f, on: f.district is rm.District.GANGSEO,
    "h2": lambda f, on: on.month > 6,
}


def oracle(rule: rules.Rule, firm: rm.Firm, program: rm.Program, on: dt.date) -> bool:
    """What each rule means, written independently of its mask, one firm at a time."""
    match rule:
        case rules.MaxEmployees(limit=limit):
            return firm.employees <= limit
        case rules.SME(max_employees=cap):
            return firm.employees <= cap
        case rules.InRegion(districts=None):
            return firm.district is not rm.District.OUTSIDE_BUSAN
        case rules.InRegion(districts=ds):
            return firm.district in ds
        case rules.TargetTechnologies(technologies=ts):
            return bool(firm.technologies & ts)
        case rules.CertificateRequired():
            return firm.certified
        case rules.ActiveOn():
            return program.start <= on <= program.end
        case rules.NotAlreadyParticipant():
            return not any(p.program_id == program.id and p.on < on for p in firm.participations)
        case rules.Predicate(rule_id=rule_id):
            return PREDICATE_TWINS[rule_id](firm, on)
        case rules.AllOf(rules=rs):
            return all(oracle(r, firm, program, on) for r in rs)
        case rules.AnyOf(rules=rs):
            return any(oracle(r, firm, program, on) for r in rs)
        case rules.Not(rule=r):
            return not oracle(r, firm, program, on)
    raise AssertionError(f"no oracle for {rule!r}")


def _bilingual(reason: rules.Reason) -> None:
    assert reason.ko.strip()
    assert reason.en.strip()
    assert HANGUL.search(reason.ko), reason.ko
    assert not HANGUL.search(reason.en), reason.en


# ---- the two paths agree, and agree with the meaning of each rule -----------------------
@given(fs=firm_lists(max_size=8), program=programs(), on=dates)
def test_mask_equals_per_firm_outcome(fs, program, on):
    table = rm.FirmTable.from_firms(fs)
    masks = rules.rule_masks(program, table, on=on)
    mask = rules.eligibility_mask(program, table, on=on)
    effective = rules.effective_rules(program)
    assert masks.shape == (len(effective), len(fs))
    assert mask.shape == (len(fs),)
    for i, firm in enumerate(fs):
        res = rm.check_eligibility(program, firm, on=on)
        assert res.eligible == bool(mask[i])
        assert [o.passed for o in res.reasons] == masks[:, i].tolist()
        assert [o.passed for o in res.reasons] == [oracle(r, firm, program, on) for r in effective]
        assert res.reasons, "never empty"
        assert rules.outcomes_for_row(program, table, i, on=on) == res.reasons
        for o in res.reasons:
            assert o.reason.ko.strip()
            assert o.reason.en.strip()
            assert o.passed or o.remedy is None or o.remedy.en.strip()


@given(fs=firm_lists(max_size=8), progs=st.lists(programs(), max_size=4), on=dates)
def test_eligibility_matrix_stacks_the_masks(fs, progs, on):
    table = rm.FirmTable.from_firms(fs)
    E = rules.eligibility_matrix(progs, table, on=on)
    assert E.shape == (len(fs), len(progs))
    for j, p in enumerate(progs):
        np.testing.assert_array_equal(E[:, j], rules.eligibility_mask(p, table, on=on))


@given(rule=rule_trees(), fs=firm_lists(min_size=1, max_size=6), on=dates)
def test_composition_operators(rule, fs, on):
    table = rm.FirmTable.from_firms(fs)
    program = rm.Program(id="BS24-01", name_ko="가", name_en="a", axis="기술", funding="city",
                         start="2023-01-01", end="2025-12-31")
    cert = rules.CertificateRequired()
    m = rule.mask(table, program=program, on=on)
    c = cert.mask(table, program=program, on=on)
    np.testing.assert_array_equal((rule & cert).mask(table, program=program, on=on), m & c)
    np.testing.assert_array_equal((rule | cert).mask(table, program=program, on=on), m | c)
    np.testing.assert_array_equal((~rule).mask(table, program=program, on=on), ~m)


# ---- serialisation ----------------------------------------------------------------------
@given(rule_trees(predicates=False))
def test_rules_round_trip_through_dicts_and_json(rule):
    assert rules.rule_from_dict(rule.to_dict()) == rule
    assert rules.rule_from_dict(json.loads(json.dumps(rule.to_dict()))) == rule


def test_predicates_refuse_to_serialise():
    pred = rules.Predicate(func=lambda t, on: t.certified, label_ko="가", label_en="a",
                           rule_id="mine")
    with pytest.raises(rm.ValidationError, match="'mine'"):
        rules.AllOf(rules=[rules.SME(), pred]).to_dict()


@pytest.mark.parametrize("data", [
    {"rule": "nope"}, {"rule": "sme", "bogus": 1}, {"limit": 3}, {"rule": "not"},
    {"rule": "all_of", "rules": []}, {"rule": "max_employees", "limit": -1},
    {"rule": "target_technologies", "technologies": []},
    {"rule": "target_technologies", "technologies": ["alchemy"]},
    {"rule": "predicate", "label_ko": "가", "label_en": "a"},
])
def test_bad_rule_descriptions_are_refused(data):
    with pytest.raises(rm.ValidationError):
        rules.rule_from_dict(data)


@pytest.mark.parametrize(("make", "field"), [
    (lambda: rules.MaxEmployees(limit=-1), "limit"),
    (lambda: rules.SME(max_employees=-5), "max_employees"),
    (lambda: rules.TargetTechnologies(technologies=[]), "technologies"),
    (lambda: rules.InRegion(districts=["Mars"]), "District"),
    (lambda: rules.AllOf(rules=[]), "rules"),
    (lambda: rules.AnyOf(rules=["sme"]), "rules"),
    (lambda: rules.Not(rule="sme"), "rule"),
])
def test_bad_rule_parameters_are_refused(make, field):
    with pytest.raises(rm.ValidationError) as info:
        make()
    assert info.value.field == field


def test_a_predicate_must_return_a_boolean_mask():
    table = rm.FirmTable.from_firms([rm.Firm(id="F1", name="가", technologies=["금형"],
                                             employees=3, district="사상구")])
    pred = rules.Predicate(func=lambda t, on: t.employees, label_ko="가", label_en="a",
                           rule_id="counts")
    program = rm.Program(id="P", name_ko="가", name_en="a", axis="기술", funding="city",
                         start="2024-01-01", end="2024-12-31", rules=[pred])
    with pytest.raises(rm.rules.EligibilityError, match="'counts'"):
        rules.eligibility_mask(program, table, on=ON)
