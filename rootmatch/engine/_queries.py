"""Argument checks shared by the query methods of :class:`rootmatch.Matchmaker`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.utils.validation import check_is_fitted

from rootmatch.base._checks import check_k
from rootmatch.base.exceptions import UnknownEntityError, ValidationError

__all__ = ["QueryChecks"]


class QueryChecks:
    """Firm positions, ``k``, kinds and candidate masks of a fitted model's queries."""

    table_: Any
    firm_ids_: NDArray[np.str_]

    def _pos(self, firm_id: str) -> int:
        check_is_fitted(self, "weights_")
        try:
            return int(self.table_.position(firm_id))
        except UnknownEntityError:
            raise
        except Exception as err:  # e.g. a non-string id
            raise UnknownEntityError(f"unknown firm id {firm_id!r}") from err

    def _check_kinds(self, kinds: Iterable[str]) -> tuple[str, ...]:
        kinds = tuple(kinds)
        bad = [k for k in kinds if k not in ("firm", "institute")]
        if bad or not kinds:
            raise ValidationError(f"kinds must be a non-empty subset of ('firm', 'institute'), "
                                  f"got {kinds!r}", field="kinds", value=kinds)
        return kinds

    @staticmethod
    def _check_k(k: int) -> int:
        return check_k(k)

    def _candidate_mask(self, candidates: ArrayLike | None) -> NDArray[np.bool_] | None:
        if candidates is None:
            return None
        arr = np.asarray(candidates)
        if arr.dtype == bool:
            if arr.shape != (len(self.firm_ids_),):
                raise ValidationError("a boolean candidates mask must have one entry per firm",
                                      field="candidates", value=arr.shape)
            return arr
        mask = np.zeros(len(self.firm_ids_), bool)
        mask[self.table_.positions(arr)] = True
        return mask
