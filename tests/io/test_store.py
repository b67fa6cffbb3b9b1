"""The SQLite registry: schema, round trips, incremental updates, all-or-nothing imports."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule
from strategies import firm_lists, firms, linked_populations

import rootmatch as rm

DATA = Path(__file__).parents[1] / "data" / "io"


def _firm(fid: str, **kw) -> rm.Firm:
    base = {"name": f"firm {fid}", "technologies": ["Mold"], "employees": 5,
            "district": "Sasang-gu"}
    return rm.Firm(id=fid, **{**base, **kw})


@pytest.fixture
def base_pop(catalog: rm.Catalog) -> rm.Population:
    firms = [_firm("F1", memberships=["BGMC"], participations=[("BS24-05", "2023-03-02")]),
             _firm("F2", technologies=["Casting", "Heat treatment"], employees=40),
             _firm("F3", district="Gangseo-gu")]
    return rm.Population(firms=rm.FirmTable.from_firms(firms), institutes=catalog.institutes,
                         programs=catalog.programs, collaborations=[["F2", "F1"]],
                         institute_links=[["F3", "PNU"]], hub=catalog.hub)


@pytest.fixture
def db(tmp_path: Path, base_pop: rm.Population) -> Path:
    path = tmp_path / "center.db"
    with rm.store.Registry(path) as reg:
        reg.import_population(base_pop)
    return path


def _scratch_copy(src: Path) -> Path:
    d = Path(tempfile.mkdtemp())
    return Path(shutil.copy(src, d / "center.db"))


# --- schema ----------------------------------------------------------------------------------
def test_schema_version_foreign_keys_and_tables(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == rm.store.SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"firms", "institutes", "programs", "participations", "collaborations",
                "memberships", "institute_links", "program_operators", "meta"} <= tables
        refs = {(t, r[2]) for t in ("memberships", "participations", "collaborations",
                                    "institute_links", "program_operators")
                for r in conn.execute(f"PRAGMA foreign_key_list({t})")}
        assert ("memberships", "institutes") in refs
        assert ("participations", "programs") in refs
        assert ("collaborations", "firms") in refs
    with rm.store.Registry(db) as reg:
        assert reg.schema_version == 1
        # foreign keys are enforced on the registry's own connection: removing a firm
        # cascades to its memberships, participations and links
        reg.remove_firm("F1")
        counts = reg.counts()
    assert counts["memberships"] == counts["participations"] == counts["collaborations"] == 0


def test_refuses_files_that_are_not_registries(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(rm.DataError, match="not a SQLite database"):
        rm.store.Registry(junk)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(rm.DataError, match="not a rootmatch registry"):
        rm.store.Registry(other)
    newer = tmp_path / "newer.db"
    rm.store.Registry(newer).close()
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(rm.DataError, match="schema version 99"):
        rm.store.Registry(newer)
    reg = rm.store.Registry(tmp_path / "x.db")
    reg.close()
    reg.close()
    with pytest.raises(rm.ValidationError, match="closed"):
        reg.counts()


# --- round trips -----------------------------------------------------------------------------
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(linked_populations())
def test_population_round_trips(pop: rm.Population) -> None:
    with rm.store.Registry(":memory:") as reg:
        reg.import_population(pop)
        back = reg.load_population()
        assert back == pop
        assert np.array_equal(back.institute_links, pop.institute_links)
        assert reg.load_catalog().programs == pop.programs
        # importing the same population again changes nothing
        reg.import_population(pop)
        assert reg.load_population() == pop


def test_generated_population_round_trips(tmp_path: Path, catalog: rm.Catalog) -> None:
    synth = pytest.importorskip("rootmatch.synth")
    if not hasattr(synth, "generate_population"):
        pytest.skip("rootmatch.synth.generate_population is not written yet")
    pop = synth.generate_population(300, seed=5, catalog=catalog)
    with rm.store.Registry(tmp_path / "g.db") as reg:
        reg.import_population(pop)
    with rm.store.Registry(tmp_path / "g.db") as reg:
        assert reg.load_population() == pop


def test_catalog_round_trips(catalog: rm.Catalog) -> None:
    with rm.store.open_registry(":memory:") as reg:
        reg.import_catalog(catalog)
        back = reg.load_catalog()
    assert back.programs == catalog.programs
    assert back.institutes == catalog.institutes
    assert (back.hub, back.name, back.source) == (catalog.hub, catalog.name, catalog.source)


def test_load_network(db: Path) -> None:
    network = pytest.importorskip("rootmatch.graph.network")
    with rm.store.Registry(db) as reg:
        net = reg.load_network(hub=True)
        assert isinstance(net, network.SupportNetwork)
        assert sorted(net.firm_ids().tolist()) == ["F1", "F2", "F3"]
        assert net.graph.edges["firm:F1", "firm:F2"]["relation"] == "collaborates"
        assert "hub" in net.graph
        assert "hub" not in reg.load_network(hub=False).graph


# --- imports from files ----------------------------------------------------------------------
def test_import_firms_from_a_cp949_file(catalog: rm.Catalog) -> None:
    with rm.store.Registry(":memory:") as reg:
        reg.import_catalog(catalog)
        assert reg.import_firms(DATA / "firms_cp949.csv") == 4
        assert reg.load_firms() == rm.io.load_firms(DATA / "firms_utf8.csv")
        assert reg.firm_ids() == ["F001", "F002", "F003", "F004"]


def test_import_problems_name_file_row_and_field(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_text("id,name,technologies,employees,district,memberships,participations\n"
                    "F7,A,Mold,3,Jung-gu,NOPE,\n"
                    "F8,B,Mold,x,Jung-gu,,\n"
                    "F9,C,Mold,3,Jung-gu,,P404@2024-01-01\n", encoding="utf-8")
    before = db.read_bytes()
    with rm.store.Registry(db) as reg, pytest.raises(rm.DataError) as info:
        reg.import_firms(path, errors="collect")
    got = [(p.file, p.row, p.field, p.value) for p in info.value.problems]
    assert got == [(str(path), 2, "employees", "x"), (str(path), 1, "memberships", "NOPE"),
                   (str(path), 3, "participations", "P404")]
    assert db.read_bytes() == before


def test_import_pairs_from_files_and_arrays(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("firm_a,firm_b\nF3,F1\nF1,F2\n", encoding="utf-8")  # F1-F2 is held
    with rm.store.Registry(db) as reg:
        reg.import_collaborations(path)
        assert reg.load_population().collaborations.tolist() == [["F2", "F1"], ["F3", "F1"]]
        reg.import_institute_links(np.array([["F1", "PNU"]]))
        with pytest.raises(rm.DataError, match="names a firm the registry does not hold"):
            reg.import_collaborations([["F1", "F404"]])
        with pytest.raises(rm.DataError, match="itself"):
            reg.import_collaborations([["F1", "F1"]])
        assert reg.counts()["institute_links"] == 2


def test_import_institutes_and_programs(tmp_path: Path, catalog: rm.Catalog) -> None:
    pi = rm.io.write_institutes(catalog.institutes, tmp_path / "i.csv", labels="ko")
    pp = rm.io.write_programs(catalog.programs, tmp_path / "p.jsonl")
    with rm.store.Registry(":memory:") as reg:
        with pytest.raises(rm.DataError, match="operators"):
            reg.import_programs(pp)  # operators name institutes not yet held
        assert reg.import_institutes(pi) == len(catalog.institutes)
        assert reg.import_programs(pp) == 7
        assert reg.load_programs() == catalog.programs


# --- incremental updates ---------------------------------------------------------------------
def test_upsert_and_remove_without_rebuild(db: Path) -> None:
    with rm.store.Registry(db) as reg:
        f1 = reg.get_firm("F1")
        reg.upsert_firm(attrs.evolve(f1, employees=9, memberships=frozenset({"BMC"})))
        reg.upsert_firm(_firm("F4"))
        assert reg.firm_ids() == ["F1", "F2", "F3", "F4"]  # F1 keeps its place
        assert reg.get_firm("F1").memberships == {"BMC"}
        assert reg.counts()["collaborations"] == 1  # F1's links survive its update
        reg.remove_firm("F2")
        assert reg.firm_ids() == ["F1", "F3", "F4"]
        assert reg.counts()["collaborations"] == 0
        with pytest.raises(rm.UnknownEntityError):
            reg.remove_firm("F2")
        with pytest.raises(KeyError):
            reg.get_firm("F2")
        before = db.read_bytes()
        with pytest.raises(rm.UnknownEntityError, match="NOPE"):
            reg.upsert_firm(_firm("F5", memberships=["NOPE"]))
        with pytest.raises(rm.UnknownEntityError, match="P404"):
            reg.upsert_firm(_firm("F5", participations=[("P404", "2024-01-01")]))
        assert db.read_bytes() == before
        assert "F5" not in reg.firm_ids()


class RegistryMachine(RuleBasedStateMachine):
    """Upserts and removals against a dict model: the registry always holds the model."""

    firm_ids = Bundle("firm_ids")

    def __init__(self) -> None:
        super().__init__()
        self.reg = rm.store.Registry(":memory:")
        self.reg.import_catalog(rm.catalog.busan_2024())
        self.model: dict[str, rm.Firm] = {}

    @rule(target=firm_ids, firm=firms(firm_id=st.sampled_from(["F1", "F2", "F3", "F4"])))
    def upsert(self, firm: rm.Firm) -> str:
        self.reg.upsert_firm(firm)
        self.model[firm.id] = firm
        return firm.id

    @rule(firm_id=firm_ids)
    def remove(self, firm_id: str) -> None:
        if firm_id in self.model:
            self.reg.remove_firm(firm_id)
            del self.model[firm_id]
        else:
            with pytest.raises(rm.UnknownEntityError):
                self.reg.remove_firm(firm_id)

    @invariant()
    def holds_the_model(self) -> None:
        assert self.reg.firm_ids() == list(self.model)
        assert self.reg.load_firms() == rm.FirmTable.from_firms(self.model.values())

    def teardown(self) -> None:
        self.reg.close()


TestRegistryMachine = RegistryMachine.TestCase
TestRegistryMachine.settings = settings(max_examples=15, stateful_step_count=12,
                                        suppress_health_check=[HealthCheck.too_slow])


# --- failed imports leave the file byte-identical -----------------------------------------------
COLUMNS = ["id", "name", "technologies", "employees", "district", "founded",
           "workforce_40plus", "foreign_share", "digital_level", "materials", "needs", "topics",
           "certified", "memberships", "participations", "cluster"]


@settings(max_examples=25)
@given(firm_lists(min_size=1, max_size=6), st.data())
def test_fuzz_failed_file_imports_leave_the_file_byte_identical(template_db, firms, data) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "firms.csv"
        rm.io.write_firms(firms, path)
        rows = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"), newline="")))
        kind = data.draw(st.sampled_from(["cell", "bytes", "truncate", "reference"]))
        if kind == "cell":
            r, c = data.draw(st.integers(1, len(firms))), data.draw(st.integers(0, 15))
            rows[r][c] = data.draw(st.text(max_size=12))
        elif kind == "reference":
            r = data.draw(st.integers(1, len(firms)))
            rows[r][COLUMNS.index(data.draw(st.sampled_from(["memberships", "participations"])))] \
                = data.draw(st.sampled_from(["NOPE", "XX@2024-01-01", "BGMC; Z9"]))
        buf = io.StringIO()
        csv.writer(buf).writerows(rows)
        raw = buf.getvalue().encode(data.draw(st.sampled_from(["utf-8", "cp949"])),
                                    errors="replace")
        if kind == "bytes":
            at = data.draw(st.integers(0, len(raw)))
            raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=20)) + raw[at:]
        elif kind == "truncate":
            raw = raw[: data.draw(st.integers(0, len(raw)))]
        path.write_bytes(raw)
        registry = Path(shutil.copy(template_db, Path(d) / "center.db"))
        before = registry.read_bytes()
        with rm.store.Registry(registry) as reg:
            err = _import_error(reg, path, data.draw(st.sampled_from(["raise", "collect"])))
            if err is None:
                assert reg.counts()["firms"] >= 3
            else:
                assert err.problems
                assert all(p.row is not None and p.field for p in err.problems)
                assert registry.read_bytes() == before
                assert reg.counts()["firms"] == 3


def _import_error(reg: rm.store.Registry, path: Path, errors: str) -> rm.DataError | None:
    try:
        reg.import_firms(path, errors=errors, unknown_columns="ignore")
    except rm.DataError as err:
        return err
    return None


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory, catalog: rm.Catalog) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "center.db"
    firms = [_firm("F1", memberships=["BGMC"]), _firm("F2"), _firm("F3")]
    pop = rm.Population(firms=rm.FirmTable.from_firms(firms), institutes=catalog.institutes,
                        programs=catalog.programs, collaborations=[["F1", "F2"]],
                        hub=catalog.hub)
    with rm.store.Registry(path) as reg:
        reg.import_population(pop)
    return path


def test_constraint_failure_mid_write_rolls_back_byte_identical(db: Path) -> None:
    with sqlite3.connect(db) as conn:  # a constraint the validation cannot foresee
        conn.execute("CREATE TRIGGER no_more BEFORE INSERT ON collaborations "
                     "BEGIN SELECT RAISE(ABORT, 'collaborations are frozen'); END")
    conn.close()
    before = db.read_bytes()
    pop = rm.Population(firms=rm.FirmTable.from_firms([_firm(f"G{i}") for i in range(300)]),
                        collaborations=[["G1", "G2"]])
    with rm.store.Registry(db) as reg:
        with pytest.raises(rm.DataError, match="rolled back: collaborations are frozen"):
            reg.import_population(pop)
        assert db.read_bytes() == before
        assert reg.firm_ids() == ["F1", "F2", "F3"]  # the 300 firms written first are gone


def test_exception_mid_write_rolls_back_byte_identical(db: Path, monkeypatch) -> None:
    real = rm.store._write

    def write_then_fail(conn, batch):
        real(conn, batch)
        raise KeyboardInterrupt

    monkeypatch.setattr(rm.store, "_write", write_then_fail)
    before = db.read_bytes()
    with rm.store.Registry(db) as reg:
        with pytest.raises(KeyboardInterrupt):
            reg.upsert_firm(_firm("F9"))
        assert db.read_bytes() == before
        assert "F9" not in reg.firm_ids()


def test_replace_import_that_fails_validation_keeps_everything(db: Path,
                                                               base_pop: rm.Population) -> None:
    before = db.read_bytes()
    bad = attrs.evolve(base_pop, programs={})  # F1's participation names a missing program
    with rm.store.Registry(db) as reg:
        with pytest.raises(rm.DataError, match="participations"):
            reg.import_population(bad, replace=True)
        assert reg.load_population() == base_pop
    assert db.read_bytes() == before


CHILD = textwrap.dedent("""
    import os, signal, sys
    import rootmatch as rm

    pop = rm.io.load_population(sys.argv[2])
    reg = rm.store.Registry(sys.argv[1])
    inserts = 0

    def die_mid_import(statement):
        global inserts
        if statement.startswith("INSERT"):
            inserts += 1
            if inserts == int(sys.argv[4]):
                sys.stdout.write("dying\\n")
                sys.stdout.flush()
                if sys.argv[3] == "sigkill":
                    os.kill(os.getpid(), signal.SIGKILL)
                os._exit(3)

    reg._conn.set_trace_callback(die_mid_import)  # the test's hook into the transaction
    reg.import_population(pop, replace=True)
    print("finished")
""")


@pytest.mark.parametrize("how", ["sigkill", "os_exit"])
def test_a_process_killed_mid_import_leaves_the_earlier_state(
        db: Path, base_pop: rm.Population, tmp_path: Path, catalog: rm.Catalog,
        how: str) -> None:
    before = db.read_bytes()
    new_firms = [_firm(f"N{i:03d}", memberships=["PNU"]) for i in range(200)]
    new_pop = rm.Population(firms=rm.FirmTable.from_firms(new_firms),
                            institutes=catalog.institutes, programs=catalog.programs,
                            collaborations=[["N001", "N002"]])
    rm.io.write_population(new_pop, tmp_path / "new")
    here = str(Path(rm.__file__).resolve().parent.parent)  # the child imports this rootmatch
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (here, os.environ.get("PYTHONPATH", "")) if p)}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(tmp_path / "new"), how, "150"],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )
    assert proc.stdout == "dying\n", proc.stderr
    assert proc.returncode == (-signal.SIGKILL if how == "sigkill" else 3)
    # the process died inside the transaction: it had deleted every row and inserted 150
    with rm.store.Registry(db) as reg:
        assert reg.load_population() == base_pop
        assert reg.firm_ids() == ["F1", "F2", "F3"]
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        assert db.read_bytes() == before
        reg.import_population(new_pop, replace=True)  # and the registry takes writes again
        assert reg.load_population() == new_pop
