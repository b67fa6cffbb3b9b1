"""Batch and single-firm recommendation speed against the matrix-product floor and baselines.

Usage::

    python benchmarks/bench_recommend.py --firms 50000 [--k 10] [--json PATH]

In one process, on one synthetic population (``rootmatch.synth``), it measures:

(a) the floor: a bare float32 matrix product of the same shapes as the batch path — every
    small firm × every firm at width ``score_width_`` — in the same blocks, nothing else;
(b) a plain numpy pipeline: the same blocked product + ``argpartition`` + sort of the k best;
(c) scikit-learn ``NearestNeighbors(algorithm="brute")`` with ``metric="cosine"``, and with
    ``metric="euclidean"`` on L2-normalised rows, on vectors of the same width;
(d) ``implicit.cpu.topk.topk`` (implicit's fused exact batch top-k), when installed;
and rootmatch's ``Matchmaker.recommend_all`` in the **full hybrid score** (all eight
components: profile similarity, learned location and technology affinities,
complementarity, resource allocation through shared nodes and through common partners,
popularity and capacity; exact), each as a ratio to (a). It also prints ``fit`` time
(compile cache warm; the cold compile in a fresh process is reported separately), peak
memory, and single-firm latency (p50/p99) of ``recommend_partners`` with reasons (firms and
institutes, and firms only) and ``recommend_programs``.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Results, base_parser, max_rss_mb

import rootmatch as rm
from rootmatch.engine import _topk


def _floor(Q: np.ndarray, K: np.ndarray, block: int) -> float:
    buf = np.empty((block, K.shape[0]), np.float32)
    KT = K.T
    t0 = time.perf_counter()
    for s in range(0, Q.shape[0], block):
        q = Q[s:s + block]
        np.matmul(q, KT, out=buf[: q.shape[0]])
    return time.perf_counter() - t0


def _floor_tiled(Q: np.ndarray, K: np.ndarray, rows: int = 256, cols: int = 4096) -> float:
    buf = np.empty(rows * cols, np.float32)
    t0 = time.perf_counter()
    for s in range(0, Q.shape[0], rows):
        q = Q[s:s + rows]
        for c in range(0, K.shape[0], cols):
            kk = K[c:c + cols]
            np.matmul(q, kk.T, out=buf[: q.shape[0] * kk.shape[0]].reshape(q.shape[0], -1))
    return time.perf_counter() - t0


def _numpy_pipeline(Q: np.ndarray, K: np.ndarray, block: int, k: int) -> float:
    buf = np.empty((block, K.shape[0]), np.float32)
    KT = K.T
    t0 = time.perf_counter()
    for s in range(0, Q.shape[0], block):
        q = Q[s:s + block]
        S = buf[: q.shape[0]]
        np.matmul(q, KT, out=S)
        part = np.argpartition(-S, k, axis=1)[:, :k]
        vals = np.take_along_axis(S, part, axis=1)
        np.take_along_axis(part, np.argsort(-vals, axis=1), axis=1)
    return time.perf_counter() - t0


def _sklearn(Q: np.ndarray, K: np.ndarray, k: int, metric: str) -> float:
    from sklearn.neighbors import NearestNeighbors

    if metric == "euclidean":
        Q = Q / np.maximum(np.linalg.norm(Q, axis=1, keepdims=True), 1e-12)
        K = K / np.maximum(np.linalg.norm(K, axis=1, keepdims=True), 1e-12)
    t0 = time.perf_counter()
    NearestNeighbors(n_neighbors=k, algorithm="brute", metric=metric).fit(K).kneighbors(Q)
    return time.perf_counter() - t0


def _implicit(Q: np.ndarray, K: np.ndarray, k: int) -> float | None:
    try:
        from implicit.cpu.topk import topk
    except ImportError:
        return None
    t0 = time.perf_counter()
    topk(K, Q, k, num_threads=0)
    return time.perf_counter() - t0


def _cold_compile_seconds() -> float:
    """Compile the selection kernel in a fresh process with an empty cache."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        code = ("import time; t=time.perf_counter(); from rootmatch.engine import _topk; "
                "_topk.warm_up(); print(time.perf_counter()-t)")
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True)
        return float(out.stdout.strip().splitlines()[-1])


def _latency(fn, ids: np.ndarray) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for f in ids:
        t0 = time.perf_counter()
        fn(f)
        times.append(time.perf_counter() - t0)
    ms = np.array(times) * 1e3
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--queries", type=int, default=300, help="firms timed one by one")
    args = parser.parse_args()
    res = Results("bench_recommend", args)
    k = args.k

    t0 = time.perf_counter()
    pop = rm.synth.generate_population(args.firms, seed=args.seed)
    net = rm.SupportNetwork.from_population(pop, hub=True)
    res.add("population + network", firms=args.firms, seconds=time.perf_counter() - t0)

    if _topk.HAVE_NUMBA:
        res.add("cold compile of the selection kernel", seconds=_cold_compile_seconds())
        _topk.warm_up()
    t0 = time.perf_counter()
    mm = rm.Matchmaker(random_state=0).fit(net)
    fit_s = time.perf_counter() - t0
    res.add("Matchmaker.fit (compile cache warm)", seconds=fit_s, width=mm.score_width_)

    small = np.flatnonzero(mm.table_.is_small)
    Q = mm.Q_[small]
    K = mm.K_
    n = K.shape[0]
    # the floor is the product at its fastest: blocks of ~64 MB rows (what a plain numpy user
    # would write) or the engine's own cache-sized tiles, whichever is quicker here
    block = max(16, min(4096, (64 << 20) // (4 * n)))
    shape = f"{Q.shape[0]}x{n}x{mm.score_width_}"

    mm.recommend_all(mm.firm_ids_[small[:256]], k=k)  # warm caches
    floor = min(min(_floor(Q, K, block), _floor_tiled(Q, K)) for _ in range(2))
    res.add("(a) floor: bare float32 product", shape=shape, seconds=floor, ratio=1.0)
    t0 = time.perf_counter()
    mm.recommend_all(k=k)
    ours = time.perf_counter() - t0
    res.add("rootmatch recommend_all, full hybrid", seconds=ours, ratio=ours / floor)
    res.add("peak RSS so far: data, fit, floor, ours (MiB)", max_rss_mb=max_rss_mb())
    prev = mm.use_numba
    mm.use_numba = False
    t0 = time.perf_counter()
    mm.recommend_all(k=k)
    numpy_s = time.perf_counter() - t0
    res.add("rootmatch recommend_all, numpy selection", seconds=numpy_s, ratio=numpy_s / floor)
    mm.use_numba = prev
    b = _numpy_pipeline(Q, K, block, k)
    res.add("(b) numpy: product + argpartition", seconds=b, ratio=b / floor)
    best_c = float("inf")
    for metric in ("euclidean", "cosine"):
        c = _sklearn(Q, K, k, metric)
        best_c = min(best_c, c)
        res.add(f"(c) sklearn brute {metric}", seconds=c, ratio=c / floor)
    d = _implicit(Q, K, k)
    if d is not None:
        res.add("(d) implicit.cpu.topk.topk", seconds=d, ratio=d / floor)
    else:
        res.add("(d) implicit.cpu.topk.topk", status="not installed (pip install implicit)")
    res.add("speed-up vs best sklearn", times=best_c / ours)
    if d is not None:
        res.add("speed-up vs implicit", times=d / ours)

    rng = np.random.default_rng(args.seed)
    q_ids = mm.firm_ids_[rng.choice(small, size=min(args.queries, small.size), replace=False)]
    p50, p99 = _latency(lambda f: mm.recommend_partners(f, k=k), q_ids)
    res.add("recommend_partners with reasons (ms)", p50=p50, p99=p99)
    p50, p99 = _latency(lambda f: mm.recommend_partners(f, k=k, kinds=("firm",)), q_ids)
    res.add("  the same, firms only (ms)", p50=p50, p99=p99)
    on = dt.date(2024, 6, 1)
    p50, p99 = _latency(lambda f: mm.recommend_programs(f, k=5, on=on), q_ids)
    res.add("recommend_programs (ms)", p50=p50, p99=p99)
    res.finish()


if __name__ == "__main__":
    main()
