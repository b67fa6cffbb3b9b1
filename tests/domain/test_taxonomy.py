"""Taxonomy: the enums, their labels and parsing, and their bit masks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rootmatch as rm
from rootmatch import taxonomy

ENUMS = [
    rm.RootTechnology, rm.SupportAxis, rm.District, rm.Topic, rm.Material, rm.TechGroup,
    rm.InstituteKind, rm.Funding,
]
MEMBERS = [m for cls in ENUMS for m in cls]

# DOMAIN_FACTS.md, section 1: the 14 technologies of the 2021 decree and their groups.
DECREE = {
    "CASTING": ("주조", "BASE"),
    "MOLD": ("금형", "BASE"),
    "FORMING": ("소성가공", "BASE"),
    "WELDING": ("용접", "BASE"),
    "SURFACE_TREATMENT": ("표면처리", "BASE"),
    "HEAT_TREATMENT": ("열처리", "BASE"),
    "INJECTION_PRESS": ("사출·프레스", "MATERIAL"),
    "PRECISION_MACHINING": ("정밀가공", "MATERIAL"),
    "ADDITIVE_MANUFACTURING": ("적층제조", "MATERIAL"),
    "FILM_PAPER": ("산업용 필름 및 지류 공정", "MATERIAL"),
    "ROBOTICS": ("로봇", "INTELLIGENT"),
    "SENSORS": ("센서", "INTELLIGENT"),
    "INDUSTRIAL_SOFTWARE": ("산업지능형 SW", "INTELLIGENT"),
    "ENGINEERING_DESIGN": ("엔지니어링 설계", "INTELLIGENT"),
}
BUSAN_GU_GUN = [
    "중구", "서구", "동구", "영도구", "부산진구", "동래구", "남구", "북구", "해운대구", "사하구",
    "금정구", "강서구", "연제구", "수영구", "사상구", "기장군",
]


# ---- the vocabularies -------------------------------------------------------------------
def test_root_technologies_are_the_decrees_fourteen():
    assert {t.name: (t.label_ko, t.group.name) for t in rm.RootTechnology} == DECREE
    assert rm.RootTechnology.MOLD.label_en == "Mold & die"
    assert {t.group for t in rm.RootTechnology} == set(rm.TechGroup)


def test_support_axes_are_the_seeds_four():
    assert [a.name for a in rm.SupportAxis] == [
        "INFRASTRUCTURE", "WORKFORCE", "TECHNOLOGY", "MANAGEMENT"]
    assert [a.label_ko for a in rm.SupportAxis] == [
        "인프라 구축", "인력 양성", "기술 개발", "경영지원"]


def test_districts_are_busans_sixteen_and_outside():
    inside = [d for d in rm.District if d.in_busan]
    assert [d.label_ko for d in inside] == BUSAN_GU_GUN
    assert [d for d in rm.District if not d.in_busan] == [rm.District.OUTSIDE_BUSAN]


@pytest.mark.parametrize("cls", ENUMS, ids=lambda c: c.__name__)
def test_every_member_has_two_distinct_labels_and_a_bit(cls):
    for m in cls:
        assert m.label_ko.strip()
        assert m.label_en.strip()
        assert m.label("ko") == m.label_ko
        assert m.label("en") == m.label_en == str(m)
    assert sorted(m.value for m in cls) == list(range(len(cls)))  # bit positions 0..n-1
    assert len({m.label_ko for m in cls}) == len({m.label_en for m in cls}) == len(cls)


# ---- parsing ----------------------------------------------------------------------------
@pytest.mark.parametrize("member", MEMBERS, ids=lambda m: f"{type(m).__name__}.{m.name}")
def test_parse_round_trips_every_member(member):
    cls = type(member)
    for text in (member.name, member.label_ko, member.label_en):
        for variant in (text, text.lower(), text.upper(), f"  {text}\t", text.replace(" ", ""),
                        text.replace(" ", "  ")):
            assert cls.parse(variant) is member, variant
    assert cls.parse(member) is member
    assert cls.parse(member.value) is member
    assert cls.parse(np.int64(member.value)) is member
    for alias in member._aliases():
        assert cls.parse(alias) is member


_variants = st.sampled_from([str.lower, str.upper, str.title, str.casefold, lambda s: s])


@given(member=st.sampled_from(MEMBERS), which=st.sampled_from(["name", "label_ko", "label_en"]),
       case=_variants, pad=st.text(alphabet=" \t", max_size=3))
def test_parse_ignores_case_and_space(member, which, case, pad):
    text = pad + case(getattr(member, which)).replace(" ", " " + pad) + pad
    assert type(member).parse(text) is member


@pytest.mark.parametrize("cls", ENUMS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", ["Mars", "금형공장", "", 99, -1, 2.5, None, True])
def test_unknown_label_names_the_value_and_lists_the_allowed(cls, bad):
    with pytest.raises(rm.UnknownLabelError) as info:
        cls.parse(bad)
    err = info.value
    assert isinstance(err, rm.ValidationError)
    assert isinstance(err, ValueError)
    assert repr(bad) in str(err)
    assert err.value == bad
    assert err.field == cls.__name__
    for m in cls:
        assert m.name in str(err)
        assert m.label_ko in str(err)
        assert m.label_en in str(err)


def test_parse_many_accepts_separated_strings_iterables_and_none():
    assert rm.RootTechnology.parse_many("금형 | 용접;heat treatment") == {
        rm.RootTechnology.MOLD, rm.RootTechnology.WELDING, rm.RootTechnology.HEAT_TREATMENT}
    assert rm.SupportAxis.parse_many(["workforce", rm.SupportAxis.TECHNOLOGY]) == {
        rm.SupportAxis.WORKFORCE, rm.SupportAxis.TECHNOLOGY}
    assert rm.Topic.parse_many(None) == frozenset()
    assert rm.District.parse_many(rm.District.SAHA) == {rm.District.SAHA}
    with pytest.raises(rm.UnknownLabelError, match="'나노'"):
        rm.RootTechnology.parse_many("금형;나노")


@pytest.mark.parametrize("cls", ENUMS, ids=lambda c: c.__name__)
def test_masks_round_trip(cls):
    @given(st.frozensets(st.sampled_from(list(cls))))
    def check(members):
        mask = taxonomy.mask_of(members)
        assert taxonomy.members_of(cls, mask) == members
        assert mask < 1 << len(cls)

    check()
