"""Files in and out under attack: hostile bytes, formula cells, mixed encodings, huge fields,
non-finite numbers, deep nesting, lone surrogates, file modes and failed writes."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import math
import os
import re
import stat
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import rootmatch as rm
from rootmatch.cli import main

HEADER = "id,name,technologies,employees,district"
PROGRAM = {"id": "P1", "name_ko": "시범", "name_en": "Pilot", "axis": "R&D",
           "start": "2024-01-01", "end": "2024-12-31", "funding": "city"}
TRIGGERS = "=+-@\t\r"
FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)",
            "-2+3", "\t=1", "\r=1", "'", "'=1", "''x", "'plain", "-0.5"]
LIMIT = 100_000  # the documented cell limit (rootmatch.base._csv.MAX_CELL)


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _cells(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def _assert_neutral(path: Path) -> None:
    """No text cell a spreadsheet would run: each starts with no trigger, or is a number."""
    for row in _cells(path):
        for cell in row:
            if cell[:1] in set(TRIGGERS):
                float(cell)  # a number the library wrote: not a formula


def _firm(**kw: Any) -> rm.Firm:
    args = {"id": "F1", "name": "Busan", "technologies": ["Mold"], "employees": 3,
            "district": "Jung-gu", **kw}
    return rm.Firm(**args)


# --- fuzzing: only documented errors come out of a loader ----------------------------------
_LOADERS = [rm.io.load_firms, rm.io.load_institutes, rm.io.load_programs,
            rm.io.load_collaborations, rm.io.load_institute_links,
            rm.io.load_participations]
_SNIPPETS = [
    b"\x00", "Café".encode(), "부산".encode("cp949"), "부산".encode(), b"\xff\xfe", b"\xef\xbb\xbf",
    b"\x80", b"\xc3", b'"', b"\r", b"\n", b",", b";", b"=cmd|' /C calc'!A0", b"Infinity",
    b"1e400", b"NaN", b'"\\ud800"', b"\\ud800", b"[" * 2000, b'{"rule":"not","of":' * 600,
    b"a" * 140_000, b'{"rule":"max_employees","limit":1e400}',
]
_VALID = {
    "csv": (HEADER + ",rules,firm_a,firm_b,firm,institute,program,on\n"
            "F1,Busan,MOLD,3,JUNG,[],F1,F2,F1,I1,P1,2024-01-01\n").encode(),
    "jsonl": (json.dumps({**PROGRAM, "id": "F1", "name": "Busan", "technologies": "MOLD",
                          "employees": 3, "district": "JUNG", "firm_a": "F1", "firm_b": "F2",
                          "firm": "F1", "institute": "I1", "program": "P1",
                          "on": "2024-01-01", "kind": "university",
                          "rules": [{"rule": "max_employees", "limit": 9}]},
                         ensure_ascii=False) + "\n").encode(),
}


@st.composite
def _mutated(draw: st.DrawFn, fmt: str) -> bytes:
    data = bytearray(_VALID[fmt])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        piece = draw(st.sampled_from(_SNIPPETS) | st.binary(max_size=8))
        if draw(st.booleans()):
            data[at:at] = piece
        else:
            data[at:at + len(piece)] = piece
    return bytes(data)


def _load_quietly(loader: Any, path: Path, **kw: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problems: list[Any] = []
        try:
            loader(path, **kw)
        except rm.DataError as err:
            problems = err.problems or [None]
        assert None not in problems
        assert all(str(p) for p in problems)  # every problem can be shown


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow,
                                                   HealthCheck.data_too_large])
@given(st.sampled_from(["csv", "jsonl"]).flatmap(lambda f: st.tuples(st.just(f), _mutated(f))),
       st.sampled_from(_LOADERS), st.sampled_from(["raise", "collect"]))
def test_mutated_files_raise_only_data_errors(case: tuple[str, bytes], loader: Any,
                                              errors: str) -> None:
    fmt, data = case
    with _scratch() as d:
        path = d / f"f.{fmt}"
        path.write_bytes(data)
        _load_quietly(loader, path, errors=errors)


@settings(max_examples=40)
@given(st.binary(max_size=300), st.sampled_from(_LOADERS), st.sampled_from(["csv", "jsonl"]))
def test_random_bytes_raise_only_data_errors(data: bytes, loader: Any, fmt: str) -> None:
    with _scratch() as d:
        path = d / f"f.{fmt}"
        path.write_bytes(data)
        _load_quietly(loader, path, errors="collect")


_ATTACKS = ["Infinity", "-Infinity", "1e400", "NaN", '"\\ud800"', '"x\\udfff"',
            "[" * 700 + "]" * 700, '"' + "a" * 140_000 + '"', '"=cmd|\' /C calc\'!A0"',
            '"\\u0000"', "null", "[]", "{}", "-1", "1e308", '"\\r\\n"',
            '[{"rule": "max_employees", "limit": 1e400}]',
            '[{"rule": "min_employees", "limit": Infinity}]',
            "[" + '{"rule": "not", "of": ' * 600 + '{"rule": "sme"}' + "}" * 600 + "]"]
_FIRM_JSON = {"id": '"F1"', "name": '"Busan"', "technologies": '"MOLD"', "employees": "3",
              "district": '"JUNG"', "cluster": '""', "workforce_40plus": "0.5"}
_PROGRAM_JSON = {**{k: json.dumps(v) for k, v in PROGRAM.items()}, "rules": "[]",
                 "capacity": "10", "notes": '""'}


def _line(fields: dict[str, str]) -> str:
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in fields.items()) + "}"


_TARGETS = [("firms", k) for k in _FIRM_JSON] + [("programs", k) for k in _PROGRAM_JSON]


@pytest.mark.parametrize(("kind", "target"), _TARGETS)
@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow,
                                                   HealthCheck.data_too_large])
@given(data=st.data())
def test_attack_values_in_any_field_raise_only_data_errors(kind: str, target: str,
                                                           data: Any) -> None:
    """A hostile value in a field (and maybe in one more): loading, importing and writing
    back raise only documented errors."""
    base = _FIRM_JSON if kind == "firms" else _PROGRAM_JSON
    fields = dict(base)
    fields[target] = data.draw(st.sampled_from(_ATTACKS), label=target)
    other = data.draw(st.sampled_from(list(base)), label="other")
    fields[other] = data.draw(st.sampled_from(_ATTACKS) | st.just(base[other]), label=other)
    loader = rm.io.load_firms if kind == "firms" else rm.io.load_programs
    with _scratch() as d:
        path = d / f"{kind}.jsonl"
        path.write_text(_line(fields) + "\n", encoding="utf-8")
        try:
            loaded = loader(path)
        except rm.DataError as err:
            problems = err.problems
            loaded = None
        if loaded is None:
            assert problems
            return
        with rm.store.Registry(":memory:") as reg:
            if kind == "firms":
                reg.import_firms(loaded)
                rm.io.write_firms(loaded, d / "back.csv")
                rm.io.load_firms(d / "back.csv")
            else:
                reg.import_programs(loaded)
                rm.io.write_programs(loaded, d / "back.csv")
                rm.io.load_programs(d / "back.csv")


# --- formula cells --------------------------------------------------------------------------
@pytest.mark.parametrize("text", FORMULAS)
def test_formula_cells_are_neutralised_and_read_back(tmp_path: Path, text: str) -> None:
    firm = _firm(name="x" + text if text.strip() == "" else text, cluster=text)
    path = rm.io.write_firms([firm], tmp_path / "firms.csv")
    _assert_neutral(path)
    assert rm.io.load_firms(path)["F1"] == firm
    inst = rm.Institute(id="I1", name_ko=text, name_en=text, kind="university",
                        description=text, source=text)
    path = rm.io.write_institutes({"I1": inst}, tmp_path / "institutes.csv")
    _assert_neutral(path)
    assert rm.io.load_institutes(path)["I1"] == inst
    prog = rm.Program(**{**PROGRAM, "name_ko": text, "name_en": text}, description=text,
                      notes=text)
    path = rm.io.write_programs({"P1": prog}, tmp_path / "programs.csv")
    _assert_neutral(path)
    assert rm.io.load_programs(path)["P1"] == prog


def test_formula_cells_neutralised_in_a_written_population(tmp_path: Path) -> None:
    pop = rm.Population(firms=rm.FirmTable.from_firms([_firm(name="=1+1", cluster="@SUM(1)")]),
                        institutes={}, programs={})
    d = rm.io.write_population(pop, tmp_path / "pop")
    for path in d.glob("*.csv"):
        _assert_neutral(path)
    assert rm.io.load_population(d) == pop


def test_numbers_stay_numbers(tmp_path: Path) -> None:
    from rootmatch.base._csv import csv_text

    text = csv_text(["score", "name"], [[-0.5, "-0.5"], [-3, "=1"]])
    assert text.splitlines() == ["score,name", "-0.5,'-0.5", "-3,'=1"]


def test_a_hand_written_quote_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(HEADER + ",cluster\nF1,'Busan,MOLD,3,JUNG,'=x\n", encoding="utf-8")
    firm = rm.io.load_firms(path)["F1"]
    assert (firm.name, firm.cluster) == ("'Busan", "=x")


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("attack_cli")
    db, path = work / "center.db", work / "model.npz"
    assert main(["generate", "--firms", "150", "--seed", "3", "--db", str(db), "-q"]) == 0
    assert main(["fit", "--db", str(db), "--out", str(path), "-q"]) == 0
    return path


def test_recommend_all_csv_goes_through_the_writer(model: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    with _umask(0o022):
        assert main(["recommend-all", "--model", str(model), "--out", str(out), "--k", "3",
                     "-q"]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    rows = _cells(out)
    assert rows[0] == ["firm", "rank", "target", "kind", "score"]
    _assert_neutral(out)
    mm = rm.Matchmaker.load(model)
    ids, scores = mm.recommend_all(k=3)
    assert [float(r[4]) for r in rows[1:]] == pytest.approx(scores[ids != ""].tolist(),
                                                            abs=1e-6)


# --- encodings ------------------------------------------------------------------------------
def test_utf8_file_with_one_cp949_row_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "firms.csv"
    head = (HEADER + "\nF1,Café Busan,MOLD,3,JUNG\n").encode()
    path.write_bytes(head + "F2,부산금형,MOLD,3,JUNG\n".encode("cp949"))
    with pytest.raises(rm.DataError) as info:
        rm.io.load_firms(path)
    (p,) = info.value.problems
    assert (p.file, p.row, p.line, p.field) == (str(path), 2, 3, "name")
    assert p.value == "부산금형".encode("cp949")[:4]
    assert f"byte offset {len(head) + 3}" in p.message
    assert "mixes" in p.message


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_file_with_accents_is_read_as_utf8(tmp_path: Path, bom: bytes) -> None:
    path = tmp_path / "firms.csv"
    path.write_bytes(bom + (HEADER + "\nF1,Café Busan,MOLD,3,JUNG\n").encode())
    assert rm.io.load_firms(path)["F1"].name == "Café Busan"


def test_cp949_file_with_hangul_is_read(tmp_path: Path) -> None:
    path = tmp_path / "firms.csv"
    path.write_bytes((HEADER + "\nF1,부산 금형,금형,3,중구\nF2,Busan,MOLD,3,JUNG\n")
                     .encode("cp949"))
    table = rm.io.load_firms(path)
    assert table["F1"].name == "부산 금형"


def test_bytes_neither_utf8_nor_cp949_name_row_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "firms.csv"
    head = (HEADER + "\nF1,Busan,MOLD,3,JUNG\n").encode()
    path.write_bytes(head + b"F2,Caf\xe9,MOLD,3,JUNG\n")  # Latin-1
    with pytest.raises(rm.DataError) as info:
        rm.io.load_firms(path)
    (p,) = info.value.problems
    assert (p.row, p.line, p.field) == (2, 3, "name")
    assert f"byte offset {len(head) + 6}" in p.message


# --- long fields ----------------------------------------------------------------------------
def test_a_huge_cell_is_a_row_problem_and_later_rows_are_read(tmp_path: Path) -> None:
    path = tmp_path / "firms.csv"
    path.write_text(f"{HEADER}\nF1,{'a' * 200_000},MOLD,3,JUNG\nF2,b,MOLD,-3,JUNG\n",
                    encoding="utf-8")
    with pytest.raises(rm.DataError) as info:
        rm.io.load_firms(path, errors="collect")
    first, second = info.value.problems
    assert (first.row, first.field) == (1, "name")
    assert "200,000" in first.message
    assert (second.row, second.field) == (2, "employees")


def test_a_huge_jsonl_line_is_refused_unparsed(tmp_path: Path) -> None:
    path = tmp_path / "firms.jsonl"
    path.write_text(json.dumps({"id": "F1", "name": "a" * 2_100_000}) + "\n"
                    + json.dumps({"id": "F2", "name": "b", "technologies": "MOLD",
                                  "employees": -1, "district": "JUNG"}) + "\n")
    with pytest.raises(rm.DataError) as info:
        rm.io.load_firms(path, errors="collect")
    first, second = info.value.problems
    assert first.row == 1
    assert "characters" in first.message
    assert (second.row, second.field) == (2, "employees")


def test_writer_refuses_what_no_reader_takes(tmp_path: Path) -> None:
    with pytest.raises(rm.ValidationError, match="200,000 characters"):
        rm.io.write_firms([_firm(name="a" * 200_000)], tmp_path / "firms.csv")
    assert not (tmp_path / "firms.csv").exists()


def _nested_program(depth: int) -> rm.Program:
    rule: rm.rules.Rule = rm.rules.MaxEmployees(limit=5)
    for _ in range(depth):
        rule = ~rule
    return rm.Program(id="P1", name_ko="시범", name_en="Pilot", axis="R&D",
                      start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), funding="city",
                      rules=[rule])


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_rules_nested_past_the_json_depth_are_refused_when_written(tmp_path: Path,
                                                                   suffix: str) -> None:
    deepest = _nested_program(rm.io.MAX_JSON_DEPTH - 2)  # the list, then one dict per rule
    path = rm.io.write_programs([deepest], tmp_path / f"ok{suffix}")
    assert rm.io.load_programs(path)["P1"] == deepest
    with pytest.raises(rm.ValidationError, match="nested at most"):
        rm.io.write_programs([_nested_program(rm.io.MAX_JSON_DEPTH - 1)],
                             tmp_path / f"deep{suffix}")
    assert not (tmp_path / f"deep{suffix}").exists()


def test_a_json_lines_record_over_the_line_limit_is_refused_when_written(tmp_path: Path) -> None:
    firm = _firm(participations=[("BS24-05", dt.date(2000, 1, 1) + dt.timedelta(days=i))
                                 for i in range(100_000)])  # ~2.2 million characters
    with pytest.raises(rm.ValidationError, match="at most 2,000,000"):
        rm.io.write_firms([firm], tmp_path / "firms.jsonl")
    assert not (tmp_path / "firms.jsonl").exists()
    with pytest.raises(rm.ValidationError, match="100,000"):  # one CSV cell, as before
        rm.io.write_firms([firm], tmp_path / "firms.csv")


@pytest.mark.parametrize(("name", "encoding", "suffix"), [
    ("※ Busan ★", "cp949", ".csv"),  # CP949 without Hangul: the loaders cannot tell it
    ("漢字", "cp949", ".csv"),
    ("사상", "utf-16", ".csv"), ("사상", "euc-kr", ".csv"), ("Busan", "latin-1", ".csv"),
    ("사상", "cp949", ".jsonl"),  # JSON lines are read as UTF-8 only
    ("사상", "utf-16", ".jsonl"),
])
def test_writers_take_only_encodings_the_loaders_read_back(tmp_path: Path, name: str,
                                                            encoding: str, suffix: str) -> None:
    path = tmp_path / f"firms{suffix}"
    with pytest.raises(rm.ValidationError, match=r"encoding|CP949"):
        rm.io.write_firms([_firm(name=name)], path, encoding=encoding)
    assert not path.exists()


@pytest.mark.parametrize(("name", "encoding"), [("사상 ※", "cp949"), ("Busan", "cp949"),
                                                ("※", "utf-8"), ("※", "UTF8")])
def test_what_the_writers_encode_the_loaders_read(tmp_path: Path, name: str,
                                                   encoding: str) -> None:
    path = rm.io.write_firms([_firm(name=name)], tmp_path / "firms.csv", encoding=encoding)
    assert rm.io.load_firms(path)["F1"].name == name


def test_a_hub_of_long_texts_is_read_back(tmp_path: Path) -> None:
    text = "\x01" * LIMIT  # written \u0001: six bytes a character, 600 KB a field
    hub = rm.SupportCenter(name_ko=text, name_en=text, description=text)
    pop = rm.Population(firms=rm.FirmTable.from_firms([_firm()]), hub=hub)
    folder = rm.io.write_population(pop, tmp_path / "pop")
    assert (folder / "hub.json").stat().st_size > 1_500_000  # the largest hub a file holds
    assert rm.io.load_population(folder).hub == hub


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow,
                                                   HealthCheck.data_too_large])
@given(st.integers(LIMIT - 3, LIMIT), st.sampled_from(["a", "부", "=", "'", "\"", ",", "\n"]),
       st.text(max_size=20).filter(lambda s: "\x00" not in s), st.sampled_from([".csv", ".jsonl"]))
@example(LIMIT, "=", "", ".csv")  # the escape does not count against the limit
@example(LIMIT, "'", "", ".csv")
def test_long_fields_round_trip(n: int, fill: str, head: str, suffix: str) -> None:
    name = (head + fill * n)[:n]
    if not name.strip():
        name = "x" + name[1:]
    firm = _firm(name=name, cluster=name)
    with _scratch() as d:
        path = rm.io.write_firms([firm], d / f"firms{suffix}")
        assert rm.io.load_firms(path)["F1"] == firm


# --- non-finite numbers, deep nesting, lone surrogates --------------------------------------
@pytest.mark.parametrize("limit", ["Infinity", "-Infinity", "NaN", "1e400"])
def test_non_finite_rule_limits_are_row_problems(tmp_path: Path, limit: str) -> None:
    rule = f'{{"rule": "max_employees", "limit": {limit}}}'
    line = json.dumps(PROGRAM)[:-1] + f', "rules": [{rule}]}}'
    path = tmp_path / "programs.jsonl"
    path.write_text(line + "\n")
    with pytest.raises(rm.DataError) as info:
        rm.io.load_programs(path)
    (p,) = info.value.problems
    assert (p.file, p.row, p.field) == (str(path), 1, "rules")
    cell = json.dumps([{"rule": "max_employees", "limit": 1}]).replace("1}", f"{limit}}}")
    path = tmp_path / "programs.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([[*PROGRAM, "rules"], [*PROGRAM.values(), cell]])
    with pytest.raises(rm.DataError) as info:
        rm.io.load_programs(path)
    (p,) = info.value.problems
    assert (p.row, p.field, p.value) == (1, "rules", cell)


@pytest.mark.parametrize("depth", [40, 600, 5000])
def test_deeply_nested_values_are_row_problems(tmp_path: Path, depth: int) -> None:
    nest = '{"rule": "not", "of": ' * depth + '{"rule": "sme"}' + "}" * depth
    path = tmp_path / "programs.jsonl"
    path.write_text(json.dumps(PROGRAM)[:-1] + f', "rules": [{nest}]}}\n'
                    + json.dumps({**PROGRAM, "id": "P2", "funding": "nope"}) + "\n")
    with pytest.raises(rm.DataError) as info:
        rm.io.load_programs(path, errors="collect")
    first, second = info.value.problems
    assert first.row == 1
    assert first.field in ("rules", None)
    assert (second.row, second.field) == (2, "funding")
    path = tmp_path / "programs.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([[*PROGRAM, "rules"], [*PROGRAM.values(), f"[{nest}]"]])
    with pytest.raises(rm.DataError) as info:
        rm.io.load_programs(path)
    assert info.value.problems[0].field == "rules"


@pytest.mark.parametrize("field", ["name", "cluster"])
def test_lone_surrogates_are_refused_at_load(tmp_path: Path, field: str) -> None:
    rec = {"id": "F1", "name": "Busan", "technologies": "MOLD", "employees": 3,
           "district": "JUNG", field: "x\ud800"}
    path = tmp_path / "firms.jsonl"
    path.write_text(json.dumps(rec) + "\n", encoding="ascii")  # the \ud800 escape
    with pytest.raises(rm.DataError) as info:
        rm.io.load_firms(path)
    (p,) = info.value.problems
    assert (p.row, p.field, p.value) == (1, field, "x\ud800")


def test_lone_surrogates_are_refused_by_every_entity() -> None:
    with pytest.raises(rm.ValidationError) as info:
        _firm(name="\udfff")
    assert info.value.field == "name"
    with pytest.raises(rm.ValidationError):
        rm.Institute(id="I1", name_ko="a", name_en="b", kind="university", source="\ud800")
    with pytest.raises(rm.ValidationError):
        rm.Program(**PROGRAM, notes="\ud800")


def test_an_oversized_file_is_refused_before_reading(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "firms.csv"
    path.write_text(f"{HEADER}\nF1,Busan,MOLD,3,JUNG\n", encoding="utf-8")
    monkeypatch.setattr(rm.io._rows, "MAX_FILE_BYTES", 10)  # the module that reads files
    with pytest.raises(rm.DataError, match="at most 10 bytes"):
        rm.io.load_firms(path)


# --- file modes and failed writes -----------------------------------------------------------
def _writers(d: Path) -> list[Path]:
    firms = [_firm(name="=1")]
    G = nx.Graph()
    G.add_edge("a", "b")
    pop = rm.Population(firms=rm.FirmTable.from_firms(firms), institutes={}, programs={})
    out = [rm.io.write_firms(firms, d / "firms.csv"),
           rm.io.write_firms(firms, d / "firms.jsonl"),
           rm.io.write_collaborations([("F1", "F2")], d / "collab.csv"),
           rm.io.write_graph(G, d / "g.graphml"), rm.io.write_graph(G, d / "g.gexf"),
           rm.io.write_graph(G, d / "g.json")]
    return out + sorted(rm.io.write_population(pop, d / "pop").iterdir())


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_written_files_honour_the_umask(tmp_path: Path, mask: int, mode: int) -> None:
    with _umask(mask):
        paths = _writers(tmp_path)
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in paths} == {
        p.name: oct(mode) for p in paths}


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "firms.csv"
    path.write_text("old")
    path.chmod(0o640)
    with _umask(0o022):
        rm.io.write_firms([_firm()], path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.fixture(scope="module")
def study() -> Any:
    pop = rm.synth.generate_population(60, seed=2, catalog=rm.catalog.busan_2024())
    return rm.study.run_study(pop, seed=2)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_report_files_honour_the_umask(study: Any, tmp_path: Path, mask: int,
                                       mode: int) -> None:
    with _umask(mask):
        paths = study.write(tmp_path / "report", figures=False)
    assert {stat.S_IMODE(p.stat().st_mode) for p in paths.values()} == {mode}


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_saved_models_and_figures_honour_the_umask(study: Any, model: Path, tmp_path: Path,
                                                   mask: int, mode: int) -> None:
    pytest.importorskip("matplotlib")
    mm = rm.Matchmaker.load(model)
    with _umask(mask):
        saved = mm.save(tmp_path / "model.npz")
        paths = study.write(tmp_path / "report", figures=True)
    figures = [p for p in paths.values() if Path(p).suffix == ".png"]
    assert figures
    assert {stat.S_IMODE(Path(p).stat().st_mode) for p in [saved, *figures]} == {mode}


@pytest.mark.parametrize("fail_at", ["write", "fsync", "replace"])
def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: str) -> None:
    path = rm.io.write_firms([_firm(name="old")], tmp_path / "firms.csv")
    before = path.read_bytes()

    def boom(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    if fail_at == "write":  # the disk fills up half-way through the data
        real = os.fdopen

        class _Full(io.FileIO):
            def write(self, b: Any) -> int:
                super().write(bytes(b)[:5])
                raise OSError(28, "No space left on device")

        def fdopen(fd: int, mode: str) -> Any:
            return _Full(fd, "r+" if "+" in mode else "w")

        assert real is not None
        monkeypatch.setattr(os, "fdopen", fdopen)
    else:
        monkeypatch.setattr(os, fail_at, boom)
    with pytest.raises(OSError, match="No space"):
        rm.io.write_firms([_firm(name="new")], path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["firms.csv"]


def test_archives_can_be_written_through_the_helper(tmp_path: Path) -> None:
    from rootmatch.base._atomic import atomic_open

    path = tmp_path / "a.bin"
    with _umask(0o022), atomic_open(path, "w+b") as fh:
        fh.write(b"abc")
        fh.seek(0)
        assert fh.read() == b"abc"
    assert path.read_bytes() == b"abc"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644

    def fail_half_way() -> None:
        with atomic_open(path) as fh:
            fh.write(b"partial")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert path.read_bytes() == b"abc"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]
    assert re.fullmatch(r"0o6\d\d", oct(stat.S_IMODE(path.stat().st_mode)))


def test_import_all_errors_reports_rows_after_a_huge_cell(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    path = tmp_path / "firms.csv"
    path.write_text(f"{HEADER}\nF1,{'a' * 200_000},MOLD,3,JUNG\nF2,b,MOLD,-3,JUNG\n"
                    "F3,c,MOLD,3,NOWHERE\n", encoding="utf-8")
    code = main(["import", str(path), "--db", str(tmp_path / "c.db"), "--all-errors", "-q"])
    err = capsys.readouterr().err
    assert code != 0
    assert "3 problems" in err
    assert "data row 1" in err
    assert "data row 2" in err
    assert "data row 3" in err
    assert "Traceback" not in err


# --- files that are not files ------------------------------------------------------------
@pytest.mark.parametrize("loader", ["load_firms", "read_graphml", "read_node_link"])
def test_devices_and_fifos_are_refused_without_reading(tmp_path: Path, loader: str) -> None:
    """``/dev/zero`` would be read until memory runs out and a FIFO would block forever: both
    are refused from the opened file's type, before any byte is read."""
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    load = (lambda p: rm.io.load_firms(p, format="csv")) if loader == "load_firms" \
        else getattr(rm.io, loader)
    for path in (Path("/dev/zero"), fifo):
        with pytest.raises(rm.DataError, match="not a regular file"):
            load(path)


def test_node_link_json_refuses_non_json_constants(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    path.write_text('{"nodes": [{"id": 1, "w": NaN}], "edges": []}', encoding="utf-8")
    with pytest.raises(rm.DataError, match="NaN is not a JSON value"):
        rm.io.read_node_link(path)


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1" + "0" * 400 + ".0"])
def test_node_link_json_refuses_numbers_that_overflow(tmp_path: Path, number: str) -> None:
    path = tmp_path / "g.json"
    path.write_text('{"nodes": [{"id": 1, "w": ' + number + '}], "edges": []}',
                    encoding="utf-8")
    with pytest.raises(rm.DataError, match="not a finite number"):
        rm.io.read_node_link(path)


def test_reading_a_csv_leaves_the_process_field_size_limit_alone(tmp_path: Path) -> None:
    path = tmp_path / "firms.csv"
    path.write_text(f"{HEADER}\nF1,{'a' * 200_000},MOLD,3,JUNG\nF2,b,MOLD,3,JUNG\n",
                    encoding="utf-8")
    before = csv.field_size_limit(1000)  # a caller's own, lower limit
    try:
        with pytest.raises(rm.DataError) as info:
            rm.io.load_firms(path, errors="collect")
        assert csv.field_size_limit() == 1000  # restored after the read
        assert [(p.row, p.field) for p in info.value.problems] == [(1, "name")]
        assert "200,000" in info.value.problems[0].message  # still read whole, then refused
    finally:
        csv.field_size_limit(before)


def test_an_empty_header_cell_is_named_by_its_position(tmp_path: Path) -> None:
    path = tmp_path / "firms.csv"
    path.write_text(f"{HEADER},,\nF1,Busan,MOLD,3,JUNG,,\n", encoding="utf-8")
    with pytest.raises(rm.DataError, match=r"column 6.*empty") as info:
        rm.io.load_firms(path)
    assert info.value.problems[0].field == "column 6"


@pytest.mark.parametrize("limit", [math.inf, -math.inf, math.nan, 1e400, "²", True, 2.5, "1e3"])
def test_rule_counts_are_whole_numbers_or_validation_errors(limit: object) -> None:
    with pytest.raises(rm.ValidationError, match="whole number"):
        rm.rules.MaxEmployees(limit=limit)
    with pytest.raises(rm.ValidationError, match="whole number"):
        rm.rules.SME(max_employees=limit)


def test_rule_counts_take_integral_values() -> None:
    assert rm.rules.MaxEmployees(limit=9.0).limit == 9
    assert rm.rules.MaxEmployees(limit=" 12 ").limit == 12
    assert rm.rules.SME(max_employees=np.int64(299)).max_employees == 299


def test_nul_characters_are_refused_by_entities() -> None:
    with pytest.raises(rm.ValidationError, match="NUL"):
        _firm(name="\x00")


def test_what_entities_accept_every_file_can_hold() -> None:
    """Lone surrogates, NULs and texts over the cell limit are refused by every entity and by
    the columnar table, so nothing accepted fails later when written or imported."""
    big = "x" * (rm.io.MAX_CELL + 1)
    for bad in ("\ud800", "a\x00b", big):
        with pytest.raises(rm.ValidationError):
            rm.SupportCenter(name_ko=bad)
        with pytest.raises(rm.ValidationError):
            rm.SupportCenter(description=bad)
        with pytest.raises(rm.ValidationError):
            _firm(name=bad)
        table = rm.FirmTable.from_firms([_firm(id="F1"), _firm(id="F2")])
        with pytest.raises(rm.ValidationError, match="row 1"):
            attrs_evolve_names(table, ["ok", bad])
    assert len(_firm(name="x" * rm.io.MAX_CELL).name) == rm.io.MAX_CELL


def attrs_evolve_names(table: rm.FirmTable, names: list[str]) -> rm.FirmTable:
    columns = {c: getattr(table, c) for c in ("ids", "tech_mask", "employees", "district")}
    return rm.FirmTable.from_columns(names=np.asarray(names), **columns)


def test_file_modes_leave_the_umask_alone() -> None:
    """Learning the umask must not change it, even for an instant (other threads create files)."""
    from rootmatch.base._atomic import _umask

    old = os.umask(0o027)
    try:
        assert _umask() == 0o027
    finally:
        os.umask(old)
