"""The example scripts run end to end (small sizes)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run(*args: str, cwd: Path) -> str:
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                         timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out.stdout


def test_catalog_tour(tmp_path: Path) -> None:
    out = _run(str(EXAMPLES / "catalog_tour.py"), cwd=tmp_path)
    assert "BS24-07" in out


def test_recommend_for_a_firm(tmp_path: Path) -> None:
    out = _run(str(EXAMPLES / "recommend_for_a_firm.py"), "--firms", "600", "--seed", "3",
               cwd=tmp_path)
    assert "사상정밀금형" in out
    assert "Partner firms" in out
    assert "Institutes" in out
    assert "value chain" in out or "same technology" in out
    assert "Programs on 2024-06-01" in out


@pytest.mark.slow
def test_design_study_writes_the_report(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    _run(str(EXAMPLES / "design_study.py"), "--out", str(tmp_path / "report"), "--firms", "800",
         cwd=tmp_path)
    report = tmp_path / "report"
    assert (report / "index.html").is_file()
    assert (report / "report.md").is_file()
    assert len(list(report.glob("*.png"))) >= 4
