"""The saved model's member schema: what each array and the JSON header must be."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from rootmatch.base.exceptions import ModelFormatError, ValidationError
from rootmatch.domain.table import SCALAR_COLUMNS
from rootmatch.domain.taxonomy import RootTechnology
from rootmatch.engine._batch import MAX_BLOCK_SIZE
from rootmatch.engine._members import Member
from rootmatch.engine._scoring import COMPONENTS
from rootmatch.engine.institutes import INSTITUTE_COMPONENTS
from rootmatch.engine.programs import PROGRAM_COMPONENTS

__all__ = ["FORMAT", "MODEL_ARRAYS", "SCALAR_PARAMS", "SPARSE_ARRAYS", "TABLE_ARRAYS",
           "TABLE_VOCABS", "VERSION", "check_scalar_params", "model_schema"]

MODEL_ARRAYS = ("X_", "Xi_", "Xp_", "bw_", "dF_", "inst_prox_", "enrolled_", "sample_cols_",
                 "L_geo_", "L_tech_", "_w", "_wi", "_wp", "calibration_")
FORMAT = "rootmatch.Matchmaker"
VERSION = 2
TABLE_ARRAYS = (
    "ids", "names", "tech_mask", "employees", "district", "founded", "workforce_40plus",
    "foreign_share", "digital_level", "materials_mask", "needs_mask", "topics_mask", "certified",
    "cluster", "mem_indptr", "mem_codes", "part_indptr", "part_program", "part_on",
)
TABLE_VOCABS = ("cluster_vocab", "membership_vocab", "program_vocab")

# ---------------------------------------------------------------------------- the saved form
_PARAM_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "weights": (lambda v: v is None or _is_weight_map(v) or (
        isinstance(v, list) and len(v) == len(COMPONENTS) and all(map(_is_number, v))),
        f"null, a map of component to number, or a list of {len(COMPONENTS)} numbers"),
    "institute_weights": (lambda v: v is None or _is_weight_map(v), "null or a map"),
    "program_weights": (lambda v: v is None or _is_weight_map(v), "null or a map"),
    "feature_weights": (lambda v: v is None or _is_weight_map(v), "null or a map"),
    "holdout": (lambda v: _is_number(v) and 0 < v < 1, "a number in (0, 1)"),
    "n_negatives": (lambda v: _is_int(v) and v >= 1, "an int >= 1"),
    "block_size": (lambda v: v is None or (_is_int(v) and 1 <= v <= MAX_BLOCK_SIZE),
                   f"null or an int in [1, {MAX_BLOCK_SIZE}]"),
    "use_numba": (lambda v: v is None or isinstance(v, bool), "null or a bool"),
    "n_jobs": (lambda v: v is None or (_is_int(v) and 1 <= v <= 4096),
               "null or an int in [1, 4096]"),
    "blend": (lambda v: v in ("listwise", "logistic"), "'listwise' or 'logistic'"),
}


#: The scalar parameters :func:`check_scalar_params` checks at fit as the loader does.
SCALAR_PARAMS = ("holdout", "n_negatives", "block_size", "use_numba", "n_jobs", "blend")


def check_scalar_params(params: Mapping[str, Any]) -> None:
    """Refuse, as :class:`ValidationError`, a scalar parameter a saved model could not hold:
    a model that fits then saves and loads."""
    for name in SCALAR_PARAMS:
        value = params[name]
        plain = value.item() if isinstance(value, np.generic) else value
        ok, what = _PARAM_CHECKS[name]
        if not ok(plain):
            raise ValidationError(f"{name} must be {what}, got {value!r}", field=name,
                                  value=value)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_weight_map(v: Any) -> bool:
    return isinstance(v, dict) and all(_is_number(x) for x in v.values())


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _check_model_meta(meta: Mapping[str, Any]) -> None:
    """Refuse a saved model's JSON metadata that is not what :meth:`Matchmaker.save` writes."""

    def fail(where: str, what: str) -> None:
        raise ModelFormatError(f"header {where}: {what}")

    want = {"params", "random_state", "table_vocab", "institutes", "programs", "B_cols",
            "has_hub", "vectorizer"}
    if set(meta) != want:
        fail("meta", f"keys {sorted(meta)}, expected {sorted(want)}")
    params = meta["params"]
    if not isinstance(params, dict) or not set(params) <= set(_PARAM_CHECKS):
        fail("params", f"must be a map with keys among {sorted(_PARAM_CHECKS)}")
    for name, value in params.items():
        ok, what = _PARAM_CHECKS[name]
        if not ok(value):
            fail(f"params.{name}", f"{value!r} is not {what}")
    rs = meta["random_state"]
    if not (rs is None or (_is_int(rs) and 0 <= rs < 2**32)):
        fail("random_state", f"{rs!r} is not null or an int in [0, 2**32)")
    vocab = meta["table_vocab"]
    if not isinstance(vocab, dict) or set(vocab) != set(TABLE_VOCABS) or not all(
            _is_str_list(v) for v in vocab.values()):
        fail("table_vocab", f"must map {list(TABLE_VOCABS)} to lists of text")
    for name in ("institutes", "programs"):
        entries = meta[name]
        if not isinstance(entries, list) or not all(
                isinstance(d, dict) and isinstance(d.get("id"), str) for d in entries):
            fail(name, "must be a list of records with an id")
        ids = [d["id"] for d in entries]
        if ids != sorted(set(ids)):
            fail(name, "ids must be unique and sorted")
    if not _is_str_list(meta["B_cols"]):
        fail("B_cols", "must be a list of text")
    if not isinstance(meta["has_hub"], bool):
        fail("has_hub", f"{meta['has_hub']!r} is not a bool")
    _check_vectorizer_meta(meta["vectorizer"], fail)


def _check_vectorizer_meta(vec: Any, fail: Callable[[str, str], None]) -> None:
    if not isinstance(vec, dict) or set(vec) != {"class", "params", "fitted"}:
        fail("vectorizer", "must hold class, params and fitted")
    if vec["class"] != "FirmVectorizer":
        fail("vectorizer.class", f"{vec['class']!r} is not 'FirmVectorizer'")
    params = vec["params"]
    if not isinstance(params, dict) or set(params) != {"dtype", "weights"}:
        fail("vectorizer.params", "must hold dtype and weights")
    if params["dtype"] not in ({"__dtype__": "<f4"}, {"__dtype__": "<f8"}):
        fail("vectorizer.params.dtype", f"{params['dtype']!r} is not float32 or float64")
    if not (params["weights"] is None or _is_weight_map(params["weights"])):
        fail("vectorizer.params.weights", "must be null or a map of block to number")
    fitted = vec["fitted"]
    want = {"founded_median_", "cluster_vocab_", "weights_", "block_slices_",
            "n_features_out_", "__object_arrays__"}
    if not isinstance(fitted, dict) or not set(fitted) <= want or not set(fitted) >= (
            want - {"__object_arrays__"}):
        fail("vectorizer.fitted", f"keys must be {sorted(want)}")
    d = fitted["n_features_out_"]
    if not (_is_int(d) and 1 <= d <= 1 << 16):
        fail("vectorizer.fitted.n_features_out_", f"{d!r} is not an int in [1, 65536]")
    if not _is_number(fitted["founded_median_"]):
        fail("vectorizer.fitted.founded_median_", "is not a finite number")
    if not _is_str_list(fitted["cluster_vocab_"]):
        fail("vectorizer.fitted.cluster_vocab_", "is not a list of text")
    if not _is_weight_map(fitted["weights_"]):
        fail("vectorizer.fitted.weights_", "is not a map of block to number")
    slices = fitted["block_slices_"]
    if not isinstance(slices, dict) or not all(
            isinstance(s, dict) and set(s) == {"__slice__"} and isinstance(s["__slice__"], list)
            and len(s["__slice__"]) == 3 and _is_int(s["__slice__"][0])
            and _is_int(s["__slice__"][1]) and s["__slice__"][2] is None
            and 0 <= s["__slice__"][0] <= s["__slice__"][1] <= d for s in slices.values()):
        fail("vectorizer.fitted.block_slices_", f"must map blocks to slices within [0, {d}]")
    if fitted.get("__object_arrays__", []) not in ([], ["feature_names_out_"]):
        fail("vectorizer.fitted.__object_arrays__", "may only name feature_names_out_")


def model_schema(meta: Mapping[str, Any]
                 ) -> tuple[dict[str, Member], dict[str, int], dict[str, tuple[int | str, ...]]]:
    """Every array of a saved model: dtype, shape in the header's dimensions, value range,
    and the bounds of the dimensions the header does not give.

    Dimensions the header gives: ``n_inst`` institutes, ``n_prog`` programs, ``n_bcols``
    affiliation columns, ``d`` profile features and the vocabularies' sizes; the others
    (``n`` firms, each matrix's entry count, ...) are recorded in the header by
    :meth:`Matchmaker.save`, or, in files without that record, bound by the first member that
    has them (an entry count by its index pointer, read first). Each entry count is at most
    its matrix's size, ``n_mem`` at most one of each membership per firm, ``n_sample`` and
    ``n_units`` (locations) at most ``n``.
    """
    _check_model_meta(meta)
    vocab = meta["table_vocab"]
    dims = {"n_inst": len(meta["institutes"]), "n_prog": len(meta["programs"]),
            "n_bcols": len(meta["B_cols"]), "d": meta["vectorizer"]["fitted"]["n_features_out_"],
            "n_tech": len(RootTechnology), "n_cluster": len(vocab["cluster_vocab"]) or 1,
            "n_mem_vocab": len(vocab["membership_vocab"]),
            "n_prog_vocab": len(vocab["program_vocab"])}
    real, index = ("f4", "f8"), ("i4", "i8")
    table = {name: Member(("U",) if dtype is np.str_ else (np.dtype(dtype).str[1:],), ("n",))
             for name, dtype in SCALAR_COLUMNS.items()}
    table["ids"] = Member(("U",), ("n",), nonempty=True)
    table["workforce_40plus"] = Member(("f8",), ("n",), finite=True)
    table["foreign_share"] = Member(("f8",), ("n",), finite=True)
    table["cluster"] = Member(("i2",), ("n",), low=0, high="n_cluster")
    table.update(
        mem_indptr=Member(("i8",), ("n+1",), indptr="n_mem"),
        mem_codes=Member(("i4",), ("n_mem",), low=0, high="n_mem_vocab"),
        part_indptr=Member(("i8",), ("n+1",), indptr="n_part"),
        part_program=Member(("i4",), ("n_part",), low=0, high="n_prog_vocab"),
        part_on=Member(("M8[D]",), ("n_part",), finite=True),
    )
    members = {f"table.{name}": table[name] for name in TABLE_ARRAYS}
    members.update({
        "X_": Member(real, ("n", "d"), finite=True),
        "Xi_": Member(real, ("n_inst", "d"), finite=True),
        "Xp_": Member(real, ("n_prog", "d"), finite=True),
        "bw_": Member(real, ("n_bcols",), finite=True, low=0),
        "dF_": Member(real, ("n",), finite=True, low=0),
        "inst_prox_": Member(real, ("n", "n_inst"), finite=True),
        "enrolled_": Member(("b1",), ("n",)),
        "sample_cols_": Member(index, ("n_sample",), low=0, high="n", increasing=True),
        "L_geo_": Member(real, ("n_units", "n_units"), finite=True),
        "L_tech_": Member(real, ("n_tech", "n_tech"), finite=True),
        "_w": Member(real, (len(COMPONENTS),), finite=True, low=0),
        "_wi": Member(real, (len(INSTITUTE_COMPONENTS),), finite=True, low=0),
        "_wp": Member(real, (len(PROGRAM_COMPONENTS),), finite=True, low=0),
        "calibration_": Member(real, (4,), finite=True),
    })
    bounds: dict[str, tuple[int | str, ...]] = {
        "n_mem": ("n", "n_mem_vocab"), "n_sample": ("n",), "n_units": ("n",)}
    for name, cols in SPARSE_ARRAYS.items():
        members.update({  # the index pointer first: it gives the entry count
            f"{name}.indptr": Member(index, ("n+1",), indptr=f"nnz_{name}"),
            f"{name}.data": Member(real, (f"nnz_{name}",), finite=True, low=0),
            f"{name}.indices": Member(index, (f"nnz_{name}",), low=0, high=cols),
            f"{name}.shape": Member(("i8",), (2,), equals=("n", cols)),
        })
        bounds[f"nnz_{name}"] = ("n", cols)
    members.update({
        "vectorizer.numeric_mean_": Member(("f8",), (4,), finite=True),
        "vectorizer.numeric_scale_": Member(("f8",), (4,), finite=True, low=1e-12),
        "vectorizer.feature_names_out_": Member(("U",), ("d",)),
    })
    return members, dims, bounds


# each saved sparse matrix and the dimension of its columns (its rows are the firms)
SPARSE_ARRAYS = {"B_": "n_bcols", "A_": "n", "inst_links_": "n_inst", "P_": "n_prog"}

