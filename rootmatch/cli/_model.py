"""``rootmatch fit``, ``recommend`` and ``recommend-all``: a model and its answers."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rootmatch.cli._codes import EXIT_OK
from rootmatch.cli._console import _Console, _cut, _make_parent, _writing
from rootmatch.cli._registry import _load_registry_population, _open_registry

if TYPE_CHECKING:
    from rootmatch.domain.population import Population
    from rootmatch.engine.matchmaker import Matchmaker, Recommendation


__all__ = [
    "_HEAD",
    "_SEED",
    "_cmd_fit",
    "_cmd_recommend",
    "_cmd_recommend_all",
    "_firm_json",
    "_fit",
    "_model",
    "_rec_json",
    "_table",
    "_target_name",
]


_SEED = 0  # the default seed of fitted models: the same registry always gives the same model

def _fit(pop: Population, *, seed: int, console: _Console) -> Matchmaker:
    from rootmatch.engine.matchmaker import Matchmaker
    from rootmatch.graph.network import SupportNetwork

    with console.steps("fitting", 2) as step:
        step("building the network")
        net = SupportNetwork.from_population(pop, hub=True)
        step("fitting the matchmaker")
        return Matchmaker(random_state=seed).fit(net)


def _model(args: argparse.Namespace, console: _Console, firm_id: str | None = None
           ) -> tuple[Matchmaker, str]:
    """The saved model (``--model``) or one fitted on the registry (``--db``)."""
    from rootmatch.engine.matchmaker import Matchmaker

    if args.model is not None:
        with console.steps("loading the model", 1) as step:
            step(str(args.model))
            return Matchmaker.load(args.model), str(args.model)
    if firm_id is not None:  # an unknown firm fails before the fit, not after
        with _open_registry(args) as reg:
            reg.get_firm(firm_id)
    pop = _load_registry_population(args)
    return _fit(pop, seed=args.seed, console=console), str(args.db)


# --- recommend ---------------------------------------------------------------------------
_HEAD = {
    "en": {"partners": "Partners", "programs": "Programs you are eligible for",
           "near_misses": "Near misses (one rule short)", "none": "(none)",
           "firm": "firm", "institute": "institute", "program": "program",
           "employees": "employees", "on": "on", "fails": "fails", "remedy": "remedy",
           "model": "model"},
    "ko": {"partners": "추천 협력 상대", "programs": "신청 가능한 지원사업",
           "near_misses": "조건 하나가 부족한 사업", "none": "(없음)",
           "firm": "기업", "institute": "기관", "program": "사업",
           "employees": "명", "on": "기준일", "fails": "미충족", "remedy": "보완",
           "model": "모델"},
}


def _target_name(mm: Matchmaker, rec: Recommendation, lang: str) -> str:
    if rec.kind == "firm":
        return str(mm.table_.names[mm.table_.position(rec.target)])
    entity: Any = (mm.institutes_ if rec.kind == "institute" else mm.programs_)[rec.target]
    return str(entity.name_ko if lang == "ko" else entity.name_en)


def _rec_json(mm: Matchmaker, rec: Recommendation, rank: int, lang: str) -> dict[str, Any]:
    return {"rank": rank, **rec.to_dict(), "name": _target_name(mm, rec, lang)}


def _firm_json(mm: Matchmaker, firm_id: str, lang: str) -> dict[str, Any]:
    firm = mm.table_[firm_id]
    return {
        "id": firm.id,
        "name": firm.name,
        "technologies": sorted(t.label(lang) for t in firm.technologies),
        "employees": firm.employees,
        "district": firm.district.label(lang),
        "certified": firm.certified,
        "small": firm.is_small,
    }


def _table(report: dict[str, Any], lang: str) -> str:
    h = _HEAD[lang]
    firm = report["firm"]
    size = (f"{firm['employees']}{h['employees']}" if lang == "ko"
            else f"{firm['employees']} {h['employees']}")
    title = (f"{firm['id']} {firm['name']} — {', '.join(firm['technologies'])}; {size}; "
             f"{firm['district']} — {h['on']} {report['on']}")
    lines = [title]

    def block(title: str, recs: list[dict[str, Any]], *, miss: bool = False) -> None:
        lines.append("")
        lines.append(title)
        if not recs:
            lines.append(f"  {h['none']}")
        for r in recs:
            kind = _cut(h[r["kind"]], 9)
            chance = (f" {r['probability']:7.2%}" if r.get("probability") is not None
                      else "")
            lines.append(f"  {r['rank']:>2}. {kind} {_cut(r['target'], 12)} "
                         f"{_cut(r['name'], 36)} {r['score']:8.3f}{chance}")
            lines.extend(f"        · {reason[lang]}" for reason in r["reasons"])
            if miss:
                remedy = r["remedy"][lang] if r["remedy"] else "-"
                lines.append(f"        {h['fails']}: {r['failed_rule']} → {h['remedy']}: {remedy}")

    block(h["partners"], report["partners"])
    block(h["programs"], report["programs"])
    block(h["near_misses"], report["near_misses"], miss=True)
    lines.append("")
    lines.append(f"{h['model']}: {report['model']['source']}")
    return "\n".join(lines)


def _cmd_recommend(args: argparse.Namespace, console: _Console) -> int:
    mm, source = _model(args, console, firm_id=None if args.model else args.firm_id)
    on = args.on or dt.date.today()
    lang = args.lang
    firm_id = args.firm_id
    partners = mm.recommend_partners(firm_id, args.k, kinds=args.kinds)
    programs = mm.recommend_programs(firm_id, args.k, on=on, near_misses=True)
    eligible = [r for r in programs if r.eligible]
    misses = [r for r in programs if not r.eligible]
    report = {
        "firm": _firm_json(mm, firm_id, lang),
        "on": on.isoformat(),
        "k": args.k,
        "lang": lang,
        "model": {"source": source, "weights": mm.weights_,
                  "program_weights": mm.program_weights_},
        "partners": [_rec_json(mm, r, n, lang) for n, r in enumerate(partners, 1)],
        "programs": [_rec_json(mm, r, n, lang) for n, r in enumerate(eligible, 1)],
        "near_misses": [_rec_json(mm, r, n, lang) for n, r in enumerate(misses, 1)],
    }
    if args.format == "json":
        console.result(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        console.result(_table(report, lang))
    return EXIT_OK


def _cmd_recommend_all(args: argparse.Namespace, console: _Console) -> int:
    import numpy as np

    from rootmatch.base._atomic import atomic_write
    from rootmatch.base._csv import csv_text

    mm, source = _model(args, console)
    with console.counter("ranking", "firm") as progress:
        ids, scores = mm.recommend_all(None, args.k, kinds=args.kinds, progress=progress)
    rows = np.flatnonzero(mm.table_.is_small)
    firm_ids = set(mm.firm_ids_.tolist())
    out: Path = args.out
    jsonl = out.suffix.lower() in (".jsonl", ".ndjson")
    lines, rows_out = [], []
    for q, r in enumerate(rows):
        firm = str(mm.firm_ids_[r])
        for rank, (target, score) in enumerate(zip(ids[q].tolist(), scores[q].tolist()), 1):
            if not target:
                continue
            kind = "firm" if target in firm_ids else "institute"
            if jsonl:
                lines.append(json.dumps({"firm": firm, "rank": rank, "target": target,
                                         "kind": kind, "score": round(float(score), 6)},
                                        ensure_ascii=False))
            else:
                rows_out.append([firm, rank, target, kind, round(float(score), 6)])
    text = ("".join(line + "\n" for line in lines) if jsonl
            else csv_text(["firm", "rank", "target", "kind", "score"], rows_out))
    _make_parent(out)
    with _writing(out):
        atomic_write(out, text.encode("utf-8"))
    console.info(f"wrote the top {args.k} partners of {len(rows):,} small firms to {out} "
                 f"(model: {source})")
    return EXIT_OK


def _cmd_fit(args: argparse.Namespace, console: _Console) -> int:
    pop = _load_registry_population(args)
    mm = _fit(pop, seed=args.seed, console=console)
    _make_parent(args.out)
    with _writing(args.out):
        path = mm.save(args.out)
    console.info(f"fitted on {len(mm.firm_ids_):,} firms ({int(mm.table_.is_small.sum()):,} "
                 f"small) from {args.db}; saved to {path}")
    return EXIT_OK
