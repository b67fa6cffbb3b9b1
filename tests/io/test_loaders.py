"""Loaders: encodings, labels, row-level problems of every kind of record, fuzzing."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import firm_lists

import rootmatch as rm

DATA = Path(__file__).parents[1] / "data" / "io"
HEADER = "id,name,technologies,employees,district"
_counter = itertools.count()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("io")


def _file(workdir: Path, data: bytes | str, suffix: str = ".csv") -> Path:
    path = workdir / f"f{next(_counter)}{suffix}"
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


class _scratch:  # noqa: N801 - used as a context manager
    """A fresh temporary folder (hypothesis examples cannot share function fixtures)."""

    def __enter__(self) -> Path:
        import tempfile

        self._tmp = tempfile.TemporaryDirectory()
        return Path(self._tmp.name)

    def __exit__(self, *exc: object) -> None:
        self._tmp.cleanup()


def _problems(call, *args, **kwargs) -> list[rm.io.Problem]:
    with pytest.raises(rm.DataError) as info:
        call(*args, **kwargs)
    return info.value.problems


def _check_error(err: rm.DataError, path: Path, *, csv_file: bool) -> None:
    """The documented shape of every loader error."""
    assert err.problems, "a DataError always lists its problems"
    assert str(path) in str(err)
    for p in err.problems:
        assert isinstance(p, rm.io.Problem)
        assert p.file == str(path)
        assert isinstance(p.row, int)
        assert p.row >= 0
        if csv_file:
            assert isinstance(p.field, str)
            assert p.field
        assert ("data row" in str(p)) or ("the header" in str(p))
        assert p.message


# --- encodings and labels --------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["firms_utf8.csv", "firms_utf8_bom.csv", "firms_cp949.csv", "firms_english.csv"])
def test_encodings_and_label_languages_load_the_same_firms(name: str) -> None:
    table = rm.io.load_firms(DATA / name)
    assert table == rm.io.load_firms(DATA / "firms_utf8.csv")
    assert table.ids.tolist() == ["F001", "F002", "F003", "F004"]
    f = table["F001"]
    assert f.technologies == {rm.RootTechnology.MOLD, rm.RootTechnology.PRECISION_MACHINING}
    assert f.district is rm.District.SASANG
    assert f.certified
    assert f.memberships == {"BGMC"}
    assert f.needs == {rm.SupportAxis.WORKFORCE, rm.SupportAxis.TECHNOLOGY}
    assert f.participations == (rm.Participation(program_id="BS24-01", on="2024-03-04"),)
    assert table["F003"].name == "장림 열처리, 주식회사"  # a quoted comma stays in the cell
    assert table["F003"].founded is None
    assert table["F004"].cluster == ""


def test_cp949_fixture_really_is_cp949() -> None:
    data = (DATA / "firms_cp949.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert (DATA / "firms_utf8_bom.csv").read_bytes().startswith(codecs.BOM_UTF8)


def test_minimal_columns_take_the_firm_defaults(workdir: Path) -> None:
    path = _file(workdir, f"{HEADER}\nF1,A,Mold,3,Sasang-gu\n")
    firm = rm.io.load_firms(path)["F1"]
    assert firm == rm.Firm(id="F1", name="A", technologies=["MOLD"], employees=3,
                           district="SASANG")


def test_encoding_override(workdir: Path) -> None:
    path = _file(workdir, f"{HEADER}\nF1,금형사,금형,3,사상구\n".encode("cp949"))
    assert rm.io.load_firms(path, encoding="cp949")["F1"].name == "금형사"
    problems = _problems(rm.io.load_firms, path, encoding="utf-8")
    assert problems[0].row == 1
    assert problems[0].field == "name"


# --- problems --------------------------------------------------------------------------------
BAD_CELLS = [
    ("id", "F 1", "an id"),
    ("id", "", "a value is required"),
    ("name", " ", "non-empty text"),
    ("technologies", "금형|용접", "RootTechnology"),
    ("technologies", ";", "at least one RootTechnology"),
    ("employees", "3.5", "an integer"),
    ("employees", "-1", "an integer in [0, 2147483647]"),
    ("employees", "9" * 30, "an integer"),
    ("district", "Seoul", "a District"),
    ("founded", "1850", "[1900, 2100]"),
    ("workforce_40plus", "1.5", "a number in [0, 1]"),
    ("workforce_40plus", "nan", "a number in [0, 1]"),
    ("foreign_share", "10%", "a number in [0, 1]"),
    ("digital_level", "5", "[0, 4]"),
    ("materials", "wood", "Material"),
    ("needs", "money", "SupportAxis"),
    ("topics", "laser; ???", "Topic"),
    ("certified", "maybe", "a boolean"),
    ("memberships", "BGMC; bad id", "ids"),
    ("participations", "BS24-05", "PROGRAM@YYYY-MM-DD"),
    ("participations", "BS24-05@2023-02-30", "PROGRAM@YYYY-MM-DD"),
]


@pytest.mark.parametrize(("column", "value", "expected"), BAD_CELLS)
def test_a_bad_cell_names_file_row_column_value_and_expectation(
        workdir: Path, column: str, value: str, expected: str) -> None:
    good = {"id": "F2", "name": "B", "technologies": "Welding", "employees": "4",
            "district": "Saha-gu"}
    row = dict(good, id="F3")
    row[column] = value
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(dict.fromkeys([*good, column])))
    writer.writeheader()
    writer.writerow(good)
    writer.writerow(row)
    path = _file(workdir, buf.getvalue())
    with pytest.raises(rm.DataError) as info:
        rm.io.load_firms(path)
    err = info.value
    assert isinstance(err, ValueError)
    assert isinstance(err, rm.RootmatchError)
    [p] = err.problems
    assert (p.file, p.row, p.field, p.value) == (str(path), 2, column, value)
    assert p.line == 3
    assert expected in p.message
    text = str(err)
    assert str(path) in text
    assert "data row 2" in text
    assert repr(column) in text
    assert f"got {value!r}" in text


def test_collect_lists_every_problem_and_returns_nothing() -> None:
    path = DATA / "firms_bad.csv"
    with pytest.raises(rm.DataError) as info:
        rm.io.load_firms(path, errors="collect")
    got = [(p.row, p.field) for p in info.value.problems]
    assert got == [
        (2, "technologies"), (3, "employees"), (4, "id"), (6, "founded"),
        (6, "digital_level"), (6, "participations"), (7, "founded"),
    ]
    # row 5 is blank: skipped but counted, so rows match the spreadsheet (row r = line r + 1)
    assert [p.line for p in info.value.problems] == [3, 4, 5, 7, 7, 7, 8]
    assert "7 problems" in str(info.value)
    assert "first seen at row 1" in info.value.problems[2].message
    # raise mode stops at the first
    assert [(p.row, p.field) for p in _problems(rm.io.load_firms, path)] == [(2, "technologies")]


def test_missing_required_columns_are_header_problems(workdir: Path) -> None:
    path = _file(workdir, "id,name,employees\nF1,A,3\n")
    problems = _problems(rm.io.load_firms, path, errors="collect")
    assert [(p.row, p.field) for p in problems] == [(0, "technologies"), (0, "district")]
    assert "the header" in str(problems[0])
    assert "missing required column" in problems[0].message


def test_empty_file_and_header_only(workdir: Path) -> None:
    problems = _problems(rm.io.load_firms, _file(workdir, b""), errors="collect")
    assert {p.field for p in problems} == {"id", "name", "technologies", "employees", "district"}
    assert len(rm.io.load_firms(_file(workdir, HEADER + "\n"))) == 0


def test_duplicate_header_column(workdir: Path) -> None:
    path = _file(workdir, HEADER + ",name\nF1,A,Mold,3,Sasang-gu,B\n")
    [p] = _problems(rm.io.load_firms, path)
    assert (p.row, p.field) == (0, "name")
    assert "twice" in p.message


@pytest.mark.parametrize(("mode", "raises", "warns"),
                         [("warn", False, True), ("ignore", False, False),
                          ("error", True, False)])
def test_unknown_columns(workdir: Path, mode: str, raises: bool, warns: bool) -> None:
    path = _file(workdir, HEADER + ",foundd,비고\nF1,A,Mold,3,Sasang-gu,1990,메모\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if raises:
            problems = _problems(rm.io.load_firms, path, unknown_columns=mode, errors="collect")
            assert [(p.row, p.field) for p in problems] == [(0, "foundd"), (0, "비고")]
            assert "did you mean 'founded'" in problems[0].message
        else:
            assert rm.io.load_firms(path, unknown_columns=mode)["F1"].founded is None
    messages = [str(w.message) for w in caught if issubclass(w.category, rm.io.DataWarning)]
    assert bool(messages) == warns
    if warns:
        assert "'foundd'" in messages[0]
        assert "did you mean 'founded'" in messages[0]


def test_row_length_problems(workdir: Path) -> None:
    path = _file(workdir, HEADER + "\nF1,A,Mold,3\nF2,B,Mold,3,Saha-gu,extra\n")
    problems = _problems(rm.io.load_firms, path, errors="collect")
    assert [(p.row, p.field) for p in problems] == [(1, "district"), (2, "<extra cell 6>")]


def test_multiline_cells_and_line_numbers(workdir: Path) -> None:
    path = _file(workdir, HEADER + '\nF1,"two\nlines",Mold,3,Sasang-gu\nF2,B,Mold,x,Saha-gu\n')
    [p] = _problems(rm.io.load_firms, path)
    assert (p.row, p.line, p.field) == (2, 4, "employees")


def test_bytes_neither_utf8_nor_cp949_name_row_and_column(workdir: Path) -> None:
    text = f"{HEADER}\nF1,금형사,금형,3,사상구\nF2,B,Mold,3,Sasang-gu\n".encode()
    bad = text.replace(b"F2,B", b"F2,\xff\xfeB")
    [p] = _problems(rm.io.load_firms, _file(workdir, bad))
    assert (p.row, p.field) == (2, "name")
    assert "neither UTF-8 nor CP949" in p.message


def test_utf16_is_refused_with_advice(workdir: Path) -> None:
    path = _file(workdir, (f"{HEADER}\nF1,A,Mold,3,Sasang-gu\n").encode("utf-16"))
    [p] = _problems(rm.io.load_firms, path)
    assert "UTF-16" in p.message
    assert p.row == 0


def test_jsonl_problems(workdir: Path) -> None:
    lines = [
        json.dumps({"id": "F1", "name": "A", "technologies": ["금형"], "employees": 3,
                    "district": "사상구"}, ensure_ascii=False),
        "{not json",
        "[1, 2]",
        json.dumps({"id": "F3", "name": "C", "technologies": ["금형"], "employees": True,
                    "district": "사상구"}),
        json.dumps({"id": "F4", "name": "D", "employees": 3, "district": "사상구"}),
        "",
        json.dumps({"id": "F5", "name": 5, "technologies": "Mold", "employees": 3.0,
                    "district": "Sasang-gu", "founded": None}),
    ]
    path = _file(workdir, "\n".join(lines) + "\n", ".jsonl")
    problems = _problems(rm.io.load_firms, path, errors="collect")
    assert [(p.row, p.field) for p in problems] == [
        (2, None), (3, None), (4, "employees"), (5, "technologies"), (7, "name")]
    good = "\n".join(lines[i] for i in (0,)) + "\n"
    assert rm.io.load_firms(_file(workdir, good, ".jsonl"))["F1"].employees == 3


def test_bad_arguments_raise_validation_error(workdir: Path) -> None:
    path = _file(workdir, HEADER + "\n")
    with pytest.raises(rm.ValidationError, match="errors"):
        rm.io.load_firms(path, errors="ignore")  # type: ignore[arg-type]
    with pytest.raises(rm.ValidationError, match="extension"):
        rm.io.load_firms(_file(workdir, HEADER + "\n", ".txt"))
    with pytest.raises(rm.ValidationError, match="unknown_columns"):
        rm.io.load_firms(path, unknown_columns="drop")  # type: ignore[arg-type]
    with pytest.raises(rm.ValidationError, match="labels"):
        rm.io.write_firms([], workdir / "x.csv", labels="fr")  # type: ignore[arg-type]
    assert len(rm.io.load_firms(_file(workdir, HEADER + "\n", ".txt"), format="csv")) == 0
    with pytest.raises(FileNotFoundError):
        rm.io.load_firms(workdir / "missing.csv")


# --- institutes, programs, links ----------------------------------------------------------
@pytest.mark.parametrize(("suffix", "labels"),
                         [(".csv", "en"), (".csv", "ko"), (".jsonl", "name"), (".jsonl", "ko")])
def test_catalog_round_trips(workdir: Path, catalog: rm.Catalog, suffix: str,
                             labels: str) -> None:
    p = rm.io.write_programs(catalog.programs, workdir / f"p{next(_counter)}{suffix}",
                             labels=labels)
    i = rm.io.write_institutes(catalog.institutes, workdir / f"i{next(_counter)}{suffix}",
                               labels=labels)
    assert rm.io.load_programs(p) == catalog.programs
    assert rm.io.load_institutes(i) == catalog.institutes


def test_program_problems(workdir: Path) -> None:
    head = "id,name_ko,name_en,axis,start,end,funding,rules,capacity\n"
    rows = [
        "P1,가,A,기술 개발,2024-06,2024-01,city,,",
        'P2,나,B,기술 개발,2024,2024,city,"[{""rule"": ""nope""}]",',
        "P3,다,C,기술 개발,2024-13,2024,city,,",
        "P4,라,D,기술 개발,2024,2025,city,[,-1",
    ]
    path = _file(workdir, head + "\n".join(rows) + "\n")
    problems = _problems(rm.io.load_programs, path, errors="collect")
    assert [(p.row, p.field) for p in problems] == [
        (1, "end"), (2, "rules"), (3, "start"), (4, "rules"), (4, "capacity")]
    assert "before" in problems[0].message


def test_pairs_problems_and_round_trip(workdir: Path) -> None:
    path = _file(workdir, "firm_a,firm_b\nF1,F2\nF2,F1\nF3,F3\nF4,\n")
    problems = _problems(rm.io.load_collaborations, path, errors="collect")
    assert [(p.row, p.field) for p in problems] == [(2, "firm_b"), (3, "firm_b"), (4, "firm_b")]
    assert "first seen at row 1" in problems[0].message
    pairs = np.array([["F1", "F2"], ["F9", "F1"]])
    for suffix in (".csv", ".jsonl"):
        out = rm.io.write_collaborations(pairs, workdir / f"c{next(_counter)}{suffix}")
        assert np.array_equal(rm.io.load_collaborations(out), pairs)
        out = rm.io.write_institute_links(pairs, workdir / f"l{next(_counter)}{suffix}")
        assert np.array_equal(rm.io.load_institute_links(out), pairs)
    empty = rm.io.write_collaborations([], workdir / "empty.csv")
    assert rm.io.load_collaborations(empty).shape == (0, 2)

# --- fuzzing ---------------------------------------------------------------------------------
def _csv_text(firms: list[rm.Firm], labels: str = "en") -> str:
    with _scratch() as d:
        return rm.io.write_firms(firms, d / "f.csv", labels=labels).read_text("utf-8-sig")


def _load_or_explain(path: Path, *, errors: str = "raise", csv_file: bool = True):
    """Load; any error must be a DataError of the documented shape."""
    try:
        return rm.io.load_firms(path, errors=errors, unknown_columns="ignore")
    except rm.DataError as err:
        _check_error(err, path, csv_file=csv_file)
        return err


COLUMNS = ["id", "name", "technologies", "employees", "district", "founded",
           "workforce_40plus", "foreign_share", "digital_level", "materials", "needs", "topics",
           "certified", "memberships", "participations", "cluster"]


@settings(max_examples=25)
@given(firm_lists(min_size=1, max_size=8), st.data())
def test_fuzz_random_cell_is_blamed_on_its_row_and_column(firms, data) -> None:
    rows = list(csv.reader(io.StringIO(_csv_text(firms), newline="")))
    r = data.draw(st.integers(1, len(firms)), label="row")
    c = data.draw(st.integers(0, len(COLUMNS) - 1), label="column")
    rows[r][c] = data.draw(st.text(max_size=20) | st.sampled_from(
        ["", " ", "-1", "1e9", "NaN", "9" * 25, "금형;;", "F0000", "BS24-01@", "@", ";", "\""]),
        label="cell")
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    with _scratch() as d:
        path = d / "f.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        for errors in ("raise", "collect"):
            out = _load_or_explain(path, errors=errors)
            if isinstance(out, rm.DataError):
                blamed = {(p.row, p.field) for p in out.problems}
                if COLUMNS[c] == "id":  # a duplicate id may be blamed on the later row
                    assert all(f == "id" for _, f in blamed)
                else:
                    assert blamed == {(r, COLUMNS[c])}
            else:
                assert len(out) == len(firms)


@given(st.binary(max_size=300))
def test_fuzz_random_bytes(data: bytes) -> None:
    with _scratch() as d:
        for suffix in (".csv", ".jsonl"):
            path = d / f"f{suffix}"
            path.write_bytes(data)
            for errors in ("raise", "collect"):
                _load_or_explain(path, errors=errors, csv_file=suffix == ".csv")


@settings(max_examples=20)
@given(firm_lists(min_size=1, max_size=6), st.data())
def test_fuzz_random_bytes_after_a_valid_header(firms, data) -> None:
    text = _csv_text(firms).encode("utf-8")
    cut = data.draw(st.integers(len(HEADER), len(text)), label="cut")
    junk = data.draw(st.binary(max_size=40), label="junk")
    with _scratch() as d:
        path = d / "f.csv"
        path.write_bytes(text[:cut] + junk + text[cut:])
        _load_or_explain(path, errors="collect")


@settings(max_examples=20)
@given(firm_lists(min_size=1, max_size=8), st.data(), st.sampled_from([".csv", ".jsonl"]))
def test_fuzz_truncated_files(firms, data, suffix) -> None:
    with _scratch() as d:
        full = rm.io.write_firms(firms, d / f"full{suffix}", labels="ko").read_bytes()
        cut = data.draw(st.integers(0, len(full)), label="cut")
        path = d / f"f{suffix}"
        path.write_bytes(full[:cut])
        out = _load_or_explain(path, errors="collect", csv_file=suffix == ".csv")
    if not isinstance(out, rm.DataError):  # what loads is a prefix of the firms
        assert out.ids.tolist() == [f.id for f in firms[: len(out)]]


@settings(max_examples=15)
@given(firm_lists(min_size=1, max_size=6), st.sampled_from(
    ["utf-16", "utf-16-le", "utf-32", "latin-1", "euc-kr", "shift_jis", "utf-7"]),
       st.sampled_from(["en", "ko"]))
def test_fuzz_wrong_encodings(firms, encoding, labels) -> None:
    text = _csv_text(firms, labels=labels)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode(encoding, errors="replace")
    with _scratch() as d:
        path = d / "f.csv"
        path.write_bytes(data)
        for errors in ("raise", "collect"):
            _load_or_explain(path, errors=errors)


@settings(max_examples=25)
@given(firm_lists(min_size=1, max_size=6), st.data())
def test_fuzz_flipped_bytes(firms, data) -> None:
    raw = bytearray(_csv_text(firms, labels="ko").encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 4), label="flips")):
        i = data.draw(st.integers(0, len(raw) - 1), label="at")
        raw[i] = data.draw(st.integers(0, 255), label="byte")
    with _scratch() as d:
        path = d / "f.csv"
        path.write_bytes(bytes(raw))
        _load_or_explain(path, errors="collect")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6,
)


def _load_any(loader, path: Path, *, csv_file: bool) -> None:
    try:
        loader(path, errors="collect", unknown_columns="ignore")
    except rm.DataError as err:
        _check_error(err, path, csv_file=csv_file)


LOADERS = (rm.io.load_firms, rm.io.load_institutes, rm.io.load_programs,
           rm.io.load_collaborations, rm.io.load_institute_links, rm.io.load_participations)


@settings(max_examples=25)
@given(st.lists(st.dictionaries(st.sampled_from([*COLUMNS, "other"]), json_values,
                                max_size=8) | json_values, max_size=5))
def test_fuzz_jsonl_records(records) -> None:
    with _scratch() as d:
        path = d / "f.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
        for loader in LOADERS:
            _load_any(loader, path, csv_file=False)


@settings(max_examples=25)
@given(st.lists(st.lists(st.text(max_size=12) | st.sampled_from(
    ["금형", "Mold", "2024", "2024-13", "city", "[]", "[{\"rule\": \"sme\"}]", "1", "true"]),
    min_size=0, max_size=9), max_size=5))
def test_fuzz_cells_of_every_loader(rows) -> None:
    headers = {
        rm.io.load_institutes: "id,name_ko,name_en,kind,district,expertise,services,topics,x",
        rm.io.load_programs: "id,name_ko,name_en,axis,start,end,funding,rules,capacity",
        rm.io.load_collaborations: "firm_a,firm_b",
        rm.io.load_institute_links: "firm,institute",
        rm.io.load_participations: "firm,program,on",
    }
    with _scratch() as d:
        for loader, header in headers.items():
            buf = io.StringIO()
            csv.writer(buf).writerows([header.split(","), *rows])
            path = d / "f.csv"
            path.write_text(buf.getvalue(), encoding="utf-8")
            _load_any(loader, path, csv_file=True)
