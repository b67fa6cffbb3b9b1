"""Tests of rootmatch.synth.calibration: the calibration table and the report."""

from __future__ import annotations

import attrs
import pytest

import rootmatch as rm

CALIBRATION = rm.synth.calibration_targets()


def test_summary_reads_no_truth() -> None:
    pop = rm.synth.generate_population(1000, seed=8)
    with_truth = pop.summary().to_records()
    without = rm.synth.summarize(attrs.evolve(pop, truth=None)).to_records()
    assert without == with_truth or all(
        (x == y) or (x["observed"] != x["observed"] and y["observed"] != y["observed"])
        for x, y in zip(with_truth, without, strict=True))


# --- the report ------------------------------------------------------------------------------
def test_report_table(big: rm.Population, report: rm.synth.CalibrationReport) -> None:
    text = str(report)
    lines = text.splitlines()
    assert lines[0].startswith(f"Calibration of {len(big):,} firms")
    assert "0 off target" in lines[0]
    assert len(lines) == len(report) + 3
    assert any("hellot.net" in line and "2013" in line for line in lines)
    md = report.to_markdown().splitlines()
    assert md[0].startswith("| group | marginal | observed | target |")
    assert len(md) == len(report) + 2
    assert not report.failures
    with pytest.raises(KeyError):
        report["no.such.row"]
    rec = report.to_records()
    assert {"key", "observed", "target", "source", "year", "ok"} <= set(rec[0])


def test_report_on_real_data() -> None:
    """The report works on any population: no truth, few firms, empty groups."""
    firm = rm.Firm(id="F1", name="사상정밀", technologies=["정밀가공"], employees=12,
                   district="사상구", founded=2001, cluster="사상")
    rep = rm.synth.summarize(rm.Population(firms=rm.FirmTable.from_firms([firm])))
    assert rep["size.10_49"].observed == 1.0
    assert rep["size.mold_lt10"].ok is None  # no mold firm: undefined, not failed
    assert "—" in str(rep)


def test_calibration_table_documents_every_target() -> None:
    keys = [r["key"] for r in CALIBRATION["targets"]]
    assert len(keys) == len(set(keys))
    for r in CALIBRATION["targets"]:
        assert r["status"] in ("sourced", "derived", "assumed"), r["key"]
        assert r["kind"] in ("share", "mean", "at_least"), r["key"]
        assert r["measure"], r["key"]
        if r["status"] == "assumed":
            assert r.get("note"), f"{r['key']}: an assumption needs its reasoning"
        else:
            assert r["source"], r["key"]
            assert r["year"], r["key"]
    shares = [r["target"] for r in CALIBRATION["targets"] if r["key"].startswith("tech.")
              and r["key"] != "tech.multi"]
    assert len(shares) == 14
    assert abs(sum(shares) - 1) < 1e-3
