"""``FirmTable``: a struct-of-arrays view of many firms.

Every hot path reads these numpy columns; :class:`~rootmatch.entities.Firm` objects are made
per row on demand. Sets are bit masks (bit ``m.value`` for member ``m``); memberships and
participations are ragged columns stored CSR-style (``indptr`` plus flat codes).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rootmatch.base._checks import check_date as check_date
from rootmatch.base.exceptions import UnknownEntityError, ValidationError
from rootmatch.domain._columns import _N_TECH as _N_TECH
from rootmatch.domain._columns import SCALAR_COLUMNS, validate_columns
from rootmatch.domain._fields import _ID as _ID
from rootmatch.domain._matrices import _DerivedMatrices
from rootmatch.domain._ragged import _ID_CHARS as _ID_CHARS
from rootmatch.domain._ragged import _ID_FIRST as _ID_FIRST
from rootmatch.domain._ragged import _bits as _bits
from rootmatch.domain._ragged import _incidence as _incidence
from rootmatch.domain._ragged import (
    _narrow,
    _take_ragged,
)
from rootmatch.domain._ragged import _valid_ids as _valid_ids
from rootmatch.domain._views import FirmView
from rootmatch.domain._views import ParticipationView as ParticipationView
from rootmatch.domain.entities import SMALL_FIRM_LIMIT, Firm, Participation
from rootmatch.domain.taxonomy import (
    District,
    Material,
    RootTechnology,
    SupportAxis,
    Topic,
    mask_of,
    members_of,
)

__all__ = ["FirmTable"]


class FirmTable(_DerivedMatrices):
    """Columnar storage of firms.

    Build one with :meth:`from_firms` or :meth:`from_columns`. ``len(table)``, iteration
    (yields :class:`~rootmatch.Firm`), ``table[firm_id]`` and ``table.ids`` behave as for a
    mapping of firms in row order; every column is a read-only numpy array.

    Examples
    --------
    >>> from rootmatch import Firm, FirmTable
    >>> t = FirmTable.from_firms([
    ...     Firm(id="F1", name="A", technologies=["금형"], employees=7, district="사상구"),
    ...     Firm(id="F2", name="B", technologies=["용접", "열처리"], employees=25,
    ...          district="강서구")])
    >>> len(t), t.ids.tolist(), t["F2"].employees
    (2, ['F1', 'F2'], 25)
    >>> t.tech_matrix().sum(axis=1).tolist(), t.small().ids.tolist()
    ([1, 2], ['F1'])
    """

    __slots__ = (
        "_order",
        "_sorted",
        "certified",
        "cluster",
        "cluster_vocab",
        "digital_level",
        "district",
        "employees",
        "foreign_share",
        "founded",
        "ids",
        "materials_mask",
        "mem_codes",
        "mem_indptr",
        "membership_vocab",
        "names",
        "needs_mask",
        "part_indptr",
        "part_on",
        "part_program",
        "program_vocab",
        "tech_mask",
        "topics_mask",
        "workforce_40plus",
    )

    ids: NDArray[np.str_]
    names: NDArray[np.str_]
    tech_mask: NDArray[np.uint16]
    employees: NDArray[np.int32]
    district: NDArray[np.int8]
    founded: NDArray[np.int16]
    workforce_40plus: NDArray[np.float64]
    foreign_share: NDArray[np.float64]
    digital_level: NDArray[np.int8]
    materials_mask: NDArray[np.uint8]
    needs_mask: NDArray[np.uint8]
    topics_mask: NDArray[np.uint16]
    certified: NDArray[np.bool_]
    cluster: NDArray[np.int16]
    cluster_vocab: tuple[str, ...]
    membership_vocab: tuple[str, ...]
    mem_indptr: NDArray[np.int64]
    mem_codes: NDArray[np.int32]
    program_vocab: tuple[str, ...]
    part_indptr: NDArray[np.int64]
    part_program: NDArray[np.int32]
    part_on: NDArray[np.datetime64]

    # ---- construction ------------------------------------------------------------------
    @classmethod
    def from_columns(
        cls,
        *,
        ids: ArrayLike,
        names: ArrayLike | None = None,
        tech_mask: ArrayLike,
        employees: ArrayLike,
        district: ArrayLike,
        founded: ArrayLike | None = None,
        workforce_40plus: ArrayLike | None = None,
        foreign_share: ArrayLike | None = None,
        digital_level: ArrayLike | None = None,
        materials_mask: ArrayLike | None = None,
        needs_mask: ArrayLike | None = None,
        topics_mask: ArrayLike | None = None,
        certified: ArrayLike | None = None,
        cluster: ArrayLike | None = None,
        cluster_vocab: Sequence[str] = ("",),
        membership_vocab: Sequence[str] = (),
        mem_indptr: ArrayLike | None = None,
        mem_codes: ArrayLike | None = None,
        program_vocab: Sequence[str] = (),
        part_indptr: ArrayLike | None = None,
        part_program: ArrayLike | None = None,
        part_on: ArrayLike | None = None,
        validate: bool = True,
    ) -> FirmTable:
        """Build a table straight from columns (the vectorised path synthetic data uses).

        Missing optional columns take the :class:`~rootmatch.Firm` defaults. With
        ``validate=True`` every column is checked at once and the first bad row is named
        (:class:`~rootmatch.ValidationError` with ``.field`` the column).

        Sets are bit masks (bit ``m.value`` for member ``m``, see
        :func:`rootmatch.taxonomy.mask_of`); ``district`` holds ``District.value`` codes;
        memberships and participations are CSR-style ragged columns (``*_indptr`` of length
        ``n + 1`` and flat codes into ``membership_vocab`` / ``program_vocab``).

        Examples
        --------
        >>> import numpy as np
        >>> from rootmatch import District, FirmTable, RootTechnology
        >>> n = 1000
        >>> t = FirmTable.from_columns(
        ...     ids=np.char.add("F", np.arange(n).astype(str)),
        ...     tech_mask=np.full(n, 1 << RootTechnology.MOLD.value),
        ...     employees=np.arange(n) % 20,
        ...     district=np.full(n, District.SASANG.value))
        >>> len(t), len(t.small()), t["F12"].technologies == {RootTechnology.MOLD}
        (1000, 500, True)
        """
        ids_arr = np.asarray(ids, dtype=np.str_)
        if ids_arr.ndim != 1:
            raise ValidationError(f"ids must be 1-D, got shape {ids_arr.shape}", field="ids")
        n = ids_arr.shape[0]

        def col(name: str, value: ArrayLike | None, default: Any) -> np.ndarray:
            dtype = SCALAR_COLUMNS[name]
            if value is None:
                return np.full(n, default, dtype=dtype)
            arr = np.asarray(value)
            if arr.shape != (n,):
                raise ValidationError(f"column {name} has shape {arr.shape}, expected ({n},)",
                                      field=name)
            if n and np.issubdtype(dtype, np.integer):
                if not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
                    whole = np.issubdtype(arr.dtype, np.floating) and bool(
                        np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))
                    if not whole:
                        raise ValidationError(f"column {name} must hold integers, got dtype "
                                              f"{arr.dtype}", field=name)
                info = np.iinfo(dtype)
                lo, hi = arr.min(), arr.max()
                if lo < info.min or hi > info.max:
                    bad = lo if lo < info.min else hi
                    raise ValidationError(f"column {name}: {bad!r} does not fit {np.dtype(dtype)}",
                                          field=name, value=bad)
            return arr.astype(dtype, copy=False)

        self = object.__new__(cls)
        self.ids = _narrow(ids_arr)
        self.names = _narrow(col("names", names, "")) if names is not None else self.ids.copy()
        self.tech_mask = col("tech_mask", tech_mask, 0)
        self.employees = col("employees", employees, 0)
        self.district = col("district", district, District.OUTSIDE_BUSAN.value)
        self.founded = col("founded", founded, 0)
        self.workforce_40plus = col("workforce_40plus", workforce_40plus, 0.658)
        self.foreign_share = col("foreign_share", foreign_share, 0.0)
        self.digital_level = col("digital_level", digital_level, 0)
        self.materials_mask = col("materials_mask", materials_mask, 0)
        self.needs_mask = col("needs_mask", needs_mask, 0)
        self.topics_mask = col("topics_mask", topics_mask, 0)
        self.certified = col("certified", certified, False)
        self.cluster = col("cluster", cluster, 0)
        self.cluster_vocab = tuple(cluster_vocab) if cluster_vocab else ("",)
        self.membership_vocab = tuple(membership_vocab)
        self.mem_indptr = (
            np.zeros(n + 1, np.int64) if mem_indptr is None else np.asarray(mem_indptr, np.int64)
        )
        self.mem_codes = (
            np.zeros(0, np.int32) if mem_codes is None else np.asarray(mem_codes, np.int32)
        )
        self.program_vocab = tuple(program_vocab)
        self.part_indptr = (
            np.zeros(n + 1, np.int64) if part_indptr is None else np.asarray(part_indptr, np.int64)
        )
        self.part_program = (
            np.zeros(0, np.int32) if part_program is None else np.asarray(part_program, np.int32)
        )
        self.part_on = (
            np.zeros(0, "datetime64[D]")
            if part_on is None
            else np.asarray(part_on, dtype="datetime64[D]")
        )
        self._order = None  # the id sort order, computed on first lookup
        self._sorted = None
        if validate:
            self._validate()
        for name in cls.__slots__:
            value = getattr(self, name, None)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
        return self

    @classmethod
    def from_firms(cls, firms: Iterable[Firm]) -> FirmTable:
        """Build a table from :class:`~rootmatch.Firm` objects (row order kept)."""
        firms = list(firms)
        clusters = sorted({f.cluster for f in firms} | {""})
        cluster_code = {c: i for i, c in enumerate(clusters)}
        mem_vocab = sorted({m for f in firms for m in f.memberships})
        mem_code = {m: i for i, m in enumerate(mem_vocab)}
        prog_vocab = sorted({p.program_id for f in firms for p in f.participations})
        prog_code = {p: i for i, p in enumerate(prog_vocab)}
        mem_lists = [sorted(mem_code[m] for m in f.memberships) for f in firms]
        parts = [f.participations for f in firms]
        return cls.from_columns(
            ids=[f.id for f in firms] or np.zeros(0, np.str_),
            names=[f.name for f in firms] or np.zeros(0, np.str_),
            tech_mask=[mask_of(f.technologies) for f in firms],
            employees=[f.employees for f in firms],
            district=[f.district.value for f in firms],
            founded=[f.founded or 0 for f in firms],
            workforce_40plus=[f.workforce_40plus for f in firms],
            foreign_share=[f.foreign_share for f in firms],
            digital_level=[f.digital_level for f in firms],
            materials_mask=[mask_of(f.materials) for f in firms],
            needs_mask=[mask_of(f.needs) for f in firms],
            topics_mask=[mask_of(f.topics) for f in firms],
            certified=[f.certified for f in firms],
            cluster=[cluster_code[f.cluster] for f in firms],
            cluster_vocab=clusters,
            membership_vocab=mem_vocab,
            mem_indptr=np.concatenate([[0], np.cumsum([len(m) for m in mem_lists])]),
            mem_codes=[c for m in mem_lists for c in m],
            program_vocab=prog_vocab,
            part_indptr=np.concatenate([[0], np.cumsum([len(p) for p in parts])]),
            part_program=[prog_code[p.program_id] for ps in parts for p in ps],
            part_on=np.array([p.on for ps in parts for p in ps], dtype="datetime64[D]"),
        )

    def _validate(self) -> None:
        validate_columns(self)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def __iter__(self) -> Iterator[Firm]:
        for i in range(len(self)):
            yield self.row(i)

    def __contains__(self, firm_id: object) -> bool:
        return isinstance(firm_id, str) and self._find(np.asarray([firm_id]))[0] >= 0

    def __getitem__(self, firm_id: str) -> Firm:
        return self.row(self.position(firm_id))

    def __repr__(self) -> str:
        return f"<FirmTable of {len(self)} firms, {int(self.is_small.sum())} small>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FirmTable):
            return NotImplemented
        if len(self) != len(other):
            return False
        if len(self) >= 50_000:
            return self._columns_equal(other)
        return all(f1 == f2 for f1, f2 in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def _columns_equal(self, other: FirmTable) -> bool:
        for name in SCALAR_COLUMNS:
            if name == "cluster":
                continue
            if not np.array_equal(getattr(self, name), getattr(other, name)):
                return False
        return bool(
            (np.asarray(self.cluster_vocab)[self.cluster]
             == np.asarray(other.cluster_vocab)[other.cluster]).all()
            and self.memberships_list() == other.memberships_list()
            and self.participations_list() == other.participations_list()
        )

    def _find(self, ids: NDArray[np.str_]) -> NDArray[np.intp]:
        if self._order is None or getattr(self, "_sorted", None) is None:
            self._order = np.argsort(self.ids, kind="stable")
            self._sorted = self.ids[self._order]
        sorted_ids = self._sorted
        pos = np.searchsorted(sorted_ids, ids)
        pos = np.minimum(pos, max(len(self) - 1, 0))
        if len(self) == 0:
            return np.full(ids.shape, -1, np.intp)
        found = sorted_ids[pos] == ids
        return np.where(found, self._order[pos], -1)

    def position(self, firm_id: str) -> int:
        """The row of ``firm_id``; raises :class:`~rootmatch.UnknownEntityError`.

        Examples
        --------
        >>> from rootmatch import Firm, FirmTable
        >>> t = FirmTable.from_firms([
        ...     Firm(id=i, name=i, technologies=["용접"], employees=3, district="사하구")
        ...     for i in ("B", "A")])
        >>> t.position("A"), t.positions(["A", "B", "A"]).tolist(), "C" in t
        (1, [1, 0, 1], False)
        """
        pos = int(self._find(np.asarray([firm_id], dtype=np.str_))[0])
        if pos < 0:
            raise UnknownEntityError(f"unknown firm id {firm_id!r}")
        return pos

    def positions(self, firm_ids: ArrayLike) -> NDArray[np.intp]:
        """The rows of many firm ids at once (vectorised); raises on the first unknown id."""
        ids = np.asarray(firm_ids, dtype=np.str_).reshape(-1)
        pos = self._find(ids)
        if np.any(pos < 0):
            raise UnknownEntityError(f"unknown firm id {str(ids[np.flatnonzero(pos < 0)[0]])!r}")
        return pos

    def row(self, i: int) -> Firm:
        """The :class:`~rootmatch.Firm` at row ``i``."""
        i = int(i)
        mem = self.mem_codes[self.mem_indptr[i]: self.mem_indptr[i + 1]]
        lo, hi = self.part_indptr[i], self.part_indptr[i + 1]
        return Firm(
            id=str(self.ids[i]),
            name=str(self.names[i]),
            technologies=members_of(RootTechnology, int(self.tech_mask[i])),
            employees=int(self.employees[i]),
            district=District(int(self.district[i])),
            founded=int(self.founded[i]) or None,
            workforce_40plus=float(self.workforce_40plus[i]),
            foreign_share=float(self.foreign_share[i]),
            digital_level=int(self.digital_level[i]),
            materials=members_of(Material, int(self.materials_mask[i])),
            needs=members_of(SupportAxis, int(self.needs_mask[i])),
            topics=members_of(Topic, int(self.topics_mask[i])),
            certified=bool(self.certified[i]),
            memberships=frozenset(self.membership_vocab[c] for c in mem),
            participations=tuple(
                Participation(program_id=self.program_vocab[c], on=d.item())
                for c, d in zip(self.part_program[lo:hi], self.part_on[lo:hi], strict=True)
            ),
            cluster=self.cluster_vocab[int(self.cluster[i])],
        )

    def view(self, i: int) -> FirmView:
        """A light read-only view of row ``i`` with :class:`~rootmatch.Firm`'s attribute names
        (no validation, sets from a cache): for hot paths that read a few fields."""
        return FirmView(self, int(i))

    def to_firms(self) -> list[Firm]:
        """All rows as :class:`~rootmatch.Firm` objects."""
        return [self.row(i) for i in range(len(self))]

    # ---- subsets ------------------------------------------------------------------------
    def take(self, rows: ArrayLike) -> FirmTable:
        """A new table of the given rows (positions or a boolean mask), vocabularies kept.

        Examples
        --------
        >>> from rootmatch import Firm, FirmTable
        >>> t = FirmTable.from_firms([
        ...     Firm(id=f"F{i}", name="x", technologies=["용접"], employees=5 * i,
        ...          district="사하구") for i in range(4)])
        >>> t.take([3, 0]).ids.tolist(), t.take(t.employees > 5).ids.tolist()
        (['F3', 'F0'], ['F2', 'F3'])
        """
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        rows = rows.astype(np.intp)
        cols = {name: getattr(self, name)[rows] for name in SCALAR_COLUMNS}
        mem_indptr, mem_codes = _take_ragged(self.mem_indptr, [self.mem_codes], rows)
        part_indptr, part_prog, part_on = _take_ragged(
            self.part_indptr, [self.part_program, self.part_on], rows
        )
        return FirmTable.from_columns(
            **cols,
            cluster_vocab=self.cluster_vocab,
            membership_vocab=self.membership_vocab,
            mem_indptr=mem_indptr,
            mem_codes=mem_codes,
            program_vocab=self.program_vocab,
            part_indptr=part_indptr,
            part_program=part_prog,
            part_on=part_on,
            validate=False,
        )

    def small(self) -> FirmTable:
        """The sub-table of small firms (fewer than 10 employees)."""
        return self.take(self.is_small)

    @property
    def is_small(self) -> NDArray[np.bool_]:
        """Boolean mask of small firms (``employees < 10``)."""
        return self.employees < SMALL_FIRM_LIMIT

    @staticmethod
    def concat(tables: Sequence[FirmTable]) -> FirmTable:
        """Stack tables row-wise (ids must stay unique)."""
        return FirmTable.from_firms([f for t in tables for f in t])
