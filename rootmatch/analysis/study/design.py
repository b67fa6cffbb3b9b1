"""The design study's result: every scenario, the gap matrix, call lists and sensitivity."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from attrs import frozen

from rootmatch.analysis.study._report import write_report
from rootmatch.analysis.study.gap import GapMatrix
from rootmatch.analysis.study.outreach import CallEntry, OutreachEntry
from rootmatch.analysis.study.result import METRICS, ScenarioResult
from rootmatch.domain.population import Population

__all__ = ["Study"]


@frozen(kw_only=True, eq=False)
class Study:
    """The design study: every scenario's result, the gap matrix, call lists, sensitivity.

    Attributes
    ----------
    population : Population
    on : datetime.date
    k : int
    seed : int
    small_priority : float
        Priority weight of small firms in the allocation.
    results : dict of name -> ScenarioResult
        In run order: the reference (no hub), the baseline (hub), then the what-ifs.
    reference, baseline : str
        Names of the no-hub and the hub scenarios.
    gap : GapMatrix
        Of the baseline's catalog.
    call_lists : dict of program id -> list of CallEntry
    outreach : dict of institute id -> list of OutreachEntry
    sensitivity : list of dict
        :func:`rootmatch.allocate.capacity_sensitivity` rows of the baseline.
    """

    population: Population
    on: dt.date
    k: int
    seed: int
    small_priority: float
    results: dict[str, ScenarioResult]
    reference: str
    baseline: str
    gap: GapMatrix
    call_lists: dict[str, list[CallEntry]]
    outreach: dict[str, list[OutreachEntry]]
    sensitivity: list[dict[str, Any]]

    @property
    def what_ifs(self) -> list[str]:
        """Names of the what-if scenarios."""
        return [n for n in self.results if n not in (self.reference, self.baseline)]

    def key_table(self, *, lang: str = "en") -> list[dict[str, Any]]:
        """Small-firm metrics without and with the hub (the study's key table).

        Returns
        -------
        list of dict
            ``metric`` (key), ``label``, ``without_hub``, ``with_hub``, ``change``.
        """
        a = self.results[self.reference].summary()
        b = self.results[self.baseline].summary()
        i = 0 if lang == "ko" else 1
        return [{"metric": m, "label": METRICS[m][i], "without_hub": a[m], "with_hub": b[m],
                 "change": b[m] - a[m]} for m in METRICS]

    def what_if_table(self, *, lang: str = "en") -> list[dict[str, Any]]:
        """Every scenario's metrics and allocation, and the change against the baseline."""
        base = self.results[self.baseline].summary()
        out = []
        for name, r in self.results.items():
            s = r.summary()
            alloc = r.allocation
            applied = alloc.allowed.any(axis=1)
            row: dict[str, Any] = {"scenario": name, "label": r.scenario.label(lang), **s}
            row.update({f"delta_{m}": s[m] - base[m] for m in METRICS})
            row.update({
                "applicants": int(applied.sum()),
                "small_applicants": int((applied & alloc.small).sum()),
                "slots": int(alloc.capacity.sum()),
                "small_served": int((alloc.served() & alloc.small).sum()),
            })
            out.append(row)
        return out

    def by_group(self, by: str, *, lang: str = "en") -> list[dict[str, Any]]:
        """Metrics per district or technology, without and with the hub side by side."""
        a = {r["group"]: r for r in self.results[self.reference].metrics(by, lang=lang)}
        out = []
        for r in self.results[self.baseline].metrics(by, lang=lang):
            ref = a.get(r["group"], {})
            out.append({"group": r["group"], "n": r["n"],
                        **{f"{m}_without": ref.get(m, float("nan")) for m in METRICS},
                        **{f"{m}_with": r[m] for m in METRICS}})
        return out

    def write(self, out: str | Path, *, lang: str = "ko", figures: bool = True,
              progress: bool = False) -> dict[str, Path]:
        """Write ``report.md``, a self-contained ``index.html`` and the PNG figures.

        Parameters
        ----------
        out : path
            The folder (created if needed).
        lang : {"ko", "en"}, default="ko"
            Language of the report and its figures. Figures fall back to English labels,
            with a warning, when no Korean font is found.
        figures : bool, default=True
            Draw the figures (needs matplotlib, the ``plots`` extra).
        progress : bool, default=False
            Show a progress bar.

        Returns
        -------
        dict of str -> Path
            ``"markdown"``, ``"html"`` and one entry per figure.
        """
        return write_report(self, Path(out), lang=lang, figures=figures, progress=progress)
