"""The ``rootmatch`` command: a session run as subprocesses, exit codes, one-line errors.

The session (generate → import → recommend → fit → study → export) runs ``python -m
rootmatch`` in child processes exactly as a user or a cron job would; the many smaller cases
call :func:`rootmatch.cli.main` in this process (the same code, without paying an
interpreter start each time).
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import networkx as nx
import numpy as np
import pytest

import rootmatch as rm
from rootmatch.cli import main

ON = "2024-06-01"
N_FIRMS, SEED = 300, 5

NEW_FIRMS = """\
id,name,technologies,employees,district,certified,memberships,participations,비고
N0001,새봄금형,금형,6,사상구,true,BGMC,BS24-05@2023-03-02,note
N0002,Dawn Welding,Welding & joining; Heat treatment,12,Gangseo-gu,no,,,
N0003,Sinpyeong Plating,Surface treatment,3,Saha-gu,false,,,
"""


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m rootmatch ARGS`` in a child process, importing the rootmatch under test."""
    here = str(Path(rm.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (here, os.environ.get("PYTHONPATH", "")) if p), "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "rootmatch", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, encoding="utf-8",
                          timeout=600, check=False)


def _ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc


def _one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("rootmatch: error: ")
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """generate, then import a CSV of new firms: the registry every session test reads."""
    work = tmp_path_factory.mktemp("cli")
    gen = _ok(_run("generate", "--firms", N_FIRMS, "--seed", SEED, "--db", "center.db",
                   cwd=work))
    (work / "new_firms.csv").write_text(NEW_FIRMS, encoding="utf-8")
    imp = _ok(_run("import", "new_firms.csv", "--db", "center.db", cwd=work))
    return {"work": work, "db": work / "center.db", "generate": gen, "import": imp}


@pytest.fixture(scope="module")
def model(session: dict[str, Any]) -> Path:
    """A model fitted on the session's registry and saved (in this process)."""
    path = session["work"] / "model.npz"
    assert main(["fit", "--db", str(session["db"]), "--out", str(path), "-q"]) == 0
    return path


def _json_out(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, Any]:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


# --- the session -----------------------------------------------------------------------------
def test_generate_and_import_report_what_they_did(session: dict[str, Any]) -> None:
    assert f"generated {N_FIRMS} firms" in session["generate"].stdout
    assert "imported 3 firms from new_firms.csv" in session["import"].stdout
    # an unknown column is a one-line warning, not an error
    assert "rootmatch: warning:" in session["import"].stderr
    assert "'비고'" in session["import"].stderr
    with rm.store.Registry(session["db"]) as reg:
        assert reg.counts()["firms"] == N_FIRMS + 3
        assert reg.get_firm("N0001").memberships == frozenset({"BGMC"})


def _check_recommendation_report(report: dict[str, Any], firm_id: str, k: int,
                                  db: Path) -> None:
    assert set(report) >= {"firm", "on", "partners", "programs", "near_misses"}
    assert report["firm"]["id"] == firm_id
    assert report["on"] == ON
    with rm.store.Registry(db) as reg:
        firm = reg.get_firm(firm_id)
        programs = reg.load_programs()
    # partners: at most k, best first, never the firm itself, each with reasons
    partners = report["partners"]
    assert 0 < len(partners) <= k
    assert [p["rank"] for p in partners] == list(range(1, len(partners) + 1))
    assert all(p["target"] != firm_id for p in partners)
    assert all(p["kind"] in ("firm", "institute") for p in partners)
    # firms and institutes in one list: by the calibrated probability of collaborating;
    # within a kind that is the order of the score
    probs = [p["probability"] for p in partners]
    assert all(0 < x < 1 for x in probs)
    assert probs == sorted(probs, reverse=True)
    for kind in ("firm", "institute"):
        scores = [p["score"] for p in partners if p["kind"] == kind]
        assert scores == sorted(scores, reverse=True)
    assert all(p["reasons"] and {"ko", "en"} <= set(p["reasons"][0]) for p in partners)
    assert all(abs(sum(p["components"].values()) - p["score"]) < 1e-6 for p in partners)
    # programs: eligible ones really are eligible on the date; near misses fail exactly one rule
    on = dt.date.fromisoformat(ON)
    eligible = [p["target"] for p in report["programs"]]
    for p in report["programs"]:
        assert p["eligible"] is True
        assert p["kind"] == "program"
        assert rm.check_eligibility(programs[p["target"]], firm, on=on).eligible, p["target"]
    truly_eligible = {pid for pid, prog in programs.items()
                      if rm.check_eligibility(prog, firm, on=on).eligible}
    assert set(eligible) <= truly_eligible
    assert len(eligible) == min(k, len(truly_eligible))
    for p in report["near_misses"]:
        assert p["eligible"] is False
        assert p["target"] not in eligible
        result = rm.check_eligibility(programs[p["target"]], firm, on=on)
        assert not result.eligible
        assert [o.rule for o in result.failed] == [p["failed_rule"]]


def test_recommend_json(session: dict[str, Any]) -> None:
    proc = _ok(_run("recommend", "N0001", "--db", "center.db", "--on", ON, "--k", "5",
                    "--format", "json", cwd=session["work"]))
    report = json.loads(proc.stdout)  # one JSON object and nothing else on stdout
    _check_recommendation_report(report, "N0001", 5, session["db"])
    # N0001 took part in BS24-05 in 2023: never recommended again
    assert "BS24-05" not in [p["target"] for p in report["programs"]]
    session["json_from_db"] = report


def test_saved_model_recommends_as_the_registry(session: dict[str, Any], model: Path) -> None:
    proc = _ok(_run("recommend", "N0001", "--model", model, "--on", ON, "--k", "5",
                    "--format", "json", cwd=session["work"]))
    from_model = json.loads(proc.stdout)
    from_db = session.get("json_from_db") or json.loads(_ok(_run(
        "recommend", "N0001", "--db", "center.db", "--on", ON, "--k", "5", "--format", "json",
        cwd=session["work"])).stdout)
    assert from_model["model"].pop("source") == str(model)
    assert from_db["model"].pop("source") == "center.db"
    assert from_model == from_db


def test_study(session: dict[str, Any]) -> None:
    proc = _ok(_run("study", "--out", "report", "--db", "center.db", "--no-figures", "--lang",
                    "en", "-q", cwd=session["work"]))
    out = session["work"] / "report"
    assert (out / "index.html").stat().st_size > 0
    assert (out / "report.md").stat().st_size > 0
    table = proc.stdout.splitlines()
    assert table[0].split()[:3] == ["metric", "no", "hub"]
    reach = next(line for line in table if line.startswith("pairs > 2 hops apart"))
    assert reach.split()[-3] == "0.0%"  # nothing beyond 2 hops without the hub
    # a registry has no planted truth: those metrics are blank, not invented
    assert next(line for line in table if line.startswith("true partner")).split()[-1] == "-"


def test_export_graphml_loads_with_networkx(session: dict[str, Any]) -> None:
    proc = _ok(_run("export", "--db", "center.db", "--format", "graphml", "--out",
                    "net.graphml", cwd=session["work"]))
    G = nx.read_graphml(session["work"] / "net.graphml")
    with rm.store.Registry(session["db"]) as reg:
        net = reg.load_network()
    assert G.number_of_nodes() == net.graph.number_of_nodes()
    assert G.number_of_edges() == net.graph.number_of_edges()
    assert G.nodes["hub"]["kind"] == "hub"
    assert G.nodes["firm:N0001"]["kind"] == "firm"
    assert G.edges["firm:N0001", "inst:BGMC"]["relation"] == "member_of"
    assert f"{G.number_of_nodes():,} nodes" in proc.stdout


@pytest.mark.parametrize(("row", "field", "value"), [
    ("B0002,Quantum,금형; 양자컴퓨팅,6,사상구", "technologies", "양자컴퓨팅"),
    ("B0002,Negative,용접,-4,사상구", "employees", "-4"),
], ids=["unknown technology", "negative employees"])
def test_a_bad_row_is_refused_in_one_line(session: dict[str, Any], row: str, field: str,
                                          value: str) -> None:
    work = session["work"]
    (work / "bad.csv").write_text(f"id,name,technologies,employees,district\n"
                                  f"B0001,Good,금형,6,사상구\n{row}\n", encoding="utf-8")
    before = session["db"].read_bytes()
    proc = _run("import", "bad.csv", "--db", "center.db", cwd=work)
    assert proc.returncode == rm.cli.EXIT_BAD_DATA
    line = _one_line_error(proc.stderr)
    assert "bad.csv" in line
    assert "data row 2" in line
    assert f"column {field!r}" in line
    assert value in line
    assert session["db"].read_bytes() == before  # nothing written, not even the good row


def test_an_unknown_firm_is_exit_4(session: dict[str, Any]) -> None:
    proc = _run("recommend", "F999999", "--db", "center.db", cwd=session["work"])
    assert proc.returncode == rm.cli.EXIT_UNKNOWN_ID
    assert "F999999" in _one_line_error(proc.stderr)


# --- the same commands in this process ------------------------------------------------------
@pytest.mark.parametrize("where", ["db", "out"])
def test_generate_gives_the_library_population(tmp_path: Path, where: str) -> None:
    target = tmp_path / ("g.db" if where == "db" else "pop")
    assert main(["generate", "--firms", "120", "--seed", "4", f"--{where}", str(target),
                 "-q"]) == 0
    want = attrs.evolve(rm.synth.generate_population(120, seed=4,
                                                     catalog=rm.catalog.busan_2024()),
                        truth=None)
    if where == "db":
        with rm.store.Registry(target) as reg:
            assert reg.load_population() == want
    else:
        assert rm.io.load_population(target) == want


def test_generate_refuses_to_mix_populations(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "g.db")
    assert main(["generate", "--firms", "50", "--seed", "1", "--db", db, "-q"]) == 0
    assert main(["generate", "--firms", "60", "--seed", "2", "--db", db]) == rm.cli.EXIT_USAGE
    assert "--replace" in _one_line_error(capsys.readouterr().err)
    assert main(["generate", "--firms", "60", "--seed", "2", "--db", db, "--replace",
                 "-q"]) == 0
    with rm.store.Registry(db) as reg:
        assert reg.counts()["firms"] == 60


@pytest.mark.parametrize("firm", ["N0002", "N0003", "F000000", "F000007", "F000123"])
def test_programs_from_a_model_are_truly_eligible(session: dict[str, Any], model: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  firm: str) -> None:
    report = _json_out(capsys, ["recommend", firm, "--model", str(model), "--on", ON,
                                "--k", "7", "--format", "json"])
    _check_recommendation_report(report, firm, 7, session["db"])


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_recommend_table(session: dict[str, Any], model: Path,
                         capsys: pytest.CaptureFixture[str], lang: str) -> None:
    assert main(["recommend", "N0001", "--model", str(model), "--on", ON, "--k", "3",
                 "--lang", lang]) == 0
    out = capsys.readouterr().out
    report = _json_out(capsys, ["recommend", "N0001", "--model", str(model), "--on", ON,
                                "--k", "3", "--lang", lang, "--format", "json"])
    assert out.startswith("N0001 새봄금형")
    heads = {"en": ("Partners", "Programs you are eligible for", "Near misses"),
             "ko": ("추천 협력 상대", "신청 가능한 지원사업", "조건 하나가 부족한 사업")}[lang]
    assert all(h in out for h in heads)
    for rec in report["partners"] + report["programs"] + report["near_misses"]:
        assert rec["target"] in out
        assert all(reason[lang] in out for reason in rec["reasons"])


def test_recommend_all_writes_every_small_firm(model: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.csv"
    assert main(["recommend-all", "--model", str(model), "--out", str(out), "--k", "4",
                 "-q"]) == 0
    mm = rm.Matchmaker.load(model)
    ids, scores = mm.recommend_all(k=4)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "firm,rank,target,kind,score"
    rows = [line.split(",") for line in lines[1:]]
    small = mm.firm_ids_[mm.table_.is_small]
    assert [r[0] for r in rows[::4]] == small.tolist()
    assert [r[2] for r in rows] == ids[ids != ""].tolist()
    np.testing.assert_allclose([float(r[4]) for r in rows], scores[ids != ""], atol=1e-6)


def test_export_formats_and_without_hub(session: dict[str, Any], tmp_path: Path) -> None:
    db = str(session["db"])
    assert main(["export", "--db", db, "--out", str(tmp_path / "n.json"), "-q"]) == 0
    assert main(["export", "--db", db, "--out", str(tmp_path / "n.gexf"), "--no-hub",
                 "-q"]) == 0
    G = rm.io.read_node_link(tmp_path / "n.json")
    assert "hub" in G
    assert "hub" not in nx.read_gexf(tmp_path / "n.gexf")


def test_import_participations_population_and_all_errors(
        session: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "r.db"
    pop_dir = tmp_path / "pop"
    assert main(["generate", "--firms", "40", "--seed", "9", "--out", str(pop_dir), "-q"]) == 0
    assert main(["import", str(pop_dir), "--db", str(db), "-q"]) == 0
    part = tmp_path / "participations.csv"
    part.write_text("firm,program,on\nF000001,BS24-07,2024-03-04\n", encoding="utf-8")
    assert main(["import", str(part), "--db", str(db), "-q"]) == 0
    with rm.store.Registry(db) as reg:
        assert rm.Participation(program_id="BS24-07", on="2024-03-04") in \
            reg.get_firm("F000001").participations
    part.write_text("firm,program,on\nF000001,NOPE,2024-03-04\nZZZ,BS24-07,2024-03-04\n",
                    encoding="utf-8")
    assert main(["import", str(part), "--db", str(db), "--all-errors"]) == \
        rm.cli.EXIT_BAD_DATA
    err = capsys.readouterr().err
    assert "2 problems" in err
    assert "column 'program'" in err
    assert "column 'firm'" in err
    assert "Traceback" not in err


def test_import_into_a_new_registry_adds_the_catalog_only_when_it_succeeds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "firms.csv"
    bad.write_text("id,name,technologies,employees,district,memberships\n"
                   "A1,A,금형,5,사상구,NOPE\n", encoding="utf-8")
    db = tmp_path / "new.db"
    assert main(["import", str(bad), "--db", str(db)]) == rm.cli.EXIT_BAD_DATA
    assert "column 'memberships'" in _one_line_error(capsys.readouterr().err)
    with rm.store.Registry(db) as reg:
        assert reg.counts() == dict.fromkeys(reg.counts(), 0)  # the catalog was not added
    good = tmp_path / "firms.csv"
    good.write_text("id,name,technologies,employees,district,memberships\n"
                    "A1,A,금형,5,사상구,BGMC\n", encoding="utf-8")
    assert main(["import", str(good), "--db", str(db)]) == 0
    assert "Busan 2024 catalog" in capsys.readouterr().out
    with rm.store.Registry(db) as reg:
        assert reg.counts()["programs"] == 7


def _flipped(path: Path, tmp_path: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x10
    out = tmp_path / "flipped.npz"
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize(("case", "code"), [
    ("missing registry", rm.cli.EXIT_MISSING_FILE),
    ("missing import file", rm.cli.EXIT_MISSING_FILE),
    ("missing model", rm.cli.EXIT_MISSING_FILE),
    ("flipped model", rm.cli.EXIT_BAD_MODEL),
    ("foreign model", rm.cli.EXIT_BAD_MODEL),
    ("not a registry", rm.cli.EXIT_BAD_DATA),
    ("empty registry", rm.cli.EXIT_BAD_DATA),
    ("unknown firm in a model", rm.cli.EXIT_UNKNOWN_ID),
    ("unknown graph format", rm.cli.EXIT_USAGE),
])
def test_expected_errors_are_one_line(session: dict[str, Any], model: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str], case: str,
                                      code: int) -> None:
    db = str(session["db"])
    nothing = str(tmp_path / "nothing")
    (tmp_path / "text.db").write_text("not a database", encoding="utf-8")
    np.savez(tmp_path / "foreign.npz", a=np.arange(3))
    with rm.store.Registry(tmp_path / "empty.db"):
        pass
    argv = {
        "missing registry": ["recommend", "F000001", "--db", nothing],
        "missing import file": ["import", nothing, "--db", str(tmp_path / "x.db")],
        "missing model": ["recommend", "F000001", "--model", nothing],
        "flipped model": ["recommend", "F000001", "--model", str(_flipped(model, tmp_path))],
        "foreign model": ["recommend", "F000001", "--model", str(tmp_path / "foreign.npz")],
        "not a registry": ["export", "--db", str(tmp_path / "text.db"), "--out",
                           str(tmp_path / "x.json")],
        "empty registry": ["fit", "--db", str(tmp_path / "empty.db"), "--out",
                           str(tmp_path / "m.npz")],
        "unknown firm in a model": ["recommend", "NOPE", "--model", str(model)],
        "unknown graph format": ["export", "--db", db, "--out", str(tmp_path / "net.txt")],
    }[case]
    assert main(argv) == code
    captured = capsys.readouterr()
    _one_line_error(captured.err)
    assert captured.out == ""


@pytest.mark.parametrize("argv", [
    ["recommend", "F1", "--db", "x.db", "--on", "2024-13-01"],
    ["recommend", "F1", "--db", "x.db", "--k", "0"],
    ["recommend", "F1", "--db", "x.db", "--model", "m.npz"],
    ["recommend", "F1"],
    ["generate", "--firms", "10", "--seed", "-1", "--db", "x.db"],
    ["export", "--db", "x.db", "--format", "pdf", "--out", "x.pdf"],
    ["frobnicate"],
])
def test_usage_errors_are_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == rm.cli.EXIT_USAGE
    assert "Traceback" not in capsys.readouterr().err


def test_an_unexpected_error_is_exit_1_with_its_traceback(
        session: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(rm.SupportNetwork, "from_population", boom)
    assert main(["export", "--db", str(session["db"]), "--out", "x.json"]) == rm.cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "RuntimeError: a bug" in err


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    codes = {rm.cli.EXIT_OK, rm.cli.EXIT_ERROR, rm.cli.EXIT_USAGE, rm.cli.EXIT_BAD_DATA,
             rm.cli.EXIT_UNKNOWN_ID, rm.cli.EXIT_MISSING_FILE, rm.cli.EXIT_BAD_MODEL}
    assert codes == set(range(7))
    for argv in (["--help"], ["recommend", "--help"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert "exit codes:" in out
        for code in codes:
            assert f"\n  {code}  " in out
    for code in codes:
        assert f"\n{code}\n" in rm.cli.__doc__


def test_the_console_script_is_declared() -> None:
    (entry,) = importlib.metadata.entry_points(group="console_scripts", name="rootmatch")
    assert entry.value == "rootmatch.cli:main"
    assert entry.load() is main


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"rootmatch {rm.__version__}"
    proc = _ok(_run("--version", cwd=Path.cwd()))
    assert proc.stdout.strip() == f"rootmatch {rm.__version__}"
