"""Writers and loaders together: firms, participations and whole population folders written
and read back identical; references checked across the files of a folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import firm_lists, linked_populations, programs, rule_trees

import rootmatch as rm

HEADER = "id,name,technologies,employees,district"


class _scratch:  # noqa: N801 - used as a context manager
    """A fresh temporary folder (hypothesis examples cannot share function fixtures)."""

    def __enter__(self) -> Path:
        self._tmp = tempfile.TemporaryDirectory()
        return Path(self._tmp.name)

    def __exit__(self, *exc: object) -> None:
        self._tmp.cleanup()


def _problems(call, *args, **kwargs) -> list[rm.io.Problem]:
    with pytest.raises(rm.DataError) as info:
        call(*args, **kwargs)
    return info.value.problems


@settings(max_examples=15)
@given(firm_lists(max_size=6))
def test_participations_round_trip(firms: list[rm.Firm]) -> None:
    with _scratch() as d:
        rows = rm.io.load_participations(rm.io.write_participations(firms, d / "p.csv"))
    assert rows == [(f.id, p) for f in firms for p in f.participations]


# --- round trips -----------------------------------------------------------------------------
@settings(max_examples=20)
@given(firm_lists(max_size=15), st.sampled_from(["en", "ko", "name"]),
       st.sampled_from([(".csv", None), (".csv", "cp949"), (".csv", "utf-8"),
                        (".jsonl", None)]))
def test_firms_written_and_read_back_are_identical(firms, labels, fmt) -> None:
    suffix, encoding = fmt
    with _scratch() as d:
        path = rm.io.write_firms(rm.FirmTable.from_firms(firms), d / f"firms{suffix}",
                                 labels=labels, encoding=encoding)
        table = rm.io.load_firms(path)
    assert table == rm.FirmTable.from_firms(firms)
    assert table.ids.tolist() == [f.id for f in firms]
    with _scratch() as d:  # the columnar path writes what the per-firm path writes
        a = rm.io.write_firms(table, d / f"a{suffix}", labels=labels).read_bytes()
        b = rm.io.write_firms(iter(firms), d / f"b{suffix}", labels=labels).read_bytes()
    assert a == b


def _depth(value: object) -> int:
    """Nesting of lists and objects in a JSON value."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def _nest(rule: rm.rules.Rule, depth: int) -> rm.rules.Rule:
    for _ in range(depth):
        rule = ~rule
    return rule


# rule trees wrapped in up to 34 negations: around the depth a file's JSON may nest
_nested_rules = st.builds(_nest, rule_trees(predicates=False, max_leaves=4), st.integers(0, 34))


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(programs(rules=_nested_rules), max_size=3, unique_by=lambda p: p.id),
       st.sampled_from([".csv", ".jsonl"]), st.sampled_from(["en", "ko", "name"]))
def test_programs_written_are_read_back_or_refused_when_written(progs, suffix, labels) -> None:
    with _scratch() as d:
        path = d / f"programs{suffix}"
        deep = any(_depth(r.to_dict()) > rm.io.MAX_JSON_DEPTH - 1 for p in progs
                   for r in p.rules)
        if deep:
            with pytest.raises(rm.ValidationError, match="nested at most"):
                rm.io.write_programs(progs, path, labels=labels)
            assert not path.exists()
            return
        back = rm.io.load_programs(rm.io.write_programs(progs, path, labels=labels))
    assert list(back.values()) == progs


@given(st.text(min_size=1).filter(lambda s: s.strip() and "\x00" not in s),
       st.text().filter(lambda s: "\x00" not in s))
def test_any_text_name_and_cluster_round_trip(name: str, cluster: str) -> None:
    firm = rm.Firm(id="F1", name=name, technologies=["Mold"], employees=1,
                   district="Jung-gu", cluster=cluster)
    assume(rm.FirmTable.from_firms([firm])["F1"] == firm)  # numpy drops trailing NULs only
    with _scratch() as d:
        try:
            path = rm.io.write_firms([firm], d / "f.csv")
        except rm.ValidationError:  # unencodable (lone surrogates)
            return
        assert rm.io.load_firms(path)["F1"] == firm
        assert rm.io.load_firms(rm.io.write_firms([firm], d / "f.jsonl"))["F1"] == firm


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(linked_populations(), st.sampled_from(["en", "ko", "name"]))
def test_population_written_and_read_back_is_identical(pop: rm.Population, labels) -> None:
    with _scratch() as d:
        back = rm.io.load_population(rm.io.write_population(pop, d / "pop", labels=labels))
    assert back == pop
    assert np.array_equal(back.collaborations, pop.collaborations)
    assert back.programs == pop.programs
    assert back.hub == pop.hub


def test_generated_population_round_trips(tmp_path: Path, catalog: rm.Catalog) -> None:
    synth = pytest.importorskip("rootmatch.synth")
    if not hasattr(synth, "generate_population"):
        pytest.skip("rootmatch.synth.generate_population is not written yet")
    pop = synth.generate_population(300, seed=11, catalog=catalog)
    back = rm.io.load_population(rm.io.write_population(pop, tmp_path / "pop"))
    assert back == pop
    assert back.truth is None
    assert np.array_equal(back.institute_links, pop.institute_links)


def test_load_population_checks_references_across_files(tmp_path: Path) -> None:
    d = tmp_path / "pop"
    d.mkdir()
    (d / "firms.csv").write_text(
        HEADER + ",memberships,participations\n"
        "F1,A,Mold,3,Jung-gu,NOPE,P9@2024-01-01\nF2,B,Mold,3,Jung-gu,,\n")
    (d / "collaborations.csv").write_text("firm_a,firm_b\nF1,F2\nF1,F3\n")
    (d / "institute_links.csv").write_text("firm,institute\nF1,X\n")
    problems = _problems(rm.io.load_population, d, errors="collect")
    got = {(Path(p.file).name, p.row, p.field, p.value) for p in problems}
    assert got == {("firms.csv", 1, "memberships", "NOPE"),
                   ("firms.csv", 1, "participations", "P9"),
                   ("collaborations.csv", 2, "firm_b", "F3"),
                   ("institute_links.csv", 1, "institute", "X")}
    (d / "collaborations.csv").write_text("firm_a,firm_b\nF1,F2\n")
    (d / "institute_links.csv").unlink()
    pop = rm.io.load_population(d, check_references=False)
    assert pop.firms["F1"].memberships == {"NOPE"}
    assert pop.collaborations.tolist() == [["F1", "F2"]]
    (d / "hub.json").write_text('{"id": "bad id", "colour": "red"}')
    problems = _problems(rm.io.load_population, d, errors="collect", check_references=False)
    assert {(Path(p.file).name, p.field) for p in problems} == {("hub.json", "colour"),
                                                                ("hub.json", "id")}
    (d / "firms.jsonl").write_text("")
    with pytest.raises(rm.ValidationError, match="keep one"):
        rm.io.load_population(d)
