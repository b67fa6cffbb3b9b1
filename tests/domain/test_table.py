"""FirmTable: columns <-> Firm round trips, lookups, subsets, incidence matrices, memory."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rootmatch as rm
from rootmatch.domain.taxonomy import mask_of

sys.path.insert(0, str(Path(__file__).parent.parent))  # the shared tests/strategies.py
from strategies import dates, firm_lists


def _firm(i: int, **kw) -> rm.Firm:
    base = {"id": f"F{i:04d}", "name": f"기업{i}", "technologies": ["금형"], "employees": i,
            "district": "사상구"}
    return rm.Firm(**{**base, **kw})


# ---- round trips ------------------------------------------------------------------------
@given(firm_lists(max_size=12))
def test_firms_round_trip_through_the_table(fs):
    t = rm.FirmTable.from_firms(fs)
    assert len(t) == len(fs)
    assert t.to_firms() == fs
    assert list(t) == fs
    assert t.ids.tolist() == [f.id for f in fs]
    for f in fs:
        assert f.id in t
        assert t[f.id] == f
    assert rm.FirmTable.from_firms(list(t)) == t


@given(firm_lists(min_size=1, max_size=12))
def test_columns_match_the_firms(fs):
    t = rm.FirmTable.from_firms(fs)
    assert t.employees.tolist() == [f.employees for f in fs]
    assert t.district.tolist() == [f.district.value for f in fs]
    assert t.certified.tolist() == [f.certified for f in fs]
    assert t.tech_mask.tolist() == [mask_of(f.technologies) for f in fs]
    assert t.tech_matrix().tolist() == [
        [tech in f.technologies for tech in rm.RootTechnology] for f in fs]
    assert t.needs_matrix().tolist() == [[a in f.needs for a in rm.SupportAxis] for f in fs]
    assert t.topics_matrix().tolist() == [[x in f.topics for x in rm.Topic] for f in fs]
    assert t.materials_matrix().tolist() == [[m in f.materials for m in rm.Material] for f in fs]
    assert t.is_small.tolist() == [f.is_small for f in fs]
    for column in ("ids", "employees", "tech_mask", "mem_codes", "part_on"):
        assert not getattr(t, column).flags.writeable


@given(fs=firm_lists(max_size=12), before=st.none() | dates)
def test_incidence_matrices_match_the_firms(fs, before):
    t = rm.FirmTable.from_firms(fs)
    institutes = ["BAPIC", "BGMC", "NOBODY", "BMC"]
    M = t.membership_matrix(institutes).toarray()
    assert M.tolist() == [[float(i in f.memberships) for i in institutes] for f in fs]
    programs = [f"BS24-0{i}" for i in range(7, 0, -1)]
    P = t.participation_matrix(programs, before=before).toarray()
    assert P.tolist() == [
        [float(f.participated(p, before=before)) for p in programs] for f in fs]
    own = t.participation_matrix()
    assert own.shape == (len(fs), len(t.program_vocab))
    assert set(np.unique(own.toarray())) <= {0.0, 1.0}


# ---- lookups and subsets ----------------------------------------------------------------
@given(fs=firm_lists(min_size=1, max_size=12), data=st.data())
def test_take_positions_and_small(fs, data):
    t = rm.FirmTable.from_firms(fs)
    rows = data.draw(st.lists(st.integers(0, len(fs) - 1), max_size=8, unique=True))
    sub = t.take(rows)
    assert sub.to_firms() == [fs[r] for r in rows]
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(fs), max_size=len(fs))))
    assert t.take(mask).to_firms() == [f for f, keep in zip(fs, mask) if keep]
    assert t.small().to_firms() == [f for f in fs if f.employees < 10]
    ids = [fs[r].id for r in rows]
    assert t.positions(ids).tolist() == rows
    assert [t.position(i) for i in ids] == rows


def test_unknown_ids():
    t = rm.FirmTable.from_firms([_firm(1), _firm(2)])
    with pytest.raises(rm.UnknownEntityError, match="'F9'") as info:
        t["F9"]
    assert isinstance(info.value, KeyError)
    with pytest.raises(KeyError, match="'nope'"):
        t.positions(["F0001", "nope"])
    assert "F9" not in t
    assert 1 not in t
    assert "F0001" in t


def test_empty_table():
    t = rm.FirmTable.from_firms([])
    assert len(t) == 0
    assert list(t) == []
    assert "F1" not in t
    assert t.small().to_firms() == []
    assert t.tech_matrix().shape == (0, 14)
    assert t.membership_matrix(["BGMC"]).shape == (0, 1)
    assert t.participation_matrix(["BS24-01"]).shape == (0, 1)
    with pytest.raises(rm.UnknownEntityError):
        t.position("F1")


def test_concat_and_equality():
    a = rm.FirmTable.from_firms([_firm(1, memberships=["BGMC"])])
    b = rm.FirmTable.from_firms([_firm(2, participations=[("BS24-05", "2020-01-01")])])
    both = rm.FirmTable.concat([a, b])
    assert both.to_firms() == [*a, *b]
    assert both != a
    assert both == rm.FirmTable.concat([a, b])
    with pytest.raises(rm.ValidationError, match="duplicate firm id 'F0001'"):
        rm.FirmTable.concat([a, a])


# ---- validation of columns --------------------------------------------------------------
N = 4
GOOD = {"ids": [f"F{i}" for i in range(N)], "tech_mask": [1] * N, "employees": [5] * N,
        "district": [14] * N}


@pytest.mark.parametrize(("column", "bad"), [
    ("ids", ["F0", "F1", "F1", "F3"]), ("ids", ["F0", "", "F2", "F3"]),
    ("ids", ["F0", "F 1", "F2", "F3"]), ("ids", ["F0", "-F1", "F2", "F3"]),
    ("ids", ["F0", "F1", "F2", "금형3"]),
    ("names", ["a", " ", "c", "d"]),
    ("tech_mask", [1, 0, 1, 1]), ("tech_mask", [1, 1 << 14, 1, 1]), ("tech_mask", [1, -1, 1, 1]),
    ("employees", [1, -2, 3, 4]), ("employees", [1, 2**40, 3, 4]), ("employees", [1.5, 2, 3, 4]),
    ("district", [0, 17, 1, 2]), ("district", [0, 256, 1, 2]), ("district", [-1, 0, 1, 2]),
    ("founded", [0, 1850, 2000, 0]), ("workforce_40plus", [0.5, np.nan, 0.1, 0.2]),
    ("foreign_share", [0, 0, 1.01, 0]), ("digital_level", [0, 5, 0, 0]),
    ("materials_mask", [0, 1 << 7, 0, 0]), ("needs_mask", [0, 16, 0, 0]),
    ("topics_mask", [0, 1 << 12, 0, 0]), ("cluster", [0, 1, 0, 0]),
    ("employees", [1, 2, 3]), ("mem_indptr", [0, 1, 1, 1, 1]),
    ("membership_vocab", ["bad id!"]),
])
def test_bad_columns_are_refused_naming_the_column(column, bad):
    kwargs = {**GOOD, column: bad}
    if column == "membership_vocab":
        kwargs.update(mem_indptr=[0, 1, 1, 1, 1], mem_codes=[0])
    with pytest.raises(rm.ValidationError) as info:
        rm.FirmTable.from_columns(**kwargs)
    assert info.value.field == column
    assert column in str(info.value)


def test_string_columns_are_stored_narrow():
    t = rm.FirmTable.from_columns(**{**GOOD, "ids": np.array(GOOD["ids"], dtype="<U40")})
    assert t.ids.dtype == np.dtype("<U2")
    assert t.names.dtype == np.dtype("<U2")


# ---- scale ------------------------------------------------------------------------------
def test_a_million_firms_fit_well_under_a_gigabyte():
    n = 1_000_000
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    t = rm.FirmTable.from_columns(
        ids=np.char.add("F", np.char.zfill(np.arange(n).astype(str), 7)),
        tech_mask=np.left_shift(1, rng.integers(0, 14, n)),
        employees=rng.integers(0, 300, n),
        district=rng.integers(0, 17, n),
        workforce_40plus=rng.random(n),
        digital_level=rng.integers(0, 5, n),
        needs_mask=rng.integers(0, 16, n),
        certified=rng.random(n) < 0.3,
    )
    built = time.perf_counter() - start
    assert len(t) == n
    assert t.nbytes < 250 * 2**20, t.nbytes  # ~100 MB: ids and names are 8 characters
    assert t["F0123456"].employees == int(t.employees[123456])
    assert len(t.small()) == int((t.employees < 10).sum())
    assert built < 20, f"building took {built:.1f} s"


def test_participation_rows_follow_take():
    fs = [_firm(i, participations=[("BS24-0" + str(1 + i % 7), dt.date(2020 + i % 5, 1, 1))])
          for i in range(20)]
    t = rm.FirmTable.from_firms(fs)
    sub = t.take(np.arange(19, -1, -2))
    assert sub.to_firms() == fs[19::-2]
    assert sub.participation_matrix(t.program_vocab).sum() == 10
