"""The calibration table and the calibration report: every marginal of a population beside
its documented target, source and year."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import attrs
import numpy as np
import scipy.stats
from attrs import frozen
from numpy.typing import NDArray

from rootmatch.base._checks import check_date
from rootmatch.base.exceptions import UnknownEntityError
from rootmatch.domain.population import Population
from rootmatch.domain.taxonomy import District, RootTechnology, SupportAxis, TechGroup, Topic
from rootmatch.synth._tables import (
    _CLUSTER_DISTRICT,
    _MEMBERSHIP_RULES,
    N_TECH,
    D,
    T,
    _membership_group,
)
from rootmatch.synth._targets import calibration_targets

__all__ = ["CalibrationReport", "CalibrationRow", "calibration_targets", "summarize"]


@frozen(kw_only=True)
class CalibrationRow:
    """One marginal of a population beside its target.

    ``ok`` is ``None`` when the row has no target (informational rows) or the observed value
    is undefined (an empty group).
    """

    key: str
    group: str
    marginal: str
    observed: float
    target: float | None
    kind: str
    tolerance: float
    status: str
    source: str
    year: int | None
    unit: str = "share"
    note: str = ""

    @property
    def ok(self) -> bool | None:
        """Whether the observed value meets the target."""
        if self.target is None or not math.isfinite(self.observed):
            return None
        if self.kind == "at_least":
            return self.observed >= self.target
        return abs(self.observed - self.target) <= self.tolerance + 1e-12

    def format(self, value: float | None) -> str:
        """``value`` in the row's unit (percent, points, years, a coefficient or a count)."""
        if value is None or not math.isfinite(value):
            return "—"
        if self.unit == "share":
            return f"{100 * value:.1f}%"
        if self.unit == "pp":
            return f"{100 * value:+.1f} pp"
        if self.unit in ("years", "mean"):
            return f"{value:.2f}"
        if self.unit == "coef":
            return f"{value:.2f}"
        return f"{value:.4g}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


@frozen(kw_only=True, repr=False)
class CalibrationReport:
    """Every marginal of a population beside its target and source.

    ``str(report)`` is an aligned table; :meth:`to_markdown` a Markdown one; ``report[key]`` a
    row; :attr:`failures` the rows off target.
    """

    rows: tuple[CalibrationRow, ...]
    n_firms: int

    def __getitem__(self, key: str) -> CalibrationRow:
        for r in self.rows:
            if r.key == key:
                return r
        raise UnknownEntityError(f"no calibration row {key!r}")

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def failures(self) -> tuple[CalibrationRow, ...]:
        """The rows whose observed value misses the target."""
        return tuple(r for r in self.rows if r.ok is False)

    def _cells(self) -> list[list[str]]:
        out = []
        for r in self.rows:
            target = "—" if r.target is None else (
                ("≥ " if r.kind == "at_least" else "") + r.format(r.target))
            mark = {True: "ok", False: "OFF", None: ""}[r.ok]
            out.append([r.group, r.marginal, r.format(r.observed), target, mark, r.status,
                        "" if r.year is None else str(r.year), r.source])
        return out

    _HEAD = ("group", "marginal", "observed", "target", "", "status", "year", "source")

    def __repr__(self) -> str:
        return str(self)

    def __str__(self) -> str:
        cells = self._cells()
        widths = [max(_width(h), *(_width(c[k]) for c in cells)) if cells else _width(h)
                  for k, h in enumerate(self._HEAD)]
        widths[-1] = 0
        lines = [(f"Calibration of {self.n_firms:,} firms: {len(self.rows)} marginals, "
                 f"{len(self.failures)} off target")]
        lines.append("  ".join(_pad(h, w) for h, w in zip(self._HEAD, widths, strict=True))
                     .rstrip())
        lines.append("  ".join("-" * max(w, 6) for w in widths).rstrip())
        lines.extend("  ".join(_pad(x, w) for x, w in zip(c, widths, strict=True)).rstrip()
                     for c in cells)
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The report as a Markdown table."""
        head = "| " + " | ".join(h or "ok" for h in self._HEAD) + " |"
        sep = "|" + "|".join("---" for _ in self._HEAD) + "|"
        body = ["| " + " | ".join(x.replace("|", "\\|") for x in c) + " |"
                for c in self._cells()]
        return "\n".join([head, sep, *body])

    def to_records(self) -> list[dict[str, Any]]:
        """The rows as JSON-able dicts (with ``ok``)."""
        return [{**attrs.asdict(r), "ok": r.ok} for r in self.rows]


def _unit_of(key: str, kind: str) -> str:  # noqa: ARG001 - one signature for every row
    if key.startswith(("gap.", "mix.")):
        return "pp"
    if key == "age.mean":
        return "years"
    if key == "digital.size_corr":
        return "coef"
    return "share"


def _share(mask: NDArray[np.bool_], within: NDArray[np.bool_] | None = None) -> float:
    if within is not None:
        mask = mask[within]
    return float(mask.mean()) if mask.size else float("nan")


def _observe(pop: Population, ref_year: int) -> dict[str, float]:
    """Every measure of the calibration table, from the observable columns only."""
    f = pop.firms
    n = len(f)
    out: dict[str, float] = {}
    e = f.employees.astype(float)
    tech = f.tech_matrix()
    count = np.maximum(tech.sum(axis=1), 1)
    frac = tech / count[:, None]
    small, big = f.employees < 10, f.employees >= 50
    out["size.lt10"] = _share(small)
    out["size.10_49"] = _share((f.employees >= 10) & (f.employees <= 49))
    out["size.50_299"] = _share((f.employees >= 50) & (f.employees <= 299))
    out["size.300plus"] = _share(f.employees >= 300)
    band = (f.employees >= 50) & (f.employees <= 299)
    out["size.employees_50_299"] = float(e[band].sum() / e.sum()) if e.sum() > 0 else math.nan
    mold = tech[:, T.MOLD.value]
    out["size.mold_lt10"] = _share(small, mold)
    shares = frac.mean(axis=0) if n else np.full(N_TECH, math.nan)
    for t in RootTechnology:
        out[f"tech.{t.name}"] = float(shares[t.value])
    out["tech.multi"] = _share(tech.sum(axis=1) >= 2)
    E = e.sum()
    out["workforce.aged_40plus"] = float((e * f.workforce_40plus).sum() / E) if E else math.nan
    fw = e * f.foreign_share
    out["workforce.foreign"] = float(fw.sum() / E) if E else math.nan
    base = np.array([t.group is TechGroup.BASE for t in RootTechnology])
    fb = (frac[:, base].sum(axis=1) * fw).sum()
    out["workforce.foreign_in_base"] = float(fb / fw.sum()) if fw.sum() > 0 else math.nan
    known = f.founded > 0
    age = ref_year - f.founded.astype(np.int64)
    for key, lo, hi in (("lt5", 0, 5), ("5_9", 5, 10), ("10_19", 10, 20), ("20_29", 20, 30),
                        ("30plus", 30, 10**6)):
        out[f"age.{key}"] = _share((age >= lo) & (age < hi), known)
    out["age.mean"] = float(age[known].mean()) if known.any() else math.nan
    for k in range(5):
        out[f"digital.{k}"] = _share(f.digital_level == k)
    if n > 2 and np.ptp(f.digital_level) > 0 and np.ptp(f.employees) > 0:
        out["digital.size_corr"] = float(scipy.stats.spearmanr(f.digital_level,
                                                               f.employees).statistic)
    else:
        out["digital.size_corr"] = math.nan
    out["certified"] = _share(f.certified)
    mem = f.membership_matrix()
    vocab = f.membership_vocab
    for cid, rules in _MEMBERSHIP_RULES.items():
        col = (np.asarray(mem[:, vocab.index(cid)].todense()).ravel() > 0) if cid in vocab \
            else np.zeros(n, bool)
        for rule in rules:
            if "key" in rule:
                group = _membership_group(rule, tech, f.district, f.cluster, f.cluster_vocab)
                out[rule["key"]] = _share(col, group)
    for d in District:
        out[f"district.{d.name}"] = _share(f.district == d.value)
    cl = np.asarray(f.cluster_vocab, dtype=object)[f.cluster] if n else np.zeros(0, object)
    for name in _CLUSTER_DISTRICT:
        out[f"cluster.{name}"] = _share(cl == name)
    plating = np.isin(cl, ["신평·장림", "녹산"])
    surf = frac[:, T.SURFACE_TREATMENT.value]
    out["mix.surface_in_plating_complexes"] = (
        float(surf[plating].mean() - surf[~plating].mean())
        if plating.any() and (~plating).any() else math.nan)
    gs = f.district == D.GANGSEO.value
    mold_f = frac[:, T.MOLD.value]
    out["mix.mold_in_gangseo"] = (float(mold_f[gs].mean() - mold_f[~gs].mean())
                                  if gs.any() and (~gs).any() else math.nan)
    needs = f.needs_matrix()
    topics = f.topics_matrix()
    for a in SupportAxis:
        out[f"needs.{a.name}"] = _share(needs[:, a.value])
    out["needs.unreported"] = _share((f.needs_mask == 0) & (f.topics_mask == 0))
    for t in Topic:
        out[f"topic.{t.name}"] = _share(topics[:, t.value])

    def gap(bit: NDArray[np.bool_], a: NDArray[np.bool_], b: NDArray[np.bool_]) -> float:
        return _share(bit, a) - _share(bit, b) if a.any() and b.any() else math.nan

    wf, mg = needs[:, SupportAxis.WORKFORCE.value], needs[:, SupportAxis.MANAGEMENT.value]
    out["gap.workforce_small"] = gap(wf, small, big)
    out["gap.management_small"] = gap(mg, small, big)
    aged = f.workforce_40plus > 0.5
    out["gap.workforce_aged"] = gap(wf, aged, ~aged)
    out["gap.digital_skills_mold"] = gap(topics[:, Topic.DIGITAL_SKILLS.value], mold, ~mold)
    out["gap.new_materials_mold"] = gap(topics[:, Topic.NEW_MATERIALS.value], mold, ~mold)
    surf_b = tech[:, T.SURFACE_TREATMENT.value]
    out["gap.environment_surface"] = gap(topics[:, Topic.ENVIRONMENT.value], surf_b, ~surf_b)
    out["gap.corrosion_surface"] = gap(topics[:, Topic.CORROSION.value], surf_b, ~surf_b)
    thermal = tech[:, T.HEAT_TREATMENT.value] | tech[:, T.CASTING.value]
    out["gap.energy_thermal"] = gap(topics[:, Topic.ENERGY.value], thermal, ~thermal)
    return out


def summarize(pop: Population) -> CalibrationReport:
    """Every calibrated marginal of ``pop`` beside its target, source and year.

    Works on any population (real data too): it reads only the observable columns, never
    ``pop.truth``. Network rows (links per firm, degrees) follow, without targets.

    Parameters
    ----------
    pop : Population

    Returns
    -------
    CalibrationReport

    Examples
    --------
    >>> import rootmatch as rm
    >>> rep = rm.synth.generate_population(3000, seed=5).summary()
    >>> row = rep["size.lt10"]
    >>> row.target, abs(row.observed - row.target) < 0.05, row.ok
    (0.684, True, True)
    >>> print(str(rep).splitlines()[0])
    Calibration of 3,000 firms: ... marginals, 0 off target
    """
    cal = calibration_targets()
    ref_year = check_date(cal["reference_date"]).year
    seen = _observe(pop, ref_year)
    rows = []
    for r in cal["targets"]:
        rows.append(CalibrationRow(  # noqa: PERF401 - one readable constructor per target
            key=r["key"], group=r["group"], marginal=r["marginal"],
            observed=float(seen.get(r["key"], math.nan)), target=float(r["target"]),
            kind=r["kind"], tolerance=float(r.get("tolerance", 0.0)), status=r["status"],
            source=r.get("source", ""), year=r.get("year"), unit=_unit_of(r["key"], r["kind"]),
            note=r.get("note", ""),
        ))
    n = len(pop.firms)
    links = pop.collaborations
    deg = np.zeros(n)
    if links.shape[0]:
        pos = pop.firms.positions(links.ravel())
        deg = np.bincount(pos, minlength=n).astype(float)
    extra = [
        ("links.per_firm", "observed firm–firm collaborations per firm",
         links.shape[0] / n if n else math.nan, "mean"),
        ("links.isolated", "firms without an observed partner",
         float((deg == 0).mean()) if n else math.nan, "share"),
        ("links.max_degree", "most partners of one firm", float(deg.max()) if n else math.nan,
         "count"),
        ("links.top1pct", "share of link ends held by the top 1% of firms",
         float(np.sort(deg)[::-1][: max(1, n // 100)].sum() / max(deg.sum(), 1)) if n
         else math.nan, "share"),
        ("links.institute_per_firm", "observed firm–institute collaborations per firm",
         pop.institute_links.shape[0] / n if n else math.nan, "mean"),
        ("participations.per_firm", "program participations per firm",
         pop.firms.part_program.size / n if n else math.nan, "mean"),
        ("memberships.per_firm", "cooperative memberships per firm",
         pop.firms.mem_codes.size / n if n else math.nan, "mean"),
    ]
    for key, label, value, unit in extra:
        rows.append(CalibrationRow(key=key, group="network", marginal=label, observed=value,
                                   target=None, kind="info", tolerance=0.0, status="generated",
                                   source="", year=None, unit=unit))
    return CalibrationReport(rows=tuple(rows), n_firms=n)
