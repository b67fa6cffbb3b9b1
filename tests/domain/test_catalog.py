"""The built-in Busan 2024 catalog: the seed's 7 programs, their rules, institutes, the hub."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import pytest

import rootmatch as rm
from rootmatch import rules

T = rm.RootTechnology
D = dt.timedelta(days=1)
# The seed's table: id -> (Korean name, first day, last day, funding).
SEED = {
    "BS24-01": ("하이테크 기반 금형기술 고도화 지원사업", dt.date(2023, 1, 1),
                dt.date(2025, 12, 31), rm.Funding.CITY),
    "BS24-02": ("부식제어 융합기술 활용 기계부품 품질 고도화 지원사업", dt.date(2022, 1, 1),
                dt.date(2024, 12, 31), rm.Funding.CITY),
    "BS24-03": ("뿌리산업 통합지원체계구축 및 기술고도화지원사업", dt.date(2019, 1, 1),
                dt.date(2024, 12, 31), rm.Funding.CITY),
    "BS24-04": ("부산 뿌리기업 스마트 공동물류 플랫폼 구축", dt.date(2022, 8, 1),
                dt.date(2024, 12, 31), rm.Funding.NATIONAL_DIRECT),
    "BS24-05": ("부산 스마트공장 보급·확산 사업", dt.date(2019, 1, 1), dt.date(2026, 12, 31),
                rm.Funding.NATIONAL_DIRECT),
    "BS24-06": ("스마트 제조 고급인력양성사업", dt.date(2024, 1, 1),
                dt.date(2025, 12, 31), rm.Funding.NATIONAL_DIRECT),
    "BS24-07": ("기계부품산업 글로벌 네트워크 확대 지원", dt.date(2024, 1, 1),
                dt.date(2024, 12, 31), rm.Funding.CITY),
}
MACHINE_PARTS = {T.CASTING, T.FORMING, T.WELDING, T.HEAT_TREATMENT, T.SURFACE_TREATMENT,
                 T.PRECISION_MACHINING}


def test_seven_programs_and_at_least_eight_institutes(catalog):
    assert len(catalog.programs) == 7
    assert len(catalog.institutes) >= 8
    assert sorted(catalog.programs) == sorted(SEED)
    assert all(k == p.id for k, p in catalog.programs.items())
    assert all(k == i.id for k, i in catalog.institutes.items())


def test_busan_2024_is_fresh_and_equal_each_call(catalog):
    again = rm.catalog.busan_2024()
    assert again == catalog
    assert again is not catalog
    assert again.programs is not catalog.programs


@pytest.mark.parametrize("pid", sorted(SEED))
def test_program_matches_the_seed(catalog, pid):
    p = catalog.programs[pid]
    name_ko, start, end, funding = SEED[pid]
    assert p.name_ko == name_ko
    assert p.name_en.strip()
    assert p.name("en") != p.name("ko")
    assert (p.start, p.end, p.funding) == (start, end, funding)
    assert isinstance(p.axis, rm.SupportAxis)
    assert p.capacity is not None
    assert p.capacity > 0
    assert p.capacity_assumed
    assert "assumption" in p.notes


@pytest.mark.parametrize("pid", sorted(SEED))
def test_every_programs_first_and_last_day_and_the_days_around(catalog, pid):
    p = catalog.programs[pid]
    _, start, end, _ = SEED[pid]
    firm = rm.Firm(id="F1", name="가", technologies=list(T), employees=5, district="사상구",
                   certified=True)
    table = rm.FirmTable.from_firms([firm])
    days = {start - D: False, start: True, start + D: True, end - D: True, end: True,
            end + D: False}
    for day, active in days.items():
        assert p.is_active(day) is active, day
        res = rm.check_eligibility(p, firm, on=day)
        assert res.reasons[0].rule == "active"
        assert res.reasons[0].passed is active, day
        # this firm passes every other rule: eligibility follows the period exactly
        assert res.eligible is active, day
        assert rules.eligibility_mask(p, table, on=day).tolist() == [active], day


def _rule(program, kind):
    found = [r for r in program.rules if r.kind == kind]
    assert len(found) <= 1
    return found[0] if found else None


@pytest.mark.parametrize("pid", sorted(SEED))
def test_rules_every_program_has(catalog, pid):
    p = catalog.programs[pid]
    assert p.rules[0] == rules.ActiveOn()
    assert _rule(p, "sme") == rules.SME(max_employees=299)  # "fewer than 300" proxy
    assert _rule(p, "not_participant") == rules.NotAlreadyParticipant()
    region = _rule(p, "in_region")
    if pid == "BS24-06":  # the national training line
        assert region is None
    else:
        assert region == rules.InRegion(districts=None)


@pytest.mark.parametrize(("pid", "targets", "certificate"), [
    ("BS24-01", None, False),
    ("BS24-02", MACHINE_PARTS, False),
    ("BS24-03", None, True),
    ("BS24-04", None, True),
    ("BS24-05", None, False),
    ("BS24-06", None, False),
    ("BS24-07", MACHINE_PARTS, False),
])
def test_rules_of_each_program(catalog, pid, targets, certificate):
    p = catalog.programs[pid]
    target = _rule(p, "target_technologies")
    if pid == "BS24-01":  # mold and what feeds or uses molds
        assert {T.MOLD, T.INJECTION_PRESS, T.PRECISION_MACHINING, T.ENGINEERING_DESIGN} <= \
            target.technologies
        assert not target.technologies & {T.CASTING, T.WELDING, T.SURFACE_TREATMENT}
    elif targets is None:  # open to every root technology
        assert target is None
        assert p.targets == frozenset()
    else:
        assert target.technologies == targets
    if target is not None:
        assert p.targets == target.technologies
    assert (_rule(p, "certificate") is not None) is certificate


def test_every_rule_is_documented_with_its_reasoning(catalog):
    assert set(catalog.rule_notes) == set(catalog.programs)
    for pid, p in catalog.programs.items():
        notes = catalog.rule_notes[pid]
        assert len(notes) == len(p.rules)
        for rule, why in zip(p.rules, notes):
            assert len(why) > 40, (pid, rule)
            if rule.kind == "sme":
                assert "300" in why
                assert "2015" in why
                assert "assumption" in why


def test_the_catalog_data_is_package_data():
    text = resources.files("rootmatch.domain").joinpath("data/busan_2024.json").read_text("utf-8")
    data = json.loads(text)
    assert rm.catalog.catalog_from_dict(data) == rm.catalog.busan_2024()


def test_institutes(catalog):
    named_in_seed = {"KIMM-BUSAN", "BGMC", "DIT", "BUSAN-CITY"}
    assert named_in_seed <= set(catalog.institutes)
    kinds = set()
    for inst in catalog.institutes.values():
        assert inst.name_ko.strip()
        assert inst.name_en.strip()
        assert isinstance(inst.kind, rm.InstituteKind)
        assert inst.district is not None
        assert inst.district.in_busan
        assert inst.services, inst.id
        assert inst.source.strip()
        assert inst.description.strip()
        kinds.add(inst.kind)
    assert len(kinds) >= 4
    assert catalog.institutes["KIMM-BUSAN"].district is rm.District.GANGSEO
    assert rm.Topic.LASER in catalog.institutes["KIMM-BUSAN"].topics
    assert catalog.institutes["BGMC"].kind is rm.InstituteKind.COOPERATIVE
    assert T.MOLD in catalog.institutes["BGMC"].expertise


def test_program_operators_are_known_institutes(catalog):
    for p in catalog.programs.values():
        assert p.operators, p.id
        assert p.operators <= set(catalog.institutes), p.id


def test_the_hub(catalog):
    assert isinstance(catalog.hub, rm.SupportCenter)
    assert catalog.hub.id == "hub"
    assert "부산뿌리산업종합지원센터" in catalog.hub.name_ko
    assert catalog.hub.id not in catalog.institutes


def test_duplicate_ids_in_catalog_data_are_refused():
    data = json.loads(resources.files("rootmatch.domain").joinpath("data/busan_2024.json")
                      .read_text("utf-8"))
    data["programs"].append(data["programs"][0])
    with pytest.raises(rm.ValidationError, match="BS24-01"):
        rm.catalog.catalog_from_dict(data)
