"""Hostile input to the registry and the ``rootmatch`` command.

Each case runs ``python -m rootmatch`` in a child process, as a user or a cron job would, and
checks the exit code, a one-line error on standard error naming the thing at fault (the
table, row and column; the target path), no traceback, and — for the commands that only
read a registry — that nothing on disk was created or changed. Permission cases drop the
capabilities that let root ignore file modes (``setpriv``), or run as they are when not
root. The fuzzing at the end calls :func:`rootmatch.cli.main` in this process, on one small
registry and model built once for the module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import rootmatch as rm
from rootmatch.base._checks import MAX_K
from rootmatch.cli import (
    EXIT_BAD_DATA,
    EXIT_LOCKED,
    EXIT_MISSING_FILE,
    EXIT_UNKNOWN_ID,
    EXIT_USAGE,
    main,
)

#: The exit codes the command documents (1, a bug, is not among them).
DOCUMENTED = {0, 2, 3, 4, 5, 6, 7}
READ_ONLY_COMMANDS = {
    "recommend": ["recommend", "F000001", "--k", "2"],
    "recommend-all": ["recommend-all", "--out", "{tmp}/all.csv", "--k", "2"],
    "fit": ["fit", "--out", "{tmp}/m.npz"],
    "study": ["study", "--out", "{tmp}/report", "--no-figures", "--k", "2"],
    "export": ["export", "--out", "{tmp}/net.graphml"],
}
_DROP = "-dac_override,-dac_read_search,-fowner"
NEW_FIRMS = "id,name,technologies,employees,district\nN0001,새봄금형,금형,6,사상구\n"


def _env() -> dict[str, str]:
    here = str(Path(rm.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (here, os.environ.get("PYTHONPATH", "")) if p), "PYTHONIOENCODING": "utf-8"}


def _run(*args: str | Path, cwd: Path, unprivileged: bool = False
         ) -> subprocess.CompletedProcess[str]:
    """``python -m rootmatch ARGS`` in a child process; ``unprivileged``: file modes hold
    even for root (``setpriv`` drops the capabilities that bypass them)."""
    cmd = [sys.executable, "-m", "rootmatch", *map(str, args)]
    if unprivileged and os.geteuid() == 0:
        cmd = ["setpriv", f"--inh-caps={_DROP}", f"--bounding-set={_DROP}", *cmd]
    return subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True,
                          encoding="utf-8", timeout=300, check=False)


def _error(proc: subprocess.CompletedProcess[str], code: int) -> str:
    """The one error line of a run that exited ``code``."""
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("rootmatch: error: "), lines[0]
    return lines[0]


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder``: its content hash and modification time."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                         p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _main(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
    return code, err.getvalue()



def _can_drop_privileges() -> bool:
    return os.geteuid() != 0 or shutil.which("setpriv") is not None


needs_file_modes = pytest.mark.skipif(
    not _can_drop_privileges(),
    reason="running as root without setpriv: file modes cannot be made to hold")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small registry for the module (40 firms on the built-in catalog)."""
    path = tmp_path_factory.mktemp("attack") / "center.db"
    pop = rm.synth.generate_population(40, seed=3)
    with rm.store.Registry(path) as reg:
        reg.import_population(pop)
        reg.import_catalog(rm.catalog.busan_2024())
    return path


@pytest.fixture
def work(tmp_path: Path, registry: Path) -> Path:
    """A fresh folder holding a copy of the registry (``center.db``)."""
    shutil.copy(registry, tmp_path / "center.db")
    (tmp_path / "new_firms.csv").write_text(NEW_FIRMS, encoding="utf-8")
    return tmp_path


# --- the write lock -------------------------------------------------------------------------
def test_held_write_lock_exits_with_the_documented_code_in_about_a_second(work: Path) -> None:
    db = work / "center.db"
    before = db.read_bytes()  # not while locked: closing a file drops the process's locks
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        start = time.monotonic()
        proc = _run("import", "new_firms.csv", "--db", db, "--timeout", "1", cwd=work)
        elapsed = time.monotonic() - start
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    line = _error(proc, EXIT_LOCKED)
    assert str(db) in line
    assert "locked" in line
    assert "1 s" in line
    assert 1.0 <= elapsed < 15.0  # the timeout, plus starting an interpreter
    assert db.read_bytes() == before


def test_registry_timeout_raises_a_named_error(work: Path) -> None:
    db = work / "center.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with rm.store.Registry(db, timeout=0.2) as reg:
            start = time.monotonic()
            with pytest.raises(rm.RegistryLockedError, match="locked") as info:
                reg.remove_firm("F000001")
            assert time.monotonic() - start < 5
            assert isinstance(info.value, TimeoutError)
            assert reg.counts()["firms"] == 40  # reading goes on under another's write lock
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with pytest.raises(rm.ValidationError, match="timeout"):
        rm.store.Registry(db, timeout=-1)
    proc = _run("import", "new_firms.csv", "--db", db, "--timeout", "soon", cwd=work)
    assert proc.returncode == EXIT_USAGE
    assert "Traceback" not in proc.stderr


def test_load_firms_under_another_process_exclusive_lock_is_a_locked_error(work: Path) -> None:
    db = work / "center.db"
    with rm.store.Registry(db, timeout=0.2, read_only=True) as reg:
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # no reader gets in
        try:
            for read in (reg.load_firms, reg.load_institutes, reg.load_population):
                with pytest.raises(rm.RegistryLockedError, match="locked"):
                    read()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert len(reg.load_firms()) == 40


# --- files in the way -----------------------------------------------------------------------
def test_fit_out_inside_a_file_names_the_file(work: Path) -> None:
    (work / "afile").write_text("keep me", encoding="utf-8")
    line = _error(_run("fit", "--db", "center.db", "--out", "afile/x.npz", "-q", cwd=work),
                  EXIT_MISSING_FILE)
    assert "afile" in line
    assert "not a folder" in line
    assert (work / "afile").read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("command", ["recommend", "fit", "import", "generate"])
def test_db_that_is_a_directory_is_a_missing_file(work: Path, command: str) -> None:
    (work / "adir").mkdir()
    args = {"recommend": ["recommend", "F000001"], "fit": ["fit", "--out", "m.npz"],
            "import": ["import", "new_firms.csv"],
            "generate": ["generate", "--firms", "5", "--seed", "1", "--replace"]}[command]
    line = _error(_run(*args, "--db", "adir", cwd=work), EXIT_MISSING_FILE)
    assert "adir" in line
    assert "folder" in line
    assert list((work / "adir").iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("command", ["recommend", "import"])
def test_db_that_is_a_fifo_is_refused_without_blocking(work: Path, command: str) -> None:
    fifo = work / "pipe.db"
    os.mkfifo(fifo)
    args = {"recommend": ["recommend", "F000001"], "import": ["import", "new_firms.csv"]}
    cmd = [sys.executable, "-m", "rootmatch", *args[command], "--db", str(fifo)]
    proc = subprocess.run(cmd, cwd=work, env=_env(), capture_output=True, text=True,
                          encoding="utf-8", timeout=60, check=False)
    line = _error(proc, EXIT_MISSING_FILE)
    assert "pipe.db" in line
    assert "not a regular file" in line
    for read_only in (True, False):
        with pytest.raises(rm.RegistryFileError, match="not a regular file") as info:
            rm.store.Registry(fifo, read_only=read_only, timeout=0.1)
        assert info.value.filename == str(fifo)
    with pytest.raises(rm.RegistryFileError, match="not a regular file"):
        rm.store.Registry("/dev/null")


@needs_file_modes
def test_read_only_db_file_is_a_missing_file_naming_it(work: Path) -> None:
    db = work / "center.db"
    before = db.read_bytes()
    db.chmod(0o444)
    try:
        line = _error(_run("import", "new_firms.csv", "--db", db, cwd=work, unprivileged=True),
                      EXIT_MISSING_FILE)
        # the read-only commands still read it
        ok = _run("recommend", "F000001", "--db", db, "-q", cwd=work, unprivileged=True)
    finally:
        db.chmod(0o644)
    assert str(db) in line
    assert "permission" in line
    assert ok.returncode == 0, ok.stderr
    assert db.read_bytes() == before


@needs_file_modes
def test_read_only_folder_is_a_missing_file_naming_the_target(work: Path) -> None:
    ro = work / "ro"
    ro.mkdir()
    shutil.copy(work / "center.db", ro / "center.db")
    ro.chmod(0o555)
    try:
        writes = [
            (["import", "new_firms.csv", "--db", ro / "center.db"], ro / "center.db"),
            (["generate", "--firms", "5", "--seed", "1", "--db", ro / "new.db"], ro / "new.db"),
            (["fit", "--db", "center.db", "--out", ro / "m.npz", "-q"], ro / "m.npz"),
            (["export", "--db", "center.db", "--out", ro / "net.graphml", "-q"],
             ro / "net.graphml"),
        ]
        for args, target in writes:
            line = _error(_run(*args, cwd=work, unprivileged=True), EXIT_MISSING_FILE)
            assert str(target) in line, line
            assert ".tmp" not in line, line
    finally:
        ro.chmod(0o755)
    assert sorted(p.name for p in ro.iterdir()) == ["center.db"]


# --- registries edited by hand ----------------------------------------------------------------
HAND_EDITS = [
    ("firms", "district", "UPDATE firms SET district = 'Nowhere' WHERE id = 'F000002'",
     "'F000002'"),
    ("firms", "technologies", "UPDATE firms SET technologies = 'MOLD;NOPE' WHERE id = 'F000003'",
     "'F000003'"),
    ("firms", "employees", "UPDATE firms SET employees = 'many' WHERE id = 'F000004'",
     "'F000004'"),
    ("programs", "rules", "UPDATE programs SET rules = '[{' WHERE id = 'BS24-02'", "'BS24-02'"),
    ("programs", "rules", ("UPDATE programs SET rules = '[{\"kind\": \"nope\"}]' "
                           "WHERE id = 'BS24-03'"), "'BS24-03'"),
    ("programs", "start_date", ("UPDATE programs SET start_date = '2024-W10-6' "
                                "WHERE id = 'BS24-01'"), "'BS24-01'"),
    ("institutes", "kind", "UPDATE institutes SET kind = 'ALIEN' WHERE id = 'BGMC'", "'BGMC'"),
    ("participations", "on_date",
     ("UPDATE participations SET on_date = 'soon' WHERE rowid = (SELECT MIN(rowid) FROM "
      "participations)"), "firm_id"),
    ("meta", "value", "UPDATE meta SET value = '{' WHERE key = 'hub'", "'hub'"),
]


@pytest.mark.parametrize(("table", "column", "sql", "row"), HAND_EDITS,
                         ids=[f"{t}.{c}" for t, c, *_ in HAND_EDITS])
def test_hand_edited_registry_is_bad_data_naming_table_row_and_column(
        work: Path, table: str, column: str, sql: str, row: str) -> None:
    db = work / "center.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute(sql)
        conn.commit()
    before = _snapshot(work)
    # one child process per case (alternating commands), the other command in this process
    commands = [["fit", "--out", "m.npz"], ["export", "--out", "net.graphml"]]
    if len(sql) % 2:
        commands.reverse()
    line = _error(_run(*commands[0], "--db", db, cwd=work), EXIT_BAD_DATA)
    code, err = _main([*commands[1], "--db", str(db)])
    assert code == EXIT_BAD_DATA, err
    for text in (line, err.strip()):
        assert f"table {table!r}" in text, text
        assert row in text, text
        assert f"column {column!r}" in text, text
    assert _snapshot(work) == before


# --- read-only commands never write -------------------------------------------------------------
@pytest.mark.parametrize(("command", "content"), [
    *((c, b"") for c in sorted(READ_ONLY_COMMANDS)),
    *((c, b"not a database at all\n" * 40) for c in ("fit", "recommend")),
])
def test_read_only_command_on_a_non_registry_leaves_it_untouched(
        tmp_path: Path, command: str, content: bytes) -> None:
    db = tmp_path / "center.db"
    db.write_bytes(content)
    before = _snapshot(tmp_path)
    args = [a.format(tmp=tmp_path) for a in READ_ONLY_COMMANDS[command]]
    line = _error(_run(*args, "--db", db, cwd=tmp_path), EXIT_BAD_DATA)
    assert str(db) in line
    assert "empty file" in line if not content else "not a SQLite database" in line
    assert _snapshot(tmp_path) == before


def test_read_only_commands_on_a_missing_registry_create_nothing(tmp_path: Path) -> None:
    for command, template in sorted(READ_ONLY_COMMANDS.items()):
        args = [*(a.format(tmp=tmp_path) for a in template), "--db", str(tmp_path / "none.db")]
        if command == "recommend":
            line = _error(_run(*args, cwd=tmp_path), EXIT_MISSING_FILE)
        else:
            code, line = _main(args)
            assert code == EXIT_MISSING_FILE, line
        assert "none.db" in line
        assert list(tmp_path.iterdir()) == []


def test_read_only_commands_leave_a_registry_byte_for_byte(work: Path) -> None:
    db = work / "center.db"
    before = _snapshot(work)
    proc = _run("recommend", "F000001", "--db", db, "--format", "json", "-q", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert _snapshot(work) == before


def test_library_read_only_registry_never_writes(tmp_path: Path, registry: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(rm.DataError, match="empty file"):
        rm.store.Registry(empty, read_only=True)
    assert empty.stat().st_size == 0
    with pytest.raises(rm.RegistryFileError) as info:
        rm.store.Registry(tmp_path / "none.db", read_only=True)
    assert isinstance(info.value, OSError)
    assert info.value.filename == str(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()
    with rm.store.Registry(registry, read_only=True) as reg:
        assert reg.counts()["firms"] == 40
        with pytest.raises(rm.RegistryFileError, match="read-only"):
            reg.remove_firm("F000001")
    with pytest.raises(rm.RegistryFileError, match="folder"):
        rm.store.Registry(tmp_path)


# --- strict arguments ---------------------------------------------------------------------------
def test_non_iso_calendar_dates_are_usage_errors(work: Path) -> None:
    proc = _run("recommend", "F000001", "--db", "center.db", "--on", "2024-W10-6", cwd=work)
    assert proc.returncode == EXIT_USAGE
    assert "Traceback" not in proc.stderr
    assert "YYYY-MM-DD" in proc.stderr
    for on in ("2024-153", "20240601", "2024-06-01T00:00", "２０２４-06-01", "2024-6-1"):
        for command in (["recommend", "F000001", "--db", "center.db"],
                        ["study", "--out", "report", "--db", "center.db"]):
            code, err = _main([*command, "--on", on])
            assert code == EXIT_USAGE, (on, err)
            assert "YYYY-MM-DD" in err


def test_huge_k_is_a_usage_error(work: Path) -> None:
    proc = _run("recommend", "F000001", "--db", "center.db", "--k", str(2**62), cwd=work)
    assert proc.returncode == EXIT_USAGE
    assert "Traceback" not in proc.stderr
    assert "--k" in proc.stderr
    assert str(rm.cli.MAX_K) in proc.stderr
    for args in (["recommend-all", "--out", str(work / "all.csv")],
                 ["study", "--out", str(work / "report")]):
        code, err = _main([*args, "--db", str(work / "center.db"), "--k", str(2**62)])
        assert code == EXIT_USAGE, err
        assert str(rm.cli.MAX_K) in err
    assert not (work / "all.csv").exists()


def test_id_with_a_trailing_newline_is_unknown(work: Path) -> None:
    line = _error(_run("recommend", "F000001\n", "--db", "center.db", cwd=work),
                  EXIT_UNKNOWN_ID)
    assert "F000001" in line


# --- fuzzing the arguments (in process) -----------------------------------------------------------
@pytest.fixture(scope="module")
def model(registry: Path) -> Path:
    path = registry.parent / "model.npz"
    assert main(["fit", "--db", str(registry), "--out", str(path), "-q"]) == 0
    return path


ids = st.one_of(st.sampled_from(["F000001", "F000040"]),
                st.sampled_from(["F000001\n", " F000001", "f000001", "", "-", "--k", "F" * 65,
                                 "BGMC", "BS24-01", "F000001\x00"]),
                st.text(max_size=12))
ks = st.one_of(st.integers(-3, 12), st.sampled_from([10_000, 10_001, 2**31, 2**62, 2**64]))
dates = st.one_of(st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)).map(str),
                  st.sampled_from(["2024-W10-6", "2024-153", "20240601", "2024-02-30",
                                   "2024-06-01T12:00", "0000-01-01", " 2024-06-01 "]),
                  st.text(max_size=12))


@given(firm=ids, k=ks, on=dates, source=st.sampled_from(["--db", "--model"]),
       fmt=st.sampled_from(["table", "json"]))
@example(firm="F000001", k=2**62, on="2024-06-01", source="--model", fmt="json")
@example(firm="F000001", k=3, on="2024-W10-6", source="--db", fmt="table")
@example(firm="F000001\n", k=3, on="2024-06-01", source="--db", fmt="table")
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzzed_recommend_arguments_exit_with_documented_codes(
        registry: Path, model: Path, firm: str, k: int, on: str, source: str, fmt: str) -> None:
    where = str(registry) if source == "--db" else str(model)
    code, err = _main(["recommend", firm, source, where, "--k", str(k), "--on", on,
                       "--format", fmt, "-q"])
    assert code in DOCUMENTED, err
    assert "Traceback" not in err
    if code not in (0, EXIT_USAGE):
        assert err.count("\n") == 1, err
        assert err.startswith("rootmatch: error: "), err


@given(k=ks, timeout=st.sampled_from([None, "0", "0.5", "-1", "nan", "inf", "x"]))
@example(k=2**62, timeout=None)
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fuzzed_batch_arguments_exit_with_documented_codes(
        registry: Path, model: Path, tmp_path_factory: pytest.TempPathFactory, k: int,
        timeout: str | None) -> None:
    out = tmp_path_factory.mktemp("fuzz") / "all.csv"
    wait = [] if timeout is None else ["--timeout", timeout]
    code, err = _main(["recommend-all", "--model", str(model), "--out", str(out), "--k", str(k),
                       *wait, "-q"])
    assert code in DOCUMENTED, err
    assert "Traceback" not in err
    assert (code == 0) == out.exists()



# --- the same checks in the library -----------------------------------------------------------
FIRM = {"id": "F1", "name": "사상금형", "technologies": ["금형"], "employees": 7,
        "district": "사상구"}


@pytest.mark.parametrize("field", ["employees", "founded", "digital_level"])
@pytest.mark.parametrize("text", ["²", "--5", "٣", "1_000", "+-1", "0x10", "１"])
def test_non_ascii_or_malformed_integers_are_validation_errors(field: str, text: str) -> None:
    with pytest.raises(rm.ValidationError) as info:
        rm.Firm(**{**FIRM, field: text})
    assert info.value.field == field
    assert text in str(info.value)


@pytest.mark.parametrize("bad", ["F1\n", "F1\r\n", "\nF1", "F1 ", "F\u200b1"])
def test_ids_are_matched_whole(bad: str) -> None:
    with pytest.raises(rm.ValidationError, match="id"):
        rm.Firm(**{**FIRM, "id": bad})
    with pytest.raises(rm.ValidationError, match="id"):
        rm.Institute(id=bad, name_ko="기관", name_en="Institute", kind="university")
    with pytest.raises(rm.ValidationError, match="program_id"):
        rm.Participation(program_id=bad, on="2024-01-01")


@pytest.mark.parametrize("text", ["2024-W10-6", "2024-153", "20240601", "2024-06-01T00:00",
                                  "２０２４-06-01", "2024-6-1", "+2024-06-01"])
def test_only_yyyy_mm_dd_is_a_date(text: str, tmp_path: Path) -> None:
    from rootmatch.base._checks import check_date

    with pytest.raises(rm.ValidationError, match="YYYY-MM-DD"):
        check_date(text)
    with pytest.raises(rm.ValidationError, match="YYYY-MM-DD"):
        rm.Participation(program_id="BS24-05", on=text)
    csv = tmp_path / "firms.csv"
    csv.write_text(f"id,name,technologies,employees,district,participations\n"
                   f"F1,A,금형,3,사상구,BS24-05@{text}\n", encoding="utf-8")
    with pytest.raises(rm.DataError, match="participations"):
        rm.io.load_firms(csv)
    assert rm.Participation(program_id="BS24-05", on=" 2024-03-02 ").on.isoformat() == \
        "2024-03-02"


@pytest.mark.parametrize("text", ["٢٠٢٤", "2024-٠١", "2024 -01"])
def test_periods_take_ascii_digits_only(text: str) -> None:
    with pytest.raises(rm.ValidationError, match="YYYY"):
        rm.entities.parse_period_start(text)
    with pytest.raises(rm.ValidationError, match="YYYY"):
        rm.entities.parse_period_end(text)


@pytest.fixture(scope="module")
def fitted(registry: Path) -> rm.Matchmaker:
    with rm.store.Registry(registry, read_only=True) as reg:
        net = reg.load_network()
    return rm.Matchmaker(random_state=0).fit(net)


@pytest.mark.parametrize("k", [2**62, MAX_K + 1, -1, 2.0, True])
def test_k_is_bounded_everywhere_it_is_taken(fitted: rm.Matchmaker, k: object) -> None:
    calls = [
        lambda: fitted.recommend_partners("F000001", k),
        lambda: fitted.recommend_programs("F000001", k, on="2024-06-01"),
        lambda: fitted.recommend_all(None, k),
        lambda: rm.evaluate.precision_at_k([["a"]], [{"a"}], k=k),
    ]
    for call in calls:
        with pytest.raises(rm.ValidationError, match="k"):
            call()
    assert len(fitted.recommend_partners("F000001", MAX_K)) < 100
