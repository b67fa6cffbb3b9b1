"""Recommendation quality: the hybrid against baselines and the oracle, on held-out links.

    python benchmarks/bench_quality.py [--firms N] [--queries 500] [--seed 0] [--json PATH]

Without ``--firms`` it runs at 5,000 and then 50,000 firms. For each size it generates a
synthetic population with planted truth, draws the three splits (warm, cold start, program),
fits every method on each split's training network and scores it on the same seeded sample of
query firms; it prints one table per (split, relevance), the time of every method, and
whether each quality bar of the project holds. ``--json PATH`` writes every figure as a JSON
list of ``{"firms", "method", "split", "relevance", "metric", "k", "value"}`` objects.

See ``benchmarks/README.md`` for the method.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent))  # rootmatch from a checkout
sys.path.insert(0, str(_HERE))  # _common

from _common import base_parser, max_rss_mb  # noqa: E402

import rootmatch as rm  # noqa: E402
from rootmatch import evaluate as ev  # noqa: E402

SINGLE_SIGNAL = ("random", "popularity", "content", "complementarity", "adamic_adar",
                 "resource_allocation")


def run(n: int, *, queries: int, seed: int, k: int = 10, program_k: int = 5
        ) -> tuple[ev.Comparison, dict[str, float]]:
    """Generate, split, compare; returns the comparison and the stage timings."""
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    pop = rm.synth.generate_population(n, seed=seed)
    stages["generate"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    splits = [
        ev.warm_split(pop, n_queries=queries, seed=seed),
        ev.cold_start_split(pop, n_queries=queries, seed=seed),
        ev.program_split(pop, n_queries=queries, seed=seed),
    ]
    stages["splits"] = time.perf_counter() - t0
    n_components = len(rm.matchmaker.COMPONENTS)
    recommenders: dict[str, Any] = {
        "hybrid": rm.Matchmaker(random_state=seed),
        # the same engine with every raw component weighted 1: what learning the blend buys
        "hybrid_equal_weights": rm.Matchmaker(weights=[1.0] * n_components, random_state=seed),
    }
    recommenders.update(ev.baselines(pop.truth, random_state=seed))
    programs = {
        "hybrid": ev.HybridProgramRanker(rm.Matchmaker(random_state=seed)),
        "popularity": ev.PopularProgramRanker(),
        "random": ev.RandomProgramRanker(random_state=seed),
    }
    t0 = time.perf_counter()
    res = ev.compare(recommenders, splits, program_recommenders=programs, k=k,
                     program_k=program_k, truth=pop.truth)
    stages["compare"] = time.perf_counter() - t0
    return res, stages


def _pm(res: ev.Comparison, method: str, split: str, metric: str, k: int) -> str:
    r = res.record(method, split, metric, k=k)
    return f"{r.value:.4f} ± {r.stderr:.4f}"


def _ci(res: ev.Comparison, a: str, b: str, split: str, k: int, *, ratio: bool = False,
        metric: str = "ndcg") -> str:
    """The 90% paired-bootstrap interval of a − b (or a / b) over the query firms."""
    low, high = ev.bootstrap_interval(res.record(a, split, metric, k=k),
                                      res.record(b, split, metric, k=k), ratio=ratio)
    if ratio:
        return f"90% interval {low:.0%}–{high:.0%}"
    return f"difference {low:+.4f} to {high:+.4f} (90%)"


def bars(res: ev.Comparison, *, k: int = 10, program_k: int = 5) -> list[tuple[str, bool, str]]:
    """The project's quality bars: (description, holds, the numbers ± standard errors, and a
    paired-bootstrap interval of the comparison)."""
    out = []
    for split in ("warm", "cold"):
        for metric in ("ndcg", "recall"):
            h = res.value("hybrid", split, metric, k=k)
            losers = {b: res.value(b, split, metric, k=k) for b in SINGLE_SIGNAL}
            best = max(losers, key=lambda b: losers[b])
            out.append((f"{split}: hybrid beats every single-signal baseline on {metric}@{k}",
                        all(h > v for v in losers.values()),
                        (f"hybrid {_pm(res, 'hybrid', split, metric, k)}, best baseline {best} "
                         f"{_pm(res, best, split, metric, k)}; "
                         f"{_ci(res, 'hybrid', best, split, k, metric=metric)}")))
    for split, share in (("warm", 0.7), ("cold", 0.5)):
        h = res.value("hybrid", split, "ndcg", k=k)
        o = res.value("oracle", split, "ndcg", k=k)
        ratio = h / o if o > 0 else float("nan")
        text = f"{split}: hybrid reaches >= {share:.0%} of the oracle's ndcg@{k} (observed)"
        out.append((text, ratio >= share, (f"hybrid {_pm(res, 'hybrid', split, 'ndcg', k)} / "
                    f"oracle {_pm(res, 'oracle', split, 'ndcg', k)} = {ratio:.1%}; "
                    f"{_ci(res, 'hybrid', 'oracle', split, k, ratio=True)}")))
    for split in ("warm", "cold"):
        r, c, o = (res.value(m, split, "ndcg", k=k) for m in ("random", "content", "oracle"))
        out.append((f"{split}: random < content < oracle on ndcg@{k}", r < c < o,
                    " < ".join(_pm(res, m, split, "ndcg", k)
                               for m in ("random", "content", "oracle"))
                    + f"; content − random: {_ci(res, 'content', 'random', split, k)}"))
    for split in ("warm", "cold"):
        h = res.value("hybrid", split, "ndcg", k=k)
        e = res.value("hybrid_equal_weights", split, "ndcg", k=k)
        out.append((f"{split}: the learned blend beats equal weights on ndcg@{k}", h > e,
                    (f"learned {_pm(res, 'hybrid', split, 'ndcg', k)}, equal "
                     f"{_pm(res, 'hybrid_equal_weights', split, 'ndcg', k)}; "
                     f"{_ci(res, 'hybrid', 'hybrid_equal_weights', split, k)}")))
    h = res.value("hybrid", "program", "ndcg", k=program_k)
    p = res.value("popularity", "program", "ndcg", k=program_k)
    out.append((f"program: hybrid beats popularity on ndcg@{program_k}", h > p,
                (f"hybrid {_pm(res, 'hybrid', 'program', 'ndcg', program_k)}, popularity "
                 f"{_pm(res, 'popularity', 'program', 'ndcg', program_k)}; "
                 f"{_ci(res, 'hybrid', 'popularity', 'program', program_k)}")))
    return out


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0], firms=None)  # type: ignore[arg-type]
    parser.add_argument("--queries", type=int, default=500, help="query firms per split")
    parser.add_argument("--stderr", action="store_true",
                        help="print each mean with its standard error in the tables")
    args = parser.parse_args()
    sizes = [args.firms] if args.firms else [5_000, 50_000]
    rows: list[dict[str, Any]] = []
    for n in sizes:
        t0 = time.perf_counter()
        res, stages = run(n, queries=args.queries, seed=args.seed)
        total = time.perf_counter() - t0
        print(f"## {n:,} firms (seed {args.seed}, {args.queries} query firms per split)\n")
        print(res.to_markdown(stderr=args.stderr))
        print("| method | split | fit s | recommend s |\n|---|---|---:|---:|")
        for (method, split), (fit_s, rec_s) in res.seconds.items():
            print(f"| {method} | {split} | {fit_s:.2f} | {rec_s:.2f} |")
        print()
        print("Bars (mean ± standard error over the query firms; 90% paired-bootstrap "
              "interval of each comparison):")
        for text, ok, numbers in bars(res):
            print(f"- [{'x' if ok else ' '}] {text}: {numbers}")
        print(f"\ntotal {total:.1f} s (generate {stages['generate']:.1f} s, splits "
              f"{stages['splits']:.1f} s, compare {stages['compare']:.1f} s); peak RSS "
              f"{max_rss_mb():.0f} MiB\n", flush=True)
        rows += [{"firms": n, **r} for r in res.to_dicts()]
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
