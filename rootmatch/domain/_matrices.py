"""The matrices and lists a :class:`~rootmatch.FirmTable` derives from its columns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from rootmatch.base._checks import check_date
from rootmatch.domain._columns import _N_TECH
from rootmatch.domain._ragged import _bits, _incidence
from rootmatch.domain.entities import Participation
from rootmatch.domain.taxonomy import Material, SupportAxis, Topic

__all__: list[str] = []


class _DerivedMatrices:
    """Multi-hot matrices, incidence matrices and per-row lists, read from the columns."""

    __slots__ = ()
    # the columns read here (set by FirmTable)
    tech_mask: Any
    needs_mask: Any
    topics_mask: Any
    materials_mask: Any
    mem_indptr: Any
    mem_codes: Any
    membership_vocab: tuple[str, ...]
    part_indptr: Any
    part_program: Any
    part_on: Any
    program_vocab: tuple[str, ...]

    def tech_matrix(self) -> NDArray[np.bool_]:
        """Multi-hot technologies, shape (n, 14), columns by ``RootTechnology.value``."""
        return _bits(self.tech_mask, _N_TECH)

    def needs_matrix(self) -> NDArray[np.bool_]:
        """Multi-hot needs, shape (n, 4), columns by ``SupportAxis.value``."""
        return _bits(self.needs_mask, len(SupportAxis))

    def topics_matrix(self) -> NDArray[np.bool_]:
        """Multi-hot topics, shape (n, len(Topic))."""
        return _bits(self.topics_mask, len(Topic))

    def materials_matrix(self) -> NDArray[np.bool_]:
        """Multi-hot materials, shape (n, len(Material))."""
        return _bits(self.materials_mask, len(Material))

    def membership_matrix(self, vocab: Sequence[str] | None = None) -> sp.csr_matrix:
        """Firm × institute membership incidence.

        Parameters
        ----------
        vocab : sequence of str, optional
            The institute ids of the columns, in order; ids not in it are dropped. Default:
            ``membership_vocab``.

        Returns
        -------
        scipy.sparse.csr_matrix of shape (len(self), len(vocab)), values 0/1

        Examples
        --------
        >>> from rootmatch import Firm, FirmTable
        >>> t = FirmTable.from_firms([
        ...     Firm(id="F1", name="A", technologies=["금형"], employees=7, district="사상구",
        ...          memberships=["BGMC"]),
        ...     Firm(id="F2", name="B", technologies=["용접"], employees=3, district="강서구")])
        >>> t.membership_matrix(["BMC", "BGMC"]).toarray().tolist()
        [[0.0, 1.0], [0.0, 0.0]]
        """
        return _incidence(self.mem_indptr, self.mem_codes, self.membership_vocab, vocab)

    def participation_matrix(
        self, vocab: Sequence[str] | None = None, *, before: dt.date | str | None = None
    ) -> sp.csr_matrix:
        """Firm × program participation incidence.

        Parameters
        ----------
        vocab : sequence of str, optional
            The program ids of the columns, in order; default ``program_vocab``.
        before : datetime.date, optional
            Count only participations dated strictly before this day (as
            :class:`~rootmatch.rules.NotAlreadyParticipant` does).

        Returns
        -------
        scipy.sparse.csr_matrix of shape (len(self), len(vocab)), values 0/1
            A firm that joined a program twice still has a 1.

        Examples
        --------
        >>> import datetime as dt
        >>> from rootmatch import Firm, FirmTable
        >>> t = FirmTable.from_firms([Firm(id="F1", name="A", technologies=["금형"],
        ...     employees=7, district="사상구",
        ...     participations=[("BS24-05", "2023-03-02"), ("BS24-01", "2024-07-01")])])
        >>> t.participation_matrix(["BS24-01", "BS24-05"]).toarray().tolist()
        [[1.0, 1.0]]
        >>> t.participation_matrix(["BS24-01", "BS24-05"], before=dt.date(2024, 6, 1)).toarray()
        array([[0., 1.]])
        """
        keep = None
        if before is not None:
            keep = self.part_on < np.datetime64(check_date(before, field="before"), "D")
        return _incidence(self.part_indptr, self.part_program, self.program_vocab, vocab, keep)

    def memberships_list(self) -> list[frozenset[str]]:
        """Per-row membership sets (Python objects; for I/O, not hot paths)."""
        return [
            frozenset(self.membership_vocab[c] for c in
                      self.mem_codes[self.mem_indptr[i]: self.mem_indptr[i + 1]])
            for i in range(len(self))
        ]

    def participations_list(self) -> list[tuple[Participation, ...]]:
        """Per-row participations (Python objects; for I/O, not hot paths)."""
        return [self.row(i).participations for i in range(len(self))]

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns (the whole table but a few small Python tuples).

        Examples
        --------
        >>> import numpy as np
        >>> from rootmatch import FirmTable
        >>> t = FirmTable.from_columns(ids=np.char.add("F", np.arange(100).astype(str)),
        ...                            tech_mask=np.ones(100), employees=np.ones(100),
        ...                            district=np.zeros(100))
        >>> t.ids.dtype, t.nbytes // len(t) < 100
        (dtype('<U3'), True)
        """
        return sum(
            v.nbytes for v in (getattr(self, s) for s in self.__slots__)
            if isinstance(v, np.ndarray)
        )
