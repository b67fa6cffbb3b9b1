"""The column schema of :class:`~rootmatch.FirmTable` and the check of a table against it."""

from __future__ import annotations

from typing import Any

import numpy as np

from rootmatch.base._csv import MAX_CELL
from rootmatch.base.exceptions import ValidationError
from rootmatch.domain._fields import _ID, _SURROGATE
from rootmatch.domain._ragged import _valid_ids
from rootmatch.domain.taxonomy import District, Material, RootTechnology, SupportAxis, Topic

__all__ = ["SCALAR_COLUMNS", "validate_columns"]

#: Scalar columns: name -> dtype.
SCALAR_COLUMNS: dict[str, Any] = {
    "ids": np.str_,
    "names": np.str_,
    "tech_mask": np.uint16,
    "employees": np.int32,
    "district": np.int8,
    "founded": np.int16,  # 0 = unknown
    "workforce_40plus": np.float64,
    "foreign_share": np.float64,
    "digital_level": np.int8,
    "materials_mask": np.uint8,
    "needs_mask": np.uint8,
    "topics_mask": np.uint16,
    "certified": np.bool_,
    "cluster": np.int16,  # code into cluster_vocab
}
_N_TECH = len(RootTechnology)


def _unwritable(texts: np.ndarray) -> np.ndarray:
    """Which texts no file could hold: too long, or with a lone surrogate or a NUL (numpy keeps
    inner NULs). Checked per distinct text, which is cheap where names repeat."""
    if texts.size == 0:
        return np.zeros(0, bool)
    uniq, inverse = np.unique(texts, return_inverse=True)
    bad = np.char.str_len(uniq) > MAX_CELL
    values = uniq.tolist()
    joined = "\n".join(values)  # one C-level scan; per text only when something is found
    if "\x00" in joined or _SURROGATE.search(joined):
        bad |= np.array(["\x00" in t or _SURROGATE.search(t) is not None for t in values])
    return bad[inverse.reshape(-1)]


def validate_columns(table: Any) -> None:
    """Check every column of ``table`` (a :class:`~rootmatch.FirmTable`) against the schema."""
    n = len(table.ids)

    def fail(column: str, bad: np.ndarray, expected: str) -> None:
        rows = np.flatnonzero(bad)
        if rows.size:
            i = int(rows[0])
            value = getattr(table, column)[i]
            raise ValidationError(
                f"row {i} (firm {table.ids[i]!r}): {column} must be {expected}, got "
                f"{value!r} ({rows.size} bad rows in all)",
                field=column,
                value=value,
            )

    for name in ("names", "tech_mask", "employees", "district", "founded",
                 "workforce_40plus", "foreign_share", "digital_level", "materials_mask",
                 "needs_mask", "topics_mask", "certified", "cluster"):
        if getattr(table, name).shape != (n,):
            raise ValidationError(f"column {name} has {getattr(table, name).shape[0]} rows, "
                                  f"expected {n}", field=name)
    table._order = np.argsort(table.ids, kind="stable")
    sorted_ids = table.ids[table._order]
    dup = np.flatnonzero(sorted_ids[1:] == sorted_ids[:-1])
    if dup.size:
        bad = str(sorted_ids[dup[0]])
        raise ValidationError(f"ids: duplicate firm id {bad!r}", field="ids", value=bad)
    fail("ids", ~_valid_ids(table.ids),
         "1-64 letters, digits, '_', '-' or '.', starting with a letter or digit")
    fail("names", np.char.str_len(np.char.strip(table.names)) == 0, "a non-empty name")
    fail("names", _unwritable(table.names),
         f"text of at most {MAX_CELL:,} characters without NULs or lone surrogates")
    fail("tech_mask", (table.tech_mask == 0) | (table.tech_mask >= 1 << _N_TECH),
         "a non-empty set of root technologies")
    fail("employees", table.employees < 0, ">= 0")
    fail("district", (table.district < 0) | (table.district >= len(District)), "a District")
    fail("founded", (table.founded != 0) & ((table.founded < 1900) | (table.founded > 2100)),
         "a year in [1900, 2100] (0 = unknown)")
    for col in ("workforce_40plus", "foreign_share"):
        v = getattr(table, col)
        fail(col, ~((v >= 0) & (v <= 1)), "in [0, 1]")
    fail("digital_level", (table.digital_level < 0) | (table.digital_level > 4), "in [0, 4]")
    fail("materials_mask", table.materials_mask >= 1 << len(Material), "a set of materials")
    fail("needs_mask", table.needs_mask >= 1 << len(SupportAxis), "a set of support axes")
    fail("topics_mask", table.topics_mask >= 1 << len(Topic), "a set of topics")
    fail("cluster", (table.cluster < 0) | (table.cluster >= len(table.cluster_vocab)),
         "a cluster code")
    for name, vocab in (("membership_vocab", table.membership_vocab),
                        ("program_vocab", table.program_vocab)):
        bad_ids = [v for v in vocab if not isinstance(v, str) or not _ID.fullmatch(v)]
        if bad_ids:
            raise ValidationError(f"{name}: {bad_ids[0]!r} is not an id", field=name,
                                  value=bad_ids[0])
    for prefix, codes, vocab in (("mem", table.mem_codes, table.membership_vocab),
                                 ("part", table.part_program, table.program_vocab)):
        indptr = getattr(table, f"{prefix}_indptr")
        if indptr.shape != (n + 1,) or indptr[0] != 0 or np.any(np.diff(indptr) < 0) \
                or indptr[-1] != codes.shape[0]:
            raise ValidationError(f"{prefix}_indptr is not a valid CSR index pointer",
                                  field=f"{prefix}_indptr")
        if codes.size and (codes.min() < 0 or codes.max() >= len(vocab)):
            raise ValidationError(f"{prefix} codes out of vocabulary range",
                                  field=f"{prefix}_codes")
    if table.part_on.shape != table.part_program.shape:
        raise ValidationError("part_on and part_program differ in length", field="part_on")
