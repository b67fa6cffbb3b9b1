"""The support-center design study: what the proposed Busan Root-Industry Comprehensive
Support Center changes for Busan's small root firms.

Runs on the built-in Busan 2024 catalog and a synthetic Busan-size population (4,362 root
firms at the end of 2021; 4,400 by default), prints the key table (small-firm metrics without
and with the hub) and writes the report: ``DIR/index.html`` (self-contained), ``DIR/report.md``
and the PNG figures.

Usage::

    python examples/design_study.py --out report/ [--firms 4400] [--seed 7] [--lang ko|en]

Needs the ``plots`` extra (matplotlib and a Korean font): ``pip install rootmatch[plots]``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import rootmatch as rm


def _fmt(metric: str, x: float) -> str:
    if math.isnan(x):
        return "-"
    return f"{x:.4f}" if metric == "oracle" else f"{100 * x:.1f}%"


def _change(metric: str, x: float) -> str:
    if math.isnan(x):
        return "-"
    return f"{x:+.4f}" if metric == "oracle" else f"{100 * x:+.1f} pp"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--firms", type=int, default=4400, help="number of firms (default 4400)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument("--lang", choices=("ko", "en"), default="ko",
                        help="language of the report and figures (default ko)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    catalog = rm.catalog.busan_2024()
    pop = rm.synth.generate_population(args.firms, seed=args.seed, catalog=catalog)
    study = rm.study.run_study(pop, seed=args.seed, progress=True)
    paths = study.write(args.out, lang=args.lang, progress=True)

    rows = study.key_table(lang="en")
    width = max(len(r["label"]) for r in rows)
    n_small = int(pop.firms.is_small.sum())
    print(f"\nSmall firms (< 10 employees): {n_small:,} of {len(pop.firms):,}; "
          f"top {study.k} partners each")
    print(f"{'metric':<{width}}  {'no hub':>9}  {'with hub':>9}  {'change':>10}")
    for r in rows:
        m = r["metric"]
        print(f"{r['label']:<{width}}  {_fmt(m, r['without_hub']):>9}  "
              f"{_fmt(m, r['with_hub']):>9}  {_change(m, r['change']):>10}")
    print(f"\nwrote {paths['html']} and {paths['markdown']} "
          f"({sum(1 for p in paths.values() if p.suffix == '.png')} figures) "
          f"in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
