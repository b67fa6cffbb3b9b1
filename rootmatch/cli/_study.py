"""``rootmatch study``: the design-study report."""

from __future__ import annotations

import argparse
from typing import Any

from rootmatch.cli._codes import EXIT_OK
from rootmatch.cli._console import _Console, _cut, _make_parent, _right, _width, _writing
from rootmatch.cli._registry import _load_registry_population

__all__ = ["_cmd_study"]


def _cmd_study(args: argparse.Namespace, console: _Console) -> int:
    import math

    import rootmatch.synth as synth
    from rootmatch.analysis import study
    from rootmatch.domain import catalog

    if args.db is not None:
        pop = _load_registry_population(args)
        source = str(args.db)
    else:
        pop = synth.generate_population(args.firms, seed=args.seed,
                                        catalog=catalog.busan_2024())
        source = f"{args.firms:,} synthetic firms, seed {args.seed}"
    kwargs: dict[str, Any] = {"seed": args.seed, "k": args.k, "progress": console.bars}
    if args.on is not None:
        kwargs["on"] = args.on
    result = study.run_study(pop, **kwargs)
    _make_parent(args.out / "report.md")
    with _writing(args.out):
        paths = result.write(args.out, lang=args.lang, figures=not args.no_figures,
                             progress=console.bars)

    def fmt(metric: str, x: float, sign: str = "") -> str:
        if math.isnan(x):
            return "-"
        return f"{x:{sign}.4f}" if metric == "oracle" else f"{100 * x:{sign}.1f}%"

    rows = result.key_table(lang=args.lang)
    width = max(_width(r["label"]) for r in rows)
    head = {"ko": ("지표", "센터 없음", "센터 있음", "변화"),
            "en": ("metric", "no hub", "with hub", "change")}[args.lang]
    lines = ["  ".join([_cut(head[0], width), *(_right(h, 10) for h in head[1:])])]
    lines += ["  ".join([_cut(r["label"], width), _right(fmt(r["metric"], r["without_hub"]), 10),
                         _right(fmt(r["metric"], r["with_hub"]), 10),
                         _right(fmt(r["metric"], r["change"], "+"), 10)]) for r in rows]
    console.result("\n".join(lines))
    figures = sum(1 for p in paths.values() if p.suffix == ".png")
    console.info(f"wrote {paths['html']} and {paths['markdown']} ({figures} figures) "
                 f"from {source}")
    return EXIT_OK
