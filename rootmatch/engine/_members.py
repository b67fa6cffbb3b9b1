"""The member schema of a saved archive: each array's dtype, shape in named dimensions and
value range, checked before any array is used."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from rootmatch.base._csv import MAX_CELL
from rootmatch.base.exceptions import ModelFormatError

__all__ = ["MAX_TEXT_WIDTH", "Bounds", "Member", "SchemaFn", "bind_dim", "bind_shape",
           "check_values", "free_dims"]

#: Widest text member accepted, in characters: no text a model holds is longer.
MAX_TEXT_WIDTH = MAX_CELL
#: Upper bounds of dimensions: ``{"n_mem": ("n", "n_mem_vocab")}`` is ``n_mem <= n *
#: n_mem_vocab``.
Bounds = Mapping[str, tuple[int | str, ...]]

_DIM = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(\+1)?$")


@dataclass(frozen=True)
class Member:
    """What one array of an archive must be; the schema maps each member's name to one.

    Dimensions and bounds are ints or names of dimensions (``"n"``, ``"n+1"``): a name the
    header gives (or records, see :func:`free_dims`) is fixed before any array is read; any
    other name is bound by the first member (in schema order) that uses it, or by the last
    value of the index pointer over it (read first), and every later use must agree. A
    dimension the schema bounds (``bounds``) is refused beyond the product of its factors,
    and a text is at most :data:`MAX_TEXT_WIDTH` characters wide, before any data is read.

    Attributes
    ----------
    dtypes : tuple of str
        Accepted dtypes without byte order (``"f8"``, ``"i8"``, ``"M8[D]"``); ``"U"`` is any
        text width.
    shape : tuple of int or str
    finite : bool
        Every value is finite (floats).
    low, high : float, int, str or None
        Every value is in ``[low, high)``.
    indptr : str or None
        The array is a CSR index pointer over that many entries: it starts at 0, never
        decreases and ends at the entry count.
    increasing : bool
        Values strictly increase.
    equals : tuple of int or str, optional
        The values themselves (a matrix's stored shape).
    nonempty : bool
        The array has at least one element.
    """

    dtypes: tuple[str, ...]
    shape: tuple[int | str, ...]
    finite: bool = False
    low: float | int | str | None = None
    high: float | int | str | None = None
    indptr: str | None = None
    increasing: bool = False
    equals: tuple[int | str, ...] | None = None
    nonempty: bool = False


def _dim(value: int | float | str, dims: Mapping[str, int]) -> int | float:
    if isinstance(value, str):
        m = _DIM.match(value)
        assert m is not None, value  # a schema's own typo
        return dims[m.group(1)] + (1 if m.group(2) else 0)
    return value


def free_dims(members: Mapping[str, Member], header_dims: Mapping[str, int]) -> list[str]:
    """The dimensions the members use that the header does not give, in schema order."""
    out: list[str] = []
    for spec in members.values():
        for want in (*spec.shape, *([spec.indptr] if spec.indptr else [])):
            if isinstance(want, str):
                m = _DIM.match(want)
                assert m is not None, want
                if m.group(1) not in header_dims and m.group(1) not in out:
                    out.append(m.group(1))
    return out


def _known(value: int | str, dims: Mapping[str, int]) -> int | None:
    """An int or a dimension's value, ``None`` while that dimension is not bound."""
    if not isinstance(value, str):
        return int(value)
    m = _DIM.match(value)
    assert m is not None, value
    return dims[m.group(1)] + (1 if m.group(2) else 0) if m.group(1) in dims else None


def bind_dim(where: str, dim: str, size: int, dims: dict[str, int], bounds: Bounds) -> None:
    """Bind ``dims[dim] = size`` after checking it against the dimension's bound."""
    if dim in bounds:
        factors = [_known(f, dims) for f in bounds[dim]]
        if None not in factors:
            most = math.prod(f for f in factors if f is not None)
            if size > most:
                raise ModelFormatError(
                    f"{where}: {dim} = {size}, over the {most} that "
                    f"{' * '.join(map(str, bounds[dim]))} allow")
    dims[dim] = size


def bind_shape(name: str, spec: Member, dtype: np.dtype[Any], shape: tuple[int, ...],
               dims: dict[str, int], bounds: Bounds | None = None) -> None:
    """Check one member's declared dtype and shape (from its ``.npy`` header), binding dims."""
    code = dtype.str[1:]
    if (dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None
            or not any(code == d or (d == "U" and dtype.kind == "U") for d in spec.dtypes)):
        raise ModelFormatError(f"member {name!r}: dtype {dtype.str!r}, expected one of "
                               f"{', '.join(spec.dtypes)}")
    if dtype.kind == "U" and dtype.itemsize // 4 > MAX_TEXT_WIDTH:
        raise ModelFormatError(f"member {name!r}: texts {dtype.itemsize // 4} characters "
                               f"wide, over the {MAX_TEXT_WIDTH} any text may hold")
    if len(shape) != len(spec.shape):
        raise ModelFormatError(f"member {name!r}: {len(shape)} dimensions, expected "
                               f"{len(spec.shape)}")
    for axis, (size, want) in enumerate(zip(shape, spec.shape, strict=True)):
        if isinstance(want, str):
            m = _DIM.match(want)
            assert m is not None, want
            dim, plus = m.group(1), 1 if m.group(2) else 0
            if dim not in dims:
                if size - plus < 0:
                    raise ModelFormatError(f"member {name!r}: axis {axis} has {size} entries")
                bind_dim(f"member {name!r}", dim, size - plus, dims, bounds or {})
            want = dims[dim] + plus
        if size != want:
            raise ModelFormatError(f"member {name!r}: shape {shape}, axis {axis} should have "
                                   f"{want} entries (from {spec.shape})")
    if spec.nonempty and math.prod(shape) == 0:
        raise ModelFormatError(f"member {name!r}: empty")


def check_values(name: str, spec: Member, a: np.ndarray, dims: Mapping[str, int]) -> None:
    """Check one member's values against its spec."""
    def fail(what: str) -> None:
        raise ModelFormatError(f"member {name!r}: {what}")

    if a.size == 0:
        if spec.indptr is not None:
            fail("an index pointer cannot be empty")
        return
    if spec.finite and not np.isfinite(a).all():
        fail("holds NaN or infinite values")
    if spec.low is not None and a.min() < (lo := _dim(spec.low, dims)):
        fail(f"value {a.min().item()!r} below {lo!r}")
    if spec.high is not None and a.max() >= (hi := _dim(spec.high, dims)):
        fail(f"value {a.max().item()!r} not below {hi!r}")
    if spec.increasing and a.size > 1 and not (a[1:] > a[:-1]).all():
        fail("values do not strictly increase")
    if spec.indptr is not None:
        nnz = _dim(spec.indptr, dims)
        if a[0] != 0 or a[-1] != nnz or (a.size > 1 and (a[1:] < a[:-1]).any()):
            fail(f"not an index pointer over {nnz} entries (must start at 0, never decrease "
                 f"and end at {nnz})")
    if spec.equals is not None:
        want = [_dim(v, dims) for v in spec.equals]
        if a.tolist() != want:
            fail(f"holds {a.tolist()}, expected {want}")


#: Build a member schema, the header's dimensions and the bounds of the others from the
#: (already parsed) metadata; it raises ModelFormatError when the metadata itself is invalid.
SchemaFn = Callable[[Mapping[str, Any]],
                    tuple[Mapping[str, Member], Mapping[str, int], Bounds]]
