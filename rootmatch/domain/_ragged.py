"""Column helpers of :class:`~rootmatch.FirmTable`: fixed-width id strings, bit masks and
ragged (CSR-style) columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__: list[str] = []

_ID_CHARS = np.zeros(128, bool)
_ID_CHARS[[ord(c) for c in "0123456789_.-"]] = True
_ID_CHARS[ord("A"): ord("Z") + 1] = True
_ID_CHARS[ord("a"): ord("z") + 1] = True
_ID_FIRST = _ID_CHARS.copy()
_ID_FIRST[[ord(c) for c in "_.-"]] = False


def _narrow(strings: NDArray[np.str_]) -> NDArray[np.str_]:
    """The same strings in the narrowest fixed width (``astype(str)`` of ints gives U21)."""
    width = int(np.char.str_len(strings).max()) if strings.size else 1
    return strings.astype(f"<U{max(width, 1)}", copy=False)


def _valid_ids(ids: NDArray[np.str_]) -> NDArray[np.bool_]:
    """Vectorised ``entities._ID`` match: the fixed-width code points checked at once."""
    n = ids.shape[0]
    width = ids.dtype.itemsize // 4
    if n == 0 or width == 0:
        return np.zeros(n, bool)
    codes = np.ascontiguousarray(ids).view(np.uint32).reshape(n, width)
    length = np.char.str_len(ids)
    inside = np.arange(width) < length[:, None]
    ok_char = _ID_CHARS[np.minimum(codes, 127)] & (codes < 128)
    ok = np.all(ok_char | ~inside, axis=1) & _ID_FIRST[np.minimum(codes[:, 0], 127)]
    return ok & (codes[:, 0] < 128) & (length >= 1) & (length <= 64)


def _bits(mask: NDArray[np.integer], width: int) -> NDArray[np.bool_]:
    """Multi-hot (n, width) boolean matrix of a bit-mask column."""
    return ((mask[:, None].astype(np.int64) >> np.arange(width)) & 1).astype(bool)


def _incidence(
    indptr: NDArray[np.int64],
    codes: NDArray[np.int32],
    own_vocab: tuple[str, ...],
    vocab: Sequence[str] | None,
    keep: NDArray[np.bool_] | None = None,
) -> sp.csr_matrix:
    """0/1 CSR incidence of a ragged column, its codes remapped onto ``vocab``."""
    vocab = tuple(own_vocab if vocab is None else vocab)
    where = {m: j for j, m in enumerate(vocab)}
    remap = np.array([where.get(m, -1) for m in own_vocab] or [-1], np.int64)
    cols = remap[codes] if codes.size else np.zeros(0, np.int64)
    rows = np.repeat(np.arange(indptr.shape[0] - 1), np.diff(indptr))
    ok = cols >= 0 if keep is None else (cols >= 0) & keep
    m = sp.csr_matrix((np.ones(int(ok.sum())), (rows[ok], cols[ok])),
                      shape=(indptr.shape[0] - 1, len(vocab)))
    m.data[:] = 1.0  # duplicates were summed: incidence stays 0/1
    return m


def _take_ragged(
    indptr: NDArray[np.int64], values: list[np.ndarray], rows: NDArray[np.intp]
) -> tuple[Any, ...]:
    lengths = (indptr[rows + 1] - indptr[rows]) if rows.size else np.zeros(0, np.int64)
    new_indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    if lengths.sum() == 0:
        return (new_indptr, *[v[:0] for v in values])
    starts = np.repeat(indptr[rows], lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(new_indptr[:-1], lengths)
    idx = starts + offsets
    return (new_indptr, *[v[idx] for v in values])
