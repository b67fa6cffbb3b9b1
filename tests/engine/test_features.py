"""FirmVectorizer: block features of firms, institutes and programs in one space."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from strategies import firm_lists

import rootmatch as rm
from rootmatch.engine.features import BLOCKS, DEFAULT_WEIGHTS

WEIGHTS = {"technologies": 2.0, "needs": 1.0, "topics": 0.5, "materials": 0.25,
           "numeric": 1.5, "geography": 0.75}


def block_norms(vec, X, block):
    return np.linalg.norm(X[:, vec.block_slices_[block]].astype(np.float64), axis=1)


def make_firm(fid, **kw):
    base = {"name": fid, "technologies": ["금형"], "employees": 5, "district": "사상구"}
    return rm.Firm(id=fid, **{**base, **kw})


@pytest.fixture(scope="module")
def mixed_firms():
    return rm.FirmTable.from_firms([
        make_firm("F1", technologies=["금형", "사출·프레스"], employees=7, needs=["인력 양성"],
                  topics=["스마트공장"], materials=["철강"], founded=1995, digital_level=1,
                  cluster="사상"),
        make_firm("F2", technologies=["금형"], employees=40, needs=["인력 양성", "기술 개발"],
                  topics=["스마트공장", "레이저"], materials=["철강", "플라스틱"], founded=2010,
                  digital_level=3, workforce_40plus=0.4, district="강서구", cluster="녹산"),
        make_firm("F3", technologies=["열처리", "표면처리"], employees=3, needs=["경영지원"],
                  topics=["부식제어"], materials=["비철금속"], founded=None, digital_level=0,
                  workforce_40plus=0.9, district="사하구"),
        make_firm("F4", technologies=["로봇", "센서"], employees=120, needs=["인프라 구축"],
                  topics=["자동화"], materials=["탄소소재"], founded=2018, digital_level=4,
                  workforce_40plus=0.2, district="해운대구", cluster="센텀"),
    ])


# ---- layout ------------------------------------------------------------------------------
def test_layout_and_names(mixed_firms):
    vec = rm.FirmVectorizer().fit(mixed_firms)
    sizes = {"technologies": 14, "needs": 4, "topics": len(rm.Topic),
             "materials": len(rm.Material), "numeric": 4,
             "geography": len(rm.District) + 3}  # clusters 녹산, 사상, 센텀
    start = 0
    for block in BLOCKS:
        assert vec.block_slices_[block] == slice(start, start + sizes[block])
        start += sizes[block]
    assert vec.n_features_out_ == start
    names = vec.get_feature_names_out()
    assert names.shape == (start,)
    assert len(set(names)) == start
    assert names[0] == "technologies__CASTING"
    assert names[vec.block_slices_["numeric"]].tolist() == [
        "numeric__log_employees", "numeric__digital_level", "numeric__workforce_40plus",
        "numeric__firm_age"]
    assert vec.cluster_vocab_ == ("녹산", "사상", "센텀")
    assert names[-1] == "geography__cluster_센텀"
    assert vec.weights_ == DEFAULT_WEIGHTS


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_and_shape(mixed_firms, dtype):
    vec = rm.FirmVectorizer(dtype=dtype).fit(mixed_firms)
    for X in (vec.transform(mixed_firms), vec.fit_transform(mixed_firms),
              vec.transform_institutes(rm.catalog.busan_2024().institutes),
              vec.transform_programs(rm.catalog.busan_2024().programs)):
        assert X.dtype == dtype
        assert X.shape[1] == vec.n_features_out_
        assert np.isfinite(X).all()


# ---- what each block holds ------------------------------------------------------------------
@given(firms=firm_lists(min_size=1, max_size=12))
def test_blocks_are_normalised_weighted_and_faithful(firms):
    table = rm.FirmTable.from_firms(firms)
    vec = rm.FirmVectorizer(weights=WEIGHTS).fit(table)
    X = vec.transform(table)
    for block in BLOCKS:
        norms = block_norms(vec, X, block)
        nonzero = norms > 0
        np.testing.assert_allclose(norms[nonzero], math.sqrt(WEIGHTS[block]), rtol=1e-5)
    expected = {"technologies": table.tech_matrix(), "needs": table.needs_matrix(),
                "topics": table.topics_matrix(), "materials": table.materials_matrix()}
    for block, bits in expected.items():
        got = X[:, vec.block_slices_[block]]
        np.testing.assert_array_equal(got > 0, bits)
        assert np.all(got >= 0)
    geo = X[:, vec.block_slices_["geography"]] > 0
    n_districts = len(rm.District)
    np.testing.assert_array_equal(np.flatnonzero(geo[:, :n_districts].ravel()) % n_districts,
                                  table.district)
    has_cluster = np.array([f.cluster != "" for f in firms])
    np.testing.assert_array_equal(geo[:, n_districts:].sum(axis=1), has_cluster)


@given(firms=firm_lists(min_size=2, max_size=10))
def test_rows_are_transformed_independently(firms):
    table = rm.FirmTable.from_firms(firms)
    vec = rm.FirmVectorizer().fit(table)
    X = vec.transform(table)
    rows = np.arange(len(table))[::-1]
    np.testing.assert_allclose(vec.transform(table.take(rows)), X[rows], rtol=1e-6)


def test_cosine_is_the_weighted_mean_of_block_cosines(mixed_firms):
    vec = rm.FirmVectorizer(weights=WEIGHTS, dtype=np.float64).fit(mixed_firms)
    X = vec.transform(mixed_firms)
    for i, j in [(0, 1), (0, 2), (1, 3)]:
        cosine = X[i] @ X[j] / np.linalg.norm(X[i]) / np.linalg.norm(X[j])
        per_block = []
        for block in BLOCKS:
            a, b = X[i, vec.block_slices_[block]], X[j, vec.block_slices_[block]]
            assert np.linalg.norm(a) > 0
            assert np.linalg.norm(b) > 0
            per_block.append(WEIGHTS[block] * a @ b / np.linalg.norm(a) / np.linalg.norm(b))
        assert cosine == pytest.approx(sum(per_block) / sum(WEIGHTS.values()))


def test_numeric_block_standardised_with_median_imputation(mixed_firms):
    vec = rm.FirmVectorizer(dtype=np.float64).fit(mixed_firms)
    assert vec.founded_median_ == 2010.0  # median of 1995, 2010, 2018; F3 unknown
    raw = np.array([
        [math.log1p(7), 1, 0.658, 2024 - 1995],
        [math.log1p(40), 3, 0.4, 2024 - 2010],
        [math.log1p(3), 0, 0.9, 2024 - 2010],
        [math.log1p(120), 4, 0.2, 2024 - 2018],
    ])
    np.testing.assert_allclose(vec.numeric_mean_, raw.mean(axis=0))
    np.testing.assert_allclose(vec.numeric_scale_, raw.std(axis=0))
    z = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    z /= np.linalg.norm(z, axis=1, keepdims=True)
    X = vec.transform(mixed_firms)
    np.testing.assert_allclose(X[:, vec.block_slices_["numeric"]],
                               z * math.sqrt(DEFAULT_WEIGHTS["numeric"]))


def test_constant_columns_and_unknown_years():
    table = rm.FirmTable.from_firms([make_firm("A"), make_firm("B")])
    vec = rm.FirmVectorizer().fit(table)
    assert vec.founded_median_ == 2024.0
    np.testing.assert_array_equal(vec.numeric_scale_, [1.0, 1.0, 1.0, 1.0])
    X = vec.transform(table)
    assert np.all(X[:, vec.block_slices_["numeric"]] == 0)  # at the mean: an empty block
    assert np.all(X[0] == X[1])


def test_clusters_unseen_in_fit_get_no_column(mixed_firms):
    vec = rm.FirmVectorizer().fit(mixed_firms)
    other = rm.FirmTable.from_firms([make_firm("N1", cluster="장림"),
                                     make_firm("N2", cluster="녹산")])
    geo = vec.transform(other)[:, vec.block_slices_["geography"]]
    n_districts = len(rm.District)
    assert geo[0, n_districts:].sum() == 0
    assert geo[0, rm.District.SASANG.value] == pytest.approx(math.sqrt(0.5))
    assert geo[1, n_districts + vec.cluster_vocab_.index("녹산")] > 0


def test_zero_weight_switches_a_block_off(mixed_firms):
    vec = rm.FirmVectorizer(weights={"geography": 0, "numeric": 0.0}).fit(mixed_firms)
    X = vec.transform(mixed_firms)
    assert vec.n_features_out_ == rm.FirmVectorizer().fit(mixed_firms).n_features_out_
    assert np.all(X[:, vec.block_slices_["geography"]] == 0)
    assert np.all(X[:, vec.block_slices_["numeric"]] == 0)
    assert vec.weights_["technologies"] == DEFAULT_WEIGHTS["technologies"]


def test_empty_table_transforms_to_no_rows(mixed_firms):
    vec = rm.FirmVectorizer().fit(mixed_firms)
    empty = mixed_firms.take(np.zeros(0, np.int64))
    assert vec.transform(empty).shape == (0, vec.n_features_out_)
    assert vec.transform_institutes([]).shape == (0, vec.n_features_out_)
    assert vec.transform_programs({}).shape == (0, vec.n_features_out_)


# ---- institutes and programs ------------------------------------------------------------------
def test_institutes_in_the_firm_space(mixed_firms, catalog):
    vec = rm.FirmVectorizer().fit(mixed_firms)
    institutes = list(catalog.institutes.values())
    X = vec.transform_institutes(institutes)
    np.testing.assert_array_equal(X, vec.transform_institutes(catalog.institutes))
    for row, inst in zip(X, institutes):
        on = set(np.flatnonzero(row[vec.block_slices_["technologies"]]).tolist())
        assert on == {t.value for t in inst.expertise}
        on = set(np.flatnonzero(row[vec.block_slices_["needs"]]).tolist())
        assert on == {a.value for a in inst.services}
        on = set(np.flatnonzero(row[vec.block_slices_["topics"]]).tolist())
        assert on == {t.value for t in inst.topics}
        geo = np.flatnonzero(row[vec.block_slices_["geography"]]).tolist()
        assert geo == ([] if inst.district is None else [inst.district.value])
        assert not row[vec.block_slices_["numeric"]].any()
        assert not row[vec.block_slices_["materials"]].any()
    nowhere = rm.Institute(id="X", name_ko="엑스", name_en="X", kind="university",
                           expertise=["용접"])
    row = vec.transform_institutes([nowhere])[0]
    assert not row[vec.block_slices_["geography"]].any()


def test_programs_in_the_firm_space(mixed_firms, catalog):
    vec = rm.FirmVectorizer(dtype=np.float64).fit(mixed_firms)
    programs = list(catalog.programs.values())
    P = vec.transform_programs(programs)
    w_tech = math.sqrt(DEFAULT_WEIGHTS["technologies"])
    for row, prog in zip(P, programs):
        tech = row[vec.block_slices_["technologies"]]
        if prog.targets:
            assert set(np.flatnonzero(tech).tolist()) == {t.value for t in prog.targets}
            np.testing.assert_allclose(tech[tech > 0], w_tech / math.sqrt(len(prog.targets)))
        else:  # open to all: every technology, uniformly and lower than any target
            np.testing.assert_allclose(tech, w_tech / math.sqrt(14))
        needs = set(np.flatnonzero(row[vec.block_slices_["needs"]]).tolist())
        assert needs == {a.value for a in prog.all_axes}
        for block in ("materials", "numeric", "geography"):
            assert not row[vec.block_slices_[block]].any()
    assert any(not p.targets for p in programs)


def test_firm_program_cosine_prefers_the_fitting_program(catalog):
    firms = rm.FirmTable.from_firms([
        make_firm("M", technologies=["금형"], needs=["기술 개발", "인력 양성"],
                  topics=["레이저", "스마트공장"]),
        make_firm("H", technologies=["열처리", "주조"], needs=["기술 개발"],
                  topics=["부식제어", "환경"]),
    ])
    vec = rm.FirmVectorizer().fit(firms)
    X = vec.transform(firms)
    P = vec.transform_programs([catalog.programs["BS24-01"], catalog.programs["BS24-02"]])
    cos = (X / np.linalg.norm(X, axis=1, keepdims=True)) @ (
        P / np.linalg.norm(P, axis=1, keepdims=True)).T
    # the mold firm fits the mold/injection program, the heat-treatment firm the other one
    assert cos[0, 0] > cos[0, 1]
    assert cos[1, 1] > cos[1, 0]


# ---- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"weights": {"colour": 1.0}}, "weights"),
        ({"weights": {"needs": -1}}, "weights['needs']"),
        ({"weights": {"needs": float("nan")}}, "weights['needs']"),
        ({"weights": {"needs": "lots"}}, "weights['needs']"),
        ({"weights": [("needs", 1.0)]}, "weights"),
        ({"dtype": np.int32}, "dtype"),
        ({"dtype": "no such type"}, "dtype"),
    ],
)
def test_bad_parameters_fail_in_fit(mixed_firms, params, field):
    vec = rm.FirmVectorizer(**params)  # __init__ stores only
    with pytest.raises(rm.ValidationError) as err:
        vec.fit(mixed_firms)
    assert err.value.field == field


def test_bad_inputs(mixed_firms):
    with pytest.raises(rm.ValidationError, match="FirmTable"):
        rm.FirmVectorizer().fit(np.ones((3, 3)))
    with pytest.raises(rm.ValidationError, match="0 firms"):
        rm.FirmVectorizer().fit(mixed_firms.take(np.zeros(0, np.int64)))
    vec = rm.FirmVectorizer()
    with pytest.raises(rm.NotFittedError):
        vec.transform(mixed_firms)
    with pytest.raises(rm.NotFittedError):
        vec.transform_programs([])
    vec.fit(mixed_firms)
    with pytest.raises(rm.ValidationError, match="FirmTable"):
        vec.transform(list(mixed_firms))
    with pytest.raises(rm.ValidationError, match="Institute"):
        vec.transform_institutes([make_firm("F9")])
    with pytest.raises(rm.ValidationError, match="Program"):
        vec.transform_programs(["BS24-01"])
