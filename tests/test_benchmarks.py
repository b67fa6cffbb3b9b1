"""The quality benchmark runs end to end and writes the documented JSON records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def test_bench_quality_smoke(tmp_path: Path) -> None:
    out = tmp_path / "quality.json"
    run = subprocess.run(
        [sys.executable, str(BENCH / "bench_quality.py"), "--firms", "600", "--queries", "20",
         "--json", str(out)],
        capture_output=True, text=True, check=True, timeout=300)
    assert "Bars (mean ± standard error" in run.stdout
    assert "90% interval" in run.stdout
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert rows
    for row in rows:
        assert set(row) == {"firms", "method", "split", "relevance", "metric", "k", "value"}
        assert row["firms"] == 600
        assert row["value"] is None or isinstance(row["value"], float)
    assert {r["split"] for r in rows} == {"warm", "cold", "program"}
    assert {r["relevance"] for r in rows} == {"observed", "oracle"}
    assert {r["metric"] for r in rows} == {"ndcg", "recall", "precision", "map", "hit_rate",
                                           "coverage", "small_firm_coverage", "diversity"}
    assert {"hybrid", "oracle", "random", "popularity", "content", "complementarity",
            "adamic_adar", "resource_allocation"} <= {r["method"] for r in rows}
    assert {r["k"] for r in rows} == {5, 10}
