"""Safe persistence: one ``.npz`` file of plain arrays plus a JSON header, never pickle.

The JSON header (format name and version, user metadata, and a SHA-256 checksum of every
array's name, dtype, shape and bytes) is stored inside the archive as a uint8 array named
``__meta__``. Writing goes to a temporary file in the same folder, then an atomic rename, so an
existing file is never left half-written.

The zip container itself is sealed: its archive comment (the last bytes of the file) is
``rootmatch-sha256:`` and the SHA-256 of every byte before it, or, when saved with a key,
``rootmatch-hmac-sha256:`` and the HMAC-SHA256 of those bytes under the key. The seal is checked
before the archive is parsed, so a change to *any* byte is refused.

What the checks protect against
-------------------------------
The SHA-256 seal and checksum are **unkeyed**: they catch accidental damage (a truncated copy,
a flipped bit, a foreign file), not a deliberate forgery, since anyone can recompute them. A
deployment that loads models it did not write itself should sign them with a key (``key=`` or
the environment variable :data:`KEY_ENV`): a model saved with a key loads only with that key,
and with a key set, an unsigned model is refused.

Whatever the seal, loading never trusts the file. It reads regular files only, of at most
:data:`DEFAULT_MAX_BYTES` (``max_bytes=`` or the environment variable :data:`MAX_BYTES_ENV`
override it); it refuses a zip directory of more entries or bytes than a model has (from the
end record, before the directory is parsed); it refuses any member the caller's schema does
not name, reads each member's ``.npy`` header and its zip directory entry before its data, and
refuses a member whose declared dtype or shape does not fit the schema and the dimensions the
header records (or, in files saved without that record, those the index pointers give, read
first), whose entry does not match its header, or when all members together would decompress
to more than the limit; data is read with a bounded reader. Then every array's values are
checked against the schema (finite, in range, index pointers monotone), before any of them is
used. Every refusal is a
:class:`~rootmatch.exceptions.ModelFormatError` naming the member.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import math
import os
import struct
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rootmatch.base._atomic import atomic_open
from rootmatch.base._files import read_regular
from rootmatch.base.exceptions import ModelFormatError, ValidationError
from rootmatch.engine._members import (
    Member,
    SchemaFn,
    bind_dim,
    bind_shape,
    check_values,
    free_dims,
)

__all__ = ["DEFAULT_MAX_BYTES", "KEY_ENV", "MAX_BYTES_ENV", "Member", "load_archive",
           "save_archive"]

#: Environment variable holding the key that signs and verifies saved models.
KEY_ENV = "ROOTMATCH_MODEL_KEY"
#: Environment variable overriding :data:`DEFAULT_MAX_BYTES`.
MAX_BYTES_ENV = "ROOTMATCH_MAX_MODEL_BYTES"
#: Largest model file, and largest total of its decompressed arrays, read by default (1 GiB).
DEFAULT_MAX_BYTES = 1 << 30
_MAX_HEADER = 64 << 20  # the JSON header (entities, vocabularies, parameters)
_MAX_DEPTH = 32  # nesting of the JSON header
_MAX_ENTRIES = 1024  # zip entries: a model has about 60
_MAX_DIRECTORY = 1 << 20  # the zip's central directory, in bytes: a model's takes a few KB

_META = "__meta__"
_SEAL_PREFIX = b"rootmatch-sha256:"
_HMAC_PREFIX = b"rootmatch-hmac-sha256:"
_SEALS = (_SEAL_PREFIX, _HMAC_PREFIX)
_SEAL_LEN = len(_SEAL_PREFIX) + 64  # the prefix and a hex SHA-256
_EOCD = b"PK\x05\x06"  # zip end-of-central-directory signature
_EOCD_SIZE = 22  # that record without its comment; its last 2 bytes are the comment length


def _resolve_key(key: str | bytes | None) -> bytes | None:
    """The signing key: ``key``, else the environment's :data:`KEY_ENV`, else none."""
    if key is None:
        env = os.environ.get(KEY_ENV)
        return env.encode("utf-8") if env else None
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)) or not key:
        raise ValidationError("key must be a non-empty str or bytes", field="key",
                              value=type(key).__name__)
    return bytes(key)


def _digest(body: bytes | memoryview, key: bytes | None) -> bytes:
    if key is None:
        return hashlib.sha256(body).hexdigest().encode("ascii")
    return hmac.new(key, body, hashlib.sha256).hexdigest().encode("ascii")


def _seal(fh: io.BufferedRandom, key: bytes | None = None) -> None:
    """Make the SHA-256 (or, with ``key``, the HMAC-SHA256) of the whole file its zip comment
    (``fh`` holds a comment-less zip)."""
    prefix = _SEAL_PREFIX if key is None else _HMAC_PREFIX
    fh.seek(-_EOCD_SIZE, os.SEEK_END)
    eocd = fh.read(_EOCD_SIZE)
    if eocd[:4] != _EOCD or eocd[-2:] != b"\x00\x00":  # pragma: no cover - zipfile's layout
        raise RuntimeError("unexpected zip layout: no comment-less end record")
    fh.seek(-2, os.SEEK_END)
    fh.write(struct.pack("<H", len(prefix) + 64))
    fh.seek(0)
    h = hashlib.sha256() if key is None else hmac.new(key, digestmod=hashlib.sha256)
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        h.update(chunk)
    fh.write(prefix + h.hexdigest().encode("ascii"))  # at the end: read() reached it


def _check_seal(data: bytes, path: Path, key: bytes | None) -> int:
    """Check the seal; returns where the zip's end record starts."""
    for prefix in _SEALS:
        size = len(prefix) + 64
        body = len(data) - size
        if (body >= _EOCD_SIZE and data[body - _EOCD_SIZE:body - _EOCD_SIZE + 4] == _EOCD
                and data[body - 2:body] == struct.pack("<H", size)
                and data[body:].startswith(prefix)):
            break
    else:
        raise ModelFormatError(
            f"{path}: not a rootmatch archive, or truncated (no integrity seal at its end)")
    if prefix == _HMAC_PREFIX and key is None:
        raise ModelFormatError(f"{path}: the model was saved with a key: pass key= or set "
                               f"{KEY_ENV} to load it")
    if prefix == _SEAL_PREFIX and key is not None:
        raise ModelFormatError(f"{path}: the model is not signed, and a key was given: "
                               "refusing an unsigned model")
    stored = data[body + len(prefix):]
    if not hmac.compare_digest(_digest(memoryview(data)[:body], key), stored):
        if key is not None:
            raise ModelFormatError(f"{path}: signature mismatch: the file was altered, or "
                                   "signed with another key")
        raise ModelFormatError(f"{path}: checksum mismatch: the file was altered or truncated")
    return body - _EOCD_SIZE


def _checksum(arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])  # a copy only of a Fortran-ordered array
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        if a.nbytes:
            h.update(a.reshape(-1).view(np.uint8))  # the bytes themselves, not a copy
    return h.hexdigest()


def save_archive(
    path: str | os.PathLike[str],
    arrays: Mapping[str, np.ndarray],
    meta: Mapping[str, Any],
    *,
    format_name: str,
    version: int,
    key: str | bytes | None = None,
    schema: SchemaFn | None = None,
) -> Path:
    """Write ``arrays`` and ``meta`` to ``path`` atomically; returns the path written.

    With ``key`` (or the environment variable :data:`KEY_ENV`) the file is sealed with an
    HMAC-SHA256 under that key instead of a plain SHA-256. With ``schema``, the arrays are
    checked against it and the header records every dimension the metadata does not give
    (``"dims"``), so that a reader refuses any member of another size before reading it.
    """
    path = Path(path)
    secret = _resolve_key(key)
    for name, a in arrays.items():
        if np.asarray(a).dtype.hasobject:
            raise ModelFormatError(f"array {name!r} holds Python objects; refusing to save it")
    body: dict[str, Any] = {"format": format_name, "version": version, "meta": dict(meta)}
    if schema is not None:
        members, header_dims, bounds = schema(meta)
        dims = dict(header_dims)
        for name, spec in members.items():
            a = np.asarray(arrays[name])
            bind_shape(name, spec, a.dtype, a.shape, dims, bounds)
        body["dims"] = {d: dims[d] for d in free_dims(members, header_dims)}
    body["checksum"] = _checksum(arrays, body)
    header = np.frombuffer(json.dumps(body, ensure_ascii=False).encode("utf-8"), np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "w+b") as fh:
        np.savez_compressed(fh, **{_META: header}, **arrays)
        _seal(fh, secret)
    return path


# ---------------------------------------------------------------------------- reading
def _max_bytes(max_bytes: int | None) -> int:
    if max_bytes is None:
        env = os.environ.get(MAX_BYTES_ENV)
        if not env:
            return DEFAULT_MAX_BYTES
        try:
            max_bytes = int(env)
        except ValueError:
            raise ValidationError(f"{MAX_BYTES_ENV} must be an integer number of bytes, got "
                                  f"{env!r}", field=MAX_BYTES_ENV, value=env) from None
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ValidationError(f"max_bytes must be a positive int, got {max_bytes!r}",
                              field="max_bytes", value=max_bytes)
    return max_bytes


def _read_file(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, refused beyond ``limit`` bytes; never blocks on
    a FIFO and never reads a device."""
    try:
        return read_regular(path, limit, error=ModelFormatError, what="saved model")
    except FileNotFoundError:
        raise FileNotFoundError(f"no saved model at {str(path)!r}") from None


def _open_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo
                 ) -> tuple[Any, np.dtype[Any], tuple[int, ...], bool, int]:
    """Open a member and read its ``.npy`` header only: (stream, dtype, shape, fortran,
    data bytes), after checking that the zip entry declares exactly header plus data."""
    name = info.filename.removesuffix(".npy")
    if info.flag_bits & 0x1:
        raise ModelFormatError(f"member {name!r}: encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ModelFormatError(f"member {name!r}: unsupported compression {info.compress_type}")
    fh = zf.open(info)
    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise ModelFormatError(f"member {name!r}: unsupported .npy version {version}")
        if dtype.hasobject:
            raise ModelFormatError(f"member {name!r}: holds Python objects (a pickle); "
                                   "refusing it")
        if not all(isinstance(s, int) and s >= 0 for s in shape):
            raise ModelFormatError(f"member {name!r}: bad shape {shape!r}")
        nbytes = math.prod(shape) * dtype.itemsize
        if info.file_size != fh.tell() + nbytes:
            raise ModelFormatError(
                f"member {name!r}: its zip entry declares {info.file_size} bytes, its array "
                f"header {fh.tell() + nbytes}")
    except BaseException:
        fh.close()
        raise
    return fh, dtype, tuple(shape), bool(fortran), nbytes


def _read_data(name: str, fh: Any, dtype: np.dtype[Any], shape: tuple[int, ...],
               fortran: bool, nbytes: int) -> np.ndarray:
    """Read exactly ``nbytes`` of array data (never more), then check the member ends."""
    buf = bytearray(nbytes)
    view, got = memoryview(buf), 0
    try:
        while got < nbytes:
            chunk = fh.read(min(1 << 20, nbytes - got))
            if not chunk:
                raise ModelFormatError(f"member {name!r}: {got} bytes of data, its header "
                                       f"declares {nbytes}")
            view[got:got + len(chunk)] = chunk
            got += len(chunk)
        if fh.read(1):  # also makes zipfile check the member's CRC
            raise ModelFormatError(f"member {name!r}: longer than its header declares")
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise ModelFormatError(f"member {name!r}: corrupt data ({err})") from None
    if dtype.itemsize == 0:
        return np.zeros(shape, dtype)
    return np.frombuffer(buf, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def _reject_constant(value: str) -> Any:
    raise ModelFormatError(f"corrupt header: {value} is not a number a model holds")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ModelFormatError(f"corrupt header: {text[:40]} is not a finite number")
    return value


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return deepest


def _parse_header(raw: bytes) -> Any:
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant,
                          parse_float=_parse_float)
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        if isinstance(err, ModelFormatError):
            raise
        raise ModelFormatError(f"corrupt header ({type(err).__name__}: {str(err)[:200]})"
                               ) from None
    if _depth(body) > _MAX_DEPTH:
        raise ModelFormatError(f"corrupt header: nested deeper than {_MAX_DEPTH} levels")
    return body


def load_archive(
    path: str | os.PathLike[str], *, format_name: str, version: int,
    schema: SchemaFn, key: str | bytes | None = None, max_bytes: int | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read an archive written by :func:`save_archive`, verify it and validate every member.

    ``schema(meta)`` gives the members the archive must hold (no other) and the dimensions
    the header declares; each member is checked against it before and after its data is read.

    Raises
    ------
    ModelFormatError
        When the file is not a regular file, is over the size limit, is not such an archive,
        is of another format or version, its checksum or signature does not match, or any
        member is unknown, missing or does not fit the schema (the message names it).
    FileNotFoundError
        When ``path`` does not exist.
    """
    path = Path(path)
    limit = _max_bytes(max_bytes)
    secret = _resolve_key(key)
    data = _read_file(path, limit)
    end = _check_seal(data, path, secret)
    try:
        return _load_verified(data, end, format_name=format_name, version=version,
                              schema=schema, limit=limit)
    except ModelFormatError as err:
        raise ModelFormatError(f"{path}: {err}") from None
    except Exception as err:  # zip, zlib, .npy header errors: whatever a bad file raises
        raise ModelFormatError(f"{path}: not a readable rootmatch archive "
                               f"({type(err).__name__}: {str(err)[:200]})") from None


def _check_directory(data: bytes, end: int) -> None:
    """Refuse, before :mod:`zipfile` parses it, a zip directory no model has: too many
    entries, too large, or a ZIP64 record (a model under the size limit never needs one).
    ``end`` is where the end record starts (found by :func:`_check_seal`)."""
    (_, disk, cd_disk, on_disk, entries, cd_size, cd_offset, _) = struct.unpack(
        "<4s4H2LH", data[end:end + _EOCD_SIZE])
    if data[max(end - 20, 0):max(end - 16, 0)] == b"PK\x06\x07" or 0xFFFF in (
            disk, cd_disk, on_disk, entries) or 0xFFFFFFFF in (cd_size, cd_offset):
        raise ModelFormatError("zip directory: a ZIP64 record, which no model needs")
    if entries > _MAX_ENTRIES or on_disk != entries or disk or cd_disk:
        raise ModelFormatError(f"zip directory: {entries} entries, a model has at most "
                               f"{_MAX_ENTRIES}")
    if cd_size > _MAX_DIRECTORY or cd_offset + cd_size != end:
        raise ModelFormatError(f"zip directory: {cd_size} bytes at {cd_offset}, not a model's "
                               f"(at most {_MAX_DIRECTORY} bytes, just before its end record)")


def _recorded_dims(body: Mapping[str, Any], members: Mapping[str, Member],
                   header_dims: Mapping[str, int]) -> dict[str, int]:
    """The dimensions the header records (files saved before the record have none)."""
    recorded = body.get("dims")
    if recorded is None:
        return {}
    free = free_dims(members, header_dims)
    if not isinstance(recorded, dict) or set(recorded) != set(free) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for v in recorded.values()):
        raise ModelFormatError(f"header dims: must map {free} to ints >= 0")
    return {d: recorded[d] for d in free}  # in schema order, so bounds see their factors


def _load_verified(data: bytes, end: int, *, format_name: str, version: int,
                   schema: SchemaFn, limit: int
                   ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    _check_directory(data, end)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            name = info.filename
            if not name.endswith(".npy") or name.removesuffix(".npy") in infos:
                raise ModelFormatError(f"member {name!r}: not an array, or repeated")
            infos[name.removesuffix(".npy")] = info
        if _META not in infos:
            raise ModelFormatError("not a rootmatch archive (no header)")
        # the header first, bounded: it says what the rest must be
        fh, dtype, shape, fortran, nbytes = _open_member(zf, infos[_META])
        with fh:
            if dtype.str[1:] != "u1" or len(shape) != 1 or nbytes > _MAX_HEADER:
                raise ModelFormatError(f"member {_META!r}: dtype {dtype.str}, shape {shape}: "
                                       f"not a header of at most {_MAX_HEADER} bytes")
            raw = _read_data(_META, fh, dtype, shape, fortran, nbytes)
        body = _parse_header(raw.tobytes())
        if not isinstance(body, dict) or body.get("format") != format_name:
            raise ModelFormatError(
                f"format {body.get('format') if isinstance(body, dict) else None!r}, "
                f"expected {format_name!r}")
        if body.get("version") != version:
            raise ModelFormatError(
                f"format version {body.get('version')!r}, this rootmatch reads {version}")
        if not isinstance(body.get("meta"), dict):
            raise ModelFormatError("corrupt header (no metadata)")
        members, header_dims, bounds = schema(body["meta"])
        names = set(infos) - {_META}
        if unknown := sorted(names - set(members)):
            raise ModelFormatError(f"member {unknown[0]!r}: unknown to this format")
        if missing := [m for m in members if m not in names]:
            raise ModelFormatError(f"member {missing[0]!r}: missing")
        # every member's declared dtype and shape, before its data is read; the dimensions
        # the header records, or else the entry counts of the (small) index pointers, read
        # first, fix the size of every member that uses them
        dims = dict(header_dims)
        for dim, size in _recorded_dims(body, members, header_dims).items():
            bind_dim("header dims", dim, size, dims, bounds)
        opened: dict[str, tuple[Any, np.dtype[Any], tuple[int, ...], bool, int]] = {}
        early: dict[str, np.ndarray] = {}
        try:
            total = nbytes
            for name, spec in members.items():
                opened[name] = _open_member(zf, infos[name])
                _, dtype, shape, _, size = opened[name]
                bind_shape(name, spec, dtype, shape, dims, bounds)
                total += size
                if total > limit:
                    raise ModelFormatError(
                        f"member {name!r}: the arrays would take over {limit} bytes (pass "
                        f"max_bytes= or set {MAX_BYTES_ENV} to read larger models)")
                if spec.indptr is not None and spec.indptr not in dims:
                    early[name] = a = _read_data(name, *opened[name])
                    last = int(a[-1]) if a.size else -1
                    if last < 0:
                        raise ModelFormatError(f"member {name!r}: not an index pointer")
                    bind_dim(f"member {name!r}", spec.indptr, last, dims, bounds)
            arrays = {name: early[name] if name in early else _read_data(name, *opened[name])
                      for name in members}
        finally:
            for fh, *_ in opened.values():
                fh.close()
    stored = body.pop("checksum", None)
    if not isinstance(stored, str) or not hmac.compare_digest(stored,
                                                              _checksum(arrays, body)):
        raise ModelFormatError("checksum mismatch: the file was altered or truncated")
    for name, spec in members.items():
        a = arrays[name]
        if not a.dtype.isnative:
            arrays[name] = a = a.astype(a.dtype.newbyteorder("="))
        check_values(name, spec, a, dims)
    return arrays, body["meta"]
