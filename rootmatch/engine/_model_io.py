"""Saving and loading a fitted :class:`rootmatch.Matchmaker`: arrays plus a JSON header in one
``.npz``, read back through the member schema."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from rootmatch.base.exceptions import ModelFormatError, ValidationError
from rootmatch.domain.catalog import program_from_dict
from rootmatch.domain.entities import Institute
from rootmatch.domain.records import institute_record, program_record
from rootmatch.domain.table import FirmTable
from rootmatch.engine import features
from rootmatch.engine._model_schema import (
    FORMAT,
    MODEL_ARRAYS,
    SPARSE_ARRAYS,
    TABLE_ARRAYS,
    TABLE_VOCABS,
    VERSION,
    model_schema,
)
from rootmatch.engine._persist import load_archive, save_archive

__all__ = ["load_model", "save_model"]


def save_model(mm: Any, path: Any, *, key: str | bytes | None) -> Any:
    """Write a fitted model (see :meth:`rootmatch.Matchmaker.save`)."""
    check_is_fitted(mm, "weights_")
    arrays: dict[str, np.ndarray] = {}
    for name in TABLE_ARRAYS:
        arrays[f"table.{name}"] = np.asarray(getattr(mm.table_, name))
    for name in MODEL_ARRAYS:
        arrays[name] = np.asarray(getattr(mm, name))
    for name in SPARSE_ARRAYS:
        m = sp.csr_matrix(getattr(mm, name))
        arrays[f"{name}.data"], arrays[f"{name}.indices"] = m.data, m.indices
        arrays[f"{name}.indptr"] = m.indptr
        arrays[f"{name}.shape"] = np.asarray(m.shape, np.int64)
    vec_state, vec_arrays = _estimator_state(mm.vectorizer_)
    arrays.update({f"vectorizer.{k}": v for k, v in vec_arrays.items()})
    params = {k: v for k, v in mm.get_params().items() if k != "random_state"}
    rs = mm.random_state
    meta = {
        "params": _jsonable(params),
        "random_state": int(rs) if isinstance(rs, (int, np.integer)) else None,
        "table_vocab": {name: list(getattr(mm.table_, name)) for name in TABLE_VOCABS},
        "institutes": [institute_record(mm.institutes_[i], "name") for i in mm.inst_ids_],
        "programs": [program_record(mm.programs_[p], "name") for p in mm.prog_ids_],
        "B_cols": list(mm.B_cols_),
        "has_hub": mm.has_hub_,
        "vectorizer": vec_state,
    }
    return save_archive(path, arrays, meta, format_name=FORMAT, version=VERSION, key=key,
                        schema=model_schema)


def load_model(cls: type, path: Any, *, key: str | bytes | None, max_bytes: int | None) -> Any:
    """Read a model (see :meth:`rootmatch.Matchmaker.load`) as an instance of ``cls``."""
    arrays, meta = load_archive(path, format_name=FORMAT, version=VERSION,
                                schema=model_schema, key=key, max_bytes=max_bytes)
    try:
        params = dict(meta["params"])
        mm = cls(**params, random_state=meta["random_state"])
        try:
            mm.table_ = FirmTable.from_columns(
                **{name: arrays[f"table.{name}"] for name in TABLE_ARRAYS},
                **{name: tuple(meta["table_vocab"][name]) for name in TABLE_VOCABS},
            )
        except ValidationError as err:
            member = err.field if err.field in TABLE_VOCABS else f"table.{err.field}"
            raise ModelFormatError(f"{path}: member {member!r}: {err}") from None
        def entity(where: str, build: Callable[..., Any], record: dict[str, Any]) -> Any:
            try:
                return build(record)
            except (KeyError, TypeError, ValueError, OverflowError) as err:
                raise ModelFormatError(f"{path}: header {where}: {err!r}") from None

        mm.institutes_ = {d["id"]: entity(f"institutes[{i}]", lambda r: Institute(**r), d)
                          for i, d in enumerate(meta["institutes"])}
        mm.programs_ = {d["id"]: entity(f"programs[{i}]", program_from_dict, d)
                        for i, d in enumerate(meta["programs"])}
        mm.has_hub_ = bool(meta["has_hub"])
        mm.B_cols_ = tuple(meta["B_cols"])
        for name in MODEL_ARRAYS:
            setattr(mm, name, arrays[name])
        for name in SPARSE_ARRAYS:
            setattr(mm, name, sp.csr_matrix(
                (arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"]),
                shape=tuple(int(x) for x in arrays[f"{name}.shape"])))
        mm.vectorizer_ = _estimator_from_state(
            meta["vectorizer"],
            {k.removeprefix("vectorizer."): v for k, v in arrays.items()
             if k.startswith("vectorizer.")})
        mm._derive_base()
        mm._derive_views()
        if mm.L_geo_.shape[0] != len(mm.unit_vocab_):
            raise ModelFormatError(
                f"{path}: member 'L_geo_': {mm.L_geo_.shape[0]} locations, the firms have "
                f"{len(mm.unit_vocab_)}")
        mm._derive_programs()
        mm._derive_factors()
    except ModelFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as err:
        raise ModelFormatError(f"{path}: not a valid rootmatch model ({err!r})") from err
    return mm


def _jsonable(value: Any) -> Any:
    """JSON-able copy of estimator params/state: slices, tuples, numpy scalars, dicts."""
    if isinstance(value, slice):
        return {"__slice__": [value.start, value.stop, value.step]}
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, type) and issubclass(value, np.generic):
        return {"__dtype__": np.dtype(value).str}
    raise TypeError(f"cannot store {type(value).__name__} in a model header")


def _from_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__slice__"}:
            return slice(*value["__slice__"])
        if set(value) == {"__dtype__"}:
            return np.dtype(value["__dtype__"]).type
        return {k: _from_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_jsonable(v) for v in value]
    return value


def _estimator_state(est: BaseEstimator) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """An estimator's params and fitted attributes as (JSON, arrays)."""
    arrays: dict[str, np.ndarray] = {}
    fitted: dict[str, Any] = {}
    for name, value in vars(est).items():
        if not name.endswith("_") or name.startswith("_"):
            continue
        if isinstance(value, np.ndarray):
            arrays[name] = value.astype(str) if value.dtype.hasobject else value
            if value.dtype.hasobject:
                fitted.setdefault("__object_arrays__", []).append(name)
        else:
            fitted[name] = _jsonable(value)
    state = {"class": type(est).__name__, "params": _jsonable(est.get_params()), "fitted": fitted}
    return state, arrays


def _estimator_from_state(state: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Any:
    cls = getattr(features, state["class"])
    est = cls(**_from_jsonable(state["params"]))
    object_arrays = set(state["fitted"].get("__object_arrays__", ()))
    for name, value in state["fitted"].items():
        if name != "__object_arrays__":
            setattr(est, name, _from_jsonable(value))
    for name, value in arrays.items():
        setattr(est, name, value.astype(object) if name in object_arrays else value)
    return est
