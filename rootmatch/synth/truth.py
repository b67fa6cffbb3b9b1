"""The planted ground truth of a synthetic population and its oracle."""

from __future__ import annotations

import attrs
import numpy as np
import scipy.special
from attrs import field, frozen
from numpy.typing import ArrayLike, NDArray

from rootmatch.base.exceptions import UnknownEntityError
from rootmatch.domain.population import Population
from rootmatch.synth._law import LatentModel, firm_rates, institute_logits
from rootmatch.synth.calibration import CalibrationReport, summarize

__all__ = ["Truth"]


_ARRAY_EQ = attrs.cmp_using(eq=np.array_equal)


@frozen(kw_only=True, eq=False)
class Truth:
    """The planted ground truth of a synthetic population.

    Attributes
    ----------
    held_out : ndarray of str, shape (m, 2)
        Firm–firm links sampled from the hidden model and held out of
        ``pop.collaborations`` (pairs of firm ids, first < second).
    held_out_institute : ndarray of str, shape (m, 2)
        ``(firm id, institute id)`` links held out of ``pop.institute_links``.

    Notes
    -----
    The oracle and the latent state it reads are private; nothing observed depends on them.
    """

    held_out: NDArray[np.str_] = field(eq=_ARRAY_EQ)
    held_out_institute: NDArray[np.str_] = field(eq=_ARRAY_EQ)
    _model: LatentModel = field(repr=False, alias="model")
    _firm_ids: NDArray[np.str_] = field(repr=False, alias="firm_ids")

    def _firm_rows(self, ids: NDArray[np.str_], *, what: str) -> NDArray[np.int64]:
        pos = np.searchsorted(self._firm_ids, ids)
        pos = np.minimum(pos, max(self._firm_ids.size - 1, 0))
        found = self._firm_ids[pos] == ids if self._firm_ids.size else np.zeros(ids.size, bool)
        if not found.all():
            bad = str(ids[np.flatnonzero(~found)[0]])
            raise UnknownEntityError(f"unknown {what} id {bad!r}")
        return pos.astype(np.int64)

    def oracle_scores(
        self, firm_ids: ArrayLike, candidate_ids: ArrayLike, *, block_cells: int = 1 << 20
    ) -> NDArray[np.float64]:
        """The true link probability of every (firm, candidate) pair.

        Parameters
        ----------
        firm_ids : str or sequence of str
            Query firms.
        candidate_ids : str or sequence of str
            Firm ids and institute ids, in any mix.
        block_cells : int, default=2**20
            Pairs computed at once (bounds the temporary memory).

        Returns
        -------
        ndarray of float64, shape (len(firm_ids), len(candidate_ids))
            ``P(link)`` in [0, 1] under the hidden model: for firms ``1 - exp(-Λ)``, for
            institutes the Bernoulli probability; 0 for a firm with itself and for
            cooperatives (joined, not collaborated with).

        Raises
        ------
        UnknownEntityError
            For an id that is neither a firm of the population nor one of its institutes.

        Examples
        --------
        >>> import rootmatch as rm
        >>> pop = rm.synth.generate_population(500, seed=3)
        >>> s = pop.truth.oracle_scores(["F000010", "F000011"], pop.firms.ids)
        >>> s.shape, float(s[0, 10]), bool((s >= 0).all() and (s <= 1).all())
        ((2, 500), 0.0, True)
        """
        q = np.atleast_1d(np.asarray(firm_ids, dtype=str))
        c = np.atleast_1d(np.asarray(candidate_ids, dtype=str))
        rows = self._firm_rows(q, what="firm")
        inst_ids = np.asarray(self._model.inst_ids, dtype=str)  # sorted
        is_inst = np.isin(c, inst_ids)
        firm_cols = np.flatnonzero(~is_inst)
        inst_cols = np.flatnonzero(is_inst)
        crow = self._firm_rows(c[firm_cols], what="firm or institute")
        cinst = np.searchsorted(inst_ids, c[inst_cols]).astype(np.int64)
        out = np.zeros((q.size, c.size))
        step = max(1, int(block_cells) // max(c.size, 1))
        for lo in range(0, q.size, step):
            r = rows[lo: lo + step]
            if firm_cols.size:
                out[lo: lo + step, firm_cols] = -np.expm1(-firm_rates(self._model, r,
                                                                               crow))
            if inst_cols.size:
                out[lo: lo + step, inst_cols] = scipy.special.expit(
                    institute_logits(self._model, r, cinst))
        return out

    def summary(self, population: Population) -> CalibrationReport:
        """The calibration report of ``population``, the population this truth was planted in.

        The same as :func:`rootmatch.synth.summarize` (it reads only the observable columns);
        reached from the truth so that :meth:`Population.summary` needs nothing but
        ``pop.truth``.

        Parameters
        ----------
        population : Population

        Returns
        -------
        CalibrationReport

        Examples
        --------
        >>> import rootmatch as rm
        >>> pop = rm.synth.generate_population(500, seed=3)
        >>> rep = pop.truth.summary(pop)
        >>> rep["size.lt10"].target, len(rep) == len(rm.synth.summarize(pop))
        (0.684, True)
        """
        return summarize(population)
