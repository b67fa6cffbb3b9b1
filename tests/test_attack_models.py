"""Hostile saved models: crafted files are refused with ModelFormatError naming the member.

The checksum inside a saved model and the seal around it are unkeyed, so a crafted file can
carry correct ones. Every crafted model here is re-checksummed and re-sealed the way an
attacker would (with nothing but hashlib, zlib and numpy's ``.npy`` writer), so only the
loader's validation can catch it. Each is loaded in a child process under a memory limit
(``RLIMIT_AS``), so a crash shows as a signal and a runaway read as a ``MemoryError``, not as
a dead test run; a model that loads is then queried (partners, programs, the batch path).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import struct
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import strategies as st

import rootmatch as rm

_SEAL = b"rootmatch-sha256:"
_HMAC = b"rootmatch-hmac-sha256:"
_LIMIT = 5 << 28  # the child's address space (1.25 GiB): rootmatch needs ~0.6 GB
_GIB = 1 << 30
_KEY = "deployment secret"

# ---------------------------------------------------------------------------- the attacker
Members = dict[str, bytes]  # member name -> its .npy bytes


def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, allow_pickle=True)
    return buf.getvalue()


_PIECES: dict[bytes, bytes] = {}  # .npy bytes -> what the checksum hashes of that array


def _piece(name: str, data: bytes) -> bytes:
    key = name.encode() + b"\0" + data
    if key not in _PIECES:
        try:
            a = np.ascontiguousarray(np.lib.format.read_array(io.BytesIO(data),
                                                              allow_pickle=False))
            _PIECES[key] = f"{name}|{a.dtype.str}|{a.shape}|".encode() + a.tobytes()
        except ValueError:  # an object array: never unpickled, so its checksum cannot matter
            _PIECES[key] = data
    return _PIECES[key]


def _checksum(body: dict[str, Any], members: Members) -> str:
    """The header checksum, recomputed as the format defines it."""
    h = hashlib.sha256()
    h.update(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    for name in sorted(members):
        h.update(_piece(name, members[name]))
    return h.hexdigest()


def _zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A comment-less zip of (name, stored bytes, crc, declared size, method) entries."""
    out, central = bytearray(), bytearray()
    for name, stored, crc, size, method in entries:
        raw = name.encode()
        central += struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, method, 0, 33, crc,
                               len(stored), size, len(raw), 0, 0, 0, 0, 0, len(out)) + raw
        out += struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, method, 0, 33, crc,
                           len(stored), size, len(raw), 0) + raw + stored
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(central), len(out), 0)
    return bytes(out + central + end)


def _seal(zipped: bytes, key: str | None = None) -> bytes:
    prefix = _SEAL if key is None else _HMAC
    body = zipped[:-2] + struct.pack("<H", len(prefix) + 64)
    digest = (hashlib.sha256(body) if key is None
              else hmac.new(key.encode(), body, hashlib.sha256)).hexdigest()
    return body + prefix + digest.encode()


_DEFLATED: dict[bytes, bytes] = {}


def _deflate(data: bytes) -> bytes:
    if data not in _DEFLATED:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        _DEFLATED[data] = c.compress(data) + c.flush()
    return _DEFLATED[data]


def _archive(body: dict[str, Any], members: Members, *, key: str | None = None,
             checksum: bool = True, header: bytes | None = None,
             extra: Sequence[tuple[str, bytes, int, int, int]] = (),
             flip: tuple[int, int] | None = None) -> bytes:
    """A sealed model file: ``body`` (re-checksummed unless ``checksum=False``) as
    ``__meta__``, then ``members``, then raw ``extra`` zip entries; ``flip`` (position,
    mask) alters one byte of the zip container before it is sealed."""
    if checksum:
        body = {k: v for k, v in body.items() if k != "checksum"}
        body["checksum"] = _checksum(body, members)
    if header is None:
        header = json.dumps(body, ensure_ascii=False).encode()
    entries = [(f"{name}.npy", _deflate(data), zlib.crc32(data), len(data), 8) for name, data
               in {"__meta__": _npy(np.frombuffer(header, np.uint8)), **members}.items()]
    zipped = bytearray(_zip([*entries, *extra]))
    if flip is not None:
        zipped[flip[0] % (len(zipped) - 2)] ^= flip[1]  # not the comment length: the seal's
    return _seal(bytes(zipped), key)


def _split(saved: bytes) -> tuple[dict[str, Any], Members]:
    with np.load(io.BytesIO(saved), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    body = json.loads(arrays.pop("__meta__").tobytes())
    return body, {name: _npy(a) for name, a in arrays.items()}


def _array(members: Members, name: str) -> np.ndarray:
    return np.lib.format.read_array(io.BytesIO(members[name]), allow_pickle=False).copy()


def _gf2_times(matrix: list[int], vector: int) -> int:
    out, i = 0, 0
    while vector:
        if vector & 1:
            out ^= matrix[i]
        vector >>= 1
        i += 1
    return out


def _zero_byte_operators() -> list[list[int]]:
    """The CRC-32 register's map for 2**k zero bytes, k = 0..40 (GF(2) matrices)."""
    bit = [0xEDB88320] + [1 << n for n in range(31)]  # one zero bit
    ops = [bit]
    for _ in range(3 + 40):
        m = ops[-1]
        ops.append([_gf2_times(m, m[n]) for n in range(32)])
    return ops[3:]


_ZERO_OPS = _zero_byte_operators()


def _crc32_then_zeros(crc: int, n: int) -> int:
    """The CRC-32 of ``data + bytes(n)`` from that of ``data``, without making the zeros."""
    register, k = crc ^ 0xFFFFFFFF, 0
    while n:
        if n & 1:
            register = _gf2_times(_ZERO_OPS[k], register)
        n >>= 1
        k += 1
    return register ^ 0xFFFFFFFF


def _zeros_bomb(name: str, size: int, *, declared: int | None = None,
                head: bytes = b"") -> tuple[str, bytes, int, int, int]:
    """A zip entry of ``head`` then zeros, ``size`` bytes in all, deflated to a few MB: the
    deflate of a fully flushed block of zeros repeats, so only three blocks are compressed."""
    chunk = 4 << 20
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head + bytes(chunk - len(head))) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(chunk)) + c.flush(zlib.Z_FULL_FLUSH)
    n_blocks, rest = divmod(size - chunk, chunk)
    stored = first + block * n_blocks + c.compress(bytes(rest)) + c.flush()
    crc = _crc32_then_zeros(zlib.crc32(head), size - len(head))
    return name, stored, crc, size if declared is None else declared, 8


# ---------------------------------------------------------------------------- the child
_CHILD = textwrap.dedent("""
    import datetime, json, os, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    import rootmatch as rm

    for case in json.loads(sys.stdin.read()):
        saved = dict(os.environ)
        os.environ.pop("ROOTMATCH_MODEL_KEY", None)
        os.environ.update(case["env"])
        try:
            mm = rm.Matchmaker.load(case["path"], **case["kwargs"])
            firm = str(mm.table_.small().ids[0])
            mm.recommend_partners(firm, k=5)
            mm.recommend_programs(firm, k=3, on=datetime.date(2024, 6, 1), near_misses=True)
            mm.recommend_all(mm.firm_ids_[:40], k=5, kinds=("firm", "institute"))
            out = {{"outcome": "loaded", "message": ""}}
        except BaseException as err:
            # the path left out: a case's file is named after it, and so may name the member
            message = str(err).replace(case["path"], "<model>")
            out = {{"outcome": type(err).__name__, "message": message[:2000]}}
        finally:
            os.environ.clear()
            os.environ.update(saved)
        print(json.dumps({{"case": case["name"], **out}}), flush=True)
""").format(limit=_LIMIT)


def run_cases(cases: list[dict[str, Any]], timeout: float = 60.0) -> dict[str, dict[str, str]]:
    """Load each case in a child process; a case that kills its child (a signal, a hang) is
    reported as such and the rest run in a fresh child."""
    results: dict[str, dict[str, str]] = {}
    todo = list(cases)
    while todo:
        try:
            proc = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps(todo),
                                  capture_output=True, text=True, timeout=timeout,
                                  env={**os.environ, "PYTHONHASHSEED": "0"})
            stdout, code = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as err:
            out = err.stdout or b""
            stdout = out.decode() if isinstance(out, bytes) else out
            code = None
        for line in stdout.splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                results[row.pop("case")] = row
        todo = [c for c in todo if c["name"] not in results]
        if todo:
            if code == 0:
                raise AssertionError(f"the child ended without reporting {todo[0]['name']}")
            how = ("hang (timeout)" if code is None else
                   f"signal {-code}" if code < 0 else f"exit {code}")
            results[todo.pop(0)["name"]] = {"outcome": how, "message": ""}
    return results


# ---------------------------------------------------------------------------- the cases
@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Members]:
    pop = rm.synth.generate_population(300, seed=1)
    net = rm.SupportNetwork.from_population(pop, hub=True)
    mm = rm.Matchmaker(random_state=0, use_numba=False).fit(net)
    path = mm.save(tmp_path_factory.mktemp("base") / "model.npz")
    return _split(path.read_bytes())


Case = tuple[str, str, Callable[[dict[str, Any], Members], Any]]
# (case name, the member (or header field) the refusal must name, mutate(body, members))
_SPARSE = {"B_": "n_bcols", "A_": "n", "inst_links_": "n_inst", "P_": "n_prog"}


def _set(name: str, fn: Callable[[np.ndarray], np.ndarray | None]) -> Callable[..., None]:
    def mutate(body: dict[str, Any], members: Members) -> None:
        a = _array(members, name)
        b = fn(a)
        members[name] = _npy(a if b is None else b)
    return mutate


def _params(**changes: Any) -> Callable[..., None]:
    def mutate(body: dict[str, Any], members: Members) -> None:
        body["meta"]["params"].update(changes)
    return mutate


def _poke(a: np.ndarray, index: Any, value: Any) -> None:
    a[index] = value


def _sparse_cases() -> list[Case]:
    cases: list[Case] = []
    for m in _SPARSE:
        cases += [
            (f"{m} column index past its shape", f"{m}.indices",
             _set(f"{m}.indices", lambda a: _poke(a, -1, a.max() + 1000))),
            (f"{m} column index far past its shape", f"{m}.indices",
             _set(f"{m}.indices", lambda a: _poke(a, 0, 10**9))),
            (f"{m} negative column index", f"{m}.indices",
             _set(f"{m}.indices", lambda a: _poke(a, 0, -3))),
            (f"{m} indptr decreasing", f"{m}.indptr",
             _set(f"{m}.indptr", lambda a: _poke(a, slice(1, 3), a[1:3][::-1] + np.array([5, 0])))),
            (f"{m} indptr past the entries", f"{m}.indptr",
             _set(f"{m}.indptr", lambda a: _poke(a, -1, a[-1] + 50))),
            (f"{m} indptr not from 0", f"{m}.indptr",
             _set(f"{m}.indptr", lambda a: _poke(a, 0, 1))),
            (f"{m} indptr too short", f"{m}.indptr", _set(f"{m}.indptr", lambda a: a[:-2])),
            (f"{m} shape larger than stored", f"{m}.shape",
             _set(f"{m}.shape", lambda a: a * 2)),
            (f"{m} data NaN", f"{m}.data", _set(f"{m}.data", lambda a: _poke(a, 0, np.nan))),
            (f"{m} data complex", f"{m}.data", _set(f"{m}.data", lambda a: a + 1j)),
            (f"{m} indices float", f"{m}.indices",
             _set(f"{m}.indices", lambda a: a.astype(float))),
        ]
    return cases


def _drop(name: str) -> Callable[..., None]:
    def mutate(body: dict[str, Any], members: Members) -> None:
        del members[name]
    return mutate


def _add(name: str, value: np.ndarray) -> Callable[..., None]:
    def mutate(body: dict[str, Any], members: Members) -> None:
        members[name] = _npy(value)
    return mutate


def _meta(fn: Callable[[dict[str, Any]], None]) -> Callable[..., None]:
    def mutate(body: dict[str, Any], members: Members) -> None:
        fn(body["meta"])
    return mutate


def _no_firms(body: dict[str, Any], members: Members) -> None:
    """Every firm-indexed member cut to zero firms, consistently."""
    for name in members:
        a = _array(members, name)
        if name.endswith(".shape"):
            a[0] = 0
        elif name.endswith("indptr"):
            a = a[:1] * 0
        elif (a.shape[0] == 300 or name.startswith(("A_.", "B_.", "P_.", "inst_links_."))
              or name in ("table.mem_codes", "table.part_program", "table.part_on",
                          "sample_cols_")):
            a = a[:0]
        members[name] = _npy(a)
    members["A_.shape"] = _npy(np.array([0, 0]))


CASES: list[Case] = [
    *_sparse_cases(),
    # arrays indexed at query time
    ("inst_links_ index past its shape at query time", "inst_links_.indices",
     _set("inst_links_.indices", lambda a: _poke(a, slice(None), a + 40))),
    ("sample_cols_ out of range", "sample_cols_", _set("sample_cols_", lambda a: a + 10_000)),
    ("sample_cols_ negative", "sample_cols_", _set("sample_cols_", lambda a: a - 1000)),
    ("table.mem_codes out of vocabulary", "table.mem_codes",
     _set("table.mem_codes", lambda a: a + 50)),
    ("table.cluster out of vocabulary", "table.cluster",
     _set("table.cluster", lambda a: a + 90)),
    # dtypes
    ("X_ object dtype", "X_", _set("X_", lambda a: a.astype(object))),
    ("X_ complex", "X_", _set("X_", lambda a: a.astype(np.complex64))),
    ("X_ integer", "X_", _set("X_", lambda a: a.astype(np.int32))),
    ("X_ structured", "X_", _set("X_", lambda a: a.view([("x", "<f4")]))),
    ("table.ids bytes", "table.ids", _set("table.ids", lambda a: a.astype("S"))),
    ("enrolled_ float", "enrolled_", _set("enrolled_", lambda a: a.astype(float))),
    ("_w big-endian text", "_w", _set("_w", lambda a: a.astype(">U8"))),
    # non-finite values
    ("X_ NaN", "X_", _set("X_", lambda a: _poke(a, (0, 0), np.nan))),
    ("Xi_ infinite", "Xi_", _set("Xi_", lambda a: _poke(a, (0, 0), np.inf))),
    ("_w infinite", "_w", _set("_w", lambda a: _poke(a, 0, np.inf))),
    ("_w negative", "_w", _set("_w", lambda a: _poke(a, 0, -1.0))),
    ("calibration_ NaN", "calibration_", _set("calibration_", lambda a: _poke(a, 0, np.nan))),
    ("L_geo_ NaN", "L_geo_", _set("L_geo_", lambda a: _poke(a, (0, 0), np.nan))),
    ("bw_ infinite", "bw_", _set("bw_", lambda a: _poke(a, 0, np.inf))),
    ("dF_ NaN", "dF_", _set("dF_", lambda a: _poke(a, 0, np.nan))),
    ("inst_prox_ NaN", "inst_prox_", _set("inst_prox_", lambda a: _poke(a, (0, 0), np.nan))),
    ("vectorizer scale 0", "vectorizer.numeric_scale_",
     _set("vectorizer.numeric_scale_", lambda a: _poke(a, 0, 0.0))),
    # shapes
    ("X_ one feature short", "X_", _set("X_", lambda a: a[:, :-1])),
    ("X_ one firm short", "X_", _set("X_", lambda a: a[:-1])),
    ("X_ flattened", "X_", _set("X_", lambda a: a.ravel())),
    ("Xi_ one institute short", "Xi_", _set("Xi_", lambda a: a[:-1])),
    ("inst_prox_ transposed", "inst_prox_", _set("inst_prox_", lambda a: a.T.copy())),
    ("L_geo_ one location short", "L_geo_", _set("L_geo_", lambda a: a[:-1, :-1])),
    ("L_tech_ wrong size", "L_tech_", _set("L_tech_", lambda a: a[:-1, :-1])),
    ("_w three components", "_w", _set("_w", lambda a: a[:3])),
    ("sample_cols_ 2-D", "sample_cols_", _set("sample_cols_", lambda a: a.reshape(16, 16))),
    ("table.names one row short", "table.names", _set("table.names", lambda a: a[:-1])),
    ("X_ zero firms", "X_", _set("X_", lambda a: a[:0])),
    ("no firms at all", "table.ids", _no_firms),
    ("participation date NaT", "table.part_on",
     _set("table.part_on", lambda a: _poke(a, 0, np.datetime64("NaT")))),
    # parameters and header fields
    ("block_size negative", "params.block_size", _params(block_size=-5)),
    ("block_size zero", "params.block_size", _params(block_size=0)),
    ("block_size text", "params.block_size", _params(block_size="big")),
    ("block_size float", "params.block_size", _params(block_size=2.5)),
    ("block_size huge", "params.block_size", _params(block_size=10**12)),
    ("block_size 2**20", "params.block_size", _params(block_size=2**20)),
    ("use_numba text", "params.use_numba", _params(use_numba="yes")),
    ("n_jobs zero", "params.n_jobs", _params(n_jobs=0)),
    ("n_jobs list", "params.n_jobs", _params(n_jobs=[1])),
    ("holdout out of range", "params.holdout", _params(holdout=7)),
    ("blend unknown", "params.blend", _params(blend="magic")),
    ("weights text", "params.weights", _params(weights="heavy")),
    ("unknown parameter", "params", _params(evil=1)),
    ("random_state text", "random_state", _meta(lambda m: m.update(random_state="x"))),
    ("has_hub text", "has_hub", _meta(lambda m: m.update(has_hub="yes"))),
    ("B_cols one short", "bw_", _meta(lambda m: m["B_cols"].pop())),
    ("institute repeated", "institutes",
     _meta(lambda m: m["institutes"].append(dict(m["institutes"][0])))),
    ("institute dropped", "Xi_", _meta(lambda m: m["institutes"].pop())),
    ("institute of no kind", "institutes[0]",
     _meta(lambda m: m["institutes"][0].update(kind="NOPE"))),
    ("vectorizer class", "vectorizer.class",
     _meta(lambda m: m["vectorizer"].update({"class": "np"}))),
    ("vectorizer dtype object", "vectorizer.params.dtype",
     _meta(lambda m: m["vectorizer"]["params"].update(dtype={"__dtype__": "|O"}))),
    ("vectorizer slice past features", "vectorizer.fitted.block_slices_",
     _meta(lambda m: m["vectorizer"]["fitted"]["block_slices_"].update(
         geography={"__slice__": [39, 99, None]}))),
    ("vectorizer attribute hijack", "vectorizer.fitted",
     _meta(lambda m: m["vectorizer"]["fitted"].update(transform=1))),
    ("features count wrong", "vectorizer.fitted.block_slices_",
     _meta(lambda m: m["vectorizer"]["fitted"].update(n_features_out_=63))),
    ("table vocabulary missing", "table_vocab", _meta(lambda m: m["table_vocab"].clear())),
    # members
    ("unknown member", "evil", _add("evil", np.arange(3))),
    ("missing member", "_w", _drop("_w")),
]


def _write(folder: Path, name: str, data: bytes) -> str:
    path = folder / (name.replace(" ", "_").replace("/", "_") + ".npz")
    path.write_bytes(data)
    return str(path)


def _special_cases(folder: Path, body: dict[str, Any], members: Members
                   ) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, member the refusal must name, child case) for attacks on the container."""
    out: list[tuple[str, str, dict[str, Any]]] = []

    def case(name: str, member: str, data: bytes | None = None, *, path: str | None = None,
             kwargs: dict[str, Any] | None = None, env: dict[str, str] | None = None) -> None:
        p = path if path is not None else _write(folder, name, data or b"")
        out.append((name, member, {"name": name, "path": p, "kwargs": kwargs or {},
                                   "env": env or {}}))

    # zip bombs: 1 GiB of zeros in a few MB. They keep the valid model's checksum: both the
    # loader before these checks (which runs out of memory reading them) and the one after
    # (which refuses them unread) stop before any checksum, and a checksum refusal would not
    # name the member the test expects.
    size = _GIB
    head = _npy_header((size,), "|u1")
    bomb = _zeros_bomb("bomb.npy", len(head) + size, head=head)
    case("zip bomb: unknown member", "bomb",
         _archive(body, members, extra=[bomb], checksum=False))
    no_x = {k: v for k, v in members.items() if k != "X_"}
    head = _npy_header((size // 256, 64), "<f4")
    bomb = _zeros_bomb("X_.npy", len(head) + size, head=head)
    case("zip bomb: X_ declares a huge shape", "X_",
         _archive(body, no_x, extra=[bomb], checksum=False))
    true_x = members["X_"]
    head = true_x[:true_x.index(b"\n") + 1]
    bomb = _zeros_bomb("X_.npy", len(head) + size, head=head, declared=len(true_x))
    case("zip bomb: zip directory lies about X_", "X_",
         _archive(body, no_x, extra=[bomb], checksum=False))
    head = _npy_header((size // 28,), "<U7")
    bomb = _zeros_bomb("table.ids.npy", len(head) + size // 28 * 28, head=head)
    case("zip bomb: consistent huge table", "table.ids",
         _archive(body, {k: v for k, v in members.items() if k != "table.ids"}, extra=[bomb],
                  checksum=False))
    # a member just under the global limit, inconsistent with the rest: the dimension it
    # would bind is fixed by the header's record of it, or (in a file saved without that
    # record) by the index pointer over it, read first, or bounded by the other dimensions
    size = (_GIB - (64 << 20)) // 4
    head = _npy_header((size,), "<i4")
    bomb = _zeros_bomb("table.mem_codes.npy", len(head) + 4 * size, head=head)
    no_codes = {k: v for k, v in members.items() if k != "table.mem_codes"}
    case("zip bomb: table.mem_codes under the limit", "table.mem_codes",
         _archive(body, no_codes, extra=[bomb], checksum=False))
    legacy = {k: v for k, v in body.items() if k != "dims"}
    case("zip bomb: table.mem_codes under the limit, no recorded dims", "table.mem_codes",
         _archive(legacy, no_codes, extra=[bomb], checksum=False))
    indptr = _array(members, "table.mem_indptr")
    indptr[-1] = size
    bounded = {**no_codes, "table.mem_indptr": _npy(indptr)}
    case("zip bomb: table.mem_codes and its index pointer agree, no recorded dims",
         "table.mem_indptr", _archive(legacy, bounded, extra=[bomb], checksum=False))
    dims = json.loads(json.dumps(body))
    dims.setdefault("dims", {})["n_mem"] = size
    case("zip bomb: table.mem_codes and the recorded dims agree", "header dims",
         _archive(dims, no_codes, extra=[bomb], checksum=False))
    head = _npy_header((300,), "<U800000")
    bomb = _zeros_bomb("table.names.npy", len(head) + 300 * 800_000 * 4, head=head)
    case("zip bomb: table.names 800000 characters wide", "table.names",
         _archive(body, {k: v for k, v in members.items() if k != "table.names"},
                  extra=[bomb], checksum=False))
    # a zip directory of a million empty entries (93 MB), refused before zipfile parses it
    case("a million zip entries", "zip directory",
         _many_entries(_archive(body, members), 1_000_000))
    # files that are not model files
    case("/dev/zero", "not a regular file", path="/dev/zero")
    fifo = folder / "fifo.npz"
    os.mkfifo(fifo)
    case("FIFO", "not a regular file", path=str(fifo))
    case("a directory", "not a regular file", path=str(folder))
    case("over the size limit", "over the limit", _archive(body, members),
         kwargs={"max_bytes": 10_000})
    # the JSON header, as text, with the checksum of what it parses to (when Python's json
    # parses it at all: the 100000 levels and the 5000-digit integer it does not)
    text = json.dumps({k: v for k, v in body.items() if k != "checksum"})

    def header(variant: str) -> bytes:
        try:
            parsed = json.loads(variant)
        except (ValueError, RecursionError):
            return variant.encode()
        return (variant[:-1] + f', "checksum": "{_checksum(parsed, members)}"}}').encode()

    def header_case(name: str, old: str, new: str) -> None:
        variant = text.replace(old, new, 1)
        assert variant != text
        case(name, "header", _archive(body, members, checksum=False, header=header(variant)))

    huge = text.replace('"notes": "', '"notes": "' + "x" * (65 << 20), 1)
    case("huge header", "__meta__", _archive(body, members, checksum=False,
                                             header=header(huge)))
    header_case("nested header (100000 levels)", '"weights": null',
                '"weights": ' + "[" * 100_000 + "]" * 100_000)
    header_case("nested header (500 levels)", '"weights": null',
                '"weights": ' + "[" * 500 + "]" * 500)
    for label in ("Infinity", "1e400", "NaN", "-Infinity"):
        for field, old in (("holdout", '"holdout": 0.2'), ("capacity", '"capacity": 20'),
                           ("block_size", '"block_size": null'),
                           ("random_state", '"random_state": 0')):
            header_case(f"{label} in header {field}", old, old.split(":")[0] + ": " + label)
    header_case("huge integer in header", '"random_state": 0', '"random_state": ' + "9" * 5000)
    # keys
    signed = _archive(body, members, key=_KEY)
    case("signed, loaded without a key", "saved with a key", signed)
    case("signed, loaded with another key", "signature mismatch", signed,
         kwargs={"key": "another secret"})
    case("signed, another key in the environment", "signature mismatch", signed,
         env={"ROOTMATCH_MODEL_KEY": "another secret"})
    case("unsigned, loaded with a key", "not signed", _archive(body, members),
         kwargs={"key": _KEY})
    case("unsigned, key in the environment", "not signed", _archive(body, members),
         env={"ROOTMATCH_MODEL_KEY": _KEY})
    case("signed by another key, loaded with the key", "signature mismatch",
         _archive(body, members, key="attacker's key"), kwargs={"key": _KEY})
    return out


def _many_entries(sealed: bytes, count: int) -> bytes:
    """``sealed`` with ``count`` empty entries added to its zip, then sealed again."""
    zipped = sealed[:-(len(_SEAL) + 64)]
    end = len(zipped) - 22
    entries, size, offset = struct.unpack("<10xH2I2x", zipped[end:])
    local, central = bytearray(zipped[:offset]), bytearray(zipped[offset:offset + size])
    crc = zlib.crc32(b"")
    for i in range(count):
        raw = b"e%07d" % i
        central += struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 0, 0, 33, crc,
                               0, 0, len(raw), 0, 0, 0, 0, 0, len(local)) + raw
        local += struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 33, crc, 0, 0,
                             len(raw), 0) + raw
    n = min(entries + count, 0xFFFF)
    tail = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, n, n, len(central), len(local), 0)
    return _seal(bytes(local + central + tail))


def _npy_header(shape: tuple[int, ...], dtype: str) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


# cases that must load: the controls
_CONTROLS = ("valid model", "signed, loaded with its key", "signed, its key in the environment",
             "valid model saved without recorded dims")


@pytest.fixture(scope="module")
def outcomes(base: tuple[dict[str, Any], Members], tmp_path_factory: pytest.TempPathFactory
             ) -> dict[str, dict[str, str]]:
    """Every case, crafted then loaded in children (a few batches)."""
    body, members = base
    folder = tmp_path_factory.mktemp("attacks")
    cases = []
    for name, _, mutate in CASES:
        b, m = json.loads(json.dumps(body)), dict(members)
        mutate(b, m)
        cases.append({"name": name, "path": _write(folder, name, _archive(b, m)),
                      "kwargs": {}, "env": {}})
    special = _special_cases(folder, body, members)
    assert [(n, m) for n, m, _ in special] == _special_names()
    cases += [c for _, _, c in special]
    valid = _write(folder, "valid", _archive(body, members))
    signed = _write(folder, "signed", _archive(body, members, key=_KEY))
    cases += [{"name": "valid model", "path": valid, "kwargs": {}, "env": {}},
              {"name": "signed, loaded with its key", "path": signed,
               "kwargs": {"key": _KEY}, "env": {}},
              {"name": "signed, its key in the environment", "path": signed, "kwargs": {},
               "env": {"ROOTMATCH_MODEL_KEY": _KEY}}]
    assert set(body["dims"]) == {"n", "n_mem", "n_part", "n_sample", "n_units", "nnz_B_",
                                 "nnz_A_", "nnz_inst_links_", "nnz_P_"}
    legacy = _write(folder, "legacy", _archive({k: v for k, v in body.items() if k != "dims"},
                                               members))
    cases.append({"name": "valid model saved without recorded dims", "path": legacy,
                  "kwargs": {}, "env": {}})
    return run_cases(cases)


def _special_names() -> list[tuple[str, str]]:
    # names and members of the container cases, without building them
    return [
        ("zip bomb: unknown member", "bomb"), ("zip bomb: X_ declares a huge shape", "X_"),
        ("zip bomb: zip directory lies about X_", "X_"),
        ("zip bomb: consistent huge table", "table.ids"),
        ("zip bomb: table.mem_codes under the limit", "table.mem_codes"),
        ("zip bomb: table.mem_codes under the limit, no recorded dims", "table.mem_codes"),
        ("zip bomb: table.mem_codes and its index pointer agree, no recorded dims",
         "table.mem_indptr"),
        ("zip bomb: table.mem_codes and the recorded dims agree", "header dims"),
        ("zip bomb: table.names 800000 characters wide", "table.names"),
        ("a million zip entries", "zip directory"),
        ("/dev/zero", "not a regular file"), ("FIFO", "not a regular file"),
        ("a directory", "not a regular file"), ("over the size limit", "over the limit"),
        ("huge header", "__meta__"), ("nested header (100000 levels)", "header"),
        ("nested header (500 levels)", "header"),
        *[(f"{label} in header {field}", "header")
          for label in ("Infinity", "1e400", "NaN", "-Infinity")
          for field in ("holdout", "capacity", "block_size", "random_state")],
        ("huge integer in header", "header"),
        ("signed, loaded without a key", "saved with a key"),
        ("signed, loaded with another key", "signature mismatch"),
        ("signed, another key in the environment", "signature mismatch"),
        ("unsigned, loaded with a key", "not signed"),
        ("unsigned, key in the environment", "not signed"),
        ("signed by another key, loaded with the key", "signature mismatch"),
    ]


ALL_CASES = [(name, member) for name, member, _ in CASES] + _special_names()


@pytest.mark.parametrize(("case", "member"), ALL_CASES, ids=[c for c, _ in ALL_CASES])
def test_crafted_model_is_refused_naming_the_member(outcomes: dict[str, dict[str, str]],
                                                    case: str, member: str) -> None:
    got = outcomes[case]
    assert got["outcome"] == "ModelFormatError", got
    assert member in got["message"], got
    assert "MemoryError" not in got["message"], got


@pytest.mark.parametrize("case", _CONTROLS)
def test_valid_and_correctly_signed_models_load(outcomes: dict[str, dict[str, str]],
                                                case: str) -> None:
    assert outcomes[case] == {"outcome": "loaded", "message": ""}


# ---------------------------------------------------------------------------- in process
def test_signed_model_round_trip(base: tuple[dict[str, Any], Members], tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(_archive(*base))
    mm = rm.Matchmaker.load(path)
    signed = mm.save(tmp_path / "signed.npz", key=b"k1")
    assert rm.Matchmaker.load(signed, key="k1").weights_ == mm.weights_
    for kwargs in ({}, {"key": "k2"}):
        with pytest.raises(rm.ModelFormatError):
            rm.Matchmaker.load(signed, **kwargs)
    monkeypatch.setenv("ROOTMATCH_MODEL_KEY", "k3")
    env_signed = mm.save(tmp_path / "env.npz")  # the environment's key signs by default
    assert rm.Matchmaker.load(env_signed).weights_ == mm.weights_
    with pytest.raises(rm.ModelFormatError, match="not signed"):
        rm.Matchmaker.load(path)
    with pytest.raises(rm.ValidationError):
        mm.save(tmp_path / "bad.npz", key="")


def test_size_limit_from_the_environment(base: tuple[dict[str, Any], Members], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(_archive(*base))
    monkeypatch.setenv("ROOTMATCH_MAX_MODEL_BYTES", "1000")
    with pytest.raises(rm.ModelFormatError, match="over the limit"):
        rm.Matchmaker.load(path)
    assert rm.Matchmaker.load(path, max_bytes=1 << 26).score_width_ > 0
    monkeypatch.setenv("ROOTMATCH_MAX_MODEL_BYTES", "lots")
    with pytest.raises(rm.ValidationError):
        rm.Matchmaker.load(path)


@st.composite
def _mutation(draw: st.DrawFn, members: Members) -> tuple[str, str, Any]:
    # index arrays (what the loader once trusted) twice as often as the others
    indexes = [m for m in sorted(members) if m.endswith(("indices", "indptr", "_cols_"))]
    name = draw(st.sampled_from(sorted(members) + indexes), label="member")
    how = draw(st.sampled_from(["byte", "value", "value", "shape", "dtype", "container",
                                "param"]), label="how")
    if how == "param":  # a header parameter, re-checksummed like any member
        param = draw(st.sampled_from(_PARAM_NAMES), label="param")
        return param, how, draw(st.one_of(
            st.sampled_from([None, True, "x", [], {}, 0.5, 1e308, -1e308]),
            st.integers(-2, 2**64), st.sampled_from([1, 2**14, 2**14 + 1, 2**20, 2**24]),
            st.lists(st.floats(0, 1e300), min_size=6, max_size=6),
            st.dictionaries(st.sampled_from(["embedding", "proximity", "geo", "evil"]),
                            st.floats(-1e300, 1e300), max_size=3)), label="value")
    if how == "container":  # any byte of the zip (headers, directory, deflate streams)
        return name, how, (draw(st.integers(0, 10**7)), draw(st.integers(1, 255)))
    if how == "byte":
        return name, how, (draw(st.integers(0, len(members[name]) - 1)),
                           draw(st.integers(1, 255)))
    if how == "value":
        return name, how, (draw(st.integers(0, 10**6)), draw(st.sampled_from(
            [np.nan, np.inf, -np.inf, -1, 0, 1, 255, 299, 300, 301, 2**31 - 1, -2**31, 1e30])))
    if how == "shape":
        return name, how, draw(st.sampled_from(["drop", "add", "transpose", "ravel", "empty"]))
    return name, how, draw(st.sampled_from(["<f4", "<f8", "<i4", "<i8", "|u1", "|b1", "<c8",
                                            "<U3", ">f8", ">i8"]))


_PARAM_NAMES = ["weights", "institute_weights", "program_weights", "feature_weights", "holdout",
                "n_negatives", "block_size", "use_numba", "n_jobs", "blend"]


def _mutate(members: Members, name: str, how: str, arg: Any) -> Members:
    out = dict(members)
    if how in ("container", "param"):
        return out
    if how == "byte":
        raw = bytearray(out[name])
        pos, xor = arg
        raw[pos] ^= xor
        out[name] = bytes(raw)
        return out
    a = _array(out, name)
    if how == "value" and a.size:
        pos, value = arg
        with contextlib.suppress(ValueError, OverflowError, TypeError):
            a.flat[pos % a.size] = value
    elif how == "shape":
        a = {"drop": lambda: a[:-1], "add": lambda: np.concatenate([a, a[:1]]),
             "transpose": lambda: a.T.copy(), "ravel": lambda: a.ravel(),
             "empty": lambda: a[:0]}[arg]()
    elif how == "dtype":
        with contextlib.suppress(ValueError, TypeError, OverflowError):
            a = a.astype(arg)
    out[name] = _npy(a)
    return out


def check_mutation(body: dict[str, Any], members: Members, folder: Path, name: str, how: str,
                   arg: Any) -> None:
    """Load one mutated model: it must raise ModelFormatError or work."""
    mutated = _mutate(members, name, how, arg)
    flip = arg if how == "container" else None
    if how == "param":
        body = json.loads(json.dumps(body))
        body["meta"]["params"][name] = arg
    try:  # re-checksummed and re-sealed: only validation can refuse it
        blob = _archive(body, mutated, flip=flip)
    except Exception:  # an .npy header the attacker mangled: keep the stale checksum
        blob = _archive(body, mutated, checksum=False, flip=flip)
    path = folder / "mutated.npz"
    path.write_bytes(blob)
    try:
        mm = rm.Matchmaker.load(path)
    except rm.ModelFormatError:
        return
    firm = str(mm.table_.small().ids[0])
    mm.recommend_partners(firm, k=5)
    mm.recommend_programs(firm, k=3, on=dt.date(2024, 6, 1), near_misses=True)
    mm.recommend_all(mm.firm_ids_[:20], k=5, kinds=("firm", "institute"))


# The property runs in a child too: a mutation that crashed the loader would otherwise take
# pytest down with it. The child prints each mutation before trying it.
_PROPERTY_CHILD = textwrap.dedent("""
    import json, resource, sys
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    sys.path.insert(0, {tests!r})
    from hypothesis import given, settings, strategies as st
    import test_attack_models as t

    body, members = t._split(Path({saved!r}).read_bytes())

    @settings(max_examples={examples}, deadline=None, database=None)
    @given(data=st.data())
    def prop(data):
        name, how, arg = data.draw(t._mutation(members), label="mutation")
        print(json.dumps([name, how, repr(arg)]), flush=True)
        t.check_mutation(body, members, Path({folder!r}), name, how, arg)

    prop()
    print("done", flush=True)
""")


def test_random_mutations_give_a_working_model_or_model_format_error(
        base: tuple[dict[str, Any], Members], tmp_path: Path) -> None:
    saved = tmp_path / "base.npz"
    saved.write_bytes(_archive(*base))
    code = _PROPERTY_CHILD.format(limit=_LIMIT, tests=str(Path(__file__).parent),
                                  saved=str(saved), folder=str(tmp_path), examples=50)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    last = [line for line in proc.stdout.splitlines() if line.startswith("[")][-1:]
    report = f"exit {proc.returncode} after mutation {last}:\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, report
    assert proc.stdout.rstrip().endswith("done"), report


def test_block_size_is_bounded_where_it_is_set_and_sizes_no_more_than_the_rows(
        base: tuple[dict[str, Any], Members], tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(_archive(*base))
    mm = rm.Matchmaker.load(path)
    expected = mm.recommend_all(mm.firm_ids_[:3], k=5)
    mm.set_params(block_size=1 << 14)  # the largest: its tile holds 3 rows here, not 16384
    got = mm.recommend_all(mm.firm_ids_[:3], k=5)
    assert (got[0] == expected[0]).all()
    mm.save(tmp_path / "largest.npz")
    assert rm.Matchmaker.load(tmp_path / "largest.npz").block_size == 1 << 14
    for bad in (0, -1, 1 << 20, 2.5, True, "256"):
        mm.set_params(block_size=bad)
        with pytest.raises(rm.ValidationError, match="block_size"):
            mm.recommend_all(mm.firm_ids_[:3], k=5)
    pop = rm.synth.generate_population(60, seed=2)
    net = rm.SupportNetwork.from_population(pop, hub=True)
    with pytest.raises(rm.ValidationError, match="block_size"):
        rm.Matchmaker(block_size=1 << 20, use_numba=False).fit(net)


@pytest.mark.parametrize("params", [{"n_jobs": 5000}, {"n_jobs": 0}, {"n_negatives": 0},
                                    {"use_numba": "yes"}, {"blend": "magic"},
                                    {"holdout": 1.5}, {"block_size": 1 << 20}])
def test_fit_refuses_parameters_a_saved_model_could_not_hold(params: dict[str, Any]) -> None:
    pop = rm.synth.generate_population(40, seed=3)
    net = rm.SupportNetwork.from_population(pop, hub=True)
    with pytest.raises(rm.ValidationError, match=next(iter(params))):
        rm.Matchmaker(random_state=0, **{"use_numba": False, **params}).fit(net)
