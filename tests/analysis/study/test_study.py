"""Tests of rootmatch.study on hand-built networks whose answers are known, and of the report.

The hand-built world (no hub), firms' technologies in brackets, ``*`` = not small::

    I_A (mold expert; operates P1) ── F1 [mold] ── F2 [welding] ── F3* [welding] ── P2
     │                                                           (F3 took part in P2)
     └── F5 [mold]            F4 [mold] alone         F6 [sensors] ── F7 [sensors]

F1 and F5 are members of I_A; I_B (welding, workforce) operates P2; I_C (no expertise,
management) is linked to nobody.
"""

from __future__ import annotations

import datetime as dt
import itertools
import warnings

import networkx as nx
import numpy as np
import pytest

import rootmatch as rm
from rootmatch.rules import SME, ActiveOn, NotAlreadyParticipant, TargetTechnologies

ON = dt.date(2024, 6, 1)
SMALL = ["F1", "F2", "F4", "F5", "F6", "F7"]


class PlantedTruth:
    """A test double of ``pop.truth``: held-out links and an oracle (1 for them, 0.1 else)."""

    def __init__(self, held_out: list[tuple[str, str]]) -> None:
        self.held_out = np.array(held_out, dtype=str)
        self._pairs = {frozenset(p) for p in held_out}

    def oracle_scores(self, firm_ids, candidate_ids) -> np.ndarray:
        q = np.atleast_1d(np.asarray(firm_ids, dtype=str))
        c = np.atleast_1d(np.asarray(candidate_ids, dtype=str))
        return np.array([[1.0 if frozenset((a, b)) in self._pairs else 0.1 for b in c]
                         for a in q])


def _world(truth: bool = True) -> rm.Population:
    institutes = [
        rm.Institute(id="I_A", name_ko="금형센터", name_en="Mold center", kind="research",
                     district="강서구", expertise=["금형"], services=["기술 개발"]),
        rm.Institute(id="I_B", name_ko="용접대학", name_en="Welding college", kind="university",
                     district="사하구", expertise=["용접"], services=["인력 양성"]),
        rm.Institute(id="I_C", name_ko="경영원", name_en="Management agency",
                     kind="public agency", services=["경영지원"]),
    ]
    programs = [
        rm.Program(id="P1", name_ko="금형 기술", name_en="Mold technology", axis="기술 개발",
                   start="2024-01-01", end="2024-12-31", funding="city", targets=["금형"],
                   operators=["I_A"], capacity=1,
                   rules=[ActiveOn(), SME(), TargetTechnologies(technologies=["금형"]),
                          NotAlreadyParticipant()]),
        rm.Program(id="P2", name_ko="인력 양성", name_en="Training", axis="인력 양성",
                   start="2023-01-01", end="2025-12-31", funding="city", operators=["I_B"],
                   capacity=2, rules=[ActiveOn()]),
    ]

    def firm(i: int, tech: str, employees: int = 5, **kw) -> rm.Firm:
        return rm.Firm(id=f"F{i}", name=f"firm {i}", technologies=[tech],
                       employees=employees, district="사상구" if i < 5 else "강서구", **kw)

    firms = rm.FirmTable.from_firms([
        firm(1, "금형", needs=["기술 개발"], memberships=["I_A"]),
        firm(2, "용접", needs=["인력 양성"]),
        firm(3, "용접", employees=20, needs=["인력 양성"],
             participations=[("P2", "2023-05-01")]),
        firm(4, "금형", needs=["기술 개발"]),
        firm(5, "금형", needs=["기술 개발", "인력 양성"], memberships=["I_A"]),
        firm(6, "센서", needs=["경영지원"]),
        firm(7, "센서", needs=["경영지원"]),
    ])
    return rm.Population(
        firms=firms, institutes=institutes, programs=programs,
        collaborations=[("F1", "F2"), ("F2", "F3"), ("F6", "F7")],
        truth=PlantedTruth([("F1", "F5"), ("F4", "F6")]) if truth else None,
    )


@pytest.fixture(scope="module")
def world() -> rm.Population:
    return _world()


@pytest.fixture(scope="module")
def results(world) -> dict[str, rm.study.ScenarioResult]:
    return {s.name: rm.study.run_scenario(world, s, on=ON, seed=0)
            for s in (rm.study.Scenario.no_hub(), rm.study.Scenario.baseline())}


# --- neighbourhoods and hops -------------------------------------------------------------
def test_two_hop_neighbourhood_is_known(world) -> None:
    net = rm.SupportNetwork.from_population(world, hub=True)
    nb = rm.study.neighbourhood(net, SMALL)
    ids = net.firms.ids.tolist()
    within = {f: {ids[j] for j in nb.firms[[i]].indices} for i, f in enumerate(SMALL)}
    assert within == {"F1": {"F2", "F3", "F5"}, "F2": {"F1", "F3"}, "F4": set(),
                      "F5": {"F1"}, "F6": {"F7"}, "F7": {"F6"}}
    assert nb.institute_ids == ("I_A", "I_B", "I_C")
    assert nb.institutes.astype(int).tolist() == [
        [1, 0, 0], [1, 0, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0]]
    # F1 knows P1 (its institute runs it) and P2 (its partner's partner took part in it)
    assert nb.programs.astype(int).tolist() == [[1, 1], [1, 1], [0, 0], [1, 0], [0, 0], [0, 0]]
    q, c = nb.candidate_pairs()  # 2-hop firms that are not partners yet
    assert sorted((SMALL[a], ids[b]) for a, b in zip(q, c)) == [
        ("F1", "F3"), ("F1", "F5"), ("F5", "F1")]


def test_neighbourhood_ignores_the_hub(world) -> None:
    with_hub = rm.study.neighbourhood(rm.SupportNetwork.from_population(world, hub=True))
    without = rm.study.neighbourhood(rm.SupportNetwork.from_population(world, hub=False))
    assert (with_hub.firms != without.firms).nnz == 0
    assert np.array_equal(with_hub.programs, without.programs)


def test_hop_counts_are_known(world) -> None:
    net = rm.SupportNetwork.from_population(world, hub=True)
    pairs = [("F1", "F1"), ("F1", "F2"), ("F1", "F3"), ("F1", "F5"), ("F2", "F5"),
             ("F5", "F3"), ("F1", "F4"), ("F6", "F7"), ("F6", "F1")]
    got = rm.study.hop_counts(net, *zip(*pairs))
    assert got.tolist() == [0, 1, 2, 2, 3, 4, -1, 1, -1]
    assert rm.study.hop_counts(net, ["F5"], ["F3"], max_hops=3).tolist() == [-1]


@pytest.mark.parametrize("seed", range(4))
def test_hops_and_neighbourhoods_match_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cat = rm.catalog.busan_2024()
    coops = ["BGMC", "BMC", "BAPIC"]
    firms = [rm.Firm(id=f"F{i:02d}", name="x", technologies=["금형"], employees=5,
                     district="사상구",
                     memberships=[coops[int(rng.integers(3))]] if rng.random() < 0.15 else [],
                     participations=[("BS24-05", "2023-03-01")] if rng.random() < 0.1 else [])
             for i in range(30)]
    ids = [f.id for f in firms]
    links = {tuple(sorted(rng.choice(30, 2, replace=False))) for _ in range(25)}
    pop = rm.Population(firms=firms, institutes=cat.institutes, programs=cat.programs,
                        collaborations=[(ids[a], ids[b]) for a, b in links])
    net = rm.SupportNetwork.from_population(pop, hub=True)
    G = net.without_hub().graph
    a, b = zip(*itertools.product(ids, ids))
    got = rm.study.hop_counts(net, a, b)
    for x, y, h in zip(a, b, got):
        try:
            d = nx.shortest_path_length(G, f"firm:{x}", f"firm:{y}")
        except nx.NetworkXNoPath:
            d = -1
        assert h == (d if d <= 4 else -1), (x, y)
    nb = rm.study.neighbourhood(net)
    progs = net.program_ids()
    for i, x in enumerate(ids):
        near = nx.single_source_shortest_path_length(G, f"firm:{x}", cutoff=2)
        firms2 = {n[5:] for n in near if n.startswith("firm:") and n != f"firm:{x}"}
        assert {ids[j] for j in nb.firms[[i]].indices} == firms2
        holders = [n for n in near if not n.startswith("prog:")]
        known = {m[5:] for n in holders for m in G[n] if m.startswith("prog:")}
        assert {progs[j] for j in np.flatnonzero(nb.programs[i])} == known


# --- metrics on the hand-built world -------------------------------------------------------
def test_who_is_covered(results) -> None:
    no_hub, hub = results["no_hub"], results["hub"]
    assert no_hub.small_ids.tolist() == SMALL
    fm = no_hub.firm_metrics()
    assert fm["covered"].tolist() == [True, False, False, True, False, False]
    assert {(f, p) for f, row in zip(SMALL, no_hub.partners) for p in row if p} == {
        ("F1", "F3"), ("F1", "F5"), ("F5", "F1")}
    # with the hub every small firm is offered every firm but itself and its partners
    assert hub.firm_metrics()["covered"].all()
    for f, row in zip(SMALL, hub.partners):
        partners = {"F1": {"F2"}, "F2": {"F1", "F3"}, "F6": {"F7"}, "F7": {"F6"}}.get(f, set())
        assert set(row) - {""} == {f"F{i}" for i in range(1, 8)} - {f} - partners


def test_metrics_have_known_values(results) -> None:
    a = results["no_hub"].summary()
    b = results["hub"].summary()
    assert a["covered"] == pytest.approx(2 / 6)
    assert b["covered"] == 1.0
    # true partners F1–F5 and F4–F6: without the hub only F1 and F5 find theirs
    assert a["true_partner"] == pytest.approx(2 / 4)
    assert b["true_partner"] == 1.0
    # oracle: 1 for a true pair, 0.1 else, empty slots 0, k = 10
    assert a["oracle"] == pytest.approx(((0.1 + 1.0) + 1.0) / 10 / 6)
    assert b["oracle"] == pytest.approx((1.0 + 4 * 0.1 + 0.1 * 4 + 1.0 + 5 * 0.1 + 1.0
                                         + 5 * 0.1 + 1.0 + 4 * 0.1 + 5 * 0.1) / 10 / 6)
    # knows an eligible program: F1, F2, F5 without the hub; everybody with it (P2 is open)
    assert a["knows_eligible_program"] == pytest.approx(3 / 6)
    assert b["knows_eligible_program"] == 1.0
    # relevant institute: without the hub only I_A is reachable (by F2, a welder);
    # with it F2 gets I_B (welding) and F4 gets I_A (mold); F1 and F5 are members of I_A
    assert a["relevant_institute"] == 0.0
    assert b["relevant_institute"] == pytest.approx(2 / 6)
    # cross-sector pairs: 1 of 3 without the hub, 25 of 31 with it
    assert a["cross_sector"] == pytest.approx(1 / 3)
    assert b["cross_sector"] == pytest.approx(25 / 31)
    # reach: 28 of the hub's 31 pairs are more than 2 hops apart without it
    assert a["reach"] == 0.0
    assert b["reach"] == pytest.approx(28 / 31)


def test_metrics_by_group(results) -> None:
    rows = {r["group"]: r for r in results["hub"].metrics("technology")}
    assert {g: r["n"] for g, r in rows.items()} == {"Mold & die": 3, "Welding & joining": 1,
                                                     "Sensors": 2}
    assert rows["Mold & die"]["relevant_institute"] == pytest.approx(1 / 3)  # F4 only
    assert rows["Welding & joining"]["relevant_institute"] == 1.0
    by_d = {r["group"]: r["n"] for r in results["no_hub"].metrics("district", lang="ko")}
    assert by_d == {"강서구": 3, "사상구": 3}
    with pytest.raises(rm.ValidationError, match="by"):
        results["hub"].metrics("colour")


def test_truth_metrics_are_nan_without_truth() -> None:
    r = rm.study.run_scenario(_world(truth=False), rm.study.Scenario.baseline(), on=ON)
    s = r.summary()
    assert np.isnan(s["true_partner"])
    assert np.isnan(s["oracle"])
    assert s["covered"] == 1.0


def test_non_enrolled_firms_get_their_own_network_only() -> None:
    pop = rm.synth.generate_population(300, seed=5)
    s = rm.study.Scenario.baseline().with_enrolment(0.5)
    r = rm.study.run_scenario(pop, s, seed=1)
    nb = rm.study.neighbourhood(r.network, r.small_ids)
    ids = r.network.firms.ids
    enrolled = set(ids[r.network.enrolled].tolist())
    assert 0 < r.enrolled.sum() < r.enrolled.size
    for i, (f, row) in enumerate(zip(r.small_ids, r.partners)):
        own = set(ids[nb.firms[[i]].indices].tolist())
        got = set(row) - {""}
        allowed = own | enrolled if r.enrolled[i] else own
        assert got <= allowed - {f}, f
    knows = r.known[np.flatnonzero(pop.firms.is_small)]
    assert knows[r.enrolled].all()
    assert np.array_equal(knows[~r.enrolled], nb.programs[~r.enrolled])


# --- gaps ----------------------------------------------------------------------------------
def test_gap_cells_are_known(world) -> None:
    g = rm.study.gap_matrix(world.firms, world.programs, world.institutes, min_need=2)
    T, A = rm.RootTechnology, rm.SupportAxis
    cell = {(t, a): (int(g.need[t.value, a.value]), str(g.status[t.value, a.value]))
            for t in T for a in A}
    assert cell[T.MOLD, A.TECHNOLOGY] == (3, "targeted")            # P1 targets mold
    assert cell[T.WELDING, A.WORKFORCE] == (1, "institutes")        # I_B; F3 is not small
    assert cell[T.SENSORS, A.MANAGEMENT] == (2, "unmet")            # only I_C, no expertise
    assert cell[T.MOLD, A.WORKFORCE] == (1, "little need")          # P2 is general
    assert g.general[A.WORKFORCE.value] == ("P2",)
    assert [(t.name, a.name, n) for t, a, n in g.unmet()] == [("SENSORS", "MANAGEMENT", 2)]
    assert g.firms[T.MOLD.value] == 3
    assert g.share[T.SENSORS.value, A.MANAGEMENT.value] == 1.0
    everyone = rm.study.gap_matrix(world.firms, world.programs, world.institutes,
                                   small_only=False)
    assert everyone.need[T.WELDING.value, A.WORKFORCE.value] == 2
    rows = g.rows()
    assert len(rows) == 14 * 4
    assert {r["status"] for r in rows} <= set(rm.study.GAP_STATUSES)


def test_gap_program_fills_the_largest_unmet_cell(world) -> None:
    g = rm.study.gap_matrix(world.firms, world.programs, world.institutes, min_need=2)
    p = rm.study.gap_program(g, world.firms, world.institutes, on=ON)
    assert p.targets == {rm.RootTechnology.SENSORS}
    assert p.axis is rm.SupportAxis.MANAGEMENT
    assert p.is_active(ON)
    assert p.capacity_assumed
    after = rm.study.gap_matrix(world.firms, {**world.programs, p.id: p}, world.institutes,
                                min_need=2)
    assert after.unmet() == []
    none = rm.study.gap_matrix(world.firms, world.programs, world.institutes, min_need=3)
    assert rm.study.gap_program(none, world.firms, world.institutes) is None


# --- scenarios -----------------------------------------------------------------------------
def test_removing_an_institute_removes_its_edges(world) -> None:
    pop = rm.study.Scenario.baseline().removing_institute("I_A").apply(world)
    assert "I_A" not in pop.institutes
    assert pop.programs["P1"].operators == frozenset()
    assert pop.firms["F1"].memberships == frozenset()
    net = rm.SupportNetwork.from_population(pop, hub=False)
    assert not net.graph.has_node("inst:I_A")
    nb = rm.study.neighbourhood(net, ["F1", "F5"])
    assert nb.firms.nnz == 2  # F1 still reaches F2, F3; F5 is alone now
    assert world.firms["F1"].memberships == {"I_A"}  # the original is untouched


def test_removing_a_program_removes_participations(world) -> None:
    pop = rm.study.Scenario.baseline().removing_program("P2").apply(world)
    assert set(pop.programs) == {"P1"}
    assert pop.firms["F3"].participations == ()
    rm.SupportNetwork.from_population(pop)  # builds: no dangling participation


def test_unknown_removal_is_refused(world) -> None:
    with pytest.raises(rm.UnknownEntityError, match="NOPE"):
        rm.study.Scenario.baseline().removing_program("NOPE").apply(world)
    with pytest.raises(rm.ValidationError, match="enrolment"):
        rm.study.Scenario(name="x", enrolment=1.5)


def test_rule_what_if_changes_eligibility_not_partners(world) -> None:
    base = rm.study.Scenario.baseline()
    p1 = world.programs["P1"]
    cache: dict = {}
    r0 = rm.study.run_scenario(world, base, on=ON, _cache=cache)
    capped = base.with_employee_cap(p1, 4)
    r1 = rm.study.run_scenario(world, capped, on=ON, _cache=cache)
    assert len(cache) == 1  # the network and recommendations are reused
    assert np.array_equal(r0.partners, r1.partners)
    j = r0.program_ids.index("P1")
    assert r0.eligible[:, j].sum() == 3  # the three small mold firms
    assert r1.eligible[:, j].sum() == 0  # all have 5 employees > 4
    sme = base.with_sme_cap(p1, 3)
    assert [r.name for r in sme.add_programs[0].rules if r.kind == "sme"] == ["sme"]
    assert rm.study.run_scenario(world, sme, on=ON).eligible[:, j].sum() == 0


def test_adding_a_program_or_institute(world) -> None:
    new_inst = rm.Institute(id="I_D", name_ko="센서연구소", name_en="Sensor lab",
                            kind="research", expertise=["센서"], services=["경영지원"])
    s = rm.study.Scenario.baseline().adding_institute(new_inst)
    r = rm.study.run_scenario(world, s, on=ON, k_institutes=4)
    # F6 and F7 (sensors) now get a relevant institute
    assert r.firm_metrics()["relevant_institute"].tolist()[-2:] == [True, True]
    g = rm.study.gap_matrix(r.population.firms, r.population.programs,
                            r.population.institutes, min_need=2)
    assert g.unmet() == []


# --- call lists and outreach ----------------------------------------------------------------
def test_program_call_list(world) -> None:
    table = world.firms
    nb = rm.study.neighbourhood(rm.SupportNetwork.from_population(world, hub=False))
    entries = rm.study.program_call_list(table, world.programs["P1"], on=ON,
                                         knows=nb.programs[:, 0])
    # the eligible small mold firms with equal fit (technology is P1's axis): F4, who does
    # not know P1 without the hub, first; then by id
    assert [e.firm_id for e in entries] == ["F4", "F1", "F5"]
    assert [e.knows for e in entries] == [False, True, True]
    assert all(e.reasons[-1].en.startswith("eligible") for e in entries)
    assert entries[0].reasons[0].en.startswith("needs technology development support (")
    plain = rm.study.program_call_list(table, world.programs["P1"], on=ON, k=1)
    assert [e.firm_id for e in plain] == ["F1"]


def test_institute_outreach(world) -> None:
    net = rm.SupportNetwork.from_population(world, hub=True)
    out = rm.study.institute_outreach(net, "I_A")
    ids = [e.firm_id for e in out]
    assert not {"F1", "F5"} & set(ids)  # already members
    assert ids[0] == "F4"  # mold, needs technology, no institute within 2 hops
    assert out[0].isolated
    with pytest.raises(rm.UnknownEntityError):
        rm.study.institute_outreach(net, "NOPE")


# --- the whole study and its report ---------------------------------------------------------
@pytest.fixture(scope="module")
def small_study() -> rm.study.Study:
    pop = rm.synth.generate_population(250, seed=11)
    return rm.study.run_study(pop, seed=3, call_list_size=5)


def test_study_is_reproducible(small_study) -> None:
    again = rm.study.run_study(small_study.population, seed=3, call_list_size=5, what_ifs=())
    assert again.key_table() == small_study.key_table()
    for name, r in again.results.items():
        assert np.array_equal(r.partners, small_study.results[name].partners)
        assert np.array_equal(r.allocation.assigned,
                              small_study.results[name].allocation.assigned)
    half = rm.study.Scenario.baseline().with_enrolment(0.5)
    a, b = (rm.study.run_scenario(small_study.population, half, seed=s) for s in (3, 4))
    assert not np.array_equal(a.enrolled, b.enrolled)  # another seed, another draw


def test_study_structure(small_study) -> None:
    st = small_study
    assert list(st.results)[:2] == ["no_hub", "hub"]
    assert len(st.what_ifs) >= 4
    key = {r["metric"]: r for r in st.key_table()}
    assert set(key) == set(rm.study.METRICS)
    assert key["reach"]["without_hub"] == 0.0
    assert key["covered"]["with_hub"] == 1.0
    assert key["knows_eligible_program"]["with_hub"] >= key["knows_eligible_program"][
        "without_hub"]
    for r in st.results.values():
        a = r.allocation
        assert np.all(a.assigned.sum(axis=0) <= a.capacity)
        assert not np.any(a.assigned & ~(r.eligible & r.known))
    assert set(st.call_lists) == set(st.results["hub"].program_ids)
    assert all(len(v) <= 5 for v in st.call_lists.values())
    assert st.sensitivity[0]["factor"] == 0.5


def test_report_is_written(small_study, tmp_path) -> None:
    lang = "ko"
    pytest.importorskip("matplotlib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph (tofu) warns: fail on it
        paths = small_study.write(tmp_path, lang=lang)
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) >= 4
    assert all(p.stat().st_size > 10_000 and p.read_bytes()[:4] == b"\x89PNG" for p in pngs)
    page = (tmp_path / "index.html").read_text("utf-8")
    assert page.count("data:image/png;base64,") == len(pngs)
    assert "<img" in page
    assert 'src="fig' not in page  # self-contained
    md = (tmp_path / "report.md").read_text("utf-8")
    assert all(p.name in md for p in pngs)
    assert "지원센터" in md
    assert paths["html"] == tmp_path / "index.html"


def test_figures_fall_back_to_english_without_a_korean_font(small_study, tmp_path,
                                                             monkeypatch) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.setattr("rootmatch._figures.korean_font", lambda: None)
    with pytest.warns(UserWarning, match="Korean font"):
        small_study.write(tmp_path, lang="ko")
    assert len(list(tmp_path.glob("*.png"))) >= 4


def test_report_without_figures(small_study, tmp_path) -> None:
    paths = small_study.write(tmp_path, lang="en", figures=False)
    assert set(paths) == {"markdown", "html"}
    md = paths["markdown"].read_text("utf-8")
    assert "What the hub changes" in md
    assert "지원센터" not in md
    assert "![" not in md
    with pytest.raises(rm.ValidationError, match="lang"):
        small_study.write(tmp_path, lang="fr")
