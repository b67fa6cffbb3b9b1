"""Population: the firm table, links checked against known ids, and the held-out truth."""

from __future__ import annotations

import sys
from pathlib import Path

import attrs
import pytest
from hypothesis import given

import rootmatch as rm

sys.path.insert(0, str(Path(__file__).parent.parent))  # the shared tests/strategies.py
from strategies import firm_lists

BASE = {"id": "F1", "name": "사상정밀금형", "technologies": ["금형"], "employees": 7,
        "district": "사상구"}


@given(firm_lists(min_size=2, max_size=8))
def test_population_holds_a_firm_table_and_no_truth(fs):
    cat = rm.catalog.busan_2024()
    pop = rm.Population(firms=fs, institutes=list(cat.institutes.values()),
                        programs=cat.programs, collaborations=[[fs[0].id, fs[1].id]],
                        institute_links=[[fs[0].id, "BGMC"]])
    assert isinstance(pop.firms, rm.FirmTable)
    assert len(pop) == len(fs)
    assert pop.firms.to_firms() == fs
    assert pop.truth is None
    assert pop.institutes == cat.institutes
    assert pop.programs == cat.programs
    assert pop.collaborations.shape == (1, 2)
    assert not pop.collaborations.flags.writeable
    same = rm.Population(firms=rm.FirmTable.from_firms(fs), institutes=cat.institutes,
                         programs=cat.programs, collaborations=[[fs[0].id, fs[1].id]],
                         institute_links=[[fs[0].id, "BGMC"]])
    assert same == pop


@pytest.mark.parametrize(("field", "value"), [
    ("collaborations", [["F0000", "F9999"]]),
    ("collaborations", [["F0000", "F0000"]]),
    ("collaborations", [["F0000", "F0001", "F0002"]]),
    ("institute_links", [["F0000", "NOWHERE"]]),
    ("institute_links", [["F9999", "BGMC"]]),
    ("institutes", {"WRONG-KEY": rm.catalog.busan_2024().institutes["BGMC"]}),
])
def test_population_refuses_dangling_links(field, value):
    fs = [rm.Firm(**{**BASE, "id": f"F{i:04d}"}) for i in range(3)]
    cat = rm.catalog.busan_2024()
    kwargs = {"firms": fs, "institutes": cat.institutes, field: value}
    with pytest.raises(rm.ValidationError) as info:
        rm.Population(**kwargs)
    assert info.value.field == field


def test_population_refuses_duplicate_ids():
    inst = rm.catalog.busan_2024().institutes["BGMC"]
    with pytest.raises(rm.ValidationError, match="duplicate id 'BGMC'"):
        rm.Population(firms=[rm.Firm(**BASE)], institutes=[inst, inst])
    with pytest.raises(rm.ValidationError, match="duplicate firm id 'F1'"):
        rm.Population(firms=[rm.Firm(**BASE), rm.Firm(**BASE)])


class _Truth:
    """A stand-in truth: records the population it is asked about."""

    def __init__(self) -> None:
        self.asked: list[rm.Population] = []

    def summary(self, population: rm.Population) -> str:
        self.asked.append(population)
        return "report"


def test_summary_is_given_by_the_truth():
    truth = _Truth()
    pop = rm.Population(firms=[rm.Firm(**BASE)], truth=truth)
    assert pop.summary() == "report"
    assert truth.asked == [pop]


def test_summary_without_truth_is_refused_naming_it():
    pop = rm.Population(firms=[rm.Firm(**BASE)])
    with pytest.raises(rm.ValidationError, match=r"synth\.summarize") as info:
        pop.summary()
    assert info.value.field == "truth"
    synthetic = rm.synth.generate_population(300, seed=2)
    assert attrs.evolve(synthetic, truth=None).truth is None
    assert synthetic.summary().to_records() == synthetic.truth.summary(synthetic).to_records()
