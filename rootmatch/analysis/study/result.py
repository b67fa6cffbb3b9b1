"""What a scenario gives the small firms, the study's metric definitions, and the shape of a study
result that the report and the figures read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import numpy as np
from attrs import frozen
from numpy.typing import NDArray

from rootmatch.analysis.allocate import Allocation
from rootmatch.analysis.study.gap import GapMatrix
from rootmatch.analysis.study.outreach import CallEntry, OutreachEntry
from rootmatch.analysis.study.reach import Neighbourhood
from rootmatch.analysis.study.scenarios import Scenario
from rootmatch.base.exceptions import ValidationError
from rootmatch.domain.population import Population
from rootmatch.domain.taxonomy import District, RootTechnology

__all__ = ["METRICS", "ScenarioResult", "StudyLike"]


#: Metric key -> (Korean label, English label), in report order.
METRICS: dict[str, tuple[str, str]] = {
    "true_partner": ("추천 안에 실제 협력 상대 포함", "true partner in the top-k"),
    "oracle": ("추천의 평균 실제 협력 확률", "mean true link probability of the top-k"),
    "relevant_institute": ("관련 전문기관 추천", "relevant institute recommended"),
    "knows_eligible_program": ("신청 가능한 사업 인지", "knows an eligible program"),
    "cross_sector": ("타 업종 파트너 비율", "partners in another technology"),
    "reach": ("혼자서는 못 찾을 연결 (3단계 이상)", "pairs > 2 hops apart without hub"),
    "covered": ("파트너 추천 1곳 이상", "at least one partner recommended"),
}


@frozen(kw_only=True, eq=False)
class ScenarioResult:
    """What one scenario gives the small firms, and how the program slots go.

    Attributes
    ----------
    scenario : Scenario
    population : Population
        The population of the scenario (catalog edits applied).
    network : SupportNetwork
        Shared with the scenario it derives from when only rules or capacities differ
        (its program nodes then carry the old rules; ``population.programs`` has the new).
    neighbourhood : Neighbourhood
        Every firm's own 2-hop neighbourhood (without the hub), in row order.
    on : datetime.date
    k : int
    small_ids : ndarray of str, shape (s,)
        The small firms, in row order.
    enrolled : ndarray of bool, shape (s,)
        Which small firms are enrolled with the hub.
    partners : ndarray of str, shape (s, k)
        Recommended partner firms, best first; ``""`` pads.
    scores : ndarray of float64, shape (s, k)
    institutes : ndarray of str, shape (s, k_institutes)
        Recommended institutes; ``""`` pads.
    program_ids : tuple of str
    known, eligible : ndarray of bool, shape (n_firms, n_programs)
        For every firm of the population (row order): programs it knows / may apply to.
    hops : ndarray of int64, shape (s, k)
        Hops between the firm and each recommended partner without the hub (-1: more than
        4, unconnected, or a pad).
    true_link : ndarray of bool, shape (s, k) or None
        Whether each recommended pair is a held-out true link (``None`` without truth).
    propensity : ndarray of float64, shape (s, k) or None
        The oracle's link probability of each pair (0 for pads; ``None`` without truth).
    allocation : Allocation
        Program slots among the applicants (eligible, aware, in need of the program's axes).
    """

    scenario: Scenario
    population: Population
    network: Any
    neighbourhood: Neighbourhood
    on: dt.date
    k: int
    small_ids: NDArray[np.str_]
    enrolled: NDArray[np.bool_]
    partners: NDArray[np.str_]
    scores: NDArray[np.float64]
    institutes: NDArray[np.str_]
    program_ids: tuple[str, ...]
    known: NDArray[np.bool_]
    eligible: NDArray[np.bool_]
    hops: NDArray[np.int64]
    true_link: NDArray[np.bool_] | None
    propensity: NDArray[np.float64] | None
    allocation: Allocation

    @property
    def small_rows(self) -> NDArray[np.intp]:
        """Rows of the small firms in ``population.firms``."""
        return np.flatnonzero(self.population.firms.is_small)

    def firm_metrics(self) -> dict[str, NDArray[Any]]:
        """Per small firm: the ingredients of every metric (see the module docstring).

        Returns
        -------
        dict
            ``valid`` (s, k) filled slots; ``relevant_institute``, ``knows_eligible_program``,
            ``covered`` (s,) bool; ``true_partner`` (s,) 1.0/0.0, ``nan`` for a firm without
            a held-out link (or without truth); ``oracle`` (s,) mean propensity over the k
            slots (``nan`` without truth);
            ``cross`` and ``far`` (s, k) bool per slot.
        """
        table = self.population.firms
        rows = self.small_rows
        valid = self.partners != ""
        pos = np.full(self.partners.shape, -1, np.intp)
        if valid.any():
            pos[valid] = table.positions(self.partners[valid])
        tm = table.tech_mask.astype(np.int64)
        cross = valid & ((tm[rows][:, None] & tm[np.maximum(pos, 0)]) == 0)
        far = valid & (self.hops != 1) & (self.hops != 2)
        insts = self.population.institutes
        inst_ids = np.array(sorted(insts) or [""], dtype=np.str_)
        inst_tech = np.array([sum(1 << t.value for t in insts[i].expertise) if i else 0
                              for i in inst_ids], np.int64)
        ivalid = self.institutes != ""
        ipos = np.searchsorted(inst_ids, self.institutes)
        ipos = np.minimum(ipos, inst_ids.size - 1)
        relevant = (ivalid & ((inst_tech[ipos] & tm[rows][:, None]) != 0)).any(axis=1)
        knows = (self.known[rows] & self.eligible[rows]).any(axis=1)
        n = rows.size
        tp = np.full(n, np.nan)
        truth = self.population.truth
        if self.true_link is not None and truth is not None:
            held = np.asarray(truth.held_out, dtype=np.str_).reshape(-1, 2)
            has = np.zeros(len(table), bool)
            if held.size:
                has[table.positions(held.ravel())] = True
            has = has[rows]
            tp[has] = self.true_link[has].any(axis=1)
        orc = (np.full(n, np.nan) if self.propensity is None
               else self.propensity.sum(axis=1) / max(self.k, 1))
        return {"valid": valid, "true_partner": tp, "oracle": orc,
                "relevant_institute": relevant, "knows_eligible_program": knows,
                "cross": cross, "far": far, "covered": valid.any(axis=1)}

    def metrics(self, by: str | None = None, *, lang: str = "en") -> list[dict[str, Any]]:
        """The metrics for small firms, overall or per group.

        Parameters
        ----------
        by : {None, "district", "technology"}
            ``None`` gives one row (group ``"all"``); a firm counts in each of its
            technologies.
        lang : {"en", "ko"}
            Language of the group labels.

        Returns
        -------
        list of dict
            ``group``, ``n`` (small firms) and one value per key of :data:`METRICS`.
        """
        fm = self.firm_metrics()
        table = self.population.firms
        rows = self.small_rows
        if by is None:
            groups = [("all" if lang == "en" else "전체", np.ones(rows.size, bool))]
        elif by == "district":
            d = table.district[rows]
            groups = [(District(int(v)).label(lang), d == v) for v in np.unique(d)]
        elif by == "technology":
            tm = table.tech_mask[rows].astype(np.int64)
            groups = [(t.label(lang), (tm >> t.value) & 1 == 1) for t in RootTechnology
                      if ((tm >> t.value) & 1).any()]
        else:
            raise ValidationError(f"by must be None, 'district' or 'technology', got {by!r}",
                                  field="by", value=by)
        out = []
        for name, g in groups:
            n_pairs = int(fm["valid"][g].sum())
            def mean(x: NDArray[Any], g: NDArray[np.bool_] = g) -> float:
                x = np.asarray(x[g], dtype=float)
                x = x[~np.isnan(x)]
                return float(x.mean()) if x.size else float("nan")

            out.append({
                "group": name, "n": int(g.sum()),
                "true_partner": mean(fm["true_partner"]),
                "oracle": mean(fm["oracle"]),
                "relevant_institute": mean(fm["relevant_institute"]),
                "knows_eligible_program": mean(fm["knows_eligible_program"]),
                "cross_sector": (float(fm["cross"][g].sum()) / n_pairs) if n_pairs
                else float("nan"),
                "reach": (float(fm["far"][g].sum()) / n_pairs) if n_pairs else float("nan"),
                "covered": mean(fm["covered"]),
            })
        return out

    def summary(self) -> dict[str, float]:
        """The overall metrics as a dict (metric key -> value)."""
        row = self.metrics()[0]
        return {key: row[key] for key in METRICS}

    def hop_distribution(self) -> dict[str, float]:
        """Share of recommended pairs by hops apart without the hub: ``"1-2"``, ``"3"``,
        ``"4"``, ``">4"`` (farther or unconnected)."""
        valid = self.partners != ""
        h = self.hops[valid]
        total = max(h.size, 1)
        return {"1-2": float(np.isin(h, (1, 2)).sum() / total),
                "3": float((h == 3).sum() / total), "4": float((h == 4).sum() / total),
                ">4": float((h == -1).sum() / total)}


@runtime_checkable
class StudyLike(Protocol):
    """What the report and the figures read of a design study (:class:`Study` is one).

    The report and the figures depend on this shape, not on the code that runs the study.
    """

    @property
    def population(self) -> Population: ...
    @property
    def on(self) -> dt.date: ...
    @property
    def k(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def small_priority(self) -> float: ...
    @property
    def results(self) -> Mapping[str, ScenarioResult]: ...
    @property
    def reference(self) -> str: ...
    @property
    def baseline(self) -> str: ...
    @property
    def gap(self) -> GapMatrix: ...
    @property
    def call_lists(self) -> Mapping[str, list[CallEntry]]: ...
    @property
    def outreach(self) -> Mapping[str, list[OutreachEntry]]: ...
    @property
    def sensitivity(self) -> list[dict[str, Any]]: ...
    @property
    def what_ifs(self) -> list[str]: ...

    def key_table(self, *, lang: str = "en") -> list[dict[str, Any]]: ...

    def what_if_table(self, *, lang: str = "en") -> list[dict[str, Any]]: ...

    def by_group(self, by: str, *, lang: str = "en") -> list[dict[str, Any]]: ...
