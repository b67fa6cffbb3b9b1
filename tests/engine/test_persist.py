"""Saved models: save → load gives identical recommendations; bad files are refused.

A saved :class:`rootmatch.Matchmaker` is one ``.npz`` archive of plain arrays with a JSON
header (format, version, checksum of the arrays), sealed by a SHA-256 of the whole file in its
zip comment. These tests hold it to: identical recommendations after loading (every path:
partners, programs with near misses, the batch path), refusal of any changed, truncated or
foreign file with :class:`rootmatch.ModelFormatError`, no pickle anywhere, and atomic writes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import struct
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import rootmatch as rm

# (firms, population seed, network options, Matchmaker options): small, fast and varied — a
# learned and a given blend, with and without the hub, partial enrolment, no numba.
CASES: tuple[tuple[int, int, dict[str, Any], dict[str, Any]], ...] = (
    (60, 1, {"hub": True}, {"random_state": 0}),
    (150, 2, {"hub": True, "enrolment": 0.6, "seed": 3}, {"random_state": 7}),
    (150, 2, {"hub": False}, {"random_state": 1, "use_numba": False}),
    (300, 3, {"hub": True}, {"random_state": 0, "weights": {"similarity": 1.0,
                                                            "complementarity": 0.5,
                                                            "partners": 2.0}}),
)


class _Models:
    """Fitted, saved and re-loaded models per case, made on first use (module scope)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cache: dict[int, tuple[rm.SupportNetwork, rm.Matchmaker, rm.Matchmaker, Path]] = {}

    def __getitem__(self, case: int) -> tuple[rm.SupportNetwork, rm.Matchmaker, rm.Matchmaker,
                                               Path]:
        if case not in self._cache:
            n, seed, net_opts, mm_opts = CASES[case]
            pop = rm.synth.generate_population(n, seed=seed)
            net = rm.SupportNetwork.from_population(pop, **net_opts)
            fitted = rm.Matchmaker(**mm_opts).fit(net)
            path = fitted.save(self.folder / f"case{case}.npz")
            self._cache[case] = (net, fitted, rm.Matchmaker.load(path), path)
        return self._cache[case]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> _Models:
    return _Models(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def saved(models: _Models) -> bytes:
    """The bytes of one saved model."""
    return models[0][3].read_bytes()


def _dicts(recs: list[rm.Recommendation]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in recs]


# --- save → load --------------------------------------------------------------------------
@given(case=st.integers(0, len(CASES) - 1), data=st.data())
def test_loaded_model_recommends_identically(models: _Models, case: int, data: st.DataObject
                                             ) -> None:
    _, fitted, loaded, _ = models[case]
    ids = [str(x) for x in fitted.firm_ids_]
    firm = data.draw(st.sampled_from(ids), label="firm")
    k = data.draw(st.integers(1, 12), label="k")
    kinds = data.draw(st.sampled_from([("firm",), ("institute",), ("firm", "institute")]),
                      label="kinds")
    on = data.draw(st.dates(dt.date(2022, 1, 1), dt.date(2026, 12, 31)), label="on")
    assert _dicts(loaded.recommend_partners(firm, k, kinds=kinds)) == \
        _dicts(fitted.recommend_partners(firm, k, kinds=kinds))
    assert _dicts(loaded.recommend_programs(firm, k, on=on, near_misses=True)) == \
        _dicts(fitted.recommend_programs(firm, k, on=on, near_misses=True))
    batch = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=30), label="batch")
    got_ids, got_scores = loaded.recommend_all(batch, k, kinds=kinds)
    want_ids, want_scores = fitted.recommend_all(batch, k, kinds=kinds)
    np.testing.assert_array_equal(got_ids, want_ids)
    np.testing.assert_array_equal(got_scores, want_scores)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_loaded_model_batch_over_every_small_firm(models: _Models, case: int) -> None:
    _, fitted, loaded, _ = models[case]
    for got, want in zip(loaded.recommend_all(k=10), fitted.recommend_all(k=10)):
        np.testing.assert_array_equal(got, want)
    assert loaded.get_params() == fitted.get_params()
    assert loaded.weights_ == fitted.weights_
    assert loaded.program_weights_ == fitted.program_weights_
    assert loaded.institute_weights_ == fitted.institute_weights_
    assert loaded.score_width_ == fitted.score_width_
    np.testing.assert_array_equal(loaded.firm_ids_, fitted.firm_ids_)


def test_loaded_model_saves_the_same_content(models: _Models, tmp_path: Path) -> None:
    _, _, loaded, path = models[1]
    again = loaded.save(tmp_path / "again.npz")
    with np.load(path, allow_pickle=False) as a, np.load(again, allow_pickle=False) as b:
        assert sorted(a.files) == sorted(b.files)
        for name in a.files:  # the same values (sparse index dtypes may narrow on load)
            if name != "__meta__":
                np.testing.assert_array_equal(a[name], b[name], err_msg=name)
        meta = [json.loads(z["__meta__"].tobytes()) for z in (a, b)]
    assert meta[0]["meta"] == meta[1]["meta"]


def test_header_names_format_version_and_checksum(saved: bytes) -> None:
    with np.load(io.BytesIO(saved), allow_pickle=False) as npz:
        header = json.loads(npz["__meta__"].tobytes().decode("utf-8"))
    assert header["format"] == "rootmatch.Matchmaker"
    assert header["version"] == 2
    assert len(header["checksum"]) == 64


def test_unfitted_model_cannot_be_saved(tmp_path: Path) -> None:
    with pytest.raises(rm.NotFittedError):
        rm.Matchmaker().save(tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []


# --- refusals -----------------------------------------------------------------------------
def _write(tmp_path: Path, data: bytes, name: str = "bad.npz") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@given(position=st.integers(min_value=0), bit=st.integers(0, 7))
def test_a_flipped_bit_anywhere_is_refused(saved: bytes, tmp_path_factory: pytest.TempPathFactory,
                                           position: int, bit: int) -> None:
    data = bytearray(saved)
    data[position % len(data)] ^= 1 << bit
    path = _write(tmp_path_factory.mktemp("flip"), bytes(data))
    with pytest.raises(rm.ModelFormatError):
        rm.Matchmaker.load(path)


def _zip_fields(data: bytes) -> dict[str, int]:
    """Offsets of zip bookkeeping bytes that change no array when altered."""
    eocd = data.rfind(b"PK\x05\x06")  # the end record; the seal (hex text) follows it
    central = struct.unpack_from("<I", data, eocd + 16)[0]  # where the central directory starts
    assert data[central:central + 4] == b"PK\x01\x02"
    return {
        "local header version": 4,
        "local header timestamp": 10,
        "central directory timestamp": central + 12,
        "central directory external attributes": central + 38,
        "end record disk number": eocd + 4,
        "end record comment length": eocd + 20,
        "seal prefix": eocd + 22,
        "seal digest (last byte)": len(data) - 1,
    }


@pytest.mark.parametrize("field", [
    "local header version", "local header timestamp", "central directory timestamp",
    "central directory external attributes", "end record disk number",
    "end record comment length", "seal prefix", "seal digest (last byte)",
])
def test_zip_bookkeeping_bytes_are_covered(saved: bytes, tmp_path: Path, field: str) -> None:
    # These bytes are not array data: only a checksum of the whole file sees them change.
    data = bytearray(saved)
    data[_zip_fields(saved)[field]] ^= 0x01
    with pytest.raises(rm.ModelFormatError):
        rm.Matchmaker.load(_write(tmp_path, bytes(data)))


@pytest.mark.parametrize("keep", ["", "1", "22", "100", "half", "-100", "-81", "-1"])
def test_a_truncated_file_is_refused(saved: bytes, tmp_path: Path, keep: str) -> None:
    n = len(saved) // 2 if keep == "half" else int(keep or 0) % len(saved)
    with pytest.raises(rm.ModelFormatError):
        rm.Matchmaker.load(_write(tmp_path, saved[:n]))


def test_a_file_with_bytes_appended_is_refused(saved: bytes, tmp_path: Path) -> None:
    with pytest.raises(rm.ModelFormatError):
        rm.Matchmaker.load(_write(tmp_path, saved + b"\x00"))


@pytest.mark.parametrize("writer", [np.savez, np.savez_compressed])
def test_a_foreign_npz_is_refused(tmp_path: Path, writer: Any) -> None:
    rng = np.random.default_rng(0)
    path = tmp_path / "foreign.npz"
    writer(path, a=rng.random((5, 3)), b=rng.integers(0, 9, 7), __meta__=np.arange(4))
    with pytest.raises(rm.ModelFormatError):
        rm.Matchmaker.load(path)


@pytest.mark.parametrize("content", [b"", b"hello, world\n", b"PK\x03\x04" + bytes(200),
                                     bytes(range(256)) * 40, b"\x93NUMPY\x01\x00v\x00{}"])
def test_a_non_archive_is_refused(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(rm.ModelFormatError):
        rm.Matchmaker.load(_write(tmp_path, content))


def test_a_foreign_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("__meta__.npy", b"not an array")
        zf.comment = b"rootmatch-sha256:" + b"0" * 64
    with pytest.raises(rm.ModelFormatError):
        rm.Matchmaker.load(path)


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        rm.Matchmaker.load(tmp_path / "nothing.npz")


def test_the_file_holds_no_pickle(models: _Models) -> None:
    path = models[0][3]
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    assert names
    assert all(n.endswith(".npy") for n in names)
    with np.load(path, allow_pickle=False) as npz:  # an object array would raise here
        for name in npz.files:
            assert not npz[name].dtype.hasobject, name


# --- atomic writes ------------------------------------------------------------------------
class _DiskFull:
    """A file object that accepts ``budget`` bytes and then fails as a full disk does."""

    def __init__(self, fh: Any, budget: int) -> None:
        self._fh = fh
        self._budget = budget

    def write(self, data: bytes) -> int:
        self._budget -= len(data)
        if self._budget < 0:
            raise OSError(28, "No space left on device")
        return self._fh.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)

    def __enter__(self) -> _DiskFull:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


def _fail_at(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    if where == "mid-write":
        real = os.fdopen
        monkeypatch.setattr(os, "fdopen", lambda fd, *a, **kw: _DiskFull(real(fd, *a, **kw),
                                                                         4096))
    elif where == "fsync":
        monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(5, "I/O")))
    else:
        monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(13, "no")))


@pytest.mark.parametrize("where", ["mid-write", "fsync", "rename"])
def test_saving_over_a_file_is_atomic(models: _Models, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    _, first, _, _ = models[0]
    _, second, _, _ = models[1]
    path = first.save(tmp_path / "model.npz")
    before = path.read_bytes()
    with monkeypatch.context() as m:
        _fail_at(m, where)
        with pytest.raises(OSError):  # the OS error itself is the point
            second.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]  # no temporary file left
    assert np.array_equal(rm.Matchmaker.load(path).firm_ids_, first.firm_ids_)
    second.save(path)  # and without a failure the file is replaced
    assert np.array_equal(rm.Matchmaker.load(path).firm_ids_, second.firm_ids_)


def test_a_saved_file_gets_the_usual_permissions(models: _Models, tmp_path: Path) -> None:
    _, fitted, _, _ = models[0]
    umask = os.umask(0o027)
    try:
        path = fitted.save(tmp_path / "new.npz")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o640  # as open() would give, not mkstemp's 0600
    path.chmod(0o604)
    fitted.save(path)  # replacing a file keeps its permissions
    assert path.stat().st_mode & 0o777 == 0o604
