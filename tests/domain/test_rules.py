"""Eligibility rules: one implementation for the batch mask and the per-firm explanation."""

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


# ---- the two firms of the issue ---------------------------------------------------------
MOLD_FIRM = rm.Firm(id="F-MOLD", name="사상정밀금형", technologies=["금형"], employees=7,
                    district="사상구", memberships=["BGMC"])
WELD_FIRM = rm.Firm(id="F-WELD", name="Gimhae Welding", technologies=["용접"], employees=25,
                    district=rm.District.OUTSIDE_BUSAN)
KINDS = ("active", "sme", "in_region", "target_technologies", "certificate", "not_participant")
# program -> the rule kinds that fail (every other rule of the program passes)
MOLD_FAILS = {"BS24-01": set(), "BS24-02": {"target_technologies"}, "BS24-03": {"certificate"},
              "BS24-04": {"certificate"}, "BS24-05": set(), "BS24-06": set(),
              "BS24-07": {"target_technologies"}}
WELD_FAILS = {"BS24-01": {"in_region", "target_technologies"}, "BS24-02": {"in_region"},
              "BS24-03": {"in_region", "certificate"}, "BS24-04": {"in_region", "certificate"},
              "BS24-05": {"in_region"}, "BS24-06": set(), "BS24-07": {"in_region"}}


@pytest.mark.parametrize(("firm", "fails"), [(MOLD_FIRM, MOLD_FAILS), (WELD_FIRM, WELD_FAILS)],
                         ids=["mold-7-sasang", "welding-25-outside"])
@pytest.mark.parametrize("program_id", sorted(MOLD_FAILS))
def test_check_eligibility_explains_every_rule(catalog, firm, fails, program_id):
    program = catalog.programs[program_id]
    res = rm.check_eligibility(program, firm, on=ON)
    assert (res.program_id, res.firm_id, res.on) == (program_id, firm.id, ON)
    assert len(res.reasons) == len(program.rules)
    kinds = [r.kind for r in program.rules]
    assert set(kinds) <= set(KINDS)
    failed = {k for k, o in zip(kinds, res.reasons) if not o.passed}
    assert failed == fails[program_id]
    assert res.eligible is (not failed)
    assert [o.rule for o in res.failed] == [r.name for r in program.rules if r.kind in failed]
    for o in res.reasons:
        _bilingual(o.reason)
        if o.remedy is not None:
            _bilingual(o.remedy)
    for lang in ("ko", "en"):
        lines = res.explain(lang).splitlines()
        assert len(lines) == 1 + len(program.rules)
        assert sum(line.lstrip().startswith("✗") for line in lines[1:]) == len(failed)
    by_kind = dict(zip(kinds, res.reasons))
    sme = by_kind["sme"].reason
    assert f"{firm.employees} employees" in sme.en
    assert f"{firm.employees}명" in sme.ko
    if "in_region" in by_kind:
        where = by_kind["in_region"]
        assert firm.district.label_en in where.reason.en
        assert firm.district.label_ko in where.reason.ko
        if not where.passed:
            assert "Busan" in where.remedy.en
            assert "부산" in where.remedy.ko
    if "certificate" in failed:
        assert "KPIC" in by_kind["certificate"].remedy.en
    if "target_technologies" in by_kind and by_kind["target_technologies"].passed:
        tech = next(iter(firm.technologies))
        assert tech.label_en in by_kind["target_technologies"].reason.en
        assert tech.label_ko in by_kind["target_technologies"].reason.ko


def test_the_mold_firm_and_the_welding_firm_in_one_matrix(catalog):
    progs = [catalog.programs[p] for p in sorted(catalog.programs)]
    E = rules.eligibility_matrix(progs, rm.FirmTable.from_firms([MOLD_FIRM, WELD_FIRM]), on=ON)
    assert E.astype(int).tolist() == [[1, 0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 0, 1, 0]]


# ---- not already a participant ----------------------------------------------------------
@pytest.mark.parametrize(("joined", "expected"), [
    (None, True),
    (("BS24-05", "2021-03-02"), False),
    (("BS24-05", "2024-05-31"), False),
    (("BS24-05", "2024-06-01"), True),   # dated on the day itself: not *before* it
    (("BS24-05", "2024-09-01"), True),
    (("BS24-01", "2021-03-02"), True),   # another program
])
def test_not_already_a_participant(catalog, joined, expected):
    firm = rm.Firm(id="F1", name="가", technologies=["주조"], employees=4, district="사하구",
                   participations=[joined] if joined else [])
    res = rm.check_eligibility(catalog.programs["BS24-05"], firm, on=ON)
    outcome = res.reasons[[r.kind for r in catalog.programs["BS24-05"].rules]
                          .index("not_participant")]
    assert outcome.passed is expected
    assert res.eligible is expected
    table = rm.FirmTable.from_firms([firm])
    assert rules.eligibility_mask(catalog.programs["BS24-05"], table, on=ON).tolist() == [expected]


# ---- a program without rules ------------------------------------------------------------
@pytest.mark.parametrize(("on", "eligible"), [
    (dt.date(2023, 12, 31), False), (dt.date(2024, 1, 1), True), (dt.date(2024, 12, 31), True),
    (dt.date(2025, 1, 1), False),
])
def test_a_program_without_rules_checks_its_period_on_both_paths(on, eligible):
    program = rm.Program(id="P", name_ko="가", name_en="a", axis="기술", funding="city",
                         start="2024-01-01", end="2024-12-31")
    res = rm.check_eligibility(program, MOLD_FIRM, on=on)
    assert res.eligible is eligible
    assert [o.rule for o in res.reasons] == ["active"]
    mask = rules.eligibility_mask(program, rm.FirmTable.from_firms([MOLD_FIRM, WELD_FIRM]), on=on)
    assert mask.tolist() == [eligible, eligible]


def test_on_is_required_and_checked(catalog):
    with pytest.raises(TypeError):
        rm.check_eligibility(catalog.programs["BS24-01"], MOLD_FIRM)  # type: ignore[call-arg]
    with pytest.raises(rm.ValidationError) as info:
        rm.check_eligibility(catalog.programs["BS24-01"], MOLD_FIRM, on="June")
    assert info.value.field == "on"
    assert rm.check_eligibility(catalog.programs["BS24-01"], MOLD_FIRM, on="2024-06-01").eligible


# ---- most small Busan firms have somewhere to go ----------------------------------------
def _small(i, tech, n, district, **kw):
    return rm.Firm(id=f"S{i:02d}", name=f"소기업{i}", technologies=tech, employees=n,
                   district=district, **kw)


JOINED_OPEN_LINES = [("BS24-05", "2020-05-01"), ("BS24-06", "2024-03-04")]
SAMPLE = [
    _small(1, ["금형"], 5, "사상구", memberships=["BGMC"]),
    _small(2, ["주조"], 3, "사하구"),
    _small(3, ["표면처리"], 8, "강서구", certified=True),
    _small(4, ["열처리"], 2, "사상구", participations=[("BS24-05", "2021-07-01")]),
    _small(5, ["용접"], 9, "기장군"),
    _small(6, ["사출·프레스"], 6, "강서구"),
    _small(7, ["센서"], 4, "해운대구"),
    _small(8, ["산업지능형 SW"], 3, "수영구", participations=JOINED_OPEN_LINES),
    _small(9, ["적층제조"], 1, "금정구"),
    _small(10, ["산업용 필름 및 지류 공정"], 7, "부산진구"),
    _small(11, ["정밀가공", "열처리"], 5, "사하구", certified=True),
    _small(12, ["로봇"], 8, "북구", participations=JOINED_OPEN_LINES),
    _small(13, ["엔지니어링 설계"], 2, "연제구"),
    _small(14, ["소성가공"], 9, "기장군", certified=True),
    _small(15, ["금형", "정밀가공"], 0, "영도구", participations=JOINED_OPEN_LINES),
]


def test_most_small_busan_firms_are_eligible_somewhere(catalog):
    assert all(f.is_small and f.district.in_busan for f in SAMPLE)
    assert len({t for f in SAMPLE for t in f.technologies}) == 14  # every technology
    progs = [catalog.programs[p] for p in sorted(catalog.programs)]
    E = rules.eligibility_matrix(progs, rm.FirmTable.from_firms(SAMPLE), on=ON)
    per_firm = [[rm.check_eligibility(p, f, on=ON).eligible for p in progs] for f in SAMPLE]
    assert E.tolist() == per_firm
    somewhere = E.any(axis=1)
    assert somewhere.mean() > 0.75
    # those who used the two open lines before and fit no targeted or certified one
    assert [f.id for f, ok in zip(SAMPLE, somewhere) if not ok] == ["S08", "S12"]
    assert E[:, [p.id for p in progs].index("BS24-05")].sum() == 11
