"""Time and peak memory of synthetic population generation.

Usage::

    python benchmarks/bench_synth.py [--firms N] [--json PATH]

Without ``--firms`` it runs 10,000, 100,000 and 1,000,000 firms. Each size runs in a fresh
subprocess, so the peak RSS it reports is that size's own (``getrusage`` of the child), and
also reports the peak of traced (numpy) allocations. Target: 1,000,000 firms in under 10 s and
under 2 GB on this 2-core machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Results, base_parser

_CHILD = r"""
import json, resource, sys, time, tracemalloc
import rootmatch as rm
n, seed = int(sys.argv[1]), int(sys.argv[2])
rm.synth.generate_population(1000, seed=seed)  # imports and first-call costs out of the timing
tracemalloc.start()
t0 = time.perf_counter()
pop = rm.synth.generate_population(n, seed=seed)
seconds = time.perf_counter() - t0
traced = tracemalloc.get_traced_memory()[1] / 2**20
tracemalloc.stop()
t0 = time.perf_counter()
pop2 = rm.synth.generate_population(n, seed=seed)
untraced = time.perf_counter() - t0
print(json.dumps({
    "firms": len(pop), "seconds": untraced, "seconds_traced": seconds,
    "peak_traced_mb": traced,
    "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "collaborations": int(len(pop.collaborations)),
    "held_out": int(len(pop.truth.held_out)),
    "table_mb": pop.firms.nbytes / 2**20,
}))
"""


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0], firms=None)  # type: ignore[arg-type]
    args = parser.parse_args()
    sizes = [args.firms] if args.firms else [10_000, 100_000, 1_000_000]
    res = Results("bench_synth", args)
    for n in sizes:
        out = subprocess.run([sys.executable, "-c", _CHILD, str(n), str(args.seed)],
                             capture_output=True, text=True, check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        res.add(f"generate_population({n:,})", **{k: (round(v, 3) if isinstance(v, float)
                                                     else v) for k, v in row.items()})
    res.finish()


if __name__ == "__main__":
    main()
