"""Time and peak memory of synthetic population generation.

Usage::

    python benchmarks/bench_synth.py [--firms N] [--seed S] [--json PATH]

Without ``--firms`` it runs 10,000, 100,000 and 1,000,000 firms. Each size runs in a fresh
subprocess: after a small warm-up call (imports, first-call costs), one timed call gives the
wall time and the process's peak resident set size (``getrusage`` of the child, so each size
reports its own); the population is then dropped and a second call under ``tracemalloc``
gives the peak of traced (numpy and Python) allocations. Target: 1,000,000 firms in under
10 s and under 2 GB on this 2-core machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))  # _common

from _common import Results, base_parser  # noqa: E402

_CHILD = r"""
import gc, json, sys, time, tracemalloc
sys.path.insert(0, sys.argv[3])  # rootmatch from the checkout
sys.path.insert(0, sys.argv[4])  # _common
import rootmatch as rm
from _common import max_rss_mb
n, seed = int(sys.argv[1]), int(sys.argv[2])
rm.synth.generate_population(1000, seed=seed)  # imports and first-call costs out of the timing
t0 = time.perf_counter()
pop = rm.synth.generate_population(n, seed=seed)
seconds = time.perf_counter() - t0
rss = max_rss_mb()
row = {
    "firms": len(pop), "seconds": seconds, "max_rss_mb": rss,
    "collaborations": int(len(pop.collaborations)),
    "held_out": int(len(pop.truth.held_out)),
    "institute_links": int(len(pop.institute_links)),
    "participations": int(pop.firms.part_program.size),
    "table_mb": pop.firms.nbytes / 2**20,
}
del pop
gc.collect()
tracemalloc.start()
rm.synth.generate_population(n, seed=seed)
row["peak_traced_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
tracemalloc.stop()
print(json.dumps(row))
"""


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0], firms=None)  # type: ignore[arg-type]
    args = parser.parse_args()
    sizes = [args.firms] if args.firms else [10_000, 100_000, 1_000_000]
    res = Results("bench_synth", args)
    for n in sizes:
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(n), str(args.seed), str(_HERE.parent),
             str(_HERE)],
            capture_output=True, text=True, check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        res.add(f"generate_population({n:,})",
                **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()})
        if n == 1_000_000:
            ok = row["seconds"] < 10 and row["max_rss_mb"] < 2048
            print(f"{'target (1M firms < 10 s and < 2 GB)':<44} "
                  f"{'met' if ok else 'MISSED'}: {row['seconds']:.2f} s, "
                  f"{row['max_rss_mb']:.0f} MiB", flush=True)
    res.finish(rss=False)  # each size's peak RSS is its own process's, in its row


if __name__ == "__main__":
    main()
