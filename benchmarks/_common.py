"""Shared helpers of the benchmarks: timing, peak memory, a results table and ``--json``.

Usage in a benchmark::

    from _common import Results, base_parser, measure

    args = base_parser("what it measures").parse_args()
    res = Results("bench_x", args)
    with measure() as m:
        work()
    res.add("work", seconds=m.seconds, peak_mb=m.peak_mb)
    res.finish()           # prints the table, writes args.json if given
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["Measure", "Results", "base_parser", "best_of", "max_rss_mb", "measure"]


def base_parser(description: str, *, firms: int = 50_000) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark takes: ``--firms``, ``--seed``,
    ``--json PATH``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--firms", type=int, default=firms, help="number of firms")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH",
                        help="also write the results as JSON to PATH")
    return parser


def max_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (``getrusage``)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


class Measure:
    """Wall time (``seconds``) and peak Python-heap allocation (``peak_mb``) of a block."""

    seconds: float = float("nan")
    peak_mb: float = float("nan")


@contextlib.contextmanager
def measure(*, memory: bool = True) -> Iterator[Measure]:
    """Time a block; with ``memory``, also trace its peak allocation (tracemalloc sees numpy
    and scipy buffers too, but slows pure-Python code: time such code with ``memory=False``)."""
    m = Measure()
    gc.collect()
    if memory:
        tracemalloc.start()
        tracemalloc.reset_peak()
    t0 = time.perf_counter()
    try:
        yield m
    finally:
        m.seconds = time.perf_counter() - t0
        if memory:
            m.peak_mb = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
            tracemalloc.stop()


def best_of(fn: Callable[[], Any], *, repeat: int = 3) -> tuple[float, Any]:
    """The smallest wall time of ``repeat`` calls of ``fn`` and the last result."""
    best, out = float("inf"), None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


class Results:
    """Rows of named measurements, printed as a table and optionally written as JSON."""

    def __init__(self, name: str, args: argparse.Namespace | None = None) -> None:
        self.name = name
        self.args = args
        self.rows: list[dict[str, Any]] = []

    def add(self, what: str, **values: Any) -> None:
        """Record one row (and print it at once, so a long run shows progress)."""
        row = {"what": what, **values}
        self.rows.append(row)
        cells = ", ".join(f"{k}={_fmt(v)}" for k, v in values.items())
        print(f"{what:<44} {cells}", flush=True)

    def to_dict(self) -> dict[str, Any]:
        """The results with the machine and the arguments."""
        args = {k: (str(v) if isinstance(v, Path) else v)
                for k, v in vars(self.args or argparse.Namespace()).items()}
        return {
            "benchmark": self.name,
            "args": args,
            "machine": {"python": platform.python_version(), "platform": platform.platform(),
                        "cpus": os.cpu_count()},
            "max_rss_mb": round(max_rss_mb(), 1),
            "rows": self.rows,
        }

    def finish(self, *, rss: bool = True) -> dict[str, Any]:
        """Print the peak RSS (unless ``rss=False``: the work ran in child processes); write
        ``args.json`` if given. Returns the results."""
        out = self.to_dict()
        if rss:
            print(f"{'peak RSS of the process':<44} max_rss_mb={out['max_rss_mb']}")
        path = getattr(self.args, "json", None)
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
            print(f"wrote {path}")
        return out


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
