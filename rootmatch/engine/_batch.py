"""``recommend_all``: exact top-k partners of many firms over the one top-k kernel, tiled in
query blocks and candidate shards, threaded over blocks."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from rootmatch.base.exceptions import ValidationError
from rootmatch.engine import _topk
from rootmatch.engine._scoring import PARTNERS, partner_term_rows

__all__ = ["MAX_BLOCK_SIZE", "BatchRecommender", "check_block_size"]

_BLOCK_ROWS = 256  # query rows per tile
#: Largest ``block_size`` accepted: a worker's tile is at most that many rows by the shard.
MAX_BLOCK_SIZE = 1 << 14
_SHARD_COLS = 4096  # candidate columns per tile: a 256 × 4096 float32 tile stays in cache


def check_block_size(value: object) -> int | None:
    """``value`` as a ``block_size``: ``None`` or an int in ``[1, MAX_BLOCK_SIZE]``.

    Raises
    ------
    ValidationError
        On any other value.
    """
    if value is None:
        return None
    if (isinstance(value, bool) or not isinstance(value, (int, np.integer))
            or not 1 <= int(value) <= MAX_BLOCK_SIZE):
        raise ValidationError(f"block_size must be None or an int in [1, {MAX_BLOCK_SIZE}], "
                              f"got {value!r}", field="block_size", value=value)
    return int(value)


def _by_column(rows: list, cols: list, vals: list | None) -> tuple:  # type: ignore[type-arg]
    """Concatenate sparse entries and sort them by column."""
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    v = np.concatenate(vals) if vals else np.zeros(r.size, np.float32)
    order = np.argsort(c, kind="stable")
    return r[order], c[order], v[order]


def _slice_by_column(entries: tuple, c0: int, c1: int) -> tuple:  # type: ignore[type-arg]
    r, c, v = entries
    lo, hi = np.searchsorted(c, [c0, c1])
    return r[lo:hi], c[lo:hi], v[lo:hi]


class BatchRecommender:
    """The batch path of :class:`rootmatch.Matchmaker` (its state lives on the estimator)."""

    n_jobs: int | None
    block_size: int | None
    use_numba: bool | None

    def _recommend_all(
        self,
        firm_ids: ArrayLike | None,
        k: int,
        kinds: Sequence[str],
        exclude_existing: bool,
        candidates: ArrayLike | None,
        progress: Callable[[int, int], None] | None,
    ) -> tuple[NDArray[np.str_], NDArray[np.float32]]:
        """See :meth:`rootmatch.Matchmaker.recommend_all`."""
        check_is_fitted(self, "weights_")
        k = self._check_k(k)
        kinds = self._check_kinds(kinds)
        if firm_ids is None:
            rows = np.flatnonzero(self.table_.is_small)
        else:
            rows = self.table_.positions(firm_ids)
        cand = self._candidate_mask(candidates)
        n = len(self.firm_ids_)
        n_inst = len(self.inst_ids_)
        all_ids = np.concatenate(
            [self.firm_ids_.astype(str), np.asarray(self.inst_ids_, dtype=str)])
        all_rank = np.concatenate([self.id_rank_, n + np.arange(n_inst)]).astype(np.int64)
        out_idx = np.full((rows.size, k), -1, np.int64)
        out_val = np.full((rows.size, k), -np.inf, np.float32)
        block = check_block_size(self.block_size) or _BLOCK_ROWS
        shard = _SHARD_COLS
        w_p = np.float32(self._w[PARTNERS])
        sample = self.sample_cols_
        K_sample_T = self.K_[sample].T
        local = threading.local()
        both = "firm" in kinds and "institute" in kinds  # scores on the log-odds scale

        def run(start: int) -> tuple[int, NDArray[np.int64], NDArray[np.float32]]:
            blk = rows[start:start + block]
            b = blk.size
            idx, val = _topk.empty_topk(b, k)
            if "firm" in kinds:
                if getattr(local, "buf", None) is None:
                    rows_per_tile = min(block, max(rows.size, 1))
                    local.buf = np.empty(rows_per_tile * min(shard, max(n, 1)), np.float32)
                idx, val = self._firm_block_topk(blk, idx, val, local.buf, shard, K_sample_T,
                                                 w_p, exclude_existing=exclude_existing,
                                                 cand=cand)
                if both:
                    val = np.where(idx >= 0, self._log_odds("firm", val), -np.inf
                                   ).astype(np.float32)
            if "institute" in kinds and n_inst:
                s = self._inst_scores(blk, exclude_existing=exclude_existing)
                if both:
                    s = np.where(np.isfinite(s), self._log_odds("institute", s), -np.inf
                                 ).astype(np.float32)
                ii, iv = _topk.topk_rows(s, min(k, n_inst), use_numba=False)
                ii = np.where(ii >= 0, ii + n, -1)
                idx, val = _topk.merge_topk(idx, val, ii, iv, k, ids_order=all_rank)
            return start, idx, val

        starts = range(0, rows.size, block)
        workers = min(self._n_workers(), max(1, len(starts)))
        with contextlib.ExitStack() as stack:
            if workers > 1:
                stack.enter_context(threadpool_limits(limits=1, user_api="blas"))
                results = stack.enter_context(ThreadPoolExecutor(workers)).map(run, starts)
            else:
                results = map(run, starts)
            for start, idx, val in results:
                out_idx[start:start + idx.shape[0]] = idx
                out_val[start:start + idx.shape[0]] = val
                if progress is not None:
                    progress(min(start + idx.shape[0], rows.size), rows.size)
        ids = np.where(out_idx >= 0, all_ids[np.maximum(out_idx, 0)], "")
        return ids, out_val

    def _n_workers(self) -> int:
        if self.n_jobs is not None:
            if int(self.n_jobs) < 1:
                raise ValidationError(f"n_jobs must be >= 1 or None, got {self.n_jobs!r}",
                                      field="n_jobs", value=self.n_jobs)
            return int(self.n_jobs)
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # pragma: no cover - not on Linux
            return max(1, os.cpu_count() or 1)

    def _firm_block_topk(self, blk, idx, val, buf, shard, K_sample_T, w_p, *,  # type: ignore[no-untyped-def]
                         exclude_existing: bool, cand: NDArray[np.bool_] | None
                         ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """The block's top-k lists with every candidate shard's full hybrid scores folded in."""
        n = len(self.firm_ids_)
        b, k = idx.shape
        sample = self.sample_cols_
        # the starting thresholds: allowed sampled candidates' scores (partner term left out,
        # which only lowers them: still a lower bound)
        Ss = self.Q_[blk] @ K_sample_T
        Ss[blk[:, None] == sample[None, :]] = -np.inf
        if exclude_existing:
            Ss[np.asarray(self.A_[blk][:, sample].toarray()) > 0] = -np.inf
        if cand is not None:
            Ss[:, ~cand[sample]] = -np.inf
        thr = _topk.sample_thresholds(Ss, k)
        # sparse terms, sorted by column so each shard takes its slice
        extra_r, extra_c, extra_v = [], [], []
        if w_p > 0:
            corr = partner_term_rows(self.A_, self.dF_, blk).tocoo()
            extra_r.append(corr.row)
            extra_c.append(corr.col)
            extra_v.append(w_p * corr.data.astype(np.float32))
        er = [np.arange(b)]
        ec = [blk]
        if exclude_existing:
            ex = self.A_[blk].tocoo()
            er.append(ex.row)
            ec.append(ex.col)
        add = _by_column(extra_r, extra_c, extra_v)
        neg = _by_column(er, ec, None)
        for c0 in range(0, n, shard):
            c1 = min(n, c0 + shard)
            S = buf[: b * (c1 - c0)].reshape(b, c1 - c0)
            np.matmul(self.Q_[blk], self.K_[c0:c1].T, out=S)
            r, c, v = _slice_by_column(add, c0, c1)
            S[r, c - c0] += v
            r, c, _ = _slice_by_column(neg, c0, c1)
            S[r, c - c0] = -np.inf
            idx, val = _topk.topk_update(idx, val, S, offset=c0, ids_order=self.id_rank_,
                                         thresholds=thr,
                                         cand=None if cand is None else cand[c0:c1],
                                         use_numba=self.use_numba)
        return idx, val
