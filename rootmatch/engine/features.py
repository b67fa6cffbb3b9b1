"""Feature transformers: firm, institute and program profiles as numeric matrices.

:class:`FirmVectorizer` turns a :class:`~rootmatch.FirmTable` into a float32 matrix whose
cosine similarity is the *similarity* signal of the matchmaker, and embeds institutes and
programs in the same space, so that firm–institute and firm–program cosines mean the same
thing as firm–firm ones.

The matrix is a concatenation of **blocks**, in this order:

===============  ================================================================  ==========
block            columns                                                           default w
===============  ================================================================  ==========
technologies     multi-hot over the 14 :class:`~rootmatch.RootTechnology`          1.0
needs            multi-hot over the 4 :class:`~rootmatch.SupportAxis`              1.0
topics           multi-hot over :class:`~rootmatch.Topic`                          0.8
materials        multi-hot over :class:`~rootmatch.Material`                       0.3
numeric          log(1 + employees), digital level, share aged 40+, firm age;      0.4
                 each standardised with the mean and standard deviation of fit
geography        one-hot district (:class:`~rootmatch.District`), then one-hot     0.5
                 industrial cluster over the non-empty clusters seen in fit
===============  ================================================================  ==========

**Weighting.** Every block is L2-normalised per row, then multiplied by ``sqrt(w)``. For two
rows whose blocks are all non-empty the cosine is then the weighted mean of the block
cosines, ``sum(w_b * cos_b) / sum(w_b)``: a weight is the block's share of the similarity. An
empty block (no topics, say) stays zero and simply does not count. A weight of 0 switches a
block off (its columns stay, as zeros, so the layout never changes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from rootmatch.base.exceptions import ValidationError
from rootmatch.domain.entities import Institute
from rootmatch.domain.program import Program
from rootmatch.domain.table import FirmTable
from rootmatch.domain.taxonomy import (
    District,
    LabelledEnum,
    Material,
    RootTechnology,
    SupportAxis,
    Topic,
)

__all__ = ["BLOCKS", "DEFAULT_WEIGHTS", "FirmVectorizer"]

#: The blocks, in column order.
BLOCKS: tuple[str, ...] = ("technologies", "needs", "topics", "materials", "numeric",
                           "geography")
#: Block weights used when none (or only some) are given.
DEFAULT_WEIGHTS: dict[str, float] = {
    "technologies": 1.0,
    "needs": 1.0,
    "topics": 0.8,
    "materials": 0.3,
    "numeric": 0.4,
    "geography": 0.5,
}
#: The numeric columns, in order.
NUMERIC_FEATURES: tuple[str, ...] = ("log_employees", "digital_level", "workforce_40plus",
                                     "firm_age")
#: Firm age is ``REFERENCE_YEAR - founded``; after standardisation the year cancels out.
REFERENCE_YEAR = 2024


def _check_table(X: object) -> FirmTable:
    if not isinstance(X, FirmTable):
        raise ValidationError(
            f"X must be a rootmatch.FirmTable, got {type(X).__name__}", field="X",
            value=type(X).__name__,
        )
    return X


def _multi_hot(sets: list[frozenset[Any]], enum_cls: type[LabelledEnum]) -> NDArray[np.float64]:
    """Multi-hot rows of a few entities' sets (institutes, programs: not a firm hot path)."""
    out = np.zeros((len(sets), len(enum_cls)))
    rows = [i for i, s in enumerate(sets) for _ in s]
    cols = [m.value for s in sets for m in s]
    out[rows, cols] = 1.0
    return out


def _entities(values: Iterable[Any] | Mapping[str, Any], kind: type) -> list[Any]:
    items = list(values.values() if isinstance(values, Mapping) else values)
    for item in items:
        if not isinstance(item, kind):
            raise ValidationError(
                f"expected {kind.__name__} objects, got {type(item).__name__}",
                field=kind.__name__.lower(), value=item,
            )
    return items


class FirmVectorizer(TransformerMixin, BaseEstimator):
    """Turn firms (a :class:`~rootmatch.FirmTable`), institutes and programs into vectors.

    See the module documentation for the blocks, their default weights and how weights
    act on the cosine.

    Parameters
    ----------
    weights : dict of str to float, default=None
        Block weights (``>= 0``) by block name; blocks left out keep their default
        (:data:`DEFAULT_WEIGHTS`). Names: technologies, needs, topics, materials, numeric,
        geography.
    dtype : numpy dtype, default=numpy.float32
        Output dtype, float32 or float64.

    Attributes
    ----------
    weights_ : dict of str to float
        The weight of every block.
    block_slices_ : dict of str to slice
        The columns of each block.
    n_features_out_ : int
        Number of output columns.
    feature_names_out_ : ndarray of str
        Name of every output column, ``"<block>__<member>"``.
    numeric_mean_, numeric_scale_ : ndarray of shape (4,)
        Mean and standard deviation (1 where it is 0) of the raw numeric columns in fit.
    founded_median_ : float
        Median founding year in fit, imputed where it is unknown (2024 when no year known).
    cluster_vocab_ : tuple of str
        The non-empty industrial clusters seen in fit (sorted); other clusters get no column.

    Examples
    --------
    >>> import rootmatch as rm
    >>> firms = rm.FirmTable.from_firms([
    ...     rm.Firm(id="F1", name="A", technologies=["금형"], employees=7, district="사상구",
    ...             needs=["인력 양성"], founded=1998),
    ...     rm.Firm(id="F2", name="B", technologies=["금형", "사출·프레스"], employees=25,
    ...             district="강서구", needs=["인력 양성"], cluster="녹산")])
    >>> vec = rm.FirmVectorizer().fit(firms)
    >>> X = vec.transform(firms)
    >>> X.shape, X.dtype, vec.block_slices_["needs"]
    ((2, 57), dtype('float32'), slice(14, 18, None))
    >>> cat = rm.catalog.busan_2024()
    >>> vec.transform_programs(cat.programs).shape
    (7, 57)
    """

    def __init__(
        self, *, weights: Mapping[str, float] | None = None, dtype: Any = np.float32
    ) -> None:
        self.weights = weights
        self.dtype = dtype

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags

    # ---- parameters ----------------------------------------------------------------------
    def _check_weights(self) -> dict[str, float]:
        given = {} if self.weights is None else self.weights
        if not isinstance(given, Mapping):
            raise ValidationError(
                f"weights must be a dict of block name to float, got {given!r}",
                field="weights", value=given,
            )
        out = dict(DEFAULT_WEIGHTS)
        for name, value in given.items():
            if name not in DEFAULT_WEIGHTS:
                raise ValidationError(
                    f"unknown feature block {name!r} in weights; blocks: {', '.join(BLOCKS)}",
                    field="weights", value=name,
                )
            try:
                w = float(value)
            except (TypeError, ValueError) as err:
                raise ValidationError(
                    f"weight of block {name!r} must be a number, got {value!r}",
                    field=f"weights[{name!r}]", value=value,
                ) from err
            if not math.isfinite(w) or w < 0:
                raise ValidationError(
                    f"weight of block {name!r} must be finite and >= 0, got {value!r}",
                    field=f"weights[{name!r}]", value=value,
                )
            out[name] = w
        return out

    def _check_dtype(self) -> np.dtype:
        try:
            dtype = np.dtype(self.dtype)
        except TypeError as err:
            raise ValidationError(
                f"dtype must be float32 or float64, got {self.dtype!r}", field="dtype",
                value=self.dtype,
            ) from err
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValidationError(
                f"dtype must be float32 or float64, got {self.dtype!r}", field="dtype",
                value=self.dtype,
            )
        return dtype

    # ---- fit -------------------------------------------------------------------------------
    def fit(self, X: FirmTable, y: object = None) -> FirmVectorizer:
        """Learn the numeric scaling, the founding-year median and the cluster vocabulary.

        Parameters
        ----------
        X : FirmTable
            The firms (at least one).
        y : None
            Ignored.

        Returns
        -------
        self : FirmVectorizer

        Raises
        ------
        ValidationError
            When ``X`` is not a non-empty ``FirmTable``, or a parameter is out of its domain.
        """
        table = _check_table(X)
        if len(table) == 0:
            raise ValidationError("cannot fit FirmVectorizer on 0 firms", field="X", value=0)
        weights = self._check_weights()
        self._check_dtype()
        known = table.founded > 0
        self.founded_median_ = (
            float(np.median(table.founded[known])) if known.any() else float(REFERENCE_YEAR)
        )
        raw = self._numeric_raw(table)
        std = raw.std(axis=0)
        self.numeric_mean_ = raw.mean(axis=0)
        self.numeric_scale_ = np.where(std > 1e-12, std, 1.0)
        used = np.asarray(table.cluster_vocab, dtype=object)[np.unique(table.cluster)]
        self.cluster_vocab_ = tuple(sorted({str(c) for c in used} - {""}))
        self.weights_ = weights

        names: dict[str, list[str]] = {
            "technologies": [m.name for m in RootTechnology],
            "needs": [m.name for m in SupportAxis],
            "topics": [m.name for m in Topic],
            "materials": [m.name for m in Material],
            "numeric": list(NUMERIC_FEATURES),
            "geography": [f"district_{m.name}" for m in District]
            + [f"cluster_{c}" for c in self.cluster_vocab_],
        }
        slices, feature_names, start = {}, [], 0
        for block in BLOCKS:
            slices[block] = slice(start, start + len(names[block]))
            feature_names += [f"{block}__{n}" for n in names[block]]
            start += len(names[block])
        self.block_slices_ = slices
        self.n_features_out_ = start
        self.feature_names_out_ = np.asarray(feature_names, dtype=object)
        return self

    def get_feature_names_out(self, input_features: object = None) -> NDArray[np.object_]:
        """Names of the output columns, ``"<block>__<member>"``.

        Parameters
        ----------
        input_features : None
            Ignored (the input is a table, not named columns).

        Returns
        -------
        ndarray of str objects, shape (n_features_out_,)
        """
        check_is_fitted(self)
        return self.feature_names_out_.copy()

    # ---- transforms ------------------------------------------------------------------------
    def _numeric_raw(self, table: FirmTable) -> NDArray[np.float64]:
        founded = np.where(table.founded > 0, table.founded, self.founded_median_)
        return np.column_stack([
            np.log1p(table.employees.astype(np.float64)),
            table.digital_level.astype(np.float64),
            table.workforce_40plus.astype(np.float64),
            REFERENCE_YEAR - founded.astype(np.float64),
        ])

    def _assemble(self, blocks: Mapping[str, NDArray[Any] | None], n: int) -> NDArray[Any]:
        """Normalise each block per row, weight it, and write it into its columns."""
        out = np.zeros((n, self.n_features_out_), dtype=self._check_dtype())
        for name in BLOCKS:
            block = blocks.get(name)
            w = self.weights_[name]
            if block is None or w == 0 or n == 0:
                continue
            block = np.asarray(block, dtype=np.float64)
            norms = np.sqrt(np.einsum("ij,ij->i", block, block))
            scale = np.divide(math.sqrt(w), norms, out=np.zeros(n), where=norms > 0)
            out[:, self.block_slices_[name]] = block * scale[:, None]
        return out

    def _geography(
        self, district: NDArray[np.integer], cluster: NDArray[np.integer] | None = None
    ) -> NDArray[np.float64]:
        """One-hot district (code -1: none) and, for known clusters (code >= 0), cluster."""
        n, nd = district.shape[0], len(District)
        geo = np.zeros((n, nd + len(self.cluster_vocab_)))
        rows = np.flatnonzero(district >= 0)
        geo[rows, district[rows]] = 1.0
        if cluster is not None:
            rows = np.flatnonzero(cluster >= 0)
            geo[rows, nd + cluster[rows]] = 1.0
        return geo

    def transform(self, X: FirmTable) -> NDArray[Any]:
        """The feature matrix of the firms in ``X``.

        Parameters
        ----------
        X : FirmTable

        Returns
        -------
        ndarray of shape (len(X), n_features_out_)
            float32 unless ``dtype`` says otherwise.
        """
        check_is_fitted(self)
        table = _check_table(X)
        position = {c: i for i, c in enumerate(self.cluster_vocab_)}
        remap = np.array([position.get(c, -1) for c in table.cluster_vocab] or [-1])
        numeric = (self._numeric_raw(table) - self.numeric_mean_) / self.numeric_scale_
        return self._assemble(
            {
                "technologies": table.tech_matrix(),
                "needs": table.needs_matrix(),
                "topics": table.topics_matrix(),
                "materials": table.materials_matrix(),
                "numeric": numeric,
                "geography": self._geography(table.district.astype(np.int64),
                                             remap[table.cluster]),
            },
            len(table),
        )

    def transform_institutes(
        self, institutes: Iterable[Institute] | Mapping[str, Institute]
    ) -> NDArray[Any]:
        """Institutes in the firms' space.

        Technologies are the institute's expertise, needs its services, topics its topics,
        geography its district (none when unknown); materials and numeric stay zero.

        Parameters
        ----------
        institutes : iterable of Institute, or a dict of them by id (values, in order)

        Returns
        -------
        ndarray of shape (n_institutes, n_features_out_)

        Examples
        --------
        >>> import rootmatch as rm
        >>> firms = rm.FirmTable.from_firms([rm.Firm(id="F1", name="A", technologies=["용접"],
        ...                                          employees=4, district="강서구")])
        >>> vec = rm.FirmVectorizer().fit(firms)
        >>> kimm = rm.catalog.busan_2024().institutes["KIMM-BUSAN"]
        >>> float(vec.transform_institutes([kimm])[0] @ vec.transform(firms)[0]) > 0
        True
        """
        check_is_fitted(self)
        items = _entities(institutes, Institute)
        district = np.array([-1 if i.district is None else i.district.value for i in items],
                            dtype=np.int64)
        return self._assemble(
            {
                "technologies": _multi_hot([i.expertise for i in items], RootTechnology),
                "needs": _multi_hot([i.services for i in items], SupportAxis),
                "topics": _multi_hot([i.topics for i in items], Topic),
                "geography": self._geography(district),
            },
            len(items),
        )

    def transform_programs(
        self, programs: Iterable[Program] | Mapping[str, Program]
    ) -> NDArray[Any]:
        """Programs in the firms' space.

        Technologies are the program's targets; a program without targets is open to every
        technology and gets all 14 at a uniform, lower weight (``1/sqrt(14)`` each, against
        ``1/sqrt(len(targets))`` for a targeted one). Needs are its axes
        (:attr:`~rootmatch.Program.all_axes`), topics its topics; materials, numeric and
        geography stay zero.

        Parameters
        ----------
        programs : iterable of Program, or a dict of them by id (values, in order)

        Returns
        -------
        ndarray of shape (n_programs, n_features_out_)

        Examples
        --------
        >>> import rootmatch as rm
        >>> firms = rm.FirmTable.from_firms([rm.Firm(id="F1", name="A", technologies=["금형"],
        ...                                          employees=4, district="사상구")])
        >>> vec = rm.FirmVectorizer().fit(firms)
        >>> P = vec.transform_programs(rm.catalog.busan_2024().programs)
        >>> bool((P[:, vec.block_slices_["numeric"]] == 0).all())
        True
        """
        check_is_fitted(self)
        items = _entities(programs, Program)
        tech = _multi_hot([p.targets for p in items], RootTechnology)
        tech[tech.sum(axis=1) == 0] = 1.0
        return self._assemble(
            {
                "technologies": tech,
                "needs": _multi_hot([p.all_axes for p in items], SupportAxis),
                "topics": _multi_hot([p.topics for p in items], Topic),
            },
            len(items),
        )
