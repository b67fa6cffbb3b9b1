"""Eligibility of real firms for the catalog's programs: every rule explained, in Korean and
English, on the batch and the per-firm paths alike."""

from __future__ import annotations

import datetime as dt
import re

import pytest

import rootmatch as rm
from rootmatch import rules

ON = dt.date(2024, 6, 1)
HANGUL = re.compile("[가-힣]")


def _bilingual(reason: rules.Reason) -> None:
    assert reason.ko.strip()
    assert reason.en.strip()
    assert HANGUL.search(reason.ko), reason.ko
    assert not HANGUL.search(reason.en), reason.en


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
