"""Compiled kernels (numba, optional): the exact top-k fold and the single-query score.

numba is used when it is installed and ``ROOTMATCH_DISABLE_NUMBA`` is not set
(:data:`HAVE_NUMBA`). Whether compiled code is cached on disk is decided once, here, at import
(:data:`CACHE`): numba keeps its cache in ``NUMBA_CACHE_DIR`` when that is set, else in a
``__pycache__`` folder next to this file, else in the user's cache folder
(``$XDG_CACHE_HOME/numba`` or ``~/.cache/numba``), whichever is writable; on a read-only install
run by a user without a writable home none is, and the kernels are then compiled in memory,
once per process, with the same results. Importing never raises for want of a cache.

Both kernels are single-threaded and release the GIL, so callers parallelise over query
blocks; :mod:`rootmatch.engine._topk` gives the numpy equivalents and chooses between them.
"""

from __future__ import annotations

import os

import numpy as np

__all__ = ["CACHE", "HAVE_NUMBA", "fold_kernel", "row_kernel"]

try:  # numba is optional; the numpy paths give identical results
    if os.environ.get("ROOTMATCH_DISABLE_NUMBA"):
        raise ImportError("disabled by ROOTMATCH_DISABLE_NUMBA")
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - depends on the environment
    numba = None
    HAVE_NUMBA = False


def _probe() -> int:  # pragma: no cover - only its cache location is looked up
    return 0


def _cache_available() -> bool:
    """Whether numba can cache this module's functions on disk (a writable location exists).

    numba picks the location when a function is declared with ``cache=True`` and raises
    ``RuntimeError`` if none is writable; every function of a module gets the same one.
    """
    if not HAVE_NUMBA:
        return False
    try:
        numba.njit(cache=True)(_probe)
    except (RuntimeError, OSError):
        return False
    return True


CACHE: bool = _cache_available()
"""Whether compiled kernels are cached on disk (``False``: compiled in memory)."""

_CHUNK = 64

fold_kernel = row_kernel = None

if HAVE_NUMBA:
    # fast-math without the no-infinity/no-NaN assumptions: scores hold -inf (and maybe NaN)
    _FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}

    @numba.njit(cache=CACHE, nogil=True, fastmath=_FAST)
    def _chunk_max(row, lo, hi):  # type: ignore[no-untyped-def] # pragma: no cover - compiled
        m = row[lo]
        for j in range(lo + 1, hi):
            m = max(m, row[j])
        return m

    @numba.njit(cache=CACHE, nogil=True)
    def fold_kernel(  # type: ignore[no-untyped-def] # pragma: no cover - compiled
        S, c_off, cand, has_cand, rank, has_rank, thr0, out_idx, out_val, ordered
    ):
        """Fold the tile ``S`` (column ``j`` is candidate ``c_off + j``) into the sorted,
        padded running lists ``out_idx``/``out_val`` in place. A score enters when it is
        ``>=`` the row's bound (``thr0``, raised to the running k-th best once the list is
        full); ``-inf`` and NaN never do. Ties go by ``rank[candidate]`` (the candidate
        itself without ``has_rank``); ``ordered``: no tie can displace a kept candidate."""
        b, s = S.shape
        k = out_idx.shape[1]
        for r in range(b):
            row = S[r]
            hv = out_val[r]
            hi = out_idx[r]
            cnt = 0
            while cnt < k and hi[cnt] >= 0:
                cnt += 1
            thr = thr0[r]
            if cnt == k and hv[k - 1] > thr:
                thr = hv[k - 1]
            for c0 in range(0, s, _CHUNK):
                c1 = min(c0 + _CHUNK, s)
                # a chunk whose best score cannot enter the list is skipped whole (a NaN in
                # the chunk either drops out of the maximum or makes it NaN: walked)
                cm = _chunk_max(row, c0, c1)
                if cm < thr or cm == -np.inf or (ordered and cnt == k and cm <= thr):
                    continue
                for j in range(c0, c1):
                    v = row[j]
                    if not v >= thr or v == -np.inf or (ordered and cnt == k and v <= thr):
                        continue
                    if has_cand and not cand[j]:
                        continue
                    g = c_off + j
                    rj = rank[g] if has_rank else g
                    if cnt == k:
                        lv = hv[k - 1]
                        last = rank[hi[k - 1]] if has_rank else hi[k - 1]
                        if v < lv or (v == lv and rj > last):
                            continue
                        p = k - 1
                    else:
                        p = cnt
                        cnt += 1
                    while p > 0:
                        pv = hv[p - 1]
                        prev = rank[hi[p - 1]] if has_rank else hi[p - 1]
                        if v > pv or (v == pv and rj < prev):
                            hv[p] = pv
                            hi[p] = hi[p - 1]
                            p -= 1
                        else:
                            break
                    hv[p] = v
                    hi[p] = g
                    if cnt == k and hv[k - 1] > thr:
                        thr = hv[k - 1]

    @numba.njit(cache=CACHE, nogil=True, fastmath=_FAST)
    def row_kernel(K, q, indptr, indices, data, qb, cat, cat_vals, out):  # type: ignore[no-untyped-def] # pragma: no cover
        """``out = K @ q + B @ qb + cat_vals[cat]`` with ``B`` given as CSR arrays."""
        n, d = K.shape
        for i in range(n):
            acc = np.float32(0.0)
            for j in range(d):
                acc += K[i, j] * q[j]
            for p in range(indptr[i], indptr[i + 1]):
                acc += data[p] * qb[indices[p]]
            out[i] = acc + cat_vals[cat[i]]
